"""chainlab.parametric: rational functions, parametric chains, state elimination, GMM, files.

Kinds of tests: known answers (gambler's ruin and Moran closed forms),
invariants (rows sum to 1, B rows sum to 1), differential (parametric result at a point vs the
exact result of the substituted chain; Storm-style strings vs SymPy), metamorphic (relabelling).
"""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from chainlab import Chain, exact
from chainlab.errors import (
    ExactnessError,
    FileFormatError,
    NotStochasticError,
    SpecError,
)
from chainlab.io import read_chain, write_drn, write_prism
from chainlab.parametric import (
    ParametricChain,
    RationalFunction,
    absorption,
    bounded_reachability,
    compile_gmm,
    gamblers_ruin,
    grid_walk,
    hitting,
    moran,
    polarization,
)
from chainlab.strategies import parameter_points
from chainlab.strategies import parametric_mixture_chains as parametric_chains

p, q, r = sympy.symbols("p q r")


def _sym(f: F):
    return sympy.Rational(f.numerator, f.denominator)


# --------------------------------------------------------------------------- rational functions
@pytest.mark.parametrize("text,expected", [
    ("(-1 * (p+(-1)))/(1)", 1 - p),                       # Storm's own output
    ("((p)^2 * (p^2+(-1)*p+1))/(p^4+(-2)*p^3+1)", p**2 * (p**2 - p + 1) / (p**4 - 2 * p**3 + 1)),
    ("0.4*p + 3/5 - 2/5*p", sympy.Rational(3, 5)),          # decimals are exact
    ("p**-1 * p^2", p),
    ("-(-p)", p),
    ("1e-2", sympy.Rational(1, 100)),
], ids=["storm", "storm-factored", "decimal", "negative-power", "unary", "scientific"])
def test_parse_matches_sympy(text, expected):
    f = RationalFunction(text, parameters=[p])
    assert sympy.cancel(f.to_sympy() - expected) == 0


@pytest.mark.parametrize("value,error,match", [
    (0.5 * p, ExactnessError, "float"),
    ("sqrt(p)", SpecError, "not a rational function"),
    (sympy.sqrt(p), SpecError, "not a rational function"),
    (p * q, SpecError, "q, which is not a parameter"),
    ("p +", SpecError, "end of expression"),
    ("p/(p - p)", SpecError, "divides by zero"),
    ("p^(1/2)", SpecError, "exponents must be integers"),
], ids=["float", "sqrt-string", "sqrt", "unknown-symbol", "truncated", "zero-division",
        "fractional-power"])
def test_bad_expressions_are_refused(value, error, match):
    with pytest.raises(error, match=match):
        RationalFunction(value, parameters=[p])


def test_canonical_form_and_arithmetic():
    f = RationalFunction((2 * p + 2) / (4 * p**2 - 4), parameters=[p])
    assert str(f) == "1/(2*p - 2)" and f.degree == (0, 1)
    g = RationalFunction("1/(2 - 2*p)")
    assert f == -g and hash(f) == hash(-g)
    assert (f + g) == 0 and f * g == -(f * f) and (f / f) == 1 and f**-1 == 2 * p - 2 + 0 * f
    assert 1 - RationalFunction("p") == RationalFunction("1 - p")
    with pytest.raises(SpecError, match="cannot combine"):
        RationalFunction("p") + RationalFunction("q")


def test_exact_evaluation_and_partial_substitution():
    f = RationalFunction("p*q/(p + q)")
    assert f(F(1, 2), F(1, 3)) == F(1, 5) and f(q="1/3", p="1/2") == F(1, 5)
    assert f.substitute(q=F(1, 3)) == RationalFunction("p/(3*p + 1)")
    with pytest.raises(ExactnessError):
        f(0.5, 1)
    with pytest.raises(SpecError, match="pole"):
        f(0, 0)
    with pytest.raises(SpecError, match="no value for q"):
        f(1)


def test_float_evaluation_survives_catastrophic_cancellation():
    # P(win) of gambler's ruin N = 200 from 100: degree-200 numerator and denominator whose
    # coefficients are ~2^200; plain float Horner near p = 1/2 returns garbage
    win = absorption(gamblers_ruin(200, "p", start=100), restrict="initial").initial_B[1]
    xs = np.array([0.49, 0.4999, 0.5, 0.50001, 0.51, 0.3])
    got = win.evaluate(xs)
    for x, y in zip(xs.tolist(), got.tolist()):
        e = win(F(x))  # exact value at the float point
        assert abs(F(y) - e) <= abs(e) * F(1, 2**52)
    num = np.polyval([float(c) for c in reversed(sympy.Poly(win.numerator, p).all_coeffs()[::-1])],
                     0.4999)
    den = np.polyval([float(c) for c in reversed(sympy.Poly(win.denominator, p).all_coeffs()[::-1])],
                     0.4999)
    assert not math.isclose(num / den, got[1], rel_tol=1e-3)  # why Arb is needed


def test_evaluate_several_parameters_and_exact_grid():
    f = RationalFunction("p*q/(p + q)")
    got = f.evaluate({"p": [1.0, 2.0], "q": 1.0})
    assert got.tolist() == [0.5, 2 / 3]
    grid = f.evaluate([["1/2", "1/2"], [1, 3]], exact=True)
    assert grid.tolist() == [F(1, 4), F(3, 4)]
    with pytest.raises(ExactnessError):
        f.evaluate([[0.5, 0.5]], exact=True)


def test_derivative_matches_sympy():
    f = RationalFunction(p**3 * q / (1 + p * q**2))
    for var in (p, q):
        assert sympy.cancel(f.derivative(var).to_sympy() - sympy.diff(f.to_sympy(), var)) == 0
    with pytest.raises(SpecError, match="name one"):
        f.derivative()


@pytest.mark.parametrize("expr,value,interval,expected", [
    (p**2, F(1, 4), (0, 1), [(F(1, 2), "up", 1)]),
    (p**2, F(1, 4), (-1, 1), [(F(-1, 2), "down", 1), (F(1, 2), "up", 1)]),
    ((2 * p - 1) ** 2, 0, (0, 1), [(F(1, 2), "touch", 2)]),
    ((p - F(1, 3)) ** 3 / (1 + p**2), 0, (0, 1), [(F(1, 3), "up", 3)]),
    (1 / (1 + p), F(1, 2), (0, F(1, 2)), []),
    (1 / (1 + p), F(1, 2), (0, 1), [(F(1), "down", 1)]),
], ids=["square", "two-sides", "touch", "triple", "none", "at-endpoint"])
def test_threshold_crossings_rational(expr, value, interval, expected):
    f = RationalFunction(expr, parameters=[p])
    got = [(c.lower, c.direction, c.multiplicity) for c in f.threshold_crossings(value, interval)]
    assert got == expected
    assert all(c.is_exact for c in f.threshold_crossings(value, interval))


def test_threshold_crossings_irrational_are_isolated_and_certified():
    f = RationalFunction("p**3 - p/2")  # roots 0, +-1/sqrt(2); crosses 1/10 three times
    cs = f.threshold_crossings("1/10", (-1, 1), width=F(1, 1000))
    assert [c.direction for c in cs] == ["up", "down", "up"]
    for c in cs:
        assert not c.is_exact and c.upper - c.lower <= F(1, 1000)
        lo, hi = f(c.lower) - F(1, 10), f(c.upper) - F(1, 10)
        assert lo * hi < 0 and (hi > 0) == (c.direction == "up")
        root = c.to_sympy()
        assert bool(_sym(c.lower) < root) and bool(root < _sym(c.upper))
        value = f.to_sympy().subs(p, root).evalf(60)
        assert abs(value - sympy.Rational(1, 10)) < sympy.Rational(1, 10**40)
    with pytest.raises(SpecError, match="constantly"):
        RationalFunction("p - p + 1/2", parameters=[p]).threshold_crossings("1/2")
    with pytest.raises(SpecError, match="one parameter"):
        RationalFunction("p*q").threshold_crossings("1/2")


@pytest.mark.parametrize("expr,interval,expected", [
    (p * (1 - p), (0, F(1, 2)), "increasing"),
    (p * (1 - p), (0, 1), "not monotone"),
    ((2 * p - 1) ** 3, (0, 1), "increasing"),   # derivative vanishes (twice) at 1/2 only
    (1 / (1 + p), (0, 1), "decreasing"),
    (p - p + 3, (0, 1), "constant"),
], ids=["rising-half", "hump", "flat-inflection", "falling", "constant"])
def test_monotonicity(expr, interval, expected):
    f = RationalFunction(expr, parameters=[p])
    assert f.monotonicity(interval) == expected
    assert f.is_monotone(interval) == (expected != "not monotone")


def test_monotonicity_refuses_a_pole():
    with pytest.raises(SpecError, match="pole"):
        RationalFunction("1/(2*p - 1)").monotonicity((0, 1))


def test_plot_marks_exact_values(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    f = RationalFunction("p**2/(1 - p + p**2)")
    ax = f.plot(points=["1/3", "1/2"], threshold="1/2", label="P(win)")
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["p=1/3: 1/7", "p=1/2: 1/3"]
    ax.figure.savefig(tmp_path / "f.png")
    assert (tmp_path / "f.png").stat().st_size > 1000


# --------------------------------------------------------------------------- parametric chains
def test_input_forms_agree():
    rows = [[1, 0, 0], [1 - p, 0, p], [0, 0, 1]]
    a = ParametricChain(rows)
    b = ParametricChain({0: {0: 1}, 1: {0: "1 - p", 2: "p"}, 2: {2: 1}})
    c = ParametricChain(sympy.Matrix(rows))
    d = ParametricChain.from_transitions(3, [(0, 0, 1), (1, 0, 1 - p), (1, 2, p), (2, 2, 1)])
    assert a == b == c == d


@pytest.mark.parametrize("rows,error,match", [
    ([[p, p], [0, 1]], NotStochasticError, "row 0 sums to 2"),
    ([[1 - p, p, 0], [0, 1, 0], [0, 0, 0]], NotStochasticError, "row 2 is empty"),
    ([["3/2", "-1/2", 0], [0, 1 - p, p], [0, 0, 1]], NotStochasticError, "negative"),
    ([[0.5 * p, 1 - 0.5 * p], [0, 1]], ExactnessError, "float"),
    ([[sympy.exp(p), 1 - sympy.exp(p)], [0, 1]], SpecError, "not a rational function"),
    ([[1, 0], [0, 1]], SpecError, "no parameters"),
], ids=["row-sum", "empty-row", "negative-constant", "float", "exp", "no-parameters"])
def test_validation(rows, error, match):
    with pytest.raises(error, match=match):
        ParametricChain(rows)


def test_parametric_initial_is_refused():
    with pytest.raises(SpecError, match="must be numeric"):
        ParametricChain([[1 - p, p], [0, 1]], initial={0: p, 1: 1 - p})


def test_substitute_gives_the_plain_chain():
    c = gamblers_ruin(5, p, start=2)
    assert c.substitute(p=F(1, 5)) == Chain.from_transitions(
        6, [(0, 0, 1), (5, 5, 1)] + [(i, i + 1, F(1, 5)) for i in range(1, 5)]
        + [(i, i - 1, F(4, 5)) for i in range(1, 5)], initial=2,
        labels={"ruin": [0], "win": [5]})
    at0 = c.substitute(p=0)  # edges vanish: the graph changes
    assert at0.num_transitions == c.num_transitions - 4
    with pytest.raises(NotStochasticError, match="outside the well-defined region"):
        c.substitute(p=2)
    with pytest.raises(ExactnessError):
        c.substitute(p=0.2)
    with pytest.raises(SpecError, match="not a parameter"):
        c.substitute(x=1)


def test_partial_substitution():
    c = ParametricChain([[p * q, 1 - p * q], [0, 1]])
    sub = c.substitute(q=F(1, 2))
    assert sub.parameters == (p,) and sub.probability(0, 0) == RationalFunction(p / 2)
    assert sub.substitute(p=1) == c.substitute(p=1, q=F(1, 2))


@pytest.mark.parametrize("rows,expected", [
    ([[p, 1 - p], [0, 1]], sympy.Interval(0, 1)),
    ([[1 / (1 + r), r / (1 + r)], [0, 1]], sympy.Interval(0, sympy.oo)),
    ([[p**2 - 2 + sympy.Rational(1, 1), 2 - p**2], [0, 1]],
     sympy.Union(sympy.Interval(-sympy.sqrt(2), -1), sympy.Interval(1, sympy.sqrt(2)))),
    ([[p, 1 - 2 * p, p], [0, 1, 0], [0, 0, 1]], sympy.Interval(0, sympy.Rational(1, 2))),
    ([[p**2, 1 - p**2], [0, 1]], sympy.Interval(-1, 1)),
    ([[-p, 1 + p], [p, 1 - p]], sympy.FiniteSet(0)),
], ids=["unit", "half-line", "irrational", "half", "symmetric", "single-point"])
def test_well_defined_region(rows, expected):
    reg = ParametricChain(rows).well_defined_region()
    assert reg.set == expected


def test_region_and_changes_with_two_parameters():
    c = ParametricChain([[p * q, 1 - p * q], [q, 1 - q]])
    reg = c.well_defined_region()
    assert reg.set is None and len(reg.constraints) == 4
    assert reg.contains(p=F(1, 2), q=1) and not reg.contains(p=2, q=1)
    assert c.structure_changes() == (sympy.Eq(p, 0), sympy.Eq(q, 0), sympy.Eq(q - 1, 0),
                                     sympy.Eq(p * q - 1, 0))
    assert c.is_generic_at(F(1, 2), F(1, 2)) and not c.is_generic_at(F(1, 2), 1)


# --------------------------------------------------------------------------- known answers
@pytest.mark.parametrize("N", [2, 3, 5, 8, 13, 30])
def test_gamblers_ruin_closed_form(N):
    c = gamblers_ruin(N, p, start=None)
    res = absorption(c)
    P_ = RationalFunction("p")  # closed forms built in exact rational-function arithmetic
    Q_ = 1 - P_
    for i in range(N + 1):
        win = (P_**N - Q_**i * P_ ** (N - i)) / (P_**N - Q_**N)
        assert res.B[i][1] == win and res.B[i][0] + res.B[i][1] == 1
        # expected duration: i/(q - p) - N/(q - p) * (1 - (q/p)^i)/(1 - (q/p)^N)
        if 0 < i < N:
            rho = Q_ / P_
            t = i / (Q_ - P_) - N / (Q_ - P_) * (1 - rho**i) / (1 - rho**N)
            assert res.t[i] == t
            assert res.t[i](F(1, 2)) == i * (N - i)  # the fair game, through the removable pole
    if N <= 5:  # and once through SymPy
        expr = (p**N - (1 - p) * p ** (N - 1)) / (p**N - (1 - p) ** N)
        assert sympy.cancel(res.B[1][1].to_sympy() - expr) == 0


@pytest.mark.parametrize("N", [2, 4, 7])
def test_moran_fixation_closed_form(N):
    res = hitting(moran(N, r, start=None), "fixed")
    R_ = RationalFunction("r")
    for i in range(N + 1):
        fix = (1 - R_**-i) / (1 - R_**-N)
        assert res.probabilities[i] == fix


def test_models_with_numbers_are_plain_chains():
    assert isinstance(gamblers_ruin(4, "2/5"), Chain) and isinstance(moran(3, 2), Chain)
    assert gamblers_ruin(4, p).substitute(p=F(2, 5)) == gamblers_ruin(4, F(2, 5))
    assert moran(4, r).substitute(r=3) == moran(4, 3)
    assert grid_walk(4, p).substitute(p=F(1, 3)) == grid_walk(4, F(1, 3))


def test_models_accept_expressions():
    c = gamblers_ruin(3, q / 2)
    assert c.parameters == (q,) and c.probability(1, 2) == RationalFunction(q / 2)


def test_classic_models_delegate_symbols_here():
    classic = pytest.importorskip("chainlab.models.classic")
    assert classic.gamblers_ruin(4, p, start=2) == gamblers_ruin(4, p, start=2)
    assert classic.moran(3, r, start=1) == moran(3, r, start=1)


# --------------------------------------------------------------------------- PAR-1 (property)
def _compare_absorption(chain, point):
    res = absorption(chain)
    ex = exact.absorption(chain.substitute(**point))
    assert res.closed_classes == ex.closed_classes
    for i in range(chain.num_states):
        assert [f(**point) for f in res.B[i]] == list(ex.B[i])
        assert res.t[i](**point) == ex.t[i]
    assert res.substitute(**point).initial_B.tolist() == ex.initial_B.tolist()


@given(st.data())
def test_PAR_1(data):
    """Elimination result at a generic point == exact result of the substituted chain."""
    chain = data.draw(parametric_chains(), label="chain")
    point = data.draw(parameter_points(chain), label="point")
    assert chain.is_generic_at(**point)  # the strategy keeps the graph generic on (0, 1)^k
    _compare_absorption(chain, point)
    k = data.draw(st.integers(0, chain.num_states - 1), label="target")
    h = hitting(chain, [k])
    ex = exact.hitting(chain.substitute(**point), [k])
    assert [f(**point) for f in h.probabilities] == list(ex.probabilities)
    assert [t if t == float("inf") else t(**point) for t in h.expected_times] == \
        list(ex.expected_times)
    one = hitting(chain, [k], restrict="initial")
    assert one.initial_probability == h.initial_probability
    assert one.initial_expected_time == h.initial_expected_time


def test_PAR_1_two_parameters_pinned():
    c = ParametricChain({
        0: {0: p * q, 1: (1 - p) / 2, 2: (1 - p) / 2 + p * (1 - q)},
        1: {0: q / (1 + q), 3: 1 / (1 + q)},
        2: {2: 1}, 3: {3: 1}}, initial=0)
    for point in ({"p": F(1, 3), "q": F(1, 2)}, {"p": F(5, 7), "q": F(1, 9)}):
        _compare_absorption(c, point)
    res = absorption(c)
    assert {sympy.Eq(p, 0), sympy.Eq(q, 0), sympy.Eq(p - 1, 0)} <= set(res.structure_changes)
    assert not res.is_generic_at(p=1, q=F(1, 2))
    with pytest.raises(SpecError, match="graph changes"):
        res.substitute(p=1, q=F(1, 2))
    # strict=False evaluates the generic formulas: here an edge vanishes at p = 1 but the
    # classes stay, so they agree with the substituted chain; at p = q = 1 state 0 becomes
    # absorbing and the formulas have a pole -- which is why strict is the default
    loose = res.substitute(p=1, q=F(1, 2), strict=False)
    assert loose.t.tolist() == exact.absorption(c.substitute(p=1, q=F(1, 2))).t.tolist()
    with pytest.raises(SpecError, match="pole"):
        res.substitute(p=1, q=1, strict=False)


def test_relabelling_permutes_results():
    c = gamblers_ruin(6, p, start=None)
    perm = [3, 0, 6, 1, 5, 2, 4]
    rows = {perm[i]: {perm[j]: v.to_sympy() for jj, j, v in [(None, j, v) for _, j, v in
                                                         [t for t in c.transitions() if t[0] == i]]}
            for i in range(7)}
    d = ParametricChain(rows, states=sorted(rows))
    a, b = hitting(c, [6]), hitting(d, [perm[6]])
    for i in range(7):
        assert a.probabilities[i] == b.probabilities[perm[i]]


def test_only_initial_and_restrict_agree_with_all_states():
    c = grid_walk(5, p)
    full = absorption(c)
    one = absorption(c, restrict="initial")
    part = absorption(c, restrict=True)
    assert one.states.tolist() == [12]
    assert one.initial_t == full.initial_t == part.initial_t
    assert list(one.initial_B) == list(full.initial_B)


def test_targets_group_columns():
    c = gamblers_ruin(4, p, start=2)
    res = absorption(c, targets=[[1]])
    assert res.columns == ((1,),) and res.initial_B[0] == absorption(c).initial_B[1]
    assert absorption(c, probabilities=False).B is None


def test_hitting_infinite_times_on_the_generic_graph():
    c = gamblers_ruin(4, p, start=2)
    h = hitting(c, "win")
    assert h.expected_times[2] == float("inf") and h.initial_expected_time == float("inf")
    assert h.substitute(F(1, 3)).probabilities[2] == exact.hitting(c.substitute(p=F(1, 3)),
                                                                  "win").probabilities[2]


def test_bounded_reachability_matches_exact():
    c = grid_walk(4, p, start=(1, 1))
    res = bounded_reachability(c, "top", 6)
    ex = exact.bounded_reachability(c.substitute(p=F(2, 7)), "top", 6)
    assert res.substitute(F(2, 7)).probabilities.tolist() == ex.probabilities.tolist()
    assert res.initial[6].degree[1] == 0  # polynomial entries give polynomials
    with pytest.raises(SpecError, match="horizon"):
        bounded_reachability(c, "top", -1)


def test_wrong_chain_type():
    with pytest.raises(SpecError, match="chainlab.exact"):
        absorption(Chain([[1]]))


# --------------------------------------------------------------------------- GMM (PAR-2)
@pytest.mark.parametrize("kw", [
    dict(agents=4, components=3, memory=2, neighbours=1),
    dict(agents=3, components=3, memory=2, neighbours=1, ties="index", lumped=False),
], ids=["lumped", "index-ties"])
def test_PAR_2(kw):
    """Interpolated GMM chain == compiled chain at other values of p, entries of degree <= n."""
    from chainlab.compiler import compile_model
    from chainlab.models import GMMAgents

    cc = compile_gmm(**kw)
    n = kw["agents"]
    assert all(v.degree[0] <= n and v.degree[1] == 0 for _, _, v in cc.chain.transitions())
    model_kw = {k: v for k, v in kw.items() if k != "lumped"}
    for x in (F(1, 7), F(1, 2), F(9, 10)):
        compiled = compile_model(GMMAgents(mirror=x, **model_kw), lumped=kw.get("lumped"))
        assert cc.chain.substitute(p=x) == compiled.chain


def test_gmm_polarization_matches_exact_at_points():
    from chainlab.compiler import compile_model
    from chainlab.models import GMMAgents
    from chainlab.polarization import polarization as exact_polarization

    kw = dict(agents=4, components=3, memory=2, neighbours=1)
    res = polarization(compile_gmm(**kw))
    for x in (F(1, 5), F(2, 3)):
        ex = exact_polarization(compile_model(GMMAgents(mirror=x, **kw)))
        assert res.polarization_probability(x) == ex.polarization_probability
        assert res.expected_rounds(x) == ex.expected_rounds
    assert res.polarization_probability + res.consensus_probability == 1


@pytest.mark.slow
def test_gmm_default_instance_symbolic():
    from chainlab.compiler import compile_model
    from chainlab.models import GMMAgents
    from chainlab.polarization import polarization as exact_polarization

    res = polarization(compile_gmm())
    assert res.num_states == 497 and res.polarization_probability.degree == (65, 60)
    ex = exact_polarization(compile_model(GMMAgents(mirror=F(1, 5))))
    assert res.polarization_probability(F(1, 5)) == ex.polarization_probability


def test_compile_interpolated_refuses_a_low_degree():
    from chainlab.models import GMMAgents
    from chainlab.parametric import compile_interpolated

    with pytest.raises(SpecError, match="larger degree"):
        compile_interpolated(lambda x: GMMAgents(agents=4, components=3, mirror=x), "p", 1)


def test_compile_gmm_with_a_number_is_the_exact_compiler():
    from chainlab.compiler import CompiledChain

    assert isinstance(compile_gmm(agents=3, components=2, mirror="1/5"), CompiledChain)


# --------------------------------------------------------------------------- files
def test_drn_round_trip(tmp_path):
    c = ParametricChain([[1, 0, 0], [(1 - p) * q, p, (1 - p) * (1 - q)], [0, 0, 1]],
                        initial=1, labels={"goal": [2]})
    back = read_chain(write_drn(c, tmp_path / "c.drn"))
    assert back == c
    assert "@value_type: parametric" in (tmp_path / "c.drn").read_text()


STORM_EXPORT = """// Exported by storm
// Original model type: DTMC
@type: DTMC
@value_type: parametric
@parameters
p
@placeholders
$1 : (p)/(1)
$0 : (-1 * (p+(-1)))/(1)
@reward_models

@nr_states
4
@nr_choices
4
@model
state 0 ruin
	action 0
		0 : 1
state 1 init
	action 0
		0 : $0
		2 : $1
state 2
	action 0
		1 : $0
		3 : $1
state 3 win
	action 0
		3 : 1
"""


def test_reads_storms_parametric_export(tmp_path):
    path = tmp_path / "storm.drn"
    path.write_text(STORM_EXPORT)
    c = read_chain(path)
    assert c == gamblers_ruin(3, p)


@pytest.mark.parametrize("body,match", [
    ("\t\t0 : sqrt(p)\n", r":14: probability 'sqrt\(p\)'"),
    ("\t\t0 : q\n", r":14: probability 'q': unknown name 'q'"),
    ("\t\t0 : p\n", r":12: P row 0 sums to p"),
    ("\t\t0 : $7\n", r":14: placeholder \$7"),
    ("\t\t0 : 3/2 - p + p\n", r":14: probability 3/2 - p \+ p is outside"),
], ids=["function", "unknown-name", "row-sum", "placeholder", "constant-range"])
def test_malformed_parametric_drn(tmp_path, body, match):
    text = ("@type: DTMC\n@value_type: parametric\n@parameters\np\n@reward_models\n\n"
            "@nr_states\n1\n@nr_choices\n1\n@model\nstate 0\n\taction 0\n" + body)
    path = tmp_path / "bad.drn"
    path.write_text(text)
    with pytest.raises(FileFormatError, match=match):
        read_chain(path)


def test_parametric_files_are_exact_only(tmp_path):
    path = write_drn(gamblers_ruin(3, p), tmp_path / "g.drn")
    with pytest.raises(SpecError, match="cannot be read as floats"):
        read_chain(path, exact=False)
    with pytest.raises(SpecError, match="write_drn"):
        write_prism(gamblers_ruin(3, p), tmp_path / "g")


# --------------------------------------------------------------------------- the strategy itself
@given(parametric_chains())
def test_parametric_chains_strategy_keeps_the_generic_graph(chain):
    from chainlab.structure import classify

    generic = classify(chain._skeleton())
    assert generic.transient and chain.initial is not None
    for x in (F(1, 2), F(1, 13), F(12, 13)):
        point = {s.name: x for s in chain.parameters}
        assert chain.is_generic_at(**point)
        at = classify(chain.substitute(**point))
        assert at.closed_classes == generic.closed_classes and at.transient == generic.transient
