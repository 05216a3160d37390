r"""Assertion helpers for testing models, chains and bounds (use them with :mod:`chainlab.strategies`).

Each helper raises :class:`AssertionError` with a message that says what failed and where (so
pytest shows it as a test failure, not an error), and returns something useful on success.

* :func:`assert_stochastic` -- entries non-negative, rows sum to 1: *exactly* for exact entries
  (ints, Fractions, SymPy rationals; SymPy expressions must sum to 1 identically), within
  ``atol`` for floats.
* :func:`assert_chains_equivalent` -- two chains are the same up to a relabelling of states;
  returns the relabelling.
* :func:`assert_bound_holds` -- a claimed lower bound is at most the exact value, or at most
  the upper end of the exact (Clopper-Pearson) binomial interval of a simulation.

Examples
--------
>>> from chainlab import Chain
>>> a = Chain([[1, 0], ["1/2", "1/2"]], states=["x", "y"])
>>> b = Chain([["1/2", "1/2"], [0, 1]], states=["u", "v"])
>>> assert_chains_equivalent(a, b)
{'x': 'v', 'y': 'u'}
>>> assert_bound_holds("1/3", exact="2/5")
>>> assert_bound_holds(0.5, successes=30, trials=100)
Traceback (most recent call last):
...
AssertionError: bound 0.5 exceeds the upper end 0.3998 of the 95% Clopper-Pearson interval of 30/100 successes
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from .chain import Chain
from .errors import ChainlabError

__all__ = ["assert_stochastic", "assert_chains_equivalent", "assert_bound_holds"]


# ---------------------------------------------------------------------- values
def _exact_value(x: Any) -> Fraction | None:
    """A Fraction for exact numbers, None for floats (and symbolic values)."""
    if isinstance(x, bool):
        return Fraction(int(x))
    if isinstance(x, (int, np.integer)):
        return Fraction(int(x))
    if isinstance(x, Fraction):
        return x
    if isinstance(x, str):
        return Fraction(x.strip())
    if type(x).__name__ == "fmpq":
        return Fraction(int(x.p), int(x.q))
    if type(x).__module__.startswith("sympy") and getattr(x, "is_Rational", False):
        return Fraction(int(x.p), int(x.q))
    return None


def _rows(P: Any) -> tuple[list[list[tuple[Any, Any]]], list]:
    """``(rows, labels)``: each row a list of ``(column label, value)`` for nonzero entries."""
    if isinstance(P, Chain):
        labels = list(P.states.labels)
        rows: list[list[tuple[Any, Any]]] = [[] for _ in labels]
        for i, j, v in P.transitions():
            rows[i].append((labels[j], v))
        return rows, labels
    if isinstance(P, Mapping):
        labels = list(P)
        return [list(P[s].items()) for s in labels], labels
    if hasattr(P, "tocsr"):
        P = P.toarray()
    if type(P).__module__.startswith("sympy") and hasattr(P, "tolist"):
        P = P.tolist()
    arr = P if isinstance(P, np.ndarray) else None
    rows_in = arr.tolist() if arr is not None and arr.dtype != object else list(P)
    n = len(rows_in)
    out = []
    for i, row in enumerate(rows_in):
        row = list(row)
        if len(row) != n:
            raise AssertionError(f"P row {i} has {len(row)} entries but P has {n} rows; P must "
                                 "be square")
        out.append([(j, v) for j, v in enumerate(row)])
    return out, list(range(n))


def assert_stochastic(P: Any, *, atol: float = 1e-10) -> None:
    """Assert that ``P`` is a stochastic matrix: entries >= 0 and every row sums to 1.

    Parameters
    ----------
    P : Chain, list of rows, dict-of-dicts, numpy array, scipy sparse array or sympy.Matrix
    atol : float, default 1e-10
        Row-sum tolerance for rows holding floats (exact rows must sum to exactly 1).

    Raises
    ------
    AssertionError
        Naming the first bad entry or row, its value, and what was expected.

    See Also
    --------
    chainlab.testing.assert_chains_equivalent : Compare two chains up to relabelling.
    chainlab.Chain : Validates its matrix the same way when built.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> assert_stochastic([[F(1, 2), F(1, 2)], [0, 1]])
    >>> assert_stochastic([[F(1, 2), F(1, 4)], [0, 1]])
    Traceback (most recent call last):
    ...
    AssertionError: P row 0 sums to 3/4, expected exactly 1
    >>> import sympy
    >>> p = sympy.Symbol("p")
    >>> assert_stochastic(sympy.Matrix([[p, 1 - p], [0, 1]]))
    """
    rows, labels = _rows(P)
    for i, row in enumerate(rows):
        name = labels[i]
        exact_sum = Fraction(0)
        float_sum = 0.0
        symbolic = []
        floats = False
        for col, v in row:
            where = f"P[{name!r}, {col!r}]"
            q = _exact_value(v)
            if q is not None:
                if q < 0:
                    raise AssertionError(f"{where} = {q} is negative")
                exact_sum += q
                continue
            if type(v).__module__.startswith("sympy"):
                if getattr(v, "is_number", False):
                    v = float(v)
                else:
                    symbolic.append(v)
                    continue
            try:
                x = float(v)
            except (TypeError, ValueError):
                raise AssertionError(f"{where} = {v!r} is not a number") from None
            if not math.isfinite(x) or x < 0:
                raise AssertionError(f"{where} = {x!r} is not a probability")
            floats = True
            float_sum += x
        if symbolic:
            import sympy

            total = sympy.cancel(sum(symbolic, sympy.Integer(0)) + sympy.Rational(
                exact_sum.numerator, exact_sum.denominator) + (float_sum if floats else 0))
            if total != 1:
                raise AssertionError(f"P row {name!r} sums to {total}, expected 1 identically")
        elif floats:
            total_f = float_sum + float(exact_sum)
            if abs(total_f - 1) > atol:
                raise AssertionError(f"P row {name!r} sums to {total_f!r}, expected 1 within "
                                     f"atol={atol}")
        elif exact_sum != 1:
            raise AssertionError(f"P row {name!r} sums to {exact_sum}, expected exactly 1")


# ---------------------------------------------------------------------- equivalence
def _as_chain(x: Any, argname: str) -> Chain:
    if isinstance(x, Chain):
        return x
    chain = getattr(x, "chain", None)  # CompiledChain
    if isinstance(chain, Chain):
        return chain
    try:
        return Chain(x)
    except ChainlabError as exc:
        raise AssertionError(f"{argname} is not a valid chain: {exc}") from None


def _same(u: Any, v: Any, atol: float) -> bool:
    if isinstance(u, Fraction) and isinstance(v, Fraction):
        return u == v
    return abs(float(u) - float(v)) <= atol


def assert_chains_equivalent(a: Any, b: Any, *, mapping: Mapping | None = None,
                             check_initial: bool = True, check_labels: bool = False,
                             atol: float = 0.0) -> dict:
    """Assert that two chains are equal up to a relabelling of their states; return it.

    Parameters
    ----------
    a, b : Chain, CompiledChain, or anything :class:`~chainlab.chain.Chain` accepts
    mapping : mapping, optional
        The relabelling to check (state of ``a`` -> state of ``b``); default: search for one.
    check_initial : bool, default True
        Initial distributions must correspond too (when both chains have one).
    check_labels : bool, default False
        Named state sets (``chain.labels``) must correspond too.
    atol : float, default 0
        Tolerance for comparing float entries (exact entries are compared exactly).

    Returns
    -------
    dict
        The relabelling, state of ``a`` -> state of ``b``.

    See Also
    --------
    chainlab.testing.assert_stochastic : Check one matrix.
    chainlab.strategies.chains : Random chains to test with.

    Notes
    -----
    The search is a weighted digraph isomorphism (VF2, ``networkx``), fine for the small chains
    of property tests; it is preceded by cheap invariants (sizes, sorted row values) that
    explain most failures.

    Examples
    --------
    >>> from chainlab.models import gamblers_ruin
    >>> a = gamblers_ruin(3, "1/3", start=1)
    >>> b = Chain([[1, 0, 0, 0], [0, 1, 0, 0], ["1/3", 0, 0, "2/3"], [0, "2/3", "1/3", 0]],
    ...           initial=3)
    >>> assert_chains_equivalent(a, b)
    {0: 1, 1: 3, 2: 2, 3: 0}
    """
    import networkx as nx
    from networkx.algorithms.isomorphism import DiGraphMatcher

    ca, cb = _as_chain(a, "a"), _as_chain(b, "b")
    if ca.num_states != cb.num_states:
        raise AssertionError(f"a has {ca.num_states} states, b has {cb.num_states}")
    if ca.num_transitions != cb.num_transitions:
        raise AssertionError(f"a has {ca.num_transitions} transitions, b has "
                             f"{cb.num_transitions}")
    use_initial = check_initial and ca.initial is not None and cb.initial is not None
    if check_initial and (ca.initial is None) != (cb.initial is None):
        raise AssertionError("only one of the chains has an initial distribution; pass "
                             "check_initial=False to ignore it")

    def graph(c: Chain) -> nx.DiGraph:
        g = nx.DiGraph()
        init = dict(c.initial or {})
        for i, lab in enumerate(c.states.labels):
            names = frozenset(n for n, s in c.labels.items() if i in s) if check_labels else None
            g.add_node(lab, initial=init.get(i, 0) if use_initial else None, names=names)
        for i, j, v in c.transitions():
            g.add_edge(c.states.label_of(i), c.states.label_of(j), weight=v)
        return g

    ga, gb = graph(ca), graph(cb)

    def node_match(x: dict, y: dict) -> bool:
        if use_initial and not _same(x["initial"], y["initial"], atol):
            return False
        return x["names"] == y["names"]

    def edge_match(x: dict, y: dict) -> bool:
        return _same(x["weight"], y["weight"], atol)

    if mapping is not None:
        mapping = dict(mapping)
        if set(mapping) != set(ga.nodes) or set(mapping.values()) != set(gb.nodes):
            raise AssertionError("mapping must be a bijection from the states of a to the "
                                 "states of b")
        for u, v, d in ga.edges(data=True):
            if not gb.has_edge(mapping[u], mapping[v]):
                raise AssertionError(f"a has {u!r} -> {v!r} but b has no {mapping[u]!r} -> "
                                     f"{mapping[v]!r}")
            if not edge_match(d, gb.edges[mapping[u], mapping[v]]):
                raise AssertionError(
                    f"P_a[{u!r}, {v!r}] = {d['weight']} but P_b[{mapping[u]!r}, "
                    f"{mapping[v]!r}] = {gb.edges[mapping[u], mapping[v]]['weight']}")
        for u in ga.nodes:
            if not node_match(ga.nodes[u], gb.nodes[mapping[u]]):
                raise AssertionError(f"state {u!r} of a and {mapping[u]!r} of b differ in "
                                     "initial probability or labels")
        return mapping
    if atol == 0:
        def signature(c: Chain) -> list:
            rows: list[list] = [[] for _ in range(c.num_states)]
            for i, _, v in c.transitions():
                rows[i].append(v)
            return sorted(sorted(r) for r in rows)

        if signature(ca) != signature(cb):
            raise AssertionError("the chains differ: their multisets of row values differ, so "
                                 "no relabelling can match them")
    matcher = DiGraphMatcher(ga, gb, node_match=node_match, edge_match=edge_match)
    if not matcher.is_isomorphic():
        raise AssertionError("no relabelling of the states of a gives b (same sizes, but the "
                             "transition structure, probabilities"
                             + (", initial distribution" if use_initial else "")
                             + (" or labels" if check_labels else "") + " differ)")
    return {u: matcher.mapping[u] for u in ga.nodes}


# ---------------------------------------------------------------------- bounds
def assert_bound_holds(bound: Any, *, exact: Any = None, successes: int | None = None,
                       trials: int | None = None, estimate: Any = None,
                       confidence: float = 0.95) -> None:
    """Assert that a claimed *lower* bound is consistent with the truth.

    Give exactly one of ``exact`` (the exact value: the bound must not exceed it, compared
    exactly when both are exact), ``successes`` with ``trials`` (a simulation: the bound must not
    exceed the upper end of the exact Clopper-Pearson interval), or ``estimate`` (a
    :class:`~chainlab.stats.ProportionEstimate`).

    Parameters
    ----------
    bound : number
    exact : number, optional
    successes, trials : int, optional
    estimate : ProportionEstimate, optional
    confidence : float, default 0.95
        Level of the binomial interval.

    Raises
    ------
    AssertionError
        The bound exceeds the exact value or the interval.
    TypeError
        Not exactly one reference value given.

    See Also
    --------
    chainlab.bounds.check_bound : The same check, returning a verdict.
    chainlab.stats.proportion : Exact intervals for simulated estimates.

    Examples
    --------
    >>> assert_bound_holds("1/2", exact="1/3")
    Traceback (most recent call last):
    ...
    AssertionError: bound 1/2 exceeds the exact value 1/3 (by 1/6)
    >>> assert_bound_holds(0.35, successes=30, trials=100)  # 0.35 <= 0.3998
    """
    given = sum(x is not None for x in (exact, successes if trials is None else trials,
                                        estimate))
    if given != 1 or (successes is None) != (trials is None):
        raise TypeError("give exactly one of exact=..., successes=... with trials=..., or "
                        "estimate=...")
    b_exact = _exact_value(bound)
    if exact is not None:
        e_exact = _exact_value(exact)
        if b_exact is not None and e_exact is not None:
            if b_exact > e_exact:
                raise AssertionError(f"bound {b_exact} exceeds the exact value {e_exact} (by "
                                     f"{b_exact - e_exact})")
            return
        b = float(bound if b_exact is None else b_exact)
        e = float(exact if e_exact is None else e_exact)
        if b > e:
            raise AssertionError(f"bound {b!r} exceeds the exact value {e!r} (by {b - e:.3g})")
        return
    if estimate is None:
        from .stats import proportion

        assert successes is not None and trials is not None  # (checked above: given == 1)
        estimate = proportion(successes, trials, confidence=confidence)
    upper = estimate.ci[1]
    b = float(bound if b_exact is None else b_exact)
    if b > upper:
        shown = str(b_exact) if isinstance(bound, (str, Fraction)) else repr(b)
        raise AssertionError(
            f"bound {shown} exceeds the upper end {upper:.4g} of the "
            f"{estimate.confidence:.0%} Clopper-Pearson interval of "
            f"{estimate.successes}/{estimate.trials} successes")
