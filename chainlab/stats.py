"""Exact binomial (Clopper–Pearson) intervals and the verdicts built on them.

Every Monte Carlo check in chainlab compares an exact value (or a lower bound) with an estimate
from ``k`` successes in ``n`` independent runs through the *exact* Clopper–Pearson interval
(``scipy.stats.binomtest(k, n).proportion_ci(method="exact")``) -- never ``abs(est - p) < tol``.

Examples
--------
>>> est = proportion(27, 100)
>>> est
ProportionEstimate(successes=27, trials=100, estimate=0.27, ci=(0.1861..., 0.3680...), confidence=0.95)
>>> est.contains(0.25), est.consistent_with_lower_bound(0.4)
(True, False)
"""

from __future__ import annotations

import dataclasses
import math

from scipy.stats import binomtest

from ._validate import integer
from .errors import SpecError

__all__ = ["ProportionEstimate", "proportion"]


@dataclasses.dataclass(frozen=True)
class ProportionEstimate:
    """``successes`` out of ``trials`` with its exact two-sided confidence interval.

    Attributes
    ----------
    successes, trials : int
    estimate : float
        ``successes / trials``.
    ci : (float, float)
        Clopper–Pearson interval at level ``confidence``.
    confidence : float

    See Also
    --------
    chainlab.stats.proportion : What returns it.
    """

    successes: int
    trials: int
    estimate: float
    ci: tuple[float, float]
    confidence: float

    def __repr__(self) -> str:
        lo, hi = self.ci
        return (f"ProportionEstimate(successes={self.successes}, trials={self.trials}, "
                f"estimate={self.estimate:.6g}, ci=({lo:.4f}..., {hi:.4f}...), "
                f"confidence={self.confidence})")

    def contains(self, value: float) -> bool:
        """True when ``value`` lies in the interval (an exact value is consistent)."""
        v = float(value)
        return self.ci[0] <= v <= self.ci[1]

    def consistent_with_lower_bound(self, bound: float) -> bool:
        """True when a claimed lower bound does not exceed the interval's upper end."""
        return float(bound) <= self.ci[1]


def proportion(successes: int, trials: int, *, confidence: float = 0.95) -> ProportionEstimate:
    """Estimate a probability from ``successes`` in ``trials`` runs with an exact interval.

    Parameters
    ----------
    successes, trials : int
        ``0 <= successes <= trials``, ``trials >= 1``.
    confidence : float, default 0.95

    Returns
    -------
    ProportionEstimate

    Raises
    ------
    SpecError
        Counts that are not integers, out of range, or a confidence outside (0, 1).

    See Also
    --------
    chainlab.simulate.simulate : Simulated fates to estimate from.
    chainlab.bounds.check_bound : Intervals used to check a bound.

    Examples
    --------
    >>> proportion(0, 10).ci[0], round(proportion(0, 10).ci[1], 4)
    (0.0, 0.3085)
    """
    successes = integer("successes", successes)
    trials = integer("trials", trials)
    if trials < 1 or not 0 <= successes <= trials:
        raise SpecError(
            f"need 0 <= successes <= trials and trials >= 1, got successes={successes}, "
            f"trials={trials}"
        )
    if not (0 < confidence < 1) or math.isnan(confidence):
        raise SpecError(f"confidence must be in (0, 1), got {confidence!r}")
    ci = binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="exact")
    return ProportionEstimate(successes, trials, successes / trials,
                              (float(ci.low), float(ci.high)), confidence)
