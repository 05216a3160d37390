"""CLI for parametric chains: `chainlab analyze FILE.drn` on a parametric file and
`chainlab gmm --symbolic` (JSON contracts: the exact commands' keys, values SymPy-parseable)."""

from __future__ import annotations

import json
from fractions import Fraction as F

import pytest
import sympy

from chainlab.cli import main
from chainlab.io import read_chain, write_drn
from chainlab.parametric import RationalFunction, absorption, gamblers_ruin

p = sympy.Symbol("p")


def run_json(capsys, *args):
    code = main([*args, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def same(text: str, f: RationalFunction) -> bool:
    return sympy.cancel(sympy.sympify(text) - f.to_sympy()) == 0


@pytest.fixture
def ruin_file(tmp_path):
    return write_drn(gamblers_ruin(5, p, start=2), tmp_path / "ruin.drn")


def test_analyze_parametric_json_has_the_exact_keys(capsys, ruin_file, tmp_path):
    out = run_json(capsys, "analyze", str(ruin_file))
    exact_file = write_drn(gamblers_ruin(5, F(2, 5), start=2), tmp_path / "exact.drn")
    exact_out = run_json(capsys, "analyze", str(exact_file), "--exact")
    assert set(out) == set(exact_out)
    assert out["method"] == "parametric" and out["transient"] == [1, 2, 3, 4]
    res = absorption(gamblers_ruin(5, p, start=2))
    for i in range(1, 5):
        assert all(same(s, f) for s, f in zip(out["absorption"][str(i)], res.B[i]))
        assert same(out["expected_steps"][str(i)], res.t[i])
        # substituting 2/5 into the strings gives the exact command's values
        assert [str(sympy.sympify(s).subs(p, sympy.Rational(2, 5)))
                for s in out["absorption"][str(i)]] == exact_out["absorption"][str(i)]


def test_analyze_parametric_target_and_text(capsys, ruin_file):
    out = run_json(capsys, "analyze", str(ruin_file), "--target", "win")
    assert "absorption" not in out and sympy.sympify(out["reach"]["5"]) == 1
    assert main(["analyze", str(ruin_file)]) == 0
    text = capsys.readouterr().out
    assert "parameters: p" in text and "Interval(0, 1)" in text
    assert "Eq(p, 0), Eq(p, 1)" in text and "P(absorbed in class 1) = " in text


def test_analyze_parametric_refuses_float(capsys, ruin_file):
    assert main(["analyze", str(ruin_file), "--float"]) == 2
    assert "substitute values first" in capsys.readouterr().err


def test_gmm_symbolic_json_contract(capsys):
    args = ["gmm", "-n", "4", "-K", "3", "-r", "2", "-k", "1"]
    sym = run_json(capsys, *args, "--mirror", "p", "--symbolic")
    ex = run_json(capsys, *args, "--mirror", "1/5")
    assert set(sym) == set(ex)
    for key in ("num_states", "num_closed_classes", "num_polarized_classes"):
        assert sym[key] == ex[key]
    for key in ("polarization_probability", "consensus_probability", "expected_rounds"):
        f = sympy.sympify(sym[key])
        assert f.free_symbols == {p}
        assert str(f.subs(p, sympy.Rational(1, 5))) == ex[key]


def test_gmm_symbolic_text_plot_and_export(capsys, tmp_path):
    png, drn = tmp_path / "pol.png", tmp_path / "gmm.drn"
    code = main(["gmm", "-n", "4", "-K", "3", "--mirror", "q", "--symbolic", "--plot", str(png),
                 "--export", str(drn)])
    text = capsys.readouterr().out
    assert code == 0
    assert "P(polarization) = " in text and "degree 6/6" in text
    assert "q = 1/5" in text and "graph changes here" in text  # q = 1: every agent mirrors
    assert png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"
    chain = read_chain(drn)
    assert chain.parameters == (sympy.Symbol("q"),) and "polarized" in chain.labels


@pytest.mark.parametrize("args,message", [
    (["--symbolic"], "needs a symbol name for --mirror"),
    (["--symbolic", "--mirror", "p", "--float"], "drop --float"),
    (["--mirror", "1/5", "--plot", "x.png"], "add --symbolic"),
    (["--symbolic", "--mirror", "p", "--export", "x.tra"], ".drn files only"),
])
def test_gmm_symbolic_bad_input_exits_2(capsys, args, message):
    assert main(["gmm", "-n", "3", "-K", "2", *args]) == 2
    assert message in capsys.readouterr().err


def test_gmm_symbol_without_symbolic_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["gmm", "--mirror", "p"])
    assert info.value.code == 2 and "add --symbolic" in capsys.readouterr().err


@pytest.mark.slow
def test_gmm_default_instance_symbolic_json(capsys):
    sym = run_json(capsys, "gmm", "--mirror", "p", "--symbolic")
    ex = run_json(capsys, "gmm", "--mirror", "1/5")
    assert sym["num_states"] == 497
    f = sympy.sympify(sym["polarization_probability"])
    assert str(f.subs(p, sympy.Rational(1, 5))) == ex["polarization_probability"]
