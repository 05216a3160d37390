"""A declared label without states survives a file round trip: exported chains answer
``--target polarized`` with probability 0 when no polarized class exists (not 'unknown label')."""
from __future__ import annotations

import json

import pytest

from chainlab import Chain, exact
from chainlab.cli import main
from chainlab.io import read_chain, write_prism


@pytest.mark.parametrize("fast", [True, False])
def test_empty_label_round_trips_through_tra_lab(tmp_path, fast, monkeypatch):
    if not fast:  # the line-by-line reader, the reference
        from chainlab._io import fast as fast_mod

        monkeypatch.setattr(fast_mod, "_cparse", None)
    c = Chain([[1, 0], ["1/2", "1/2"]], labels={"goal": [], "a": [0]}, initial=1)
    write_prism(c, tmp_path / "x")
    back = read_chain(tmp_path / "x.tra")
    assert back == c and back.labels["goal"] == frozenset()
    assert exact.hitting(back, "goal").initial_probability == 0


def test_gmm_export_without_polarized_class_answers_zero(tmp_path, capsys):
    out = tmp_path / "four.tra"
    assert main(["gmm", "-n", "4", "-K", "4", "-k", "2", "--json", "--export", str(out)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["num_polarized_classes"] == 0
    assert main(["analyze", str(out), "--exact", "--json", "--target", "polarized"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert all(v["reach"] == "0" for v in report["initial"].values())
    assert set(report["reach"].values()) == {"0"}


def test_symbolic_export_names_its_states_too(tmp_path, capsys):
    out = tmp_path / "sym.drn"
    assert main(["gmm", "--symbolic", "--mirror", "p", "-n", "3", "-K", "3", "--json",
                 "--export", str(out)]) == 0
    record = json.loads(capsys.readouterr().out)
    lines = (tmp_path / "sym.sta").read_text().splitlines()
    assert lines[0] == "(" + ",".join(f"a{i}_l{c}" for i in range(3) for c in range(3)) + ")"
    assert len(lines) - 1 == record["num_states"]
    for line in lines[1:]:
        counts = [int(x) for x in line.split(":")[1].strip("()").split(",")]
        assert [sum(counts[3 * i:3 * i + 3]) for i in range(3)] == [2, 2, 2]  # r = 2 each
