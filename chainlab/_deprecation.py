"""Renamed keywords: the old spelling keeps working for a while, with a DeprecationWarning.

chainlab's vocabulary (docs/guide.md, "Words chainlab uses"): replicate counts are
``num_samples``; fixed run lengths ``num_steps`` (chains) and ``num_rounds`` (agent models);
caps on a run ``max_steps`` / ``max_rounds``; ``horizon`` is the step bound of bounded
reachability; an interrupted result has ``complete=False``.
"""
from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import SpecError

__all__: list[str] = []

F = TypeVar("F", bound=Callable[..., Any])


def renamed(**old_to_new: str) -> Callable[[F], F]:
    """Accept the old keyword names of a function (mapped to the new ones, with a warning).

    Examples
    --------
    >>> @renamed(runs="num_samples")
    ... def f(*, num_samples=1):
    ...     return num_samples
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     f(runs=3), caught[0].category.__name__
    (3, 'DeprecationWarning')
    """
    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise SpecError(f"{fn.__name__}: give {new}= only ({old}= is its old "
                                        "name)")
                    warnings.warn(f"{fn.__name__}({old}=...) is deprecated; write {new}=...",
                                  DeprecationWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap
