"""The agent-model protocol that :func:`chainlab.compiler.compile_model` compiles.

An agent model is a *synchronous* system of ``num_agents`` agents with finitely many per-agent
states (a discretised parameter space: counts, grid points, opinions). In one round every agent
draws its next state independently given the whole previous joint state, so the joint successor
law is the product of the per-agent laws.

A model provides

* ``num_agents`` and ``exchangeable`` -- whether the per-agent law of agent ``i`` depends only
  on agent ``i``'s own state and the *multiset* of the others' states (then the chain is lumped
  to multisets of agent states; claim LUMP-1);
* ``initial_agents()`` -- the initial joint state, a tuple of hashable agent states;
* ``agent_distribution(agents, i)`` -- the law of agent ``i``'s next state given the joint
  state ``agents`` (a tuple), as ``{next_agent_state: probability}`` with exact probabilities
  (ints, Fractions or python-flint ``fmpq``; SymPy expressions for parametric models);
* ``agent_id(agent_state)`` -- the agent's opinion (ID), used for silos and polarization;
* ``describe()`` -- a dict of the parameters, for reports (must include every rule that changes
  the answers, such as a tie rule).

Optional fast path: ``law_keys(agents)`` returns one hashable *memo key* per agent of the joint
state ``agents``, such that two agents with equal keys have equal laws -- in the same joint state
or in any other. The compiler then calls ``agent_distribution`` once per distinct key instead of
once per (joint state, agent type). A key that is too coarse gives a wrong chain, so a model
should derive the key from exactly the data its law is computed from (for example its own state
and the law of its interaction partner). The default returns ``None``: no keys, and the compiler
memoizes laws by value only. A model may also provide ``integer_distribution(agents, i)``, the
same law as ``(denominator, {next_agent_state: numerator})`` with non-negative Python ints
summing to the denominator, which saves the compiler the conversion from rationals.

Examples
--------
A two-agent "copy a random other agent" (voter) model:

>>> from fractions import Fraction
>>> class Voter(AgentModel):
...     num_agents = 2
...     exchangeable = True
...     def initial_agents(self):
...         return (0, 1)
...     def agent_distribution(self, agents, i):
...         other = agents[1 - i]
...         return {other: Fraction(1)}
...     def agent_id(self, agent_state):
...         return agent_state
>>> Voter().agent_distribution((0, 1), 0)
{1: Fraction(1, 1)}

Its law depends only on the other agent's state, which can serve as the memo key:

>>> class KeyedVoter(Voter):
...     def law_keys(self, agents):
...         return [agents[1 - i] for i in range(2)]
>>> KeyedVoter().law_keys((0, 1))
[1, 0]
"""

from __future__ import annotations

import abc
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

__all__ = ["AgentModel"]


class AgentModel(abc.ABC):
    """Base class of discretised, synchronous agent models (see the module docstring)."""

    num_agents: int
    exchangeable: bool = False

    @abc.abstractmethod
    def initial_agents(self) -> tuple[Hashable, ...]:
        """The initial joint state: one hashable agent state per agent."""

    @abc.abstractmethod
    # (Mapping[Any, ...] and agent_state: Any, not Hashable: Mapping is invariant in its key
    # type and arguments are contravariant, so subclasses could not narrow them to their states)
    def agent_distribution(self, agents: tuple, i: int) -> Mapping[Any, Any]:
        """Law of agent ``i``'s next state given the joint state ``agents``."""

    def law_keys(self, agents: tuple) -> Sequence[Hashable] | None:
        """Optional: one memo key per agent; equal keys promise equal laws (default ``None``).

        See the module docstring. Called by the compiler once per joint state.
        """
        return None

    def integer_distribution(self, agents: tuple, i: int) -> tuple[int, Mapping[Any, int]] | None:
        """Optional: :meth:`agent_distribution` over a common denominator (default ``None``).

        See the module docstring.
        """
        return None

    def agent_id(self, agent_state: Any) -> Hashable:
        """The agent's opinion (default: the agent state itself)."""
        return agent_state

    def describe(self) -> dict[str, Any]:
        """Parameters for reports."""
        return {"model": type(self).__name__, "num_agents": self.num_agents}
