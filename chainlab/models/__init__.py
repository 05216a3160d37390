"""Agent models and classic teaching chains.

The models describe what agents do (:class:`AgentModel`, :class:`GMMAgents`, the opinion models
:class:`VoterModel`, :class:`MajorityRule`, :class:`BoundedConfidence`);
:func:`chainlab.compiler.compile_model` compiles them. The classic chains
(:func:`gamblers_ruin`, :func:`moran`, :func:`wright_fisher`, :func:`ehrenfest`) are built
directly, and :func:`voter_model`, :func:`majority_rule`, :func:`bounded_confidence` and
:func:`gmm_chain` compile a model and label its chain in one call (they are imported on first
use, from the compile side of the pipeline).

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

Examples
--------
>>> from chainlab.models import gamblers_ruin, GMMAgents
>>> gamblers_ruin(3).num_states, GMMAgents().num_agents
(4, 4)
"""
from __future__ import annotations

import importlib
from typing import Any

from .base import AgentModel
from .classic import ehrenfest, gamblers_ruin, moran, wright_fisher
from .gmm import GMMAgents
from .opinion import BoundedConfidence, MajorityRule, VoterModel

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

_COMPILED = ("voter_model", "majority_rule", "bounded_confidence", "gmm_chain")


def __getattr__(name: str) -> Any:
    if name not in _COMPILED:
        raise AttributeError(f"module 'chainlab.models' has no attribute {name!r}")
    value = getattr(importlib.import_module("chainlab._compile.catalogue"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
