"""Result types of :mod:`chainlab.bounds` (private; re-exported there)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Required, TypedDict

from ..stats import ProportionEstimate

VERDICTS = ("consistent", "violated", "inconclusive")


def _frozen_map(d: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(d or {}))


class _Common(TypedDict, total=False):
    """The keyword arguments of :class:`BoundResult` shared by every result of one bound
    (``BoundResult(name, value, **common)``)."""

    claim: Required[str]
    assumptions: Required[str]
    ties: str | None
    parameters: Mapping[str, Any]


def _show_value(v: Any) -> str:
    if isinstance(v, Fraction):
        if v.numerator.bit_length() + v.denominator.bit_length() > 200:
            return f"{float(v):.6g} (exact, {v.numerator.bit_length()}/{v.denominator.bit_length()} bits)"
        s = str(v)
        if len(s) > 40:
            return f"{float(v):.6g} (exact, {len(s)} chars)"
        return f"{s} ~ {float(v):.6g}" if v.denominator != 1 else s
    if v is None:
        return "None"
    return f"{float(v):.6g}"


@dataclasses.dataclass(frozen=True, eq=False)
class BoundResult:
    """A lower bound on a probability (usually the polarization probability).

    Attributes
    ----------
    name : str
        Short name (``"sequence"``, ``"restricted(2)"``, ``"reachability(L=8)"``, ...).
    value : Fraction
        The bound, exact.
    claim : str
        The proof claim (``proofs/README.md``) that makes it a lower bound.
    assumptions : str
        What the bound assumes (it raises :class:`~chainlab.errors.SpecError` outside them).
    ties : str or None
        Tie rule of the GMM instance the bound was computed for (``None`` for a plain chain).
    horizon : int or None
        The bounded event happens within this many rounds (``None``: eventually). A simulation
        that runs every walker at least this long can refute the bound.
    parameters : mapping
        Instance parameters (``GMMAgents.describe()``), if any.
    details : mapping
        How the value was obtained (the plan, the path, the values for smaller horizons, ...).

    See Also
    --------
    chainlab.bounds.check_bound : Check a bound against the exact value and simulation.

    Examples
    --------
    >>> from fractions import Fraction
    >>> b = BoundResult("toy", Fraction(1, 4), claim="BND-2", assumptions="none")
    >>> b
    BoundResult(name='toy', value=1/4 ~ 0.25, claim='BND-2')
    >>> b.details["x"] = 1
    Traceback (most recent call last):
    ...
    TypeError: 'mappingproxy' object does not support item assignment
    """

    name: str
    value: Fraction
    claim: str
    assumptions: str
    ties: str | None = None
    horizon: int | None = None
    # Any mapping is accepted; __post_init__ stores a read-only copy (a MappingProxyType).
    parameters: Mapping[str, Any] = dataclasses.field(default_factory=lambda: _frozen_map({}))
    details: Mapping[str, Any] = dataclasses.field(default_factory=lambda: _frozen_map({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", _frozen_map(self.parameters))
        object.__setattr__(self, "details", _frozen_map(self.details))

    def __repr__(self) -> str:
        ties = f", ties={self.ties!r}" if self.ties is not None else ""
        hz = f", horizon={self.horizon}" if self.horizon is not None else ""
        return (f"BoundResult(name={self.name!r}, value={_show_value(self.value)}, "
                f"claim={self.claim!r}{ties}{hz})")


@dataclasses.dataclass(frozen=True, eq=False)
class CheckResult:
    """A lower bound checked against the exact value and against simulation.

    Attributes
    ----------
    bound : BoundResult
    exact : Fraction or None
        The exact polarization probability, when the chain compiled under the state limit and
        was solved exactly.
    numeric : float or None
        The float64 value when the chain compiled but was too large for exact arithmetic.
    estimate : ProportionEstimate or None
        Monte Carlo estimate (runs that reached two closed silos) with its exact
        Clopper-Pearson interval.
    num_truncated : int
        Simulated runs still undecided at ``max_rounds`` (counted as not polarized, so the
        interval stays valid as a one-sided check of a lower bound).
    margin : float or None
        ``exact - bound`` when the exact (or float) value is known, else ``ci_high - bound``;
        negative means the bound is violated.
    verdict : str
        ``"consistent"``, ``"violated"`` or ``"inconclusive"`` (see :func:`check_bound`).
    reason : str
        One line explaining the verdict.

    See Also
    --------
    chainlab.bounds.check_bound : What returns it.

    Examples
    --------
    Returned by :func:`chainlab.bounds.check_bound`:

    >>> from chainlab.bounds import check_bound, sequence_bound
    >>> from chainlab.models import GMMAgents
    >>> m = GMMAgents(agents=4, components=3, memory=2, neighbours=1)
    >>> chk = check_bound(sequence_bound(m), m, num_samples=0)
    >>> chk.verdict, chk.to_json()["exact"], chk.to_json()["ties"]
    ('consistent', '195969/621241', 'random')
    """

    bound: BoundResult
    exact: Fraction | None
    numeric: float | None
    estimate: ProportionEstimate | None
    num_truncated: int
    margin: float | None
    verdict: str
    reason: str

    def __repr__(self) -> str:
        est = "None" if self.estimate is None else (
            f"{self.estimate.estimate:.4g} [{self.estimate.ci[0]:.4g}, {self.estimate.ci[1]:.4g}]")
        return (f"CheckResult({self.bound.name}: bound={_show_value(self.bound.value)}, "
                f"exact={_show_value(self.exact)}, estimate={est}, verdict={self.verdict!r})")

    def to_json(self) -> dict:
        """The JSON object of ``chainlab bounds --json`` (values as ``"p/q"`` strings)."""
        b = self.bound
        return {
            "bound": b.name,
            "value": str(b.value),
            "value_float": float(b.value),
            "exact": None if self.exact is None else str(self.exact),
            "numeric": self.numeric,
            "estimate": None if self.estimate is None else self.estimate.estimate,
            "ci": None if self.estimate is None else [self.estimate.ci[0], self.estimate.ci[1]],
            "runs": None if self.estimate is None else self.estimate.trials,
            "truncated": self.num_truncated,
            "margin": self.margin,
            "verdict": self.verdict,
            "reason": self.reason,
            "claim": b.claim,
            "ties": b.ties,
            "horizon": b.horizon,
        }
