"""Agent models (compiled to chains by :mod:`chainlab.compiler`) and classic teaching chains.

Examples
--------
>>> from chainlab.models import gamblers_ruin, GMMAgents
>>> gamblers_ruin(3).num_states, GMMAgents().num_agents
(4, 4)
"""
from .base import AgentModel
from .classic import (
    BoundedConfidence,
    MajorityRule,
    VoterModel,
    bounded_confidence,
    ehrenfest,
    gamblers_ruin,
    gmm_chain,
    majority_rule,
    moran,
    voter_model,
    wright_fisher,
)
from .gmm import GMMAgents

__all__ = [
    "AgentModel",
    "GMMAgents",
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
