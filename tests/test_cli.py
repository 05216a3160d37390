"""`chainlab analyze`: JSON contract, exact strings vs floats, auto switch, errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from fractions import Fraction as F

import pytest

from chainlab import Chain, config
from chainlab.cli import main
from chainlab.io import write_drn, write_prism


def run_json(capsys, *args):
    code = main(["analyze", *args, "--json"])
    out = capsys.readouterr().out
    assert code == 0
    return json.loads(out)


def ruin(N: int, p: F) -> Chain:
    tr = [(0, 0, 1), (N, N, 1)]
    tr += [(i, i + 1, p) for i in range(1, N)] + [(i, i - 1, 1 - p) for i in range(1, N)]
    return Chain.from_transitions(N + 1, tr, initial=1, labels={"goal": [N]})


def test_bundled_example_exact_json(capsys):
    out = run_json(capsys, "--exact")
    assert set(out) >= {"num_states", "num_transitions", "closed_classes", "transient",
                        "absorption", "expected_steps"}
    assert out["num_states"] == 11 and out["num_transitions"] == 20
    assert out["closed_classes"] == [[0], [10]] and out["transient"] == list(range(1, 10))
    r = F(3, 2)  # q/p for p = 2/5
    win1 = (r - 1) / (r**10 - 1)
    assert out["absorption"]["1"] == [str(1 - win1), str(win1)]
    assert all(isinstance(v, str) for row in out["absorption"].values() for v in row)
    assert set(out["expected_steps"]) == {str(i) for i in range(1, 10)}


@pytest.mark.parametrize("fmt", ["drn", "tra"])
def test_float_and_target(tmp_path, capsys, fmt):
    c = ruin(6, F(1, 2))
    path = write_drn(c, tmp_path / "r.drn") if fmt == "drn" else write_prism(c, tmp_path / "r")["tra"]
    out = run_json(capsys, str(path), "--float", "--target", "goal")
    assert "absorption" not in out
    assert out["reach"] == pytest.approx({str(i): i / 6 for i in range(7)})
    assert all(isinstance(v, float) for v in out["reach"].values())
    assert out["expected_steps"]["3"] == pytest.approx(9.0)  # i (N - i) for a fair game
    exact_out = run_json(capsys, str(path), "--exact", "--target", "goal")
    assert exact_out["reach"]["2"] == "1/3" and exact_out["expected_steps"]["3"] == "9"


def test_auto_switches_to_float_above_the_limit(tmp_path, capsys):
    path = write_drn(ruin(30, F(2, 5)), tmp_path / "r.drn")
    assert run_json(capsys, str(path))["method"] == "exact"
    out = run_json(capsys, str(path), "--exact-limit", "10")
    assert out["method"] == "float" and isinstance(out["expected_steps"]["1"], float)
    with config.override(exact_auto_max_states=10):
        assert main(["analyze", str(path)]) == 0
    report = capsys.readouterr().out
    assert "arithmetic: exact" in report or "arithmetic: float" in report


def test_text_report_names_the_arithmetic(capsys):
    assert main(["analyze"]) == 0
    text = capsys.readouterr().out
    assert "arithmetic: exact" in text and "closed classes: 2" in text
    assert "P(absorbed in class 1) = " in text


@pytest.mark.parametrize("args,message", [
    (["analyze", "nope.drn"], "no such file"),
    (["analyze", "--target", "nolabel"], "not a label"),
])
def test_errors_exit_2_with_one_line(capsys, args, message):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_console_script_runs():
    exe = shutil.which("chainlab")
    cmd = [exe] if exe else [sys.executable, "-m", "chainlab.cli"]
    out = subprocess.run(cmd + ["analyze", "--json", "--exact"], capture_output=True, text=True,
                         check=True, timeout=120)
    assert json.loads(out.stdout)["num_states"] == 11


# --------------------------------------------------------------------------- certified floats
def corridor_file(tmp_path, length=50):
    from .test_certify import corridor

    return write_drn(corridor(length, F(1, 10)), tmp_path / "corridor.drn")


def test_float_reports_its_certified_bound(capsys):
    out = run_json(capsys, "--float")
    assert out["method"] == "float" and 0 < out["error_bound"] < 1e-12
    assert out["tolerance"] == config.limits.tolerance
    assert main(["analyze", "--float"]) == 0
    assert "certified to a relative error <=" in capsys.readouterr().out
    assert run_json(capsys, "--exact")["error_bound"] == 0


def test_float_that_cannot_be_certified_exits_2_naming_the_remedy(tmp_path, capsys):
    path = corridor_file(tmp_path)
    assert main(["analyze", str(path), "--float", "--target", "goal"]) == 2
    cap = capsys.readouterr()
    assert cap.out == "" and cap.err.count("\n") == 1
    assert "--exact" in cap.err and "cannot vouch" in cap.err and "1e-06" in cap.err


def test_default_mode_falls_back_to_exact_and_says_so(tmp_path, capsys):
    path = corridor_file(tmp_path)
    out = run_json(capsys, str(path), "--exact-limit", "10", "--target", "goal")
    assert out["method"] == "exact" and "solved exactly instead" in out["fallback"]
    assert out["initial"] == {"1": {"reach": "7/10", "expected_steps": out["expected_steps"]["1"]}}
    assert main(["analyze", str(path), "--exact-limit", "10"]) == 0
    assert "solved exactly instead" in capsys.readouterr().out


def test_tolerance_option(tmp_path, capsys):
    path = write_drn(ruin(30, F(2, 5)), tmp_path / "r.drn")
    plain = run_json(capsys, str(path), "--float", "--tolerance", "inf")["error_bound"]
    out = run_json(capsys, str(path), "--float", "--tolerance", "1e-14")
    assert plain > 1e-14 >= out["error_bound"] and out["tolerance"] == 1e-14  # refined
    with pytest.raises(SystemExit):
        main(["analyze", "--tolerance", "0"])
    assert "positive relative error" in capsys.readouterr().err
    path = corridor_file(tmp_path)
    code = main(["analyze", str(path), "--float", "--tolerance", "inf", "--json"])
    assert code == 0 and json.loads(capsys.readouterr().out)["error_bound"] is None


def test_json_initial_holds_the_values_at_the_initial_state(capsys):
    out = run_json(capsys, "--exact")
    assert out["initial"] == {"1": {"absorption": out["absorption"]["1"],
                                    "expected_steps": out["expected_steps"]["1"]}}
