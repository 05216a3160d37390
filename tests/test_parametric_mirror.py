"""The parametric API mirrors the exact one: restrict="initial" (only_initial deprecated) and
the variance of the steps, checked against chainlab.exact at rational points."""
from __future__ import annotations

import warnings
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("sympy")

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
