"""Classic teaching chains against their closed forms (chainlab.models.classic)."""

from __future__ import annotations

import importlib.util
import math
from fractions import Fraction as F

import networkx as nx
import pytest

from chainlab import exact, numeric
from chainlab.compiler import compile_model
from chainlab.errors import ExactnessError, SpecError
from chainlab.models import (
    BoundedConfidence,
    GMMAgents,
    MajorityRule,
    VoterModel,
    bounded_confidence,
    ehrenfest,
    gamblers_ruin,
    gmm_chain,
    majority_rule,
    moran,
    voter_model,
    wright_fisher,
)
from chainlab.polarization import polarization
from chainlab.structure import classify


# ---------------------------------------------------------------------- gambler's ruin
def ruin_closed_form(N, p, i):
    q = 1 - p
    if p == q:
        return 1 - F(i, N)
    rho = q / p
    return (rho**i - rho**N) / (1 - rho**N)


def duration_closed_form(N, p, i):
    q = 1 - p
    if p == q:
        return F(i * (N - i))
    rho = q / p
    return i / (q - p) - N / (q - p) * (1 - rho**i) / (1 - rho**N)


@pytest.mark.parametrize("N,p", [(2, F(1, 2)), (5, F(1, 2)), (7, F(2, 5)), (6, F(3, 4)),
                                 (9, F(1, 10))], ids=lambda v: str(v))
def test_gamblers_ruin_closed_forms(N, p):
    c = gamblers_ruin(N, p)
    res = exact.absorption(c)
    ruin = res.closed_classes.index((0,))
    for i in range(1, N):
        assert res.B[i, ruin] == ruin_closed_form(N, p, i)
        assert res.t[i] == duration_closed_form(N, p, i)


def test_gamblers_ruin_labels_initial_and_edges():
    c = gamblers_ruin(4, "2/5", start=3)
    assert dict(c.initial) == {3: 1}
    assert c.labels["ruin"] == {0} and c.labels["win"] == {4}
    assert c.probability(3, 4) == F(2, 5) and c.probability(3, 2) == F(3, 5)
    # p = 1: the gambler always wins; N = 1: both states absorbing
    assert exact.hitting(gamblers_ruin(3, 1), "win").initial_probability == 1
    assert classify(gamblers_ruin(1)).absorbing == (0, 1)


# ---------------------------------------------------------------------- Moran
@pytest.mark.parametrize("r", [F(1), F(2), F(1, 3), F(3, 2)], ids=str)
@pytest.mark.parametrize("N", [1, 2, 5, 8])
def test_moran_fixation_closed_form(N, r):
    h = exact.hitting(moran(N, r), "fixed")
    for i in range(N + 1):
        expected = F(i, N) if r == 1 else (1 - r**-i) / (1 - r**-N)
        assert h.probabilities[i] == expected


def test_moran_probabilities_are_the_birth_death_rates():
    c = moran(5, 2, start=2)
    assert c.probability(2, 3) == F(2 * 2, 2 * 2 + 3) * F(3, 5)
    assert c.probability(2, 1) == F(3, 2 * 2 + 3) * F(2, 5)


# ---------------------------------------------------------------------- Wright-Fisher
@pytest.mark.parametrize("N", [1, 3, 6])
def test_wright_fisher_neutral_fixation_is_frequency(N):
    h = exact.hitting(wright_fisher(N), "fixed")
    assert h.probabilities.tolist() == [F(i, N) for i in range(N + 1)]


def test_wright_fisher_rows_are_binomial_and_selection_helps():
    c = wright_fisher(4, start=2)
    assert [c.probability(2, j) for j in range(5)] == [F(math.comb(4, j), 16) for j in range(5)]
    neutral = exact.hitting(wright_fisher(5), "fixed").probabilities
    favoured = exact.hitting(wright_fisher(5, F(1, 2)), "fixed").probabilities
    assert all(favoured[i] > neutral[i] for i in range(1, 5))


# ---------------------------------------------------------------------- Ehrenfest
@pytest.mark.parametrize("lazy", [False, True], ids=["plain", "lazy"])
@pytest.mark.parametrize("N", [1, 4, 7])
def test_ehrenfest_stationary_binomial_and_period(N, lazy):
    c = ehrenfest(N, lazy=lazy)
    st = classify(c)
    assert st.is_irreducible and st.periods == ((1,) if lazy else (2,))
    pi = exact.stationary(c).distributions[0]
    assert pi.tolist() == [F(math.comb(N, k), 2**N) for k in range(N + 1)]


# ---------------------------------------------------------------------- voter model
def degree_weighted(graph, opinions, value):
    deg = dict(graph.degree())
    nodes = list(graph.nodes)
    return F(sum(deg[v] for v, x in zip(nodes, opinions) if x == value), sum(deg.values()))


GRAPHS = {
    "star4": (nx.star_graph(4), [1, 0, 0, 0, 0]),
    "star4-leaves": (nx.star_graph(4), [0, 1, 1, 0, 0]),
    "cycle5": (nx.cycle_graph(5), [1, 1, 0, 0, 0]),
    "path4": (nx.path_graph(4), [1, 0, 0, 1]),
    "lollipop": (nx.lollipop_graph(3, 2), [0, 1, 0, 1, 1]),
    "complete4": (nx.complete_graph(4), [1, 0, 0, 0]),
    "three-opinions": (nx.path_graph(3), ["a", "b", "c"]),
}


@pytest.mark.parametrize("name", list(GRAPHS))
def test_voter_consensus_is_degree_weighted_fraction(name):
    graph, opinions = GRAPHS[name]
    c = voter_model(graph, opinions)
    assert all(len(cls) == 1 for cls in classify(c).closed_classes)  # consensus states only
    for value in set(opinions):
        got = exact.hitting(c, f"consensus_{value}").initial_probability
        assert got == degree_weighted(graph, opinions, value)


def test_voter_complete_graph_is_lumped_and_agrees_with_unlumped():
    m = VoterModel(nx.complete_graph(4), [1, 1, 0, 0], stay=F(1, 3))
    assert m.exchangeable
    lumped = compile_model(m).chain
    plain = compile_model(m, lumped=False).chain
    assert lumped.num_states == 5 and plain.num_states == 16
    everyone = [(1, 1, 1, 1)]
    assert exact.hitting(lumped, everyone).initial_probability == \
        exact.hitting(plain, everyone).initial_probability == F(1, 2)


def test_voter_without_laziness_oscillates_on_a_star():
    c = voter_model(nx.star_graph(2), {0: 1, 1: 0, 2: 0}, stay=0)
    periods = classify(c).periods
    assert 2 in periods  # centre and leaves swap forever: a closed class that is not consensus


def test_voter_validation():
    g = nx.Graph()
    g.add_nodes_from([0, 1])
    with pytest.raises(SpecError, match="node 0 has no neighbour"):
        voter_model(g, [0, 1])
    with pytest.raises(SpecError, match="opinions has 2 entries but the graph has 3"):
        voter_model(nx.path_graph(3), [0, 1])
    with pytest.raises(SpecError, match="stay must be a probability"):
        voter_model(nx.path_graph(3), [0, 1, 1], stay=1)
    with pytest.raises(SpecError, match="networkx graph"):
        voter_model([[0, 1]], [0, 1])


# ---------------------------------------------------------------------- majority rule
def consensus_probability(chain, label):
    # a label may select no state: that consensus is unreachable from the start
    return exact.hitting(chain, label).initial_probability if chain.labels[label] else F(0)


@pytest.mark.parametrize("n,m", [(3, 2), (4, 2), (5, 2), (5, 4), (6, 3)], ids=str)
def test_majority_rule_symmetry_monotonicity_and_consensus(n, m):
    probs = [consensus_probability(majority_rule(n, k, sample_size=m), "consensus_1")
             for k in range(n + 1)]
    assert probs[0] == 0 and probs[n] == 1
    assert all(probs[k] + probs[n - k] == 1 for k in range(n + 1))
    assert all(a <= b for a, b in zip(probs, probs[1:]))
    c = majority_rule(n, n // 2, sample_size=m)
    assert all(len(cls) == 1 for cls in classify(c).closed_classes)


def test_majority_rule_pairs_never_change_minds():
    # sample_size=1: a group of two either agrees or ties, and a tie keeps its opinion
    assert classify(majority_rule(4, 2, sample_size=1)).absorbing == (0,)


def test_majority_rule_law_is_hypergeometric():
    law = MajorityRule(5, 2, sample_size=2).agent_distribution((0, 0, 0, 1, 1), 3)
    # agent 3 (opinion 1) samples 2 of {0, 0, 0, 1}: keeps 1 only if it draws the other 1
    assert law == {0: F(3, 6), 1: F(3, 6)}


# ---------------------------------------------------------------------- bounded confidence
@pytest.mark.parametrize("opinions,conf", [([0, 1, 2], 1), ([0, 1, 3, 4], 1),
                                           ([0, 2, 3, 5], 2), ([0, 0, 4], 1)], ids=str)
def test_bounded_confidence_absorbs_into_frozen_clusters(opinions, conf):
    c = bounded_confidence(opinions, levels=6, confidence=conf)
    st = classify(c)
    assert st.is_absorbing_chain
    for (s,) in st.closed_classes:
        xs = c.states.label_of(s)
        assert all(a == b or abs(a - b) > conf for a in xs for b in xs)
    h = exact.absorption(c, variance=False)
    assert sum(h.initial_B) == 1


def test_bounded_confidence_validation():
    with pytest.raises(SpecError, match=r"opinions\[1\] must be an integer in 0..2"):
        BoundedConfidence([0, 3], levels=3, confidence=1)
    with pytest.raises(SpecError, match="stubbornness must be a probability in \\(0, 1\\)"):
        BoundedConfidence([0, 1], levels=3, confidence=1, stubbornness=0)


# ---------------------------------------------------------------------- GMM
def test_gmm_chain_matches_compiled_polarization():
    c = gmm_chain(agents=3, components=3, memory=2, neighbours=1, mirror="1/5")
    pol = polarization(compile_model(GMMAgents(agents=3, components=3, memory=2, neighbours=1,
                                               mirror="1/5")))
    # n < 2(k + 1): no polarized class, and the label says so (empty)
    assert c.labels["polarized"] == frozenset() and pol.polarization_probability == 0
    assert exact.hitting(c, "consensus").initial_probability == pol.consensus_probability == 1


# ---------------------------------------------------------------------- validation, symbols
@pytest.mark.parametrize("call,match", [
    (lambda: gamblers_ruin(0), r"N must be an integer >= 1, got 0"),
    (lambda: gamblers_ruin(3, "3/2"), r"p must be a probability in \[0, 1\], got '3/2'"),
    (lambda: gamblers_ruin(3, start=4), r"start must be an integer in 0..3, got 4"),
    (lambda: moran(3, 0), r"r must be positive, got 0"),
    (lambda: wright_fisher(3, -1), r"s must be > -1"),
    (lambda: ehrenfest(True), r"N must be an integer >= 1, got True"),
    (lambda: majority_rule(3, 1, sample_size=3), r"sample_size must be an integer in 1..2"),
], ids=["N", "p-range", "start", "r", "s", "bool-N", "sample"])
def test_bad_arguments_name_the_argument(call, match):
    with pytest.raises(SpecError, match=match):
        call()


def test_float_parameters_are_refused_exactly():
    with pytest.raises(ExactnessError, match="Fraction"):
        gamblers_ruin(3, 0.4)


def _parametric_builder(name):
    if importlib.util.find_spec("chainlab.parametric") is None:
        return None
    models = importlib.import_module("chainlab.parametric.models")
    return getattr(models, name, None)


@pytest.mark.parametrize("builder,arg", [(gamblers_ruin, "p"), (moran, "r")])
def test_symbolic_parameter_delegates_to_parametric_or_says_why_not(builder, arg):
    import sympy

    x = sympy.Symbol("x")
    if _parametric_builder(builder.__name__) is None:
        with pytest.raises(SpecError, match=f"{arg}=x is symbolic.*chainlab.parametric"):
            builder(4, x)
    else:
        # delegation: the same result (or the same error) as chainlab.parametric's builder
        theirs = _parametric_builder(builder.__name__)
        try:
            expected = theirs(4, x, start=2)
        except Exception as exc:  # their builder's own validation
            with pytest.raises(type(exc)):
                builder(4, x, start=2)
        else:
            got = builder(4, x, start=2)
            assert type(got) is type(expected) and repr(got) == repr(expected)


def test_float_backend_agrees():
    c = moran(6, F(3, 2), start=2)
    ex = exact.hitting(c, "fixed").initial_probability
    assert numeric.hitting(c, "fixed").initial_probability == pytest.approx(float(ex), rel=1e-12)
