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
    tolerance : float
        Relative error every float64 result must be certified to (its ``error_bound``, claims
        CERT-1 .. CERT-4): :mod:`chainlab.numeric` refines a solve that misses it and raises
        :class:`chainlab.errors.PrecisionError` when refinement cannot reach it. ``inf``
        accepts any result (the bound is still reported).
    """

    max_states: int = 20_000_000
    exact_auto_max_states: int = 5_000
    tolerance: float = 1e-6


limits = Limits()


def _check(key: str, value: object) -> None:
    """Validate one limit (the one gate for ``override``)."""
    from .errors import SpecError

    if key == "tolerance":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not value > 0:  # (also refuses NaN)
            raise SpecError(f"tolerance must be a positive number (a relative error such as "
                            f"1e-6, or float('inf') to accept any bound), got {value!r}")
    elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"{key} must be a positive integer, got {value!r}")


@contextlib.contextmanager
def override(**changes: float) -> Iterator[Limits]:
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
        _check(key, value)
        setattr(limits, key, value)
    try:
        yield limits
    finally:
        for key in vars(old):
            setattr(limits, key, getattr(old, key))
