"""Result objects of the parametric analyses: values are :class:`RationalFunction` objects.

Each result keeps the chain it came from, lists the chain's ``structure_changes`` (parameter
values where an edge vanishes, so the generic answer may not apply there), and turns into the
exact result of :mod:`chainlab.exact` at a point with ``substitute`` (claim PAR-1).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ..errors import SpecError
from .functions import RationalFunction

__all__ = [
    "ParametricAbsorptionResult",
    "ParametricHittingResult",
    "ParametricBoundedReachabilityResult",
    "ParametricPolarizationResult",
]


def _value_at(v: Any, point: tuple, kwargs: dict):
    if isinstance(v, RationalFunction):
        return v(*point, **kwargs)
    return v  # inf, None


def _array_at(a: np.ndarray | None, point: tuple, kwargs: dict):
    if a is None:
        return None
    out = np.empty(a.shape, dtype=object)
    flat_in, flat_out = a.ravel(), out.ravel()
    cache: dict[int, Any] = {}
    for k, v in enumerate(flat_in):
        key = id(v)
        if key not in cache:
            cache[key] = _value_at(v, point, kwargs)
        flat_out[k] = cache[key]
    return out


def _short(v: Any) -> str:
    if isinstance(v, np.ndarray):
        items = ", ".join(_short(x) for x in v.ravel()[:2])
        return f"[{items}{', ...' if v.size > 2 else ''}] shape {v.shape}"
    s = str(v)
    return s if len(s) <= 60 else f"{s[:28]}...{s[-28:]}"


class _ParametricResult:
    """Mixin: short repr, the generic-point check, substitution into the exact result."""

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):
            if not f.repr:
                continue
            v = getattr(self, f.name)
            if isinstance(v, tuple) and len(v) > 6:
                parts.append(f"{f.name}=({len(v)} items)")
            elif isinstance(v, (np.ndarray, RationalFunction)):
                parts.append(f"{f.name}={_short(v)}")
            else:
                parts.append(f"{f.name}={v!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def is_generic_at(self, *args: Any, **kwargs: Any) -> bool:
        """True when the chain has its generic graph at the point (every entry ``> 0``), where
        the values are exact (claim PAR-1)."""
        return self.chain.is_generic_at(*args, **kwargs)

    def _check_point(self, args, kwargs, strict: bool) -> None:
        if strict and not self.chain.is_generic_at(*args, **kwargs):
            raise SpecError(
                "the chain's graph changes at this point (an entry vanishes, or the point is "
                f"outside the well-defined region; structure changes: {self.structure_changes}); "
                "substitute the chain itself there (chain.substitute(...)) and use "
                "chainlab.exact, or pass strict=False for the limit of the generic formulas")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ParametricAbsorptionResult(_ParametricResult):
    """Absorption into the closed classes, as rational functions of the parameters.

    Attributes
    ----------
    method : str
        ``"parametric"``.
    parameters : tuple of sympy.Symbol
    states : ndarray of int
        The states the rows of ``B`` and ``t`` refer to.
    closed_classes : tuple of tuple of int
        Closed classes of the generic graph.
    columns : tuple of tuple of int
        Closed-class indices of each column of ``B``.
    B : ndarray of RationalFunction or None, shape (len(states), len(columns))
    t : ndarray of RationalFunction, shape (len(states),)
        Expected number of steps until a closed class is entered.
    initial_B : ndarray of RationalFunction or None
    initial_t : RationalFunction or None
    structure_changes : tuple of sympy.Eq
        Where the chain's graph differs from the generic one (see
        :meth:`ParametricChain.structure_changes`).
    chain : ParametricChain
    variance : ndarray of RationalFunction or None, shape (len(states),)
        Variance of the number of steps from each state (with ``variance=True``).

    See Also
    --------
    chainlab.parametric.absorption : What returns it.
    chainlab.results.AbsorptionResult : The numeric counterpart.

    Examples
    --------
    >>> from chainlab.parametric import absorption, gamblers_ruin
    >>> res = absorption(gamblers_ruin(3, "p"))
    >>> res.initial_B[1], res.structure_changes
    (RationalFunction(p**2/(p**2 - p + 1)), (Eq(p, 0), Eq(p, 1)))
    >>> res.substitute("1/2").initial_B.tolist()
    [Fraction(2, 3), Fraction(1, 3)]
    """

    method: str
    parameters: tuple
    states: np.ndarray
    closed_classes: tuple[tuple[int, ...], ...]
    columns: tuple[tuple[int, ...], ...]
    B: np.ndarray | None
    t: np.ndarray
    initial_B: np.ndarray | None
    initial_t: Any
    structure_changes: tuple
    chain: Any = dataclasses.field(repr=False)
    variance: np.ndarray | None = None

    def substitute(self, *args: Any, strict: bool = True, **kwargs: Any):
        """The exact :class:`chainlab.results.AbsorptionResult` at a rational point.

        With ``strict`` (default) the point must be generic (see :meth:`is_generic_at`).
        """
        from ..results import AbsorptionResult

        self._check_point(args, kwargs, strict)
        return AbsorptionResult(
            method="exact", states=self.states, closed_classes=self.closed_classes,
            columns=self.columns, B=_array_at(self.B, args, kwargs),
            t=_array_at(self.t, args, kwargs), variance=_array_at(self.variance, args, kwargs),
            initial_B=_array_at(self.initial_B, args, kwargs),
            initial_t=None if self.initial_t is None else _value_at(self.initial_t, args,
                                                                     kwargs))


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ParametricHittingResult(_ParametricResult):
    """Hitting a target set, as rational functions (time 0 counts, as in chainlab.exact).

    Attributes
    ----------
    method : str
    parameters : tuple of sympy.Symbol
    target : tuple of int
    states : ndarray of int
        The states the arrays refer to (all states unless ``restrict="initial"``).
    probabilities : ndarray of RationalFunction
    expected_times : ndarray of RationalFunction or float
        ``inf`` where reaching the target is not certain (a property of the generic graph).
    initial_probability, initial_expected_time : RationalFunction, float or None
    structure_changes : tuple of sympy.Eq
    chain : ParametricChain

    See Also
    --------
    chainlab.parametric.hitting : What returns it.
    chainlab.results.HittingResult : The numeric counterpart.

    Examples
    --------
    >>> from chainlab.parametric import gamblers_ruin, hitting
    >>> h = hitting(gamblers_ruin(3, "p"), "win")
    >>> h.initial_probability, h.initial_expected_time
    (RationalFunction(p**2/(p**2 - p + 1)), inf)
    """

    method: str
    parameters: tuple
    target: tuple[int, ...]
    states: np.ndarray
    probabilities: np.ndarray
    expected_times: np.ndarray
    initial_probability: Any
    initial_expected_time: Any
    structure_changes: tuple
    chain: Any = dataclasses.field(repr=False)

    def substitute(self, *args: Any, strict: bool = True, **kwargs: Any):
        """The exact :class:`chainlab.results.HittingResult` at a rational point (results over
        all states only)."""
        from ..results import HittingResult

        if len(self.states) != self.chain.num_states:
            raise SpecError("this result covers only the initial states (restrict='initial'); "
                            "evaluate its initial_* fields at the point instead")
        self._check_point(args, kwargs, strict)
        return HittingResult(
            method="exact", target=self.target,
            probabilities=_array_at(self.probabilities, args, kwargs),
            expected_times=_array_at(self.expected_times, args, kwargs),
            initial_probability=None if self.initial_probability is None else
            _value_at(self.initial_probability, args, kwargs),
            initial_expected_time=None if self.initial_expected_time is None else
            _value_at(self.initial_expected_time, args, kwargs))


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ParametricBoundedReachabilityResult(_ParametricResult):
    """``P(reach target within L steps)`` for ``L = 0, ..., horizon``, as rational functions.

    Attributes
    ----------
    method : str
    parameters : tuple of sympy.Symbol
    target : tuple of int
    horizon : int
    probabilities : ndarray of RationalFunction, shape (horizon + 1, n)
    initial : ndarray of RationalFunction or None, shape (horizon + 1,)
    structure_changes : tuple of sympy.Eq
    chain : ParametricChain

    See Also
    --------
    chainlab.parametric.bounded_reachability : What returns it.
    chainlab.results.BoundedReachabilityResult : The numeric counterpart.

    Examples
    --------
    >>> from chainlab.parametric import bounded_reachability, gamblers_ruin
    >>> r = bounded_reachability(gamblers_ruin(3, "p"), "win", 4)
    >>> r.initial[4]
    RationalFunction(-p**4 + p**3 + p**2)
    """

    method: str
    parameters: tuple
    target: tuple[int, ...]
    horizon: int
    probabilities: np.ndarray
    initial: np.ndarray | None
    structure_changes: tuple
    chain: Any = dataclasses.field(repr=False)

    def substitute(self, *args: Any, strict: bool = True, **kwargs: Any):
        """The exact :class:`chainlab.results.BoundedReachabilityResult` at a rational point."""
        from ..results import BoundedReachabilityResult

        self._check_point(args, kwargs, strict)
        return BoundedReachabilityResult(
            method="exact", target=self.target, horizon=self.horizon,
            probabilities=_array_at(self.probabilities, args, kwargs),
            initial=_array_at(self.initial, args, kwargs))


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ParametricPolarizationResult(_ParametricResult):
    """Polarization and consensus from the initial state, as rational functions.

    Attributes
    ----------
    method : str
    parameters : dict
        Model parameters (the symbolic one by name), tie rule, lumping.
    num_states, num_transitions : int
    closed_classes : tuple of tuple of int
    kinds : tuple of str
        ``"consensus"``, ``"polarized"`` or ``"mixed"`` per closed class (generic graph).
    polarization_probability, consensus_probability, mixed_probability : RationalFunction
    expected_rounds : RationalFunction
    no_return : ndarray of int
        States from which no consensus class is reachable (generic graph).
    structure_changes : tuple of sympy.Eq
    chain : ParametricChain

    See Also
    --------
    chainlab.parametric.polarization : What returns it.
    chainlab.polarization.PolarizationResult : The numeric counterpart.

    Examples
    --------
    >>> import sympy
    >>> from chainlab.parametric import ParametricChain, polarization
    >>> p = sympy.Symbol("p")
    >>> c = ParametricChain([[1, 0, 0], [(1 - p) / 2, p, (1 - p) / 2], [0, 0, 1]], initial=1)
    >>> r = polarization(c, num_silos=[1, 1, 2])
    >>> r.polarization_probability, r.expected_rounds
    (RationalFunction(1/2), RationalFunction(-1/(p - 1)))
    """

    method: str
    parameters: dict
    num_states: int
    num_transitions: int
    closed_classes: tuple[tuple[int, ...], ...]
    kinds: tuple[str, ...]
    polarization_probability: Any
    consensus_probability: Any
    mixed_probability: Any
    expected_rounds: Any
    no_return: np.ndarray
    structure_changes: tuple
    chain: Any = dataclasses.field(repr=False)

    @property
    def num_polarized_classes(self) -> int:
        """Number of polarized closed classes."""
        return self.kinds.count("polarized")
