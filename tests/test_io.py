"""PRISM explicit and Storm DRN files: round trips, exact decimals, malformed files."""

from __future__ import annotations

from fractions import Fraction as F

import pytest
from hypothesis import given

from chainlab import Chain, exact
from chainlab.errors import FileFormatError, SpecError
from chainlab.io import (
    bundled_example,
    read_chain,
    read_drn,
    read_prism,
    write_drn,
    write_prism,
)
from chainlab.strategies import reducible_chains

DRN_HEAD = "@type: DTMC\n@parameters\n\n@reward_models\n\n@nr_states\n{n}\n@nr_choices\n{n}\n@model\n"


def drn(tmp_path, body: str, n: int = 2, name: str = "m.drn"):
    p = tmp_path / name
    p.write_text(DRN_HEAD.format(n=n) + body)
    return p


def ruin_chain() -> Chain:
    return Chain([[1, 0, 0, 0], ["3/5", 0, "2/5", 0], [0, "3/5", 0, "2/5"], [0, 0, 0, 1]],
                 initial=1, labels={"win": [3], "ruin": [0]})


# --------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("fmt", ["drn", "prism"])
def test_round_trip_exact(tmp_path, fmt):
    c = ruin_chain()
    path = write_drn(c, tmp_path / "r.drn") if fmt == "drn" else write_prism(c, tmp_path / "r")["tra"]
    back = read_chain(path)
    assert back == c
    assert exact.absorption(back).initial_B.tolist() == exact.absorption(c).initial_B.tolist()


@pytest.mark.parametrize("fmt", ["drn", "prism"])
@given(c=reducible_chains(max_transient=5))
def test_round_trip_random_chains(tmp_path_factory, fmt, c):
    d = tmp_path_factory.mktemp("rt")
    path = write_drn(c, d / "c.drn") if fmt == "drn" else write_prism(c, d / "c")["tra"]
    assert read_chain(path) == c


def test_round_trip_float_chain(tmp_path):
    c = Chain([[0.1, 0.9], [0.7, 0.3]], initial=0)
    back = read_chain(write_drn(c, tmp_path / "f.drn"), exact=False)
    assert not back.is_exact
    assert (back.P != c.P).nnz == 0


def test_sta_valuations_become_state_labels(tmp_path):
    c = Chain([[0, 1], ["1/3", "2/3"]], states=[(0, 1), (1, 1)], initial=(0, 1),
              labels={"goal": [(1, 1)]})
    paths = write_prism(c, tmp_path / "m")
    assert set(paths) == {"tra", "lab", "sta"}
    back = read_chain(paths["tra"])
    assert back.states.labels == ((0, 1), (1, 1))
    assert back == c


def test_decimals_are_read_exactly(tmp_path):
    p = drn(tmp_path, "state 0 init\n\taction 0\n\t\t0 : 0.6\n\t\t1 : 0.4\n"
                      "state 1\n\taction 0\n\t\t1 : 1e0\n")
    c = read_drn(p)
    assert c.is_exact and c.probability(0, 1) == F(2, 5) and dict(c.initial) == {0: 1}


def test_rounded_decimals_fall_back_to_float_or_fail_when_exact(tmp_path):
    body = ("state 0\n\taction 0\n\t\t0 : 0.3333333333333333\n\t\t1 : 0.6666666666666666\n"
            "state 1\n\taction 0\n\t\t1 : 1\n")
    p = drn(tmp_path, body)
    assert not read_drn(p).is_exact
    with pytest.raises(FileFormatError, match=r"m\.drn:\d+: P row 0 sums to .*write fractions"):
        read_drn(p, exact=True)


def test_bundled_example():
    c = read_chain(bundled_example())
    res = exact.absorption(c)
    r = F(3, 2)
    assert res.initial_B[1] == (r - 1) / (r**10 - 1)  # P(win) from 1, p = 2/5, N = 10


def test_storm_rewards_valuations_and_comments(tmp_path):
    body = ("// comment\nstate 0 {x=0} [1.5] init start\n\taction 0 [2]\n\t\t1 : 1\n"
            "state 1 [0] done\n\taction a\n\t\t1 : 1\n")
    c = read_drn(drn(tmp_path, body))
    assert sorted(c.labels) == ["done", "start"] and c.labels["done"] == {1}


def test_write_is_atomic_on_error(tmp_path):
    c = Chain([[1]], labels={"bad name": [0]})
    target = tmp_path / "x.drn"
    with pytest.raises(SpecError, match="bad name"):
        write_drn(c, target)
    assert list(tmp_path.iterdir()) == []


def test_non_uniform_initial_distribution_is_refused(tmp_path):
    c = Chain([[1, 0], [0, 1]], initial={0: F(1, 3), 1: F(2, 3)})
    with pytest.raises(SpecError, match="not uniform"):
        write_drn(c, tmp_path / "x.drn")
    assert not (tmp_path / "x.drn").exists()


# --------------------------------------------------------------------------- malformed files
MALFORMED_DRN = [
    ("type", "@type: MDP\n", r":1: model type 'MDP'"),
    ("no-model", "@type: DTMC\n@nr_states\n1\n", "no @nr_states / @model"),
    ("bad-prob", DRN_HEAD.format(n=1) + "state 0\n\taction 0\n\t\t0 : half\n", r":13: probability 'half'"),
    ("neg-prob", DRN_HEAD.format(n=1) + "state 0\n\taction 0\n\t\t0 : -1\n", r":13: probability -1 is outside"),
    ("target-range", DRN_HEAD.format(n=1) + "state 0\n\taction 0\n\t\t3 : 1\n", r":13: target state 3 is out of range"),
    ("two-actions", DRN_HEAD.format(n=1) + "state 0\n\taction 0\n\t\t0 : 1\n\taction 1\n", r":14: .*MDP"),
    ("order", DRN_HEAD.format(n=2) + "state 1\n\taction 0\n\t\t1 : 1\n", r":11: state 1 out of order"),
    ("missing", DRN_HEAD.format(n=2) + "state 0\n\taction 0\n\t\t0 : 1\n", "lists 1 states"),
    ("row-sum", DRN_HEAD.format(n=1) + "state 0\n\taction 0\n\t\t0 : 1/2\n", r":11: P row 0 sums to 1/2"),
    ("param", "@type: DTMC\n@parameters\np\n", r":3: parametric"),
    ("no-action", DRN_HEAD.format(n=2) + "state 0\nstate 1\n", r":11: state 0 has no action"),
]


@pytest.mark.parametrize("text,match", [pytest.param(t, m, id=i) for i, t, m in MALFORMED_DRN])
def test_malformed_drn(tmp_path, text, match):
    p = tmp_path / "bad.drn"
    p.write_text(text)
    with pytest.raises(FileFormatError, match=match) as info:
        read_chain(p)
    assert "bad.drn" in str(info.value)


MALFORMED_TRA = [
    ("empty", "", r":1: empty file"),
    ("header", "2 3 4\n", r":1: header"),
    ("mdp", "2 1\n0 0 0 1\n", r":2: .*MDP"),
    ("range", "2 2\n0 5 1\n1 1 1\n", r":2: state 5 is out of range"),
    ("count", "2 3\n0 0 1\n1 1 1\n", "declares 3 transitions"),
    ("prob", "1 1\n0 0 x\n", r":2: probability 'x'"),
    ("empty-row", "2 1\n0 0 1\n", r"P row 1 is empty"),
]


@pytest.mark.parametrize("text,match", [pytest.param(t, m, id=i) for i, t, m in MALFORMED_TRA])
def test_malformed_tra(tmp_path, text, match):
    p = tmp_path / "bad.tra"
    p.write_text(text)
    with pytest.raises(FileFormatError, match=match) as info:
        read_chain(p)
    assert "bad.tra" in str(info.value)


def test_malformed_lab(tmp_path):
    (tmp_path / "m.tra").write_text("1 1\n0 0 1\n")
    (tmp_path / "m.lab").write_text('0="init"\n0: 7\n')
    with pytest.raises(FileFormatError, match=r"m\.lab:2: label id 7"):
        read_prism(tmp_path / "m.tra", lab=tmp_path / "m.lab")


def test_unknown_suffix_and_missing_file(tmp_path):
    (tmp_path / "m.txt").write_text("x")
    with pytest.raises(FileFormatError, match="unknown file type"):
        read_chain(tmp_path / "m.txt")
    with pytest.raises(FileFormatError, match="no such file"):
        read_chain(tmp_path / "nope.drn")


# --------------------------------------------------------------------------- parametric files
def test_parametric_drn_is_read_as_a_parametric_chain(tmp_path):
    import sympy

    from chainlab.parametric import ParametricChain

    p = sympy.Symbol("p")
    c = ParametricChain([[1, 0, 0], [1 - p, 0, p], [0, 0, 1]], initial=1, labels={"goal": [2]})
    back = read_chain(write_drn(c, tmp_path / "c.drn"))
    assert isinstance(back, ParametricChain) and back == c
    assert back.substitute(p=F(1, 4)) == Chain([[1, 0, 0], [F(3, 4), 0, F(1, 4)], [0, 0, 1]],
                                               initial=1, labels={"goal": [2]})
