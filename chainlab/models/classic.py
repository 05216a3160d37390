r"""Classic teaching chains, each built as an exact :class:`~chainlab.chain.Chain`.

Every builder validates its arguments once (a :class:`~chainlab.errors.SpecError` names the
argument, the value and the fix; a float where an exact value is needed raises
:class:`~chainlab.errors.ExactnessError`) and returns an exact chain with an initial state and
named state sets (``labels``) for the events worth asking about.

==========================  ===========================  ======================================
builder                     states                       labels
==========================  ===========================  ======================================
:func:`gamblers_ruin`       coins ``0..N``               ``"ruin"`` (0), ``"win"`` (N)
:func:`moran`               mutants ``0..N``             ``"lost"`` (0), ``"fixed"`` (N)
:func:`wright_fisher`       copies of allele A ``0..N``  ``"lost"`` (0), ``"fixed"`` (N)
:func:`ehrenfest`           balls in urn A ``0..N``      ``"empty"`` (0), ``"full"`` (N)
:func:`voter_model`         opinions per node            ``"consensus"``, ``"consensus_<op>"``
:func:`majority_rule`       opinions (multisets)         ``"consensus"``, ``"consensus_<op>"``
:func:`bounded_confidence`  positions (multisets)        ``"consensus"``, ``"polarized"``
:func:`gmm_chain`           count vectors (multisets)    ``"consensus"``, ``"polarized"``
==========================  ===========================  ======================================

Closed forms (checked in ``tests/test_models_classic.py``)
----------------------------------------------------------
* Gambler's ruin, win probability ``p``, ``q = 1 - p``, ``rho = q / p``: from ``i`` coins
  P(ruin) = ``(rho^i - rho^N) / (1 - rho^N)`` (``1 - i/N`` when ``p = 1/2``); expected
  duration ``i / (q - p) - N / (q - p) * (1 - rho^i) / (1 - rho^N)`` (``i (N - i)`` when fair).
* Moran process (one birth-death event per step, mutant fitness ``r``): fixation from ``i``
  mutants ``(1 - r^-i) / (1 - r^-N)`` (``i / N`` when ``r = 1``).
* Wright-Fisher, neutral (``s = 0``): fixation from ``i`` copies is ``i / N``.
* Ehrenfest urn: stationary law Binomial(N, 1/2), period 2.
* Voter model (lazy synchronous) on a connected undirected graph: consensus on opinion ``a``
  has probability ``sum_{v: x_v = a} deg(v) / sum_v deg(v)`` (the degree-weighted sum is a
  martingale).

Symbolic parameters
-------------------
A SymPy symbol as ``p`` (gambler's ruin) or ``r`` (Moran) is handed to
``chainlab.parametric.models`` when that subpackage is installed; otherwise a
:class:`~chainlab.errors.SpecError` says so.

Examples
--------
>>> from chainlab import exact
>>> c = gamblers_ruin(3, "1/2", start=1)
>>> exact.hitting(c, "win").initial_probability
Fraction(1, 3)
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Hashable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from .._validate import integer
from .._values import fmpq_to_fraction, to_fmpq
from ..chain import Chain
from ..errors import SpecError
from .base import AgentModel
from .gmm import GMMAgents

__all__ = [
    "gamblers_ruin",
    "moran",
    "wright_fisher",
    "ehrenfest",
    "voter_model",
    "VoterModel",
    "majority_rule",
    "MajorityRule",
    "bounded_confidence",
    "BoundedConfidence",
    "gmm_chain",
]


# ---------------------------------------------------------------------- validation helpers
def _int(name: str, value: Any, low: int, fix: str, high: int | None = None) -> int:
    return integer(name, value, low=low, high=high, fix=fix)


def _is_symbolic(value: Any) -> bool:
    if not type(value).__module__.startswith("sympy"):
        return False
    return bool(getattr(value, "free_symbols", None))


def _probability(name: str, value: Any, *, low_open: bool = False,
                 high_open: bool = False) -> Fraction:
    q = fmpq_to_fraction(to_fmpq(value, where=name))
    lo_ok = q > 0 if low_open else q >= 0
    hi_ok = q < 1 if high_open else q <= 1
    if not (lo_ok and hi_ok):
        lo = "(0" if low_open else "[0"
        hi = "1)" if high_open else "1]"
        raise SpecError(f"{name} must be a probability in {lo}, {hi}, got {value!r}")
    return q


def _positive(name: str, value: Any) -> Fraction:
    q = fmpq_to_fraction(to_fmpq(value, where=name))
    if q <= 0:
        raise SpecError(f"{name} must be positive, got {value!r}")
    return q


def _symbolic(builder: str, argname: str, value: Any, *args: Any, **kwargs: Any) -> Any:
    """Hand a symbolic parameter to ``chainlab.parametric.models`` (when it exists)."""
    try:
        mod = importlib.import_module("chainlab.parametric.models")
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("chainlab.parametric"):
            raise
        mod = None
    func = getattr(mod, builder, None) if mod is not None else None
    if func is None:
        raise SpecError(
            f"{argname}={value!r} is symbolic, but symbolic {builder} needs "
            f"chainlab.parametric.models.{builder}, which this installation does not have; "
            f"pass an exact number (e.g. Fraction(2, 5)) or substitute a value first"
        )
    return func(*args, **kwargs)


def _birth_death(N: int, up: Sequence[Fraction], down: Sequence[Fraction], *, start: int,
                 labels: Mapping[str, Sequence[int]]) -> Chain:
    """States ``0..N``; ``up[i]``/``down[i]`` are the moves from ``i``; the rest stays put."""
    transitions = []
    for i in range(N + 1):
        u, d = up[i], down[i]
        if d:
            transitions.append((i, i - 1, d))
        stay = 1 - u - d
        if stay:
            transitions.append((i, i, stay))
        if u:
            transitions.append((i, i + 1, u))
    return Chain.from_transitions(N + 1, transitions, initial=start, labels=dict(labels))


# ---------------------------------------------------------------------- 1-D chains
def gamblers_ruin(N: int, p: Any = Fraction(1, 2), *, start: int = 1) -> Chain:
    r"""Gambler's ruin: from ``i`` coins win one w.p. ``p`` or lose one, until 0 or ``N``.

    Parameters
    ----------
    N : int
        Target fortune, ``N >= 1``; states are ``0..N`` (0 and ``N`` absorbing).
    p : rational or sympy.Symbol, default 1/2
        Probability of winning a round (Fraction, int, ``"2/5"`` or ``sympy.Rational``). A SymPy
        symbol is handed to ``chainlab.parametric.models.gamblers_ruin`` when available.
    start : int, default 1
        Initial fortune ``0 <= start <= N``.

    Returns
    -------
    Chain
        Exact, states ``0..N``, labels ``"ruin"`` = {0} and ``"win"`` = {N}.

    Raises
    ------
    SpecError
        ``N < 1``, ``start`` outside ``0..N``, ``p`` outside [0, 1], or a symbolic ``p`` without
        ``chainlab.parametric``.
    ExactnessError
        A float ``p`` (pass ``Fraction(2, 5)`` or ``"0.4"``).

    See Also
    --------
    chainlab.parametric.gamblers_ruin : The same chain with a symbolic ``p``.
    chainlab.models.moran : Another birth-death chain with two absorbing ends.
    chainlab.exact.absorption : Ruin probabilities and expected durations.

    Notes
    -----
    P(ruin from ``i``) = ``(rho^i - rho^N) / (1 - rho^N)`` with ``rho = (1 - p) / p``, and
    ``1 - i / N`` for a fair game; the expected duration of a fair game is ``i (N - i)``.

    Examples
    --------
    >>> from chainlab import exact
    >>> c = gamblers_ruin(4, "2/5", start=2)
    >>> c.labels["win"], exact.hitting(c, "ruin").initial_probability
    (frozenset({4}), Fraction(9, 13))
    >>> exact.absorption(gamblers_ruin(4, start=1)).initial_t
    Fraction(3, 1)
    """
    N = _int("N", N, 1, "give the target fortune, e.g. N=10")
    start = _int("start", start, 0, "start with 0..N coins", high=N)
    if _is_symbolic(p):
        return _symbolic("gamblers_ruin", "p", p, N, p, start=start)
    p = _probability("p", p)
    q = 1 - p
    up = [Fraction(0)] + [p] * (N - 1) + [Fraction(0)]
    down = [Fraction(0)] + [q] * (N - 1) + [Fraction(0)]
    if N == 1:
        up, down = [Fraction(0)] * 2, [Fraction(0)] * 2
    return _birth_death(N, up, down, start=start, labels={"ruin": [0], "win": [N]})


def moran(N: int, r: Any = 1, *, start: int = 1) -> Chain:
    r"""Moran process: ``N`` individuals, ``i`` mutants of relative fitness ``r``.

    Each step one individual reproduces (chosen proportionally to fitness) and its offspring
    replaces one individual chosen uniformly at random (possibly the parent), so the number of
    mutants goes up by one w.p. ``r i / (r i + N - i) * (N - i) / N`` and down by one w.p.
    ``(N - i) / (r i + N - i) * i / N``.

    Parameters
    ----------
    N : int
        Population size, ``N >= 1``.
    r : positive rational or sympy.Symbol, default 1
        Relative fitness of the mutant (``r = 1`` is neutral drift).
    start : int, default 1
        Initial number of mutants, ``0..N``.

    Returns
    -------
    Chain
        Exact, states ``0..N``, labels ``"lost"`` = {0}, ``"fixed"`` = {N}.

    See Also
    --------
    chainlab.parametric.moran : The same chain with a symbolic fitness ``r``.
    chainlab.models.wright_fisher : Binomial resampling instead of one event per step.
    chainlab.models.gamblers_ruin : A walk with the same two absorbing ends.

    Notes
    -----
    Fixation probability from ``i`` mutants: ``(1 - r^-i) / (1 - r^-N)`` (``i / N`` if
    ``r = 1``).

    Examples
    --------
    >>> from chainlab import exact
    >>> exact.hitting(moran(4, 2), "fixed").initial_probability  # (1 - 1/2) / (1 - 1/16)
    Fraction(8, 15)
    """
    N = _int("N", N, 1, "give the population size, e.g. N=10")
    start = _int("start", start, 0, "start with 0..N mutants", high=N)
    if _is_symbolic(r):
        return _symbolic("moran", "r", r, N, r, start=start)
    r = _positive("r", r)
    up, down = [], []
    for i in range(N + 1):
        total = r * i + (N - i)
        up.append(r * i / total * Fraction(N - i, N))
        down.append((N - i) / total * Fraction(i, N))
    return _birth_death(N, up, down, start=start, labels={"lost": [0], "fixed": [N]})


def wright_fisher(N: int, s: Any = 0, *, start: int = 1) -> Chain:
    r"""Wright-Fisher model: ``N`` gene copies resampled binomially every generation.

    With ``i`` copies of allele A (selective advantage ``s``), the next generation has
    Binomial(N, psi_i) copies, ``psi_i = i (1 + s) / (i (1 + s) + N - i)``.

    Parameters
    ----------
    N : int
        Number of gene copies, ``N >= 1`` (the chain has ``(N + 1)^2``-ish transitions: keep
        ``N`` below a few hundred).
    s : rational, default 0
        Selection coefficient, ``s > -1`` (0 is neutral).
    start : int, default 1
        Initial number of copies of A, ``0..N``.

    Returns
    -------
    Chain
        Exact, states ``0..N``, labels ``"lost"`` = {0}, ``"fixed"`` = {N}.

    See Also
    --------
    chainlab.models.moran : One birth-death event per step instead of a new generation.
    chainlab.exact.absorption : Fixation probabilities and times.

    Notes
    -----
    Neutral fixation probability from ``i`` copies: ``i / N`` (the frequency is a martingale).

    Examples
    --------
    >>> from chainlab import exact
    >>> c = wright_fisher(3, start=1)
    >>> c.probability(1, 0), exact.hitting(c, "fixed").initial_probability
    (Fraction(8, 27), Fraction(1, 3))
    """
    N = _int("N", N, 1, "give the number of gene copies, e.g. N=10")
    start = _int("start", start, 0, "start with 0..N copies", high=N)
    if _is_symbolic(s):
        return _symbolic("wright_fisher", "s", s, N, s, start=start)
    s = fmpq_to_fraction(to_fmpq(s, where="s"))
    if s <= -1:
        raise SpecError(f"s must be > -1 (fitness 1 + s must be positive), got {s}")
    transitions = []
    for i in range(N + 1):
        psi = i * (1 + s) / (i * (1 + s) + N - i)
        for j in range(N + 1):
            prob = math.comb(N, j) * psi**j * (1 - psi) ** (N - j)
            if prob:
                transitions.append((i, j, prob))
    return Chain.from_transitions(N + 1, transitions, initial=start,
                                  labels={"lost": [0], "fixed": [N]})


def ehrenfest(N: int, *, start: int = 0, lazy: bool = False) -> Chain:
    r"""Ehrenfest urn: ``N`` balls in two urns; each step a uniform ball changes urn.

    Parameters
    ----------
    N : int
        Number of balls, ``N >= 1``; the state is the number of balls in urn A.
    start : int, default 0
        Initial number of balls in urn A.
    lazy : bool, default False
        Do nothing with probability 1/2 each step (the chain then becomes aperiodic; the
        stationary law is unchanged).

    Returns
    -------
    Chain
        Exact, irreducible, states ``0..N``, labels ``"empty"`` = {0}, ``"full"`` = {N}.

    See Also
    --------
    chainlab.exact.stationary : Its Binomial(N, 1/2) stationary law.
    chainlab.exact.limiting : Cesàro averages, which a periodic chain needs.

    Notes
    -----
    Stationary law Binomial(N, 1/2); period 2 (1 when ``lazy``).

    Examples
    --------
    >>> from chainlab import exact
    >>> [str(x) for x in exact.stationary(ehrenfest(3)).distributions[0]]
    ['1/8', '3/8', '3/8', '1/8']
    """
    N = _int("N", N, 1, "give the number of balls, e.g. N=10")
    start = _int("start", start, 0, "start with 0..N balls in urn A", high=N)
    factor = Fraction(1, 2) if lazy else Fraction(1)
    up = [factor * Fraction(N - i, N) for i in range(N + 1)]
    down = [factor * Fraction(i, N) for i in range(N + 1)]
    return _birth_death(N, up, down, start=start, labels={"empty": [0], "full": [N]})


# ---------------------------------------------------------------------- agent models
def _compile(model: AgentModel, *, max_states: int | None, opinions: Sequence[Hashable] = (),
             polarized_label: bool = False) -> Chain:
    from ..compiler import compile_model
    from ..polarization import class_kinds

    cc = compile_model(model, max_states=max_states)
    chain = cc.chain
    extra: dict[str, list] = {}
    for op in opinions:
        extra[f"consensus_{op}"] = [s for s in chain.states
                                    if all(model.agent_id(a) == op for a in s)]
    kinds = class_kinds(cc)
    from ..structure import classify

    polarized = [chain.states.label_of(i)
                 for c, k in zip(classify(chain).closed_classes, kinds) if k == "polarized"
                 for i in c]
    if polarized or polarized_label:
        extra["polarized"] = polarized
    return chain.with_labels(extra) if extra else chain


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
