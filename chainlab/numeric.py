r"""Float64 analyses with sparse LU: same names, signatures and result types as :mod:`chainlab.exact`.

Floats are derived from the exact entries (each correctly rounded, and ``1 - P[i, i]`` rounded
once from its exact value), so both backends see the same sparsity pattern and rounding can
never create or hide a class. Float chains (built from floats) are accepted here.

Examples
--------
>>> from chainlab import Chain, numeric
>>> h = 0.5
>>> c = Chain([[1, 0, 0, 0], [h, 0, h, 0], [0, h, 0, h], [0, 0, 0, 1]], initial=1)
>>> res = numeric.absorption(c)
>>> res.initial_B.round(6).tolist(), round(res.initial_t, 6)
([0.666667, 0.333333], 2.0)
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

_EXACT = False


def canonical_form(chain: Chain) -> CanonicalForm:
    """``P = [[Q, R], [0, I]]`` with ``Q``, ``R`` as float64 ``csr_array``.

    See Also
    --------
    chainlab.exact.canonical_form
        The same blocks exactly (:class:`~chainlab.results.ExactMatrix`).
    chainlab.numeric.absorption : ``B`` and ``t`` from these blocks.

    Examples
    --------
    >>> from chainlab import Chain
    >>> cf = canonical_form(Chain([[1, 0, 0], [0.25, 0.25, 0.5], [0, 0, 1]]))
    >>> cf.Q.toarray().tolist(), cf.R.toarray().tolist()
    ([[0.25]], [[0.25, 0.5]])
    """
    return _analysis.canonical_form(chain, _EXACT)


def absorption(chain: Chain, *, initial: Any = None, targets: Any = None,
               variance: bool = True, probabilities: bool = True,
               restrict: bool | str = False) -> AbsorptionResult:
    """Absorption probabilities ``B``, expected steps ``t`` and their variance, in float64.

    Parameters and notes as :func:`chainlab.exact.absorption` (claims ABS-1 .. ABS-3); each
    strong component is factored once by SuperLU for all right-hand sides.

    See Also
    --------
    chainlab.exact.absorption : The same exactly, in rationals.
    chainlab.numeric.hitting : Reaching any set of states, not only the closed classes.
    chainlab.config.override : Change the tolerance results are certified to.
    chainlab.errors.PrecisionError : Raised when a result cannot be certified.

    Examples
    --------
    >>> from chainlab import Chain
    >>> c = Chain([[1, 0, 0], [0.25, 0.25, 0.5], [0, 0, 1]], initial=1)
    >>> r = absorption(c)
    >>> r.initial_B.round(6).tolist(), round(r.initial_t, 6), round(float(r.variance[1]), 6)
    ([0.333333, 0.666667], 1.333333, 0.444444)
    """
    return _analysis.absorption(chain, _EXACT, initial=initial, targets=targets,
                                variance=variance, probabilities=probabilities,
                                restrict=restrict)


def hitting(chain: Chain, target: Any, *, initial: Any = None,
            restrict: bool | str = False) -> HittingResult:
    """Probability of ever reaching ``target`` and the expected time (``inf`` if not certain).

    ``restrict`` (``False``, ``True`` or ``"initial"``) limits the states computed, as in
    :func:`chainlab.exact.hitting`.

    See Also
    --------
    chainlab.exact.hitting : The same exactly, in rationals.
    chainlab.numeric.bounded_reachability : Reaching the target within ``L`` steps.
    chainlab.numeric.absorption : Absorption into every closed class at once.

    Examples
    --------
    >>> from chainlab import Chain
    >>> c = Chain([[0, 1, 0], [0.5, 0, 0.5], [0, 0, 1]])
    >>> r = hitting(c, [2])
    >>> r.probabilities.tolist(), r.expected_times.round(6).tolist()
    ([1.0, 1.0, 1.0], [4.0, 3.0, 0.0])
    """
    return _analysis.hitting(chain, target, _EXACT, initial=initial, restrict=restrict)


def bounded_reachability(chain: Chain, target: Any, horizon: int, *,
                         initial: Any = None) -> BoundedReachabilityResult:
    """``P(reach target within L steps)`` for every ``L = 0, ..., horizon``, in float64.

    See Also
    --------
    chainlab.exact.bounded_reachability : The same exactly, in rationals.
    chainlab.numeric.hitting : The limit ``L -> inf``.

    Examples
    --------
    >>> from chainlab import Chain
    >>> c = Chain([[0, 1, 0], [0.5, 0, 0.5], [0, 0, 1]], initial=0)
    >>> bounded_reachability(c, [2], 4).initial.tolist()
    [0.0, 0.0, 0.5, 0.5, 0.75]
    """
    return _analysis.bounded_reachability(chain, target, horizon, _EXACT, initial=initial)


def stationary(chain: Chain) -> StationaryResult:
    """The stationary distribution of every closed class, in float64.

    See Also
    --------
    chainlab.exact.stationary : The same exactly, in rationals.
    chainlab.numeric.limiting : The long-run (Cesàro) law from an initial distribution.

    Examples
    --------
    >>> from chainlab import Chain
    >>> stationary(Chain([[0.5, 0.5], [0.25, 0.75]])).distributions[0].round(6).tolist()
    [0.333333, 0.666667]
    """
    return _analysis.stationary(chain, _EXACT)


def limiting(chain: Chain, *, initial: Any = None) -> LimitingResult:
    """The limiting (Cesàro-averaged) distribution from an initial distribution, in float64.

    See Also
    --------
    chainlab.exact.limiting : The same exactly, in rationals.
    chainlab.numeric.stationary : The stationary law of each closed class.

    Examples
    --------
    >>> from chainlab import Chain
    >>> c = Chain([[0, 0.5, 0.5, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]])
    >>> limiting(c, initial=0).distribution.tolist()
    [0.0, 0.5, 0.5, 0.0]
    """
    return _analysis.limiting(chain, _EXACT, initial=initial)


def expected_visits(chain: Chain, sources: Any) -> ExpectedVisitsResult:
    """Rows of ``N = (I - Q)^{-1}`` for chosen transient states, in float64.

    See Also
    --------
    chainlab.exact.expected_visits : The same rows exactly, in rationals.
    chainlab.numeric.absorption : ``B = N R`` and ``t = N 1`` without forming ``N``.

    Examples
    --------
    >>> from chainlab import Chain
    >>> c = Chain([[1, 0, 0], [0.25, 0.25, 0.5], [0, 0, 1]])
    >>> expected_visits(c, [1]).N_rows.round(6).tolist()
    [[1.333333]]
    """
    return _analysis.expected_visits(chain, sources, _EXACT)


def expected_reward(chain: Chain, target: Any = None, *, state_rewards: Any = None,
                    transition_rewards: Any = None, initial: Any = None):
    """Expected reward accumulated until ``target`` is hit, in certified float64.

    Parameters and result as :func:`chainlab.exact.expected_reward`.

    Examples
    --------
    >>> from chainlab import Chain
    >>> c = Chain([[0, 1, 0], [0.5, 0, 0.5], [0, 0, 1]], initial=0)
    >>> round(expected_reward(c, [2], state_rewards=[1, 2, 0]).initial, 6)
    6.0
    """
    from ._analysis.rewards import expected_reward as _expected_reward

    return _expected_reward(chain, target, _EXACT, state_rewards=state_rewards,
                            transition_rewards=transition_rewards, initial=initial)
