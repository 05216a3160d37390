"""Exported GMM chains mean what the ``chainlab gmm`` report means (issue 13, item 2).

Every probability of ``chainlab gmm --json`` is reproduced from the exported file alone, through
``chainlab analyze``; the ``.sta`` file names each state's agent configuration.
"""

from __future__ import annotations

import json
from fractions import Fraction as F

import pytest

from chainlab.cli import main
from chainlab.compiler import compile_model
from chainlab.io import read_chain
from chainlab.models import GMMAgents
from chainlab.polarization import polarization, state_labels


def _json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def _analyze(capsys, path, target):
    out = _json(capsys, ["analyze", str(path), "--exact", "--target", target, "--json"])
    return out["initial"]["0"]


def test_consensus_label_of_the_issue_is_the_consensus_class(tmp_path, capsys):
    """The issue: analyze five.tra --target consensus gave 0.3500, gmm said 0.3462."""
    path = tmp_path / "five.tra"
    gmm = _json(capsys, ["gmm", "-n", "5", "-K", "4", "--export", str(path), "--json"])
    got = F(_analyze(capsys, path, "consensus")["reach"])
    assert str(got) == gmm["consensus_probability"]
    assert round(float(got), 4) == 0.3462
    # the transient one-silo states keep a label of their own: passing through them is likelier
    one = F(_analyze(capsys, path, "one_silo")["reach"])
    assert round(float(one), 4) == 0.3500 and one > got


INSTANCES = [
    ["-n", "5", "-K", "4"],
    ["-n", "4", "-K", "3", "--mirror", "1/5"],
    ["-n", "4", "-K", "4", "--ties", "index"],  # unlumped: agents in order
    ["-n", "6", "-K", "3", "-k", "2", "--mirror", "2/5"],
    ["-n", "4", "-K", "3", "-r", "3", "--mirror", "2/5"],
]


@pytest.mark.parametrize("suffix", [".tra", ".drn"])
@pytest.mark.parametrize("args", INSTANCES, ids=lambda a: " ".join(a))
def test_every_json_probability_is_reproduced_from_the_exported_file(tmp_path, capsys, args,
                                                                      suffix):
    path = tmp_path / f"chain{suffix}"
    gmm = _json(capsys, ["gmm", *args, "--export", str(path), "--json"])
    pol = _analyze(capsys, path, "polarized")
    assert pol["reach"] == gmm["polarization_probability"]
    assert pol["expected_steps"] == gmm["expected_rounds"]
    assert _analyze(capsys, path, "consensus")["reach"] == gmm["consensus_probability"]
    # the two-closed-silos event (the simulations' read-out) has the same probability (SIL-1)
    assert _analyze(capsys, path, "split")["reach"] == gmm["polarization_probability"]
    assert F(gmm["polarization_probability"]) + F(gmm["consensus_probability"]) \
        + F(gmm["mixed_probability"]) == 1
    assert 0 < F(gmm["polarization_probability"]) < 1


def test_sta_names_every_agent_configuration(tmp_path, capsys):
    path = tmp_path / "four.tra"
    _json(capsys, ["gmm", "-n", "4", "-K", "3", "--export", str(path), "--json"])
    sta = (tmp_path / "four.sta").read_text().splitlines()
    assert sta[0] == "(" + ",".join(f"a{i}_l{c}" for i in range(4) for c in range(3)) + ")"
    cc = compile_model(GMMAgents(agents=4, components=3, memory=2, neighbours=1))
    assert len(sta) == cc.chain.num_states + 1
    for line, state in zip(sta[1:], cc.chain.states.labels):
        flat = tuple(x for agent in state for x in agent)
        index, values = line.split(":")
        assert tuple(int(v) for v in values.strip("()").split(",")) == flat
    # the start: agent i pure on label i mod 3, memory 2 (lumped: agents sorted)
    start = sorted([(2, 0, 0), (0, 2, 0), (0, 0, 2), (2, 0, 0)])
    assert sta[1] == "0:(" + ",".join(str(x) for a in start for x in a) + ")"
    back = read_chain(path)
    assert back.states.labels[0] == tuple(x for a in start for x in a)


def test_drn_export_writes_the_sta_beside_it(tmp_path, capsys):
    path = tmp_path / "c.drn"
    out = _json(capsys, ["gmm", "-n", "4", "-K", "3", "--export", str(path), "--json"])
    assert len((tmp_path / "c.sta").read_text().splitlines()) == out["num_states"] + 1


def test_state_labels_match_the_polarization_result():
    cc = compile_model(GMMAgents(agents=5, components=4, memory=2, neighbours=1))
    res = polarization(cc)
    labels = state_labels(cc, res)
    assert set(labels) == {"consensus", "polarized", "one_silo", "split"}
    closed = {s for c in res.closed_classes for s in c}
    assert set(labels["consensus"]) | set(labels["polarized"]) == closed
    assert set(labels["consensus"]) < set(labels["one_silo"])  # plus transient one-silo states
    assert set(labels["polarized"]) <= set(labels["split"])
    assert state_labels(cc) == labels


@pytest.mark.parametrize("bad", ["chain", None])
def test_state_labels_refuses_what_is_not_a_compiled_model(bad):
    from chainlab.errors import SpecError

    with pytest.raises(SpecError, match="CompiledChain"):
        state_labels(bad)


def test_state_labels_refuses_a_result_of_another_model():
    from chainlab.errors import SpecError

    cc = compile_model(GMMAgents(agents=5, components=4, memory=2, neighbours=1))
    other = polarization(compile_model(GMMAgents(agents=4, components=3, memory=2,
                                                 neighbours=1)))
    with pytest.raises(SpecError, match="result must be the PolarizationResult"):
        state_labels(cc, other)
