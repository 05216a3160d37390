r"""Classic teaching chains, each built as an exact :class:`~chainlab.chain.Chain`.

Every builder validates its arguments once (a :class:`~chainlab.errors.SpecError` names the
argument, the value and the fix; a float where an exact value is needed raises
:class:`~chainlab.errors.ExactnessError`) and returns an exact chain with an initial state and
named state sets (``labels``) for the events worth asking about.

The builders and their labels are listed in :mod:`chainlab.models`.

Closed forms (checked in ``tests/test_models_classic.py``)
----------------------------------------------------------
* Gambler's ruin, win probability ``p``, ``q = 1 - p``, ``rho = q / p``: from ``i`` coins
  P(ruin) = ``(rho^i - rho^N) / (1 - rho^N)`` (``1 - i/N`` when ``p = 1/2``); expected
  duration ``i / (q - p) - N / (q - p) * (1 - rho^i) / (1 - rho^N)`` (``i (N - i)`` when fair).
* Moran process (one birth-death event per step, mutant fitness ``r``): fixation from ``i``
  mutants ``(1 - r^-i) / (1 - r^-N)`` (``i / N`` when ``r = 1``).
* Wright-Fisher, neutral (``s = 0``): fixation from ``i`` copies is ``i / N``.
* Ehrenfest urn: stationary law Binomial(N, 1/2), period 2.

The agent models' chains (:func:`~chainlab.models.voter_model` and the rest) are compiled from
the models of :mod:`chainlab.models.opinion` and :mod:`chainlab.models.gmm`.

Symbolic parameters
-------------------
A SymPy symbol as ``p`` (gambler's ruin) or ``r`` (Moran) is handed to
``chainlab.parametric.models`` when that subpackage is installed; otherwise a
:class:`~chainlab.errors.SpecError` says so.

Examples
--------
>>> from chainlab import exact
>>> c = gamblers_ruin(3, "1/2", start=1)
>>> exact.hitting(c, "win").initial_probability
Fraction(1, 3)
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from .._chain.values import fmpq_to_fraction, to_fmpq
from .._validate import integer
from ..chain import Chain
from ..errors import SpecError

__all__ = [
    "gamblers_ruin",
    "moran",
    "wright_fisher",
    "ehrenfest",
]


# ---------------------------------------------------------------------- validation helpers
def _int(name: str, value: Any, low: int, fix: str, high: int | None = None) -> int:
    return integer(name, value, low=low, high=high, fix=fix)


def _is_symbolic(value: Any) -> bool:
    if not type(value).__module__.startswith("sympy"):
        return False
    return bool(getattr(value, "free_symbols", None))


def _probability(name: str, value: Any, *, low_open: bool = False,
                 high_open: bool = False) -> Fraction:
    q = fmpq_to_fraction(to_fmpq(value, where=name))
    lo_ok = q > 0 if low_open else q >= 0
    hi_ok = q < 1 if high_open else q <= 1
    if not (lo_ok and hi_ok):
        lo = "(0" if low_open else "[0"
        hi = "1)" if high_open else "1]"
        raise SpecError(f"{name} must be a probability in {lo}, {hi}, got {value!r}")
    return q


def _positive(name: str, value: Any) -> Fraction:
    q = fmpq_to_fraction(to_fmpq(value, where=name))
    if q <= 0:
        raise SpecError(f"{name} must be positive, got {value!r}")
    return q


def _symbolic(builder: str, argname: str, value: Any, *args: Any, **kwargs: Any) -> Any:
    """Hand a symbolic parameter to ``chainlab.parametric.models`` (when it exists)."""
    try:
        mod = importlib.import_module("chainlab.parametric.models")
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("chainlab.parametric"):
            raise
        mod = None
    func = getattr(mod, builder, None) if mod is not None else None
    if func is None:
        raise SpecError(
            f"{argname}={value!r} is symbolic, but symbolic {builder} needs "
            f"chainlab.parametric.models.{builder}, which this installation does not have; "
            f"pass an exact number (e.g. Fraction(2, 5)) or substitute a value first"
        )
    return func(*args, **kwargs)


def _birth_death(N: int, up: Sequence[Fraction], down: Sequence[Fraction], *, start: int,
                 labels: Mapping[str, Sequence[int]]) -> Chain:
    """States ``0..N``; ``up[i]``/``down[i]`` are the moves from ``i``; the rest stays put."""
    transitions = []
    for i in range(N + 1):
        u, d = up[i], down[i]
        if d:
            transitions.append((i, i - 1, d))
        stay = 1 - u - d
        if stay:
            transitions.append((i, i, stay))
        if u:
            transitions.append((i, i + 1, u))
    return Chain.from_transitions(N + 1, transitions, initial=start, labels=dict(labels))


# ---------------------------------------------------------------------- 1-D chains
def gamblers_ruin(N: int, p: Any = Fraction(1, 2), *, start: int = 1) -> Chain:
    r"""Gambler's ruin: from ``i`` coins win one w.p. ``p`` or lose one, until 0 or ``N``.

    Parameters
    ----------
    N : int
        Target fortune, ``N >= 1``; states are ``0..N`` (0 and ``N`` absorbing).
    p : rational or sympy.Symbol, default 1/2
        Probability of winning a round (Fraction, int, ``"2/5"`` or ``sympy.Rational``). A SymPy
        symbol is handed to ``chainlab.parametric.models.gamblers_ruin`` when available.
    start : int, default 1
        Initial fortune ``0 <= start <= N``.

    Returns
    -------
    Chain
        Exact, states ``0..N``, labels ``"ruin"`` = {0} and ``"win"`` = {N}.

    Raises
    ------
    SpecError
        ``N < 1``, ``start`` outside ``0..N``, ``p`` outside [0, 1], or a symbolic ``p`` without
        ``chainlab.parametric``.
    ExactnessError
        A float ``p`` (pass ``Fraction(2, 5)`` or ``"0.4"``).

    See Also
    --------
    chainlab.parametric.gamblers_ruin : The same chain with a symbolic ``p``.
    chainlab.models.moran : Another birth-death chain with two absorbing ends.
    chainlab.exact.absorption : Ruin probabilities and expected durations.

    Notes
    -----
    P(ruin from ``i``) = ``(rho^i - rho^N) / (1 - rho^N)`` with ``rho = (1 - p) / p``, and
    ``1 - i / N`` for a fair game; the expected duration of a fair game is ``i (N - i)``.

    Examples
    --------
    >>> from chainlab import exact
    >>> c = gamblers_ruin(4, "2/5", start=2)
    >>> c.labels["win"], exact.hitting(c, "ruin").initial_probability
    (frozenset({4}), Fraction(9, 13))
    >>> exact.absorption(gamblers_ruin(4, start=1)).initial_t
    Fraction(3, 1)
    """
    N = _int("N", N, 1, "give the target fortune, e.g. N=10")
    start = _int("start", start, 0, "start with 0..N coins", high=N)
    if _is_symbolic(p):
        return _symbolic("gamblers_ruin", "p", p, N, p, start=start)
    p = _probability("p", p)
    q = 1 - p
    up = [Fraction(0)] + [p] * (N - 1) + [Fraction(0)]
    down = [Fraction(0)] + [q] * (N - 1) + [Fraction(0)]
    if N == 1:
        up, down = [Fraction(0)] * 2, [Fraction(0)] * 2
    return _birth_death(N, up, down, start=start, labels={"ruin": [0], "win": [N]})


def moran(N: int, r: Any = 1, *, start: int = 1) -> Chain:
    r"""Moran process: ``N`` individuals, ``i`` mutants of relative fitness ``r``.

    Each step one individual reproduces (chosen proportionally to fitness) and its offspring
    replaces one individual chosen uniformly at random (possibly the parent), so the number of
    mutants goes up by one w.p. ``r i / (r i + N - i) * (N - i) / N`` and down by one w.p.
    ``(N - i) / (r i + N - i) * i / N``.

    Parameters
    ----------
    N : int
        Population size, ``N >= 1``.
    r : positive rational or sympy.Symbol, default 1
        Relative fitness of the mutant (``r = 1`` is neutral drift).
    start : int, default 1
        Initial number of mutants, ``0..N``.

    Returns
    -------
    Chain
        Exact, states ``0..N``, labels ``"lost"`` = {0}, ``"fixed"`` = {N}.

    See Also
    --------
    chainlab.parametric.moran : The same chain with a symbolic fitness ``r``.
    chainlab.models.wright_fisher : Binomial resampling instead of one event per step.
    chainlab.models.gamblers_ruin : A walk with the same two absorbing ends.

    Notes
    -----
    Fixation probability from ``i`` mutants: ``(1 - r^-i) / (1 - r^-N)`` (``i / N`` if
    ``r = 1``).

    Examples
    --------
    >>> from chainlab import exact
    >>> exact.hitting(moran(4, 2), "fixed").initial_probability  # (1 - 1/2) / (1 - 1/16)
    Fraction(8, 15)
    """
    N = _int("N", N, 1, "give the population size, e.g. N=10")
    start = _int("start", start, 0, "start with 0..N mutants", high=N)
    if _is_symbolic(r):
        return _symbolic("moran", "r", r, N, r, start=start)
    r = _positive("r", r)
    up, down = [], []
    for i in range(N + 1):
        total = r * i + (N - i)
        up.append(r * i / total * Fraction(N - i, N))
        down.append((N - i) / total * Fraction(i, N))
    return _birth_death(N, up, down, start=start, labels={"lost": [0], "fixed": [N]})


def wright_fisher(N: int, s: Any = 0, *, start: int = 1) -> Chain:
    r"""Wright-Fisher model: ``N`` gene copies resampled binomially every generation.

    With ``i`` copies of allele A (selective advantage ``s``), the next generation has
    Binomial(N, psi_i) copies, ``psi_i = i (1 + s) / (i (1 + s) + N - i)``.

    Parameters
    ----------
    N : int
        Number of gene copies, ``N >= 1`` (the chain has ``(N + 1)^2``-ish transitions: keep
        ``N`` below a few hundred).
    s : rational, default 0
        Selection coefficient, ``s > -1`` (0 is neutral).
    start : int, default 1
        Initial number of copies of A, ``0..N``.

    Returns
    -------
    Chain
        Exact, states ``0..N``, labels ``"lost"`` = {0}, ``"fixed"`` = {N}.

    See Also
    --------
    chainlab.models.moran : One birth-death event per step instead of a new generation.
    chainlab.exact.absorption : Fixation probabilities and times.

    Notes
    -----
    Neutral fixation probability from ``i`` copies: ``i / N`` (the frequency is a martingale).

    Examples
    --------
    >>> from chainlab import exact
    >>> c = wright_fisher(3, start=1)
    >>> c.probability(1, 0), exact.hitting(c, "fixed").initial_probability
    (Fraction(8, 27), Fraction(1, 3))
    """
    N = _int("N", N, 1, "give the number of gene copies, e.g. N=10")
    start = _int("start", start, 0, "start with 0..N copies", high=N)
    if _is_symbolic(s):
        return _symbolic("wright_fisher", "s", s, N, s, start=start)
    s = fmpq_to_fraction(to_fmpq(s, where="s"))
    if s <= -1:
        raise SpecError(f"s must be > -1 (fitness 1 + s must be positive), got {s}")
    transitions = []
    for i in range(N + 1):
        psi = i * (1 + s) / (i * (1 + s) + N - i)
        for j in range(N + 1):
            prob = math.comb(N, j) * psi**j * (1 - psi) ** (N - j)
            if prob:
                transitions.append((i, j, prob))
    return Chain.from_transitions(N + 1, transitions, initial=start,
                                  labels={"lost": [0], "fixed": [N]})


def ehrenfest(N: int, *, start: int = 0, lazy: bool = False) -> Chain:
    r"""Ehrenfest urn: ``N`` balls in two urns; each step a uniform ball changes urn.

    Parameters
    ----------
    N : int
        Number of balls, ``N >= 1``; the state is the number of balls in urn A.
    start : int, default 0
        Initial number of balls in urn A.
    lazy : bool, default False
        Do nothing with probability 1/2 each step (the chain then becomes aperiodic; the
        stationary law is unchanged).

    Returns
    -------
    Chain
        Exact, irreducible, states ``0..N``, labels ``"empty"`` = {0}, ``"full"`` = {N}.

    See Also
    --------
    chainlab.exact.stationary : Its Binomial(N, 1/2) stationary law.
    chainlab.exact.limiting : Cesàro averages, which a periodic chain needs.

    Notes
    -----
    Stationary law Binomial(N, 1/2); period 2 (1 when ``lazy``).

    Examples
    --------
    >>> from chainlab import exact
    >>> [str(x) for x in exact.stationary(ehrenfest(3)).distributions[0]]
    ['1/8', '3/8', '3/8', '1/8']
    """
    N = _int("N", N, 1, "give the number of balls, e.g. N=10")
    start = _int("start", start, 0, "start with 0..N balls in urn A", high=N)
    factor = Fraction(1, 2) if lazy else Fraction(1)
    up = [factor * Fraction(N - i, N) for i in range(N + 1)]
    down = [factor * Fraction(i, N) for i in range(N + 1)]
    return _birth_death(N, up, down, start=start, labels={"empty": [0], "full": [N]})
