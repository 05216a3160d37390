"""The C fast paths (tokenizers of chainlab._io._cparse, graph searches of chainlab._analysis._cgraph) agree
with their pure-Python / SciPy references, and Storm's own files read correctly."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainlab import exact, structure
from chainlab._io import fast as _fastread
from chainlab.errors import FileFormatError
from chainlab.io import read_chain, write_drn, write_prism
from chainlab.strategies import reducible_chains

needs_c = pytest.mark.skipif(not _fastread.available() or structure._cgraph is None,
                             reason="the C extensions are not built")


def _slow(monkeypatch):
    monkeypatch.setattr(_fastread, "_cparse", None)


def _same(a, b):
    assert a == b
    assert a.is_exact == b.is_exact
    if not a.is_exact:
        assert np.array_equal(a._float, b._float)


@needs_c
# --------------------------------------------------------------------------- readers
@pytest.mark.parametrize("fmt", ["drn", "prism"])
@settings(deadline=None)
@given(c=reducible_chains(max_transient=5), exact_flag=st.sampled_from([None, True, False]))
def test_fast_reader_equals_line_reader(tmp_path_factory, fmt, c, exact_flag):
    d = tmp_path_factory.mktemp("fast")
    path = write_drn(c, d / "c.drn") if fmt == "drn" else write_prism(c, d / "c")["tra"]
    fast = read_chain(path, exact=exact_flag)
    with pytest.MonkeyPatch.context() as mp:
        _slow(mp)
        slow = read_chain(path, exact=exact_flag)
    _same(fast, slow)
    assert (fast.num_states, fast.num_transitions) == (c.num_states, c.num_transitions)
    assert dict(fast.labels) == dict(c.labels)


STORM_DRN = """// Exported by storm
// Original model type: DTMC
@type: DTMC
@value_type: rational
@parameters

@placeholders
$half : 1/2
@reward_models
steps
@nr_states
4
@nr_choices
4
@model
state 0 [1] init "(s = 0)"
	action 0 [0]
		1 : $half
		2 : 1/2
state 1 [1] "(s = 5)" deadlock
	action 0
		1 : 1
state 2 [0] "(s = 5)" {x=2 & y=1}
	action 0 [0]
		3 : 0.25
		2 : 3/4
state 3 [1]
	action 0
		3 : 1
"""


@needs_c
@pytest.mark.parametrize("fast", [True, False], ids=["C", "lines"])
def test_storm_drn_with_quoted_labels_placeholders_rewards(tmp_path, monkeypatch, fast):
    if not fast:
        _slow(monkeypatch)
    path = tmp_path / "storm.drn"
    path.write_text(STORM_DRN)
    c = read_chain(path)
    assert c.num_states == 4 and c.is_exact
    assert dict(c.initial) == {0: F(1)}
    assert sorted(c.labels) == ["(s = 0)", "(s = 5)", "deadlock"]
    assert sorted(c.labels["(s = 5)"]) == [1, 2]
    assert c.probability(0, 1) == F(1, 2) and c.probability(2, 3) == F(1, 4)
    h = exact.hitting(c, "(s = 5)")
    assert h.initial_probability == 1


@needs_c
@pytest.mark.parametrize("body,message", [
    ("state 0 init\n\taction 0\n\t\t1 : 1/2\n\t\t0 : 1/3\nstate 1\n\taction 0\n\t\t1 : 1\n",
     "sums to 5/6"),
    ("state 0 init\n\taction 0\n\t\t7 : 1\nstate 1\n\taction 0\n\t\t1 : 1\n", "out of range"),
    ("state 0 init\n\taction 0\n\t\t1 : x\nstate 1\n\taction 0\n\t\t1 : 1\n", "not a number"),
    ("state 1 init\n\taction 0\n\t\t1 : 1\nstate 0\n\taction 0\n\t\t1 : 1\n", "out of order"),
])
def test_errors_are_the_line_readers(tmp_path, body, message):
    head = "@type: DTMC\n@parameters\n\n@reward_models\n\n@nr_states\n2\n@nr_choices\n2\n@model\n"
    path = tmp_path / "bad.drn"
    path.write_text(head + body)
    with pytest.raises(FileFormatError, match=message) as info:
        read_chain(path, exact=True)
    assert str(path) in str(info.value) and ":1" in str(info.value)


def test_files_written_by_stormpy_read_and_agree(tmp_path):
    stormpy = pytest.importorskip("stormpy")
    pytest.importorskip("stormpy.io")  # the writers live in a submodule

    prism = tmp_path / "walk.prism"
    prism.write_text("dtmc\nmodule m\n s : [0..5] init 1;\n"
                     " [] s>0 & s<5 -> 0.3 : (s'=s+1) + 0.7 : (s'=s-1);\n"
                     " [] s=0 | s=5 -> (s'=s);\nendmodule\n")
    program = stormpy.parse_prism_program(str(prism))
    prop = stormpy.parse_properties("P=? [F s=5]", program)
    model = stormpy.build_model[stormpy.Rational](program, prop)
    stormpy.io.export_to_drn(model, str(tmp_path / "walk.drn"))
    c = read_chain(tmp_path / "walk.drn")
    assert "(s = 5)" in c.labels
    storm = stormpy.model_checking(model, prop[0], environment=stormpy.environments.exact())
    init = model.initial_states[0]
    v = storm.get_value_vector()[init]
    assert exact.hitting(c, "(s = 5)").initial_probability == \
        F(int(str(v.numerator)), int(str(v.denominator)))


@needs_c
# --------------------------------------------------------------------------- graph searches
@settings(deadline=None)
@given(reducible_chains(), st.data())
def test_c_graph_searches_equal_scipy(c, data):
    fast_struct = structure.classify(c)
    fast_sc = structure.strong_components(structure._pattern(c))
    k = data.draw(st.integers(0, c.num_states - 1))
    avoid = np.array(data.draw(st.lists(st.booleans(), min_size=c.num_states,
                                        max_size=c.num_states)))
    fast_reach = structure.can_reach(c, np.array([k]), avoiding=avoid)
    fast_from = structure.reachable_from(c, np.array([k]))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(structure, "_cgraph", None)
        c._cache.clear()
        slow_struct = structure.classify(c)
        slow_sc = structure.strong_components(structure._pattern(c))
        slow_reach = structure.can_reach(c, np.array([k]), avoiding=avoid)
        slow_from = structure.reachable_from(c, np.array([k]))
    # the same partition (labels may differ; both are topological)
    assert fast_sc[0] == slow_sc[0]
    pairs = set(zip(fast_sc[1].tolist(), slow_sc[1].tolist()))
    assert len(pairs) == fast_sc[0]
    for f in ("communicating_classes", "closed_classes", "transient", "absorbing", "periods"):
        assert sorted(getattr(fast_struct, f)) == sorted(getattr(slow_struct, f))
    assert fast_reach.tolist() == slow_reach.tolist()
    assert fast_from.tolist() == slow_from.tolist()


@needs_c
@settings(deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.just(n), st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                         max_size=4 * n))))
def test_c_condensation_levels_equal_numpy(graph):
    from chainlab._linalg import topo

    n, edges = graph
    key = np.unique(np.array([u * n + v for u, v in edges], dtype=np.int64))
    rows, cols = key // n, key % n
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=ptr[1:])
    num, labels = structure.strong_components(structure._Graph(ptr, cols))
    fast = topo.component_levels(num, labels, ptr, cols)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(topo, "_cgraph", None)
        slow = topo.component_levels(num, labels, ptr, cols)
    assert fast.tolist() == slow.tolist()
    # the level is the longest path to a sink: one more than the deepest successor component
    for u, v in zip(rows.tolist(), cols.tolist()):
        if labels[u] != labels[v]:
            assert fast[labels[u]] >= fast[labels[v]] + 1
    if (labels[rows] != labels[cols]).any():  # labels in the wrong order are refused
        with pytest.raises(ValueError, match="reverse topological"):
            topo._cgraph.levels(ptr, cols, num - 1 - labels, num)


def test_extensions_are_built_where_a_compiler_exists():
    # pip builds them whenever a C compiler is found; a silent fallback would hide a broken
    # build (and every test above would be skipped)
    import shutil
    import sysconfig

    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(cc) is None:
        pytest.skip("no C compiler here: the pure-Python fallbacks are the ones in use")
    from chainlab._compile import explore as compiler

    assert compiler._ckernel is not None
    assert _fastread.available() and structure._cgraph is not None


def test_atomic_writes_leave_nothing_half_written(tmp_path):
    from chainlab._io.atomic import atomic_open, write_text

    target = tmp_path / "out.txt"
    write_text(target, "old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_open(target) as f:
            f.write("new, half")
            raise KeyboardInterrupt
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]
    write_text(target, "new")
    assert target.read_text() == "new" and (target.stat().st_mode & 0o777) != 0o600


@needs_c
@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), max_size=40),
       st.integers(0, 10**12))
def test_float_table_is_the_repr_of_every_value(values, offset):
    """The C writer of float JSON tables gives Python's repr texts (inf and nan as null), and
    the table reads back to the same floats."""
    import json
    import math

    from chainlab._io import _cparse

    keys = [offset + 3 * k for k in range(len(values))]
    text = _cparse.float_table(np.array(keys, dtype=np.int64).tobytes(),
                               np.array(values, dtype=np.float64).tobytes())
    assert text == ", ".join(f'"{k}": ' + (repr(v) if math.isfinite(v) else "null")
                             for k, v in zip(keys, values))
    back = json.loads("{" + text + "}")
    assert list(back) == [str(k) for k in keys]
    for v, b in zip(values, back.values()):
        assert (b is None) if not math.isfinite(v) else (b == v and type(b) is float)


def test_analyze_float_json_same_with_and_without_the_c_writer(tmp_path, monkeypatch, capsys):
    """`analyze --float --json` writes the same document through the C table writer and the
    pure-Python texts (the writer only changes speed)."""
    import json

    from chainlab.cli import main

    path = tmp_path / "walk.tra"
    path.write_text("5 8\n0 0 1\n1 0 0.3\n1 2 0.7\n2 1 0.3\n2 3 0.7\n3 2 0.3\n3 4 0.7\n4 4 1\n")
    (tmp_path / "walk.lab").write_text('0="init" 1="goal"\n1: 0\n4: 1\n')
    assert main(["analyze", str(path), "--float", "--json", "--target", "goal"]) == 0
    fast = capsys.readouterr().out
    _slow(monkeypatch)  # as if the C extension were not built
    assert main(["analyze", str(path), "--float", "--json", "--target", "goal"]) == 0
    slow = capsys.readouterr().out
    a, b = json.loads(fast), json.loads(slow)
    assert a["reach"] == b["reach"] and a["expected_steps"] == b["expected_steps"]
    assert set(a["reach"]) == {"0", "1", "2", "3", "4"} and a["reach"]["4"] == 1.0
    hit = exact.hitting(read_chain(path), "goal").probabilities  # gambler's ruin, q/p = 3/7
    for i in range(5):
        ruin = (1 - F(3, 7) ** i) / (1 - F(3, 7) ** 4)
        assert hit[i] == ruin and abs(a["reach"][str(i)] - float(ruin)) <= 1e-15
