"""Command-line front ends of the parametric analyses (internal; called by ``chainlab.cli`` and
``chainlab.cli._gmm``, the only modules that own argv and stdout)."""

from __future__ import annotations

import json
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

from .. import config
from ..errors import SpecError

__all__: list[str] = []  # private module

#: points where ``chainlab gmm --symbolic`` prints (and plots) exact values
GMM_POINTS = (Fraction(0), Fraction(1, 10), Fraction(1, 5), Fraction(1, 2), Fraction(4, 5),
              Fraction(1))


def factored(ring, rf: tuple) -> str:
    """A reduced rational function, numerator and denominator factored over the integers,
    printed in SymPy syntax (``sympy.sympify`` reads it back)."""

    def atomic(text: str) -> bool:
        return text.isidentifier() or text.isdigit()

    def part(poly) -> tuple[str, bool]:
        """(text, is it a bare sum that needs parentheses in a quotient or product)"""
        c, fs = poly.factor()
        c = int(c)
        fs = sorted(fs, key=lambda t: (ring.degree(t[0]), str(t[0])))
        if not fs:
            return str(c), False
        if len(fs) == 1 and fs[0][1] == 1 and c == 1:
            t = str(ring.poly_to_sympy(fs[0][0]))
            return t, not atomic(t)
        bits = []
        for g, e in fs:
            t = str(ring.poly_to_sympy(g))
            t = t if atomic(t) else f"({t})"
            bits.append(t if e == 1 else f"{t}**{e}")
        prefix = "-" if c == -1 else "" if c == 1 else f"{c}*"
        return prefix + "*".join(bits), True

    n, d = rf
    if n.is_zero():
        return "0"
    top, top_compound = part(n)
    if d.is_one():
        return top
    bottom, bottom_compound = part(d)
    if top_compound:
        top = f"({top})"
    if bottom_compound or not atomic(bottom.split("**")[0]):
        bottom = f"({bottom})"
    return f"{top}/{bottom}"


def _shorten(s: str, limit: int = 4000) -> str:
    return s if len(s) <= limit else f"{s[:limit // 2]} ... {s[-limit // 2:]} ({len(s)} chars)"


def _fraction_text(v: Fraction) -> str:
    s = str(v)
    if len(s) > 50:
        s = f"{s[:20]}...{s[-20:]} ({len(s)} chars)"
    return f"{float(v):.12g}   (= {s})"


# ---------------------------------------------------------------------- chainlab analyze
def run_analyze(args: Any, path: Path, chain: Any, started: float) -> int:
    """``chainlab analyze`` on a parametric file: same JSON keys, values as SymPy strings."""
    from ..parametric.analysis import absorption, hitting
    from ..structure import classify

    if args.method == "float":
        raise SpecError(f"{path.name} is parametric (parameters "
                        f"{', '.join(chain._ring.names)}); --float needs numbers: substitute "
                        "values first, or drop --float for rational functions")
    st = classify(chain._skeleton())
    out: dict = {
        "num_states": chain.num_states,
        "num_transitions": chain.num_transitions,
        "closed_classes": [list(c) for c in st.closed_classes],
        "transient": list(st.transient),
    }
    if args.target is not None:
        if args.target not in chain.labels:
            known = ", ".join(sorted(chain.labels)) or "none"
            raise SpecError(f"--target {args.target!r} is not a label of {path.name}; its "
                            f"labels are: {known}")
        hit = hitting(chain, args.target)
        out["reach"] = {str(i): str(v) for i, v in enumerate(hit.probabilities)}
        res = absorption(chain, probabilities=False)
    else:
        res = absorption(chain)
        assert res.B is not None  # (probabilities=True)
        out["absorption"] = {str(i): [str(v) for v in res.B[i]] for i in st.transient}
    out["expected_steps"] = {str(i): str(res.t[i]) for i in st.transient}
    initial = {}
    for i in (chain.initial or {}):
        entry: dict[str, Any] = {"reach": out["reach"][str(i)]} if args.target is not None \
            else {"absorption": [str(v) for v in res.B[i]]}  # type: ignore[index]
        entry["expected_steps"] = str(res.t[i])
        initial[str(i)] = entry
    out["initial"] = initial
    out["method"] = "parametric"
    out["error_bound"] = 0.0  # rational functions: exact
    out["tolerance"] = args.tolerance if args.tolerance is not None else \
        config.limits.tolerance
    elapsed = time.perf_counter() - started
    if args.json:
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
        return 0
    w = sys.stdout.write
    ring = chain._ring
    w(f"chain: {path}\n")
    w(f"  parameters: {', '.join(ring.names)}\n")
    w(f"  states: {chain.num_states:,}   transitions: {chain.num_transitions:,}\n")
    w("  arithmetic: parametric (state elimination over rational functions)\n")
    region = chain.well_defined_region()
    if region.set is not None:
        w(f"  entries are probabilities for {ring.names[0]} in {region.set}\n")
    else:
        w(f"  entries are probabilities where {len(region.constraints)} constraints hold "
          "(ParametricChain.well_defined_region())\n")
    changes = res.structure_changes
    w("  the graph changes (an edge vanishes) at: "
      + (", ".join(str(c) for c in changes) if changes else "nowhere") + "\n")
    w(f"  closed classes: {st.num_closed_classes} ({len(st.absorbing)} absorbing states)\n")
    w(f"  transient states: {len(st.transient):,}\n")
    if chain.initial:
        init = ", ".join(f"{chain.states.label_of(i)}: {p}"
                         for i, p in list(chain.initial.items())[:4])
        w(f"  from the initial distribution ({init}):\n")
        if res.initial_B is not None:
            for k, v in enumerate(res.initial_B[:10]):
                w(f"    P(absorbed in class {k}) = {_shorten(factored(ring, v._rf))}\n")
        w(f"    expected steps to absorption = {_shorten(factored(ring, res.initial_t._rf))}\n")
        if args.target is not None:
            for i in chain.initial:
                w(f"    P(reach {args.target} from {i}) = "
                  f"{_shorten(factored(ring, hit.probabilities[i]._rf))}\n")
    w(f"  time: {elapsed:.3f} s\n")
    return 0


# ---------------------------------------------------------------------- chainlab gmm --symbolic
def run_gmm(args: Any, lumped: bool) -> int:
    """``chainlab gmm --symbolic``: polarization as rational functions of the mirror symbol."""
    started = time.perf_counter()
    out, cc, res, times = summarise_gmm(args, lumped)
    return _continue_gmm(args, out, cc, res, args.mirror, (started, *times))


def summarise_gmm(args: Any, lumped: bool) -> tuple:
    """The ``--symbolic`` record of ``chainlab gmm --json`` with the compiled chain and result
    (see ``chainlab.cli._gmm.summarise``)."""
    from ..parametric.analysis import polarization
    from ..parametric.gmm import compile_gmm

    symbol = args.mirror
    if not isinstance(symbol, str):
        raise SpecError(f"--symbolic needs a symbol name for --mirror (e.g. --mirror p), got "
                        f"{symbol}")
    if args.method == "float":
        raise SpecError("--symbolic computes exact rational functions; drop --float")
    if args.export is not None and args.export.suffix != ".drn":
        raise SpecError(f"--export {args.export}: parametric chains are written as Storm .drn "
                        "files only")
    cc = compile_gmm(agents=args.agents, components=args.components, memory=args.memory,
                     neighbours=args.neighbours, mirror=symbol, spacing=args.spacing,
                     ties=args.ties, lumped=lumped, max_states=args.max_states)
    compiled = time.perf_counter()
    res = polarization(cc)
    solved = time.perf_counter()
    out: dict[str, Any] = {
        "num_states": res.num_states,
        "num_closed_classes": len(res.closed_classes),
        "num_polarized_classes": res.num_polarized_classes,
        "polarization_probability": str(res.polarization_probability),
        "consensus_probability": str(res.consensus_probability),
        "expected_rounds": str(res.expected_rounds),
        "mixed_probability": str(res.mixed_probability),
        "method": "symbolic",
        "error_bound": 0.0,
    }
    from ._instance import instance_record, start_notes

    start = [i % args.components for i in range(args.agents)]
    out["instance"] = instance_record(
        agents=args.agents, components=args.components, memory=args.memory,
        neighbours=args.neighbours, mirror=0, ties=args.ties, spacing=args.spacing,
        start=start, method="symbolic", lumped=bool(lumped))
    out["instance"]["mirror"] = symbol
    out["notes"] = start_notes(args.agents, args.components, args.neighbours, start)
    return out, cc, res, (compiled, solved)


def _continue_gmm(args: Any, out: dict, cc: Any, res: Any, symbol: str,
                  times: tuple[float, float, float]) -> int:
    from .. import polarization as numeric_polarization
    from ..io import write_drn

    started, compiled, solved = times
    chain = cc.chain
    if args.export is not None:
        # the labels of chainlab gmm --export (docs/model.md, "Exported chains")
        from ..models.silos import is_split

        names = chain.states.labels
        marks = {kind: [names[s] for c, k in zip(res.closed_classes, res.kinds) if k == kind
                        for s in c] for kind in ("consensus", "polarized", "mixed")
                 if kind != "mixed" or kind in res.kinds}
        marks["one_silo"] = [names[s] for s in range(len(names)) if cc.num_silos[s] == 1]
        marks["split"] = [s for s in names if is_split(s, neighbours=args.neighbours)]
        write_drn(chain.with_labels(marks), args.export)
        from ._instance import write_sta

        write_sta(chain, args.export.with_suffix(".sta"), args.agents, args.components)
    points = []  # (x, polarization, consensus, expected rounds, generic?)
    for x in GMM_POINTS:
        if chain.is_generic_at(x):
            points.append((x, res.polarization_probability(x), res.consensus_probability(x),
                           res.expected_rounds(x), True))
        else:  # the graph changes here: solve the substituted chain itself
            sub = numeric_polarization.polarization(chain.substitute(x), num_silos=cc.num_silos)
            points.append((x, sub.polarization_probability, sub.consensus_probability,
                           sub.expected_rounds, False))
    if args.plot is not None:
        _plot_gmm(res, points, args.plot, symbol, cc.parameters)
    if args.json:
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
        return 0
    w = sys.stdout.write
    prm = cc.parameters
    ring = chain._ring
    w("GMM agents, discretized chain (docs/model.md), symbolic mirroring probability\n")
    w(f"  agents n={prm['agents']}  components K={prm['components']}  memory r={prm['memory']}"
      f"  neighbours k={prm['neighbours']}  mirror p: the symbol {symbol}  "
      f"spacing={prm['spacing']}\n")
    w(f"  tie rule: ties={prm['ties']!r}\n")
    w(f"  lumped: {'yes (multisets of agent states)' if cc.lumped else 'no (agents in order)'}\n")
    w(f"  reachable states: {res.num_states:,}   transitions: {res.num_transitions:,}   "
      f"entries: polynomials of degree <= {cc.degree} in {symbol} (interpolated from "
      f"{len(cc.sample_points) - 1} exact compilations, checked at {cc.sample_points[-1]})\n")
    counts = {k: res.kinds.count(k) for k in ("consensus", "polarized", "mixed")}
    w(f"  closed classes (generic {symbol}): {len(res.closed_classes)}  (consensus "
      f"{counts['consensus']}, polarized {counts['polarized']}, mixed {counts['mixed']})\n")
    region = chain.well_defined_region()
    w(f"  entries are probabilities for {symbol} in {region.set}; the graph changes at "
      + (", ".join(f"{symbol} = {c.rhs}" for c in res.structure_changes) or "no point") + "\n")
    pol, rounds = res.polarization_probability, res.expected_rounds
    w(f"  P(polarization) = {_shorten(factored(ring, pol._rf))}\n")
    w(f"      degree {pol.degree[0]}/{pol.degree[1]}; on [0, 1]: {pol.monotonicity((0, 1))}\n")
    w(f"  expected rounds to absorption = {_shorten(factored(ring, rounds._rf))}\n")
    w(f"      degree {rounds.degree[0]}/{rounds.degree[1]}\n")
    w("  values (exact):\n")
    for x, p_pol, _, p_rounds, generic in points:
        note = "" if generic else "   [graph changes here: value of the substituted chain]"
        w(f"    {symbol} = {str(x):5s} P(polarization) = {_fraction_text(p_pol)}{note}\n")
        w(f"    {'':{len(symbol) + 9}s}expected rounds = {_fraction_text(p_rounds)}\n")
    if args.export is not None:
        w(f"  chain written to {args.export}\n")
    if args.plot is not None:
        w(f"  plot written to {args.plot}\n")
    w(f"  time: compile {compiled - started:.2f} s, solve {solved - compiled:.2f} s\n")
    return 0


def _plot_gmm(res, points, path: Path, symbol: str, prm: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    generic = [pt for pt in points if pt[4]]
    res.polarization_probability.plot((0, 1), ax=ax, label="P(polarization)",
                                      points=[pt[0] for pt in generic])
    res.consensus_probability.plot((0, 1), ax=ax, label="P(consensus)")
    for x, p_pol, _, _, is_generic in points:
        if not is_generic:
            ax.plot([float(x)], [float(p_pol)], "s", mfc="none", color="red", ms=6)
            ax.annotate(f"{symbol}={x}: {p_pol} (graph changes)", (float(x), float(p_pol)),
                        textcoords="offset points", xytext=(-10, -14), fontsize=8, ha="right"
                        if x > 0.5 else "left")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"mirroring probability {symbol}")
    ax.set_title(f"GMM agents n={prm['agents']}, K={prm['components']}, r={prm['memory']}, "
                 f"k={prm['neighbours']}, ties={prm['ties']}", fontsize=10)
    ax.legend(loc="best", fontsize=8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
