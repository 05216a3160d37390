"""`chainlab gmm`: the main job's JSON contract, float/exact agreement, lumping, export."""

from __future__ import annotations

import json
from fractions import Fraction as F

import pytest

from chainlab import exact
from chainlab.cli import main
from chainlab.io import read_chain


def run_json(capsys, *args):
    assert main(["gmm", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_default_instance_exact(capsys):
    out = run_json(capsys)
    assert set(out) == {"num_states", "num_closed_classes", "num_polarized_classes",
                        "polarization_probability", "consensus_probability", "expected_rounds",
                        "mixed_probability", "method", "error_bound", "instance", "notes"}
    assert out["method"] == "exact" and out["error_bound"] == 0
    assert out["num_states"] == 497 and out["num_closed_classes"] == 10
    assert out["num_polarized_classes"] == 6
    pol, con = F(out["polarization_probability"]), F(out["consensus_probability"])
    assert pol + con == 1 and round(float(pol), 4) == 0.3406  # the prototype's value
    assert F(out["expected_rounds"]) > 1


def test_float_agrees_with_exact(capsys):
    ex = run_json(capsys, "--mirror", "1/5")
    fl = run_json(capsys, "--mirror", "0.2", "--float")
    assert isinstance(fl["polarization_probability"], float)
    assert fl["method"] == "float" and 0 < fl["error_bound"] < 1e-9
    for key in ("polarization_probability", "consensus_probability", "expected_rounds"):
        assert fl[key] == pytest.approx(float(F(ex[key])), rel=1e-9)
    assert round(float(F(ex["polarization_probability"])), 4) == 0.3305


def test_lumped_and_unlumped_agree(capsys):
    args = ["-n", "3", "-K", "3", "-r", "2", "-k", "1"]
    a = run_json(capsys, *args)
    b = run_json(capsys, *args, "--no-lumped")
    assert b["num_states"] > a["num_states"]
    for key in ("polarization_probability", "consensus_probability", "expected_rounds"):
        assert a[key] == b[key]


def test_polarization_impossible_when_n_below_2k_plus_2(capsys):
    out = run_json(capsys, "-n", "4", "-k", "2")
    assert out["polarization_probability"] == "0" and out["num_polarized_classes"] == 0


@pytest.mark.parametrize("suffix", [".drn", ".tra"])
def test_export_round_trips(tmp_path, capsys, suffix):
    path = tmp_path / f"gmm{suffix}"
    out = run_json(capsys, "--export", str(path))
    chain = read_chain(path)
    assert chain.num_states == out["num_states"]
    res = exact.hitting(chain, "polarized")
    assert str(res.initial_probability) == out["polarization_probability"]


def test_text_report_states_the_tie_rule(capsys):
    assert main(["gmm", "--ties", "index"]) == 0
    text = capsys.readouterr().out
    assert "ties='index'" in text and "lumped: no" in text and "P(polarization) = " in text


@pytest.mark.parametrize("args,message", [
    (["--neighbours", "4"], "neighbours=4"),
    (["--mirror", "3/2"], "mirror"),
    (["--ties", "index", "--lumped"], "exchangeable"),
    (["--max-states", "10"], "more than 10 reachable states"),
    (["--export", "x.csv"], ".drn or .tra"),
])
def test_bad_input_exits_2(capsys, args, message):
    assert main(["gmm", *args]) == 2
    assert message in capsys.readouterr().err


def test_bad_fraction_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["gmm", "--mirror", "abc"])
    assert info.value.code == 2 and "not a number" in capsys.readouterr().err
