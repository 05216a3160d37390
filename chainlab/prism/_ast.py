"""The syntax tree of PRISM models and properties (built by :mod:`chainlab.prism._parse`).

Expressions are :class:`Expr` nodes ``(op, args, line, column)``; the model is a
:class:`ModelAST` of plain dataclasses. Positions are 1-based, as in PRISM's own messages.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any

__all__ = ["Expr", "Constant", "Formula", "Label", "Variable", "Update", "Command", "Module",
           "Renamed", "RewardItem", "RewardStruct", "ModelAST", "Property", "PropertiesAST"]


class Expr:
    """One expression node.

    ``op`` is one of: ``int`` / ``num`` / ``bool`` (a literal in ``args[0]``: int, Fraction,
    bool), ``ident`` (a name), ``label`` (a quoted label name), ``not``, ``neg``, the binary
    ``and or implies iff eq ne lt le gt ge add sub mul div``, ``ite``, ``call`` (function name,
    then arguments), and in properties ``P`` ``R`` ``S`` ``T`` ``filter`` and ``ref`` (a
    ``"name"`` that refers to a named property).
    """

    __slots__ = ("op", "args", "line", "column")

    def __init__(self, op: str, args: tuple, line: int = 0, column: int = 0) -> None:
        self.op = op
        self.args = args
        self.line = line
        self.column = column

    def __repr__(self) -> str:
        return f"Expr({self.op!r}, {self.args!r})"

    def replace(self, args: tuple) -> Expr:
        return Expr(self.op, args, self.line, self.column)

    def children(self) -> list[Expr]:
        return [a for a in self.args if isinstance(a, Expr)]

    def names(self) -> set[str]:
        """Identifiers used anywhere inside (labels excluded)."""
        out: set[str] = set()
        stack = [self]
        while stack:
            e = stack.pop()
            if e.op == "ident":
                out.add(e.args[0])
            else:
                stack.extend(_subexprs(e))
        return out

    def __str__(self) -> str:
        return to_text(self)


def _subexprs(e: Expr) -> list[Expr]:
    out = []
    for a in e.args:
        if isinstance(a, Expr):
            out.append(a)
        elif isinstance(a, tuple):
            out.extend(x for x in a if isinstance(x, Expr))
            for x in a:
                if isinstance(x, tuple):
                    out.extend(y for y in x if isinstance(y, Expr))
    return out


_BIN = {"and": "&", "or": "|", "implies": "=>", "iff": "<=>", "eq": "=", "ne": "!=",
        "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "add": "+", "sub": "-", "mul": "*",
        "div": "/"}


def to_text(e: Any) -> str:
    """PRISM text of an expression (fully parenthesised binary operations)."""
    if not isinstance(e, Expr):
        return str(e)
    op, a = e.op, e.args
    if op == "int":
        return str(a[0])
    if op == "num":
        v = a[0]
        return str(v) if isinstance(v, str) else (str(v.numerator) if v.denominator == 1
                                                  else f"{v.numerator}/{v.denominator}")
    if op == "bool":
        return "true" if a[0] else "false"
    if op == "ident":
        return a[0]
    if op in ("label", "ref"):
        return f'"{a[0]}"'
    if op == "not":
        return f"!{to_text(a[0])}"
    if op == "neg":
        return f"-{to_text(a[0])}"
    if op in _BIN:
        return f"({to_text(a[0])} {_BIN[op]} {to_text(a[1])})"
    if op == "ite":
        return f"({to_text(a[0])} ? {to_text(a[1])} : {to_text(a[2])})"
    if op == "call":
        return f"{a[0]}({', '.join(to_text(x) for x in a[1:])})"
    if op in ("P", "S", "T", "R"):
        return e.args[-1] if isinstance(e.args[-1], str) else op
    if op == "filter":
        return f"filter({a[0]}, {to_text(a[1])}{', ' + to_text(a[2]) if a[2] else ''})"
    return op


@dataclasses.dataclass
class Constant:
    name: str
    type: str  # "int", "double" or "bool"
    expr: Expr | None
    line: int
    column: int


@dataclasses.dataclass
class Formula:
    name: str
    expr: Expr
    line: int
    column: int


@dataclasses.dataclass
class Label:
    name: str
    expr: Expr
    line: int
    column: int


@dataclasses.dataclass
class Variable:
    name: str
    type: str  # "range", "bool" or "int" (unbounded: refused when explored)
    low: Expr | None
    high: Expr | None
    init: Expr | None
    module: str | None  # None: global
    line: int
    column: int


@dataclasses.dataclass
class Update:
    probability: Expr | None  # None: probability 1
    assignments: list[tuple[str, Expr, int, int]]  # (variable, value, line, column)
    line: int
    column: int


@dataclasses.dataclass
class Command:
    action: str | None
    guard: Expr
    updates: list[Update]
    module: str
    line: int
    column: int


@dataclasses.dataclass
class Module:
    name: str
    variables: list[Variable]
    commands: list[Command]
    line: int
    column: int


@dataclasses.dataclass
class Renamed:
    name: str
    base: str
    mapping: list[tuple[str, str, int, int]]
    line: int
    column: int


@dataclasses.dataclass
class RewardItem:
    transition: bool
    action: str | None
    guard: Expr
    value: Expr
    line: int
    column: int


@dataclasses.dataclass
class RewardStruct:
    name: str | None
    items: list[RewardItem]
    line: int
    column: int


@dataclasses.dataclass
class ModelAST:
    source: str
    model_type: str | None = None
    type_line: int = 0
    constants: list[Constant] = dataclasses.field(default_factory=list)
    formulas: list[Formula] = dataclasses.field(default_factory=list)
    labels: list[Label] = dataclasses.field(default_factory=list)
    globals: list[Variable] = dataclasses.field(default_factory=list)
    modules: list[Module | Renamed] = dataclasses.field(default_factory=list)
    rewards: list[RewardStruct] = dataclasses.field(default_factory=list)
    init: Expr | None = None
    init_line: int = 0


@dataclasses.dataclass
class Property:
    name: str | None
    expr: Expr
    text: str
    line: int
    column: int


@dataclasses.dataclass
class PropertiesAST:
    source: str
    constants: list[Constant] = dataclasses.field(default_factory=list)
    formulas: list[Formula] = dataclasses.field(default_factory=list)
    labels: list[Label] = dataclasses.field(default_factory=list)
    properties: list[Property] = dataclasses.field(default_factory=list)


def decimal(text: str) -> Fraction:
    """A PRISM decimal literal, exactly (``0.02`` is 1/50, ``1e-3`` is 1/1000)."""
    return Fraction(text)
