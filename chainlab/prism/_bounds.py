"""Float64 property values with certified absolute error bounds (``chainlab check --float``).

A float state value is a pair of arrays ``(v, e)``: the computed values and, for every state, a
bound ``|v - exact| <= e`` (``e = 0``: exact, e.g. a graph-determined 0 or 1; infinite values
are exact: where an expected reward is infinite is a graph property). The analyses of
:mod:`chainlab.numeric` certify a relative bound for each of their results; the arithmetic of
properties (``1 - P``, sums, products, filters) and the iterations without an analysis of their
own (``C<=k``, ``I=k``) propagate the bounds here, with the rounding of every float operation
counted (Higham's ``gamma_k``; the recurrence of chainlab's float bounded reachability for
matrix-vector products, claim CERT-4). Comparisons are decided only when the bounds separate
the two sides; otherwise they are refused (:class:`~chainlab.errors.PrecisionError`).

Examples
--------
>>> import numpy as np
>>> v, e = arith("sub", np.array([1.0]), np.zeros(1), np.array([0.3]), np.array([1e-17]))
>>> v.tolist(), bool(e[0] >= 1e-17), bool(e[0] < 1e-16)
([0.7], True, True)
>>> decide("ge", np.array([0.5]), np.array([1e-9]), np.array([0.4]), np.zeros(1))
(array([ True]), array([False]))
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from .._linalg.certify import DD_MAX, ETA, U, _two_prod, _two_sum, gamma, relative_bound

__all__ = ["from_relative", "rounded", "arith", "decide", "iterate", "relative"]

_SAFE = 1 + 8 * U  # rounding of the bound computations themselves


def from_relative(values: np.ndarray, r: float) -> np.ndarray:
    """Absolute bounds of ``values`` certified to the relative error ``r`` (``|v - x| <= r |x|``
    gives ``|v - x| <= r / (1 - r) |v|``)."""
    v = np.asarray(values, dtype=np.float64)
    a = np.abs(v)
    if r == 0:
        e = np.zeros(v.shape)
    elif r < 1:
        e = a * (r / (1 - r)) * _SAFE
    else:
        e = np.where(a > 0, np.inf, 0.0)
    e[~np.isfinite(v)] = 0.0
    return e


def rounded(fractions: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Rationals (``Fraction``, ``fmpq`` or ints, or ``inf``) as correctly rounded floats and
    their rounding errors (0 where the float is the rational)."""
    vals = np.empty(len(fractions))
    errs = np.zeros(len(fractions))
    for i, x in enumerate(fractions):
        if isinstance(x, float):
            vals[i] = x
            continue
        q = Fraction(int(x.numerator), int(x.denominator))
        f = q.numerator / q.denominator  # correctly rounded (int true division)
        vals[i] = f
        if Fraction(f) != q:
            errs[i] = abs(f) * U * _SAFE + ETA
    return vals, errs


def _finite_only(r: np.ndarray, e: np.ndarray) -> np.ndarray:
    e = np.where(np.isfinite(r), e, 0.0)
    e[np.isnan(e)] = np.inf
    return e


def arith(op: str, a: np.ndarray, ea: np.ndarray, b: np.ndarray | None = None,
          eb: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``a op b`` (``op``: add, sub, mul, div, neg) and its error bound."""
    with np.errstate(all="ignore"):
        if op == "neg":
            return -a, ea.copy()
        assert b is not None and eb is not None
        if op == "add":
            r, e = a + b, ea + eb
        elif op == "sub":
            r, e = a - b, ea + eb
        elif op == "mul":
            r, e = a * b, np.abs(a) * eb + np.abs(b) * ea + ea * eb
        elif op == "div":
            r = a / b
            room = np.abs(b) - eb
            e = np.where(room > 0, (ea + np.abs(r) * eb) / np.where(room > 0, room, 1.0), np.inf)
        else:  # pragma: no cover
            raise ValueError(op)
        e = (e + _rounding(op, a, b, r)) * _SAFE
    return r, _finite_only(r, e)


def _rounding(op: str, a: np.ndarray, b: np.ndarray, r: np.ndarray) -> np.ndarray:
    """A bound on ``|r - (a op b)|``, the rounding of the float operation: exact for sums and
    (away from under- and overflow) products, by TwoSum and Dekker's TwoProduct (0 where the
    float result is exact, as ``1 - 0``)."""
    if op in ("add", "sub"):
        return np.abs(_two_sum(a, b if op == "add" else -b)[1])
    # (an underflow can round a nonzero result to 0: ETA counts it)
    loose = U * np.abs(r) + ETA * ((a != 0) & (b != 0) if op == "mul" else a != 0)
    if op == "mul":
        safe = ((np.abs(a) < DD_MAX) & (np.abs(b) < DD_MAX) & (np.abs(r) > 2.0 ** -900)
                | (r == 0) & ((a == 0) | (b == 0)))
        return np.where(safe, np.abs(_two_prod(a, b)[1]), loose)
    return loose


def decide(op: str, a: np.ndarray, ea: np.ndarray, b: np.ndarray,
           eb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(result, undecided)`` of the comparison ``a op b`` (op: lt, le, gt, ge, eq, ne) of
    values known within ``ea``/``eb``: ``result`` holds where it is certain, ``undecided``
    marks the states where the bounds overlap the other side."""
    a, b, ea, eb = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64)
                                         for x in (a, b, ea, eb)))
    with np.errstate(all="ignore"):
        d = a - b
        ed = (ea + eb + U * np.abs(d)) * _SAFE
        lo, hi = d - ed, d + ed
    infinite = ~(np.isfinite(a) & np.isfinite(b))  # infinities are exact: compare directly
    if op == "ge":
        yes, no = lo >= 0, hi < 0
    elif op == "gt":
        yes, no = lo > 0, hi <= 0
    elif op == "le":
        yes, no = hi <= 0, lo > 0
    elif op == "lt":
        yes, no = hi < 0, lo >= 0
    else:
        yes, no = (d == 0) & (ed == 0), np.abs(d) > ed
        if op == "ne":
            yes, no = no, yes
    direct = {"ge": np.greater_equal, "gt": np.greater, "le": np.less_equal, "lt": np.less,
              "eq": np.equal, "ne": np.not_equal}[op](a, b)
    result = np.where(infinite, direct, yes)
    undecided = ~infinite & ~yes & ~no
    return np.asarray(result, dtype=bool), undecided


def iterate(indptr: np.ndarray, indices: np.ndarray, floats: np.ndarray, x: np.ndarray,
            ex: np.ndarray, k: int, add: tuple[np.ndarray, np.ndarray] | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """``k`` steps of ``x <- add + P x`` (``add`` None: ``x <- P x``) for ``x >= 0`` known within
    ``ex``, ``P`` the correctly rounded float entries of a stochastic matrix in CSR: the
    values and their bounds advance together (``e' = P e`` plus the rounding of the products,
    as chainlab's float bounded reachability does)."""
    import scipy.sparse as sp

    n = len(indptr) - 1
    P = sp.csr_array((floats, indices, indptr), shape=(n, n))
    pattern = sp.csr_array((np.ones(len(indices)), indices, indptr), shape=(n, n))
    width = np.diff(indptr).astype(np.float64)
    gk = gamma(width + 2)
    grow = (1 + 3 * U) / (1 - gk)
    cst = (gk + 2 * U) / (1 - gk) * (1 + 16 * U)
    slack = (cst + 1) * (width + 2) * 4 * ETA
    x, ex = np.asarray(x, dtype=np.float64), np.asarray(ex, dtype=np.float64)
    for _ in range(k):
        both = P @ np.stack([x, ex], axis=1)
        nz = pattern @ ((x != 0) | (ex != 0)).astype(np.float64) > 0
        y = both[:, 0]
        ey = (both[:, 1] * grow + cst * y + slack * nz) * _SAFE
        if add is None:
            x, ex = y, ey
        else:
            x = add[0] + y
            ex = (ey + add[1] + U * x + ETA * (x != 0)) * _SAFE
    return x, ex


def relative(values: Any, errors: Any) -> float:
    """The largest relative error of finite values (infinite ones are exact)."""
    v = np.atleast_1d(np.asarray(values, dtype=np.float64))
    e = np.atleast_1d(np.asarray(errors, dtype=np.float64))
    finite = np.isfinite(v)
    return relative_bound(v[finite], e[finite]) if finite.any() else 0.0
