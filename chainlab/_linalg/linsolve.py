r"""The one linear-algebra primitive behind every analysis: solve ``(I - M) x = b``.

``M = P[U, U]`` is the restriction of ``P`` to a set ``U`` of states from which the chain leaves
``U`` with probability 1 (so ``A = I - M`` is a nonsingular M-matrix), or its transpose.
Absorption (``B = N R``, ``t = N 1``), hitting probabilities and times, expected visits and
stationary distributions all reduce to it (see ``proofs/absorbing.md``, claims ABS-1 .. ABS-4).

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
4. With ``wanted`` (values at a few states only, e.g. the initial state), the wanted states are
   eliminated last and blocks upstream of them are skipped: no back substitution is needed for
   the other states of their block.

Factorisations of a block (all with diagonal pivots, which are nonzero and -- in floats --
stable for M-matrices: every principal minor of a nonsingular M-matrix is positive):

* exact, any block of at least ``_padic.MIN_STATES`` states whose rational elimination would
  fill in (``_padic.prefer_padic``: wide rows, or a minimum-degree fill of at least twice the
  pattern -- the GMM chains, grids): :class:`chainlab._linalg.padic.PadicLU`, elimination
  modulo one word-size prime and Dixon's p-adic lifting with rational reconstruction and an
  exact check (8,762-state GMM chain: ~50 s instead of hours). If it refuses a block (integer rows too wide
  for int64 lifting, a dense remainder above its limit), the solvers below take it.

* float64: SuperLU (``scipy.sparse.linalg.splu``), a minimum-degree ordering on ``A + A^T`` for
  big blocks.
* exact, small merged blocks: right-looking sparse Gaussian elimination over python-flint
  ``fmpq`` (:class:`_ExactLU`); the numbers stay small inside small components.
* exact, big blocks: :class:`_FractionFreeLU`, sparse *fraction-free* elimination over ``fmpz``
  in the minimum-degree order (from SuperLU's ``perm_c`` on the float copy), then a dense tail.
  Rows are first scaled to integers; the working row of state ``i`` is kept as
  ``Delta_i * S_i``, where ``S_i`` is its row of the Schur complement and ``Delta_i`` the
  product of the determinants of the eliminated components next to ``i``. These are integers
  (bordered determinants, Sylvester's identity) whose size is set by the *local* components,
  like reduced rationals, but the update
  ``N_i <- (N_kk N_i - N_ik N_k) / G_ik`` needs no gcd: ``G_ik``, the product of the pivots
  of the children of ``k`` in the elimination tree (of the pattern of ``A + A^T``) whose
  subtrees border ``i``, divides exactly. (Global Bareiss would divide by the previous pivot,
  whose size grows with every eliminated state, local or not.)
  When the remaining Schur complement is dense enough (a cost model on the symbolic
  factorisation decides), it is solved by Dixon's p-adic lifting (:class:`_DenseTail`:
  inverse modulo one word-size prime with flint's ``nmod_mat``, exact residual products with
  ``fmpz_mat``, rational reconstruction, exact verification). Back substitution runs in
  integers over one common denominator, so the only gcd per value is the final reduction.
  Hand-written because no library offers sparse exact LU; flint's own ``fmpz_mat.solve`` is
  dense (and its residual products do not exploit a reused inverse or sparse verification).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from flint import fmpq, fmpz, fmpz_mat, nmod_mat

from .. import config
from ..chain import Chain
from ..structure import _Graph, _search, strong_components
from . import certify as _certify
from . import topo as _topo
from .modular import prime_below, wang
from .sparse import csr_matvec_object, local_index, rows_positions

# SciPy (SuperLU, sparse products) and chainlab._linalg.padic (which needs SciPy) are imported
# where a float solve or a big exact block needs them: the exact path of a protocol model never
# does, and importing scipy.sparse costs 0.2 s of every process.

__all__: list[str] = []

BIG = 64  # components at least this large get their own fill-reducing factorisation
_REFINE_STEPS = 6  # iterative refinement steps of a certified float solve (CERT-3)
_WIDE = 8  # right-hand-side columns from which _ExactLU substitutes row-vectorised
_PADIC_MIN_STATES = 200  # = padic.MIN_STATES (tested), kept here to import padic lazily

_ZERO = fmpq(0)
_ONE = fmpq(1)
_Z0 = fmpz(0)
_Z1 = fmpz(1)

#: Largest dense tail solved by Dixon lifting (a K x K inverse modulo p costs ~K^3 word ops).
DENSE_MAX = 3000
# Cost model of the exact big-block solver (CPU seconds, fitted on 2-D grid walks on a 2-core
# x86-64 machine). Only the *choice* of the dense-tail size depends on them, never a result.
_C_OP = 0.25e-6  # sparse phase: one fmpz entry update, fixed part
_C_BIT = 1.1e-9  # ... and per bit of the entries
_C_K1 = 6e-6  # one Dixon iteration: per row of the K x K tail (conversions)
_C_K2 = 1e-9  # ... per entry (product with the inverse modulo p)
_C_NB = 4.3e-11  # ... per nonzero and bit (exact residual product)
_C_K3 = 1.6e-9  # inverse modulo p, per K^3
_SOLVES = 1.5  # expected right-hand-side batches per factorisation


def _entry_ids(cache: dict, data: np.ndarray) -> tuple[np.ndarray, list]:
    """``topo.value_ids`` of a chain's exact entries, computed once per chain."""
    got = cache.get("entry_value_ids")
    if got is None:
        got = cache["entry_value_ids"] = _topo.value_ids(data)
    return got


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
    wanted : (w,) int array, optional
        Local indices (positions in ``subset``) whose values are needed; other entries of the
        solution may be left as ``None`` (exact) or ``nan`` (float). Default: all.
    """

    def __init__(self, chain: Chain, subset: np.ndarray, *, exact: bool, transpose: bool = False,
                 wanted: np.ndarray | None = None):
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
            # CSR of M (local indices) as positions into `data`; without transposing the
            # entries are in CSR order already (rows ascending, columns sorted in each row)
            order = np.lexsort((cols, rows))
            rows, cols, pos = rows[order], cols[order], pos[order]
        self._ptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=m), out=self._ptr[1:])
        self._cols = cols
        self._vals = data[pos]
        # for certified float solves: the exact entries behind the floats (CERT-3 refinement)
        self._exact_src: tuple[np.ndarray, np.ndarray] | None = \
            None if exact or not chain.is_exact else (chain.require_exact(), pos)
        self._systems: dict = {}
        # 1 - M[i, i], exactly (then rounded once for the float backend)
        diag_pos = np.full(m, -1, dtype=np.int64)
        is_diag = rows == cols
        diag_pos[rows[is_diag]] = np.flatnonzero(is_diag)
        self._one_minus_diag = self._diagonal(chain, diag_pos)
        self._unit = diag_pos < 0  # 1 - M_ii is exactly 1 (no self-loop)
        # topological blocks
        pattern = _Graph(self._ptr, cols)
        num, labels = strong_components(pattern)  # sinks have small labels
        if exact:
            self._init_exact(pattern, num, labels, wanted, diag_pos, chain, pos)
            return
        self._blocks = _make_blocks(num, labels)
        self._factors: list = [None] * len(self._blocks)
        # partial solves: the last block holding a wanted state is solved only at those states
        self._last = len(self._blocks) - 1
        self._partial: np.ndarray | None = None
        if wanted is not None:
            wanted = np.unique(np.asarray(wanted, dtype=np.int64))
            is_wanted = np.zeros(m, dtype=bool)
            is_wanted[wanted] = True
            hits = [k for k, (states, _) in enumerate(self._blocks) if is_wanted[states].any()]
            self._last = hits[-1] if hits else -1
            if hits and self._blocks[self._last][1]:
                states = self._blocks[self._last][0]
                self._partial = np.flatnonzero(is_wanted[states])  # positions inside the block

    def _init_exact(self, pattern, num: int, labels: np.ndarray, wanted,
                    diag_pos: np.ndarray, chain: Chain, pos: np.ndarray) -> None:
        """Exact solves go level by level over the condensation (:mod:`chainlab._linalg.topo`);
        singleton components with equal equations are solved once (``topo.classifier``)."""
        m = len(self.subset)
        self._wanted = None
        needed = None
        if wanted is not None:
            self._wanted = np.unique(np.asarray(wanted, dtype=np.int64))
            needed = np.flatnonzero(_search(pattern, self._wanted))  # downstream closure
        self._plan = _topo.plan(num, labels, self._ptr, self._cols, BIG, needed, self._vals,
                                self._one_minus_diag)
        self._factors = [None] * len(self._plan)
        self._needed = np.ones(m, dtype=bool) if needed is None else \
            np.zeros(m, dtype=bool)
        if needed is not None:
            self._needed[needed] = True
        # shared classes (topo.classifier); not for partial solves (a class's first state might
        # lie outside the needed closure)
        self._share: _topo.Sharing | None = None
        if _topo._cgraph is not None and needed is None and self._plan:
            ids, firsts = _entry_ids(chain._cache, chain.require_exact())
            self._share = _topo.Sharing(self._plan, m, (ids[pos], firsts), diag_pos)

    def _solve_exact(self, b2: np.ndarray) -> np.ndarray:
        if not getattr(self, "_checked", False):  # estimate the big blocks before any work
            from . import budget

            big = [states[0] if kind == "copies" else states for kind, states in self._plan
                   if kind not in ("vector", "scalar")]
            self._estimates = budget.check_blocks(big, self._block_matrix,
                                                  b2.shape[1] if b2.ndim > 1 else 1)
            self._checked = True
        x = np.empty(b2.shape, dtype=object)
        x[...] = _ZERO
        # states with equal equations, or found to have equal values, share one (LIN-3)
        got = None if self._share is None else \
            _topo.classifier(self._ptr, self._cols, self._share, b2)
        clf, zero = (None, None) if got is None else got
        args = (self._ptr, self._cols, self._vals, self._one_minus_diag)
        from .._progress import Progress
        from .budget import note as budget_note

        bar = Progress("solving exactly", total=len(self.subset), unit="states",
                       progress=config.solvers.progress, keep=False)
        done = 0
        worst = max(getattr(self, "_estimates", []), key=lambda e: e.seconds, default=None)
        if worst is not None and worst.seconds >= 5:  # say what is coming before it comes
            bar.update(0, budget_note(worst))
        try:
            self._solve_plan(b2, x, args, bar, done, clf, zero)
        finally:
            bar.close()
        if clf is not None:  # every state gets the value object of its class's first state
            every = np.arange(len(self.subset), dtype=np.int64)
            reps = np.frombuffer(clf.reps(every), dtype=np.int64)
            others = np.flatnonzero(reps != every)
            x[others] = x[reps[others]]
        return self._finish_exact(x)

    def _solve_plan(self, b2: np.ndarray, x: np.ndarray, args: tuple, bar: Any,
                    done: int, clf: Any = None, zero: np.ndarray | None = None) -> None:
        colmap = None
        if clf is not None:
            def colmap(c: np.ndarray) -> np.ndarray:  # read x at the first state of the class
                return np.frombuffer(clf.reps(np.ascontiguousarray(c)), dtype=np.int64)
        for k, (kind, states) in enumerate(self._plan):
            new, size = None, states.size
            if clf is not None:  # class the step; solve only the states starting a class
                flat = np.ascontiguousarray(states.ravel())
                is_new = np.frombuffer(clf.classify(flat), dtype=np.int64) == flat
                new = flat[is_new]
                if kind == "copies":  # (a copy's states all share, or none does)
                    states = states[is_new.reshape(states.shape)[:, 0]]
                elif kind in ("vector", "scalar"):
                    states = new
            if kind in ("vector", "scalar"):
                if len(states):
                    ptr, cols, vals, diag = args
                    # (few states left to solve: a Python loop costs less than numpy calls)
                    if kind == "vector" and len(states) >= _topo.VECTOR_MIN:
                        _topo.vector_step(states, b2, x, ptr, cols, vals, diag, colmap=colmap,
                                          zero=zero, unit=self._unit)
                    else:
                        _topo.scalar_step(states, b2, x, ptr, cols, vals, diag, colmap=colmap)
            elif kind == "copies":  # k identical components: one factorisation, k * c columns
                k_, s_ = states.shape
                if not k_:
                    continue
                flat = states.ravel()
                rhs = (b2[flat] + self._coupling(flat, x, colmap)).reshape(k_, s_, -1)
                wide = rhs.transpose(1, 0, 2).reshape(s_, -1)
                if self._factors[k] is None:
                    self._factors[k] = self._factor(states[0], False)
                sol = self._factors[k].solve(wide).reshape(s_, k_, -1).transpose(1, 0, 2)
                x[flat] = sol.reshape(k_ * s_, -1)
            else:
                rhs = b2[states] + self._coupling(states, x, colmap)
                if self._factors[k] is None:
                    partial = None
                    if kind == "big" and self._wanted is not None:
                        loc = np.flatnonzero(np.isin(states, self._wanted))
                        # wanted states only, when nothing upstream in the plan needs the rest
                        if len(loc) and k == len(self._plan) - 1:
                            partial = loc
                    self._factors[k] = self._factor(states, kind == "big", partial)
                x[states] = self._factors[k].solve(rhs)
            if new is not None and len(new):  # equal values found: one class from now on
                if kind not in ("vector", "scalar"):  # (singletons: the classifier has them)
                    clf.set_residues(new, _topo.residues(x[new].reshape(-1).tolist()))
                a, b = (np.frombuffer(v, dtype=np.int64) for v in clf.candidates(new))
                if len(a):
                    same = _topo.equal_rows(x, a, b)
                    clf.merge(a[same], b[same])
            done += size
            bar.update(done, f"{k + 1:,} of {len(self._plan):,} blocks")

    def _finish_exact(self, x: np.ndarray) -> np.ndarray:
        if self._wanted is not None:
            keep = np.zeros(len(x), dtype=bool)
            keep[self._wanted] = True
            x[~keep] = None
        return x

    # ------------------------------------------------------------------ helpers
    def _diagonal(self, chain: Chain, diag_pos: np.ndarray):
        m = len(diag_pos)
        if self.exact:
            out = np.empty(m, dtype=object)
            out[:] = _ONE
            has = np.flatnonzero(diag_pos >= 0)
            if len(has):
                out[has] = _ONE - self._vals[diag_pos[has]]
            return out
        if chain.is_exact:
            ex = chain.require_exact()
            # exact 1 - P[i, i], rounded once: no cancellation for P[i, i] close to 1
            g = self.subset
            out = np.ones(m)
            self._diag_exact = np.empty(m, dtype=object)
            self._diag_exact[:] = _ONE
            for i in np.flatnonzero(diag_pos >= 0).tolist():
                gi = g[i]
                a, b = chain._indptr[gi], chain._indptr[gi + 1]
                k = a + int(np.searchsorted(chain._indices[a:b], gi))
                v = _ONE - ex[k]
                self._diag_exact[i] = v
                out[i] = int(v.p) / int(v.q)
            self._eps_diag = np.full(m, _certify.U)
            return out
        # float chain: 1 - P[i, i] as the sum of the other entries of row i (GTH-style: no
        # cancellation when P[i, i] is close to 1); the reference chain of a float chain has
        # these off-diagonal entries and completes every row by its diagonal (CERT-2)
        P = chain._float
        g = self.subset
        rows_all = np.repeat(np.arange(chain.num_states), np.diff(chain._indptr))
        off = np.where(chain._indices != rows_all, P, 0.0)
        off_sum = np.add.reduceat(off, chain._indptr[:-1])
        width = np.diff(chain._indptr)[g]
        self._eps_diag = np.where(diag_pos >= 0, _certify.gamma(width + 1) + 2 * _certify.U,
                                  _certify.U)
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

    def _coupling(self, states: np.ndarray, x: np.ndarray, colmap: Any = None) -> np.ndarray:
        """``M[states, :] @ x`` (x holds zeros where not yet solved); ``colmap``: where to
        read x for an array of columns (default: at themselves)."""
        ptr, pos = rows_positions(self._ptr, states)
        cols = self._cols[pos] if colmap is None else colmap(self._cols[pos])
        if self.exact:
            return csr_matvec_object(ptr, cols, self._vals[pos], x)
        import scipy.sparse as sp

        sub = sp.csr_array((self._vals[pos], cols, ptr), shape=(len(states), len(self.subset)))
        return sub @ x

    # ------------------------------------------------------------------ solve
    def solve(self, b: np.ndarray) -> np.ndarray:
        """Solve for the columns of ``b`` (shape ``(m,)`` or ``(m, k)``, local order of U)."""
        squeeze = b.ndim == 1
        if self.exact:
            x = self._solve_exact(b.reshape(len(b), -1))
            return x[:, 0] if squeeze else x
        x = self._solve_blocks(b.reshape(len(b), -1))
        if self._last < len(self._blocks) - 1 or self._partial is not None:
            x[~self._done(wanted_only=True)] = None if self.exact else np.nan
        return x[:, 0] if squeeze else x

    def _solve_blocks(self, b2: np.ndarray) -> np.ndarray:
        """Blocks ``0 .. last`` solved in full (the others left at zero)."""
        if self.exact:
            x = np.empty(b2.shape, dtype=object)
            x[...] = _ZERO
        else:
            x = np.zeros(b2.shape, dtype=np.float64)
        for k, (states, big) in enumerate(self._blocks):
            if k > self._last:
                break
            # (block 0 comes first: nothing is solved yet, so its coupling is zero)
            rhs = b2[states] + self._coupling(states, x) if k else b2[states]
            partial = self._partial if k == self._last else None
            if self._factors[k] is None:
                self._factors[k] = self._factor(states, big, partial)
            x[states] = self._factors[k].solve(rhs)
        return x

    def _done(self, wanted_only: bool) -> np.ndarray:
        """States whose values a solve computes: blocks ``0 .. last`` (``wanted_only``: of the
        last block only the wanted states, which is all that exact partial factors give)."""
        done = np.zeros(len(self.subset), dtype=bool)
        for k, (states, _) in enumerate(self._blocks[: self._last + 1]):
            if k < self._last or self._partial is None or not wanted_only:
                done[states] = True
            else:
                done[states[self._partial]] = True
        return done

    # ------------------------------------------------------------------ certified floats
    def solve_bounded(self, b: np.ndarray, e_b=0.0, *, exact_rhs=None,
                      rtol: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Float solve with a certified componentwise error bound (claims CERT-1 .. CERT-3).

        Returns ``(x, e)`` with ``|x - x_exact| <= e`` (``inf`` where nothing could be
        verified). ``e_b`` bounds the error of ``b`` itself (scalar or like ``b``);
        ``exact_rhs()``, if given, returns the exact right-hand side as ``(hi, lo)`` doubles,
        for refinement; without it ``b`` is taken as exact floats (besides ``e_b``). With
        ``rtol``, iterative refinement with double-double residuals (exact chains only) runs
        until the relative bound is at most ``rtol`` or stops improving.
        """
        assert not self.exact
        squeeze = b.ndim == 1
        b2 = np.asarray(b, dtype=np.float64).reshape(len(b), -1)
        eb = np.asarray(e_b, dtype=np.float64)
        eb = np.broadcast_to(eb[:, None] if eb.ndim == 1 else eb, b2.shape)
        x = self._solve_blocks(b2)
        S = np.flatnonzero(self._done(wanted_only=False))
        full = len(S) == len(self.subset)
        sysS = self._float_system(S, full)
        xS, bS, ebS = x[S], b2[S], eb[S]

        def solve_S(w):
            if full:
                return self._solve_blocks(w)
            wf = np.zeros((len(self.subset), w.shape[1]))
            wf[S] = w
            return self._solve_blocks(wf)[S]

        e = sysS.enclose(solve_S, sysS.residual_bound(bS, ebS, xS))
        if rtol is not None and _certify.relative_bound(xS, e) > rtol and \
                self._exact_src is not None and np.isfinite(xS).all() and \
                np.abs(xS).max(initial=0.0) < _certify.DD_MAX:
            xS, e = self._refine(sysS, solve_S, xS, e, bS, ebS, exact_rhs, S, rtol)
        x[S], err = xS, np.full(x.shape, np.nan)
        err[S] = e
        if self._last < len(self._blocks) - 1 or self._partial is not None:
            keep = self._done(wanted_only=True)
            x[~keep] = np.nan
        return (x[:, 0], err[:, 0]) if squeeze else (x, err)

    def _refine(self, sysS, solve_S, x, e, b, e_b, exact_rhs, S, rtol):
        """Iterative refinement with double-double residuals (CERT-3); keeps the best bound."""
        if not sysS.refinable:
            sysS = self._float_system(S, len(S) == len(self.subset), lo=True)
        if exact_rhs is not None:
            b_hi, b_lo = exact_rhs()
            b_hi = b_hi.reshape(len(b_hi), -1)[S]
            b_lo = b_lo.reshape(len(b_lo), -1)[S]
            e_dd = 0.0
        else:
            b_hi, b_lo, e_dd = b, np.zeros_like(b), e_b
        best = (_certify.relative_bound(x, e), x, e)  # a bound belongs to its x
        stale = 0
        for _ in range(_REFINE_STEPS):
            r, _ = sysS.residual_dd(b_hi, b_lo, x, e_dd)
            x = x + solve_S(r)
            if not np.isfinite(x).all() or np.abs(x).max(initial=0.0) >= _certify.DD_MAX:
                break
            _, rbar = sysS.residual_dd(b_hi, b_lo, x, e_dd)
            e = sysS.enclose(solve_S, rbar)
            rel = _certify.relative_bound(x, e)
            if rel < best[0]:
                best, stale = (rel, x, e), 0
                if rel <= rtol:
                    break
            else:
                stale += 1
                if stale == 2:
                    break
        return best[1], best[2]

    def _float_system(self, S: np.ndarray, full: bool, lo: bool = False) -> _certify.FloatSystem:
        key = (full or S.tobytes(), lo)
        got = self._systems.get(key)
        if got is not None:
            return got
        loc = local_index(len(self.subset), S) if not full else None
        ptr, pos = rows_positions(self._ptr, S) if not full else (self._ptr, None)
        cols = self._cols if loc is None else loc[self._cols[pos]]  # (loc is None iff full)
        vals = self._vals if full else self._vals[pos]
        rows = np.repeat(np.arange(len(S), dtype=np.int64), np.diff(ptr))
        keep = cols != rows
        if not full:
            keep &= cols >= 0
        optr = np.zeros(len(S) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows[keep], minlength=len(S)), out=optr[1:])
        lo_parts = None
        if lo:
            assert self._exact_src is not None  # (lo is asked for only with an exact source)
            ex, chain_pos = self._exact_src
            mpos = chain_pos if full else chain_pos[pos]
            _, off_lo = _certify.split_exact(ex[mpos[keep]])
            _, diag_lo = _certify.split_exact(self._diag_exact[S])
            lo_parts = (off_lo, diag_lo)
        sysS = _certify.FloatSystem(optr, cols[keep], vals[keep], self._one_minus_diag[S],
                                    self._eps_diag[S], lo=lo_parts)
        if len(self._systems) > 4:
            self._systems.clear()
        self._systems[key] = sysS
        return sysS

    def _factor(self, states: np.ndarray, big: bool, partial: np.ndarray | None = None):
        log = config.solvers.block_log
        if log is None:
            return self._factor_block(states, big, partial)
        t = _clock()
        factor = self._factor_block(states, big, partial)
        rec = {"states": len(states), "big": big, "route": type(factor).__name__,
               "factor": _since(t), "solve": (0.0, 0.0)}
        if self.exact:
            rec["degree"] = len(self._block_matrix(states)[0]) / len(states)
        log.append(rec)
        return _LoggedFactor(factor, rec)

    def _factor_block(self, states: np.ndarray, big: bool, partial: np.ndarray | None = None):
        rows, cols, vals, diag = self._block_matrix(states)
        s = len(states)
        if self.exact:
            order = fill = None
            route = config.solvers.exact_blocks
            # a tridiagonal block (birth-death chains, gambler's ruin) stays on the rational
            # LU: _padic.prefer_padic would choose it (its fill nnz + 2s is below 2 (nnz + s);
            # tested), so the p-adic route is not even asked
            if s >= _PADIC_MIN_STATES and route != "rational" and not (
                    route == "auto" and _tridiagonal(rows, cols)):
                from . import padic as _padic

                if route == "auto" and len(rows) < _padic.DEGREE * s:
                    order, fill = _padic.order_and_fill(rows, cols, s)  # the fill decides
                if route == "padic" or _padic.prefer_padic(rows, cols, s, fill):
                    try:
                        return _padic.PadicLU(rows, cols, vals, diag, wanted=partial)
                    except ValueError:  # rows too wide for int64 lifting, dense rest too big
                        pass
            if not big:
                return _ExactLU(rows, cols, vals, diag, np.arange(s))
            if order is None:
                order = _min_degree_order(rows, cols, s)
            if partial is None:
                return _FractionFreeLU(rows, cols, vals, diag, [order])
            # wanted states last; besides the minimum-degree order, try "farthest from the
            # wanted states first" (optimal for paths: the wanted rows are touched only at the
            # end), and let the cost model pick
            last = np.zeros(s, dtype=bool)
            last[partial] = True
            orders = [np.concatenate([order[~last[order]], partial]),
                      _farthest_first_order(rows, cols, s, partial)]
            return _FractionFreeLU(rows, cols, vals, diag, orders, num_wanted=len(partial))
        import scipy.sparse as sp

        # The rows come ascending (_block_matrix), so A's CSR arrays need only the diagonal
        # merged in (a stable sort of two sorted runs), not the global sort of a COO -> CSC
        # conversion; read as CSC they are A^T, which is factored and solved transposed.
        every = np.concatenate([rows, np.arange(s, dtype=rows.dtype)])
        order = np.argsort(every, kind="stable")
        indptr = np.zeros(s + 1, dtype=np.int64)
        np.cumsum(np.bincount(every, minlength=s), out=indptr[1:])
        AT = sp.csc_array((np.concatenate([vals.astype(np.float64), diag])[order],
                           np.concatenate([cols, np.arange(s, dtype=cols.dtype)])[order],
                           indptr), shape=(s, s))
        return _FloatLU(AT, big)


def _clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _since(t: tuple[float, float]) -> tuple[float, float]:
    return time.perf_counter() - t[0], time.process_time() - t[1]


class _LoggedFactor:
    """A factorisation whose solves add their time to a ``config.solvers.block_log`` record."""

    def __init__(self, factor: Any, rec: dict) -> None:
        self._factor, self._rec = factor, rec

    def __getattr__(self, name: str) -> Any:
        return getattr(self._factor, name)

    def solve(self, rhs: Any, *args: Any, **kwargs: Any) -> Any:
        t = _clock()
        try:
            return self._factor.solve(rhs, *args, **kwargs)
        finally:
            w, c = _since(t)
            pw, pc = self._rec["solve"]
            self._rec["solve"] = (pw + w, pc + c)
            if getattr(self._factor, "iterations", None):
                self._rec["iterations"] = self._factor.iterations


def _make_blocks(num: int, labels: np.ndarray) -> list[tuple[np.ndarray, bool]]:
    """Blocks in solve order (downstream first); states in each ordered upstream-first."""
    order = np.argsort(labels, kind="stable")
    sizes = np.bincount(labels, minlength=num)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    big = sizes >= BIG
    # a block starts at every big component and at every small one that follows a big one
    block_of = np.cumsum(big | np.concatenate([[True], big[:-1]])) - 1
    # components by block, and inside a (merged) block upstream first: labels ascending are
    # downstream first, so descending inside each block
    comps = np.lexsort((-np.arange(num), block_of))
    lengths = sizes[comps]
    offsets = np.arange(len(order)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    states = order[np.repeat(starts[comps], lengths) + offsets]
    block_sizes = np.bincount(block_of, weights=sizes).astype(np.int64)
    bounds = np.concatenate([[0], np.cumsum(block_sizes)])
    first = np.searchsorted(block_of, np.arange(len(block_sizes)))  # first component of block
    return [(states[bounds[k]:bounds[k + 1]], bool(big[first[k]]))
            for k in range(len(block_sizes))]


def _tridiagonal(rows, cols) -> bool:
    """The block's off-diagonal pattern is within one of the diagonal (a path in its
    numbering): eliminating in that order fills nothing."""
    return bool(len(rows)) and int(np.abs(rows - cols).max()) == 1


def _min_degree_order(rows, cols, s) -> np.ndarray:
    """Elimination order from SuperLU's minimum degree on ``A + A^T`` (pattern only); a
    tridiagonal block keeps its own order, which fills nothing either, without SuperLU and
    SciPy's import (~0.3 s)."""
    if _tridiagonal(rows, cols):
        return np.arange(s)
    from . import padic as _padic

    return _padic.order_and_fill(rows, cols, s)[0]


def _farthest_first_order(rows, cols, s, wanted) -> np.ndarray:
    """States by decreasing graph distance (on ``A + A^T``) from ``wanted``, which come last."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import shortest_path

    G = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(s, s))
    dist = shortest_path(G, method="D", directed=False, unweighted=True, indices=wanted)
    dist = np.atleast_2d(dist).min(axis=0)
    dist[~np.isfinite(dist)] = s  # (a strong component is connected: not expected)
    return np.argsort(-dist, kind="stable")


class _FloatLU:
    """SuperLU factors of ``A``, given as ``AT`` (= A^T in CSC, i.e. A's CSR arrays)."""

    def __init__(self, AT, big: bool):
        from scipy.sparse.linalg import splu

        self._n = AT.shape[0]  # (the factors are those of A^T; solve() applies them transposed)
        try:
            if big:
                # panels and relaxed supernodes of 5 columns instead of SuperLU's 12 and 6:
                # 10-15% faster on the sparse chains measured (2-D walks of 250k states,
                # random sparse and banded chains), never slower
                self._lu = splu(AT, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.0,
                                relax=5, panel_size=5, options={"SymmetricMode": True})
            else:
                # many small components, block triangular already: no supernodes worth the
                # bookkeeping (relax=1, panel_size=1 is 2-3x faster here)
                self._lu = splu(AT, permc_spec="NATURAL", diag_pivot_thresh=0.0, relax=1,
                                panel_size=1, options={"SymmetricMode": True})
        except RuntimeError:  # "Factor is exactly singular": rounding cancelled a pivot
            self._lu = None  # (A itself is nonsingular, LIN-1): the values are unknown

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        if self._lu is None:
            return np.full(np.shape(rhs), np.nan)
        return self._lu.solve(np.ascontiguousarray(rhs, dtype=np.float64), trans="T")


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
        if ncol >= _WIDE:  # many columns (identical components solved together): by rows
            y = [rhs[i].copy() for i in range(s)]
            for k in order:
                yk = y[k]
                for i, f in L[k]:
                    y[i] = y[i] - f * yk
            for k in reversed(order):
                acc = y[k]
                rk = U[k]
                for j, v in rk.items():
                    if j != k:
                        acc = acc - v * y[j]
                y[k] = acc / rk[k]
            for i in range(s):
                out[i] = y[i]
            return out
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


# ---------------------------------------------------------------------- exact, big blocks
def _symbolic(r: np.ndarray, c: np.ndarray, s: int):
    """Elimination tree of the pattern of ``A + A^T`` (positions in elimination order).

    Returns ``struct`` (``struct[k]``: the later positions adjacent to ``k`` once everything
    before ``k`` is eliminated -- the column structure of the Cholesky factor), ``children``
    and ``subtree`` sizes.
    """
    lo = np.minimum(r, c)
    hi = np.maximum(r, c)
    keep = lo != hi
    lo, hi = lo[keep], hi[keep]
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], hi[order]
    ptr = np.searchsorted(lo, np.arange(s + 1))
    hi_list = hi.tolist()
    ptr_list = ptr.tolist()
    struct: list[set[int]] = [None] * s  # type: ignore[list-item]
    children: list[list[int]] = [[] for _ in range(s)]
    subtree = [1] * s
    for k in range(s):
        S = set(hi_list[ptr_list[k]:ptr_list[k + 1]])
        for ch in children[k]:
            S |= struct[ch]
            subtree[k] += subtree[ch]
        S.discard(k)
        struct[k] = S
        if S:
            children[min(S)].append(k)
    return struct, children, subtree


def _plan_tail(struct, subtree, beta: float, s: int, max_tail: int) -> tuple[int, float]:
    """How many trailing pivots to leave to the dense solver (0: none), and the estimated cost.

    Sparse phase: ~``2 |struct_k|^2`` entry updates per pivot ``k``, on entries of about
    ``beta * subtree_k`` bits. Dense tail of ``K`` rows: Dixon needs about
    ``beta * s / log2(p)`` iterations (the solution has about as many bits as the determinant),
    each a product with the tail, whose entries have the size of the determinants of the
    eliminated components bordering each row.
    """
    if s < 32:
        return 0, 0.0
    sz = np.fromiter((len(x) for x in struct), dtype=np.float64, count=s)
    sub = np.asarray(subtree, dtype=np.float64)
    parent = np.fromiter((min(x) if x else s for x in struct), dtype=np.int64, count=s)
    w2 = 2.0 * sz * sz
    S2 = np.concatenate([np.cumsum(w2[::-1])[::-1], [0.0]])  # suffix sums
    SB = np.concatenate([np.cumsum((w2 * sub)[::-1])[::-1], [0.0]])
    NZ = np.concatenate([np.cumsum((2.0 * sz + 1.0)[::-1])[::-1], [0.0]])
    border = sub * sz  # (size of component c) x (rows it borders)
    idx = np.arange(s)
    iters = 1.1 * beta * s / 60.0 + 4.0
    best_k = 0
    best = _C_OP * S2[0] + _C_BIT * beta * SB[0]
    K = 32
    while K <= min(s, max_tail):
        ns = s - K
        sparse = _C_OP * (S2[0] - S2[ns]) + _C_BIT * beta * (SB[0] - SB[ns])
        bits = beta * (1.0 + border[(idx < ns) & (parent >= ns)].sum() / K)
        per_iter = _C_K1 * K + _C_K2 * K * K + _C_NB * NZ[ns] * bits
        total = sparse + _SOLVES * iters * per_iter + _C_K3 * K ** 3
        if total < best:
            best_k, best = K, total
        K = int(K * 1.2) + 1
    return best_k, best


class _FractionFreeLU:
    """Exact LU of one big strongly connected block over fmpz (see the module docstring).

    Parameters are those of :class:`_ExactLU`, except that ``orders`` lists candidate
    elimination orders (the cost model picks one); ``num_wanted > 0`` means that only the last
    ``num_wanted`` states of every order are wanted (no back substitution for the others).
    """

    def __init__(self, rows, cols, vals, diag, orders, *, num_wanted: int = 0,
                 max_tail: int = DENSE_MAX):
        s = len(diag)
        # integer rows: row i scaled by the lcm of its denominators
        R0: list[dict[int, fmpq]] = [{} for _ in range(s)]
        for i, j, v in zip(rows.tolist(), cols.tolist(), vals):
            R0[i][j] = v
        scale0: list[fmpz] = [_Z1] * s
        bits = 0
        for i in range(s):
            ri = R0[i]
            ri[i] = diag[i]
            lcm = _Z1
            for v in ri.values():
                q = v.q
                if q != 1:
                    lcm = q if lcm == 1 else lcm.lcm(q)
            scale0[i] = lcm
            bits += (ri[i] * lcm).p.bit_length()
        beta = bits / s  # ~ bits per eliminated state of the determinants (Hadamard-like)
        best: tuple | None = None
        for order in orders:  # the cheapest elimination order by the cost model
            order = np.asarray(order, dtype=np.int64)
            pos = np.empty(s, dtype=np.int64)
            pos[order] = np.arange(s)
            struct, children, subtree = _symbolic(pos[rows], pos[cols], s)
            K, cost = _plan_tail(struct, subtree, beta, s, max_tail)
            if best is None or cost < best[0]:
                best = (cost, order, pos, struct, children, K)
        assert best is not None  # (orders is never empty)
        _, order, pos, struct, children, K = best
        R: list[dict[int, fmpz]] = [None] * s  # type: ignore[list-item]
        scale: list[fmpz] = [_Z1] * s
        pos_list = pos.tolist()
        for i in range(s):
            k, lcm = pos_list[i], scale0[i]
            scale[k] = lcm
            R[k] = {pos_list[j]: (v * lcm).p for j, v in R0[i].items()}
        del R0
        ns = s - K
        piv: list[fmpz] = [_Z0] * s
        L: list[list] = [None] * s  # type: ignore[list-item]
        for k in range(ns):
            rk = R[k]
            p = rk.pop(k)
            piv[k] = p
            G: dict[int, fmpz] = {}
            for ch in children[k]:
                # the subtree of `ch` (a component of the eliminated states) merges into k's
                dc = piv[ch]
                for i in struct[ch]:
                    if i != k:
                        g = G.get(i)
                        G[i] = dc if g is None else g * dc
            items = list(rk.items())
            ops = []
            for i in struct[k]:
                ri = R[i]
                a = ri.pop(k, None)
                g = G.get(i)
                if a is None:  # structurally next to k, numerically independent of it
                    if g is None:
                        R[i] = {j: w * p for j, w in ri.items()}
                    else:
                        R[i] = {j: w * p // g for j, w in ri.items()}
                    ops.append((i, _Z0, g))
                    continue
                new = {j: w * p for j, w in ri.items()}
                for j, v in items:
                    w = new.get(j)
                    new[j] = -a * v if w is None else w - a * v
                if g is not None:
                    new = {j: w // g for j, w in new.items()}
                R[i] = new
                ops.append((i, a, g))
            L[k] = ops
        self._s, self._ns = s, ns
        self._order = order
        self._scale = scale
        self._piv, self._L, self._U = piv, L, R
        self._first = s - num_wanted if num_wanted else 0  # first position to back-substitute
        self._dense = _DenseTail(R[ns:], ns) if ns < s else None

    def solve(self, rhs: np.ndarray) -> np.ndarray:
        s, ns = self._s, self._ns
        ncol = rhs.shape[1]
        order = self._order
        out = np.empty((s, ncol), dtype=object)
        piv, L, U, scale = self._piv, self._L, self._U, self._scale
        ys, lcms = [], []
        for col in range(ncol):
            b = [v if isinstance(v, fmpq) else fmpq(v) for v in rhs[order, col].tolist()]
            lcm = _Z1
            for v in b:
                q = v.q
                if q != 1:
                    lcm = q if lcm == 1 else lcm.lcm(q)
            y = [(v * lcm * sk).p for v, sk in zip(b, scale)]
            for k in range(ns):
                yk = y[k]
                pk = piv[k]
                for i, a, g in L[k]:
                    t = pk * y[i] - a * yk if a else pk * y[i]
                    y[i] = t if g is None else t // g
            ys.append(y)
            lcms.append(lcm)
        dense = self._dense.solve([y[ns:] for y in ys]) if self._dense is not None else None
        first = self._first
        for col in range(ncol):
            y = ys[col]
            z: list = [None] * s
            if dense is not None:
                nums, D = dense[col]
                z[ns:] = nums
            else:
                D = _Z1
            # back substitution in integers: z = D x with one common denominator D
            for k in range(ns - 1, first - 1, -1):
                acc = y[k] * D
                for j, u in U[k].items():
                    acc -= u * z[j]
                q, rem = divmod(acc, piv[k])
                if rem:  # x_k needs a factor of the pivot that D lacks: enlarge D
                    g = acc.gcd(piv[k])
                    m = piv[k] // g
                    D = D * m
                    for j in range(k + 1, s):
                        if z[j] is not None:
                            z[j] = z[j] * m
                    q = acc // g
                z[k] = q
            den = D * lcms[col]
            xs: list[fmpq | None] = [None] * s
            for k in range(first, s):
                xs[k] = fmpq(z[k], den)
            out[order, col] = xs
        return out


_P60 = prime_below(1 << 60)


class _DenseTail:
    """Solve ``N x = y`` exactly for a dense integer matrix by Dixon's p-adic lifting.

    One inverse of ``N`` modulo a word-size prime ``p`` (flint ``nmod_mat``, kept for later
    solves); each iteration gains ``log2 p`` bits of the p-adic expansion of ``x`` at the cost of
    one product ``N y`` with flint's ``fmpz_mat``; every ~12% more iterations the first entry is
    rationally reconstructed (Lehmer's half-gcd), all entries are brought over that
    denominator and the candidate is verified exactly against the sparse rows, so the result
    never depends on a bound or a probability.
    """

    def __init__(self, rows: list[dict[int, fmpz]], offset: int):
        K = len(rows)
        flat: list = [0] * (K * K)
        sparse_rows = []
        row_bits = []
        for a, row in enumerate(rows):
            base = a * K - offset
            items = []
            mb = 0
            for j, v in row.items():
                flat[base + j] = v
                items.append((j - offset, v))
                mb = max(mb, v.bit_length())
            sparse_rows.append(items)
            # log2 of a bound on the Euclidean norm of the row with one entry replaced
            row_bits.append((mb, (len(items).bit_length() + 2) // 2))
        self.K = K
        self.A = fmpz_mat(K, K, flat)
        self.rows = sparse_rows
        self._row_bits = row_bits
        self._p: int | None = None
        self._inv: nmod_mat | None = None
        self._den_hint: fmpz | None = None

    def _invert(self):
        p = _P60
        for _ in range(50):
            try:
                self._inv = nmod_mat(self.A, p).inv()
                self._p = p
                return
            except ZeroDivisionError:  # p divides det N: try another prime
                p = prime_below(p)
        raise RuntimeError("no prime found for Dixon lifting")  # pragma: no cover

    def solve(self, cols: list[list[fmpz]]) -> list[tuple[list[fmpz], fmpz]]:
        """Return ``(numerators, denominator)`` of ``N^{-1} y`` for each column ``y``."""
        K, c = self.K, len(cols)
        if self._inv is None:
            self._invert()
        p, inv, A = self._p, self._inv, self.A
        assert p is not None and inv is not None  # (set by _invert)
        logp = p.bit_length() - 1
        # Cramer + Hadamard: den <= prod |row_i|, |num| <= prod |row_i with y_i in|, and
        # p^it > 2 |num| den makes the reconstruction unique; the loop stops long before
        ybits = [max((col[i].bit_length() for col in cols), default=0) for i in range(K)]
        det_bits = sum(mb + lb for mb, lb in self._row_bits)
        num_bits = sum(max(mb, yb) + lb + 1 for (mb, lb), yb in zip(self._row_bits, ybits))
        max_it = (det_bits + num_bits + 2) // logp + 2
        d = fmpz_mat(K, c, [cols[j][i] for i in range(K) for j in range(c)])
        total = fmpz_mat(K, c)
        acc = fmpz_mat(K, c)
        basepow, chunkpow = _Z1, _Z1
        results: list = [None] * c
        it, next_check = 0, 2
        while True:
            y = fmpz_mat(K, c, [int(e) for e in (inv * nmod_mat(d, p)).entries()])
            acc = acc + y * chunkpow
            chunkpow = chunkpow * p
            it += 1
            if it % 16 == 0:  # fold the chunk into the total (keeps the additions cheap)
                total = total + acc * basepow
                basepow = basepow * chunkpow
                acc = fmpz_mat(K, c)
                chunkpow = _Z1
            if it >= next_check or it >= max_it:
                next_check = it + max(1, it // 8)
                mod = basepow * chunkpow
                xs = (total + acc * basepow).entries()
                for j in range(c):
                    if results[j] is None:
                        results[j] = self._candidate(xs[j::c], mod, cols[j])
                if all(r is not None for r in results):
                    return results
                if it >= max_it:  # pragma: no cover - cannot happen past the bound
                    return self._fallback(cols)
            d = fmpz_mat(K, c, [v // p for v in (d - A * y).entries()])

    def _fallback(self, cols):  # pragma: no cover - only if the bound above were wrong
        out = []
        for col in cols:
            X = self.A.solve(fmpz_mat(self.K, 1, col))
            den = _Z1
            for i in range(self.K):
                den = den.lcm(X[i, 0].q)
            out.append(([(X[i, 0] * den).p for i in range(self.K)], den))
        return out

    def _candidate(self, xs: list[fmpz], mod: fmpz, b: list[fmpz]):
        """Rational reconstruction of ``x mod p^i``, verified exactly; None if not yet."""
        half = mod >> 1
        bound = half.isqrt()
        hint = self._den_hint  # the denominator found by the previous solve, if any
        if hint is not None and abs(_sym(xs[0] * hint % mod, mod, half)) <= bound:
            found = self._complete(xs, mod, b, hint, half, bound)
            if found is not None:
                return found
        rr = wang(xs[0], mod, bound)
        if rr is None:
            return None
        return self._complete(xs, mod, b, rr[1], half, bound)

    def _complete(self, xs, mod, b, den, half, bound):
        """All entries over ``den`` (enlarged where an entry needs it), then the exact check."""
        nums: list[fmpz] = []
        for x in xs:
            t = _sym(x * den % mod, mod, half)
            if abs(t) > bound:
                rr = wang(t % mod, mod, bound)
                if rr is None:
                    return None
                t, e = rr
                den = den * e
                nums = [v * e for v in nums]
            nums.append(t)
        for i, row in enumerate(self.rows):  # exact check: N nums == den y
            acc = _Z0
            for j, v in row:
                acc += v * nums[j]
            if acc != den * b[i]:
                return None
        self._den_hint = den
        return nums, den


def _sym(t: fmpz, mod: fmpz, half: fmpz) -> fmpz:
    return t - mod if t > half else t
