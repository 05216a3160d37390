r"""Agent models compiled into labelled chains, in one call.

:func:`voter_model`, :func:`majority_rule`, :func:`bounded_confidence` and :func:`gmm_chain`
build the model (:mod:`chainlab.models`), compile it (:func:`chainlab.compiler.compile_model`)
and label the chain: ``"consensus_<op>"`` for the states where every agent holds ``op`` and
``"polarized"`` for the states of polarized closed classes (:func:`chainlab.polarization.class_kinds`).
They live here, on the compile side of the pipeline, so that the models only describe; they are
public as ``chainlab.models.voter_model`` and so on.
"""
from __future__ import annotations

from collections.abc import Hashable, Sequence
from fractions import Fraction
from typing import Any

from ..chain import Chain
from ..models.base import AgentModel
from ..models.gmm import GMMAgents
from ..models.opinion import BoundedConfidence, MajorityRule, VoterModel
from .explore import compile_model

__all__ = ["voter_model", "majority_rule", "bounded_confidence", "gmm_chain"]


def _compile(model: AgentModel, *, max_states: int | None, opinions: Sequence[Hashable] = (),
             polarized_label: bool = False) -> Chain:
    from ..polarization import class_kinds  # analysis sits above compile: a late import
    from ..structure import classify

    cc = compile_model(model, max_states=max_states)
    chain = cc.chain
    extra: dict[str, list] = {}
    for op in opinions:
        extra[f"consensus_{op}"] = [s for s in chain.states
                                    if all(model.agent_id(a) == op for a in s)]
    kinds = class_kinds(cc)

    polarized = [chain.states.label_of(i)
                 for c, k in zip(classify(chain).closed_classes, kinds) if k == "polarized"
                 for i in c]
    if polarized or polarized_label:
        extra["polarized"] = polarized
    return chain.with_labels(extra) if extra else chain


def voter_model(graph: Any, opinions: Any, *, stay: Any = Fraction(1, 2),
                max_states: int | None = None) -> Chain:
    r"""The lazy synchronous voter model on ``graph``, compiled to an exact chain.

    See :class:`VoterModel` for the dynamics. States are tuples of opinions in
    ``graph.nodes`` order (sorted tuples -- multisets -- on a complete graph).

    Parameters
    ----------
    graph : networkx.Graph
    opinions : mapping or sequence
        Initial opinion of every node.
    stay : rational, default 1/2
        Probability of keeping one's opinion in a round.
    max_states : int, optional
        Refuse to compile more states (a binary voter model on ``n`` nodes has up to ``2^n``).

    Returns
    -------
    Chain
        Labels ``"consensus"`` and ``"consensus_<opinion>"`` for every initial opinion.

    See Also
    --------
    chainlab.models.VoterModel : The agent model behind it, to compile yourself.
    chainlab.models.majority_rule : Binary opinions updated by group majorities.
    chainlab.compiler.compile_model : How agent models are compiled.

    Examples
    --------
    On a star, the centre carries as much weight as all leaves together:

    >>> import networkx as nx
    >>> from chainlab import exact
    >>> star = nx.star_graph(3)  # centre 0, leaves 1..3
    >>> c = voter_model(star, [1, 0, 0, 0])
    >>> exact.hitting(c, "consensus_1").initial_probability
    Fraction(1, 2)
    """
    model = VoterModel(graph, opinions, stay=stay)
    ops = sorted(set(model.initial_agents()), key=repr)
    return _compile(model, max_states=max_states, opinions=ops)



def majority_rule(num_agents: int, num_ones: int, *, sample_size: int = 2,
                  max_states: int | None = None) -> Chain:
    r"""Majority rule with random groups (:class:`MajorityRule`), compiled and lumped.

    Returns
    -------
    Chain
        States are sorted opinion tuples; labels ``"consensus"``, ``"consensus_0"``,
        ``"consensus_1"`` (a label selects no state when that consensus is unreachable).

    See Also
    --------
    chainlab.models.MajorityRule : The agent model behind it.
    chainlab.models.voter_model : Opinions copied from a neighbour on a graph.
    chainlab.models.bounded_confidence : Opinions on a grid that only close opinions move.

    Examples
    --------
    >>> from chainlab import exact
    >>> c = majority_rule(5, 3)
    >>> p = exact.hitting(c, "consensus_1").initial_probability
    >>> p > Fraction(3, 5), p + exact.hitting(majority_rule(5, 2), "consensus_1").initial_probability
    (True, Fraction(1, 1))
    """
    model = MajorityRule(num_agents, num_ones, sample_size=sample_size)
    return _compile(model, max_states=max_states, opinions=(0, 1))



def bounded_confidence(opinions: Sequence[int], *, levels: int, confidence: int,
                       stubbornness: Any = Fraction(1, 2),
                       max_states: int | None = None) -> Chain:
    r"""Bounded-confidence opinion dynamics (:class:`BoundedConfidence`), compiled and lumped.

    Returns
    -------
    Chain
        States are sorted opinion tuples; labels ``"consensus"`` and, when some absorbing
        state has several clusters, ``"polarized"``.

    See Also
    --------
    chainlab.models.BoundedConfidence : The agent model behind it.
    chainlab.models.majority_rule : Binary opinions updated by group majorities.
    chainlab.models.gmm_chain : The GMM agents, another model that polarizes.

    Examples
    --------
    Three agents on neighbouring grid points: the middle one may pull both ends in, or join
    one end and leave the other stranded two steps away:

    >>> from chainlab import exact
    >>> c = bounded_confidence([0, 1, 2], levels=3, confidence=1)
    >>> exact.hitting(c, "polarized").initial_probability
    Fraction(9, 20)
    """
    model = BoundedConfidence(opinions, levels=levels, confidence=confidence,
                              stubbornness=stubbornness)
    return _compile(model, max_states=max_states, polarized_label=True)



def gmm_chain(*, max_states: int | None = None, **parameters: Any) -> Chain:
    r"""The discretized GMM agents (:class:`~chainlab.models.gmm.GMMAgents`) as an exact chain.

    Parameters
    ----------
    max_states : int, optional
        Refuse to compile more states.
    **parameters
        Passed to :class:`~chainlab.models.gmm.GMMAgents` (``agents``, ``components``,
        ``memory``, ``neighbours``, ``mirror``, ``ties``, ``initial``).

    Returns
    -------
    Chain
        States are joint count vectors (multisets when ``ties="random"``); labels
        ``"consensus"`` and ``"polarized"`` (states of polarized closed classes).

    See Also
    --------
    chainlab.models.GMMAgents : The model itself, to compile with other options.
    chainlab.polarization.polarization : Polarization and consensus probabilities.
    chainlab.parametric.compile_gmm : The same chain with a symbolic mirroring probability.
    chainlab.bounds.check_bound : Lower bounds on its polarization, checked.

    Examples
    --------
    >>> from chainlab import exact
    >>> c = gmm_chain(agents=4, components=4, memory=2, neighbours=1)
    >>> c.num_states, round(float(exact.hitting(c, "polarized").initial_probability), 4)
    (497, 0.3406)
    """
    return _compile(GMMAgents(**parameters), max_states=max_states, polarized_label=True)
