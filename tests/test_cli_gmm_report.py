"""``chainlab gmm`` / ``bounds`` reports and JSON: the whole instance, whole exact values,
``--digits``, the polarization definition, the spacing and start warnings (issue 13, items 3, 5)."""

from __future__ import annotations

import json
from fractions import Fraction as F

import pytest

from chainlab import __version__
from chainlab.cli import main


def _run(capsys, argv):
    assert main(argv) == 0
    return capsys.readouterr().out


def test_gmm_json_records_the_whole_instance(capsys):
    out = json.loads(_run(capsys, ["gmm", "-n", "5", "-K", "3", "-k", "2", "--mirror", "0.2",
                                   "--spacing", "3", "--float", "--json"]))
    assert out["instance"] == {
        "agents": 5, "components": 3, "memory": 2, "neighbours": 2, "mirror": "1/5",
        "ties": "random", "spacing": "3", "start": [0, 1, 2, 0, 1],
        "start_rule": "agent i pure on label i mod K", "method": "float", "lumped": True,
        "chainlab_version": __version__}
    assert out["notes"] == []  # spacing 3 = 15 sigma: faithful; no closed silo at the start


def test_bounds_json_records_the_whole_instance(capsys):
    out = json.loads(_run(capsys, ["bounds", "-n", "4", "-K", "3", "--samples", "50",
                                   "--max-mixed", "0", "--json"]))
    for check in out:
        assert check["instance"] == {
            "agents": 4, "components": 3, "memory": 2, "neighbours": 1, "mirror": "0",
            "ties": "random", "spacing": "1", "start": [0, 1, 2, 0],
            "start_rule": "agent i pure on label i mod K", "method": "bounds", "samples": 50,
            "seed": 0, "chainlab_version": __version__}


def test_exact_values_print_whole(capsys):
    text = _run(capsys, ["gmm"])
    js = json.loads(_run(capsys, ["gmm", "--json"]))
    assert "..." not in text
    for key in ("polarization_probability", "consensus_probability", "expected_rounds"):
        assert len(js[key]) > 70 and f"(= {js[key]})" in text  # printed whole, not elided
    assert "--digits N" in text


@pytest.mark.parametrize("digits,shown", [(4, "≈ 0.3406"), (12, "≈ 0.340617139936"),
                                          (1, "≈ 0.3")])
def test_digits_rounds_correctly_from_the_exact_value(capsys, digits, shown):
    text = _run(capsys, ["gmm", "--digits", str(digits)])
    assert f"P(polarization) {shown}\n" in text
    pol = F(json.loads(_run(capsys, ["gmm", "--json"]))["polarization_probability"])
    value = F(shown.split()[1])
    assert abs(value - pol) <= F(1, 2) * F(10) ** (-digits)  # correctly rounded


def test_digits_marks_exact_values_with_equals(capsys):
    text = _run(capsys, ["gmm", "-n", "4", "-k", "2", "--digits", "3"])
    assert "P(polarization) = 0\n" in text and "P(consensus)    = 1\n" in text


@pytest.mark.parametrize("bad", ["0", "x", "-3"])
def test_digits_must_be_a_positive_integer(capsys, bad):
    with pytest.raises(SystemExit) as info:
        main(["gmm", "--digits", bad])
    assert info.value.code == 2 and "--digits" in capsys.readouterr().err


def test_report_defines_polarization_in_one_line(capsys):
    text = _run(capsys, ["gmm"])
    lines = [ln for ln in text.splitlines() if ln.strip().startswith("polarization =")]
    assert len(lines) == 1 and "two closed silos" in lines[0] and "k + 1" in lines[0]


@pytest.mark.parametrize("spacing,warned", [("1", True), ("1.4", True), ("1.5", False),
                                            ("3", False)])
def test_spacing_below_the_faithful_range_is_warned(capsys, spacing, warned):
    text = _run(capsys, ["gmm", "--spacing", spacing])
    assert ("below the range where the chain is a faithful model" in text) == warned
    js = json.loads(_run(capsys, ["gmm", "--spacing", spacing, "--json"]))
    assert any("faithful" in n for n in js["notes"]) == warned


def test_more_agents_than_components_says_the_start_is_already_split(capsys):
    text = _run(capsys, ["gmm", "-n", "8", "-K", "4"])
    assert "note: the start is already split" in text and "n = 8 > K = 4" in text
    js = json.loads(_run(capsys, ["gmm", "-n", "8", "-K", "4", "--json"]))
    assert js["polarization_probability"] == "1"
    text = _run(capsys, ["bounds", "-n", "8", "-K", "4", "--samples", "0", "--max-mixed", "0"])
    assert "note: the start is already split" in text


def test_no_note_when_the_start_is_not_decided(capsys):
    js = json.loads(_run(capsys, ["gmm", "--spacing", "3", "--json"]))
    assert js["notes"] == []


def test_report_and_help_cite_the_project_model_document(capsys):
    text = _run(capsys, ["gmm"])
    assert "docs/model.md" in text and "DESIGN" not in text
    with pytest.raises(SystemExit):
        main(["gmm", "--help"])
    helptext = capsys.readouterr().out
    assert "docs/model.md" in helptext and "DESIGN" not in helptext
