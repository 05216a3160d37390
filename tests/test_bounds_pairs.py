"""BND-7 and CMB-1 (proofs/bounds.md): the mutual-pair bound.

Checked four ways: the pair game's one-round inequality against the model's own exact one-agent
laws in concrete populations that satisfy the invariant I-1 (Hypothesis: this is the step of the
proof that the adversary covers every real population); the law of the number of mutual pairs
against an explicit enumeration of all picks; the round-1 types against the model's interaction
kernel; and the bound itself below the exact polarization probability on every all-alone
instance of a small range that compiles.
"""

from __future__ import annotations

import functools
import itertools
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainlab.bounds import mutual_pair_bound, sequence_bound
from chainlab.bounds._pairs import (
    _Game,
    _lone_link_values,
    _round_one_types,
    at_least_two_of,
    pair_count_law,
)
from chainlab.compiler import compile_model
from chainlab.errors import SpecError, StateSpaceLimitError
from chainlab.models import GMMAgents
from chainlab.polarization import polarization

MIRRORS = (F(0), F(1, 5), F(2, 5))


@functools.lru_cache(maxsize=None)
def _game(r: int, p: F, horizon: int, clean_at=None, pure_first=False):
    g = _Game(r, p, horizon, clean_at=clean_at, pure_first=pure_first)
    return g, g.values()


def _abstract(counts, i, j, f):
    """Category counts (A, C, F, N) of a concrete memory for pair labels i, j and foreign f."""
    A, C = counts[i], counts[j]
    Fc = counts[f] if f is not None else 0
    return (A, C, Fc, sum(counts) - A - C - Fc)


def _merge_concrete(a, h, i, j):
    """The pair state of two concrete memories: None when they hold two foreign labels."""
    foreign = {c for m in (a, h) for c, v in enumerate(m) if v and c not in (i, j)}
    if len(foreign) > 1:
        return None
    g = foreign.pop() if foreign else None
    return tuple((m[i], m[j], m[g] if g is not None else 0) for m in (a, h))


@st.composite
def _populations(draw):
    r = draw(st.integers(2, 4))
    n = draw(st.integers(3, 6))
    K = draw(st.integers(n, n + 2))
    p = draw(st.sampled_from(MIRRORS))
    horizon = draw(st.integers(r, r + 2))
    t = draw(st.integers(1, horizon - 1))
    mode = draw(st.sampled_from(["I-1", "I-2", "I-3"]))
    i, j = draw(st.permutations(range(n)))[:2]
    others = [c for c in range(K) if c not in (i, j)]
    f = draw(st.sampled_from(others))
    members = [(a, c, r - a - c) for a in range(r + 1) for c in range(r + 1 - a)]
    ma = draw(st.sampled_from(members))
    mh = draw(st.sampled_from(members))
    agents = []
    for o in range(n):
        counts = [0] * K
        if o in (i, j):
            m = ma if o == i else mh
            counts[i], counts[j], counts[f] = m[0], m[1], m[2]
        else:
            own_min = max(0, r - t)
            tau_max = r - own_min if mode == "I-1" else min(r - own_min, t - 1)
            tau = draw(st.integers(0, tau_max))  # points of the pair's labels i, j
            if mode == "I-3" and tau and tau > t - 2:
                own_min = max(own_min, r + 1 - t)  # tainted in round 2, pure at time 1
                tau = min(tau, r - own_min)
            own = draw(st.integers(own_min, r - tau))
            counts[o] = own
            for _ in range(tau):
                counts[draw(st.sampled_from([i, j]))] += 1
            for _ in range(r - own - tau):
                counts[draw(st.sampled_from(others))] += 1
        agents.append(tuple(counts))
    clean_at = None if mode == "I-1" else 1
    return r, n, K, p, horizon, t, mode, clean_at, i, j, f, ma, mh, tuple(agents)


@settings(max_examples=120, deadline=None)
@given(_populations())
def test_BND_7_game_covers_every_population(case):
    """E[V_{t+1}(next pair state) | population] >= V_t(pair state) with the model's exact laws,
    for every population whose outsiders hold r - t points of their own labels (I-1) and, for
    the game with ``clean_at = 1``, at most t - 1 points of the pair's labels (I-2) and, with
    ``pure_first``, r + 1 - t own points when they hold more than t - 2 of those (I-3)."""
    r, n, K, p, horizon, t, mode, clean_at, i, j, f, ma, mh, agents = case
    game, V = _game(r, p, horizon, clean_at, mode == "I-3")
    model = GMMAgents(agents=n, components=K, memory=r, neighbours=1, ties="random", mirror=p,
                      initial=agents)
    la = model.agent_distribution(agents, i)
    lh = model.agent_distribution(agents, j)
    total = F(0)
    for a2, pa in la.items():
        for h2, ph in lh.items():
            s = _merge_concrete(a2, h2, i, j)
            if s is not None:
                total += F(int(pa.p), int(pa.q)) * F(int(ph.p), int(ph.q)) * V[t + 1][s]
    # V[t] is scaled by one more round than V[t + 1]
    assert total * game.scale >= V[t][(ma, mh)], (ma, mh, t, agents)


def test_BND_7_game_values_are_probabilities_and_grow_with_the_horizon():
    for r, p in ((2, F(0)), (3, F(1, 5))):
        values = []
        for horizon in (r, r + 1, r + 3):
            game, V = _game(r, p, horizon)
            den = game.scale ** (horizon - 1)
            vals = {s: F(v, den) for s, v in V[1].items()}
            assert all(0 <= v <= 1 for v in vals.values())
            values.append(vals)
        for lo, hi in zip(values, values[1:]):
            assert all(lo[s] <= hi[s] for s in lo)
        # from the best round-1 type the pair succeeds with positive probability
        assert values[-1][((r - 1, 1, 0), (1, r - 1, 0))] > 0


def test_BND_7_round_one_types_are_the_models_kernel():
    for r in (2, 3, 5):
        m = GMMAgents(agents=2, components=2, memory=r, neighbours=1)
        law_a = dict(m._interaction_uncached((r, 0), (0, r)))  # A asks C
        law_h = dict(m._interaction_uncached((0, r), (r, 0)))  # C asks A
        for w, a, h in _round_one_types(r):
            pa = law_a[(a[0], a[1])]
            ph = law_h[(h[0], h[1])]
            assert w == F(int(pa.p), int(pa.q)) * F(int(ph.p), int(ph.q))
        assert sum(w for w, _, _ in _round_one_types(r)) == 1


@st.composite
def _lone_links(draw):
    """A time-1 population around a lone link a -> h (nobody else tainted a or h)."""
    r = draw(st.integers(3, 4))
    n = draw(st.integers(4, 7))
    K = draw(st.integers(n, n + 2))
    p = draw(st.sampled_from(MIRRORS))
    a, h, jj = draw(st.permutations(range(n)))[:3]
    heard = draw(st.booleans())  # h heard the label of the agent jj it asked
    agents = []
    for o in range(n):
        counts = [0] * K
        if o == a:
            counts[a], counts[h] = r - 1, 1
        elif o == h:
            counts[h] = r - 1 if heard else r
            if heard:
                counts[jj] = 1
        else:
            counts[o] = r
            if draw(st.booleans()):  # o asked someone other than a, h and heard its label
                x = draw(st.sampled_from([c for c in range(n) if c not in (a, h, o)]))
                counts[o], counts[x] = r - 1, 1
        agents.append(tuple(counts))
    return r, n, K, p, a, h, jj, heard, tuple(agents)


@settings(max_examples=80, deadline=None)
@given(_lone_links())
def test_BND_7_lone_link_round_two_is_covered(case):
    """E[V_2(pair state at time 2) | time-1 population] >= the lone-link value of its type,
    with the model's exact laws (the geometry of the proof: a's nearest is h, h's is a or j)."""
    r, n, K, p, a, h, jj, heard, agents = case
    horizon = r + 2
    game, V = _game(r, p, horizon, 1)
    game3, V3 = _game(r, p, horizon, 1, True)
    pure, heard_value = _lone_link_values(game, V, game3, V3)
    if not heard:
        game, V = game3, V3
    model = GMMAgents(agents=n, components=K, memory=r, neighbours=1, ties="random", mirror=p,
                      initial=agents)
    la = model.agent_distribution(agents, a)
    lh = model.agent_distribution(agents, h)
    den = game.scale ** (horizon - 2)
    total = F(0)
    for a2, pa in la.items():
        for h2, ph in lh.items():
            s = _merge_concrete(a2, h2, a, h)
            if s is not None:
                total += F(int(pa.p), int(pa.q)) * F(int(ph.p), int(ph.q)) * F(V[2][s], den)
    assert total >= (heard_value if heard else pure)


@st.composite
def _quiet_groups(draw):
    """A time-1 population around a quiet mutual pair or a lone link with a pure h: members
    hold only the pair's labels, nobody else holds them."""
    r = draw(st.integers(2, 5))
    n = draw(st.integers(3, 8))
    K = draw(st.integers(n, n + 2))
    a, h = draw(st.permutations(range(n)))[:2]
    kind = draw(st.sampled_from(["mutual", "lone"]))
    agents = []
    for o in range(n):
        counts = [0] * K
        if o == a:
            heard = kind == "lone" or draw(st.booleans())
            counts[a], counts[h] = (r - 1, 1) if heard else (r, 0)
        elif o == h:
            heard = kind == "mutual" and draw(st.booleans())
            counts[h], counts[a] = (r - 1, 1) if heard else (r, 0)
        else:
            counts[o] = r
            if draw(st.booleans()):  # o tainted an agent other than a, h
                x = draw(st.sampled_from([c for c in range(n) if c not in (a, h, o)] or [o]))
                if x != o:
                    counts[o], counts[x] = r - 1, 1
        agents.append(tuple(counts))
    return r, n, K, a, h, tuple(agents)


@settings(max_examples=150, deadline=None)
@given(_quiet_groups())
def test_BND_7_I_3_only_pure_outsiders_ask_the_pair(case):
    """I-3: in round 2 no outsider that is not pure asks a member (the model's partner law)."""
    r, n, K, a, h, agents = case
    model = GMMAgents(agents=n, components=K, memory=r, neighbours=1, ties="random",
                      initial=agents)
    for o in range(n):
        if o in (a, h) or max(agents[o]) == r:
            continue
        law = model.partner_law(agents, o)
        assert law.get(agents[a], 0) == 0 and law.get(agents[h], 0) == 0, (o, agents)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
@pytest.mark.parametrize("p", [F(0), F(1, 5), F(1)], ids=str)
@pytest.mark.parametrize("r", [2, 3])
def test_CMB_1_pair_count_law_is_exact(n, p, r):
    """Mutual pairs and lone links: against the explicit enumeration of every pick vector and
    every answer (heard the partner's label or its own)."""
    q = (1 - p) / (n - 1)
    law = pair_count_law(n, q, p, r)
    expect: dict = {}
    for picks in itertools.product(range(n + 1), repeat=n):  # n: mirrors
        if any(pk == o for o, pk in enumerate(picks)):
            continue
        w0 = F(1)
        for pk in picks:
            w0 *= p if pk == n else q
        if w0 == 0:
            continue
        askers = [o for o in range(n) if picks[o] < n]
        for heard_bits in itertools.product((0, 1), repeat=len(askers)):
            heard = dict(zip(askers, heard_bits))
            w = w0
            for o in askers:
                w *= F(r - 1, r) if heard[o] else F(1, r)
            def tainted_only_by(z, ok):
                return all(o == ok or not heard[o] for o in askers if picks[o] == z)

            M = sum(1 for x in range(n) for y in range(x + 1, n)
                    if picks[x] == y and picks[y] == x
                    and tainted_only_by(x, y) and tainted_only_by(y, x))
            L = sum(1 for x in askers if heard[x] and tainted_only_by(x, None)
                    and tainted_only_by(picks[x], x) and picks[picks[x]] != x)
            expect[(M, L)] = expect.get((M, L), F(0)) + w
    assert {key: v for key, v in law.items() if v} == {key: v for key, v in expect.items() if v}
    assert sum(law.values()) == 1


def _phi(y):
    """P(at least two of independent Bernoulli(y_i)), by enumeration."""
    total = F(0)
    for bits in itertools.product((0, 1), repeat=len(y)):
        if sum(bits) >= 2:
            w = F(1)
            for b, yi in zip(bits, y):
                w *= yi if b else 1 - yi
            total += w
    return total


_fracs = st.fractions(min_value=0, max_value=1, max_denominator=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(_fracs, st.integers(1, 4)), min_size=1, max_size=3),
                min_size=1, max_size=4), st.data())
def test_CMB_1(laws, data):
    """The two steps of CMB-1's proof: for independent Y_i, E[Phi(Y)] = Phi(E[Y]) (Phi is
    multi-affine), and Phi is non-decreasing in every coordinate; Phi of equal values is the
    binomial tail used by BND-7."""
    laws = [[(v, F(w, sum(x for _, x in law))) for v, w in law] for law in laws]
    mean = [sum(v * w for v, w in law) for law in laws]
    expect = F(0)
    for combo in itertools.product(*laws):
        w = F(1)
        for _, wi in combo:
            w *= wi
        expect += w * _phi([v for v, _ in combo])
    assert expect == _phi(mean)
    i = data.draw(st.integers(0, len(mean) - 1))
    up = data.draw(_fracs.filter(lambda x: x >= mean[i]))
    assert _phi(mean[:i] + [up] + mean[i + 1:]) >= _phi(mean)
    v, w = mean[0], mean[-1]
    m, s = len(mean) - 1, 1
    if len(mean) >= 2:
        assert _phi([v] * m + [w] * s) == at_least_two_of(m, v, s, w)


def test_CMB_1_at_least_two_of():
    assert at_least_two_of(1, F(1, 2), 1, F(1, 3)) == F(1, 6)
    assert at_least_two_of(3, F(1, 2), 0, F(1, 3)) == F(1, 2)
    assert at_least_two_of(0, F(1, 2), 2, F(1, 3)) == F(1, 9)


ALONE = [(n, K, r) for n, K, r in ((2, 2, 2), (3, 3, 2), (3, 3, 3), (3, 4, 2), (4, 4, 2),
                                  (4, 4, 3), (4, 5, 2), (5, 5, 2))]


@functools.lru_cache(maxsize=None)
def _exact(n, K, r, p):
    m = GMMAgents(agents=n, components=K, memory=r, neighbours=1, ties="random", mirror=p)
    try:
        cc = compile_model(m, max_states=4000)
    except StateSpaceLimitError:
        return m, None
    return m, F(polarization(cc).polarization_probability)


@pytest.mark.parametrize("p", MIRRORS, ids=str)
@pytest.mark.parametrize("size", ALONE, ids=lambda s: "n%dK%dr%d" % s)
def test_BND_7(size, p):
    """Below the exact value on every all-alone instance that compiles; positive when n >= 4."""
    m, exact = _exact(*size, p)
    if exact is None:
        pytest.skip("more than 4000 states")
    b = mutual_pair_bound(m)
    assert b.claim == "BND-7" and b.ties == "random" and b.horizon == 2 * size[2] + 2
    assert 0 <= b.value <= exact
    assert (b.value > 0) == (size[0] >= 4)
    law = b.details["count_law"]
    assert b.value == sum(pm * at_least_two_of(m, b.details["pair_value"], s,
                                               b.details["link_value"])
                          for (m, s), pm in law.items())
    assert (b.details["link_value"] > 0) == (size[2] >= 3)


def test_BND_7_beats_BND_4_at_the_paper_scale_shape():
    """n = K = 12, r = 3 (fast): the mutual pairs are far above the one-plan sequence bound."""
    m = GMMAgents(agents=12, components=12, memory=3, neighbours=1)
    assert mutual_pair_bound(m).value > 1000 * sequence_bound(m).value


@pytest.mark.parametrize("kw, match", [
    (dict(neighbours=2), "neighbours = 2"),
    (dict(ties="index"), "ties = 'index'"),
    (dict(memory=1), "memory = 1"),
    (dict(mirror=1), "mirror = 1"),
    (dict(components=2), "no other agent holds"),
])
def test_BND_7_refuses_outside_its_assumptions(kw, match):
    args = dict(agents=4, components=4, memory=2, neighbours=1) | kw
    with pytest.raises(SpecError, match=match):
        mutual_pair_bound(GMMAgents(**args))


def test_BND_7_validates_the_horizon():
    m = GMMAgents(agents=4, components=4, memory=3, neighbours=1)
    with pytest.raises(SpecError, match="horizon"):
        mutual_pair_bound(m, horizon=2)
    with pytest.raises(SpecError, match="horizon"):
        mutual_pair_bound(m, horizon="5")
