r"""Exact solve of a big, fill-heavy block ``A x = b`` by Dixon's p-adic lifting.

``A = I - M`` is one block of a nonsingular M-matrix -- a big strongly connected component or a
merged run of small ones -- given as ``_linsolve._ExactLU`` gets it: off-diagonal entries
``rows, cols, vals`` and the diagonal ``diag``, all ``fmpq``. Sparse rational elimination of
such a block fills in, and every filled entry is a rational whose size grows with the number of
eliminated states. Here all elimination happens
modulo one word-size prime ``p`` instead, and the exact solution is recovered from its p-adic
expansion:

1. **Integers.** Row ``i`` is multiplied by the lcm ``L_i`` of its denominators, so
   ``A_Z = diag(L) A`` is an integer matrix (int64), and each right-hand-side column by the lcm
   of its denominators, ``B_Z = D_c diag(L) b``. Then ``x = A_Z^{-1} B_Z / D_c``.
2. **Factor modulo p, once** (:class:`_ModularInverse`). A few rounds of *independent-set
   elimination*: a maximal set ``I`` of states no two of which are adjacent in ``A + A^T`` has a
   diagonal ``A[I, I]``, so eliminating it costs one sparse product for the Schur complement
   ``S = A22 - A21 diag^{-1} A12`` (mod p) and leaves ``A21``, ``A12`` as the only factors.
   Rounds stop when a cost model says the remaining Schur complement is better inverted densely:
   blocked Gauss-Jordan inversion modulo p with float64 BLAS products, exact because every
   product sum stays below ``2^53`` (operands are split into limbs when ``p`` is large).
3. **Lift** (:class:`PadicLU.solve`): ``x_i = A_Z^{-1} r_i mod p`` with the factors of step 2,
   ``r_{i+1} = (r_i - A_Z x_i) / p`` with an int64 sparse product (exact division), so that
   ``x = sum_i x_i p^i``. The right-hand side enters digit by digit (its base-``p`` digits are
   added to the carried residual), so every iteration runs in machine integers.
4. **Stop early, never trust.** A random integer combination ``z`` of all solution entries has
   the common denominator of the solution; at geometrically spaced checkpoints ``z mod p^N`` is
   rationally reconstructed (maximal-quotient reconstruction, which does not assume the
   numerator and denominator have the same size), all entries are brought over that
   denominator ``d``, and the candidate ``y = d x`` is **verified exactly**:
   ``A_Z y == d B_Z`` with Python integers. A candidate that fails is discarded and lifting goes
   on; the result never depends on a bound or a probability.

Cost: the factorisation is ``O(m^3)`` word operations for the dense remainder of size ``m``
(BLAS), each iteration one ``m x m`` product plus sparse products, and the number of iterations
is the size in bits of the exact solution (numerators plus common denominator) over ``log2 p``.
Rational elimination instead pays the fill times the size of the fill-in rationals.

Hand-written because no library offers it: python-flint's ``fmpz_mat.solve`` / ``fmpq_mat.solve``
(also Dixon) need the matrix dense and multiply the dense *integer* matrix every iteration
(measured 28 s on a 2,788-state block that sparse rational LU solves in 1.6 s), and its
``nmod_mat.inv`` has no sparse or partial variant.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from flint import fmpq, fmpz

from .budget import row_scales
from .modular import mqrr, prime_below, wang

__all__: list[str] = []

_EXACT = 1 << 52  # float64 sums below this are exact integers (one bit of headroom)
_I64 = 1 << 62  # int64 values kept below this (headroom for one addition)

#: bits of the lifting prime (before the exactness bounds lower it); 30 bits needs two or three
#: limbs per float64 product but gains 50% more bits per iteration than a 20-bit prime.
PRIME_BITS = 30

# Cost model of one lifting iteration, in units of one entry of the dense inverse (~1.7 ns of
# CPU): only chooses how many elimination rounds to do before going dense -- never affects a
# result. Measured on the 5,821-state GMM block (2-core x86-64 VM): a stored entry of S21 or T
# costs ~10 units per iteration (int64 sparse product with two limbs, plus the reductions), and
# each round ~0.2 ms of numpy calls.
_COST_SPARSE = 10.0
_COST_ROUND = 100_000.0
_CHUNK = 64  # digits per leaf in _digits_to_ints
#: bits of a denominator factor recovered by Wang's reconstruction in the convergence filter
_EXTRA_BITS = 64
_VERIFY_NNZ = 1 << 14  # nonzeros per run of rows in _verify (bounds its big-integer products)
#: largest dense remainder (states) inverted modulo p: 8 m^2 bytes, ~2 m^3 flops per limb
DENSE_MAX = 6000


class _ZeroPivot(ArithmeticError):
    """A pivot vanished modulo p (p divides a principal minor): retry with another prime."""


# ---------------------------------------------------------------------- arithmetic modulo p
def _limb_bits(inner: int, p: int) -> int:
    """Largest ``h`` with ``inner * (p - 1) * (2^h - 1) < 2^52``: a float64 product of a
    ``[0, p)`` matrix with ``h``-bit limbs over ``inner`` terms is exact."""
    budget = _EXACT // (max(inner, 1) * (p - 1))
    return max(1, budget.bit_length() - 1)


def _reduce_float(X: np.ndarray, p: int) -> np.ndarray:
    """``X mod p`` in place for float64 integers ``|X| < 2^53``, result in ``[0, p)``."""
    q = np.multiply(X, 1.0 / p)
    np.floor(q, out=q)
    q *= p
    X -= q
    # the rounded quotient can be off by one either way (masked ufuncs: no gather/scatter)
    mask = np.less(X, 0)
    np.add(X, p, out=X, where=mask)
    np.greater_equal(X, p, out=mask)
    np.subtract(X, p, out=X, where=mask)
    return X


class _Dense:
    """A dense ``[0, p)`` matrix (float64) and exact products ``(W @ V) mod p``."""

    def __init__(self, W: np.ndarray, p: int):
        self.W = W
        self.p = p
        self.h = _limb_bits(W.shape[1], p)
        self.nl = -(-(p - 1).bit_length() // self.h)

    def mul(self, V: np.ndarray) -> np.ndarray:
        """``(W @ V) mod p`` for int64 ``V`` in ``[0, p)``, shape ``(n, k)``; returns int64."""
        p, h, nl = self.p, self.h, self.nl
        if nl == 1:
            return _reduce_float(self.W @ V.astype(np.float64), p).astype(np.int64)
        k = V.shape[1]
        mask = (1 << h) - 1
        # all limbs side by side in one product: the matrix is read once per iteration
        limbs = np.concatenate([(V >> (h * l)) & mask for l in range(nl)], axis=1)
        T = self.W @ limbs.astype(np.float64)
        return _horner(T, k, nl, h, p).astype(np.int64)


def _horner(T: np.ndarray, k: int, nl: int, h: int, p: int) -> np.ndarray:
    """``sum_l T_l 2^(h l) mod p`` for the ``nl`` column groups ``T_l`` (width ``k``) of ``T``.

    Horner in float64, exact: ``acc < p`` and ``h + log2 p < 53`` by the choice of ``h``.
    """
    acc = _reduce_float(T[:, (nl - 1) * k:].copy(), p)
    scale = float(1 << h)
    for l in range(nl - 2, -1, -1):
        acc *= scale
        acc += _reduce_float(T[:, l * k:(l + 1) * k].copy(), p)
        _reduce_float(acc, p)
    return acc


def _spmv(M: sp.csr_array, Y: np.ndarray, p: int, h: int) -> np.ndarray:
    """``(M @ Y) mod p`` for int64 CSR ``M`` and ``Y`` with entries in ``[0, p)``.

    ``Y`` is split into ``h``-bit limbs (side by side: one sparse product) so that every int64
    row sum is exact (``h`` from :func:`_sparse_limb_bits`).
    """
    if h >= (p - 1).bit_length():
        return (M @ Y) % p
    k = Y.shape[1]
    out = M @ np.concatenate([Y >> h, Y & ((1 << h) - 1)], axis=1)
    out %= p
    hi = out[:, :k]
    hi <<= h  # < 2^(log2 p + h) <= 2^62
    hi += out[:, k:]
    return hi % p


def _sparse_limb_bits(M: sp.csr_array, p: int) -> int:
    """Limb size for :func:`_spmv` (int64 row sums of ``M`` times ``h``-bit limbs < 2^62)."""
    width = int(np.diff(M.indptr).max(initial=1))
    budget = _I64 // (max(width, 1) * (p - 1))
    return max(1, budget.bit_length() - 1)


def _spmm_mod(A: sp.csr_array, B: sp.csr_array, p: int) -> sp.csr_array:
    """Sparse ``(A @ B) mod p`` for int64 matrices with entries in ``[0, p)`` (limbs of ``B``)."""
    inner = max(int(np.diff(A.indptr).max(initial=1)), 1)
    budget = _I64 // (inner * (p - 1))
    h = max(1, budget.bit_length() - 1)
    if h >= (p - 1).bit_length():
        C = (A @ B).tocsr()
        C.data %= p
        return C
    Bh = B.copy()
    Bh.data = B.data >> h
    Bl = B.copy()
    Bl.data = B.data & ((1 << h) - 1)
    Ch = (A @ Bh).tocsr()
    Ch.data = (Ch.data % p) * ((1 << h) % p) % p
    Cl = (A @ Bl).tocsr()
    Cl.data %= p
    C = (Ch + Cl).tocsr()
    C.data %= p
    return C


def _inverse_dense(W: np.ndarray, p: int, block: int = 128) -> np.ndarray:
    """Inverse modulo p of a dense float64 matrix with entries in ``[0, p)``, in place.

    Blocked Gauss-Jordan by principal pivot transforms (no pivoting: a zero pivot modulo p
    raises :class:`_ZeroPivot`, and the caller retries with another prime -- over the rationals
    every leading principal minor of an M-matrix is positive). Pivoting on the leading block
    ``K`` maps ``[[A11, A12], [A21, A22]]`` to
    ``[[A11^-1, -A11^-1 A12], [A21 A11^-1, A22 - A21 A11^-1 A12]]``; after all blocks the
    matrix holds ``A^{-1}``. All products are float64 BLAS, exact by the limb bounds.
    """
    s = W.shape[0]
    if s <= 16:
        return _inverse_small(W, p)
    h = _limb_bits(block, p)
    nl = -(-(p - 1).bit_length() // h)
    mask = (1 << h) - 1
    rows_per_chunk = 1024
    for k0 in range(0, s, block):
        k1 = min(s, k0 + block)
        P = _inverse_dense(W[k0:k1, k0:k1].copy(), p, block=max(16, block // 4))
        # R = -P @ W[K, :] mod p   (inner dimension b <= block)
        R = _Dense(P, p).mul(W[k0:k1, :].astype(np.int64))
        R = (p - R) % p
        # limbs of R side by side: one product per row chunk, then Horner (see _horner)
        Rl = np.concatenate([(R >> (h * l)) & mask for l in range(nl)], axis=1).astype(np.float64)
        C = W[:, k0:k1].copy()
        for a, b in ((0, k0), (k1, s)):
            for r0 in range(a, b, rows_per_chunk):
                r1 = min(b, r0 + rows_per_chunk)
                blk = W[r0:r1]
                if nl == 1:
                    blk += C[r0:r1] @ Rl
                else:
                    blk += _horner(C[r0:r1] @ Rl, s, nl, h, p)
                _reduce_float(blk, p)
        CP = _Dense(C, p).mul(P.astype(np.int64))
        W[:, k0:k1] = CP
        W[k0:k1, :] = R
        W[k0:k1, k0:k1] = P
    return W


def _inverse_small(W: np.ndarray, p: int) -> np.ndarray:
    """Unblocked Gauss-Jordan modulo p on a tiny float64 matrix (int64 arithmetic)."""
    A = W.astype(np.int64) % p
    s = A.shape[0]
    for k in range(s):
        piv = int(A[k, k])
        if piv == 0:
            raise _ZeroPivot
        inv = pow(piv, -1, p)
        R = (-inv * A[k, :]) % p if p < (1 << 31) else np.array(
            [(-inv * int(v)) % p for v in A[k, :]], dtype=np.int64)
        C = A[:, k].copy()
        A = (A + _outer_mod(C, R, p)) % p
        A[:, k] = (C * inv) % p if p < (1 << 31) else np.array(
            [(int(v) * inv) % p for v in C], dtype=np.int64)
        A[k, :] = R
        A[k, k] = inv
    return A.astype(np.float64)


def _outer_mod(c: np.ndarray, r: np.ndarray, p: int) -> np.ndarray:
    if p < (1 << 31):
        return np.multiply.outer(c, r) % p
    return np.array([[(int(a) * int(b)) % p for b in r] for a in c], dtype=np.int64)


# ---------------------------------------------------------------------- factor modulo p
class _Round:
    """One independent-set elimination round, in the permuted order of :class:`_ModularInverse`:
    the eliminated states ``I`` are positions ``[lo, mid)``, the kept ones ``R`` are ``[mid, n)``.
    ``S21`` is ``S[R, I]``; ``T = diag(S[I, I])^{-1} S[I, R]`` (mod p)."""

    __slots__ = ("lo", "mid", "dinv", "S21", "T", "h21", "hT")

    def __init__(self, lo, mid, dinv, S21, T, p):
        self.lo, self.mid, self.dinv = lo, mid, dinv
        self.S21, self.T = S21, T
        self.h21 = _sparse_limb_bits(S21, p)
        self.hT = _sparse_limb_bits(T, p)


def _independent_set(S: sp.csr_array, ok: np.ndarray) -> np.ndarray:
    """Greedy maximal independent set of the graph of ``S + S^T`` among ``ok`` vertices,
    smallest degree first (sorted indices)."""
    G = (S + S.T).tocsr()
    G.setdiag(0)
    G.eliminate_zeros()
    deg = np.diff(G.indptr)
    ptr, idx = G.indptr, G.indices
    blocked = ~ok
    chosen = []
    for v in np.argsort(deg, kind="stable").tolist():
        if not blocked[v]:
            chosen.append(v)
            blocked[idx[ptr[v]:ptr[v + 1]]] = True
            blocked[v] = True
    return np.array(sorted(chosen), dtype=np.int64)


class _ModularInverse:
    """``A^{-1} mod p`` as elimination rounds plus a dense inverse (module docstring, step 2).

    States are permuted so that each round's eliminated set is one contiguous range followed by
    everything kept: a solve works on slices of one array (no gathers per round).
    """

    def __init__(self, A: sp.csr_array, p: int, *, max_rounds: int = 64,
                 dense_max: int | None = None):
        self.p = p
        n = self.n = A.shape[0]
        S = A.copy()
        S.data = S.data % p
        S.eliminate_zeros()
        rounds: list[tuple] = []
        spent = 0.0
        cur = np.arange(n, dtype=np.int64)  # original index of each row of S
        perm: list[np.ndarray] = []
        lo = 0
        m = n
        while m > 64 and len(rounds) < max_rounds:
            d = S.diagonal() % p
            I = _independent_set(S, d != 0)
            if len(I) == 0:
                break
            keep = np.ones(m, dtype=bool)
            keep[I] = False
            R = np.flatnonzero(keep)
            S12 = S[I][:, R].tocsr()
            S21 = S[R][:, I].tocsr()
            extra = _COST_SPARSE * (S12.nnz + S21.nnz) + _COST_ROUND
            m2 = len(R)
            # stop when the dense work this round saves no longer pays for its sparse work
            if float(m) ** 2 - float(m2) ** 2 <= extra:
                break
            dinv = np.array([pow(int(v), -1, p) for v in d[I]], dtype=np.int64)
            T = S12
            T.data = (T.data * dinv[np.repeat(np.arange(len(I)), np.diff(T.indptr))]) % p
            S = (S[R][:, R].tocsr() - _spmm_mod(S21, T, p)).tocsr()
            S.data %= p
            S.eliminate_zeros()
            perm.append(cur[I])
            cur = cur[R]
            rounds.append((lo, lo + len(I), dinv[:, None], S21, T, cur))
            spent += extra
            lo += len(I)
            m = m2
        dense_max = DENSE_MAX if dense_max is None else dense_max
        if m > dense_max:
            raise ValueError(
                f"the dense remainder of the block has {m} states (> dense_max={dense_max}): "
                f"{8 * m * m / 2**20:.0f} MiB and ~{2 * m**3:.1e} flops per prime (use the "
                "rational LU)"
            )
        perm.append(cur)
        self.perm = np.concatenate(perm)
        pos = np.empty(n, dtype=np.int64)
        pos[self.perm] = np.arange(n)
        # later rounds reorder each round's kept states: index S21 rows / T columns that way
        self.rounds = []
        for lo_, mid, dinv, S21, T, kept in rounds:
            old = np.argsort(pos[kept])
            self.rounds.append(_Round(lo_, mid, dinv, S21[old].tocsr(), T[:, old].tocsr(), p))
        self.m = m
        self.dense = _Dense(_inverse_dense(S.toarray().astype(np.float64), p), p) if m else None
        self.cost = spent + float(m) ** 2  # per-iteration cost estimate (dense entry reads)

    def solve(self, V: np.ndarray) -> np.ndarray:
        """``A^{-1} V mod p`` for int64 ``V`` (shape ``(n, k)``, entries in ``[0, p)``)."""
        p = self.p
        W = V[self.perm]
        for rd in self.rounds:  # forward: y_I = D^-1 v_I, v_R -= S21 y_I
            yI = W[rd.lo:rd.mid]
            yI *= rd.dinv
            yI %= p
            vR = W[rd.mid:]
            vR -= _spmv(rd.S21, yI, p, rd.h21)
            vR %= p
        if self.dense is not None:
            W[self.n - self.m:] = self.dense.mul(W[self.n - self.m:])
        for rd in reversed(self.rounds):  # backward: x_I = y_I - T x_R
            xI = W[rd.lo:rd.mid]
            xI -= _spmv(rd.T, W[rd.mid:], p, rd.hT)
            xI %= p
        X = np.empty_like(W)
        X[self.perm] = W
        return X


# ---------------------------------------------------------------------- p-adic digits <-> integers
def _signed_digits(B: np.ndarray, p: int) -> list[np.ndarray]:
    """Base-``p`` digits of an integer object array (sign kept on every digit), lowest first."""
    sign = np.where(B < 0, -1, 1).astype(np.int64)
    mag = B * sign
    pp = p * p
    digits: list[np.ndarray] = []
    while (mag != 0).any():  # base p^2 digits (one object pass per two digits), then split
        r = np.array((mag % pp).tolist(), dtype=np.int64)
        mag = mag // pp
        digits.append((r % p) * sign)
        digits.append((r // p) * sign)
    while digits and not digits[-1].any():
        digits.pop()
    return digits


def _digits_to_ints(D: np.ndarray, p: int) -> np.ndarray:
    """``sum_i D[i] p^i`` for digit rows ``D`` (shape ``(N, E)``, entries in ``[0, p)``): fmpz.

    Chunks of ``c`` digits become integers through one float64 product with the 16-bit limbs of
    ``p^0 .. p^(c-1)`` (exact: ``c (p - 1) (2^16 - 1) < 2^52``), a vectorised carry and
    ``int.from_bytes``; the chunks are then combined by divide and conquer in flint (GMP)
    arithmetic. (Python has no radix conversion from a non-power-of-two base; a digit-by-digit
    Horner loop is quadratic and ~10x slower here.)
    """
    N, E = D.shape
    out = np.empty(E, dtype=object)
    if N == 0:
        out[:] = fmpz(0)
        return out
    pb = (p - 1).bit_length()
    c = max(1, min(_CHUNK, _EXACT // ((p - 1) * 0xFFFF)))
    leaves = np.empty(((N + c - 1) // c, E), dtype=object)
    for j, j0 in enumerate(range(0, N, c)):
        blk = D[j0:j0 + c]
        cc = blk.shape[0]
        T = (cc * pb) // 16 + 5
        P = np.zeros((cc, T), dtype=np.float64)
        for i in range(cc):
            P[i] = np.frombuffer((p ** i).to_bytes(2 * T, "little"), dtype="<u2")
        L = (blk.T.astype(np.float64) @ P).astype(np.int64)  # limbs < 2^52, unnormalised
        # spread the four 16-bit parts of every limb onto the next limbs (one pass), then
        # ripple the few remaining carries
        M = L & 0xFFFF
        for u in range(1, 4):
            M[:, u:] += (L[:, :-u] >> (16 * u)) & 0xFFFF
        while True:
            carry = M >> 16
            if not carry.any():
                break
            M &= 0xFFFF
            M[:, 1:] += carry[:, :-1]
        raw = M.astype("<u2")
        leaves[j, :] = [fmpz(int.from_bytes(raw[e].tobytes(), "little")) for e in range(E)]
    base = fmpz(p) ** c
    level = leaves
    while level.shape[0] > 1:
        if level.shape[0] % 2:
            pad = np.empty((1, E), dtype=object)
            pad[:] = fmpz(0)
            level = np.concatenate([level, pad])
        level = level[0::2] + level[1::2] * base
        base = base * base
    out[:] = level[0]
    return out


# ---------------------------------------------------------------------- rational reconstruction
def _wang(u: fmpz, m: fmpz, den_bits: int):
    """Wang's reconstruction with denominator below ``2^den_bits`` (None if none)."""
    D = fmpz(1) << den_bits
    return wang(u, m, (m >> 1) // D, D)


# ---------------------------------------------------------------------- the solver
class _Lift:
    """State of one p-adic lifting (module docstring, step 3).

    After ``n`` steps, ``A_Z X = B (mod p^n)`` for ``X = sum_{i<n} x_i p^i`` (the digits
    ``x_i``, kept), and ``z1``, ``z2`` are two fixed random integer combinations of the entries
    of ``X`` -- the convergence probes of :meth:`PadicLU._attempt`.
    """

    def __init__(self, solver: PadicLU, B: np.ndarray):
        s, k = B.shape
        self.p = p = solver.p
        self.A = solver._A
        self.mod = solver._mod
        self.rhs_digits = _signed_digits(B, p)
        self.num_digits = len(self.rhs_digits)
        rng = np.random.default_rng(solver._seed)
        # weights small enough that w . x_i is an exact int64 sum
        wbits = max(1, min(16, 61 - (p - 1).bit_length() - (s * k).bit_length()))
        self.w1 = rng.integers(1, 1 << wbits, size=(s, k))
        self.w2 = rng.integers(1, 1 << wbits, size=(s, k))
        self.carry = np.zeros((s, k), dtype=np.int64)
        self.store: list[np.ndarray] = []
        self.z1 = fmpz(0)
        self.z2 = fmpz(0)
        self.modulus = fmpz(1)
        self.n = 0

    def step(self) -> None:
        p = self.p
        v = self.carry
        if self.n < self.num_digits:
            v = v + self.rhs_digits[self.n]
        x = self.mod.solve(v % p)
        num = v - self.A @ x  # |A x| <= (row sum of |A_Z|) p < 2^62 by the choice of p
        if (num % p).any():  # pragma: no cover - would be a bug in the modular solve
            raise ArithmeticError("p-adic lifting: residual not divisible by p")
        self.carry = num // p
        self.store.append(x.astype(np.int32) if p < (1 << 31) else x)
        self.z1 += int((self.w1 * x).sum()) * self.modulus
        self.z2 += int((self.w2 * x).sum()) * self.modulus
        self.modulus *= p
        self.n += 1

    def digits(self, n: int | None = None) -> np.ndarray:
        """The first ``n`` (default all) digits, shape ``(n, s, k)``."""
        return np.stack(self.store[:n])


class PadicLU:
    """Exact solver for one block ``A x = b``; drop-in for ``_linsolve._ExactLU``.

    Parameters
    ----------
    rows, cols : (nnz,) int arrays
        Off-diagonal pattern of ``A = I - M`` (local indices).
    vals : (nnz,) object array of fmpq
        The off-diagonal entries of ``A``.
    diag : (s,) object array of fmpq
        ``A[i, i] = 1 - M[i, i]``.
    order : ignored
        Accepted for the signature of ``_ExactLU`` (the elimination order here is chosen
        modulo p).
    prime_bits : int
        Bits of the lifting prime (lowered when the integer rows are large).
    seed : int
        Seed of the random combinations used to detect convergence (never affects a result).

    Raises
    ------
    ValueError
        When the integer-scaled rows are too large for int64 lifting (see :func:`prefer_padic`).
    """

    #: minimum bits of the maximal quotient before a reconstruction is tried
    gap_bits = 32
    #: next checkpoint after ``N`` digits: ``N + max(min_step, N // growth)``
    growth = 10
    min_step = 2

    def __init__(self, rows, cols, vals, diag, order=None, *, wanted=None,
                 prime_bits: int = PRIME_BITS, seed: int = 0, dense_max: int | None = None):
        s = len(diag)
        self._wanted = None if wanted is None else np.asarray(wanted, dtype=np.int64)
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        self._s = s
        self._A, self._scale = _integer_rows(rows, cols, vals, diag)
        # row sums of |A_Z| bound |A_Z x| / p in the int64 residual update (float: no overflow)
        width = int(abs(self._A.astype(np.float64)).sum(axis=1).max(initial=1.0)) + 1
        bits = min(prime_bits, 31, 61 - width.bit_length())
        if bits < 12:
            raise ValueError(
                f"integer-scaled rows of the block reach {width.bit_length()} bits; too large for "
                "int64 p-adic lifting (use the rational LU)"
            )
        self._seed = seed
        self.rejected = 0  # reconstructions that failed the exact verification
        self.iterations = 0  # lifting steps of the last solve
        p = 1 << bits
        for _ in range(20):
            p = prime_below(p)
            try:
                self._mod = _ModularInverse(self._A, p, dense_max=dense_max)
                break
            except _ZeroPivot:  # p divides a leading minor of a Schur complement
                continue
        else:  # pragma: no cover - 20 primes dividing minors of an M-matrix
            raise ArithmeticError("no usable prime found for p-adic lifting")
        self.p = p

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        """Solve for the columns of ``rhs`` ((s, k) object array of fmpq); returns the same.

        With ``wanted`` given to the constructor, only those rows hold values (others None).
        """
        B, dens = self._integer_rhs(rhs)
        lift = _Lift(self, B)
        nxt = max(lift.num_digits, 1)
        while True:
            lift.step()
            if lift.n >= nxt:
                nxt = lift.n + max(self.min_step, lift.n // self.growth)
                out = self._attempt(lift, B, dens)
                if out is not None:
                    self.iterations = lift.n
                    return out

    def _integer_rhs(self, rhs: np.ndarray) -> tuple[np.ndarray, list[fmpz]]:
        """``B[:, c] = D_c L rhs[:, c]`` (Python ints) and the column denominators ``D_c``."""
        s, k = rhs.shape
        B = np.empty((s, k), dtype=object)
        dens = []
        for c in range(k):
            col = [_as_fmpq(v) * L for v, L in zip(rhs[:, c].tolist(), self._scale)]
            D = fmpz(1)
            for v in col:
                q = v.q
                if q != 1 and D % q:
                    D = D.lcm(q)
            B[:, c] = [int((v * D).p) for v in col]
            dens.append(D)
        return B, dens

    def _attempt(self, lift: _Lift, B, dens):
        """Reconstruct from the digits so far and verify exactly; None to keep lifting."""
        m = lift.modulus
        cand = mqrr(lift.z1, m, self.gap_bits)
        if cand is None:
            return None
        d = cand[1]
        if d % self.p == 0:
            return None
        # cheap filter before the full reconstruction: an independent combination must be a
        # fraction over d too -- up to a factor that the first combination cancelled by chance
        # (the entries need not share one denominator): a small one is found by Wang's
        # reconstruction, any other by reconstructing the second combination as well
        z2 = lift.z2
        r = _wang(d * z2 % m, m, _EXTRA_BITS)
        if r is None:
            c2 = mqrr(z2, m, self.gap_bits)
            if c2 is None:
                return None
            d = d * (c2[1] // d.gcd(c2[1]))
            r = _wang(d * z2 % m, m, _EXTRA_BITS)
            if r is None:
                return None
        if r[0].bit_length() + d.bit_length() + r[1].bit_length() + self.gap_bits > m.bit_length():
            return None
        d = d * r[1]
        return self._reconstruct(lift.digits(), m, d, B, dens)

    def _reconstruct(self, digits, m, d, B, dens):
        """Numerators over the candidate denominator ``d`` from ``x mod m``; verified or None."""
        s, k = B.shape
        N = digits.shape[0]
        xs = _digits_to_ints(digits.reshape(N, s * k).astype(np.int64), self.p)
        half = m >> 1
        ys = (xs * d) % m
        neg = np.array([y > half for y in ys.tolist()], dtype=bool)
        ys[neg] -= m
        limit = m.bit_length() - self.gap_bits - d.bit_length()
        flagged = np.flatnonzero([y.bit_length() > limit for y in ys.tolist()]).tolist()
        if flagged:
            # some entries need a factor the common denominator lacks (the random combinations
            # cancelled it): reconstruct those entries on their own and take the lcm
            for e in flagged:
                r = mqrr(xs[e], m, self.gap_bits)
                if r is None:
                    self.rejected += 1
                    return None
                d = d * (r[1] // d.gcd(r[1]))
            ys = (xs * d) % m
            neg = np.array([y > half for y in ys.tolist()], dtype=bool)
            ys[neg] -= m
        Y = ys.reshape(s, k)
        if not _verify(self._A, Y, B, d):
            self.rejected += 1
            return None
        out = np.full((s, k), None, dtype=object)
        rows = self._wanted if self._wanted is not None else np.arange(s)
        for c in range(k):
            den = d * dens[c]
            out[rows, c] = [fmpq(y, den) for y in Y[rows, c].tolist()]
        return out


def _as_fmpq(v) -> fmpq:
    if isinstance(v, fmpq):
        return v
    if hasattr(v, "numerator"):  # int, Fraction, sympy Rational
        return fmpq(int(v.numerator), int(v.denominator))
    return fmpq(v)


def _integer_rows(rows, cols, vals, diag):
    """``A_Z = diag(L) A`` as int64 CSR (diagonal included) and the row scales ``L`` (fmpz)."""
    s = len(diag)
    scale = row_scales(rows, vals, diag)
    data = [int((v * scale[i]).p) for i, v in zip(rows.tolist(), vals)]
    ddata = [int((v * L).p) for v, L in zip(diag, scale)]
    big = max((abs(x) for x in data + ddata), default=0)
    if big >= _I64:
        raise ValueError(
            f"integer-scaled entries of the block reach {big.bit_length()} bits; too large for "
            "int64 p-adic lifting (use the rational LU)"
        )
    A = sp.csr_array(
        (np.array(data + ddata, dtype=np.int64),
         (np.concatenate([rows, np.arange(s)]), np.concatenate([cols, np.arange(s)]))),
        shape=(s, s),
    )
    A.sum_duplicates()
    return A, scale


def _verify(A: sp.csr_array, Y: np.ndarray, B: np.ndarray, d: fmpz) -> bool:
    """Exact check ``A Y == d B`` in integer arithmetic (flint for the big products).

    Runs of rows with about ``_VERIFY_NNZ`` nonzeros at a time: the products of the entries
    with the (possibly 30,000-bit) numerators are big integers, and all of them at once would
    take gigabytes (1.3 GB per column on the 5,821-state GMM block).
    """
    ptr, idx = A.indptr, A.indices
    vals = np.array([fmpz(int(v)) for v in A.data.tolist()], dtype=object)
    s = A.shape[0]
    starts = [0]
    while starts[-1] < s:
        end = int(np.searchsorted(ptr, ptr[starts[-1]] + _VERIFY_NNZ, side="right")) - 1
        starts.append(min(s, max(end, starts[-1] + 1)))
    for c in range(Y.shape[1]):
        for a, b in zip(starts[:-1], starts[1:]):
            lo = ptr[a]
            local = ptr[a:b + 1] - lo
            prod = vals[lo:ptr[b]] * Y[idx[lo:ptr[b]], c]
            lhs = np.empty(b - a, dtype=object)
            lhs[:] = fmpz(0)
            nonempty = np.flatnonzero(local[1:] > local[:-1])
            lhs[nonempty] = np.add.reduceat(prod, local[nonempty])
            rhs = B[a:b, c] * d
            if not all(x == y for x, y in zip(lhs.tolist(), rhs.tolist())):
                return False
    return True


# ---------------------------------------------------------------------- when to use it
#: blocks smaller than this are left to the rational LU (both take milliseconds there)
MIN_STATES = 200
#: p-adic when the minimum-degree LU fills in more than this multiple of nnz(A) + s ...
FILL_RATIO = 2.0
#: ... or when rows have this many entries on average (wide rows make every filled rational a
#: combination of many others, even where the fill count stays modest)
DEGREE = 8.0


def order_and_fill(rows, cols, s: int) -> tuple[np.ndarray, int]:
    """Minimum-degree elimination order of a block and the fill it implies (one SuperLU call;
    ``_linsolve._min_degree_order`` is its first half).

    Returns the elimination order (SuperLU's minimum degree on ``A + A^T``) and
    ``nnz(L) + nnz(U)`` of the float LU of a diagonally dominant matrix with the pattern of the
    block: for an M-matrix block no entry cancels, so this is exactly the fill of the rational
    LU in that order.
    """
    from scipy.sparse.linalg import splu

    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    A = sp.csc_array(
        (np.concatenate([-np.ones(len(rows)) / (s + 1), np.ones(s)]),
         (np.concatenate([rows, np.arange(s)]), np.concatenate([cols, np.arange(s)]))),
        shape=(s, s),
    )
    lu = splu(A, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
              options={"SymmetricMode": True})
    return np.argsort(lu.perm_c), int(lu.L.nnz + lu.U.nnz)


def prefer_padic(rows, cols, s: int, fill: int | None = None) -> bool:
    """Whether :class:`PadicLU` should solve a block rather than the rational LU.

    ``rows, cols`` are the off-diagonal pattern of the block; ``fill`` is ``nnz(L) + nnz(U)``
    from :func:`order_and_fill` (computed here only if the cheap tests -- size, row width --
    do not decide and it is not given).

    Rational elimination is fast when rows are short and the fill stays near the pattern (paths,
    trees, gambler's ruin: every filled entry is a small local rational, and the p-adic solver
    would pay a fixed ~4 ms per iteration for an output of thousands of bits per state); once
    the fill is a multiple of the pattern (grids) or rows are wide (the GMM blocks), the filled
    rationals grow with the eliminated states and p-adic lifting wins by orders of magnitude.
    Measured (CPU seconds, rational LU vs p-adic, each with its own factorisation and one
    solve):

    ==============================  =====  ======  ===========  ========
    block                           fill   degree  rational LU  p-adic
    ==============================  =====  ======  ===========  ========
    gambler's ruin N = 5,000        1.3    2.0     0.46         2.5
    grid walk 30 x 30 (900)         4.6    3.9     2.8          1.1
    grid walk 50 x 50 (2,500)       5.8    3.9     > 120        4.0
    GMM n=K=5, r=2: merged, 3,857   1.5    13      1.7          0.9
    GMM n=K=5, r=2: SCC, 2,788      1.3    18      3.1          0.9
    GMM n=K=4, r=3: SCC, 289        2.9    9.0     9            0.2
    GMM n=K=4, r=3: SCC, 456        4.2    23      56           1
    GMM n=K=4, r=3: SCC, 5,821      19     52      hours        ~65
    ==============================  =====  ======  ===========  ========

    (fill = ``(nnz(L) + nnz(U)) / (nnz(A) + s)``, degree = ``nnz(A) / s``.)
    :class:`PadicLU` can still refuse a block (``ValueError``: integer rows wider than int64
    lifting allows, or a dense remainder above ``DENSE_MAX``); fall back to the rational LU then.
    """
    nnz = len(rows)
    if s < MIN_STATES:
        return False
    if nnz >= DEGREE * s:
        return True
    if fill is None:
        fill = order_and_fill(rows, cols, s)[1]
    return fill >= FILL_RATIO * (nnz + s)
