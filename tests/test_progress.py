"""One progress runner: every long-running library function reports through chainlab._progress
(a callable gets events with real counts; True draws one terminal line; nothing else writes)."""
from __future__ import annotations

import io

import numpy as np
import pytest

from chainlab import Chain
from chainlab._progress import Progress, ProgressEvent, reporter, terminal
from chainlab.compiler import compile_model
from chainlab.continuous import simulate_gmm
from chainlab.errors import SpecError
from chainlab.models import GMMAgents, gamblers_ruin
from chainlab.simulate import simulate


@pytest.fixture
def eager(monkeypatch):
    monkeypatch.setattr(Progress, "interval", 0.0)


def test_compile_reports_states_through_a_callable(eager, capsys):
    events: list[ProgressEvent] = []
    cc = compile_model(GMMAgents(agents=4, components=3, memory=3, neighbours=2),
                       progress=events.append)
    assert events and events[-1].final and not events[-1].interrupted
    assert all(e.task == "compiling" and e.unit == "states expanded" for e in events)
    dones = [e.done for e in events]
    assert dones == sorted(dones) and dones[-1] <= cc.chain.num_states
    assert "found" in events[0].detail and "transitions" in events[0].detail
    assert capsys.readouterr().err == ""  # a callable: nothing on the terminal


def test_simulate_counts_walkers_and_terminal_line(eager, capsys):
    chain = gamblers_ruin(5, start=2)
    events: list[ProgressEvent] = []
    simulate(chain, num_samples=1000, batch_size=250, rng=np.random.default_rng(1),
             progress=events.append)
    assert [e.done for e in events if not e.final] == [250, 500, 750, 1000]
    assert events[-1].final and events[-1].total == 1000
    simulate(chain, num_samples=500, batch_size=250, rng=np.random.default_rng(1), progress=True)
    err = capsys.readouterr().err
    assert "simulating: 500/500 walkers" in err and err.endswith("\n")


def test_simulate_gmm_reports_every_chunk(capsys):
    events: list[ProgressEvent] = []
    simulate_gmm(agents=4, components=4, neighbours=1, num_rounds=3, num_samples=2, rng=0,
                 progress=events.append)
    assert events[-1].final and events[-1].done == 2 and events[-1].total == 2
    assert capsys.readouterr().err == ""


def test_interrupt_event_keeps_the_finished_count():
    events: list[ProgressEvent] = []
    with pytest.raises(KeyboardInterrupt):
        with Progress("work", total=10, unit="items", progress=events.append, interval=0) as p:
            p.update(3)
            raise KeyboardInterrupt
    last = events[-1]
    assert last.final and last.interrupted and last.done == 3
    assert last.line().endswith("-- interrupted, keeping the 3 finished")


def test_throttling_sends_at_most_one_event_per_interval():
    events: list[ProgressEvent] = []
    with Progress("work", total=1000, progress=events.append, interval=3600) as p:
        for i in range(1000):
            p.update(i + 1)
    assert [(e.done, e.final) for e in events] == [(1, False), (1000, True)]


def test_terminal_clears_or_keeps_the_line():
    out = io.StringIO()
    show = terminal(out, keep=False)
    show(ProgressEvent("x", 1, None, "steps", 0.0))
    show(ProgressEvent("x", 2, None, "steps", 0.1, final=True))
    assert out.getvalue().endswith("\r") and "x: 1 steps (0.0 s)" in out.getvalue()


@pytest.mark.parametrize("bad", ["yes", 1, 0.5, object()])
def test_progress_argument_is_validated(bad):
    with pytest.raises(SpecError, match="progress must be True, False or a callable"):
        reporter(bad)
    with pytest.raises(SpecError, match="progress must be True, False or a callable"):
        simulate(Chain([[1]], initial=0), num_samples=1, progress=bad)
    assert reporter(np.bool_(False)) is None and reporter(None) is None


def test_exact_solve_reports_blocks_through_config(eager):
    from chainlab import config, exact
    from chainlab.polarization import polarization

    events: list[ProgressEvent] = []
    cc = compile_model(GMMAgents(agents=4, components=4, memory=2))
    with config.override(progress=events.append):
        res = polarization(cc)
    assert res.polarization_probability > 0
    solving = [e for e in events if e.task == "solving exactly"]
    assert solving and solving[-1].final
    assert [e.done for e in solving] == sorted(e.done for e in solving)
    assert solving[-1].done <= cc.chain.num_states and "blocks" in solving[-1].detail
    events.clear()
    exact.absorption(gamblers_ruin(30))
    assert events == []  # off again after the block
    with pytest.raises(SpecError, match="progress must be True, False or a callable"):
        with config.override(progress="yes"):
            pass
