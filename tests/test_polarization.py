"""Polarization read-outs: class kinds, probabilities, no-return states, exact vs float."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

from chainlab import Chain, exact
from chainlab.compiler import compile_model
from chainlab.errors import SpecError
from chainlab.models import GMMAgents
from chainlab.polarization import class_kinds, polarization


def test_kinds_including_mixed():
    # closed classes: {0} one silo, {1} two silos, {2, 3} alternates between 1 and 2 silos
    c = Chain([[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 1, 0], [0, 0, 1, 0, 0],
               ["1/4", "1/4", "1/4", 0, "1/4"]], initial=4)
    silos = [1, 2, 1, 2, 3]
    assert class_kinds(c, num_silos=silos) == ("consensus", "polarized", "mixed")
    r = polarization(c, num_silos=silos)
    assert (r.consensus_probability, r.polarization_probability, r.mixed_probability) == \
        (F(1, 3), F(1, 3), F(1, 3))
    assert r.expected_rounds == F(4, 3)
    assert r.no_return.tolist() == [1, 2, 3]


@pytest.mark.parametrize("p", [F(0), F(1, 5), F(2, 5)], ids=["p0", "p1/5", "p2/5"])
def test_gmm_values_of_the_prototype(p):
    # DESIGN/issue: n = 4, K = 4, r = 2, k = 1 -> 0.3406, 0.3305, 0.3233
    cc = compile_model(GMMAgents(agents=4, components=4, memory=2, neighbours=1, mirror=p))
    ex = polarization(cc)
    fl = polarization(cc, method="float")
    expected = {F(0): 0.3406, F(1, 5): 0.3305, F(2, 5): 0.3233}[p]
    assert round(float(ex.polarization_probability), 4) == expected
    assert ex.polarization_probability + ex.consensus_probability == 1
    assert fl.polarization_probability == pytest.approx(float(ex.polarization_probability),
                                                        rel=1e-10)
    assert fl.expected_rounds == pytest.approx(float(ex.expected_rounds), rel=1e-10)
    # every closed class is one absorbing state (r >= 2), consensus or polarized
    assert all(len(c) == 1 for c in ex.closed_classes) and "mixed" not in ex.kinds


def test_no_return_states_are_those_where_consensus_has_probability_zero():
    cc = compile_model(GMMAgents(agents=4, components=3, memory=2, neighbours=1))
    r = polarization(cc)
    h = exact.hitting(cc.chain, "consensus").probabilities
    assert set(r.no_return.tolist()) == set(np.flatnonzero(h == 0).tolist())
    assert len(r.no_return) > 0


@pytest.mark.parametrize("n,k", [(3, 1), (4, 2), (5, 2), (5, 3)])
def test_no_polarization_below_two_closed_silos(n, k):
    # n < 2(k + 1): two groups of k + 1 agents cannot both exist (POL-2 in proofs/polarization.md)
    cc = compile_model(GMMAgents(agents=n, components=3, memory=2, neighbours=k))
    r = polarization(cc)
    assert r.polarization_probability == 0 and r.num_polarized_classes == 0


def test_plain_chain_needs_silos_and_initial():
    with pytest.raises(SpecError, match="num_silos is required"):
        polarization(Chain([[1]], initial=0))
    with pytest.raises(SpecError, match="one positive count per state"):
        polarization(Chain([[1]], initial=0), num_silos=[1, 2])
    with pytest.raises(SpecError, match="initial distribution"):
        polarization(Chain([[1]]), num_silos=[1])
    with pytest.raises(SpecError, match="method"):
        polarization(Chain([[1]], initial=0), num_silos=[1], method="fast")
