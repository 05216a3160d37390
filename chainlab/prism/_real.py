"""PRISM's ``pow`` and ``log`` on rational arguments, exactly.

``power(b, r)`` and ``log(x, b)`` give the value when it is rational and ``None`` when it is
not (``pow(2, 0.5)``); :class:`NoRealValue` when PRISM's double arithmetic has no real value
either (a negative number to a non-integer power, the logarithm of a number <= 0, ...). An
irrational value is still compared exactly with a rational one (``pow(x, 0.5) >= 1``):
:func:`irrational_sign` evaluates both sides in arb ball arithmetic (python-flint), raising the
precision until the balls separate, which they always do because the two values differ.

Examples
--------
>>> from fractions import Fraction as F
>>> power(F(9, 4), F(1, 2)), power(F(8), F(-2, 3)), power(F(2), F(1, 2))
(Fraction(3, 2), Fraction(1, 4), None)
>>> log(F(8), F(2)), log(F(1, 9), F(27)), log(F(10), F(2))
(Fraction(3, 1), Fraction(-2, 3), None)
>>> power_sign(F(2), F(1, 2), F(7, 5)), log_sign(F(10), F(2), F(10, 3))
(1, -1)
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from flint import arb, ctx, fmpq, fmpz

__all__ = ["NoRealValue", "power", "log", "power_sign", "log_sign"]

_MAX_PREC = 1 << 16  # bits; two different values this close are refused, not guessed


class NoRealValue(ValueError):
    """The function has no real value at these arguments (the message says why)."""


def power(b: Fraction, r: Fraction) -> Fraction | None:
    """``b ** r``, or ``None`` when it is irrational."""
    if r.denominator == 1:
        if b == 0 and r < 0:
            raise NoRealValue("is 0 to a negative power (division by zero)")
        return b ** int(r)
    if b < 0:
        raise NoRealValue(f"takes the negative number {b} to the non-integer power {r}, which "
                          "has no real value (PRISM gives NaN)")
    if b == 0:
        if r < 0:
            raise NoRealValue("is 0 to a negative power (division by zero)")
        return Fraction(0)
    # b**(p/q), p/q in lowest terms, is rational iff b**(1/q) is (u p + v q = 1 gives
    # b**(1/q) = (b**(p/q))**u * b**v), i.e. iff b's numerator and denominator are q-th powers
    q = r.denominator
    n, d = fmpz(b.numerator), fmpz(b.denominator)
    rn, rd = n.root(q), d.root(q)
    if rn ** q != n or rd ** q != d:
        return None
    return Fraction(int(rn), int(rd)) ** r.numerator


def log(x: Fraction, b: Fraction) -> Fraction | None:
    """``log_b(x)`` (PRISM's ``log(x, b)``), or ``None`` when it is irrational."""
    _check_log(x, b)
    if x == 1:
        return Fraction(0)
    # log_b(x) = p/q in lowest terms means x**q = b**p, so q divides the exponent of every
    # prime in b: q <= L, the bit length of b's numerator or denominator. Fractions with
    # denominators <= L are >= 1/L**2 apart, so a ball narrower than 1/(4 L**2) around
    # log_b(x) holds at most one of them: the candidate closest to its midpoint.
    L = max(b.numerator.bit_length(), b.denominator.bit_length())
    prec = 64
    while True:
        with ctx.workprec(prec):
            v = _arb(x).log() / _arb(b).log()
            if v.rad() * (4 * L * L) < 1:
                man, exp = v.mid().man_exp()  # the midpoint, exactly
                mid = Fraction(int(man)) * Fraction(2) ** int(exp)
                break
        prec *= 4
        if prec > _MAX_PREC:  # pragma: no cover - needs numbers of ~10^4 digits
            raise NoRealValue("cannot be decided exactly (its arguments are too large)")
    cand = mid.limit_denominator(L)
    p, q = cand.numerator, cand.denominator
    return cand if x ** q == b ** p else None


def _check_log(x: Fraction, b: Fraction) -> None:
    if x <= 0:
        raise NoRealValue(f"is the logarithm of {x} <= 0, which has no real value")
    if b <= 0 or b == 1:
        raise NoRealValue(f"has the base {b}; a logarithm's base must be > 0 and != 1")


def _arb(v: Fraction) -> arb:
    return arb(fmpq(v.numerator, v.denominator))


def irrational_sign(approx: Callable[[], arb], c: Fraction) -> int:
    """``sign(v - c)`` for an irrational ``v`` (so ``v != c``) given by ``approx()`` in arb at
    the current working precision."""
    prec = 64
    while prec <= _MAX_PREC:
        with ctx.workprec(prec):
            diff = approx() - _arb(c)
            if diff > 0:
                return 1
            if diff < 0:
                return -1
        prec *= 4
    raise NoRealValue(f"is within 2^-{_MAX_PREC} of {c}; too close to compare")  # pragma: no cover


def power_sign(b: Fraction, r: Fraction, c: Fraction) -> int:
    """``sign(b**r - c)`` for an irrational ``b**r`` (``b > 0``)."""
    return irrational_sign(lambda: _arb(b) ** _arb(r), c)


def log_sign(x: Fraction, b: Fraction, c: Fraction) -> int:
    """``sign(log_b(x) - c)`` for an irrational ``log_b(x)``."""
    return irrational_sign(lambda: _arb(x).log() / _arb(b).log(), c)
