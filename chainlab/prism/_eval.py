"""Typed, constant-folded compilation of PRISM expressions into vectorised closures.

``compile_expr(expr, scope)`` checks the types of ``expr`` (PRISM's ``int``, ``double`` and
``bool``) and returns a :class:`Compiled`: its ``type``, and either a folded constant value or
``fn(env)`` evaluating it on many states at once (``env`` maps variable names to numpy columns).

Everything is exact. Values are Python ``int``/``bool``/:class:`fractions.Fraction` when
constant; over states, ``int64`` (or, when a product could overflow, Python-int object) arrays,
``bool`` arrays, and doubles as a pair ``(numerators, denominators)`` with positive reduced
denominators -- so ``0.02`` is ``1/50`` and ``z/N < 0.1`` is decided exactly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from ._ast import Expr, to_text
from ._errors import PrismModelError, located

__all__ = ["Compiled", "Scope", "compile_expr", "as_rational", "broadcast"]

_BIG = 1 << 62

Env = Mapping[str, Any]
"""Variable name -> column of values (numpy arrays) for the states being evaluated."""


class Scope:
    """What names mean while compiling: constants (folded), variables (columns), formulas and
    labels (expanded in place), and for properties a label resolver for state sets."""

    def __init__(self, source: str, constants: dict[str, tuple[str, Any]],
                 variables: dict[str, str] | None = None,
                 formulas: dict[str, Expr] | None = None,
                 labels: dict[str, Expr] | None = None,
                 label_columns: Callable[[Expr], Compiled] | None = None,
                 rename: dict[str, str] | None = None) -> None:
        self.source = source
        self.constants = constants
        self.variables = variables or {}
        self.formulas = formulas or {}
        self.labels = labels or {}
        self.label_columns = label_columns
        self._expanding: list[str] = []

    def error(self, e: Expr, message: str) -> PrismModelError:
        return located(PrismModelError, self.source, e.line, e.column, message)


class Compiled:
    """A compiled expression: a constant ``value`` (``fn`` None) or ``fn(env)``.

    ``sign`` is set on ``pow``/``log`` nodes whose value may be irrational: ``sign(env, c)``
    is ``sign(value - c)`` (-1, 0, 1; an int array over states) for a rational ``c``, decided
    exactly, which is how such a value is compared; ``fn`` raises where it is irrational.
    ``pure``: such a node whose arguments are constants.
    """

    __slots__ = ("type", "const", "value", "fn", "expr", "sign", "pure")

    def __init__(self, type_: str, *, value: Any = None,
                 fn: Callable[[Env], Any] | None = None, expr: Expr | None = None,
                 sign: Callable[[Env, Any], Any] | None = None, pure: bool = False) -> None:
        self.type = type_
        self.const = fn is None
        self.value = value
        self.fn = fn
        self.expr = expr
        self.sign = sign
        self.pure = pure

    def __call__(self, env: Env) -> Any:
        return self.value if self.fn is None else self.fn(env)


def _fn(c: Compiled) -> Callable[[Env], Any]:
    """``c`` as a function of the states (a constant's returns its value)."""
    if c.fn is None:
        v = c.value
        return lambda env: v
    return c.fn


# ---------------------------------------------------------------------- arithmetic helpers
def _maxabs(a: Any) -> int:
    if isinstance(a, np.ndarray):
        if not a.size:
            return 0
        if a.dtype == object:
            return max(abs(int(a.max())), abs(int(a.min())))
        return max(abs(int(a.max())), abs(int(a.min())))
    return abs(int(a))


def _obj(a: Any) -> Any:
    if isinstance(a, np.ndarray) and a.dtype != object:
        return a.astype(object)
    return a


def _mul(a: Any, b: Any) -> Any:
    """``a * b`` for ints or int arrays, moving to Python ints before int64 could overflow."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if (getattr(a, "dtype", None) != object and getattr(b, "dtype", None) != object
                and _maxabs(a) * _maxabs(b) >= _BIG):
            return _obj(np.asarray(a)) * _obj(np.asarray(b))
    return a * b


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if (getattr(a, "dtype", None) != object and getattr(b, "dtype", None) != object
                and _maxabs(a) + _maxabs(b) >= _BIG):
            return _obj(np.asarray(a)) + _obj(np.asarray(b))
    return a + b


def _gcd(a: Any, b: Any) -> Any:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.gcd(a, b)
    return math.gcd(a, b)


def _reduce(n: Any, d: Any) -> tuple[Any, Any]:
    if not isinstance(n, np.ndarray) and not isinstance(d, np.ndarray):
        f = Fraction(n, d)
        return f.numerator, f.denominator
    g = _gcd(n, d)
    g = np.where(g == 0, 1, g)
    n, d = n // g, d // g
    return n, d


def as_rational(v: Any) -> tuple[Any, Any]:
    """``(numerators, denominators)`` of an int, Fraction, int array or rational pair."""
    if isinstance(v, tuple):
        return v
    if isinstance(v, Fraction):
        return v.numerator, v.denominator
    if isinstance(v, (bool, np.bool_)):
        raise TypeError("bool is not a number")
    if isinstance(v, np.ndarray):
        return v, 1
    return int(v), 1


def _from_pair(n: Any, d: Any) -> Any:
    """Fraction for scalars, else the pair."""
    if not isinstance(n, np.ndarray) and not isinstance(d, np.ndarray):
        return Fraction(int(n), int(d))
    return (n, d)


def _radd(x, y, sign=1):
    (a, b), (c, d) = as_rational(x), as_rational(y)
    if sign == -1:
        c = -c
    if (not isinstance(b, np.ndarray) and b == 1 and not isinstance(d, np.ndarray)
            and d == 1):
        return _from_pair(_add(a, c), 1)
    n = _add(_mul(a, d), _mul(c, b))
    return _from_pair(*_reduce(n, _mul(b, d)))


def _rmul(x, y):
    (a, b), (c, d) = as_rational(x), as_rational(y)
    return _from_pair(*_reduce(_mul(a, c), _mul(b, d)))


def _cmp(x, y, op):
    (a, b), (c, d) = as_rational(x), as_rational(y)
    left, right = _mul(a, d), _mul(c, b)
    return _COMPARE[op](left, right)


_COMPARE = {"lt": lambda a, b: a < b, "le": lambda a, b: a <= b, "gt": lambda a, b: a > b,
            "ge": lambda a, b: a >= b, "eq": lambda a, b: a == b, "ne": lambda a, b: a != b}


def broadcast(v: Any, m: int) -> np.ndarray:
    """A column of length ``m`` (bool/int) from a constant or a column."""
    if isinstance(v, np.ndarray):
        return v if v.shape == (m,) else np.broadcast_to(v, (m,)).copy()
    return np.full(m, v)


def _where(c, x, y):
    if isinstance(x, tuple) or isinstance(y, tuple) or isinstance(x, Fraction) \
            or isinstance(y, Fraction):
        (a, b), (p, q) = as_rational(x), as_rational(y)
        return (np.where(c, a, p), np.where(c, b, q))
    return np.where(c, x, y)


# ---------------------------------------------------------------------- compilation
_NUMERIC = ("int", "double")


def compile_expr(e: Expr, scope: Scope, *, want: str | None = None) -> Compiled:
    """Type-check and compile ``e``; ``want`` ('bool', 'int', 'double' = any number) checks
    the result type."""
    c = _compile(e, scope)
    if want is not None:
        ok = c.type == want or (want == "double" and c.type == "int")
        if not ok:
            what = {"bool": "a boolean (true/false)", "int": "an integer",
                    "double": "a number"}[want]
            raise scope.error(e, f"'{to_text(e)}' is {_a(c.type)}, but {what} is needed here")
    return c


def _a(t: str) -> str:
    return {"bool": "a boolean", "int": "an integer", "double": "a double"}.get(t, t)


def _const(type_: str, value: Any, e: Expr) -> Compiled:
    return Compiled(type_, value=value, expr=e)


def _compile(e: Expr, scope: Scope) -> Compiled:
    op = e.op
    f: Callable[[Any, Any], Any]  # the operation of a binary node
    if op == "int":
        return _const("int", e.args[0], e)
    if op == "num":
        return _const("double", Fraction(e.args[0]), e)
    if op == "bool":
        return _const("bool", bool(e.args[0]), e)
    if op == "ident":
        return _ident(e, scope)
    if op == "label":
        return _label(e, scope)
    if op == "not":
        a = compile_expr(e.args[0], scope, want="bool")
        return _unary("bool", a, lambda v: ~v if isinstance(v, np.ndarray) else not v, e)
    if op == "neg":
        a = compile_expr(e.args[0], scope, want="double")
        if a.type == "int":
            return _unary("int", a, lambda v: -v, e)
        return _unary("double", a, lambda v: _rmul(v, -1), e)
    if op in ("and", "or", "implies", "iff"):
        a = compile_expr(e.args[0], scope, want="bool")
        b = compile_expr(e.args[1], scope, want="bool")
        f = {"and": lambda x, y: x & y if _arr(x, y) else (x and y),
             "or": lambda x, y: x | y if _arr(x, y) else (x or y),
             "implies": lambda x, y: (~x) | y if isinstance(x, np.ndarray) else
             ((not x) | y if _arr(y) else ((not x) or y)),
             "iff": lambda x, y: x == y}[op]
        # a constant operand decides or disappears (guards folded per command)
        if op == "and" and (a.const and a.value is False or b.const and b.value is False):
            return _const("bool", False, e)
        if op == "or" and (a.const and a.value is True or b.const and b.value is True):
            return _const("bool", True, e)
        if op in ("and", "or") and a.const and not b.const:
            return b
        if op in ("and", "or") and b.const and not a.const:
            return a
        return _binary("bool", a, b, f, e)
    if op in ("eq", "ne"):
        a, b = _compile(e.args[0], scope), _compile(e.args[1], scope)
        if (a.type == "bool") != (b.type == "bool"):
            raise scope.error(e, f"'{to_text(e)}' compares {_a(a.type)} with {_a(b.type)}; "
                                 "compare values of the same kind")
        if a.sign is not None or b.sign is not None:
            return _compare_real(op, a, b, e, scope)
        if a.type == b.type and a.type != "double":
            f = (lambda x, y: x == y) if op == "eq" else (lambda x, y: x != y)
        else:
            f = lambda x, y: _cmp(x, y, op)  # noqa: E731 (op is fixed for this node)
        return _binary("bool", a, b, f, e)
    if op in ("lt", "le", "gt", "ge"):
        a = compile_expr(e.args[0], scope, want="double")
        b = compile_expr(e.args[1], scope, want="double")
        if a.sign is not None or b.sign is not None:
            return _compare_real(op, a, b, e, scope)
        if a.type == b.type == "int":
            f = _COMPARE[op]
        else:
            f = lambda x, y: _cmp(x, y, op)  # noqa: E731 (op is fixed for this node)
        return _binary("bool", a, b, f, e)
    if op in ("add", "sub", "mul"):
        a = compile_expr(e.args[0], scope, want="double")
        b = compile_expr(e.args[1], scope, want="double")
        if a.type == b.type == "int":
            f = {"add": _add, "sub": lambda x, y: _add(x, -y), "mul": _mul}[op]
            return _binary("int", a, b, f, e)
        f = {"add": _radd, "sub": lambda x, y: _radd(x, y, -1), "mul": _rmul}[op]
        return _binary("double", a, b, f, e)
    if op == "div":
        a = compile_expr(e.args[0], scope, want="double")
        b = compile_expr(e.args[1], scope, want="double")

        def div(x, y, e=e):
            (p, q), (r, s) = as_rational(x), as_rational(y)
            zero = r == 0
            if np.any(zero):
                raise scope.error(e, f"division by zero in '{to_text(e)}'" + _where_text(zero))
            n, d = _mul(p, s), _mul(q, r)
            neg = d < 0
            if isinstance(neg, np.ndarray):
                n, d = np.where(neg, -n, n), np.where(neg, -d, d)
            elif neg:
                n, d = -n, -d
            return _from_pair(*_reduce(n, d))
        return _binary("double", a, b, div, e)
    if op == "ite":
        c = compile_expr(e.args[0], scope, want="bool")
        a, b = _compile(e.args[1], scope), _compile(e.args[2], scope)
        if (a.type == "bool") != (b.type == "bool"):
            raise scope.error(e, f"the branches of '{to_text(e)}' are {_a(a.type)} and "
                                 f"{_a(b.type)}; give both branches the same kind")
        t = a.type if a.type == b.type else "double"
        if c.const:
            chosen = a if c.value else b
            if t == "double" and chosen.type == "int":
                return _unary("double", chosen, lambda v: _from_pair(*as_rational(v)), e)
            return chosen
        cf, af, bf = c, a, b

        def ite(env):
            cv = cf(env)
            return _where(cv, af(env), bf(env))
        return Compiled(t, fn=ite, expr=e)
    if op == "call":
        return _call(e, scope)
    if op in ("P", "R", "S", "T", "filter"):
        if scope.label_columns is None:
            raise scope.error(e, f"'{e.op}' operators belong in properties, not in the model; "
                                 "move it to a property")
        return scope.label_columns(e)
    raise scope.error(e, f"unsupported expression {op!r}")  # pragma: no cover


_WHERE_HOOK: list = []


def _where_text(mask) -> str:
    if _WHERE_HOOK and isinstance(mask, np.ndarray):
        return _WHERE_HOOK[-1](int(np.flatnonzero(mask)[0]))
    return ""


def _where_index(i: int | None) -> str:
    """`` in the state (...)`` of position ``i`` of the states being evaluated, when known."""
    return _WHERE_HOOK[-1](i) if _WHERE_HOOK and i is not None else ""


def _arr(*xs) -> bool:
    return any(isinstance(x, np.ndarray) for x in xs)


def _unary(t: str, a: Compiled, f: Callable[[Any], Any], e: Expr) -> Compiled:
    if a.const:
        return _const(t, f(a.value), e)
    af = _fn(a)
    return Compiled(t, fn=lambda env: f(af(env)), expr=e)


def _binary(t: str, a: Compiled, b: Compiled, f: Callable[[Any, Any], Any],
            e: Expr) -> Compiled:
    if a.const and b.const:
        v = f(a.value, b.value)
        if t == "bool":
            v = bool(v)
        return _const(t, v, e)
    if a.const:
        av, bf = a.value, _fn(b)
        return Compiled(t, fn=lambda env: f(av, bf(env)), expr=e)
    if b.const:
        af, bv = _fn(a), b.value
        return Compiled(t, fn=lambda env: f(af(env), bv), expr=e)
    af, bf = _fn(a), _fn(b)
    return Compiled(t, fn=lambda env: f(af(env), bf(env)), expr=e)


def _ident(e: Expr, scope: Scope) -> Compiled:
    name = e.args[0]
    if name in scope.variables:
        t = scope.variables[name]
        return Compiled(t, fn=lambda env: env[name], expr=e)
    if name in scope.constants:
        t, v = scope.constants[name]
        if v is None:
            raise scope.error(e, f"constant {name} has no value; define it in the file or "
                                 f"give it with --const {name}=... (constants={{'{name}': ...}})")
        return _const(t, v, e)
    if name in scope.formulas:
        if name in scope._expanding:
            cycle = " -> ".join(scope._expanding[scope._expanding.index(name):] + [name])
            raise scope.error(e, f"formula {name} refers to itself ({cycle}); break the cycle")
        scope._expanding.append(name)
        try:
            return _compile(scope.formulas[name], scope)
        finally:
            scope._expanding.pop()
    known = sorted(set(scope.variables) | set(scope.constants) | set(scope.formulas))
    hint = _close(name, known)
    raise scope.error(e, f"unknown identifier {name!r}" + (f" (did you mean {hint}?)" if hint
                      else "") + "; declare it as a variable, constant or formula")


def _close(name: str, known: list[str]) -> str:
    import difflib

    m = difflib.get_close_matches(name, known, n=1)
    return repr(m[0]) if m else ""


def _label(e: Expr, scope: Scope) -> Compiled:
    name = e.args[0]
    key = "label:" + name
    if name in scope.labels:
        if key in scope._expanding:
            raise scope.error(e, f"label \"{name}\" is defined through itself; break the cycle")
        scope._expanding.append(key)
        try:
            return compile_expr(scope.labels[name], scope, want="bool")
        finally:
            scope._expanding.pop()
    if scope.label_columns is not None:
        return scope.label_columns(e)
    known = ", ".join(f'"{k}"' for k in sorted(scope.labels)) or "none"
    raise scope.error(e, f"unknown label \"{name}\"; the labels are: {known}")


def _call(e: Expr, scope: Scope) -> Compiled:
    fname, args = e.args[0], e.args[1:]
    cs = [_compile(a, scope) for a in args]
    for a, c in zip(args, cs):
        if c.type == "bool":
            raise scope.error(a, f"{fname}(...) takes numbers, got the boolean '{to_text(a)}'")
    nargs = {"floor": 1, "ceil": 1, "round": 1, "pow": 2, "mod": 2, "log": 2}
    if fname in nargs and len(cs) != nargs[fname]:
        raise scope.error(e, f"{fname} takes {nargs[fname]} argument(s), got {len(cs)}")
    if fname in ("min", "max"):
        if len(cs) < 2:
            raise scope.error(e, f"{fname} takes at least 2 arguments")
        allint = all(c.type == "int" for c in cs)
        pick = (lambda x, y: x < y) if fname == "min" else (lambda x, y: x > y)

        def mm(*vals):
            out = vals[0]
            for v in vals[1:]:
                if allint:
                    out = np.minimum(out, v) if fname == "min" else np.maximum(out, v)
                    if not isinstance(out, np.ndarray):
                        out = int(out)
                else:
                    c = _cmp(v, out, "lt" if fname == "min" else "gt")
                    out = _where(c, v, out) if isinstance(c, np.ndarray) else (v if c else out)
            if not allint and not isinstance(out, tuple):
                out = _from_pair(*as_rational(out))
            return out
        del pick
        return _nary("int" if allint else "double", cs, mm, e)
    if fname in ("floor", "ceil", "round"):
        c = cs[0]
        if c.type == "int":
            return c

        def rnd(x, fname=fname):
            n, d = as_rational(x)
            if fname == "floor":
                return n // d
            if fname == "ceil":
                return -((-n) // d)
            return (2 * n + d) // (2 * d)
        return _nary("int", cs, rnd, e)
    if fname == "log" or fname == "pow" and cs[1].type != "int":
        return _real_call(fname, e, scope, cs)
    if fname == "pow":
        b, k = cs

        def pw(x, y, t=b.type):
            if np.any(np.asarray(y) < 0):
                if t == "int":
                    raise scope.error(e, f"pow({to_text(args[0])}, {to_text(args[1])}) has a "
                                         "negative exponent; an integer power needs exponent "
                                         ">= 0 (write 1/pow(...) for a double)")
            n, d = as_rational(x)
            if isinstance(y, np.ndarray):
                y = _obj(y)
                n, d = _obj(np.broadcast_to(n, y.shape)), _obj(np.broadcast_to(d, y.shape))
                neg = y < 0
                n2 = np.where(neg, d, n) ** np.abs(y)
                d2 = np.where(neg, n, d) ** np.abs(y)
            else:
                y = int(y)
                n2, d2 = (n ** y, d ** y) if y >= 0 else (d ** -y, n ** -y)
                if isinstance(n2, np.ndarray) and _maxabs(n) ** max(abs(y), 1) >= _BIG:
                    n2, d2 = _obj(n) ** abs(y), _obj(d) ** abs(y)
                    if y < 0:
                        n2, d2 = d2, n2
            if t == "int":
                return n2
            return _from_pair(*_reduce(n2, d2))
        return _nary(b.type, cs, pw, e)
    if fname == "mod":
        if cs[0].type != "int" or cs[1].type != "int":
            raise scope.error(e, "mod takes two integers")

        def md(x, y):
            if np.any(np.asarray(y) == 0):
                raise scope.error(e, f"mod by zero in '{to_text(e)}'")
            return x % y
        return _nary("int", cs, md, e)
    raise scope.error(e, f"unknown function {fname!r}; PRISM functions are min, max, floor, "
                         "ceil, round, pow, mod, log")


# ---------------------------------------------------------------------- pow and log
_FLIP = {"lt": "gt", "le": "ge", "gt": "lt", "ge": "le", "eq": "eq", "ne": "ne"}


def _fraction_rows(*vals: Any) -> tuple[int | None, list[tuple[Fraction, ...]]]:
    """The values (constants or columns) as Fractions, one row per state (``None``: all
    constants, one row)."""
    pairs = [as_rational(v) for v in vals]
    m = None
    for n, d in pairs:
        for x in (n, d):
            if isinstance(x, np.ndarray) and x.ndim:
                m = len(x)
    if m is None:
        return None, [tuple(Fraction(int(n), int(d)) for n, d in pairs)]
    cols = [[Fraction(int(a), int(b)) for a, b in zip(broadcast(n, m).tolist(),
                                                       broadcast(d, m).tolist())]
            for n, d in pairs]
    return m, list(zip(*cols))


def _int_column(xs: list[int]) -> np.ndarray:
    try:
        return np.array(xs, dtype=np.int64)
    except OverflowError:
        out = np.empty(len(xs), dtype=object)
        out[:] = xs
        return out


def _real_call(fname: str, e: Expr, scope: Scope, cs: list[Compiled]) -> Compiled:
    """``pow`` with a double exponent and ``log``: exact where rational; an irrational value
    can only be compared with a number (:mod:`chainlab.prism._real`)."""
    from . import _real

    text = to_text(e)
    fa, fb = _fn(cs[0]), _fn(cs[1])
    exact = _real.power if fname == "pow" else _real.log
    sign_of = _real.power_sign if fname == "pow" else _real.log_sign

    def value(x: Fraction, y: Fraction, i: int | None) -> Fraction | None:
        try:
            return exact(x, y)
        except _real.NoRealValue as exc:
            raise scope.error(e, f"'{text}' {exc}{_where_index(i)}") from None

    def fn(env: Env) -> Any:
        m, rows = _fraction_rows(fa(env), fb(env))
        out = []
        for i, (x, y) in enumerate(rows):
            v = value(x, y, None if m is None else i)
            if v is None:
                shown = f"{fname}({x}, {y})"
                raise scope.error(
                    e, f"'{text}' " + ("is" if shown == text else f"is {shown}, which is")
                    + f" irrational{_where_index(None if m is None else i)}; chainlab reads "
                    "models exactly, "
                    "so an irrational value can only be compared with a number (as in "
                    "pow(x, 0.5) >= 1), not used as a probability, reward or operand; replace "
                    "it by a rational approximation")
            out.append(v)
        if m is None:
            return out[0]
        return (_int_column([v.numerator for v in out]),
                _int_column([v.denominator for v in out]))

    def sign(env: Env, other: Any) -> Any:
        m, rows = _fraction_rows(fa(env), fb(env), other)
        out = []
        for i, (x, y, c) in enumerate(rows):
            v = value(x, y, None if m is None else i)
            out.append((v > c) - (v < c) if v is not None else sign_of(x, y, c))
        return out[0] if m is None else np.array(out, dtype=np.int64)

    pure = all(c.const for c in cs)
    if pure:
        v = value(Fraction(cs[0].value), Fraction(cs[1].value), None)
        if v is not None:
            return _const("double", v, e)
    return Compiled("double", fn=fn, expr=e, sign=sign, pure=pure)


def _compare_real(op: str, a: Compiled, b: Compiled, e: Expr, scope: Scope) -> Compiled:
    """A comparison with a ``pow``/``log`` value that may be irrational, decided exactly."""
    if a.sign is not None and b.sign is not None:
        raise scope.error(e, f"'{to_text(e)}' compares two pow/log values that may be "
                             "irrational; compare one of them with a rational number")
    node, other, rel = (a, b, op) if a.sign is not None else (b, a, _FLIP[op])
    sign, of, cmp = node.sign, _fn(other), _COMPARE[rel]
    assert sign is not None
    if node.pure and other.const:
        return _const("bool", bool(cmp(sign({}, other.value), 0)), e)
    return Compiled("bool", fn=lambda env: cmp(sign(env, of(env)), 0), expr=e)


def _nary(t: str, cs: list[Compiled], f: Callable[..., Any], e: Expr) -> Compiled:
    if all(c.const for c in cs):
        return _const(t, f(*[c.value for c in cs]), e)
    fs = [_fn(c) for c in cs]
    return Compiled(t, fn=lambda env: f(*[g(env) for g in fs]), expr=e)
