"""Rotation symmetry of renamed PRISM modules (chainlab.prism._symmetry, claim SYM-1): the
orbit chain gives the full chain's values, asymmetric programs are never accepted, the orbit
codes are the least codes of the orbits, and ``check`` / ``chainlab check`` use and report it."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction as F
from math import gcd
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainlab.check import check, load_properties
from chainlab.errors import SpecError
from chainlab.prism._build import build, program_from_text
from chainlab.prism._explore import _merge
from chainlab.prism._symmetry import OrbitCanon, Symmetry, find_symmetry

from ._references import herman_closed_form, herman_references

ROOT = Path(__file__).resolve().parents[1]
HERMAN = ROOT / "benchmarks" / "qvbs" / "herman"


def _necklaces(n: int) -> int:
    """Binary strings of length n up to rotation (Burnside: (1/n) sum_d phi(d) 2^(n/d))."""
    return sum(2 ** gcd(j, n) for j in range(n)) // n


def test_herman_closed_form_is_every_qvbs_reference():
    # the oracle of herman 13 and 17 (no reference in index.json) is checked where there is one
    refs = herman_references()
    assert set(refs) >= {3, 5, 7, 9, 11, 15}
    for n, ref in refs.items():
        assert herman_closed_form(n) == ref, n


@pytest.mark.parametrize("n", [3, 5, 7, 9, 11, 13])
def test_SYM_1(n):
    """herman: the orbit chain has one state per necklace, holds the 2^n states, and gives the
    QVBS reference (13, which has none: the closed form 4abc/n, 4*4*4*5/13) and the full
    chain's value."""
    props = HERMAN / "herman.props"
    text = (HERMAN / f"herman.{n}.prism").read_text()
    program = program_from_text(text, f"herman.{n}")
    sym = find_symmetry(program, load_properties(props))
    assert sym is not None and sym.order == n and len(sym.modules) == n
    pm = build(program, symmetry=sym)
    assert pm.num_states == _necklaces(n) and pm.explored.represented == 2 ** n
    assert sum(pm.chain.initial.values()) == 1
    (r,) = check(HERMAN / f"herman.{n}.prism", props, symmetry=True)
    ref = herman_references().get(n, herman_closed_form(n))
    assert r.value == ref
    (full,) = check(HERMAN / f"herman.{n}.prism", props, symmetry=False)
    assert full.value == r.value


# ------------------------------------------------------------------ random rings
def _ring(n: int, hi: int, probs: tuple[int, int], mode: str) -> tuple[str, str]:
    """A ring of n renamed copies of one module (x1 reads its left neighbour), and its
    properties; ``mode`` breaks the symmetry in one place (``"none"``: symmetric)."""
    a, b = probs
    left = f"x{n}"
    init_decl = "" if mode in ("init", "block") else " init 0"
    lines = ["dtmc", "module process1", f"  x1 : [0..{hi}]{init_decl};",
             f"  [step] x1={left} -> {a}/{b} : (x1'=mod(x1+1,{hi + 1})) + "
             f"{b - a}/{b} : (x1'={left});",
             f"  [step] x1!={left} -> 1/2 : (x1'={left}) + 1/2 : true;",
             "endmodule"]
    for j in range(2, n + 1):
        lines.append(f"module process{j} = process1 [ x1=x{j}, {left}=x{j - 1} ] endmodule")
    if mode == "module":  # an observer of process 1 only
        lines += ["module watch", "  w : [0..1] init 0;", "  [step] x1=1 -> (w'=1);",
                  "  [step] x1!=1 -> true;", "endmodule"]
    # written cyclically: the check is syntactic (x2=x1 & x3=x1 is not seen as symmetric)
    same = " & ".join(f"x{j}=x{j % n + 1}" for j in range(1, n + 1))
    lines.append(f'label "same" = {same};')
    if mode == "label":
        lines.append('label "one" = x1=1;')
    else:
        lines.append('label "one" = ' + " | ".join(f"x{j}=1" for j in range(1, n + 1)) + ";")
    reward = "x1=1 : 1;" if mode == "reward" else \
        "\n".join(f"  x{j}=1 : 1;" for j in range(1, n + 1))
    lines += ['rewards "ones"', reward, "endrewards"]
    if mode in ("init", "block"):  # several initial states; "init": not symmetric
        lines += ["init", " + ".join(f"x{j}" for j in range(1, n + 1)) + " <= 1"
                  + (" & x1=0" if mode == "init" else ""), "endinit"]
    text = "\n".join(lines) + "\n"
    target = "x1=1" if mode == "property" else '"same"'
    kind = "avg" if mode == "filter" else "max"
    props = (f'filter({kind}, P=? [ F<=3 {target} ], "init"); '
             'filter(min, R{"ones"}=? [ C<=4 ], "init"); '
             'filter(max, P=? [ !"one" U "same" ]); '
             'filter(forall, P>=1/2 [ F<=2 "one" ], "init"); '
             'filter(exists, R{"ones"}=? [ I=2 ] > 1)')
    return text, props


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 4), hi=st.integers(1, 2),
       probs=st.sampled_from([(1, 2), (1, 3), (2, 5), (3, 4)]),
       mode=st.sampled_from(["none", "block", "module", "label", "reward", "init", "property",
                             "filter"]))
def test_SYM_1_random_rings(n, hi, probs, mode):
    text, props = _ring(n, hi, probs, mode)
    program = program_from_text(text, "<ring>")
    sym = find_symmetry(program, load_properties(props))
    if mode not in ("none", "block"):
        assert sym is None, mode  # never accepted when broken
        return
    assert sym is not None and sym.order == n
    full = check(text, props, symmetry=False)
    reduced = check(text, props, symmetry=True)
    assert [r.value for r in reduced] == [r.value for r in full]
    pm = build(program, symmetry=sym)
    assert pm.explored.represented == build(program).num_states


def test_a_shift_that_is_not_the_rotation_is_refused():
    # process3 reads process1, not process2: the renamings do not form a ring
    text = ("dtmc module process1 x1 : [0..1] init 0; [s] x1=x3 -> 1/2 : (x1'=0) + "
            "1/2 : (x1'=1); [s] x1!=x3 -> (x1'=x3); endmodule "
            "module process2 = process1 [ x1=x2, x3=x1 ] endmodule "
            "module process3 = process1 [ x1=x3, x3=x1 ] endmodule")
    assert find_symmetry(program_from_text(text, "<m>"), None) is None
    with pytest.raises(SpecError, match="no rotation of renamed modules"):
        check(text, 'filter(max, P=? [ F x1=1 ], "init")', symmetry=True)


def test_non_filter_properties_and_counting_filters_rule_symmetry_out():
    text = (HERMAN / "herman.5.prism").read_text()
    program = program_from_text(text, "herman.5")
    for prop in ('R=? [ F "stable" ]', 'filter(avg, R=? [ F "stable" ], "init")',
                 'filter(count, P>=1 [ F "stable" ])', 'filter(print, R=? [ F "stable" ])'):
        assert find_symmetry(program, load_properties(prop)) is None, prop
    for prop in ('filter(min, R=? [ F "stable" ], "init")',
                 'filter(forall, P>=1 [ F "stable" ], "init")',
                 'filter(max, filter(max, R=? [ F "stable" ]) - R=? [ F "stable" ], "init")'):
        assert find_symmetry(program, load_properties(prop)) is not None, prop


# ------------------------------------------------------------------ orbit codes
@settings(max_examples=60, deadline=None)
@given(data=st.data(), n=st.integers(1, 6), size=st.integers(2, 4), fixed=st.integers(0, 2))
def test_orbit_codes_are_the_least_codes_of_the_rotations(data, n, size, fixed):
    # variables: `fixed` unmoved ones of size 3 first, then a ring of n of size `size`
    sizes = np.array([3] * fixed + [size] * n, dtype=np.int64)
    strides = np.concatenate([[1], np.cumprod(sizes)[:-1]]).astype(np.int64)
    perm = list(range(fixed)) + [fixed + (j + 1) % n for j in range(n)]
    canon = OrbitCanon(Symmetry(("m",) * n, n, tuple(perm)), strides, sizes)
    rows = data.draw(st.lists(st.lists(st.integers(0, 2), min_size=fixed + n,
                                       max_size=fixed + n), min_size=1, max_size=20))
    digits = np.array([[min(d, int(s) - 1) for d, s in zip(r, sizes)] for r in rows])
    codes = digits @ strides

    def code(d):
        return int(np.dot(d, strides))

    expect, counts = [], []
    for d in digits:
        images = set()
        for j in range(n):
            ring = d[fixed:]
            images.add(code(np.concatenate([d[:fixed], np.roll(ring, j)])))
        expect.append(min(images))
        counts.append(len(images))
    assert canon.canon(codes).tolist() == expect
    assert canon.orbit_sizes(codes).tolist() == counts


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(1, 4),
                          st.sampled_from([2, 4, 8, 3, 6, 5])), min_size=2, max_size=30))
def test_merging_repeated_pairs_adds_their_probabilities_exactly(rows):
    rows = sorted((s, t, F(min(a, d), d * 4)) for s, t, a, d in rows)
    src = np.array([r[0] for r in rows], dtype=np.int64)
    idx = np.array([r[1] for r in rows], dtype=np.int64)
    pn = np.array([r[2].numerator for r in rows], dtype=np.int64)
    pd = np.array([r[2].denominator for r in rows], dtype=np.int64)
    same = (src[1:] == src[:-1]) & (idx[1:] == idx[:-1])
    if not same.any():
        return
    s, t, n, d = _merge(src, idx, pn, pd, same)
    want: dict[tuple[int, int], F] = {}
    for a, b, p in rows:
        want[(a, b)] = want.get((a, b), F(0)) + p
    got = {(int(a), int(b)): F(int(x), int(y)) for a, b, x, y in zip(s, t, n, d)}
    assert got == want and list(got) == sorted(want)


# ------------------------------------------------------------------ API and CLI
def test_bad_arguments_and_built_models():
    with pytest.raises(SpecError, match="symmetry='yes' must be True, False or None"):
        check(HERMAN / "herman.3.prism", HERMAN / "herman.props", symmetry="yes")
    pm = build(program_from_text((HERMAN / "herman.5.prism").read_text(), "herman.5"))
    with pytest.raises(SpecError, match="already built"):
        check(pm, HERMAN / "herman.props", symmetry=True)
    program = program_from_text((HERMAN / "herman.5.prism").read_text(), "herman.5")
    reduced = build(program, symmetry=find_symmetry(program, None))
    (r,) = check(reduced, HERMAN / "herman.props")
    assert r.value == F(16, 5)
    with pytest.raises(SpecError, match="do not respect"):
        check(reduced, 'filter(max, P=? [ F x1=1 ], "init")')


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chainlab", "check", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_cli_uses_and_reports_the_symmetry():
    props = str(HERMAN / "herman.props")
    out = _cli(str(HERMAN / "herman.15.prism"), "--props", props, "--json")  # automatic
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["symmetry"] == {"modules": [f"process{j}" for j in range(1, 16)], "order": 15,
                               "orbits": _necklaces(15), "of_states": 2 ** 15}
    assert doc["num_states"] == _necklaces(15) and doc["results"][0]["value"] == "100/3"
    small = _cli(str(HERMAN / "herman.7.prism"), "--props", props, "--json")
    assert "symmetry" not in json.loads(small.stdout)  # below the automatic threshold
    forced = _cli(str(HERMAN / "herman.7.prism"), "--props", props, "--symmetry")
    assert forced.returncode == 0, forced.stderr
    assert "symmetry: rotation of the 7 modules" in forced.stdout
    assert "the orbits of 128 states" in forced.stdout and "= 48/7" in forced.stdout
    off = _cli(str(HERMAN / "herman.7.prism"), "--props", props, "--no-symmetry", "--json")
    assert json.loads(off.stdout)["num_states"] == 128
