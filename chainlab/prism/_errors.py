"""Errors of the PRISM front end: every message starts with ``file:line:column``."""

from __future__ import annotations

from typing import TypeVar

from ..errors import FileFormatError, NotStochasticError, SpecError

__all__ = ["PrismSyntaxError", "PrismModelError", "PrismProbabilityError", "located"]


class _Located:
    source: str
    line: int
    column: int


class PrismSyntaxError(FileFormatError, _Located):
    """Text that is not PRISM: names the place, the construct being read and the fix.

    Examples
    --------
    >>> from chainlab.prism import parse_model
    >>> try:
    ...     parse_model("dtmc module m x : [0..1]; [] x=0 -> (x'=1) endmodule")
    ... except PrismSyntaxError as err:
    ...     print(err.line, err.column, isinstance(err, FileFormatError))
    1 44 True
    """


class PrismModelError(SpecError, _Located):
    """A well-formed PRISM text that means nothing (unknown name, wrong type, missing or
    unused constant, a variable out of its range, ...).

    Examples
    --------
    >>> from chainlab.prism import parse_model
    >>> parse_model("dtmc module m x : [0..1]; [] y=0 -> (x'=1); endmodule")
    Traceback (most recent call last):
    ...
    chainlab.prism._errors.PrismModelError: <model>:1:30: unknown identifier 'y'; declare it as a variable, constant or formula
    """


class PrismProbabilityError(NotStochasticError, _Located):
    """A command whose probabilities do not form a distribution in a reachable state.

    Examples
    --------
    >>> from chainlab.prism import parse_model
    >>> parse_model("dtmc module m x : [0..1]; [] x=0 -> x/2 : (x'=1); endmodule")
    Traceback (most recent call last):
    ...
    chainlab.prism._errors.PrismProbabilityError: <model>:1:27: the probabilities of the command '[] x=0 -> x/2 : (x'=1);' sum to 0, not 1, in the reachable state (x=0); make them sum to 1 in every state where the guard holds
    """

    line: int  # always known here (NotStochasticError's is optional)


_E = TypeVar("_E", PrismSyntaxError, PrismModelError, PrismProbabilityError)


def located(cls: type[_E], source: str, line: int, column: int, message: str) -> _E:
    """``cls("source:line:column: message")`` with the position kept as attributes."""
    where = f"{source}:{line}:{column}: " if line else f"{source}: "
    err = cls(where + message)
    err.source, err.line, err.column = source, line, column
    return err
