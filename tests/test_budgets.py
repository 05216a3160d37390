"""Budgets: exact solves are estimated and refused before they start, a command stops at its
memory budget, and Ctrl-C ends any command within about a second."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from chainlab import config, exact
from chainlab._linalg.budget import estimate_block
from chainlab.compiler import compile_model
from chainlab.errors import StateSpaceLimitError
from chainlab.models import GMMAgents
from chainlab.polarization import polarization

CLI = [sys.executable, "-m", "chainlab"]


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return 0.0


def test_estimate_bounds_the_digits_actually_lifted():
    cc = compile_model(GMMAgents(agents=5, components=5, memory=2))  # one 2,788-state block
    log: list = []
    seen = []
    from chainlab._linalg import linsolve

    real = linsolve.SubsystemSolver._block_matrix

    def spy(self, states):  # records the blocks the estimate looks at
        out = real(self, states)
        if len(states) >= 200:
            seen.append(estimate_block(out[0], out[2], out[3], 1))
        return out

    linsolve.SubsystemSolver._block_matrix = spy
    try:
        with config.override(block_log=log, exact_blocks="padic"):
            polarization(cc)
    finally:
        linsolve.SubsystemSolver._block_matrix = real
    lifted = [rec["iterations"] for rec in log if rec.get("iterations")]
    assert lifted and seen
    assert max(e.digits for e in seen) >= max(lifted)  # an upper bound on the digits
    big = max(seen, key=lambda e: e.states)
    assert big.states == 2788 and big.memory >= 8 * big.digits * big.states


def test_exact_solve_refused_past_the_time_budget_names_the_remedies():
    cc = compile_model(GMMAgents(agents=5, components=5, memory=2))
    with config.override(exact_time_budget=0.01):
        with pytest.raises(StateSpaceLimitError) as err:
            exact.absorption(cc.chain)
    msg = str(err.value)
    for needle in ("refused before it started", "states and", "--float", "--max-states",
                   "--time-budget", "states of this density fit"):
        assert needle in msg
    assert exact.absorption(cc.chain).initial_B.sum() == 1  # within the default budget


def test_cli_refuses_an_exact_solve_that_would_not_fit():
    out = subprocess.run(CLI + ["gmm", "-n", "5", "-K", "5", "--time-budget", "0.01"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert "exact solve refused before it started" in out.stderr and "--float" in out.stderr
    assert "Traceback" not in out.stderr


def test_cli_stops_at_its_memory_budget():
    t = time.perf_counter()
    out = subprocess.run(CLI + ["gmm", "-n", "6", "-K", "6", "-r", "2", "--memory-budget",
                                "0.3"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    assert "memory budget (0.3 GiB)" in out.stderr and "--float" in out.stderr
    assert time.perf_counter() - t < 60


@pytest.mark.parametrize("bad", ["0", "-1", "many", "inf"])
def test_budget_options_are_validated(bad, capsys):
    from chainlab.cli import main

    for option in ("--memory-budget", "--time-budget")[:1 if bad == "inf" else 2]:
        with pytest.raises(SystemExit) as err:
            main(["analyze", option, bad])
        assert err.value.code == 2
        assert "positive number" in capsys.readouterr().err


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_ctrl_c_ends_a_long_command_within_a_second():
    p = subprocess.Popen(CLI + ["gmm", "-n", "6", "-K", "6", "-r", "2"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.perf_counter() + 20
    while time.perf_counter() < deadline and _rss_mb(p.pid) < 300:  # compiling (~12 s) by now
        time.sleep(0.1)
    assert p.poll() is None, "the command ended before it could be interrupted"
    t = time.perf_counter()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=30)
    assert time.perf_counter() - t < 1.5
    assert p.returncode == 130 and "interrupted" in err and "Traceback" not in err


def test_long_exact_solves_announce_their_estimate(monkeypatch):
    from chainlab._progress import Progress

    monkeypatch.setattr(Progress, "interval", 0.0)
    cc = compile_model(GMMAgents(agents=5, components=5, memory=2))
    events: list = []
    with config.override(progress=events.append):
        polarization(cc)
    first = next(e for e in events if e.task == "solving exactly")
    assert first.done == 0 and "estimated (upper bounds)" in first.detail
    assert "2,788 states" in first.detail and "p-adic digits" in first.detail
