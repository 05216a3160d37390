"""chainlab.config: the settings benchmarks steer solvers with (same exact results whatever the
choice), validated at the one gate, restored after the block."""
from __future__ import annotations

import pytest

from chainlab import config, exact
from chainlab.compiler import compile_model
from chainlab.errors import SpecError
from chainlab.models import GMMAgents
from chainlab.polarization import polarization


def _gmm():
    return compile_model(GMMAgents(agents=4, components=4, memory=2))


@pytest.fixture(scope="module")
def gmm():
    return _gmm()


def test_exact_block_routes_agree_and_are_logged():
    results = {}
    for route in ("auto", "padic", "rational"):
        log: list = []
        with config.override(exact_blocks=route, block_log=log):
            results[route] = polarization(_gmm())  # a fresh chain: results are cached
        assert log, "every factored block is recorded"
        routes = {rec["route"] for rec in log if rec["states"] >= 200}
        if route == "padic":
            assert routes == {"PadicLU"}
        if route == "rational":
            assert "PadicLU" not in {rec["route"] for rec in log}
        for rec in log:
            assert rec["states"] >= 1 and rec["factor"][0] >= 0 and rec["solve"][0] >= 0
    assert results["auto"].polarization_probability == results["padic"].polarization_probability \
        == results["rational"].polarization_probability
    assert results["auto"].expected_rounds == results["rational"].expected_rounds
    assert config.solvers.block_log is None and config.solvers.exact_blocks == "auto"


def test_python_loop_compiles_the_same_chain(gmm):
    with config.override(compile_kernel=False):
        slow = compile_model(GMMAgents(agents=4, components=4, memory=2))
    assert config.solvers.compile_kernel is True
    assert slow.chain.states.labels == gmm.chain.states.labels
    assert list(slow.chain.transitions()) == list(gmm.chain.transitions())


def test_log_is_off_by_default_and_does_not_change_values():
    from chainlab.models import gamblers_ruin

    chain = gamblers_ruin(200)
    log: list = []
    with config.override(block_log=log):
        logged = exact.absorption(chain)
    assert log and exact.absorption(chain).initial_t == logged.initial_t


@pytest.mark.parametrize("key, value, needle", [
    ("exact_blocks", "lu", "exact_blocks must be one of"),
    ("compile_kernel", 1, "compile_kernel must be True or False"),
    ("block_log", (), "block_log must be a list"),
    ("tolerance", 0, "tolerance must be a positive number"),
    ("max_states", 2.5, "max_states must be an integer >= 1"),
    ("solver", "x", "unknown setting 'solver'"),
])
def test_bad_settings_are_refused_by_name(key, value, needle):
    with pytest.raises(SpecError, match=needle), config.override(**{key: value}):
        pass  # pragma: no cover
    assert config.solvers == config.Solvers() and config.limits == config.Limits()


def test_settings_restored_after_an_exception():
    with pytest.raises(RuntimeError), config.override(exact_blocks="padic", max_states=7):
        raise RuntimeError
    assert config.solvers.exact_blocks == "auto" and config.limits.max_states == 20_000_000
