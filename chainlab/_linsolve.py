r"""The one linear-algebra primitive behind every analysis: solve ``(I - M) x = b``.

``M = P[U, U]`` is the restriction of ``P`` to a set ``U`` of states from which the chain leaves
``U`` with probability 1 (so ``I - M`` is a nonsingular M-matrix), or its transpose. Absorption
(``B = N R``, ``t = N 1``), hitting probabilities and times, expected visits and stationary
distributions all reduce to it (see ``proofs/absorbing.md``, claims ABS-1 .. ABS-4).

How it is solved
----------------
1. Strong components of ``M`` in topological order (C code in scipy.sparse.csgraph).
2. Blocks: every component with at least ``BIG`` states is a block of its own; runs of
   consecutive smaller components are merged into one block, ordered so that its matrix is block
   upper triangular (then LU without pivoting fills in only inside the small components).
3. Blocks are solved downstream first; a block's right-hand side picks up the already-solved
   values through ``M`` (one sparse product per block). Each block is factored once, for all
   right-hand-side columns, and the factors are kept so that later solves with the same matrix
   (the variance of absorption times needs a second one) cost only substitutions.

Two factorisations of a block, with one interface:

* float64: SuperLU (``scipy.sparse.linalg.splu``) with diagonal pivots -- always nonzero and
  stable for M-matrices -- and a minimum-degree ordering on ``A + A^T`` for big blocks;
* exact: right-looking sparse Gaussian elimination over python-flint ``fmpq``, in the same
  minimum-degree order (taken from SuperLU's ``perm_c`` on the float copy). Hand-written because
  no library offers sparse rational LU; diagonal pivots are exact and nonzero because every
  principal minor of a nonsingular M-matrix is positive, and off-diagonal entries never cancel
  (they stay <= 0), so the fill is exactly the symbolic fill.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from flint import fmpq
from scipy.sparse.linalg import splu

from ._sparse import csr_matvec_object, local_index, rows_positions
from .chain import Chain
from .structure import strong_components

__all__: list[str] = []

BIG = 64  # components at least this large get their own fill-reducing factorisation

_ZERO = fmpq(0)
_ONE = fmpq(1)


class SubsystemSolver:
    """Factor ``I - M`` (``M = P[U, U]`` or its transpose) once; solve for many right-hand sides.

    Parameters
    ----------
    chain : Chain
    subset : (m,) int array, sorted global indices ``U``
    exact : bool
        fmpq arithmetic (True) or float64 (False).
    transpose : bool
        Solve ``(I - M)^T y = c`` instead.
    """

    def __init__(self, chain: Chain, subset: np.ndarray, *, exact: bool, transpose: bool = False):
        self.exact = exact
        self.subset = np.asarray(subset, dtype=np.int64)
        m = len(self.subset)
        data = chain.require_exact() if exact else chain._float
        loc = local_index(chain.num_states, self.subset)
        ptr, pos = rows_positions(chain._indptr, self.subset)
        cols = loc[chain._indices[pos]]
        rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(ptr))
        inside = cols >= 0
        rows, cols, pos = rows[inside], cols[inside], pos[inside]
        if transpose:
            rows, cols = cols, rows
        # CSR of M (local indices) as positions into `data`
        order = np.lexsort((cols, rows))
        rows, cols, pos = rows[order], cols[order], pos[order]
        self._ptr = np.zeros(m + 1, dtype=np.int64)
        np.add.at(self._ptr, rows + 1, 1)
        np.cumsum(self._ptr, out=self._ptr)
        self._cols = cols
        self._vals = data[pos]
        # 1 - M[i, i], exactly (then rounded once for the float backend)
        diag_pos = np.full(m, -1, dtype=np.int64)
        is_diag = rows == cols
        diag_pos[rows[is_diag]] = np.flatnonzero(is_diag)
        self._one_minus_diag = self._diagonal(chain, diag_pos)
        # topological blocks
        pattern = sp.csr_array((np.ones(len(cols), np.int8), cols, self._ptr), shape=(m, m))
        num, labels = strong_components(pattern)  # sinks have small labels
        self._blocks = _make_blocks(num, labels)
        self._factors: list = [None] * len(self._blocks)
        self._Mcsr = None

    # ------------------------------------------------------------------ helpers
    def _diagonal(self, chain: Chain, diag_pos: np.ndarray):
        m = len(diag_pos)
        if self.exact:
            out = np.empty(m, dtype=object)
            for i in range(m):
                out[i] = _ONE - self._vals[diag_pos[i]] if diag_pos[i] >= 0 else _ONE
            return out
        if chain.is_exact:
            ex = chain.require_exact()
            # exact 1 - P[i, i], rounded once: no cancellation for P[i, i] close to 1
            g = self.subset
            out = np.ones(m)
            for i in np.flatnonzero(diag_pos >= 0):
                gi = g[i]
                a, b = chain._indptr[gi], chain._indptr[gi + 1]
                k = a + int(np.searchsorted(chain._indices[a:b], gi))
                v = _ONE - ex[k]
                out[i] = int(v.p) / int(v.q)
            return out
        # float chain: 1 - P[i, i] as the sum of the other entries of row i (GTH-style: no
        # cancellation when P[i, i] is close to 1)
        P = chain._float
        g = self.subset
        rows_all = np.repeat(np.arange(chain.num_states), np.diff(chain._indptr))
        off = np.where(chain._indices != rows_all, P, 0.0)
        off_sum = np.add.reduceat(off, chain._indptr[:-1])
        return np.where(diag_pos >= 0, off_sum[g], 1.0)

    def _block_matrix(self, states: np.ndarray):
        """Entries of ``A = I - M`` restricted to ``states`` (local order) as (rows, cols, vals)."""
        loc = local_index(len(self.subset), states)
        ptr, pos = rows_positions(self._ptr, states)
        cols = loc[self._cols[pos]]
        rows = np.repeat(np.arange(len(states), dtype=np.int64), np.diff(ptr))
        keep = (cols >= 0) & (cols != rows)
        rows, cols = rows[keep], cols[keep]
        vals = -self._vals[pos[keep]]
        return rows, cols, vals, self._one_minus_diag[states]

    def _coupling(self, states: np.ndarray, x: np.ndarray) -> np.ndarray:
        """``M[states, :] @ x`` (x holds zeros where not yet solved)."""
        ptr, pos = rows_positions(self._ptr, states)
        cols = self._cols[pos]
        if self.exact:
            return csr_matvec_object(ptr, cols, self._vals[pos], x)
        sub = sp.csr_array((self._vals[pos], cols, ptr), shape=(len(states), len(self.subset)))
        return sub @ x

    # ------------------------------------------------------------------ solve
    def solve(self, b: np.ndarray) -> np.ndarray:
        """Solve for the columns of ``b`` (shape ``(m,)`` or ``(m, k)``, local order of U)."""
        squeeze = b.ndim == 1
        b2 = b.reshape(len(b), -1)
        if self.exact:
            x = np.empty(b2.shape, dtype=object)
            x[...] = _ZERO
        else:
            x = np.zeros(b2.shape, dtype=np.float64)
        for k, (states, big) in enumerate(self._blocks):
            rhs = b2[states] + self._coupling(states, x)
            if self._factors[k] is None:
                self._factors[k] = self._factor(states, big)
            x[states] = self._factors[k].solve(rhs)
        return x[:, 0] if squeeze else x

    def _factor(self, states: np.ndarray, big: bool):
        rows, cols, vals, diag = self._block_matrix(states)
        s = len(states)
        if self.exact:
            order = _min_degree_order(rows, cols, s) if big else np.arange(s)
            return _ExactLU(rows, cols, vals, diag, order)
        A = sp.csc_array(
            (np.concatenate([vals.astype(np.float64), diag]),
             (np.concatenate([rows, np.arange(s)]), np.concatenate([cols, np.arange(s)]))),
            shape=(s, s),
        )
        return _FloatLU(A, big)


def _make_blocks(num: int, labels: np.ndarray) -> list[tuple[np.ndarray, bool]]:
    """Blocks in solve order (downstream first); states in each ordered upstream-first."""
    order = np.argsort(labels, kind="stable")
    sizes = np.bincount(labels, minlength=num)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    blocks: list[tuple[np.ndarray, bool]] = []
    run: list[int] = []

    def flush():
        if run:
            # labels ascending = downstream first; reverse so upstream comes first in the block
            parts = [order[starts[c]:starts[c + 1]] for c in reversed(run)]
            blocks.append((np.concatenate(parts), False))
            run.clear()

    for c in range(num):
        if sizes[c] >= BIG:
            flush()
            blocks.append((order[starts[c]:starts[c + 1]], True))
        else:
            run.append(c)
    flush()
    return blocks


def _min_degree_order(rows, cols, s) -> np.ndarray:
    """Elimination order from SuperLU's minimum degree on ``A + A^T`` (pattern only)."""
    # a diagonally dominant float matrix with the same pattern: factorable with diagonal pivots
    A = sp.csc_array(
        (np.concatenate([-np.ones(len(rows)) / (s + 1), np.ones(s)]),
         (np.concatenate([rows, np.arange(s)]), np.concatenate([cols, np.arange(s)]))),
        shape=(s, s),
    )
    lu = splu(A, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
              options={"SymmetricMode": True})
    return np.argsort(lu.perm_c)


class _FloatLU:
    def __init__(self, A: sp.csc_array, big: bool):
        spec = "MMD_AT_PLUS_A" if big else "NATURAL"
        self._lu = splu(A, permc_spec=spec, diag_pivot_thresh=0.0,
                        options={"SymmetricMode": True})

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        return self._lu.solve(np.ascontiguousarray(rhs, dtype=np.float64))


class _ExactLU:
    """Sparse LU over fmpq with diagonal pivots in a given elimination order."""

    def __init__(self, rows, cols, vals, diag, order):
        s = len(diag)
        R: list[dict[int, fmpq]] = [{} for _ in range(s)]
        for i, j, v in zip(rows.tolist(), cols.tolist(), vals):
            R[i][j] = v
        for i in range(s):
            R[i][i] = diag[i]
        colrows: list[set[int]] = [set() for _ in range(s)]
        for i in range(s):
            for j in R[i]:
                if j != i:
                    colrows[j].add(i)
        L: list[list[tuple[int, fmpq]]] = [None] * s  # type: ignore[list-item]
        for k in order.tolist():
            rk = R[k]
            piv = rk[k]
            for j in rk:
                if j != k:
                    colrows[j].discard(k)
            mult = []
            for i in colrows[k]:
                ri = R[i]
                f = ri.pop(k) / piv
                mult.append((i, f))
                for j, v in rk.items():
                    if j == k:
                        continue
                    w = ri.get(j)
                    if w is None:
                        ri[j] = -f * v
                        colrows[j].add(i)
                    else:
                        ri[j] = w - f * v
            colrows[k] = set()
            L[k] = mult
        self._order = order.tolist()
        self._L = L
        self._U = R  # R[k] = pivot row k at its elimination time (only later columns + k)

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        s, ncol = rhs.shape
        out = np.empty((s, ncol), dtype=object)
        order, L, U = self._order, self._L, self._U
        for c in range(ncol):
            y = rhs[:, c].tolist()
            for k in order:
                yk = y[k]
                if yk:
                    for i, f in L[k]:
                        y[i] = y[i] - f * yk
            x = y
            for k in reversed(order):
                acc = x[k]
                rk = U[k]
                for j, v in rk.items():
                    if j != k:
                        acc = acc - v * x[j]
                x[k] = acc / rk[k]
            out[:, c] = x
        return out
