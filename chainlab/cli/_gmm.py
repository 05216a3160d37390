"""``chainlab gmm``: compile the discretized GMM agents and report polarization (the main job).

Registered by :func:`chainlab.cli.build_parser`; like every ``_cli_*`` module it is the only place
that touches argv, stdout and files for its subcommand.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from fractions import Fraction
from pathlib import Path

from .. import config
from .._chain.values import fraction_str
from ..errors import SpecError
from ._conventions import check_output, method_options

__all__ = ["register", "instance_options", "model_from_args", "instance_record", "start_notes",
           "spacing_note"]

from ._instance import (  # noqa: F401  (the instance's defaults and record, shared)
    DEFAULT_NEIGHBOURS,
    DEFAULT_SIGMA,
    DEFAULT_SPACING,
    DEFAULT_TIES,
    FAITHFUL_SIGMAS,
    START_RULE,
    instance_record,
    spacing_note,
    start_labels,
    start_notes,
    write_sta,
)


def _fraction(text: str) -> Fraction:
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number; write a fraction like 1/5 or a decimal like 0.2"
        ) from None
    return value


def _mirror(text: str) -> Fraction | str:
    """A number, or a symbol name (an identifier) for ``--symbolic``."""
    if text.strip().isidentifier():
        return text.strip()
    try:
        return _fraction(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number; write a fraction like 1/5 or a decimal like 0.2 (or a "
            "symbol name such as p, with --symbolic)"
        ) from None


def instance_options(parser: argparse.ArgumentParser) -> None:
    """The GMM instance options shared by ``gmm`` and the commands built on it."""
    g = parser.add_argument_group("instance (docs/model.md)")
    g.add_argument("--agents", "-n", type=int, default=4, help="number of agents n (default 4)")
    g.add_argument("--components", "-K", type=int, default=4,
                   help="number of mixture components / labels K (default 4)")
    g.add_argument("--memory", "-r", type=int, default=2, help="memory size r (default 2)")
    g.add_argument("--neighbours", "-k", type=int, default=DEFAULT_NEIGHBOURS,
                   help=f"size k of the nearest-neighbour set (default {DEFAULT_NEIGHBOURS}, "
                   "as in every chainlab command on the GMM agents)")
    g.add_argument("--mirror", "-p", type=_mirror, default=Fraction(0),
                   help="mirroring probability p, e.g. 1/5 or 0.2 (default 0); with --symbolic "
                   "a symbol name such as p")
    g.add_argument("--ties", choices=("random", "index"), default=DEFAULT_TIES,
                   help="k-set tie rule: 'random' (lumpable; the default of every chainlab "
                   "command on the GMM agents) or 'index' (agent order, like the reference "
                   "implementation)")
    g.add_argument("--spacing", type=_fraction, default=DEFAULT_SPACING,
                   help="distance between component means (default 1; the chain does not depend "
                   f"on it, but it is a faithful model of the continuous agents only for "
                   f"spacing >= {FAITHFUL_SIGMAS:g} sigma = {FAITHFUL_SIGMAS * DEFAULT_SIGMA:g}, "
                   "and the report warns below)")


def model_from_args(args: argparse.Namespace):
    """The :class:`~chainlab.models.gmm.GMMAgents` described by parsed instance options."""
    from ..models.gmm import GMMAgents

    return GMMAgents(agents=args.agents, components=args.components, memory=args.memory,
                     neighbours=args.neighbours, mirror=args.mirror, spacing=args.spacing,
                     ties=args.ties)


def register(sub) -> None:
    """Add the ``gmm`` subcommand to the ``chainlab`` parser."""
    p = sub.add_parser(
        "gmm",
        help="polarization of the discretized GMM agents, exactly",
        description="Compile the discretized interacting Gaussian-mixture agents "
        "(docs/model.md) into an exact chain and report its closed classes, the probabilities "
        "of polarization (ending in two closed silos) and consensus, and the expected rounds "
        "until absorption.",
    )
    instance_options(p)
    method_options(p, default="exact", exact_help="exact rationals (default)",
                   float_help="float64 sparse LU")
    p.add_argument("--lumped", dest="lumped", action="store_true", default=None,
                   help="lump exchangeable agents to multisets (default whenever the tie rule "
                   "allows it)")
    p.add_argument("--no-lumped", dest="lumped", action="store_false",
                   help="keep agents in order (no lumping)")
    p.add_argument("--max-states", type=int, default=None,
                   help="refuse chains with more reachable states (default: "
                   "chainlab.config.limits.max_states)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--digits", type=_digits, default=None, metavar="N",
                   help="print values to N significant digits, correctly rounded from the "
                   "exact value (default: exact fractions printed whole)")
    p.add_argument("--export", "--output", "-o", dest="export", metavar="FILE", type=Path,
                   help="also write the chain to FILE.drn (Storm) or FILE.tra (PRISM, with "
                   ".lab), and FILE.sta naming each state's agent configuration; labels "
                   "consensus / polarized / mixed mark the closed classes of that kind, "
                   "one_silo every one-silo state, split every state with two closed silos")
    p.add_argument("--symbolic", action="store_true",
                   help="keep the mirroring probability symbolic (--mirror NAME): report "
                   "polarization and expected rounds as exact rational functions of it")
    p.add_argument("--plot", metavar="FILE.png", type=Path,
                   help="with --symbolic: plot P(polarization) and P(consensus) over [0, 1] with "
                   "exact values marked")
    p.set_defaults(func=run)


def _digits(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of digits; give an integer "
                                         "from 1 to 1000, e.g. --digits 6")
    return value


def _export(cc, res, target: Path) -> list[Path]:
    """Write the chain with labels that mean what the report means, and its ``.sta``."""
    from ..io import write_drn, write_prism
    from ..polarization import state_labels

    chain = cc.chain
    by_index = state_labels(cc, res)
    labels = chain.states.labels
    chain = chain.with_labels({name: [labels[s] for s in states]
                               for name, states in by_index.items()})
    prm = cc.parameters
    if target.suffix == ".drn":
        written = [write_drn(chain, target)]
    else:
        paths = write_prism(chain, target.with_suffix(""))
        written = [paths["tra"], paths["lab"]]
    written.append(write_sta(chain, target.with_suffix(".sta"), prm["agents"],
                              prm["components"]))
    return written


def run(args: argparse.Namespace) -> int:
    """Run ``chainlab gmm`` (see :func:`register`)."""
    for option, path in (("--export", args.export), ("--plot", getattr(args, "plot", None))):
        check_output(path, option)  # before any work: the CLI never creates a folder
    if getattr(args, "symbolic", False):
        from ._parametric import run_gmm

        return run_gmm(args, args.ties == "random" if args.lumped is None else args.lumped)
    started = time.perf_counter()
    out, cc, res, (compiled, solved) = summarise(args, progress=not args.json
                                                 and sys.stderr.isatty())
    written = _export(cc, res, args.export) if args.export is not None else []
    if args.json:
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
        return 0
    _report(cc, res, out, args, compiled - started, solved - compiled, written)
    return 0


def summarise(args: argparse.Namespace, *, progress: bool = False) -> tuple:
    """Compile and solve the instance of ``args``: ``(record, compiled chain, polarization
    result, (compiled at, solved at))``, the record being what ``chainlab gmm --json`` prints
    (the sweep stores the same record for each point)."""
    from ..compiler import compile_model
    from ..polarization import polarization

    if getattr(args, "symbolic", False):
        from ._parametric import summarise_gmm

        return summarise_gmm(args, args.ties == "random" if args.lumped is None else
                             args.lumped)
    if isinstance(args.mirror, str):  # a symbol name without --symbolic: argparse's usage error
        sys.stderr.write(f"chainlab gmm: error: argument --mirror/-p: {args.mirror!r} is not a "
                         "number; write a fraction like 1/5 or a decimal like 0.2, or add "
                         f"--symbolic to keep {args.mirror} as a symbol\n")
        raise SystemExit(2)
    model = model_from_args(args)
    if args.lumped is None:
        lumped = model.exchangeable
    else:
        lumped = args.lumped
    if args.export is not None and args.export.suffix not in (".drn", ".tra"):
        raise SpecError(f"--export {args.export}: the file must end in .drn or .tra")
    if getattr(args, "plot", None) is not None:
        raise SpecError("--plot draws the rational functions of --symbolic; add --symbolic "
                        "--mirror p")
    cc = compile_model(model, lumped=lumped, max_states=args.max_states, progress=progress)
    compiled = time.perf_counter()
    with config.override(progress=progress):  # exact solve progress, block by block
        res = polarization(cc, method=args.method)
    solved = time.perf_counter()
    exact = args.method == "exact"

    def fmt(v):
        return fraction_str(Fraction(v)) if exact else float(v)

    out = {
        "num_states": res.num_states,
        "num_closed_classes": len(res.closed_classes),
        "num_polarized_classes": res.num_polarized_classes,
        "polarization_probability": fmt(res.polarization_probability),
        "consensus_probability": fmt(res.consensus_probability),
        "expected_rounds": fmt(res.expected_rounds),
        "mixed_probability": fmt(res.mixed_probability),
        "method": args.method,
        "error_bound": res.error_bound,
    }
    start = start_labels(model)
    out["instance"] = instance_record(
        agents=model.num_agents, components=model.components, memory=model.memory,
        neighbours=model.neighbours, mirror=args.mirror, ties=model.ties, spacing=args.spacing,
        start=start, method=args.method, lumped=bool(cc.lumped))
    notes = start_notes(model.num_agents, model.components, model.neighbours, start)
    spacing = spacing_note(args.spacing)
    out["notes"] = notes + ([spacing] if spacing else [])
    return out, cc, res, (compiled, solved)


def _rounded(v: Fraction, digits: int) -> str:
    """``v`` to ``digits`` significant digits, correctly rounded (half to even) from the exact
    value, with ``=`` when that is exact and ``≈`` otherwise.

    Examples
    --------
    >>> _rounded(Fraction(1, 3), 4), _rounded(Fraction(1, 4), 6), _rounded(Fraction(-2, 3), 2)
    ('≈ 0.3333', '= 0.25', '≈ -0.67')
    >>> _rounded(Fraction(99996, 10**9), 4), _rounded(Fraction(99996, 10**12), 4)
    ('≈ 0.0001000', '≈ 1.000e-7')
    >>> _rounded(Fraction(0), 3), _rounded(Fraction(7), 3), _rounded(Fraction(123456), 3)
    ('= 0', '= 7', '≈ 1.23e+5')
    """
    if v == 0:
        return "= 0"
    sign, a = ("-" if v < 0 else ""), abs(v)
    e = a.numerator.bit_length() - a.denominator.bit_length()  # 2**(e-1) < a < 2**(e+1)
    e = int(e * 0.30102999566398120) - 1
    while Fraction(10) ** (e + 1) <= a:
        e += 1
    while Fraction(10) ** e > a:
        e -= 1
    scaled = a * Fraction(10) ** (digits - 1 - e)
    m = round(scaled)
    if m == 10 ** digits:
        m, e = m // 10, e + 1
    rel = "=" if m == scaled else "≈"
    text = str(m)
    if -5 <= e < digits:
        if e >= 0:
            body = text[:e + 1] + ("." + text[e + 1:] if text[e + 1:] else "")
        else:
            body = "0." + "0" * (-e - 1) + text
        if "." in body and rel == "=":
            body = body.rstrip("0").rstrip(".")
    else:
        body = text[0] + ("." + text[1:] if len(text) > 1 else "") + f"e{e:+d}"
    return f"{rel} {sign}{body}"


def _show(v, digits: int | None = None) -> str:
    """A value of the report: exact fractions whole (never cut), or ``digits`` digits."""
    if isinstance(v, Fraction):
        if digits is not None:
            shown = _rounded(v, digits)
            return shown[2:] if shown.startswith("=") else shown
        if v.denominator == 1:
            return fraction_str(v)
        return f"{float(v):.12g}   (= {fraction_str(v)})"
    return f"{float(v):.{digits or 12}g}"


def _report(cc, res, out, args, compile_s: float, solve_s: float,
            written: list[Path]) -> None:
    from ..polarization import DEFINITION

    w = sys.stdout.write
    prm = cc.parameters
    digits = getattr(args, "digits", None)
    w("GMM agents, discretized chain (docs/model.md)\n")
    w(f"  agents n={prm['agents']}  components K={prm['components']}  memory r={prm['memory']}"
      f"  neighbours k={prm['neighbours']}  mirror p={prm['mirror']}  spacing={prm['spacing']}\n")
    w(f"  tie rule: ties={prm['ties']!r} (k-set: "
      + ("equidistant agents in uniformly random order" if prm["ties"] == "random"
         else "equidistant agents in agent-index order") + "; farthest point: by count)\n")
    w(f"  start: {START_RULE}\n")
    w(f"  lumped: {'yes (multisets of agent states)' if cc.lumped else 'no (agents in order)'}\n")
    w(f"  reachable states: {res.num_states:,}   transitions: {res.num_transitions:,}\n")
    counts = {k: res.kinds.count(k) for k in ("consensus", "polarized", "mixed")}
    w(f"  closed classes: {len(res.closed_classes)}  (consensus {counts['consensus']}, "
      f"polarized {counts['polarized']}, mixed {counts['mixed']})\n")
    w(f"  no-return states (consensus unreachable): {len(res.no_return):,}\n")
    w(f"  arithmetic: {args.method}" + ("" if args.method == "exact" else
      f" (float64; certified relative error <= {res.error_bound:.2g})") + "\n")
    w(f"  {DEFINITION}\n")
    values = [("P(polarization)", res.polarization_probability),
              ("P(consensus)   ", res.consensus_probability)]
    if counts["mixed"]:
        values.append(("P(mixed class) ", res.mixed_probability))
    values.append(("expected rounds to absorption", res.expected_rounds))
    for name, v in values:
        shown = _show(v, digits)
        w(f"  {name} {'' if shown[:1] == '≈' else '= '}{shown}\n")
    if digits is None and any(isinstance(v, Fraction) and len(fraction_str(v)) > 70
                              for _, v in values):
        w("  (exact values are printed whole; --digits N prints N significant digits)\n")
    for note in out["notes"]:
        w(f"  note: {note}\n")
    if written:
        w(f"  chain written to {', '.join(str(p) for p in written)} (labels consensus, "
          "polarized" + (", mixed" if counts["mixed"] else "") + ": the closed classes of "
          "that kind; one_silo, split: every state with one silo, with two closed silos)\n")
    w(f"  time: compile {compile_s:.2f} s, solve {solve_s:.2f} s\n")
