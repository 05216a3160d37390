"""The one integer gate: every public count/size/index argument accepts the same values (ints
and NumPy/flint integers, never bools) and refuses with the same message."""
from __future__ import annotations

import numpy as np
import pytest
from flint import fmpz
from hypothesis import given
from hypothesis import strategies as st

from chainlab import Chain, exact, models
from chainlab._validate import integer
from chainlab.errors import SpecError
from chainlab.stats import proportion


@given(st.integers(-10**6, 10**6), st.sampled_from([int, np.int64, np.int32, np.uint16, fmpz]))
def test_gate_accepts_every_integer_type_and_returns_int(v, kind):
    if kind is np.uint16:
        v = abs(v) % 60000
    if kind is np.int32:
        v = v % 2**31
    out = integer("n", kind(v))
    assert type(out) is int and out == v


@given(st.integers(-50, 50), st.integers(-50, 50), st.integers(-60, 60))
def test_gate_range(low, high, v):
    if low <= v <= high:
        assert integer("n", v, low=low, high=high) == v
    else:
        with pytest.raises(SpecError, match=rf"^n must be an integer in {low}\.\.{high}, got {v}"):
            integer("n", v, low=low, high=high)


@pytest.mark.parametrize("bad", [True, np.bool_(True), 2.0, "3", None, np.float64(3), 1 + 0j])
def test_gate_refuses_non_integers_by_name(bad):
    with pytest.raises(SpecError, match=r"^N must be an integer >= 1, got .*; give a size"):
        integer("N", bad, low=1, fix="give a size")


def test_exact_and_parametric_models_take_the_same_integers():
    pytest.importorskip("sympy")
    from chainlab.parametric import models as pmodels

    for N in (3, np.int64(3), fmpz(3)):
        c = models.gamblers_ruin(N)
        p = pmodels.gamblers_ruin(N, "1/2")
        assert c.num_states == p.num_states == 4
    for bad in (True, 3.0):
        for make in (models.gamblers_ruin, lambda N: pmodels.gamblers_ruin(N, "1/2")):
            with pytest.raises(SpecError, match="N must be an integer"):
                make(bad)


def test_public_counts_agree_on_numpy_integers():
    ruin = models.gamblers_ruin(np.int64(4))
    assert exact.bounded_reachability(ruin, "win", np.int64(3)).initial.tolist() == \
        exact.bounded_reachability(ruin, "win", 3).initial.tolist()
    assert proportion(np.int64(3), np.int64(10)).ci == proportion(3, 10).ci
    assert Chain.from_transitions(np.int64(2), [(0, 1, 1), (1, 1, 1)]).num_states == 2
    for call in (lambda: exact.bounded_reachability(ruin, "win", True),
                 lambda: proportion(True, 10),
                 lambda: Chain.from_transitions(False, [(0, 0, 1)])):
        with pytest.raises(SpecError, match="must be an integer"):
            call()
