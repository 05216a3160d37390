"""Certified floats (CERT-1 .. CERT-4): every float result either meets the tolerance with a bound
that contains the exact value, or is refused -- on ill-conditioned chains above all."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chainlab import Chain, config, exact, numeric
from chainlab._linalg.certify import TINY, FloatSystem, U, relative_bound, split_exact
from chainlab.errors import PrecisionError
from chainlab.strategies import (
    absorbing_chains,
    ill_conditioned_chains,
    reducible_chains,
)
from chainlab.structure import classify

INF = float("inf")


def corridor(length: int, q: F, a: F = F(3, 10), closed: bool = False) -> Chain:
    """The chain of ``ill_conditioned_chains`` with chosen parameters (P(goal) = 1 - a)."""
    top, goal = length + 1, length + 2
    rows = {0: {0: F(1)}, 1: {0: a, 2: 1 - a}, goal: {goal: F(1)}}
    for i in range(2, top + 1):
        up = top if closed and i == top else i + 1
        row: dict[int, F] = {}
        for j, v in ((up, q), (max(i - 1, 2), 1 - q)):
            row[j] = row.get(j, F(0)) + v
        rows[i] = row
    return Chain(dict(sorted(rows.items())), initial=1, labels={"goal": [goal], "fail": [0]})


def ruin(N: int, p: F) -> Chain:
    tr = [(0, 0, 1), (N, N, 1)]
    tr += [(i, i + 1, p) for i in range(1, N)] + [(i, i - 1, 1 - p) for i in range(1, N)]
    return Chain.from_transitions(N + 1, tr, initial=1, labels={"goal": [N]})


def within(value, exact_value, bound: float) -> bool:
    """``|value - exact| <= bound |exact|`` (or below the underflow threshold), exactly."""
    if bound == INF:
        return True  # (an infinite bound claims nothing)
    if exact_value == INF or value == INF:
        return value == exact_value
    err = abs(F(float(value)) - F(exact_value))
    return err <= TINY or err <= F(bound) * abs(F(exact_value))


def pairs(float_result, exact_result):
    """Every (float value, exact value) pair of two results of the same analysis."""
    out = []
    for name in ("B", "t", "initial_B", "probabilities", "expected_times",
                 "initial", "distribution", "class_probabilities", "N_rows"):
        fv, ev = getattr(float_result, name, None), getattr(exact_result, name, None)
        if fv is None or ev is None:
            continue
        out += list(zip(np.ravel(fv).tolist(), np.ravel(ev).tolist()))
    for name in ("initial_t", "initial_probability", "initial_expected_time"):
        fv, ev = getattr(float_result, name, None), getattr(exact_result, name, None)
        if fv is not None and ev is not None:
            out.append((fv, ev))
    for fd, ed in zip(getattr(float_result, "distributions", ()),
                      getattr(exact_result, "distributions", ())):
        out += list(zip(fd.tolist(), ed.tolist()))
    return out


def check_contains(float_result, exact_result):
    """The certified bound holds for every value (the variance against E[T^2], CERT-4)."""
    bound = float_result.error_bound
    assert bound >= 0
    for fv, ev in pairs(float_result, exact_result):
        assert within(fv, ev, bound), (fv, ev, bound)
    if getattr(float_result, "variance", None) is not None:
        for fv, ev, t in zip(float_result.variance.tolist(), exact_result.variance.tolist(),
                             exact_result.t.tolist()):
            err = abs(F(fv) - ev)
            assert err <= TINY or err <= F(bound) * (ev + t * t), (fv, ev, bound)


ANALYSES = {
    "absorption": lambda b, c: b.absorption(c, variance=False),
    "hitting": lambda b, c: b.hitting(c, "goal"),
    "bounded": lambda b, c: b.bounded_reachability(c, "goal", 12),
    "visits": lambda b, c: b.expected_visits(c, [1]),
    "limiting": lambda b, c: b.limiting(c),
}


# --------------------------------------------------------------------------- the failure mode
def test_float_lu_is_wrong_and_refused_on_a_corridor():
    c = corridor(50, F(1, 10))
    with config.override(tolerance=INF):
        raw = numeric.hitting(c, "goal")
    # the float LU loses every digit (the answer is 7/10) -- and says so
    assert abs(raw.initial_probability - 0.7) > 0.1
    assert raw.error_bound == INF
    with pytest.raises(PrecisionError) as info:
        numeric.hitting(c, "goal")
    assert info.value.error_bound == INF and info.value.tolerance == config.limits.tolerance
    assert "chainlab.exact" in str(info.value) and "tolerance" in str(info.value)
    with pytest.raises(PrecisionError):
        numeric.absorption(c)


def test_CERT_3():
    # refinement reaches the tolerance where the plain LU misses it, and stays inside
    c = corridor(30, F(1, 3))
    ex = exact.absorption(c, variance=False)
    with config.override(tolerance=INF):  # no refinement asked for: the LU's own accuracy
        plain = numeric.absorption(c, variance=False)
    assert plain.error_bound > 1e-6
    refined = numeric.absorption(c, variance=False)  # default tolerance 1e-6: refined
    assert refined.error_bound <= 1e-6
    check_contains(refined, ex)
    check_contains(plain, ex)
    with config.override(tolerance=1e-13):
        tight = numeric.absorption(c, variance=False)
    assert tight.error_bound <= 1e-13
    check_contains(tight, ex)


@pytest.mark.parametrize("analysis", sorted(ANALYSES))
@pytest.mark.parametrize("length,q", [(5, F(1, 2)), (20, F(1, 4)), (30, F(1, 3)), (40, F(1, 6)),
                                      (60, F(1, 10))], ids=lambda v: str(v))
def test_corridor_family_meets_the_tolerance_or_refuses(analysis, length, q):
    c = corridor(length, q)
    run = ANALYSES[analysis]
    ex = run(exact, c)
    try:
        res = run(numeric, c)
    except PrecisionError as err:
        assert err.error_bound > config.limits.tolerance
        return
    assert res.method == "float" and res.error_bound <= config.limits.tolerance
    check_contains(res, ex)


@pytest.mark.parametrize("length,q", [(8, F(1, 3)), (30, F(1, 5)), (60, F(1, 10))],
                         ids=lambda v: str(v))
def test_stationary_of_a_steep_closed_corridor_meets_or_refuses(length, q):
    c = corridor(length, q, closed=True)
    ex = exact.stationary(c)
    try:
        res = numeric.stationary(c)
    except PrecisionError:
        return
    assert res.error_bound <= config.limits.tolerance
    check_contains(res, ex)


def test_tiny_but_well_conditioned_values_are_certified_relatively():
    # ruin N = 400, p = 2/5: P(win) from state 1 is ~ 1e-71, and floats get it right
    c = ruin(400, F(2, 5))
    res = numeric.absorption(c)
    ex = exact.absorption(c)
    assert res.error_bound < 1e-10
    assert ex.B[1, 1] < F(1, 10**70)
    check_contains(res, ex)  # (the variance against the second moment E[T^2] = Var + t^2)


def test_deterministic_absorption_time_has_a_certified_zero_variance():
    c = Chain([[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1]], initial=0)
    res = numeric.absorption(c)
    assert res.variance.tolist() == [0.0, 0.0, 0.0, 0.0]
    assert res.t.tolist() == [3.0, 2.0, 1.0, 0.0] and res.error_bound < 1e-12


def test_exact_results_have_zero_bound_and_to_float_the_unit_roundoff():
    ex = exact.absorption(ruin(5, F(1, 3)))
    assert ex.error_bound == 0.0
    assert ex.to_float().error_bound == U


def test_float_chains_are_certified_too():
    c = Chain([[1, 0, 0], [0.25, 0.25, 0.5], [0, 0, 1]], initial=1)
    res = numeric.absorption(c)
    assert 0 < res.error_bound < 1e-13
    assert res.initial_B.tolist() == pytest.approx([1 / 3, 2 / 3], rel=1e-15)


def test_tolerance_is_validated():
    with pytest.raises(ValueError, match="tolerance must be a positive number"):
        with config.override(tolerance=0):
            pass
    with pytest.raises(ValueError, match="tolerance"):
        with config.override(tolerance="1e-6"):
            pass
    with pytest.raises(ValueError, match="max_states must be an integer >= 1"):
        with config.override(max_states=2.5):
            pass


# --------------------------------------------------------------------------- properties
@settings(deadline=None)
@given(ill_conditioned_chains(max_length=45), st.sampled_from(sorted(ANALYSES)))
@example(corridor(50, F(1, 10)), "hitting")
@example(corridor(30, F(1, 3)), "absorption")
def test_CERT_4(c, analysis):
    # the certified bound contains the exact value on ill-conditioned chains
    run = ANALYSES[analysis]
    with config.override(tolerance=INF):  # report whatever bound was reached
        res = run(numeric, c)
    check_contains(res, run(exact, c))


@settings(deadline=None)
@given(reducible_chains(), st.sampled_from(["absorption", "stationary", "limiting"]))
def test_certified_bound_contains_the_exact_value_on_random_chains(c, name):
    kwargs = {"initial": 0} if name == "limiting" else {}
    with config.override(tolerance=INF):
        res = getattr(numeric, name)(c, **kwargs)
    check_contains(res, getattr(exact, name)(c, **kwargs))


@settings(deadline=None)
@given(absorbing_chains(num_closed_classes=st.integers(1, 3), max_transient=6),
       st.integers(0, 6))
def test_bounded_reachability_bound_contains_the_exact_value(c, horizon):
    target = [classify(c).absorbing[0]]
    with config.override(tolerance=INF):
        res = numeric.bounded_reachability(c, target, horizon)
    check_contains(res, exact.bounded_reachability(c, target, horizon))


# --------------------------------------------------------------------------- the primitives
@given(st.lists(st.fractions(min_value=F(-10**6), max_value=F(10**6), max_denominator=10**12),
                min_size=1, max_size=8))
def test_split_exact_is_double_double_accurate(values):
    hi, lo = split_exact(values)
    for v, h, low in zip(values, hi, lo):
        assert h == float(v)
        assert abs(v - F(h) - F(low)) <= F(U) ** 2 * abs(v)


@st.composite
def systems(draw):
    """A random nonsingular M-matrix ``A = I - M`` with exact entries, and float vectors."""
    m = draw(st.integers(1, 6))
    rows, cols, vals, diag = [], [], [], []
    for i in range(m):
        others = draw(st.lists(st.integers(0, m - 1).filter(lambda j, i=i: j != i),
                               unique=True, max_size=3))
        weights = [draw(st.integers(1, 9)) for _ in others] + [draw(st.integers(1, 9))]
        total = sum(weights) + draw(st.integers(0, 9))
        for j, w in zip(others, weights):
            rows.append(i)
            cols.append(j)
            vals.append(F(w, total))
        diag.append(1 - F(draw(st.integers(0, weights[-1] - 1)), total))  # 1 - M[i, i]
    x = [draw(st.floats(-1e6, 1e6)) for _ in range(m)]
    return m, rows, cols, vals, diag, x


def _as_system(m, rows, cols, vals, diag, lo=False):
    order = np.lexsort((cols, rows))
    rows, cols = np.asarray(rows, np.int64)[order], np.asarray(cols, np.int64)[order]
    vals = [vals[k] for k in order]
    ptr = np.zeros(m + 1, dtype=np.int64)
    np.add.at(ptr, rows + 1, 1)
    np.cumsum(ptr, out=ptr)
    hi, off_lo = split_exact(vals) if vals else (np.zeros(0), np.zeros(0))
    dhi, dlo = split_exact(diag)
    sysA = FloatSystem(ptr, cols, hi, dhi, np.full(m, U), lo=(off_lo, dlo) if lo else None)
    A = [[F(0)] * m for _ in range(m)]
    for i in range(m):
        A[i][i] = diag[i]
    for i, j, v in zip(rows.tolist(), cols.tolist(), vals):
        A[i][j] -= v
    return sysA, A


@given(systems(), st.booleans())
def test_CERT_2(system, dd):
    # residual bounds (float and double-double) contain the exact residual
    m, rows, cols, vals, diag, x = system
    sysA, A = _as_system(m, rows, cols, vals, diag, lo=dd)
    b = [F(1, 3) * (i + 1) for i in range(m)]
    bhi, blo = split_exact(b)
    xv = np.array(x)
    if dd:
        _, rbar = sysA.residual_dd(bhi, blo, xv, 0.0)
    else:
        rbar = sysA.residual_bound(bhi, np.abs(np.array([float(v) for v in b])) * U, xv)
    for i in range(m):
        exact_r = b[i] - sum(A[i][j] * F(x[j]) for j in range(m))
        assert abs(exact_r) <= F(rbar[i])


@given(systems())
def test_CERT_2_lower_bound_of_Av(system):
    m, rows, cols, vals, diag, x = system
    sysA, A = _as_system(m, rows, cols, vals, diag)
    v = np.abs(np.array(x))
    low = sysA.lower_Av(v)
    for i in range(m):
        assert F(low[i]) <= sum(A[i][j] * F(float(v[j])) for j in range(m))


def test_relative_bound_conventions():
    assert relative_bound(np.array([1.0, 2.0]), np.array([0.0, 0.0])) == 0.0
    assert relative_bound(np.array([1.0]), np.array([1.0])) == INF  # the bound reaches it
    assert relative_bound(np.array([0.0]), np.array([TINY / 2])) == 0.0  # underflow
    assert relative_bound(np.array([1.0]), np.array([np.inf])) == INF
    assert relative_bound(np.array([2.0]), np.array([1e-3])) == pytest.approx(1e-3 / (2 - 1e-3))


@given(systems(), st.lists(st.integers(0, 5), min_size=6, max_size=6))
def test_CERT_1(system, weights):
    # the enclosure v verified by lower_Av satisfies v >= A^{-1} w, exactly
    import sympy

    m, rows, cols, vals, diag, _ = system
    sysA, A = _as_system(m, rows, cols, vals, diag)
    Ad = np.array([[float(x) for x in row] for row in A])
    w = np.array([float(F(k, 7)) for k in weights[:m]])
    v = sysA.enclose(lambda r: np.linalg.solve(Ad, r), w)
    if not np.isfinite(v).all():
        return  # (refused: claims nothing)
    exact_sol = sympy.Matrix([[sympy.Rational(x.numerator, x.denominator) for x in row]
                              for row in A]).LUsolve(
        sympy.Matrix([sympy.Rational(*F(float(x)).as_integer_ratio()) for x in w]))
    for i in range(m):
        assert 0 <= exact_sol[i] <= sympy.Rational(*F(float(v[i])).as_integer_ratio())
