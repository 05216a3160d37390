"""Errors name the real cause (issue 13, item 7): a float chain refused by the exact backend is
refused for its entries, not its initial state; a file of rounded decimals is named (file, line,
row, sum) with CLI remedies, and never solved silently."""

from __future__ import annotations

import json

import pytest

from chainlab import Chain, exact
from chainlab.cli import main
from chainlab.errors import ExactnessError

ROUNDED = "3 5\n0 0 1\n1 0 0.333333333333\n1 1 0.333333333333\n1 2 0.333333333333\n2 2 1\n"
LAB = '0="init" 1="goal"\n1: 0\n2: 1\n'


@pytest.mark.parametrize("initial", [0, 1, {1: 1.0}, [0.5, 0.5, 0.0]])
def test_exact_backend_blames_the_float_entries_not_initial(initial):
    c = Chain([[1.0, 0.0, 0.0], [0.25, 0.25, 0.5], [0.0, 0.0, 1.0]], initial=initial)
    with pytest.raises(ExactnessError) as info:
        exact.absorption(c)
    message = str(info.value)
    assert "at initial" not in message and "P[0, 0]" in message and "chainlab.numeric" in message


def test_an_exact_chain_with_a_float_initial_still_blames_initial():
    c = Chain([[1, 0], [0, 1]])
    with pytest.raises(ExactnessError, match="initial"):
        exact.absorption(c, initial={0: 0.5, 1: 0.5})


@pytest.fixture
def rounded(tmp_path):
    (tmp_path / "third.tra").write_text(ROUNDED)
    (tmp_path / "third.lab").write_text(LAB)
    return tmp_path / "third.tra"


def test_exact_names_file_line_row_sum_and_the_cli_remedies(rounded, capsys):
    assert main(["analyze", str(rounded), "--exact", "--target", "goal"]) == 2
    err = capsys.readouterr().err
    assert "third.tra line 3: the probabilities of row 1 sum to 999999999999/1000000000000 " \
           "(= 0.999999999999), not 1" in err
    assert "--normalise" in err and "--float" in err and "Fix the file" in err
    assert "limit_denominator" not in err and "exact=False" not in err


def test_default_mode_solves_in_float_but_says_so(rounded, capsys):
    assert main(["analyze", str(rounded), "--target", "goal"]) == 0
    out = capsys.readouterr().out
    assert "note: third.tra line 3: the probabilities of row 1 sum to" in out
    assert "solved in float64" in out and "--normalise" in out
    assert main(["analyze", str(rounded), "--target", "goal", "--json"]) == 0
    captured = capsys.readouterr()
    js = json.loads(captured.out)
    assert js["method"] == "float" and "row 1 sum to 999999999999/1000000000000" in \
        js["rounded_rows"]
    assert "note: third.tra line 3" in captured.err


def test_normalise_gives_the_exact_answer_of_the_renormalised_chain(rounded, capsys):
    assert main(["analyze", str(rounded), "--target", "goal", "--normalise", "--json"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["method"] == "exact" and js["initial"]["1"]["reach"] == "1/2"
    assert "divided 1 row(s)" in js["rounded_rows"] and "1e-12" in js["rounded_rows"]


def test_drn_files_get_the_same_message(tmp_path, capsys):
    path = tmp_path / "third.drn"
    path.write_text("@type: DTMC\n@value_type: double\n@parameters\n\n@reward_models\n\n"
                    "@nr_states\n3\n@nr_choices\n3\n@model\nstate 0 init\n\taction 0\n\t\t1 : 1\n"
                    "state 1\n\taction 0\n\t\t0 : 0.333333333333\n\t\t1 : 0.333333333333\n"
                    "\t\t2 : 0.333333333333\nstate 2 goal\n\taction 0\n\t\t2 : 1\n")
    assert main(["analyze", str(path), "--exact"]) == 2
    assert "third.drn line 15: the probabilities of row 1 sum to" in capsys.readouterr().err


def test_normalise_refuses_rows_that_are_not_rounding(tmp_path, capsys):
    (tmp_path / "bad.tra").write_text("2 3\n0 0 0.5\n0 1 0.4\n1 1 1\n")
    assert main(["analyze", str(tmp_path / "bad.tra"), "--normalise"]) == 2
    err = capsys.readouterr().err
    assert "sums to 0.9" in err and "only corrects rounding" in err


def test_an_exact_file_gets_no_note(tmp_path, capsys):
    (tmp_path / "ok.tra").write_text("3 5\n0 0 1\n1 0 1/3\n1 1 1/3\n1 2 1/3\n2 2 1\n")
    (tmp_path / "ok.lab").write_text(LAB)
    assert main(["analyze", str(tmp_path / "ok.tra"), "--json"]) == 0
    js = json.loads(capsys.readouterr().out)
    assert js["method"] == "exact" and "rounded_rows" not in js
