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


def _canonical_key(own: int, den: int, weights: dict[int, int]) -> tuple:
    """``(own, den, ((v, w_v), ...))`` in lowest terms, zero weights dropped, ``v`` increasing."""
    g = math.gcd(den, *weights.values())
    return (own, den // g, tuple(sorted((v, w // g) for v, w in weights.items() if w)))


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
        # fast paths (caches only ever receive complete entries)
        self._mirror_num, self._mirror_den = int(self.mirror.p), int(self.mirror.q)
        lcm = math.lcm(*range(1, self.memory + 1))
        self._kernel_den = (self.memory * lcm) ** 2  # r^2 lcm(1..r)^2: every kernel entry
        self._ids: dict[tuple[int, ...], int] = {}
        self._states: list[tuple[int, ...]] = []
        self._dist: list[dict[int, int]] = []
        self._kernels: dict[tuple[int, int], tuple[tuple[int, int], ...]] = {}
        self._laws: dict[tuple, tuple] = {}
        self._last_agents: tuple | None = None
        self._last_keys: list[tuple] = []

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

    # ------------------------------------------------------------------ partner law
    def partner_law(self, agents: tuple, i: int) -> dict[tuple[int, ...], fmpq]:
        """Law of the partner's *state* for agent ``i`` (mirroring included).

        Examples
        --------
        >>> m = GMMAgents(agents=3, components=3, memory=1, neighbours=1)
        >>> sorted((s, str(p)) for s, p in m.partner_law(((1, 0, 0), (0, 1, 0), (0, 0, 1)), 0).items())
        [((0, 0, 1), '1/2'), ((0, 1, 0), '1/2')]
        """
        ids = [self._sid(a) for a in agents]
        _, den, weights = self._key(ids, i)
        return {self._states[v]: fmpq(w, den) for v, w in weights}

    def law_keys(self, agents: tuple) -> list[tuple]:
        """Memo keys of the agents' laws: ``(own state id, denominator, partner weights)``.

        The law of agent ``i`` is ``sum_v w_v / denominator * kernel(own, v)`` over the partner
        states ``v`` (mirroring included), so it depends on the key only. With
        ``ties="random"`` the key depends on the own state and the multiset of the others.

        Examples
        --------
        >>> m = GMMAgents(agents=3, components=2, memory=2, neighbours=1)
        >>> a = ((2, 0), (1, 1), (0, 2))
        >>> k = m.law_keys(a)
        >>> k[0] == m.law_keys((a[0], a[2], a[1]))[0], k[0] == k[2]
        (True, False)
        """
        get = self._ids.get
        ids = [get(a) for a in agents]
        if None in ids:
            ids = [self._sid(a) for a in agents]
        if self.ties == "random":
            counts: dict[int, int] = {}
            for v in ids:
                counts[v] = counts.get(v, 0) + 1
            by_own = self._random_keys(counts)
            keys = [by_own[v] for v in ids]
        else:
            keys = [self._key(ids, i) for i in range(len(ids))]
        self._last_agents, self._last_keys = agents, keys
        return keys

    def _random_keys(self, counts: dict[int, int]) -> dict[int, tuple]:
        """``{own: key}`` for every agent state in the multiset ``counts`` (``ties="random"``)."""
        a, b, k = self._mirror_num, self._mirror_den, self.neighbours
        if a == b:
            return {o: (o, 1, ((o, 1),)) for o in counts}
        items = sorted(counts.items())
        keys = {}
        if k == self.num_agents - 1:  # every other agent is in the k-set
            for o, _ in items:
                merged = {v: (b - a) * (m - (v == o)) for v, m in items}
                merged[o] += a * k
                keys[o] = _canonical_key(o, b * k, merged)
            return keys
        dist = self._dist
        c = b - a
        for o, co in items:
            if co > k:  # the k-set holds only agents in the own state
                keys[o] = (o, 1, ((o, 1),))
                continue
            row = dist[o]
            try:
                prof = [(row[v], v, m) for v, m in items if v != o]
            except KeyError:
                prof = [(self._distance(o, v), v, m) for v, m in items if v != o]
            if k == 1:  # (then co == 1) uniform over the agents of the nearest group
                d = min(prof)[0]
                group = [(v, m) for e, v, m in prof if e == d]  # v increasing, like items
                if a:
                    merged = {v: c * m for v, m in group}
                    E = sum(merged.values()) // c
                    merged[o] = a * E
                    keys[o] = _canonical_key(o, b * E, merged)
                elif len(group) == 1:
                    keys[o] = (o, 1, ((group[0][0], 1),))
                else:
                    E = sum([m for _, m in group])
                    g = math.gcd(E, *[m for _, m in group])
                    keys[o] = (o, E // g, tuple([(v, m // g) for v, m in group]))
                continue
            prof.sort()
            # the co - 1 <= k other agents in the own state (distance 0) are all in the k-set
            merged = {o: c * (co - 1)} if co > 1 else {}
            L = co - 1
            E_part = 1
            t, num = 0, len(prof)
            while L < k:  # L + E >= n - 1 >= k after the last group, so prof never runs out
                d = prof[t][0]
                s = t + 1
                E = prof[t][2]
                while s < num and prof[s][0] == d:
                    E += prof[s][2]
                    s += 1
                if L + E <= k:
                    for _, v, m in prof[t:s]:
                        merged[v] = c * m
                else:  # the partial group: k - L of its E agents, uniformly
                    if E > 1:
                        E_part = E
                        for v in merged:
                            merged[v] *= E
                    for _, v, m in prof[t:s]:
                        merged[v] = c * m * (k - L)
                L += E
                t = s
            if a:
                merged[o] = merged.get(o, 0) + a * k * E_part
            keys[o] = _canonical_key(o, b * k * E_part, merged)
        return keys

    def _key_from_profile(self, o: int, prof: list[tuple[int, int, int]]) -> tuple:
        """Key from the others sorted by distance: ``[(distance, state, multiplicity), ...]``."""
        a, b, k = self._mirror_num, self._mirror_den, self.neighbours
        full: list[tuple[int, int]] = []  # (state, number of its agents), all in the k-set
        part: list[tuple[int, int]] = []  # the partial group of E_part equidistant agents
        L = 0
        E_part = 1
        taken = 0
        t, num = 0, len(prof)
        while t < num and L < k:
            d = prof[t][0]
            s = t
            E = 0
            while s < num and prof[s][0] == d:
                E += prof[s][2]
                s += 1
            if L + E <= k:
                full.extend((v, m) for _, v, m in prof[t:s] if m)
            else:
                part = [(v, m) for _, v, m in prof[t:s] if m]
                E_part, taken = E, k - L
            L += E
            t = s
        c = b - a
        merged = {v: c * m * E_part for v, m in full}
        for v, m in part:
            merged[v] = c * m * taken
        if a:
            merged[o] = merged.get(o, 0) + a * k * E_part
        return _canonical_key(o, b * k * E_part, merged)

    def agent_distribution(self, agents: tuple, i: int) -> dict[tuple[int, ...], fmpq]:
        """Law of agent ``i``'s next counts given the joint state (exact ``fmpq`` values)."""
        den, items = self._law(self._key_of(agents, i))
        return {new: fmpq(m, den) for new, m in items}

    def integer_distribution(self, agents: tuple, i: int) -> tuple[int, dict[tuple[int, ...], int]]:
        """:meth:`agent_distribution` as ``(denominator, {next counts: numerator})``.

        Examples
        --------
        >>> m = GMMAgents(agents=2, components=2, memory=2, neighbours=1)
        >>> den, nums = m.integer_distribution(((2, 0), (1, 1)), 1)
        >>> den, sorted(nums.items())
        (4, [((0, 2), 1), ((2, 0), 3)])
        """
        den, items = self._law(self._key_of(agents, i))
        return den, dict(items)

    def _key_of(self, agents: tuple, i: int) -> tuple:
        if agents is self._last_agents:  # the compiler asks right after law_keys(agents)
            return self._last_keys[i]
        return self._key([self._sid(a) for a in agents], i)

    def _sid(self, a: tuple[int, ...]) -> int:
        """Small-int id of an agent state (interned on first use)."""
        v = self._ids.get(a)
        if v is None:
            v = len(self._states)
            self._states.append(a)
            self._dist.append({})
            self._ids[a] = v
        return v

    def _distance(self, o: int, v: int) -> int:
        row = self._dist[o]
        d = row.get(v)
        if d is None:
            d = row[v] = sum((x - y) ** 2 for x, y in zip(self._states[o], self._states[v]))
        return d

    def _key(self, ids: list[int], i: int) -> tuple:
        """``(own, den, ((v, w_v), ...))``: partner state ``v`` with probability ``w_v / den``.

        With mirroring ``p = a/b`` and ``k`` neighbours: the own state gets ``a k E`` and each
        other agent in the k-set ``(b - a) E`` (or ``(b - a)(k - L)`` when it is in the partial
        group of ``E`` equidistant agents of which ``k - L`` are taken), over ``den = b k E``.
        """
        o = ids[i]
        a, b, k = self._mirror_num, self._mirror_den, self.neighbours
        if a == b:
            return (o, 1, ((o, 1),))
        dist = self._distance
        if self.ties == "index":
            ranked = sorted((dist(o, v), j) for j, v in enumerate(ids) if j != i)[:k]
            merged: dict[int, int] = {}
            for _, j in ranked:
                merged[ids[j]] = merged.get(ids[j], 0) + (b - a)
            if a:
                merged[o] = merged.get(o, 0) + a * k
            return _canonical_key(o, b * k, merged)
        counts = {}
        for v in ids:
            counts[v] = counts.get(v, 0) + 1
        counts[o] -= 1
        prof = sorted((dist(o, v), v, m) for v, m in counts.items())
        return self._key_from_profile(o, prof)

    def _law(self, key: tuple) -> tuple[int, tuple[tuple[tuple[int, ...], int], ...]]:
        """Law of an agent with memo key ``key``: ``(den, ((next counts, numerator), ...))``.

        Integers in lowest terms (numerators sum to ``den``); cached.
        """
        law = self._laws.get(key)
        if law is not None:
            return law
        o, den, weights = key
        acc: dict[int, int] = {}
        for v, w in weights:
            for t, m in self._kernel(o, v):
                acc[t] = acc.get(t, 0) + w * m
        total = den * self._kernel_den
        g = math.gcd(total, *acc.values())
        states = self._states
        law = (total // g, tuple((states[t], m // g) for t, m in sorted(acc.items()) if m))
        self._laws[key] = law  # complete entries only: an interrupt leaves no partial law
        return law

    def _kernel(self, o: int, v: int) -> tuple[tuple[int, int], ...]:
        """Interaction kernel own ``o`` x partner ``v`` as integers over ``self._kernel_den``."""
        ker = self._kernels.get((o, v))
        if ker is None:
            C = self._kernel_den
            out = []
            for new, q in self._interaction(self._states[o], self._states[v]):
                num, rem = divmod(int(q.p) * C, int(q.q))
                assert rem == 0, "kernel denominator must divide r^2 lcm(1..r)^2"
                out.append((self._sid(new), num))
            ker = self._kernels[(o, v)] = tuple(out)
        return ker

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

