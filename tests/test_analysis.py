"""Analyses: known answers, invariants, exact-vs-float and relabelling (metamorphic) tests."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainlab import Chain, exact, numeric
from chainlab.errors import ExactnessError, SpecError
from chainlab.strategies import reducible_chains
from chainlab.structure import classify

BACKENDS = [pytest.param(exact, id="exact"), pytest.param(numeric, id="float")]


def gamblers_ruin(N: int, p: F) -> Chain:
    q = 1 - p
    tr = [(0, 0, 1), (N, N, 1)]
    tr += [(i, i + 1, p) for i in range(1, N)] + [(i, i - 1, q) for i in range(1, N)]
    return Chain.from_transitions(N + 1, tr, initial=1, labels={"win": [N]})


def ruin_closed_form(N, p, i):
    q = 1 - p
    if p == F(1, 2):
        return F(N - i, N), F(i * (N - i))
    r = q / p
    ruin = (r**i - r**N) / (1 - r**N)
    duration = F(i) / (q - p) - F(N) / (q - p) * (1 - r**i) / (1 - r**N)
    return ruin, duration


def approx_equal(a, b, rel=1e-9):
    return abs(float(a) - float(b)) <= rel * max(abs(float(b)), 1e-300)


# --------------------------------------------------------------------------- known answers
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("N,p", [(3, F(1, 2)), (10, F(1, 2)), (10, F(2, 5)), (25, F(3, 5))],
                         ids=["N3-fair", "N10-fair", "N10-p2/5", "N25-p3/5"])
def test_gamblers_ruin_closed_form(backend, N, p):
    res = backend.absorption(gamblers_ruin(N, p))
    assert res.closed_classes == ((0,), (N,))
    for i in range(N + 1):
        ruin, duration = ruin_closed_form(N, p, i)
        if backend is exact:
            assert res.B[i, 0] == ruin and res.t[i] == duration
        else:
            assert approx_equal(res.B[i, 0], ruin) and approx_equal(res.t[i], duration)


def test_gamblers_ruin_fair_variance_closed_form():
    # Var of the duration of a fair game from i: i(N-i)[(N-i)^2 + i^2 - 2]/3
    N = 8
    res = exact.absorption(gamblers_ruin(N, F(1, 2)))
    for i in range(N + 1):
        assert res.variance[i] == F(i * (N - i) * ((N - i) ** 2 + i**2 - 2), 3)


def test_gamblers_ruin_tiny_probabilities_float_accuracy():
    N, p = 1000, F(2, 5)
    res = numeric.absorption(gamblers_ruin(N, p))
    r = (1 - p) / p
    worst = 0.0
    for i in range(1, N + 1):
        win = (r**i - 1) / (r**N - 1)
        worst = max(worst, abs(float((F(res.B[i, 1]) - win) / win)))
    assert worst <= 1e-10
    assert 0 < res.B[1, 1] < 1e-170


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fitness", [F(3, 2), F(1, 2), F(1)], ids=["r3/2", "r1/2", "neutral"])
def test_moran_fixation_probability(backend, fitness):
    # Moran process with N individuals, i mutants of fitness r: fixation (1 - r^-i)/(1 - r^-N)
    N = 6
    tr = [(0, 0, 1), (N, N, 1)]
    for i in range(1, N):
        up = fitness * i * (N - i) / ((fitness * i + N - i) * N)
        down = F(i * (N - i), (fitness * i + N - i) * N)
        tr += [(i, i + 1, up), (i, i - 1, down), (i, i, 1 - up - down)]
    res = backend.absorption(Chain.from_transitions(N + 1, tr))
    for i in range(1, N):
        fix = F(i, N) if fitness == 1 else (1 - fitness**-i) / (1 - fitness**-N)
        got = res.B[i, 1]
        assert (got == fix) if backend is exact else approx_equal(got, fix)


@pytest.mark.parametrize("backend", BACKENDS)
def test_periodic_chain(backend):
    # transient 0 -> 3-cycle {1, 2, 3}; the cycle has period 3 and uniform stationary law
    c = Chain([[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0]], initial=0)
    s = classify(c)
    assert s.periods == (3,) and s.transient == (0,)
    pi = backend.stationary(c).distributions[0]
    lim = backend.limiting(c).distribution
    for v in pi:
        assert v == F(1, 3) if backend is exact else approx_equal(v, 1 / 3)
    assert lim[0] == 0 and all(approx_equal(v, 1 / 3) for v in lim[1:])


@pytest.mark.parametrize("backend", BACKENDS)
def test_several_closed_classes_with_transients_between(backend):
    # 0 -> {1 transient, 2 transient}; 1 -> absorbing 3 or cycle {4,5}; 2 -> 1 or absorbing 6
    h, q = F(1, 2), F(1, 4)
    P = {0: {1: h, 2: h}, 1: {3: h, 4: q, 1: q}, 2: {1: h, 6: h},
         3: {3: 1}, 4: {5: 1}, 5: {4: h, 5: h}, 6: {6: 1}}
    c = Chain(P, initial=0)
    res = backend.absorption(c)
    assert res.closed_classes == ((3,), (4, 5), (6,))
    # from 1: 3 w.p. 2/3, cycle w.p. 1/3; from 2: half to 1, half to 6
    want0 = [F(1, 2) * F(2, 3) + F(1, 4) * F(2, 3), F(1, 2) * F(1, 3) + F(1, 4) * F(1, 3), F(1, 4)]
    for got, want in zip(res.initial_B, want0):
        assert got == want if backend is exact else approx_equal(got, want)
    # expected steps: t1 = 1/(1 - 1/4) = 4/3, t2 = 1 + t1/2 = 5/3, t0 = 1 + (t1 + t2)/2 = 5/2
    assert approx_equal(res.initial_t, F(5, 2))
    st_ = backend.stationary(c)
    assert [len(d) for d in st_.distributions] == [1, 2, 1]
    assert approx_equal(st_.distributions[1][0], F(1, 3))


@pytest.mark.parametrize("backend", BACKENDS)
def test_hitting_times_and_infinite_when_uncertain(backend):
    h = F(1, 2)
    c = Chain([[1, 0, 0, 0], [h, 0, h, 0], [0, h, 0, h], [0, 0, 0, 1]], labels={"win": [3]})
    r = backend.hitting(c, "win")
    assert [float(x) for x in r.probabilities] == [0, 1 / 3, 2 / 3, 1]
    assert r.expected_times[1] == float("inf") and r.expected_times[3] == 0
    # certain hitting: reflecting walk 0..3 hitting 3 from 0 takes 9 steps (n^2)
    c2 = Chain([[0, 1, 0, 0], [h, 0, h, 0], [0, h, 0, h], [0, 0, 0, 1]])
    assert approx_equal(backend.hitting(c2, [3]).expected_times[0], 9)


def test_expected_visits_rows_match_fundamental_matrix():
    c = gamblers_ruin(5, F(2, 5))
    cf = exact.canonical_form(c)
    Q = np.array(cf.Q.toarray(), dtype=object)
    import sympy

    N = (sympy.eye(len(cf.transient)) - sympy.Matrix(Q.tolist())).inv()
    rows = exact.expected_visits(c, [1, 3]).N_rows
    for r, s in enumerate([1, 3]):
        k = cf.transient.index(s)
        assert [sympy.Rational(x.numerator, x.denominator) for x in rows[r]] == list(N.row(k))


def test_bounded_reachability_monotone_and_converges():
    c = gamblers_ruin(6, F(1, 3))
    br = exact.bounded_reachability(c, "win", 200)
    hit = exact.hitting(c, "win").probabilities
    assert all(br.probabilities[L + 1, i] >= br.probabilities[L, i]
               for L in range(200) for i in range(7))
    assert all(br.probabilities[200, i] <= hit[i] for i in range(7))
    assert abs(float(br.probabilities[200, 1] - hit[1])) < 1e-12


def test_exact_backend_refuses_float_chain():
    with pytest.raises(ExactnessError, match=r"first at P\[0, 0\]"):
        exact.absorption(Chain([[0.5, 0.5], [0, 1]]))


def test_restrict_to_initial_matches_full():
    c = gamblers_ruin(12, F(2, 5))
    full = exact.absorption(c)
    part = exact.absorption(c.with_initial(5), restrict=True)
    assert part.initial_B.tolist() == full.B[5].tolist()
    with pytest.raises(SpecError, match="initial"):
        exact.absorption(Chain([[1]]), restrict=True)


def test_hitting_restricted_to_initial_states():
    # gambler's ruin N = 12, p = 2/5, from 5: P(win) = (1 - (3/2)^5) / (1 - (3/2)^12)
    c = gamblers_ruin(12, F(2, 5))
    r = F(3, 2)
    win = (1 - r ** 5) / (1 - r ** 12)
    for how in ("initial", True):
        h = exact.hitting(c.with_initial(5), [12], restrict=how)
        assert h.initial_probability == win
        assert h.probabilities[h.row_of(5)] == win
        assert h.expected_times[h.row_of(5)] == float("inf")  # ruin is possible
    one = exact.hitting(c.with_initial({5: F(1, 2), 7: F(1, 2)}), [12], restrict="initial")
    assert one.states.tolist() == [5, 7] and one.probabilities.shape == (2,)
    everywhere = exact.hitting(c, [12])
    assert one.probabilities.tolist() == everywhere.probabilities[[5, 7]].tolist()
    assert everywhere.states.tolist() == list(range(13))
    # expected time to either end: i (N - i) / ... checked against the unrestricted solve
    both = exact.hitting(c.with_initial(5), [0, 12], restrict="initial")
    assert both.initial_expected_time == exact.hitting(c, [0, 12]).expected_times[5]
    f = numeric.hitting(c.with_initial(5), [12], restrict="initial")
    assert f.states.tolist() == [5]
    assert abs(f.initial_probability - float(win)) <= f.error_bound * float(win)
    with pytest.raises(SpecError, match="not covered"):
        one.row_of(6)
    with pytest.raises(SpecError, match="initial distribution"):
        exact.hitting(Chain([[1, 0], [F(1, 2), F(1, 2)]]), [0], restrict="initial")
    with pytest.raises(SpecError, match="restrict must be"):
        exact.hitting(c, [12], restrict="everything")


# --------------------------------------------------------------------------- properties
@given(reducible_chains(max_transient=5))
def test_absorption_invariants(c):
    res = exact.absorption(c)
    s = classify(c)
    for r, i in enumerate(res.states):
        assert sum(res.B[r]) == 1
        if i in s.transient:
            assert res.t[r] >= 1 and res.variance[r] >= 0
        else:
            assert res.t[r] == 0


@given(reducible_chains(max_transient=5))
def test_exact_and_float_agree(c):
    e, f = exact.absorption(c), numeric.absorption(c)
    assert np.allclose(e.B.astype(float), f.B, rtol=1e-9, atol=1e-12)
    assert np.allclose(e.t.astype(float), f.t, rtol=1e-9)
    assert np.allclose(e.variance.astype(float), f.variance, rtol=1e-7, atol=1e-9)
    se, sf = exact.stationary(c), numeric.stationary(c)
    for a, b in zip(se.distributions, sf.distributions):
        assert np.allclose(a.astype(float), b, rtol=1e-9)


@given(reducible_chains(max_transient=5))
def test_stationary_is_invariant_exactly(c):
    s = exact.stationary(c)
    P = np.array(c.P.toarray(), dtype=object)
    Pex = {(i, j): v for i, j, v in c.transitions()}
    for C, pi in zip(s.closed_classes, s.distributions):
        assert sum(pi) == 1
        for col in C:
            assert sum(pi[r] * Pex.get((C[r], col), 0) for r in range(len(C))) == pi[C.index(col)]
    del P


@given(reducible_chains(max_transient=5), st.randoms(use_true_random=False))
def test_relabelling_permutes_results(c, rnd):
    n = c.num_states
    perm = list(range(n))
    rnd.shuffle(perm)  # new index of old state i is perm[i]
    tr = [(perm[i], perm[j], v) for i, j, v in c.transitions()]
    init = {perm[i]: v for i, v in c.initial.items()}
    c2 = Chain.from_transitions(n, tr, initial=init)
    a, b = exact.absorption(c), exact.absorption(c2)
    assert a.initial_t == b.initial_t
    assert sorted(a.initial_B.tolist()) == sorted(b.initial_B.tolist())
    for i in range(n):
        assert a.t[i] == b.t[perm[i]]
    ha = exact.hitting(c, [0]).probabilities
    hb = exact.hitting(c2, [perm[0]]).probabilities
    assert all(ha[i] == hb[perm[i]] for i in range(n))


@settings(max_examples=20)
@given(reducible_chains(max_transient=5), st.integers(0, 6))
def test_hitting_equals_limit_of_bounded_reachability(c, target):
    target = target % c.num_states
    hit = exact.hitting(c, [target]).probabilities
    br = exact.bounded_reachability(c, [target], 60).probabilities[-1]
    assert all(b <= h for b, h in zip(br, hit))
    assert np.allclose(br.astype(float), hit.astype(float), atol=1e-3)


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_label_is_hit_with_probability_zero(backend):
    c = Chain([[1, 0], ["1/2", "1/2"]], initial=1, labels={"never": []})
    h = backend.hitting(c, "never")
    assert list(h.probabilities) == [0, 0] and h.initial_probability == 0
    assert all(t == float("inf") for t in h.expected_times)
    assert list(backend.bounded_reachability(c, "never", 2).initial) == [0, 0, 0]
    with pytest.raises(SpecError, match="selects no state"):
        backend.hitting(c, [])


@settings(max_examples=40)
@given(reducible_chains(max_transient=5), st.integers(0, 6), st.sampled_from([True, "initial"]))
def test_restricted_hitting_equals_full_on_covered_states(c, target, how):
    target = target % c.num_states
    full = exact.hitting(c, [target])
    part = exact.hitting(c, [target], restrict=how)
    assert set(c.initial) <= set(part.states.tolist())
    assert part.probabilities.tolist() == full.probabilities[part.states].tolist()
    assert part.expected_times.tolist() == full.expected_times[part.states].tolist()
    assert part.initial_probability == full.initial_probability
    assert part.initial_expected_time == full.initial_expected_time
