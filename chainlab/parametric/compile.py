r"""Compile agent models with one symbolic parameter by exact polynomial interpolation.

The agent-model compiler (:func:`chainlab.compiler.compile_model`) works with exact rationals.
For a model whose *agent laws are affine* in a parameter ``p`` -- the GMM agents: law
``= p * (self-interaction law) + (1 - p) * (k-set law)`` -- every entry of the compiled chain is a
sum of products of ``n`` agent-law entries, hence a polynomial in ``p`` of degree ``<= n``
(claim PAR-2). So the parametric chain is obtained without touching the compiler: compile at
``n + 1`` rational points strictly inside ``(0, 1)`` and interpolate each entry. Inside ``(0, 1)``
both parts of every agent law have positive weight, so the reachable states (and their
discovery order) are the same at every sample point; this is checked, and the interpolated chain
is checked once more against an exact compilation at a further point.

Examples
--------
>>> from chainlab.models import GMMAgents
>>> cc = compile_interpolated(
...     lambda x: GMMAgents(agents=4, components=3, memory=2, neighbours=1, mirror=x), "p", 4)
>>> cc
ParametricCompiledChain(19 states, 71 transitions, degree <= 4, lumped=True)
>>> start = cc.chain.states.label_of(0)
>>> cc.chain.probability(start, start)
RationalFunction(p**2/4 + p/2 + 1/4)
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat

from .._validate import integer
from ..compiler import compile_model
from ..errors import SpecError
from ._ring import Ring
from .chain import ParametricChain
from .functions import _symbols

__all__ = ["ParametricCompiledChain", "compile_interpolated"]


@dataclasses.dataclass(frozen=True, eq=False)
class ParametricCompiledChain:
    """A compiled agent model with one symbolic parameter.

    Attributes
    ----------
    chain : ParametricChain
        Entries are polynomials in the parameter; state labels and the ``"consensus"`` label as
        in :class:`chainlab.compiler.CompiledChain`; initial state index 0.
    lumped : bool
    num_silos : ndarray of int
    parameters : dict
        ``model.describe()`` with the symbolic parameter given by name, plus ``lumped``.
    degree : int
        The degree bound used for interpolation.
    sample_points : tuple of Fraction
        Where the model was compiled (the last one only checks the interpolation).
    seconds : float

    Examples
    --------
    >>> from chainlab.parametric import compile_gmm
    >>> cc = compile_gmm(agents=3, components=3, memory=2, neighbours=1)
    >>> cc.degree, [str(x) for x in cc.sample_points]
    (3, ['1/5', '2/5', '3/5', '4/5', '1/11'])
    """

    chain: ParametricChain
    lumped: bool
    num_silos: np.ndarray
    parameters: dict
    degree: int
    sample_points: tuple
    seconds: float

    def __repr__(self) -> str:
        return (f"ParametricCompiledChain({self.chain.num_states} states, "
                f"{self.chain.num_transitions} transitions, degree <= {self.degree}, "
                f"lumped={self.lumped})")


def compile_interpolated(make_model: Callable[[Fraction], Any], parameter: Any, degree: int, *,
                         lumped: bool | None = None,
                         max_states: int | None = None) -> ParametricCompiledChain:
    """Compile ``make_model(x)`` at ``degree + 2`` rationals in ``(0, 1)`` and interpolate.

    Parameters
    ----------
    make_model : callable
        ``make_model(x)`` returns the agent model at parameter value ``x`` (a Fraction).
    parameter : sympy.Symbol or str
        The parameter's symbol (or name).
    degree : int
        An upper bound on the degree of every chain entry in the parameter (``n`` for models
        whose agent laws are affine in it, claim PAR-2).
    lumped, max_states
        As for :func:`chainlab.compiler.compile_model`.

    Returns
    -------
    ParametricCompiledChain

    Raises
    ------
    SpecError
        The reachable states differ between sample points, or the interpolated chain differs
        from the compiled one at the check point (``degree`` is too small).

    See Also
    --------
    chainlab.compiler.compile_model : Compile at one numeric point.
    chainlab.parametric.compile_gmm : The GMM agents with a symbolic mirroring probability.

    Examples
    --------
    See the module docstring.
    """
    degree = integer("degree", degree, low=0)
    (sym,) = _symbols([parameter])
    ring = Ring.get((sym,))
    started = time.perf_counter()
    pts = [Fraction(k, degree + 2) for k in range(1, degree + 2)]
    check = Fraction(1, 2 * degree + 5)
    compiled = []
    for x in pts + [check]:
        compiled.append(compile_model(make_model(x), lumped=lumped, max_states=max_states))
    ref = compiled[0]
    labels = ref.chain.states.labels
    for x, cc in zip(pts[1:] + [check], compiled[1:]):
        if cc.chain.states.labels != labels:
            raise SpecError(
                f"the reachable states at {sym} = {x} differ from those at {sym} = {pts[0]} "
                f"({cc.chain.num_states} vs {ref.chain.num_states}); interpolation needs one state "
                "space for every parameter value in (0, 1)")
    entries: dict[tuple[int, int], list] = {}
    for k, cc in enumerate(compiled[:-1]):
        for i, j, v in cc.chain.transitions():
            entries.setdefault((i, j), [Fraction(0)] * len(pts))[k] = v
    keys = sorted(entries)
    V = fmpq_mat([[fmpq(x.numerator, x.denominator) ** e for e in range(degree + 1)]
                  for x in pts])
    M = fmpq_mat([[fmpq(v.numerator, v.denominator) for v in entries[k]] for k in keys])
    C = M * V.inv().transpose()
    values = []
    for r in range(len(keys)):
        coeffs = [C[r, e] for e in range(degree + 1)]
        den = 1
        for c in coeffs:
            den = den * int(c.q) // math.gcd(den, int(c.q))
        poly = ring.from_terms({(e,): int(c * den) for e, c in enumerate(coeffs) if c != 0})
        values.append(ring.norm(poly, ring.const(den)))
    n = ref.chain.num_states
    indptr = np.zeros(n + 1, dtype=np.int64)
    for i, _ in keys:
        indptr[i + 1] += 1
    np.cumsum(indptr, out=indptr)
    keep = [k for k, v in enumerate(values) if not v[0].is_zero()]
    if len(keep) != len(values):  # an entry vanishing at every sample point is identically 0
        keys = [keys[k] for k in keep]
        values = [values[k] for k in keep]
        indptr = np.zeros(n + 1, dtype=np.int64)
        for i, _ in keys:
            indptr[i + 1] += 1
        np.cumsum(indptr, out=indptr)
    chain = ParametricChain._from_csr(
        ring, ref.chain.states, indptr, np.array([j for _, j in keys], dtype=np.int64), values,
        labels=ref.chain.labels, initial=ref.chain.initial)
    if chain.substitute(check) != compiled[-1].chain:
        raise SpecError(f"the chain interpolated with degree <= {degree} differs from the "
                        f"compiled chain at {sym} = {check}; give a larger degree bound")
    params = dict(ref.parameters)
    for key, val in list(params.items()):
        if isinstance(val, str) and val == str(pts[0]):
            params[key] = sym.name
    return ParametricCompiledChain(
        chain=chain, lumped=ref.lumped, num_silos=ref.num_silos, parameters=params,
        degree=degree, sample_points=tuple(pts + [check]),
        seconds=time.perf_counter() - started)
