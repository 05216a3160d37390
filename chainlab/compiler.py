"""Compile an :class:`~chainlab.models.base.AgentModel` into an explicit exact :class:`Chain`.

The public face of the compiler: :func:`compile_model` explores the model's reachable joint
states breadth first (lumping exchangeable agents into multisets, claim LUMP-1) and returns a
:class:`CompiledChain`. The exploration itself lives in ``chainlab._compile`` (a C kernel where
one was built, the pure-Python loop otherwise, with the same results).

Examples
--------
>>> from chainlab.models import GMMAgents
>>> compiled = compile_model(GMMAgents(agents=3, components=3, memory=2))
>>> compiled.chain.num_states, compiled.lumped
(49, True)
"""
from __future__ import annotations

from ._compile.explore import CompiledChain, compile_model

__all__ = ["CompiledChain", "compile_model"]
