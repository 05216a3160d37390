r"""Compile an :class:`~chainlab.models.base.AgentModel` into an explicit exact :class:`Chain`.

Breadth-first exploration of the reachable joint states from the model's initial state; states
are indexed in discovery order. Each round's joint successor law is the product of the agents'
independent laws:

* **unlumped**: the joint state is the tuple of agent states in agent order, and the successor
  law is the product over agents;
* **lumped** (exchangeable agents, claim LUMP-1): the joint state is the *multiset* of agent
  states (a sorted tuple). Agents of one type (same state) have one common law ``D``; ``c`` of
  them move to a multiset with the multinomial law ``c! / prod a_v! * prod D(v)^{a_v}``, and the
  types are combined by convolution -- never an enumeration of agent orderings.

Per-agent laws are memoized per distinct (joint state, agent type) and checked once to be exact
probability laws summing to 1 (validation at the model boundary); multinomial laws are memoized on
``(D, c)``. The compiler refuses with :class:`~chainlab.errors.StateSpaceLimitError` as soon as
more than ``max_states`` states are discovered, with an estimate of the total.

Examples
--------
>>> from fractions import Fraction
>>> from chainlab.models.base import AgentModel
>>> class Voter(AgentModel):
...     num_agents = 3
...     exchangeable = True
...     def initial_agents(self):
...         return (0, 0, 1)
...     def agent_distribution(self, agents, i):
...         others = agents[:i] + agents[i + 1:]
...         return {s: Fraction(others.count(s), len(others)) for s in set(others)}
>>> cc = compile_model(Voter())
>>> cc.chain.num_states, cc.chain.states.labels
(4, ((0, 0, 1), (0, 0, 0), (0, 1, 1), (1, 1, 1)))
>>> compile_model(Voter(), lumped=False).chain.num_states
8
"""

from __future__ import annotations

import dataclasses
import math
import sys
import time
from collections import Counter
from collections.abc import Hashable
from typing import Any

import numpy as np
from flint import fmpq

from . import config
from ._values import fmpq_to_fraction, to_fmpq
from .chain import Chain
from .errors import NotStochasticError, SpecError, StateSpaceLimitError
from .models.base import AgentModel
from .statespace import StateSpace

__all__ = ["CompiledChain", "compile_model"]

_ONE = fmpq(1)


@dataclasses.dataclass(frozen=True, eq=False)
class CompiledChain:
    """A compiled agent model.

    Attributes
    ----------
    chain : Chain
        Exact chain; state labels are joint states (agent-state tuples in agent order, or sorted
        tuples = multisets when lumped). Initial state: index 0. Label ``"consensus"`` (states with one silo).
    lumped : bool
    num_silos : ndarray of int, shape (num_states,)
        Number of distinct agent IDs in each state.
    parameters : dict
        ``model.describe()`` plus ``lumped``.
    seconds : float
        Compile time.
    """

    chain: Chain
    lumped: bool
    num_silos: np.ndarray
    parameters: dict
    seconds: float

    def __repr__(self) -> str:
        return (f"CompiledChain({self.chain.num_states} states, {self.chain.num_transitions} "
                f"transitions, lumped={self.lumped}, {self.seconds:.3f} s)")


class _Progress:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.last = time.perf_counter()

    def update(self, done: int, found: int, transitions: int) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if now - self.last >= 0.5:
            self.last = now
            sys.stderr.write(f"\rcompiling: {done:,} states expanded, {found:,} found, "
                             f"{transitions:,} transitions")
            sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 79 + "\r")
            sys.stderr.flush()


def compile_model(model: AgentModel, *, lumped: bool | None = None,
                  max_states: int | None = None, progress: bool = False) -> CompiledChain:
    """Compile the reachable joint states of an agent model into an exact chain.

    Parameters
    ----------
    model : AgentModel
    lumped : bool, optional
        Lump to multisets of agent states (default: ``model.exchangeable``). Refused for models
        that are not exchangeable.
    max_states : int, optional
        Refuse beyond this many states (default ``chainlab.config.limits.max_states``).
    progress : bool, default False
        Print a progress line to stderr while compiling.

    Returns
    -------
    CompiledChain

    Raises
    ------
    SpecError
        ``lumped=True`` for a model that is not exchangeable; a bad model.
    NotStochasticError
        An agent law with negative entries or not summing to exactly 1.
    StateSpaceLimitError
        More than ``max_states`` reachable states.

    Examples
    --------
    See the module docstring.
    """
    if not isinstance(model, AgentModel):
        raise SpecError(f"model must be a chainlab AgentModel, got {type(model).__name__}")
    if lumped is None:
        lumped = bool(model.exchangeable)
    if lumped and not model.exchangeable:
        raise SpecError(
            f"lumped=True needs exchangeable agents, but {type(model).__name__} with "
            f"{model.describe()} is not exchangeable; use lumped=False"
        )
    limit = config.limits.max_states if max_states is None else int(max_states)
    started = time.perf_counter()
    comp = _Compiler(model, lumped, limit, _Progress(progress))
    try:
        rows, states = comp.run()
    finally:
        comp.progress.close()
    n = len(states)
    decoded = [comp.decode(s) for s in states]
    ids = [len({model.agent_id(a) for a in joint}) for joint in decoded]
    num_silos = np.asarray(ids, dtype=np.int64)
    indptr = np.zeros(n + 1, dtype=np.int64)
    cols: list[int] = []
    vals: list[fmpq] = []
    for i, row in enumerate(rows):
        items = sorted(row.items())
        cols.extend(j for j, _ in items)
        vals.extend(v for _, v in items)
        indptr[i + 1] = len(cols)
    labels = {"consensus": frozenset(np.flatnonzero(num_silos == 1).tolist())}
    # trusted constructor: rows are products/convolutions of agent laws checked to sum to 1
    chain = Chain._from_csr_exact(StateSpace(decoded), indptr, np.asarray(cols, dtype=np.int64),
                                  vals, labels=labels, initial={0: fmpq_to_fraction(_ONE)})
    params = dict(model.describe())
    params["lumped"] = lumped
    return CompiledChain(chain=chain, lumped=lumped, num_silos=num_silos, parameters=params,
                         seconds=time.perf_counter() - started)


class _Compiler:
    def __init__(self, model: AgentModel, lumped: bool, limit: int, progress: _Progress):
        self.model = model
        self.lumped = lumped
        self.limit = limit
        self.progress = progress
        self.agent_index: dict[Hashable, int] = {}
        self.agent_states: list[Hashable] = []
        self.law_cache: dict[tuple, tuple[tuple[int, fmpq], ...]] = {}
        self.multi_cache: dict[tuple, dict[tuple, fmpq]] = {}

    def intern(self, a: Hashable) -> int:
        k = self.agent_index.get(a)
        if k is None:
            k = self.agent_index[a] = len(self.agent_states)
            self.agent_states.append(a)
        return k

    def decode(self, s: tuple[int, ...]) -> tuple:
        if self.lumped:
            return tuple(sorted((self.agent_states[k] for k in s), key=_sort_key))
        return tuple(self.agent_states[k] for k in s)

    def law(self, joint: tuple[int, ...], i: int) -> tuple[tuple[int, fmpq], ...]:
        agents = tuple(self.agent_states[k] for k in joint)
        raw = self.model.agent_distribution(agents, i)
        items = []
        total = fmpq(0)
        for a, p in raw.items():
            q = to_fmpq(p, where=lambda a=a: f"agent_distribution(..., {i})[{a!r}]")
            if q < 0:
                raise NotStochasticError(
                    f"{type(self.model).__name__}.agent_distribution gave agent {i} a negative "
                    f"probability {fmpq_to_fraction(q)} for {a!r} in joint state {agents!r}"
                )
            if q != 0:
                items.append((self.intern(a), q))
                total += q
        if total != _ONE:
            raise NotStochasticError(
                f"{type(self.model).__name__}.agent_distribution for agent {i} in joint state "
                f"{agents!r} sums to {fmpq_to_fraction(total)}, expected 1"
            )
        items.sort()
        return tuple(items)

    def run(self) -> tuple[list[dict[int, fmpq]], list[tuple[int, ...]]]:
        model = self.model
        init = tuple(self.intern(a) for a in model.initial_agents())
        if len(init) != model.num_agents:
            raise SpecError(
                f"initial_agents() has {len(init)} agents but num_agents is {model.num_agents}"
            )
        if self.lumped:
            init = self._canon(init)
        index = {init: 0}
        states = [init]
        rows: list[dict[int, fmpq]] = []
        num_transitions = 0
        k = 0
        while k < len(states):
            s = states[k]
            succ = self._successors_lumped(s) if self.lumped else self._successors_joint(s)
            row: dict[int, fmpq] = {}
            for t, p in succ.items():
                j = index.get(t)
                if j is None:
                    j = index[t] = len(states)
                    states.append(t)
                    if len(states) > self.limit:
                        raise StateSpaceLimitError(self._limit_message(len(states), k + 1))
                row[j] = p
            rows.append(row)
            num_transitions += len(row)
            k += 1
            self.progress.update(k, len(states), num_transitions)
        return rows, states

    def _canon(self, s: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(sorted(s))

    def _successors_joint(self, s: tuple[int, ...]) -> dict[tuple, fmpq]:
        out: dict[tuple, fmpq] = {(): _ONE}
        for i in range(len(s)):
            law = self.law(s, i)
            new: dict[tuple, fmpq] = {}
            for prefix, p in out.items():
                for a, q in law:
                    new[prefix + (a,)] = p * q
            out = new
        return out

    def _successors_lumped(self, s: tuple[int, ...]) -> dict[tuple, fmpq]:
        out: dict[tuple, fmpq] = {(): _ONE}
        pos = 0
        for a, c in sorted(Counter(s).items()):
            first = s.index(a, pos)
            law = self.law(s, first)
            multi = self._multinomial(law, c)
            new: dict[tuple, fmpq] = {}
            for k1, p in out.items():
                for k2, q in multi.items():
                    key = tuple(sorted(k1 + k2))
                    v = new.get(key)
                    new[key] = p * q if v is None else v + p * q
            out = new
        return out

    def _multinomial(self, law: tuple[tuple[int, fmpq], ...], c: int) -> dict[tuple, fmpq]:
        key = (law, c)
        got = self.multi_cache.get(key)
        if got is not None:
            return got
        out: dict[tuple, fmpq] = {}
        support = [a for a, _ in law]
        probs = [q for _, q in law]
        fact_c = math.factorial(c)
        for counts in _compositions(c, len(support)):
            coef = fact_c
            p = _ONE
            key_t: list[int] = []
            for a, q, m in zip(support, probs, counts):
                if m:
                    coef //= math.factorial(m)
                    p *= q**m
                    key_t.extend([a] * m)
            out[tuple(key_t)] = p * coef
        if len(self.multi_cache) > 200_000:
            self.multi_cache.clear()
        self.multi_cache[key] = out
        return out

    def _limit_message(self, found: int, expanded: int) -> str:
        estimate = ""
        count = getattr(self.model, "num_agent_states", None)
        if callable(count):
            S, n = count(), self.model.num_agents
            bound = math.comb(S + n - 1, n) if self.lumped else S**n
            estimate = f"; at most {bound:,} joint states exist"
        return (
            f"the model has more than {self.limit:,} reachable states (found {found:,} after "
            f"expanding {expanded:,}{estimate}); raise max_states (or "
            "chainlab.config.limits.max_states), choose a smaller instance, or use lumping"
        )


def _compositions(total: int, parts: int):
    """All tuples of ``parts`` non-negative ints summing to ``total``."""
    if parts == 1:
        yield (total,)
        return
    for first in range(total, -1, -1):
        for rest in _compositions(total - first, parts - 1):
            yield (first,) + rest


def _sort_key(a: Any):
    return (type(a).__name__, a) if not isinstance(a, tuple) else ("tuple", a)
