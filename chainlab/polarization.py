r"""Polarization read-outs of a compiled agent model (DESIGN.md section 5).

Definitions
-----------
* A *silo* is a group of agents sharing an ID; ``num_silos`` counts them in a state.
* A closed class is *consensus* if every state in it has one silo, *polarized* if every state in
  it has two or more, *mixed* otherwise.
* The *polarization probability* is the probability of absorption into the union of polarized
  closed classes (from the initial state); consensus likewise.
* *No-return* states are those from which no consensus class is reachable -- a graph property,
  computed without arithmetic.

Examples
--------
>>> from chainlab.compiler import compile_model
>>> from chainlab.models import GMMAgents
>>> cc = compile_model(GMMAgents(agents=4, components=4, memory=2, neighbours=1))
>>> res = polarization(cc)
>>> res.polarization_probability  # doctest: +ELLIPSIS
Fraction(...)
>>> round(float(res.polarization_probability), 4), res.kinds.count("polarized")
(0.3406, 6)
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from . import exact as _exact
from . import numeric as _numeric
from .chain import Chain
from .compiler import CompiledChain
from .errors import SpecError
from .results import _Result
from .structure import can_reach, classify

__all__ = ["PolarizationResult", "class_kinds", "polarization"]

KINDS = ("consensus", "polarized", "mixed")


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class PolarizationResult(_Result):
    """Polarization and consensus of a compiled agent model from its initial state.

    Attributes
    ----------
    method : str
        ``"exact"`` or ``"float"``.
    parameters : dict
        Model parameters, including the tie rule and whether the chain was lumped.
    num_states, num_transitions : int
    closed_classes : tuple of tuple of int
    kinds : tuple of str
        ``"consensus"``, ``"polarized"`` or ``"mixed"`` per closed class.
    polarization_probability, consensus_probability, mixed_probability : Fraction or float
    expected_rounds : Fraction or float
        Expected number of rounds until a closed class is entered.
    no_return : ndarray of int
        States from which no consensus class is reachable.
    error_bound : float
        Certified relative error bound of the probabilities and expected rounds (0 exact).

    See Also
    --------
    chainlab.polarization.polarization : What returns it.
    chainlab.parametric.ParametricPolarizationResult : As rational functions.
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
    error_bound: float = 0.0

    @property
    def num_polarized_classes(self) -> int:
        """Number of polarized closed classes."""
        return self.kinds.count("polarized")


def _silos(model: CompiledChain | Chain, num_silos: Any) -> tuple[Chain, np.ndarray, dict]:
    if isinstance(model, CompiledChain):
        return model.chain, model.num_silos, dict(model.parameters)
    if isinstance(model, Chain):
        if num_silos is None:
            raise SpecError("num_silos is required with a plain Chain: one silo count per state")
        arr = np.asarray(num_silos, dtype=np.int64)
        if arr.shape != (model.num_states,) or (arr < 1).any():
            raise SpecError(
                f"num_silos must hold one positive count per state ({model.num_states}), got "
                f"shape {arr.shape}"
            )
        return model, arr, {}
    raise SpecError(f"expected a CompiledChain or Chain, got {type(model).__name__}")


def class_kinds(model: CompiledChain | Chain, *, num_silos: Any = None) -> tuple[str, ...]:
    """Kind of every closed class: consensus, polarized or mixed.

    See Also
    --------
    chainlab.polarization.polarization : The probability of each kind from the initial state.
    chainlab.structure.classify : The closed classes.

    Examples
    --------
    >>> from chainlab import Chain
    >>> class_kinds(Chain([[1, 0], [0, 1]]), num_silos=[1, 2])
    ('consensus', 'polarized')
    """
    chain, silos, _ = _silos(model, num_silos)
    kinds = []
    for c in classify(chain).closed_classes:
        s = silos[list(c)]
        kinds.append("consensus" if (s == 1).all() else "polarized" if (s >= 2).all() else "mixed")
    return tuple(kinds)


def polarization(model: CompiledChain | Chain, *, num_silos: Any = None,
                 method: str = "exact") -> PolarizationResult:
    """Polarization / consensus probabilities and expected rounds from the initial state.

    Parameters
    ----------
    model : CompiledChain or Chain
        A compiled agent model, or a chain with an initial distribution plus ``num_silos``.
    num_silos : array of int, optional
        Silo count per state (only with a plain Chain).
    method : {"exact", "float"}

    Returns
    -------
    PolarizationResult

    See Also
    --------
    chainlab.polarization.class_kinds : The kind of every closed class.
    chainlab.parametric.polarization : The same as rational functions of the mirroring probability.
    chainlab.bounds.check_bound : Lower bounds on the polarization probability, checked.
    chainlab.compiler.compile_model : Compile the agent model first.

    Notes
    -----
    Only the initial state's values are solved for (``restrict="initial"``), with three
    right-hand sides (polarized, mixed, expected rounds; consensus is derived), whatever the
    number of classes.

    Examples
    --------
    >>> from chainlab import Chain
    >>> c = Chain([[1, 0, 0], ["1/4", "1/4", "1/2"], [0, 0, 1]], initial=1)
    >>> r = polarization(c, num_silos=[1, 2, 2])
    >>> r.polarization_probability, r.consensus_probability, r.expected_rounds
    (Fraction(2, 3), Fraction(1, 3), Fraction(4, 3))
    """
    if method not in ("exact", "float"):
        raise SpecError(f"method must be 'exact' or 'float', got {method!r}")
    chain, silos, params = _silos(model, num_silos)
    if chain.initial is None:
        raise SpecError("the chain has no initial distribution; build it with initial=...")
    backend = _exact if method == "exact" else _numeric
    st = classify(chain)
    kinds = class_kinds(chain, num_silos=silos)
    groups = [tuple(c for c, k in enumerate(kinds) if k == kind) for kind in KINDS]
    present = [g for g in groups if g]
    res = backend.absorption(chain, targets=present, variance=False, restrict="initial")
    values = {}
    for kind, g in zip(KINDS, groups):
        values[kind] = res.initial_B[present.index(g)] if g else (0 if method == "exact" else 0.0)
    if method == "exact":
        from fractions import Fraction

        values = {k: Fraction(v) for k, v in values.items()}
    consensus_states = [s for c, k in zip(st.closed_classes, kinds) if k == "consensus" for s in c]
    reach = can_reach(chain, np.asarray(consensus_states, dtype=np.int64)) if consensus_states \
        else np.zeros(chain.num_states, dtype=bool)
    return PolarizationResult(
        method=method,
        parameters=params,
        num_states=chain.num_states,
        num_transitions=chain.num_transitions,
        closed_classes=st.closed_classes,
        kinds=kinds,
        polarization_probability=values["polarized"],
        consensus_probability=values["consensus"],
        mixed_probability=values["mixed"],
        expected_rounds=res.initial_t,
        no_return=np.flatnonzero(~reach),
        error_bound=res.error_bound,
    )
