"""Round trips through networkx, QuantEcon and PyDTMC return an equal chain: networkx carries the
labels and the initial law; QuantEcon and PyDTMC cannot, so the conversion warns
(ConversionWarning) and the way back takes them as arguments."""

from __future__ import annotations

import warnings
from fractions import Fraction as F

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainlab import Chain
from chainlab.errors import SpecError
from chainlab.interop import (
    ConversionWarning,
    from_networkx,
    from_pydtmc,
    from_quantecon,
    to_networkx,
    to_pydtmc,
    to_quantecon,
)
from chainlab.strategies import absorbing_chains, chains


@st.composite
def chains_with_extras(draw, exact=True):
    """Chains with an initial law, labels (one of them maybe empty) and non-range states."""
    c = draw(absorbing_chains(exact=exact) if exact else chains(exact=False))
    n = c.num_states
    names = draw(st.lists(st.sampled_from(["goal", "odd", "empty", "x_1"]), unique=True,
                          max_size=3))
    labels = {}
    for name in names:
        labels[name] = [] if name == "empty" else \
            draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n))
    support = draw(st.lists(st.integers(0, n - 1), unique=True, min_size=1, max_size=n))
    weights = draw(st.lists(st.integers(1, 4), min_size=len(support), max_size=len(support)))
    initial = {i: F(w, sum(weights)) for i, w in zip(support, weights)}
    relabel = draw(st.sampled_from(["range", "str", "tuple"]))
    states = {"range": None, "str": [f"s{i}" for i in range(n)],
              "tuple": [(i, i % 2) for i in range(n)]}[relabel]
    labs = [i if states is None else states[i] for i in range(n)]
    return Chain.from_transitions(n, c.transitions(), states=states, initial=initial,
                                  labels=labels, exact=exact).with_labels(
        {k: [labs[i] for i in v] for k, v in labels.items()}) if labels else \
        Chain.from_transitions(n, c.transitions(), states=states, initial=initial, exact=exact)


# ---------------------------------------------------------------------- networkx
@settings(max_examples=40)
@given(chains_with_extras())
def test_networkx_round_trip_returns_an_equal_chain(chain):
    g = chain.to_networkx()
    assert Chain(g) == chain
    assert from_networkx(to_networkx(chain)) == chain


@settings(max_examples=20)
@given(chains_with_extras(exact=False))
def test_networkx_round_trip_of_float_chains(chain):
    back = Chain(chain.to_networkx())
    assert not back.is_exact and back == chain


def test_graph_carries_labels_and_initial_law():
    c = Chain([[1, 0, 0], ["1/4", "1/4", "1/2"], [0, 0, 1]], states=["a", "b", "c"],
              initial={"b": "1/2", "c": "1/2"}, labels={"end": ["a", "c"], "none": []})
    g = c.to_networkx()
    assert g.nodes["a"]["labels"] == ["end"] and g.nodes["b"]["labels"] == []
    assert g.graph["label_names"] == ["end", "none"]
    assert g.graph["initial"] == {"b": F(1, 2), "c": F(1, 2)}
    back = Chain(g)
    assert back == c and sorted(back.labels["none"]) == []


def test_explicit_arguments_replace_what_the_graph_carries():
    c = Chain([[1, 0], ["1/2", "1/2"]], initial=1, labels={"home": [0]})
    g = c.to_networkx()
    other = Chain(g, initial=0, labels={"away": [1]})
    assert dict(other.initial) == {0: 1} and set(other.labels) == {"away"}


def test_a_plain_graph_still_reads():
    g = nx.DiGraph()
    g.add_edge(0, 0, weight=1)
    g.add_edge(1, 0, weight=F(1, 3))
    g.add_edge(1, 1, weight=F(2, 3))
    c = Chain(g)
    assert c.initial is None or not c.initial
    assert dict(c.labels) == {} and c.probability(1, 0) == F(1, 3)


@pytest.mark.parametrize("mutate, match", [
    (lambda g: g.nodes[0].update(labels=[1, 2]), "node 0 has 'labels' \\[1, 2\\]"),
    (lambda g: g.graph.update(label_names="goal"), "'label_names' must be a list"),
    (lambda g: g.graph.update(initial=[0.5, 0.5]), "'initial' must map states"),
    (lambda g: g.graph.update(initial={7: 1}), "7"),
])
def test_malformed_graph_attributes_are_refused(mutate, match):
    g = Chain([[1, 0], ["1/2", "1/2"]], initial=1).to_networkx()
    mutate(g)
    with pytest.raises(SpecError, match=match):
        Chain(g)


def test_from_networkx_and_to_networkx_validate():
    with pytest.raises(SpecError, match="graph must be a networkx.DiGraph"):
        from_networkx([[1]])
    with pytest.raises(SpecError, match="chain must be a chainlab Chain"):
        to_networkx(nx.DiGraph())


# ---------------------------------------------------------------------- QuantEcon / PyDTMC
def _dropped(call):
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        out = call()
    msgs = [str(w.message) for w in got if issubclass(w.category, ConversionWarning)]
    return out, msgs


def test_quantecon_warns_what_it_drops_and_the_way_back_restores_it():
    pytest.importorskip("quantecon")
    c = Chain([[1, 0, 0], ["1/3", "1/3", "1/3"], [0, 0, 1]], states=["a", "b", "c"],
              initial="b", labels={"end": ["a", "c"]})
    mc, msgs = _dropped(lambda: to_quantecon(c))
    assert len(msgs) == 1
    assert "initial distribution" in msgs[0] and "['end']" in msgs[0]
    assert "float64 rounds" in msgs[0]
    back = from_quantecon(mc, limit_denominator=10, initial="b", labels={"end": ["a", "c"]})
    assert back == c
    plain = Chain([[1, 0], ["1/2", "1/2"]])
    _, msgs = _dropped(lambda: to_quantecon(plain))
    assert msgs == []  # nothing lost: no warning
    assert from_quantecon(to_quantecon(plain), limit_denominator=2) == plain


@settings(max_examples=15, deadline=None)
@given(chains_with_extras())
def test_quantecon_round_trip_with_what_was_dropped(chain):
    pytest.importorskip("quantecon")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConversionWarning)
        mc = to_quantecon(chain)
    labs = chain.states.labels
    back = from_quantecon(
        mc, limit_denominator=1000,
        initial={labs[i]: p for i, p in chain.initial.items()},
        labels={k: [labs[i] for i in v] for k, v in chain.labels.items()})
    assert back == chain


@settings(max_examples=15, deadline=None)
@given(chains_with_extras())
def test_pydtmc_round_trip_with_what_was_dropped(chain):
    pytest.importorskip("pydtmc")
    if chain.num_states < 2:
        with pytest.raises(SpecError, match="at least 2 states; this chain has 1"):
            to_pydtmc(chain)
        return
    mc, msgs = _dropped(lambda: to_pydtmc(chain))
    labs = chain.states.labels
    if not all(isinstance(x, str) for x in labs):
        assert any("not strings" in m for m in msgs)
    back = from_pydtmc(
        mc, limit_denominator=1000, states=list(labs),
        initial={labs[i]: p for i, p in chain.initial.items()},
        labels={k: [labs[i] for i in v] for k, v in chain.labels.items()})
    assert back == chain


def test_to_functions_validate_their_chain():
    with pytest.raises(SpecError, match="chain must be a chainlab Chain"):
        to_quantecon([[1]])
    with pytest.raises(SpecError, match="chain must be a chainlab Chain"):
        to_pydtmc([[1]])
