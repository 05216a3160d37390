r"""The :class:`Chain`: an immutable finite Markov chain with exact entries.

Notation (used everywhere in chainlab: code, docstrings, result fields, proofs)
-------------------------------------------------------------------------------
* ``P`` — the transition matrix, ``P[i, j]`` = probability of moving from state ``i`` to ``j``;
  every row sums to exactly 1.
* A *closed* (recurrent) class is a communicating class that no edge leaves; every other state
  is *transient*; an *absorbing* state is a closed class of one state.
* Canonical form, transient states first and each closed class collapsed to one absorbing node:
  ``P = [[Q, R], [0, I]]``, with ``Q`` transient→transient and ``R`` transient→closed class.
* ``N = (I - Q)^{-1}`` the fundamental matrix (expected visits), ``B = N R`` the absorption
  probabilities, ``t = N 1`` the expected number of steps until a closed class is entered.

Entries are exact rationals (held as python-flint ``fmpq``, returned as
:class:`fractions.Fraction`). A chain built from floats is a *float chain*: the float backend
(:mod:`chainlab.numeric`) accepts it, the exact backend refuses it. The float ``csr_array``
:attr:`Chain.P` is always derived from the exact entries (correctly rounded), so both backends
see one sparsity pattern.

Examples
--------
>>> from fractions import Fraction as F
>>> c = Chain([[1, 0, 0], [F(1, 2), 0, F(1, 2)], [0, 0, 1]], states=["lose", "mid", "win"])
>>> c
Chain(3 states, 4 transitions, exact)
>>> c.probability("mid", "win")
Fraction(1, 2)
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import numpy as np
from flint import fmpq

from . import config
from ._validate import integer
from ._chain.values import fmpq_to_float, fmpq_to_fraction, to_float, to_fmpq
from .errors import ExactnessError, NotStochasticError, SpecError, StateSpaceLimitError
from .statespace import StateSpace, _as_state_space

__all__ = ["Chain"]

_ONE = fmpq(1)


def _row_error(row: int, message: str) -> NotStochasticError:
    """A row-sum error that also carries the row index (file readers point at its line)."""
    err = NotStochasticError(message)
    err.row = row
    return err


def _check_size(num_states: int, argname: str) -> None:
    limit = config.limits.max_states
    if num_states > limit:
        raise StateSpaceLimitError(
            f"{argname} has {num_states:,} states, over the limit of {limit:,}; raise it with "
            "chainlab.config.override(max_states=...) if the machine has the memory"
        )


class Chain:
    """An immutable finite discrete-time Markov chain.

    Parameters
    ----------
    P : rows, dict-of-dicts, numpy array, scipy sparse array, or networkx.DiGraph
        The transition probabilities. Accepted forms:

        * a list of rows (``[[1, 0], [Fraction(1, 2), Fraction(1, 2)]]``);
        * a dict-of-dicts ``{state: {next_state: prob}}`` (states are the keys, in order);
        * a numpy array or scipy sparse array/matrix (object arrays of Fractions, integer or
          float dtype);
        * a ``networkx.DiGraph`` whose edges carry ``weight`` (states are the nodes, in order).

        Entries may be ints, Fractions, ``sympy.Rational``, decimal strings (``"0.4"`` is read
        exactly as 2/5) or floats.
    states : sequence of hashable, optional
        State labels in row order (default ``0..n-1``; taken from the keys/nodes for
        dict-of-dicts and graphs).
    initial : state, mapping or sequence, optional
        Initial distribution: one state, a mapping ``{state: prob}``, or one probability per state.
    labels : mapping of str to iterable of states, optional
        Named state sets (atomic propositions, e.g. ``{"goal": [3]}``) used to pick targets.
    exact : bool, optional
        ``True`` requires exact entries (floats raise :class:`ExactnessError` unless
        ``limit_denominator`` is given); ``False`` builds a float chain; ``None`` (default) builds
        an exact chain when every entry is exact and a float chain otherwise.
    limit_denominator : int, optional
        Convert float entries to the nearest fraction with at most this denominator
        (``Fraction.limit_denominator``); the rows must then sum to exactly 1.
    atol : float, default 1e-10
        Row-sum tolerance for float chains (exact chains must sum to exactly 1).

    Raises
    ------
    NotStochasticError
        A negative, NaN, infinite or non-numeric entry, an empty row or a row not summing to 1.
    ExactnessError
        A float where ``exact=True`` requires exact values.
    SpecError
        Bad shapes, unknown or duplicate states, unknown label states, bad initial distribution.
    StateSpaceLimitError
        More states than ``chainlab.config.limits.max_states``.

    See Also
    --------
    chainlab.StateSpace : The labelled states of a chain.
    chainlab.exact : Exact analyses.
    chainlab.numeric : The same analyses in float64.
    chainlab.io.read_chain : Read a chain from a PRISM or Storm file.
    chainlab.parametric.ParametricChain : A chain with symbolic entries.

    Examples
    --------
    Gambler's ruin with N = 3 and a fair coin:

    >>> from fractions import Fraction as F
    >>> h = F(1, 2)
    >>> c = Chain({0: {0: 1}, 1: {0: h, 2: h}, 2: {1: h, 3: h}, 3: {3: 1}},
    ...           initial=1, labels={"win": [3]})
    >>> c.num_states, c.num_transitions, c.is_exact
    (4, 6, True)
    >>> c.P.toarray()[1]
    array([0.5, 0. , 0.5, 0. ])

    Floats are refused where exact values are required:

    >>> Chain([[0.5, 0.5], [0, 1]], exact=True)
    Traceback (most recent call last):
    ...
    chainlab.errors.ExactnessError: exact chain got float 0.5 at P[0, 0]; pass an exact value such as Fraction(1, 2) or '0.5' as a string, or give limit_denominator=... to convert floats, or build a float chain with exact=False
    """

    __slots__ = (
        "_states",
        "_indptr",
        "_indices",
        "_exact",
        "_float",
        "_labels",
        "_initial",
        "_float_at",
        "_P_cache",
        "_cache",
        "__weakref__",
    )

    def __init__(
        self,
        P: Any,
        *,
        states: Sequence[Hashable] | None = None,
        initial: Any = None,
        labels: Mapping[str, Iterable[Hashable]] | None = None,
        exact: bool | None = None,
        limit_denominator: int | None = None,
        atol: float = 1e-10,
    ) -> None:
        num_states, triples, states = _triples_from_any(P, states)
        if hasattr(P, "graph") and hasattr(P, "nodes"):  # networkx: labels, initial law
            from .interop import _networkx_extras
            labels, initial = _networkx_extras(P, labels, initial)
        space = _as_state_space(states, num_states)
        self._build(
            space,
            triples,
            exact=exact,
            limit_denominator=limit_denominator,
            atol=atol,
        )
        self._labels = _resolve_labels(labels, space)
        self._initial = _resolve_initial(initial, space, exact=self.is_exact, atol=atol)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_transitions(
        cls,
        num_states: int,
        transitions: Iterable[tuple[int, int, Any]],
        *,
        states: Sequence[Hashable] | None = None,
        initial: Any = None,
        labels: Mapping[str, Iterable[int]] | None = None,
        exact: bool | None = None,
        limit_denominator: int | None = None,
        atol: float = 1e-10,
    ) -> Chain:
        """Build a chain from ``(i, j, value)`` triples over integer indices.

        This is the fast path used by compilers and file readers. ``initial`` and ``labels``
        refer to *indices* here (an index, a mapping ``{index: prob}`` or an iterable of indices
        for a uniform start).

        Examples
        --------
        >>> c = Chain.from_transitions(2, [(0, 1, "1"), (1, 0, "1/3"), (1, 1, "2/3")], initial=0)
        >>> [(i, j, str(v)) for i, j, v in c.transitions()]
        [(0, 1, '1'), (1, 0, '1/3'), (1, 1, '2/3')]
        """
        num_states = integer("num_states", num_states, low=1)
        _check_size(num_states, "num_states")
        self = cls.__new__(cls)
        space = _as_state_space(states, num_states)
        index_space = StateSpace.range(num_states)
        self._build(
            space,
            _checked_index_triples(transitions, num_states),
            exact=exact,
            limit_denominator=limit_denominator,
            atol=atol,
        )
        self._labels = _resolve_labels(labels, index_space)
        if initial is not None and not isinstance(initial, (Mapping, int, np.integer)):
            initial = {int(i): Fraction(1) for i in initial}
            total = len(initial)
            initial = {i: Fraction(1, total) for i in initial}
        self._initial = _resolve_initial(initial, index_space, exact=self.is_exact, atol=atol)
        return self

    @classmethod
    def _from_csr_exact(
        cls,
        space: StateSpace,
        indptr: np.ndarray,
        indices: np.ndarray,
        values: Sequence[fmpq],
        *,
        labels: Mapping[str, frozenset[int]] | None = None,
        initial: Mapping[int, Fraction] | None = None,
        floats: np.ndarray | None = None,
    ) -> Chain:
        """Trusted internal constructor: CSR arrays with sorted column indices, no zeros,
        already-validated fmpq values (used by reorderings and compilers after validation).
        ``floats``, when given, must be the correctly rounded values (compilers that convert each
        distinct rational once pass them to skip a per-entry conversion)."""
        self = cls.__new__(cls)
        self._states = space
        self._indptr = indptr
        self._indices = indices
        if isinstance(values, np.ndarray) and values.dtype == object:
            self._exact = values
        else:
            self._exact = np.array(values, dtype=object) if len(values) else np.zeros(0, object)
        self._float = (np.array([fmpq_to_float(v) for v in values], dtype=np.float64)
                       if floats is None else floats)
        self._float_at = None
        self._P_cache = None
        self._cache = {}
        self._labels = MappingProxyType(dict(labels or {}))
        self._initial = None if initial is None else MappingProxyType(dict(initial))
        return self

    @classmethod
    def _from_table(
        cls,
        num_states: int,
        rows: np.ndarray,
        cols: np.ndarray,
        value_ids: np.ndarray,
        table: Sequence[Any],
        *,
        exact: bool,
        states: Sequence[Hashable] | None = None,
        labels: Mapping[str, Iterable[int]] | None = None,
        initial: Any = None,
        atol: float = 1e-10,
    ) -> Chain:
        """Vectorised constructor for file readers: entry ``k`` is ``table[value_ids[k]]``.

        ``table`` holds the distinct values, already validated to lie in [0, 1]: ``fmpq`` for
        ``exact=True``, floats otherwise. Validates everything else the general constructor
        does (index range, duplicates, empty rows, row sums) without a Python object per
        entry; errors carry the row (``err.row``) as in :meth:`_build`.
        """
        n = int(num_states)
        _check_size(n, "num_states")
        space = _as_state_space(states, n)
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        vids = np.asarray(value_ids, dtype=np.int64)
        if len(rows) and (rows.min() < 0 or rows.max() >= n or cols.min() < 0 or
                          cols.max() >= n):
            raise SpecError(f"transition indices must lie in 0..{n - 1}")
        key = rows * n + cols
        if len(key) > 1 and not (key[1:] > key[:-1]).all():
            order = np.argsort(key, kind="stable")
            rows, cols, vids, key = rows[order], cols[order], vids[order], key[order]
        if len(key) > 1:
            dup = np.flatnonzero(key[1:] == key[:-1])
            if len(dup):
                k = int(dup[0])
                raise SpecError(
                    f"P has two entries for ({space.label_of(int(rows[k]))!r}, "
                    f"{space.label_of(int(cols[k]))!r}); give each transition once"
                )
        if exact:
            tab = np.empty(len(table), dtype=object)
            tab[:] = list(table)
            ftab = np.fromiter((fmpq_to_float(v) for v in table), np.float64, len(table))
        else:
            ftab = np.asarray(table, dtype=np.float64)
        nonzero = (tab != 0).astype(bool) if exact else ftab != 0
        keep = nonzero[vids]
        if not keep.all():
            rows, cols, vids = rows[keep], cols[keep], vids[keep]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        empty = np.flatnonzero(indptr[1:] == indptr[:-1])
        if len(empty):
            i = int(empty[0])
            raise _row_error(i, 
                f"P row {space.label_of(i)!r} is empty (sums to 0); every state needs outgoing "
                "probabilities summing to 1 (use P[s, s] = 1 for an absorbing state)")
        floats = ftab[vids]
        if exact:
            values = tab[vids]
            sums = np.add.reduceat(values, indptr[:-1]) if len(values) else values
            bad = np.flatnonzero(sums != _ONE)
            if len(bad):
                i = int(bad[0])
                raise _row_error(i, f"P row {space.label_of(i)!r} sums to "
                                    f"{fmpq_to_fraction(sums[i])}, expected 1")
            self = cls._from_csr_exact(space, indptr, cols, values, floats=floats)
            self._labels = _resolve_labels(labels, StateSpace.range(n))
            self._initial = _resolve_initial(initial, StateSpace.range(n), exact=True,
                                             atol=atol)
            return self
        sums = np.add.reduceat(floats, indptr[:-1]) if len(floats) else np.zeros(n)
        bad = np.flatnonzero(np.abs(sums - 1.0) > atol)
        if len(bad):
            i = int(bad[0])
            raise _row_error(
                i, f"P row {space.label_of(i)!r} sums to {float(sums[i])!r}, expected 1 within "
                f"atol={atol}; normalise the row or pass exact values")
        self = cls.__new__(cls)
        self._states = space
        self._indptr = indptr
        self._indices = cols
        self._exact = None
        self._float = floats
        self._float_at = "P (a float chain read from a file)"
        self._P_cache = None
        self._cache = {}
        self._labels = _resolve_labels(labels, StateSpace.range(n))
        self._initial = _resolve_initial(initial, StateSpace.range(n), exact=False, atol=atol)
        return self

    # ------------------------------------------------------------------ validation core
    def _build(self, space, triples, *, exact, limit_denominator, atol) -> None:
        n = len(space)
        _check_size(n, "P")
        if isinstance(triples, _Arrays):
            rows_a, cols_a, raw = triples.rows, triples.cols, triples.values
        else:
            rows: list[int] = []
            cols: list[int] = []
            raw_list: list[Any] = []
            for i, j, v in triples:
                rows.append(i)
                cols.append(j)
                raw_list.append(v)
            rows_a = np.asarray(rows, dtype=np.int64)
            cols_a = np.asarray(cols, dtype=np.int64)
            raw = raw_list
        order = np.lexsort((cols_a, rows_a))
        rows_a, cols_a = rows_a[order], cols_a[order]
        raw = raw[order] if isinstance(raw, np.ndarray) else [raw[k] for k in order]
        if len(rows_a) > 1:
            dup = np.flatnonzero((rows_a[1:] == rows_a[:-1]) & (cols_a[1:] == cols_a[:-1]))
            if len(dup):
                k = int(dup[0])
                raise SpecError(
                    f"P has two entries for ({space.label_of(int(rows_a[k]))!r}, "
                    f"{space.label_of(int(cols_a[k]))!r}); give each transition once"
                )

        def where(k: int) -> str:
            i, j = int(rows_a[k]), int(cols_a[k])
            if space.is_range:
                return f"P[{i}, {j}]"
            return f"P[{space.label_of(i)!r}, {space.label_of(j)!r}]"

        numeric_array = isinstance(raw, np.ndarray) and raw.dtype.kind in "fiub"
        float_at = None
        if exact is None:
            if numeric_array:
                if raw.dtype.kind == "f" and len(raw):
                    float_at = where(0)
            else:
                for k, v in enumerate(raw):
                    if isinstance(v, (float, np.floating)) or type(v).__name__ == "Float":
                        float_at = where(k)
                        break
            want_exact = float_at is None or limit_denominator is not None
        else:
            want_exact = bool(exact)
        if want_exact:
            vals = [to_fmpq(v, where=lambda k=k: where(k), limit_denominator=limit_denominator)
                    for k, v in enumerate(raw.tolist() if numeric_array else raw)]
            keep = [k for k, v in enumerate(vals) if v != 0]
            for k in keep:
                if vals[k] < 0:
                    raise NotStochasticError(
                        f"{where(k)} is negative ({fmpq_to_fraction(vals[k])}); probabilities "
                        "must be in [0, 1]"
                    )
            vals = [vals[k] for k in keep]
            exact_arr: np.ndarray | None = np.empty(len(vals), dtype=object)
            exact_arr[:] = vals
            floats = np.fromiter((fmpq_to_float(v) for v in vals), np.float64, len(vals))
        else:
            if numeric_array:
                floats_all = raw.astype(np.float64)
                bad = np.flatnonzero(~np.isfinite(floats_all))
                if len(bad):
                    k = int(bad[0])
                    raise NotStochasticError(
                        f"{where(k)} is {floats_all[k]!r}; entries must be finite probabilities"
                    )
            else:
                floats_all = np.array([to_float(v, where=lambda k=k: where(k))
                                       for k, v in enumerate(raw)], dtype=np.float64)
            bad = np.flatnonzero(floats_all < 0)
            if len(bad):
                k = int(bad[0])
                raise NotStochasticError(
                    f"{where(k)} is negative ({floats_all[k]!r}); probabilities must be in [0, 1]"
                )
            keep = np.flatnonzero(floats_all != 0)
            floats = floats_all[keep]
            exact_arr = None
            if float_at is None:
                float_at = where(0) if len(raw) else "P"
        rows_a, cols_a = rows_a[keep], cols_a[keep]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, rows_a + 1, 1)
        np.cumsum(indptr, out=indptr)
        # rows must sum to exactly 1 (exact) or within atol (float)
        empty = np.flatnonzero(indptr[1:] == indptr[:-1])
        if len(empty):
            i = int(empty[0])
            raise _row_error(i, 
                f"P row {space.label_of(i)!r} is empty (sums to 0); every state needs outgoing "
                "probabilities summing to 1 (use P[s, s] = 1 for an absorbing state)"
            )
        if exact_arr is not None:
            for i in range(n):
                a, b = indptr[i], indptr[i + 1]
                s = sum(exact_arr[a:b], fmpq(0)) if b - a > 1 else exact_arr[a]
                if s != _ONE:
                    raise _row_error(
                        i, f"P row {space.label_of(i)!r} sums to {fmpq_to_fraction(s)}, expected 1"
                        + ("" if limit_denominator is None else
                           f" after limit_denominator({limit_denominator}); choose a larger "
                           "limit or give exact entries")
                    )
        else:
            sums = np.add.reduceat(floats, indptr[:-1]) if len(floats) else np.zeros(n)
            bad = np.flatnonzero(np.abs(sums - 1.0) > atol)
            if len(bad):
                i = int(bad[0])
                raise _row_error(
                    i, f"P row {space.label_of(i)!r} sums to {float(sums[i])!r}, expected 1 within "
                    f"atol={atol}; normalise the row or pass exact values"
                )
        self._states = space
        self._indptr = indptr
        self._indices = cols_a
        self._exact = exact_arr
        self._float = floats
        self._float_at = float_at
        self._P_cache = None
        self._cache: dict = {}  # derived, pattern-only data (structure); shared by copies

    # ------------------------------------------------------------------ read-only views
    @property
    def states(self) -> StateSpace:
        """The :class:`StateSpace` (labels ↔ indices)."""
        return self._states

    @property
    def num_states(self) -> int:
        """Number of states."""
        return len(self._states)

    @property
    def num_transitions(self) -> int:
        """Number of positive entries of ``P``."""
        return int(len(self._indices))

    @property
    def is_exact(self) -> bool:
        """True when every entry is an exact rational."""
        return self._exact is not None

    @property
    def labels(self) -> Mapping[str, frozenset[int]]:
        """Named state sets (atomic propositions), as sets of state *indices*."""
        return self._labels

    @property
    def initial(self) -> Mapping[int, Fraction | float] | None:
        """The initial distribution as ``{index: probability}`` (None when not given)."""
        return self._initial

    @property
    def P(self):
        """Float64 transition matrix (``csr_array``), correctly rounded from the exact entries."""
        if self._P_cache is None:
            n = self.num_states
            import scipy.sparse as sp  # (not at import time: the exact path never needs it)

            m = sp.csr_array((self._float, self._indices, self._indptr), shape=(n, n))
            self._P_cache = m
        return self._P_cache

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

    def require_exact(self, what: str = "the exact backend") -> np.ndarray:
        """The exact entries (object array of ``fmpq``, CSR order); raise if this is a float chain."""
        if self._exact is None:
            raise ExactnessError(
                f"{what} needs exact entries, but this chain was built from floats (first at "
                f"{self._float_at}); build it from Fractions/strings, pass limit_denominator=..., "
                "or use chainlab.numeric"
            )
        return self._exact

    def transitions(self) -> Iterator[tuple[int, int, Fraction | float]]:
        """Iterate ``(i, j, value)`` over positive entries by index (Fractions for exact chains).

        Examples
        --------
        >>> list(Chain([[0, 1], [1, 0]]).transitions())
        [(0, 1, Fraction(1, 1)), (1, 0, Fraction(1, 1))]
        """
        ptr, idx = self._indptr, self._indices
        for i in range(self.num_states):
            for k in range(ptr[i], ptr[i + 1]):
                if self._exact is not None:
                    yield i, int(idx[k]), fmpq_to_fraction(self._exact[k])
                else:
                    yield i, int(idx[k]), float(self._float[k])

    def probability(self, source: Hashable, target: Hashable) -> Fraction | float:
        """``P[source, target]`` by state labels.

        Examples
        --------
        >>> Chain([[0, 1], ["1/4", "3/4"]]).probability(1, 1)
        Fraction(3, 4)
        """
        i, j = self._states.index_of(source), self._states.index_of(target)
        a, b = self._indptr[i], self._indptr[i + 1]
        k = a + int(np.searchsorted(self._indices[a:b], j))
        if k < b and self._indices[k] == j:
            return fmpq_to_fraction(self._exact[k]) if self._exact is not None else float(
                self._float[k])
        return Fraction(0) if self._exact is not None else 0.0

    def target_indices(self, target: Any, argname: str = "target") -> np.ndarray:
        """Resolve a target: a label name of :attr:`labels`, one state, or an iterable of states.

        Returns sorted unique indices (empty only for a label with no state). A string is looked
        up as a label name first.

        Examples
        --------
        >>> c = Chain([[1, 0], [0, 1]], states=["a", "b"], labels={"goal": ["b"]})
        >>> c.target_indices("goal").tolist(), c.target_indices(["a"]).tolist()
        ([1], [0])
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

    def with_initial(self, initial: Any) -> Chain:
        """A copy of this chain with another initial distribution (by state labels)."""
        new = self._shallow_copy()
        new._initial = _resolve_initial(initial, self._states, exact=self.is_exact, atol=1e-10)
        return new

    def with_labels(self, labels: Mapping[str, Iterable[Hashable]]) -> Chain:
        """A copy with additional named state sets (by state labels)."""
        new = self._shallow_copy()
        merged = dict(self._labels)
        merged.update(_resolve_labels(labels, self._states))
        new._labels = MappingProxyType(merged)
        return new

    def _shallow_copy(self) -> Chain:
        new = Chain.__new__(Chain)
        for name in Chain.__slots__:
            if name != "__weakref__":
                setattr(new, name, getattr(self, name))
        return new

    # ------------------------------------------------------------------ interop
    def to_networkx(self):
        """A ``networkx.DiGraph`` with the state labels as nodes and ``weight`` on edges.

        Exact chains carry Fractions as weights; label names are node attributes, the initial
        law a graph attribute (see :func:`chainlab.interop.to_networkx`); ``Chain(graph)`` reads
        them back.

        Examples
        --------
        >>> g = Chain([[0, 1], ["1/2", "1/2"]], states=["x", "y"]).to_networkx()
        >>> g["y"]["x"]["weight"]
        Fraction(1, 2)
        """
        from .interop import to_networkx

        return to_networkx(self)

    def to_dict(self) -> dict[Hashable, dict[Hashable, Fraction | float]]:
        """``{state: {next_state: probability}}`` by state labels."""
        labs = self._states.labels
        out: dict = {lab: {} for lab in labs}
        for i, j, v in self.transitions():
            out[labs[i]][labs[j]] = v
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Chain):
            return NotImplemented
        same = (
            self._states == other._states
            and np.array_equal(self._indptr, other._indptr)
            and np.array_equal(self._indices, other._indices)
            and self.is_exact == other.is_exact
            and dict(self._labels) == dict(other._labels)
            and (dict(self._initial) if self._initial else None)
            == (dict(other._initial) if other._initial else None)
        )
        if not same:
            return False
        if self.is_exact:
            return bool(all(a == b for a, b in zip(self._exact, other._exact)))
        return bool(np.array_equal(self._float, other._float))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        kind = "exact" if self.is_exact else "float"
        return f"Chain({self.num_states} states, {self.num_transitions} transitions, {kind})"


# ---------------------------------------------------------------------- input normalisation
class _Arrays:
    """COO arrays (rows, cols, values) handed to ``Chain._build`` without a Python loop."""

    __slots__ = ("rows", "cols", "values")

    def __init__(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        self.rows, self.cols, self.values = rows, cols, values


def _checked_index_triples(transitions, n):
    for t in transitions:
        try:
            i, j, v = t
        except (TypeError, ValueError):
            raise SpecError(f"transitions must be (i, j, value) triples, got {t!r}") from None
        for name, x in (("source", i), ("target", j)):
            if not isinstance(x, (int, np.integer)) or isinstance(x, bool) or not 0 <= x < n:
                raise SpecError(
                    f"transition {t!r}: {name} index {x!r} is out of range; indices run from 0 "
                    f"to {n - 1}"
                )
        yield int(i), int(j), v


def _triples_from_any(P: Any, states):
    """Return (num_states, iterable of (i, j, value), states) for every accepted input form."""
    try:
        import networkx as nx
    except ImportError:  # pragma: no cover - networkx is a dependency
        nx = None
    if nx is not None and isinstance(P, nx.Graph):
        if not P.is_directed():
            raise SpecError("P is an undirected networkx graph; pass a DiGraph with 'weight's")
        nodes = list(P.nodes) if states is None else list(states)
        space = StateSpace(nodes)
        if set(nodes) != set(P.nodes):
            raise SpecError("states must list exactly the graph's nodes")
        triples = []
        for u, v, data in P.edges(data=True):
            if "weight" not in data:
                raise SpecError(
                    f"P edge ({u!r}, {v!r}) has no 'weight' attribute; set the transition "
                    "probability as weight"
                )
            triples.append((space.index_of(u), space.index_of(v), data["weight"]))
        return len(nodes), triples, space
    if isinstance(P, Mapping):
        keys = list(P.keys())
        space = StateSpace(keys if states is None else states)
        if states is not None and set(space.labels) != set(keys):
            raise SpecError("states must list exactly the keys of the dict-of-dicts P")
        triples = []
        for s, row in P.items():
            if not isinstance(row, Mapping):
                raise SpecError(
                    f"P[{s!r}] is {type(row).__name__}; a dict-of-dicts needs "
                    "{next_state: probability} for every state"
                )
            i = space.index_of(s)
            for t, v in row.items():
                if t not in space:
                    raise SpecError(
                        f"P[{s!r}] moves to {t!r}, which has no row; add a row for it "
                        f"(e.g. {{{t!r}: {{{t!r}: 1}}}} for an absorbing state)"
                    )
                triples.append((i, space.index_of(t), v))
        return len(keys), triples, space
    if type(P).__module__.startswith("scipy.sparse"):
        import scipy.sparse as sp

        if P.ndim != 2 or P.shape[0] != P.shape[1]:
            raise SpecError(f"P must be square, got shape {P.shape}")
        coo = sp.coo_array(P)
        coo.sum_duplicates()
        return P.shape[0], _Arrays(coo.row.astype(np.int64), coo.col.astype(np.int64),
                                   coo.data), states
    if isinstance(P, np.ndarray):
        if P.ndim != 2 or P.shape[0] != P.shape[1]:
            raise SpecError(f"P must be a square matrix, got shape {P.shape}")
        if P.dtype != object and P.dtype.kind in "fiub":
            if np.isnan(P).any():
                i, j = np.argwhere(np.isnan(P))[0]
                raise NotStochasticError(
                    f"P[{i}, {j}] is nan; entries must be finite probabilities")
            r, c = np.nonzero(P)
            return P.shape[0], _Arrays(r.astype(np.int64), c.astype(np.int64), P[r, c]), states
        nz = [(i, j) for i in range(P.shape[0]) for j in range(P.shape[1]) if P[i, j] != 0]
        triples = [(int(i), int(j), P[i, j]) for i, j in nz]
        return P.shape[0], triples, states
    if isinstance(P, Sequence) and not isinstance(P, (str, bytes)):
        n = len(P)
        if n == 0:
            raise SpecError("P has no rows; a chain needs at least one state")
        triples = []
        for i, row in enumerate(P):
            if isinstance(row, (str, bytes)) or not isinstance(row, (Sequence, np.ndarray)):
                raise SpecError(f"P row {i} is {row!r}, not a sequence of probabilities")
            if len(row) != n:
                raise SpecError(
                    f"P row {i} has {len(row)} entries but P has {n} rows; P must be square"
                )
            for j, v in enumerate(row):
                if isinstance(v, (float, np.floating)) and math.isnan(v):
                    raise NotStochasticError(
                        f"P[{i}, {j}] is nan; entries must be finite probabilities"
                    )
                if isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v == 0:
                    continue
                if isinstance(v, Fraction) and v == 0:
                    continue
                triples.append((i, j, v))
        return n, triples, states
    raise SpecError(
        f"P of type {type(P).__name__} is not a transition matrix; pass rows, a dict-of-dicts, "
        "a numpy/scipy array or a networkx.DiGraph"
    )


def _resolve_labels(labels, space: StateSpace) -> Mapping[str, frozenset[int]]:
    if labels is None:
        return MappingProxyType({})
    if not isinstance(labels, Mapping):
        raise SpecError(
            f"labels must map names to state collections, got {type(labels).__name__}"
        )
    out = {}
    for name, members in labels.items():
        if not isinstance(name, str):
            raise SpecError(f"label name {name!r} must be a string")
        if isinstance(members, (str, bytes)) or not isinstance(members, Iterable):
            raise SpecError(
                f"labels[{name!r}] must be a collection of states, got {members!r}"
            )
        out[name] = frozenset(space.indices_of(members))
    return MappingProxyType(out)


def _resolve_initial(initial, space: StateSpace, *, exact: bool, atol: float):
    if initial is None:
        return None
    n = len(space)
    if isinstance(initial, Mapping):
        items = [(space.index_of(s), v) for s, v in initial.items()]
    elif isinstance(initial, np.ndarray) or (
        isinstance(initial, Sequence) and not isinstance(initial, (str, tuple))
    ):
        if len(initial) != n:
            raise SpecError(
                f"initial has {len(initial)} probabilities but the chain has {n} states; give one "
                "per state, a single state, or a {state: prob} mapping"
            )
        items = [(i, v) for i, v in enumerate(initial)]
    else:
        items = [(space.index_of(initial), 1)]
    dist: dict[int, Any] = {}
    if exact:
        total = fmpq(0)
        for i, v in items:
            q = to_fmpq(v, where=f"initial[{space.label_of(i)!r}]")
            if q < 0:
                raise NotStochasticError(f"initial[{space.label_of(i)!r}] is negative ({q})")
            if q != 0:
                dist[i] = fmpq_to_fraction(q)
                total += q
        if total != 1:
            raise NotStochasticError(
                f"initial sums to {fmpq_to_fraction(total)}, expected 1; normalise it"
            )
    else:
        total_f = 0.0
        for i, v in items:
            x = to_float(v, where=f"initial[{space.label_of(i)!r}]")
            if x < 0:
                raise NotStochasticError(f"initial[{space.label_of(i)!r}] is negative ({x})")
            if x != 0:
                dist[i] = x
                total_f += x
        if abs(total_f - 1) > atol:
            raise NotStochasticError(f"initial sums to {total_f!r}, expected 1 within {atol}")
    return MappingProxyType(dict(sorted(dist.items())))
