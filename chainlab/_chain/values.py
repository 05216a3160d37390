"""Conversion of user-supplied entries into exact rationals or floats (one place, at the boundary).

Exact values are held internally as python-flint ``fmpq`` (2-4x faster than ``Fraction`` in
the solvers) and handed back to users as :class:`fractions.Fraction`.
"""

from __future__ import annotations

import math
import numbers
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq, fmpz

from ..errors import ExactnessError, NotStochasticError, SpecError

__all__: list[str] = []  # private module

_FLOAT_TYPES = (float, np.floating)


def _sympy_rational(value: Any) -> fmpq | None:
    """Return ``value`` as fmpq if it is a SymPy rational number, else None (SymPy imported lazily)."""
    mod = type(value).__module__
    if not mod.startswith("sympy"):
        return None
    import sympy

    if isinstance(value, sympy.Rational):
        return fmpq(int(value.p), int(value.q))
    if isinstance(value, sympy.Float):
        raise ExactnessError("float")  # caught and re-raised with location by the caller
    if isinstance(value, sympy.Basic) and value.free_symbols:
        raise SpecError("symbolic")
    return None


def _w(where: Any) -> str:
    """Location text; ``where`` may be a zero-argument callable so hot loops format it lazily."""
    return where() if callable(where) else where


def to_fmpq(value: Any, *, where: Any, limit_denominator: int | None = None) -> fmpq:
    """Convert one entry to an exact ``fmpq``; ``where`` names the argument and location."""
    if isinstance(value, fmpq):
        return value
    if isinstance(value, (bool, np.bool_)):
        raise NotStochasticError(
            f"{_w(where)} is the boolean {value!r}; pass a number such as 1 or Fraction(1, 2)"
        )
    if isinstance(value, (int, np.integer, fmpz)):
        return fmpq(int(value))
    if isinstance(value, Fraction):
        return fmpq(value.numerator, value.denominator)
    if isinstance(value, _FLOAT_TYPES):
        x = float(value)
        if not math.isfinite(x):
            raise NotStochasticError(f"{_w(where)} is {x!r}; entries must be finite probabilities")
        if limit_denominator is None:
            g = Fraction(x).limit_denominator(10**6)
            raise ExactnessError(
                f"exact chain got float {x!r} at {_w(where)}; pass an exact value such as "
                f"Fraction({g.numerator}, {g.denominator}) or '{x!r}' as a string, "
                "or give limit_denominator=... to convert floats, or build a float chain "
                "with exact=False"
            )
        f = Fraction(x).limit_denominator(limit_denominator)
        return fmpq(f.numerator, f.denominator)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotStochasticError(f"{_w(where)} is {value!r}; entries must be finite probabilities")
        f = Fraction(value)
        return fmpq(f.numerator, f.denominator)
    if isinstance(value, str):
        try:
            f = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise NotStochasticError(
                f"{_w(where)} is the string {value!r}, which is not a number; write a fraction "
                "'p/q' or a decimal such as '0.25'"
            ) from None
        return fmpq(f.numerator, f.denominator)
    try:
        q = _sympy_rational(value)
    except ExactnessError:
        raise ExactnessError(
            f"exact chain got the SymPy float {value!r} at {_w(where)}; pass sympy.Rational or "
            "Fraction instead"
        ) from None
    except SpecError:
        raise SpecError(
            f"{_w(where)} is the symbolic expression {value!r}; parametric chains are built with "
            "chainlab.parametric, or substitute numbers first"
        ) from None
    if q is not None:
        return q
    if isinstance(value, numbers.Rational):
        return fmpq(int(value.numerator), int(value.denominator))
    raise NotStochasticError(
        f"{_w(where)} is {value!r} of type {type(value).__name__}, which is not a number; pass an "
        "int, Fraction, decimal string or sympy.Rational"
    )


def to_float(value: Any, *, where: Any) -> float:
    """Convert one entry to a finite float (float chains only)."""
    if isinstance(value, (bool, np.bool_)):
        raise NotStochasticError(
            f"{_w(where)} is the boolean {value!r}; pass a number such as 1 or 0.5"
        )
    if isinstance(value, fmpq):
        return int(value.p) / int(value.q)
    if isinstance(value, str):
        try:
            x = float(Fraction(value.strip()))
        except (ValueError, ZeroDivisionError):
            raise NotStochasticError(
                f"{_w(where)} is the string {value!r}, which is not a number"
            ) from None
    else:
        try:
            x = float(value)
        except (TypeError, ValueError):
            raise NotStochasticError(
                f"{_w(where)} is {value!r} of type {type(value).__name__}, which is not a number"
            ) from None
    if not math.isfinite(x):
        raise NotStochasticError(f"{_w(where)} is {x!r}; entries must be finite probabilities")
    return x


def _coprime_fraction(num: int, den: int) -> Fraction:
    # fmpq is always in lowest terms with den > 0, so Fraction's gcd (the slow part for
    # thousand-digit values) is skipped by setting the two slots CPython's Fraction uses.
    f = object.__new__(Fraction)
    f._numerator = num  # type: ignore[attr-defined]  # (CPython's private slots)
    f._denominator = den  # type: ignore[attr-defined]
    return f


def _coprime_fraction_works() -> bool:
    try:
        f = _coprime_fraction(2, 3)
        return f == Fraction(2, 3) and hash(f) == hash(Fraction(2, 3)) and str(f) == "2/3"
    except Exception:  # pragma: no cover - another Python implementation
        return False


_FAST_FRACTION = _coprime_fraction_works()


def fmpq_to_fraction(x: fmpq) -> Fraction:
    """Exact conversion of an ``fmpq`` (always in lowest terms) to :class:`fractions.Fraction`."""
    if _FAST_FRACTION:
        return _coprime_fraction(int(x.p), int(x.q))
    return Fraction(int(x.p), int(x.q))  # pragma: no cover


def fmpq_to_float(x: fmpq) -> float:
    """Correctly rounded float of an ``fmpq`` (Python's int true division rounds correctly)."""
    return int(x.p) / int(x.q)


_fraction_ufunc = np.frompyfunc(fmpq_to_fraction, 1, 1)


def distinct_objects(items: list) -> tuple[np.ndarray, np.ndarray]:
    """``(firsts, inverse)`` of a list by object identity: the position of the first
    occurrence of every distinct object (in order) and, for every item, the index of its
    object among those (one pass in C; np.unique of the ids without it)."""
    try:
        from .._analysis import _cgraph  # type: ignore[attr-defined]  # (C extension)
    except ImportError:  # pragma: no cover - exercised by tests that hide the extension
        _cgraph = None
    if _cgraph is not None and hasattr(_cgraph, "first_of"):
        f, i = _cgraph.first_of(items)
        return np.frombuffer(f, dtype=np.int64), np.frombuffer(i, dtype=np.int64)
    ids = np.fromiter(map(id, items), dtype=np.uint64, count=len(items))
    _, first, inv = np.unique(ids, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")  # (in order of first occurrence)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return first[order], rank[inv.reshape(-1)]


def to_fraction_array(a: np.ndarray) -> np.ndarray:
    """Elementwise :func:`fmpq_to_fraction` (an object array of the same shape). Each distinct
    object is converted once and its Fraction shared: the exact solver gives equal values one
    object (claim LIN-3), so protocol models convert a few thousand values, not every state.

    Examples
    --------
    >>> x = fmpq(1, 3)
    >>> to_fraction_array(np.array([x, x, fmpq(2)], dtype=object)).tolist()
    [Fraction(1, 3), Fraction(1, 3), Fraction(2, 1)]
    """
    a = np.asarray(a)
    if a.size < 64:
        return _fraction_ufunc(a)
    items = a.reshape(-1).tolist()
    first, inv = distinct_objects(items)
    if len(first) * 2 > len(items):  # few repeats: not worth the bookkeeping
        return _fraction_ufunc(a)
    out = np.empty(len(first), dtype=object)
    out[:] = [fmpq_to_fraction(items[k]) for k in first.tolist()]
    return out[inv].reshape(a.shape)
to_float_array = np.frompyfunc(fmpq_to_float, 1, 1)


_DEN_STR: dict[int, str] = {}  # decimal strings of recent long denominators (often shared)


def fraction_str(x: Fraction | fmpq | int) -> str:
    """``'p/q'`` or ``'p'`` for an exact rational, of any length.

    CPython's int -> decimal conversion is quadratic and refuses more than 4,300 digits by
    default (``sys.set_int_max_str_digits``); exact absorption probabilities of GMM chains
    reach tens of thousands of digits. flint's conversion is subquadratic and unlimited.
    Denominators repeat across states, so the last few are cached.

    Examples
    --------
    >>> fraction_str(Fraction(-3, 4)), fraction_str(fmpq(5)), fraction_str(7)
    ('-3/4', '5', '7')
    >>> len(fraction_str(Fraction(1, 3 ** 20000)))
    9545
    """
    if isinstance(x, fmpq):
        num, den = int(x.p), int(x.q)
        if num.bit_length() < 2000 and den.bit_length() < 2000:  # (Python's is faster here)
            return str(num) if den == 1 else f"{num}/{den}"
        return x.str()  # flint's own conversion: subquadratic, no digit limit
    if isinstance(x, Fraction):
        num, den = x.numerator, x.denominator
    else:
        num, den = int(x), 1
    if num.bit_length() < 2000 and den.bit_length() < 2000:
        return str(num) if den == 1 else f"{num}/{den}"
    s = fmpz(num).str()
    if den == 1:
        return s
    d = _DEN_STR.get(den)
    if d is None:
        if len(_DEN_STR) >= 64:
            _DEN_STR.clear()
        d = _DEN_STR[den] = fmpz(den).str()
    return f"{s}/{d}"


def brief(x: Fraction) -> str:
    """Readable form of an exact value for reprs: in full when short, else its size and float.

    Examples
    --------
    >>> brief(Fraction(1, 3))
    'Fraction(1, 3)'
    >>> brief(Fraction(1, 3 ** 200))
    'Fraction(≈3.76e-96, 1/317-bit)'
    """
    num, den = x.numerator, x.denominator
    if num.bit_length() + den.bit_length() <= 160:
        return repr(x)
    return f"Fraction(≈{float(x):.3g}, {num.bit_length()}/{den.bit_length()}-bit)"
