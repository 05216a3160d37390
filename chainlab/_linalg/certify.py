r"""Certified error bounds for float64 solves of ``A x = b``, ``A = I - M`` (claims CERT-1..4).

A float LU of ``A`` is backward stable, but on chains whose probabilities are products of many
small factors ``A`` is so ill-conditioned that the computed ``x`` can be wrong in every digit
(a hitting probability of 0.7 computed as ``-3e-75``). Nothing here trusts the factorisation:
every bound is *verified* from the stored matrix and the computed vectors with a rounding-error
analysis of the few float operations involved (``proofs/certified.md``).

* **Residual** (CERT-2): ``|b - A x_hat| <= rbar``, from ``fl(b_hat - A_hat x_hat)`` and
  ``fl(|A_hat| |x_hat|)`` (``A_hat`` the stored float matrix, every entry within a relative
  ``eps`` of the exact one; ``b_hat`` within ``e_b`` of the exact right-hand side). With the
  exact entries split into ``hi + lo`` doubles the residual is computed in double-double
  (Ogita-Rump-Oishi's Dot2), which is what makes iterative refinement *certifiably* gain digits.
* **Enclosure** (CERT-1): ``A`` is a nonsingular M-matrix (LIN-1), so ``A^{-1} >= 0``; a vector
  ``v >= 0`` with ``A v >= w`` -- checked with a rigorous lower bound of ``A v`` -- proves
  ``A^{-1} w <= v``, hence ``|x - x_hat| = |A^{-1} (b - A x_hat)| <= A^{-1} rbar <= v``:
  componentwise, so tiny values get tiny bounds. ``v`` comes from the same LU (one more
  substitution); if the LU is too inaccurate for ``A v >= w`` to hold, the bound is ``inf``.
* **Refinement** (CERT-3): ``x <- x + LU^{-1} r`` with the double-double residual ``r``.

Everything is vectorised over the stored entries; the double-double loops run over positions
inside a row (ELL order), so their Python overhead is the longest row, not the number of rows.

Hand-written because no library certifies sparse float solves: SciPy and Storm return floats
without bounds (Storm's ``--sound`` value iteration is sound but converges in about as many
iterations as the expected number of steps, ``1e30`` on the chains above).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__: list[str] = []

U = 2.0 ** -53  #: unit roundoff of float64 (round to nearest)
ETA = 2.0 ** -1074  #: smallest subnormal: absolute error of one operation near underflow
TINY = 2.0 ** -1022  #: smallest normal; absolute errors below it are not counted as relative
_SPLIT = 134217729.0  # 2^27 + 1, Dekker's splitting constant
#: largest magnitude the double-double residual accepts (Dekker's split overflows near 2^996)
DD_MAX = 1e290


def gamma(k: np.ndarray | int) -> np.ndarray | float:
    """Higham's ``gamma_k = k u / (1 - k u)``: a sum of ``k`` rounded terms is within it."""
    k = np.asarray(k, dtype=np.float64)
    return k * U / (1.0 - k * U)


def relative_bound(x: np.ndarray, e: np.ndarray, scale: np.ndarray | None = None) -> float:
    """Largest relative error ``e / (|x| - e)`` (absolute errors below ``TINY`` do not count).

    ``scale`` replaces ``|x|`` as the magnitude a value's error is measured against (the
    variance is measured against the second moment). ``inf`` where the bound reaches the value.
    """
    x = np.abs(np.asarray(x, dtype=np.float64)).ravel()
    e = np.asarray(e, dtype=np.float64).ravel()
    if e.size == 0:
        return 0.0
    mag = x if scale is None else np.abs(np.asarray(scale, dtype=np.float64)).ravel()
    bad = ~(np.isfinite(e) & np.isfinite(mag))
    if bad.any():
        return float("inf")
    counted = e > TINY
    if not counted.any():
        return 0.0
    e, mag = e[counted], mag[counted]
    room = mag - e
    if (room <= 0).any():
        return float("inf")
    return float((e / room).max() * (1 + 4 * U))


def sum_bound(total: np.ndarray, count: np.ndarray | int) -> np.ndarray:
    """Error bound of a float sum of ``count`` nonnegative terms, each correctly rounded from
    its exact value: ``|fl(sum) - exact| <= (gamma_count + u) fl(sum)`` plus underflow."""
    total = np.asarray(total, dtype=np.float64)
    count = np.asarray(count, dtype=np.float64)
    if total.ndim > count.ndim:
        count = count.reshape(count.shape + (1,) * (total.ndim - count.ndim))
    c = (gamma(count + 1) + U) / (1.0 - gamma(count + 1)) * (1 + 8 * U)
    return c * total + (count + 1) * ETA * (total > 0)


# ---------------------------------------------------------------------- double-double
def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a):
    c = _SPLIT * a
    hi = c - (c - a)
    return hi, a - hi


def _two_prod(a, b):
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, al * bl - (((p - ah * bh) - al * bh) - ah * bl)


def split_exact(values) -> tuple[np.ndarray, np.ndarray]:
    """Exact rationals (fmpq, Fraction or int, any shape) as ``hi + lo`` doubles.

    ``hi`` is the correctly rounded value and ``lo`` the correctly rounded remainder, so
    ``|value - hi - lo| <= u^2 |value|``.
    """
    arr = np.asarray(values, dtype=object)
    flat = arr.ravel()
    hi = np.empty(flat.size)
    lo = np.empty(flat.size)
    memo: dict = {}
    for k, v in enumerate(flat.tolist()):
        got = memo.get(v)
        if got is None:
            p, q = int(v.p if hasattr(v, "p") else v.numerator), \
                int(v.q if hasattr(v, "q") else v.denominator)
            h = p / q
            hn, hd = h.as_integer_ratio()
            got = memo[v] = (h, (p * hd - hn * q) / (q * hd))
        hi[k], lo[k] = got
    return hi.reshape(arr.shape), lo.reshape(arr.shape)


class FloatSystem:
    """The stored float matrix ``A_hat`` of one system with its rounding constants.

    Parameters
    ----------
    ptr, cols, vals : CSR of the *off-diagonal* part of ``M`` (local indices; ``vals >= 0``
        floats, each within a relative ``u`` of the exact entry).
    diag : (m,) float, ``1 - M[i, i]``, within a relative ``eps_diag[i]`` of the exact value.
    eps_diag : (m,) float
    lo : optional ``(off_lo, diag_lo)``: the double-double remainders of the exact entries
        (exact chains only); without them the residual cannot be refined.
    """

    def __init__(self, ptr, cols, vals, diag, eps_diag, lo=None):
        m = len(diag)
        ptr = np.asarray(ptr, dtype=np.int64)
        nnz = int(ptr[-1])
        rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(ptr))
        # A_hat = diag(d) - offdiag(M) in CSR with the diagonal first in every row; the
        # double-double remainders (if any) share this exact layout
        ptr2 = ptr + np.arange(m + 1, dtype=np.int64)
        dpos = ptr2[:-1]
        opos = np.arange(nnz, dtype=np.int64) + rows + 1
        idx = np.empty(nnz + m, dtype=np.int64)
        idx[dpos], idx[opos] = np.arange(m), cols
        self.m = m
        self.diag = np.asarray(diag, dtype=np.float64)
        off = np.asarray(vals, dtype=np.float64)

        import scipy.sparse as sp

        def csr(d, o):
            data = np.empty(nnz + m)
            data[dpos], data[opos] = d, -o
            return sp.csr_array((data, idx, ptr2), shape=(m, m))

        self.A = csr(self.diag, off)
        self.absA = csr(self.diag, -off)
        self.nz = csr(np.ones(m), -np.ones(nnz))  # the pattern, for the underflow slack
        self.k = np.diff(ptr2).astype(np.float64)  # stored entries per row
        eps = np.maximum(np.asarray(eps_diag, dtype=np.float64), U)
        eps = eps / (1.0 - eps) * (1 + 4 * U)
        g = gamma(self.k + 2)
        self.c = (g + eps) / (1.0 - g) * (1 + 16 * U)  # CERT-2: rounding + data, per row
        # an entry below the normal range may carry more than a relative u of rounding: such
        # rows certify nothing
        small = np.zeros(m, dtype=bool)
        small[rows[off < TINY]] = True
        small |= self.diag < TINY
        self.c[small] = np.inf
        self.slack = (np.where(small, 0.0, self.c) + 1) * (self.k + 2) * ETA * 4
        self.Alo = None if lo is None else csr(np.asarray(lo[1], np.float64),
                                               np.asarray(lo[0], np.float64))

    @property
    def refinable(self) -> bool:
        """Whether the exact entries are available for double-double residuals."""
        return self.Alo is not None

    @staticmethod
    def _rows(a: np.ndarray, like: np.ndarray) -> np.ndarray:
        """A per-row constant shaped to broadcast against ``like`` (one or more columns)."""
        return a if like.ndim == 1 else a[:, None]

    # ------------------------------------------------------------------ CERT-2, float
    def residual_bound(self, b: np.ndarray, e_b, x: np.ndarray) -> np.ndarray:
        """``rbar >= |b - A x|`` componentwise (``b`` within ``e_b`` of the exact rhs)."""
        if not (np.isfinite(x).all() and np.isfinite(b).all()):
            return np.full(b.shape, np.inf)
        rho = b - self.A @ x
        s = self.absA @ np.abs(x)
        nz = (self.nz @ (x != 0).astype(np.float64)) > 0
        c, slack = self._rows(self.c, x), self._rows(self.slack, x)
        out = (np.abs(rho) * (1 + 2 * U) + e_b + c * s + slack * nz) * (1 + 8 * U)
        out[~np.isfinite(out)] = np.inf
        return out

    # ------------------------------------------------------------------ CERT-2, dd
    def residual_dd(self, b_hi: np.ndarray, b_lo: np.ndarray, x: np.ndarray,
                    e_b) -> tuple[np.ndarray, np.ndarray]:
        """Double-double residual: ``(r, rbar)`` with ``r ~ b - A x`` to ~``u^2`` and the
        rigorous bound ``rbar >= |b - A x|`` (exact entries split as ``hi + lo``)."""
        A, L = self.A, self.Alo
        assert L is not None  # (a double-double residual is asked for only with the lo parts)
        ptr, cols = A.indptr, A.indices
        hi, lo = A.data, L.data
        two_d = x.ndim == 2
        lengths = np.diff(ptr)
        p = b_hi.astype(np.float64).copy()
        s = b_lo.astype(np.float64).copy()  # (b_hi, b_lo): the first two terms, exact
        T = np.abs(b_hi) + np.abs(b_lo)
        for t in range(int(lengths.max()) if len(lengths) else 0):
            act = np.flatnonzero(lengths > t)
            idx = ptr[act] + t
            xj = x[cols[idx]]
            for a in (hi[idx], lo[idx]):
                a = -a[:, None] if two_d else -a
                h, r = _two_prod(a, xj)
                pa, q = _two_sum(p[act], h)
                p[act] = pa
                s[act] = s[act] + (q + r)
                T[act] = T[act] + np.abs(a * xj)
        res = p + s
        n = self._rows(2 * self.k + 2, x)
        g = gamma(n)
        # Dot2: |res - dd-exact| <= u |dd-exact| + gamma_n^2 T; data: u^2 (|b| + |A||x|)
        coef = (g * g + 2 * U * U) * (1 + gamma(n)) * (1 + 4 * U)
        rbar = (np.abs(res) * (1 + 3 * U) + coef * T + 16 * n * ETA + e_b) * (1 + 8 * U)
        if not (np.isfinite(res).all() and np.isfinite(rbar).all()):
            rbar = np.full(res.shape, np.inf)
        return res, rbar

    # ------------------------------------------------------------------ CERT-1
    def lower_Av(self, v: np.ndarray) -> np.ndarray:
        """A rigorous lower bound of ``A v`` for ``v >= 0``."""
        q = self.A @ v
        s = self.absA @ v
        nz = (self.nz @ (v != 0).astype(np.float64)) > 0
        C = (self._rows(self.c, v) * s + self._rows(self.slack, v) * nz) * (1 + 8 * U)
        low = q - C
        low = np.where(low > 0, low * (1 - 4 * U), low * (1 + 4 * U))
        low[np.isnan(low)] = -np.inf
        return low

    def enclose(self, solve: Callable[[np.ndarray], np.ndarray], w: np.ndarray,
                rounds: int = 4) -> np.ndarray:
        """``v >= A^{-1} w`` (``w >= 0``), verified; ``inf`` in the columns where it fails."""
        if not np.isfinite(w).all():
            if w.ndim == 1:
                return np.full(w.shape, np.inf)
            bad = ~np.isfinite(w).all(axis=0)
            out = np.full(w.shape, np.inf)
            good = ~bad
            if good.any():
                out[:, good] = self.enclose(solve, w[:, good], rounds)
            return out
        v = np.zeros_like(w)
        need = w
        for _ in range(rounds):
            z = solve(need * (1 + 2.0 ** -10) + w * 2.0 ** -12)
            if not np.isfinite(z).all():
                break
            v = v + np.maximum(z, 0.0)
            low = self.lower_Av(v)
            deficit = w - low
            ok = deficit <= 0
            if ok.all():
                return v
            # rows where w is below the rounding slack of A v need more than the deficit
            need = 2.0 * np.maximum(deficit, 0.0)
        if w.ndim == 1:
            return np.full(w.shape, np.inf)
        # columns that verified keep their bound
        low = self.lower_Av(v)
        col_ok = (w - low <= 0).all(axis=0) & np.isfinite(v).all(axis=0)
        out = np.where(col_ok[None, :], v, np.inf)
        return out
