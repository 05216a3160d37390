"""Errors of the PRISM front end: every message starts with ``file:line:column``."""

from __future__ import annotations

from ..errors import FileFormatError, NotStochasticError, SpecError

__all__ = ["PrismSyntaxError", "PrismModelError", "PrismProbabilityError", "located"]


class _Located:
    source: str
    line: int
    column: int


class PrismSyntaxError(FileFormatError, _Located):
    """Text that is not PRISM: names the place, the construct being read and the fix."""


class PrismModelError(SpecError, _Located):
    """A well-formed PRISM text that means nothing (unknown name, wrong type, missing or
    unused constant, a variable out of its range, ...)."""


class PrismProbabilityError(NotStochasticError, _Located):
    """A command whose probabilities do not form a distribution in a reachable state."""


def located(cls, source: str, line: int, column: int, message: str):
    """``cls("source:line:column: message")`` with the position kept as attributes."""
    where = f"{source}:{line}:{column}: " if line else f"{source}: "
    err = cls(where + message)
    err.source, err.line, err.column = source, line, column
    return err
