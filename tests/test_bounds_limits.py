"""Claims LIM-1..3 (proofs/limits.md): ceilings of classes of lower bounds.

Each ceiling is checked against an independent computation: the exact round-1 law of the
compiled chain (every instance of a small range that compiles), an explicit enumeration of the
product of one-agent laws, the bounds of the class themselves (BND-5) and, for LIM-3, the
model's own one-agent laws in the shield state; plus Hypothesis over random instances.
"""

from __future__ import annotations

import functools
import itertools
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainlab.bounds import (
    closed_silos,
    movers_ceiling,
    restricted_bound,
    round_one_keep_probabilities,
    shield_state,
    state_ceiling,
)
from chainlab.bounds._limits import fewest_movers
from chainlab.compiler import compile_model
from chainlab.errors import SpecError, StateSpaceLimitError
from chainlab.models import GMMAgents

MIRRORS = (F(0), F(1, 5), F(2, 5))
# all-alone starts (agents <= components) that compile quickly, lumped and unlumped
ALONE = [(n, K, r, k, t, p) for n, K, r in ((2, 2, 2), (3, 3, 2), (3, 3, 3), (3, 4, 2),
                                            (4, 4, 2))
         for k in range(1, n) for t in ("random", "index") for p in MIRRORS]
# the default run: n <= 3 at p = 0 (under 20 s); ``-m slow`` runs the rest
FAST = [c for c in ALONE if c[0] <= 3 and c[5] == 0 and (c[2] == 2 or c[4] == "random")]


def _cases(cases):
    return [pytest.param(c, id=_id(c), marks=() if c in FAST else pytest.mark.slow)
            for c in cases]


def _id(c) -> str:
    n, K, r, k, t, p = c
    return f"n{n}K{K}r{r}k{k}-{t}-p{p}"


def _model(n, K, r, k, t, p, initial=None):
    return GMMAgents(agents=n, components=K, memory=r, neighbours=k, ties=t, mirror=p,
                     initial=initial)


@functools.lru_cache(maxsize=None)
def _round_one(c, lumped=None):
    """{state label: exact probability} of the compiled chain after one round from the start."""
    m = _model(*c)
    try:
        cc = compile_model(m, lumped=lumped, max_states=20_000)
    except StateSpaceLimitError:
        return None
    (start, w), = cc.chain.initial.items()
    assert w == 1
    labels = cc.chain.states.labels
    return {labels[j]: F(v) for i, j, v in cc.chain.transitions() if i == start}


def _product_law(m):
    """The round-1 law of ordered joint states, by explicit enumeration of one-agent laws."""
    start = m.initial_agents()
    laws = [[(s, F(str(v))) for s, v in m.agent_distribution(start, i).items()]
            for i in range(m.num_agents)]
    out = {}
    for combo in itertools.product(*laws):
        w = F(1)
        for _, v in combo:
            w *= v
        out[tuple(s for s, _ in combo)] = w
    return out


# --------------------------------------------------------------------------- LIM-1
@pytest.mark.parametrize("c", _cases(ALONE))
def test_LIM_1(c):
    m = _model(*c)
    n, r, p = m.num_agents, m.memory, c[5]
    # every agent alone on its label keeps with probability p + (1 - p)/r, whatever the ties
    assert round_one_keep_probabilities(m) == (p + (1 - p) / r,) * n
    # the ceiling is the law of the number of movers in the compiled chain's first round
    law = _round_one(c, lumped=False)
    start = m.initial_agents()
    movers = [F(0)] * (n + 1)
    for x, w in law.items():
        movers[sum(a != b for a, b in zip(x, start))] += w
    for j in range(n + 1):
        assert movers_ceiling(m, j) == sum(movers[:j + 1], F(0))
    assert movers_ceiling(m, n) == 1
    # BND-5 with max_mixed = j is a bound of the class (non-split start, r >= 2)
    for j in range(n + 1):
        assert restricted_bound(m, max_mixed=j).value <= movers_ceiling(m, j)


@given(st.integers(2, 3), st.integers(1, 4), st.integers(2, 3), st.data())
@settings(max_examples=25, deadline=None)
def test_LIM_1_random_starts(n, K, r, data):
    k = data.draw(st.integers(1, n - 1))
    t = data.draw(st.sampled_from(["random", "index"]))
    p = data.draw(st.sampled_from(MIRRORS))
    init = data.draw(st.lists(st.integers(0, K - 1), min_size=n, max_size=n))
    m = _model(n, K, r, k, t, p, initial=init)
    law = _product_law(m)
    start = m.initial_agents()
    for j in range(n + 1):
        want = sum((w for x, w in law.items() if sum(a != b for a, b in zip(x, start)) <= j),
                   F(0))
        assert movers_ceiling(m, j) == want
    if closed_silos(start, neighbours=k).__len__() < 2:
        for j in range(n + 1):
            assert restricted_bound(m, max_mixed=j).value <= movers_ceiling(m, j)


def test_LIM_1_paper_scale_numbers_and_errors():
    m = _model(30, 30, 5, 1, "random", F(0))
    assert movers_ceiling(m, 20) < F(1, 10) <= movers_ceiling(m, 21)
    assert fewest_movers(m, "1/10") == 21
    assert fewest_movers(_model(30, 30, 5, 1, "index", F(2, 5)), "1/10") == 11
    with pytest.raises(SpecError, match="r >= 2"):
        movers_ceiling(_model(3, 3, 1, 1, "random", F(0)), 1)
    with pytest.raises(SpecError, match="p < 1"):
        movers_ceiling(_model(3, 3, 2, 1, "random", F(1)), 1)
    with pytest.raises(SpecError, match="max_movers"):
        movers_ceiling(m, 31)


# --------------------------------------------------------------------------- LIM-2
@pytest.mark.parametrize("c", _cases([c for c in ALONE if c[4] == "index" or c[2] >= 3]))
def test_LIM_2(c):
    m = _model(*c)
    law = _round_one(c)  # lumped for random ties (r >= 3), ordered for index ties
    assert law is not None
    assert sum(law.values()) == 1
    assert max(law.values()) == state_ceiling(m)
    # the unlumped chain has the same largest probability
    assert max(_round_one(c, lumped=False).values()) == state_ceiling(m)


@given(st.integers(2, 4), st.integers(2, 3), st.data())
@settings(max_examples=30, deadline=None)
def test_LIM_2_random_instances(n, r, data):
    K = data.draw(st.integers(n, n + 2))
    k = data.draw(st.integers(1, n - 1))
    t = data.draw(st.sampled_from(["random", "index"]))
    p = data.draw(st.sampled_from(MIRRORS))
    m = _model(n, K, r, k, t, p)
    if t == "random" and r < 3:
        with pytest.raises(SpecError, match="r >= 3"):
            state_ceiling(m)
        return
    law = _product_law(m)
    assert max(law.values()) == state_ceiling(m)
    # a listing bound over any N round-1 states is at most N times the ceiling
    top = sorted(law.values(), reverse=True)
    for N in range(1, len(top) + 1):
        assert sum(top[:N]) <= N * state_ceiling(m)


def test_LIM_2_refuses_outside_its_assumptions():
    with pytest.raises(SpecError, match="label no other agent holds"):
        state_ceiling(_model(4, 3, 3, 1, "index", F(0)))
    with pytest.raises(SpecError, match="r >= 3"):
        state_ceiling(_model(4, 4, 2, 1, "random", F(0)))
    assert state_ceiling(_model(30, 30, 5, 1, "random", F(0))) == F(1, 5) ** 30
    assert state_ceiling(_model(30, 30, 5, 1, "index", F(0))) == F(4, 5) ** 30


# --------------------------------------------------------------------------- LIM-3
def _groups(m):
    for g in range(1, m.num_agents):
        for G in itertools.combinations(range(m.num_agents), g):
            yield G


def _check_shield(m, G):
    s = shield_state(m, G)
    k = m.neighbours
    assert [s[i] for i in G] == [m.initial_agents()[i] for i in G]
    assert closed_silos(s, neighbours=k) == {}
    for i in G:  # every member keeps its counts with probability 1, by the model's own law
        law = m.agent_distribution(s, i)
        assert {a: str(v) for a, v in law.items()} == {s[i]: "1"}
    return s


@pytest.mark.parametrize("n,K,r", [(3, 3, 2), (4, 4, 2), (4, 5, 3), (5, 3, 2),
                                   pytest.param(5, 5, 2, marks=pytest.mark.slow),
                                   pytest.param(6, 4, 3, marks=pytest.mark.slow)])
@pytest.mark.parametrize("t", ["random", "index"])
@pytest.mark.parametrize("p", MIRRORS)
def test_LIM_3(n, K, r, t, p):
    for k in range(1, n):
        m = _model(n, K, r, k, t, p)
        start = m.initial_agents()
        for G in _groups(m):
            count = {}
            for i in G:
                count[start[i].index(r)] = count.get(start[i].index(r), 0) + 1
            need = sum(k - g + 1 for g in count.values())
            ok = max(count.values()) <= k and len(count) < K and n - len(G) >= need
            if ok:
                s = _check_shield(m, G)
                # the frozen state is a fixed point of the group: one more round changes nothing
                for i in G:
                    assert m.agent_distribution(s, i)[s[i]] == 1
            else:
                with pytest.raises(SpecError):
                    shield_state(m, G)


def test_LIM_3_alone_start_group_sizes():
    # agents alone on their labels: a group of g is frozen exactly when g (k + 1) <= n
    for k, g_max in ((1, 15), (2, 10), (5, 5), (10, 2)):
        m = _model(30, 30, 5, k, "index", F(0))
        _check_shield(m, range(g_max))
        with pytest.raises(SpecError, match="outside the group"):
            shield_state(m, range(g_max + 1))
    with pytest.raises(SpecError, match="r >= 2"):
        shield_state(_model(3, 3, 1, 1, "random", F(0)), [0])
    with pytest.raises(SpecError, match="agent indices"):
        shield_state(_model(3, 3, 2, 1, "random", F(0)), [5])


@given(st.integers(2, 6), st.integers(2, 5), st.integers(2, 4), st.data())
@settings(max_examples=60, deadline=None)
def test_LIM_3_random_instances(n, K, r, data):
    k = data.draw(st.integers(1, n - 1))
    t = data.draw(st.sampled_from(["random", "index"]))
    p = data.draw(st.sampled_from(MIRRORS))
    init = data.draw(st.lists(st.integers(0, K - 1), min_size=n, max_size=n))
    m = _model(n, K, r, k, t, p, initial=init)
    G = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    try:
        s = shield_state(m, G)
    except SpecError:
        return
    _check_shield(m, sorted(G))
    # the agents outside the group are never pure, so no label ever has a closed silo
    assert all(max(s[i]) < r for i in range(n) if i not in G)
