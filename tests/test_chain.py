"""Chain construction and validation at the boundary."""

from __future__ import annotations

import math
from fractions import Fraction as F

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
import sympy

from chainlab import Chain, config
from chainlab.errors import (
    ChainlabError,
    ExactnessError,
    NotStochasticError,
    SpecError,
    StateSpaceLimitError,
)

H = F(1, 2)

BAD_INPUTS = [
    # (id, callable, error type, text the message must contain)
    ("negative", lambda: Chain([[F(3, 2), F(-1, 2)], [0, 1]]), NotStochasticError, "P[0, 1] is negative"),
    ("row-sum", lambda: Chain([[H, F(1, 4)], [0, 1]]), NotStochasticError, "row 0 sums to 3/4"),
    ("nan-list", lambda: Chain([[math.nan, 1], [0, 1]]), NotStochasticError, "P[0, 0] is nan"),
    ("nan-array", lambda: Chain(np.array([[np.nan, 1.0], [0, 1]])), NotStochasticError, "nan"),
    ("inf", lambda: Chain([[math.inf, 0], [0, 1]], exact=False), NotStochasticError, "inf"),
    ("string", lambda: Chain([["half", "1/2"], [0, 1]]), NotStochasticError, "'half'"),
    ("object", lambda: Chain([[object(), 1], [0, 1]]), NotStochasticError, "not a number"),
    ("bool", lambda: Chain([[True, 0], [0, 1]]), NotStochasticError, "boolean"),
    ("float-exact", lambda: Chain([[0.5, 0.5], [0, 1]], exact=True), ExactnessError, "Fraction(1, 2)"),
    ("sympy-float", lambda: Chain([[sympy.Float(0.5), H], [0, 1]], exact=True), ExactnessError, "SymPy float"),
    ("symbolic", lambda: Chain([[sympy.Symbol("p"), 1 - sympy.Symbol("p")], [0, 1]]), SpecError, "parametric"),
    ("not-square", lambda: Chain([[1, 0, 0], [0, 1, 0]]), SpecError, "square"),
    ("empty-row", lambda: Chain.from_transitions(2, [(0, 0, 1)]), NotStochasticError, "row 1 is empty"),
    ("index-range", lambda: Chain.from_transitions(2, [(0, 2, 1), (1, 1, 1)]), SpecError, "out of range"),
    ("unknown-target", lambda: Chain({"a": {"b": 1}}), SpecError, "'b', which has no row"),
    ("unknown-label-state", lambda: Chain([[1]], labels={"goal": [5]}), SpecError, "unknown state 5"),
    ("duplicate", lambda: Chain.from_transitions(1, [(0, 0, H), (0, 0, H)]), SpecError, "two entries"),
    ("float-row-sum", lambda: Chain([[0.5, 0.4], [0, 1.0]]), NotStochasticError, "within atol"),
    ("initial-sum", lambda: Chain([[1, 0], [0, 1]], initial={0: H}), NotStochasticError, "initial sums to 1/2"),
    ("initial-unknown", lambda: Chain([[1]], initial="x"), SpecError, "unknown state 'x'"),
    ("limit-denominator-sum", lambda: Chain([[0.3, 0.6], [0, 1]], limit_denominator=10), NotStochasticError, "limit_denominator"),
    ("graph-weightless", lambda: Chain(nx.DiGraph([(0, 1), (1, 1)])), SpecError, "no 'weight'"),
    ("duplicate-states", lambda: Chain([[1, 0], [0, 1]], states=["a", "a"]), SpecError, "appears twice"),
    ("wrong-type", lambda: Chain("P"), SpecError, "not a transition matrix"),
]


@pytest.mark.parametrize("make,error,text", [b[1:] for b in BAD_INPUTS], ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_raises_named_error(make, error, text):
    with pytest.raises(error) as info:
        make()
    assert isinstance(info.value, ChainlabError)
    assert text in str(info.value)


def test_state_space_limit():
    with config.override(max_states=3):
        with pytest.raises(StateSpaceLimitError, match="over the limit of 3"):
            Chain.from_transitions(4, [(i, i, 1) for i in range(4)])


def test_all_constructors_agree():
    rows = [[1, 0, 0], [F(1, 4), F(1, 4), F(1, 2)], [0, 0, 1]]
    a = Chain(rows)
    b = Chain({0: {0: 1}, 1: {0: F(1, 4), 1: F(1, 4), 2: F(1, 2)}, 2: {2: 1}})
    c = Chain(np.array(rows, dtype=object))
    d = Chain(sp.csr_array(np.array([[4, 0, 0], [1, 1, 2], [0, 0, 4]])) / 4, limit_denominator=100)
    g = nx.DiGraph()
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if v:
                g.add_edge(i, j, weight=v)
    e = Chain(g, states=[0, 1, 2])
    f = Chain([["1", 0, 0], ["0.25", "0.25", "0.5"], [0, 0, "1"]])
    assert a == b == c == d == e == f
    assert a.to_networkx().edges[1, 2]["weight"] == F(1, 2)
    assert Chain(a.to_networkx()) == a
    assert a.to_dict()[1] == {0: F(1, 4), 1: F(1, 4), 2: F(1, 2)}


def test_decimal_strings_are_exact():
    c = Chain([["0.1", "0.9"], [0, 1]])
    assert c.probability(0, 0) == F(1, 10)


def test_float_P_is_correctly_rounded():
    c = Chain([[F(1, 3), F(2, 3)], [0, 1]])
    assert c.P[0, 0] == 1 / 3 and c.P[0, 1] == 2 / 3


def test_float_chain_and_mixed_auto():
    c = Chain([[0.25, 0.75], [0, 1]])
    assert not c.is_exact and c.probability(0, 1) == 0.75


def test_target_resolution():
    c = Chain([[1, 0], [0, 1]], states=["a", "b"], labels={"goal": ["b"]})
    assert c.target_indices("goal").tolist() == [1]
    assert c.target_indices("a").tolist() == [0]
    with pytest.raises(SpecError, match="neither a label"):
        c.target_indices("zzz")
