"""Errors raised by chainlab.

Every error is a subclass of :class:`ChainlabError` *and* of the builtin category it belongs
to, so callers may catch either (``except chainlab.NotStochasticError`` or ``except ValueError``).
Messages name the argument, show the offending value and its location, and state the fix.

Examples
--------
>>> from chainlab.errors import NotStochasticError
>>> issubclass(NotStochasticError, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "ChainlabError",
    "SpecError",
    "NotStochasticError",
    "NotAbsorbingError",
    "ExactnessError",
    "StateSpaceLimitError",
    "FileFormatError",
    "PrecisionError",
]


class ChainlabError(Exception):
    """Base class of every error chainlab raises on purpose."""


class SpecError(ChainlabError, ValueError):
    """A bad model or argument (unknown state or label, wrong shape, bad option)."""


class NotStochasticError(ChainlabError, ValueError):
    """A negative, NaN or non-numeric entry, or a row that does not sum to 1.

    ``row`` (and, from the file readers, ``line``) say where, when known.
    """

    row: int | None = None
    line: int | None = None


class NotAbsorbingError(ChainlabError, ValueError):
    """The quantity asked for is undefined for this chain (e.g. no closed class is reachable)."""


class ExactnessError(ChainlabError, TypeError):
    """A float was given where an exact value is required."""


class StateSpaceLimitError(ChainlabError, MemoryError):
    """Refused before exhausting memory: the state space is over the configured limit."""


class FileFormatError(ChainlabError, ValueError):
    """A malformed chain file; the message names the file and the line."""


class PrecisionError(ChainlabError, ArithmeticError):
    """A float64 result could not be certified to the tolerance (``config.limits.tolerance``).

    ``error_bound`` holds the relative bound that was reached (``inf``: none) and
    ``tolerance`` the one asked for; the exact backend gives the value itself.

    Examples
    --------
    A walk that must climb 30 steps against a 9:1 drift before it is absorbed: the float LU
    loses every digit of the escape probability, and the result is refused, not returned.

    >>> from fractions import Fraction as F
    >>> from chainlab import Chain, numeric
    >>> rows = {0: {0: 1}, 1: {0: F(3, 10), 2: F(7, 10)}, 32: {32: 1}}
    >>> rows.update({i: {i + 1: F(1, 10), max(i - 1, 2): F(9, 10)} for i in range(2, 32)})
    >>> trap = Chain(dict(sorted(rows.items())), initial=1)
    >>> try:
    ...     numeric.absorption(trap)
    ... except PrecisionError as err:
    ...     print(type(err).__name__, err.error_bound)
    PrecisionError inf
    """

    def __init__(self, message: str, *, error_bound: float = float("inf"),
                 tolerance: float = float("nan")):
        super().__init__(message)
        self.error_bound = error_bound
        self.tolerance = tolerance
