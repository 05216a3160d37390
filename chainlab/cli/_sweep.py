"""``chainlab sweep``: run ``chainlab gmm`` over a grid of options on Dask, results in SQLite.

Registered by :func:`chainlab.cli.build_parser`. Every ``chainlab gmm`` instance option is also
an option here, and a comma list makes it a grid axis::

    chainlab sweep gmm --agents 4 --components 4 --memory 2 --neighbours 1,2 \\
        --mirror 0,1/5,2/5 --db results.sqlite
    chainlab sweep --db results.sqlite --export json

Each point is computed exactly as ``chainlab gmm --json`` computes it (the ``gmm`` subcommand's
own parser and ``run`` are called on the worker), so the stored values carry the same keys.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from .._io.atomic import write_text
from ..errors import SpecError
from ._conventions import output_file

__all__ = ["register"]

# options of `chainlab gmm` that are not parameters of a point (outputs, limits)
_NOT_PARAMETERS = {"help", "json", "export", "plot", "func", "command", "max_states", "digits"}


# ---------------------------------------------------------------------- the gmm task
@lru_cache(maxsize=1)
def _gmm_parser() -> argparse.ArgumentParser:
    """The parser of ``chainlab gmm`` itself (whatever options it has today)."""
    from . import _gmm as _cli_gmm

    root = argparse.ArgumentParser(prog="chainlab")
    sub = root.add_subparsers(dest="command")
    _cli_gmm.register(sub)
    return sub.choices["gmm"]


def _gmm_actions() -> dict[str, argparse.Action]:
    return {a.dest: a for a in _gmm_parser()._actions if a.dest not in _NOT_PARAMETERS}


def _gmm_defaults() -> dict[str, Any]:
    ns = _gmm_parser().parse_args([])
    return {k: v for k, v in vars(ns).items() if k not in _NOT_PARAMETERS}


def _is_unset_flag(action: argparse.Action, value: Any) -> bool:
    """A flag (``store_true``, ``--lumped``...) left at a false default is not a parameter.

    So a flag added to ``chainlab gmm`` later does not change the keys of existing points.
    """
    return not isinstance(action, argparse._StoreAction) and value in (None, False)


def _typed(action: argparse.Action, text: str) -> Any:
    """Convert one option value as ``chainlab gmm`` would (its ``type`` and ``choices``)."""
    value: Any = text
    if action.type is not None:
        try:
            value = action.type(text)  # type: ignore[operator]  # (typeshed: str | callable)
        except (argparse.ArgumentTypeError, ValueError, TypeError) as exc:
            msg = str(exc) or f"invalid value {text!r}"
            raise SpecError(f"{action.option_strings[0]} {text!r}: {msg}") from None
    if action.choices is not None and value not in action.choices:
        raise SpecError(f"{action.option_strings[0]} {text!r}: choose from "
                        f"{', '.join(map(str, action.choices))}")
    return value


# sweep-only parameters of a point (not options of `chainlab gmm`)
_SIMULATION = ("simulate", "seed")


def _gmm_point(parameters: dict, max_states: int | None = None) -> dict:
    """One sweep point: the record of ``chainlab gmm --json`` with these options (computed
    through the library, as ``chainlab gmm`` computes it).

    With ``simulate=N`` in the parameters, also simulate ``N`` runs of the compiled chain (seeded
    from ``seed`` and the point itself, so a rerun reproduces them) and add the estimated
    polarization probability with its exact Clopper-Pearson interval.
    """
    parameters = dict(parameters)
    sim = {k: parameters.pop(k) for k in _SIMULATION if k in parameters}
    args = _gmm_parser().parse_args([])
    actions = _gmm_actions()
    for name, value in parameters.items():
        action = actions.get(name)
        if action is None:
            raise SpecError(f"unknown chainlab gmm option {name!r}")
        if value is not None and action.type is not None and isinstance(value, (str, int)):
            value = _typed(action, str(value))
        setattr(args, name, value)
    args.json = True
    args.export = None
    args.max_states = max_states
    from . import _gmm as _cli_gmm

    out = _cli_gmm.summarise(args)[0]  # the record chainlab gmm --json prints
    out.pop("method", None)  # (a parameter of the point already)
    # the instance is the point's parameters (the start follows from agents and components:
    # agent i on label i mod K) and the store's chainlab_version
    out.pop("instance", None)
    out.pop("notes", None)
    if sim.get("simulate"):
        out.update(_simulated(args, parameters, int(sim["simulate"]), int(sim.get("seed", 0)),
                              max_states))
    return out


def _simulated(args: argparse.Namespace, parameters: dict, num_samples: int, seed: int,
               max_states: int | None) -> dict:
    """Monte Carlo of the compiled chain: polarization estimate and its exact interval."""
    import hashlib

    import numpy as np

    from ..compiler import compile_model
    from ..polarization import class_kinds
    from ..simulate import simulate
    from ..sweep import point_key
    from . import _gmm as _cli_gmm

    if getattr(args, "symbolic", False):
        raise SpecError("--simulate needs a numeric --mirror; it cannot be combined with "
                        "--symbolic")
    model = _cli_gmm.model_from_args(args)
    lumped = model.exchangeable if args.lumped is None else args.lumped
    cc = compile_model(model, lumped=lumped, max_states=max_states)
    digest = hashlib.sha256(point_key("gmm", parameters).encode()).digest()
    rng = np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])
    res = simulate(cc.chain, num_samples=num_samples, rng=rng)
    polarized = [c for c, kind in enumerate(class_kinds(cc)) if kind == "polarized"]
    est = res.class_estimate(polarized)
    return {
        "simulated_samples": est.trials,
        "simulated_polarized": est.successes,
        "simulated_truncated": res.num_truncated,
        "simulated_polarization_probability": est.estimate,
        "simulated_ci_low": est.ci[0],
        "simulated_ci_high": est.ci[1],
    }


class _GMMTask:
    """Picklable ``compute`` for :func:`chainlab.sweep.run_sweep` (carries ``max_states``)."""

    def __init__(self, max_states: int | None) -> None:
        self.max_states = max_states

    def __call__(self, parameters: dict) -> dict:
        return _gmm_point(parameters, self.max_states)


def _gmm_points(args: argparse.Namespace) -> list[dict]:
    """Expand the comma lists of the given gmm options into grid points (validated here)."""
    from ..models.gmm import GMMAgents
    from ..sweep import expand_grid

    actions = _gmm_actions()
    fixed = _gmm_defaults()
    axes: dict[str, list] = {}
    for name, action in actions.items():
        if not hasattr(args, name):
            continue
        given = getattr(args, name)
        if isinstance(action, argparse._StoreAction):
            items = [t.strip() for t in str(given).split(",")]
            if not any(items):
                raise SpecError(f"{action.option_strings[0]} is empty; give a value or a "
                                "comma list of values (the grid would be empty)")
            if "" in items:
                raise SpecError(f"{action.option_strings[0]} {given!r} has an empty item; "
                                "write values separated by single commas")
            values = [_canonical_option(_typed(action, t)) for t in items]
            if len(values) == 1:
                fixed[name] = values[0]
            else:
                axes[name] = values
                fixed.pop(name, None)
        else:
            fixed[name] = given
    fixed = {k: _canonical_option(v) for k, v in fixed.items()
             if not _is_unset_flag(actions[k], v)}
    if getattr(args, "simulate", None) is not None:
        if args.simulate < 1:
            raise SpecError(f"--simulate must be a positive number of runs, got {args.simulate}")
        fixed.update(simulate=args.simulate, seed=args.seed)
    points = expand_grid(axes, fixed=fixed)
    # validate every instance before starting a cluster (bad k for n, p > 1, ...)
    for point in points:
        try:
            symbolic = bool(point.get("symbolic"))  # --mirror NAME is a symbol then
            GMMAgents(agents=point["agents"], components=point["components"],
                      memory=point["memory"], neighbours=point["neighbours"],
                      mirror=0 if symbolic else point["mirror"], spacing=point["spacing"],
                      ties=point["ties"])
        except (SpecError, ValueError, TypeError) as exc:  # chainlab errors are ValueErrors
            shown = ", ".join(f"{k}={point[k]}" for k in axes) or "the given options"
            raise SpecError(f"grid point {shown}: {exc}") from None
    return points


def _canonical_option(value: Any) -> Any:
    from fractions import Fraction

    if isinstance(value, Fraction):
        return str(value)
    return value


# ---------------------------------------------------------------------- command line
def _shared_options(p: argparse.ArgumentParser, *, suppress: bool) -> None:
    d = (lambda v: argparse.SUPPRESS) if suppress else (lambda v: v)
    p.add_argument("--db", type=Path, default=d(None), metavar="FILE",
                   help="the SQLite results database (created if missing; required)")
    p.add_argument("--export", choices=("csv", "json"), default=d(None),
                   help="print the finished points as CSV or JSON (after running, if a model "
                   "is given)")
    p.add_argument("--output", "-o", type=output_file, default=d(None), metavar="FILE",
                   help="write the export to FILE (atomically) instead of stdout")


def register(sub) -> None:
    """Add the ``sweep`` subcommand to the ``chainlab`` parser.

    Examples
    --------
    >>> from chainlab.cli import build_parser
    >>> args = build_parser().parse_args(["sweep", "gmm", "--neighbours", "1,2", "--db", "r.db"])
    >>> args.command, args.model, args.neighbours, str(args.db)
    ('sweep', 'gmm', '1,2', 'r.db')
    """
    p = sub.add_parser(
        "sweep",
        help="sweep a model over a grid of options on Dask; results in SQLite",
        description="Run a model over every combination of the comma-separated option values "
        "(a grid), on a Dask LocalCluster (one worker per core) or an existing scheduler. Each "
        "finished point is written at once to an SQLite database; rerunning the same sweep "
        "skips finished points, so an interrupted sweep resumes where it stopped. "
        "`chainlab sweep --db FILE --export json` prints the table.",
    )
    _shared_options(p, suppress=False)
    p.set_defaults(func=run, model=None)
    models = p.add_subparsers(dest="model", metavar="MODEL")
    g = models.add_parser(
        "gmm",
        help="the discretized GMM agents, computed like `chainlab gmm --json`",
        description="Sweep `chainlab gmm` over a grid: any of its options may be a comma list "
        "(e.g. --neighbours 1,2 --mirror 0,1/5,2/5), which makes it a grid axis.",
    )
    for action in _gmm_parser()._actions:
        if action.dest in _NOT_PARAMETERS - {"max_states"}:
            continue
        kwargs: dict[str, Any] = {"dest": action.dest, "default": argparse.SUPPRESS}
        if action.dest == "max_states":  # a limit, not a parameter: one value for the sweep
            kwargs.update(type=action.type, metavar="N", help=action.help)
        elif isinstance(action, argparse._StoreAction):
            kwargs.update(metavar=str(action.metavar or action.dest.upper()) + "[,...]",
                          help=(action.help or "") + " (comma list = grid axis)")
        elif isinstance(action, argparse._StoreConstAction):  # also store_true/store_false
            kwargs.update(action="store_const", const=action.const, help=action.help)
        else:  # pragma: no cover - an option kind chainlab gmm does not use today
            continue
        g.add_argument(*action.option_strings, **kwargs)
    sm = g.add_argument_group("simulation (optional, per point)")
    sm.add_argument("--simulate", type=int, default=None, metavar="N",
                    help="also simulate N runs of each point's chain and store the estimated "
                    "polarization probability with its exact 95%% Clopper-Pearson interval")
    sm.add_argument("--seed", type=int, default=0,
                    help="seed of the simulations (combined with each point's parameters, so "
                    "every point has its own reproducible stream; default 0)")
    ex = g.add_argument_group("execution")
    ex.add_argument("--scheduler", metavar="ADDRESS", default=None,
                    help="address of a running Dask scheduler (tcp://host:port); default: a "
                    "LocalCluster on this machine")
    ex.add_argument("--workers", type=int, default=None,
                    help="workers of the local cluster (default: one per core)")
    ex.add_argument("--threads", action="store_true",
                    help="run the local workers as threads of this process instead of processes")
    ex.add_argument("--inline", action="store_true",
                    help="no Dask: compute the points one after another in this process")
    ex.add_argument("--connect-timeout", type=float, default=5.0, metavar="SECONDS",
                    help="give up on an unreachable scheduler after this long (default 5)")
    ex.add_argument("--progress", dest="progress", action="store_true", default=None,
                    help="show a progress bar (default: when stderr is a terminal)")
    ex.add_argument("--no-progress", dest="progress", action="store_false")
    _shared_options(g, suppress=True)
    g.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run ``chainlab sweep`` (see :func:`register`)."""
    from ..sweep import ResultStore

    if args.db is None:
        raise SpecError("--db FILE is required: the SQLite database that holds the results")
    if args.model is None and args.export is None:
        raise SpecError("give a model to sweep (chainlab sweep gmm ...) or --export csv|json "
                        "to print the results of earlier sweeps")
    status = 0
    if args.model is not None:
        status = _run_model(args)
    if args.export is not None:
        with ResultStore(args.db, create=args.model is not None) as store:
            text = store.export(args.export)
        if args.output is not None:
            write_text(args.output, text)
        else:
            sys.stdout.write(text)
    return status


def _run_model(args: argparse.Namespace) -> int:
    from ..sweep import INLINE, ResultStore, _progress_bar, run_sweep

    points = _gmm_points(args)
    if args.workers is not None and args.workers < 1:
        raise SpecError(f"--workers must be at least 1, got {args.workers}")
    if args.inline and args.scheduler is not None:
        raise SpecError("--inline and --scheduler exclude each other; choose one")
    if not args.inline:
        _require_dask()
    show = args.progress if args.progress is not None else sys.stderr.isatty()
    progress = _progress_bar(f"sweep {args.model}") if show else None
    scheduler = INLINE if args.inline else args.scheduler
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)  # clean shutdown of the cluster on `kill`
    try:
        with ResultStore(args.db) as store:
            before = len(store)
            try:
                summary = run_sweep(args.model, _GMMTask(getattr(args, "max_states", None)),
                                    points, store, scheduler=scheduler, workers=args.workers,
                                    processes=not args.threads,
                                    connect_timeout=args.connect_timeout, progress=progress)
            except KeyboardInterrupt:
                sys.stderr.write(f"\nchainlab sweep: {len(store) - before} new point(s) saved in "
                                 f"{args.db} before the interrupt; rerun the same command to "
                                 "resume\n")
                raise
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)
    w = sys.stderr.write
    w(f"sweep {args.model}: {summary.num_points} points, {summary.num_finished} computed, "
      f"{summary.num_skipped} already done, {summary.num_failed} failed "
      f"({summary.seconds:.1f} s); results in {args.db}\n")
    for params, msg in summary.failures:
        w(f"  failed: {json.dumps(params)}: {msg}\n")
    return 1 if summary.failures else 0


def _require_dask() -> None:
    """SpecError naming the ``sweep`` extra when Dask distributed cannot be imported."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        missing = getattr(exc, "name", None) or "dask"
        raise SpecError(
            f"sweeps run on Dask distributed, and {missing!r} is not installed: pip install "
            "'chainlab[sweep]', or pass --inline to run the sweep in this process"
        ) from None


def _terminate(signum, frame):  # pragma: no cover - exercised by the kill test in a subprocess
    raise KeyboardInterrupt
