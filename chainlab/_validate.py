"""The one gate for integer arguments of public functions.

Every public function that takes a count, a size or an index checks it here, so all of them
accept the same values -- Python ints and anything with ``__index__`` (NumPy integers, flint
``fmpz``), never ``bool`` -- return a plain ``int`` and refuse with the same kind of message,
naming the argument, the bad value and the fix.
"""
from __future__ import annotations

import operator
from typing import Any

from .errors import SpecError

__all__ = ["integer"]


def integer(name: str, value: Any, *, low: int | None = None, high: int | None = None,
            fix: str = "") -> int:
    """``value`` as an ``int`` in ``low..high`` (either end optional), or a :class:`SpecError`.

    Examples
    --------
    >>> import numpy as np
    >>> integer("N", np.int64(3), low=1)
    3
    >>> integer("N", True, low=1)
    Traceback (most recent call last):
    ...
    chainlab.errors.SpecError: N must be an integer >= 1, got True (a bool)
    >>> integer("start", 7, low=0, high=5, fix="start with 0..5 balls")
    Traceback (most recent call last):
    ...
    chainlab.errors.SpecError: start must be an integer in 0..5, got 7; start with 0..5 balls
    """
    span = ("" if low is None and high is None else f" >= {low}" if high is None
            else f" <= {high}" if low is None else f" in {low}..{high}")
    tail = f"; {fix}" if fix else ""
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise SpecError(f"{name} must be an integer{span}, got {value!r} (a bool){tail}")
    try:
        v = operator.index(value)
    except TypeError:
        raise SpecError(f"{name} must be an integer{span}, got {value!r} of type "
                        f"{type(value).__name__}{tail}") from None
    if (low is not None and v < low) or (high is not None and v > high):
        raise SpecError(f"{name} must be an integer{span}, got {v}{tail}")
    return int(v)
