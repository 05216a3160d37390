"""The discretized GMM chain (docs/model.md): hand-computed laws, tie rules, structure.

``reference_law`` (``benchmarks/_reference_compiler.py``, loaded by ``tests/_references.py``)
restates the one-round rules of docs/model.md with Fractions, the obvious way, sharing no
code with :mod:`chainlab.models.gmm` (whose fast paths use integer kernels and memo keys);
``tests/test_compiler.py`` compiles chains with it.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction as F

import pytest

from chainlab.compiler import compile_model
from chainlab.errors import ExactnessError, SpecError
from chainlab.models import GMMAgents
from chainlab.structure import classify

from ._references import reference_law

# --------------------------------------------------------------------------- reference
# reference_law: benchmarks/_reference_compiler.py (Fractions, no code shared with chainlab)


def _count_vectors(K: int, r: int):
    return [c for c in itertools.product(range(r + 1), repeat=K) if sum(c) == r]


# --------------------------------------------------------------------------- hand-computed laws
def test_farthest_point_tie_evicts_by_count():
    """Agent A = (2, 0, 1) asks B = (0, 3, 0) (k = 1, no mirroring).

    x = 0 (2/3): B's temporary counts (1, 2, 0); y = 0 (1/3) evicts A's far label 2 -> (3, 0, 0);
    y = 1 (2/3): labels 0 and 2 are equally far from 1, evicted 2 : 1 by their counts ->
    (1, 1, 1) w.p. 2/3, (2, 1, 0) w.p. 1/3. x = 2 (1/3): temporary (0, 2, 1); y = 2 (1/3)
    evicts label 0 -> (1, 0, 2); y = 1 (2/3) as before.
    """
    m = GMMAgents(agents=2, components=3, memory=3, neighbours=1, initial=[(2, 0, 1), (0, 3, 0)])
    law = {a: F(int(q.p), int(q.q))
           for a, q in m.agent_distribution(((2, 0, 1), (0, 3, 0)), 0).items()}
    y1 = F(2, 3) * F(2, 3) + F(1, 3) * F(2, 3)
    assert law == {(3, 0, 0): F(2, 9), (1, 1, 1): y1 * F(2, 3), (2, 1, 0): y1 * F(1, 3),
                   (1, 0, 2): F(1, 9)}
    assert sum(law.values()) == 1


# own (2, 0, 0); others at squared distances 2, 8, 8, 2 (agents 1..4)
_KSET_AGENTS = ((2, 0, 0), (1, 1, 0), (0, 2, 0), (0, 0, 2), (1, 0, 1))


def _partner(ties: str, k: int, mirror=0) -> dict:
    m = GMMAgents(agents=5, components=3, memory=2, neighbours=k, mirror=mirror, ties=ties)
    return {a: F(int(q.p), int(q.q)) for a, q in m.partner_law(_KSET_AGENTS, 0).items()}


def test_kset_random_inclusion_probability():
    """k = 3: L = 2 agents strictly closer than the E = 2 at distance 8, each of which is in
    the k-set with probability (k - L)/E = 1/2; every member is the partner w.p. 1/3."""
    assert _partner("random", 3) == {(1, 1, 0): F(1, 3), (1, 0, 1): F(1, 3),
                                     (0, 2, 0): F(1, 6), (0, 0, 2): F(1, 6)}
    # k = 1: the two nearest (distance 2) are in with probability (1 - 0)/2
    assert _partner("random", 1) == {(1, 1, 0): F(1, 2), (1, 0, 1): F(1, 2)}
    # L + E <= k: everybody in
    assert _partner("random", 4) == {a: F(1, 4) for a in _KSET_AGENTS[1:]}
    # mirroring p = 1/2 halves the others and puts 1/2 on the own state
    assert _partner("random", 3, "1/2") == {(2, 0, 0): F(1, 2), (1, 1, 0): F(1, 6),
                                            (1, 0, 1): F(1, 6), (0, 2, 0): F(1, 12),
                                            (0, 0, 2): F(1, 12)}


def test_kset_index_ties_take_lowest_indices():
    """The k others with the smallest (distance, index): agents 1, 4 (distance 2), then 2."""
    assert _partner("index", 3) == {(1, 1, 0): F(1, 3), (1, 0, 1): F(1, 3), (0, 2, 0): F(1, 3)}
    assert _partner("index", 1) == {(1, 1, 0): F(1)}


@pytest.mark.parametrize("ties", ["random", "index"])
@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("mirror", [F(0), F(1, 3)])
def test_agent_law_matches_reference_on_all_joint_states(ties, k, mirror):
    """Every agent of every joint state of n = 4, K = 2, r = 2 (81 states), and a sample of
    n = 4, K = 3, r = 2: the fast paths (keys, integer kernels) give the reference law."""
    for K, step in ((2, 1), (3, 37)):
        m = GMMAgents(agents=4, components=K, memory=2, neighbours=k, mirror=mirror, ties=ties)
        states = list(itertools.product(_count_vectors(K, 2), repeat=4))[::step]
        for agents in states:
            keys = m.law_keys(agents)  # as the compiler calls it: keys, then laws
            for i in range(4):
                got = {a: F(int(q.p), int(q.q)) for a, q in m.agent_distribution(agents, i).items()}
                assert got == reference_law(agents, i, k, mirror, ties), (agents, i)
                den, nums = m.integer_distribution(agents, i)
                assert {a: F(v, den) for a, v in nums.items()} == got
            assert len(keys) == 4


def test_law_keys_are_exchangeable_for_random_ties():
    m = GMMAgents(agents=4, components=3, memory=2, neighbours=2, mirror="1/3")
    agents = ((2, 0, 0), (0, 1, 1), (1, 1, 0), (0, 1, 1))
    keys = m.law_keys(agents)
    for perm in itertools.permutations(range(4)):
        permuted = m.law_keys(tuple(agents[j] for j in perm))
        assert [permuted[perm.index(i)] for i in range(4)] == keys
    assert keys[1] == keys[3]


# --------------------------------------------------------------------------- chain structure
@pytest.mark.parametrize("params", [
    dict(agents=3, components=3, memory=1, neighbours=1),
    dict(agents=4, components=3, memory=1, neighbours=2, mirror="1/3"),
    dict(agents=3, components=2, memory=1, neighbours=2, ties="index"),
    dict(agents=4, components=4, memory=1, neighbours=3, initial=[0, 0, 1, 3]),
], ids=lambda d: "-".join(str(v) for v in d.values()))
@pytest.mark.parametrize("lumped", [True, False])
def test_memory_one_makes_every_state_absorbing(params, lumped):
    model = GMMAgents(**params)
    if lumped and not model.exchangeable:
        return
    cc = compile_model(model, lumped=lumped)
    assert cc.chain.num_states == 1
    assert list(cc.chain.transitions()) == [(0, 0, F(1))]
    # and from every joint state, not only the reachable ones
    K = params["components"]
    for agents in itertools.product(_count_vectors(K, 1), repeat=params["agents"]):
        for i in range(params["agents"]):
            law = model.agent_distribution(agents, i)
            assert list(law) == [agents[i]] and law[agents[i]] == 1


_STRUCTURE = [
    dict(agents=n, components=K, memory=r, neighbours=k, mirror=p, ties=t)
    for n, K, r in [(2, 2, 2), (3, 2, 2), (3, 3, 2), (4, 2, 2), (4, 3, 2), (3, 2, 3), (4, 2, 3),
                    (5, 2, 2)]
    for k in range(1, n)
    for p in ("0", "1/3")
    for t in ("random", "index")
    if not (n >= 4 and K == 3 and p != "0" and t == "index")
]


@pytest.mark.parametrize("params", _STRUCTURE, ids=lambda d: "-".join(str(v) for v in d.values()))
def test_closed_classes_are_pure_absorbing_states(params):
    """For r >= 2, every closed class is one absorbing state in which every agent is pure;
    with fewer than 2(k + 1) agents it has one silo (no polarization)."""
    model = GMMAgents(**params)
    cc = compile_model(model)
    structure = classify(cc.chain)
    labels = cc.chain.states.labels
    r, k, n = params["memory"], params["neighbours"], params["agents"]
    for cls in structure.closed_classes:
        assert len(cls) == 1
        state = labels[cls[0]]
        assert cc.chain.probability(state, state) == 1
        assert all(max(a) == r for a in state)
        if n < 2 * (k + 1):
            assert cc.num_silos[cls[0]] == 1


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize("kwargs, name", [
    (dict(agents=1), "agents"),
    (dict(agents=2.0), "agents"),
    (dict(agents=True), "agents"),
    (dict(components=0), "components"),
    (dict(components="3"), "components"),
    (dict(memory=0), "memory"),
    (dict(memory=None), "memory"),
    (dict(neighbours=0), "neighbours"),
    (dict(agents=3, neighbours=3), "neighbours"),
    (dict(mirror=2), "mirror"),
    (dict(mirror="-1/3"), "mirror"),
    (dict(mirror="a half"), "mirror"),
    (dict(ties="nearest"), "ties"),
    (dict(ties=None), "ties"),
    (dict(agents=2, initial=[0]), "initial"),
    (dict(agents=2, components=2, initial=[0, 2]), "initial"),
    (dict(agents=2, components=2, memory=2, initial=[(1, 0), (1, 1)]), "initial"),
    (dict(agents=2, components=2, memory=2, initial=[(1, 1, 0), (1, 1)]), "initial"),
    (dict(agents=2, components=2, memory=2, initial=[(-1, 3), (1, 1)]), "initial"),
], ids=lambda v: v if isinstance(v, str) else "-".join(f"{a}={b}" for a, b in v.items()))
def test_bad_arguments_raise_spec_error_naming_them(kwargs, name):
    with pytest.raises(SpecError, match=name):
        GMMAgents(**kwargs)


def test_float_mirror_is_an_exactness_error_naming_it():
    with pytest.raises(ExactnessError, match="mirror"):
        GMMAgents(mirror=0.2)


def test_describe_reports_the_tie_rule():
    d = GMMAgents(agents=3, components=2, memory=2, ties="index", mirror="1/5").describe()
    assert d["ties"] == "index" and d["mirror"] == "1/5"
    assert GMMAgents().num_agent_states() == math.comb(2 + 4 - 1, 4 - 1)
