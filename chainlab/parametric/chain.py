r"""Parametric chains: transition probabilities that are rational functions of named parameters.

Definitions
-----------
* A :class:`ParametricChain` has entries ``P[i, j]`` in ``Q(x_1, ..., x_k)``, the rational
  functions of its parameters with rational coefficients, and every row sums to 1 *as a rational
  function* (identically, not only at some points).
* Its *graph* is the *generic* one: ``i -> j`` is an edge when ``P[i, j]`` is not the zero
  function. Classes, closed classes and transient states (:mod:`chainlab.structure`) are computed
  from it.
* The *well-defined region* is the set of parameter points where every entry is defined and
  ``>= 0`` (then every entry is a probability, since rows sum to 1).
* A point of the region is *generic* when every entry is ``> 0`` there: the substituted chain then
  has the generic graph. Elsewhere in the region some edge vanishes -- a *structure change*
  (gambler's ruin: ``p = 0`` and ``p = 1``). Parametric results are exact at every generic point
  (claim PAR-1); at a structure change they may differ from the substituted chain's, and the
  results list those points instead of being silently wrong there.

Entries are held as reduced pairs of python-flint integer polynomials; SymPy appears at the edge.

Examples
--------
>>> import sympy
>>> from fractions import Fraction
>>> p = sympy.Symbol("p")
>>> c = ParametricChain([[1, 0, 0], [1 - p, 0, p], [0, 0, 1]], initial=1)
>>> c
ParametricChain(3 states, 4 transitions, parameters (p))
>>> c.probability(1, 2), c.substitute(p=Fraction(1, 5)).probability(1, 2)
(RationalFunction(p), Fraction(1, 5))
>>> c.well_defined_region().set
Interval(0, 1)
>>> c.structure_changes()
(Eq(p, 0), Eq(p, 1))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Mapping, Sequence
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import numpy as np
from flint import fmpq

from .._chain.base import ChainBase
from .._chain.input import (
    _check_size,
    _resolve_initial,
    _resolve_labels,
    _row_error,
    _triples_from_any,
)
from .._chain.values import fmpq_to_fraction
from .._validate import integer
from ..chain import Chain
from ..errors import NotStochasticError, SpecError
from ..statespace import StateSpace, _as_state_space
from . import _roots
from ._ring import Ring, names_in
from .functions import RationalFunction, _symbols

__all__ = ["ParametricChain", "Region"]


@dataclasses.dataclass(frozen=True, eq=False)
class Region:
    """Where every entry of a parametric chain is a probability.

    Attributes
    ----------
    parameters : tuple of sympy.Symbol
    constraints : tuple of SymPy relationals
        ``entry >= 0`` for every distinct non-constant entry, and ``Ne(denominator, 0)`` for every
        non-constant denominator; the region is where all hold.
    set : sympy.Set or None
        For one parameter, the region exactly (a union of intervals and points with exact,
        possibly algebraic, endpoints); None for several parameters.

    Examples
    --------
    >>> import sympy
    >>> p = sympy.Symbol("p")
    >>> r = ParametricChain([[p, 1 - p], [0, 1]]).well_defined_region()
    >>> r.constraints, r.set
    ((p >= 0, 1 - p >= 0), Interval(0, 1))
    >>> r.contains("1/2"), r.contains(2)
    (True, False)
    """

    parameters: tuple
    set: Any
    _chain: Any = dataclasses.field(repr=False)

    @property
    def constraints(self) -> tuple:
        """``entry >= 0`` and ``Ne(denominator, 0)`` relationals (built on first use)."""
        return self._chain._region_constraints()

    def contains(self, *args: Any, **kwargs: Any) -> bool:
        """True when every entry is defined and ``>= 0`` at the (rational) point."""
        return self._chain._signs_at(args, kwargs) >= 0


class ParametricChain(ChainBase):
    """An immutable finite Markov chain whose entries are rational functions of parameters.

    Parameters
    ----------
    P : rows, dict-of-dicts, numpy object array, sympy.Matrix or networkx.DiGraph
        The transition probabilities, as for :class:`chainlab.Chain`; entries are SymPy
        expressions, strings such as ``"1 - p"`` or ``"p/(1+p)"``, ints or Fractions.
    parameters : sequence of sympy.Symbol or str, optional
        The parameters in order (default: every symbol that occurs, sorted by name).
    states, initial, labels : optional
        As for :class:`chainlab.Chain`; the initial distribution must be numeric.

    Raises
    ------
    NotStochasticError
        A row that does not sum to 1 identically, an empty row, a negative constant entry.
    ExactnessError
        A float anywhere in an entry.
    SpecError
        An entry that is not a rational function of the parameters (``sqrt(p)``, another
        symbol), bad shapes, states or labels.

    See Also
    --------
    chainlab.Chain : The numeric counterpart.
    chainlab.parametric.absorption : Absorption as rational functions.

    Examples
    --------
    Gambler's ruin with N = 3 and symbolic ``p``:

    >>> import sympy
    >>> p = sympy.Symbol("p")
    >>> rows = {0: {0: 1}, 1: {0: 1 - p, 2: p}, 2: {1: 1 - p, 3: p}, 3: {3: 1}}
    >>> c = ParametricChain(rows, initial=1, labels={"win": [3]})
    >>> c.parameters, c.num_states, c.num_transitions
    ((p,), 4, 6)

    Rows must sum to 1 as functions, not only at some points:

    >>> ParametricChain([[p, p], [0, 1]])
    Traceback (most recent call last):
    ...
    chainlab.errors.NotStochasticError: P row 0 sums to 2*p, expected 1 (identically in p)
    """

    __slots__ = ("_ring", "_values")
    _share_cache = False  # (its cache holds entry-dependent data)

    def __init__(self, P: Any, *, parameters: Sequence[Any] | None = None,
                 states: Sequence[Hashable] | None = None, initial: Any = None,
                 labels: Mapping[str, Iterable[Hashable]] | None = None) -> None:
        if type(P).__module__.startswith("sympy") and hasattr(P, "tolist"):
            P = P.tolist()
        num_states, triples, states = _triples_from_any(P, states)
        if not isinstance(triples, list):  # numeric arrays: no parameters in them
            triples = list(zip(triples.rows.tolist(), triples.cols.tolist(),
                               triples.values.tolist()))
        space = _as_state_space(states, num_states)
        ring = _ring_for(parameters, (v for _, _, v in triples))
        self._build(ring, space, triples)
        self._labels = _resolve_labels(labels, space)
        self._initial = _numeric_initial(initial, space)

    @classmethod
    def from_transitions(cls, num_states: int, transitions: Iterable[tuple[int, int, Any]], *,
                         parameters: Sequence[Any] | None = None,
                         states: Sequence[Hashable] | None = None, initial: Any = None,
                         labels: Mapping[str, Iterable[int]] | None = None) -> ParametricChain:
        """Build from ``(i, j, value)`` triples over indices (``initial``/``labels`` by index).

        Examples
        --------
        >>> c = ParametricChain.from_transitions(2, [(0, 0, "1 - p"), (0, 1, "p"), (1, 1, 1)],
        ...                                      initial=0)
        >>> [(i, j, str(v)) for i, j, v in c.transitions()]
        [(0, 0, '1 - p'), (0, 1, 'p'), (1, 1, '1')]
        """
        num_states = integer("num_states", num_states, low=1)
        _check_size(num_states, "num_states")
        triples = []
        for t in transitions:
            try:
                i, j, v = t
            except (TypeError, ValueError):
                raise SpecError(f"transitions must be (i, j, value) triples, got {t!r}") from None
            for name, x in (("source", i), ("target", j)):
                if not isinstance(x, (int, np.integer)) or isinstance(x, bool) or \
                        not 0 <= x < num_states:
                    raise SpecError(f"transition {t!r}: {name} index {x!r} is out of range; "
                                    f"indices run from 0 to {num_states - 1}")
            triples.append((int(i), int(j), v))
        self = cls.__new__(cls)
        space = _as_state_space(states, num_states)
        ring = _ring_for(parameters, (v for _, _, v in triples))
        self._build(ring, space, triples)
        index_space = StateSpace.range(num_states)
        self._labels = _resolve_labels(labels, index_space)
        if initial is not None and not isinstance(initial, (Mapping, int, np.integer)):
            members = sorted({int(i) for i in initial})
            initial = {i: Fraction(1, len(members)) for i in members}
        self._initial = _numeric_initial(initial, index_space)
        return self

    @classmethod
    def _from_csr(cls, ring: Ring, space: StateSpace, indptr: np.ndarray, indices: np.ndarray,
                  values: list, *, labels=None, initial=None) -> ParametricChain:
        """Trusted constructor: CSR with sorted columns, canonical nonzero ring pairs."""
        self = cls.__new__(cls)
        self._ring = ring
        self._states = space
        self._indptr = np.asarray(indptr, dtype=np.int64)
        self._indices = np.asarray(indices, dtype=np.int64)
        self._values = list(values)
        self._labels = MappingProxyType(dict(labels or {}))
        self._initial = None if initial is None else MappingProxyType(dict(initial))
        self._cache = {}
        return self

    def _build(self, ring: Ring, space: StateSpace, triples: list) -> None:
        n = len(space)
        _check_size(n, "P")
        self._ring = ring
        self._states = space
        self._cache = {}

        def where(i: int, j: int) -> str:
            if space.is_range:
                return f"P[{i}, {j}]"
            return f"P[{space.label_of(i)!r}, {space.label_of(j)!r}]"

        memo: dict[Any, tuple] = {}
        entries: dict[tuple[int, int], tuple] = {}
        for i, j, v in triples:
            if (i, j) in entries:
                raise SpecError(f"P has two entries for ({space.label_of(i)!r}, "
                                f"{space.label_of(j)!r}); give each transition once")
            try:
                key = (type(v), v)
                rf = memo.get(key)
            except TypeError:  # unhashable
                key, rf = None, None
            if rf is None:
                rf = ring.convert(v, lambda i=i, j=j: where(i, j))
                if key is not None:
                    memo[key] = rf
            if rf[0].is_zero():
                continue
            if ring.is_const_rf(rf) and ring.rf_constant(rf) < 0:
                raise NotStochasticError(f"{where(i, j)} is negative "
                                         f"({fmpq_to_fraction(ring.rf_constant(rf))}); "
                                         "probabilities must be in [0, 1]")
            entries[(i, j)] = rf
        keys = sorted(entries)
        rows = np.fromiter((k[0] for k in keys), np.int64, len(keys))
        cols = np.fromiter((k[1] for k in keys), np.int64, len(keys))
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.add.at(indptr, rows + 1, 1)
        np.cumsum(indptr, out=indptr)
        values = [entries[k] for k in keys]
        for i in range(n):
            a, b = indptr[i], indptr[i + 1]
            if a == b:
                raise _row_error(i, f"P row {space.label_of(i)!r} is empty (sums to 0); every "
                                 "state needs outgoing probabilities summing to 1 (use P[s, s] = 1 "
                                 "for an absorbing state)")
            s = values[a]
            for k in range(a + 1, b):
                s = ring.add(s, values[k])
            if not (s[0].is_one() and s[1].is_one()):
                raise _row_error(i, f"P row {space.label_of(i)!r} sums to {ring.to_sympy(s)}, "
                                 f"expected 1 (identically in {', '.join(ring.names)})")
        self._indptr = indptr
        self._indices = cols
        self._values = values

    # ------------------------------------------------------------------ basic properties
    @property
    def parameters(self) -> tuple:
        """The parameters (SymPy symbols), in order."""
        return self._ring.symbols

    def __repr__(self) -> str:
        return (f"ParametricChain({self.num_states} states, {self.num_transitions} transitions, "
                f"parameters ({', '.join(self._ring.names)}))")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ParametricChain):
            return NotImplemented
        if self._ring.names != other._ring.names or not self._same_structure(other):
            return False
        if self._ring is other._ring:
            return all(a[0] == b[0] and a[1] == b[1] for a, b in zip(self._values, other._values))
        return all(str(a) == str(b) for a, b in zip(self._values, other._values))


    # ------------------------------------------------------------------ entries
    def _entry(self, k: int) -> RationalFunction:
        return RationalFunction._make(self._ring, self._values[k])

    def _zero(self) -> RationalFunction:
        return RationalFunction._make(self._ring, self._ring.ZERO)

    def _to_dict_value(self, value: RationalFunction) -> Any:
        return value.to_sympy()  # SymPy expressions at the API edge

    def _resolve_initial(self, initial: Any) -> Mapping[int, Fraction] | None:
        return _numeric_initial(initial, self._states)

    def _skeleton(self) -> Chain:
        """An exact Chain with the generic graph (uniform rows), for graph algorithms."""
        sk = self._cache.get("skeleton")
        if sk is None:
            ptr, idx = self._indptr, self._indices
            triples: list[tuple[int, int, fmpq]] = []
            for i in range(self.num_states):
                a, b = int(ptr[i]), int(ptr[i + 1])
                w = fmpq(1, b - a)
                triples.extend((i, int(idx[k]), w) for k in range(a, b))
            sk = Chain.from_transitions(self.num_states, triples, states=self._states.labels,
                                        initial=dict(self._initial) if self._initial else None,
                                        labels={k: sorted(v) for k, v in self._labels.items()})
            self._cache["skeleton"] = sk
        return sk

    # ------------------------------------------------------------------ substitution
    def _values_at(self, args: tuple, kwargs: dict) -> tuple[dict[int, fmpq], str]:
        f = RationalFunction._make(self._ring, self._ring.ONE)
        vals = f._point(args, kwargs, partial=True)
        text = ", ".join(f"{self._ring.names[k]} = {fmpq_to_fraction(v)}"
                         for k, v in sorted(vals.items()))
        return vals, text

    def substitute(self, *args: Any, **kwargs: Any) -> Chain | ParametricChain:
        """The chain at a rational point: an exact :class:`~chainlab.Chain` when every parameter is
        given, else a ParametricChain in the remaining parameters.

        Entries that vanish at the point are dropped (the graph may lose edges there).

        Raises
        ------
        NotStochasticError
            An entry is negative at the point (it is outside the well-defined region).
        SpecError
            An entry has a pole at the point; an unknown parameter name.
        ExactnessError
            A float value (pass ``Fraction`` or a string such as ``"0.2"``).

        Examples
        --------
        >>> from fractions import Fraction
        >>> c = ParametricChain([["p*q", "1 - p*q"], [0, 1]])
        >>> c.substitute(p=Fraction(1, 2), q=1).probability(0, 0)
        Fraction(1, 2)
        >>> c.substitute(q=Fraction(1, 3))
        ParametricChain(2 states, 3 transitions, parameters (p))
        >>> c.substitute(p=2, q=1)
        Traceback (most recent call last):
        ...
        chainlab.errors.NotStochasticError: at p = 2, q = 1, P[0, 1] = -p*q + 1 is -1, which is negative: the point is outside the well-defined region (see well_defined_region())
        """
        vals, text = self._values_at(args, kwargs)
        ring = self._ring
        full = len(vals) == ring.nvars
        rest = None if full else Ring.get(tuple(s for k, s in enumerate(ring.symbols)
                                                if k not in vals))
        ptr, idx = self._indptr, self._indices
        triples: list[tuple[int, int, Any]] = []
        space = self._states
        for i in range(self.num_states):
            for k in range(ptr[i], ptr[i + 1]):
                j = int(idx[k])
                try:
                    v = ring.substitute(self._values[k], vals, rest)
                except ZeroDivisionError:
                    v = None
                if v is None:
                    raise SpecError(f"at {text}, {self._where(i, j)} = "
                                    f"{ring.to_sympy(self._values[k])} has a pole")
                if isinstance(v, fmpq):  # (every parameter given: a number)
                    bad = v < 0
                    shown = fmpq_to_fraction(v) if bad else None
                else:
                    assert rest is not None
                    bad = rest.is_const_rf(v) and rest.rf_constant(v) < 0
                    shown = fmpq_to_fraction(rest.rf_constant(v)) if bad else None
                if bad:
                    raise NotStochasticError(
                        f"at {text}, {self._where(i, j)} = {ring.to_sympy(self._values[k])} is "
                        f"{shown}, which is negative: the point is outside the well-defined "
                        "region (see well_defined_region())")
                if isinstance(v, fmpq):
                    if v != 0:
                        triples.append((i, j, v))
                elif not v[0].is_zero():
                    triples.append((i, j, v))
        labels = {k: sorted(v) for k, v in self._labels.items()}
        if full:
            return Chain.from_transitions(self.num_states, triples, states=space.labels,
                                          initial=dict(self._initial) if self._initial else None,
                                          labels=labels)
        indptr = np.zeros(self.num_states + 1, dtype=np.int64)
        for i, _, _ in triples:
            indptr[i + 1] += 1
        np.cumsum(indptr, out=indptr)
        assert rest is not None
        return ParametricChain._from_csr(
            rest, space, indptr, np.array([j for _, j, _ in triples], dtype=np.int64),
            [v for _, _, v in triples], labels=self._labels, initial=self._initial)

    def _where(self, i: int, j: int) -> str:
        sp_ = self._states
        if sp_.is_range:
            return f"P[{i}, {j}]"
        return f"P[{sp_.label_of(i)!r}, {sp_.label_of(j)!r}]"

    def _distinct(self) -> list[tuple]:
        hit = self._cache.get("distinct")
        if hit is None:
            seen: dict[tuple[str, str], tuple] = {}
            for v in self._values:
                if not self._ring.is_const_rf(v):
                    seen.setdefault((str(v[0]), str(v[1])), v)
            hit = self._cache["distinct"] = list(seen.values())
        return hit

    def _signs_at(self, args: tuple, kwargs: dict) -> int:
        """-1 if some entry is undefined or negative at the point, 0 if all are >= 0 and one
        vanishes, 1 if all are > 0."""
        vals, _ = self._values_at(args, kwargs)
        ring = self._ring
        if len(vals) != ring.nvars:
            missing = [n for k, n in enumerate(ring.names) if k not in vals]
            raise SpecError(f"no value for {', '.join(missing)}; give every parameter")
        point = tuple(vals[k] for k in range(ring.nvars))
        worst = 1
        for v in self._distinct():
            x = ring.eval_rf(v, point)
            if x is None or x < 0:
                return -1
            if x == 0:
                worst = 0
        return worst

    def is_generic_at(self, *args: Any, **kwargs: Any) -> bool:
        """True when every entry is defined and strictly positive at the point, so the chain
        there has the generic graph and parametric results are exact there (claim PAR-1).

        Examples
        --------
        >>> c = ParametricChain([["p", "1 - p"], [0, 1]])
        >>> c.is_generic_at("1/2"), c.is_generic_at(1), c.is_generic_at(2)
        (True, False, False)
        """
        return self._signs_at(args, kwargs) > 0

    # ------------------------------------------------------------------ region
    def well_defined_region(self) -> Region:
        """Where every entry is a probability (defined and ``>= 0``); see :class:`Region`.

        Examples
        --------
        >>> import sympy
        >>> p = sympy.Symbol("p")
        >>> c = ParametricChain([[p**2, 2*p*(1 - p), (1 - p)**2], [0, 1, 0], [0, 0, 1]])
        >>> c.well_defined_region().set
        Interval(0, 1)
        >>> ParametricChain([["1/(1+r)", "r/(1+r)"], [0, 1]]).well_defined_region().set
        Interval(0, oo)
        """
        hit = self._cache.get("region")
        if hit is None:
            ring = self._ring
            the_set = self._univariate_analysis()[0] if ring.univariate else None
            hit = self._cache["region"] = Region(ring.symbols, the_set, self)
        return hit

    def _region_constraints(self) -> tuple:
        hit = self._cache.get("constraints")
        if hit is None:
            import sympy

            ring = self._ring
            cons = [sympy.Ge(ring.to_sympy(v), 0, evaluate=False) for v in self._distinct()]
            seen: set[str] = set()
            for _, d in self._distinct():
                if not ring.is_constant(d) and str(d) not in seen:
                    seen.add(str(d))
                    cons.append(sympy.Ne(ring.poly_to_sympy(d), 0, evaluate=False))
            hit = self._cache["constraints"] = tuple(cons)
        return hit

    def structure_changes(self) -> tuple:
        """Where the graph differs from the generic one, as SymPy equations.

        For one parameter: ``Eq(p, value)`` for every point of the well-defined region where an
        entry vanishes (exact values: Rational or algebraic). For several parameters:
        ``Eq(f, 0)`` for every irreducible factor ``f`` of an entry's numerator (its zero set
        may or may not meet the region).

        Examples
        --------
        >>> ParametricChain([["p", "1 - p"], [0, 1]]).structure_changes()
        (Eq(p, 0), Eq(p, 1))
        >>> ParametricChain([["p*q", "1 - p*q"], [0, 1]]).structure_changes()
        (Eq(p, 0), Eq(q, 0), Eq(p*q - 1, 0))
        """
        hit = self._cache.get("changes")
        if hit is None:
            import sympy

            ring = self._ring
            if ring.univariate:
                hit = tuple(sympy.Eq(ring.symbols[0], r.to_sympy())
                            for r in self._univariate_analysis()[1])
            else:
                factors: dict[str, Any] = {}
                for n, _ in self._distinct():
                    _, fs = n.factor()
                    for g, _ in fs:
                        if not ring.is_constant(g):
                            if g.leading_coefficient() < 0:
                                g = -g
                            factors.setdefault(str(g), g)
                polys = sorted(factors.values(), key=lambda g: (ring.degree(g), str(g)))
                hit = tuple(sympy.Eq(ring.poly_to_sympy(g), 0) for g in polys)
            self._cache["changes"] = hit
        return hit

    def _univariate_analysis(self):
        """(region as a SymPy set, real roots of entry numerators that lie in the region)."""
        hit = self._cache.get("univariate")
        if hit is not None:
            return hit
        import sympy

        ring = self._ring
        entries = self._distinct()
        factors: dict[str, list] = {}  # str(g) -> [g, in numerator?, in denominator?]
        for n, d in entries:
            for poly, slot in ((n, 1), (d, 2)):
                if poly.degree() < 1:
                    continue
                _, fs = poly.factor()
                for g, _ in fs:
                    g = _roots._primitive(g)
                    if g.degree() >= 1:
                        factors.setdefault(str(g), [g, False, False])[slot] = True
        roots = []
        flags: dict[int, tuple[bool, bool]] = {}  # id(root) -> (in a numerator, in a denominator)
        for g, in_num, in_den in factors.values():
            for r in _roots.real_roots(g, factors=[(g, 1)]):
                flags[id(r)] = (in_num, in_den)
                roots.append(r)
        roots = _roots.separate(roots)

        def inside_at_rational(x: fmpq) -> bool:
            for v in entries:
                y = ring.eval_rf(v, (x,))
                if y is None or y < 0:
                    return False
            return True

        def inside_at_root(r) -> bool:
            if flags[id(r)][1]:
                return False
            if r.is_rational:
                return inside_at_rational(r.lo)
            return all(r.sign_of(n) * r.sign_of(d) >= 0 for n, d in entries)

        # (kind, left root, right root, inside); None: the end at -inf / +inf
        pieces: list[tuple[str, _roots.RealRoot | None, _roots.RealRoot | None, bool]] = []
        prev: _roots.RealRoot | None = None
        ends: list[_roots.RealRoot | None] = [*roots, None]
        for end in ends:
            pieces.append(("gap", prev, end, inside_at_rational(_roots.between(prev, end))))
            if end is not None:
                pieces.append(("point", end, end, inside_at_root(end)))
            prev = end
        sets = []
        k = 0
        while k < len(pieces):
            if not pieces[k][3]:
                k += 1
                continue
            start = k
            while k + 1 < len(pieces) and pieces[k + 1][3]:
                k += 1
            first, last = pieces[start], pieces[k]
            if first[0] == "point" and start == k:
                assert first[1] is not None  # (a point piece is a root)
                sets.append(sympy.FiniteSet(first[1].to_sympy()))
            else:
                left = sympy.S.NegativeInfinity if first[1] is None else first[1].to_sympy()
                right = sympy.S.Infinity if last[2] is None else last[2].to_sympy()
                sets.append(sympy.Interval(left, right, first[0] == "gap", last[0] == "gap"))
            k += 1
        region = sympy.Union(*sets) if sets else sympy.S.EmptySet
        changes = [r for r, piece in zip(roots, pieces[1::2]) if flags[id(r)][0] and piece[3]]
        hit = self._cache["univariate"] = (region, changes)
        return hit


# ---------------------------------------------------------------------- helpers
def _ring_for(parameters: Sequence[Any] | None, values: Iterable[Any]) -> Ring:
    if parameters is not None:
        return Ring.get(tuple(_symbols(parameters)))
    import sympy

    found: dict[str, Any] = {}
    for v in values:
        if isinstance(v, str):
            for n in names_in(v):
                found.setdefault(n, sympy.Symbol(n))
        elif isinstance(v, sympy.Basic):
            for s in v.free_symbols:
                found.setdefault(s.name, s)
        elif isinstance(v, RationalFunction):
            for s in v.parameters:
                found.setdefault(s.name, s)
    if not found:
        raise SpecError("no parameters found in P: a ParametricChain needs at least one symbol "
                        "(use chainlab.Chain for numbers), or pass parameters=[...]")
    return Ring.get(tuple(found[k] for k in sorted(found)))


def _numeric_initial(initial: Any, space: StateSpace):
    if initial is None:
        return None
    values = initial.values() if isinstance(initial, Mapping) else (
        initial if isinstance(initial, (list, np.ndarray)) else [])
    for v in values:
        if type(v).__module__.startswith("sympy") and getattr(v, "free_symbols", None):
            raise SpecError(f"initial probability {v} depends on parameters; the initial "
                            "distribution must be numeric (add a start state whose transitions "
                            "carry the parameters instead)")
    return _resolve_initial(initial, space, exact=True, atol=0.0)

