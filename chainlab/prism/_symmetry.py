"""Rotation symmetry of PRISM programs built from renamed modules, and the orbit quotient.

A ring of identical processes is written in PRISM as one module and its renamings
(``module process2 = process1 [x1=x2, x17=x1] endmodule``). Shifting every renamed copy onto
the next one -- process1 -> process2 -> ... -> process17 -> process1, variable by variable --
is a permutation ``pi`` of the variables. When ``pi`` maps the program onto itself (claim
SYM-1 in ``proofs/symmetry.md``), it maps the chain onto itself: ``P(pi s, pi t) = P(s, t)``,
labels, rewards and initial states are preserved, so the orbits of the cyclic group generated
by ``pi`` are an exact (ordinary) lumping: every value of every state equals that of its orbit,
and the chain on orbits (``P(O, O') = sum of P(s, t) over t in O'`` for any ``s`` in ``O``) can
be explored directly, from one representative per orbit -- the member with the least code --
without ever building the full chain.

"Maps the program onto itself" is checked *syntactically* on the resolved syntax (formulas
expanded): every command of every module, renamed by ``pi``, must be a command of the image
module (commutative operators ``+ * & | <=> = !=`` compared up to the order of their operands,
``>``/``>=`` as ``<``/``<=``), and every label, reward item, the initial condition and every
state expression of the properties must be unchanged. The check can only say "not symmetric"
wrongly, never "symmetric": a program it accepts is symmetric (SYM-1).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from typing import Any

import numpy as np

from ._ast import Expr, Module, PropertiesAST, Renamed
from ._model import Program, _expand, _rename_expr

__all__ = ["Symmetry", "find_symmetry", "OrbitCanon", "ALLOWED_FILTERS"]

# filters whose value over a set of states is the same over one representative per orbit
ALLOWED_FILTERS = frozenset({"min", "max", "forall", "exists"})

# associative and commutative (flattened, operands sorted); symmetric binary
_AC = frozenset({"add", "mul", "and", "or"})
_SYM = frozenset({"eq", "ne", "iff"})
_PROPERTY_OPS = frozenset({"P", "R", "S", "T", "filter", "ref"})


@dataclasses.dataclass(frozen=True)
class Symmetry:
    """A verified rotation of renamed modules (claim SYM-1).

    Attributes
    ----------
    modules : tuple of str
        The rotated modules in cycle order: each is mapped onto the next, the last onto the
        first.
    order : int
        Size of the group (the number of rotations, the identity included).
    perm : tuple of int
        Variable ``k`` (program order) is mapped to variable ``perm[k]``.

    Examples
    --------
    >>> from chainlab.check import check
    >>> ring = ("dtmc module p1 x1 : [0..1] init 0; [s] x1=x3 -> 0.5 : (x1'=0) + "
    ...         "0.5 : (x1'=1); [s] x1!=x3 -> (x1'=x3); endmodule "
    ...         "module p2 = p1 [ x1=x2, x3=x1 ] endmodule "
    ...         "module p3 = p1 [ x1=x3, x3=x2 ] endmodule "
    ...         'label "one" = x1+x2+x3=1;')
    >>> (r,) = check(ring, 'filter(max, P=? [ F<=2 "one" ], "init")', symmetry=True)
    >>> r.value, r.symmetry.modules, r.symmetry.order, r.symmetry.perm
    (Fraction(21, 32), ('p1', 'p2', 'p3'), 3, (1, 2, 0))
    """

    modules: tuple[str, ...]
    order: int
    perm: tuple[int, ...]

    def describe(self) -> str:
        ms = self.modules
        shown = ", ".join(ms) if len(ms) <= 4 else f"{ms[0]}, {ms[1]}, ..., {ms[-1]}"
        return f"rotation of the {len(ms)} modules {shown} ({self.order} rotations)"


# ---------------------------------------------------------------------- syntax keys
def _key(e: Any) -> str:
    """A canonical text of an expression: equal keys mean equal functions of the state."""
    if not isinstance(e, Expr):
        return repr(e)
    op, a = e.op, e.args
    if op in ("int", "num", "bool"):
        v = a[0]
        if op == "num":
            from fractions import Fraction

            v = Fraction(v)
        return f"{op}:{v}"
    if op in ("ident", "label"):
        return f"{op}:{a[0]}"
    if op in _AC:
        parts: list[str] = []
        stack = [e]
        while stack:
            x = stack.pop()
            if isinstance(x, Expr) and x.op == op:
                stack.extend(x.args)
            else:
                parts.append(_key(x))
        return f"{op}(" + ",".join(sorted(parts)) + ")"
    if op in _SYM:
        return f"{op}(" + ",".join(sorted(_key(x) for x in a)) + ")"
    if op == "gt":
        return f"lt({_key(a[1])},{_key(a[0])})"
    if op == "ge":
        return f"le({_key(a[1])},{_key(a[0])})"
    return f"{op}(" + ",".join(_key(x) for x in a) + ")"


def _command_key(c, mapping: dict[str, str], expand) -> str:
    ups = []
    for u in c.updates:
        prob = "int:1" if u.probability is None else _key(
            _rename_expr(expand(u.probability), mapping))
        assigns = sorted(f"{mapping.get(x, x)}'={_key(_rename_expr(expand(v), mapping))}"
                         for x, v, _l, _c in u.assignments)
        ups.append(prob + "->" + "&".join(assigns))
    return (f"[{c.action or ''}]{_key(_rename_expr(expand(c.guard), mapping))}->"
            + "+".join(sorted(ups)))


# ---------------------------------------------------------------------- candidates
def _families(program: Program) -> list[list[tuple[str, dict[str, str]]]]:
    """Modules that are renamings of one base module (the base first, in declaration order):
    ``[(module name, {base variable: its variable}), ...]`` per family of at least two."""
    ast = program.ast
    if ast is None:
        return []
    bases: dict[str, Module] = {m.name: m for m in ast.modules if isinstance(m, Module)}
    fams: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for m in ast.modules:
        if isinstance(m, Renamed) and m.base in bases:
            base = bases[m.base]
            mapping = {old: new for old, new, _l, _c in m.mapping}
            own = {v.name: mapping[v.name] for v in base.variables if v.name in mapping}
            if not own:
                continue
            fams.setdefault(m.base, [(m.base, {v.name: v.name for v in base.variables})])
            fams[m.base].append((m.name, own))
    return [f for f in fams.values() if len(f) >= 2]


def _shift(family: list[tuple[str, dict[str, str]]]) -> dict[str, str]:
    """Variable renaming of the shift module j -> module j+1 (cyclically)."""
    out = {}
    n = len(family)
    for j, (_name, own) in enumerate(family):
        nxt = family[(j + 1) % n][1]
        for base_var, var in own.items():
            if base_var not in nxt:
                return {}
            out[var] = nxt[base_var]
    return out


def _state_exprs(e: Any, out: list[Expr], filters: list[str]) -> None:
    """The state expressions of a property (the parts without P, R, S, T, filter), and the
    kinds of its filters."""
    if isinstance(e, tuple):
        for x in e:
            _state_exprs(x, out, filters)
        return
    if not isinstance(e, Expr):
        return
    if e.op == "filter":
        filters.append(str(e.args[0]))
    if e.op in _PROPERTY_OPS or _has_ops(e):
        for x in e.args:
            _state_exprs(x, out, filters)
    else:
        out.append(e)


def _nodes(e: Any):
    """Every expression node inside ``e`` (an expression or nested tuples of them)."""
    stack: list[Any] = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, tuple):
            stack.extend(x)
        elif isinstance(x, Expr):
            yield x
            stack.extend(x.args)


def _has_ops(e: Expr) -> bool:
    return any(x.op in _PROPERTY_OPS for x in _nodes(e))


# ---------------------------------------------------------------------- verification
def _verify(program: Program, mapping: dict[str, str], extra: list[Expr]) -> bool:
    ast = program.ast
    assert ast is not None
    source = program.source
    formulas = program.formulas

    def expand(e):
        return _expand(e, formulas, source)

    vinfo = {v.name: v for v in program.variables}
    if set(mapping) != set(mapping.values()) or not set(mapping) <= set(vinfo):
        return False
    for x, y in mapping.items():
        a, b = vinfo[x], vinfo[y]
        if (a.type, a.low, a.high, a.init) != (b.type, b.low, b.high, b.init):
            return False
        if a.module is None or b.module is None:  # globals stay where they are
            return False
    # the module each module is mapped onto (through its own variables)
    owner = {v.name: v.module for v in program.variables}
    by_name = {m.name: m for m in program.module_asts}
    for m in program.module_asts:
        own = [v.name for v in m.variables]
        targets = {owner[mapping.get(v, v)] for v in own}
        if len(targets) > 1 or None in targets:
            return False
        target = targets.pop() if targets else None
        image = m if target is None else by_name[target]
        if sorted(mapping.get(v, v) for v in own) != sorted(v.name for v in image.variables):
            return False
        mine = Counter(_command_key(c, mapping, expand) for c in m.commands)
        theirs = Counter(_command_key(c, {}, expand) for c in image.commands)
        if mine != theirs:
            return False

    def invariant(e: Expr | None) -> bool:
        if e is None:
            return True
        x = expand(e)
        return _key(_rename_expr(x, mapping)) == _key(x)

    if not all(invariant(lab.expr) for lab in ast.labels):
        return False
    for r in ast.rewards:
        def item(it, mp):
            return (f"{it.transition}[{it.action or ''}]"
                    f"{_key(_rename_expr(expand(it.guard), mp))}:"
                    f"{_key(_rename_expr(expand(it.value), mp))}")
        if Counter(item(it, mapping) for it in r.items) != Counter(item(it, {}) for it in
                                                                    r.items):
            return False
    return invariant(ast.init) and all(invariant(e) for e in extra)


def find_symmetry(program: Program, props: PropertiesAST | None = None) -> Symmetry | None:
    """A rotation of renamed modules that maps ``program`` (and the state expressions of
    ``props``) onto itself, or ``None``. Properties with a filter other than min, max, forall,
    exists (whose value over a set of states needs the states themselves), or a property
    that is not a filter (its value is reported for every state), rule symmetry out."""
    families = _families(program)
    if not families:
        return None
    extra: list[Expr] = []
    if props is not None:
        pforms = {f.name: f.expr for f in props.formulas}
        plabels = {lab.name: lab.expr for lab in props.labels}
        for p in props.properties:
            if not (isinstance(p.expr, Expr) and p.expr.op == "filter"):
                return None
            found: list[Expr] = []
            kinds: list[str] = []
            _state_exprs(p.expr, found, kinds)
            if not set(kinds) <= ALLOWED_FILTERS:
                return None
            for e in found:
                e = _expand(e, pforms, props.source)
                extra.append(e)
                for name in _labels_in(e):
                    if name in plabels:
                        extra.append(_expand(plabels[name], pforms, props.source))
    index = {v.name: k for k, v in enumerate(program.variables)}
    candidates: list[tuple[list[str], dict[str, str]]] = []
    sizes = sorted({len(f) for f in families}, reverse=True)
    for size in sizes:
        same = [f for f in families if len(f) == size]
        if len(same) > 1:  # all families of this size shifted together
            joined: dict[str, str] = {}
            for f in same:
                joined.update(_shift(f))
            candidates.append(([name for name, _ in same[0]], joined))
        for f in same:
            candidates.append(([name for name, _ in f], _shift(f)))
    for modules, mapping in candidates:
        if mapping and _verify(program, mapping, extra):
            perm = tuple(index[mapping.get(v.name, v.name)] for v in program.variables)
            return Symmetry(tuple(modules), _order(perm), perm)
    return None


def _labels_in(e: Expr) -> set[str]:
    return {x.args[0] for x in _nodes(e) if x.op == "label"}


def _order(perm: tuple[int, ...]) -> int:
    from math import lcm

    seen = [False] * len(perm)
    out = 1
    for k in range(len(perm)):
        if not seen[k]:
            n, j = 0, k
            while not seen[j]:
                seen[j] = True
                j = perm[j]
                n += 1
            out = lcm(out, n)
    return out


# ---------------------------------------------------------------------- canonical codes
class OrbitCanon:
    """Least code of the orbit of each state code (single-word mixed-radix codes).

    The images of a code under the ``order`` powers of ``perm`` are the digits of the moved
    variables times the strides of their images: one float64 matrix product per chunk,
    exact because every code is below 2^53 (the caller checks).
    """

    _CHUNK = 1 << 19

    def __init__(self, sym: Symmetry, strides: np.ndarray, sizes: np.ndarray) -> None:
        perm = np.asarray(sym.perm, dtype=np.int64)
        moved = np.flatnonzero(perm != np.arange(len(perm)))
        self.moved = moved
        self.strides = strides[moved]
        self.sizes = sizes[moved]
        g = np.arange(len(perm), dtype=np.int64)
        cols = []
        for _ in range(sym.order):
            cols.append(strides[g[moved]])
            g = perm[g]
        self.weights = np.array(cols, dtype=np.float64).T  # (moved, order)

    def _images(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        digits = (codes[:, None] // self.strides) % self.sizes
        rest = codes - (digits * self.strides).sum(axis=1)
        return rest, digits.astype(np.float64) @ self.weights

    def canon(self, codes: np.ndarray) -> np.ndarray:
        """``codes`` (1-D int64) replaced by the least code of their orbits."""
        out = np.empty_like(codes)
        for s in range(0, len(codes), self._CHUNK):
            part = codes[s:s + self._CHUNK]
            rest, img = self._images(part)
            out[s:s + self._CHUNK] = rest + img.min(axis=1).astype(np.int64)
        return out

    def orbit_sizes(self, codes: np.ndarray) -> np.ndarray:
        """Number of distinct states in the orbit of each code."""
        out = np.empty(len(codes), dtype=np.int64)
        for s in range(0, len(codes), self._CHUNK):
            _rest, img = self._images(codes[s:s + self._CHUNK])
            img.sort(axis=1)
            out[s:s + self._CHUNK] = 1 + (np.diff(img, axis=1) != 0).sum(axis=1)
        return out


# below this many valuations (the product of the variables' ranges) the chain is built as it
# is: exploring it is quick, and its states are then the model's own
SYMMETRY_MIN_VALUATIONS = 1 << 15


def choose(program: Program, props: PropertiesAST, symmetry: bool | None) -> Symmetry | None:
    """The symmetry to explore ``program`` with for checking ``props``: ``False`` none;
    ``True`` the one :func:`find_symmetry` verifies (an error if there is none); ``None``
    that one when the variables have at least ``SYMMETRY_MIN_VALUATIONS`` valuations."""
    from ..errors import SpecError

    if symmetry is False:
        return None
    space = 1
    for v in program.variables:
        space *= v.high - v.low + 1
    if symmetry is None and space < SYMMETRY_MIN_VALUATIONS:
        return None
    found = find_symmetry(program, props)
    if found is None:
        if symmetry:
            raise SpecError(
                f"symmetry=True, but no rotation of renamed modules maps {program.source} and "
                "its properties onto themselves (each renamed copy onto the next: commands, "
                "labels, rewards, the initial states and every state expression of the "
                "properties unchanged; every property a filter of min, max, forall or "
                "exists); leave symmetry=None (automatic) or False")
        return None
    if space >= 1 << 53:  # the orbit codes are computed exactly in float64
        if symmetry:
            raise SpecError(
                f"symmetry=True, but the variables of {program.source} have {space:.3g} "
                "valuations, more than the 2^53 the orbit codes handle; leave symmetry=None")
        return None
    return found
