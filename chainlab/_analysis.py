"""Backend-independent analyses; ``exact=True`` computes over fmpq, ``exact=False`` over float64.

The public modules :mod:`chainlab.exact` and :mod:`chainlab.numeric` are thin, documented
wrappers around these functions, so both backends share one implementation of every formula
and differ only in the field they compute in (see :mod:`chainlab._linsolve`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from flint import fmpq

from ._linsolve import SubsystemSolver
from ._sparse import csr_matvec_object, local_index, rows_positions
from ._values import to_fraction_array, to_fmpq
from .chain import Chain
from .errors import SpecError
from .results import (
    AbsorptionResult,
    BoundedReachabilityResult,
    CanonicalForm,
    ExactMatrix,
    ExpectedVisitsResult,
    HittingResult,
    LimitingResult,
    StationaryResult,
)
from .structure import can_reach, classify, reachable_from

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


def _out(a: np.ndarray, exact: bool) -> np.ndarray:
    """Final conversion at the API edge: fmpq -> Fraction arrays for exact results."""
    if exact:
        return to_fraction_array(a).astype(object) if a.size else a.astype(object)
    return a


def _out_scalar(x: Any, exact: bool):
    if x is None:
        return None
    if exact:
        from ._values import fmpq_to_fraction

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
    else:
        Q = sp.csr_array((data, cols[keep], qptr), shape=(len(T), len(T)))
        R = sp.csr_array(Rdense)
    return CanonicalForm(
        method="exact" if exact else "float",
        order=st.canonical_order(),
        transient=st.transient,
        closed_classes=st.closed_classes,
        Q=Q,
        R=R,
    )


def _target_groups(targets: Any, m: int) -> tuple[tuple[int, ...], ...]:
    if targets is None:
        return tuple((c,) for c in range(m))
    groups = []
    seen: set[int] = set()
    for g in targets:
        members = (g,) if isinstance(g, (int, np.integer)) else tuple(int(c) for c in g)
        for c in members:
            if not 0 <= c < m:
                raise SpecError(
                    f"targets names closed class {c}, but the chain has {m} closed classes "
                    f"(0..{m - 1}); see classify(chain).closed_classes"
                )
            if c in seen:
                raise SpecError(f"targets lists closed class {c} twice; groups must be disjoint")
            seen.add(c)
        groups.append(members)
    return tuple(groups)


def absorption(chain: Chain, exact: bool, *, initial: Any = None, targets: Any = None,
               variance: bool = True, probabilities: bool = True,
               restrict: bool | str = False) -> AbsorptionResult:
    # restrict=False: every state; True: the states reachable from the initial distribution;
    # "initial": only the states of the initial distribution (the linear system still spans
    # the reachable transient states, but they are eliminated first and never back-substituted)
    st = classify(chain)
    n = chain.num_states
    mu = _initial_vector(chain, initial, exact)
    if not (isinstance(restrict, (bool, np.bool_)) or restrict == "initial"):
        raise SpecError(f"restrict must be False, True or 'initial', got {restrict!r}")
    only_initial = restrict == "initial"
    if restrict:
        if mu is None:
            raise SpecError(
                f"restrict={restrict!r} computes only the states reachable from the initial "
                "distribution, but the chain has none; pass initial=..."
            )
        reach = np.flatnonzero(reachable_from(chain, np.fromiter(mu, np.int64)))
        covered = np.fromiter(mu, np.int64) if only_initial else reach
    else:
        reach = covered = np.arange(n, dtype=np.int64)
    m = len(st.closed_classes)
    groups = _target_groups(targets, m)
    g = len(groups)
    group_of_class = np.full(m + 1, -1, dtype=np.int64)  # index m stands for "transient"
    for k, members in enumerate(groups):
        group_of_class[list(members)] = k
    state_group = group_of_class[st.closed_class_of]  # closed_class_of = -1 -> entry m -> -1
    is_tr = st.closed_class_of[covered] < 0
    T = covered[is_tr]
    # (without probabilities no n x g array is allocated: a chain may have thousands of
    # absorbing states)
    B = _zeros((len(covered), g), exact) if probabilities else None
    t = _zeros(len(covered), exact)
    var = _zeros(len(covered), exact) if variance else None
    if probabilities:
        rec = np.flatnonzero(~is_tr & (state_group[covered] >= 0))
        B[rec, state_group[covered[rec]]] = _1 if exact else 1.0
    if len(T):
        # the system: every transient state reachable from the covered ones
        U = reach[st.closed_class_of[reach] < 0] if only_initial else T
        wanted = local_index(n, U)[T] if only_initial else None
        # rows of B sum to 1 when the groups cover every closed class (ABS-1): solve g - 1
        # columns and derive the last by subtraction (exact in rational arithmetic only)
        derive_last = exact and g >= 2 and probabilities and sum(map(len, groups)) == m
        if probabilities:
            R = _collapse(chain, U, state_group, g, exact)
            cols = R[:, : g - 1] if derive_last else R
        else:
            cols = _zeros((len(U), 0), exact)
        rhs = np.concatenate([cols, _full((len(U), 1), 1, exact)], axis=1)
        solver = _solver(chain, U, exact, wanted=wanted)
        X = solver.solve(rhs)
        if only_initial:
            X = X[wanted]
        k = cols.shape[1]
        tr = np.flatnonzero(is_tr)
        if probabilities:
            B[tr, :k] = X[:, :k]
        if derive_last:
            B[tr, g - 1] = _1 - X[:, :k].sum(axis=1)
        tT = X[:, k]
        t[tr] = tT
        if variance:
            # Var = 2 N t - t - t^2 (ABS-3): N t needs t at every state of U
            tU = _solver(chain, U, exact).solve(_full(len(U), 1, exact)) if only_initial else tT
            w = solver.solve(tU)
            if only_initial:
                w = w[wanted]
            var[tr] = 2 * w - tT - tT * tT
    init_B = init_t = None
    if mu is not None:
        loc = local_index(n, covered)
        init_B = _zeros(g, exact) if probabilities else None
        init_t = _Z if exact else 0.0
        for i, p in mu.items():
            if probabilities:
                init_B = init_B + p * B[loc[i]]
            init_t = init_t + p * t[loc[i]]
    return AbsorptionResult(
        method="exact" if exact else "float",
        states=covered,
        closed_classes=st.closed_classes,
        columns=groups,
        B=_out(B, exact) if probabilities else None,
        t=_out(t, exact),
        variance=None if var is None else _out(var, exact),
        initial_B=None if init_B is None else _out(init_B, exact),
        initial_t=_out_scalar(init_t, exact),
    )


def hitting(chain: Chain, target: Any, exact: bool, *, initial: Any = None) -> HittingResult:
    A = chain.target_indices(target)
    n = chain.num_states
    in_A = np.zeros(n, dtype=bool)
    in_A[A] = True
    reach = can_reach(chain, A)
    group = np.where(in_A, 0, -1)
    # probabilities: solve on states that can reach A (outside A)
    h = _zeros(n, exact)
    h[A] = _1 if exact else 1.0
    U = np.flatnonzero(reach & ~in_A)
    if len(U):
        b = _collapse(chain, U, group, 1, exact)[:, 0]
        h[U] = _solver(chain, U, exact).solve(b)
    # expected times: finite exactly where reaching A is certain (a graph property)
    doomed = ~reach
    # (paths through A do not count: the target is hit before they go on; ABS-4)
    uncertain = (can_reach(chain, np.flatnonzero(doomed), avoiding=in_A) if doomed.any()
                 else np.zeros(n, bool))
    times = np.empty(n, dtype=object) if exact else np.full(n, np.inf)
    if exact:
        times[:] = float("inf")
    times[A] = _Z if exact else 0.0
    Uc = np.flatnonzero(~uncertain & ~in_A)
    if len(Uc):
        times[Uc] = _solver(chain, Uc, exact).solve(_full(len(Uc), 1, exact))
    mu = _initial_vector(chain, initial, exact)
    ih = it = None
    if mu is not None:
        ih = sum((p * h[i] for i, p in mu.items()), _Z if exact else 0.0)
        if any(uncertain[i] and not in_A[i] for i in mu):
            it = float("inf")
        else:
            it = sum((p * times[i] for i, p in mu.items()), _Z if exact else 0.0)
    if exact:
        finite = np.array([not isinstance(x, float) for x in times])
        tout = np.empty(n, dtype=object)
        tout[:] = float("inf")
        if finite.any():
            tout[finite] = _out(times[finite], True)
        it_out = it if isinstance(it, float) or it is None else _out_scalar(it, True)
    else:
        tout = times
        it_out = None if it is None else float(it)
    return HittingResult(
        method="exact" if exact else "float",
        target=tuple(A.tolist()),
        probabilities=_out(h, exact),
        expected_times=tout,
        initial_probability=_out_scalar(ih, exact),
        initial_expected_time=it_out,
    )


def bounded_reachability(chain: Chain, target: Any, horizon: int, exact: bool, *,
                         initial: Any = None) -> BoundedReachabilityResult:
    if not isinstance(horizon, (int, np.integer)) or isinstance(horizon, bool) or horizon < 0:
        raise SpecError(f"horizon must be a non-negative integer, got {horizon!r}")
    horizon = int(horizon)
    A = chain.target_indices(target)
    n = chain.num_states
    in_A = np.zeros(n, dtype=bool)
    in_A[A] = True
    live = np.flatnonzero(can_reach(chain, A) & ~in_A)  # only these rows ever change
    ptr, pos = rows_positions(chain._indptr, live)
    cols = chain._indices[pos]
    vals = _data(chain, exact)[pos]
    x = _zeros(n, exact)
    x[A] = _1 if exact else 1.0
    out = _zeros((horizon + 1, n), exact)
    out[0] = x
    import scipy.sparse as sp

    Msub = None if exact else sp.csr_array((vals, cols, ptr), shape=(len(live), n))
    for L in range(1, horizon + 1):
        new = x.copy()
        if len(live):
            new[live] = csr_matvec_object(ptr, cols, vals, x) if exact else Msub @ x
        x = new
        out[L] = x
    mu = _initial_vector(chain, initial, exact)
    init = None
    if mu is not None:
        init = _zeros(horizon + 1, exact)
        for i, p in mu.items():
            init = init + p * out[:, i]
    return BoundedReachabilityResult(
        method="exact" if exact else "float",
        target=tuple(A.tolist()),
        horizon=horizon,
        probabilities=_out(out, exact),
        initial=None if init is None else _out(init, exact),
    )


def _stationary_raw(chain: Chain, exact: bool) -> list[np.ndarray]:
    st = classify(chain)
    dists = []
    for C in st.closed_classes:
        if len(C) == 1:
            dists.append(_full(1, 1, exact))
            continue
        Cidx = np.asarray(C, dtype=np.int64)
        r, U = Cidx[0], Cidx[1:]
        grp = local_index(chain.num_states, U)
        c = _collapse(chain, np.array([r]), grp, len(U), exact)[0]
        y = _solver(chain, U, exact, True).solve(c)
        total = (_1 if exact else 1.0) + y.sum()
        pi = np.concatenate([_full(1, 1, exact), y]) / total if not exact else \
            np.array([_1 / total] + [v / total for v in y], dtype=object)
        dists.append(pi)
    return dists


def stationary(chain: Chain, exact: bool) -> StationaryResult:
    st = classify(chain)
    return StationaryResult(
        method="exact" if exact else "float",
        closed_classes=st.closed_classes,
        distributions=tuple(_out(d, exact) for d in _stationary_raw(chain, exact)),
        periods=st.periods,
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
    for i, p in mu.items():
        c = st.closed_class_of[i]
        if c >= 0:
            a[c] = a[c] + p
    if trans_mu:
        T = np.asarray(st.transient, dtype=np.int64)
        # one transposed solve: absorption from mu = (mu_T N) R
        loc = local_index(n, T)
        c = _zeros(len(T), exact)
        for i, p in trans_mu.items():
            c[loc[i]] = p
        y = _solver(chain, T, exact, True).solve(c)
        R = _collapse(chain, T, st.closed_class_of, m, exact)
        a = a + (y[:, None] * R).sum(axis=0) if len(T) else a
    dist = _zeros(n, exact)
    for k, (C, pi) in enumerate(zip(st.closed_classes, _stationary_raw(chain, exact))):
        dist[list(C)] = a[k] * pi
    return LimitingResult(
        method="exact" if exact else "float",
        distribution=_out(dist, exact),
        class_probabilities=_out(a, exact),
        closed_classes=st.closed_classes,
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
    Y = _solver(chain, T, exact, True).solve(E) if len(T) else E
    return ExpectedVisitsResult(
        method="exact" if exact else "float",
        sources=tuple(src),
        transient=st.transient,
        N_rows=_out(np.asarray(Y).T.copy(), exact),
    )
