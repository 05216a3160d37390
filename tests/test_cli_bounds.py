"""``chainlab bounds``: the JSON contract, the text report, the paper-scale files, bad input."""

from __future__ import annotations

import json
from fractions import Fraction as F

import pytest

from chainlab.cli import main


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_json_contract(capsys):
    out = _json(capsys, ["bounds", "-n", "4", "-K", "3", "-r", "2", "-k", "1", "--samples",
                         "500", "--json"])
    assert isinstance(out, list) and out
    names = [o["bound"] for o in out]
    assert names[:4] == ["sequence", "coupling", "restricted(1)", "restricted(2)"]
    from chainlab.bounds import coupling_bound
    from chainlab.models import GMMAgents

    staged = coupling_bound(GMMAgents(agents=4, components=3, memory=2, neighbours=1)).value
    assert F(out[1]["value"]) == staged and out[1]["claim"] == "BND-6"
    assert "most likely path" in names and any(n.startswith("split within") for n in names)
    for o in out:
        assert {"bound", "value", "exact", "estimate", "ci", "verdict"} <= set(o)
        assert o["verdict"] == "consistent" and o["ties"] == "random"
        assert F(o["value"]) <= F(o["exact"])  # exact rationals as "p/q" strings
        lo, hi = o["ci"]
        assert 0 <= lo <= o["estimate"] <= hi <= 1
    assert len({o["exact"] for o in out}) == 1


def test_json_without_exact_value_and_without_simulation(capsys):
    out = _json(capsys, ["bounds", "-n", "4", "-K", "4", "-k", "1", "--ties", "index",
                         "--max-states", "10", "--samples", "0", "--max-mixed", "1", "--json"])
    assert [o["bound"] for o in out] == ["sequence", "coupling", "restricted(1)"]
    for o in out:
        assert o["exact"] is None and o["estimate"] is None and o["ci"] is None
        assert o["verdict"] == "inconclusive" and o["ties"] == "index"


def test_coupling_bound_refused_beyond_the_cli_limit(capsys):
    """Seven agents alone: 1,716 configurations (~50 s) -- the CLI skips BND-6 and says why."""
    assert main(["bounds", "-n", "7", "-K", "7", "-k", "1", "--max-states", "10", "--samples",
                 "0", "--max-mixed", "0"]) == 0
    out = capsys.readouterr().out
    assert "not applicable: coupling (BND-6)" in out and "500" in out
    assert "sequence" in out


def test_text_report(capsys):
    assert main(["bounds", "-n", "4", "-K", "3", "-k", "1", "--ties", "index", "--samples",
                 "300", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "tie rule: ties='index'" in out
    assert "exact P(polarization) = 0.0556792873" in out
    assert "not applicable: sequence (BND-4)" in out  # no direct plan with index ties here
    assert "restricted(2)" in out and "consistent" in out and "VIOLATED" not in out
    assert "300 runs of the chain (seed 3)" in out


def test_paper_scale_writes_table_and_plot(capsys, tmp_path):
    out = tmp_path / "study"
    argv = ["bounds", "--paper-scale", "--out", str(out), "--runs", "40", "--rounds", "30",
            "--paper-k", "1,2", "--paper-p", "0,1/5", "--paper-ties", "index",
            "--paper-agents", "8", "--paper-components", "8", "--paper-memory", "3"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "| ties | k | p |" in text and "written:" in text
    names = sorted(p.name for p in out.iterdir())
    assert names == ["paper_scale.csv", "paper_scale.json", "paper_scale.md", "paper_scale.png"]
    data = json.loads((out / "paper_scale.json").read_text())
    assert len(data["rows"]) == 4 and data["parameters"]["seed"] == 0
    import chainlab

    assert data["parameters"]["chainlab_version"] == chainlab.__version__
    row = data["rows"][0]
    assert row["ties"] == "index" and row["bound"] == "sequence"
    assert row["chain_verdict"] == "consistent" and row["continuous_readout"]
    assert (out / "paper_scale.csv").read_text().splitlines()[0].startswith("k,p,ties,bound")
    assert (out / "paper_scale.png").stat().st_size > 5000
    # no temporary files left behind
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    # --json prints the rows
    assert main(argv + ["--json", "--no-continuous"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["continuous_estimate"] is None and rows[0]["continuous_verdict"] == "not run"


@pytest.mark.parametrize("argv,message", [
    (["bounds", "--paper-scale"], "give --out DIR"),
    (["bounds", "-n", "4", "--samples", "-1"], "--samples must be >= 0"),
    (["bounds", "-n", "4", "-k", "4"], "neighbours=4"),
])
def test_errors_exit_2(capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_paper_scale_out_must_be_a_directory(capsys, tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["bounds", "--paper-scale", "--out", str(f)]) == 2
    assert "not a directory" in capsys.readouterr().err


@pytest.mark.parametrize("opt,value", [("--paper-k", "a,b"), ("--paper-p", "x"),
                                       ("--paper-ties", "lowest")])
def test_bad_lists_are_usage_errors(capsys, opt, value):
    with pytest.raises(SystemExit) as exc:
        main(["bounds", "--paper-scale", "--out", "x", opt, value])
    assert exc.value.code == 2


def test_sharpness_table(capsys, tmp_path):
    out = tmp_path / "sharp"
    argv = ["bounds", "--sharpness", "--out", str(out), "--sharp-agents", "3,4",
            "--sharp-components", "3", "--sharp-memory", "2", "--sharp-p", "0",
            "--paper-ties", "random"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "1 non-trivial instances" in text and "exact / restricted(2)" in text
    assert sorted(p.name for p in out.iterdir()) == ["sharpness.csv", "sharpness.json",
                                                     "sharpness.md"]
    data = json.loads((out / "sharpness.json").read_text())
    import chainlab

    assert data["parameters"]["chainlab_version"] == chainlab.__version__
    (row,) = data["rows"]
    assert (row["n"], row["K"], row["k"], row["exact_fraction"]) == (4, 3, 1, "195969/621241")
    assert row["ratio restricted(2)"] == 1.0 and row["ratio sequence"] > 1
    assert 1 <= row["ratio coupling"] < 1.05  # BND-6: 1.03 here (docs/bounds.md)
    assert data["summary"]["sequence"]["instances"] == 1
    assert main(["bounds", "--sharpness"]) == 2
    assert "give --out DIR" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["bounds", "--sharpness", "--out", str(out), "--sharp-extra", "4:4:2"])
