"""The built PRISM parser kept between processes (chainlab/prism/_parse.py, ``_parser``): the
cached parser parses as a freshly built one, a broken or unwritable cache is never an error,
and ``CHAINLAB_CACHE_DIR=""`` keeps nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from lark import Lark

from chainlab.errors import ChainlabError
from chainlab.prism import _parse

MODEL = """dtmc
const double p = 1/3;
module m
  x : [0..3] init 0;
  [] x<3 -> p:(x'=x+1) + (1-p):(x'=0);
endmodule
label "done" = x=3;
rewards "steps" true : 1; endrewards
"""
PROPS = 'P=? [ F "done" ];\nR{"steps"}=? [ F x=3 ];\nfilter(max, P=? [ F<=4 x>=2 ], "init");\n'


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINLAB_CACHE_DIR", str(tmp_path / "cache"))
    _parse._parser.cache_clear()
    yield tmp_path / "cache"
    _parse._parser.cache_clear()


def _fresh() -> Lark:
    grammar = Path(_parse.__file__).with_name("_grammar.lark").read_text()
    return Lark(grammar, **_parse._OPTIONS)


def _trees(parser: Lark):
    return (parser.parse(MODEL, start="model"), parser.parse(PROPS, start="props"))


def test_the_cached_parser_parses_as_a_fresh_one(cache):
    first = _parse._parser()
    files = list(cache.glob("prism-parser-*.lark"))
    assert len(files) == 1 and files[0].stat().st_size > 10_000
    assert [f.name for f in cache.iterdir()] == [files[0].name]  # no temporary file left
    _parse._parser.cache_clear()
    loaded = _parse._parser()
    assert loaded is not first
    assert _trees(loaded) == _trees(_fresh()) == _trees(first)
    # positions survive the round trip (error messages and the AST use them)
    tree = loaded.parse(MODEL, start="model")
    assert (tree.meta.line, tree.meta.column) == (1, 1)
    bad = "dtmc\nmodule m\n  x : [0..1] init 0;\n  [] x=0 -> (x'=1)\nendmodule\n"
    with pytest.raises(ChainlabError) as cached_error:
        _parse.parse_model_text(bad)
    _parse._parser.cache_clear()
    os.environ["CHAINLAB_CACHE_DIR"] = ""  # (restored by the fixture's monkeypatch)
    with pytest.raises(ChainlabError) as fresh_error:
        _parse.parse_model_text(bad)
    assert str(cached_error.value) == str(fresh_error.value)
    assert ":5:1:" in str(cached_error.value)


def test_a_broken_cache_is_rebuilt(cache):
    _parse._parser()
    (path,) = cache.glob("prism-parser-*.lark")
    path.write_bytes(b"not a parser")
    _parse._parser.cache_clear()
    assert _trees(_parse._parser()) == _trees(_fresh())
    assert path.stat().st_size > 10_000  # written again


def test_an_unwritable_cache_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would be")
    monkeypatch.setenv("CHAINLAB_CACHE_DIR", str(blocker / "cache"))
    _parse._parser.cache_clear()
    try:
        assert _trees(_parse._parser()) == _trees(_fresh())
    finally:
        _parse._parser.cache_clear()


def test_empty_cache_dir_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINLAB_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _parse.cache_dir() is None
    _parse._parser.cache_clear()
    try:
        _parse._parser()
    finally:
        _parse._parser.cache_clear()
    assert not list(tmp_path.rglob("*"))
    monkeypatch.delenv("CHAINLAB_CACHE_DIR")
    assert _parse.cache_dir() == tmp_path / "chainlab"


def test_check_gives_the_same_answers_with_and_without_the_cache(tmp_path):
    model, props = tmp_path / "m.prism", tmp_path / "m.props"
    model.write_text(MODEL)
    props.write_text(PROPS)
    cmd = [sys.executable, "-m", "chainlab", "check", str(model), "--props", str(props), "--json"]
    outs = []
    for where in ("", str(tmp_path / "c"), str(tmp_path / "c")):  # none, cold, warm
        env = dict(os.environ, CHAINLAB_CACHE_DIR=where)
        outs.append(json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True,
                                              env=env).stdout))
    assert outs[0] == outs[1] == outs[2]
    # by hand: reaching 3 is certain; E0 = 13/9 + (26/27) E0 gives 39; two successes in a row
    # within 4 steps: 1/9 + 2/27 + 2/27
    assert [r["value"] for r in outs[0]["results"]] == ["1", "39", "7/27"]
    assert len(list((tmp_path / "c").glob("prism-parser-*.lark"))) == 1
