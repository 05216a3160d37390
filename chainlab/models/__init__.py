"""Agent models (compiled to chains by :mod:`chainlab.compiler`) and classic teaching chains."""
from .base import AgentModel
from .gmm import GMMAgents

__all__ = ["AgentModel", "GMMAgents"]
