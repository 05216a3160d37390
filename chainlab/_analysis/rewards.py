"""Expected accumulated rewards until a target (or until a closed class is entered).

``values[i] = E_i[ sum_{t < T} rho(X_t) ]`` with ``T`` the first time the target is hit and
``rho(i) = r(i) + sum_j P[i, j] r(i, j)`` the expected reward of one step from ``i`` (state reward
plus transition rewards). As in PRISM and Storm, the value is infinite exactly where the target
is missed with positive probability (decided on the graph), whatever the rewards; elsewhere it
solves ``(I - Q) x = rho`` on the states outside the target (claim ABS-4 for the unit reward).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
from flint import fmpq

from .. import config
from .._chain.values import to_float, to_fmpq
from .._linalg import certify as _certify
from .._linalg.certify import U as _U
from ..chain import Chain
from ..errors import SpecError
from ..results import _Result
from ..structure import can_reach, classify
from .formulas import (
    _certified,
    _combine,
    _data,
    _initial_vector,
    _out,
    _out_scalar,
    _solver,
    _zeros,
)

__all__ = ["RewardResult", "expected_reward", "step_rewards"]

_Z = fmpq(0)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class RewardResult(_Result):
    """Expected accumulated reward until the target is hit.

    Attributes
    ----------
    method : str
    target : tuple of int
        The target states (the states of the closed classes when no target was given).
    values : ndarray, shape (n,)
        From every state; 0 on the target, ``inf`` where the target is missed with positive
        probability.
    initial : value or None
        The same from the chain's initial distribution (``inf`` if any initial state has an
        infinite value).
    error_bound : float
        Certified relative error bound of every finite value (0 for exact results).
    """

    method: str
    target: tuple[int, ...]
    values: np.ndarray
    initial: Any
    error_bound: float = 0.0


def _vector(chain: Chain, rewards: Any, exact: bool, argname: str) -> np.ndarray:
    n = chain.num_states
    out = _zeros(n, exact)
    if rewards is None:
        return out
    if isinstance(rewards, Mapping):
        for s, v in rewards.items():
            i = chain.states.index_of(s) if s in chain.states else None
            if i is None:
                raise SpecError(f"{argname} has the key {s!r}, which is not a state of the "
                                "chain; give rewards keyed by states")
            out[i] = _value(v, exact, lambda s=s: f"{argname}[{s!r}]")
        return _nonneg(out, argname, chain)
    arr = np.asarray(rewards, dtype=object if exact else None)
    if arr.shape != (n,):
        raise SpecError(f"{argname} must have one value per state ({n}), got shape "
                        f"{arr.shape}; give a sequence of length {n} or a mapping "
                        "{state: reward}")
    for i, v in enumerate(arr.tolist()):
        out[i] = _value(v, exact, lambda i=i: f"{argname}[{i}]")
    return _nonneg(out, argname, chain)


def _value(v, exact: bool, where):
    if exact:
        return to_fmpq(v, where=where)
    if isinstance(v, fmpq):
        return int(v.p) / int(v.q)
    return to_float(v, where=where)


def _nonneg(out: np.ndarray, argname: str, chain: Chain) -> np.ndarray:
    bad = np.flatnonzero(out < 0) if out.dtype != object else \
        [i for i, v in enumerate(out) if v < 0]
    if len(bad):
        i = int(bad[0])
        raise SpecError(f"{argname} is negative ({out[i]}) at state "
                        f"{chain.states.label_of(i)!r}; expected rewards need rewards >= 0")
    return out


def step_rewards(chain: Chain, exact: bool, state_rewards: Any = None,
                 transition_rewards: Any = None) -> np.ndarray:
    """``rho(i) = r(i) + sum_j P[i, j] r(i, j)``: the expected reward of one step from ``i``.

    ``transition_rewards`` is a mapping ``{(state, next_state): reward}`` or an ``n x n``
    array / scipy sparse array (entries off the transitions of the chain are ignored).
    """
    if exact:
        chain.require_exact("exact rewards")
    rho = _vector(chain, state_rewards, exact, "state_rewards")
    if transition_rewards is None:
        return rho
    n = chain.num_states
    indptr, indices = chain._indptr, chain._indices
    P = _data(chain, exact)
    rows = np.repeat(np.arange(n), np.diff(indptr))
    r = _zeros(len(indices), exact)
    if isinstance(transition_rewards, Mapping):
        pos = {(int(i), int(j)): k for k, (i, j) in enumerate(zip(rows, indices))}
        for (s, t), v in transition_rewards.items():
            if s not in chain.states or t not in chain.states:
                raise SpecError(f"transition_rewards has the key {(s, t)!r}, which is not a "
                                "pair of states; key transition rewards by (state, next_state)")
            key = (chain.states.index_of(s), chain.states.index_of(t))
            k = pos.get(key)
            if k is not None:
                r[k] = _value(v, exact, lambda s=s, t=t: f"transition_rewards[{(s, t)!r}]")
    else:
        import scipy.sparse as sp

        M = transition_rewards
        if sp.issparse(M):
            M = sp.csr_array(M)
            if M.shape != (n, n):
                raise SpecError(f"transition_rewards must be {n} x {n}, got {M.shape}")
            vals = M[rows, indices]
            vals = np.asarray(vals).ravel()
        else:
            M = np.asarray(M, dtype=object if exact else None)
            if M.shape != (n, n):
                raise SpecError(f"transition_rewards must be {n} x {n} (or a mapping), got "
                                f"shape {M.shape}")
            vals = M[rows, indices]
        for k, v in enumerate(vals.tolist()):
            r[k] = _value(v, exact, lambda k=k: f"transition_rewards[{rows[k]}, {indices[k]}]")
    _nonneg(r, "transition_rewards", chain)
    contrib = P * r
    if exact:
        sums = np.add.reduceat(contrib, indptr[:-1]) if len(contrib) else contrib
        for i in range(n):  # empty rows do not exist (every row sums to 1)
            rho[i] = rho[i] + sums[i]
    else:
        rho = rho + np.add.reduceat(contrib, indptr[:-1])
    return rho


def expected_reward(chain: Chain, target: Any, exact: bool, *, state_rewards: Any = None,
                    transition_rewards: Any = None, initial: Any = None) -> RewardResult:
    n = chain.num_states
    if target is None:
        st = classify(chain)
        A = np.array(sorted(i for c in st.closed_classes for i in c), dtype=np.int64)
    else:
        A = chain.target_indices(target)
    in_A = np.zeros(n, dtype=bool)
    in_A[A] = True
    rho_exact = None
    if exact:
        rho = step_rewards(chain, True, state_rewards, transition_rewards)
    elif chain.is_exact:
        rho_exact = step_rewards(chain, True, state_rewards, transition_rewards)
        rho = np.array([int(v.p) / int(v.q) for v in rho_exact], dtype=np.float64)
        e_rho = np.abs(rho) * _U + _certify.ETA * (rho != 0)
    else:
        rho = step_rewards(chain, False, state_rewards, transition_rewards)
        width = np.diff(chain._indptr).astype(np.float64)
        e_rho = _certify.sum_bound(rho, 2 * width + 2)
    reach = can_reach(chain, A)
    doomed = ~reach
    uncertain = (can_reach(chain, np.flatnonzero(doomed), avoiding=in_A) if doomed.any()
                 else np.zeros(n, bool))
    values = np.empty(n, dtype=object) if exact else np.full(n, np.inf)
    errors = None if exact else np.zeros(n)
    if exact:
        values[:] = float("inf")
    values[A] = _Z if exact else 0.0
    Uc = np.flatnonzero(~uncertain & ~in_A)
    tol = config.limits.tolerance
    if len(Uc):
        if exact:
            values[Uc] = _solver(chain, Uc, True).solve(rho[Uc])
        else:
            rhs_exact = None
            if rho_exact is not None:
                sub = rho_exact[Uc]
                rhs_exact = lambda: _certify.split_exact(sub)  # noqa: E731
            assert errors is not None
            values[Uc], errors[Uc] = _solver(chain, Uc, False).solve_bounded(
                rho[Uc], e_rho[Uc], rtol=tol, exact_rhs=rhs_exact)
    certain = ~uncertain | in_A
    mu = _initial_vector(chain, initial, exact)
    init: Any = None  # fmpq or float, inf where a start may miss the target (or None)
    e_init = None
    if mu is not None:
        if any(not certain[i] for i in mu):
            init = float("inf")
        elif exact:
            init = sum((p * values[i] for i, p in mu.items()), _Z)
        else:
            assert errors is not None
            init, e_init = _combine(mu, np.arange(n), values, errors)
    bound = 0.0
    if exact:
        finite = np.array([not isinstance(x, float) for x in values], dtype=bool)
        out = np.empty(n, dtype=object)
        out[:] = float("inf")
        if finite.any():
            out[finite] = _out(values[finite], True)
        init_out = init if isinstance(init, float) or init is None else _out_scalar(init, True)
    else:
        out = values
        init_out = None if init is None else float(init)
        assert errors is not None
        parts: list[tuple[Any, ...]] = [(values[certain], errors[certain])]
        if e_init is not None:
            parts.append((init, e_init))
        bound = _certified("expected_reward", chain, parts)
    return RewardResult(method="exact" if exact else "float", target=tuple(A.tolist()),
                        values=out, initial=init_out, error_bound=bound)
