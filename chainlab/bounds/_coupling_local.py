r"""The local sub-chain of a configuration for BND-6 (private; used by
:mod:`chainlab.bounds._coupling`).

Definitions (``proofs/bounds.md``, BND-6, "local sub-chains")
-------------------------------------------------------------
* For an all-pure configuration ``x`` (agent ``i`` pure on ``l_i``) and a joint state ``s``, the
  *deviation* of ``s`` from ``x`` is the number of agents that are not pure on their label in
  ``x`` (for ``ties="random"``, where states are multisets: the smallest such number over the
  orderings of ``s``, i.e. ``n - sum_c min(#agents of s pure on c, g_c(x))``).
* The *local set* ``L_x`` (``max_deviating = D``): ``x`` and every state that is not all-pure,
  not split, and deviates from ``x`` in at most ``D`` agents.
* ``h_x`` is the exact value of the chain killed on leaving ``L_x``, paid on exit: ``1`` at a
  split state, ``W(x')`` at an all-pure configuration ``x'`` with a larger sum of squared group
  sizes (already computed by the recursion), ``0`` anywhere else. Every transition probability
  is the model's exact one from a state of ``L_x`` (a product of one-agent laws; for
  ``ties="random"`` summed over the ordered successors of one representative, LUMP-1).
"""

from __future__ import annotations

from fractions import Fraction

from flint import fmpq, fmpq_mat

from ..errors import StateSpaceLimitError


def local_stage(stage, labels: tuple[int, ...], g: dict[int, int], max_deviating: int,
                max_states: int) -> tuple[Fraction, dict[tuple, Fraction]]:
    """``h_x(x)`` and ``h_x`` on every state of ``L_x`` (see the module docstring).

    ``stage`` is the :class:`chainlab.bounds._coupling._Stages` recursion (for the model, the
    canonical form of states and ``W`` of the configurations with a larger sum of squared
    group sizes)."""
    model, n, r, lumped = stage.model, stage.n, stage.r, stage.lumped
    x = stage.canon_state(tuple(stage.pure(c) for c in labels))
    base = sum(v * v for v in g.values())
    pure_of = {stage.pure(c): c for c in range(stage.K)}

    def deviation(s) -> int:
        if lumped:
            cnt: dict[int, int] = {}
            for a in s:
                c = pure_of.get(a)
                if c is not None:
                    cnt[c] = cnt.get(c, 0) + 1
            return n - sum(min(v, g.get(c, 0)) for c, v in cnt.items())
        return sum(1 for a, c in zip(s, labels) if pure_of.get(a) != c)

    index = {x: 0}
    order = [x]
    rows: list[dict[int, fmpq]] = []
    exits: list[fmpq] = []
    child_value: dict[tuple, fmpq] = {}
    pos = 0
    while pos < len(order):
        s = order[pos]
        pos += 1
        row: dict[int, fmpq] = {}
        out = fmpq(0)
        for nxt, q in _successors(model, s, r, max_deviating):
            y = stage.canon_state(nxt)
            j = index.get(y)
            if j is not None:
                row[j] = row.get(j, 0) + q
                continue
            labs = [pure_of.get(a) for a in y]
            if None not in labs:  # all-pure: a configuration
                ycfg = stage.canon(labs)
                v = child_value.get(ycfg)
                if v is None:
                    sizes = stage.sizes(ycfg)
                    if sum(c * c for c in sizes.values()) > base:
                        w = stage.value(ycfg)
                        v = fmpq(w.numerator, w.denominator)
                    else:
                        v = fmpq(0)
                    child_value[ycfg] = v
                out += q * v
                continue
            if stage.is_split_state(y):
                out += q
                continue
            if deviation(y) > max_deviating or stage.is_dead_state(y):
                continue
            if len(order) >= max_states:
                raise StateSpaceLimitError(
                    f"coupling_bound: more than {max_states} states in the local sub-chain of "
                    f"one configuration; lower max_deviating")
            j = index[y] = len(order)
            order.append(y)
            row[j] = q
        rows.append(row)
        exits.append(out)
    m = len(order)
    A = fmpq_mat(m, m)
    b = fmpq_mat(m, 1)
    for i, row in enumerate(rows):
        A[i, i] = 1
        for j, q in row.items():
            A[i, j] -= q
        b[i, 0] = exits[i]
    try:
        sol = A.solve(b)
    except ZeroDivisionError:  # a closed class inside L_x (x absorbing): nothing is counted
        return Fraction(0), {}
    vals = {s: _frac(sol[i, 0]) for i, s in enumerate(order)}
    return vals[x], vals


def _frac(q: fmpq) -> Fraction:
    return Fraction(int(q.p), int(q.q))


def _successors(model, s: tuple, r: int, budget: int):
    """Ordered joint successors of ``s`` with at most ``budget`` agents not pure, with their
    exact probabilities (``fmpq``); the others can only leave the local set or be split states
    that are not counted (a loss, never an error)."""
    n = len(s)
    laws = []
    for i in range(n):
        den, nums = model.integer_distribution(s, i)
        pure = [(a, fmpq(v, den)) for a, v in nums.items() if max(a) == r]
        mixed = [(a, fmpq(v, den)) for a, v in nums.items() if max(a) != r]
        laws.append((pure, mixed))
    acc: list = [None] * n

    def rec(i: int, left: int, q):
        if i == n:
            yield tuple(acc), q
            return
        pure, mixed = laws[i]
        for a, w in pure:
            acc[i] = a
            yield from rec(i + 1, left, q * w)
        if left:
            for a, w in mixed:
                acc[i] = a
                yield from rec(i + 1, left - 1, q * w)

    yield from rec(0, budget, fmpq(1))
