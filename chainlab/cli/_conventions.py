"""Command-line conventions shared by every ``chainlab`` subcommand (one place).

* **Typos.** An unrecognized option is reported by the subcommand it was given to, with that
  subcommand's usage and the closest option it has (``chainlab gmm --neighbors 2`` ->
  ``unrecognized argument --neighbors; did you mean --neighbours?``); a mistyped subcommand or
  choice names the closest valid one. :class:`ConventionParser` does it for the whole parser
  tree (Python 3.11's argparse has no ``suggest_on_error``).
* **Short flags.** :data:`SHORT_FLAGS` is the one table of short flags: a letter means the same
  option on every subcommand that has that option (docs/guide.md, "Command-line conventions";
  tests/test_cli_conventions.py audits every subcommand against it).
* **Output paths.** :func:`check_output` (at the start of a command) and :func:`output_file`
  (an argparse type) refuse, before any work starts, an output whose folder does not exist --
  the command line never creates a folder silently; :func:`make_output_dir` creates the one
  directory a study was told to write into (its parent must exist), and the command says so.
* **Broken pipes.** :func:`exit_on_broken_pipe` is what ``main`` does when the reader of stdout
  goes away (``chainlab gmm | head -1``): no traceback, exit status :data:`BROKEN_PIPE_STATUS`.
"""

from __future__ import annotations

import argparse
import difflib
import os
import shlex
import sys
from pathlib import Path
from typing import NoReturn

__all__ = ["BROKEN_PIPE_STATUS", "SHORT_FLAGS", "ConventionParser", "check_output",
           "exit_on_broken_pipe", "make_output_dir", "output_file", "suggest"]

#: The short flags of the ``chainlab`` command: each letter always means this option (long
#: name, what it is). A subcommand that has the option has the letter; no subcommand uses the
#: letter for anything else. ``--json`` has no short flag (``-j`` reads as "jobs" to most users).
SHORT_FLAGS: dict[str, tuple[str, str]] = {
    "-n": ("--agents", "number of agents n"),
    "-K": ("--components", "number of components (labels) K"),
    "-r": ("--memory", "memory size r"),
    "-k": ("--neighbours", "size k of the nearest-neighbour set"),
    "-p": ("--mirror", "mirroring probability p"),
    "-o": ("--output", "the file (or folder) the command writes"),
}

#: Exit status after the reader of stdout went away: 128 + SIGPIPE, what a shell reports for
#: ``yes | head -1`` and every other program ended by a broken pipe.
BROKEN_PIPE_STATUS = 141

SHORT_FLAGS_EPILOG = (
    "Short flags mean the same on every chainlab command: "
    + ", ".join(f"{short} {long}" for short, (long, _) in SHORT_FLAGS.items())
    + "; option names may be abbreviated while unambiguous (docs/guide.md, \"Command-line "
    "conventions\")."
)

_strict_depth = 0  # > 0 while ConventionParser.parse_args runs: unknown arguments are errors
_given: list[str] = []  # the arguments of that call (to name a typo behind a "required" error)


def suggest(word: str, candidates) -> str | None:
    """The candidate closest to ``word`` (difflib, cutoff 0.6; a case-only difference counts),
    or None.

    Examples
    --------
    >>> suggest("--neighbors", ["--neighbours", "--agents"])
    '--neighbours'
    >>> suggest("gmmm", ["gmm", "bounds"]), suggest("-N", ["-n", "-K"]), suggest("xyz", ["gmm"])
    ('gmm', '-n', None)
    """
    if not isinstance(word, str) or not word:
        return None
    pool = [c for c in candidates if isinstance(c, str)]
    same_case = [c for c in pool if c.lower() == word.lower() and c != word]
    if len(same_case) == 1:
        return same_case[0]
    got = difflib.get_close_matches(word, pool, n=1, cutoff=0.6)
    return got[0] if got else None


class ConventionParser(argparse.ArgumentParser):
    """An :class:`argparse.ArgumentParser` whose errors name the closest valid spelling.

    Unknown arguments are reported by the (sub)parser they were given to -- its usage, its
    closest option -- instead of by the top-level parser, and an invalid choice (a subcommand,
    ``--ties``) names the closest valid one. Subparsers created through ``add_subparsers``
    inherit the class.

    Examples
    --------
    >>> p = ConventionParser(prog="demo")
    >>> _ = p.add_argument("--neighbours", type=int)
    >>> p.unrecognized_message(["--neighbors", "2"])
    'unrecognized argument --neighbors; did you mean --neighbours? (unrecognized arguments: --neighbors 2)'
    """

    def parse_args(self, args=None, namespace=None):
        global _strict_depth, _given
        _given = [str(a) for a in (sys.argv[1:] if args is None else args)]
        _strict_depth += 1
        try:
            ns, extras = self.parse_known_args(args, namespace)
        finally:
            _strict_depth -= 1
        if extras:  # pragma: no cover - parse_known_args already reported them
            self.error(self.unrecognized_message(extras))
        return ns

    def parse_known_args(self, args=None, namespace=None):
        ns, extras = super().parse_known_args(args, namespace)
        if extras and _strict_depth:
            # reported here, by the parser that was given them (a subcommand's own usage)
            self.error(self.unrecognized_message(extras))
        return ns, extras

    def unrecognized_message(self, extras: list[str]) -> str:
        """``unrecognized argument X; did you mean Y?`` for the first option-like extra."""
        options = [s for s in self._option_string_actions if s not in ("-h", "--help")]
        opts = [t for t in extras if t.startswith("-") and len(t) > 1
                and not self._negative_number_matcher.match(t)]
        if not opts:
            return "unrecognized arguments: " + " ".join(extras)
        first = opts[0]
        name = first.split("=", 1)[0] if first.startswith("--") else first
        pool = [s for s in options if s.startswith("--")] if name.startswith("--") else options
        match = suggest(name, pool) or (suggest(name, options) if pool is not options else None)
        if match is None:  # argparse's own wording
            return "unrecognized arguments: " + " ".join(extras)
        msg = f"unrecognized argument {name}; did you mean {match}?"
        if extras != [first]:
            msg += " (unrecognized arguments: " + " ".join(extras) + ")"
        return msg

    def _known(self, name: str) -> bool:
        """Whether ``name`` is one of this parser's options or an abbreviation of one."""
        return name in self._option_string_actions or (
            name.startswith("--") and any(s.startswith(name) for s in self._option_string_actions))

    def _check_value(self, action, value):  # argparse's hook for choices (and subcommands)
        try:
            super()._check_value(action, value)
        except argparse.ArgumentError as exc:
            match = suggest(value, [str(c) for c in (action.choices or ())])
            if match is None:
                raise
            raise argparse.ArgumentError(action, f"{exc.message}; did you mean {match!r}?") \
                from None

    def error(self, message: str) -> NoReturn:
        """argparse's error (usage, then ``prog: error: message``, exit 2); a missing required
        argument caused by a mistyped option before it (``chainlab --verison``) names the typo."""
        if message.startswith("the following arguments are required"):
            unknown = [t for t in _given if t.startswith("-")
                       and len(t) > 1 and not self._negative_number_matcher.match(t)
                       and not self._known(t.split("=", 1)[0])]
            if unknown:
                message = self.unrecognized_message(unknown[:1])
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def method_options(parser: argparse.ArgumentParser, *, default: str, exact_help: str,
                   float_help: str) -> None:
    """The ``--exact`` / ``--float`` pair every analysing subcommand takes (``args.method``:
    ``"exact"``, ``"float"`` or ``default``)."""
    m = parser.add_mutually_exclusive_group()
    m.add_argument("--exact", dest="method", action="store_const", const="exact",
                   help=exact_help)
    m.add_argument("--float", dest="method", action="store_const", const="float",
                   help=float_help)
    parser.set_defaults(method=default)


def subparsers(parser: argparse.ArgumentParser):
    """Every subcommand parser under ``parser`` (depth first), as ``(prog, parser)`` pairs."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):  # aliases once
                yield sub.prog, sub
                yield from subparsers(sub)


def finish(parser: argparse.ArgumentParser) -> None:
    """Name the short-flag table in the ``--help`` of the root and of every subcommand that uses
    one of its letters (an epilog a subcommand set itself is kept, the table appended)."""
    parser.epilog = ((parser.epilog + "\n\n") if parser.epilog else "") + SHORT_FLAGS_EPILOG
    for _, sub in subparsers(parser):
        if any(s in SHORT_FLAGS for s in sub._option_string_actions) and \
                SHORT_FLAGS_EPILOG not in (sub.epilog or ""):
            sub.epilog = ((sub.epilog + "\n\n") if sub.epilog else "") + SHORT_FLAGS_EPILOG


# --------------------------------------------------------------------------- output paths
def missing_folder(path: Path, what: str = "") -> str | None:
    """Why ``path`` cannot be written for lack of a folder (None when its folder exists)."""
    folder = path.parent if str(path.parent) else Path(".")
    if folder.is_dir():
        return None
    shown = f"{what} {path}" if what else str(path)
    if folder.exists():
        return f"{shown}: {folder} is not a folder; give a path in an existing folder"
    return (f"{shown}: folder {folder} does not exist; create it first (mkdir -p "
            f"{shlex.quote(str(folder))}) or give a path in an existing folder")


def check_output(path, option: str, *, directory: bool = False) -> None:
    """Refuse, with :class:`~chainlab.errors.SpecError`, an output ``path`` (of ``option``)
    whose folder is missing -- before any work starts; nothing is created. A ``directory``
    output may itself be missing (its parent must exist) but must not be a file.

    Examples
    --------
    >>> check_output(Path("no/such/folder/x.tra"), "--export")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    chainlab.errors.SpecError: --export no/such/folder/x.tra: folder no/such/folder does not exist; ...
    """
    from ..errors import SpecError

    if path is None:
        return
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise SpecError(f"{option} {path!r}: not a path; give a file name")
    path = Path(path)
    if directory:
        if path.exists() and not path.is_dir():
            raise SpecError(f"{option} {path} exists and is not a directory; give a directory "
                            "for the files")
        if path.exists():
            return
    elif path.is_dir():
        raise SpecError(f"{option} {path} is a directory; give a file name inside it, e.g. "
                        f"{path / 'result'}")
    why = missing_folder(path, option)
    if why is not None:
        raise SpecError(why)


def output_file(text: str) -> Path:
    """argparse ``type=`` of an output FILE: refused (before any work) when its folder is
    missing or when it names a directory; nothing is created.

    Examples
    --------
    >>> output_file("result.json").name
    'result.json'
    >>> output_file("no/such/folder/result.json")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    argparse.ArgumentTypeError: no/such/folder/result.json: folder no/such/folder does not exist; ...
    """
    if not isinstance(text, str) or not text.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not a file name; give e.g. result.json")
    path = Path(text)
    why = missing_folder(path)
    if why is not None:
        raise argparse.ArgumentTypeError(why)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a directory; give a file name inside it, "
                                         f"e.g. {path / 'result'}")
    return path


def make_output_dir(path: Path, option: str = "--output") -> bool:
    """Create the output directory ``path`` itself (never its parents); True if it was created.

    Raises
    ------
    SpecError
        Its parent folder is missing, or ``path`` is a file.
    """
    from ..errors import SpecError

    path = Path(path)
    if path.is_dir():
        return False
    if path.exists():
        raise SpecError(f"{option} {path} exists and is not a directory; give a directory")
    why = missing_folder(path, option)
    if why is not None:
        raise SpecError(why)
    path.mkdir()
    return True


# --------------------------------------------------------------------------- broken pipes
def exit_on_broken_pipe() -> int:
    """After ``BrokenPipeError`` on stdout: point stdout at the null device (so the flush at
    exit cannot fail again and print a traceback) and return :data:`BROKEN_PIPE_STATUS`.

    What Python's documentation recommends for SIGPIPE (library/signal.html, "Note on
    SIGPIPE"); the exit status is the shell's 128 + SIGPIPE, as for any other program ended by
    a closed pipe.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout without a file descriptor
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until the process exits
    return BROKEN_PIPE_STATUS
