r"""Exact real roots of integer polynomials in one variable (internal).

A real root is held as ``(g, lo, hi)``: ``g`` an irreducible factor (primitive, positive leading
coefficient) and an isolating interval ``[lo, hi]`` with rational endpoints that contains exactly
one real root of ``g``; ``lo == hi`` for rational roots (linear factors). Irrational roots come
from python-flint's ``complex_roots`` (Arb's certified isolation, which returns real roots with
an exactly zero imaginary part); the ball is turned into exact dyadic endpoints and the sign
change of ``g`` across it is checked exactly, so nothing rests on floating point. Refinement is
exact bisection. Signs of other polynomials at an irrational root are decided by divisibility
(``g | h`` means ``h`` vanishes there) and otherwise by Arb interval evaluation on the isolating
interval, refined until the sign is certain -- which terminates because ``h`` does not vanish at
the root.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, cast

import flint
from flint import arb, fmpq, fmpz_poly

from ._ring import fmpq_of_arf

__all__: list[str] = []  # private module


class RealRoot:
    """One real root of the irreducible polynomial ``g`` (see the module docstring)."""

    __slots__ = ("g", "lo", "hi", "index", "multiplicity")

    def __init__(self, g: fmpz_poly, lo: fmpq, hi: fmpq, index: int, multiplicity: int = 1):
        self.g, self.lo, self.hi = g, lo, hi
        self.index = index  # position among the real roots of g, ascending (CRootOf index)
        self.multiplicity = multiplicity

    @property
    def is_rational(self) -> bool:
        return self.lo == self.hi

    def __repr__(self) -> str:
        if self.is_rational:
            return f"RealRoot({self.lo})"
        return f"RealRoot({self.g} in [{self.lo}, {self.hi}])"

    def bisect(self) -> None:
        if self.is_rational:
            return
        mid = (self.lo + self.hi) / 2
        s_mid = _sign(self.g(mid))
        if s_mid == 0:  # cannot happen for irreducible g of degree >= 2
            self.lo = self.hi = mid
        elif s_mid == _sign(self.g(self.lo)):
            self.lo = mid
        else:
            self.hi = mid

    def refine(self, width: fmpq) -> None:
        while self.hi - self.lo > width:
            self.bisect()

    def compare(self, x: fmpq) -> int:
        """Sign of ``root - x``."""
        if self.is_rational:
            return _sign(self.lo - x)
        while self.lo <= x <= self.hi:
            self.bisect()
        return 1 if self.lo > x else -1

    def sign_of(self, h: fmpz_poly) -> int:
        """Sign of ``h`` at this root, exactly."""
        if self.is_rational:
            return _sign(h(self.lo))
        if h.is_zero():
            return 0
        if h.gcd(self.g).degree() > 0:  # g is irreducible: g divides h
            return 0
        prec = 64
        while True:
            with flint.ctx.workprec(prec):
                ball = arb(self.lo).union(arb(self.hi))
                v = h(ball)
            if v > 0:
                return 1
            if v < 0:
                return -1
            self.refine((self.hi - self.lo) / 4)
            prec = min(prec * 2, 1 << 16)

    def to_sympy(self):
        """The root as a SymPy number (Rational, or CRootOf of the irreducible factor)."""
        import sympy

        if self.is_rational:
            return sympy.Rational(int(self.lo.p), int(self.lo.q))
        x = sympy.Dummy("x")
        poly = sympy.Poly([int(c) for c in reversed(self.g.coeffs())], x)
        return sympy.rootof(poly, self.index, radicals=True)

    def approx(self) -> float:
        return float(Fraction(int(((self.lo + self.hi) / 2).p), int(((self.lo + self.hi) / 2).q)))


def _sign(x) -> int:
    return 1 if x > 0 else -1 if x < 0 else 0


def _irrational_roots(g: fmpz_poly, mult: int) -> list[RealRoot]:
    prec = 64
    while True:
        with flint.ctx.workprec(prec):
            # (fmpz_poly.complex_roots returns (acb, multiplicity) pairs; python-flint's stub
            # says list[acb])
            roots = cast("list[tuple[Any, int]]", g.complex_roots())
        out = []
        ok = True
        for k, (z, _) in enumerate(r for r in roots if r[0].imag.is_zero()):
            re = z.real
            mid, rad = fmpq_of_arf(re.mid()), fmpq_of_arf(re.rad())
            lo, hi = mid - rad, mid + rad
            if rad == 0 or _sign(g(lo)) * _sign(g(hi)) >= 0:
                ok = False
                break
            out.append(RealRoot(g, lo, hi, k, mult))
        if ok:
            return out
        prec *= 2  # pragma: no cover - Arb's isolation is certified; belt and braces


def _primitive(g: fmpz_poly) -> fmpz_poly:
    c = g.content()
    if c != 1 and c != 0:
        g = g // c
    if g.leading_coefficient() < 0:
        g = -g
    return g


def real_roots(f: fmpz_poly, *, factors=None) -> list[RealRoot]:
    """All real roots of ``f`` (nonzero), ascending, with multiplicities, disjoint intervals."""
    if factors is None:
        _, factors = f.factor()
    roots: list[RealRoot] = []
    for g, e in factors:
        g = _primitive(g)
        if g.degree() < 1:
            continue
        if g.degree() == 1:
            c0, c1 = g.coeffs()
            r = fmpq(-int(c0), int(c1))
            roots.append(RealRoot(g, r, r, 0, int(e)))
        else:
            roots.extend(_irrational_roots(g, int(e)))
    return separate(roots)


def separate(roots: list[RealRoot]) -> list[RealRoot]:
    """Sort roots of pairwise distinct irreducible polynomials, refining until disjoint."""
    roots = sorted(roots, key=lambda r: r.lo)
    changed = True
    while changed:
        changed = False
        roots.sort(key=lambda r: r.lo)
        for a, b in zip(roots, roots[1:]):
            if a.hi >= b.lo:
                if a.is_rational and b.is_rational:
                    continue  # equal rational roots of one factor cannot occur; distinct ok
                a.bisect()
                b.bisect()
                changed = True
    return roots


def roots_in(f: fmpz_poly, lo: fmpq, hi: fmpq) -> list[RealRoot]:
    """Real roots of ``f`` in the closed interval ``[lo, hi]``."""
    if f.is_zero():
        raise ValueError("the zero polynomial has every point as a root")
    return [r for r in real_roots(f) if r.compare(lo) >= 0 and r.compare(hi) <= 0]


def between(a: RealRoot | None, b: RealRoot | None) -> fmpq:
    """A rational strictly between two consecutive separated roots (or beyond one end)."""
    if a is None and b is None:
        return fmpq(0)
    if a is None:
        assert b is not None
        return b.lo - 1
    if b is None:
        return a.hi + 1
    return (a.hi + b.lo) / 2
