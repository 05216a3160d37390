"""Sweep points are computed through the library (no stdout capture, no JSON round trip) and
hold the same record as ``chainlab gmm --json``."""
from __future__ import annotations

import json
import sys

import pytest

from chainlab.cli import main
from chainlab.cli._sweep import _gmm_point


class _NoWrites:
    def write(self, text):
        raise AssertionError(f"a sweep point wrote to stdout: {text[:60]!r}")

    def flush(self):
        pass


@pytest.mark.parametrize("params", [
    {"agents": 4, "components": 4, "memory": 2, "neighbours": 1, "mirror": "1/5"},
    {"agents": 3, "components": 3, "memory": 2, "neighbours": 1, "mirror": "0", "ties": "index"},
])
def test_point_is_the_gmm_json_record_without_touching_stdout(params, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdout", _NoWrites())
    point = _gmm_point(dict(params))
    monkeypatch.undo()
    argv = ["gmm", "--json"] + [x for k, v in params.items()
                                for x in (f"--{k}", str(v))]
    assert main(argv) == 0
    record = json.loads(capsys.readouterr().out)
    for key in ("polarization_probability", "consensus_probability", "expected_rounds",
                "mixed_probability", "num_states", "num_polarized_classes", "error_bound"):
        assert point[key] == record[key], key
    assert "instance" not in point and "method" not in point  # the point's own columns


def test_sweep_module_has_no_stdout_redirect():
    import inspect

    import chainlab.cli._sweep as sweep_cli

    source = inspect.getsource(sweep_cli)
    assert "redirect_stdout" not in source and "json.loads" not in source
