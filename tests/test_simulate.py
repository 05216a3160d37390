"""Chain simulation against exact values, with exact (Clopper–Pearson) intervals and fixed seeds."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings

from chainlab import Chain, exact
from chainlab.compiler import compile_model
from chainlab.errors import SpecError
from chainlab.models import GMMAgents
from chainlab.polarization import class_kinds, polarization
from chainlab.simulate import sample_paths, simulate
from chainlab.stats import proportion
from chainlab.strategies import reducible_chains


def test_gamblers_ruin_biased():
    N, p = 6, F(2, 5)
    tr = [(0, 0, 1), (N, N, 1)] + [(i, i + 1, p) for i in range(1, N)] + \
        [(i, i - 1, 1 - p) for i in range(1, N)]
    c = Chain.from_transitions(N + 1, tr, initial=3)
    res = exact.absorption(c)
    sim = simulate(c, num_samples=40_000, rng=np.random.default_rng(7))
    assert sim.num_truncated == 0 and sim.num_samples == 40_000
    assert sim.class_estimate(1).contains(res.initial_B[1])
    # mean steps: t = 9 + ... check with a normal interval is not exact; use the exact value
    # against the sample mean's 5-sigma band computed from the exact variance
    sd = float(res.variance[3]) ** 0.5
    assert abs(sim.mean_steps() - float(res.initial_t)) < 5 * sd / 40_000 ** 0.5


@settings(max_examples=25)
@given(c=reducible_chains(max_transient=5))
def test_simulation_agrees_with_exact_absorption(c):
    res = exact.absorption(c)
    sim = simulate(c, num_samples=4000, rng=np.random.default_rng(0), max_steps=10_000)
    assert sim.num_truncated == 0
    for k in range(len(res.closed_classes)):
        # 1 - 1e-6 confidence per check: a false alarm is (deterministically) very unlikely
        assert sim.class_estimate(k, confidence=1 - 1e-6).contains(res.initial_B[k])


def test_gmm_polarization_matches_monte_carlo_of_the_chain():
    cc = compile_model(GMMAgents(agents=4, components=4, memory=2, neighbours=1))
    exact_value = polarization(cc).polarization_probability
    assert round(float(exact_value), 4) == 0.3406
    kinds = class_kinds(cc)
    polarized = [k for k, kind in enumerate(kinds) if kind == "polarized"]
    sim = simulate(cc.chain, num_samples=20_000, rng=np.random.default_rng(2026))
    est = sim.class_estimate(polarized)
    assert sim.num_truncated == 0 and est.contains(exact_value)


def test_sample_paths_transition_frequencies():
    c = Chain([["1/3", "2/3"], ["3/4", "1/4"]], initial=0)
    paths = sample_paths(c, num_steps=200, num_samples=200, rng=np.random.default_rng(3))
    assert paths.shape == (200, 201) and paths[:, 0].tolist() == [0] * 200
    src, dst = paths[:, :-1].ravel(), paths[:, 1:].ravel()
    from0 = dst[src == 0]
    est = proportion(int((from0 == 1).sum()), len(from0), confidence=0.999)
    assert est.contains(2 / 3)


def test_deterministic_given_seed():
    c = Chain([[1, 0, 0], ["1/4", "1/4", "1/2"], [0, 0, 1]], initial=1)
    a = simulate(c, num_samples=500, rng=np.random.default_rng(5))
    b = simulate(c, num_samples=500, rng=np.random.default_rng(5))
    assert np.array_equal(a.closed_class, b.closed_class) and np.array_equal(a.steps, b.steps)


def test_truncation_is_reported():
    c = Chain([["99/100", "1/100"], [0, 1]], initial=0)
    sim = simulate(c, num_samples=100, rng=np.random.default_rng(0), max_steps=1)
    assert 0 < sim.num_truncated < 100 and (sim.steps[sim.closed_class < 0] == 1).all()


@pytest.mark.parametrize("kwargs,match", [
    (dict(num_samples=0), "num_samples"),
    (dict(num_samples=10, max_steps=-1), "max_steps"),
    (dict(num_samples=2.5), "num_samples"),
])
def test_bad_arguments(kwargs, match):
    c = Chain([[1]], initial=0)
    with pytest.raises(SpecError, match=match):
        simulate(c, **kwargs)


def test_needs_an_initial_distribution():
    with pytest.raises(SpecError, match="initial"):
        simulate(Chain([[1]]), num_samples=3)


def test_bad_proportions():
    with pytest.raises(SpecError, match="successes"):
        proportion(5, 3)
    with pytest.raises(SpecError, match="confidence"):
        proportion(1, 3, confidence=1.5)
