"""p-adic (Dixon) block solver: exact agreement with the rational LU, and its safety nets.

The oracle is ``_linsolve._ExactLU`` (sparse rational elimination) or, for blocks too big for it
in a fast test, the exact residual ``A x - b`` in fmpq arithmetic.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from flint import fmpq, fmpz
from hypothesis import given
from hypothesis import strategies as st

import chainlab._linalg.padic as padic
from chainlab._linalg import modular
from chainlab._linalg.linsolve import _ExactLU
from chainlab._linalg.padic import PadicLU, order_and_fill, prefer_padic

PRIME_BITS = [pytest.param(12, id="p12"), pytest.param(20, id="p20"), pytest.param(30, id="p30")]


# --------------------------------------------------------------------------- blocks
def _obj(values) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


@st.composite
def m_matrix_blocks(draw, max_states: int = 12, max_columns: int = 3):
    """``(rows, cols, vals, diag, rhs)`` of a block ``A = I - M`` with ``M`` substochastic.

    Built constructively: every row of ``M`` draws integer weights for a few targets (itself
    included: the diagonal) plus a positive "leak" weight, so ``I - M`` is strictly diagonally
    dominant -- a nonsingular M-matrix, like every block ``_linsolve`` hands over.
    """
    s = draw(st.integers(1, max_states))
    k = draw(st.integers(1, max_columns))
    rows, cols, vals, diag = [], [], [], []
    for i in range(s):
        targets = sorted(set(draw(st.lists(st.integers(0, s - 1), max_size=4))))
        weights = [draw(st.integers(1, 5)) for _ in targets]
        total = sum(weights) + draw(st.integers(1, 4))
        d = fmpq(1)
        for j, w in zip(targets, weights):
            if j == i:
                d -= fmpq(w, total)
            else:
                rows.append(i)
                cols.append(j)
                vals.append(fmpq(-w, total))
        diag.append(d)
    rhs = np.empty((s, k), dtype=object)
    for i in range(s):
        for c in range(k):
            rhs[i, c] = fmpq(draw(st.integers(-3, 6)), draw(st.sampled_from([1, 2, 3, 7, 10])))
    return (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), _obj(vals),
            _obj(diag), rhs)


def _rational_lu(rows, cols, vals, diag, rhs):
    order, _ = order_and_fill(rows, cols, len(diag))
    return _ExactLU(rows, cols, vals, diag, order).solve(rhs)


def _residual_is_zero(rows, cols, vals, diag, x, rhs) -> bool:
    Ax = np.empty(rhs.shape, dtype=object)
    for i in range(len(diag)):
        Ax[i] = [diag[i] * x[i, c] for c in range(rhs.shape[1])]
    for i, j, v in zip(rows.tolist(), cols.tolist(), vals):
        Ax[i] = [Ax[i, c] + v * x[j, c] for c in range(rhs.shape[1])]
    return bool((Ax == rhs).all())


def grid_block(m: int):
    """Interior of an ``m x m`` grid walk (up 3/10, down 1/5, left 1/4, right 1/4); columns:
    probability of leaving through the top edge, and 1 (expected steps)."""
    probs = ((0, 1, fmpq(3, 10)), (0, -1, fmpq(1, 5)), (-1, 0, fmpq(1, 4)), (1, 0, fmpq(1, 4)))
    n = m - 2
    rows, cols, vals, rhs = [], [], [], []
    for y in range(n):
        for x in range(n):
            top = fmpq(0)
            for dx, dy, pr in probs:
                X, Y = x + dx, y + dy
                if 0 <= X < n and 0 <= Y < n:
                    rows.append(y * n + x)
                    cols.append(Y * n + X)
                    vals.append(-pr)
                elif Y == n:
                    top += pr
            rhs.append([top, fmpq(1)])
    out = np.empty((n * n, 2), dtype=object)
    out[:] = rhs
    return (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), _obj(vals),
            _obj([fmpq(1)] * (n * n)), out)


@pytest.fixture(scope="module")
def gmm_blocks():
    """The blocks of the transient states of GMM n = K = 4, r = 2, k = 1 (497 states), with
    right-hand sides ``[P(polarized in one step), 1]``."""
    from chainlab._analysis.formulas import _collapse
    from chainlab._linalg.linsolve import SubsystemSolver
    from chainlab.compiler import compile_model
    from chainlab.models import GMMAgents
    from chainlab.polarization import class_kinds
    from chainlab.structure import classify

    cc = compile_model(GMMAgents(agents=4, components=4, memory=2, neighbours=1))
    chain = cc.chain
    st_ = classify(chain)
    kinds = class_kinds(cc)
    group = np.array([0 if k == "polarized" else -1 for k in kinds] + [-1])[st_.closed_class_of]
    T = np.asarray(st_.transient, dtype=np.int64)
    R = _collapse(chain, T, group, 1, True)
    solver = SubsystemSolver(chain, T, exact=True)
    blocks = []
    for kind, states in solver._plan:
        if kind not in ("small", "big"):
            continue  # (singletons are solved by substitution)
        rows, cols, vals, diag = solver._block_matrix(states)
        rhs = np.empty((len(states), 2), dtype=object)
        rhs[:, 0] = R[states, 0]
        rhs[:, 1] = fmpq(1)
        blocks.append((rows, cols, vals, diag, rhs))
    return blocks


# --------------------------------------------------------------------------- agreement
@given(block=m_matrix_blocks(), bits=st.sampled_from([12, 20, 30]))
def test_matches_rational_lu_on_random_m_matrices(block, bits):
    rows, cols, vals, diag, rhs = block
    got = PadicLU(rows, cols, vals, diag, prime_bits=bits).solve(rhs)
    assert (got == _rational_lu(rows, cols, vals, diag, rhs)).all()


@pytest.mark.parametrize("bits", PRIME_BITS)
def test_matches_rational_lu_on_gmm_blocks(gmm_blocks, bits):
    assert len(gmm_blocks) >= 2 and max(len(b[3]) for b in gmm_blocks) > 200
    for rows, cols, vals, diag, rhs in gmm_blocks:
        lu = PadicLU(rows, cols, vals, diag, prime_bits=bits)
        assert (lu.solve(rhs) == _rational_lu(rows, cols, vals, diag, rhs)).all()
        assert lu.rejected == 0


def test_polarization_of_gmm_through_padic(monkeypatch):
    """End to end: every exact block of the chain solved by PadicLU (doctest value 0.3406)."""
    from chainlab._linalg import linsolve as _linsolve
    from chainlab.compiler import compile_model
    from chainlab.models import GMMAgents
    from chainlab.polarization import polarization

    cc = compile_model(GMMAgents(agents=4, components=4, memory=2, neighbours=1))
    reference = polarization(cc)
    original = _linsolve.SubsystemSolver._factor
    used = []

    def factor(self, states, big, *args, **kwargs):
        if not self.exact:
            return original(self, states, big, *args, **kwargs)
        used.append(len(states))
        return PadicLU(*self._block_matrix(states))

    monkeypatch.setattr(_linsolve.SubsystemSolver, "_factor", factor)
    cc = compile_model(GMMAgents(agents=4, components=4, memory=2, neighbours=1))
    res = polarization(cc)
    assert used
    assert res.polarization_probability == reference.polarization_probability
    assert res.expected_rounds == reference.expected_rounds
    assert round(float(res.polarization_probability), 4) == 0.3406
    flt = polarization(cc, method="float")
    assert abs(float(res.polarization_probability) - flt.polarization_probability) < 1e-9


def test_elimination_rounds_with_limbs(monkeypatch):
    """Force many independent-set rounds (cost model off) on a grid: permutations, Schur
    complements and limb-split products against the rational LU."""
    monkeypatch.setattr(padic, "_COST_SPARSE", 0.0)
    monkeypatch.setattr(padic, "_COST_ROUND", 0.0)
    rows, cols, vals, diag, rhs = grid_block(14)  # 144 states
    lu = PadicLU(rows, cols, vals, diag, prime_bits=30)
    assert len(lu._mod.rounds) >= 2 and lu._mod.dense is not None
    assert (lu.solve(rhs) == _rational_lu(rows, cols, vals, diag, rhs)).all()


def test_bigger_grid_exact_residual():
    rows, cols, vals, diag, rhs = grid_block(26)  # 576 states: rounds + dense inverse in blocks
    lu = PadicLU(rows, cols, vals, diag)
    x = lu.solve(rhs)
    assert _residual_is_zero(rows, cols, vals, diag, x, rhs)
    assert lu.rejected == 0


def test_wanted_rows_only(gmm_blocks):
    rows, cols, vals, diag, rhs = gmm_blocks[-1]
    wanted = np.array([0, 5, len(diag) - 1])
    got = PadicLU(rows, cols, vals, diag, wanted=wanted).solve(rhs)
    ref = _rational_lu(rows, cols, vals, diag, rhs)
    assert (got[wanted] == ref[wanted]).all()
    others = np.setdiff1d(np.arange(len(diag)), wanted)
    assert all(v is None for v in got[others].ravel())


# --------------------------------------------------------------------------- safety nets
def test_verification_rejects_a_reconstruction_from_too_few_digits(gmm_blocks):
    """Stop lifting too early on purpose, even with the *true* common denominator: the
    numerators read off the truncated expansion are wrong and the exact check refuses them."""
    rows, cols, vals, diag, rhs = gmm_blocks[-1]
    lu = PadicLU(rows, cols, vals, diag)
    B, dens = lu._integer_rhs(rhs)
    ref = _rational_lu(rows, cols, vals, diag, rhs)
    d = fmpz(1)  # common denominator of x_Z = A_Z^{-1} B = D_c x
    for c in range(rhs.shape[1]):
        for v in ref[:, c]:
            d = d.lcm((v * dens[c]).q)
    lift = padic._Lift(lu, B)
    for _ in range(3):
        lift.step()
    assert lu._reconstruct(lift.digits(), lift.modulus, d, B, dens) is None
    assert lu.rejected == 1
    while lift.n < 80:  # plenty of digits: the same call now succeeds
        lift.step()
    assert (lu._reconstruct(lift.digits(), lift.modulus, d, B, dens) == ref).all()
    assert lu.rejected == 1


@pytest.mark.parametrize("run_nnz", [1 << 14, 50, 1], ids=["one-run", "runs-of-50", "row-by-row"])
def test_exact_check_rejects_a_perturbed_numerator(gmm_blocks, monkeypatch, run_nnz):
    monkeypatch.setattr(padic, "_VERIFY_NNZ", run_nnz)  # the check goes by runs of rows
    rows, cols, vals, diag, rhs = gmm_blocks[0]
    lu = PadicLU(rows, cols, vals, diag)
    B, dens = lu._integer_rhs(rhs)
    x = lu.solve(rhs)
    d = fmpz(1)
    for c in range(B.shape[1]):
        for v in x[:, c]:
            d = d.lcm((v * dens[c]).q)
    Y = np.empty(B.shape, dtype=object)
    for c in range(B.shape[1]):
        Y[:, c] = [(v * dens[c] * d).p for v in x[:, c]]
    assert padic._verify(lu._A, Y, B, d)
    for row in (0, len(diag) // 2, len(diag) - 1):  # first, middle and last run
        Y[row, 0] += 1
        assert not padic._verify(lu._A, Y, B, d)
        Y[row, 0] -= 1
    assert padic._verify(lu._A, Y, B, d)


@pytest.mark.parametrize("m", [8, 12])
def test_eager_checkpoints_still_exact(monkeypatch, m):
    """Reconstruction tried after every digit with no quotient gap required: premature
    candidates reach the exact check and are rejected there; the result is the exact one."""
    monkeypatch.setattr(PadicLU, "gap_bits", 0)
    monkeypatch.setattr(PadicLU, "min_step", 1)
    monkeypatch.setattr(PadicLU, "growth", 10**9)
    rows, cols, vals, diag, rhs = grid_block(m)
    lu = PadicLU(rows, cols, vals, diag)
    got = lu.solve(rhs)
    assert (got == _rational_lu(rows, cols, vals, diag, rhs)).all()
    assert lu.rejected >= 1


def test_refuses_rows_too_wide_for_int64():
    big = [fmpq(1, q) for q in (2**31 - 1, 2**31 - 19, 2**31 + 11)]  # pairwise coprime
    rows = np.zeros(3, dtype=np.int64)
    cols = np.array([1, 2, 3])
    vals = _obj([-v / 2 for v in big])
    diag = _obj([fmpq(1)] * 4)
    with pytest.raises(ValueError, match="too large for int64"):
        PadicLU(rows, cols, vals, diag)


def test_refuses_a_dense_remainder_above_the_limit():
    rows, cols, vals, diag, _ = grid_block(14)
    with pytest.raises(ValueError, match="dense_max"):
        PadicLU(rows, cols, vals, diag, dense_max=10)


# --------------------------------------------------------------------------- helpers
@pytest.mark.parametrize("p", [13, 8191, 1048573, 1073741789])
def test_digits_to_ints(p):
    rng = np.random.default_rng(p)
    D = rng.integers(0, p, size=(150, 7))
    got = padic._digits_to_ints(D, p)
    for e in range(7):
        want = 0
        for i in reversed(range(150)):
            want = want * p + int(D[i, e])
        assert got[e] == want


def test_signed_digits_round_trip():
    p = 1048573
    B = np.array([[0, -1], [p**5 + 7, -(3 * p**9) + 2]], dtype=object)
    digits = padic._signed_digits(B, p)
    back = sum(d.astype(object) * p**i for i, d in enumerate(digits))
    assert (back == B).all()


def test_mqrr_unbalanced_fraction():
    m = fmpz(1048573) ** 12  # ~240 bits
    n, d = fmpz(3) ** 100, fmpz(97)  # 159-bit numerator over a 7-bit denominator
    u = n * pow(int(d), -1, int(m)) % m
    assert modular.mqrr(u, m, 32) == (n, d)
    # Wang with balanced bounds (numerator and denominator below sqrt(m / 2)) cannot see it
    assert padic._wang(u, m, m.bit_length() // 2) != (n, d)
    assert modular.mqrr(fmpz(0), m, 32) == (0, 1)


def test_prefer_padic():
    rows, cols, vals, diag, _ = grid_block(24)
    order, fill = order_and_fill(rows, cols, len(diag))
    assert sorted(order.tolist()) == list(range(len(diag)))
    assert prefer_padic(rows, cols, len(diag), fill)  # a grid fills in
    assert prefer_padic(rows, cols, len(diag))  # (fill computed when not given)
    path_rows = np.concatenate([np.arange(499), np.arange(1, 500)])
    path_cols = np.concatenate([np.arange(1, 500), np.arange(499)])
    assert not prefer_padic(path_rows, path_cols, 500)  # a path does not
    assert not prefer_padic(rows[:10], cols[:10], 50, 10**6)  # too small to bother
    wide = np.repeat(np.arange(300), 9)  # nine entries per row: wide rows decide alone
    assert prefer_padic(wide, (wide + np.tile(np.arange(1, 10), 300)) % 300, 300, fill=0)


def test_fraction_inputs_accepted():
    """Right-hand sides may hold ints or Fractions as well as fmpq."""
    rows = np.array([0, 1])
    cols = np.array([1, 0])
    vals = _obj([fmpq(-1, 3), fmpq(-1, 2)])
    diag = _obj([fmpq(1), fmpq(1)])
    rhs = np.empty((2, 1), dtype=object)
    rhs[:, 0] = [Fraction(1, 3), 1]
    x = PadicLU(rows, cols, vals, diag).solve(rhs)
    assert (x[:, 0] == [fmpq(4, 5), fmpq(7, 5)]).all()
