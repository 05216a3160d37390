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
import json
from fractions import Fraction
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


def herman_references() -> dict[int, Fraction]:
    """``N -> `` the QVBS reference (Storm's exact value) of herman's ``steps`` property, for
    the ring sizes whose ``index.json`` (``benchmarks/qvbs/herman``) has one."""
    data = json.loads((BENCHMARKS / "qvbs" / "herman" / "index.json").read_text())
    out = {}
    for f in data["files"]:
        (n,) = [p["value"] for p in f["file-parameter-values"] if p["name"] == "N"]
        for v in f.get("open-parameter-values", []):
            for r in v.get("results", []):
                value = r["value"]
                if r["property"] == "steps":
                    out[n] = (Fraction(value["num"], value["den"]) if isinstance(value, dict)
                              else Fraction(value))
    return out


def herman_closed_form(n: int) -> Fraction:
    """McIver and Morgan's expected stabilisation time ``4abc/N`` of three tokens at distances
    ``a + b + c = N`` as even as possible: the value of herman's ``steps`` property (the
    maximum over the initial states) wherever the QVBS has a reference (tested)."""
    a = n // 3
    b = (n - a) // 2
    return Fraction(4 * a * b * (n - a - b), n)
