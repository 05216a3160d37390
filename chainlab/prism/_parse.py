"""Parse PRISM model and property text with lark (LALR(1), grammar in ``_grammar.lark``)."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import sys
from fractions import Fraction
from pathlib import Path

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from ._ast import (
    Command,
    Constant,
    Expr,
    Formula,
    Label,
    ModelAST,
    Module,
    PropertiesAST,
    Property,
    Renamed,
    RewardItem,
    RewardStruct,
    Update,
    Variable,
)
from ._errors import PrismSyntaxError, located

__all__ = ["parse_model_text", "parse_properties_text", "parse_expression_text"]


_OPTIONS = {"start": ["model", "props"], "parser": "lalr", "propagate_positions": True,
            "maybe_placeholders": False}


def cache_dir() -> Path | None:
    """Where the built PRISM parser is kept between processes: ``$CHAINLAB_CACHE_DIR`` if set
    (empty: keep nothing), else ``$XDG_CACHE_HOME/chainlab``, else ``~/.cache/chainlab``."""
    env = os.environ.get("CHAINLAB_CACHE_DIR")
    if env is not None:
        return Path(env) if env else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "chainlab"


@functools.lru_cache(maxsize=1)
def _parser() -> Lark:
    """The LALR parser of ``_grammar.lark``. Building its tables takes ~0.35 s, loading them
    ~0.04 s, so the built parser is saved in :func:`cache_dir` (lark's own ``save``/``load``),
    under a name that hashes the grammar, the options and the lark and Python versions, and
    written atomically (``chainlab._io.atomic``); a cache that cannot be read or written is
    rebuilt or skipped, never an error. (lark's ``cache=`` option writes its file in place,
    where two processes can read a half-written one, hence this.)"""
    import lark

    grammar = (Path(__file__).with_name("_grammar.lark")).read_text()
    where = cache_dir()
    path = None
    if where is not None:
        key = hashlib.sha256("\0".join([grammar, repr(sorted(_OPTIONS.items())), lark.__version__,
                                         sys.version]).encode()).hexdigest()[:24]
        path = where / f"prism-parser-{key}.lark"
        try:
            with open(path, "rb") as f:
                return Lark.load(f)
        except Exception:  # absent, unreadable or stale: build it again
            pass
    parser = Lark(grammar, **_OPTIONS)
    if path is not None:
        from .._io.atomic import atomic_path
        from ..errors import ChainlabError

        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # (the user's own)
            with atomic_path(path) as tmp, open(tmp, "wb") as f:
                parser.save(f)
        except (OSError, ChainlabError):  # a read-only home, a full disk: no cache then
            pass
    return parser


def _pos(meta) -> tuple[int, int]:
    return (getattr(meta, "line", 0) or 0, getattr(meta, "column", 0) or 0)


def _unquote(tok: str) -> str:
    return str(tok)[1:-1]


_BINARY = ("and_", "or_", "implies", "iff", "eq", "ne", "lt", "le", "gt", "ge", "add", "sub",
           "mul", "div")


@v_args(meta=True)
class _ToAST(Transformer):
    def __init__(self, source: str, text: str):
        super().__init__()
        self.source = source
        self.text = text

    # ------------------------------------------------------------- expressions
    def int_lit(self, meta, c):
        return Expr("int", (int(c[0]),), *_pos(meta))

    def dec_lit(self, meta, c):
        return Expr("num", (Fraction(str(c[0])),), *_pos(meta))

    def true_lit(self, meta, c):
        return Expr("bool", (True,), *_pos(meta))

    def false_lit(self, meta, c):
        return Expr("bool", (False,), *_pos(meta))

    def ident(self, meta, c):
        return Expr("ident", (str(c[0]),), *_pos(meta))

    def label_ref(self, meta, c):
        return Expr("label", (_unquote(c[0]),), *_pos(meta))

    def not_(self, meta, c):
        return Expr("not", (c[0],), *_pos(meta))

    def neg(self, meta, c):
        return Expr("neg", (c[0],), *_pos(meta))

    def ite(self, meta, c):
        return Expr("ite", tuple(c), *_pos(meta))

    def func_name(self, meta, c):
        return str(c[0])

    def func_any(self, meta, c):
        return str(c[0])

    def call(self, meta, c):
        return Expr("call", (c[0],) + tuple(c[1:]), *_pos(meta))

    # ------------------------------------------------------------- properties
    def bound_query(self, meta, c):
        return None

    def relop_bound(self, meta, c):
        return str(c[0])

    def bound_rel(self, meta, c):
        return (c[0], c[1])

    def le_bound(self, meta, c):
        return ("<=", c[0])

    def lt_bound(self, meta, c):
        return ("<", c[0])

    def time_bound(self, meta, c):  # pragma: no cover - aliased away
        return c[0]

    def _path(self, kind, meta, c):
        bound = None
        rest = list(c)
        if kind in ("U", "W"):
            left = rest.pop(0)
            if len(rest) == 2:
                bound = rest.pop(0)
            return (kind, bound, left, rest[0], *_pos(meta))
        if len(rest) == 2:
            bound = rest.pop(0)
        return (kind, bound, rest[0], *_pos(meta))

    def path_f(self, meta, c):
        return self._path("F", meta, c)

    def path_g(self, meta, c):
        return self._path("G", meta, c)

    def path_x(self, meta, c):
        return ("X", None, c[0], *_pos(meta))

    def path_u(self, meta, c):
        return self._path("U", meta, c)

    def path_w(self, meta, c):
        return self._path("W", meta, c)

    def rpath_f(self, meta, c):
        return ("F", None, c[0], *_pos(meta))

    def rpath_c(self, meta, c):
        return ("C", ("<=", c[0]), None, *_pos(meta))

    def rpath_total(self, meta, c):
        return ("Ctotal", None, None, *_pos(meta))

    def rpath_i(self, meta, c):
        return ("I", ("=", c[0]), None, *_pos(meta))

    def rpath_s(self, meta, c):
        return ("Srew", None, None, *_pos(meta))

    def _text(self, meta) -> str:
        start = getattr(meta, "start_pos", None)
        end = getattr(meta, "end_pos", None)
        return self.text[start:end] if start is not None else ""

    def prob_op(self, meta, c):
        kind = str(c[0])
        return Expr("P", (kind, c[1], c[2], self._text(meta)), *_pos(meta))

    def reward_index(self, meta, c):
        x = c[0]
        return _unquote(x) if isinstance(x, Token) else x

    def minmax(self, meta, c):
        return str(c[0])

    def reward_op(self, meta, c):
        items = list(c[1:])
        index = None
        if items and (isinstance(items[0], (str, Expr)) and not isinstance(items[0], tuple)) \
                and not (isinstance(items[0], str) and items[0] in ("min", "max")):
            index = items.pop(0)
        if items and isinstance(items[0], str) and items[0] in ("min", "max"):
            items.pop(0)
        bound, path = items
        return Expr("R", (index, bound, path, self._text(meta)), *_pos(meta))

    def steady_op(self, meta, c):
        return Expr("S", (c[1], c[2], self._text(meta)), *_pos(meta))

    def time_op(self, meta, c):
        return Expr("T", (c[1], c[2], self._text(meta)), *_pos(meta))

    def filter_kind(self, meta, c):
        return str(c[0])

    def filter_call(self, meta, c):
        return Expr("filter", (c[0], c[1], c[2] if len(c) > 2 else None), *_pos(meta))

    def prop(self, meta, c):
        name = None
        if len(c) == 2:
            name = _unquote(c[0])
        expr = c[-1]
        start = getattr(meta, "start_pos", 0)
        text = self.text[start:getattr(meta, "end_pos", len(self.text))]
        if name is not None:
            text = text.split(":", 1)[1].strip()
        return Property(name, expr, text, *_pos(meta))

    def props(self, meta, c):
        out = PropertiesAST(self.source)
        for item in c:
            if isinstance(item, Constant):
                out.constants.append(item)
            elif isinstance(item, Formula):
                out.formulas.append(item)
            elif isinstance(item, Label):
                out.labels.append(item)
            else:
                out.properties.append(item)
        return out

    # ------------------------------------------------------------- declarations
    def model_type(self, meta, c):
        return ("type", str(c[0]), *_pos(meta))

    def const_type(self, meta, c):
        return str(c[0])

    def const_decl(self, meta, c):
        c = list(c)
        ctype = "int"
        if c and isinstance(c[0], str) and not isinstance(c[0], Token):
            ctype = c.pop(0)
        if ctype in ("rate", "prob"):
            ctype = "double"
        name = str(c[0])
        expr = c[1] if len(c) > 1 else None
        return Constant(name, ctype, expr, *_pos(meta))

    def formula_decl(self, meta, c):
        return Formula(str(c[0]), c[1], *_pos(meta))

    def label_decl(self, meta, c):
        return Label(_unquote(c[0]), c[1], *_pos(meta))

    def range_type(self, meta, c):
        return ("range", c[0], c[1])

    def bool_type(self, meta, c):
        return ("bool", None, None)

    def int_type(self, meta, c):
        return ("int", None, None)

    def var_decl(self, meta, c):
        kind, lo, hi = c[1]
        init = c[2] if len(c) > 2 else None
        return Variable(str(c[0]), kind, lo, hi, init, None, *_pos(meta))

    def global_decl(self, meta, c):
        return ("global", c[0])

    def assignment(self, meta, c):
        return (str(c[0])[:-1], c[1], *_pos(meta))

    def assignments(self, meta, c):
        return list(c)

    def assigns_true(self, meta, c):
        return []

    def prob_update(self, meta, c):
        return Update(c[0], c[1], *_pos(meta))

    def updates_true(self, meta, c):
        return [Update(None, [], *_pos(meta))]

    def updates_single(self, meta, c):
        return [Update(None, c[0], *_pos(meta))]

    def updates_prob(self, meta, c):
        return list(c)

    def command(self, meta, c):
        c = list(c)
        action = None
        if isinstance(c[0], Token):
            action = str(c.pop(0))
        return Command(action, c[0], c[1], "", *_pos(meta))

    def module(self, meta, c):
        name = str(c[0])
        variables, commands = [], []
        for item in c[1:]:
            if isinstance(item, Variable):
                item.module = name
                variables.append(item)
            else:
                item.module = name
                commands.append(item)
        return Module(name, variables, commands, *_pos(meta))

    def renaming(self, meta, c):
        return (str(c[0]), str(c[1]), *_pos(meta))

    def renamed_module(self, meta, c):
        return Renamed(str(c[0]), str(c[1]), list(c[2:]), *_pos(meta))

    def state_reward(self, meta, c):
        return RewardItem(False, None, c[0], c[1], *_pos(meta))

    def trans_reward(self, meta, c):
        c = list(c)
        action = str(c.pop(0)) if isinstance(c[0], Token) else None
        return RewardItem(True, action, c[0], c[1], *_pos(meta))

    def rewards(self, meta, c):
        c = list(c)
        name = _unquote(c.pop(0)) if c and isinstance(c[0], Token) else None
        return RewardStruct(name, c, *_pos(meta))

    def init_block(self, meta, c):
        return ("init", c[0], *_pos(meta))

    def system_block(self, meta, c):
        return ("system", *_pos(meta))

    def model(self, meta, c):
        out = ModelAST(self.source)
        for item in c:
            if isinstance(item, Constant):
                out.constants.append(item)
            elif isinstance(item, Formula):
                out.formulas.append(item)
            elif isinstance(item, Label):
                out.labels.append(item)
            elif isinstance(item, (Module, Renamed)):
                out.modules.append(item)
            elif isinstance(item, RewardStruct):
                out.rewards.append(item)
            elif isinstance(item, tuple) and item[0] == "global":
                out.globals.append(item[1])
            elif isinstance(item, tuple) and item[0] == "type":
                if out.model_type is not None:
                    raise located(PrismSyntaxError, self.source, item[2], item[3],
                                  f"a second model type '{item[1]}' (the model is already "
                                  f"'{out.model_type}'); keep one model type keyword")
                out.model_type, out.type_line = item[1], item[2]
            elif isinstance(item, tuple) and item[0] == "init":
                if out.init is not None:
                    raise located(PrismSyntaxError, self.source, item[2], item[3],
                                  "a second init...endinit block; give one block (combine "
                                  "the predicates with |)")
                out.init, out.init_line = item[1], item[2]
            elif isinstance(item, tuple) and item[0] == "system":
                raise located(PrismSyntaxError, self.source, item[1], item[2],
                              "system...endsystem (process-algebra composition) is not "
                              "supported; remove the block: chainlab composes all modules in "
                              "parallel, synchronising on shared actions (PRISM's default)")
        return out


def _binary(op):
    name = op.rstrip("_")

    def method(self, meta, c):
        return Expr(name, (c[0], c[1]), *_pos(meta))

    return method


# v_args on the class applies to methods defined in its body only, so each binary method is
# wrapped on its own
for _op in _BINARY:
    setattr(_ToAST, _op, v_args(meta=True)(_binary(_op)))


_READABLE = {
    "SEMICOLON": "';'", "RPAR": "')'", "LPAR": "'('", "RSQB": "']'", "LSQB": "'['",
    "COLON": "':'", "COMMA": "','", "EQUAL": "'='", "NAME": "a name", "INT": "an integer",
    "DECIMAL": "a number", "STRING": 'a quoted name like "goal"', "PRIMED": "x' (a primed variable)",
    "__ANON_0": "'->'", "ENDMODULE": "'endmodule'", "ENDREWARDS": "'endrewards'",
    "ENDINIT": "'endinit'", "PLUS": "'+'", "MINUS": "'-'", "AMPERSAND": "'&'", "VBAR": "'|'",
    "QUERY": "'=?'", "$END": "the end of the text", "LBRACE": "'{'", "RBRACE": "'}'",
}


def _readable(names) -> str:
    shown = []
    parser = _parser()
    by_name = {t.name: t for t in parser.terminals}
    for n in sorted(names):
        if n in _READABLE:
            shown.append(_READABLE[n])
            continue
        term = by_name.get(n)
        if term is not None and term.pattern.type == "str":
            shown.append(repr(term.pattern.value))
        elif n.endswith("_OP"):
            shown.append(n[0] + " operator")
        else:
            shown.append(n.lower())
    shown = sorted(set(shown))
    if len(shown) > 8:
        shown = shown[:8] + ["..."]
    return ", ".join(shown)


_KEYWORDS = re.compile(r"\b(module|const|formula|label|rewards|init|global|endmodule|"
                       r"endrewards|endinit)\b")


def _construct(text: str, pos: int, start: str) -> str:
    """What was being read at ``pos``: the enclosing declaration (for error messages)."""
    before = text[:pos]
    before = re.sub(r"//[^\n]*", "", before)
    if start == "props":
        return "a property"
    last = None
    for m in _KEYWORDS.finditer(before):
        if m.group(1) == "init" and re.search(r"(\]|\bbool|\bint)\s*$", before[:m.start()]):
            continue  # a variable's initial value, not an init...endinit block
        last = m
    if last is None:
        return "the model header"
    kw = last.group(1)
    if kw == "module":
        tail = before[last.end():]
        if re.match(r"\s*\w+\s*=", tail):
            return "a module renaming"
        semi = tail.rfind(";")
        bracket = tail.rfind("[")
        if bracket > semi:
            return "a command"
        colon_decl = re.search(r"\w+\s*:\s*(\[|bool|int)[^;]*$", tail)
        if colon_decl and tail.rfind("->") <= semi:
            return "a variable declaration"
        return "a module body"
    if kw in ("endmodule", "endrewards", "endinit"):
        return "the model (between declarations)"
    return {"const": "a constant declaration", "formula": "a formula", "label": "a label",
            "rewards": "a reward structure", "init": "the init...endinit block",
            "global": "a global variable"}[kw]


def _fix(expected: set[str], got: str, construct: str) -> str:
    if got == "PRIMED":
        return ("primed variables appear only in updates, written (x'=value); guards and "
                "values use the unprimed name")
    if "SEMICOLON" in expected and construct == "a command":
        return "end the command with ';' (and check the update before it)"
    if "SEMICOLON" in expected and len(expected) <= 3:
        return "end the declaration with ';' (and check the expression before it)"
    if got == "';'":
        return "an expression is missing before ';'"
    if construct == "a command":
        return "write commands as [action] guard -> p1 : (x'=e1) + p2 : (x'=e2);"
    if "__ANON_0" in expected:
        return "separate the guard from the updates with '->'"
    if construct == "a property":
        return ("write properties like P=? [ F x=3 ], R{\"r\"}=? [ F goal ] or "
                "filter(max, P=? [ F done ], \"init\")")
    return "check the syntax near this position against the PRISM manual"


def _parse(text: str, source: str, start: str):
    try:
        tree = _parser().parse(text, start=start)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text, source, start) from None
    try:
        return _ToAST(source, text).transform(tree)
    except VisitError as exc:  # errors raised while building the tree, unwrapped
        raise exc.orig_exc from None


def _syntax_error(exc: UnexpectedInput, text: str, source: str, start: str) -> PrismSyntaxError:
    line, col = getattr(exc, "line", 0), getattr(exc, "column", 0)
    pos = getattr(exc, "pos_in_stream", None) or 0
    if isinstance(exc, UnexpectedToken):
        tok = exc.token
        got = "the end of the text" if tok.type == "$END" else repr(str(tok))
        if tok.type == "$END":
            line, col = text.count("\n") + 1, len(text) - text.rfind("\n")
            pos = len(text)
        expected = set(exc.expected)
    elif isinstance(exc, UnexpectedCharacters):
        ch = text[pos] if pos < len(text) else ""
        got = repr(ch)
        expected = set(exc.allowed or ())
        if ch == "'":
            got = "PRIMED"
    elif isinstance(exc, UnexpectedEOF):
        got, expected = "the end of the text", set(exc.expected)
    else:  # pragma: no cover
        got, expected = "input", set()
    construct = _construct(text, pos, start)
    fix = _fix(expected, got, construct)
    if got == "PRIMED":
        got = "a prime (')"
    message = (f"unexpected {got} in {construct}"
               + (f"; expected {_readable(expected)}" if expected else "")
               + f"; {fix}")
    return located(PrismSyntaxError, source, line, col, message)


def parse_model_text(text: str, source: str = "<model>") -> ModelAST:
    """The syntax tree of a PRISM model text."""
    return _parse(text, source, "model")


def parse_properties_text(text: str, source: str = "<properties>") -> PropertiesAST:
    """The syntax tree of a PRISM properties text (``.props``/``.prctl`` or one property)."""
    return _parse(text, source, "props")


def parse_expression_text(text: str, source: str = "<expression>") -> Expr:
    """One expression (e.g. a ``--const`` value or a label predicate)."""
    props = _parse(text, source, "props")
    if len(props.properties) != 1 or props.constants or props.labels or props.formulas:
        raise located(PrismSyntaxError, source, 1, 1,
                      f"expected one expression, got {text!r}; write e.g. 16 or 0.5 or x=3")
    return props.properties[0].expr
