"""The ``chainlab`` command line (the only module that touches argv, stdout and exit codes).

Subcommands, one module each: ``analyze`` (``_analyze``: a chain file or the bundled example),
``gmm``, ``simulate-gmm``, ``bounds``, ``sweep``, ``check``; ``info`` and ``--version`` here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .. import config
from ..errors import ChainlabError

__all__ = ["C_EXTENSIONS", "build_parser", "extension_status", "main"]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of the ``chainlab`` command.

    With ``command`` (the first word of the command line) naming a subcommand, only that
    subcommand's module is imported and registered: ``chainlab analyze`` need not load the GMM,
    bounds and sweep front ends (part of its start-up time). Any other word -- none, an option
    such as ``--help``, a typo -- registers every subcommand, so help texts and the closest
    valid spelling are the full ones.

    Examples
    --------
    >>> args = build_parser().parse_args(["analyze", "--json", "--exact"])
    >>> args.command, args.json, args.method
    ('analyze', True, 'exact')
    >>> sorted(build_parser("analyze")._subparsers._group_actions[0].choices)
    ['analyze']
    """
    from ._conventions import ConventionParser, finish

    parser = ConventionParser(
        prog="chainlab",
        description="Exact and float analysis of finite Markov chains and agent models.",
    )
    parser.add_argument("--version", action=_VersionAction,
                        help="print the version and which optional C extensions are in use, "
                        "then exit")
    sub = parser.add_subparsers(dest="command", required=True)
    if command in _OPTIONAL or command == "analyze":
        if command == "analyze":
            from . import _analyze

            _analyze.register(sub)
        else:
            _register_optional(sub, only=command)
        finish(parser)
        return parser
    i = sub.add_parser(
        "info",
        help="the version, the optional C extensions in use and the optional extras installed",
        description="Print chainlab's version, whether each optional C extension was built and "
        "imports (without one chainlab runs its pure-Python fallback, with the same results), "
        "and which optional extras are installed.",
    )
    i.set_defaults(func=_run_info)
    from . import _analyze

    _analyze.register(sub)
    _register_optional(sub)
    finish(parser)  # the short-flag table in every --help (chainlab.cli._conventions)
    return parser


#: The optional C extensions built by setup.py, each with a pure-Python fallback: (module, what
#: runs without it). The one list ``chainlab --version`` and ``chainlab info`` check; keep it in
#: step with setup.py's ``ext_modules`` (tests/test_packaging_cli.py compares the two).
C_EXTENSIONS: tuple[tuple[str, str], ...] = (
    ("chainlab._compile._ckernel", "the compiler's Python exploration loop"),
    ("chainlab._io._cparse", "the line-by-line Python file readers"),
    ("chainlab._analysis._cgraph", "SciPy's csgraph searches"),
)

#: Optional extras reported by ``chainlab info``: (extra, module that shows it is installed).
_EXTRAS: tuple[tuple[str, str], ...] = (
    ("plot", "matplotlib"), ("hypothesis", "hypothesis"), ("sweep", "distributed"),
)


def extension_status() -> list[tuple[str, str | None]]:
    """``(module, None)`` for each C extension of :data:`C_EXTENSIONS` that imports, else
    ``(module, reason)`` with why it does not (not built, or failing to load).

    Examples
    --------
    >>> [name for name, _ in extension_status()][0]
    'chainlab._compile._ckernel'
    """
    import importlib

    out: list[tuple[str, str | None]] = []
    for name, _ in C_EXTENSIONS:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - any failure to load means the fallback runs
            out.append((name, "not built" if isinstance(exc, ModuleNotFoundError)
                        and exc.name == name else f"fails to load: {exc}"))
        else:
            out.append((name, None))
    return out


def _version_text() -> str:
    from .. import __version__

    status = extension_status()
    used = sum(reason is None for _, reason in status)
    lines = [f"chainlab {__version__}", f"C extensions: {used} of {len(status)} in use"]
    fallback = dict(C_EXTENSIONS)
    for name, reason in status:
        lines.append(f"  {name}: in use" if reason is None
                     else f"  {name}: {reason}; using {fallback[name]} instead (same results, "
                     "slower); reinstall with a C compiler, pip install -v, to see the build log")
    return "\n".join(lines) + "\n"


class _VersionAction(argparse.Action):
    """``--version``: the version and the C extensions in use, then exit 0."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help=None):
        super().__init__(option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        sys.stdout.write(_version_text())
        parser.exit(0)


def _run_info(args: argparse.Namespace) -> int:
    import importlib.util

    out = _version_text()
    lines = ["optional extras:"]
    for extra, module in _EXTRAS:
        found = importlib.util.find_spec(module) is not None
        lines.append(f"  {extra}: {'installed' if found else 'not installed'}"
                     + ("" if found else f" (pip install 'chainlab[{extra}]')"))
    sys.stdout.write(out + "\n".join(lines) + "\n")
    return 0


#: The subcommands of other modules: (name, module registering it), in ``--help`` order.
_OPTIONAL: dict[str, str] = {
    "gmm": "chainlab.cli._gmm", "simulate-gmm": "chainlab.cli._simulate_gmm",
    "bounds": "chainlab.cli._bounds", "sweep": "chainlab.cli._sweep",
    "check": "chainlab.cli._check",
}


def _register_optional(sub, only: str | None = None) -> None:
    """Subcommands contributed by other modules (registered here so `main` stays the one entry);
    ``only``: just that one."""
    import importlib

    for name, modname in _OPTIONAL.items():
        if only is not None and name != only:
            continue
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name != modname:
                raise
            continue
        mod.register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``chainlab`` console script; returns the exit code.

    Errors a user can fix print one line to stderr and exit with status 2; an interrupt exits
    with 130 after saying what was finished; when the reader of stdout goes away (``| head``)
    the command stops without a traceback and exits with 141 (128 + SIGPIPE, as a shell reports
    for any program ended by a closed pipe).

    Examples
    --------
    >>> main(["analyze", "--json", "--exact"])  # doctest: +ELLIPSIS
    {"num_states": 11, "num_transitions": 20, "closed_classes": [[0], [10]], ...}
    0
    """
    from . import _guard

    given = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(str(given[0]) if given else None)
    _guard.add_options(parser)
    try:
        args = parser.parse_args(argv)  # --help and --version write to stdout too
    except BrokenPipeError:
        from ._conventions import exit_on_broken_pipe

        return exit_on_broken_pipe()
    budget = getattr(args, "memory_budget", None) or config.limits.memory_budget
    seconds = getattr(args, "time_budget", None) or config.limits.exact_time_budget
    try:
        with config.override(memory_budget=budget, exact_time_budget=seconds), \
                _guard.memory_budget(budget, args.command), \
                _guard.interrupt_deadline(args.command):
            status = int(args.func(args) or 0)
            sys.stdout.flush()  # a closed pipe shows here, not in the flush at exit
            if argv is None:  # the process ends next: CPython's collection at shutdown would
                import gc  # walk every object of a big chain once more (20 ms at 78k states);

                gc.freeze()  # frozen, they are still freed, just not searched for cycles
            return status
    except BrokenPipeError:
        from ._conventions import exit_on_broken_pipe

        return exit_on_broken_pipe()
    except ChainlabError as exc:
        sys.stderr.write(f"chainlab {args.command}: error: {exc}\n")
        return 2
    except MemoryError:
        sys.stderr.write(_guard.memory_refusal(args.command, budget) + "\n")
        return 2
    except KeyboardInterrupt:
        if _guard.memory_exceeded():
            sys.stderr.write("\n" + _guard.memory_refusal(args.command, budget) + "\n")
            return 2
        sys.stderr.write(f"\nchainlab {args.command}: interrupted\n")
        return 130
    except Exception:
        if not _guard.was_interrupted():
            raise
        sys.stderr.write(f"\nchainlab {args.command}: interrupted\n")  # e.g. inside an import
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
