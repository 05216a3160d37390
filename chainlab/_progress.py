"""Progress of long work: one reporter protocol for the whole library, one terminal reporter.

Library functions that run for long (compiling, simulating, sweeping, paper-scale studies,
exact solves) take ``progress=``: ``False`` (silent, the default), a callable that receives
:class:`ProgressEvent` objects, or ``True`` for :func:`terminal`, the one place in chainlab that
writes progress to a terminal. They never write to stderr themselves; the command line passes
``True`` when stderr is a terminal.

A :class:`Progress` throttles the events (at most every ``interval`` seconds, the last one
always), measures elapsed time and sends a final event when the work ends, finished or
interrupted, so a reporter can clear or end its line.

Examples
--------
>>> events = []
>>> with Progress("simulating", total=3, unit="runs", progress=events.append, interval=0) as p:
...     for done in range(1, 4):
...         p.update(done)
>>> [(e.done, e.total, e.final) for e in events]
[(1, 3, False), (2, 3, False), (3, 3, False), (3, 3, True)]
>>> events[-1].line()[:22]
'simulating: 3/3 runs ('
"""
from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from .errors import SpecError

__all__ = ["ProgressEvent", "Progress", "terminal", "reporter"]


@dataclasses.dataclass(frozen=True)
class ProgressEvent:
    """One report of long work.

    Attributes
    ----------
    task : str
        What runs (``"compiling"``, ``"simulating"``, ...).
    done : int
        Units finished so far.
    total : int or None
        Units in all, when known.
    unit : str
        What is counted (``"states expanded"``, ``"runs"``, ``"points"``).
    elapsed : float
        Seconds since the work started.
    detail : str
        More of the state, in words (``"1,024 found, 5,630 transitions"``).
    final : bool
        The last event of this work (finished, interrupted or failed).
    interrupted : bool
        The work was interrupted (Ctrl-C); ``done`` units are kept.
    """

    task: str
    done: int
    total: int | None
    unit: str
    elapsed: float
    detail: str = ""
    final: bool = False
    interrupted: bool = False

    def line(self) -> str:
        """The event as one line of text."""
        count = f"{self.done:,}/{self.total:,}" if self.total is not None else f"{self.done:,}"
        text = f"{self.task}: {count} {self.unit}".rstrip()
        if self.detail:
            text += f", {self.detail}"
        text += f" ({self.elapsed:.1f} s)"
        if self.interrupted:
            text += f" -- interrupted, keeping the {self.done:,} finished"
        return text


Reporter = Callable[[ProgressEvent], Any]


def terminal(stream: TextIO | None = None, *, keep: bool = True) -> Reporter:
    """A reporter that rewrites one line on a terminal (stderr by default).

    ``keep``: leave the final line standing (True) or clear it (False).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> show = terminal(out)
    >>> show(ProgressEvent("sweep", 1, 2, "points", 0.5))
    >>> show(ProgressEvent("sweep", 2, 2, "points", 1.0, final=True))
    >>> out.getvalue().split("\\r")[1:]
    ['sweep: 1/2 points (0.5 s)', 'sweep: 2/2 points (1.0 s)\\n']
    """
    width = [0]

    def show(event: ProgressEvent) -> None:
        out = stream if stream is not None else sys.stderr
        text = event.line()
        pad = " " * max(0, width[0] - len(text))
        width[0] = len(text)
        if event.final and not keep:
            out.write("\r" + " " * len(text + pad) + "\r")
        else:
            out.write("\r" + text + pad + ("\n" if event.final else ""))
        out.flush()

    return show


def reporter(progress: Any, name: str = "progress") -> Reporter | None:
    """The reporter a ``progress=`` argument asks for (the one gate for that argument)."""
    if progress is None:
        return None
    if type(progress).__name__ in ("bool", "bool_"):  # Python or NumPy booleans
        return terminal() if progress else None
    if callable(progress):
        return progress
    raise SpecError(f"{name} must be True, False or a callable taking a ProgressEvent, got "
                    f"{progress!r}")


class Progress:
    """Throttled progress of one piece of work (a context manager; see the module docstring).

    Parameters
    ----------
    task, total, unit
        As in :class:`ProgressEvent`.
    progress : bool or callable
        The ``progress=`` argument of the public function (see :func:`reporter`).
    interval : float, optional
        Least seconds between two events (the final event is always sent); default
        :attr:`Progress.interval`, half a second.
    keep : bool, default True
        With ``progress=True``: leave the final line on the terminal (False: clear it).
    """

    interval = 0.5

    def __init__(self, task: str, *, total: int | None = None, unit: str = "",
                 progress: Any = False, interval: float | None = None,
                 keep: bool = True) -> None:
        report = reporter(progress)
        if report is not None and progress is True and not keep:
            report = terminal(keep=False)
        self._report = report
        self.task, self.total, self.unit = task, total, unit
        if interval is not None:
            self.interval = interval
        self.started = time.perf_counter()
        self._last = -float("inf")
        self.done = 0
        self.detail = ""
        self._sent = False

    @property
    def enabled(self) -> bool:
        return self._report is not None

    def _event(self, final: bool, interrupted: bool = False) -> ProgressEvent:
        return ProgressEvent(self.task, self.done, self.total, self.unit,
                             time.perf_counter() - self.started, self.detail, final,
                             interrupted)

    def update(self, done: int, detail: str = "") -> None:
        """Record ``done`` units (sent when ``interval`` has passed since the last event)."""
        self.done, self.detail = done, detail
        if self._report is None:
            return
        now = time.perf_counter()
        if now - self._last >= self.interval:
            self._last = now
            self._sent = True
            self._report(self._event(False))

    def close(self, *, interrupted: bool = False) -> None:
        """Send the final event (once; only if an event was sent, or the work was interrupted)."""
        if self._report is not None and (self._sent or interrupted):
            self._report(self._event(True, interrupted))
        self._report = None

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type | None, exc: BaseException | None, tb: Any) -> None:
        self.close(interrupted=kind is not None and issubclass(kind, KeyboardInterrupt))
