r"""Opinion-dynamics agent models: what each agent does in a round, nothing more.

:class:`VoterModel` (lazy synchronous voter model on a graph), :class:`MajorityRule` (adopt the
majority of a random sample) and :class:`BoundedConfidence` (move towards opinions within a
confidence bound). They describe agents; :func:`chainlab.compiler.compile_model` compiles them
into chains, and :func:`chainlab.models.voter_model`, :func:`~chainlab.models.majority_rule`
and :func:`~chainlab.models.bounded_confidence` do both and label the chain's consensus and
polarized states.

Closed form (checked in ``tests/test_models_classic.py``): for the lazy synchronous voter model
on a connected undirected graph, consensus on opinion ``a`` has probability
``sum_{v: x_v = a} deg(v) / sum_v deg(v)`` (the degree-weighted sum is a martingale).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from ..errors import SpecError
from .base import AgentModel
from .classic import _int, _probability

__all__ = ["VoterModel", "MajorityRule", "BoundedConfidence"]


class VoterModel(AgentModel):
    r"""Lazy synchronous voter model on a graph (one agent per node).

    Every round, every node independently keeps its opinion with probability ``stay`` and
    otherwise copies the opinion of a uniformly random neighbour (from the previous round).

    Parameters
    ----------
    graph : networkx.Graph
        Nodes are agents (in ``graph.nodes`` order); every node needs a neighbour.
    opinions : mapping node -> opinion, or sequence in node order
        Initial opinions (any hashable values).
    stay : rational, default 1/2
        Probability of keeping one's opinion in a round, ``0 <= stay < 1``. With ``stay = 0``
        a bipartite graph can oscillate forever between two non-consensus states.

    Notes
    -----
    The model is exchangeable (lumpable) only on a complete graph. On a connected undirected
    graph with ``stay > 0`` the only closed classes are the consensus states, and
    ``sum_v deg(v) [x_v = a] / sum_v deg(v)`` is a martingale, so it is the probability of
    consensus on ``a``.

    Examples
    --------
    >>> import networkx as nx
    >>> m = VoterModel(nx.path_graph(3), [1, 0, 0])
    >>> {k: str(v) for k, v in m.agent_distribution((1, 0, 0), 1).items()}
    {0: '3/4', 1: '1/4'}
    """

    def __init__(self, graph: Any, opinions: Any, *, stay: Any = Fraction(1, 2)) -> None:
        import networkx as nx

        if not isinstance(graph, nx.Graph):
            raise SpecError(f"graph must be a networkx graph, got {type(graph).__name__}")
        if graph.is_multigraph():
            raise SpecError("graph is a multigraph; pass a simple nx.Graph")
        self.nodes = list(graph.nodes)
        if len(self.nodes) < 1:
            raise SpecError("graph has no nodes; give at least one agent")
        self.num_agents = len(self.nodes)
        pos = {v: i for i, v in enumerate(self.nodes)}
        self.neighbours = []
        for v in self.nodes:
            nbrs = [pos[u] for u in graph.neighbors(v)]
            if not nbrs:
                raise SpecError(
                    f"node {v!r} has no neighbour to copy; remove it or connect it to the graph"
                )
            self.neighbours.append(tuple(nbrs))
        if isinstance(opinions, Mapping):
            missing = [v for v in self.nodes if v not in opinions]
            if missing:
                raise SpecError(f"opinions has no entry for node(s) {missing[:5]!r}")
            init = tuple(opinions[v] for v in self.nodes)
        else:
            init = tuple(opinions)
            if len(init) != self.num_agents:
                raise SpecError(
                    f"opinions has {len(init)} entries but the graph has {self.num_agents} "
                    "nodes; give one opinion per node (in graph.nodes order) or a mapping"
                )
        self._initial = init
        self.stay = _probability("stay", stay, high_open=True)
        n = self.num_agents
        complete = (not graph.is_directed() and nx.number_of_selfloops(graph) == 0
                    and all(len(nb) == n - 1 for nb in self.neighbours))
        self.exchangeable = bool(complete)
        self.graph = graph

    def initial_agents(self) -> tuple:
        """Initial opinions in node order."""
        return self._initial

    def agent_distribution(self, agents: tuple, i: int) -> dict:
        """Keep w.p. ``stay``, else copy a uniformly random neighbour."""
        nbrs = self.neighbours[i]
        share = (1 - self.stay) / len(nbrs)
        law: dict = {}
        if self.stay:
            law[agents[i]] = self.stay
        for j in nbrs:
            law[agents[j]] = law.get(agents[j], 0) + share
        return law

    def describe(self) -> dict:
        """Parameters for reports."""
        return {"model": "voter", "num_agents": self.num_agents, "stay": str(self.stay),
                "num_edges": self.graph.number_of_edges()}



class MajorityRule(AgentModel):
    r"""Majority rule with random groups: binary opinions, synchronous updates.

    Every round each agent draws ``sample_size`` *other* agents uniformly without replacement
    and adopts the majority opinion of the group formed by itself and the sample; on a tie
    (an even group) it keeps its own opinion. Exchangeable, so it compiles to multisets
    (the state is the number of agents holding opinion 1).

    Parameters
    ----------
    num_agents : int
        ``n >= 2``.
    num_ones : int
        Agents starting with opinion 1 (the others hold 0).
    sample_size : int, default 2
        Others consulted per round, ``1 <= sample_size <= n - 1``. With 1 nobody ever changes
        their mind (a pair agrees or ties); odd sizes (even groups) make ties possible.

    Examples
    --------
    >>> m = MajorityRule(4, 2)
    >>> {k: str(v) for k, v in sorted(m.agent_distribution((0, 0, 1, 1), 2).items())}
    {0: '1/3', 1: '2/3'}
    """

    exchangeable = True

    def __init__(self, num_agents: int, num_ones: int, *, sample_size: int = 2) -> None:
        self.num_agents = _int("num_agents", num_agents, 2, "a group needs at least 2 agents")
        self.num_ones = _int("num_ones", num_ones, 0, "count the agents holding opinion 1",
                             high=self.num_agents)
        self.sample_size = _int("sample_size", sample_size, 1,
                                "each agent consults 1..num_agents-1 others",
                                high=self.num_agents - 1)

    def initial_agents(self) -> tuple:
        """``num_ones`` ones, then zeros."""
        return (1,) * self.num_ones + (0,) * (self.num_agents - self.num_ones)

    def agent_distribution(self, agents: tuple, i: int) -> dict:
        """Hypergeometric sample of the others, then the group majority."""
        own = agents[i]
        ones = sum(1 for j, a in enumerate(agents) if j != i and a == 1)
        zeros = self.num_agents - 1 - ones
        m = self.sample_size
        g = m + 1
        total = math.comb(ones + zeros, m)
        law: dict = {}
        for j in range(max(0, m - zeros), min(m, ones) + 1):
            w = Fraction(math.comb(ones, j) * math.comb(zeros, m - j), total)
            group_ones = j + (own == 1)
            new = 1 if 2 * group_ones > g else 0 if 2 * group_ones < g else own
            law[new] = law.get(new, 0) + w
        return law

    def law_keys(self, agents: tuple) -> list:
        """The law depends on the own opinion and the number of ones only."""
        ones = sum(1 for a in agents if a == 1)
        return [(a, ones) for a in agents]

    def describe(self) -> dict:
        """Parameters for reports."""
        return {"model": "majority_rule", "num_agents": self.num_agents,
                "num_ones": self.num_ones, "sample_size": self.sample_size}



class BoundedConfidence(AgentModel):
    r"""Bounded-confidence opinions on a grid (a discretized Deffuant model), synchronous.

    Opinions are grid points ``0..levels-1``. Every round each agent picks a uniformly random
    other agent; if their opinions differ by at most ``confidence`` (and are not equal) it moves
    one grid step towards the other's opinion with probability ``1 - stubbornness``; otherwise
    it stays. Agents whose opinions are farther apart than ``confidence`` ignore each other, so
    the population can freeze into several clusters (a polarized absorbing state).

    Parameters
    ----------
    opinions : sequence of int
        Initial grid opinion of each agent (``n >= 2`` agents).
    levels : int
        Number of grid points.
    confidence : int
        Largest opinion distance at which agents still listen, ``>= 1``.
    stubbornness : rational, default 1/2
        Probability of not moving even when listening, ``0 < stubbornness < 1`` (0 would let
        two neighbours swap opinions forever).

    Examples
    --------
    >>> m = BoundedConfidence([0, 1, 3], levels=4, confidence=1)
    >>> {k: str(v) for k, v in sorted(m.agent_distribution((0, 1, 3), 0).items())}
    {0: '3/4', 1: '1/4'}
    """

    exchangeable = True

    def __init__(self, opinions: Sequence[int], *, levels: int, confidence: int,
                 stubbornness: Any = Fraction(1, 2)) -> None:
        self.levels = _int("levels", levels, 1, "give the number of grid points")
        self.confidence = _int("confidence", confidence, 1, "agents listen within this distance")
        init = tuple(opinions)
        if len(init) < 2:
            raise SpecError(f"opinions has {len(init)} agent(s); give at least 2")
        for i, x in enumerate(init):
            _int(f"opinions[{i}]", x, 0, f"opinions are grid points 0..{self.levels - 1}",
                 high=self.levels - 1)
        self._initial = init
        self.num_agents = len(init)
        self.stubbornness = _probability("stubbornness", stubbornness, low_open=True,
                                         high_open=True)

    def initial_agents(self) -> tuple:
        """Initial opinions."""
        return self._initial

    def agent_distribution(self, agents: tuple, i: int) -> dict:
        """Pick a uniform other agent; step towards it if within ``confidence``."""
        x = agents[i]
        share = Fraction(1, self.num_agents - 1)
        move = (1 - self.stubbornness) * share
        law: dict = {x: Fraction(0)}
        for j, y in enumerate(agents):
            if j == i:
                continue
            if y != x and abs(y - x) <= self.confidence:
                step = x + (1 if y > x else -1)
                law[step] = law.get(step, 0) + move
                law[x] += share - move
            else:
                law[x] += share
        return law

    def describe(self) -> dict:
        """Parameters for reports."""
        return {"model": "bounded_confidence", "num_agents": self.num_agents,
                "levels": self.levels, "confidence": self.confidence,
                "stubbornness": str(self.stubbornness)}
