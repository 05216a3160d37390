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



# --------------------------------------------------------------------------- parametric chains
_MIXTURES = ("constant", "affine", "bernstein", "rational", "two")


@st.composite
def parametric_chains(draw, max_closed: int = 2, max_class_size: int = 2,
                      max_transient: int = 4, two_parameters: bool | None = None):
    """A random ParametricChain in ``p`` (and sometimes ``q``) with a guaranteed generic graph.

    Built like :func:`chains`, but every row is a mixture of 2-3 random stochastic rows ``A, B, C``
    with weights that are rational functions of the parameters, positive on ``(0, 1)`` (or
    ``(0, 1)^2``): ``p A + (1 - p) B``, Bernstein ``p^2 A + 2p(1-p) B + (1-p)^2 C``,
    ``(A + p B) / (1 + p)``, or ``pq A + p(1-q) B + (1-p) C``. Every component row contains the
    row's required edge (the cycle edge of a closed class, the downhill edge of a transient
    state), so at every point of ``(0, 1)^k`` the substituted chain has the generic classes;
    optional edges appear in some components only, so their entries vanish on the boundary.
    """
    import sympy

    from chainlab.parametric import ParametricChain

    p, q = sympy.symbols("p q")
    two = draw(st.booleans()) if two_parameters is None else two_parameters
    kinds = _MIXTURES if two else _MIXTURES[:-1]
    num_closed = draw(st.integers(1, max_closed))
    sizes = [draw(st.integers(1, max_class_size)) for _ in range(num_closed)]
    num_transient = draw(st.integers(1, max_transient))
    n = sum(sizes) + num_transient

    def component(required: int, optional: list[int]) -> dict:
        extra = draw(st.lists(st.sampled_from(optional), max_size=2)) if optional else []
        row = _row(draw, [required] + extra)
        return {j: sympy.Rational(v.numerator, v.denominator) for j, v in row.items()}

    def mixed_row(required: int, optional: list[int], absorbing: bool = False) -> dict:
        if absorbing:
            return {required: sympy.Integer(1)}
        kind = draw(st.sampled_from(kinds))
        A, B, C = (component(required, optional) for _ in range(3))
        weights = {
            "constant": [(1, A)],
            "affine": [(p, A), (1 - p, B)],
            "bernstein": [(p**2, A), (2 * p * (1 - p), B), ((1 - p) ** 2, C)],
            "rational": [(1 / (1 + p), A), (p / (1 + p), B)],
            "two": [(p * q, A), (p * (1 - q), B), (1 - p, C)],
        }[kind]
        out: dict = {}
        for w, comp in weights:
            for j, v in comp.items():
                out[j] = out.get(j, 0) + w * v
        return {j: sympy.cancel(v) for j, v in out.items()}

    rows: dict[int, dict] = {}
    start = num_transient
    closed_members = []
    for size in sizes:
        members = list(range(start, start + size))
        closed_members.append(members)
        for k, s in enumerate(members):
            rows[s] = mixed_row(members[(k + 1) % size], members, absorbing=size == 1)
        start += size
    all_closed = [s for m in closed_members for s in m]
    for t in range(num_transient):
        downhill = draw(st.sampled_from(list(range(t + 1, num_transient)) + all_closed))
        rows[t] = mixed_row(downhill, list(range(n)))
    perm = draw(st.permutations(range(n)))
    relabelled = {perm[i]: {perm[j]: v for j, v in rows[i].items()} for i in range(n)}
    init = perm[0]  # a transient state
    params = [p, q] if two else [p]
    return ParametricChain(relabelled, parameters=params, initial=init,
                           states=list(range(n)))


def parameter_points(chain):
    """A strategy for rational points strictly inside ``(0, 1)^k`` for ``chain``'s parameters."""
    from fractions import Fraction

    value = st.builds(lambda b, a: Fraction(a % (b - 1) + 1, b), st.integers(2, 13),
                      st.integers(0, 100))
    return st.fixed_dictionaries({s.name: value for s in chain.parameters})
