"""From the syntax tree to a checked program: constants defined, formulas expanded, modules
renamed, variables typed and bounded, commands compiled (:class:`Program`)."""

from __future__ import annotations

import dataclasses
import re
from fractions import Fraction
from typing import Any, overload

from ._ast import Command, Expr, ModelAST, Module, Renamed, Update, Variable, to_text
from ._errors import PrismModelError, located
from ._eval import Compiled, Scope, compile_expr

__all__ = ["Program", "VarInfo", "CommandInfo", "resolve", "parse_constants",
           "define_constants"]


@dataclasses.dataclass
class VarInfo:
    name: str
    type: str  # "int" or "bool"
    low: int
    high: int
    init: int | bool | None
    module: str | None
    line: int
    column: int


@dataclasses.dataclass
class UpdateInfo:
    probability: Compiled  # double or int
    assignments: list[tuple[int, Compiled, int, int]]  # (variable index, value, line, col)
    line: int
    column: int


@dataclasses.dataclass
class CommandInfo:
    action: str | None
    guard: Compiled
    updates: list[UpdateInfo]
    module: str
    line: int
    column: int
    text: str


@dataclasses.dataclass
class RewardInfo:
    transition: bool
    action: str | None
    guard: Compiled
    value: Compiled
    line: int
    column: int


@dataclasses.dataclass
class Program:
    """A resolved PRISM DTMC: everything the explorer needs, compiled and checked."""

    source: str
    constants: dict[str, tuple[str, Any]]
    variables: list[VarInfo]
    modules: list[str]
    commands: list[CommandInfo]
    alphabets: dict[str, set[str]]  # module -> actions
    labels: dict[str, Expr]
    formulas: dict[str, Expr]
    rewards: list[tuple[str | None, list[RewardInfo]]]
    init: Compiled | None
    scope: Scope
    used_constants: set[str]
    # the syntax the program was resolved from (modules renamed, formulas not yet expanded),
    # for the symmetry detection of chainlab.prism._symmetry
    ast: ModelAST | None = None
    module_asts: list[Module] = dataclasses.field(default_factory=list)


# ---------------------------------------------------------------------- constants
_CONST_ITEM = re.compile(r"\s*([A-Za-z_][A-Za-z_0-9]*)\s*=\s*([^,]+?)\s*(?:,|$)")


def parse_constants(spec: Any) -> dict[str, Any]:
    """``"N=16,MAX=2,p=0.5,b=true"`` (or a mapping) as ``{name: int | Fraction | bool}``."""
    from ..errors import SpecError

    if spec is None:
        return {}
    if isinstance(spec, dict):
        out = {}
        for k, v in spec.items():
            if isinstance(v, str):
                out.update(parse_constants(f"{k}={v}"))
            elif isinstance(v, bool):
                out[k] = v
            elif isinstance(v, int):
                out[k] = int(v)
            elif isinstance(v, Fraction):
                out[k] = v
            elif isinstance(v, float):
                raise SpecError(f"constants[{k!r}] is the float {v!r}; give an exact value "
                                f"such as '{v}' (a string, read exactly) or a Fraction")
            else:
                raise SpecError(f"constants[{k!r}] = {v!r} is not an int, Fraction, bool or "
                                "string")
        return out
    if not isinstance(spec, str):
        raise SpecError(f"constants must be a string like 'N=16,MAX=2' or a dict, got {spec!r}")
    out = {}
    pos = 0
    text = spec.strip()
    while pos < len(text):
        m = _CONST_ITEM.match(text, pos)
        if not m:
            raise SpecError(f"--const {spec!r}: cannot read {text[pos:]!r}; write NAME=VALUE "
                            "pairs separated by commas, e.g. N=16,MAX=2,p=0.5")
        name, raw = m.group(1), m.group(2)
        if raw in ("true", "false"):
            out[name] = raw == "true"
        else:
            try:
                v = Fraction(raw)
            except (ValueError, ZeroDivisionError):
                raise SpecError(f"--const {name}={raw}: {raw!r} is not a number or true/false; "
                                f"write e.g. {name}=16 or {name}=0.5") from None
            out[name] = int(v) if v.denominator == 1 and "." not in raw and "e" not in \
                raw.lower() else v
        pos = m.end()
    return out


def define_constants(decls, given: dict[str, Any], source: str,
                     base: dict[str, tuple[str, Any]] | None = None,
                     formulas: dict[str, Expr] | None = None) -> dict[str, tuple[str, Any]]:
    """Evaluate the constant declarations (in dependency order) with ``given`` values for the
    undefined ones; names ``given`` but undeclared are left for the caller to report."""
    consts: dict[str, tuple[str, Any]] = dict(base or {})
    by_name = {}
    for d in decls:
        if d.name in by_name or d.name in (base or {}):
            raise located(PrismModelError, source, d.line, d.column,
                          f"constant {d.name} is declared twice; rename one of them")
        by_name[d.name] = d
    missing = []
    for d in decls:
        if d.expr is not None and d.name in given:
            raise located(PrismModelError, source, d.line, d.column,
                          f"constant {d.name} is already defined in the file "
                          f"(= {to_text(d.expr)}); remove {d.name} from --const/constants, or "
                          f"declare it without a value ('const {d.type} {d.name};')")
        if d.expr is None and d.name not in given:
            missing.append(d)
    if missing:
        d = missing[0]
        names = ", ".join(m.name for m in missing)
        example = ",".join(f"{m.name}=..." for m in missing)
        raise located(PrismModelError, source, d.line, d.column,
                      f"undefined constant{'s' if len(missing) > 1 else ''} {names}: give "
                      f"{'them' if len(missing) > 1 else 'it'} a value with --const {example} "
                      "(constants={...} in Python)")
    state: dict[str, int] = {}

    def value_of(name: str, stack: list[str]):
        d = by_name[name]
        if name in consts:
            return
        if state.get(name) == 1:
            cycle = " -> ".join(stack[stack.index(name):] + [name])
            raise located(PrismModelError, source, d.line, d.column,
                          f"constant {name} is defined through itself ({cycle}); break the "
                          "cycle")
        state[name] = 1
        if d.expr is None:
            v = given[name]
            consts[name] = (d.type, _typed_const(d, v, source))
        else:
            for dep in sorted(d.expr.names()):
                if dep in by_name:
                    value_of(dep, stack + [name])
            scope = Scope(source, consts, formulas=formulas or {})
            c = compile_expr(d.expr, scope)
            if c.pure:
                c({})  # raises: an irrational value, named with the fix
            if not c.const:
                raise located(PrismModelError, source, d.line, d.column,
                              f"constant {name} = {to_text(d.expr)} is not constant; constants "
                              "may use only numbers and other constants")
            consts[name] = (d.type, _typed_value(d, c.type, c.value, source))
        state[name] = 2

    for d in decls:
        value_of(d.name, [])
    return consts


def _typed_const(d, v, source):
    if d.type == "bool":
        if not isinstance(v, bool):
            raise located(PrismModelError, source, d.line, d.column,
                          f"constant {d.name} is a bool, got {v!r}; give {d.name}=true or "
                          f"{d.name}=false")
        return v
    if isinstance(v, bool):
        raise located(PrismModelError, source, d.line, d.column,
                      f"constant {d.name} is {'an int' if d.type == 'int' else 'a double'}, got "
                      f"{v!r}; give a number")
    v = Fraction(v)
    if d.type == "int":
        if v.denominator != 1:
            raise located(PrismModelError, source, d.line, d.column,
                          f"constant {d.name} is an int, got {v}; give an integer value or "
                          f"declare it 'const double {d.name};'")
        return int(v)
    return v


def _typed_value(d, t, v, source):
    if d.type == "bool" and t != "bool" or d.type != "bool" and t == "bool":
        raise located(PrismModelError, source, d.line, d.column,
                      f"constant {d.name} is declared {d.type} but its value "
                      f"{to_text(d.expr)} is {'a boolean' if t == 'bool' else 'a number'}")
    if d.type == "int" and t == "double":
        raise located(PrismModelError, source, d.line, d.column,
                      f"constant {d.name} is declared int but {to_text(d.expr)} is a double; "
                      f"declare it double or round it with floor(...)")
    if d.type == "double":
        return Fraction(v)
    return v


# ---------------------------------------------------------------------- renaming
def _rename_expr(e: Expr, mapping: dict[str, str]) -> Expr:
    if e.op == "ident":
        new = mapping.get(e.args[0])
        return e if new is None else Expr("ident", (new,), e.line, e.column)
    if not e.args:
        return e
    args = tuple(_rename_expr(a, mapping) if isinstance(a, Expr) else a for a in e.args)
    return e.replace(args)


@overload
def _expand(e: Expr, formulas: dict[str, Expr], source: str,
            stack: tuple[str, ...] = ()) -> Expr: ...
@overload
def _expand(e: None, formulas: dict[str, Expr], source: str,
            stack: tuple[str, ...] = ()) -> None: ...
@overload
def _expand(e: Expr | None, formulas: dict[str, Expr], source: str,
            stack: tuple[str, ...] = ()) -> Expr | None: ...
def _expand(e: Expr | None, formulas: dict[str, Expr], source: str,
            stack: tuple[str, ...] = ()) -> Expr | None:
    """Formulas substituted by their (expanded) definitions (before module renaming, as
    PRISM does: renaming then applies to the names inside formulas too)."""
    if e is None:
        return None
    if e.op == "ident" and e.args[0] in formulas:
        name = e.args[0]
        if name in stack:
            cycle = " -> ".join(list(stack[stack.index(name):]) + [name])
            raise located(PrismModelError, source, e.line, e.column,
                          f"formula {name} refers to itself ({cycle}); break the cycle")
        return _expand(formulas[name], formulas, source, stack + (name,))
    if not e.args:
        return e
    return e.replace(tuple(_expand(a, formulas, source, stack) if isinstance(a, Expr) else a
                           for a in e.args))


def _renamed_module(r: Renamed, base: Module, source: str) -> Module:
    mapping: dict[str, str] = {}
    for old, new, line, col in r.mapping:
        if old in mapping:
            raise located(PrismModelError, source, line, col,
                          f"module {r.name} renames {old} twice; rename it once")
        mapping[old] = new
    for v in base.variables:
        if v.name not in mapping:
            raise located(PrismModelError, source, r.line, r.column,
                          f"module {r.name} = {base.name}[...] does not rename the variable "
                          f"{v.name} of {base.name}; add {v.name}={v.name}_new (each module "
                          "needs its own variables)")
    variables = [Variable(mapping[v.name], v.type, _rn(v.low, mapping), _rn(v.high, mapping),
                          _rn(v.init, mapping), r.name, v.line, v.column)
                 for v in base.variables]
    commands = []
    for c in base.commands:
        ups = [Update(_rn(u.probability, mapping),
                      [(mapping.get(x, x), _rn(val, mapping), ln, cl)
                       for x, val, ln, cl in u.assignments], u.line, u.column)
               for u in c.updates]
        commands.append(Command(mapping.get(c.action, c.action) if c.action else None,
                                _rn(c.guard, mapping), ups, r.name, c.line, c.column))
    return Module(r.name, variables, commands, r.line, r.column)


@overload
def _rn(e: Expr, mapping: dict[str, str]) -> Expr: ...
@overload
def _rn(e: None, mapping: dict[str, str]) -> None: ...
@overload
def _rn(e: Expr | None, mapping: dict[str, str]) -> Expr | None: ...
def _rn(e: Expr | None, mapping: dict[str, str]) -> Expr | None:
    return None if e is None else _rename_expr(e, mapping)


# ---------------------------------------------------------------------- resolution
def resolve(ast: ModelAST, constants: dict[str, Any], *, text: str = "",
            allow_unused: set[str] | None = None) -> Program:
    """Check ``ast`` and compile it with the given constant values."""
    source = ast.source
    if ast.model_type is not None and ast.model_type not in ("dtmc", "probabilistic"):
        raise located(PrismModelError, source, ast.type_line, 1,
                      f"this is a model of type {ast.model_type}; chainlab reads "
                      "discrete-time Markov chains only (model type dtmc)")
    formulas: dict[str, Expr] = {}
    for f in ast.formulas:
        if f.name in formulas:
            raise located(PrismModelError, source, f.line, f.column,
                          f"formula {f.name} is defined twice; keep one definition")
        formulas[f.name] = f.expr
    declared = {d.name for d in ast.constants}
    unused = set(constants) - declared - (allow_unused or set())
    if unused:
        names = ", ".join(sorted(unused))
        raise PrismModelError(
            f"{source}: --const gives {names}, which the model does not declare; remove "
            f"{'them' if len(unused) > 1 else 'it'} (declared constants: "
            f"{', '.join(sorted(declared)) or 'none'})")
    # formulas are expanded before constants are evaluated (a constant may use a formula)
    consts = define_constants(ast.constants, constants, source, formulas=formulas)
    used = {d.name for d in ast.constants}

    # modules, renamed ones included
    modules: dict[str, Module] = {}
    order: list[Module] = []
    for m in ast.modules:
        if m.name in modules:
            raise located(PrismModelError, source, m.line, m.column,
                          f"module {m.name} is defined twice; rename one of them")
        if isinstance(m, Renamed):
            base = modules.get(m.base)
            if base is None:
                raise located(PrismModelError, source, m.line, m.column,
                              f"module {m.name} renames {m.base}, which is not a module "
                              "defined above it; define module " + m.base + " first")
            expanded = Module(base.name, [
                Variable(v.name, v.type, _expand(v.low, formulas, source),
                         _expand(v.high, formulas, source), _expand(v.init, formulas, source),
                         v.module, v.line, v.column) for v in base.variables],
                [Command(c.action, _expand(c.guard, formulas, source),
                         [Update(_expand(u.probability, formulas, source),
                                 [(x, _expand(val, formulas, source), ln, cl)
                                  for x, val, ln, cl in u.assignments], u.line, u.column)
                          for u in c.updates], c.module, c.line, c.column)
                 for c in base.commands], base.line, base.column)
            m = _renamed_module(m, expanded, source)
        modules[m.name] = m
        order.append(m)
    if not order:
        raise located(PrismModelError, source, 1, 1,
                      "the model has no module; add module NAME ... endmodule")

    # variables: globals first, then module by module
    var_decls: list[Variable] = list(ast.globals) + [v for m in order for v in m.variables]
    variables: list[VarInfo] = []
    index: dict[str, int] = {}
    cscope = Scope(source, consts, formulas=formulas)
    for v in var_decls:
        if v.name in index or v.name in consts or v.name in formulas:
            what = ("variable" if v.name in index else "constant" if v.name in consts
                    else "formula")
            raise located(PrismModelError, source, v.line, v.column,
                          f"variable {v.name} is already a {what}; rename it")
        if v.type == "int":
            raise located(PrismModelError, source, v.line, v.column,
                          f"variable {v.name} : int is unbounded; give it a range such as "
                          f"{v.name} : [0..10]")
        if v.type == "bool":
            lo, hi, t = 0, 1, "bool"
        else:
            assert v.low is not None and v.high is not None  # a range type has both bounds
            lo = _const_int(v.low, cscope, f"the lower bound of {v.name}")
            hi = _const_int(v.high, cscope, f"the upper bound of {v.name}")
            t = "int"
            if lo > hi:
                raise located(PrismModelError, source, v.line, v.column,
                              f"variable {v.name} has the empty range [{lo}..{hi}]; give a "
                              "lower bound <= the upper bound")
        init = None
        if v.init is not None:
            if ast.init is not None:
                raise located(PrismModelError, source, v.init.line, v.init.column,
                              f"variable {v.name} has an initial value but the model also "
                              "has an init...endinit block; use one of the two")
            ic = compile_expr(_expand(v.init, formulas, source), cscope,
                              want="bool" if t == "bool" else "int")
            if not ic.const:
                raise located(PrismModelError, source, v.init.line, v.init.column,
                              f"the initial value of {v.name} must be constant")
            init = ic.value
            if t == "int" and not lo <= init <= hi:
                raise located(PrismModelError, source, v.init.line, v.init.column,
                              f"the initial value {init} of {v.name} is outside its range "
                              f"[{lo}..{hi}]; change the value or the range")
        elif ast.init is None:
            init = False if t == "bool" else lo
        index[v.name] = len(variables)
        variables.append(VarInfo(v.name, t, lo, hi, init, v.module, v.line, v.column))
    vtypes = {v.name: v.type for v in variables}
    labels: dict[str, Expr] = {}
    for lab in ast.labels:
        if lab.name in labels or lab.name in ("init", "deadlock"):
            raise located(PrismModelError, source, lab.line, lab.column,
                          f"label \"{lab.name}\" is " + ("defined twice" if lab.name in labels
                                                         else "built in") + "; rename it")
        labels[lab.name] = _expand(lab.expr, formulas, source)
    scope = Scope(source, consts, vtypes, formulas, labels)

    commands: list[CommandInfo] = []
    alphabets: dict[str, set[str]] = {}
    lines = text.splitlines()
    for m in order:
        alphabets[m.name] = {c.action for c in m.commands if c.action}
        own = {v.name for v in m.variables}
        globals_ = {v.name for v in ast.globals}
        for c in m.commands:
            guard = compile_expr(_expand(c.guard, formulas, source), scope, want="bool")
            ups = []
            for u in c.updates:
                if u.probability is None:
                    prob = Compiled("int", value=1)
                else:
                    prob = compile_expr(_expand(u.probability, formulas, source), scope,
                                        want="double")
                seen = set()
                assigns = []
                for x, val, ln, cl in u.assignments:
                    if x not in index:
                        raise located(PrismModelError, source, ln, cl,
                                      f"update of {x}', which is not a variable; declare "
                                      f"{x} in module {m.name}")
                    if x not in own and x not in globals_:
                        owner = variables[index[x]].module
                        raise located(PrismModelError, source, ln, cl,
                                      f"module {m.name} updates {x}, a variable of module "
                                      f"{owner}; a module may only update its own (or global) "
                                      "variables -- synchronise on an action instead")
                    if x in globals_ and c.action is not None:
                        raise located(PrismModelError, source, ln, cl,
                                      f"the synchronised command [{c.action}] updates the "
                                      f"global variable {x}; PRISM allows global updates only "
                                      "in unlabelled commands ([])")
                    if x in seen:
                        raise located(PrismModelError, source, ln, cl,
                                      f"{x} is updated twice in one update; assign it once")
                    seen.add(x)
                    vi = variables[index[x]]
                    try:
                        cv = compile_expr(_expand(val, formulas, source), scope,
                                          want="bool" if vi.type == "bool" else "int")
                    except PrismModelError as exc:
                        if vi.type == "int" and "a double" in str(exc):
                            raise located(PrismModelError, source, ln, cl,
                                          f"{x}' = {to_text(val)} assigns a double to the "
                                          f"integer variable {x}; round it with floor(...) or "
                                          "round(...)") from None
                        raise
                    assigns.append((index[x], cv, ln, cl))
                ups.append(UpdateInfo(prob, assigns, u.line, u.column))
            src = _command_text(lines, c.line, c.column)
            commands.append(CommandInfo(c.action, guard, ups, m.name, c.line, c.column, src))

    rewards = []
    names_seen = set()
    for r in ast.rewards:
        if r.name is not None and r.name in names_seen:
            raise located(PrismModelError, source, r.line, r.column,
                          f"reward structure \"{r.name}\" is defined twice; rename one")
        names_seen.add(r.name)
        items = []
        all_actions = set().union(*alphabets.values())
        for it in r.items:
            if it.transition and it.action is not None and it.action not in all_actions:
                raise located(PrismModelError, source, it.line, it.column,
                              f"transition reward on action [{it.action}], which no module "
                              "has; use one of: " + (", ".join(sorted(all_actions)) or "[]"))
            g = compile_expr(_expand(it.guard, formulas, source), scope, want="bool")
            amount = compile_expr(_expand(it.value, formulas, source), scope, want="double")
            items.append(RewardInfo(it.transition, it.action, g, amount, it.line, it.column))
        rewards.append((r.name, items))
    init = None
    if ast.init is not None:
        init = compile_expr(_expand(ast.init, formulas, source), scope, want="bool")
    return Program(source, consts, variables, [m.name for m in order], commands, alphabets,
                   labels, formulas, rewards, init, scope, used, ast, order)


def _command_text(lines: list[str], line: int, column: int) -> str:
    """The source of a command, from its ``[`` to its ``;`` (whitespace collapsed)."""
    if not 0 < line <= len(lines):
        return ""
    text = lines[line - 1][column - 1:]
    k = line
    while ";" not in text and k < len(lines) and k - line < 20:
        text += " " + lines[k]
        k += 1
    text = text.split(";", 1)[0] + ";"
    return " ".join(text.split())


def _const_int(e: Expr, scope: Scope, what: str) -> int:
    c = compile_expr(e, scope, want="int")
    if not c.const:
        raise scope.error(e, f"{what} ({to_text(e)}) must be a constant integer expression")
    return int(c.value)
