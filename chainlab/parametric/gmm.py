r"""The discretized GMM agents (docs/model.md) with a symbolic mirroring probability.

Why interpolation: an agent's law is ``p * (self-interaction law) + (1 - p) * (k-set law)``,
affine in ``p``; the compiled chain's entries are sums of products of ``n`` such laws, so each is
a polynomial of degree ``<= n`` in ``p`` (claim PAR-2). :func:`compile_gmm` therefore compiles the
model with the exact rational compiler at ``n + 1`` values of ``p`` strictly inside ``(0, 1)``
(where the reachable states do not depend on ``p``) and interpolates every entry, then checks the
result against a compilation at one more value -- no change to the compiler is needed. At
``p = 0`` and ``p = 1`` entries vanish; the chain's ``structure_changes`` report this.

Examples
--------
>>> from chainlab.parametric import polarization
>>> cc = compile_gmm(agents=4, components=3, memory=2, neighbours=1)
>>> res = polarization(cc)
>>> res.polarization_probability.degree, res.polarization_probability("1/5")
((6, 6), Fraction(6187594, 18931869))

No entry of this chain vanishes at ``p = 0`` (the k-set law already covers what mirroring
does); the entries are probabilities for ``-1 <= p <= 1`` and edges vanish at ``p = -1, 1``:

>>> cc.chain.well_defined_region().set, res.structure_changes
(Interval(-1, 1), (Eq(p, -1), Eq(p, 1)))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy

from .._validate import integer
from ..compiler import CompiledChain, compile_model
from ..models.gmm import GMMAgents
from .compile import ParametricCompiledChain, compile_interpolated

__all__ = ["compile_gmm"]


def compile_gmm(*, agents: int = 4, components: int = 4, memory: int = 2, neighbours: int = 1,
                mirror: object = "p", spacing: object = 1, ties: str = "random",
                initial: Sequence[Any] | None = None, lumped: bool | None = None,
                max_states: int | None = None) -> ParametricCompiledChain | CompiledChain:
    """Compile the GMM agents with a symbolic mirroring probability ``p``.

    Parameters
    ----------
    agents, components, memory, neighbours, spacing, ties, initial
        As for :class:`chainlab.models.GMMAgents`.
    mirror : sympy.Symbol or str, default "p"
        The symbol for the mirroring probability (a number gives the plain
        :class:`~chainlab.compiler.CompiledChain`).
    lumped, max_states
        As for :func:`chainlab.compiler.compile_model`.

    Returns
    -------
    ParametricCompiledChain
        Entries are polynomials of degree ``<= agents`` in ``p``.

    See Also
    --------
    chainlab.parametric.compile_interpolated : Any model with one symbolic parameter.
    chainlab.models.gmm_chain : The chain at one numeric mirroring probability.
    chainlab.parametric.polarization : Its polarization probability as a rational function.

    Examples
    --------
    >>> cc = compile_gmm(agents=3, components=2, memory=2, neighbours=1, mirror="q")
    >>> cc.chain.parameters, cc.parameters["mirror"], cc.degree
    ((q,), 'q', 3)
    >>> compile_gmm(agents=3, components=2, memory=2, neighbours=1, mirror="1/5")
    CompiledChain(3 states, 5 transitions, lumped=True, ...)
    """
    def make(x):
        return GMMAgents(agents=agents, components=components, memory=memory,
                         neighbours=neighbours, mirror=x, spacing=spacing, ties=ties,
                         initial=initial)

    symbolic = isinstance(mirror, sympy.Symbol) or (isinstance(mirror, str)
                                                   and mirror.strip().isidentifier())
    if not symbolic:
        return compile_model(make(mirror), lumped=lumped, max_states=max_states)
    agents = integer("agents", agents, low=2)
    return compile_interpolated(make, mirror.strip() if isinstance(mirror, str) else mirror,
                                agents, lumped=lumped, max_states=max_states)
