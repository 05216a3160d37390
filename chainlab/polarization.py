r"""Polarization read-outs of a compiled agent model (docs/model.md, "Polarization").

Definitions
-----------
* A *silo* is a group of agents sharing an ID; ``num_silos`` counts them in a state.
* A closed class is *consensus* if every state in it has one silo, *polarized* if every state in
  it has two or more, *mixed* otherwise.
* The *polarization probability* is the probability of absorption into the union of polarized
  closed classes (from the initial state); consensus likewise.
* *No-return* states are those from which no consensus class is reachable -- a graph property,
  computed without arithmetic.
* The event the chain and the simulations share: a configuration is *split* when it has two
  *closed silos* -- two labels each held purely (all ``r`` memory points) by at least ``k + 1``
  agents. Closed silos never lose a member and never merge (POL-1), and for ``r >= 2`` and
  ``p < 1`` the chain polarizes exactly when it reaches a split state (SIL-1 in
  proofs/polarization.md). :func:`polarized_runs` decides it for simulated runs (the continuous
  model, ``chainlab simulate-gmm``); :func:`state_labels` marks it on exported chains (label
  ``split``); both call the one implementation, :func:`chainlab.bounds.split_from_labels` /
  :func:`chainlab.bounds.is_split`.

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

__all__ = ["PolarizationResult", "class_kinds", "polarization", "polarized_runs", "state_labels"]

# one line, printed by `chainlab gmm` and `chainlab simulate-gmm` (docs/model.md, "Polarization")
DEFINITION = ("polarization = ending in two closed silos: two labels, each held by at least "
              "k + 1 agents whose whole memory is that label (such groups never merge)")

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


def _silo_counts(num_silos: Any, num_states: int, kind: str = "Chain") -> np.ndarray:
    """``num_silos`` checked: one positive count per state (the one gate, exact and parametric)."""
    if num_silos is None:
        raise SpecError(f"num_silos is required with a plain {kind}: one silo count per state")
    arr = np.asarray(num_silos, dtype=np.int64)
    if arr.shape != (num_states,) or (arr < 1).any():
        raise SpecError(
            f"num_silos must hold one positive count per state ({num_states}), got shape "
            f"{arr.shape}"
        )
    return arr


def _silos(model: CompiledChain | Chain, num_silos: Any) -> tuple[Chain, np.ndarray, dict]:
    if isinstance(model, CompiledChain):
        return model.chain, model.num_silos, dict(model.parameters)
    if isinstance(model, Chain):
        return model, _silo_counts(num_silos, model.num_states), {}
    raise SpecError(f"expected a CompiledChain or Chain, got {type(model).__name__}")


@dataclasses.dataclass(frozen=True)
class _Plan:
    """What a polarization analysis solves, from the graph alone (shared by the exact, float
    and parametric analyses): the closed classes, their kinds, the absorption columns (one per
    kind present) and the states from which consensus is out of reach."""

    structure: Any
    kinds: tuple[str, ...]
    groups: list[tuple[int, ...]]
    present: list[tuple[int, ...]]
    no_return: np.ndarray

    def values(self, initial_B: Any, zero: Any) -> dict[str, Any]:
        """``{kind: probability}`` from the ``initial_B`` of the absorption into ``present``."""
        return {kind: initial_B[self.present.index(g)] if g else zero
                for kind, g in zip(KINDS, self.groups)}


def _plan(graph: Chain, silos: np.ndarray) -> _Plan:
    """The polarization plan of a chain (or a parametric chain's skeleton) and its silo counts."""
    st = classify(graph)
    kinds = class_kinds(graph, num_silos=silos)
    groups = [tuple(c for c, k in enumerate(kinds) if k == kind) for kind in KINDS]
    consensus_states = [s for c, k in zip(st.closed_classes, kinds) if k == "consensus"
                        for s in c]
    reach = can_reach(graph, np.asarray(consensus_states, dtype=np.int64)) if consensus_states \
        else np.zeros(graph.num_states, dtype=bool)
    return _Plan(st, kinds, groups, [g for g in groups if g], np.flatnonzero(~reach))


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
    plan = _plan(chain, silos)
    res = backend.absorption(chain, targets=plan.present, variance=False, restrict="initial")
    values = plan.values(res.initial_B, 0 if method == "exact" else 0.0)
    if method == "exact":
        from fractions import Fraction

        values = {k: Fraction(v) for k, v in values.items()}
    return PolarizationResult(
        method=method,
        parameters=params,
        num_states=chain.num_states,
        num_transitions=chain.num_transitions,
        closed_classes=plan.structure.closed_classes,
        kinds=plan.kinds,
        polarization_probability=values["polarized"],
        consensus_probability=values["consensus"],
        mixed_probability=values["mixed"],
        expected_rounds=res.initial_t,
        no_return=plan.no_return,
        error_bound=res.error_bound,
    )


def state_labels(model: CompiledChain, result: PolarizationResult | None = None
                 ) -> dict[str, list[int]]:
    """State sets (by index) that mean what the polarization report means.

    * ``consensus``, ``polarized`` (and ``mixed`` when there is such a class): the states of the
      closed classes of that kind -- so the probability of reaching ``consensus`` is
      ``P(consensus)`` of :func:`polarization`, not the probability of passing through a
      one-silo state;
    * ``one_silo``: every state with a single silo (transient ones included; the compiler's own
      ``consensus`` label);
    * ``split`` (GMM models): the states with two closed silos (:func:`chainlab.bounds.is_split`),
      reached exactly when the chain polarizes if ``r >= 2`` and ``p < 1``.

    Parameters
    ----------
    model : CompiledChain
    result : PolarizationResult, optional
        From :func:`polarization` of the same model (its closed classes are reused).

    Examples
    --------
    >>> from chainlab.compiler import compile_model
    >>> from chainlab.models import GMMAgents
    >>> cc = compile_model(GMMAgents(agents=5, components=4, memory=2, neighbours=1))
    >>> labels = state_labels(cc)
    >>> {name: len(states) for name, states in labels.items()}
    {'consensus': 1, 'polarized': 6, 'one_silo': 9, 'split': 27}
    """
    if not isinstance(model, CompiledChain):
        raise SpecError(f"model must be a CompiledChain (chainlab.compiler.compile_model), got "
                        f"{type(model).__name__}")
    if result is None:
        st = classify(model.chain)
        classes, kinds = st.closed_classes, class_kinds(model)
    elif isinstance(result, PolarizationResult) and result.num_states == model.chain.num_states:
        classes, kinds = result.closed_classes, result.kinds
    else:
        raise SpecError("result must be the PolarizationResult of polarization(model) for this "
                        "model; leave it out to classify the chain again")
    out: dict[str, list[int]] = {}
    for kind in KINDS:
        if kind != "mixed" or kind in kinds:
            out[kind] = sorted(s for c, k in zip(classes, kinds) if k == kind for s in c)
    out["one_silo"] = np.flatnonzero(np.asarray(model.num_silos) == 1).tolist()
    k = model.parameters.get("neighbours")
    if model.parameters.get("model") == "gmm" and k is not None:
        from .models.silos import is_split

        labels = model.chain.states.labels
        out["split"] = [i for i, s in enumerate(labels) if is_split(s, neighbours=k)]
    return out


def polarized_runs(memory_labels: Any, *, neighbours: int, components: int | None = None
                   ) -> np.ndarray:
    """Which simulated runs end polarized: two closed silos in their final memories.

    The same event as the chain's ``P(polarization)`` (module docstring): a label is a closed
    silo when at least ``neighbours + 1`` agents hold only points of that label.

    Parameters
    ----------
    memory_labels : (runs, agents, memory) array of int
        The component (label) of every memory point of every agent, e.g.
        ``ContinuousRunResult.final_memory_components``.
    neighbours : int
        The k-set size ``k``.
    components : int, optional
        ``K`` (default: the largest label + 1).

    Returns
    -------
    (runs,) ndarray of bool

    Examples
    --------
    >>> import numpy as np
    >>> runs = np.array([[[0, 0], [0, 0], [1, 1], [1, 1]], [[0, 0], [0, 1], [1, 1], [1, 1]]])
    >>> polarized_runs(runs, neighbours=1).tolist()
    [True, False]
    """
    from .models.silos import split_from_labels

    return split_from_labels(memory_labels, neighbours=neighbours, components=components)
