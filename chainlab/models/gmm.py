r"""The discretized interacting Gaussian-mixture agents (GMM agents), DESIGN.md section 4.

Each of ``n`` agents keeps a retrieval memory of ``r`` points, each point discretized to the
label of its mixture component, so an agent's state is the vector of label counts
``N_i in {0..r}^K`` with ``sum_c N_i[c] = r`` (weights ``N_i / r``). One round, all agents at
once from the previous state, each independently:

1. partner ``j``: itself with probability ``p`` (mirroring); otherwise uniform over its *k-set*
   of nearest other agents (distance ``||N_i - N_j||``, compared as exact integer squares);
2. query label ``x`` with probability ``N_i[x] / r``;
3. the partner's temporary counts: ``N_j`` with one point of the label farthest from ``mu_x``
   replaced by ``x``;
4. answer label ``y`` drawn from the temporary counts ``/ r``;
5. the asker: ``N_i`` with one point of the label farthest from ``mu_y`` replaced by ``y``.

Tie rules (they change the answers and are reported everywhere):

* farthest point: among equally far present labels (``x - d`` and ``x + d``) every *point* is
  equally likely to be evicted, so label ``l`` goes with probability proportional to its count;
* k-set, ``ties="random"``: equidistant agents in uniformly random order, so another agent ``j``
  is in the k-set with probability 1 if ``L + E <= k``, 0 if ``L >= k``, else ``(k - L) / E``
  (``L`` others strictly closer, ``E`` others at ``j``'s distance). Exchangeable: lumpable.
* k-set, ``ties="index"``: the ``k`` others with the smallest ``(distance, agent index)``, like
  the reference implementation. Not exchangeable: no lumping.

Means are ``0, d, 2d, ...``; because they are equally spaced, which label is farthest does not
depend on ``d``, so ``spacing`` does not change the chain (it matters for the continuous model and
is carried along for reports). An agent's ID is its most frequent label (lowest on ties).

Examples
--------
>>> m = GMMAgents(agents=2, components=2, memory=1, neighbours=1)
>>> m.initial_agents()
((1, 0), (0, 1))
>>> [(s, str(q)) for s, q in m.agent_distribution(((1, 0), (0, 1)), 0).items()]
[((1, 0), '1')]

With one memory point an agent's query comes back as its own label (the partner adopts it
first), so every state is absorbing when ``memory=1``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from flint import fmpq

from .._values import fmpq_to_fraction, to_fmpq
from ..errors import SpecError
from .base import AgentModel

__all__ = ["GMMAgents", "agent_id", "TIE_RULES"]

TIE_RULES = ("random", "index")

_ONE = fmpq(1)
_ZERO = fmpq(0)


def agent_id(counts: tuple[int, ...]) -> int:
    """Most frequent label of an agent's memory, lowest label on ties.

    Examples
    --------
    >>> agent_id((1, 2, 2))
    1
    """
    best = max(counts)
    return counts.index(best)


def _check_int(name: str, value: Any, low: int, fix: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise SpecError(f"{name} must be an integer >= {low}, got {value!r}; {fix}")
    return value


class GMMAgents(AgentModel):
    """Discretized GMM agents (see the module docstring for the exact dynamics).

    Parameters
    ----------
    agents : int, default 4
        Number of agents ``n``.
    components : int, default 4
        Number of mixture components (labels) ``K``.
    memory : int, default 2
        Memory size ``r`` (points per agent).
    neighbours : int, default 1
        Size ``k`` of the k-set, ``1 <= k <= n - 1``.
    mirror : rational, default 0
        Mirroring probability ``p`` (Fraction, int, ``"1/5"``, or sympy.Rational).
    spacing : rational, default 1
        Distance ``d`` between consecutive means (does not change the chain; reported).
    ties : {"random", "index"}, default "random"
        k-set tie rule.
    initial : sequence of int, optional
        Initial pure label of each agent (default: agent ``i`` pure on label ``i mod K``), or a
        sequence of count tuples.

    Examples
    --------
    >>> m = GMMAgents(agents=3, components=3, memory=2, neighbours=1, mirror="1/5")
    >>> m.describe()["ties"], m.exchangeable, m.num_agent_states()
    ('random', True, 6)
    """

    def __init__(self, agents: int = 4, components: int = 4, memory: int = 2,
                 neighbours: int = 1, mirror: Any = 0, spacing: Any = 1,
                 ties: str = "random", initial: Sequence | None = None) -> None:
        self.num_agents = _check_int("agents", agents, 2, "polarization needs at least 2 agents")
        self.components = _check_int("components", components, 1, "give the number of labels K")
        self.memory = _check_int("memory", memory, 1, "give the memory size r")
        self.neighbours = _check_int("neighbours", neighbours, 1, "k counts other agents")
        if self.neighbours > self.num_agents - 1:
            raise SpecError(
                f"neighbours={neighbours} but there are only {self.num_agents - 1} other agents; "
                f"use 1 <= neighbours <= {self.num_agents - 1}"
            )
        self.mirror = to_fmpq(mirror, where="mirror")
        if not (_ZERO <= self.mirror <= _ONE):
            raise SpecError(f"mirror must be a probability in [0, 1], got {mirror!r}")
        self.spacing = to_fmpq(spacing, where="spacing")
        if self.spacing <= 0:
            raise SpecError(f"spacing must be positive, got {spacing!r}")
        if ties not in TIE_RULES:
            raise SpecError(f"ties must be one of {TIE_RULES}, got {ties!r}")
        self.ties = ties
        self.exchangeable = ties == "random"
        K, r = self.components, self.memory
        if initial is None:
            self._initial = tuple(self._pure(i % K) for i in range(self.num_agents))
        else:
            init = list(initial)
            if len(init) != self.num_agents:
                raise SpecError(
                    f"initial has {len(init)} entries but agents={self.num_agents}; give one "
                    "label (or count tuple) per agent"
                )
            states = []
            for i, a in enumerate(init):
                if isinstance(a, int) and not isinstance(a, bool):
                    if not 0 <= a < K:
                        raise SpecError(f"initial[{i}] = {a} is not a label 0..{K - 1}")
                    states.append(self._pure(a))
                else:
                    t = tuple(a)
                    if len(t) != K or any((not isinstance(c, int)) or c < 0 for c in t) \
                            or sum(t) != r:
                        raise SpecError(
                            f"initial[{i}] = {a!r} must be a label or {K} non-negative counts "
                            f"summing to memory={r}"
                        )
                    states.append(t)
            self._initial = tuple(states)
        self._interaction = lru_cache(maxsize=None)(self._interaction_uncached)

    # ------------------------------------------------------------------ protocol
    def _pure(self, label: int) -> tuple[int, ...]:
        return tuple(self.memory if c == label else 0 for c in range(self.components))

    def initial_agents(self) -> tuple[tuple[int, ...], ...]:
        """Initial joint state (count tuples in agent order)."""
        return self._initial

    def agent_id(self, agent_state: tuple[int, ...]) -> int:
        """Most frequent label, lowest on ties."""
        return agent_id(agent_state)

    def num_agent_states(self) -> int:
        """Number of count vectors ``C(r + K - 1, K - 1)``."""
        return math.comb(self.memory + self.components - 1, self.components - 1)

    def describe(self) -> dict[str, Any]:
        """Parameters, including the tie rule."""
        return {
            "model": "gmm",
            "agents": self.num_agents,
            "components": self.components,
            "memory": self.memory,
            "neighbours": self.neighbours,
            "mirror": str(fmpq_to_fraction(self.mirror)),
            "spacing": str(fmpq_to_fraction(self.spacing)),
            "ties": self.ties,
        }

    def partner_law(self, agents: tuple, i: int) -> dict[tuple[int, ...], fmpq]:
        """Law of the partner's *state* for agent ``i`` (mirroring included).

        Examples
        --------
        >>> m = GMMAgents(agents=3, components=3, memory=1, neighbours=1)
        >>> sorted((s, str(p)) for s, p in m.partner_law(((1, 0, 0), (0, 1, 0), (0, 0, 1)), 0).items())
        [((0, 0, 1), '1/2'), ((0, 1, 0), '1/2')]
        """
        own = agents[i]
        k = self.neighbours
        p = self.mirror
        law: dict[tuple[int, ...], fmpq] = {}
        if p != 0:
            law[own] = p
        rest = _ONE - p
        if rest == 0:
            return law
        others = [(j, a) for j, a in enumerate(agents) if j != i]
        dist = [sum((u - v) ** 2 for u, v in zip(own, a)) for _, a in others]
        if self.ties == "random":
            share = rest / k
            for (j, a), d in zip(others, dist):
                L = sum(1 for e in dist if e < d)
                E = sum(1 for e in dist if e == d)
                if L >= k:
                    continue
                incl = _ONE if L + E <= k else fmpq(k - L, E)
                law[a] = law.get(a, _ZERO) + share * incl
        else:
            ranked = sorted(range(len(others)), key=lambda t: (dist[t], others[t][0]))[:k]
            share = rest / k
            for t in ranked:
                a = others[t][1]
                law[a] = law.get(a, _ZERO) + share
        return law

    def agent_distribution(self, agents: tuple, i: int) -> dict[tuple[int, ...], fmpq]:
        """Law of agent ``i``'s next counts given the joint state (exact ``fmpq`` values)."""
        own = agents[i]
        out: dict[tuple[int, ...], fmpq] = {}
        for partner, w in self.partner_law(agents, i).items():
            for new, q in self._interaction(own, partner):
                out[new] = out.get(new, _ZERO) + w * q
        return out

    # ------------------------------------------------------------------ one exchange
    def _evict(self, counts: tuple[int, ...], x: int) -> list[tuple[tuple[int, ...], fmpq]]:
        """Replace one point of the label farthest from ``x`` by ``x`` (ties: by point)."""
        present = [c for c, m in enumerate(counts) if m]
        far = max(abs(c - x) for c in present)
        cands = [c for c in (x - far, x + far) if 0 <= c < len(counts) and counts[c]]
        if far == 0:
            return [(counts, _ONE)]
        total = sum(counts[c] for c in cands)
        out = []
        for c in cands:
            new = list(counts)
            new[c] -= 1
            new[x] += 1
            out.append((tuple(new), fmpq(counts[c], total)))
        return out

    def _interaction_uncached(self, own: tuple[int, ...], partner: tuple[int, ...]
                              ) -> tuple[tuple[tuple[int, ...], fmpq], ...]:
        r = self.memory
        out: dict[tuple[int, ...], fmpq] = {}
        for x, nx in enumerate(own):
            if not nx:
                continue
            px = fmpq(nx, r)
            for temp, pt in self._evict(partner, x):
                for y, ny in enumerate(temp):
                    if not ny:
                        continue
                    pxy = px * pt * fmpq(ny, r)
                    for new, pn in self._evict(own, y):
                        out[new] = out.get(new, _ZERO) + pxy * pn
        return tuple(sorted(out.items()))

