"""chainlab.prism and chainlab.check: every construct on small models with hand-checked values,
malformed models and properties (each with a clear message), the CLI, and random programs
against the explicit chains they describe (Hypothesis)."""

from __future__ import annotations

import json
import re
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainlab import Chain, exact, numeric
from chainlab.check import check
from chainlab.cli import main
from chainlab.errors import (
    ChainlabError,
    FileFormatError,
    NotStochasticError,
    PrecisionError,
    SpecError,
    StateSpaceLimitError,
)
from chainlab.io import read_chain, write_drn
from chainlab.prism import PrismSyntaxError, parse_model, read_model

COINS = """
dtmc
// two coins flipped together (synchronised on [flip]) until both show heads
module a
  x : [0..1] init 0;
  [flip] x=0 -> 0.5 : (x'=1) + 0.5 : true;
  [flip] x=1 -> true;
endmodule
module b = a [ x=y ] endmodule
rewards "flips" [flip] true : 1; endrewards
rewards "heads" true : x + y; endrewards
"""


def value(model, prop, **kw):
    (res,) = check(model, prop, **kw)
    return res.value


# ---------------------------------------------------------------------- constructs
def test_synchronisation_takes_the_product_of_the_updates():
    m = parse_model(COINS)
    c = m.chain
    assert m.variables == ("x", "y")
    assert c.num_states == 4
    for target in [(0, 0), (0, 1), (1, 0), (1, 1)]:
        assert c.probability((0, 0), target) == F(1, 4)
    assert c.probability((1, 0), (1, 1)) == F(1, 2)
    # E[max of two Geometric(1/2)] = 2 + 2 - 4/3
    assert value(m, 'T=? [ F x=1 & y=1 ]') == F(8, 3)
    assert value(m, 'R{"flips"}=? [ F x=1 & y=1 ]') == F(8, 3)
    # heads accumulated: each step before the end earns x + y
    assert value(m, 'R{"heads"}=? [ C<=1 ]') == 0
    assert value(m, 'R{"heads"}=? [ C<=2 ]') == F(1)  # E[x+y after one step] = 1
    assert value(m, 'R{"heads"}=? [ I=1 ]') == F(1)
    assert value(m, 'R{2}=? [ I=2 ]') == F(3, 2)  # each coin heads w.p. 3/4
    assert value(m, 'R=? [ F x=1 & y=1 ]') == F(8, 3)  # R without a name: the first


def test_interleaving_chooses_uniformly_and_deadlocks_get_a_self_loop():
    m = parse_model("""
    dtmc
    module a  x : bool;  [] !x -> (x'=true); endmodule
    module b  y : bool;  [] !y -> (y'=true); endmodule
    """)
    c = m.chain
    assert c.probability((False, False), (True, False)) == F(1, 2)
    assert c.probability((False, False), (False, True)) == F(1, 2)
    assert c.probability((True, False), (True, True)) == 1
    assert c.probability((True, True), (True, True)) == 1
    assert [c.states.label_of(i) for i in c.labels["deadlock"]] == [(True, True)]
    assert value(m, 'P=? [ F "deadlock" ]') == 1
    assert value(m, 'P=? [ X y ]') == F(1, 2)


def test_constants_formulas_labels_globals_and_exact_decimals():
    m = parse_model("""
    dtmc
    const int N;
    const double q;
    const double p = 0.02;
    const bool go = true;
    const int M = N + 1;
    formula last = x = M;
    global g : [0..1] init 0;
    module walk
      x : [0..M] init 0;
      [] go & x<M -> p : (x'=x+1) + q : (x'=0) + 1-p-q : true;
      [] last & g=0 -> (g'=1);
      [] last & g=1 -> true;
    endmodule
    label "end" = last;
    label "done" = "end" & g=1;
    """, constants="N=1,q=1/10")
    c = m.chain
    assert m.constants["M"] == 2 and m.constants["p"] == F(1, 50)
    assert c.probability((0, 0), (0, 1)) == F(1, 50)  # globals first: (g, x)
    assert c.probability((0, 1), (0, 0)) == F(1, 10)
    assert c.probability((0, 1), (0, 1)) == 1 - F(1, 50) - F(1, 10)
    assert sorted(c.states.label_of(i) for i in c.labels["done"]) == [(1, 2)]
    assert value(m, 'P=? [ F "done" ]') == 1
    # from x=0: reach x=2 passing x=1: both steps need p against the reset q
    assert value(m, 'P=? [ F<=2 x=2 ]') == F(1, 2500)


def test_init_block_gives_several_initial_states_and_filters():
    m = parse_model("""
    dtmc
    module m
      x : [0..3];
      [] x<3 -> 1/2 : (x'=x+1) + 1/2 : (x'=0);
      [] x=3 -> true;
    endmodule
    init x<=1 endinit
    """)
    assert m.initial_states == (0, 1)
    assert dict(m.chain.initial) == {0: F(1, 2), 1: F(1, 2)}
    with pytest.raises(SpecError, match=r"2 initial states.*filter\(max, P=\? \[ F x=3 \]"):
        check(m, "P=? [ F x=3 ]")
    # hitting 3 = three heads in a row: from 0 the time is 14, from 1 it is 12
    res = check(m, 'filter(max, T=? [ F x=3 ], "init"); filter(min, T=? [ F x=3 ], "init");'
                   ' filter(avg, T=? [ F x=3 ], "init"); filter(forall, P>=1 [ F x=3 ]);'
                   ' filter(count, x>0); filter(sum, T=? [F x=3], x=2);'
                   ' filter(print, T=? [ F x=3 ], "init")')
    assert [r.value for r in res[:6]] == [14, 12, 13, True, 3, 8]
    assert res[6].value == {"(x=0)": 14, "(x=1)": 12}


def test_path_operators_and_bounds_by_hand():
    m = parse_model("""
    dtmc
    module m
      s : [0..3] init 0;
      [] s=0 -> 1/2 : (s'=1) + 1/2 : (s'=2);
      [] s=1 -> 1/2 : (s'=0) + 1/2 : (s'=3);
      [] s>=2 -> true;
    endmodule
    """)
    assert value(m, "P=? [ F s=3 ]") == F(1, 3)
    assert value(m, "P=? [ s<=1 U s=3 ]") == F(1, 3)
    assert value(m, "P=? [ s=0 U s=1 ]") == F(1, 1) - value(m, "P=? [ s=0 U s=2 ]")
    assert value(m, "P=? [ F<=2 s=3 ]") == F(1, 4)
    assert value(m, "P=? [ F<3 s=3 ]") == F(1, 4)
    assert value(m, "P=? [ s!=2 U<=4 s=3 ]") == F(1, 4) + F(1, 16)
    assert value(m, "P=? [ G s<=1 ]") == 0
    assert value(m, "P=? [ G<=1 s<=1 ]") == F(1, 2)
    assert value(m, "P=? [ s<=1 W s=3 ]") == F(1, 3)
    assert value(m, "P>0.3 [ F s=3 ]") is True
    assert value(m, "P<0.3 [ F<=2 s=3 ]") is True
    assert value(m, "Pmax=? [ F s=3 ]") == F(1, 3)
    assert value(m, "1 - P=? [ F s=3 ]") == F(2, 3)
    assert value(m, "T=? [ F s=3 ]") == float("inf")  # s=2 is a trap: infinite, as PRISM
    assert value(m, "T=? [ F s>=2 ]") == 2
    assert value(m, "S=? [ s=3 ]") == F(1, 3)


def test_long_run_and_rewards_of_a_recurrent_chain():
    m = parse_model("""
    dtmc
    module flip
      s : [0..1] init 0;
      [] s=0 -> 1/3 : (s'=1) + 2/3 : true;
      [] s=1 -> 1/2 : (s'=0) + 1/2 : true;
    endmodule
    rewards "r" s=1 : 5; [] s=0 : 1; endrewards
    """)
    assert value(m, "S=? [ s=1 ]") == F(2, 5)
    # long-run reward per step: 5 * 2/5 in s=1, plus 1 per step from s=0 (3/5 of the time)
    assert value(m, 'R{"r"}=? [ S ]') == 2 + F(3, 5)
    assert value(m, 'R{"r"}=? [ F s=1 ]') == 3  # three steps from s=0 on average
    assert value(m, 'R{"r"}=? [ C ]') == float("inf")
    assert value(m, "S>0.5 [ s=0 ]") is True
    r = m.reward("r")
    assert r.state.tolist() == [0, 5] and r.transition.tolist() == [1, 0]


def test_an_empty_reward_structure_earns_nothing():
    m = parse_model("dtmc module c x : [0..1]; [] x=0 -> 0.5 : (x'=1) + 0.5 : true; "
                    '[] x=1 -> true; endmodule rewards "none" endrewards')
    assert m.reward("none").per_step().tolist() == [0, 0]
    assert value(m, 'R{"none"}=? [ F x=1 ]') == 0
    assert value(m, 'R{"none"}=? [ C<=3 ]') == 0


def test_float_mode_uses_certified_analyses():
    res = check(COINS, 'T=? [ F x=1 & y=1 ]; P=? [ F<=2 x=1 & y=1 ]', exact=False)
    assert abs(res[0].value - 8 / 3) < 1e-12 and res[0].error_bound < 1e-9
    assert isinstance(res[1].value, float)
    assert abs(res[1].value - 9 / 16) <= max(res[1].error_bound, 2 ** -53) * 9 / 16


WALK = ("dtmc module w x : [0..3] init 1; [] x=1 -> 0.5 : (x'=0) + 0.5 : (x'=2); "
        "[] x=2 -> 0.5 : (x'=1) + 0.5 : (x'=3); [] x=0|x=3 -> true; endmodule")


def test_float_mode_carries_error_bounds_through_the_property():
    props = ("P=? [ F x=3 ]; P=? [ G x!=3 ]; P>0.3 [ F x=3 ]; P>=1 [ F x=0|x=3 ]; "
             "2 * P=? [ F x=3 ] - 1/3; filter(sum, P=? [ F x=3 ])")
    exact = check(WALK, props)
    floats = check(WALK, props, exact=False)
    assert [r.value for r in exact] == [F(1, 3), F(2, 3), True, True, F(1, 3), F(1, 3) + F(2, 3)
                                        + 1]
    for e, f in zip(exact, floats):
        if isinstance(e.value, bool):  # decided where the bounds separate the sides
            assert f.value is e.value and f.error_bound == 0
            continue
        assert 0 < f.error_bound < 1e-12
        assert abs(f.value - float(e.value)) <= f.error_bound * float(e.value)
        if e.values is not None:
            exact_values = np.array([float(v) for v in e.values])
            assert (np.abs(f.values - exact_values) <= f.errors).all()
    # reaching x in {0, 3} is certain: 1 exactly, so G x!=3 from x=0 is 1 - 0 and P>=1 decides
    assert floats[3].value is True and floats[1].errors[floats[1].values == 1].max() == 0
    # a comparison the bounds cannot decide is refused, not guessed
    with pytest.raises(PrecisionError, match=r"'P>=1/3 \[ F x=3 \]' cannot be decided in the "
                                             r"state \(x=1\): 0\.333"):
        check(WALK, "P>=1/3 [ F x=3 ]", exact=False)
    assert check(WALK, "P>=1/3 [ F x=3 ]")[0].value is True
    # cancellation: 1/3 + 2/3 - 1 = 0 has no certified relative error at all
    with pytest.raises(PrecisionError, match=r"could not be certified at all, above the "
                                             r"tolerance"):
        check(WALK, "P=? [ F x=3 ] + P=? [ F x=0 ] - 1", exact=False)


def test_bounded_two_step_value_of_the_coins():
    # after 2 steps both heads: 1 - P(some coin still tails) = 1 - (1 - (3/4)^2)
    assert value(COINS, "P=? [ F<=2 x=1 & y=1 ]") == F(9, 16)


def test_named_properties_and_property_files(tmp_path):
    props = tmp_path / "coins.props"
    props.write_text('const int k;\nlabel "both" = x=1 & y=1;\n// comment\n'
                     '"bounded": P=? [ F<=k "both" ];\n"time": T=? [ F "both" ]\n')
    res = check(COINS, props, constants="k=2")
    assert [(r.name, r.value) for r in res] == [("bounded", F(9, 16)), ("time", F(8, 3))]
    assert res[0].values.shape == (4,)


def test_properties_refer_to_named_properties(tmp_path):
    props = tmp_path / "refs.props"
    props.write_text('"time": T=? [ F x=1 & y=1 ];\n'
                     '"soon": P=? [ F<=2 x=1 & y=1 ];\n'
                     '"likely": P>=0.6 [ F<=2 x=1 & y=1 ];\n'
                     '"time" * 3;\n'
                     '1 - "soon";\n'
                     'filter(max, "soon", "init");\n'
                     'filter(count, "likely");\n'
                     '"either": "likely" | "time" < 3;\n'
                     '!"either";\n')
    res = check(COINS, props)
    # from (0, 0) both heads within 2 steps with 9/16 < 0.6; from a state with one head 3/4
    assert [r.value for r in res] == [F(8, 3), F(9, 16), False, 8, F(7, 16), F(9, 16), 3,
                                      True, False]
    assert res[4].values.tolist() == [1 - v for v in res[1].values.tolist()]
    assert res[5].property == 'filter(max, "soon", "init")' and res[8].name is None
    # references come before or after the named property, in float mode too
    floats = check(COINS, '"twice": 2 * "t"; "t": T=? [ F x=1 & y=1 ]', exact=False)
    assert abs(floats[0].value - 16 / 3) <= floats[0].error_bound * 16 / 3 + 1e-15


@pytest.mark.parametrize("props, pattern", [
    ('"t": T=? [ F x=1 ]; P=? [ F "tt" ]',
     r'^<property>:1:\d+: unknown label "tt"; the labels are: "deadlock", "init"; the named '
     r'properties are: "t"$'),
    ('"a": 1 - "b"; "b": 2 * "a"', r'property "a" refers to itself \("a" -> "b" -> "a"\)'),
    ('"a": "a" + 1', r'property "a" refers to itself \("a" -> "a"\)'),
    ('"t": T=? [ F x=1 ]; "t": P=? [ F x=1 ]', r'two properties are named "t"; rename one'),
    ('"init": P=? [ F x=1 ]; filter(max, "init")', r'"init" is both a label and the name of a '
                                                   r'property'),
])
def test_named_property_reference_errors(props, pattern):
    with pytest.raises(SpecError, match=pattern):
        check(COINS, props)


def test_read_model_from_file_valuations_and_rewards(tmp_path):
    path = tmp_path / "coins.pm"
    path.write_text(COINS)
    m = read_model(path)
    assert m.valuation(0) == {"x": 0, "y": 0}
    assert m.reward("flips").transition.tolist() == [1, 1, 1, 1]
    assert m.reward(2).name == "heads"
    back = read_chain(write_drn(m.chain, tmp_path / "coins.drn"))
    assert exact.hitting(back, [3]).probabilities.tolist() == \
        exact.hitting(m._index_chain, [3]).probabilities.tolist()


def test_core_expected_reward_same_api_exact_and_float():
    m = parse_model(COINS)
    c = m._index_chain
    both = m.chain.states.index_of((1, 1))
    target = [both]
    rho = m.reward("flips").per_step()
    e = exact.expected_reward(c, target, state_rewards=rho)
    f = numeric.expected_reward(c, target, state_rewards=rho.tolist())
    assert e.initial == F(8, 3)
    assert abs(f.initial - 8 / 3) <= f.error_bound * 8 / 3 + 1e-15
    # transition rewards: 1 per transition into a state with a head
    tr = {(i, j): 1 for i, j, _ in c.transitions()}
    assert exact.expected_reward(c, target, transition_rewards=tr).initial == F(8, 3)
    # until a closed class by default
    ones = [0 if i == both else 1 for i in range(4)]
    assert exact.expected_reward(c, state_rewards=ones).initial == F(8, 3)
    with pytest.raises(SpecError, match="rewards >= 0"):
        exact.expected_reward(c, target, state_rewards=[-1, 0, 0, 0])
    with pytest.raises(SpecError, match="one value per state"):
        exact.expected_reward(c, target, state_rewards=[1, 2])


def test_builtin_functions_are_exact_where_rational():
    m = parse_model("""
    dtmc
    const double r = pow(9/4, 0.5);             // 3/2
    const int k = round(log(1/8, 2)) + 5;       // -3 + 5
    module f
      x : [0..6] init 0;
      [] x=0 -> pow(2.0, -2) : (x'=1) + 1 - 1/pow(2, 2.0) : (x'=k);
      [] x=1 -> log(9, 27) : (x'=2) + r - 7/6 : (x'=3);
      [] x=2 -> min(0.5, max(0.2, 0.3)) : (x'=floor(-1.5) + 6) + 0.7 : (x'=ceil(2.5));
      [] x=3 & pow(x, 0.5) < 1.75 & pow(x, 0.5) > 1.7 -> (x'=round(2.5) + mod(7, 4));
      [] x>=4 -> true;
    endmodule
    """)
    assert m.constants == {"r": F(3, 2), "k": 2}
    assert {(m.chain.states.label_of(i)[0], m.chain.states.label_of(j)[0]): p
            for i, j, p in m.chain.transitions() if i != j} == {
        (0, 1): F(1, 4), (0, 2): F(3, 4), (1, 2): F(2, 3), (1, 3): F(1, 3),
        (2, 3): F(7, 10), (2, 4): F(3, 10), (3, 6): 1}
    # irrational values compared exactly: sqrt(x) > 2 only for x = 6; log2(x+1) >= 2 for x >= 3
    res = check(m, "filter(count, pow(x, 0.5) > 2); filter(count, log(x+1, 2) >= 2); "
                   "filter(print, pow(x, 0.5) = 2); filter(count, 1.7 < pow(x, 0.5))")
    assert [r.value for r in res[:2]] == [1, 3] and res[3].value == 3  # x = 3, 4, 6
    assert [k for k, v in res[2].value.items() if v] == ["(x=4)"]


@pytest.mark.parametrize("text, pattern", [
    ("[] x=0 -> pow(x+2, 0.5)/2 : (x'=1) + 1 - pow(x+2, 0.5)/2 : true;",
     r"^<model>:1:\d+: 'pow\(\(x \+ 2\), 1/2\)' is pow\(2, 1/2\), which is irrational in the "
     r"state \(x=0\); .*not used as a probability"),
    ("[] x=0 -> log(3, 2) : (x'=1) + 1 - log(3, 2) : true;", r"'log\(3, 2\)' is irrational"),
    ("[] pow(x-1, 0.5) > 0 -> true;", r"takes the negative number -1 to the non-integer power "
                                      r"1/2, which has no real value"),
    ("[] log(x, 2) > 0 -> true;", r"'log\(x, 2\)' is the logarithm of 0 <= 0"),
    ("[] log(2, x+1) > 0 -> true;", r"has the base 1; a logarithm's base must be > 0 and != 1"),
    ("[] pow(2, 0.5) < pow(3, 0.5) -> true;", r"compares two pow/log values that may be "
                                              r"irrational"),
    ("[] x=0 -> (x'=floor(pow(2, 0.5)));", r"'pow\(2, 1/2\)' is irrational"),
    ("", r"^<model>:1:23: 'pow\(2, 1/2\)' is irrational"),  # in the constant s
])
def test_irrational_values_only_compare(text, pattern):
    with pytest.raises(SpecError, match=pattern):
        parse_model(f"dtmc {'' if text else 'const double s = pow(2, 0.5); '}module m "
                    f"x : [0..1] init 0; {text} [] x=1 -> true; endmodule")


@settings(max_examples=200, deadline=None)
@given(st.fractions(min_value=0, max_value=50, max_denominator=60),
       st.fractions(min_value=-4, max_value=4, max_denominator=7),
       st.fractions(min_value=-3, max_value=60, max_denominator=60))
def test_pow_values_and_comparisons_agree_with_sympy(b, r, c):
    import sympy

    from chainlab.prism import _real

    if b == 0 and r <= 0:
        return
    exact = sympy.Rational(b.numerator, b.denominator) ** sympy.Rational(r.numerator,
                                                                          r.denominator)
    v = _real.power(b, r)
    assert (v is not None) == exact.is_Rational
    if v is not None:
        assert v == F(int(exact.p), int(exact.q))
    else:
        want = 1 if exact > sympy.Rational(c.numerator, c.denominator) else -1
        assert _real.power_sign(b, r, c) == want


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 30), st.integers(-6, 6), st.integers(1, 4))
def test_log_is_exact_on_rational_logarithms(g, p, q):
    from chainlab.prism import _real

    # log_{g^q}(g^p) = p/q for every base g^q != 1
    base = F(g) ** q
    assert _real.log(F(g) ** p, base) == F(p, q)
    assert _real.log(F(g) ** p, 1 / base) == F(-p, q)
    if p >= 1:
        # g^p + 1 is coprime with g, so no power of it is a power of g: irrational, and
        # between p/q and (p+1)/q since g^p < g^p + 1 < g^(p+1)
        x = F(g) ** p + 1
        assert _real.log(x, base) is None
        assert _real.log_sign(x, base, F(p, q)) == 1
        assert _real.log_sign(x, base, F(p + 1, q)) == -1


def test_limits_and_progress():
    text = "dtmc module m x : [0..100] init 0; [] x<100 -> (x'=x+1); [] x=100 -> true; endmodule"
    with pytest.raises(StateSpaceLimitError, match="more than 10 reachable states"):
        parse_model(text, max_states=10)
    events = []
    m = parse_model(text, progress=events.append)
    assert m.num_states == 101
    assert all(e.task == "exploring" for e in events)


def test_big_code_spaces_use_several_words():
    decls = "".join(f"v{i} : [0..1000000] init 0;\n" for i in range(6))
    m = parse_model("dtmc module m\n" + decls + "[] v0<3 -> 1/2 : (v0'=v0+1) + 1/2 : "
                    "(v5'=1000000);\n[] v0>=3 -> true; endmodule")
    assert m.num_states == 8  # v0 in 0..3 and v5 in {0, 10^6} (v5 set once, stays)
    assert value(m, "P=? [ F v0=3 & v5=0 ]") == F(1, 8)


def test_state_labels_are_made_on_first_use_as_the_valuations():
    from chainlab.statespace import StateSpace

    m = parse_model("dtmc module m x : [0..3] init 0; b : bool init false;\n"
                    "[] x<3 -> 1/2 : (x'=x+1) + 1/2 : (b'=!b); [] x=3 -> true; endmodule")
    space = m.chain.states
    assert len(space) == m.num_states == 8
    assert space.labels == tuple(tuple(m.valuation(i).values()) for i in range(8))
    assert space.index_of((3, True)) == space.labels.index((3, True))
    assert space == StateSpace(space.labels) and hash(space) == hash(StateSpace(space.labels))
    made = []

    def make():
        made.append(1)
        return [(0, False), (1, True), (0, False)]

    lazy = StateSpace._deferred(3, make)
    assert len(lazy) == 3 and not lazy.is_range and not made  # no labels made yet
    with pytest.raises(SpecError, match=r"state label \(0, False\) appears twice"):
        lazy.labels
    ok = StateSpace._deferred(2, lambda: [(0,), (1,)])
    assert (1,) in ok and ok[1] == (1,) and list(ok) == [(0,), (1,)]
    import pickle

    assert pickle.loads(pickle.dumps(ok)) == StateSpace([(0,), (1,)])


# ---------------------------------------------------------------------- malformed input
BAD_MODELS = [
    # (text, error type, message pattern)
    ("dtmc module m x : [0..2] init 0;\n [] x<2 -> (x'=x+1)\nendmodule",
     PrismSyntaxError, r"^<model>:3:1: unexpected 'endmodule' in a command.*end the command "
                       r"with ';'"),
    ("dtmc module m x : [0..2] init 0;\n [] x'<2 -> (x'=x+1); endmodule",
     PrismSyntaxError, r"^<model>:2:6: unexpected a prime \(.*primed variables appear only in "
                       r"updates"),
    ("dtmc module m x : [0..2] init 0;\n [] x<2 (x'=x+1); endmodule",
     PrismSyntaxError, r"^<model>:2:9: .*expected '->'"),
    ("dtmc const int N = ;", PrismSyntaxError, r"^<model>:1:20: unexpected ';' in a constant "
                                               r"declaration.*expression is missing"),
    ("dtmc module m x : [0..2] init 0;\n [] xx<2 -> (x'=x+1); endmodule",
     SpecError, r"^<model>:2:5: unknown identifier 'xx' \(did you mean 'x'\?\)"),
    ("dtmc const int N; module m x : [0..N]; [] x<N -> (x'=x+1); endmodule",
     SpecError, r"^<model>:1:6: undefined constant N: give it a value with --const N=\.\.\."),
    ("dtmc module m x : [0..2]; [] x<2 -> (x'=x<1); endmodule",
     SpecError, r"'\(x < 1\)' is a boolean, but an integer is needed"),
    ("dtmc module m x : [0..2]; [] x<2 -> (x'=x/2); endmodule",
     SpecError, r"assigns a double to the integer variable x; round it"),
    ("dtmc module m x : [0..2];\n [] x<2 -> 0.5 : (x'=x+1) + 0.4 : (x'=0); endmodule",
     NotStochasticError, r"^<model>:2:2: the probabilities of the command .* sum to 9/10, not "
                         r"1, in the reachable state \(x=0\)"),
    ("dtmc module m x : [0..2];\n [] true -> (x'=x+1); endmodule",
     SpecError, r"^<model>:2:13: x' = \(x \+ 1\) gives 3, outside the range \[0\.\.2\] of x, "
                r"in the reachable state \(x=2\)"),
    ("dtmc module a x : [0..1]; [] x=0 -> (x'=1); endmodule module b = a [] endmodule",
     PrismSyntaxError, r"module renaming"),
    ("dtmc module a x : [0..1]; y : [0..1]; [] x=0 -> (x'=1); endmodule "
     "module b = a [x=z] endmodule",
     SpecError, r"does not rename the variable y of a"),
    ("dtmc module a x : [0..1]; [] x=0 -> (x'=1); endmodule "
     "module b x : [0..1]; [] x=0 -> (x'=1); endmodule",
     SpecError, r"variable x is already a variable"),
    ("mdp module a x : [0..1]; [] x=0 -> (x'=1); endmodule",
     SpecError, r"this is a model of type mdp; chainlab reads discrete-time Markov chains only"),
    ("dtmc module a x : int; [] x=0 -> (x'=1); endmodule", SpecError, r"is unbounded"),
    ("dtmc module a x : [0..1]; [] x=0 -> (x'=1); endmodule "
     "module b y : [0..1]; [] y=0 -> (x'=1); endmodule",
     SpecError, r"module b updates x, a variable of module a"),
    ("dtmc formula f = g + 1; formula g = f; module a x : [0..1]; [] f=0 -> (x'=1); endmodule",
     SpecError, r"formula [fg] refers to itself \([fg] -> [fg] -> [fg]\)"),
    ("dtmc const int Z = 0; module a x : [0..1]; [] x=0 -> 1/Z : (x'=1); endmodule",
     SpecError, r"division by zero"),
    ("dtmc module a x : [0..1]; [] x=0 -> -0.5 : (x'=1) + 1.5 : true; endmodule",
     NotStochasticError, r"is -1/2 < 0 in the reachable state \(x=0\)"),
    ("dtmc module a x : [0..1] init 0; [] x=0 -> (x'=1); endmodule init x=0 endinit",
     SpecError, r"has an initial value but the model also has an init\.\.\.endinit block"),
    ("dtmc module a x : [0..1]; [] x=0 -> (x'=log(2, 4)); endmodule",
     SpecError, r"x' = log\(2, 4\) assigns a double to the integer variable x"),
    ("dtmc module a x : [0..1]; [] x=0 -> (x'=1); endmodule system a endsystem",
     PrismSyntaxError, r"system\.\.\.endsystem .* is not supported"),
    ("dtmc module a x : [2..1]; [] true -> true; endmodule", SpecError, r"empty range"),
    ("dtmc module a x : [0..1]; [go] x=0 -> (x'=1); endmodule rewards [stop] true : 1; "
     "endrewards", SpecError, r"action \[stop\], which no module has"),
    # a transition reward negative in one reachable state only (x=0: 1/3 - 1/2)
    ("dtmc module a x : [0..2] init 0; [go] x<2 -> (x'=x+1); [go] x=2 -> true; endmodule "
     'rewards "r" [go] true : x/3 - 1/2 + 0; endrewards', SpecError,
     r'reward structure r has a negative transition reward; rewards must be >= 0'),
    ("dtmc module a x : [0..1] init 0; [] true -> (x'=1-x); endmodule "
     'rewards "r" [] x=1 : -2; endrewards', SpecError,
     r'reward structure r has a negative transition reward'),
]


@pytest.mark.parametrize("text, kind, pattern", BAD_MODELS,
                         ids=[f"bad_model_{i}" for i in range(len(BAD_MODELS))])
def test_malformed_models(text, kind, pattern):
    with pytest.raises(kind) as info:
        parse_model(text)
    assert isinstance(info.value, ChainlabError)
    assert re.search(pattern, str(info.value), re.S), str(info.value)


def test_constant_errors():
    text = "dtmc const int N; module m x : [0..N]; [] x<N -> (x'=x+1); endmodule"
    with pytest.raises(SpecError, match=r"--const gives K, which the model does not declare"):
        parse_model(text, constants="N=2,K=3")
    with pytest.raises(SpecError, match=r"constant N is an int, got 1/2"):
        parse_model(text, constants="N=0.5")
    with pytest.raises(SpecError, match=r"cannot read 'N'; write NAME=VALUE"):
        parse_model(text, constants="N")
    with pytest.raises(SpecError, match=r"give an exact value such as '0.5'"):
        parse_model(text, constants={"N": 0.5})
    with pytest.raises(SpecError, match=r"already defined in the file"):
        parse_model("dtmc const int N = 2; module m x : [0..N]; [] true -> true; endmodule",
                    constants="N=3")


BAD_PROPERTIES = [
    ("P=? [ F z=1 ]", SpecError, r"^<property>:1:9: unknown identifier 'z'"),
    ("P=? [ F x=1 ", PrismSyntaxError, r"^<property>:1:13: unexpected the end of the text in a "
                                       r"property"),
    ('P=? [ F "nowhere" ]', SpecError, r'unknown label "nowhere"; the labels are: '
                                      r'"deadlock", "init"'),
    ('R{"cost"}=? [ F x=1 ]', SpecError, r'no reward structure named "cost"; the model has: '
                                         r'"flips", "heads"'),
    ("P>=1.5 [ F x=1 ]", SpecError, r"the probability bound 3/2 is outside \[0, 1\]"),
    ("P=? [ F<=-1 x=1 ]", SpecError, r"the step bound .* is negative"),
    ("P=? [ F x ]", SpecError, r"'x' is an integer, but a boolean"),
    ("filter(max, x=1)", SpecError, r"needs numbers, got a condition"),
    ("filter(median, P=? [ F x=1 ])", SpecError, r"unknown filter 'median'"),
    ("x + P=? [ F x=1 ] > true", SpecError, r"condition, but a number is needed"),
    ("T=? [ C<=3 ]", SpecError, r"T=\? takes an eventually path"),
]


@pytest.mark.parametrize("prop, kind, pattern", BAD_PROPERTIES,
                         ids=[f"bad_property_{i}" for i in range(len(BAD_PROPERTIES))])
def test_malformed_properties(prop, kind, pattern):
    m = parse_model(COINS)
    with pytest.raises(kind) as info:
        check(m, prop)
    assert re.search(pattern, str(info.value), re.S), str(info.value)


def test_missing_files(tmp_path):
    with pytest.raises(FileFormatError, match="no such file"):
        read_model(tmp_path / "nope.prism")
    with pytest.raises(FileFormatError, match="no such file"):
        check(COINS, tmp_path / "nope.props")


# ---------------------------------------------------------------------- command line
def test_cli_check_json(tmp_path, capsys):
    path = tmp_path / "coins.prism"
    path.write_text(COINS)
    assert main(["check", str(path), "--property", "T=? [ F x=1 & y=1 ]", "--property",
                 "P>=0.5 [ F<=2 x=1 & y=1 ]", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"num_states": 4, "num_transitions": 9, "method": "exact",
                   "results": [{"property": "T=? [ F x=1 & y=1 ]", "value": "8/3",
                                "error_bound": 0.0},
                               {"property": "P>=0.5 [ F<=2 x=1 & y=1 ]", "value": True,
                                "error_bound": 0.0}]}
    assert main(["check", str(path), "--property", "T=? [ F x=1 & y=1 ]", "--property",
                 "P>=0.5 [ F<=2 x=1 & y=1 ]", "--float", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (t, bounded) = out["results"]
    assert out["method"] == "float" and bounded["value"] is True
    assert 0 < t["error_bound"] < 1e-9 and abs(t["value"] - 8 / 3) <= t["error_bound"] * 8 / 3
    assert bounded["error_bound"] == 0.0  # decided with the bounds: exactly true
    assert main(["check", str(path), "--property", "T=? [ F x=1 & y=1 ]", "--float"]) == 0
    assert re.search(r"= 2\.66666666667  \(certified relative error <= \d\.\de-1\d\)",
                     capsys.readouterr().out)
    assert main(["check", str(path), "--property", "T=? [ F x=2 ]", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"][0]["value"] == "inf"


def test_cli_check_table_props_file_and_errors(tmp_path, capsys):
    path = tmp_path / "coins.prism"
    path.write_text(COINS)
    props = tmp_path / "c.props"
    props.write_text('"t": T=? [ F x=1 & y=1 ];\n"p": P=? [ F<=k x=1 ]\nconst int k;')
    assert main(["check", str(path), "--props", str(props), "--const", "k=1"]) == 0
    out = capsys.readouterr().out
    assert "states: 4" in out and "= 8/3  ≈ 2.66666666667" in out and "= 1/2" in out
    assert main(["check", str(path), "--props", str(props)]) == 2
    err = capsys.readouterr().err
    assert "undefined constant k" in err and "--const k=..." in err
    assert main(["check", str(path), "--property", "P=? [ F", "--json"]) == 2
    assert "unexpected the end of the text in a property" in capsys.readouterr().err


def test_cli_analyze_reads_prism_models(tmp_path, capsys):
    path = tmp_path / "m.pm"
    path.write_text("dtmc const int N; module m x : [0..N] init 0; [] x<N -> 1/2 : (x'=x+1) "
                    "+ 1/2 : (x'=0); [] x=N -> true; endmodule label \"top\" = x=N;")
    assert main(["analyze", str(path), "--const", "N=2", "--exact", "--json",
                 "--target", "top"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["num_states"] == 3 and out["expected_steps"]["0"] == "6"


# ---------------------------------------------------------------------- random programs
@st.composite
def random_programs(draw):
    """A random chain on x in 0..k, written as a PRISM program in one of three styles:
    one command per state, the same split over two interleaved modules (each command then
    taken with probability 1/2 against a self loop of the other), or decimal probabilities."""
    k = draw(st.integers(1, 5))
    rows = {}
    for i in range(k + 1):
        targets = draw(st.lists(st.integers(0, k), min_size=1, max_size=3, unique=True))
        weights = draw(st.lists(st.integers(1, 9), min_size=len(targets),
                                max_size=len(targets)))
        total = sum(weights)
        rows[i] = {t: F(w, total) for t, w in zip(targets, weights)}
    style = draw(st.sampled_from(["plain", "decimal", "sync"]))
    return k, rows, style


def _render(k, rows, style) -> str:
    lines = ["dtmc", "module m", f"  x : [0..{k}] init 0;"]
    for i, row in rows.items():
        terms = []
        for t, p in row.items():
            prob = f"{p.numerator}/{p.denominator}"
            if style == "decimal":
                prob = f"({p.numerator}.0/{p.denominator})"
            terms.append(f"{prob} : (x'={t})")
        action = "[go]" if style == "sync" else "[]"
        lines.append(f"  {action} x={i} -> " + " + ".join(terms) + ";")
    lines.append("endmodule")
    if style == "sync":  # a second module in lockstep that copies nothing
        lines += ["module clock", "  [go] true -> true;", "endmodule"]
    return "\n".join(lines)


@settings(max_examples=40, deadline=None)
@given(random_programs())
def test_random_programs_match_their_explicit_chains(tmp_path_factory, program):
    k, rows, style = program
    m = parse_model(_render(k, rows, style))
    c = m.chain
    # the explicit chain the rows describe, restricted to the reachable states
    for (i,), in zip(c.states):
        for (j,) in c.states:
            assert c.probability((i,), (j,)) == rows[i].get(j, 0)
    reachable = {0}
    stack = [0]
    while stack:
        s = stack.pop()
        for t in rows[s]:
            if t not in reachable:
                reachable.add(t)
                stack.append(t)
    assert {s for (s,) in c.states} == reachable
    # exported to an explicit file and read back: same exact values
    path = tmp_path_factory.mktemp("rand") / "m.drn"
    back = read_chain(write_drn(c, path))
    target = max(reachable)
    label = f"x={target}"
    via_prism = check(m, f"P=? [ F x={target} ]")[0].values
    via_file = exact.hitting(back, [c.states.index_of((target,))]).probabilities
    assert via_prism.tolist() == via_file.tolist(), label
    steps = check(m, f"T=? [ F x={target} ]")[0].values
    assert steps.tolist() == exact.hitting(back, [c.states.index_of((target,))]
                                           ).expected_times.tolist()
    bounded = check(m, f"P=? [ F<=3 x={target} ]")[0].values
    ref = exact.bounded_reachability(back, [c.states.index_of((target,))], 3).probabilities[3]
    assert bounded.tolist() == ref.tolist()
    assert isinstance(np.asarray(via_prism)[0], F)
    assert Chain  # (the explicit chain type the file reader returns)


# ---------------------------------------------------------------------- reward files
def test_reward_files_round_trip(tmp_path):
    from chainlab.io import read_rewards, write_prism, write_transition_rewards

    m = parse_model(COINS)
    state = [F(int(v.p), int(v.q)) for v in m.reward("heads").state]
    assert state == [0, 1, 1, 2]
    paths = write_prism(m.chain, tmp_path / "coins", steps=False, rewards={"heads": state})
    assert read_rewards(paths["srew"]).tolist() == state
    flips = m.reward("flips").transition
    trew = write_transition_rewards(m.chain, tmp_path / "coins.trew", flips.tolist())
    back = read_rewards(trew, num_states=m.num_states)
    assert back == {(i, j): 1 for i, j, _ in m.chain.transitions()}
    # the transition rewards read back give the same expected reward
    ic = m._index_chain
    target = [m.chain.states.index_of((1, 1))]
    assert exact.expected_reward(ic, target, transition_rewards=back).initial == F(8, 3)
    drn = write_drn(m.chain, tmp_path / "coins.drn", rewards={"heads": state})
    models = read_rewards(drn)
    assert list(models) == ["steps", "heads"] and models["heads"].tolist() == state


def test_reward_file_errors(tmp_path):
    from chainlab.io import read_rewards

    bad = tmp_path / "m.srew"
    bad.write_text("2 1\n0 -1\n")
    with pytest.raises(FileFormatError, match=r"m.srew:2: the reward -1 is negative"):
        read_rewards(bad)
    bad.write_text("2 1\n5 1\n")
    with pytest.raises(FileFormatError, match=r"m.srew:2: state 5 is out of range \(0..1\)"):
        read_rewards(bad)
    with pytest.raises(FileFormatError, match="unknown reward file type"):
        read_rewards(_touch(tmp_path / "m.rewards"))


def _touch(path):
    path.write_text("")
    return path
