"""Baseline for ``bench_compile.py``: the GMM chain compiled the straightforward way.

The one-round rules of docs/model.md ("The discretized chain") restated with :class:`fractions.Fraction` (sharing
no code with :mod:`chainlab.models.gmm`), and a breadth-first compiler that, for every state,
enumerates every combination of the agents' next states (a product over agent orderings, no
memoization) and multiplies Fractions; lumped states are sorted tuples, and a lumped row sums the
products by sorted successor. ``tests/test_compiler.py`` checks chainlab against the same
construction.

Usage (as a module)::

    rows = reference_compile(dict(agents=3, components=3, memory=2, neighbours=1), lumped=True)
"""

from __future__ import annotations

import itertools
import math
import time
from fractions import Fraction

__all__ = ["ReferenceTimeout", "reference_compile", "reference_law", "reference_partner_law"]


class ReferenceTimeout(Exception):
    """The reference compilation ran out of its time budget."""


def _evict(counts: tuple, x: int) -> dict:
    """One point of the label farthest from ``x`` replaced by ``x``; equally far labels go with
    probability proportional to their counts."""
    present = [c for c, m in enumerate(counts) if m]
    far = max(abs(c - x) for c in present)
    if far == 0:
        return {counts: Fraction(1)}
    cands = [c for c in present if abs(c - x) == far]
    total = sum(counts[c] for c in cands)
    out: dict = {}
    for c in cands:
        new = list(counts)
        new[c] -= 1
        new[x] += 1
        out[tuple(new)] = out.get(tuple(new), 0) + Fraction(counts[c], total)
    return out


def reference_partner_law(agents: tuple, i: int, k: int, p: Fraction, ties: str) -> dict:
    """Law of agent ``i``'s partner *state* (mirroring and the k-set tie rule), ``{counts: Fraction}``."""
    own = agents[i]
    others = [(j, a) for j, a in enumerate(agents) if j != i]
    dist = {j: sum((u - v) ** 2 for u, v in zip(own, a)) for j, a in others}
    law: dict = {}
    if p:
        law[own] = p
    if ties == "random":
        for j, a in others:
            L = sum(1 for e in dist.values() if e < dist[j])
            E = sum(1 for e in dist.values() if e == dist[j])
            incl = Fraction(1) if L + E <= k else Fraction(0) if L >= k else Fraction(k - L, E)
            if incl:
                law[a] = law.get(a, 0) + (1 - p) / k * incl
    else:
        for j in sorted(dist, key=lambda j: (dist[j], j))[:k]:
            law[agents[j]] = law.get(agents[j], 0) + (1 - p) / k
    return {a: q for a, q in law.items() if q}


def reference_law(agents: tuple, i: int, k: int, p: Fraction, ties: str) -> dict:
    """Law of agent ``i``'s next label counts (partner, query, partner's temporary counts,
    answer, eviction), as ``{counts: Fraction}``."""
    own = agents[i]
    r = sum(own)
    out: dict = {}
    for partner, w in reference_partner_law(agents, i, k, p, ties).items():
        for x, nx in enumerate(own):
            if not nx:
                continue
            for temp, pt in _evict(partner, x).items():
                for y, ny in enumerate(temp):
                    if not ny:
                        continue
                    for new, pn in _evict(own, y).items():
                        out[new] = out.get(new, 0) + w * Fraction(nx, r) * pt * Fraction(ny, r) * pn
    return out


def _initial(agents: int, components: int, memory: int) -> tuple:
    return tuple(tuple(memory if c == i % components else 0 for c in range(components))
                 for i in range(agents))


def reference_compile(params: dict, *, lumped: bool, deadline: float | None = None,
                      start: tuple | None = None) -> dict:
    """``{state: {successor: Fraction}}`` over the states reachable from ``start`` (a tuple of
    count tuples; default: agent ``i`` pure on label ``i mod K``); ``params`` as for
    ``GMMAgents`` (``agents``, ``components``, ``memory``, ``neighbours``, optional ``mirror``
    and ``ties``; an ``initial`` entry is ignored -- pass ``start``).

    Raises :class:`ReferenceTimeout` once ``time.perf_counter()`` passes ``deadline``.
    """
    n, K, r = params["agents"], params["components"], params["memory"]
    k = params.get("neighbours", 1)
    p = Fraction(params.get("mirror", 0))
    ties = params.get("ties", "random")
    if start is None:
        start = _initial(n, K, r)
    start = tuple(tuple(a) for a in start)
    if lumped:
        start = tuple(sorted(start))
    rows: dict = {}
    queue = [start]
    seen = {start}
    head = 0
    while head < len(queue):
        state = queue[head]
        head += 1
        if deadline is not None and time.perf_counter() > deadline:
            raise ReferenceTimeout(f"{len(rows)} states expanded")
        laws = [list(reference_law(state, i, k, p, ties).items()) for i in range(n)]
        row: dict = {}
        for combo in itertools.product(*laws):
            succ = tuple(a for a, _ in combo)
            if lumped:
                succ = tuple(sorted(succ))
            row[succ] = row.get(succ, 0) + math.prod(q for _, q in combo)
        rows[state] = row
        for t in row:
            if t not in seen:
                seen.add(t)
                queue.append(t)
    return rows
