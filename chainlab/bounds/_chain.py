"""Generic lower bounds for any exact chain and target set (private; see :mod:`chainlab.bounds`).

* BND-1 bounded reachability ``P(reach target within L steps)``: non-decreasing in ``L`` and
  converging to ``P(reach target)``;
* BND-2 explicit paths: the probability of any set of distinct *first-entry* paths (the most
  likely one, or a family you give);
* BND-3 traps: if a set ``A`` is closed and every closed class inside it is polarized, then
  ``P(polarization) >= P(reach A)``.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from .._validate import integer
from ..chain import Chain
from ..errors import SpecError
from ..results import BoundedReachabilityResult
from ._types import BoundResult, _Common

_ASSUME_REACH = "any exact chain with an initial distribution; any target set"


def _check_chain(chain: Any, argname: str = "chain") -> Chain:
    if not isinstance(chain, Chain):
        raise SpecError(f"{argname} must be a chainlab.Chain, got {type(chain).__name__}")
    chain.require_exact("an exact lower bound")
    return chain


def _initial_of(chain: Chain, initial: Any) -> dict[int, Fraction]:
    if initial is not None:
        chain = chain.with_initial(initial)
    if chain.initial is None:
        raise SpecError("the chain has no initial distribution; pass initial=... or build the "
                        "chain with initial=...")
    return {int(i): Fraction(p) for i, p in chain.initial.items()}


def _by_horizon(res: BoundedReachabilityResult) -> tuple[Fraction, ...]:
    """``P(reach target within L steps)`` from the initial distribution, ``L = 0 .. horizon``
    (callers check the initial distribution with :func:`_initial_of` before the solve)."""
    if res.initial is None:
        raise SpecError("the chain has no initial distribution; pass initial=... or build the "
                        "chain with initial=...")
    return tuple(Fraction(v) for v in res.initial)


def reachability_bound(chain: Chain, target: Any, horizon: int, *, initial: Any = None,
                       name: str | None = None) -> BoundResult:
    """``P(reach target within L steps)`` as a lower bound on ``P(reach target)`` (claim BND-1).

    Parameters
    ----------
    chain : Chain
        Exact chain.
    target : label name, state, or iterable of states
        As :meth:`chainlab.Chain.target_indices`.
    horizon : int
        ``L >= 0``.
    initial : optional
        Initial distribution (default: the chain's own).
    name : str, optional
        Name of the result (default ``"reachability(L=...)"``).

    Returns
    -------
    BoundResult
        ``details["by_horizon"]`` holds the values for ``0 .. L`` (non-decreasing).

    See Also
    --------
    chainlab.bounds.split_reachability_bound : The same bound for split states of a GMM chain.
    chainlab.exact.bounded_reachability : The exact probabilities for every ``L``.
    chainlab.bounds.check_bound : Check a bound against the exact value and simulation.

    Examples
    --------
    Gambler's ruin, N = 3, from 1: the chance of winning is 1/3.

    >>> from chainlab import Chain
    >>> h = "1/2"
    >>> c = Chain([[1, 0, 0, 0], [h, 0, h, 0], [0, h, 0, h], [0, 0, 0, 1]], initial=1)
    >>> b = reachability_bound(c, [3], 4)
    >>> b.value, [str(v) for v in b.details["by_horizon"]]
    (Fraction(5, 16), ['0', '0', '1/4', '1/4', '5/16'])
    """
    from ..exact import bounded_reachability

    chain = _check_chain(chain)
    horizon = integer("horizon", horizon, low=0)
    _initial_of(chain, initial)
    values = _by_horizon(bounded_reachability(chain, target, int(horizon), initial=initial))
    return BoundResult(name or f"reachability(L={int(horizon)})", values[-1], claim="BND-1",
                       assumptions=_ASSUME_REACH, horizon=int(horizon),
                       details={"by_horizon": values})


def _walk_product(chain: Chain, path: Sequence[int], mu: dict[int, Fraction]) -> Fraction:
    value = mu.get(path[0], Fraction(0))
    for a, b in zip(path, path[1:]):
        value *= Fraction(chain.probability(chain.states.label_of(a), chain.states.label_of(b)))
    return value


def most_likely_path_bound(chain: Chain, target: Any, *, initial: Any = None) -> BoundResult:
    """The probability of the most likely first-entry path into ``target`` (claim BND-2).

    Dijkstra's algorithm on the weights ``-log P(i, j)`` (floats, only to *find* the path)
    from every initial state; the returned value is the exact product along the path found, so
    it is a valid lower bound even where float rounding made the search pick a near-optimal path.

    Returns
    -------
    BoundResult
        ``details["path"]`` lists the state labels of the path (0 if the target is unreachable).

    See Also
    --------
    chainlab.bounds.path_family_bound : The total probability of several paths you list.
    chainlab.bounds.reachability_bound : All paths of at most ``L`` steps.

    Examples
    --------
    >>> from chainlab import Chain
    >>> c = Chain([[1, 0, 0, 0], ["1/2", 0, "1/2", 0], [0, "1/2", 0, "1/2"], [0, 0, 0, 1]],
    ...           initial=1)
    >>> b = most_likely_path_bound(c, [3])
    >>> b.value, b.details["path"]
    (Fraction(1, 4), (1, 2, 3))
    """
    chain = _check_chain(chain)
    mu = _initial_of(chain, initial)
    goal = set(chain.target_indices(target).tolist())
    P = chain.P
    dist: dict[int, float] = {}
    prev: dict[int, int] = {}
    heap: list[tuple[float, int]] = []
    for i, q in mu.items():
        if q > 0:
            d = -math.log(float(q))
            if d < dist.get(i, math.inf):
                dist[i] = d
                heapq.heappush(heap, (d, i))
    found: int | None = None
    done: set[int] = set()
    while heap:
        d, i = heapq.heappop(heap)
        if i in done:
            continue
        done.add(i)
        if i in goal:
            found = i
            break
        for pos in range(P.indptr[i], P.indptr[i + 1]):
            j = int(P.indices[pos])
            w = float(P.data[pos])
            if w <= 0 or j in done:
                continue
            nd = d - math.log(w)
            if nd < dist.get(j, math.inf):
                dist[j] = nd
                prev[j] = i
                heapq.heappush(heap, (nd, j))
    common: _Common = {"claim": "BND-2", "assumptions": _ASSUME_REACH}
    if found is None:
        return BoundResult("most likely path", Fraction(0), details={"path": ()}, **common)
    path = [found]
    while path[-1] in prev:
        path.append(prev[path[-1]])
    path.reverse()
    value = _walk_product(chain, path, mu)
    labels = tuple(chain.states.label_of(i) for i in path)
    return BoundResult("most likely path", value, horizon=len(path) - 1,
                       details={"path": labels, "length": len(path) - 1}, **common)


def path_family_bound(chain: Chain, paths: Sequence[Sequence[Any]], target: Any, *,
                      initial: Any = None, name: str = "path family") -> BoundResult:
    """The total probability of distinct first-entry paths into ``target`` (claim BND-2).

    Two distinct first-entry paths (only their last state is in the target) are disjoint
    events, so their probabilities add up to a lower bound on ``P(reach target)``.

    Parameters
    ----------
    chain : Chain
    paths : sequence of sequences of states
        State labels; every path starts where the initial distribution puts mass (else it
        contributes 0) and ends in the target.
    target : label name, state, or iterable of states

    Raises
    ------
    SpecError
        A path with an impossible step, a path that is not first-entry, or a repeated path.

    See Also
    --------
    chainlab.bounds.most_likely_path_bound : The single most likely path, found for you.
    chainlab.bounds.check_bound : Check a bound against the exact value and simulation.

    Examples
    --------
    >>> from chainlab import Chain
    >>> c = Chain([[1, 0, 0, 0], ["1/2", 0, "1/2", 0], [0, "1/2", 0, "1/2"], [0, 0, 0, 1]],
    ...           initial=1)
    >>> path_family_bound(c, [[1, 2, 3], [1, 2, 1, 2, 3]], [3]).value
    Fraction(5, 16)
    """
    chain = _check_chain(chain)
    mu = _initial_of(chain, initial)
    goal = set(chain.target_indices(target).tolist())
    seen = set()
    total = Fraction(0)
    for n, path in enumerate(paths):
        try:
            idx = tuple(int(chain.states.index_of(s)) for s in path)
        except SpecError as exc:
            raise SpecError(f"paths[{n}]: {exc}") from None
        if not idx:
            raise SpecError(f"paths[{n}] is empty")
        if idx in seen:
            raise SpecError(f"paths[{n}] repeats an earlier path; the events must be distinct")
        seen.add(idx)
        if idx[-1] not in goal or any(i in goal for i in idx[:-1]):
            raise SpecError(f"paths[{n}] must enter the target at its last state and only there "
                            "(first-entry paths are disjoint events)")
        for t, (a, b) in enumerate(zip(idx, idx[1:])):
            if chain.probability(path[t], path[t + 1]) == 0:
                raise SpecError(f"paths[{n}] step {t}: no transition from {path[t]!r} to "
                                f"{path[t + 1]!r}")
        total += _walk_product(chain, idx, mu)
    return BoundResult(name, total, claim="BND-2", assumptions=_ASSUME_REACH,
                       horizon=max((len(p) - 1 for p in paths), default=0),
                       details={"num_paths": len(seen)})


def trap_bound(model: Any, trap: Any, *, horizon: int | None = None, num_silos: Any = None,
               initial: Any = None) -> BoundResult:
    """``P(polarization) >= P(reach A)`` for a closed set ``A`` of polarized fate (claim BND-3).

    Parameters
    ----------
    model : CompiledChain or Chain
        A compiled agent model (silo counts included) or a chain with ``num_silos``.
    trap : label name, state, or iterable of states
        The set ``A``. It must be closed (no transition leaves it) and every closed class inside
        it must be polarized (two or more silos in each of its states); both are checked.
    horizon : int, optional
        Bound ``P(reach A)`` from below by ``P(reach A within L steps)`` (BND-1); default: the
        exact hitting probability.
    num_silos : array of int, optional
        Silo count per state (plain chains only).

    Raises
    ------
    SpecError
        ``A`` is not closed, or contains a closed class that is not polarized.

    See Also
    --------
    chainlab.bounds.reachability_bound : Reaching a target within ``L`` steps.
    chainlab.polarization.class_kinds : Which closed classes are polarized.

    Examples
    --------
    >>> from chainlab import Chain
    >>> c = Chain([[1, 0, 0, 0], ["1/4", "1/4", "1/2", 0], [0, 0, "1/2", "1/2"], [0, 0, 0, 1]],
    ...           initial=1)
    >>> trap_bound(c, [2, 3], num_silos=[1, 2, 2, 2]).value
    Fraction(2, 3)
    >>> trap_bound(c, [2], num_silos=[1, 2, 2, 2])
    Traceback (most recent call last):
    ...
    chainlab.errors.SpecError: trap is not closed: state 2 moves to 3 outside it
    """
    from ..compiler import CompiledChain
    from ..exact import bounded_reachability, hitting
    from ..polarization import class_kinds
    from ..structure import classify

    if isinstance(model, CompiledChain):
        chain = model.chain
        kinds = class_kinds(model)
    else:
        chain = _check_chain(model, "model")
        kinds = class_kinds(chain, num_silos=num_silos)
    chain.require_exact("an exact lower bound")
    _initial_of(chain, initial)  # a SpecError now, not a TypeError after the solve
    A = chain.target_indices(trap, "trap")
    inside = np.zeros(chain.num_states, dtype=bool)
    inside[A] = True
    for i in A:
        for pos in range(chain.indptr[i], chain.indptr[i + 1]):
            j = int(chain.indices[pos])
            if not inside[j]:
                raise SpecError(f"trap is not closed: state {chain.states.label_of(int(i))!r} "
                                f"moves to {chain.states.label_of(j)!r} outside it")
    for c, kind in zip(classify(chain).closed_classes, kinds):
        if inside[list(c)].any() and kind != "polarized":
            raise SpecError(f"trap holds a {kind} closed class (states {list(c)[:4]}); every "
                            "closed class inside the trap must be polarized")
    common: _Common = {"claim": "BND-3",
                       "assumptions": "a closed set whose closed classes are all polarized"}
    labels = [chain.states.label_of(int(i)) for i in A]
    if horizon is None:
        h = hitting(chain, labels, initial=initial).initial_probability
        return BoundResult("trap", Fraction(h), details={"trap_size": len(A)}, **common)
    values = _by_horizon(bounded_reachability(chain, labels, horizon, initial=initial))
    return BoundResult(f"trap(L={horizon})", values[-1], horizon=int(horizon),
                       details={"trap_size": len(A), "by_horizon": values}, **common)
