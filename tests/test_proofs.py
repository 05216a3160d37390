"""Every claim in proofs/README.md has a test here (checked by the meta-test at the bottom)."""

from __future__ import annotations

import re
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import sympy
from hypothesis import given
from hypothesis import strategies as st

from chainlab import Chain, exact
from chainlab._linalg.linsolve import SubsystemSolver, _ExactLU
from chainlab.strategies import reducible_chains
from chainlab.structure import classify

ROOT = Path(__file__).resolve().parents[1]


def _sym(x):
    return sympy.Rational(x.numerator, x.denominator)


def _dense_Q_R(c: Chain):
    cf = exact.canonical_form(c)
    Q = sympy.Matrix([[_sym(x) if x else 0 for x in row] for row in cf.Q.toarray()]) \
        if cf.transient else sympy.zeros(0, 0)
    R = sympy.Matrix([[_sym(x) if x else 0 for x in row] for row in cf.R.toarray()]) \
        if cf.transient else sympy.zeros(0, len(cf.closed_classes))
    return cf, Q, R


@given(reducible_chains(max_transient=5))
def test_ABS_1(c):
    cf, Q, R = _dense_Q_R(c)
    if not cf.transient:
        return
    assert (sympy.eye(Q.shape[0]) - Q).det() != 0
    B = exact.absorption(c).B
    assert all(sum(B[i]) == 1 for i in cf.transient)


@given(reducible_chains(max_transient=5))
def test_ABS_2(c):
    cf, Q, R = _dense_Q_R(c)
    if not cf.transient:
        return
    N = (sympy.eye(Q.shape[0]) - Q).inv()
    res = exact.absorption(c)
    B, t = N * R, N * sympy.ones(Q.shape[0], 1)
    for r, i in enumerate(cf.transient):
        assert [_sym(x) for x in res.B[i]] == list(B.row(r))
        assert _sym(res.t[i]) == t[r]


def test_ABS_3():
    # from 0: stay w.p. 1/3, else go to absorbing 1 -> T ~ Geometric(2/3), Var = (1/3)/(4/9) = 3/4
    c = Chain([[F(1, 3), F(2, 3)], [0, 1]])
    res = exact.absorption(c)
    assert res.t[0] == F(3, 2) and res.variance[0] == F(3, 4)


@given(reducible_chains(max_transient=5))
def test_ABS_3_both_forms(c):
    # the solved form (I - Q) v = c agrees with 2 N t - t - t^2 from a dense inverse
    cf, Q, R = _dense_Q_R(c)
    if not cf.transient:
        return
    N = (sympy.eye(Q.shape[0]) - Q).inv()
    t = N * sympy.ones(Q.shape[0], 1)
    var = 2 * N * t - t - t.applyfunc(lambda x: x * x)
    res = exact.absorption(c)
    assert [_sym(res.variance[i]) for i in cf.transient] == list(var)


@given(reducible_chains(max_transient=5), st.integers(0, 100))
def test_ABS_4(c, k):
    target = [k % c.num_states]
    h = exact.hitting(c, target)
    # compare with a dense sympy solve of the first-step equations on U
    from chainlab.structure import can_reach

    reach = can_reach(c, np.array(target))
    U = [i for i in range(c.num_states) if reach[i] and i not in target]
    P = {(i, j): _sym(v) for i, j, v in c.transitions()}
    if U:
        A = sympy.Matrix([[int(i == j) - P.get((i, j), 0) for j in U] for i in U])
        b = sympy.Matrix([sum(P.get((i, a), 0) for a in target) for i in U])
        sol = A.LUsolve(b)
        assert [_sym(h.probabilities[i]) for i in U] == list(sol)
    # finite expected time exactly where the hitting probability is 1
    for i in range(c.num_states):
        assert (h.expected_times[i] != float("inf")) == (h.probabilities[i] == 1)


@given(reducible_chains(max_transient=5))
def test_ABS_5(c):
    s = exact.stationary(c)
    P = {(i, j): v for i, j, v in c.transitions()}
    for C, pi in zip(s.closed_classes, s.distributions):
        for a, j in enumerate(C):
            assert sum(pi[r] * P.get((i, j), 0) for r, i in enumerate(C)) == pi[a]


@given(reducible_chains(max_transient=5), st.randoms(use_true_random=False))
def test_LIN_1(c, rnd):
    T = np.asarray(classify(c).transient, dtype=np.int64)
    if len(T) == 0:
        return
    solver = SubsystemSolver(c, T, exact=True)
    rows, cols, vals, diag = solver._block_matrix(np.arange(len(T)))
    order = list(range(len(T)))
    rnd.shuffle(order)
    lu = _ExactLU(rows, cols, vals, diag, np.array(order))
    for k in order:
        assert lu._U[k][k] > 0  # positive pivot
        assert all(v <= 0 for j, v in lu._U[k].items() if j != k)  # no sign change
        assert all(f <= 0 for _, f in lu._L[k])


@given(reducible_chains(max_transient=5))
def test_LIN_2(c):
    cf, Q, R = _dense_Q_R(c)
    if not cf.transient:
        return
    b = sympy.ones(Q.shape[0], 1)
    dense = (sympy.eye(Q.shape[0]) - Q).LUsolve(b)
    blocked = SubsystemSolver(c, np.asarray(cf.transient), exact=True).solve(
        np.array([exact_one() for _ in cf.transient], dtype=object))
    assert [sympy.Rational(int(x.p), int(x.q)) for x in blocked] == list(dense)


def exact_one():
    from flint import fmpq

    return fmpq(1)


# --------------------------------------------------------------------------- meta-test
def _claim_ids() -> set[str]:
    text = (ROOT / "proofs" / "README.md").read_text()
    return set(re.findall(r"^\| ([A-Z]+-\d+) \|", text, flags=re.M))


def test_every_claim_has_a_test_and_every_cited_claim_exists():
    ids = _claim_ids()
    assert ids, "proofs/README.md lists no claims"
    test_names = set()
    for f in (ROOT / "tests").rglob("test_*.py"):
        test_names |= set(re.findall(r"def (test_[A-Z]+_\d+)\b", f.read_text()))
    missing = {i for i in ids if f"test_{i.replace('-', '_')}" not in test_names}
    assert not missing, f"claims without a test: {sorted(missing)}"
    cited = set()
    for f in (ROOT / "chainlab").rglob("*.py"):
        cited |= set(re.findall(r"\b((?:ABS|LIN|POL|LUMP|GMM|BND|CERT|SYM|CMB)-\d+)\b",
                                f.read_text()))
    unknown = cited - ids
    assert not unknown, f"docstrings cite unknown claims: {sorted(unknown)}"
