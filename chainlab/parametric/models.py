r"""Teaching models with a symbolic parameter: gambler's ruin, the Moran process, a 2-D walk.

Each builder takes the parameter as a SymPy symbol (or its name) and returns a
:class:`~chainlab.parametric.ParametricChain`; given a number instead it returns the plain exact
:class:`~chainlab.Chain` of the same model.

Closed forms (used by the tests):

* gambler's ruin on ``0..N`` (up with ``p``, down with ``q = 1 - p``), from ``i``:
  ``P(win) = (p^N - q^i p^(N-i)) / (p^N - q^N)`` (i.e. ``(1 - (q/p)^i) / (1 - (q/p)^N)``);
* Moran process with ``N`` individuals, ``i`` mutants of fitness ``r``: the mutant count goes up
  with ``r i / (r i + N - i) * (N - i) / N`` and down with ``(N - i) / (r i + N - i) * i / N``;
  fixation probability from ``i``: ``(1 - r^-i) / (1 - r^-N)``.

Examples
--------
>>> from chainlab.parametric import absorption
>>> c = moran(3, "r")
>>> c
ParametricChain(4 states, 8 transitions, parameters (r))
>>> absorption(c).initial_B[1]
RationalFunction(r**2/(r**2 + r + 1))
>>> moran(3, 2)
Chain(4 states, 8 transitions, exact)
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from .._validate import integer
from ..chain import Chain
from ..errors import SpecError
from ._ring import Ring
from .chain import ParametricChain
from .functions import _symbols

__all__ = ["gamblers_ruin", "moran", "grid_walk"]


def _parameter(value: Any, name: str):
    """(ring, rational function) for a symbol, its name or a SymPy expression in symbols;
    (None, Fraction) for a number."""
    import sympy

    if isinstance(value, sympy.Symbol) or (isinstance(value, str) and value.strip().isidentifier()):
        ring = Ring.get(tuple(_symbols([value.strip() if isinstance(value, str) else value])))
        return ring, (ring.gens[0], ring.one)
    if isinstance(value, sympy.Basic) and value.free_symbols:
        ring = Ring.get(tuple(sorted(value.free_symbols, key=lambda s: s.name)))
        return ring, ring.convert(value, name)
    from .._chain.values import to_fmpq

    q = to_fmpq(value, where=name)
    return None, Fraction(int(q.p), int(q.q))


def _check_n(N: Any, name: str, low: int) -> int:
    return integer(name, N, low=low)


def _finish(ring, n, triples, *, states=None, initial=None, labels=None):
    if ring is None:
        return Chain.from_transitions(n, triples, states=states, initial=initial, labels=labels)
    return ParametricChain.from_transitions(n, triples, parameters=ring.symbols, states=states,
                                            initial=initial, labels=labels)


def gamblers_ruin(N: int, p: Any, *, start: int | None = 1) -> ParametricChain | Chain:
    """Gambler's ruin on ``0..N``: up with probability ``p``, down with ``1 - p``.

    Parameters
    ----------
    N : int
        Target fortune (``N >= 1``); 0 and ``N`` are absorbing (labels ``"ruin"``, ``"win"``).
    p : sympy.Symbol, str, SymPy expression or rational
        The step probability: a symbol (or its name, or an expression such as ``q / 2``) gives a
        ParametricChain, a number a Chain.
    start : int or None, default 1
        Initial state (None: no initial distribution).

    See Also
    --------
    chainlab.models.gamblers_ruin : The same chain at a numeric ``p``.
    chainlab.parametric.absorption : Ruin probability and expected duration as functions of ``p``.

    Examples
    --------
    >>> c = gamblers_ruin(4, "p", start=2)
    >>> c.probability(2, 3), dict(c.initial), sorted(c.labels)
    (RationalFunction(p), {2: Fraction(1, 1)}, ['ruin', 'win'])
    >>> gamblers_ruin(4, "1/3").probability(1, 2)
    Fraction(1, 3)
    """
    N = _check_n(N, "N", 1)
    ring, up = _parameter(p, "p")
    if ring is None and not 0 <= up <= 1:
        raise SpecError(f"p must be a probability in [0, 1], got {p!r}")
    down = ring.sub(ring.ONE, up) if ring is not None else 1 - up
    triples = [(0, 0, 1), (N, N, 1)]
    for i in range(1, N):
        triples += [(i, i - 1, down), (i, i + 1, up)]
    if start is not None and not (isinstance(start, (int, np.integer)) and 0 <= start <= N):
        raise SpecError(f"start must be a state 0..{N} or None, got {start!r}")
    return _finish(ring, N + 1, triples, initial=start, labels={"ruin": [0], "win": [N]})


def moran(N: int, fitness: Any, *, start: int | None = 1) -> ParametricChain | Chain:
    """The Moran process: ``N`` individuals, mutants of relative fitness ``r``; state = number of
    mutants, absorbing at 0 (``"lost"``) and ``N`` (``"fixed"``), as in
    :func:`chainlab.models.classic.moran`.

    Parameters
    ----------
    N : int
        Population size (``N >= 1``).
    fitness : sympy.Symbol, str, SymPy expression or positive rational
        The mutants' relative fitness ``r`` (symbolic: a ParametricChain, well defined for
        ``r >= 0``).
    start : int or None, default 1
        Initial number of mutants.

    See Also
    --------
    chainlab.models.moran : The same chain at a numeric fitness.
    chainlab.parametric.absorption : Fixation probability as a function of ``r``.

    Examples
    --------
    >>> c = moran(2, "r")
    >>> c.probability(1, 2), c.probability(1, 1)
    (RationalFunction(r/(2*r + 2)), RationalFunction(1/2))
    """
    N = _check_n(N, "N", 1)
    ring, r = _parameter(fitness, "fitness")
    if ring is None and r <= 0:
        raise SpecError(f"fitness must be positive, got {fitness!r}")
    triples = [(0, 0, 1), (N, N, 1)]
    for i in range(1, N):
        if ring is None:
            tot = r * i + N - i
            up = r * i / tot * Fraction(N - i, N)
            down = Fraction(N - i) / tot * Fraction(i, N)
            stay = 1 - up - down
        else:
            cst = lambda a, b=1: ring.norm(ring.const(a), ring.const(b))  # noqa: E731
            tot = ring.add(ring.mul(r, cst(i)), cst(N - i))
            up = ring.mul(ring.div(ring.mul(r, cst(i)), tot), cst(N - i, N))
            down = ring.mul(ring.div(cst(N - i), tot), cst(i, N))
            stay = ring.sub(ring.sub(ring.ONE, up), down)
        triples += [(i, i - 1, down), (i, i + 1, up)]
        if (ring is None and stay != 0) or (ring is not None and not stay[0].is_zero()):
            triples.append((i, i, stay))
    if start is not None and not (isinstance(start, (int, np.integer)) and 0 <= start <= N):
        raise SpecError(f"start must be a state 0..{N} or None, got {start!r}")
    return _finish(ring, N + 1, triples, initial=start, labels={"lost": [0], "fixed": [N]})


def grid_walk(m: int, p: Any, *, start: tuple[int, int] | None = None
              ) -> ParametricChain | Chain:
    """A walk on the ``m x m`` grid with absorbing boundary: from an interior cell ``(x, y)`` it
    moves up with ``p / 2``, down with ``(1 - p) / 2``, left and right with ``1/4`` each.

    States are ``(x, y)`` tuples, index ``y * m + x``; labels ``"top"`` (``y = m - 1``) and
    ``"absorbing"`` (the boundary). The default start is the centre cell.

    See Also
    --------
    chainlab.parametric.gamblers_ruin : The one-dimensional walk.
    chainlab.parametric.hitting : Hitting probabilities as rational functions.

    Examples
    --------
    >>> from chainlab.parametric import hitting
    >>> c = grid_walk(3, "p")
    >>> c.num_states, hitting(c, "top").initial_probability
    (9, RationalFunction(p/2))
    """
    m = _check_n(m, "m", 3)
    ring, pv = _parameter(p, "p")
    if ring is None:
        if not 0 <= pv <= 1:
            raise SpecError(f"p must be a probability in [0, 1], got {p!r}")
        up: Any
        down: Any
        side: Any
        up, down, side = pv / 2, (1 - pv) / 2, Fraction(1, 4)
    else:
        half = (ring.const(1), ring.const(2))
        up = ring.mul(pv, half)
        down = ring.mul(ring.sub(ring.ONE, pv), half)
        side = (ring.const(1), ring.const(4))
    states = [(x, y) for y in range(m) for x in range(m)]
    triples: list[tuple[int, int, Any]] = []
    boundary = []
    for y in range(m):
        for x in range(m):
            s = y * m + x
            if x in (0, m - 1) or y in (0, m - 1):
                triples.append((s, s, 1))
                boundary.append((x, y))
                continue
            triples += [(s, s + m, up), (s, s - m, down), (s, s - 1, side), (s, s + 1, side)]
    if start is None:
        start = (m // 2, m // 2)
    if start not in states:
        raise SpecError(f"start must be a cell (x, y) with 0 <= x, y < {m}, got {start!r}")
    labels = {"top": [(m - 1) * m + x for x in range(m)],
              "absorbing": [y * m + x for x, y in boundary]}
    return _finish(ring, m * m, triples, states=states, initial=states.index(start),
                   labels=labels)
