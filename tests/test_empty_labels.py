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
