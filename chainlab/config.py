"""Process-wide limits (one place): how large a chain may get and when ``auto`` switches to floats.

Examples
--------
>>> from chainlab import config
>>> config.limits.max_states >= 10**6
True
>>> with config.override(max_states=10):
...     config.limits.max_states
10
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator

__all__ = ["Limits", "limits", "override"]


@dataclasses.dataclass
class Limits:
    """Configurable limits.

    Attributes
    ----------
    max_states : int
        Largest number of states a chain (or a compilation) may have; beyond it chainlab raises
        :class:`chainlab.errors.StateSpaceLimitError` before allocating.
    exact_auto_max_states : int
        ``method="auto"`` front ends (the CLI) use exact arithmetic up to this many states
        and float64 above it.
    """

    max_states: int = 20_000_000
    exact_auto_max_states: int = 5_000


limits = Limits()


@contextlib.contextmanager
def override(**changes: int) -> Iterator[Limits]:
    """Temporarily change limits (restored on exit, also after an exception).

    Examples
    --------
    >>> with override(exact_auto_max_states=3):
    ...     limits.exact_auto_max_states
    3
    >>> limits.exact_auto_max_states
    5000
    """
    old = dataclasses.replace(limits)
    for key, value in changes.items():
        if not hasattr(limits, key):
            from .errors import SpecError

            raise SpecError(f"unknown limit {key!r}; known limits are {list(vars(old))}")
        setattr(limits, key, value)
    try:
        yield limits
    finally:
        for key in vars(old):
            setattr(limits, key, getattr(old, key))
