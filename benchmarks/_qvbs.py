"""The DTMCs of the Quantitative Verification Benchmark Set (QVBS), built and exported with Storm.

``benchmarks/qvbs/`` holds the PRISM (and, for ``coupon``, JANI) sources and the ``index.json``
files of https://qcomp.org (repository ahartmanns/qcomp, folder ``benchmarks/dtmc``, commit
c7324a3; CC-BY 4.0), whose ``results`` are Storm's exact reference values. This module needs
stormpy (the ``bench`` extra): it builds an instance exactly, checks its probability-reachability
properties with Storm's exact engine (timed), and exports the chain as a ``.drn`` file with one
label per property target (``target_<property>``), so that ``chainlab analyze --target`` answers
the same question.

Examples (needs stormpy)::

    >>> from _qvbs import instances, build          # doctest: +SKIP
    >>> inst = instances(min_states=20_000, max_states=200_000)[0]
    >>> built = build(inst)
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

QVBS = Path(__file__).resolve().parent / "qvbs"


@dataclass
class Instance:
    """One QVBS instance: source file, constants, state count and reference results."""

    model: str
    source: Path
    constants: dict[str, object]
    num_states: int
    references: dict[str, object] = field(default_factory=dict)  # property -> Fraction/bool/float

    @property
    def name(self) -> str:
        values = "-".join(str(v) for v in self.constants.values())
        return f"{self.model}.{values}" if values else self.model

    @property
    def props_file(self) -> Path | None:
        for suffix in (".props", ".prctl"):
            for cand in self.source.parent.glob(f"*{suffix}"):
                return cand
        return None


def _value(raw):
    if isinstance(raw, dict):
        if "num" in raw and "den" in raw:
            return Fraction(int(raw["num"]), int(raw["den"]))
        return float(raw.get("approx", "nan"))
    return raw


def instances(min_states: int = 0, max_states: int = 10**12, models=None) -> list[Instance]:
    """QVBS DTMC instances whose state count (from index.json) is in the range."""
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        out = []
        for index in sorted(QVBS.glob("*/index.json")):
            model = index.parent.name
            if models is not None and model not in models:
                continue
            data = json.loads(index.read_text())
            for f in data["files"]:
                fixed = {p["name"]: p["value"] for p in f.get("file-parameter-values", [])}
                originals = f.get("original-file", [])
                source = None
                for name in ([originals] if isinstance(originals, str) else originals):
                    if (index.parent / name).suffix in (".prism", ".pm"):
                        source = index.parent / name
                if source is None or not source.exists():
                    jani = index.parent / f["file"]
                    if not jani.exists():
                        continue
                    source = jani
                for v in f.get("open-parameter-values", []):
                    states = [s["number"] for s in v.get("states", []) if "number" in s]
                    if not states or not min_states <= states[0] <= max_states:
                        continue
                    consts = {**fixed, **{p["name"]: p["value"] for p in v["values"]}}
                    refs = {r["property"]: _value(r["value"]) for r in v.get("results", [])}
                    out.append(Instance(model, source, consts, states[0], refs))
        return out
    finally:
        sys.set_int_max_str_digits(old)


def _constants_string(inst: Instance, used: set[str] | None = None) -> str:
    return ",".join(f"{k}={v}" for k, v in inst.constants.items() if used is None or k in used)


def load(inst: Instance):
    """``(program or jani model, properties)`` with the instance's constants defined."""
    import stormpy

    text = inst.props_file.read_text() if inst.props_file else ""
    if inst.source.suffix == ".jani":
        program, props = stormpy.parse_jani_model(str(inst.source))
    else:
        program = stormpy.parse_prism_program(str(inst.source))
    em = program.expression_manager
    defs = {}
    for c in program.constants:
        if c.defined or c.name not in inst.constants:
            continue
        value = inst.constants[c.name]
        if isinstance(value, bool):
            defs[c.expression_variable] = em.boolean(value)
        elif isinstance(value, int):
            defs[c.expression_variable] = em.integer(value)
        else:
            # a decimal constant of index.json (0.7) is meant exactly: 7/10
            exact = Fraction(str(value))
            defs[c.expression_variable] = em.rational(stormpy.Rational(str(exact)))
    if defs:
        program = program.define_undefined_constants(defs)
    if inst.source.suffix != ".jani":  # properties see the defined constants
        props = stormpy.parse_properties(text, program) if text else []
    else:
        props = [p.substitute(defs) if defs else p for p in props]
    return program, props


@dataclass
class Built:
    """A Storm-built exact model and the timings of Storm's exact engine."""

    instance: Instance
    model: object
    properties: dict[str, object]  # name -> stormpy Property (probability reachability only)
    build_s: float
    build_cpu_s: float
    check_s: dict[str, float] = field(default_factory=dict)
    check_cpu_s: dict[str, float] = field(default_factory=dict)
    values: dict[str, Fraction] = field(default_factory=dict)  # at the initial state


def _reach_properties(props) -> dict:
    out = {}
    for p in props:
        f = p.get_raw_formula()
        if f.is_probability_operator_formula and not f.has_bound:
            sub = f.subformula
            if sub.is_eventually_formula and not sub.is_bounded_until_formula:
                out[p.get_name()] = p
    return out


def build(inst: Instance, *, check: bool = True) -> Built:
    """Build the exact model with Storm (timed) and check its reachability properties."""
    import stormpy

    program, props = load(inst)
    reach = _reach_properties(props)
    t0, c0 = time.perf_counter(), time.process_time()
    model = stormpy.build_model[stormpy.Rational](program, list(reach.values()))
    built = Built(inst, model, reach, time.perf_counter() - t0, time.process_time() - c0)
    if check:
        env = stormpy.environments.exact()
        init = model.initial_states[0]
        for name, p in reach.items():
            t0, c0 = time.perf_counter(), time.process_time()
            res = stormpy.model_checking(model, p, environment=env)
            built.check_s[name] = time.perf_counter() - t0
            built.check_cpu_s[name] = time.process_time() - c0
            v = res.get_value_vector()[init]
            built.values[name] = Fraction(int(str(v.numerator)), int(str(v.denominator)))
    return built


def export(built: Built, path: Path) -> dict[str, str]:
    """Write the model as ``.drn`` with a ``target_<property>`` label per reachability
    property (the states satisfying its target formula); returns property -> label."""
    import stormpy
    import stormpy.io

    model = built.model
    tmp = path.with_suffix(".storm.drn")
    stormpy.io.export_to_drn(model, str(tmp))
    extra: dict[int, list[str]] = {}
    labels = {}
    for name, p in built.properties.items():
        target = p.get_raw_formula().subformula.subformula
        sat = stormpy.model_checking(model, target).get_truth_values_vector()
        label = f"target_{name}"
        labels[name] = label
        for s in sat:  # (a BitVector iterates over its set bits)
            extra.setdefault(int(s), []).append(label)
    with open(tmp) as src, open(path, "w") as dst:
        for line in src:
            if line.startswith("state ") and extra:
                head = line.rstrip("\n")
                sid = int(head.split()[1])
                if sid in extra:
                    head += " " + " ".join(extra[sid])
                dst.write(head + "\n")
            else:
                dst.write(line)
    tmp.unlink()
    return labels
