r"""Hypothesis strategies for property-testing Markov-chain code (``pip install chainlab[hypothesis]``).

Every strategy builds its values *constructively* -- the structure asked for is guaranteed by
construction, never filtered with ``assume()`` -- so no draw is rejected:

* an absorbing chain draws its absorbing states first, then gives every transient state one
  "downhill" edge (to a later transient state or an absorbing state) before any extra edges, so
  every transient state really is transient and every closed class is one absorbing state;
* an irreducible class of period ``d`` is laid out in ``d`` cyclic layers with edges only from
  layer ``t`` to layer ``t + 1 (mod d)``, a cycle of length exactly ``d`` through the first state
  of every layer, and a closed walk through all states (so it is strongly connected and its
  period is exactly ``d``);
* probabilities are positive integer weights divided by their row total, so exact rows sum to
  exactly 1 (``exact=False`` gives the correctly rounded floats of the same rationals; such rows
  sum to 1 within a few ulps).

Shrinking
---------
Hypothesis shrinks every strategy towards *fewer states* (fewer closed classes, smaller classes,
no transient states), *fewer extra edges*, *weight 1 everywhere* (uniform rows), the *identity
relabelling* (closed classes last, in order) and, for GMM instances, towards two agents, one
component, memory 1, k = 1, p = 0 and ``ties="random"``. A failing example therefore usually
shrinks to a chain small enough to check by hand.

Examples
--------
>>> from hypothesis import given, settings
>>> from chainlab import exact
>>> from chainlab.structure import classify
>>> @settings(max_examples=20, database=None)
... @given(absorbing_chains(num_closed_classes=2))
... def test_rows_of_B_sum_to_one(chain):
...     res = exact.absorption(chain)
...     assert classify(chain).num_closed_classes == 2
...     assert all(sum(row) == 1 for row in res.B)
>>> test_rows_of_B_sum_to_one()
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as _exc:  # pragma: no cover - hypothesis is an optional extra
    raise ImportError(
        "chainlab.strategies needs Hypothesis: pip install 'chainlab[hypothesis]'"
    ) from _exc

from ._validate import integer
from .chain import Chain
from .errors import SpecError

__all__ = [
    "probability_rows",
    "stochastic_matrices",
    "chains",
    "absorbing_chains",
    "periodic_chains",
    "reducible_chains",
    "ill_conditioned_chains",
    "connected_graphs",
    "parametric_matrices",
    "parametric_chains",
    "parametric_mixture_chains",
    "parameter_points",
    "gmm_instances",
]


# ---------------------------------------------------------------------- helpers
def _count(draw, value: Any, name: str, low: int) -> int:
    """An int argument, or a strategy of ints drawn here."""
    if isinstance(value, st.SearchStrategy):
        value = draw(value)
    return integer(name, value, low=low, fix="or give a strategy of integers")


def _weights_row(draw, targets: list[int], max_weight: int) -> dict[int, Fraction]:
    weights = [draw(st.integers(1, max_weight)) for _ in targets]
    total = sum(weights)
    row: dict[int, Fraction] = {}
    for j, w in zip(targets, weights):
        row[j] = row.get(j, Fraction(0)) + Fraction(w, total)
    return row


def _to_entries(rows: list[dict[int, Fraction]], n: int, exact: bool) -> list[list[Any]]:
    if exact:
        return [[row.get(j, Fraction(0)) for j in range(n)] for row in rows]
    return [[float(row.get(j, Fraction(0))) for j in range(n)] for row in rows]


def _relabel(draw, supports: list[list[int]], n: int) -> tuple[list[int], list[list[int]]]:
    perm = draw(st.permutations(range(n)))
    out: list[list[int]] = [[] for _ in range(n)]
    for i, targets in enumerate(supports):
        out[perm[i]] = [perm[j] for j in targets]
    return list(perm), out


def _chain(rows_support: list[list[int]], n: int, draw, *, exact: bool, max_weight: int,
           initial: Any) -> Chain:
    rows = [_weights_row(draw, targets, max_weight) for targets in rows_support]
    P = _to_entries(rows, n, exact)
    return Chain(P, initial=initial, exact=exact)


def _periodic_support(draw, states: list[int], period: int) -> list[tuple[int, list[int]]]:
    """Edges of one irreducible class of exactly this period on ``states`` (see the module doc).

    Needs ``len(states) >= period``.
    """
    size = len(states)
    # layer sizes: at least one state per layer, extras spread by the draw
    layer_of = list(range(period)) + [draw(st.integers(0, period - 1))
                                      for _ in range(size - period)]
    layers: list[list[int]] = [[] for _ in range(period)]
    for s, layer in zip(states, layer_of):
        layers[layer].append(s)
    edges: dict[int, set[int]] = {s: set() for s in states}
    # a cycle of length exactly `period` through the first state of every layer
    for t in range(period):
        edges[layers[t][0]].add(layers[(t + 1) % period][0])
    # a closed walk through every state: m rounds of the layers, state index (round mod size)
    m = max(len(layer) for layer in layers)
    walk = [layers[t % period][(t // period) % len(layers[t % period])]
            for t in range(period * m)]
    for a, b in zip(walk, walk[1:] + walk[:1]):
        edges[a].add(b)
    # extra edges, layer t -> layer t + 1 only
    for t in range(period):
        nxt = layers[(t + 1) % period]
        for s in layers[t]:
            edges[s].update(draw(st.lists(st.sampled_from(nxt), max_size=2)))
    return [(s, sorted(edges[s])) for s in states]


def _aperiodic_support(draw, states: list[int]) -> list[tuple[int, list[int]]]:
    """One irreducible aperiodic class: a cycle through all states plus a self-loop."""
    size = len(states)
    edges = {s: {states[(k + 1) % size]} for k, s in enumerate(states)}
    loop = draw(st.sampled_from(states))
    edges[loop].add(loop)
    for s in states:
        edges[s].update(draw(st.lists(st.sampled_from(states), max_size=2)))
    return [(s, sorted(edges[s])) for s in states]


# ---------------------------------------------------------------------- matrices and chains
@st.composite
def probability_rows(draw, num_states: Any = st.integers(1, 5), *, exact: bool = True,
                     max_weight: int = 5) -> list:
    """One probability row of length ``num_states`` with at least one positive entry.

    Shrinks towards all mass on state 0.

    See Also
    --------
    chainlab.strategies.stochastic_matrices : Square matrices of such rows.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(probability_rows(3), lambda row: True)
    [Fraction(1, 1), Fraction(0, 1), Fraction(0, 1)]
    """
    n = _count(draw, num_states, "num_states", 1)
    support = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    row = _weights_row(draw, support, max_weight)
    return _to_entries([row], n, exact)[0]


@st.composite
def stochastic_matrices(draw, num_states: Any = st.integers(1, 5), *, exact: bool = True,
                        max_weight: int = 5) -> list:
    """A square row-stochastic matrix as a list of rows (Fractions, or floats if not exact).

    Rows have random supports (any structure: closed classes, transient states, periodicity
    are whatever falls out). Shrinks towards one state, then every row on state 0.

    See Also
    --------
    chainlab.strategies.probability_rows : One row.
    chainlab.strategies.chains : A chain built from such a matrix.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(stochastic_matrices(2), lambda P: True)
    [[Fraction(1, 1), Fraction(0, 1)], [Fraction(1, 1), Fraction(0, 1)]]
    """
    n = _count(draw, num_states, "num_states", 1)
    return [draw(probability_rows(n, exact=exact, max_weight=max_weight)) for _ in range(n)]


@st.composite
def chains(draw, num_states: Any = st.integers(1, 5), *, exact: bool = True,
           max_weight: int = 5) -> Chain:
    """A :class:`~chainlab.chain.Chain` of a :func:`stochastic_matrices` draw, with an initial state.

    See Also
    --------
    chainlab.strategies.absorbing_chains : Chains whose closed classes are absorbing states.
    chainlab.strategies.reducible_chains : Closed classes of any size and period.
    chainlab.testing.assert_chains_equivalent : Compare two chains up to relabelling.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(chains(3), lambda c: True)
    Chain(3 states, 3 transitions, exact)
    """
    P = draw(stochastic_matrices(num_states, exact=exact, max_weight=max_weight))
    return Chain(P, initial=draw(st.integers(0, len(P) - 1)), exact=exact)


def _absorbing_support(draw, num_closed: int, max_transient: Any) -> tuple[int, list[list[int]]]:
    num_transient = _count(draw, max_transient, "max_transient", 0) if isinstance(
        max_transient, st.SearchStrategy) else draw(st.integers(0, _count(
            draw, max_transient, "max_transient", 0)))
    n = num_transient + num_closed
    absorbing = list(range(num_transient, n))
    support: list[list[int]] = []
    for t in range(num_transient):
        downhill = draw(st.sampled_from(list(range(t + 1, num_transient)) + absorbing))
        extra = draw(st.lists(st.integers(0, n - 1), max_size=3))
        support.append([downhill] + extra)
    support += [[a] for a in absorbing]
    return n, support


@st.composite
def absorbing_chains(draw, num_closed_classes: Any = st.integers(1, 3),
                     max_transient: Any = 4, *, exact: bool = True,
                     max_weight: int = 5) -> Chain:
    """An absorbing chain: exactly ``num_closed_classes`` absorbing states, the rest transient.

    Parameters
    ----------
    num_closed_classes : int or strategy of int
        Number of absorbing states (each its own closed class), ``>= 1``.
    max_transient : int or strategy of int
        Up to this many transient states (an int), or exactly a drawn number (a strategy).
    exact : bool, default True
        Fractions (True) or floats (False).
    max_weight : int, default 5
        Integer weights ``1..max_weight`` before normalising a row.

    See Also
    --------
    chainlab.strategies.chains : Any chain.
    chainlab.exact.absorption : The analysis these chains exercise.

    Notes
    -----
    Transient state ``t`` (before relabelling) gets a downhill edge to a state ``> t`` (a later
    transient state or an absorbing one), then up to three extra edges anywhere; states are
    then relabelled by a random permutation and the initial state is drawn uniformly. Shrinks
    towards one absorbing state, no transient states, no extra edges, uniform weights.

    Examples
    --------
    >>> from hypothesis import find
    >>> from chainlab.structure import classify
    >>> c = find(absorbing_chains(2, max_transient=3), lambda c: c.num_states == 4)
    >>> classify(c).absorbing, classify(c).transient
    ((2, 3), (0, 1))
    """
    num_closed = _count(draw, num_closed_classes, "num_closed_classes", 1)
    n, support = _absorbing_support(draw, num_closed, max_transient)
    _, support = _relabel(draw, support, n)
    return _chain(support, n, draw, exact=exact, max_weight=max_weight,
                  initial=draw(st.integers(0, n - 1)))


@st.composite
def periodic_chains(draw, period: Any = st.integers(2, 4), max_states: int = 8, *,
                    exact: bool = True, max_weight: int = 5) -> Chain:
    """An irreducible chain whose period is exactly ``period``.

    Parameters
    ----------
    period : int or strategy of int
        The period ``d >= 1`` (1 gives an aperiodic irreducible chain built the same way).
    max_states : int, default 8
        At most this many states (at least ``d``).

    See Also
    --------
    chainlab.strategies.reducible_chains : Several closed classes, of any period.
    chainlab.exact.limiting : Cesàro limits, which periodic chains need.

    Notes
    -----
    ``d`` cyclic layers, edges only from layer ``t`` to ``t + 1 mod d``, a ``d``-cycle through
    the first state of each layer (so the gcd of cycle lengths is ``d``) and a closed walk
    through all states (irreducible). Shrinks towards the plain ``d``-cycle.

    Examples
    --------
    >>> from hypothesis import find
    >>> from chainlab.structure import classify
    >>> s = classify(find(periodic_chains(3, max_states=6), lambda c: c.num_states == 5))
    >>> s.is_irreducible, s.periods
    (True, (3,))
    """
    d = _count(draw, period, "period", 1)
    if max_states < d:
        raise SpecError(f"max_states={max_states} is below period={d}; a class of period d "
                        "needs at least d states")
    n = draw(st.integers(d, max_states))
    support = [targets for _, targets in _periodic_support(draw, list(range(n)), d)]
    _, support = _relabel(draw, support, n)
    return _chain(support, n, draw, exact=exact, max_weight=max_weight,
                  initial=draw(st.integers(0, n - 1)))


@st.composite
def reducible_chains(draw, num_closed_classes: Any = st.integers(1, 3), max_class_size: int = 3,
                     max_transient: Any = 4, *, periods: Any = None, exact: bool = True,
                     max_weight: int = 5) -> Chain:
    """Closed classes of any size and period, plus transient states feeding into them.

    Parameters
    ----------
    num_closed_classes : int or strategy of int
        Exactly this many closed classes.
    max_class_size : int, default 3
        Each closed class has ``1..max_class_size`` states.
    max_transient : int or strategy of int
        Up to this many transient states (int) or exactly a drawn number (strategy).
    periods : int or strategy of int, optional
        Period of every closed class (default: each class periodic or aperiodic at random,
        with the period drawn from ``1..size``).

    See Also
    --------
    chainlab.strategies.absorbing_chains : Closed classes of one state each.
    chainlab.strategies.periodic_chains : One irreducible class of a given period.
    chainlab.structure.classify : The classes of a drawn chain.

    Notes
    -----
    Every transient state has a downhill edge (to a later transient state or into a closed
    class), so the chain has exactly the requested closed classes. Shrinks towards one
    absorbing state and no transient states.

    Examples
    --------
    >>> from hypothesis import find
    >>> from chainlab.structure import classify
    >>> c = find(reducible_chains(2, periods=2, max_class_size=2), lambda c: True)
    >>> classify(c).periods
    (2, 2)
    """
    num_closed = _count(draw, num_closed_classes, "num_closed_classes", 1)
    sizes = []
    class_periods = []
    for _ in range(num_closed):
        if periods is None:
            size = draw(st.integers(1, max_class_size))
            d = draw(st.integers(1, size))
        else:
            d = _count(draw, periods, "periods", 1)
            size = draw(st.integers(d, max(d, max_class_size)))
        sizes.append(size)
        class_periods.append(d)
    if isinstance(max_transient, st.SearchStrategy):
        num_transient = _count(draw, max_transient, "max_transient", 0)
    else:
        num_transient = draw(st.integers(0, _count(draw, max_transient, "max_transient", 0)))
    n = num_transient + sum(sizes)
    support: list[list[int]] = [[] for _ in range(n)]
    start = num_transient
    recurrent: list[int] = []
    for size, d in zip(sizes, class_periods):
        states = list(range(start, start + size))
        recurrent += states
        if size == 1:  # an absorbing state (period 1)
            support[states[0]] = [states[0]]
        else:
            edges = _periodic_support(draw, states, d) if d > 1 else \
                _aperiodic_support(draw, states)
            for s, targets in edges:
                support[s] = targets
        start += size
    for t in range(num_transient):
        downhill = draw(st.sampled_from(list(range(t + 1, num_transient)) + recurrent))
        extra = draw(st.lists(st.integers(0, n - 1), max_size=3))
        support[t] = [downhill] + extra
    _, support = _relabel(draw, support, n)
    return _chain(support, n, draw, exact=exact, max_weight=max_weight,
                  initial=draw(st.integers(0, n - 1)))


@st.composite
def ill_conditioned_chains(draw, max_length: int = 40, *, closed_corridor: bool = False) -> Chain:
    """A walk that must climb a corridor against a drift: float LU loses digits exponentially.

    States ``0`` (``"fail"``, absorbing), ``1`` (the initial state), the corridor ``2 .. L + 1``
    and ``L + 2`` (``"goal"``, absorbing). From ``1`` the walk fails with probability ``a``
    and enters the corridor otherwise; in the corridor it climbs with probability ``q`` and
    falls back with ``1 - q`` (staying put at the bottom). So ``P(goal) = 1 - a`` exactly, but
    the expected time is about ``((1 - q) / q)^L`` and elimination in floats cancels the escape
    probability of the corridor away: for ``L = 50``, ``q = 1/10`` a float LU reports
    ``P(goal) = -3e-29``. With ``closed_corridor=True`` the top of the corridor falls back
    instead of escaping, so the corridor is one closed class whose stationary law spans
    ``((1 - q) / q)^L`` orders of magnitude.

    Parameters
    ----------
    max_length : int, default 40
        Largest corridor length ``L`` (drawn from ``2 .. max_length``).
    closed_corridor : bool, default False

    See Also
    --------
    chainlab.numeric.absorption : Certifies its result or refuses it on such chains.
    chainlab.errors.PrecisionError : What a refusal raises.

    Notes
    -----
    ``q = 1/d`` with ``d`` in ``2 .. 12`` and ``a = j/10`` with ``j`` in ``1 .. 9``. Shrinks towards
    ``L = 2``, ``q = 1/2``, ``a = 1/10``: a well-conditioned chain.

    Examples
    --------
    >>> from hypothesis import find
    >>> from chainlab import exact
    >>> c = find(ill_conditioned_chains(), lambda c: c.num_states == 6)
    >>> exact.hitting(c, "goal").initial_probability
    Fraction(9, 10)
    """
    max_length = integer("max_length", max_length, low=2)
    L = draw(st.integers(2, max_length))
    q = Fraction(1, draw(st.integers(2, 12)))
    a = Fraction(draw(st.integers(1, 9)), 10)
    top, goal = L + 1, L + 2
    rows: dict[int, dict[int, Fraction]] = {0: {0: Fraction(1)}, 1: {0: a, 2: 1 - a},
                                            goal: {goal: Fraction(1)}}
    for i in range(2, top + 1):
        down = max(i - 1, 2)
        up = i + 1 if i < top or not closed_corridor else top
        row: dict[int, Fraction] = {}
        for j, v in ((up, q), (down, 1 - q)):
            row[j] = row.get(j, Fraction(0)) + v
        rows[i] = row
    return Chain(dict(sorted(rows.items())), initial=1,
                 labels={"fail": [0], "goal": [goal]})


@st.composite
def connected_graphs(draw, max_nodes: int = 6, *, min_nodes: int = 2):
    """A connected undirected ``networkx.Graph`` on nodes ``0..n-1`` (no self-loops).

    A random spanning tree (node ``i`` attaches to an earlier node) plus random extra edges.
    Shrinks towards a star centred on node 0 with two nodes.

    See Also
    --------
    chainlab.models.voter_model : The voter model on a graph.

    Examples
    --------
    >>> import networkx as nx
    >>> from hypothesis import find
    >>> g = find(connected_graphs(5), lambda g: g.number_of_nodes() == 4)
    >>> sorted(g.edges()), nx.is_connected(g)
    ([(0, 1), (0, 2), (0, 3)], True)
    """
    import networkx as nx

    if min_nodes < 1 or max_nodes < min_nodes:
        raise SpecError(f"need 1 <= min_nodes <= max_nodes, got {min_nodes}, {max_nodes}")
    n = draw(st.integers(min_nodes, max_nodes))
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for i in range(1, n):
        g.add_edge(draw(st.integers(0, i - 1)), i)
    if n > 2:
        pairs = [(a, b) for a in range(n) for b in range(a + 1, n)]
        g.add_edges_from(draw(st.lists(st.sampled_from(pairs), max_size=n)))
    return g


# ---------------------------------------------------------------------- parametric
@st.composite
def parametric_matrices(draw, symbol: Any = "p", num_closed_classes: Any = st.integers(1, 2),
                        max_transient: Any = 3, *, max_weight: int = 5):
    """A ``sympy.Matrix`` ``p A + (1 - p) B`` of two absorbing chains with the same skeleton.

    ``A`` and ``B`` share their absorbing states and the downhill edges of every transient
    state, so for every ``p`` in [0, 1] the matrix is stochastic and absorbing with the same
    closed classes; entries are polynomials of degree <= 1 in ``p`` and rows sum to 1
    identically. Shrinks like :func:`absorbing_chains` (towards ``A = B``, uniform rows).

    See Also
    --------
    chainlab.strategies.parametric_chains : A parametric chain of such a matrix.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(parametric_matrices(), lambda M: M.shape == (2, 2))
    Matrix([
    [1, 0],
    [0, 1]])
    """
    import sympy

    p = sympy.Symbol(symbol) if isinstance(symbol, str) else symbol
    num_closed = _count(draw, num_closed_classes, "num_closed_classes", 1)
    n, support = _absorbing_support(draw, num_closed, max_transient)
    _, support = _relabel(draw, support, n)
    rows_a = [_weights_row(draw, targets, max_weight) for targets in support]
    rows_b = [_weights_row(draw, targets, max_weight) for targets in support]
    entries = []
    for ra, rb in zip(rows_a, rows_b):
        row = []
        for j in range(n):
            a, b = ra.get(j, Fraction(0)), rb.get(j, Fraction(0))
            ra_s, rb_s = sympy.Rational(a.numerator, a.denominator), \
                sympy.Rational(b.numerator, b.denominator)
            row.append(sympy.expand(ra_s * p + rb_s * (1 - p)))
        entries.append(row)
    return sympy.Matrix(entries)


@st.composite
def parametric_chains(draw, symbol: Any = "p", num_closed_classes: Any = st.integers(1, 2),
                      max_transient: Any = 3, *, max_weight: int = 5):
    """A ``chainlab.parametric.ParametricChain`` of a :func:`parametric_matrices` draw.

    Needs the ``chainlab.parametric`` subpackage (drawing raises :class:`SpecError` without it).
    Shrinks like :func:`parametric_matrices`.

    See Also
    --------
    chainlab.strategies.parametric_matrices : The matrices it is built from.
    chainlab.parametric.ParametricChain : The type of the draws.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(parametric_chains(), lambda c: c.num_states == 2)  # doctest: +SKIP
    ParametricChain(2 states, 2 transitions, parameters (p))
    """
    try:
        from .parametric import ParametricChain
    except ImportError:
        raise SpecError("parametric_chains needs chainlab.parametric, which this installation "
                        "does not have; use parametric_matrices instead") from None
    M = draw(parametric_matrices(symbol, num_closed_classes, max_transient,
                                 max_weight=max_weight))
    import sympy

    p = sympy.Symbol(symbol) if isinstance(symbol, str) else symbol
    return ParametricChain(M.tolist(), parameters=[p],
                           initial=draw(st.integers(0, M.shape[0] - 1)))


_MIXTURES = ("constant", "affine", "bernstein", "rational", "two")


@st.composite
def parametric_mixture_chains(draw, max_closed: int = 2, max_class_size: int = 2,
                              max_transient: int = 4, *, two_parameters: bool | None = None):
    """A ParametricChain in ``p`` (and sometimes ``q``) with rational-function entries and a
    graph that is the same at every point of ``(0, 1)^k``.

    Built like :func:`reducible_chains`, but every row is a mixture of 2-3 random stochastic rows ``A, B, C``
    with weights that are rational functions of the parameters, positive on ``(0, 1)`` (or
    ``(0, 1)^2``): ``p A + (1 - p) B``, Bernstein ``p^2 A + 2p(1-p) B + (1-p)^2 C``,
    ``(A + p B) / (1 + p)``, or ``pq A + p(1-q) B + (1-p) C``. Every component row contains the
    row's required edge (the cycle edge of a closed class, the downhill edge of a transient
    state), so at every point of ``(0, 1)^k`` the substituted chain has the generic classes;
    optional edges appear in some components only, so their entries vanish on the boundary.
    The initial state is transient. Shrinks towards constant rows and few states.

    Parameters
    ----------
    max_closed, max_class_size, max_transient : int
        Up to this many closed classes of up to this many states, and ``1..max_transient``
        transient states.
    two_parameters : bool, optional
        Entries in ``p`` and ``q`` (True), in ``p`` only (False), or either (default).

    See Also
    --------
    parametric_chains : affine entries ``p A + (1 - p) B`` only.
    parameter_points : rational points at which to compare a draw with its substitution.

    Examples
    --------
    >>> from hypothesis import find
    >>> c = find(parametric_mixture_chains(two_parameters=True), lambda c: True)
    >>> [str(s) for s in c.parameters]
    ['p', 'q']
    """
    import sympy

    try:
        from .parametric import ParametricChain
    except ImportError:
        raise SpecError("parametric_mixture_chains needs chainlab.parametric, which this "
                        "installation does not have; use parametric_matrices instead") from None

    p, q = sympy.symbols("p q")
    two = draw(st.booleans()) if two_parameters is None else two_parameters
    kinds = _MIXTURES if two else _MIXTURES[:-1]
    num_closed = draw(st.integers(1, max_closed))
    sizes = [draw(st.integers(1, max_class_size)) for _ in range(num_closed)]
    num_transient = draw(st.integers(1, max_transient))
    n = sum(sizes) + num_transient

    def component(required: int, optional: list[int]) -> dict:
        extra = draw(st.lists(st.sampled_from(optional), max_size=2)) if optional else []
        row = _weights_row(draw, [required] + extra, 5)
        return {j: sympy.Rational(v.numerator, v.denominator) for j, v in row.items()}

    def mixed_row(required: int, optional: list[int], absorbing: bool = False) -> dict:
        if absorbing:
            return {required: sympy.Integer(1)}
        kind = draw(st.sampled_from(kinds))
        A, B, C = (component(required, optional) for _ in range(3))
        weights = {
            "constant": [(1, A)],
            "affine": [(p, A), (1 - p, B)],
            "bernstein": [(p**2, A), (2 * p * (1 - p), B), ((1 - p) ** 2, C)],
            "rational": [(1 / (1 + p), A), (p / (1 + p), B)],
            "two": [(p * q, A), (p * (1 - q), B), (1 - p, C)],
        }[kind]
        out: dict = {}
        for w, comp in weights:
            for j, v in comp.items():
                out[j] = out.get(j, 0) + w * v
        return {j: sympy.cancel(v) for j, v in out.items()}

    rows: dict[int, dict] = {}
    start = num_transient
    closed_members = []
    for size in sizes:
        members = list(range(start, start + size))
        closed_members.append(members)
        for k, s in enumerate(members):
            rows[s] = mixed_row(members[(k + 1) % size], members, absorbing=size == 1)
        start += size
    all_closed = [s for m in closed_members for s in m]
    for t in range(num_transient):
        downhill = draw(st.sampled_from(list(range(t + 1, num_transient)) + all_closed))
        rows[t] = mixed_row(downhill, list(range(n)))
    perm = draw(st.permutations(range(n)))
    relabelled = {perm[i]: {perm[j]: v for j, v in rows[i].items()} for i in range(n)}
    init = perm[0]  # a transient state
    params = [p, q] if two else [p]
    return ParametricChain(relabelled, parameters=params, initial=init,
                           states=list(range(n)))


def parameter_points(chain: Any) -> st.SearchStrategy:
    """Rational points strictly inside ``(0, 1)^k``, one value per parameter of ``chain``.

    Parameters
    ----------
    chain : ParametricChain
        The draws are dicts ``{parameter name: Fraction}`` over ``chain.parameters``.

    See Also
    --------
    parametric_mixture_chains, parametric_chains

    Examples
    --------
    >>> from hypothesis import find
    >>> from chainlab.parametric import ParametricChain
    >>> c = ParametricChain([["p", "1 - p"], [0, 1]], parameters=["p"])
    >>> point = find(parameter_points(c), lambda pt: True)
    >>> list(point), 0 < point["p"] < 1
    (['p'], True)
    """
    if not hasattr(chain, "parameters"):
        raise SpecError(f"chain must be a ParametricChain (with .parameters), got "
                        f"{type(chain).__name__}; build one with chainlab.parametric")
    value = st.builds(lambda b, a: Fraction(a % (b - 1) + 1, b), st.integers(2, 13),
                      st.integers(0, 100))
    return st.fixed_dictionaries({s.name: value for s in chain.parameters})


# ---------------------------------------------------------------------- GMM agents
@st.composite
def gmm_instances(draw, max_agents: int = 3, max_components: int = 3, max_memory: int = 2, *,
                  ties: Any = None, mirrors: Any = None, random_initial: bool = True):
    """A :class:`~chainlab.models.gmm.GMMAgents` small enough to compile in well under a second.

    Parameters
    ----------
    max_agents, max_components, max_memory : int
        Upper bounds for ``n >= 2``, ``K >= 1``, ``r >= 1``. The defaults (3, 3, 2) give at
        most 56 lumped / 216 unlumped states.
    ties : {"random", "index"} or strategy, optional
        Tie rule (default: drawn, shrinking towards ``"random"``).
    mirrors : strategy of Fraction, optional
        Mirroring probability ``p`` (default: 0, 1/5, 1/2 or 1, shrinking towards 0).
    random_initial : bool, default True
        Draw each agent's initial pure label (else the default ``i mod K``).

    See Also
    --------
    chainlab.models.GMMAgents : The model drawn.
    chainlab.compiler.compile_model : Compile a draw into an exact chain.

    Examples
    --------
    >>> from hypothesis import find
    >>> m = find(gmm_instances(), lambda m: True)
    >>> m.describe()["agents"], m.components, m.memory, m.neighbours, m.describe()["ties"]
    (2, 1, 1, 1, 'random')
    """
    from .models.gmm import GMMAgents

    n = draw(st.integers(2, max(2, max_agents)))
    K = draw(st.integers(1, max(1, max_components)))
    r = draw(st.integers(1, max(1, max_memory)))
    k = draw(st.integers(1, n - 1))
    if mirrors is None:
        mirrors = st.sampled_from([Fraction(0), Fraction(1, 5), Fraction(1, 2), Fraction(1)])
    p = draw(mirrors)
    if ties is None:
        ties = st.sampled_from(["random", "index"])
    tie = draw(ties) if isinstance(ties, st.SearchStrategy) else ties
    initial = None
    if random_initial:
        initial = draw(st.lists(st.integers(0, K - 1), min_size=n, max_size=n))
    return GMMAgents(agents=n, components=K, memory=r, neighbours=k, mirror=p, ties=tie,
                     initial=initial)
