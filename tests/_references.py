"""The straightforward reference implementations kept in ``benchmarks/`` (they are the speed
baselines there and the test oracles here): one copy of each.

* ``benchmarks/_reference_compiler.py`` -- the one-round rules of docs/model.md ("The discretized chain") with
  Fractions (``reference_law``, ``reference_partner_law``, ``evict``) and a compiler that
  enumerates every combination of agent outcomes (``reference_compile``);
* ``benchmarks/gmm_reference_loop.py`` -- the continuous model as a per-agent Python loop.

Neither shares code with :mod:`chainlab`.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


compiler_reference = _load("_reference_compiler")
reference_law = compiler_reference.reference_law
reference_partner_law = compiler_reference.reference_partner_law
reference_compile = compiler_reference.reference_compile
evict = compiler_reference._evict


def loop_reference():
    """``benchmarks/gmm_reference_loop.py`` (loaded on demand: only the slow tests need it)."""
    return _load("gmm_reference_loop")
