"""Result objects of the parametric analyses: values are :class:`RationalFunction` objects.

Each parametric result *is* its numeric counterpart (a subclass of
:class:`chainlab.results.AbsorptionResult`, ... with the same fields and methods, written
once) whose values are rational functions, ``method == "parametric"`` and ``error_bound == 0``;
it adds the chain it came from, the ``parameters`` and the chain's ``structure_changes``
(parameter values where an edge vanishes, so the generic answer may not apply there), and turns
into the exact result at a point with ``substitute`` (claim PAR-1).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..errors import SpecError
from ..polarization import PolarizationResult
from ..results import AbsorptionResult, BoundedReachabilityResult, HittingResult
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

    _numeric: ClassVar[type]  # the numeric result type this one extends
    if TYPE_CHECKING:  # (fields of every subclass, a dataclass)
        __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]
        chain: Any
        structure_changes: tuple

    def to_float(self):
        """Not defined without a point: ``substitute(...)`` first, then ``to_float()``."""
        raise SpecError(f"{type(self).__name__} holds rational functions, not numbers; "
                        "evaluate it at a point first: result.substitute(...).to_float()")

    def substitute(self, *args: Any, strict: bool = True, **kwargs: Any) -> Any:
        """The exact numeric result (the ``chainlab.results`` / ``chainlab.polarization`` type
        this one extends) at a rational point.

        With ``strict`` (default) the point must be generic (see :meth:`is_generic_at`):
        there the values are exact (claim PAR-1).
        """
        self._check_point(args, kwargs, strict)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(self._numeric):
            if f.name in ("method", "error_bound"):
                continue
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray):
                values[f.name] = _array_at(v, args, kwargs) if v.dtype == object else v
            else:
                values[f.name] = _value_at(v, args, kwargs)
        return self._numeric(method="exact", error_bound=0.0, **values)

    def _check_point(self, args, kwargs, strict: bool) -> None:
        if strict and not self.chain.is_generic_at(*args, **kwargs):
            raise SpecError(
                "the chain's graph changes at this point (an entry vanishes, or the point is "
                f"outside the well-defined region; structure changes: {self.structure_changes}); "
                "substitute the chain itself there (chain.substitute(...)) and use "
                "chainlab.exact, or pass strict=False for the limit of the generic formulas")


@dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class ParametricAbsorptionResult(_ParametricResult, AbsorptionResult):
    """Absorption into the closed classes, as rational functions of the parameters.

    The fields of the numeric counterpart (see below), with rational functions for numbers,
    ``method == "parametric"`` and ``error_bound == 0``, plus ``parameters``,
    ``structure_changes`` and ``chain``.

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

    _numeric = AbsorptionResult
    parameters: tuple
    structure_changes: tuple
    chain: Any = dataclasses.field(repr=False)



@dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class ParametricHittingResult(_ParametricResult, HittingResult):
    """Hitting a target set, as rational functions (time 0 counts, as in chainlab.exact).

    The fields of the numeric counterpart (see below), with rational functions for numbers,
    ``method == "parametric"`` and ``error_bound == 0``, plus ``parameters``,
    ``structure_changes`` and ``chain``.

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

    _numeric = HittingResult
    parameters: tuple
    structure_changes: tuple
    chain: Any = dataclasses.field(repr=False)



@dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class ParametricBoundedReachabilityResult(_ParametricResult, BoundedReachabilityResult):
    """``P(reach target within L steps)`` for ``L = 0, ..., horizon``, as rational functions.

    The fields of the numeric counterpart (see below), with rational functions for numbers,
    ``method == "parametric"`` and ``error_bound == 0``, plus ``parameters``,
    ``structure_changes`` and ``chain``.

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

    _numeric = BoundedReachabilityResult
    parameters: tuple
    structure_changes: tuple
    chain: Any = dataclasses.field(repr=False)



@dataclasses.dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class ParametricPolarizationResult(_ParametricResult, PolarizationResult):
    """Polarization and consensus from the initial state, as rational functions.

    The fields of the numeric counterpart (see below), with rational functions for numbers,
    ``method == "parametric"`` and ``error_bound == 0``, plus ``parameters``,
    ``structure_changes`` and ``chain``.

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

    _numeric = PolarizationResult
    structure_changes: tuple
    chain: Any = dataclasses.field(repr=False)
