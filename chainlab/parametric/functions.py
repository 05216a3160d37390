r"""Exact rational functions of the parameters: the values of parametric analyses.

A :class:`RationalFunction` is ``f = n / d`` with ``n, d`` integer polynomials in the parameters,
kept reduced (``gcd(n, d) = 1``, integer content included) by python-flint; SymPy is used only at
the edge (:meth:`RationalFunction.to_sympy`, ``str``). What users do next with such a function is
built in, exactly where exactness matters:

* evaluation: exact at rationals (``f(Fraction(1, 5))``), and on float grids
  (:meth:`RationalFunction.evaluate`) with Arb ball arithmetic whose precision grows until every
  value is accurate to about one ulp -- high-degree numerators and denominators cancel
  catastrophically in plain float Horner evaluation, which this avoids;
* :meth:`RationalFunction.derivative`;
* :meth:`RationalFunction.threshold_crossings`: the parameter values where ``f = c``, each in an
  exact isolating interval with rational endpoints (exact for rational crossings);
* :meth:`RationalFunction.is_monotone` / :meth:`RationalFunction.monotonicity` on an interval,
  decided exactly from the real roots of the derivative's numerator;
* :meth:`RationalFunction.plot` (matplotlib) with exact values marked at chosen points.

Examples
--------
>>> import sympy
>>> from fractions import Fraction
>>> p = sympy.Symbol("p")
>>> f = RationalFunction(p**2 / (1 - p + p**2))
>>> f
RationalFunction(p**2/(p**2 - p + 1))
>>> f(Fraction(1, 2)), f.degree
(Fraction(1, 3), (2, 2))
>>> [(str(c.lower), str(c.upper), c.direction) for c in f.threshold_crossings("1/3")]
[('1/2', '1/2', 'up')]
>>> f.is_monotone((0, 1)), f.monotonicity((0, 1))
(True, 'increasing')
>>> f.derivative()
RationalFunction((-p**2 + 2*p)/(p**4 - 2*p**3 + 3*p**2 - 2*p + 1))
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import flint
import numpy as np
from flint import arb, fmpq, fmpz_poly

from .._chain.values import fmpq_to_fraction, to_fmpq
from ..errors import ExactnessError, SpecError
from . import _roots
from ._ring import Ring, names_in

__all__ = ["RationalFunction", "Crossing"]


@dataclasses.dataclass(frozen=True)
class Crossing:
    """A parameter value where a function of one parameter meets a threshold.

    Attributes
    ----------
    lower, upper : Fraction
        Isolating interval ``[lower, upper]``: it contains this crossing and no other point where
        the function equals the threshold (``lower == upper`` when the crossing is rational).
    direction : {"up", "down", "touch"}
        ``"up"``: the function goes from below the threshold to above it; ``"touch"``: it meets
        the threshold without crossing (even multiplicity).
    multiplicity : int
        Multiplicity of the crossing as a root of ``numerator - threshold * denominator``.

    Examples
    --------
    >>> import sympy
    >>> p = sympy.Symbol("p")
    >>> (c,) = RationalFunction(p**2).threshold_crossings("1/2")
    >>> c.direction, c.is_exact, c.lower < c.to_sympy() < c.upper
    ('up', False, True)
    >>> c.to_sympy()
    sqrt(2)/2
    """

    lower: Fraction
    upper: Fraction
    direction: str
    multiplicity: int
    polynomial: tuple[int, ...] = dataclasses.field(repr=False, default=())
    index: int = dataclasses.field(repr=False, default=0)

    @property
    def is_exact(self) -> bool:
        """True when the crossing is rational (``lower == upper``)."""
        return self.lower == self.upper

    @property
    def midpoint(self) -> Fraction:
        """Midpoint of the isolating interval."""
        return (self.lower + self.upper) / 2

    def to_sympy(self):
        """The crossing as an exact SymPy number (a Rational or a ``CRootOf``)."""
        import sympy

        if self.is_exact:
            return sympy.Rational(self.lower.numerator, self.lower.denominator)
        x = sympy.Dummy("x")
        poly = sympy.Poly(list(reversed(self.polynomial)), x)
        return sympy.rootof(poly, self.index, radicals=True)


def _as_fmpq(value: Any, what: str) -> fmpq:
    return to_fmpq(value, where=what)


def _interval(interval: Any, what: str = "interval") -> tuple[fmpq, fmpq]:
    try:
        a, b = interval
    except (TypeError, ValueError):
        raise SpecError(f"{what} must be a pair (low, high), got {interval!r}") from None
    lo, hi = _as_fmpq(a, f"{what}[0]"), _as_fmpq(b, f"{what}[1]")
    if not lo < hi:
        raise SpecError(f"{what} = ({a}, {b}) is empty; give low < high")
    return lo, hi


def _decimal_box(r: _roots.RealRoot, others: list[_roots.RealRoot], width: fmpq
                 ) -> tuple[fmpq, fmpq]:
    """An interval around ``r`` with short decimal endpoints, width <= ``width``, isolating
    ``r`` from ``others``."""
    if r.is_rational:
        return r.lo, r.hi
    k = max(1, math.ceil(-math.log10(float(width)))) if width < 1 else 1
    while True:
        r.refine(fmpq(1, 10 ** (k + 1)))
        scale = 10**k
        lo = fmpq(math.floor(r.lo * scale), scale)
        hi = fmpq(math.ceil(r.hi * scale), scale)
        if hi - lo <= width and all(o.compare(lo) < 0 or o.compare(hi) > 0 for o in others):
            return lo, hi
        k += 1


class RationalFunction:
    """A reduced rational function of named parameters with exact and float evaluation.

    Parameters
    ----------
    expression : SymPy expression, str, int or Fraction
        A rational function of the parameters with rational coefficients (``"p/(1+p)"`` or
        ``p / (1 + p)``); floats are refused.
    parameters : sequence of sympy.Symbol or str, optional
        The parameters, in order (default: the free symbols of ``expression``, sorted by name).

    Raises
    ------
    ExactnessError
        A float in the expression.
    SpecError
        Not a rational function (``sin(p)``, ``sqrt(p)``), or a symbol that is not a parameter.

    See Also
    --------
    chainlab.parametric.Crossing : Where a function meets a threshold.
    chainlab.plot.plot_parameter_curve : Plot a function of one parameter.

    Notes
    -----
    Instances are immutable and hashable; two are equal when they have the same parameter names
    and the same reduced form. Arithmetic (``+ - * /``, integer powers) with numbers and with
    functions of the same parameters gives reduced results.

    Examples
    --------
    >>> f = RationalFunction("(1 - p)/(1 + p)")
    >>> f.parameters, str(f), f("1/3")
    ((p,), '(1 - p)/(p + 1)', Fraction(1, 2))
    >>> str(1 - f), f * (1 + RationalFunction("p")) == 1 - RationalFunction("p")
    ('2*p/(p + 1)', True)
    """

    __slots__ = ("_ring", "_rf", "_cache")
    _ring: Ring
    _rf: tuple  # (numerator, denominator) polynomials of the ring, reduced
    _cache: dict[Any, Any]

    def __init__(self, expression: Any, parameters: Sequence[Any] | None = None) -> None:
        import sympy

        if isinstance(expression, RationalFunction):
            self._ring, self._rf, self._cache = expression._ring, expression._rf, {}
            return
        if parameters is None:
            if isinstance(expression, str):
                syms = [sympy.Symbol(n) for n in names_in(expression)]
            elif isinstance(expression, sympy.Basic):
                syms = sorted(expression.free_symbols, key=lambda s: s.name)
            else:
                syms = []
            if not syms:
                raise SpecError(
                    f"RationalFunction({expression!r}) has no parameters; pass parameters=[...] "
                    "for a constant"
                )
        else:
            syms = _symbols(parameters)
        ring = Ring.get(tuple(syms))
        self._ring = ring
        self._rf = ring.convert(expression, "expression")
        self._cache = {}

    @classmethod
    def _make(cls, ring: Ring, rf: tuple) -> RationalFunction:
        self = cls.__new__(cls)
        self._ring = ring
        self._rf = rf
        self._cache = {}
        return self

    # ------------------------------------------------------------------ basics
    @property
    def parameters(self) -> tuple:
        """The parameters (SymPy symbols), in order."""
        return self._ring.symbols

    @property
    def numerator(self):
        """Numerator as an expanded SymPy polynomial with integer coefficients."""
        return self._ring.poly_to_sympy(self._rf[0])

    @property
    def denominator(self):
        """Denominator as an expanded SymPy polynomial (positive leading coefficient)."""
        return self._ring.poly_to_sympy(self._rf[1])

    @property
    def degree(self) -> tuple[int, int]:
        """``(total degree of the numerator, total degree of the denominator)``."""
        return self._ring.degree(self._rf[0]), self._ring.degree(self._rf[1])

    @property
    def is_constant(self) -> bool:
        """True when the function does not depend on the parameters."""
        return self._ring.is_const_rf(self._rf)

    def to_sympy(self):
        """The function as a SymPy expression ``numerator / denominator`` (reduced).

        Examples
        --------
        >>> RationalFunction("2*p/(4*p**2 + 4*p)").to_sympy()
        1/(2*p + 2)
        """
        hit = self._cache.get("sympy")
        if hit is None:
            hit = self._cache["sympy"] = self._ring.to_sympy(self._rf)
        return hit

    def __str__(self) -> str:
        return str(self.to_sympy())

    def _sympy_(self):
        """SymPy interoperability: ``sympy.sympify(f)``, ``sympy.factor(f)``."""
        return self.to_sympy()

    def __repr__(self) -> str:
        s = str(self)
        if len(s) > 300:
            s = f"{s[:140]} ... {s[-140:]}  [degrees {self.degree}]"
        return f"RationalFunction({s})"

    def __hash__(self) -> int:
        n, d = self._rf
        return hash((self._ring.names, str(n), str(d)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RationalFunction):
            if other._ring is not self._ring and other._ring.names != self._ring.names:
                return False
            if other._ring is self._ring:
                return self._rf[0] == other._rf[0] and self._rf[1] == other._rf[1]
            return str(self._rf[0]) == str(other._rf[0]) and str(self._rf[1]) == str(other._rf[1])
        try:
            q = self._coerce(other)
        except (TypeError, SpecError, ExactnessError):
            return False if type(other).__module__.startswith("sympy") else NotImplemented
        return self._rf[0] == q[0] and self._rf[1] == q[1]

    # ------------------------------------------------------------------ arithmetic
    def _coerce(self, other: Any) -> tuple:
        if isinstance(other, RationalFunction):
            if other._ring is not self._ring:
                if other._ring.names != self._ring.names:
                    raise SpecError(
                        f"cannot combine functions of ({', '.join(self._ring.names)}) and "
                        f"({', '.join(other._ring.names)})"
                    )
                return self._ring.convert(other.to_sympy(), "operand")
            return other._rf
        if isinstance(other, (int, Fraction, fmpq)) and not isinstance(other, bool):
            return self._ring.convert(other, "operand")
        if type(other).__module__.startswith("sympy"):
            return self._ring.convert(other, "operand")
        raise TypeError(type(other).__name__)

    def _binary(self, other, op, swap=False):
        try:
            o = self._coerce(other)
        except TypeError:
            return NotImplemented
        r = self._ring
        a, b = (o, self._rf) if swap else (self._rf, o)
        if op == "/":
            if b[0].is_zero():
                raise ZeroDivisionError("division by the zero function")
            return RationalFunction._make(r, r.div(a, b))
        fn = {"+": r.add, "-": r.sub, "*": r.mul}[op]
        return RationalFunction._make(r, fn(a, b))

    def __add__(self, other):
        return self._binary(other, "+")

    def __radd__(self, other):
        return self._binary(other, "+", True)

    def __sub__(self, other):
        return self._binary(other, "-")

    def __rsub__(self, other):
        return self._binary(other, "-", True)

    def __mul__(self, other):
        return self._binary(other, "*")

    def __rmul__(self, other):
        return self._binary(other, "*", True)

    def __truediv__(self, other):
        return self._binary(other, "/")

    def __rtruediv__(self, other):
        return self._binary(other, "/", True)

    def __neg__(self):
        return RationalFunction._make(self._ring, self._ring.neg(self._rf))

    def __pos__(self):
        return self

    def __pow__(self, k: int):
        if not isinstance(k, int) or isinstance(k, bool):
            return NotImplemented
        r = self._ring
        base = self._rf
        if k < 0:
            if base[0].is_zero():
                raise ZeroDivisionError("0 to a negative power")
            base, k = r.inv(base), -k
        return RationalFunction._make(r, (base[0] ** k, base[1] ** k))

    # ------------------------------------------------------------------ evaluation
    def _point(self, args: tuple, kwargs: dict, *, partial: bool = False) -> dict[int, fmpq]:
        r = self._ring
        values: dict[int, fmpq] = {}
        if len(args) == 1 and isinstance(args[0], Mapping):
            kwargs = {**{getattr(k, "name", k): v for k, v in args[0].items()}, **kwargs}
            args = ()
        if len(args) > r.nvars:
            raise SpecError(f"got {len(args)} values for {r.nvars} parameters "
                            f"({', '.join(r.names)})")
        for k, v in enumerate(args):
            values[k] = to_fmpq(v, where=f"value of {r.names[k]}")
        for name, v in kwargs.items():
            found = r.index.get(name)
            if found is None:
                raise SpecError(f"{name!r} is not a parameter; the parameters are "
                                f"{', '.join(r.names)}")
            k = found
            if k in values:
                raise SpecError(f"{name} is given twice")
            values[k] = to_fmpq(v, where=f"value of {name}")
        if not partial and len(values) < r.nvars:
            missing = [n for k, n in enumerate(r.names) if k not in values]
            raise SpecError(f"no value for {', '.join(missing)}; give every parameter (or use "
                            "substitute() for a partial substitution)")
        return values

    def __call__(self, *args: Any, **kwargs: Any) -> Fraction:
        """Exact value at a rational point (positional in parameter order, or by name).

        Raises SpecError at a pole; floats raise ExactnessError (use :meth:`evaluate`).

        Examples
        --------
        >>> f = RationalFunction("p*q/(p + q)")
        >>> f(1, 2), f(q="1/2", p=1), f({"p": 3, "q": 6})
        (Fraction(2, 3), Fraction(1, 3), Fraction(2, 1))
        """
        vals = self._point(args, kwargs)
        r = self._ring
        v = r.eval_rf(self._rf, tuple(vals[k] for k in range(r.nvars)))
        if v is None:
            where = ", ".join(f"{n} = {fmpq_to_fraction(vals[k])}" for k, n in enumerate(r.names))
            raise SpecError(f"{self} has a pole at {where} (its denominator vanishes)")
        return fmpq_to_fraction(v)

    def substitute(self, *args: Any, **kwargs: Any) -> RationalFunction | Fraction:
        """Substitute rationals for some or all parameters.

        Returns a RationalFunction of the remaining parameters, or a Fraction when every
        parameter is given.

        Examples
        --------
        >>> f = RationalFunction("p*q/(p + q)")
        >>> f.substitute(q=1)
        RationalFunction(p/(p + 1))
        >>> f.substitute(p=1, q=1)
        Fraction(1, 2)
        """
        vals = self._point(args, kwargs, partial=True)
        r = self._ring
        if len(vals) == r.nvars:
            return self(*[fmpq_to_fraction(vals[k]) for k in range(r.nvars)])
        rest = Ring.get(tuple(s for k, s in enumerate(r.symbols) if k not in vals))
        try:
            rf = r.substitute(self._rf, vals, rest)
        except ZeroDivisionError:
            raise SpecError(f"{self} has a pole there (its denominator vanishes)") from None
        assert isinstance(rf, tuple)  # (a function of the remaining parameters)
        return RationalFunction._make(rest, rf)

    def evaluate(self, points: Any, *, exact: bool = False) -> np.ndarray:
        """Evaluate on many points: floats (default) or exact Fractions.

        Parameters
        ----------
        points : array-like, or mapping of parameter name to array-like
            For one parameter, any array of numbers (floats, ints, Fractions, strings); for
            several, a mapping ``{name: values}`` (broadcast together) or an array whose last
            axis runs over the parameters in order.
        exact : bool, default False
            ``False``: float64 values accurate to about one ulp (Arb ball arithmetic with
            growing precision, exact rational arithmetic as the last resort), ``nan`` at poles.
            ``True``: an object array of Fractions (points must be exact; floats are refused),
            SpecError at a pole.

        Returns
        -------
        ndarray
            Shape of the (broadcast) points.

        Examples
        --------
        >>> import numpy as np
        >>> f = RationalFunction("1/(1 - p)")
        >>> f.evaluate(np.array([0.0, 0.5, 1.0]))
        array([ 1.,  2., nan])
        >>> f.evaluate(["1/3", 0], exact=True).tolist()
        [Fraction(3, 2), Fraction(1, 1)]
        """
        r = self._ring
        if r.univariate:
            arr = np.asarray(points, dtype=object)
            shape = arr.shape
            pts = [(x,) for x in arr.ravel().tolist()]
        else:
            if isinstance(points, Mapping):
                named = {getattr(k, "name", k): v for k, v in points.items()}
                missing = [n for n in r.names if n not in named]
                if missing or len(named) != r.nvars:
                    raise SpecError(f"points must give every parameter ({', '.join(r.names)}); "
                                    f"got {sorted(map(str, named))}")
                arrays = np.broadcast_arrays(*[np.asarray(named[n], dtype=object)
                                               for n in r.names])
                shape = arrays[0].shape
                cols = [a.ravel().tolist() for a in arrays]
                pts = list(zip(*cols))
            else:
                arr = np.asarray(points, dtype=object)
                if arr.ndim == 0 or arr.shape[-1] != r.nvars:
                    raise SpecError(f"points must have a last axis of length {r.nvars} (one "
                                    f"value per parameter {', '.join(r.names)}), got shape "
                                    f"{arr.shape}")
                shape = arr.shape[:-1]
                pts = [tuple(row) for row in arr.reshape(-1, r.nvars).tolist()]
        if exact:
            out = np.empty(len(pts), dtype=object)
            for k, pt in enumerate(pts):
                q = tuple(to_fmpq(x, where="points") for x in pt)
                v = r.eval_rf(self._rf, q)
                if v is None:
                    raise SpecError(f"{self} has a pole at {tuple(str(x) for x in q)}")
                out[k] = fmpq_to_fraction(v)
            return out.reshape(shape)
        return np.asarray(self._eval_float(pts), dtype=np.float64).reshape(shape)

    def _eval_float(self, pts: list[tuple]) -> list[float]:
        r = self._ring
        n, d = self._rf
        if r.is_const_rf(self._rf):
            v = float(fmpq_to_fraction(r.rf_constant(self._rf)))
            return [v] * len(pts)
        nt = dt = None
        if not r.univariate:
            nt, dt = r.terms(n), r.terms(d)

        def conv(x):
            if isinstance(x, (float, np.floating)):
                return float(x)
            if isinstance(x, (int, np.integer)) and not isinstance(x, bool):
                return int(x)
            return to_fmpq(x, where="points")

        vals = [tuple(conv(x) for x in pt) for pt in pts]
        out: list[float] = [math.nan] * len(vals)
        todo = list(range(len(vals)))
        prec = 64
        while todo and prec <= 4096:
            rest = []
            with flint.ctx.workprec(prec):
                for k in todo:
                    x = tuple(arb(v) for v in vals[k])
                    dv = r.eval_poly_arb(d, x, dt)
                    if not (dv > 0 or dv < 0):
                        rest.append(k)
                        continue
                    q = r.eval_poly_arb(n, x, nt) / dv
                    rad = float(q.rad())
                    mid = float(q.mid())
                    if rad == 0 or (math.isfinite(mid) and rad <= abs(mid) * 2.0**-54):
                        out[k] = mid
                    else:
                        rest.append(k)
            todo = rest
            prec *= 4
        for k in todo:  # exact fallback (and exact detection of poles)
            pt = tuple(v if isinstance(v, fmpq) else fmpq(*Fraction(v).as_integer_ratio())
                       for v in vals[k])
            exact_value = r.eval_rf(self._rf, pt)
            out[k] = math.nan if exact_value is None else \
                int(exact_value.p) / int(exact_value.q)
        return out

    # ------------------------------------------------------------------ calculus
    def derivative(self, parameter: Any = None) -> RationalFunction:
        """Derivative with respect to ``parameter`` (optional for functions of one parameter).

        Examples
        --------
        >>> RationalFunction("p**2*q").derivative("q")
        RationalFunction(p**2)
        """
        k = self._var(parameter, "derivative")
        return RationalFunction._make(self._ring, self._ring.derivative_rf(self._rf, k))

    def _var(self, parameter: Any, what: str) -> int:
        r = self._ring
        if parameter is None:
            if r.nvars != 1:
                raise SpecError(f"{what}: this function has parameters {', '.join(r.names)}; "
                                "name one with parameter=...")
            return 0
        name = getattr(parameter, "name", parameter)
        k = r.index.get(name)
        if k is None:
            raise SpecError(f"{what}: {name!r} is not a parameter ({', '.join(r.names)})")
        return k

    def _univariate(self, what: str) -> tuple[fmpz_poly, fmpz_poly]:
        r = self._ring
        if not r.univariate:
            raise SpecError(
                f"{what} needs a function of one parameter, but this one has "
                f"{', '.join(r.names)}; substitute the others first, e.g. "
                f"f.substitute({r.names[1]}=Fraction(1, 2))"
            )
        return self._rf

    def threshold_crossings(self, value: Any, interval: Any = (0, 1), *,
                            width: Any = Fraction(1, 10**6)) -> tuple[Crossing, ...]:
        """Where the function equals ``value`` in the closed ``interval``, exactly isolated.

        Parameters
        ----------
        value : rational
            The threshold ``c`` (Fraction, int, string such as ``"1/2"``; not a float).
        interval : pair of rationals, default (0, 1)
        width : rational, default 1/10**6
            Largest width of the returned isolating intervals (their endpoints are short
            decimals, as Fractions).

        Returns
        -------
        tuple of Crossing
            Ascending. A crossing at a rational point is exact (``lower == upper``).

        Raises
        ------
        SpecError
            If the function is constantly equal to ``value``, or has several parameters.

        Notes
        -----
        The crossings are the real roots of ``n - c d`` (``f = n / d`` reduced, so no pole is
        a root). They come from an exact factorisation (python-flint) and certified root
        isolation (Arb), each interval checked by an exact sign change; the direction comes
        from the sign of the first non-vanishing derivative at the root.

        Examples
        --------
        Gambler's ruin with N = 3 from state 1: ``P(win) = p^2 / (1 - p + p^2)``.

        >>> f = RationalFunction("p**2/(1 - p + p**2)")
        >>> [(c.lower, c.upper, c.direction) for c in f.threshold_crossings("1/2")]
        [(Fraction(618033, 1000000), Fraction(309017, 500000), 'up')]
        >>> float(f.threshold_crossings("1/2")[0].to_sympy())  # (sqrt(5) - 1) / 2
        0.6180339887498949
        """
        n, d = self._univariate("threshold_crossings")
        c = _as_fmpq(value, "value")
        lo, hi = _interval(interval)
        w = _as_fmpq(width, "width")
        if w <= 0:
            raise SpecError(f"width must be positive, got {width!r}")
        g = n * int(c.q) - d * int(c.p)
        if g.is_zero():
            raise SpecError(f"the function is constantly {fmpq_to_fraction(c)}; every point is "
                            "a crossing")
        _, factors = g.factor()
        roots = _roots.real_roots(g, factors=factors)
        poles = _roots.real_roots(d) if d.degree() > 0 else []
        everything = _roots.separate(roots + poles)
        out = []
        for root in roots:
            if root.compare(lo) < 0 or root.compare(hi) > 0:
                continue
            m = root.multiplicity
            gm = g
            for _ in range(m):
                gm = gm.derivative()
            right = root.sign_of(gm) * root.sign_of(d)
            direction = "touch" if m % 2 == 0 else ("up" if right > 0 else "down")
            a, b = _decimal_box(root, [o for o in everything if o is not root], w)
            out.append(Crossing(fmpq_to_fraction(a), fmpq_to_fraction(b), direction, m,
                                tuple(int(x) for x in root.g.coeffs()), root.index))
        return tuple(out)

    def _derivative_numerator(self) -> fmpz_poly:
        n, d = self._rf
        return n.derivative() * d - n * d.derivative()

    def monotonicity(self, interval: Any = (0, 1)) -> str:
        """``"increasing"``, ``"decreasing"``, ``"constant"`` or ``"not monotone"`` on the
        closed ``interval``, decided exactly.

        Raises SpecError if the function has a pole in the interval.

        Examples
        --------
        >>> f = RationalFunction("4*p*(1 - p)")
        >>> f.monotonicity((0, "1/2")), f.monotonicity((0, 1))
        ('increasing', 'not monotone')
        """
        n, d = self._univariate("monotonicity")
        lo, hi = _interval(interval)
        if d.degree() > 0:
            for pole in _roots.roots_in(d, lo, hi):
                raise SpecError(f"{self} has a pole at {self._ring.names[0]} = "
                                f"{pole.to_sympy()} in the interval; it is not monotone there")
        h = self._derivative_numerator()
        if h.is_zero():
            return "constant"
        inside = [r for r in _roots.real_roots(h) if r.compare(lo) > 0 and r.compare(hi) < 0]
        if any(r.multiplicity % 2 for r in inside):
            return "not monotone"
        # h keeps one sign on (lo, hi) apart from isolated zeros: find a point where h != 0
        k = 2
        while True:
            for j in range(1, k):
                x = lo + (hi - lo) * fmpq(j, k)
                s = h(x)
                if s != 0:
                    return "increasing" if s > 0 else "decreasing"
            k *= 2

    def is_monotone(self, interval: Any = (0, 1)) -> bool:
        """True when the function is monotone (possibly constant) on the closed ``interval``.

        Examples
        --------
        >>> RationalFunction("p*(1 - p)").is_monotone((0, 1))
        False
        """
        return self.monotonicity(interval) != "not monotone"

    # ------------------------------------------------------------------ plotting
    def plot(self, interval: Any = (0, 1), *, points: Sequence[Any] = (), threshold: Any = None,
             ax: Any = None, num: int = 400, label: str | None = None, **kwargs: Any):
        """Plot the function of one parameter, marking exact values at chosen points.

        Parameters
        ----------
        interval : pair of numbers, default (0, 1)
        points : sequence of rationals
            Points where the exact value is computed, marked and annotated.
        threshold : rational, optional
            Draw this horizontal line and mark the threshold crossings in the interval.
        ax : matplotlib Axes, optional
            Draw into these axes (default: a new figure).
        num : int, default 400
            Number of grid points of the curve.
        label : str, optional
            Legend label of the curve.
        **kwargs
            Passed to ``ax.plot`` for the curve.

        Returns
        -------
        matplotlib.axes.Axes

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> f = RationalFunction("p**2/(1 - p + p**2)")
        >>> ax = f.plot(points=["1/2"], threshold="1/2", label="P(win)")
        >>> ax.get_xlabel(), len(ax.lines)
        ('p', 4)
        """
        self._univariate("plot")
        try:
            import matplotlib.pyplot as plt
        except ImportError:  # pragma: no cover - matplotlib is the 'plot' extra
            raise SpecError("plotting needs matplotlib: pip install 'chainlab[plot]'") from None
        a, b = interval
        a_f, b_f = float(Fraction(a)) if not isinstance(a, float) else a, \
            float(Fraction(b)) if not isinstance(b, float) else b
        if ax is None:
            _, ax = plt.subplots(figsize=(6.4, 4.2))
        xs = np.linspace(a_f, b_f, int(num))
        ys = self.evaluate(xs)
        name = self._ring.names[0]
        ax.plot(xs, ys, label=label, **kwargs)
        for k, x in enumerate(points):
            q = to_fmpq(x, where="points")
            v = self(fmpq_to_fraction(q))
            text = str(v) if len(str(v)) <= 24 else f"{float(v):.6g}"
            ax.plot([float(fmpq_to_fraction(q))], [float(v)], "o", color="black", ms=4)
            ax.annotate(f"{name}={fmpq_to_fraction(q)}: {text}",
                        (float(fmpq_to_fraction(q)), float(v)), textcoords="offset points",
                        xytext=(4, 7 if k % 2 == 0 else -13), fontsize=8)
        if threshold is not None:
            c = fmpq_to_fraction(_as_fmpq(threshold, "threshold"))
            ax.axhline(float(c), color="grey", lw=0.8, ls="--")
            lo, hi = _interval((a if not isinstance(a, float) else Fraction(a),
                                b if not isinstance(b, float) else Fraction(b)))
            cross = self.threshold_crossings(c, (fmpq_to_fraction(lo), fmpq_to_fraction(hi)))
            ax.plot([float(cr.midpoint) for cr in cross], [float(c)] * len(cross), "x",
                    color="red")
        ax.set_xlabel(name)
        if label is not None:
            ax.legend()
        return ax


def _symbols(parameters: Sequence[Any]) -> list:
    import sympy

    if isinstance(parameters, (str, sympy.Symbol)):
        parameters = [parameters]
    out = []
    for s in parameters:
        if isinstance(s, str):
            out.append(sympy.Symbol(s))
        elif isinstance(s, sympy.Symbol):
            out.append(s)
        else:
            raise SpecError(f"parameters must be SymPy symbols or names, got {s!r}")
    return out
