"""Simulation of the continuous interacting Gaussian-mixture agents (arXiv 2506.00077).

The public face of the simulator: :func:`simulate_gmm` runs many replicates of the continuous
model at once (vectorised over runs) and returns a :class:`ContinuousRunResult`;
:data:`TIE_RULES` names the rules for equidistant partners. The model, its parameters and the
tie rules are documented on :func:`simulate_gmm`; the implementation lives in
``chainlab._continuous``.
"""
from __future__ import annotations

from ._continuous.simulate import (
    TIE_RULES,
    ContinuousRunResult,
    SimulationInterrupted,
    simulate_gmm,
)

__all__ = ["ContinuousRunResult", "SimulationInterrupted", "simulate_gmm", "TIE_RULES"]
