"""What every chain has, whatever its entries: states, a sparse pattern, labels, an initial law.

:class:`ChainBase` is the one base of :class:`chainlab.Chain` (rational or float entries) and
:class:`chainlab.parametric.ParametricChain` (rational functions of parameters). It owns the
state space, the CSR pattern (``indptr``, ``indices``), the labels and the initial law, and
everything defined by those alone: lookups by state label, targets, copies with other labels
or another initial law, equality of the structure. A subclass stores its entries and says how
to read one (:meth:`ChainBase._entry`) and what zero is (:meth:`ChainBase._zero`).
"""
from __future__ import annotations

import abc
from collections.abc import Hashable, Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np

from ..errors import SpecError
from ..statespace import StateSpace
from .input import _resolve_labels

__all__ = ["ChainBase"]


class ChainBase(abc.ABC):
    """The structure shared by exact, float and parametric chains (see the module docstring)."""

    __slots__ = ("_states", "_indptr", "_indices", "_labels", "_initial", "_cache",
                 "__weakref__")
    #: whether copies share the cache of derived, pattern-only data (False: a fresh cache)
    _share_cache = True

    _states: StateSpace
    _indptr: np.ndarray
    _indices: np.ndarray
    _labels: Mapping[str, frozenset[int]]
    _initial: Mapping[int, Any] | None
    _cache: dict

    # ------------------------------------------------------------------ read-only views
    @property
    def states(self) -> StateSpace:
        """The :class:`~chainlab.StateSpace` (labels ↔ indices)."""
        return self._states

    @property
    def num_states(self) -> int:
        """Number of states."""
        return len(self._states)

    @property
    def num_transitions(self) -> int:
        """Number of entries of the sparsity pattern (positive, or not identically zero)."""
        return int(len(self._indices))

    @property
    def labels(self) -> Mapping[str, frozenset[int]]:
        """Named state sets (atomic propositions), as sets of state *indices*."""
        return self._labels

    @property
    def initial(self) -> Mapping[int, Any] | None:
        """The initial distribution as ``{index: probability}`` (None when not given)."""
        return self._initial

    @property
    def indptr(self) -> np.ndarray:
        """CSR row pointer of the sparsity pattern (read-only view)."""
        v = self._indptr.view()
        v.flags.writeable = False
        return v

    @property
    def indices(self) -> np.ndarray:
        """CSR column indices of the sparsity pattern (sorted within each row; read-only view)."""
        v = self._indices.view()
        v.flags.writeable = False
        return v

    # ------------------------------------------------------------------ entries
    @abc.abstractmethod
    def _entry(self, k: int) -> Any:
        """The public value of the ``k``-th stored entry (CSR order)."""

    @abc.abstractmethod
    def _zero(self) -> Any:
        """The public value of an entry outside the pattern."""

    def _to_dict_value(self, value: Any) -> Any:
        """How :meth:`to_dict` shows an entry (the entry itself unless a subclass says)."""
        return value

    def transitions(self) -> Iterator[tuple[int, int, Any]]:
        """Iterate ``(i, j, value)`` over the entries of the pattern, by index."""
        ptr, idx = self._indptr, self._indices
        for i in range(self.num_states):
            for k in range(ptr[i], ptr[i + 1]):
                yield i, int(idx[k]), self._entry(k)

    def probability(self, source: Hashable, target: Hashable) -> Any:
        """``P[source, target]`` by state labels."""
        i, j = self._states.index_of(source), self._states.index_of(target)
        a, b = self._indptr[i], self._indptr[i + 1]
        k = a + int(np.searchsorted(self._indices[a:b], j))
        if k < b and self._indices[k] == j:
            return self._entry(k)
        return self._zero()

    def to_dict(self) -> dict[Hashable, dict[Hashable, Any]]:
        """``{state: {next_state: probability}}`` by state labels."""
        labs = self._states.labels
        out: dict = {lab: {} for lab in labs}
        for i, j, v in self.transitions():
            out[labs[i]][labs[j]] = self._to_dict_value(v)
        return out

    def target_indices(self, target: Any, argname: str = "target") -> np.ndarray:
        """Resolve a target: a label name of :attr:`labels`, one state, or an iterable of states.

        Returns sorted unique indices (empty only for a label with no state). A string is looked
        up as a label name first.
        """
        if isinstance(target, str) and target in self._labels:
            idx = sorted(self._labels[target])
        elif isinstance(target, Hashable) and not isinstance(target, (frozenset, tuple)) \
                and target in self._states:
            idx = [self._states.index_of(target)]
        elif isinstance(target, tuple) and target in self._states:
            idx = [self._states.index_of(target)]
        elif isinstance(target, (str, bytes)) or not isinstance(target, Iterable):
            known = ", ".join(repr(x) for x in self._labels) or "none"
            raise SpecError(
                f"{argname}={target!r} is neither a label (known labels: {known}) nor a state"
            )
        else:
            idx = sorted(set(self._states.indices_of(target)))
        if not idx and not (isinstance(target, str) and target in self._labels):
            # an empty *label* is a fact about the chain (e.g. no consensus state is reachable):
            # it is hit with probability 0; an empty explicit collection is a caller's slip
            raise SpecError(f"{argname}={target!r} selects no state; give at least one state")
        return np.asarray(idx, dtype=np.int64)

    # ------------------------------------------------------------------ copies
    def _copy(self) -> Any:
        """A shallow copy (every slot of the class and its bases)."""
        cls = type(self)
        new = cls.__new__(cls)
        for klass in cls.__mro__:
            for name in getattr(klass, "__slots__", ()):
                if name != "__weakref__":
                    setattr(new, name, getattr(self, name))
        if not self._share_cache:
            new._cache = {}
        return new

    @abc.abstractmethod
    def _resolve_initial(self, initial: Any) -> Mapping[int, Any] | None:
        """The initial law ``initial`` (by state labels) checked for this kind of chain."""

    def with_initial(self, initial: Any) -> Any:
        """A copy with another initial distribution (by state labels)."""
        new = self._copy()
        new._initial = self._resolve_initial(initial)
        return new

    def with_labels(self, labels: Mapping[str, Iterable[Hashable]]) -> Any:
        """A copy with additional named state sets (by state labels)."""
        new = self._copy()
        merged = dict(self._labels)
        merged.update(_resolve_labels(labels, self._states))
        new._labels = MappingProxyType(merged)
        return new

    def _same_structure(self, other: ChainBase) -> bool:
        """Same states, pattern, labels and initial law (entries not compared)."""
        return bool(
            self._states == other._states
            and np.array_equal(self._indptr, other._indptr)
            and np.array_equal(self._indices, other._indices)
            and dict(self._labels) == dict(other._labels)
            and (dict(self._initial) if self._initial else None)
            == (dict(other._initial) if other._initial else None)
        )

    __hash__ = None  # type: ignore[assignment]
