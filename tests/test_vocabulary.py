"""One vocabulary: replicate counts are num_samples, fixed lengths num_steps / num_rounds, caps
max_steps / max_rounds; the old keyword names still work, with a DeprecationWarning."""
from __future__ import annotations

import inspect

import pytest

from chainlab import bounds, continuous, simulate
from chainlab.errors import SpecError


def test_simulate_gmm_old_names_warn_and_agree():
    new = continuous.simulate_gmm(agents=4, components=4, neighbours=1, num_rounds=5,
                                  num_samples=3, rng=7)
    with pytest.warns(DeprecationWarning, match=r"simulate_gmm\(runs=\.\.\.\) is deprecated"):
        old = continuous.simulate_gmm(agents=4, components=4, neighbours=1, rounds=5, runs=3,
                                      rng=7)
    assert (old.silos == new.silos).all() and old.parameters == new.parameters


def test_old_and_new_name_together_is_an_error():
    with pytest.raises(SpecError, match="give num_samples= only"):
        continuous.simulate_gmm(runs=2, num_samples=2)


def test_bad_counts_are_named_by_their_new_names():
    with pytest.raises(SpecError, match="num_samples must be an integer >= 1"):
        continuous.simulate_gmm(num_samples=0)
    with pytest.raises(SpecError, match="num_rounds must be an integer >= 0"):
        continuous.simulate_gmm(num_rounds=-1)


def test_public_signatures_use_the_vocabulary():
    banned = {"runs", "num_runs", "continuous_runs", "rounds"}
    for fn in (continuous.simulate_gmm, bounds.paper_scale_study, simulate.simulate,
               simulate.sample_paths, bounds.check_bound, bounds.simulate_split):
        params = set(inspect.signature(fn).parameters)
        assert not params & banned, (fn.__name__, params & banned)
    assert "num_samples" in inspect.signature(bounds.paper_scale_study).parameters
