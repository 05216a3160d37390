"""The parametric API mirrors the exact one: restrict="initial" (only_initial deprecated) and
the variance of the steps, checked against chainlab.exact at rational points."""
from __future__ import annotations

import warnings
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sympy = pytest.importorskip("sympy")
st_p = sympy.Symbol("p")

from chainlab import exact  # noqa: E402
from chainlab.errors import SpecError  # noqa: E402
from chainlab.parametric import absorption, gamblers_ruin, hitting  # noqa: E402
from chainlab.strategies import parameter_points, parametric_mixture_chains  # noqa: E402


def test_restrict_initial_is_the_exact_name_and_only_initial_is_deprecated():
    c = gamblers_ruin(6, "p", start=3)
    new = absorption(c, restrict="initial")
    with pytest.warns(DeprecationWarning, match='restrict="initial"'):
        old = absorption(c, only_initial=True)
    assert new.initial_B.tolist() == old.initial_B.tolist()
    assert new.initial_t == old.initial_t
    at = new.substitute("2/5")
    ref = exact.absorption(c.substitute("2/5"), restrict="initial")
    assert at.initial_B.tolist() == ref.initial_B.tolist() and at.initial_t == ref.initial_t
    with pytest.warns(DeprecationWarning):
        h_old = hitting(c, "win", only_initial=True)
    h_new = hitting(c, "win", restrict="initial")
    assert h_new.initial_probability == h_old.initial_probability
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        absorption(c, restrict="initial")  # the new spelling warns nothing


@pytest.mark.parametrize("kwargs, needle", [
    ({"restrict": "all"}, 'restrict must be False, True or "initial"'),
    ({"variance": True, "restrict": "initial"}, "variance=True needs the expected steps"),
])
def test_bad_restrict_and_variance_are_refused(kwargs, needle):
    with pytest.raises(SpecError, match=needle):
        absorption(gamblers_ruin(4, "p"), **kwargs)


def test_variance_of_the_fair_ruin_has_its_closed_form():
    # fair gambler's ruin on 0..N: Var T_i = i (N - i) (i^2 + (N - i)^2 - 2) / 3
    N = 6
    res = absorption(gamblers_ruin(N, "p"), variance=True)
    at = res.substitute("1/2")
    for r, i in enumerate(res.states.tolist()):
        assert at.variance[r] == F(i * (N - i) * (i * i + (N - i) ** 2 - 2), 3)


@settings(max_examples=20, deadline=None)
@given(st.data())
def test_variance_agrees_with_exact_at_points(data):
    c = data.draw(parametric_mixture_chains(two_parameters=False))
    point = data.draw(parameter_points(c))
    res = absorption(c, variance=True)
    ref = exact.absorption(c.substitute(**point))
    at = res.substitute(**point, strict=False)
    by_state = dict(zip(ref.states.tolist(), ref.variance.tolist()))
    for r, i in enumerate(res.states.tolist()):
        assert at.variance[r] == by_state[i]


def test_parametric_results_are_their_numeric_counterparts():
    """One result type per question: the parametric ones extend the numeric ones (same fields
    and methods), and substitute() gives the numeric type with chainlab.exact's values."""
    from chainlab import Chain
    from chainlab.parametric import (
        ParametricChain,
        bounded_reachability,
        compile_gmm,
        polarization,
    )
    from chainlab.polarization import PolarizationResult
    from chainlab.polarization import polarization as exact_polarization
    from chainlab.results import (
        AbsorptionResult,
        BoundedReachabilityResult,
        HittingResult,
    )

    c = gamblers_ruin(5, "p", start=2)
    point = c.substitute("1/3")
    a = absorption(c, variance=True)
    assert isinstance(a, AbsorptionResult) and a.method == "parametric" and a.error_bound == 0
    assert a.row_of(2) == 2  # an inherited method
    ref = exact.absorption(point)
    at = a.substitute("1/3")
    assert type(at) is AbsorptionResult and at.method == "exact"
    assert at.B.tolist() == ref.B.tolist() and at.variance.tolist() == ref.variance.tolist()
    # hitting restricted to the initial states substitutes too (states say which rows)
    h = hitting(c, "win", restrict="initial")
    assert isinstance(h, HittingResult) and h.states.tolist() == [2]
    ht = h.substitute("1/3")
    href = exact.hitting(point, "win", restrict="initial")
    assert ht.probabilities.tolist() == href.probabilities.tolist() == [F(3, 31)]
    assert ht.states.tolist() == [2] and ht.initial_probability == F(3, 31)
    # restrict=True now works for hitting as for absorption (was refused before)
    hr = hitting(c, "win", restrict=True)
    assert hr.states.tolist() == list(range(6))
    b = bounded_reachability(c, "win", 3)
    assert isinstance(b, BoundedReachabilityResult)
    assert b.substitute("1/3").initial.tolist() == \
        exact.bounded_reachability(point, "win", 3).initial.tolist()
    pc = ParametricChain([[1, 0, 0], [(1 - st_p) / 2, st_p, (1 - st_p) / 2], [0, 0, 1]],
                         initial=1)
    pol = polarization(pc, num_silos=[1, 1, 2])
    assert isinstance(pol, PolarizationResult) and pol.num_polarized_classes == 1
    pe = exact_polarization(Chain([[1, 0, 0], ["1/4", "1/2", "1/4"], [0, 0, 1]], initial=1),
                            num_silos=[1, 1, 2])
    ps = pol.substitute("1/2")
    assert type(ps) is PolarizationResult
    assert ps.polarization_probability == pe.polarization_probability == F(1, 2)
    assert ps.expected_rounds == pe.expected_rounds == 2
    g = polarization(compile_gmm(agents=3, components=2, memory=1, neighbours=1))
    assert isinstance(g, PolarizationResult)
    with pytest.raises(SpecError, match="substitute"):
        a.to_float()
