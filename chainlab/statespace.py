"""State spaces: hashable state labels in a fixed order, and their integer indices.

Algorithms in chainlab work on integer indices ``0 .. num_states - 1``; a :class:`StateSpace`
translates between those indices and the labels users chose (ints, strings, tuples such as a
grid cell ``(x, y)`` or an agent configuration).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from .errors import SpecError

__all__ = ["StateSpace"]


class StateSpace(Sequence):
    """An ordered set of hashable state labels with index look-up both ways.

    Parameters
    ----------
    labels : iterable of hashable
        The state labels, in index order. Labels must be distinct.

    See Also
    --------
    chainlab.Chain : The chain whose states these are.

    Examples
    --------
    >>> s = StateSpace(["ruin", 1, 2, "win"])
    >>> s.index_of("win"), s.label_of(1), len(s)
    (3, 1, 4)
    >>> s.index_of("lose")
    Traceback (most recent call last):
    ...
    chainlab.errors.SpecError: unknown state 'lose'; known states are 'ruin', 1, 2, 'win'
    """

    __slots__ = ("_labels", "_index", "_is_range", "_tuple")

    def __init__(self, labels: Iterable[Hashable]) -> None:
        labels = tuple(labels)
        index: dict[Any, int] = {}
        for i, lab in enumerate(labels):
            try:
                if lab in index:
                    raise SpecError(
                        f"state label {lab!r} appears twice (indices {index[lab]} and {i}); "
                        "state labels must be distinct"
                    )
            except TypeError:
                raise SpecError(
                    f"state label {lab!r} at index {i} is not hashable; use tuples, not lists"
                ) from None
            index[lab] = i
        self._labels: Sequence[Hashable] = labels  # (a range for StateSpace.range)
        self._tuple: tuple[Hashable, ...] | None = labels  # (None until asked for)
        self._index: dict[Any, int] | None = index
        self._is_range = all(type(lab) is int and lab == i for i, lab in enumerate(labels))

    @classmethod
    def range(cls, num_states: int) -> StateSpace:
        """The state space ``0, 1, ..., num_states - 1``.

        Examples
        --------
        >>> StateSpace.range(3).labels
        (0, 1, 2)
        """
        # no per-state objects: a million-state chain read from a file needs none
        self = cls.__new__(cls)
        self._labels = range(int(num_states))
        self._tuple = None
        self._index = None
        self._is_range = True
        return self

    @classmethod
    def _deferred(cls, num_states: int, make: Callable[[], Sequence[Hashable]]) -> StateSpace:
        """Trusted internal constructor: ``num_states`` labels, all distinct tuples, that
        ``make()`` returns when they are first needed (a builder that numbers its states
        itself, e.g. the PRISM explorer, need not make an object per state unless asked)."""
        return _DeferredStateSpace(int(num_states), make)

    @property
    def labels(self) -> tuple:
        """The state labels in index order."""
        if self._tuple is None:
            self._tuple = tuple(self._labels)
        return self._tuple

    def _range_index(self, label: Any) -> int | None:
        if isinstance(label, (int, np.integer)) and not isinstance(label, (bool, np.bool_)) \
                and 0 <= label < len(self._labels):
            return int(label)
        return None

    @property
    def is_range(self) -> bool:
        """True when the labels are exactly the indices ``0..n-1``."""
        return self._is_range

    def index_of(self, label: Hashable) -> int:
        """Index of the state with this label; raises :class:`SpecError` for unknown labels."""
        try:
            if self._index is None:
                i = self._range_index(label)
                if i is None:
                    raise KeyError(label)
                return i
            return self._index[label]
        except (KeyError, TypeError):
            shown = ", ".join(repr(x) for x in self._labels[:8])
            if len(self._labels) > 8:
                shown += f", ... ({len(self._labels)} states)"
            raise SpecError(f"unknown state {label!r}; known states are {shown}") from None

    def indices_of(self, labels: Iterable[Hashable]) -> list[int]:
        """Indices of several states (in the order given)."""
        if self._is_range and isinstance(labels, np.ndarray) and labels.dtype.kind in "iu":
            if labels.size and (labels.min() < 0 or labels.max() >= len(self)):
                bad = labels[(labels < 0) | (labels >= len(self))][0]
                self.index_of(int(bad))  # raises the usual error
            return labels.astype(np.int64).tolist()
        return [self.index_of(lab) for lab in labels]

    def label_of(self, index: int) -> Hashable:
        """Label of the state with this index."""
        if not (0 <= index < len(self._labels)):
            raise SpecError(
                f"state index {index} is out of range; indices run from 0 to {len(self._labels) - 1}"
            )
        return self._labels[index]

    def __contains__(self, label: object) -> bool:
        if self._index is None:
            return self._range_index(label) is not None
        try:
            return label in self._index
        except TypeError:
            return False

    def __len__(self) -> int:
        return len(self._labels)

    def __getitem__(self, i):
        return self._labels[i]

    def __iter__(self) -> Iterator:
        return iter(self._labels)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StateSpace):
            return False
        if self._is_range or other._is_range:
            return self._is_range == other._is_range and len(self) == len(other)
        return self._labels == other._labels

    def __hash__(self) -> int:
        return hash(("range", len(self))) if self._is_range else hash(self._labels)

    def __repr__(self) -> str:
        if self._is_range:
            return f"StateSpace.range({len(self)})"
        shown = ", ".join(repr(x) for x in self._labels[:6])
        more = f", ... ({len(self)} states)" if len(self) > 6 else ""
        return f"StateSpace([{shown}{more}])"


class _DeferredStateSpace(StateSpace):
    """A :class:`StateSpace` whose labels are made, and checked distinct, on first use.

    The slots of :class:`StateSpace` other than ``_is_range`` stay unset until then; reading
    one calls ``make()`` and runs the ordinary constructor on its labels (``__getattr__`` is
    only consulted for unset attributes), so every method behaves exactly as on
    ``StateSpace(make())``."""

    __slots__ = ("_n", "_make")

    def __init__(self, num_states: int, make: Callable[[], Sequence[Hashable]]) -> None:
        self._n = num_states
        self._make = make
        self._is_range = False  # tuple labels

    def __getattr__(self, name: str) -> Any:
        if name in ("_labels", "_index", "_tuple"):
            labels = tuple(self._make())
            if len(labels) != self._n:  # pragma: no cover (a builder bug)
                raise AssertionError(f"{len(labels)} state labels made, {self._n} expected")
            StateSpace.__init__(self, labels)
            return getattr(self, name)
        raise AttributeError(name)

    def __len__(self) -> int:
        return self._n

    def __reduce__(self) -> tuple:
        return (StateSpace, (self.labels,))


def _as_state_space(states: Sequence[Hashable] | StateSpace | None, num_states: int) -> StateSpace:
    """Normalise a ``states=`` argument against the number of states."""
    if states is None:
        return StateSpace.range(num_states)
    space = states if isinstance(states, StateSpace) else StateSpace(states)
    if len(space) != num_states:
        raise SpecError(
            f"states has {len(space)} labels but the matrix has {num_states} rows; "
            "give one label per row"
        )
    return space
