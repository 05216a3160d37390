"""Exact values longer than CPython's 4,300-digit int <-> str limit print, repr and serialise.

The 8,762-state GMM chain has a 20,408-digit polarization probability; ``str(Fraction)`` of it
raises ``ValueError`` under the default ``sys.get_int_max_str_digits()``. Every output path of
chainlab goes through :func:`chainlab._chain.values.fraction_str` (flint's conversion, no limit).
"""

from __future__ import annotations

import sys
from fractions import Fraction

import pytest
from flint import fmpq, fmpz

from chainlab import exact
from chainlab._chain.values import brief, fraction_str
from chainlab.models.classic import gamblers_ruin


@pytest.fixture(scope="module")
def long_result():
    # variance of the ruin time from the middle: 15,018-bit numerator (> 4,520 digits)
    res = exact.absorption(gamblers_ruin(15000, Fraction(1, 3), start=7500), restrict="initial")
    return res


def _digits(x: Fraction) -> int:
    return len(fmpz(x.numerator).str()) + len(fmpz(x.denominator).str())


def test_default_limit_is_exceeded(long_result):
    v = long_result.variance[0]
    limit = sys.get_int_max_str_digits()
    assert limit and _digits(v) > 2 * limit - 10  # both parts beyond the default 4,300
    with pytest.raises(ValueError):
        str(v)  # what chainlab must never call on such a value


def test_fraction_str_round_trips(long_result):
    v = long_result.variance[0]
    s = fraction_str(v)
    num, den = s.split("/")
    assert fmpq(fmpz(num), fmpz(den)) == fmpq(v.numerator, v.denominator)
    assert fraction_str(fmpq(v.numerator, v.denominator)) == s
    assert fraction_str(-v).startswith("-") and fraction_str(-v)[1:] == s
    assert fraction_str(Fraction(v.numerator)) == num


def test_repr_of_results_is_brief(long_result):
    text = repr(long_result)
    assert "variance=[Fraction(≈1.8e+05, 15018/15001-bit)]" in text
    assert len(text) < 1000
    assert brief(long_result.initial_t) == "Fraction(≈2.25e+04, 7515/7501-bit)"


def test_gmm_cli_long(capsys):
    """``chainlab gmm --json`` formats through fraction_str (checked on a forced small limit)."""
    import json

    from chainlab.cli import main

    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)  # the smallest allowed limit
    try:
        assert main(["gmm", "-n", "3", "-K", "3", "-r", "4", "--json"]) == 0
        assert main(["gmm", "-n", "3", "-K", "3", "-r", "4"]) == 0
    finally:
        sys.set_int_max_str_digits(old)
    text, report = capsys.readouterr().out.split("\n", 1)
    num, den = json.loads(text)["expected_rounds"].split("/")
    assert len(num) > 640 and len(den) > 640  # str() of these would have raised
    t = fmpq(fmpz(num), fmpz(den))
    assert t.p.bit_length() > 2000
    expected = f"{int(t.p) // int(t.q)}."  # the integer part, as the report prints it
    assert f"expected rounds to absorption = {expected}" in report
