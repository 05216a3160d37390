"""Round trips with QuantEcon and PyDTMC (each tested only when installed), plus networkx."""

from __future__ import annotations

import sys
from fractions import Fraction as F

import numpy as np
import pytest

from chainlab import Chain, exact
from chainlab.errors import SpecError
from chainlab.interop import from_pydtmc, from_quantecon, to_pydtmc, to_quantecon
from chainlab.models import ehrenfest, gamblers_ruin, majority_rule
from chainlab.structure import classify
from chainlab.testing import assert_chains_equivalent


def test_networkx_round_trip_keeps_exact_entries():
    c = gamblers_ruin(4, "2/5")
    back = Chain(c.to_networkx())
    assert assert_chains_equivalent(c, back, check_initial=False) == {i: i for i in range(5)}


def test_missing_packages_give_install_hints(monkeypatch):
    monkeypatch.setitem(sys.modules, "quantecon", None)  # None in sys.modules: ImportError
    monkeypatch.setitem(sys.modules, "pydtmc", None)
    with pytest.raises(ImportError, match="pip install quantecon"):
        to_quantecon(gamblers_ruin(2))
    with pytest.raises(ImportError, match="pip install PyDTMC"):
        to_pydtmc(gamblers_ruin(2))


def test_from_functions_reject_other_objects():
    with pytest.raises(SpecError, match="expected a quantecon.MarkovChain"):
        from_quantecon(object())
    with pytest.raises(SpecError, match="expected a pydtmc.MarkovChain"):
        from_pydtmc(object())


# ---------------------------------------------------------------------- QuantEcon
@pytest.mark.parametrize("chain", [gamblers_ruin(4, "1/3"), ehrenfest(3),
                                   majority_rule(4, 2)], ids=["ruin", "ehrenfest", "majority"])
def test_quantecon_round_trip(chain):
    qe = pytest.importorskip("quantecon")
    mc = to_quantecon(chain)
    assert isinstance(mc, qe.MarkovChain)
    np.testing.assert_array_equal(mc.P, chain.P.toarray())
    s = classify(chain)
    assert mc.num_recurrent_classes == s.num_closed_classes
    if s.is_irreducible:
        assert mc.period == s.periods[0]
    back = from_quantecon(mc, limit_denominator=1000)
    assert back.is_exact and back.states.labels == chain.states.labels  # tuples come back
    assert_chains_equivalent(chain, back, check_initial=False)
    assert not from_quantecon(mc).is_exact


def test_quantecon_stationary_matches_exact():
    pytest.importorskip("quantecon")
    c = ehrenfest(4)
    pi = to_quantecon(c).stationary_distributions[0]
    np.testing.assert_allclose(pi, exact.stationary(c).to_float().distributions[0])


# ---------------------------------------------------------------------- PyDTMC
def test_pydtmc_round_trip():
    pytest.importorskip("pydtmc")
    c = gamblers_ruin(3, "1/4")
    m = to_pydtmc(c)
    assert m.states == ["0", "1", "2", "3"] and sorted(m.absorbing_states) == ["0", "3"]
    back = from_pydtmc(m, limit_denominator=100, initial="1")
    assert back.probability("1", "2") == F(1, 4)
    assert exact.hitting(back, ["3"]).initial_probability == \
        exact.hitting(c, "win").initial_probability
    with pytest.raises(SpecError, match="same string form"):
        to_pydtmc(Chain([[1, 0], [0, 1]], states=[1, "1"]))
