"""Claims POL-1..3, SIL-1, BND-1..5 (proofs/polarization.md, proofs/bounds.md), checked exactly
on every instance of the exhaustive range that compiles, plus Hypothesis over random instances;
check_bound verdicts; the chain simulator against exact values; the paper-scale study.

The exhaustive range is every n <= 5, K <= 3, r <= 3, k <= n - 1, both tie rules and
p in {0, 1/5, 1/2, 1}, compiled up to ``MAX_STATES`` states (instances above it are skipped, and
listed by ``test_exhaustive_range_is_mostly_compilable``). The default run checks the part with
n <= 4, r <= 2 and p in {0, 1/5, 1} (``FAST``); ``-m slow`` runs the rest.
"""

from __future__ import annotations

import functools
import itertools
from fractions import Fraction as F

import numpy as np
import pytest
from flint import fmpq
from hypothesis import given, settings
from hypothesis import strategies as st

from chainlab import Chain, exact
from chainlab.bounds import (
    BoundResult,
    check_bound,
    check_bounds,
    closed_silos,
    fate_of_initial_state,
    is_split,
    most_likely_path_bound,
    path_family_bound,
    reachability_bound,
    restricted_bound,
    sequence_bound,
    simulate_split,
    split_from_labels,
    split_from_weights,
    split_reachability_bound,
    split_states,
    trap_bound,
)
from chainlab.bounds._gmm import _contact_weights, _seq_factors
from chainlab.compiler import compile_model
from chainlab.errors import SpecError, StateSpaceLimitError
from chainlab.models import GMMAgents
from chainlab.polarization import class_kinds, polarization
from chainlab.strategies import gmm_instances, reducible_chains
from chainlab.structure import can_reach, classify

MAX_STATES = 1500
MIRRORS = (F(0), F(1, 5), F(1, 2), F(1))
ALL = [(n, K, r, k, t, p) for n in range(2, 6) for K in range(1, 4) for r in range(1, 4)
       for k in range(1, n) for t in ("random", "index") for p in MIRRORS]
FAST = [c for c in ALL if c[0] <= 4 and c[2] <= 2 and c[5] != F(1, 2)]
SLOW = [c for c in ALL if c not in FAST]
# instances where polarization is neither impossible nor certain, with fast exact solves
NONTRIVIAL = [(4, 3, 2, 1), (4, 3, 3, 1), (4, 4, 2, 1), (5, 4, 2, 1), (6, 3, 2, 2), (7, 3, 2, 2)]


def _id(c) -> str:
    n, K, r, k, t, p = c
    return f"n{n}K{K}r{r}k{k}-{t}-p{p}"


@functools.lru_cache(maxsize=None)
def _compiled(n, K, r, k, ties, p, initial=None, lumped=None):
    m = GMMAgents(agents=n, components=K, memory=r, neighbours=k, ties=ties, mirror=p,
                  initial=initial)
    try:
        return m, compile_model(m, lumped=lumped, max_states=MAX_STATES)
    except StateSpaceLimitError:
        return m, None


def _get(c, lumped=None):
    m, cc = _compiled(*c, lumped=lumped)
    if cc is None:
        pytest.skip(f"more than {MAX_STATES} states")
    return m, cc


@functools.lru_cache(maxsize=None)
def _exact_pol(n, K, r, k, ties, p) -> F:
    m, cc = _compiled(n, K, r, k, ties, p)
    if cc is None:
        pytest.skip(f"more than {MAX_STATES} states")
    return F(polarization(cc).polarization_probability)


def _pure(a, r):
    return max(a) == r


# --------------------------------------------------------------------------- POL-1
def _check_pol1(m: GMMAgents, cc) -> None:
    k, r = m.neighbours, m.memory
    ch = cc.chain
    silos = [closed_silos(x, neighbours=k) for x in ch.states.labels]
    for i, j, q in ch.transitions():
        sil = silos[i]
        if not sil:
            continue
        x, y = ch.states.label_of(i), ch.states.label_of(j)
        if cc.lumped:  # multisets: no closed silo loses a member
            for a, size in sil.items():
                assert sum(1 for b in y if _pure(b, r) and b[a] == r) >= size
        else:  # ordered agents: every member is unchanged
            for pos, b in enumerate(x):
                if _pure(b, r) and b.index(r) in sil:
                    assert y[pos] == b


def _check_pol1_case(c):
    m, cc = _get(c)
    _check_pol1(m, cc)
    if m.exchangeable and cc.chain.num_states < 100:
        _check_pol1(*_get(c, lumped=False))


@pytest.mark.parametrize("c", FAST, ids=_id)
def test_POL_1(c):
    _check_pol1_case(c)


@pytest.mark.slow
@pytest.mark.parametrize("c", SLOW, ids=_id)
def test_POL_1_slow(c):
    _check_pol1_case(c)


@settings(max_examples=25)
@given(gmm_instances(max_agents=4, max_components=3, max_memory=2))
def test_POL_1_random_instances(m):
    cc = compile_model(m, max_states=MAX_STATES)
    _check_pol1(m, cc)


# --------------------------------------------------------------------------- POL-2
def _check_pol2_case(m, cc):
    n, r, k = m.num_agents, m.memory, m.neighbours
    p = F(str(m.describe()["mirror"]))
    if r < 2 or p >= 1:
        return
    ch = cc.chain
    st_ = classify(ch)
    kinds = class_kinds(cc)
    if n < 2 * (k + 1):
        assert set(kinds) == {"consensus"}
    bad = [s for c, kd in zip(st_.closed_classes, kinds) if kd != "consensus" for s in c]
    reach_bad = can_reach(ch, np.asarray(bad, dtype=np.int64)) if bad \
        else np.zeros(ch.num_states, dtype=bool)
    for i, x in enumerate(ch.states.labels):
        sil = closed_silos(x, neighbours=k)
        if sil and max(sil.values()) >= n - k:
            assert not reach_bad[i], x
    if fate_of_initial_state(m) == "consensus":
        assert not reach_bad[0]


@pytest.mark.parametrize("c", FAST, ids=_id)
def test_POL_2(c):
    _check_pol2_case(*_get(c))


@pytest.mark.slow
@pytest.mark.parametrize("c", SLOW, ids=_id)
def test_POL_2_slow(c):
    _check_pol2_case(*_get(c))


@settings(max_examples=25)
@given(gmm_instances(max_agents=5, max_components=3, max_memory=2))
def test_POL_2_random_starts(m):
    try:
        cc = compile_model(m, max_states=MAX_STATES)
    except StateSpaceLimitError:
        return
    _check_pol2_case(m, cc)


def test_POL_2_exact_zero_on_the_nontrivial_sizes():
    for n, K, r, k in [(3, 3, 3, 1), (5, 3, 2, 2), (4, 4, 2, 2)]:
        m, cc = _compiled(n, K, r, k, "random", F(0))
        assert polarization(cc).polarization_probability == 0
        assert fate_of_initial_state(m) == "consensus"


# --------------------------------------------------------------------------- POL-3
def _check_pol3_case(m, cc):
    r, k = m.memory, m.neighbours
    p = F(str(m.describe()["mirror"]))
    ch = cc.chain
    st_ = classify(ch)
    if r == 1:
        assert len(st_.absorbing) == ch.num_states
        return
    if p >= 1:
        return
    assert all(len(c) == 1 for c in st_.closed_classes)
    absorbing = set(st_.absorbing)
    for i, x in enumerate(ch.states.labels):
        groups: dict[int, int] = {}
        if all(_pure(a, r) for a in x):
            for a in x:
                groups[a.index(r)] = groups.get(a.index(r), 0) + 1
            expected = min(groups.values()) >= k + 1
        else:
            expected = False
        assert (i in absorbing) == expected, x


@pytest.mark.parametrize("c", FAST, ids=_id)
def test_POL_3(c):
    _check_pol3_case(*_get(c))


@pytest.mark.slow
@pytest.mark.parametrize("c", SLOW, ids=_id)
def test_POL_3_slow(c):
    _check_pol3_case(*_get(c))


@settings(max_examples=25)
@given(gmm_instances(max_agents=4, max_components=3, max_memory=3))
def test_POL_3_random_instances(m):
    try:
        cc = compile_model(m, max_states=MAX_STATES)
    except StateSpaceLimitError:
        return
    _check_pol3_case(m, cc)


# --------------------------------------------------------------------------- SIL-1
def _check_sil1_case(m, cc, solve: bool):
    r = m.memory
    p = F(str(m.describe()["mirror"]))
    ch = cc.chain
    split = {ch.states.index_of(s) for s in split_states(cc)}
    for i, j, q in ch.transitions():  # (a) closed set
        if i in split:
            assert j in split
    st_ = classify(ch)
    kinds = class_kinds(cc)
    for c, kd in zip(st_.closed_classes, kinds):
        if split & set(c):
            assert kd == "polarized"
        if kd == "polarized" and r >= 2 and p < 1:  # (b) polarized classes are split
            assert set(c) <= split
    if split and r >= 2 and p < 1:
        res = polarization(cc)
        assert split <= set(res.no_return.tolist())
        if solve:
            h = exact.hitting(ch, [ch.states.label_of(i) for i in sorted(split)])
            assert h.initial_probability == res.polarization_probability


@pytest.mark.parametrize("c", FAST, ids=_id)
def test_SIL_1(c):
    m, cc = _get(c)
    _check_sil1_case(m, cc, solve=cc.chain.num_states <= 300)


@pytest.mark.slow
@pytest.mark.parametrize("c", SLOW, ids=_id)
def test_SIL_1_slow(c):
    m, cc = _get(c)
    _check_sil1_case(m, cc, solve=cc.chain.num_states <= 600)


@st.composite
def _count_states(draw):
    n = draw(st.integers(2, 6))
    K = draw(st.integers(1, 4))
    r = draw(st.integers(1, 4))
    k = draw(st.integers(1, n - 1))
    labels = np.array(draw(st.lists(st.lists(st.integers(0, K - 1), min_size=r, max_size=r),
                                    min_size=n, max_size=n)))
    # bias towards pure agents so that closed silos actually occur
    pure = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    for i in range(n):
        if pure[i]:
            labels[i] = labels[i, 0]
    return labels, K, k


@given(_count_states())
def test_SIL_1_label_and_count_readouts_agree(case):
    labels, K, k = case
    counts = [tuple(int((row == c).sum()) for c in range(K)) for row in labels]
    assert split_from_labels(labels[None], neighbours=k, components=K)[0] == \
        is_split(counts, neighbours=k)
    # the weight read-out of the continuous model: canonical pure vectors
    eps = 1e-12
    w = np.array([[1 - (K - 1) * eps if c == row[0] else eps for c in range(K)]
                  if (row == row[0]).all() else [1.0 / K] * K for row in labels])
    if K > 1:
        assert split_from_weights(w[None], neighbours=k)[0] == is_split(counts, neighbours=k)


def test_split_readouts_validate_input():
    with pytest.raises(SpecError, match=r"shape \(runs, n, r\)"):
        split_from_labels(np.zeros((2, 3)), neighbours=1)
    with pytest.raises(SpecError, match="components=2"):
        split_from_labels(np.full((1, 2, 2), 3), neighbours=1, components=2)
    with pytest.raises(SpecError, match="same positive number"):
        closed_silos([(2, 0), (1, 0)], neighbours=1)
    with pytest.raises(SpecError, match="neighbours"):
        is_split([(1,)], neighbours=0)


# --------------------------------------------------------------------------- BND-1
@given(reducible_chains(max_transient=5), st.integers(0, 50), st.integers(0, 12))
def test_BND_1(c, t, L):
    if c.initial is None:
        c = c.with_initial(0)
    target = [c.states.label_of(t % c.num_states)]
    b = reachability_bound(c, target, L)
    seq = b.details["by_horizon"]
    assert all(u <= v for u, v in zip(seq, seq[1:]))
    assert b.value == seq[-1] <= exact.hitting(c, target).initial_probability


@pytest.mark.parametrize("size", NONTRIVIAL[:4], ids=str)
def test_BND_1_split_reachability_converges_to_the_exact_value(size):
    m, cc = _compiled(*size, "random", F(0))
    exact_value = _exact_pol(*size, "random", F(0))
    b = split_reachability_bound(cc, 60)
    seq = b.details["by_horizon"]
    assert all(u <= v for u, v in zip(seq, seq[1:])) and seq[-1] <= exact_value
    assert exact_value - seq[-1] < F(1, 10**4)
    # reaching the split states is earlier than reaching the polarized absorbing states
    pol = [cc.chain.states.label_of(s) for c, kd in zip(polarization(cc).closed_classes,
                                                      polarization(cc).kinds)
           if kd == "polarized" for s in c]
    assert reachability_bound(cc.chain, pol, 5).value <= split_reachability_bound(cc, 5).value


# --------------------------------------------------------------------------- BND-2
def _leader_follower_paths(cc):
    """The prototype's 12 paths for n = K = 4, r = 2, k = 1: two followers take their
    leaders' labels in two rounds while the leaders stay."""
    pure = [tuple(2 if c == i else 0 for c in range(4)) for i in range(4)]
    paths = []
    for (f1, l1), (f2, l2) in itertools.permutations(itertools.permutations(range(4), 2), 2):
        if len({f1, l1, f2, l2}) < 4 or (f1, l1) > (f2, l2):
            continue
        mix = [tuple(1 if c in (f, lead) else 0 for c in range(4)) for f, lead in
               ((f1, l1), (f2, l2))]
        y1 = tuple(sorted([pure[l1], pure[l2], *mix]))
        z2 = tuple(sorted([pure[l1], pure[l1], pure[l2], pure[l2]]))
        paths.append([cc.chain.states.label_of(0), y1, z2])
    return paths


def test_BND_2():
    m, cc = _compiled(4, 4, 2, 1, "random", F(0))
    split = split_states(cc)
    paths = _leader_follower_paths(cc)
    assert len(paths) == 12
    for path in paths:
        assert path_family_bound(cc.chain, [path], split).value == F(1, 256)
    fam = path_family_bound(cc.chain, paths, split)
    assert fam.value == F(3, 64) <= _exact_pol(4, 4, 2, 1, "random", F(0))
    best = most_likely_path_bound(cc.chain, split)
    assert best.value == F(1, 256) and best.horizon == 2
    with pytest.raises(SpecError, match="repeats"):
        path_family_bound(cc.chain, [paths[0], paths[0]], split)
    with pytest.raises(SpecError, match="first-entry"):
        path_family_bound(cc.chain, [paths[0][:2]], split)
    with pytest.raises(SpecError, match="no transition"):
        path_family_bound(cc.chain, [[paths[0][0], paths[0][2]]], split)


@given(reducible_chains(max_transient=5), st.integers(0, 50))
def test_BND_2_most_likely_path_on_random_chains(c, t):
    if c.initial is None:
        c = c.with_initial(0)
    target = [c.states.label_of(t % c.num_states)]
    b = most_likely_path_bound(c, target)
    assert b.value <= exact.hitting(c, target).initial_probability
    if b.value:
        assert path_family_bound(c, [b.details["path"]], target).value == b.value


# --------------------------------------------------------------------------- BND-3
@pytest.mark.parametrize("size", NONTRIVIAL[:3], ids=str)
def test_BND_3(size):
    m, cc = _compiled(*size, "index", F(1, 5))
    split = split_states(cc)
    exact_value = _exact_pol(*size, "index", F(1, 5))
    assert trap_bound(cc, split).value == exact_value  # SIL-1: the split trap is exact
    b = trap_bound(cc, split, horizon=4)
    assert b.value <= exact_value and b.horizon == 4
    cons = [s for s in cc.chain.states.labels if len({a.index(max(a)) for a in s}) == 1
            and all(max(a) == m.memory for a in s)]
    with pytest.raises(SpecError, match="consensus closed class"):
        trap_bound(cc, cons)
    not_closed = [s for s in cc.chain.states.labels if not is_split(s, neighbours=1)][:1]
    with pytest.raises(SpecError, match="not closed"):
        trap_bound(cc, not_closed)


@pytest.mark.parametrize("horizon", [None, 3])
def test_BND_3_needs_an_initial_distribution(horizon):
    # A chain without an initial distribution used to fail with a TypeError after the solve
    # (Fraction(None), or iterating over None); now a SpecError naming the fix, and initial=...
    # gives the value: from 1, the trap {2, 3} is reached with probability 1/2 / (1 - 1/4).
    h, q = "1/2", "1/4"
    c = Chain([[1, 0, 0, 0], [q, q, h, 0], [0, 0, h, h], [0, 0, 0, 1]])
    with pytest.raises(SpecError, match="no initial distribution; pass initial="):
        trap_bound(c, [2, 3], num_silos=[1, 2, 2, 2], horizon=horizon)
    b = trap_bound(c, [2, 3], num_silos=[1, 2, 2, 2], horizon=horizon, initial=1)
    # within L = 3 steps: 1/2 (1 + 1/4 + 1/16) = 21/32
    assert b.value == (F(2, 3) if horizon is None else F(21, 32))


# --------------------------------------------------------------------------- BND-4
def _check_bnd4_case(c, solve: bool):
    n, K, r, k, t, p = c
    m = GMMAgents(agents=n, components=K, memory=r, neighbours=k, ties=t, mirror=p)
    if r < 2 or p >= 1:
        with pytest.raises(SpecError, match="memory >= 2|mirror < 1"):
            sequence_bound(m)
        return
    try:
        b = sequence_bound(m)
    except SpecError as exc:
        assert t == "index" and "no plan" in str(exc)
        return
    fate = fate_of_initial_state(m)
    if fate is not None:
        assert b.value == (1 if fate == "polarized" else 0)
        return
    _, cc = _compiled(*c)
    if cc is not None and solve:
        ex = _exact_pol(*c)
        assert b.value <= ex
        if t == "random":
            assert (b.value > 0) == (ex > 0)


@pytest.mark.parametrize("c", FAST, ids=_id)
def test_BND_4(c):
    _check_bnd4_case(c, solve=True)


@pytest.mark.slow
@pytest.mark.parametrize("c", SLOW, ids=_id)
def test_BND_4_slow(c):
    _check_bnd4_case(c, solve=True)


@pytest.mark.parametrize("size", NONTRIVIAL, ids=str)
@pytest.mark.parametrize("ties", ["random", "index"])
def test_BND_4_below_exact_on_nontrivial_instances(size, ties):
    for p in (F(0), F(2, 5)):
        m = GMMAgents(*size, mirror=p, ties=ties)
        try:
            b = sequence_bound(m)
        except SpecError:
            assert ties == "index"
            continue
        assert 0 < b.value <= _exact_pol(*size, ties, p)


@pytest.mark.parametrize("size", [(4, 4, 2, 1), (5, 3, 3, 1), (6, 3, 3, 1), (4, 2, 3, 1)],
                         ids=str)
@pytest.mark.parametrize("ties", ["random", "index"])
@pytest.mark.parametrize("p", [F(0), F(1, 3)], ids=["p0", "p1/3"])
def test_BND_4_round_one_factors_are_the_models_exact_laws(size, ties, p):
    n, K, r, k = size
    m = GMMAgents(agents=n, components=K, memory=r, neighbours=k, ties=ties, mirror=p)
    x0 = m.initial_agents()
    labels = [a.index(r) for a in x0]
    sizes = {c: labels.count(c) for c in set(labels)}
    seed_first, _, _ = _seq_factors(n, r, k, p)
    omega = _contact_weights(labels, k, ties)
    for i, c in enumerate(labels):
        law = m.agent_distribution(x0, i)
        assert F(int(law[x0[i]].p), int(law[x0[i]].q)) == seed_first(sizes[c])
        for t in sizes:
            if t == c:
                continue
            conv = tuple((r - 1) if d == c else 1 if d == t else 0 for d in range(K))
            got = law.get(conv, fmpq(0))
            want = (1 - p) * omega.get((c, t), 0) * F(r - 1, r)
            assert F(int(got.p), int(got.q)) == want


@st.composite
def _later_round_states(draw):
    n = draw(st.integers(2, 6))
    K = draw(st.integers(2, 4))
    r = draw(st.integers(2, 4))
    k = draw(st.integers(1, n - 1))
    p = draw(st.sampled_from([F(0), F(1, 5), F(1, 2)]))
    ties = draw(st.sampled_from(["random", "index"]))
    others = [tuple(draw(st.lists(st.integers(0, K - 1), min_size=r, max_size=r)))
              for _ in range(n)]
    agents = [tuple(lab.count(c) for c in range(K)) for lab in others]
    return n, K, r, k, p, ties, agents, draw(st.integers(0, 10**6))


@given(_later_round_states())
def test_BND_4_later_round_factors_are_lower_bounds(case):
    n, K, r, k, p, ties, agents, seed = case
    rnd = np.random.default_rng(seed)
    _, seed_later, _ = _seq_factors(n, r, k, p)
    a = int(rnd.integers(K))
    s = int(rnd.integers(1, n + 1))
    state = [tuple(r if c == a else 0 for c in range(K)) if i < s else agents[i]
             for i in range(n)]
    m = GMMAgents(agents=n, components=K, memory=r, neighbours=k, ties=ties, mirror=p,
                  initial=state)
    stay = m.agent_distribution(tuple(state), 0).get(tuple(state[0]), fmpq(0))
    assert F(int(stay.p), int(stay.q)) >= seed_later(s)
    # a converter (r - m) e_c + m e_t gains a t point with probability >= rho(m)
    c, t = rnd.choice(K, size=2, replace=False)
    mm = int(rnd.integers(1, r))
    conv = tuple((r - mm) if d == c else mm if d == t else 0 for d in range(K))
    state[0] = conv
    m = GMMAgents(agents=n, components=K, memory=r, neighbours=k, ties=ties, mirror=p,
                  initial=state)
    nxt = tuple((r - mm - 1) if d == c else mm + 1 if d == t else 0 for d in range(K))
    got = m.agent_distribution(tuple(state), 0).get(nxt, fmpq(0))
    rho = p * F(mm * (mm + 1) + (r - mm) * (mm - 1), r * r) + (1 - p) * F(mm, r * r)
    assert F(int(got.p), int(got.q)) >= rho


def test_BND_4_paper_scale_plan_and_dependence_on_p():
    values = [sequence_bound(GMMAgents(agents=30, components=30, memory=5, neighbours=2,
                                       mirror=p)).value for p in (F(0), F(1, 5), F(2, 5))]
    assert 0 < values[0] < values[1] < values[2]
    b = sequence_bound(GMMAgents(agents=30, components=30, memory=5, neighbours=1,
                                 ties="index"))
    # k = 1, all alone, index order: the "crossed" plan (agent 0 joins agent 1's label)
    assert b.value > 0 and b.details["plan"]["seeds"] == ((), (1,))
    assert (0, 0, 1) in b.details["plan"]["converters"]


def test_BND_4_refuses_outside_its_assumptions():
    with pytest.raises(SpecError, match="memory >= 2"):
        sequence_bound(GMMAgents(agents=4, components=4, memory=1, neighbours=1))
    with pytest.raises(SpecError, match="mirror < 1"):
        sequence_bound(GMMAgents(agents=4, components=4, memory=2, neighbours=1, mirror=1))
    with pytest.raises(SpecError, match="pure at the start"):
        sequence_bound(GMMAgents(agents=4, components=2, memory=2, neighbours=1,
                                 initial=[(1, 1), 0, 0, 1]))
    with pytest.raises(SpecError, match="no plan.*restricted_bound"):
        sequence_bound(GMMAgents(agents=4, components=3, memory=2, neighbours=1, ties="index"))
    with pytest.raises(SpecError, match="GMMAgents"):
        sequence_bound("model")


# --------------------------------------------------------------------------- BND-5
def _check_bnd5_case(c):
    n, K, r, k, t, p = c
    m, cc = _get(c)
    if cc.chain.num_states > 400:
        pytest.skip("exact solve too slow for the default run")
    values = [restricted_bound(m, max_mixed=j).value for j in range(0, n + 1)]
    assert all(u <= v for u, v in zip(values, values[1:]))
    ex = _exact_pol(*c)
    assert values[-1] <= ex
    if r >= 2 and p < 1:
        assert values[-1] == ex


@pytest.mark.parametrize("c", [c for c in FAST if c[2] >= 2 and c[5] in (F(0), F(1, 2))],
                         ids=_id)
def test_BND_5(c):
    _check_bnd5_case(c)


@pytest.mark.slow
@pytest.mark.parametrize("c", [c for c in SLOW if c[2] >= 2], ids=_id)
def test_BND_5_slow(c):
    _check_bnd5_case(c)


@pytest.mark.parametrize("size", NONTRIVIAL, ids=str)
def test_BND_5_lumped_and_unlumped_agree(size):
    m = GMMAgents(*size, mirror=F(1, 5))
    if size[0] > 5:
        pytest.skip("unlumped sub-chain too large for the default run")
    a = restricted_bound(m, max_mixed=1)
    b = restricted_bound(m, max_mixed=1, lumped=False)
    assert a.value == b.value and a.details["num_states"] <= b.details["num_states"]


def test_BND_5_within_a_factor_two_on_small_nontrivial_instances():
    _check_factor_two(NONTRIVIAL[:3])


@pytest.mark.slow
def test_BND_5_within_a_factor_two_on_the_nontrivial_instances():
    _check_factor_two(NONTRIVIAL)


def _check_factor_two(sizes):
    for size in sizes:
        for ties in ("random", "index"):
            m = GMMAgents(*size, ties=ties)
            b = restricted_bound(m, max_mixed=2).value
            assert 2 * b >= _exact_pol(*size, ties, F(0)) >= b


def test_BND_5_refuses_bad_arguments():
    m = GMMAgents(agents=4, components=3, memory=2, neighbours=1)
    with pytest.raises(SpecError, match="max_mixed"):
        restricted_bound(m, max_mixed=5)
    with pytest.raises(StateSpaceLimitError, match="lower max_mixed"):
        restricted_bound(GMMAgents(agents=4, components=4, memory=2, neighbours=1),
                         max_states=10)
    with pytest.raises(SpecError, match="initial state has 1 mixed"):
        restricted_bound(GMMAgents(agents=4, components=2, memory=2, neighbours=1,
                                   initial=[(1, 1), 0, 0, 1]), max_mixed=0)
    with pytest.raises(SpecError, match="ties='index'"):
        restricted_bound(GMMAgents(agents=4, components=3, memory=2, neighbours=1,
                                   ties="index"), lumped=True)


# --------------------------------------------------------------------------- check_bound
def test_check_bound_verdicts():
    m = GMMAgents(agents=4, components=3, memory=2, neighbours=1)
    good = restricted_bound(m, max_mixed=1)
    chk = check_bound(good, m, num_samples=2000, rng=np.random.default_rng(3))
    assert chk.verdict == "consistent" and chk.exact == _exact_pol(4, 3, 2, 1, "random", F(0))
    assert chk.margin == pytest.approx(float(chk.exact - good.value))
    assert chk.estimate.contains(chk.exact)
    fake = BoundResult("too big", F(1, 2), claim="none", assumptions="none", horizon=3,
                       parameters=m.describe())
    bad = check_bound(fake, m, num_samples=0)
    assert bad.verdict == "violated" and bad.margin < 0 and "exact" in bad.reason
    # without an exact value: the simulation decides
    by_sim = check_bound(fake, m, num_samples=2000, rng=0, max_states=5)
    assert by_sim.exact is None and by_sim.verdict == "violated"
    ok_sim = check_bound(good, m, num_samples=500, rng=0, max_states=5)
    assert ok_sim.verdict == "consistent" and ok_sim.margin > 0
    nothing = check_bound(good, m, num_samples=0, max_states=5)
    assert nothing.verdict == "inconclusive" and "nothing to compare" in nothing.reason
    # truncated runs cannot refute a bound on eventual polarization
    eventual = BoundResult("eventual", F(1, 2), claim="none", assumptions="none",
                           parameters=m.describe())
    trunc = check_bound(eventual, m, num_samples=300, rng=0, max_states=5, max_rounds=1)
    assert trunc.num_truncated > 0 and trunc.verdict == "inconclusive"
    # float64 reference above the exact limit
    fl = check_bound(good, m, num_samples=0, exact_limit=3)
    assert fl.exact is None and fl.numeric == pytest.approx(float(chk.exact))
    assert fl.verdict == "consistent"


def test_check_bound_result_is_frozen_and_validates():
    m = GMMAgents(agents=4, components=3, memory=2, neighbours=1)
    chk = check_bound(sequence_bound(m), m, num_samples=0)
    with pytest.raises(Exception):
        chk.verdict = "violated"
    with pytest.raises(Exception):
        chk.bound.value = 1
    other = GMMAgents(agents=4, components=3, memory=2, neighbours=1, ties="index")
    with pytest.raises(SpecError, match="computed for"):
        check_bound(sequence_bound(m), other, num_samples=0)
    with pytest.raises(SpecError, match="BoundResult"):
        check_bound(0.5, m)
    with pytest.raises(SpecError, match="num_samples"):
        check_bound(sequence_bound(m), m, num_samples=-1)
    js = chk.to_json()
    assert set(js) >= {"bound", "value", "exact", "estimate", "ci", "verdict", "ties"}


def test_check_bounds_shares_one_simulation():
    m = GMMAgents(agents=4, components=4, memory=2, neighbours=1, ties="index")
    sim = simulate_split(m, num_samples=1000, rng=np.random.default_rng(0))
    res = check_bounds([restricted_bound(m, max_mixed=1), restricted_bound(m, max_mixed=2)], m,
                       simulation=sim)
    assert [c.verdict for c in res] == ["consistent", "consistent"]
    assert res[0].estimate == res[1].estimate == sim.estimate()


# --------------------------------------------------------------------------- the simulator
@pytest.mark.parametrize("case", [(4, 4, 2, 1, "random", F(0)), (4, 4, 2, 1, "index", F(2, 5)),
                                  (4, 3, 3, 1, "index", F(1, 5))], ids=str)
def test_simulate_split_matches_exact(case):
    n, K, r, k, t, p = case
    m = GMMAgents(agents=n, components=K, memory=r, neighbours=k, ties=t, mirror=p)
    res = simulate_split(m, num_samples=4000, rng=np.random.default_rng(11))
    assert res.num_truncated == 0
    assert res.estimate().contains(_exact_pol(n, K, r, k, t, p))


@pytest.mark.slow
@pytest.mark.parametrize("case", [(s + (t, p)) for s in NONTRIVIAL for t in ("random", "index")
                                  for p in (F(0), F(1, 5), F(2, 5))], ids=str)
def test_simulate_split_matches_exact_slow(case):
    m = GMMAgents(*case[:4], ties=case[4], mirror=case[5])
    res = simulate_split(m, num_samples=20_000, rng=np.random.default_rng(5))
    assert res.estimate(confidence=0.999).contains(_exact_pol(*case))


@pytest.mark.parametrize("ties", ["random", "index"])
def test_simulate_split_one_round_law(ties):
    # every agent's next counts after one round, against the model's exact law, through
    # exact binomial intervals (Bonferroni over the outcomes)
    from chainlab.bounds._sim import _one_round

    state = ((2, 1, 0, 0), (0, 3, 0, 0), (0, 1, 1, 1), (3, 0, 0, 0), (0, 0, 0, 3))
    m = GMMAgents(agents=5, components=4, memory=3, neighbours=2, ties=ties, mirror=F(1, 5),
                  initial=state)
    num = 6000
    X = np.repeat(np.array(state, dtype=np.int16)[None], num, axis=0)
    Y = _one_round(X, 3, 2, ties, 0.2, np.random.default_rng(7))
    from chainlab.stats import proportion

    for i in range(5):
        law = m.agent_distribution(state, i)
        outcomes = {tuple(row) for row in Y[:, i].tolist()}
        assert outcomes <= set(law)
        for s, q in law.items():
            hits = int((Y[:, i] == np.array(s)).all(axis=1).sum())
            est = proportion(hits, num, confidence=1 - 0.001 / 40)
            assert est.contains(float(q)), (i, s, hits, float(q))


def test_simulate_split_validates():
    m = GMMAgents()
    with pytest.raises(SpecError, match="num_samples"):
        simulate_split(m, num_samples=0)
    with pytest.raises(SpecError, match="GMMAgents"):
        simulate_split("x", num_samples=3)


# --------------------------------------------------------------------------- sharpness, scale
def test_exhaustive_range_is_mostly_compilable():
    skipped = [c for c in FAST if _compiled(*c)[1] is None]
    assert len(skipped) <= len(FAST) // 10, skipped


def test_paper_scale_fast_twin():
    from chainlab.bounds import paper_scale_study

    st_ = paper_scale_study(neighbours=[1, 2], mirrors=["0"], ties=["index"], agents=10,
                            components=10, memory=3, num_samples=60, num_rounds=40, rng=0)
    assert [r.chain_verdict for r in st_.rows] == ["consistent"] * 2
    assert all(r.continuous is not None and r.continuous_verdict == "consistent"
               for r in st_.rows)
    assert st_.rows[0].continuous_readout in ("memory labels", "final weights")


def test_paper_scale_best_bound_is_the_larger_of_BND_4_and_BND_7():
    from chainlab.bounds import mutual_pair_bound, paper_scale_study

    st_ = paper_scale_study(neighbours=[1, 2], mirrors=["0"], ties=["random"], agents=10,
                            components=10, memory=3, num_samples=60, continuous=False, rng=0)
    k1, k2 = st_.rows
    m = GMMAgents(agents=10, components=10, memory=3, neighbours=1)
    assert k1.bound.claim == "BND-7" and k1.bound.value == mutual_pair_bound(m).value
    assert k1.bound.value > sequence_bound(m).value
    assert k2.bound.claim == "BND-4"  # BND-7 needs k = 1
    assert k1.chain_verdict == k2.chain_verdict == "consistent"


@pytest.mark.slow
def test_paper_scale_fixed_seed():
    from chainlab.bounds import paper_scale_study

    st_ = paper_scale_study(neighbours=[1, 2, 5, 10, 14], mirrors=["0", "1/5", "2/5"],
                            ties=["index"], num_samples=200, continuous_samples=100, rng=2025)
    assert len(st_.rows) == 15
    for r in st_.rows:
        assert r.bound is not None and r.bound.value > 0
        assert r.chain_verdict == "consistent" and r.continuous_verdict == "consistent"
        assert r.chain_truncated == 0
    by_k = {r.neighbours: r.chain.estimate for r in st_.rows if r.mirror == 0}
    assert by_k[1] > 0.9 and by_k[14] < 0.5  # polarization falls with k
