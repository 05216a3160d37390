"""Files chainlab writes, checked against the formats' documentation (no stormpy needed):

* PRISM's explicit format (manual, appendix "Explicit Model Files"): ``.tra`` starts with
  ``n m``, then ``i j x`` lines with x a floating-point number (``0.5``, ``.5``, ``5.6e-6``,
  ``1``); ``.lab`` declares ``0="init" 1="deadlock" ...`` then ``i: k ...``; ``.srew`` holds
  ``n nz`` then ``i r`` (after an optional ``#`` header comment naming the structure).
* Storm's explicit reader (storm-parsers: AutoParser, DeterministicSparseTransitionParser,
  AtomicPropositionLabelingParser, SparseStateRewardParser): the first token of ``.tra`` is the
  model type (``dtmc``), then ``i j x`` in row-major order with ``x`` read by ``strtod``;
  ``.lab`` is ``#DECLARATION`` names ``#END`` then ``state name ...`` with increasing states;
  state rewards are ``state value`` lines, increasing, non-negative.
* Storm's DRN: ``@reward_models`` names the state reward vectors written ``[r1,r2]`` after
  each state id.
"""

from __future__ import annotations

import re
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainlab import Chain
from chainlab.errors import SpecError
from chainlab.io import read_chain, write_drn, write_prism
from chainlab.strategies import absorbing_chains, chains, parametric_chains

#: a decimal as PRISM documents it and C's strtod reads it completely (no p/q)
FLOAT = re.compile(r"^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def with_extras(chain: Chain) -> Chain:
    """The chain with an initial state and two labels (what the files must carry)."""
    n = chain.num_states
    return chain.with_initial(chain.states.labels[0]).with_labels(
        {"goal": [chain.states.labels[n - 1]], "odd": chain.states.labels[1::2]})


def parse_prism(paths):
    """The .tra/.lab of PRISM's dialect, read by the rules of its documentation."""
    lines = paths["tra"].read_text().splitlines()
    n, m = map(int, lines[0].split())
    triples = [line.split() for line in lines[1:]]
    assert len(triples) == m
    lab = paths["lab"].read_text().splitlines()
    names = dict(re.fullmatch(r'(\d+)="(\w+)"', tok).groups() for tok in lab[0].split())
    assert names["0"] == "init" and names["1"] == "deadlock"
    labels = {name: [] for name in names.values()}
    for line in lab[1:]:
        head, _, ids = line.partition(":")
        for k in ids.split():
            labels[names[k]].append(int(head))
    return n, triples, labels


def parse_storm(paths):
    """The .tra/.lab of Storm's dialect, read by the rules of Storm's explicit parsers."""
    tokens = paths["tra"].read_text().split("\n", 1)
    assert tokens[0].strip().upper() == "DTMC"  # AutoParser's model hint
    triples = [line.split() for line in tokens[1].splitlines() if line.strip()]
    keys = [(int(i), int(j)) for i, j, _ in triples]
    assert keys == sorted(set(keys)), "transitions must come row by row, each once"
    text = paths["lab"].read_text()
    head, end, body = text.partition("#END")
    assert end and head.split()[0] == "#DECLARATION"
    declared = head.split()[1:]
    assert "init" in declared
    labels = {name: [] for name in declared}
    last = -1
    for line in body.strip().splitlines():
        state, *names = line.split()
        assert int(state) > last
        last = int(state)
        for name in names:
            labels[name].append(int(state))
    return 1 + max(max(k) for k in keys), triples, labels


def test_exact_decimals_are_written_as_decimals(tmp_path):
    c = Chain([["1/2", "1/8", "3/8"], [0, "3/4", "1/4"], [0, 0, 1]], initial=0)
    for dialect in ("prism", "storm"):
        paths = write_prism(c, tmp_path / dialect, dialect=dialect)
        body = paths["tra"].read_text().splitlines()[1:]
        assert body == ["0 0 0.5", "0 1 0.125", "0 2 0.375", "1 1 0.75", "1 2 0.25", "2 2 1"]
        assert read_chain(paths["tra"]) == c


def test_prism_dialect_follows_prisms_documentation(tmp_path):
    c = with_extras(Chain([["1/2", "1/2", 0], ["1/4", "1/4", "1/2"], [0, 0, 1]]))
    paths = write_prism(c, tmp_path / "m")
    n, triples, labels = parse_prism(paths)
    assert n == 3 and all(FLOAT.match(x) for *_, x in triples)
    assert labels == {"init": [0], "deadlock": [], "goal": [2], "odd": [1]}
    assert read_chain(paths["tra"]) == c


def test_storm_dialect_follows_storms_parsers(tmp_path):
    c = with_extras(Chain([["1/2", "1/2", 0], ["1/4", "1/4", "1/2"], [0, 0, 1]]))
    paths = write_prism(c, tmp_path / "m", dialect="storm")
    n, triples, labels = parse_storm(paths)
    assert n == 3 and all(FLOAT.match(x) for *_, x in triples)
    assert labels == {"init": [0], "goal": [2], "odd": [1]}
    assert read_chain(paths["tra"]) == c


def test_non_terminating_values_fraction_or_rounded_decimal(tmp_path):
    c = Chain([["1/3", "2/3"], ["1/7", "6/7"]], initial=0, labels={"b": [1]})
    frac = write_prism(c, tmp_path / "f", dialect="storm")
    assert frac["tra"].read_text().splitlines()[1:] == ["0 0 1/3", "0 1 2/3", "1 0 1/7",
                                                        "1 1 6/7"]
    assert read_chain(frac["tra"]) == c  # chainlab reads back exactly what it wrote
    dec = write_prism(c, tmp_path / "d", dialect="storm", inexact="decimal")
    n, triples, _ = parse_storm(dec)
    assert all(FLOAT.match(x) for *_, x in triples)
    assert triples[0][2] == "0.33333333333333333"  # 17 significant digits
    back = read_chain(dec["tra"])
    assert back.is_exact  # every row of the file sums to exactly 1
    for (i, j, x), v in zip(triples, back.require_exact()):
        assert F(x) == F(int(v.p), int(v.q))  # read back exactly as written
        assert abs(F(x) - c.probability(int(i), int(j))) < F(1, 10**16)
    for i in range(n):
        assert sum(F(x) for a, _, x in triples if int(a) == i) == 1


@settings(max_examples=30)
@given(absorbing_chains(max_weight=7), st.sampled_from(["prism", "storm"]),
       st.sampled_from(["fraction", "decimal"]))
def test_written_files_read_back(chain, dialect, inexact):
    import tempfile
    from pathlib import Path

    c = with_extras(chain) if chain.num_states > 1 else chain.with_initial(0)
    with tempfile.TemporaryDirectory() as d:
        paths = write_prism(c, Path(d) / "c", dialect=dialect, inexact=inexact, steps=True)
        n, triples, labels = (parse_storm if dialect == "storm" else parse_prism)(paths)
        back = read_chain(paths["tra"])
        drn = read_chain(write_drn(c, Path(d) / "c.drn"))
    assert drn == c
    assert n == c.num_states and labels["init"] == [0]
    if inexact == "fraction":
        assert back == c
    else:
        assert all(FLOAT.match(x) for *_, x in triples)
        assert back.is_exact and back.labels == c.labels and back.initial == c.initial
        for i, j, v in c.transitions():
            assert abs(back.probability(i, j) - v) < F(1, 10**15)


@settings(max_examples=20)
@given(chains(exact=False))
def test_float_chains_write_shortest_round_trip_decimals(chain):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        paths = write_prism(chain, Path(d) / "c", dialect="storm")
        _, triples, _ = parse_storm(paths)
        back = read_chain(paths["tra"], exact=False)
    assert all(FLOAT.match(x) for *_, x in triples)
    assert (back.P != chain.P).nnz == 0


# ---------------------------------------------------------------------- rewards
def test_drn_writes_the_steps_reward_and_more(tmp_path):
    c = Chain([["1/2", "1/2"], [0, 1]], initial=0, labels={"done": [1]})
    text = write_drn(c, tmp_path / "a.drn").read_text()
    assert "@reward_models\nsteps\n" in text
    assert "state 0 [1] init\n" in text and "state 1 [1] done\n" in text
    text = write_drn(c, tmp_path / "b.drn", rewards={"cost": ["1/3", 0.5]}).read_text()
    assert "@reward_models\nsteps cost\n" in text
    assert "state 0 [1,1/3] init\n" in text and "state 1 [1,0.5] done\n" in text
    assert read_chain(tmp_path / "b.drn") == c
    text = write_drn(c, tmp_path / "c.drn", steps=False).read_text()
    assert "@reward_models\n\n" in text and "[" not in text


def test_parametric_drn_carries_the_steps_reward(tmp_path):
    from chainlab.parametric import gamblers_ruin

    g = gamblers_ruin(3, "p")
    text = write_drn(g, tmp_path / "g.drn").read_text()
    assert "@value_type: parametric\n@parameters\np\n@reward_models\nsteps\n" in text
    assert text.count(" [1]") == g.num_states
    assert read_chain(tmp_path / "g.drn").probability(1, 0) == g.probability(1, 0)


@settings(max_examples=10)
@given(parametric_chains())
def test_parametric_drn_round_trip(chain):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        back = read_chain(write_drn(chain, Path(d) / "p.drn", rewards={
            "r": [F(i, 3) for i in range(chain.num_states)]}))
    assert [(i, j, str(v)) for i, j, v in back.transitions()] == \
        [(i, j, str(v)) for i, j, v in chain.transitions()]


def test_prism_reward_files(tmp_path):
    c = Chain([["1/2", "1/2", 0], [0, "1/3", "2/3"], [0, 0, 1]], initial=0)
    one = write_prism(c, tmp_path / "one", steps=True)
    assert one["srew"].name == "one.srew"
    assert one["srew"].read_text() == '# Reward structure "steps"\n3 3\n0 1\n1 1\n2 1\n'
    two = write_prism(c, tmp_path / "two", steps=True, rewards={"cost": [0, "1/8", "1/3"]},
                      inexact="decimal")
    assert two["srew:steps"].name == "two1.srew" and two["srew:cost"].name == "two2.srew"
    assert two["srew:cost"].read_text() == \
        '# Reward structure "cost"\n3 2\n1 0.125\n2 0.33333333333333333\n'
    storm = write_prism(c, tmp_path / "s", dialect="storm", rewards={"cost": [0, "1/8", 2]})
    assert storm["state.rew"].name == "s.state.rew"
    assert storm["state.rew"].read_text() == "1 0.125\n2 2\n"
    assert set(one) == {"tra", "lab", "srew"} and set(write_prism(c, tmp_path / "n")) == \
        {"tra", "lab"}


@pytest.mark.parametrize("kwargs, match", [
    ({"dialect": "mrmc"}, "dialect must be 'prism'"),
    ({"inexact": "round"}, "inexact must be 'fraction'"),
    ({"rewards": {"cost": [1, 2]}}, r"rewards\['cost'\] has 2 values for 3 states"),
    ({"rewards": {"cost": [1, -1, 0]}}, r"rewards\['cost'\]\[1\] = -1 is negative"),
    ({"rewards": {"cost": [1, "x", 0]}}, r"rewards\['cost'\]\[1\] = 'x' is not a number"),
    ({"rewards": {"cost": [1, float("nan"), 0]}}, "not a finite non-negative"),
    ({"rewards": {"no way": [1, 1, 1]}}, "reward name 'no way' cannot be written"),
    ({"rewards": [1, 2, 3]}, "rewards must map reward names"),
    ({"steps": True, "rewards": {"steps": [1, 1, 1]}}, "'steps' is written already"),
    ({"steps": "yes"}, "steps must be True or False"),
    ({"dialect": "storm", "steps": True, "rewards": {"c": [1, 1, 1]}},
     "Storm's explicit format holds one state reward structure"),
])
def test_bad_arguments_are_refused_by_name(tmp_path, kwargs, match):
    c = Chain([["1/2", "1/2", 0], [0, "1/3", "2/3"], [0, 0, 1]])
    with pytest.raises(SpecError, match=match):
        write_prism(c, tmp_path / "x", **kwargs)


def test_writers_refuse_what_is_not_a_chain(tmp_path):
    with pytest.raises(SpecError, match="chain must be a chainlab Chain"):
        write_drn([[1]], tmp_path / "x.drn")
    with pytest.raises(SpecError, match="chain must be a chainlab Chain"):
        write_prism("chain", tmp_path / "x")


def test_storm_files_from_storms_own_test_resources_read(tmp_path):
    """A DTMC in Storm's explicit format as Storm's test resources write it (no init label,
    labels over several lines)."""
    (tmp_path / "d.tra").write_text("dtmc\n0 0 0.25\n0 1 0.75\n1 1 1.0\n")
    (tmp_path / "d.lab").write_text("#DECLARATION\ninit\nfinal\n#END\n0 init\n1 final\n")
    c = read_chain(tmp_path / "d.tra")
    assert c.probability(0, 1) == F(3, 4) and dict(c.initial) == {0: 1}
    assert sorted(c.labels["final"]) == [1]
    (tmp_path / "m.tra").write_text("mdp\n0 0 0 1\n")
    from chainlab.errors import FileFormatError

    with pytest.raises(FileFormatError, match="model type 'mdp' is not supported"):
        read_chain(tmp_path / "m.tra")
    (tmp_path / "e.tra").write_text("dtmc\n0 0 1\n")
    (tmp_path / "e.lab").write_text("#DECLARATION\ninit\n#END\n0 goal\n")
    with pytest.raises(FileFormatError, match="label 'goal' is not declared"):
        read_chain(tmp_path / "e.tra")
