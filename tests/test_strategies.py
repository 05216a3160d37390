"""The public strategies (chainlab.strategies) build what they promise, and the assertion
helpers (chainlab.testing) accept what is right and explain what is wrong."""

from __future__ import annotations

import importlib.util
from fractions import Fraction as F

import networkx as nx
import numpy as np
import pytest
import sympy
from hypothesis import find, given, settings
from hypothesis import strategies as st

from chainlab import Chain, exact
from chainlab.compiler import compile_model
from chainlab.errors import SpecError
from chainlab.models import voter_model
from chainlab.polarization import polarization
from chainlab.stats import proportion
from chainlab.strategies import (
    absorbing_chains,
    chains,
    connected_graphs,
    gmm_instances,
    parametric_chains,
    parametric_matrices,
    periodic_chains,
    reducible_chains,
    stochastic_matrices,
)
from chainlab.structure import classify
from chainlab.testing import (
    assert_bound_holds,
    assert_chains_equivalent,
    assert_stochastic,
)


# ---------------------------------------------------------------------- structure promised
@given(st.data())
def test_absorbing_chains_have_the_requested_absorbing_classes(data):
    k = data.draw(st.integers(1, 3), label="k")
    c = data.draw(absorbing_chains(k, max_transient=4))
    s = classify(c)
    assert s.num_closed_classes == k and s.is_absorbing_chain
    assert len(s.transient) == c.num_states - k
    assert_stochastic(c)
    res = exact.absorption(c)
    assert all(sum(row) == 1 for row in res.B)
    assert all(res.t[i] >= 1 for i in s.transient)


@given(absorbing_chains(2, max_transient=3, exact=False))
def test_float_absorbing_chains_are_float_and_stochastic(c):
    assert not c.is_exact and classify(c).num_closed_classes == 2
    assert_stochastic(c.P.toarray())


@given(st.data())
def test_periodic_chains_have_exactly_the_requested_period(data):
    d = data.draw(st.integers(1, 4), label="period")
    c = data.draw(periodic_chains(d, max_states=7))
    s = classify(c)
    assert s.is_irreducible and s.periods == (d,)
    assert_stochastic(c)
    pi = exact.stationary(c).distributions[0]
    P = c.P.toarray()
    assert sum(pi) == 1 and np.allclose(pi.astype(float) @ P, pi.astype(float))


@given(st.data())
def test_reducible_chains_have_the_requested_closed_classes_and_periods(data):
    k = data.draw(st.integers(1, 3), label="k")
    d = data.draw(st.sampled_from([None, 2, 3]), label="period")
    c = data.draw(reducible_chains(k, max_class_size=3, max_transient=3, periods=d))
    s = classify(c)
    assert s.num_closed_classes == k
    if d is not None:
        assert s.periods == (d,) * k
    assert_stochastic(c)


@given(stochastic_matrices(st.integers(1, 6)))
def test_stochastic_matrices_are_stochastic_and_build_chains(P):
    assert_stochastic(P)
    assert Chain(P).num_states == len(P)


@given(chains(exact=False))
def test_float_chains(c):
    assert not c.is_exact
    assert_stochastic(c)


@pytest.mark.parametrize("strategy,match", [
    (periodic_chains(3, max_states=2), "max_states=2 is below period=3"),
    (absorbing_chains(0), "num_closed_classes must be an integer >= 1"),
], ids=["period", "closed"])
def test_bad_strategy_arguments_are_errors(strategy, match):
    with pytest.raises(SpecError, match=match):
        find(strategy, lambda x: True)


# ---------------------------------------------------------------------- graphs, voter model
@given(connected_graphs(6))
def test_connected_graphs_are_connected_and_simple(g):
    assert nx.is_connected(g) and nx.number_of_selfloops(g) == 0


@settings(max_examples=15)
@given(st.data())
def test_voter_consensus_equals_degree_weighted_fraction_on_any_connected_graph(data):
    g = data.draw(connected_graphs(5), label="graph")
    opinions = data.draw(st.lists(st.integers(0, 1), min_size=len(g), max_size=len(g)),
                         label="opinions")
    c = voter_model(g, opinions)
    deg = dict(g.degree())
    expected = F(sum(deg[v] for v in g if opinions[v] == 1), sum(deg.values()))
    # labels exist for the initial opinions; an empty one means that consensus is unreachable
    got = exact.hitting(c, "consensus_1").initial_probability \
        if c.labels.get("consensus_1") else F(0)
    assert got == expected


# ---------------------------------------------------------------------- parametric
@given(parametric_matrices(), st.fractions(0, 1, max_denominator=7))
def test_parametric_matrices_are_stochastic_for_every_p(M, value):
    assert_stochastic(M)  # identically in p
    P = M.subs(sympy.Symbol("p"), sympy.Rational(value.numerator, value.denominator))
    assert_stochastic(P)
    closed = classify(Chain(P.tolist())).closed_classes
    assert all(len(c) == 1 for c in closed)


@pytest.mark.skipif(importlib.util.find_spec("chainlab.parametric") is None,
                    reason="chainlab.parametric is not installed")
@settings(max_examples=10)
@given(parametric_chains())
def test_parametric_chains_build(c):
    assert type(c).__name__ == "ParametricChain" and c.num_states >= 1


# ---------------------------------------------------------------------- GMM instances
@settings(max_examples=15)
@given(gmm_instances())
def test_gmm_instances_compile_small_and_probabilities_add_up(model):
    cc = compile_model(model)
    assert cc.chain.num_states <= 216
    res = polarization(cc)
    assert res.polarization_probability + res.consensus_probability + \
        res.mixed_probability == 1
    n, k = model.num_agents, model.neighbours
    if model.memory >= 2 and n < 2 * (k + 1):
        assert res.polarization_probability == 0  # POL-2 in proofs/polarization.md
    if model.memory == 1:  # every state is absorbing
        assert cc.chain.num_states == 1


@settings(max_examples=10)
@given(gmm_instances(ties="random"))
def test_gmm_lumped_and_unlumped_agree(model):
    lumped = polarization(compile_model(model, lumped=True))
    plain = polarization(compile_model(model, lumped=False))
    assert lumped.polarization_probability == plain.polarization_probability
    assert lumped.expected_rounds == plain.expected_rounds


# ---------------------------------------------------------------------- assertion helpers
@given(st.data())
def test_relabelled_chains_are_equivalent_and_the_mapping_is_found(data):
    c = data.draw(absorbing_chains(max_transient=3))
    perm = data.draw(st.permutations(range(c.num_states)))
    P = c.P
    rows = [[0] * c.num_states for _ in range(c.num_states)]
    for i, j, v in c.transitions():
        rows[perm[i]][perm[j]] = v
    init = {perm[i]: p for i, p in c.initial.items()}
    d = Chain(rows, initial=init)
    mapping = assert_chains_equivalent(c, d)
    for i, j, v in c.transitions():
        assert d.probability(mapping[i], mapping[j]) == v
    assert P.shape == d.P.shape


@given(absorbing_chains(1, max_transient=st.integers(1, 3)))
def test_a_changed_probability_is_not_equivalent(c):
    rows = [[c.probability(i, j) for j in range(c.num_states)] for i in range(c.num_states)]
    t = classify(c).transient[0]
    a = next(j for j in range(c.num_states) if rows[t][j])
    b = (a + 1) % c.num_states
    delta = rows[t][a] / 2
    rows[t][a] -= delta
    rows[t][b] += delta
    with pytest.raises(AssertionError):
        assert_chains_equivalent(c, Chain(rows, initial=dict(c.initial)))


def test_equivalence_with_a_given_mapping_and_float_tolerance():
    a = Chain([[1, 0], ["1/3", "2/3"]], states=["x", "y"], initial="y")
    b = Chain([[2 / 3, 1 / 3], [0, 1]], states=["u", "v"], initial="u")
    assert assert_chains_equivalent(a, b, mapping={"x": "v", "y": "u"}, atol=1e-12) == \
        {"x": "v", "y": "u"}
    with pytest.raises(AssertionError, match="P_a\\['x', 'x'\\] = 1 but P_b\\['u', 'u'\\]"):
        assert_chains_equivalent(a, b, mapping={"x": "u", "y": "v"}, check_initial=False)
    with pytest.raises(AssertionError, match="a has 2 states, b has 3"):
        assert_chains_equivalent(a, Chain([[1, 0, 0], [0, 1, 0], [0, 0, 1]]))


@pytest.mark.parametrize("P,match", [
    ([[F(1, 2), F(1, 2)], [F(-1, 2), F(3, 2)]], "P\\[1, 0\\] = -1/2 is negative"),
    ([[F(1, 2), F(1, 3)], [0, 1]], "P row 0 sums to 5/6, expected exactly 1"),
    ([[0.5, 0.4], [0, 1]], "P row 0 sums to 0.9, expected 1 within atol"),
    ([[0.5, float("nan")], [0, 1]], "is not a probability"),
    ([[1, 0]], "P row 0 has 2 entries but P has 1 rows"),
    (sympy.Matrix([[sympy.Symbol("p"), 1], [0, 1]]), "sums to p \\+ 1, expected 1 identically"),
    ({"a": {"a": F(1, 2)}}, "P row 'a' sums to 1/2"),
], ids=["negative", "exact-sum", "float-sum", "nan", "not-square", "symbolic", "dict"])
def test_assert_stochastic_explains_failures(P, match):
    with pytest.raises(AssertionError, match=match):
        assert_stochastic(P)


def test_assert_stochastic_accepts_arrays_and_sparse():
    import scipy.sparse as sp

    assert_stochastic(np.array([[0.25, 0.75], [1.0, 0.0]]))
    assert_stochastic(sp.csr_array(np.array([[0.25, 0.75], [1.0, 0.0]])))
    assert_stochastic(np.array([[F(1, 3), F(2, 3)], [1, 0]], dtype=object))


def test_assert_bound_holds():
    assert_bound_holds(F(1, 3), exact=F(1, 3))
    assert_bound_holds(0.3, exact=F(1, 3))
    with pytest.raises(AssertionError, match="exceeds the exact value 0.3"):
        assert_bound_holds(F(1, 3), exact=0.3)
    est = proportion(3, 10)
    assert_bound_holds(0.6, estimate=est)
    with pytest.raises(AssertionError, match="upper end 0.6525"):
        assert_bound_holds(0.7, estimate=est)
    with pytest.raises(TypeError, match="exactly one"):
        assert_bound_holds(0.1, exact=1, successes=1, trials=2)
    with pytest.raises(TypeError, match="exactly one"):
        assert_bound_holds(0.1, successes=1)


@pytest.mark.skipif(importlib.util.find_spec("chainlab.parametric") is None,
                    reason="chainlab.parametric is not installed")
@settings(max_examples=15, deadline=None)
@given(st.data())
def test_parametric_mixture_chains_are_stochastic_with_a_generic_graph(data):
    from chainlab.strategies import parameter_points, parametric_mixture_chains

    c = data.draw(parametric_mixture_chains())
    point = data.draw(parameter_points(c))
    assert set(point) == {s.name for s in c.parameters}
    assert all(0 < v < 1 for v in point.values())
    P = c.substitute(**point)  # an exact Chain: validated stochastic on construction
    assert P.num_states == c.num_states
    assert P.num_transitions == c.num_transitions  # no entry vanishes inside (0, 1)^k
    (start,) = P.initial
    assert all(start not in cls for cls in classify(P).closed_classes)  # starts transient


def test_parameter_points_refuses_a_chain_without_parameters():
    from chainlab.strategies import parameter_points

    with pytest.raises(SpecError, match="chain must be a ParametricChain"):
        parameter_points(Chain([[1]]))
