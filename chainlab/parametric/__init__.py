r"""Parametric Markov chains: entries, and answers, as exact rational functions of parameters.

Build a :class:`ParametricChain` from SymPy expressions (or strings), analyse it with
:func:`absorption`, :func:`hitting`, :func:`bounded_reachability` or :func:`polarization` -- the
names of :mod:`chainlab.exact` -- and get :class:`RationalFunction` values to evaluate, differentiate,
plot, or search for thresholds and monotonicity, exactly. ``chain.substitute(p=...)`` gives the
plain exact chain at a point, and every result equals the substituted chain's exact result at every
point where the chain keeps its generic graph (claim PAR-1); where an edge vanishes the results
say so (``structure_changes``).

Examples
--------
>>> import sympy
>>> from fractions import Fraction
>>> from chainlab import exact
>>> from chainlab.parametric import absorption, gamblers_ruin
>>> c = gamblers_ruin(4, "p", start=2)
>>> win = absorption(c).initial_B[1]
>>> win
RationalFunction(p**2/(2*p**2 - 2*p + 1))
>>> win(Fraction(1, 3)) == exact.absorption(c.substitute(p=Fraction(1, 3))).initial_B[1]
True
>>> win.threshold_crossings("1/2"), win.monotonicity((0, 1))
((Crossing(lower=Fraction(1, 2), upper=Fraction(1, 2), direction='up', multiplicity=1),), 'increasing')
"""

from .analysis import absorption, bounded_reachability, hitting, polarization
from .chain import ParametricChain, Region
from .compile import ParametricCompiledChain, compile_interpolated
from .functions import Crossing, RationalFunction
from .gmm import compile_gmm
from .models import gamblers_ruin, grid_walk, moran
from .results import (
    ParametricAbsorptionResult,
    ParametricBoundedReachabilityResult,
    ParametricHittingResult,
    ParametricPolarizationResult,
)

__all__ = [
    "ParametricChain",
    "Region",
    "RationalFunction",
    "Crossing",
    "absorption",
    "hitting",
    "bounded_reachability",
    "polarization",
    "ParametricAbsorptionResult",
    "ParametricHittingResult",
    "ParametricBoundedReachabilityResult",
    "ParametricPolarizationResult",
    "ParametricCompiledChain",
    "compile_interpolated",
    "compile_gmm",
    "gamblers_ruin",
    "moran",
    "grid_walk",
]
