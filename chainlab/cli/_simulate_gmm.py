"""``chainlab simulate-gmm``: replicate runs of the continuous GMM-agents model.

Registered by :func:`chainlab.cli.build_parser` (through ``register``). Prints P(polarization)
(runs ending with two closed silos, the chain's event) with its Clopper-Pearson interval, silo
statistics (final number of silos S(T), consensus round t*, runs still split) and the tie rule,
or one JSON object with ``--json``; ``--plot FILE.png`` draws the silo trajectories. The tie rule
and ``k`` default as in every other command on the GMM agents (docs/model.md, "Defaults").

Examples
--------
>>> from chainlab.cli import main
>>> main(["simulate-gmm", "--agents", "4", "--components", "4", "--neighbours", "3",
...       "--rounds", "20", "--runs", "3", "--seed", "1", "--json"])  # doctest: +ELLIPSIS
{"polarization": {"polarized_runs": ..., "runs": 3, ...}, "final_silos": [...], ...}
0
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from fractions import Fraction
from pathlib import Path
from typing import cast

import numpy as np

from .._io.atomic import atomic_path
from ..errors import SpecError
from ._conventions import check_output
from ._gmm import DEFAULT_NEIGHBOURS, DEFAULT_SIGMA, DEFAULT_TIES

__all__ = ["register"]


def register(sub) -> None:
    """Add the ``simulate-gmm`` subcommand to the ``chainlab`` subparsers ``sub``."""
    p = sub.add_parser(
        "simulate-gmm",
        help="simulate the continuous GMM-agents model (silos and consensus time)",
        description="Replicate runs of the continuous interacting Gaussian-mixture agents "
        "(docs/model.md): n agents, K components with means c * spacing, memories of r "
        "points, partners among the k nearest others (or themselves with probability "
        "--mirror). Prints P(polarization) -- runs ending with two closed silos, the event "
        "whose probability `chainlab gmm` computes exactly -- with its Clopper-Pearson "
        "interval, the final number of silos S(T), the consensus round t* (last round with "
        "more than one silo; T for runs still split) and the tie rule.",
    )
    p.add_argument("--agents", "-n", type=int, default=30,
                   help="number of agents n (default 30)")
    p.add_argument("--components", "-K", type=int, default=30, help="number of components K "
                   "(default 30)")
    p.add_argument("--memory", "-r", type=int, default=5, help="points per memory r (default 5)")
    p.add_argument("--neighbours", "-k", type=int, default=DEFAULT_NEIGHBOURS, metavar="k",
                   help=f"size k of the k-set of nearest others, 1..n-1 (default "
                   f"{DEFAULT_NEIGHBOURS}, as in chainlab gmm, bounds and sweep)")
    p.add_argument("--mirror", "-p", default="0", metavar="P",
                   help="probability of talking to oneself, e.g. 0.2 or 1/5 (default 0)")
    p.add_argument("--rounds", type=int, default=100, metavar="T", help="horizon (default 100)")
    p.add_argument("--runs", type=int, default=100, metavar="R",
                   help="number of replicate runs (default 100)")
    p.add_argument("--seed", type=int, default=None, metavar="S",
                   help="random seed (default: fresh entropy, printed so the run can be redone)")
    p.add_argument("--ties", choices=("index", "random"), default=DEFAULT_TIES,
                   help="order of equidistant agents in the k-set: random (default, as in "
                   "chainlab gmm, bounds and sweep) or agent index (the reference code)")
    p.add_argument("--sigma", type=float, default=DEFAULT_SIGMA,
                   help=f"component standard deviation (default {DEFAULT_SIGMA:g})")
    p.add_argument("--spacing", type=float, default=1.0, help="distance between adjacent "
                   "means (default 1)")
    p.add_argument("--epsilon", type=float, default=1e-12, help="weight clip bound "
                   "(default 1e-12)")
    p.add_argument("--json", action="store_true",
                   help='print one JSON object {"final_silos": [...], "consensus_round": '
                   '[...], ...}')
    p.add_argument("--plot", metavar="FILE.png", default=None, type=Path,
                   help="draw the number of silos against the round (one line per run and "
                   "the mean) into FILE.png")
    p.add_argument("--progress", action="store_true", help="print progress to stderr")
    p.set_defaults(func=_run)


def _probability(text: str) -> Fraction:
    try:
        value = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        raise SpecError(f"--mirror must be a probability such as 0.2 or 1/5, got {text!r}") \
            from None
    if not 0 <= value <= 1:
        raise SpecError(f"--mirror must be in [0, 1], got {text!r}")
    return value


def _run(args: argparse.Namespace) -> int:
    from ..continuous import SimulationInterrupted, simulate_gmm

    mirror = _probability(args.mirror)
    check_output(args.plot, "--plot")  # before the runs: the CLI never creates a folder
    plot = args.plot
    # (entropy drawn from the OS is an int; numpy types it for every form SeedSequence takes)
    seed = args.seed if args.seed is not None else \
        int(cast(int, np.random.SeedSequence().entropy) % 2**63)
    started = time.perf_counter()
    complete = True
    try:
        res = simulate_gmm(
            agents=args.agents, components=args.components, memory=args.memory,
            neighbours=args.neighbours, mirror=mirror, num_rounds=args.rounds, num_samples=args.runs,
            sigma=args.sigma, spacing=args.spacing, ties=args.ties, epsilon=args.epsilon,
            rng=np.random.default_rng(seed), progress=args.progress,
        )
    except SimulationInterrupted as exc:
        if exc.partial is None:
            raise
        res, complete = exc.partial, False
    elapsed = time.perf_counter() - started
    if plot is not None:
        _write_plot(res, plot, seed)
    if args.json:
        summary = res.summary()
        out = {
            "polarization": summary["polarization"],
            "final_silos": res.final_silos.tolist(),
            "consensus_round": res.consensus_round.tolist(),
            "reached_consensus": res.reached_consensus.tolist(),
            "polarized": res.polarized.tolist(),
            "summary": summary,
            "parameters": {**res.parameters, "seed": seed},
            "instance": _instance(res, seed),
            "notes": _notes(res),
            "complete": complete,
        }
        del out["parameters"]["initial"]
        json.dump(out, sys.stdout)
        sys.stdout.write("\n")
    else:
        _print_report(res, seed, elapsed, plot)
    if not complete:
        sys.stderr.write(f"chainlab simulate-gmm: interrupted; the statistics above cover the "
                         f"{res.num_runs} of {args.runs} runs that had finished\n")
        return 130
    return 0


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _instance(res, seed: int) -> dict:
    from ._gmm import instance_record

    p = res.parameters
    return instance_record(
        agents=p["agents"], components=p["components"], memory=p["memory"],
        neighbours=p["neighbours"], mirror=p["mirror"], ties=p["ties"], spacing=p["spacing"],
        start=[int(s) for s in p["initial"]], method="simulation of the continuous model",
        sigma=p["sigma"], epsilon=p["epsilon"], rounds=p["rounds"], runs=p["runs"], seed=seed)


def _notes(res) -> list[str]:
    from ._gmm import start_notes

    p = res.parameters
    return start_notes(p["agents"], p["components"], p["neighbours"],
                       [int(s) for s in p["initial"]])


def _split_sentence(split: int, runs: int, rounds: int) -> str:
    """The runs still split at the horizon, as a sentence.

    Examples
    --------
    >>> _split_sentence(1, 100, 50)
    '1 of 100 runs still had more than one silo after round 50 (t* = 50 for it).'
    >>> _split_sentence(100, 100, 50)
    'All 100 runs still had more than one silo after round 50 (t* = 50 for them).'
    >>> _split_sentence(0, 3, 50)
    'No run had more than one silo after round 50: all 3 reached consensus.'
    """
    if split == 0:
        return f"No run had more than one silo after round {rounds}: all {runs} reached consensus."
    who = f"All {runs} runs" if split == runs else f"{split} of {runs} runs"
    if split == runs == 1:
        who = "The run"
    them = "it" if split == 1 else "them"
    return f"{who} still had more than one silo after round {rounds} (t* = {rounds} for {them})."


def _print_report(res, seed: int, elapsed: float, plot: Path | None) -> None:
    p = res.parameters
    s = res.summary()
    w = sys.stdout.write
    ties = {"index": "equidistant agents in agent-index order, like the reference code",
            "random": "equidistant agents in uniformly random order"}[p["ties"]]
    w("continuous GMM agents (docs/model.md)\n")
    w(f"  agents {p['agents']}  components {p['components']}  memory {p['memory']}  "
      f"neighbours {p['neighbours']}  mirror {p['mirror']:g}  sigma {p['sigma']:g}  "
      f"spacing {p['spacing']:g}  epsilon {p['epsilon']:g}\n")
    w(f"  ties: {p['ties']} ({ties})\n")
    w(f"  rounds {p['rounds']}  runs {res.num_runs}"
      + ("" if res.num_runs == p["runs"] else f" of {p['runs']} (interrupted)")
      + f"  seed {seed}\n")
    w("  start: agent i pure on component i mod K\n")
    pol = s["polarization"]
    if pol is not None:
        from ..polarization import DEFINITION

        lo, hi = pol["ci"]
        w(f"  P(polarization) = {pol['estimate']:.4f}  [{lo:.4f}, {hi:.4f}] "
          f"({pol['confidence']:.0%} Clopper-Pearson): {pol['polarized_runs']} of "
          f"{pol['runs']} runs ended with two closed silos\n")
        w(f"  {DEFINITION}\n")
    for key, title in (("final_silos", "final silos S(T)"),
                       ("consensus_round", "consensus round t*")):
        d = s[key]
        w(f"  {title + ':':22s} mean {_fmt(d['mean'])}  std {_fmt(d['std'])}  "
          f"min {_fmt(d['min'])}  q25 {_fmt(d['q25'])}  median {_fmt(d['median'])}  "
          f"q75 {_fmt(d['q75'])}  max {_fmt(d['max'])}\n")
    split = int(np.count_nonzero(~res.reached_consensus))
    w(f"  {_split_sentence(split, res.num_runs, p['rounds'])}\n")
    for note in _notes(res):
        w(f"  note: {note}\n")
    if plot is not None:
        w(f"  plot: {plot}\n")
    w(f"  time: {elapsed:.2f} s\n")


def _write_plot(res, target: Path, seed: int) -> None:
    """Silo trajectories, written atomically (temporary file in the same directory, rename)."""
    from matplotlib.figure import Figure

    p = res.parameters
    fig = Figure(figsize=(7, 4.2), layout="constrained")
    ax = fig.add_subplot()
    rounds = np.arange(res.silos.shape[1])
    alpha = max(0.05, min(0.6, 8.0 / max(res.num_runs, 1)))
    for row in res.silos:
        ax.plot(rounds, row, color="tab:blue", alpha=alpha, linewidth=0.8)
    if res.num_runs:
        ax.plot(rounds, res.silos.mean(axis=0), color="black", linewidth=2.2,
                label=f"mean of {res.num_runs} runs")
        ax.legend(loc="upper right")
    ax.set_xlabel("round t")
    ax.set_ylabel("number of silos S(t)")
    ax.set_ylim(bottom=0)
    ax.set_title(f"GMM agents: n={p['agents']}, K={p['components']}, r={p['memory']}, "
                 f"k={p['neighbours']}, p={p['mirror']:g}, ties={p['ties']}, seed={seed}",
                 fontsize=9)
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format=(target.suffix.lstrip(".") or "png"))
