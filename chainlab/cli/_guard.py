"""What every command runs under: a memory budget and an interrupt that ends the process.

* **Memory.** A run whose resident memory passes ``config.limits.memory_budget``
  (``--memory-budget``; default half of the machine's memory) is stopped and refused with the
  remedies named, instead of pushing the machine into swap or the kernel's OOM killer (exact
  solves are also estimated and refused before they start, see ``chainlab._linalg.budget``).
* **Ctrl-C.** The first interrupt raises ``KeyboardInterrupt`` as usual, so commands keep and
  report what they finished; a watchdog then ends the process one second later if it is still
  running (a long step inside C code -- a factorisation, a big-integer product -- would
  otherwise hold the interrupt back for many seconds). Atomic file writes under way are let
  finish first, so no file a user asked for is left half written.
"""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

__all__: list[str] = []

GRACE = 1.0  # seconds between Ctrl-C and the end of the process
_interrupted = False  # a Ctrl-C arrived during the current command


def was_interrupted() -> bool:
    """Whether Ctrl-C arrived during the command (an interrupt inside an import surfaces as an
    ImportError, not as KeyboardInterrupt: the caller reports it as the interrupt it was)."""
    return _interrupted
_MAX_WRITE_WAIT = 30.0  # at most this long for atomic writes under way


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


def _rss() -> int | None:
    """Resident memory of this process in bytes (Linux; None elsewhere)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


_memory_exceeded = False
POLL = 0.2  # seconds between two looks at the resident memory


def memory_exceeded() -> bool:
    """Whether the memory watch stopped the command."""
    return _memory_exceeded


@contextlib.contextmanager
def memory_budget(budget: int | None, command: str = "") -> Iterator[None]:
    """Stop the command when its resident memory passes ``budget`` bytes.

    A thread looks at the resident set every ``POLL`` seconds; past the budget it interrupts
    the main thread (the command unwinds as after Ctrl-C, and the caller reports a memory
    refusal) and ends the process ``GRACE`` seconds later if it is still running. Why not
    ``RLIMIT_AS``: GMP, under python-flint, aborts the whole process on a failed allocation.
    """
    global _memory_exceeded
    _memory_exceeded = False
    if budget is None or _rss() is None or \
            threading.current_thread() is not threading.main_thread():
        yield
        return
    import _thread

    done = threading.Event()

    def watch() -> None:
        global _memory_exceeded
        while not done.wait(POLL):
            rss = _rss()
            if rss is not None and rss > budget:
                _memory_exceeded = True
                _thread.interrupt_main()
                if done.wait(GRACE):
                    return
                with contextlib.suppress(Exception):
                    sys.stderr.write("\n" + memory_refusal(command, budget) + "\n")
                    sys.stderr.flush()
                os._exit(2)

    thread = threading.Thread(target=watch, daemon=True, name="chainlab-memory-watch")
    thread.start()
    try:
        yield
    finally:
        done.set()


@contextlib.contextmanager
def interrupt_deadline(command: str) -> Iterator[None]:
    """Ctrl-C raises ``KeyboardInterrupt`` and ends the process ``GRACE`` seconds later."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    armed: list[threading.Thread] = []
    cancelled = threading.Event()

    global _interrupted
    _interrupted = False

    def on_sigint(signum, frame):
        global _interrupted
        _interrupted = True
        if not armed:
            t = threading.Thread(target=_watchdog_unless,
                                 args=(cancelled, command, time.perf_counter()), daemon=True)
            armed.append(t)
            t.start()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        cancelled.set()
        signal.signal(signal.SIGINT, previous)


def _watchdog_unless(cancelled: threading.Event, command: str, started: float) -> None:
    """End the process after the grace period unless the command finished before."""
    if cancelled.wait(GRACE):
        return  # the command ended by itself (and its caller decides what happens next)
    from .._io.atomic import writes_in_progress

    waited = 0.0
    while writes_in_progress() and waited < _MAX_WRITE_WAIT:
        time.sleep(0.05)
        waited += 0.05
    with contextlib.suppress(Exception):
        sys.stderr.write(f"\nchainlab {command}: interrupted ({time.perf_counter() - started:.1f} "
                         "s after Ctrl-C, inside a step that could not stop sooner; what was "
                         "finished before it has been reported)\n")
        sys.stderr.flush()
    with contextlib.suppress(Exception):
        sys.stdout.flush()
    os._exit(130)


def memory_refusal(command: str, budget: int | None) -> str:
    """The one-line refusal for a run that outgrew its memory budget."""
    limit = f"its memory budget ({_gib(budget)})" if budget else "the available memory"
    return (f"chainlab {command}: error: the run needs more than {limit}; rerun with --float "
            "(float64 with a certified error bound), a smaller --max-states, or a larger "
            "--memory-budget GiB (default: half of this machine's memory)")


def positive_number(what: str, example: str, *, finite: bool = False):
    """An argparse ``type``: a positive float (``finite``: ``inf`` refused too), with a message
    naming what is wanted and an example (the one converter of the positive-number options)."""
    import argparse

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not value > 0 or (finite and value == float("inf")):
            raise argparse.ArgumentTypeError(f"{text!r} is not a positive {what}; write e.g. "
                                             f"{example}")
        return value

    return convert


_gib_number = positive_number("number of GiB", "4", finite=True)


def _budget_gib(text: str) -> int:
    return int(_gib_number(text) * 2**30)


_seconds = positive_number("number of seconds", "3600 (or inf)")


def add_options(parser) -> None:
    """``--memory-budget GIB`` and ``--time-budget SECONDS`` on every subcommand."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                if not any("--memory-budget" in a.option_strings for a in sub._actions):
                    sub.add_argument(
                        "--memory-budget", type=_budget_gib, default=None, metavar="GIB",
                        help="memory this run may use, in GiB (default: half of this machine's "
                        "memory); past it the run refuses instead of swapping")
                if not any("--time-budget" in a.option_strings for a in sub._actions):
                    sub.add_argument(
                        "--time-budget", type=_seconds, default=None, metavar="SECONDS",
                        help="longest estimated exact solve to start (default 1800); longer "
                        "ones are refused before they start, naming --float")
