r"""Exact analyses: every value is a :class:`fractions.Fraction`.

Same function names, signatures and result types as :mod:`chainlab.numeric`; only the field
differs (python-flint rationals inside, Fractions out). A float chain raises
:class:`chainlab.errors.ExactnessError`. See :mod:`chainlab.chain` for the letters
``P, Q, R, N, B, t``.

Examples
--------
Gambler's ruin with N = 3 and a fair coin: ruin from 1 has probability 2/3, expected duration 2.

>>> from chainlab import Chain, exact
>>> h = "1/2"
>>> c = Chain([[1, 0, 0, 0], [h, 0, h, 0], [0, h, 0, h], [0, 0, 0, 1]], initial=1)
>>> res = exact.absorption(c)
>>> res.initial_B.tolist(), res.initial_t
([Fraction(2, 3), Fraction(1, 3)], Fraction(2, 1))
"""

from __future__ import annotations

from typing import Any

from ._analysis import formulas as _analysis
from .chain import Chain
from .results import (
    AbsorptionResult,
    BoundedReachabilityResult,
    CanonicalForm,
    ExpectedVisitsResult,
    HittingResult,
    LimitingResult,
    StationaryResult,
)
from .structure import classify

__all__ = [
    "classify",
    "canonical_form",
    "absorption",
    "hitting",
    "bounded_reachability",
    "stationary",
    "limiting",
    "expected_visits",
    "expected_reward",
]

_EXACT = True


def canonical_form(chain: Chain) -> CanonicalForm:
    """``P = [[Q, R], [0, I]]``: transient part ``Q`` and collapsed exits ``R``, exactly.

    Parameters
    ----------
    chain : Chain

    Returns
    -------
    CanonicalForm
        ``Q`` and ``R`` are :class:`chainlab.results.ExactMatrix` (``.toarray()``,
        ``.to_sympy()``).

    See Also
    --------
    chainlab.numeric.canonical_form : The same blocks in float64 (``csr_array``).
    chainlab.exact.absorption : ``B = N R`` and ``t = N 1`` from these blocks.
    chainlab.structure.classify : The classes the closed part is collapsed from.

    Examples
    --------
    >>> from chainlab import Chain
    >>> cf = canonical_form(Chain([[1, 0, 0], ["1/4", "1/4", "1/2"], [0, 0, 1]]))
    >>> cf.transient, cf.Q.toarray().tolist(), cf.R.toarray().tolist()
    ((1,), [[Fraction(1, 4)]], [[Fraction(1, 4), Fraction(1, 2)]])
    """
    return _analysis.canonical_form(chain, _EXACT)


def absorption(chain: Chain, *, initial: Any = None, targets: Any = None,
               variance: bool = True, probabilities: bool = True,
               restrict: bool | str = False) -> AbsorptionResult:
    """Absorption probabilities ``B = N R``, expected steps ``t = N 1`` and their variance.

    Parameters
    ----------
    chain : Chain
    initial : state, mapping or sequence, optional
        Initial distribution (default: the chain's own, if any) for ``initial_B``/``initial_t``.
    targets : sequence of collections of int, optional
        Group closed classes (by index into ``classify(chain).closed_classes``): column ``k`` of
        ``B`` is then the probability of ending in any class of ``targets[k]``. Fewer columns
        is less work (e.g. only "polarized" for a chain with many absorbing states).
    variance : bool, default True
        Also compute the variance of the number of steps (one more substitution pass).
    probabilities : bool, default True
        Compute ``B``; with False only ``t`` (and the variance) are computed and ``B`` is None.
    restrict : bool or "initial", default False
        ``True``: only the states reachable from the initial distribution; ``"initial"``: only
        the initial states themselves (the states of interest are eliminated last; by far the
        cheapest way to get ``initial_B``/``initial_t`` of a large chain).

    Returns
    -------
    AbsorptionResult

    Raises
    ------
    ExactnessError
        For a float chain.

    See Also
    --------
    chainlab.numeric.absorption : The same in float64, with a certified error bound.
    chainlab.parametric.absorption : The same as rational functions of symbolic parameters.
    chainlab.exact.hitting : Reaching any set of states, not only the closed classes.
    chainlab.exact.expected_visits : Rows of the fundamental matrix ``N`` itself.
    chainlab.simulate.simulate : Monte Carlo estimates of the same fates.

    Notes
    -----
    Solves ``(I - Q) [B t] = [R 1]`` strong component by strong component in reverse
    topological order of the condensation, with sparse rational LU (claims ABS-1, ABS-2); the
    variance solves ``(I - Q) v = c``, ``c_i = sum_j P_ij (t_j - t_i + 1)^2`` (ABS-3), a
    second solve with the same factors.

    Examples
    --------
    >>> from chainlab import Chain
    >>> c = Chain([[1, 0, 0], ["1/4", "1/4", "1/2"], [0, 0, 1]], initial=1)
    >>> r = absorption(c)
    >>> r.initial_B.tolist(), r.initial_t, r.variance[1]
    ([Fraction(1, 3), Fraction(2, 3)], Fraction(4, 3), Fraction(4, 9))
    """
    return _analysis.absorption(chain, _EXACT, initial=initial, targets=targets,
                                variance=variance, probabilities=probabilities,
                                restrict=restrict)


def hitting(chain: Chain, target: Any, *, initial: Any = None,
            restrict: bool | str = False) -> HittingResult:
    """Probability of ever reaching ``target`` and the expected time to reach it.

    Parameters
    ----------
    chain : Chain
    target : str, state or iterable of states
        A label name of ``chain.labels``, one state, or several states.
    initial : optional
        Initial distribution for the ``initial_*`` fields (default: the chain's own).
    restrict : bool or "initial", default False
        As in :func:`absorption`: ``True`` reports only the states reachable from the initial
        distribution, ``"initial"`` only the initial states (eliminated last, no back
        substitution: the cheap way to one value of a large chain); ``states`` says which.

    Returns
    -------
    HittingResult
        Expected times are ``inf`` where reaching the target is not certain (decided on the
        graph, without arithmetic).

    See Also
    --------
    chainlab.numeric.hitting : The same in float64, with a certified error bound.
    chainlab.parametric.hitting : The same as rational functions of symbolic parameters.
    chainlab.exact.bounded_reachability : Reaching the target within ``L`` steps.
    chainlab.structure.can_reach : Where the target is reachable at all (a graph search).

    Examples
    --------
    >>> from chainlab import Chain
    >>> h = "1/2"
    >>> c = Chain([[1, 0, 0, 0], [h, 0, h, 0], [0, h, 0, h], [0, 0, 0, 1]],
    ...           labels={"win": [3]})
    >>> r = hitting(c, "win")
    >>> r.probabilities.tolist()
    [Fraction(0, 1), Fraction(1, 3), Fraction(2, 3), Fraction(1, 1)]
    >>> r.expected_times.tolist()
    [inf, inf, inf, Fraction(0, 1)]
    """
    return _analysis.hitting(chain, target, _EXACT, initial=initial, restrict=restrict)


def bounded_reachability(chain: Chain, target: Any, horizon: int, *,
                         initial: Any = None) -> BoundedReachabilityResult:
    """``P(reach target within L steps)`` for every ``L = 0, ..., horizon``, exactly.

    See Also
    --------
    chainlab.numeric.bounded_reachability : The same in float64.
    chainlab.parametric.bounded_reachability : The same as rational functions.
    chainlab.exact.hitting : The limit ``L -> inf``: the probability of ever reaching the target.
    chainlab.bounds.reachability_bound : The same number as a lower bound on ``P(reach target)``.

    Examples
    --------
    >>> from chainlab import Chain
    >>> h = "1/2"
    >>> c = Chain([[1, 0, 0, 0], [h, 0, h, 0], [0, h, 0, h], [0, 0, 0, 1]], initial=1)
    >>> bounded_reachability(c, [3], 4).initial.tolist()
    [Fraction(0, 1), Fraction(0, 1), Fraction(1, 4), Fraction(1, 4), Fraction(5, 16)]
    """
    return _analysis.bounded_reachability(chain, target, horizon, _EXACT, initial=initial)


def stationary(chain: Chain) -> StationaryResult:
    """The stationary distribution of every closed class.

    See Also
    --------
    chainlab.numeric.stationary : The same in float64, with a certified error bound.
    chainlab.exact.limiting : The long-run (Cesàro) law from an initial distribution.
    chainlab.structure.classify : The closed classes and their periods.

    Examples
    --------
    >>> from chainlab import Chain
    >>> s = stationary(Chain([["1/2", "1/2"], ["1/4", "3/4"]]))
    >>> s.distributions[0].tolist()
    [Fraction(1, 3), Fraction(2, 3)]
    """
    return _analysis.stationary(chain, _EXACT)


def limiting(chain: Chain, *, initial: Any = None) -> LimitingResult:
    """The limiting (Cesàro-averaged) distribution from an initial distribution.

    For periodic classes the Cesàro average exists where ``mu P^t`` oscillates.

    See Also
    --------
    chainlab.numeric.limiting : The same in float64, with a certified error bound.
    chainlab.exact.stationary : The stationary law of each closed class.
    chainlab.exact.absorption : The probability of ending in each closed class.

    Examples
    --------
    >>> from chainlab import Chain
    >>> c = Chain([[0, "1/2", "1/2", 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])
    >>> limiting(c, initial=0).distribution.tolist()
    [Fraction(0, 1), Fraction(1, 2), Fraction(1, 2), Fraction(0, 1)]
    """
    return _analysis.limiting(chain, _EXACT, initial=initial)


def expected_visits(chain: Chain, sources: Any) -> ExpectedVisitsResult:
    """Rows of the fundamental matrix ``N = (I - Q)^{-1}`` for chosen transient states only.

    Never forms the dense inverse: one transposed solve per requested row.

    See Also
    --------
    chainlab.numeric.expected_visits : The same rows in float64.
    chainlab.exact.absorption : ``B = N R`` and ``t = N 1`` without forming ``N``.
    chainlab.exact.canonical_form : The blocks ``Q`` and ``R``.

    Examples
    --------
    >>> from chainlab import Chain
    >>> c = Chain([[1, 0, 0], ["1/4", "1/4", "1/2"], [0, 0, 1]])
    >>> expected_visits(c, [1]).N_rows.tolist()
    [[Fraction(4, 3)]]
    """
    return _analysis.expected_visits(chain, sources, _EXACT)


def expected_reward(chain: Chain, target: Any = None, *, state_rewards: Any = None,
                    transition_rewards: Any = None, initial: Any = None):
    """Expected reward accumulated until ``target`` is hit, exactly.

    Parameters
    ----------
    chain : Chain
    target : str, state or iterable of states, optional
        The target (a label, one state or several); default: until a closed class is entered.
    state_rewards : sequence (one per state) or mapping {state: reward}, optional
        Earned in each step spent in a state (``r(i)``).
    transition_rewards : mapping {(state, next_state): reward} or n x n array, optional
        Earned when a transition is taken (``r(i, j)``).
    initial : optional
        Initial distribution for ``initial`` (default: the chain's own).

    Returns
    -------
    RewardResult
        ``values`` solve ``(I - Q) x = rho`` with ``rho(i) = r(i) + sum_j P[i, j] r(i, j)``;
        ``inf`` where the target is missed with positive probability (as in PRISM and Storm).

    Examples
    --------
    >>> from chainlab import Chain
    >>> h = "1/2"
    >>> c = Chain([[1, 0, 0], [h, 0, h], [0, 0, 1]], initial=1, labels={"end": [0, 2]})
    >>> expected_reward(c, "end", state_rewards=[0, 3, 0]).initial
    Fraction(3, 1)
    >>> r = expected_reward(c, [2], transition_rewards={(1, 2): 10})
    >>> r.values.tolist()
    [inf, inf, Fraction(0, 1)]
    """
    from ._analysis.rewards import expected_reward as _expected_reward

    return _expected_reward(chain, target, _EXACT, state_rewards=state_rewards,
                            transition_rewards=transition_rewards, initial=initial)
