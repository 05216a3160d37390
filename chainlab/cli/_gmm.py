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

from .._values import fraction_str
from ..errors import SpecError

__all__ = ["register", "instance_options", "model_from_args"]


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
    g = parser.add_argument_group("instance (DESIGN.md section 4)")
    g.add_argument("--agents", "-n", type=int, default=4, help="number of agents n (default 4)")
    g.add_argument("--components", "-K", type=int, default=4,
                   help="number of mixture components / labels K (default 4)")
    g.add_argument("--memory", "-r", type=int, default=2, help="memory size r (default 2)")
    g.add_argument("--neighbours", "-k", type=int, default=1,
                   help="size k of the nearest-neighbour set (default 1)")
    g.add_argument("--mirror", "-p", type=_mirror, default=Fraction(0),
                   help="mirroring probability p, e.g. 1/5 or 0.2 (default 0); with --symbolic "
                   "a symbol name such as p")
    g.add_argument("--ties", choices=("random", "index"), default="random",
                   help="k-set tie rule: 'random' (lumpable, default) or 'index' (agent order, "
                   "like the reference implementation)")
    g.add_argument("--spacing", type=_fraction, default=Fraction(1),
                   help="distance between component means (reported; the chain does not depend "
                   "on it)")


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
        description="Compile the discretized interacting Gaussian-mixture agents (DESIGN.md "
        "section 4) into an exact chain and report its closed classes, the probabilities of "
        "polarization and consensus, and the expected rounds until absorption.",
    )
    instance_options(p)
    m = p.add_mutually_exclusive_group()
    m.add_argument("--exact", dest="method", action="store_const", const="exact",
                   help="exact rationals (default)")
    m.add_argument("--float", dest="method", action="store_const", const="float",
                   help="float64 sparse LU")
    p.set_defaults(method="exact")
    p.add_argument("--lumped", dest="lumped", action="store_true", default=None,
                   help="lump exchangeable agents to multisets (default whenever the tie rule "
                   "allows it)")
    p.add_argument("--no-lumped", dest="lumped", action="store_false",
                   help="keep agents in order (no lumping)")
    p.add_argument("--max-states", type=int, default=None,
                   help="refuse chains with more reachable states (default: "
                   "chainlab.config.limits.max_states)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--export", metavar="FILE", type=Path,
                   help="also write the chain to FILE.drn (Storm) or FILE.tra (PRISM, with .lab)")
    p.add_argument("--symbolic", action="store_true",
                   help="keep the mirroring probability symbolic (--mirror NAME): report "
                   "polarization and expected rounds as exact rational functions of it")
    p.add_argument("--plot", metavar="FILE.png", type=Path,
                   help="with --symbolic: plot P(polarization) and P(consensus) over [0, 1] with "
                   "exact values marked")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``chainlab gmm`` (see :func:`register`)."""
    from ..compiler import compile_model
    from ..io import write_drn, write_prism
    from ..polarization import polarization

    if getattr(args, "symbolic", False):
        from ._parametric import run_gmm

        return run_gmm(args, args.ties == "random" if args.lumped is None else args.lumped)
    started = time.perf_counter()
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
    show_progress = not args.json and sys.stderr.isatty()
    cc = compile_model(model, lumped=lumped, max_states=args.max_states, progress=show_progress)
    compiled = time.perf_counter()
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
        "method": args.method,
        "error_bound": res.error_bound,
    }
    if args.export is not None:
        chain = cc.chain.with_labels({
            kind: [cc.chain.states.label_of(s)
                   for c, k in zip(res.closed_classes, res.kinds) if k == kind for s in c]
            for kind in ("polarized", "mixed") if kind in res.kinds
        })
        if args.export.suffix == ".drn":
            write_drn(chain, args.export)
        else:
            write_prism(chain, args.export.with_suffix(""))
    if args.json:
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
        return 0
    _report(cc, res, out, args, compiled - started, solved - compiled)
    return 0


def _show(v) -> str:
    if isinstance(v, Fraction):
        s = fraction_str(v)
        if len(s) > 70:
            s = f"{s[:30]}...{s[-30:]} ({len(s)} digits)"
        return f"{float(v):.12g}   (= {s})"
    return f"{float(v):.12g}"


def _report(cc, res, out, args, compile_s: float, solve_s: float) -> None:
    w = sys.stdout.write
    prm = cc.parameters
    w("GMM agents, discretized chain (DESIGN.md section 4)\n")
    w(f"  agents n={prm['agents']}  components K={prm['components']}  memory r={prm['memory']}"
      f"  neighbours k={prm['neighbours']}  mirror p={prm['mirror']}  spacing={prm['spacing']}\n")
    w(f"  tie rule: ties={prm['ties']!r} (k-set: "
      + ("equidistant agents in uniformly random order" if prm["ties"] == "random"
         else "equidistant agents in agent-index order") + "; farthest point: by count)\n")
    w(f"  lumped: {'yes (multisets of agent states)' if cc.lumped else 'no (agents in order)'}\n")
    w(f"  reachable states: {res.num_states:,}   transitions: {res.num_transitions:,}\n")
    counts = {k: res.kinds.count(k) for k in ("consensus", "polarized", "mixed")}
    w(f"  closed classes: {len(res.closed_classes)}  (consensus {counts['consensus']}, "
      f"polarized {counts['polarized']}, mixed {counts['mixed']})\n")
    w(f"  no-return states (consensus unreachable): {len(res.no_return):,}\n")
    w(f"  arithmetic: {args.method}" + ("" if args.method == "exact" else
      f" (float64; certified relative error <= {res.error_bound:.2g})") + "\n")
    w(f"  P(polarization) = {_show(res.polarization_probability)}\n")
    w(f"  P(consensus)    = {_show(res.consensus_probability)}\n")
    if counts["mixed"]:
        w(f"  P(mixed class)  = {_show(res.mixed_probability)}\n")
    w(f"  expected rounds to absorption = {_show(res.expected_rounds)}\n")
    if args.export is not None:
        w(f"  chain written to {args.export}\n")
    w(f"  time: compile {compile_s:.2f} s, solve {solve_s:.2f} s\n")
