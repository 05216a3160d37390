"""Tests of ``chainlab simulate-gmm`` (chainlab/cli/_simulate_gmm.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainlab.cli import main

SMALL = ["simulate-gmm", "--agents", "6", "--components", "6", "--neighbours", "2",
         "--rounds", "15", "--runs", "4", "--seed", "3"]


def _json(capsys, argv):
    assert main(argv) == 0
    captured = capsys.readouterr()
    return json.loads(captured.out)


def test_json_has_one_entry_per_run(capsys):
    out = _json(capsys, [*SMALL, "--json"])
    assert len(out["final_silos"]) == len(out["consensus_round"]) == 4
    assert all(isinstance(s, int) and 1 <= s <= 6 for s in out["final_silos"])
    assert all(isinstance(t, int) and 0 <= t <= 15 for t in out["consensus_round"])
    for s, t, reached in zip(out["final_silos"], out["consensus_round"],
                             out["reached_consensus"]):
        assert reached == (s == 1)
        if not reached:
            assert t == 15
    assert out["parameters"]["ties"] == "index" and out["parameters"]["seed"] == 3
    assert out["complete"] is True


def test_json_is_reproducible_and_matches_the_library(capsys):
    from chainlab.continuous import simulate_gmm

    a = _json(capsys, [*SMALL, "--json"])
    b = _json(capsys, [*SMALL, "--json"])
    assert a == b
    res = simulate_gmm(agents=6, components=6, neighbours=2, rounds=15, runs=4,
                       rng=np.random.default_rng(3))
    assert a["final_silos"] == res.final_silos.tolist()
    assert a["consensus_round"] == res.consensus_round.tolist()


@pytest.mark.parametrize("mirror", ["1/5", "0.2", "2/10"])
def test_mirror_accepts_fractions_and_decimals(capsys, mirror):
    out = _json(capsys, [*SMALL, "--mirror", mirror, "--json"])
    assert out["parameters"]["mirror"] == pytest.approx(0.2)


def test_mirror_one_keeps_every_silo(capsys):
    out = _json(capsys, [*SMALL, "--mirror", "1", "--json"])
    assert out["final_silos"] == [6, 6, 6, 6]
    assert out["consensus_round"] == [15, 15, 15, 15]


def test_text_report_states_statistics_and_tie_rule(capsys):
    assert main([*SMALL, "--ties", "random"]) == 0
    text = capsys.readouterr().out
    assert "ties: random" in text
    assert "final silos S(T)" in text and "consensus round t*" in text
    assert "runs still split" in text
    for word in ("mean", "std", "min", "median", "max"):
        assert word in text


def test_plot_is_written_atomically(tmp_path, capsys):
    target = tmp_path / "silos.png"
    assert main([*SMALL, "--plot", str(target)]) == 0
    assert target.stat().st_size > 1000
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["silos.png"]  # no temporary left behind
    assert str(target) in capsys.readouterr().out


def test_plot_failure_leaves_no_file(tmp_path, capsys, monkeypatch):
    from matplotlib.figure import Figure

    def broken(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken)
    target = tmp_path / "silos.png"
    with pytest.raises(RuntimeError):
        main([*SMALL, "--plot", str(target)])
    assert list(tmp_path.iterdir()) == []


BAD = [
    (["--neighbours", "6"], "neighbours"),
    (["--neighbours", "0"], "neighbours"),
    (["--mirror", "abc"], "--mirror"),
    (["--mirror", "1.5"], "--mirror"),
    (["--mirror", "1/0"], "--mirror"),
    (["--runs", "0"], "runs"),
    (["--sigma", "-1"], "sigma"),
    (["--agents", "1"], "agents"),
    (["--plot", "/nonexistent-dir/x.png"], "--plot"),
]


@pytest.mark.parametrize("extra,name", BAD, ids=[" ".join(e) for e, _ in BAD])
def test_bad_input_exits_2_with_a_message(capsys, extra, name):
    assert main([*SMALL, *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainlab simulate-gmm: error:") and name in err


@pytest.mark.parametrize("extra", [["--ties", "lowest"], ["--runs", "many"]])
def test_unparsable_options_exit_2(capsys, extra):
    with pytest.raises(SystemExit) as info:
        main([*SMALL, *extra])
    assert info.value.code == 2
    assert "simulate-gmm" in capsys.readouterr().err


def test_interrupt_prints_the_finished_runs(capsys, monkeypatch):
    import chainlab._continuous.simulate as continuous

    real = continuous._simulate_chunk
    calls = []

    def chunk(m, start, C, rng):
        calls.append(C)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(m, start, C, rng)

    monkeypatch.setattr(continuous, "_MAX_CHUNK_RUNS", 2)
    monkeypatch.setattr(continuous, "_simulate_chunk", chunk)
    assert main([*SMALL, "--json"]) == 130
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert len(out["final_silos"]) == 2 and out["complete"] is False
    assert "interrupted" in captured.err


def test_progress_goes_to_stderr(capsys):
    assert main([*SMALL, "--json", "--progress"]) == 0
    captured = capsys.readouterr()
    json.loads(captured.out)
    assert "4/4 runs" in captured.err
