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
]


class ChainlabError(Exception):
    """Base class of every error chainlab raises on purpose."""


class SpecError(ChainlabError, ValueError):
    """A bad model or argument (unknown state or label, wrong shape, bad option)."""


class NotStochasticError(ChainlabError, ValueError):
    """A negative, NaN or non-numeric entry, or a row that does not sum to 1."""


class NotAbsorbingError(ChainlabError, ValueError):
    """The quantity asked for is undefined for this chain (e.g. no closed class is reachable)."""


class ExactnessError(ChainlabError, TypeError):
    """A float was given where an exact value is required."""


class StateSpaceLimitError(ChainlabError, MemoryError):
    """Refused before exhausting memory: the state space is over the configured limit."""


class FileFormatError(ChainlabError, ValueError):
    """A malformed chain file; the message names the file and the line."""
