r"""Polynomial rings ``Z[x_1, ..., x_k]`` and reduced rational functions over them (internal).

A *ring element* is a python-flint polynomial: ``fmpz_poly`` for one parameter (the fast
univariate gcd), ``fmpz_mpoly`` for several. A *rational function* is a pair ``(num, den)`` of
ring elements in canonical form: ``gcd(num, den) = 1`` over ``Z[x]`` (so integer contents are
cancelled too) and the leading coefficient of ``den`` is positive. Two rational functions are
equal iff their canonical pairs are equal.

SymPy appears only at the edge (:meth:`Ring.parse`, :meth:`Ring.to_sympy`): expressions are
parsed by a small recursive-descent parser straight into the ring, which is safe on file input
(no ``eval``), exact on decimals (``0.4`` is 2/5) and much faster than ``sympy.Poly`` on big
chains.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

from flint import arb, fmpq, fmpz, fmpz_mpoly_ctx, fmpz_poly

from ..errors import ExactnessError, SpecError

__all__: list[str] = []  # private module

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RINGS: dict[tuple, Ring] = {}


class ParseError(ValueError):
    """An expression string that is not a rational function of the parameters."""


def fmpq_of_arf(x: arb) -> fmpq:
    """The exact value of an exact ``arb`` (a dyadic rational) as ``fmpq``."""
    man, exp = x.man_exp()
    m, e = int(man), int(exp)
    return fmpq(m * 2**e) if e >= 0 else fmpq(m, 2 ** (-e))


class Ring:
    """``Z[symbols]``; get one with :meth:`Ring.get` (rings are shared per symbol tuple)."""

    def __init__(self, symbols: tuple) -> None:
        self.symbols = symbols
        self.names = tuple(s.name for s in symbols)
        self.nvars = len(symbols)
        self.univariate = self.nvars == 1
        # fmpz_poly for one parameter, fmpz_mpoly for several: the same duck-typed API
        self.zero: Any
        self.one: Any
        self.gens: tuple[Any, ...]
        self.ctx: Any
        if self.univariate:
            self.zero = fmpz_poly()
            self.one = fmpz_poly([1])
            self.gens = (fmpz_poly([0, 1]),)
            self.ctx = None
        else:
            self.ctx = fmpz_mpoly_ctx.get(self.names, "lex")
            self.zero = self.ctx.from_dict({})
            self.one = self.ctx.from_dict({(0,) * self.nvars: 1})
            self.gens = tuple(self.ctx.gens())
        self.index = {n: k for k, n in enumerate(self.names)}
        self.ZERO = (self.zero, self.one)
        self.ONE = (self.one, self.one)
        self._parse_cache: dict[str, tuple] = {}

    @classmethod
    def get(cls, symbols) -> Ring:
        """The ring of the given SymPy symbols (names must be identifiers, distinct)."""
        symbols = tuple(symbols)
        ring = _RINGS.get(symbols)
        if ring is None:
            if not symbols:
                raise SpecError("a parametric chain needs at least one parameter; use Chain for "
                                "numbers only")
            names = [s.name for s in symbols]
            for n in names:
                if not _IDENT.match(n):
                    raise SpecError(f"parameter name {n!r} is not an identifier; use letters, "
                                    "digits and '_' (it is written into files and parsed back)")
            if len(set(names)) != len(names):
                raise SpecError(f"parameters {names} repeat a name; give each parameter once")
            ring = _RINGS[symbols] = cls(symbols)
        return ring

    def __repr__(self) -> str:
        return f"Ring(ZZ[{', '.join(self.names)}])"

    # ------------------------------------------------------------------ polynomials
    def const(self, c: int) -> Any:
        if self.univariate:
            return fmpz_poly([c])
        return self.ctx.from_dict({(0,) * self.nvars: c}) if c else self.zero

    def terms(self, a) -> dict[tuple[int, ...], int]:
        """``{exponent tuple: int coefficient}`` of a ring element."""
        if self.univariate:
            return {(k,): int(c) for k, c in enumerate(a.coeffs()) if c}
        return {tuple(int(e) for e in m): int(c) for m, c in a.to_dict().items()}

    def from_terms(self, terms: dict[tuple[int, ...], int]) -> Any:
        if self.univariate:
            if not terms:
                return fmpz_poly()
            deg = max(m[0] for m in terms)
            coeffs = [0] * (deg + 1)
            for m, c in terms.items():
                coeffs[m[0]] += c
            return fmpz_poly(coeffs)
        return self.ctx.from_dict({m: c for m, c in terms.items() if c})

    def degree(self, a) -> int:
        """Total degree (-1 for the zero polynomial)."""
        if a.is_zero():
            return -1
        return a.degree() if self.univariate else int(a.total_degree())

    def degree_in(self, a, k: int) -> int:
        if a.is_zero():
            return -1
        return a.degree() if self.univariate else int(a.degrees()[k])

    def is_constant(self, a) -> bool:
        return a.is_zero() or a.is_constant()

    def constant_value(self, a) -> int:
        return int(self.terms(a).get((0,) * self.nvars, 0))

    def derivative(self, a, k: int):
        return a.derivative() if self.univariate else a.derivative(k)

    def lc_sign(self, a) -> int:
        c = a.leading_coefficient()
        return 1 if c > 0 else -1 if c < 0 else 0

    # ------------------------------------------------------------------ rational functions
    def norm(self, n, d) -> tuple:
        """Canonical form of ``n / d`` (``d`` nonzero)."""
        if n.is_zero():
            return self.ZERO
        g = n.gcd(d)
        if not g.is_one():
            n = n // g
            d = d // g
        if d.leading_coefficient() < 0:
            return (-n, -d)
        return (n, d)

    def from_fmpq(self, q: fmpq) -> tuple:
        return (self.const(int(q.p)), self.const(int(q.q)))

    def add(self, a: tuple, b: tuple) -> tuple:
        an, ad = a
        bn, bd = b
        if an.is_zero():
            return b
        if bn.is_zero():
            return a
        if ad == bd:
            return self.norm(an + bn, ad)
        g = ad.gcd(bd)
        if g.is_one():
            return (an * bd + bn * ad, ad * bd)
        ad2 = ad // g
        bd2 = bd // g
        n = an * bd2 + bn * ad2
        if n.is_zero():
            return self.ZERO
        g2 = n.gcd(g)
        if not g2.is_one():
            n = n // g2
            g = g // g2
        return (n, ad2 * bd2 * g)

    def neg(self, a: tuple) -> tuple:
        return (-a[0], a[1])

    def sub(self, a: tuple, b: tuple) -> tuple:
        return self.add(a, (-b[0], b[1]))

    def mul(self, a: tuple, b: tuple) -> tuple:
        an, ad = a
        bn, bd = b
        if an.is_zero() or bn.is_zero():
            return self.ZERO
        g1 = an.gcd(bd)
        if not g1.is_one():
            an = an // g1
            bd = bd // g1
        g2 = bn.gcd(ad)
        if not g2.is_one():
            bn = bn // g2
            ad = ad // g2
        return (an * bn, ad * bd)  # both denominators had positive leading coefficients

    def inv(self, a: tuple) -> tuple:
        n, d = a
        if n.is_zero():
            raise ZeroDivisionError("division by the zero rational function")
        if n.leading_coefficient() < 0:
            return (-d, -n)
        return (d, n)

    def div(self, a: tuple, b: tuple) -> tuple:
        return self.mul(a, self.inv(b))

    def scale(self, c, a: tuple) -> tuple:
        """Polynomial ``c`` times rational function ``a``."""
        an, ad = a
        if c.is_zero() or an.is_zero():
            return self.ZERO
        g = c.gcd(ad)
        if not g.is_one():
            c = c // g
            ad = ad // g
        return (c * an, ad)

    def div_poly(self, a: tuple, c) -> tuple:
        """Rational function ``a`` divided by the nonzero polynomial ``c``."""
        an, ad = a
        if an.is_zero():
            return self.ZERO
        g = an.gcd(c)
        if not g.is_one():
            an = an // g
            c = c // g
        d = ad * c
        if d.leading_coefficient() < 0:
            return (-an, -d)
        return (an, d)

    def is_const_rf(self, a: tuple) -> bool:
        return self.is_constant(a[0]) and self.is_constant(a[1])

    def rf_constant(self, a: tuple) -> fmpq:
        return fmpq(self.constant_value(a[0]), self.constant_value(a[1]))

    def derivative_rf(self, a: tuple, k: int) -> tuple:
        n, d = a
        dn = self.derivative(n, k)
        dd = self.derivative(d, k)
        return self.norm(dn * d - n * dd, d * d)

    # ------------------------------------------------------------------ evaluation
    def eval_poly(self, a, point: tuple[fmpq, ...]) -> fmpq:
        """Exact value of a polynomial at a rational point."""
        if self.univariate:
            v = a(point[0])
            return v if isinstance(v, fmpq) else fmpq(v)
        acc = fmpq(0)
        for m, c in self.terms(a).items():
            t = fmpq(c)
            for x, e in zip(point, m):
                if e:
                    t *= x**e
            acc += t
        return acc

    def eval_rf(self, a: tuple, point: tuple[fmpq, ...]) -> fmpq | None:
        """Exact value of ``a`` at ``point``; None at a pole."""
        d = self.eval_poly(a[1], point)
        if d == 0:
            return None
        return self.eval_poly(a[0], point) / d

    def eval_poly_arb(self, a, point: tuple[arb, ...], terms=None) -> arb:
        if self.univariate:
            return a(point[0])
        acc = arb(0)
        for m, c in (terms if terms is not None else self.terms(a)).items():
            t = arb(c)
            for x, e in zip(point, m):
                if e:
                    t *= x**e
            acc += t
        return acc

    def substitute(self, a: tuple, values: dict[int, fmpq],
                   target: Ring | None) -> tuple | fmpq | None:
        """Substitute rationals for some variables (``{variable index: value}``).

        Returns a rational function of ``target`` (the ring of the remaining variables, in
        order), or an ``fmpq`` when every variable is substituted (None at a pole).
        """
        if target is None:
            return self.eval_rf(a, tuple(values[k] for k in range(self.nvars)))
        keep = [k for k in range(self.nvars) if k not in values]
        parts = []
        for poly in a:
            acc: dict[tuple[int, ...], fmpq] = {}
            for m, c in self.terms(poly).items():
                t = fmpq(c)
                for k, v in values.items():
                    if m[k]:
                        t *= v ** m[k]
                key = tuple(m[k] for k in keep)
                acc[key] = acc.get(key, fmpq(0)) + t
            den = 1
            for v in acc.values():
                den = den * int(v.q) // math.gcd(den, int(v.q))
            parts.append((target.from_terms({m: int(v * den) for m, v in acc.items() if v}), den))
        (n, dn), (d, dd) = parts
        if d.is_zero():
            raise ZeroDivisionError("pole")
        return target.norm(n * target.const(dd), d * target.const(dn))

    # ------------------------------------------------------------------ SymPy and strings
    def poly_to_sympy(self, a):
        import sympy

        syms = self.symbols
        out = []
        for m, c in sorted(self.terms(a).items(), reverse=True):
            t = sympy.Integer(c)
            for s, e in zip(syms, m):
                if e:
                    t *= s**e
            out.append(t)
        return sympy.Add(*out)

    def to_sympy(self, a: tuple):
        import sympy

        n, d = a
        num = self.poly_to_sympy(n)
        if d.is_one():
            return num
        return sympy.Mul(num, sympy.Pow(self.poly_to_sympy(d), -1))

    def poly_to_str(self, a) -> str:
        """Integer-coefficient polynomial as ``3*p^2*q + (-1)*p + 2`` (Storm and SymPy read it;
        SymPy reads ``^`` as power in ``sympify`` only with convert_xor, so ``**`` is used)."""
        parts = []
        for m, c in sorted(self.terms(a).items(), reverse=True):
            mon = "*".join(n if e == 1 else f"{n}^{e}" for n, e in zip(self.names, m) if e)
            if not mon:
                parts.append(str(c))
            elif c == 1:
                parts.append(mon)
            elif c == -1:
                parts.append(f"(-1)*{mon}")
            else:
                parts.append(f"({c})*{mon}" if c < 0 else f"{c}*{mon}")
        return " + ".join(parts) if parts else "0"

    def rf_to_str(self, a: tuple) -> str:
        n, d = a
        if d.is_one():
            return self.poly_to_str(n)
        return f"({self.poly_to_str(n)})/({self.poly_to_str(d)})"

    def convert(self, value: Any, where: Any) -> tuple:
        """A user value (number, string, SymPy expression) as a canonical rational function."""
        from .._chain.values import _w

        if isinstance(value, tuple) and len(value) == 2 and not isinstance(value[0], (int, str)):
            return value  # already a ring pair (internal callers)
        if isinstance(value, bool):
            raise SpecError(f"{_w(where)} is the boolean {value!r}; pass a number or expression")
        if isinstance(value, (int, fmpz)):
            return (self.const(int(value)), self.one)
        if isinstance(value, Fraction):
            return (self.const(value.numerator), self.const(value.denominator))
        if isinstance(value, fmpq):
            return self.from_fmpq(value)
        if isinstance(value, float):
            raise ExactnessError(
                f"parametric chain got float {value!r} at {_w(where)}; pass an exact value such "
                f"as Fraction({Fraction(value).limit_denominator(10**6)!s}) or a string "
                f"'{value!r}' (read exactly)"
            )
        other = getattr(value, "_ring", None)  # a RationalFunction
        if isinstance(other, Ring):
            if other is self:
                return value._rf
            value = value.to_sympy()
        if isinstance(value, str):
            text = value
        else:
            mod = type(value).__module__
            if mod.startswith("numpy"):
                import numpy as np

                if isinstance(value, np.integer):
                    return (self.const(int(value)), self.one)
                if isinstance(value, np.floating):
                    return self.convert(float(value), where)
            if not mod.startswith("sympy"):
                from .._chain.values import to_fmpq

                return self.from_fmpq(to_fmpq(value, where=where))
            import sympy

            if value.atoms(sympy.Float):
                raise ExactnessError(
                    f"parametric chain got a SymPy float in {value} at {_w(where)}; use "
                    "sympy.Rational (e.g. sympy.Rational(1, 5) * p) instead"
                )
            unknown = sorted(s.name for s in value.free_symbols if s.name not in self.index)
            if unknown:
                raise SpecError(
                    f"{_w(where)} = {value} uses {', '.join(unknown)}, which "
                    f"{'is not a parameter' if len(unknown) == 1 else 'are not parameters'} "
                    f"(parameters: {', '.join(self.names)}); add it to parameters=..."
                )
            text = sympy.sstr(value, order="none")
        try:
            return self.parse(text)
        except ParseError as exc:
            raise SpecError(f"{_w(where)} = {text!r}: {exc}") from None
        except ZeroDivisionError:
            raise SpecError(f"{_w(where)} = {text!r} divides by zero") from None

    def parse(self, text: str) -> tuple:
        """Parse ``text`` (numbers, parameters, ``+ - * / ^ **``, parentheses) exactly."""
        hit = self._parse_cache.get(text)
        if hit is None:
            hit = _Parser(self, text).run()
            if len(self._parse_cache) < 100_000:
                self._parse_cache[text] = hit
        return hit


_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|[-+*/^()]))"
)


def names_in(text: str) -> list[str]:
    """The identifiers in an expression string, sorted (its parameters)."""
    names = set()
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            break
        if m.lastgroup == "name":
            names.add(m.group("name"))
        pos = m.end()
    return sorted(names)


class _Parser:
    def __init__(self, ring: Ring, text: str) -> None:
        self.ring = ring
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise ParseError(f"unexpected character {text[pos:].lstrip()[:1]!r} at "
                                 f"position {pos}; write numbers, parameters and + - * / ^")
            kind = m.lastgroup
            assert kind is not None  # (every alternative of _TOKEN is a named group)
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.k = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.k] if self.k < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise ParseError("unexpected end of expression")
        self.k += 1
        return tok

    def run(self) -> tuple:
        if not self.tokens:
            raise ParseError("empty expression")
        value = self.expr()
        if (tok := self.peek()) is not None:
            raise ParseError(f"unexpected {tok[1]!r} after a complete expression")
        return value

    def expr(self) -> tuple:
        r = self.ring
        value = self.term()
        while (tok := self.peek()) is not None and tok[1] in "+-" and tok[0] == "op":
            self.k += 1
            rhs = self.term()
            value = r.add(value, rhs) if tok[1] == "+" else r.sub(value, rhs)
        return value

    def term(self) -> tuple:
        r = self.ring
        value = self.unary()
        while (tok := self.peek()) is not None and tok[0] == "op" and tok[1] in ("*", "/"):
            self.k += 1
            rhs = self.unary()
            if tok[1] == "*":
                value = r.mul(value, rhs)
            else:
                if rhs[0].is_zero():
                    raise ZeroDivisionError
                value = r.div(value, rhs)
        return value

    def unary(self) -> tuple:
        tok = self.peek()
        if tok is not None and tok[0] == "op" and tok[1] in "+-":
            self.k += 1
            v = self.unary()
            return self.ring.neg(v) if tok[1] == "-" else v
        return self.power()

    def power(self) -> tuple:
        base = self.atom()
        tok = self.peek()
        if tok is not None and tok[0] == "op" and tok[1] in ("^", "**"):
            self.k += 1
            e = self.unary()
            r = self.ring
            if not r.is_const_rf(e) or r.rf_constant(e).q != 1:
                raise ParseError("exponents must be integers")
            n = int(r.rf_constant(e).p)
            if abs(n) > 100_000:
                raise ParseError(f"exponent {n} is too large")
            if n < 0:
                if base[0].is_zero():
                    raise ZeroDivisionError
                base, n = r.inv(base), -n
            return (base[0] ** n, base[1] ** n)  # powers of coprime pairs stay coprime
        return base

    def atom(self) -> tuple:
        kind, text = self.take()
        r = self.ring
        if kind == "num":
            f = Fraction(text)
            return (r.const(f.numerator), r.const(f.denominator))
        if kind == "name":
            nxt = self.peek()
            if nxt is not None and nxt == ("op", "("):
                raise ParseError(f"{text}(...) is not a rational function; only + - * / and "
                                 "integer powers are allowed")
            k = r.index.get(text)
            if k is None:
                raise ParseError(f"unknown name {text!r}; the parameters are "
                                 f"{', '.join(r.names)}")
            return (r.gens[k], r.one)
        if text == "(":
            v = self.expr()
            close = self.take()
            if close != ("op", ")"):
                raise ParseError(f"expected ')' but found {close[1]!r}")
            return v
        raise ParseError(f"unexpected {text!r}")
