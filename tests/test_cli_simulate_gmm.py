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
    assert out["parameters"]["ties"] == "random" and out["parameters"]["seed"] == 3
    assert out["complete"] is True


def test_json_is_reproducible_and_matches_the_library(capsys):
    from chainlab.continuous import simulate_gmm

    a = _json(capsys, [*SMALL, "--json"])
    b = _json(capsys, [*SMALL, "--json"])
    assert a == b
    res = simulate_gmm(agents=6, components=6, neighbours=2, num_rounds=15, num_samples=4,
                       ties="random", rng=np.random.default_rng(3))
    assert a["final_silos"] == res.final_silos.tolist()
    assert a["consensus_round"] == res.consensus_round.tolist()
    assert a["polarized"] == res.polarized.tolist()


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
    assert "still had more than one silo after round 15" in text
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


# ---------------------------------------------------------------------- issue 13, items 3 and 4
def test_defaults_are_those_of_gmm_bounds_and_sweep(capsys):
    """One model: simulate-gmm defaults to the tie rule and k of `chainlab gmm` (was index, 5)."""
    from chainlab.cli import build_parser

    parser = build_parser()
    sim = parser.parse_args(["simulate-gmm"])
    for command in ("gmm", "bounds"):
        other = parser.parse_args([command])
        assert (sim.ties, sim.neighbours) == (other.ties, other.neighbours) == ("random", 1)
    out = _json(capsys, ["simulate-gmm", "--rounds", "2", "--runs", "1", "--seed", "0",
                         "--json"])
    assert out["parameters"]["ties"] == "random" and out["parameters"]["neighbours"] == 1


def test_json_records_the_whole_instance(capsys):
    from chainlab import __version__

    out = _json(capsys, [*SMALL, "--mirror", "1/5", "--spacing", "3", "--json"])
    inst = out["instance"]
    assert inst == {**inst, "agents": 6, "components": 6, "memory": 5, "neighbours": 2,
                    "mirror": "1/5", "ties": "random", "spacing": "3",
                    "start": [0, 1, 2, 3, 4, 5], "start_rule": "agent i pure on label i mod K",
                    "method": "simulation of the continuous model", "sigma": 0.2,
                    "rounds": 15, "runs": 4, "seed": 3, "chainlab_version": __version__}


def test_polarization_with_clopper_pearson_interval(capsys):
    """Measured (seed 7): n = K = 6, r = 2, k = 1, 40 rounds: 151 of 200 runs polarized."""
    from chainlab.continuous import simulate_gmm
    from chainlab.stats import proportion

    argv = ["simulate-gmm", "--agents", "6", "--components", "6", "--memory", "2",
            "--rounds", "40", "--runs", "200", "--seed", "7"]
    out = _json(capsys, [*argv, "--json"])
    res = simulate_gmm(agents=6, components=6, memory=2, neighbours=1, num_rounds=40, num_samples=200,
                       ties="random", rng=np.random.default_rng(7))
    m = int(res.polarized.sum())
    e = proportion(m, 200)
    pol = out["polarization"]
    assert pol == {"polarized_runs": m, "runs": 200, "estimate": m / 200, "ci": list(e.ci),
                   "confidence": 0.95, "method": "Clopper-Pearson"}
    assert m == 151 and round(e.ci[0], 4) == 0.6894 and round(e.ci[1], 4) == 0.8129
    # "polarized" is two closed silos, not "more than one silo": every polarized run is split
    split = ~np.asarray(out["reached_consensus"])
    assert np.all(split[np.asarray(out["polarized"])])
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert f"P(polarization) = {m / 200:.4f}  [{e.ci[0]:.4f}, {e.ci[1]:.4f}]" in text
    assert f"{m} of 200 runs ended with two closed silos" in text
    assert "polarization = ending in two closed silos" in text


def test_split_runs_are_a_sentence(capsys):
    assert main([*SMALL, "--mirror", "1"]) == 0  # nobody talks: all 4 runs keep 6 silos
    text = capsys.readouterr().out
    assert "All 4 runs still had more than one silo after round 15 (t* = 15 for them)." in text
    assert "runs still split:" not in text


def test_more_agents_than_components_says_the_start_is_already_split(capsys):
    argv = ["simulate-gmm", "--agents", "8", "--components", "4", "--rounds", "3", "--runs",
            "5", "--seed", "1"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "note: the start is already split" in text and "P(polarization) = 1.0000" in text
    out = _json(capsys, [*argv, "--json"])
    assert out["notes"] and out["notes"][0].startswith("the start is already split")
    assert out["polarization"]["polarized_runs"] == 5


def test_chain_and_simulation_on_the_shared_defaults_agree(capsys):
    """The defaults of gmm and simulate-gmm are one model: at spacing 3 (15 sigma, the faithful
    range) the continuous estimate's interval holds the chain's exact value. Measured (seed 13,
    2,000 runs): 679 polarized, 0.3395 [0.3187, 0.3607] vs the chain's 0.3406; with index ties
    (the old simulate-gmm default) 0.1545 [0.1389, 0.1711], which misses it."""
    from fractions import Fraction

    chain = _json(capsys, ["gmm", "--json"])  # n = K = 4, r = 2, defaults
    exact = float(Fraction(chain["polarization_probability"]))
    out = _json(capsys, ["simulate-gmm", "--agents", "4", "--components", "4", "--memory", "2",
                         "--spacing", "3", "--rounds", "100", "--runs", "2000", "--seed", "13",
                         "--json"])
    assert out["instance"]["ties"] == chain["instance"]["ties"] == "random"
    assert out["instance"]["neighbours"] == chain["instance"]["neighbours"] == 1
    lo, hi = out["polarization"]["ci"]
    assert out["polarization"]["polarized_runs"] == 679
    assert lo <= exact <= hi
