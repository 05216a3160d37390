"""Strong probabilistic bisimulation (chainlab.lumping, claim LUMP-2) and its use by
``chainlab check``: the partition is a bisimulation and the coarsest one (against a plain
Python refinement), the quotient gives the chain's values, herman's references hold through it,
and bad arguments are refused by name."""

from __future__ import annotations

import json
import subprocess
import sys
from contextlib import contextmanager
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainlab import Chain, exact
from chainlab._analysis import refine
from chainlab.check import check
from chainlab.errors import ExactnessError, NotStochasticError, SpecError
from chainlab.lumping import bisimulation
from chainlab.prism import _properties

from ._references import herman_references

ROOT = Path(__file__).resolve().parents[1]
HERMAN = ROOT / "benchmarks" / "qvbs" / "herman"


# --------------------------------------------------------------------------- references
def _rows(c: Chain) -> list[dict[int, F]]:
    rows: list[dict[int, F]] = [{} for _ in range(c.num_states)]
    for i, j, v in c.transitions():
        rows[i][j] = v
    return rows


def _naive_coarsest(c: Chain, labels: list[str], rewards: list[list[F]]) -> set[frozenset]:
    """Partition refinement in plain Python over Fractions (the definition, slowly)."""
    rows = _rows(c)
    n = c.num_states
    key = [(tuple(i in c.labels[name] for name in labels), tuple(r[i] for r in rewards))
           for i in range(n)]
    block = _renumber(key)
    while True:
        sig = []
        for i in range(n):
            mass: dict[int, F] = {}
            for j, p in rows[i].items():
                mass[block[j]] = mass.get(block[j], F(0)) + p
            sig.append((block[i], frozenset(mass.items())))
        new = _renumber(sig)
        if len(set(new)) == len(set(block)):
            break
        block = new
    return _partition(block)


def _renumber(keys: list) -> list[int]:
    ids: dict = {}
    return [ids.setdefault(k, len(ids)) for k in keys]


def _partition(block) -> set[frozenset]:
    out: dict[int, set[int]] = {}
    for i, b in enumerate(list(block)):
        out.setdefault(int(b), set()).add(i)
    return {frozenset(s) for s in out.values()}


def _is_bisimulation(c: Chain, block: np.ndarray, labels: list[str],
                     rewards: list[list[F]]) -> bool:
    """The defining condition, checked directly: in every class the same labels, the same
    rewards and the same probability into every class."""
    rows = _rows(c)
    for members in _partition(block):
        first = min(members)
        for s in members:
            if any((s in c.labels[a]) != (first in c.labels[a]) for a in labels):
                return False
            if any(r[s] != r[first] for r in rewards):
                return False
            for target in _partition(block):
                if sum((rows[s].get(t, F(0)) for t in target), F(0)) != \
                        sum((rows[first].get(t, F(0)) for t in target), F(0)):
                    return False
    return True


@contextmanager
def _fmpq_sums():
    """Force the fmpq signature path (as for entries without a 62-bit common denominator)."""
    old = refine._WORD
    refine._WORD = 2
    try:
        yield
    finally:
        refine._WORD = old


# --------------------------------------------------------------------------- random chains
@st.composite
def symmetric_chains(draw):
    """A root, then ``copies`` copies of a random core; core state ``i`` of copy ``c`` moves
    to core state ``j`` of copy ``c + d_ij`` (offsets shared by all copies), so rotating the
    copies is an automorphism: with labels and rewards of the core state only, the copies of a
    state are bisimilar. ``broken``: one state's reward differs, breaking the symmetry."""
    m = draw(st.integers(1, 4))
    copies = draw(st.sampled_from([1, 2, 2, 3, 3, 3]))
    n = 1 + m * copies
    weights = [[draw(st.integers(0, 3)) for _ in range(m)] for _ in range(m)]
    for i in range(m):
        if not any(weights[i]):
            weights[i][draw(st.integers(0, m - 1))] = 1
    offset = [[draw(st.integers(0, copies - 1)) for _ in range(m)] for _ in range(m)]
    P: list[list[F]] = [[F(0)] * n for _ in range(n)]
    root = [draw(st.integers(0, 2)) for _ in range(n)]
    if not any(root):
        root[0] = 1
    for j in range(n):
        P[0][j] = F(root[j], sum(root))

    def at(c: int, i: int) -> int:
        return 1 + c * m + i

    for c in range(copies):
        for i in range(m):
            total = sum(weights[i])
            for j in range(m):
                if weights[i][j]:
                    P[at(c, i)][at((c + offset[i][j]) % copies, j)] += F(weights[i][j], total)
    goal = [i for i in range(m) if draw(st.booleans())]
    other = [i for i in range(m) if draw(st.booleans())]
    labels = {"goal": [at(c, i) for c in range(copies) for i in goal],
              "other": [at(c, i) for c in range(copies) for i in other]}
    base = [F(draw(st.integers(0, 3)), draw(st.integers(1, 2))) for _ in range(m)]
    reward = [F(0)] + [base[i] for c in range(copies) for i in range(m)]
    broken = draw(st.booleans()) and copies > 1
    if broken:
        reward[at(copies - 1, draw(st.integers(0, m - 1)))] += 1
    chain = Chain(P, labels=labels, initial=0)
    return chain, reward, m, copies, broken


@given(symmetric_chains(), st.booleans(), st.integers(0, 4))
@settings(max_examples=60, deadline=None)
def test_LUMP_2(drawn, object_sums, horizon):
    """The quotient gives exactly the chain's reachability probabilities (also within
    ``horizon`` steps), expected times, expected rewards and long-run values, state by state;
    folded transition rewards give the same expected rewards too."""
    c, reward, m, copies, broken = drawn
    labels = ["goal", "other"]
    if object_sums:
        with _fmpq_sums():
            b = bisimulation(c, labels=labels, rewards=[reward])
    else:
        b = bisimulation(c, labels=labels, rewards=[reward])
    q = b.quotient
    assert _is_bisimulation(c, np.asarray(b.block_of), labels, [reward])
    assert _partition(b.block_of) == _naive_coarsest(c, labels, [reward])
    if copies > 1 and not broken:
        assert b.num_blocks <= m + 1  # the copies of a core state merge
    assert b.block_of[b.representatives].tolist() == list(range(b.num_blocks))
    assert b.rewards[0].tolist() == [reward[s] for s in b.representatives.tolist()]
    assert q.initial == {int(b.block_of[0]): F(1)}
    if c.labels["goal"]:
        h, hq = exact.hitting(c, "goal"), exact.hitting(q, "goal")
        assert b.lift(hq.probabilities).tolist() == h.probabilities.tolist()
        assert b.lift(hq.expected_times).tolist() == h.expected_times.tolist()
        r = exact.expected_reward(c, "goal", state_rewards=reward)
        rq = exact.expected_reward(q, "goal", state_rewards=b.rewards[0])
        assert b.lift(rq.values).tolist() == r.values.tolist()  # inf where it is inf
        assert rq.initial == r.initial
        bd = exact.bounded_reachability(c, "goal", horizon)
        bq = exact.bounded_reachability(q, "goal", horizon)
        for k in range(horizon + 1):
            assert b.lift(bq.probabilities[k]).tolist() == bd.probabilities[k].tolist()
    lim, limq = exact.limiting(c), exact.limiting(q)
    # the long-run law of a class is the sum of its states'
    summed = [sum((lim.distribution[s] for s in np.flatnonzero(b.block_of == k).tolist()),
                  F(0)) for k in range(b.num_blocks)]
    assert limq.distribution.tolist() == summed


@given(symmetric_chains())
@settings(max_examples=30, deadline=None)
def test_transition_rewards_are_folded_into_expected_step_rewards(drawn):
    c, reward, m, copies, broken = drawn
    # a transition reward by the pair of core states (so the rotation keeps it)
    trew = {(i, j): F(((i - 1) % m if i else 0) + 2 * ((j - 1) % m if j else 0), 3)
            for i, j, _ in c.transitions()}
    b = bisimulation(c, labels=["goal"], transition_rewards=[trew])
    (rho,) = b.rewards
    assert _is_bisimulation(c, np.asarray(b.block_of), ["goal"], [])
    if c.labels["goal"]:
        r = exact.expected_reward(c, "goal", transition_rewards=trew)
        rq = exact.expected_reward(b.quotient, "goal", state_rewards=rho)
        assert b.lift(rq.values).tolist() == r.values.tolist()


# --------------------------------------------------------------------------- coarsest, by hand
def test_without_labels_every_chain_is_one_class():
    b = bisimulation(Chain([[0, 1, 0], [1, 0, 0], [0, 0, 1]]))
    assert b.block_of.tolist() == [0, 0, 0] and b.rounds == 1
    assert list(b.quotient.transitions()) == [(0, 0, F(1))]


def test_sums_into_a_class_decide_not_the_rows():
    # s spreads 1/4, 1/4 over the two goal states, t puts 1/2 on one of them: bisimilar
    h, q = F(1, 2), F(1, 4)
    c = Chain([[0, 0, q, q, h], [0, 0, h, 0, h], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0],
               [0, 0, 0, 0, 1]], labels={"goal": [2, 3]}, initial={0: h, 1: h})
    b = bisimulation(c)
    assert _partition(b.block_of) == {frozenset({0, 1}), frozenset({2, 3}), frozenset({4})}
    assert b.block_of.tolist() == [0, 0, 1, 1, 2]
    assert list(b.quotient.transitions()) == [(0, 1, h), (0, 2, h), (1, 1, F(1)),
                                              (2, 2, F(1))]
    assert dict(b.quotient.labels) == {"goal": frozenset({1})}
    assert dict(b.quotient.initial) == {0: F(1)}
    # respecting a reward that tells the goal states apart splits s from t as well
    b2 = bisimulation(c, rewards=[[0, 0, 1, 0, 0]])
    assert _partition(b2.block_of) == {frozenset({i}) for i in range(5)}


def test_a_cycle_splits_by_distance_to_the_label():
    # a ring 0 -> 1 -> 2 -> 3 -> 0 with the label on 0: every state has its own distance,
    # found in two rounds (3, then 2), after which every state is alone
    c = Chain([[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0]], labels={"a": [0]})
    b = bisimulation(c)
    assert b.num_blocks == 4 and b.rounds == 2
    # ... but a symmetric walk from the middle merges its two sides
    h = F(1, 2)
    w = Chain([[1, 0, 0, 0, 0], [h, 0, h, 0, 0], [0, h, 0, h, 0], [0, 0, h, 0, h],
               [0, 0, 0, 0, 1]], labels={"end": [0, 4]})
    assert _partition(bisimulation(w).block_of) == {frozenset({0, 4}), frozenset({1, 3}),
                                                    frozenset({2})}


def test_a_hash_collision_is_caught_and_split_exactly(monkeypatch):
    """With every hash forced equal, only the exact check can split: the result is the same
    coarsest partition (after more rounds)."""
    h = F(1, 2)
    c = Chain([[0, h, h, 0, 0, 0], [0, 0, 0, h, h, 0], [0, 0, 0, 0, h, h], [0, 0, 0, 1, 0, 0],
               [0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 1]], labels={"a": [3], "b": [5]})
    want = bisimulation(c)
    init = refine._Entries.__init__

    def colliding(self, chain):
        init(self, chain)
        self.residues = np.zeros_like(self.residues)

    monkeypatch.setattr(refine._Entries, "__init__", colliding)
    got = bisimulation(c)
    assert got.block_of.tolist() == want.block_of.tolist()
    assert _partition(got.block_of) == _naive_coarsest(c, ["a", "b"], [])
    assert got.rounds > want.rounds
    assert got.quotient == want.quotient


def test_entries_without_a_word_denominator_are_summed_as_rationals():
    p1, p2 = (1 << 61) - 1, (1 << 31) - 1  # lcm 2^92: no int64 numerators
    a, b = F(1, p1), F(1, p2)
    c = Chain([[0, a, 1 - a, 0], [0, 0, 0, 1], [0, 0, b, 1 - b], [0, 0, 0, 1]],
              labels={"end": [3]})
    res = bisimulation(c)
    assert refine._Entries(c).den is None
    assert _partition(res.block_of) == _naive_coarsest(c, ["end"], [])
    assert list(res.quotient.transitions())[0] == (0, 1, a)


# --------------------------------------------------------------------------- errors
def test_bad_arguments_are_named():
    c = Chain([[0, 1, 0], [0, 0, 1], [0, 0, 1]], labels={"end": [2]})
    with pytest.raises(SpecError, match="chain must be a chainlab.Chain, got list"):
        bisimulation([[1]])
    with pytest.raises(ExactnessError, match="bisimulation"):
        bisimulation(Chain([[0.5, 0.5], [0, 1]]))
    with pytest.raises(SpecError, match=r"'nope', which is not a label.*'end'"):
        bisimulation(c, labels=["nope"])
    with pytest.raises(SpecError, match=r"rewards\[0\] has 2 values, but the chain has 3"):
        bisimulation(c, rewards=[[1, 2]])
    with pytest.raises(SpecError, match=r"rewards=\[1, 2, 3\] is one reward vector.*"
                                        r"rewards=\[r\]"):
        bisimulation(c, rewards=[1, 2, 3])
    with pytest.raises(NotStochasticError, match=r"rewards\[0\]\[1\] is the string 'x'"):
        bisimulation(c, rewards=[[0, "x", 1]])
    with pytest.raises(SpecError, match=r"transition_rewards must be a list.*"
                                        r"transition_rewards=\[r\]"):
        bisimulation(c, transition_rewards={(0, 1): 1})
    with pytest.raises(SpecError, match="rewards\\[0\\] has the key 7, which is not a state"):
        bisimulation(c, rewards=[{7: 1}])
    b = bisimulation(c, labels="end")
    with pytest.raises(SpecError, match=r"one entry per class \(3\), got shape \(2,\)"):
        b.lift([1, 2])
    with pytest.raises(SpecError, match="bisimulation='yes' must be True, False or None"):
        check(_WALK, "P=? [ F x=2 ]", bisimulation="yes")
    with pytest.raises(SpecError, match="bisimulation=True .* exact=False"):
        check(_WALK, "P=? [ F x=2 ]", bisimulation=True, exact=False)


# --------------------------------------------------------------------------- check
_WALK = ("dtmc module w x : [0..2] init 1; [] x=1 -> 0.5 : (x'=0) + 0.5 : (x'=2); "
         "[] x!=1 -> true; endmodule")


@pytest.mark.parametrize("n", [3, 5, 7, 9, 11])
def test_herman_through_the_quotient_gives_the_references(n):
    refs = herman_references()
    (r,) = check(HERMAN / f"herman.{n}.prism", HERMAN / "herman.props", bisimulation=True)
    assert r.value == refs[n]
    (q,) = r.quotients
    assert q.of_states == 2 ** n and q.states < 2 ** n
    assert q.states == {3: 2, 5: 4, 7: 9, 9: 23, 11: 63}[n]


LEADER = ('"p": P=? [ F<=4 "elected" ]; 1 - "p"; P=? [ G<=7 !"elected" ]; '
          'P=? [ X "elected" ]; P=? [ !"elected" W "elected" ]; S=? [ "elected" ]; '
          'R{"num_rounds"}=? [ C<=5 ]; R{"num_rounds"}=? [ I=4 ]; R=? [ S ]; '
          'R{"num_rounds"}=? [ C ]; 3 * T=? [ F "elected" ] - 1; '
          'filter(avg, P=? [ F<=8 "elected" ]); filter(max, R=? [ F "elected" ]); '
          'P>0.9 [ F<=8 "elected" ]; P=? [ !"elected" U "elected" ]')


@pytest.mark.parametrize("model, props", [
    (ROOT / "benchmarks" / "qvbs" / "leader_sync" / "leader_sync.4-3.prism",
     LEADER),
    (HERMAN / "herman.7.prism", 'filter(avg, S=? [ "stable" ], "init"); '
                                'filter(min, P=? [ F<=5 "stable" ], "init"); '
                                'filter(sum, R=? [ C<=4 ], "init"); '
                                'filter(print, T=? [ F "stable" ], "init"); '
                                'filter(max, R=? [ I=3 ], "init")'),
])
def test_every_operator_has_the_same_values_on_the_quotient(model, props):
    plain = check(model, props, bisimulation=False)
    lumped = check(model, props, bisimulation=True)
    assert [r.value for r in plain] == [r.value for r in lumped]
    for a, b in zip(plain, lumped):
        if a.values is not None:
            assert a.values.tolist() == b.values.tolist(), a.property
        assert not a.quotients
    # every analysis but X, a reference and a W with an empty target ran on a quotient
    assert sum(len(r.quotients) for r in lumped) >= len(lumped) - 3
    assert all(q.states < q.of_states for r in lumped for q in r.quotients)


def test_automatic_mode_lumps_big_components_and_gives_up_on_long_chains(monkeypatch):
    monkeypatch.setattr(_properties, "BISIMULATION_MIN_SCC", 50)
    (r,) = check(HERMAN / "herman.7.prism", HERMAN / "herman.props")  # a component of 70
    assert [(q.of_states, q.states) for q in r.quotients] == [(128, 9)]
    # a long walk needs a round per state of distance: no quotient within the rounds
    ruin = ("dtmc module g x : [0..200] init 100; [] x>0 & x<200 -> 2/5 : (x'=x+1) + "
            "3/5 : (x'=x-1); [] x=0 | x=200 -> true; endmodule")
    (a,) = check(ruin, "P=? [ F x=200 ]")
    (b,) = check(ruin, "P=? [ F x=200 ]", bisimulation=True)
    assert not a.quotients and b.quotients[0].states == 201 and a.value == b.value
    monkeypatch.setattr(_properties, "BISIMULATION_MIN_SCC", 10**6)
    (r,) = check(HERMAN / "herman.7.prism", HERMAN / "herman.props")
    assert not r.quotients


def test_automatic_mode_by_default():
    # herman 9's biggest component has 252 states (below the threshold), herman 11's 924
    assert _properties.BISIMULATION_MIN_SCC == 500
    (r9,) = check(HERMAN / "herman.9.prism", HERMAN / "herman.props")
    (r11,) = check(HERMAN / "herman.11.prism", HERMAN / "herman.props")
    assert not r9.quotients and r9.value == 12
    assert [(q.of_states, q.states) for q in r11.quotients] == [(2048, 63)]
    assert r11.value == F(192, 11)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "chainlab", "check", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_cli_reports_the_quotient():
    model, props = str(HERMAN / "herman.9.prism"), str(HERMAN / "herman.props")
    out = _cli(model, "--props", props, "--bisimulation", "--json")
    assert out.returncode == 0, out.stderr
    (res,) = json.loads(out.stdout)["results"]
    assert res["value"] == "12"
    (q,) = res["quotients"]
    assert (q["of_states"], q["states"]) == (512, 23) and q["rounds"] >= 1
    table = _cli(model, "--props", props, "--bisimulation")
    assert "solved on a bisimulation quotient: 512 -> 23 states" in table.stdout
    off = _cli(model, "--props", props, "--no-bisimulation", "--json")
    assert "quotients" not in json.loads(off.stdout)["results"][0]
    bad = _cli(model, "--props", props, "--bisimulation", "--float")
    assert bad.returncode == 2
    assert bad.stderr.strip() == ("chainlab check: error: --bisimulation lumps the chain for "
                                  "the exact analyses, but --float was given; drop one of them")
