"""Hypothesis strategies that build chains constructively (no assume()).

* ``absorbing_chains``: closed classes first (irreducible: a cycle through the class plus random
  extra edges), then transient states, each with a guaranteed "downhill" edge to a later transient
  state or into a closed class -- so every transient state really is transient.
* Entries are positive integer weights normalised to Fractions, so rows sum to exactly 1.
Shrinking goes towards fewer states, fewer extra edges and weights 1 (uniform rows).
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from chainlab import Chain


def _row(draw, targets: list[int]) -> dict[int, Fraction]:
    weights = [draw(st.integers(1, 5)) for _ in targets]
    total = sum(weights)
    row: dict[int, Fraction] = {}
    for j, w in zip(targets, weights):
        row[j] = row.get(j, Fraction(0)) + Fraction(w, total)
    return row


@st.composite
def chains(draw, max_closed: int = 3, max_class_size: int = 3, max_transient: int = 5,
           periodic: bool | None = None) -> Chain:
    """A random exact chain with 1..max_closed closed classes and some transient states."""
    num_closed = draw(st.integers(1, max_closed))
    sizes = [draw(st.integers(1, max_class_size)) for _ in range(num_closed)]
    num_transient = draw(st.integers(0, max_transient))
    n = sum(sizes) + num_transient
    # state ids: transient first? interleave with a random permutation at the end
    rows: dict[int, dict[int, Fraction]] = {}
    start = num_transient
    closed_members = []
    for size in sizes:
        members = list(range(start, start + size))
        closed_members.append(members)
        for k, s in enumerate(members):
            nxt = members[(k + 1) % size]
            targets = [nxt]
            make_periodic = periodic if periodic is not None else draw(st.booleans())
            if size > 1 and not make_periodic:
                targets += draw(st.lists(st.sampled_from(members), max_size=2))
            if size == 1:
                targets = [s]
            rows[s] = _row(draw, targets)
        start += size
    all_closed = [s for m in closed_members for s in m]
    for t in range(num_transient):
        downhill = draw(st.sampled_from(list(range(t + 1, num_transient)) + all_closed))
        extra = draw(st.lists(st.integers(0, n - 1), max_size=3))
        rows[t] = _row(draw, [downhill] + extra)
    perm = draw(st.permutations(range(n)))
    relabelled = {perm[i]: {perm[j]: v for j, v in rows[i].items()} for i in range(n)}
    P = [[relabelled[i].get(j, 0) for j in range(n)] for i in range(n)]
    init = draw(st.integers(0, n - 1))
    return Chain(P, initial=init)

