r"""Parametric analyses: absorption, hitting, bounded reachability and polarization as exact
rational functions of the parameters (parametric model checking, as in Storm and PRISM).

The names and options mirror :mod:`chainlab.exact`; values are
:class:`~chainlab.parametric.RationalFunction` objects. Graph questions (classes, which states
can reach a target, where expected times are infinite) are answered on the *generic* graph (edges
whose entry is not the zero function); every result lists the chain's ``structure_changes`` --
the parameter values where an edge vanishes and the generic answer may not apply -- and is exact
at every generic point (claim PAR-1). Linear systems are solved by state elimination with gcd
cancellation (see ``chainlab/parametric/_eliminate.py``).

Examples
--------
Gambler's ruin with N = 3 from state 1: win with probability ``p^2 / (1 - p + p^2)``.

>>> from fractions import Fraction
>>> from chainlab.parametric import gamblers_ruin
>>> res = absorption(gamblers_ruin(3, "p"))
>>> win = res.initial_B[1]
>>> win, win(Fraction(1, 2)), res.initial_t
(RationalFunction(p**2/(p**2 - p + 1)), Fraction(1, 3), RationalFunction((p + 1)/(p**2 - p + 1)))
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._analysis.plan import (
    absorption_plan,
    bounded_plan,
    hitting_plan,
    restrict_argument,
)
from .._validate import integer
from ..errors import SpecError
from . import _eliminate
from .chain import ParametricChain
from .functions import RationalFunction
from .results import (
    ParametricAbsorptionResult,
    ParametricBoundedReachabilityResult,
    ParametricHittingResult,
    ParametricPolarizationResult,
)

__all__ = ["absorption", "hitting", "bounded_reachability", "polarization"]


def _check(chain: Any, what: str) -> ParametricChain:
    if not isinstance(chain, ParametricChain):
        raise SpecError(f"{what} needs a ParametricChain, got {type(chain).__name__}; for a "
                        "chain of numbers use chainlab.exact")
    return chain


def _initial(chain: ParametricChain, initial: Any) -> dict[int, Any] | None:
    skel = chain._skeleton()
    if initial is not None:
        skel = skel.with_initial(initial)
    dist = skel.initial
    return None if dist is None else dict(dist)


def _fn(ring, rf) -> RationalFunction:
    return RationalFunction._make(ring, rf)


def _weighted(ring, mu: dict[int, Any], values: dict[int, tuple]) -> tuple:
    acc = ring.ZERO
    for i, w in mu.items():
        acc = ring.add(acc, ring.mul(ring.convert(w, "initial"), values[i]))
    return acc


def _restrict(restrict: Any, only_initial: Any, where: str) -> bool | str:
    """The ``restrict`` argument (``False``, ``True`` or ``"initial"``), with the deprecated
    ``only_initial=True`` spelling of ``restrict="initial"``."""
    if only_initial is not None:
        warnings.warn(f"{where}(only_initial=...) is deprecated; write restrict=\"initial\" "
                      "(the name chainlab.exact uses)", DeprecationWarning, stacklevel=3)
        if only_initial:
            if restrict not in (False, "initial"):
                raise SpecError(f"{where}: give restrict=\"initial\" alone, not with "
                                f"restrict={restrict!r}")
            restrict = "initial"
    return restrict_argument(restrict)


def absorption(chain: ParametricChain, *, initial: Any = None, targets: Any = None,
               variance: bool = False, probabilities: bool = True,
               restrict: bool | str = False,
               only_initial: bool | None = None) -> ParametricAbsorptionResult:
    """Absorption probabilities ``B = N R`` and expected steps ``t = N 1`` as rational functions.

    Parameters
    ----------
    chain : ParametricChain
    initial : state, mapping or sequence, optional
        Initial distribution (numeric) for ``initial_B``/``initial_t`` (default: the chain's).
    targets : sequence of collections of int, optional
        Group closed classes (indices into ``classify``'s closed classes), as in
        :func:`chainlab.exact.absorption`.
    variance : bool, default False
        Also the variance of the number of steps, ``v`` with ``(I - Q) v = c``,
        ``c_i = sum_j P_ij (t_j - t_i + 1)^2`` (claim ABS-3, no cancellation); off by default
        here (one more elimination over rational functions), on in :mod:`chainlab.exact`.
        Not with ``restrict="initial"`` (it needs ``t`` at every state).
    probabilities : bool, default True
        Compute ``B``; with False only ``t``.
    restrict : bool or "initial", default False
        ``True``: only the states reachable from the initial distribution; ``"initial"``: only
        the initial states' values (no back substitution through the other states: the fast
        way to get one function, e.g. one start state of a large chain) -- as in
        :func:`chainlab.exact.absorption`.
    only_initial : bool, optional
        Deprecated spelling of ``restrict="initial"`` (a ``DeprecationWarning``).

    Returns
    -------
    ParametricAbsorptionResult

    See Also
    --------
    chainlab.exact.absorption : The same at one numeric point, exactly.
    chainlab.parametric.hitting : Reaching any set of states.
    chainlab.parametric.RationalFunction : The values: evaluation, thresholds, monotonicity.

    Notes
    -----
    State elimination over ``Q(params)`` on the transient states, strong component by strong
    component, minimum-degree order inside a component, gcd cancellation at every step (claims
    PAR-1, LIN-2). With several column groups covering every closed class, the last column is
    ``1 - (the others)`` (claim ABS-1).

    Examples
    --------
    >>> import sympy
    >>> p = sympy.Symbol("p")
    >>> c = ParametricChain([[1, 0, 0], [(1 - p) / 2, p, (1 - p) / 2], [0, 0, 1]], initial=1)
    >>> r = absorption(c)
    >>> r.B[1].tolist(), r.t[1]
    ([RationalFunction(1/2), RationalFunction(1/2)], RationalFunction(-1/(p - 1)))
    """
    chain = _check(chain, "absorption")
    restrict = _restrict(restrict, only_initial, "absorption")
    if variance and restrict == "initial":
        raise SpecError("variance=True needs the expected steps at every state; drop "
                        "restrict=\"initial\" (or variance)")
    ring = chain._ring
    skel = chain._skeleton()
    mu = _initial(chain, initial)
    plan = absorption_plan(skel, mu, targets, restrict)
    st, covered, groups, state_group = plan.structure, plan.covered, plan.groups, \
        plan.state_group
    g = len(groups)
    transient = st.closed_class_of < 0
    T, U = plan.T, plan.U
    derive_last = probabilities and plan.covers_every_class
    k_solved = (g - 1 if derive_last else g) if probabilities else 0
    ptr, idx, vals = chain._indptr, chain._indices, chain._values
    rhs: dict[int, list[tuple]] = {}
    for u in U.tolist():
        b = [ring.ZERO] * (k_solved + 1)
        for k in range(ptr[u], ptr[u + 1]):
            grp = state_group[idx[k]]
            if 0 <= grp < k_solved:
                b[grp] = ring.add(b[grp], vals[k])
        b[k_solved] = ring.ONE
        rhs[u] = b
    needed = set(T.tolist()) if plan.only_initial else None
    solved = _eliminate.solve(chain, U, rhs, needed, k_solved + 1)
    zero, one = _fn(ring, ring.ZERO), _fn(ring, ring.ONE)
    B = np.empty((len(covered), g), dtype=object) if probabilities else None
    t = np.empty(len(covered), dtype=object)
    values: dict[int, list[tuple]] = {}
    for r, i in enumerate(covered.tolist()):
        if transient[i]:
            x = solved[i]
            row = list(x[:k_solved])
            if derive_last:
                last = ring.ONE
                for v in row:
                    last = ring.sub(last, v)
                row.append(last)
            t[r] = _fn(ring, x[k_solved])
            values[i] = row + [x[k_solved]]
            if B is not None:
                B[r, :] = [_fn(ring, v) for v in row]
        else:
            t[r] = zero
            row = [ring.ONE if state_group[i] == k else ring.ZERO for k in range(g)]
            values[i] = row + [ring.ZERO]
            if B is not None:
                B[r, :] = [one if state_group[i] == k else zero for k in range(g)]
    var = None
    if variance:
        var = _variance(chain, T, transient, covered, values)
    init_B = init_t = None
    if mu is not None and all(i in values for i in mu):
        cols = g if probabilities else 0
        init_t = _fn(ring, _weighted(ring, mu, {i: v[-1] for i, v in values.items()}))
        if probabilities:
            init_B = np.empty(cols, dtype=object)
            for k in range(cols):
                init_B[k] = _fn(ring, _weighted(ring, mu, {i: v[k] for i, v in values.items()}))
    return ParametricAbsorptionResult(
        method="parametric", parameters=ring.symbols, states=covered,
        closed_classes=st.closed_classes, columns=groups, B=B, t=t, initial_B=init_B,
        initial_t=init_t, structure_changes=chain.structure_changes(), chain=chain,
        variance=None if var is None else var[0])


def _variance(chain: ParametricChain, T: np.ndarray, transient: np.ndarray,
              covered: np.ndarray, values: dict[int, list[tuple]]) -> tuple:
    """Variance of the steps to absorption from ``(I - Q) v = c``,
    ``c_i = sum_j P_ij (t_j - t_i + 1)^2`` (claim ABS-3): ``(array over covered, {i: v_i})``."""
    ring = chain._ring
    ptr, idx, vals = chain._indptr, chain._indices, chain._values
    t_of = {i: row[-1] for i, row in values.items()}
    rhs: dict[int, list[tuple]] = {}
    for u in T.tolist():
        c = ring.ZERO
        tu = t_of[u]
        for k in range(ptr[u], ptr[u + 1]):
            j = int(idx[k])
            d = ring.add(ring.sub(t_of.get(j, ring.ZERO), tu), ring.ONE)
            c = ring.add(c, ring.mul(vals[k], ring.mul(d, d)))
        rhs[u] = [c]
    solved = _eliminate.solve(chain, T, rhs, None, 1)
    v = {i: (solved[i][0] if transient[i] else ring.ZERO) for i in covered.tolist()}
    arr = np.empty(len(covered), dtype=object)
    for r, i in enumerate(covered.tolist()):
        arr[r] = _fn(ring, v[i])
    return arr, v


def hitting(chain: ParametricChain, target: Any, *, initial: Any = None,
            restrict: bool | str = False,
            only_initial: bool | None = None) -> ParametricHittingResult:
    """Probability of ever reaching ``target`` and the expected time to reach it.

    Parameters
    ----------
    chain : ParametricChain
    target : str, state or iterable of states
        A label name, one state, or several states.
    initial : optional
        Initial distribution for the ``initial_*`` fields (default: the chain's).
    restrict : bool or "initial", default False
        ``True``: only the states reachable from the initial distribution; ``"initial"``:
        only the initial states' values -- as in :func:`chainlab.exact.hitting` (``states``
        lists the states computed).
    only_initial : bool, optional
        Deprecated spelling of ``restrict="initial"`` (a ``DeprecationWarning``).

    Returns
    -------
    ParametricHittingResult
        Expected times are ``inf`` where reaching the target is not certain on the generic graph.

    See Also
    --------
    chainlab.exact.hitting : The same at one numeric point, exactly.
    chainlab.parametric.absorption : Absorption into every closed class at once.

    Examples
    --------
    >>> from chainlab.parametric import gamblers_ruin
    >>> h = hitting(gamblers_ruin(3, "p", start=None), [0, 3])
    >>> h.probabilities[1], h.expected_times[1]
    (RationalFunction(1), RationalFunction((p + 1)/(p**2 - p + 1)))
    """
    chain = _check(chain, "hitting")
    restrict = _restrict(restrict, only_initial, "hitting")
    ring = chain._ring
    skel = chain._skeleton()
    mu = _initial(chain, initial)
    plan = hitting_plan(skel, target, mu, restrict)
    A, in_A, covered, U, Uc = plan.target, plan.in_target, plan.covered, plan.U, plan.Uc
    ptr, idx, vals = chain._indptr, chain._indices, chain._values
    rhs = {}
    for u in U.tolist():
        b = ring.ZERO
        for k in range(ptr[u], ptr[u + 1]):
            if in_A[idx[k]]:
                b = ring.add(b, vals[k])
        rhs[u] = [b]
    covered_set = set(covered.tolist())
    only_initial = plan.only_initial
    h = _eliminate.solve(chain, U, rhs, covered_set & set(U.tolist()) if only_initial else None,
                         1)
    times = _eliminate.solve(chain, Uc, {u: [ring.ONE] for u in Uc.tolist()},
                             covered_set & set(Uc.tolist()) if only_initial else None, 1)
    zero, one = _fn(ring, ring.ZERO), _fn(ring, ring.ONE)
    probs = np.empty(len(covered), dtype=object)
    exp_t = np.empty(len(covered), dtype=object)
    hv: dict[int, tuple] = {}
    tv: dict[int, Any] = {}
    for r, i in enumerate(covered.tolist()):
        hv[i] = ring.ONE if in_A[i] else h[i][0] if i in h else ring.ZERO
        probs[r] = one if in_A[i] else _fn(ring, hv[i]) if i in h else zero
        if in_A[i]:
            tv[i] = ring.ZERO
            exp_t[r] = zero
        elif i in times:
            tv[i] = times[i][0]
            exp_t[r] = _fn(ring, tv[i])
        else:
            tv[i] = None
            exp_t[r] = float("inf")
    ih = it = None
    if mu is not None and all(i in hv for i in mu):
        ih = _fn(ring, _weighted(ring, mu, hv))
        it = float("inf") if any(tv[i] is None for i in mu) else \
            _fn(ring, _weighted(ring, mu, tv))
    return ParametricHittingResult(
        method="parametric", parameters=ring.symbols, target=tuple(A.tolist()),
        states=covered, probabilities=probs, expected_times=exp_t, initial_probability=ih,
        initial_expected_time=it, structure_changes=chain.structure_changes(), chain=chain)


def bounded_reachability(chain: ParametricChain, target: Any, horizon: int, *,
                         initial: Any = None) -> ParametricBoundedReachabilityResult:
    """``P(reach target within L steps)`` for every ``L = 0, ..., horizon``, as rational functions.

    See Also
    --------
    chainlab.exact.bounded_reachability : The same at one numeric point, exactly.
    chainlab.parametric.hitting : The limit ``L -> inf``.

    Examples
    --------
    >>> from chainlab.parametric import gamblers_ruin
    >>> r = bounded_reachability(gamblers_ruin(3, "p"), "win", 2)
    >>> r.initial.tolist()
    [RationalFunction(0), RationalFunction(0), RationalFunction(p**2)]
    """
    chain = _check(chain, "bounded_reachability")
    horizon = integer("horizon", horizon, low=0)
    ring = chain._ring
    skel = chain._skeleton()
    n = chain.num_states
    A, in_A, live_states = bounded_plan(skel, target)
    live = live_states.tolist()
    ptr, idx, vals = chain._indptr, chain._indices, chain._values
    x = [ring.ONE if in_A[i] else ring.ZERO for i in range(n)]
    rows = [x]
    for _ in range(horizon):
        new = list(x)
        for u in live:
            acc = ring.ZERO
            for k in range(ptr[u], ptr[u + 1]):
                xv = x[idx[k]]
                if not xv[0].is_zero():
                    acc = ring.add(acc, ring.mul(vals[k], xv))
            new[u] = acc
        x = new
        rows.append(x)
    out = np.empty((horizon + 1, n), dtype=object)
    cache: dict[int, RationalFunction] = {}
    for L, row in enumerate(rows):
        for i, v in enumerate(row):
            f = cache.get(id(v))
            if f is None:
                f = cache[id(v)] = _fn(ring, v)
            out[L, i] = f
    mu = _initial(chain, initial)
    init = None
    if mu is not None:
        init = np.empty(horizon + 1, dtype=object)
        for L, row in enumerate(rows):
            init[L] = _fn(ring, _weighted(ring, mu, dict(enumerate(row))))
    return ParametricBoundedReachabilityResult(
        method="parametric", parameters=ring.symbols, target=tuple(A.tolist()),
        horizon=horizon, probabilities=out, initial=init,
        structure_changes=chain.structure_changes(), chain=chain)


def polarization(model: Any, *, num_silos: Any = None) -> ParametricPolarizationResult:
    """Polarization / consensus probabilities and expected rounds as rational functions.

    Parameters
    ----------
    model : ParametricCompiledChain or ParametricChain
        A compiled parametric agent model (:func:`chainlab.parametric.compile_gmm`), or a
        parametric chain with an initial distribution plus ``num_silos``.
    num_silos : array of int, optional
        Silo count per state (only with a plain ParametricChain).

    Returns
    -------
    ParametricPolarizationResult

    See Also
    --------
    chainlab.polarization.polarization : The same at one numeric point, exactly.
    chainlab.parametric.compile_gmm : The parametric GMM chain it reads.

    Notes
    -----
    Class kinds come from the generic graph; only the initial states are solved
    (``restrict="initial"``), with one column per kind present and the expected rounds.

    Examples
    --------
    >>> from chainlab.parametric import compile_gmm
    >>> r = polarization(compile_gmm(agents=4, components=3, memory=2, neighbours=1))
    >>> r.num_states, r.kinds, r.polarization_probability.degree
    (19, ('polarized', 'polarized', 'consensus'), (6, 6))
    """
    from ..polarization import _plan, _silo_counts
    from .compile import ParametricCompiledChain

    if isinstance(model, ParametricCompiledChain):
        chain, silos, params = model.chain, model.num_silos, dict(model.parameters)
    elif isinstance(model, ParametricChain):
        silos = _silo_counts(num_silos, model.num_states, "ParametricChain")
        chain, params = model, {}
    else:
        raise SpecError(f"expected a ParametricCompiledChain or ParametricChain, got "
                        f"{type(model).__name__}")
    if chain.initial is None:
        raise SpecError("the chain has no initial distribution; build it with initial=...")
    plan = _plan(chain._skeleton(), silos)  # kinds from the generic graph
    res = absorption(chain, targets=plan.present, restrict="initial")
    values = plan.values(res.initial_B, _fn(chain._ring, chain._ring.ZERO))
    return ParametricPolarizationResult(
        method="parametric", parameters=params, num_states=chain.num_states,
        num_transitions=chain.num_transitions, closed_classes=plan.structure.closed_classes,
        kinds=plan.kinds, polarization_probability=values["polarized"],
        consensus_probability=values["consensus"], mixed_probability=values["mixed"],
        expected_rounds=res.initial_t, no_return=plan.no_return,
        structure_changes=res.structure_changes, chain=chain)
