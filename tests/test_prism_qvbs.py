"""Known answers: small QVBS DTMCs read by chainlab.prism, checked with chainlab.check against
the reference results in their index.json files (Storm's exact values; tests/data/prism/README.md
for the source and licence). No stormpy needed."""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from chainlab.check import check
from chainlab.prism import read_model
from chainlab.prism._parse import parse_model_text

QVBS = Path(__file__).parent / "data" / "prism" / "qvbs"


def _value(raw):
    if raw == "∞":  # (how the index writes an infinite expected reward)
        return float("inf")
    if isinstance(raw, dict):
        if "num" in raw and "den" in raw:
            return Fraction(int(raw["num"]), int(raw["den"]))
        return float(raw["approx"])
    return raw


def _instances():
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        out = []
        for index in sorted(QVBS.glob("*/index.json")):
            data = json.loads(index.read_text())
            for f in data["files"]:
                originals = f.get("original-file", [])
                originals = [originals] if isinstance(originals, str) else originals
                sources = [index.parent / o for o in originals
                           if (index.parent / o).suffix in (".prism", ".pm")]
                if not sources or not sources[0].exists():
                    continue
                for v in f.get("open-parameter-values", []):
                    consts = {p["name"]: p["value"] for p in v["values"]}
                    refs = {r["property"]: _value(r["value"]) for r in v.get("results", [])}
                    states = [s["number"] for s in v.get("states", []) if "number" in s]
                    name = "-".join(map(str, consts.values()))
                    # a big source (oscillators.6-6: 150 kB, ~2 s to parse) runs with -m slow
                    big = sources[0].stat().st_size > 100_000
                    out.append(pytest.param(sources[0], consts, refs, states[0] if states
                                            else None,
                                            id=f"{sources[0].stem}.{name}" if name
                                            else sources[0].stem,
                                            marks=[pytest.mark.slow] if big else []))
        return out
    finally:
        sys.set_int_max_str_digits(old)


INSTANCES = [p for p in _instances()
             if p.values[3] is None or p.values[3] <= 40_000]


def _props(source: Path) -> Path:
    for suffix in (".props", ".prctl"):
        found = sorted(source.parent.glob(f"*{suffix}"))
        if found:
            return found[0]
    raise AssertionError(source)


def test_the_instances_are_there():
    assert len(INSTANCES) >= 20


@pytest.mark.parametrize("source, consts, refs, states", INSTANCES)
def test_qvbs_reference_values(source, consts, refs, states):
    undefined = {c.name for c in parse_model_text(source.read_text()).constants
                 if c.expr is None}
    # floats as their decimal text: read exactly (0.7 is 7/10)
    given = {k: repr(v) if isinstance(v, float) else v for k, v in consts.items()
             if k in undefined}
    model = read_model(source, constants=given)
    # crowds: Storm 1.x reported fewer states for its own build; Storm 2.0 builds as we do
    if states is not None and source.stem != "crowds":
        assert model.num_states == states
    results = check(model, _props(source), constants=given)
    checked = 0
    for r in results:
        ref = refs.get(r.name)
        if ref is None:
            continue
        checked += 1
        if isinstance(ref, bool):
            assert r.value is ref, r.name
        elif ref == float("inf"):
            assert r.value == ref, r.name
        elif isinstance(ref, float):  # a rounded reference (e.g. 0.7)
            assert abs(float(r.value) - ref) <= 1e-9 * max(1.0, abs(ref)), r.name
        else:
            assert r.value == ref, r.name
            assert isinstance(r.value, Fraction)
    assert checked == len([k for k in refs if k in {r.name for r in results}])
    assert checked >= 1


LEADER_PROPS = ('"p": P=? [ F<=4 "elected" ]; 1 - "p"; P=? [ G<=7 !"elected" ]; '
                'P=? [ X "elected" ]; P=? [ !"elected" W "elected" ]; S=? [ "elected" ]; '
                'R{"num_rounds"}=? [ C<=5 ]; R{"num_rounds"}=? [ I=4 ]; R=? [ S ]; '
                'R{"num_rounds"}=? [ C ]; 3 * T=? [ F "elected" ] - 1; '
                'filter(avg, P=? [ F<=8 "elected" ]); filter(max, R=? [ F "elected" ]); '
                'P>0.9 [ F<=8 "elected" ]')


@pytest.mark.parametrize("source, props, consts", [
    (QVBS / "brp" / "brp.prism", None, "N=16,MAX=2"),
    (QVBS / "brp" / "brp.prism", 'P=? [ G !(s=5) ]; P=? [ F<=40 s=5 ]; S=? [ s=5 ]; '
                                 'P=? [ !(srep=3) U<=60 s=5 ]', "N=16,MAX=2"),
    (QVBS / "leader_sync" / "leader_sync.3-2.prism", LEADER_PROPS, None),
    (QVBS / "herman" / "herman.5.prism", None, None),
    (QVBS / "herman" / "herman.5.prism", 'filter(avg, S=? [ "stable" ], "init"); '
                                         'filter(min, P=? [ F<=5 "stable" ], "init"); '
                                         'filter(sum, R=? [ C<=4 ], "init")', None),
], ids=["brp", "brp-more", "leader_sync", "herman", "herman-more"])
def test_qvbs_float_values_are_certified_and_close(source, props, consts):
    props = props or _props(source)
    exact = check(source, props, constants=consts)
    floats = check(source, props, constants=consts, exact=False)
    checked = 0
    for e, f in zip(exact, floats):
        if isinstance(e.value, bool):
            assert f.value is e.value and f.error_bound == 0
            continue
        assert isinstance(f.value, float) and f.error_bound < 1e-9, e.property
        assert abs(f.value - float(e.value)) <= f.error_bound * abs(float(e.value)), e.property
        if e.values is not None:  # and in every state, within the absolute bounds
            want = np.array([float(v) for v in e.values])
            finite = np.isfinite(want)
            assert (f.values[~finite] == want[~finite]).all()
            assert (np.abs(f.values[finite] - want[finite]) <= f.errors[finite]).all()
        checked += 1
    assert checked >= 1


def test_crowds_state_count_matches_storm_2():
    # Storm 2.0 (stormpy 2.0, benchmarks/bench_prism.py) builds 1,198 states and 2,038
    # transitions for crowds with TotalRuns=3, CrowdSize=5 (the index lists 1,145 from an
    # older Storm)
    m = read_model(QVBS / "crowds" / "crowds.prism", constants="TotalRuns=3,CrowdSize=5")
    assert (m.num_states, m.num_transitions) == (1198, 2038)
