"""``chainlab bounds``: lower bounds on polarization vs the exact value vs simulation.

Registered by :func:`chainlab.cli.build_parser`. For one GMM instance (the options of
``chainlab gmm``) every applicable bound of :mod:`chainlab.bounds` is computed and checked; with
``--paper-scale`` the study at n = K = 30, r = 5 is run and written to ``--out``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import sys
import time
from fractions import Fraction
from pathlib import Path

from .._io.atomic import atomic_open
from ..errors import SpecError, StateSpaceLimitError

__all__ = ["register"]


def _int_list(text: str) -> list[int]:
    try:
        out = [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected integers like 1,2,5") from None
    if not out:
        raise argparse.ArgumentTypeError("expected at least one integer")
    return out


def _fraction_list(text: str) -> list[Fraction]:
    try:
        out = [Fraction(t.strip()) for t in text.split(",") if t.strip()]
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"{text!r}: expected numbers like 0,1/5,0.4") from None
    if not out:
        raise argparse.ArgumentTypeError("expected at least one number")
    return out


def _ties_list(text: str) -> list[str]:
    out = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in out if t not in ("index", "random")]
    if bad or not out:
        raise argparse.ArgumentTypeError(f"{text!r}: tie rules are 'index' and 'random'")
    return out


def _instance_list(text: str) -> list[tuple[int, int, int, int]]:
    out = []
    for item in text.split(","):
        if not item.strip():
            continue
        try:
            parts = tuple(int(x) for x in item.split(":"))
        except ValueError:
            parts = ()
        if len(parts) != 4:
            raise argparse.ArgumentTypeError(f"{item!r}: expected n:K:r:k like 4:4:2:1")
        out.append(parts)
    return out


def register(sub) -> None:
    """Add the ``bounds`` subcommand to the ``chainlab`` parser."""
    from ._gmm import instance_options

    p = sub.add_parser(
        "bounds",
        help="lower bounds on polarization vs exact value vs simulation",
        description="Compute every applicable lower bound on the polarization probability of the "
        "discretized GMM chain (proofs/bounds.md), and check each against the exact value (when "
        "the chain compiles) and a Monte Carlo estimate with its exact Clopper-Pearson interval. "
        "With --paper-scale, run the study at n = K = 30, r = 5 against simulation of the chain "
        "and of the continuous model, and write the table and a plot to --out.",
    )
    instance_options(p)
    g = p.add_argument_group("checks")
    g.add_argument("--samples", type=int, default=10_000,
                   help="simulated runs of the chain (0: no simulation; default %(default)s)")
    g.add_argument("--seed", type=int, default=0, help="random seed (default %(default)s)")
    g.add_argument("--max-states", type=int, default=50_000,
                   help="compile the chain only up to this many states (default %(default)s)")
    g.add_argument("--horizon", type=int, default=10,
                   help="rounds L of the split-reachability bound (default %(default)s)")
    g.add_argument("--max-mixed", type=int, default=2,
                   help="restricted bounds with 1..J mixed agents (default %(default)s; 0: none)")
    g.add_argument("--max-rounds", type=int, default=10_000,
                   help="simulated runs undecided after this many rounds count as not polarized")
    g.add_argument("--json", action="store_true", help="print a JSON list")
    ps = p.add_argument_group("paper scale")
    ps.add_argument("--paper-scale", action="store_true",
                    help="run the paper-scale study instead of one instance")
    ps.add_argument("--out", type=Path, default=None,
                    help="directory for paper_scale.{csv,json,md,png} (required with "
                    "--paper-scale)")
    ps.add_argument("--runs", type=int, default=1000,
                    help="runs per point for the chain (default %(default)s)")
    ps.add_argument("--continuous-runs", type=int, default=None,
                    help="runs per point for the continuous model (default: --runs)")
    ps.add_argument("--rounds", type=int, default=100,
                    help="rounds of the continuous model (default %(default)s)")
    ps.add_argument("--no-continuous", action="store_true",
                    help="skip the continuous model")
    ps.add_argument("--paper-k", type=_int_list, default=[1, 2, 5, 10, 14],
                    help="values of k (default 1,2,5,10,14)")
    ps.add_argument("--paper-p", type=_fraction_list,
                    default=[Fraction(0), Fraction(1, 5), Fraction(2, 5)],
                    help="values of p (default 0,1/5,2/5)")
    ps.add_argument("--paper-ties", type=_ties_list, default=["index", "random"],
                    help="tie rules (default index,random)")
    ps.add_argument("--paper-agents", type=int, default=30, help="n (default 30)")
    ps.add_argument("--paper-components", type=int, default=30, help="K (default 30)")
    ps.add_argument("--paper-memory", type=int, default=5, help="r (default 5)")
    sh = p.add_argument_group("sharpness over a range of compilable instances")
    sh.add_argument("--sharpness", action="store_true",
                    help="tabulate exact / bound for every bound over a grid of instances "
                    "(default start, every k) and write sharpness.{csv,json,md} to --out")
    sh.add_argument("--sharp-agents", type=_int_list, default=[2, 3, 4, 5],
                    help="values of n (default 2,3,4,5)")
    sh.add_argument("--sharp-components", type=_int_list, default=[1, 2, 3],
                    help="values of K (default 1,2,3)")
    sh.add_argument("--sharp-memory", type=_int_list, default=[1, 2, 3],
                    help="values of r (default 1,2,3)")
    sh.add_argument("--sharp-p", type=_fraction_list,
                    default=[Fraction(0), Fraction(1, 5), Fraction(2, 5)],
                    help="values of p (default 0,1/5,2/5)")
    sh.add_argument("--sharp-extra", type=_instance_list, default=[],
                    help="further instances n:K:r:k separated by commas, e.g. 4:4:2:1,6:3:2:2")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``chainlab bounds`` (see :func:`register`)."""
    if args.paper_scale:
        return _run_paper(args)
    if args.sharpness:
        return _run_sharpness(args)
    return _run_instance(args)


# --------------------------------------------------------------------------- one instance
_COUPLING_MAX_CONFIGS = 500


def _instance_bounds(model, compiled, args) -> tuple[list, list[tuple[str, str]]]:
    from .. import bounds as B

    found, skipped = [], []
    try:
        found.append(B.sequence_bound(model))
    except SpecError as exc:
        skipped.append(("sequence (BND-4)", str(exc)))
    try:
        # a few hundred configurations take seconds; beyond that, refuse rather than stall
        found.append(B.coupling_bound(model, max_configs=_COUPLING_MAX_CONFIGS))
    except (SpecError, StateSpaceLimitError) as exc:
        skipped.append(("coupling (BND-6)", str(exc)))
    for j in range(1, max(0, args.max_mixed) + 1):
        try:
            found.append(B.restricted_bound(model, max_mixed=j))
        except (SpecError, StateSpaceLimitError) as exc:
            skipped.append((f"restricted({j}) (BND-5)", str(exc)))
    if compiled is not None:
        found.append(B.split_reachability_bound(compiled, args.horizon))
        targets = B.split_states(compiled)
        if targets:
            mlp = B.most_likely_path_bound(compiled.chain, targets)
            found.append(B.BoundResult(mlp.name, mlp.value, claim=mlp.claim,
                                       assumptions=mlp.assumptions, ties=model.ties,
                                       horizon=mlp.horizon, parameters=model.describe(),
                                       details=mlp.details))
    else:
        skipped.append(("split reachability (BND-1), most likely path (BND-2)",
                        f"the chain has more than {args.max_states:,} states"))
    return found, skipped


def _run_instance(args: argparse.Namespace) -> int:
    from .. import bounds as B
    from ..compiler import compile_model
    from ._gmm import model_from_args

    for name in ("samples", "max_states", "horizon", "max_rounds"):
        if getattr(args, name) < 0:
            raise SpecError(f"--{name.replace('_', '-')} must be >= 0, got {getattr(args, name)}")
    started = time.perf_counter()
    model = model_from_args(args)
    try:
        compiled = compile_model(model, max_states=max(1, args.max_states))
    except StateSpaceLimitError:
        compiled = None
    found, skipped = _instance_bounds(model, compiled, args)
    sim = None
    if args.samples:
        sim = B.simulate_split(model, num_samples=args.samples, rng=args.seed,
                               max_rounds=max(1, args.max_rounds))
    checks = B.check_bounds(found, model, num_samples=0, compiled=compiled, simulation=sim,
                            max_states=max(1, args.max_states))
    if args.json:
        instance = _instance(model, args)
        json.dump([dict(c.to_json(), instance=instance) for c in checks], sys.stdout)
        sys.stdout.write("\n")
        return 0
    _report(model, compiled, checks, skipped, sim, args, time.perf_counter() - started)
    return 0


def _instance(model, args) -> dict:
    """The whole instance (every check of ``--json`` carries it)."""
    from ._gmm import instance_record, start_labels

    return instance_record(
        agents=model.num_agents, components=model.components, memory=model.memory,
        neighbours=model.neighbours, mirror=args.mirror, ties=model.ties, spacing=args.spacing,
        start=start_labels(model), method="bounds", samples=args.samples, seed=args.seed)


def _short(v) -> str:
    if v is None:
        return "-"
    f = float(v)
    return f"{f:.4g}" if f == 0 or 1e-4 <= abs(f) else f"{f:.3e}"


def _report(model, compiled, checks, skipped, sim, args, elapsed: float) -> None:
    w = sys.stdout.write
    d = model.describe()
    from ._gmm import START_RULE, start_labels, start_notes

    w("Lower bounds on P(polarization), discretized GMM chain (docs/model.md)\n")
    w(f"  agents n={d['agents']}  components K={d['components']}  memory r={d['memory']}  "
      f"neighbours k={d['neighbours']}  mirror p={d['mirror']}\n")
    w(f"  tie rule: ties={d['ties']!r}   start: {START_RULE}\n")
    for note in start_notes(model.num_agents, model.components, model.neighbours,
                            start_labels(model)):
        w(f"  note: {note}\n")
    ex = checks[0] if checks else None
    if compiled is None:
        w(f"  exact value: not available (more than {args.max_states:,} states)\n")
    elif ex is not None and ex.exact is not None:
        w(f"  exact P(polarization) = {float(ex.exact):.10g}   ({compiled.chain.num_states:,} "
          "states, exact rationals)\n")
    elif ex is not None and ex.numeric is not None:
        w(f"  P(polarization) = {ex.numeric:.10g}   (float64, {compiled.chain.num_states:,} "
          "states)\n")
    if sim is not None:
        e = sim.estimate()
        w(f"  simulation: {sim.num_runs:,} runs of the chain (seed {args.seed}), "
          f"{int(sim.split.sum()):,} reached two closed silos: {e.estimate:.4f} "
          f"[{e.ci[0]:.4f}, {e.ci[1]:.4f}] (95% Clopper-Pearson); {sim.num_truncated} undecided "
          f"after {sim.max_rounds} rounds\n")
    w("\n")
    rows = [("bound", "claim", "value", "exact", "estimate [95% CI]", "bound/exact", "verdict")]
    for c in checks:
        ref = c.exact if c.exact is not None else c.numeric
        ratio = "-" if ref is None or float(ref) == 0 else f"{float(c.bound.value) / float(ref):.3g}"
        est = "-" if c.estimate is None else (
            f"{c.estimate.estimate:.4f} [{c.estimate.ci[0]:.4f}, {c.estimate.ci[1]:.4f}]")
        rows.append((c.bound.name, c.bound.claim, _short(c.bound.value), _short(ref), est,
                     ratio, c.verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        w("  " + "  ".join(x.ljust(widths[i]) for i, x in enumerate(r)).rstrip() + "\n")
    for name, why in skipped:
        w(f"  not applicable: {name}: {why}\n")
    bad = [c for c in checks if c.verdict == "violated"]
    if bad:
        w(f"\n  VIOLATED: {', '.join(c.bound.name for c in bad)} -- "
          + "; ".join(c.reason for c in bad) + "\n")
    w(f"  time: {elapsed:.2f} s\n")


# --------------------------------------------------------------------------- paper scale
def _run_paper(args: argparse.Namespace) -> int:
    from .. import bounds as B

    if args.out is None:
        raise SpecError("--paper-scale writes its table and plot to a directory: give --out DIR")
    if args.out.exists() and not args.out.is_dir():
        raise SpecError(f"--out {args.out} exists and is not a directory")
    study = B.paper_scale_study(
        neighbours=args.paper_k, mirrors=args.paper_p, ties=args.paper_ties,
        agents=args.paper_agents, components=args.paper_components, memory=args.paper_memory,
        num_samples=args.runs, continuous_samples=args.continuous_runs, num_rounds=args.rounds,
        max_rounds=max(1, args.max_rounds), continuous=not args.no_continuous, rng=args.seed,
        progress=not args.json and sys.stderr.isatty())
    args.out.mkdir(parents=True, exist_ok=True)
    records = study.to_records()
    meta = dict(study.parameters, seed=args.seed, seconds=round(study.seconds, 1),
                command="chainlab " + " ".join(sys.argv[1:]) if sys.argv else "")
    paths = _write_paper(study, records, meta, args.out)
    if args.json:
        json.dump(records, sys.stdout)
        sys.stdout.write("\n")
        return 0
    w = sys.stdout.write
    w(f"Paper-scale study: n={study.parameters['agents']} K={study.parameters['components']} "
      f"r={study.parameters['memory']}; chain runs {study.parameters['runs']} per point (until "
      f"two closed silos or a decided consensus), continuous runs "
      f"{study.parameters['continuous_runs']} x {study.parameters['rounds']} rounds; seed "
      f"{args.seed}\n\n")
    w(study.to_markdown())
    readouts = sorted({r.continuous_readout for r in study.rows if r.continuous_readout})
    if readouts:
        w(f"\ncontinuous model read-out of closed silos: {', '.join(readouts)}\n")
    w("written: " + ", ".join(str(p) for p in paths) + "\n")
    w(f"time: {study.seconds:.1f} s\n")
    return 0


def _run_sharpness(args: argparse.Namespace) -> int:
    from .. import bounds as B

    if args.out is None:
        raise SpecError("--sharpness writes its table to a directory: give --out DIR")
    if args.out.exists() and not args.out.is_dir():
        raise SpecError(f"--out {args.out} exists and is not a directory")
    study = B.sharpness_study(agents=args.sharp_agents, components=args.sharp_components,
                              memory=args.sharp_memory, mirrors=args.sharp_p,
                              ties=args.paper_ties, max_states=max(1, args.max_states),
                              horizon=args.horizon, extra=args.sharp_extra)
    args.out.mkdir(parents=True, exist_ok=True)
    meta = {"command": "chainlab " + " ".join(sys.argv[1:]), "max_states": args.max_states,
            "horizon": args.horizon, "decided_by_start": study.num_decided,
            "skipped_too_large": study.num_skipped, "seconds": round(study.seconds, 1)}
    records = list(study.rows)
    with atomic_open(args.out / "sharpness.json") as f:
        json.dump({"parameters": meta, "summary": study.summary(), "rows": records}, f,
                  indent=1)
        f.write("\n")
    if records:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
        with atomic_open(args.out / "sharpness.csv", newline="") as f:
            f.write(buf.getvalue())
    with atomic_open(args.out / "sharpness.md") as f:
        f.write(f"<!-- {json.dumps(meta)} -->\n")
        f.write(study.to_markdown())
    if args.json:
        json.dump({"summary": study.summary(), "rows": records}, sys.stdout)
        sys.stdout.write("\n")
        return 0
    sys.stdout.write(f"{study!r}; ties {', '.join(args.paper_ties)}; exact / bound "
                     "(1 = sharp; larger = weaker)\n\n")
    sys.stdout.write(study.to_markdown())
    sys.stdout.write(f"written to {args.out} ({study.seconds:.1f} s)\n")
    return 0


def _write_paper(study, records, meta, out: Path) -> list[Path]:
    paths = []
    csv_path = out / "paper_scale.csv"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(records[0]))
    writer.writeheader()
    writer.writerows(records)
    with atomic_open(csv_path, newline="") as f:
        f.write(buf.getvalue())
    paths.append(csv_path)
    json_path = out / "paper_scale.json"
    with atomic_open(json_path) as f:
        json.dump({"parameters": meta, "rows": records}, f, indent=1)
        f.write("\n")
    paths.append(json_path)
    md_path = out / "paper_scale.md"
    with atomic_open(md_path) as f:
        f.write(f"<!-- {json.dumps(meta)} -->\n")
        f.write(study.to_markdown())
    paths.append(md_path)
    png = out / "paper_scale.png"
    _plot_paper(study, png)
    paths.append(png)
    return paths


def _plot_paper(study, path: Path) -> None:
    """Estimates (top, linear) and the bound (bottom, log scale) across k, one column per tie
    rule, written atomically."""
    from matplotlib.figure import Figure

    from ..plot import save_figure

    ties = sorted({r.ties for r in study.rows})
    fig = Figure(figsize=(5.2 * len(ties), 6.4), layout="constrained")
    axes = fig.subplots(2, len(ties), squeeze=False, sharex=True,
                        gridspec_kw={"height_ratios": [3, 2]})
    mirrors = sorted({r.mirror for r in study.rows})
    colours = ["C0", "C1", "C2", "C3", "C4", "C5"]
    for col, t in enumerate(ties):
        top, bottom = axes[0, col], axes[1, col]
        for n_p, p in enumerate(mirrors):
            rows = sorted((r for r in study.rows if r.ties == t and r.mirror == p),
                          key=lambda r: r.neighbours)
            ks = [r.neighbours for r in rows]
            c = colours[n_p % len(colours)]
            shift = 0.15 * (n_p - (len(mirrors) - 1) / 2)
            for kind, marker, dx in (("chain", "o", -0.04), ("continuous", "s", 0.04)):
                pts = [(k + shift + dx, getattr(r, kind)) for k, r in zip(ks, rows)
                       if getattr(r, kind) is not None]
                if not pts:
                    continue
                top.errorbar([x for x, _ in pts], [e.estimate for _, e in pts],
                             yerr=[[e.estimate - e.ci[0] for _, e in pts],
                                   [e.ci[1] - e.estimate for _, e in pts]],
                             fmt=marker, color=c, ms=4, capsize=2,
                             mfc="white" if kind == "continuous" else c,
                             label=f"p={p}: {kind}")
            pts = [(k + shift, float(r.bound.value)) for k, r in zip(ks, rows)
                   if r.bound is not None and r.bound.value > 0]
            if pts:
                bottom.plot([x for x, _ in pts], [v for _, v in pts], "v--", color=c, ms=5,
                            lw=0.8, label=f"p={p}")
        top.set_ylim(-0.03, 1.03)
        top.set_ylabel("P(two closed silos), 95% CI")
        top.set_title(f"ties={t!r}, n={study.parameters['agents']}, "
                      f"K={study.parameters['components']}, r={study.parameters['memory']}")
        top.legend(fontsize=7, frameon=False, loc="lower left", ncol=2)
        bottom.set_yscale("log")
        bottom.set_ylabel("best bound (BND-4)")
        bottom.set_xlabel("k (neighbours)")
        bottom.legend(fontsize=7, frameon=False, loc="lower left")
    save_figure(fig, path)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o644)
