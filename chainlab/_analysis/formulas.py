"""Backend-independent analyses; ``exact=True`` computes over fmpq, ``exact=False`` over float64.

The public modules :mod:`chainlab.exact` and :mod:`chainlab.numeric` are thin, documented
wrappers around these functions, so both backends share one implementation of every formula
and differ only in the field they compute in (see :mod:`chainlab._linalg.linsolve`).
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any

import numpy as np
from flint import fmpq

from .. import config
from .._chain.values import to_fmpq, to_fraction_array
from .._linalg import certify as _certify
from .._linalg.certify import U as _U
from .._linalg.linsolve import SubsystemSolver
from .._linalg.sparse import csr_matvec_object, local_index, rows_positions
from .._validate import integer
from ..chain import Chain
from ..errors import PrecisionError, SpecError
from ..results import (
    AbsorptionResult,
    BoundedReachabilityResult,
    CanonicalForm,
    ExactMatrix,
    ExpectedVisitsResult,
    HittingResult,
    LimitingResult,
    StationaryResult,
)
from ..structure import classify
from .plan import absorption_plan, bounded_plan, hitting_plan, restrict_argument

__all__: list[str] = []

_Z = fmpq(0)
_1 = fmpq(1)


# ---------------------------------------------------------------------- field helpers
def _data(chain: Chain, exact: bool) -> np.ndarray:
    return chain.require_exact() if exact else chain._float


def _zeros(shape, exact: bool) -> np.ndarray:
    if exact:
        out = np.empty(shape, dtype=object)
        out[...] = _Z
        return out
    return np.zeros(shape, dtype=np.float64)


def _full(shape, value: int, exact: bool) -> np.ndarray:
    if exact:
        out = np.empty(shape, dtype=object)
        out[...] = fmpq(value)
        return out
    return np.full(shape, float(value))


#: False inside ``raw_exact()``: exact results keep python-flint ``fmpq`` values (for callers
#: that only format them, such as the CLI: a Fraction per value costs more than the solve)
_FRACTIONS: contextvars.ContextVar[bool] = contextvars.ContextVar("fractions", default=True)


@contextlib.contextmanager
def raw_exact():
    """Exact results computed inside hold ``fmpq`` values instead of Fractions."""
    token = _FRACTIONS.set(False)
    try:
        yield
    finally:
        _FRACTIONS.reset(token)


def _out(a: np.ndarray, exact: bool) -> np.ndarray:
    """Final conversion at the API edge: fmpq -> Fraction arrays for exact results."""
    if exact and _FRACTIONS.get():
        return to_fraction_array(a).astype(object) if a.size else a.astype(object)
    return a


def _out_scalar(x: Any, exact: bool):
    if x is None:
        return None
    if exact and not _FRACTIONS.get():
        return x
    if exact:
        from .._chain.values import fmpq_to_fraction

        return fmpq_to_fraction(x)
    return float(x)


def _initial_vector(chain: Chain, initial: Any, exact: bool) -> dict[int, Any] | None:
    """The initial distribution as {index: value in the backend's field}, or None."""
    if initial is not None:
        chain = chain.with_initial(initial)
    dist = chain.initial
    if dist is None:
        return None
    if exact:
        # a float chain is refused for its entries, not for its (float-stored) initial weights
        chain.require_exact()
        return {i: to_fmpq(v, where="initial") for i, v in dist.items()}
    return {i: float(v) for i, v in dist.items()}


def _collapse(chain: Chain, rows: np.ndarray, col_group: np.ndarray, num_groups: int,
              exact: bool) -> np.ndarray:
    """``out[r, g] = sum of P[rows[r], j] over j with col_group[j] == g`` (ignores -1)."""
    ptr, pos = rows_positions(chain._indptr, rows)
    cols = chain._indices[pos]
    grp = col_group[cols]
    r = np.repeat(np.arange(len(rows)), np.diff(ptr))
    keep = grp >= 0
    out = _zeros((len(rows), num_groups), exact)
    np.add.at(out, (r[keep], grp[keep]), _data(chain, exact)[pos[keep]])
    return out


# ---------------------------------------------------------------------- certified floats
# Float analyses carry a componentwise absolute error bound next to every computed array
# (claims CERT-1 .. CERT-4); the result's ``error_bound`` is the largest relative one, and a
# result that misses ``config.limits.tolerance`` is refused (PrecisionError).
def _collapse_bounded(chain: Chain, rows: np.ndarray, col_group: np.ndarray,
                      num_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Float ``_collapse`` and the bound of its error against the exact sums."""
    out = _collapse(chain, rows, col_group, num_groups, False)
    ptr, pos = rows_positions(chain._indptr, rows)
    grp = col_group[chain._indices[pos]]
    r = np.repeat(np.arange(len(rows)), np.diff(ptr))
    keep = grp >= 0
    count = np.zeros((len(rows), num_groups))
    np.add.at(count, (r[keep], grp[keep]), 1.0)
    return out, _certify.sum_bound(out, count)


def _exact_rhs(chain: Chain, build):
    """``() -> (hi, lo)`` of an exact right-hand side (for refinement), None for float chains."""
    if not chain.is_exact:
        return None
    return lambda: _certify.split_exact(build())


def _ones_obj(shape) -> np.ndarray:
    return _full(shape, 1, True)


def _combine(mu: dict[int, float], loc: np.ndarray, X: np.ndarray,
             E: np.ndarray) -> tuple[Any, Any]:
    """``sum_i mu_i X[loc[i]]`` in float and its error bound (``mu`` rounded from exact)."""
    idx = np.fromiter((loc[i] for i in mu), np.int64, len(mu))
    p = np.fromiter(mu.values(), np.float64, len(mu))
    shape = (-1,) + (1,) * (X.ndim - 1)
    value = (p.reshape(shape) * X[idx]).sum(axis=0)
    absval = (p.reshape(shape) * np.abs(X[idx])).sum(axis=0)
    err = ((p.reshape(shape) * E[idx]).sum(axis=0) * (1 + 4 * _U)
           + (_certify.gamma(len(mu) + 2) + 2 * _U) * absval) * (1 + 8 * _U) \
        + 4 * (len(mu) + 1) * _certify.ETA * (absval > 0)
    return value, err


def _certified(what: str, chain: Chain, parts) -> float:
    """The relative bound of ``parts`` (``(values, errors[, scale])``); refuse it above the
    tolerance."""
    bound = 0.0
    for part in parts:
        values, errors = part[0], part[1]
        scale = part[2] if len(part) > 2 else None
        bound = max(bound, _certify.relative_bound(values, errors, scale))
    tol = config.limits.tolerance
    if bound > tol:
        remedy = ("use chainlab.exact (the CLI's --exact)" if chain.is_exact else
                  "build the chain from exact values and use chainlab.exact (the CLI's --exact)")
        shown = ("could not be certified at all (the float LU is too inaccurate for any "
                 "bound to verify)" if bound == float("inf") else
                 f"is certified only to a relative error of {bound:.2g}")
        raise PrecisionError(
            f"{what}: the float64 result {shown}, above the tolerance {tol:g}, even after "
            f"iterative refinement; {remedy}, or accept the bound with "
            "chainlab.config.override(tolerance=...)",
            error_bound=bound, tolerance=tol)
    return bound


def _solver(chain: Chain, subset: np.ndarray, exact: bool, transpose: bool = False,
            wanted: np.ndarray | None = None) -> SubsystemSolver:
    """A (cached) factorisation of ``I - P[U, U]``: analyses of one chain share factors, e.g.
    hitting probabilities and expected steps of the same transient set are one factorisation.
    With ``wanted`` (positions in ``subset``) only those values are computed."""
    key = ("solver", exact, transpose, subset.tobytes(),
           None if wanted is None else wanted.tobytes())
    cache = chain._cache
    solver = cache.get(key)
    if solver is None:
        solvers = [k for k in cache if isinstance(k, tuple) and k[0] == "solver"]
        for k in solvers[: max(0, len(solvers) - 3)]:  # keep the few most recent
            del cache[k]
        solver = cache[key] = SubsystemSolver(chain, subset, exact=exact, transpose=transpose,
                                              wanted=wanted)
    return solver


# ---------------------------------------------------------------------- analyses
def canonical_form(chain: Chain, exact: bool) -> CanonicalForm:
    st = classify(chain)
    T = np.asarray(st.transient, dtype=np.int64)
    m = len(st.closed_classes)
    Rdense = _collapse(chain, T, st.closed_class_of, m, exact)
    loc = local_index(chain.num_states, T)
    ptr, pos = rows_positions(chain._indptr, T)
    cols = loc[chain._indices[pos]]
    rr = np.repeat(np.arange(len(T)), np.diff(ptr))
    keep = cols >= 0
    data = _data(chain, exact)[pos[keep]]
    qptr = np.zeros(len(T) + 1, dtype=np.int64)
    np.add.at(qptr, rr[keep] + 1, 1)
    np.cumsum(qptr, out=qptr)
    import scipy.sparse as sp

    if exact:
        Q = ExactMatrix((len(T), len(T)), qptr, cols[keep], tuple(_out(data, True)))
        nz = [(i, j) for i in range(len(T)) for j in range(m) if Rdense[i, j] != 0]
        rptr = np.zeros(len(T) + 1, dtype=np.int64)
        for i, _ in nz:
            rptr[i + 1] += 1
        np.cumsum(rptr, out=rptr)
        R = ExactMatrix((len(T), m), rptr, np.array([j for _, j in nz], dtype=np.int64),
                        tuple(_out(np.array([Rdense[i, j] for i, j in nz], dtype=object), True)))
        bound = 0.0
    else:
        Q = sp.csr_array((data, cols[keep], qptr), shape=(len(T), len(T)))
        R = sp.csr_array(Rdense)
        # Q: correctly rounded entries; R: sums of them
        _, eR = _collapse_bounded(chain, T, st.closed_class_of, m)
        bound = _certified("canonical_form", chain, [(Rdense, eR)]) if len(T) else 0.0
        bound = max(bound, _U) if len(data) else bound
    return CanonicalForm(
        method="exact" if exact else "float",
        order=st.canonical_order(),
        transient=st.transient,
        closed_classes=st.closed_classes,
        Q=Q,
        R=R,
        error_bound=bound,
    )


def absorption(chain: Chain, exact: bool, *, initial: Any = None, targets: Any = None,
               variance: bool = True, probabilities: bool = True,
               restrict: bool | str = False) -> AbsorptionResult:
    # restrict=False: every state; True: the states reachable from the initial distribution;
    # "initial": only the states of the initial distribution (the linear system still spans
    # the reachable transient states, but they are eliminated first and never back-substituted)
    n = chain.num_states
    mu = _initial_vector(chain, initial, exact)
    restrict = restrict_argument(restrict)
    plan = absorption_plan(chain, mu, targets, restrict)
    st, covered, groups, state_group = plan.structure, plan.covered, plan.groups, \
        plan.state_group
    only_initial = plan.only_initial
    g = len(groups)
    is_tr = st.closed_class_of[covered] < 0
    T = plan.T
    # (without probabilities no n x g array is allocated: a chain may have thousands of
    # absorbing states)
    B = _zeros((len(covered), g), exact) if probabilities else None
    t = _zeros(len(covered), exact)
    var = _zeros(len(covered), exact) if variance else None
    # float: absolute error bounds beside every array (zero where the value is exact)
    eB = np.zeros((len(covered), g)) if probabilities and not exact else None
    et = None if exact else np.zeros(len(covered))
    evar = np.zeros(len(covered)) if variance and not exact else None
    tol = config.limits.tolerance
    if probabilities:
        assert B is not None
        rec = np.flatnonzero(~is_tr & (state_group[covered] >= 0))
        B[rec, state_group[covered[rec]]] = _1 if exact else 1.0
    if len(T):
        # the system: every transient state reachable from the covered ones
        U = plan.U
        wanted = local_index(n, U)[T] if only_initial else None
        # rows of B sum to 1 when the groups cover every closed class (ABS-1): solve g - 1
        # columns and derive the last by subtraction (exact in rational arithmetic only)
        derive_last = exact and probabilities and plan.covers_every_class
        eR = np.zeros((len(U), 0))
        if probabilities:
            if exact:
                R = _collapse(chain, U, state_group, g, exact)
            else:
                R, eR = _collapse_bounded(chain, U, state_group, g)
            cols = R[:, : g - 1] if derive_last else R
        else:
            cols = _zeros((len(U), 0), exact)
        rhs = np.concatenate([cols, _full((len(U), 1), 1, exact)], axis=1)
        solver = _solver(chain, U, exact, wanted=wanted)
        if exact:
            X = solver.solve(rhs)
        else:
            def build():
                R_ex = _collapse(chain, U, state_group, g, True) if probabilities \
                    else _zeros((len(U), 0), True)
                return np.concatenate([R_ex, _ones_obj((len(U), 1))], axis=1)

            X, EX = solver.solve_bounded(
                rhs, np.concatenate([eR, np.zeros((len(U), 1))], axis=1),
                exact_rhs=_exact_rhs(chain, build), rtol=tol)
            if only_initial:
                EX = EX[wanted]
        if only_initial:
            X = X[wanted]
        k = cols.shape[1]
        tr = np.flatnonzero(is_tr)
        if probabilities:
            assert B is not None
            B[tr, :k] = X[:, :k]
            if not exact:
                assert eB is not None
                eB[tr, :k] = EX[:, :k]
        if derive_last:
            assert B is not None
            B[tr, g - 1] = _1 - X[:, :k].sum(axis=1)
        tT = X[:, k]
        t[tr] = tT
        if not exact:
            assert et is not None
            et[tr] = EX[:, k]
        if variance:
            # (I - Q) Var = c with c_i = sum_j P_ij (t_j - t_i + 1)^2 (ABS-3): needs t at every
            # state of U, and has no cancellation (unlike 2 N t - t - t^2 in floats)
            if only_initial:
                ones = _full(len(U), 1, exact)
                if exact:
                    tU, etU = _solver(chain, U, exact).solve(ones), None
                else:
                    tU, etU = _solver(chain, U, exact).solve_bounded(ones, rtol=tol)
            else:
                tU, etU = tT, None if exact else EX[:, k]
            c, ec = _variance_rhs(chain, U, tU, etU, exact)
            if exact:
                w = solver.solve(c)
            else:
                w, ew = solver.solve_bounded(c, ec, rtol=tol)
                assert evar is not None
                evar[tr] = ew[wanted] if only_initial else ew
            assert var is not None
            var[tr] = w[wanted] if only_initial else w
    init_B: Any = None  # an array of g values (or None)
    init_t: Any = None  # a scalar, fmpq or float (or None)
    e_init_B = e_init_t = None
    if mu is not None:
        loc = local_index(n, covered)
        if exact:
            init_B = _zeros(g, exact) if probabilities else None
            init_t = _Z
            for i, p in mu.items():
                if probabilities:
                    assert B is not None
                    init_B = init_B + p * B[loc[i]]
                init_t = init_t + p * t[loc[i]]
        else:
            assert et is not None
            if probabilities:
                assert B is not None and eB is not None
                init_B, e_init_B = _combine(mu, loc, B, eB)
            init_t, e_init_t = _combine(mu, loc, t, et)
    bound = 0.0
    if not exact:
        parts: list[tuple[Any, ...]] = [(t, et)]
        if probabilities:
            parts += [(B, eB), (init_B, e_init_B)] if mu is not None else [(B, eB)]
        if mu is not None:
            parts.append((init_t, e_init_t))
        if variance:  # a difference of moments: measured against the second moment
            assert var is not None
            parts.append((var, evar, np.abs(var) + t * t))
        bound = _certified("absorption", chain, parts)
    return AbsorptionResult(
        method="exact" if exact else "float",
        states=covered,
        closed_classes=st.closed_classes,
        columns=groups,
        B=None if B is None else _out(B, exact),  # (None exactly when not probabilities)
        t=_out(t, exact),
        variance=None if var is None else _out(var, exact),
        initial_B=None if init_B is None else _out(init_B, exact),
        initial_t=_out_scalar(init_t, exact),
        error_bound=bound,
    )


def _variance_rhs(chain: Chain, U: np.ndarray, tU: np.ndarray, etU: np.ndarray | None,
                  exact: bool):
    """``c_i = sum_j P_ij (t_j - t_i + 1)^2`` on ``U`` (``t = 0`` off ``U``), and in floats the
    bound of its error given the error ``etU`` of ``t``."""
    n = chain.num_states
    ptr, pos = rows_positions(chain._indptr, U)
    cols = chain._indices[pos]
    rr = np.repeat(np.arange(len(U)), np.diff(ptr))
    t_full = _zeros(n, exact)
    t_full[U] = tU
    diff = t_full[cols] - tU[rr]
    d = diff + (_1 if exact else 1.0)
    P = _data(chain, exact)[pos]
    c = np.add.reduceat(P * d * d, ptr[:-1]) if len(pos) else _zeros(0, exact)
    if exact:
        return c, None
    assert etU is not None
    e_full = np.zeros(n)
    e_full[U] = etU
    delta = (e_full[cols] + etU[rr] + 2 * _U * (np.abs(diff) + 1.0 + np.abs(d))) * (1 + 4 * _U)
    first = np.add.reduceat(P * delta * (2 * np.abs(d) + delta), ptr[:-1])
    width = np.diff(ptr).astype(np.float64)
    gk = _certify.gamma(width + 3)
    ec = ((1 + 3 * _U) * first + (gk + 2 * _U) / (1 - gk) * c) * (1 + 8 * _U) \
        + 4 * (width + 2) * _certify.ETA * ((first > 0) | (c > 0))
    return c, ec


def hitting(chain: Chain, target: Any, exact: bool, *, initial: Any = None,
            restrict: bool | str = False) -> HittingResult:
    n = chain.num_states
    mu = _initial_vector(chain, initial, exact)
    plan = hitting_plan(chain, target, mu, restrict_argument(restrict))
    A, covered, certain = plan.target, plan.covered, plan.certain
    loc = local_index(n, covered)
    tol = config.limits.tolerance
    group = np.where(plan.in_target, 0, -1)

    def wanted(subset: np.ndarray) -> np.ndarray | None:
        # restrict="initial": only the covered states' values (eliminated last)
        return np.flatnonzero(loc[subset] >= 0) if plan.only_initial else None

    # probabilities: solve on the states that can reach A (outside A); values kept for the
    # covered states only (full-length scratch arrays, sliced below)
    h = _zeros(n, exact)
    h[A] = _1 if exact else 1.0
    eh = None if exact else np.zeros(n)
    U = plan.U
    if len(U):
        solver = _solver(chain, U, exact, wanted=wanted(U))
        if exact:
            h[U] = solver.solve(_collapse(chain, U, group, 1, exact)[:, 0])
        else:
            assert eh is not None
            b, eb = _collapse_bounded(chain, U, group, 1)
            h[U], eh[U] = solver.solve_bounded(
                b[:, 0], eb[:, 0], rtol=tol,
                exact_rhs=_exact_rhs(chain, lambda: _collapse(chain, U, group, 1, True)[:, 0]))
    # expected times: finite exactly where reaching A is certain (a graph property, ABS-4)
    times = np.empty(n, dtype=object) if exact else np.full(n, np.inf)
    etimes = None if exact else np.zeros(n)
    if exact:
        times[:] = float("inf")
    times[A] = _Z if exact else 0.0
    Uc = plan.Uc
    if len(Uc):
        solver = _solver(chain, Uc, exact, wanted=wanted(Uc))
        if exact:
            times[Uc] = solver.solve(_full(len(Uc), 1, exact))
        else:
            assert etimes is not None
            times[Uc], etimes[Uc] = solver.solve_bounded(np.ones(len(Uc)), rtol=tol)
    h, times, certain = h[covered], times[covered], certain[covered]
    if eh is not None and etimes is not None:
        eh, etimes = eh[covered], etimes[covered]
    ih: Any = None  # fmpq or float (or None)
    it: Any = None  # fmpq or float, inf where a start may miss the target (or None)
    eih = eit = None
    if mu is not None and all(loc[i] >= 0 for i in mu):
        if exact:
            ih = sum((p * h[loc[i]] for i, p in mu.items()), _Z)
        else:
            assert eh is not None and etimes is not None
            ih, eih = _combine(mu, loc, h, eh)
        if any(not certain[loc[i]] for i in mu):
            it = float("inf")
        elif exact:
            it = sum((p * times[loc[i]] for i, p in mu.items()), _Z)
        else:
            assert etimes is not None
            it, eit = _combine(mu, loc, times, etimes)
    bound = 0.0
    if exact:
        finite = np.zeros(n, dtype=bool)  # the times set above (the others are inf)
        finite[A] = True
        finite[Uc] = True
        finite = finite[covered]
        tout = np.empty(len(covered), dtype=object)
        tout[:] = float("inf")
        if finite.any():
            tout[finite] = _out(times[finite], True)
        it_out = it if isinstance(it, float) or it is None else _out_scalar(it, True)
    else:
        tout = times
        it_out = None if it is None else float(it)
        assert eh is not None and etimes is not None
        parts: list[tuple[Any, ...]] = [(h, eh), (times[certain], etimes[certain])]
        if mu is not None:
            parts.append((ih, eih))
            if eit is not None:
                parts.append((it, eit))
        bound = _certified("hitting", chain, parts)
    return HittingResult(
        method="exact" if exact else "float",
        target=tuple(A.tolist()),
        states=covered,
        probabilities=_out(h, exact),
        expected_times=tout,
        initial_probability=_out_scalar(ih, exact),
        initial_expected_time=it_out,
        error_bound=bound,
    )


def bounded_reachability(chain: Chain, target: Any, horizon: int, exact: bool, *,
                         initial: Any = None) -> BoundedReachabilityResult:
    horizon = integer("horizon", horizon, low=0)
    n = chain.num_states
    A, in_A, live = bounded_plan(chain, target)  # only the live rows ever change
    ptr, pos = rows_positions(chain._indptr, live)
    cols = chain._indices[pos]
    vals = _data(chain, exact)[pos]
    x = _zeros(n, exact)
    x[A] = _1 if exact else 1.0
    out = _zeros((horizon + 1, n), exact)
    out[0] = x
    import scipy.sparse as sp

    if exact:
        for L in range(1, horizon + 1):
            new = x.copy()
            if len(live):
                new[live] = csr_matvec_object(ptr, cols, vals, x)
            x = new
            out[L] = x
    else:
        # x and its error bound e advance together: e' = M e + rounding (CERT-4)
        errs = np.zeros((horizon + 1, n))
        Msub = sp.csr_array((vals, cols, ptr), shape=(len(live), n))
        pattern = sp.csr_array((np.ones(len(cols)), cols, ptr), shape=(len(live), n))
        width = np.diff(ptr).astype(np.float64)
        gk = _certify.gamma(width + 2)
        grow = (1 + 3 * _U) / (1 - gk)
        cst = (gk + 2 * _U) / (1 - gk) * (1 + 16 * _U)
        slack = (cst + 1) * (width + 2) * 4 * _certify.ETA
        e = np.zeros(n)
        for L in range(1, horizon + 1):
            new, e_new = x.copy(), e.copy()
            if len(live):
                both = Msub @ np.stack([x, e], axis=1)
                nz = pattern @ ((x != 0) | (e != 0)).astype(np.float64) > 0
                new[live] = both[:, 0]
                e_new[live] = (both[:, 1] * grow + cst * both[:, 0] + slack * nz) * (1 + 8 * _U)
            x, e = new, e_new
            out[L], errs[L] = x, e
    mu = _initial_vector(chain, initial, exact)
    init = e_init = None
    if mu is not None:
        if exact:
            init = _zeros(horizon + 1, exact)
            for i, p in mu.items():
                init = init + p * out[:, i]
        else:
            init, e_init = _combine(mu, np.arange(n), out.T, errs.T)
    bound = 0.0
    if not exact:
        parts = [(out, errs)] + ([(init, e_init)] if mu is not None else [])
        bound = _certified("bounded_reachability", chain, parts)
    return BoundedReachabilityResult(
        method="exact" if exact else "float",
        target=tuple(A.tolist()),
        horizon=horizon,
        probabilities=_out(out, exact),
        initial=None if init is None else _out(init, exact),
        error_bound=bound,
    )


def _normalise_bounded(y: np.ndarray, ey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(1, y) / (1 + sum y)`` for ``y >= 0`` known within ``ey``, and its error bound."""
    m = len(y) + 2
    g = _certify.gamma(m)
    pi = np.concatenate([[1.0], y]) / (1.0 + y.sum())
    ylo = np.maximum(y - ey, 0.0)
    yhi = y + ey
    s_lo = (1.0 + ylo.sum()) * (1 - g)
    s_hi = (1.0 + yhi.sum()) * (1 + g)
    lo = np.concatenate([[1.0], ylo]) / s_hi * (1 - 4 * _U)
    hi = np.concatenate([[1.0], yhi]) / s_lo * (1 + 4 * _U)
    e = np.maximum(hi - pi, pi - lo) * (1 + 4 * _U)
    e[~np.isfinite(e)] = np.inf
    return pi, e


def _stationary_raw(chain: Chain, exact: bool) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Per closed class the stationary law and (floats) its error bound."""
    st = classify(chain)
    dists = []
    tol = config.limits.tolerance
    for C in st.closed_classes:
        if len(C) == 1:
            dists.append((_full(1, 1, exact), None if exact else np.zeros(1)))
            continue
        Cidx = np.asarray(C, dtype=np.int64)
        r, U = Cidx[0], Cidx[1:]
        grp = local_index(chain.num_states, U)
        if exact:
            c = _collapse(chain, np.array([r]), grp, len(U), exact)[0]
            y = _solver(chain, U, exact, True).solve(c)
            total = _1 + y.sum()
            dists.append((np.array([_1 / total] + [v / total for v in y], dtype=object), None))
            continue
        c, ec = _collapse_bounded(chain, np.array([r]), grp, len(U))
        y, ey = _solver(chain, U, exact, True).solve_bounded(
            c[0], ec[0], rtol=tol,
            exact_rhs=_exact_rhs(chain, lambda: _collapse(chain, np.array([r]), grp, len(U),
                                                          True)[0]))
        dists.append(_normalise_bounded(y, ey))
    return dists


def stationary(chain: Chain, exact: bool) -> StationaryResult:
    st = classify(chain)
    raw = _stationary_raw(chain, exact)
    bound = 0.0 if exact else _certified("stationary", chain, raw)
    return StationaryResult(
        method="exact" if exact else "float",
        closed_classes=st.closed_classes,
        distributions=tuple(_out(d, exact) for d, _ in raw),
        periods=st.periods,
        error_bound=bound,
    )


def limiting(chain: Chain, exact: bool, *, initial: Any = None) -> LimitingResult:
    mu = _initial_vector(chain, initial, exact)
    if mu is None:
        raise SpecError("limiting needs an initial distribution; pass initial=... or build the "
                        "chain with one")
    st = classify(chain)
    n = chain.num_states
    m = len(st.closed_classes)
    a = _zeros(m, exact)
    trans_mu = {i: p for i, p in mu.items() if st.closed_class_of[i] < 0}
    count = np.zeros(m)
    for i, p in mu.items():
        c = st.closed_class_of[i]
        if c >= 0:
            a[c] = a[c] + p
            count[c] += 1
    ea = None if exact else _certify.sum_bound(a, count)
    if trans_mu:
        T = np.asarray(st.transient, dtype=np.int64)
        # one transposed solve: absorption from mu = (mu_T N) R
        loc = local_index(n, T)
        c = _zeros(len(T), exact)
        for i, p in trans_mu.items():
            c[loc[i]] = p
        if exact:
            y = _solver(chain, T, exact, True).solve(c)
            R = _collapse(chain, T, st.closed_class_of, m, exact)
            a = a + (y[:, None] * R).sum(axis=0)
        else:
            def build():
                mu_ex = _initial_vector(chain, initial, True)
                assert mu_ex is not None
                out = _zeros(len(T), True)
                for i in trans_mu:
                    out[loc[i]] = mu_ex[i]
                return out

            ec = c * (_U / (1 - _U)) + _certify.ETA * (c > 0)
            y, ey = _solver(chain, T, exact, True).solve_bounded(
                c, ec, exact_rhs=_exact_rhs(chain, build), rtol=config.limits.tolerance)
            R, eR = _collapse_bounded(chain, T, st.closed_class_of, m)
            g = _certify.gamma(len(T) + 3)
            gain = y @ R
            with np.errstate(invalid="ignore"):  # (inf * 0 where nothing was certified)
                e_gain = ((ey @ R + y @ eR + ey @ eR) * (1 + 4 * _U) + g * gain) \
                    * (1 + 8 * _U) + 4 * (len(T) + 2) * _certify.ETA * (gain > 0)
            a = a + gain
            ea = (ea + e_gain + _U * a) * (1 + 4 * _U)
    dist = _zeros(n, exact)
    edist = None if exact else np.zeros(n)
    for k, (C, (pi, epi)) in enumerate(zip(st.closed_classes, _stationary_raw(chain, exact))):
        dist[list(C)] = a[k] * pi
        if not exact:
            assert edist is not None and ea is not None
            edist[list(C)] = ((ea[k] * pi + a[k] * epi + ea[k] * epi) * (1 + 4 * _U)
                              + _U * a[k] * pi) * (1 + 4 * _U)
    bound = 0.0 if exact else _certified("limiting", chain, [(dist, edist), (a, ea)])
    return LimitingResult(
        method="exact" if exact else "float",
        distribution=_out(dist, exact),
        class_probabilities=_out(a, exact),
        closed_classes=st.closed_classes,
        error_bound=bound,
    )


def expected_visits(chain: Chain, sources: Any, exact: bool) -> ExpectedVisitsResult:
    st = classify(chain)
    T = np.asarray(st.transient, dtype=np.int64)
    if isinstance(sources, (str, bytes)) or not hasattr(sources, "__iter__") or \
            isinstance(sources, tuple) and sources in chain.states:
        sources = [sources]
    src = chain.states.indices_of(sources)
    loc = local_index(chain.num_states, T)
    for s in src:
        if loc[s] < 0:
            raise SpecError(
                f"sources contains {chain.states.label_of(s)!r}, which is recurrent; expected "
                "visits (rows of N) exist only for transient states"
            )
    E = _zeros((len(T), len(src)), exact)
    for r, s in enumerate(src):
        E[loc[s], r] = _1 if exact else 1.0
    bound = 0.0
    if exact:
        Y = _solver(chain, T, exact, True).solve(E) if len(T) else E
    else:
        Y, EY = _solver(chain, T, exact, True).solve_bounded(E, rtol=config.limits.tolerance)
        bound = _certified("expected_visits", chain, [(Y, EY)])
    return ExpectedVisitsResult(
        method="exact" if exact else "float",
        sources=tuple(src),
        transient=st.transient,
        N_rows=_out(np.asarray(Y).T.copy(), exact),
        error_bound=bound,
    )
