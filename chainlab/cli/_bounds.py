"""``chainlab bounds``: lower bounds on polarization vs the exact value vs simulation.

Registered by :func:`chainlab.cli.build_parser`. For one GMM instance (the options of
``chainlab gmm``) every applicable bound of :mod:`chainlab.bounds` is computed and checked; with
``--paper-scale`` the study at n = K = 30, r = 5 is run and written to ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
import time
from fractions import Fraction
from pathlib import Path

from .._io.atomic import atomic_open
from ..errors import SpecError, StateSpaceLimitError
from ._conventions import check_output, make_output_dir

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
    g.add_argument("--samples", type=int, default=None,
                   help="simulated runs of the chain (0: no simulation; default 10000, skipped "
                   f"with the --samples that fit when they would take over "
                   f"{_SIM_BUDGET_SECONDS:g} s)")
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
    ps.add_argument("--output", "--out", "-o", dest="out", type=Path, default=None,
                    metavar="DIR",
                    help="directory for paper_scale.{csv,json,md,png} or sharpness.{csv,json,md} "
                    "(required with --paper-scale and --sharpness; created if missing, in an "
                    "existing folder)")
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
    check_output(args.out, "--output", directory=True)  # before the study: nothing created
    if args.paper_scale:
        return _run_paper(args)
    if args.sharpness:
        return _run_sharpness(args)
    return _run_instance(args)


# --------------------------------------------------------------------------- one instance
_COUPLING_MAX_CONFIGS = 500
_RESTRICTED_MAX_STATES = 20_000  # restricted_bound's own default
_PAIR_MAX_STATES = 800  # mutual_pair_bound's game: memory <= 6 (memory 5: about 15 s)
#: Longest projected simulation run for the default --samples (an explicit --samples runs).
_SIM_BUDGET_SECONDS = 10.0
_PILOT_RUNS = 20


def _paper_hint(model) -> str:
    """Where to go for an instance too large for per-instance bounds."""
    return (f"for instances of this size use the paper-scale study: chainlab bounds --paper-scale "
            f"--paper-agents {model.num_agents} --paper-components {model.components} "
            f"--paper-memory {model.memory} --paper-k {model.neighbours} --output DIR")


def _initial_labels_used(model) -> int:
    """How many labels the start uses (no run ever reaches another: points are only copied)."""
    return len({c for a in model.initial_agents() for c, m in enumerate(a) if m})


def _start_successors(model, lumped: bool) -> int:
    """An upper bound on the successors of the start state (the compiler's first expansion):
    the product over agents of their one-round outcomes -- over agent types, each with
    ``C(o + c - 1, c)`` multisets for ``c`` agents of ``o`` outcomes, when lumped."""
    import math

    agents = model.initial_agents()
    outcomes = [len(model.agent_distribution(agents, i)) for i in range(len(agents))]
    if not lumped:
        return math.prod(outcomes)
    types: dict[tuple, list[int]] = {}
    for a, o in zip(agents, outcomes):
        types.setdefault(a, []).append(o)
    return math.prod(math.comb(max(os_) + len(os_) - 1, len(os_)) for os_ in types.values())


def _coupling_configs(model) -> int:
    """An upper bound on the all-pure configurations coupling_bound visits: label multisets
    (random ties) or label sequences (index ties) over the labels of the start."""
    import math

    n, L = model.num_agents, _initial_labels_used(model)
    return math.comb(n + L - 1, n) if model.ties == "random" else L ** n


def _restricted_states(model, j: int) -> int:
    """An upper bound on the states of restricted_bound's sub-chain with at most ``j`` mixed
    agents: pure agents on the start's ``L`` labels times mixed agent states over them."""
    import math

    n, r, L = model.num_agents, model.memory, _initial_labels_used(model)
    mixed = math.comb(r + L - 1, L - 1) - L  # agent states with points on two labels or more
    total = 0
    for m in range(min(j, n) + 1):
        if mixed == 0 and m:  # memory 1 or one label: no agent is ever mixed
            break
        if model.ties == "random":  # multisets: pure agents over L labels, mixed over `mixed`
            total += math.comb(n - m + L - 1, n - m) * (math.comb(mixed + m - 1, m) if m else 1)
        else:
            total += L ** (n - m) * math.comb(n, m) * mixed ** m
    return total


def _instance_bounds(model, compiled, args) -> tuple[list, list[tuple[str, str]]]:
    from .. import bounds as B

    found, skipped = [], []
    try:
        found.append(B.sequence_bound(model))
    except SpecError as exc:
        skipped.append(("sequence (BND-4)", str(exc)))
    pair_states = math.comb(model.memory + 2, 2) ** 2
    if pair_states > _PAIR_MAX_STATES:
        skipped.append(("mutual pairs (BND-7)", (f"its game has {pair_states:,} pair states for "
                                                  f"memory {model.memory}, more than the "
                                                  f"{_PAIR_MAX_STATES:,} it solves in seconds")))
    else:
        try:
            found.append(B.mutual_pair_bound(
                model, progress=not getattr(args, "json", False) and sys.stderr.isatty()))
        except SpecError as exc:
            skipped.append(("mutual pairs (BND-7)", str(exc)))
    configs = _coupling_configs(model)
    if configs > _COUPLING_MAX_CONFIGS:  # estimated before: each one costs O(n) laws
        skipped.append(("coupling (BND-6)", (f"up to {configs:,} all-pure configurations, more "
                                             f"than the {_COUPLING_MAX_CONFIGS:,} it visits in "
                                             "seconds")))
    else:
        try:
            found.append(B.coupling_bound(model, max_configs=_COUPLING_MAX_CONFIGS))
        except (SpecError, StateSpaceLimitError) as exc:
            skipped.append(("coupling (BND-6)", str(exc)))
    for j in range(1, max(0, args.max_mixed) + 1):
        size = _restricted_states(model, j)
        if size > _RESTRICTED_MAX_STATES:
            skipped.append((f"restricted({j}) (BND-5)",
                            (f"up to {size:,} states with at most {j} mixed agent(s), more than "
                             f"its limit of {_RESTRICTED_MAX_STATES:,}")))
            continue
        try:
            found.append(B.restricted_bound(model, max_mixed=j,
                                            max_states=_RESTRICTED_MAX_STATES))
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
                        getattr(args, "compile_skipped", None)
                        or f"the chain has more than {args.max_states:,} states"))
    return found, skipped


def _compile_if_small(model, args):
    """The compiled chain, or None when it has more than --max-states states -- refused before
    the first expansion when the start state alone may have more successors than that (the
    first expansion of a 30-agent start would take minutes and gigabytes)."""
    from ..compiler import compile_model

    limit = max(1, args.max_states)
    successors = _start_successors(model, lumped=model.exchangeable)
    if successors > limit:
        args.compile_skipped = (f"the start state alone may have up to {successors:,} "
                                f"successors, more than --max-states {args.max_states:,}; the "
                                "chain was not compiled")
        return None
    try:
        return compile_model(model, max_states=limit)
    except StateSpaceLimitError:
        return None


def _simulation(model, args, skipped: list):
    """The chain's simulation, or None -- also when the default --samples would take longer
    than ``_SIM_BUDGET_SECONDS`` (a pilot of a few runs measures it; the report names the
    --samples that fit; an explicit --samples always runs)."""
    from .. import bounds as B

    samples = 10_000 if args.samples is None else args.samples
    if not samples:
        return None
    max_rounds = max(1, args.max_rounds)
    if args.samples is None:
        pilot = min(_PILOT_RUNS, samples)
        t = time.perf_counter()
        B.simulate_split(model, num_samples=pilot, rng=args.seed + 1, max_rounds=max_rounds)
        per_run = (time.perf_counter() - t) / pilot
        projected = per_run * samples
        if projected > _SIM_BUDGET_SECONDS:
            fits = max(100, int(_SIM_BUDGET_SECONDS / per_run) // 100 * 100)
            skipped.append(("simulation", (f"{samples:,} runs would take about "
                                           f"{projected:.0f} s; pass --samples {samples} to run "
                                           f"them anyway, or --samples {fits} (about "
                                           f"{fits * per_run:.0f} s)")))
            return None
    return B.simulate_split(model, num_samples=samples, rng=args.seed, max_rounds=max_rounds)


def _run_instance(args: argparse.Namespace) -> int:
    from .. import bounds as B
    from ._gmm import model_from_args

    for name in ("samples", "max_states", "horizon", "max_rounds"):
        value = getattr(args, name)
        if value is not None and value < 0:
            raise SpecError(f"--{name.replace('_', '-')} must be >= 0, got {value}")
    started = time.perf_counter()
    model = model_from_args(args)
    compiled = _compile_if_small(model, args)
    found, skipped = _instance_bounds(model, compiled, args)
    sim = _simulation(model, args, skipped)
    if not found and sim is None:
        raise SpecError("no per-instance bound fits this instance ("
                        + "; ".join(f"{name}: {why}" for name, why in skipped) + "); "
                        + _paper_hint(model))
    args.samples_run = 0 if sim is None else sim.num_runs
    large = any(why.startswith(("up to", "the start state alone")) or name == "simulation"
                for name, why in skipped)
    if args.json:
        for name, why in skipped:
            sys.stderr.write(f"chainlab bounds: not computed: {name}: {why}\n")
        if large:
            sys.stderr.write(f"chainlab bounds: {_paper_hint(model)}\n")
    args.paper_hint = _paper_hint(model) if large else None
    if compiled is not None:
        checks = B.check_bounds(found, model, num_samples=0, compiled=compiled, simulation=sim,
                                max_states=max(1, args.max_states))
    else:  # check_bounds would compile the chain again: judged by the simulation alone
        note = f"chain larger than {args.max_states:,} states: no exact value"
        max_rounds = sim.max_rounds if sim is not None else max(1, args.max_rounds)
        checks = tuple(B._verdict(b, None, None, note, sim, max_rounds, 0.95) for b in found)
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
        start=start_labels(model), method="bounds", samples=getattr(args, "samples_run", 0),
        seed=args.seed)


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
    if getattr(args, "paper_hint", None):
        w(f"  {args.paper_hint}\n")
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
    created = make_output_dir(args.out, "--output")
    if created and args.json:
        sys.stderr.write(f"chainlab bounds: created directory {args.out}\n")
    records = study.to_records()
    from .. import __version__

    meta = dict(study.parameters, seed=args.seed, seconds=round(study.seconds, 1),
                command="chainlab " + " ".join(sys.argv[1:]) if sys.argv else "",
                chainlab_version=__version__)
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
    if created:
        w(f"created directory {args.out}\n")
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
    created = make_output_dir(args.out, "--output")
    if created and args.json:
        sys.stderr.write(f"chainlab bounds: created directory {args.out}\n")
    from .. import __version__

    meta = {"command": "chainlab " + " ".join(sys.argv[1:]), "chainlab_version": __version__,
            "max_states": args.max_states,
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
    sys.stdout.write(f"written to {args.out}" + (" (created)" if created else "")
                     + f" ({study.seconds:.1f} s)\n")
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
        bottom.set_ylim(top=2.0)  # a probability: the automatic log ticks ran to 1e4
        bottom.set_ylabel("best bound (BND-4 or BND-7)")
        bottom.set_xlabel("k (neighbours)")
        bottom.legend(fontsize=7, frameon=False, loc="lower left")
    save_figure(fig, path)  # mode 0o666 less the umask, like every file chainlab writes
