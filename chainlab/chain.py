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

from ._chain.base import ChainBase
from ._chain.input import (
    _Arrays,
    _check_size,
    _checked_index_triples,
    _resolve_initial,
    _resolve_labels,
    _row_error,
    _triples_from_any,
)
from ._chain.values import fmpq_to_float, fmpq_to_fraction, to_float, to_fmpq
from ._validate import integer
from .errors import ExactnessError, NotStochasticError, SpecError
from .statespace import StateSpace, _as_state_space

__all__ = ["Chain"]

_ONE = fmpq(1)


def _rows_not_summing_to_one(table: Sequence[Any], vids: np.ndarray, indptr: np.ndarray,
                             values: np.ndarray) -> np.ndarray:
    """Rows (indices) whose exact entries ``table[vids]`` do not sum to 1.

    A file repeats a few distinct values; when their common denominator ``L`` and the row
    sums of the numerators over ``L`` fit in int64, the sums are exact integer sums (a row
    sums to 1 iff its numerators sum to ``L``), vectorised; otherwise fmpq sums per row.
    """
    if not len(vids):
        return np.zeros(0, dtype=np.int64)
    dens = [int(v.q) for v in table]
    lcm = math.lcm(*dens) if dens else 1
    widest = int(np.diff(indptr).max())
    if lcm < 1 << 62:
        nums = [int(v.p) * (lcm // q) for v, q in zip(table, dens)]
        big = max(abs(a) for a in nums)
        if big * max(widest, 1) < 1 << 62 and lcm * 2 < 1 << 62:
            ints = np.asarray(nums, dtype=np.int64)[vids]
            return np.flatnonzero(np.add.reduceat(ints, indptr[:-1]) != lcm)
    sums = np.add.reduceat(values, indptr[:-1])
    return np.flatnonzero(sums != _ONE)


class Chain(ChainBase):
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

    __slots__ = ("_exact", "_float", "_float_at", "_P_cache")

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
            from ._chain.graph import _networkx_extras
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
        values: np.ndarray | Sequence[fmpq],
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
            bad = _rows_not_summing_to_one(table, vids, indptr, values)
            if len(bad):
                i = int(bad[0])
                total = np.add.reduce(values[indptr[i]:indptr[i + 1]])
                raise _row_error(i, f"P row {space.label_of(i)!r} sums to "
                                    f"{fmpq_to_fraction(total)}, expected 1")
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
            raw: Any
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
            keep: Any = [k for k, v in enumerate(vals) if v != 0]
            for k in keep:
                if vals[k] < 0:
                    raise NotStochasticError(
                        f"{where(k)} is negative ({fmpq_to_fraction(vals[k])}); probabilities "
                        "must be in [0, 1]"
                    )
            vals = [vals[k] for k in keep]
            filled = np.empty(len(vals), dtype=object)
            filled[:] = vals
            exact_arr: np.ndarray | None = filled
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

    @property
    def is_exact(self) -> bool:
        """True when every entry is an exact rational."""
        return self._exact is not None

    @property
    def P(self):
        """Float64 transition matrix (``csr_array``), correctly rounded from the exact entries."""
        if self._P_cache is None:
            n = self.num_states
            import scipy.sparse as sp  # (not at import time: the exact path never needs it)

            m = sp.csr_array((self._float, self._indices, self._indptr), shape=(n, n))
            self._P_cache = m
        return self._P_cache

    def require_exact(self, what: str = "the exact backend") -> np.ndarray:
        """The exact entries (object array of ``fmpq``, CSR order); raise if this is a float chain."""
        if self._exact is None:
            raise ExactnessError(
                f"{what} needs exact entries, but this chain was built from floats (first at "
                f"{self._float_at}); build it from Fractions/strings, pass limit_denominator=..., "
                "or use chainlab.numeric"
            )
        return self._exact

    def _entry(self, k: int) -> Fraction | float:
        if self._exact is not None:
            return fmpq_to_fraction(self._exact[k])
        return float(self._float[k])

    def _zero(self) -> Fraction | float:
        return Fraction(0) if self._exact is not None else 0.0

    def _resolve_initial(self, initial: Any) -> Mapping[int, Any] | None:
        return _resolve_initial(initial, self._states, exact=self.is_exact, atol=1e-10)

    def transitions(self) -> Iterator[tuple[int, int, Fraction | float]]:
        """Iterate ``(i, j, value)`` over positive entries by index (Fractions for exact chains).

        Examples
        --------
        >>> list(Chain([[0, 1], [1, 0]]).transitions())
        [(0, 1, Fraction(1, 1)), (1, 0, Fraction(1, 1))]
        """
        ptr, idx = self._indptr, self._indices
        exact = self._exact
        for i in range(self.num_states):
            for k in range(ptr[i], ptr[i + 1]):  # (inlined _entry: this loop is hot)
                yield i, int(idx[k]), (fmpq_to_fraction(exact[k]) if exact is not None
                                       else float(self._float[k]))

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
        from ._chain.graph import graph_of

        return graph_of(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Chain):
            return NotImplemented
        if self.is_exact != other.is_exact or not self._same_structure(other):
            return False
        if self._exact is not None and other._exact is not None:
            return bool(all(a == b for a, b in zip(self._exact, other._exact)))
        return bool(np.array_equal(self._float, other._float))

    def __repr__(self) -> str:
        kind = "exact" if self.is_exact else "float"
        return f"Chain({self.num_states} states, {self.num_transitions} transitions, {kind})"
