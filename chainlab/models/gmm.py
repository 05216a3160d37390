r"""The discretized interacting Gaussian-mixture agents (GMM agents), docs/model.md.

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

from .._chain.values import fmpq_to_fraction, to_fmpq
from .._validate import integer
from ..errors import NotStochasticError, SpecError
from .base import AgentModel

__all__ = ["GMMAgents", "agent_id", "TIE_RULES"]

TIE_RULES = ("random", "index")

_ONE = fmpq(1)
_ZERO = fmpq(0)


def agent_id(counts: tuple[int, ...]) -> int:
    """Most frequent label of an agent's memory, lowest label on ties.

    See Also
    --------
    chainlab.models.GMMAgents : The model whose agent states these are.
    chainlab.bounds.closed_silos : Agents pure on one label, grouped into silos.

    Examples
    --------
    >>> agent_id((1, 2, 2))
    1
    """
    best = max(counts)
    return counts.index(best)


def _rational(name: str, value: Any) -> fmpq:
    """An exact rational parameter; floats raise ExactnessError, non-numbers SpecError."""
    try:
        return to_fmpq(value, where=name)
    except NotStochasticError as err:
        raise SpecError(f"{err}; {name} must be an exact rational such as '1/5'") from None


def _check_int(name: str, value: Any, low: int, fix: str) -> int:
    return integer(name, value, low=low, fix=fix)


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

    See Also
    --------
    chainlab.models.gmm_chain : Compile it into an exact chain.
    chainlab.continuous.simulate_gmm : Simulate the continuous model it discretizes.
    chainlab.parametric.compile_gmm : Compile it with a symbolic mirroring probability.

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
        self.mirror = _rational("mirror", mirror)
        if not (_ZERO <= self.mirror <= _ONE):
            raise SpecError(f"mirror must be a probability in [0, 1], got {mirror!r}")
        self.spacing = _rational("spacing", spacing)
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
        self._last: tuple[tuple | None, list[tuple]] = (None, [])

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
        den, weights = self._partner_weights(self._key_of(agents, i))
        return {self._states[v]: fmpq(w, den) for v, w in weights.items()}

    def law_keys(self, agents: tuple) -> list[tuple]:
        """Memo keys of the agents' laws: the own state and the partner's k-set structure.

        With ``ties="random"`` the key of an agent is ``(own,)`` when its partner is its own
        state for sure, else ``(own, full, partial, taken)``: the other agents' states with
        multiplicities that are in the k-set for sure (``full``), the group of equidistant ones
        of which ``taken`` are drawn uniformly (``partial``); so it depends on the own state and
        the multiset of the others only. With ``ties="index"``: ``(own, partner states)``. The
        law is computed from the key alone (:meth:`integer_distribution`).

        Examples
        --------
        >>> m = GMMAgents(agents=3, components=2, memory=2, neighbours=1)
        >>> a = ((2, 0), (1, 1), (0, 2))
        >>> k = m.law_keys(a)
        >>> k[0] == m.law_keys((a[0], a[2], a[1]))[0], k[0] == k[2]
        (True, False)
        """
        get = self._ids.get
        ids = [get(a, -1) for a in agents]  # (ids are >= 0: -1 marks a state not seen yet)
        if -1 in ids:
            ids = [self._sid(a) for a in agents]
        if self.ties == "random":
            counts: dict[int, int] = {}
            for v in ids:
                counts[v] = counts.get(v, 0) + 1
            by_own = self._random_keys(counts)
            keys = [by_own[v] for v in ids]
        else:
            keys = [self._index_key(ids, i) for i in range(len(ids))]
        self._last = (agents, keys)  # one assignment: never a mismatched pair
        return keys

    def _random_keys(self, counts: dict[int, int]) -> dict[int, tuple]:
        """``{own: key}`` for every agent state in the multiset ``counts`` (``ties="random"``)."""
        k = self.neighbours
        if self._mirror_num == self._mirror_den:
            return {o: (o,) for o in counts}
        items = list(counts.items())
        keys: dict[int, tuple] = {}
        if k == self.num_agents - 1:  # every other agent is in the k-set
            items.sort()
            for o, _ in items:
                others = tuple([(v, m - (v == o)) for v, m in items if m - (v == o)])
                keys[o] = (o, others, (), 0)
            return keys
        dist = self._dist
        for o, co in items:
            if co > k:  # the k-set holds only agents in the own state
                keys[o] = (o,)
                continue
            row = dist[o]
            if k == 1:  # (then co == 1) the partner is uniform over the nearest group
                best = None  # one pass (twice as fast as building the profile)
                group: list[tuple[int, int]] | None = None
                for v, m in items:
                    if v != o:
                        e = row.get(v)
                        if e is None:
                            e = self._distance(o, v)
                        if best is None or e < best:
                            best, group = e, [(v, m)]
                        elif e == best:
                            assert group is not None
                            group.append((v, m))
                assert group is not None  # (k == 1 < num_agents: some other state exists)
                if len(group) == 1:  # the partner's state is sure
                    keys[o] = (o, ((group[0][0], 1),), (), 0)
                else:
                    group.sort()
                    keys[o] = (o, (), tuple(group), 1)
                continue
            try:
                prof = [(row[v], v, m) for v, m in items if v != o]
            except KeyError:
                prof = [(self._distance(o, v), v, m) for v, m in items if v != o]
            prof.sort()
            # the co - 1 <= k other agents in the own state (distance 0) are all in the k-set
            full = [(o, co - 1)] if co > 1 else []
            part: tuple = ()
            L = co - 1
            taken = 0
            t, num = 0, len(prof)
            while L < k:  # L + E >= n - 1 >= k after the last group, so prof never runs out
                d = prof[t][0]
                s = t + 1
                E = prof[t][2]
                while s < num and prof[s][0] == d:
                    E += prof[s][2]
                    s += 1
                if L + E <= k:
                    full.extend([(v, m) for _, v, m in prof[t:s]])
                elif s == t + 1:  # a partial group of one state: k - L of its agents, surely
                    full.append((prof[t][1], k - L))
                else:  # the partial group: k - L of its E agents, uniformly (v increasing)
                    part = tuple([(v, m) for _, v, m in prof[t:s]])
                    taken = k - L
                L += E
                t = s
            full.sort()
            keys[o] = (o, tuple(full), part, taken)
        return keys

    def _index_key(self, ids: list[int], i: int) -> tuple:
        """``(own, sorted partner states)`` of agent ``i`` (``ties="index"``)."""
        o = ids[i]
        if self._mirror_num == self._mirror_den:
            return (o,)
        dist = self._distance
        ranked = sorted((dist(o, v), j) for j, v in enumerate(ids) if j != i)[:self.neighbours]
        return (o, tuple(sorted(ids[j] for _, j in ranked)))

    def _key_of(self, agents: tuple, i: int) -> tuple:
        last_agents, last_keys = self._last
        if agents is last_agents:  # the compiler asks right after law_keys(agents)
            return last_keys[i]
        ids = [self._sid(a) for a in agents]
        if self.ties == "index":
            return self._index_key(ids, i)
        counts: dict[int, int] = {}
        for v in ids:
            counts[v] = counts.get(v, 0) + 1
        return self._random_keys(counts)[ids[i]]

    def _partner_weights(self, key: tuple) -> tuple[int, dict[int, int]]:
        """``(den, {partner state: weight})`` of a key; the weights sum to ``den``.

        With mirroring ``p = a/b`` and ``k`` neighbours: each of the ``k`` members of the k-set
        has probability ``(1 - p)/k`` -- an agent of the partial group of ``E`` equidistant ones,
        of which ``taken`` are drawn, is a member with probability ``taken / E`` -- and the own
        state gets ``p`` more; all over ``den = b k E``.
        """
        o = key[0]
        if len(key) == 1:
            return 1, {o: 1}
        a, b, k = self._mirror_num, self._mirror_den, self.neighbours
        c = b - a
        weights: dict[int, int] = {}
        if len(key) == 2:  # ties="index": k partner states, one agent each
            E = 1
            for v in key[1]:
                weights[v] = weights.get(v, 0) + c
        else:
            _, full, part, taken = key
            E = sum([m for _, m in part]) if part else 1
            for v, m in full:
                weights[v] = c * m * E
            for v, m in part:
                weights[v] = weights.get(v, 0) + c * m * taken
        if a:
            weights[o] = weights.get(o, 0) + a * k * E
        return b * k * E, weights

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

    def _sid(self, a: tuple[int, ...]) -> int:
        """Small-int id of an agent state (interned on first use)."""
        v = self._ids.get(a)
        if v is None:
            # slice assignments, the id last: an interrupt in between leaves nothing behind
            # that the next call would not overwrite
            v = len(self._ids)
            self._states[v:] = [a]
            self._dist[v:] = [{}]
            self._ids[a] = v
        return v

    def _distance(self, o: int, v: int) -> int:
        row = self._dist[o]
        d = row.get(v)
        if d is None:
            d = row[v] = sum((x - y) ** 2 for x, y in zip(self._states[o], self._states[v]))
        return d

    def _law(self, key: tuple) -> tuple[int, tuple[tuple[tuple[int, ...], int], ...]]:
        """Law of an agent with memo key ``key``: ``(den, ((next counts, numerator), ...))``.

        Integers in lowest terms (numerators sum to ``den``); cached.
        """
        law = self._laws.get(key)
        if law is not None:
            return law
        o = key[0]
        den, weights = self._partner_weights(key)
        acc: dict[int, int] = {}
        kernels = self._kernels
        for v, w in weights.items():
            ker = kernels.get((o, v))
            for t, m in self._kernel(o, v) if ker is None else ker:
                acc[t] = acc.get(t, 0) + w * m
        total = den * self._kernel_den
        g = math.gcd(total, *acc.values())
        states = self._states
        law = (total // g, tuple([(states[t], m // g) for t, m in acc.items()]))  # all m > 0
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

