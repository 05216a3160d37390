"""The compiler: lumped and unlumped compilations agree (claim LUMP-1), limits, validation."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from chainlab.compiler import compile_model
from chainlab.errors import SpecError, StateSpaceLimitError
from chainlab.models import GMMAgents
from chainlab.polarization import polarization

SMALL_GMM = [
    dict(agents=n, components=K, memory=r, neighbours=k, mirror=p)
    for n, K, r in [(2, 2, 1), (2, 2, 2), (3, 2, 2), (3, 3, 2), (4, 2, 2), (4, 3, 1)]
    for k in range(1, n)
    for p in (F(0), F(1, 3))
]


@pytest.mark.parametrize("params", SMALL_GMM, ids=lambda d: "-".join(f"{v}" for v in d.values()))
def test_LUMP_1(params):
    """Lumped (multisets) and unlumped (agent tuples) chains give identical exact answers."""
    model = GMMAgents(**params)
    lumped = compile_model(model, lumped=True)
    full = compile_model(model, lumped=False)
    assert lumped.chain.num_states <= full.chain.num_states
    a, b = polarization(lumped), polarization(full)
    assert a.polarization_probability == b.polarization_probability
    assert a.consensus_probability == b.consensus_probability
    assert a.expected_rounds == b.expected_rounds
    # every unlumped state maps to a lumped state with the same number of silos
    silos = dict(zip(lumped.chain.states.labels, lumped.num_silos.tolist()))
    for state, s in zip(full.chain.states.labels, full.num_silos.tolist()):
        assert silos[tuple(sorted(state))] == s


def test_index_ties_refuse_lumping():
    with pytest.raises(SpecError, match="exchangeable"):
        compile_model(GMMAgents(agents=3, components=3, memory=2, ties="index"), lumped=True)


def test_state_limit_refuses_with_estimate():
    with pytest.raises(StateSpaceLimitError, match="at most .* joint states exist"):
        compile_model(GMMAgents(agents=4, components=4, memory=2), max_states=50)
