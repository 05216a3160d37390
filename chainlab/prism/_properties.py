"""PRISM property queries on an explored model: ``P``, ``R``, ``T``, ``S`` operators, bounded
paths, ``filter(...)``, named properties and property files.

State formulas are evaluated on every state at once: booleans as numpy bool arrays, values as
object arrays of Fractions (exact) or float64 arrays (float). The probabilistic operators use
the core analyses (:mod:`chainlab.exact` / :mod:`chainlab.numeric`: reachability, expected times
and rewards, bounded reachability, absorption and stationary laws). In float mode every value
comes with a certified bound on its error in each state (:mod:`chainlab.prism._bounds`):
from the analyses' certified relative bounds, propagated through the arithmetic of the
property, and computed along the float iterations of ``X``, ``C<=k`` and ``I=k``; comparisons
are decided only where the bounds allow it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from .. import config
from .._chain.values import fmpq_to_fraction
from ..chain import Chain
from ..errors import PrecisionError, SpecError
from ..statespace import StateSpace
from . import _bounds
from ._ast import Expr, PropertiesAST, Property, to_text
from ._build import PrismModel, _columns
from ._errors import PrismModelError, located
from ._eval import Scope, as_rational, broadcast, compile_expr
from ._model import define_constants

__all__ = ["PropertyResult", "Quotient", "evaluate_properties"]

_OPS = ("P", "R", "S", "T", "filter", "ref")

#: exact evaluation lumps the chain by bisimulation (``bisimulation=None``) when one of its
#: strong components has at least this many states: the exact sparse solver fills such a
#: component in. Measured (benchmarks/README.md, "herman"): herman 11 (a component of 924
#: states) 0.20 -> 0.03 s, leader_sync 5-4 (513) 0.015 -> 0.010 s; an attempt that gives up
#: (below) costs 0.005-0.05 s on chains of 601-5,001 states; smaller components solve in
#: hundredths of a second, so there is little to win below this
BISIMULATION_MIN_SCC = 500
#: ... and gives up when the partition still splits after this many rounds (a chain that needs
#: more is long rather than symmetric: gambler's ruin needs n / 2, and its solve is cheap) or
#: when the quotient has more than half the states
BISIMULATION_MAX_ROUNDS = 50


@dataclasses.dataclass(frozen=True)
class Quotient:
    """A bisimulation quotient that an analysis of a property was solved on.

    Attributes
    ----------
    of_states : int
        States of the chain that was lumped.
    states, transitions : int
        Of the quotient (claim LUMP-2: its values are those of the chain).
    rounds : int
        Refinement rounds.
    seconds : float
        Time to compute it.

    Examples
    --------
    >>> from chainlab.check import check
    >>> ring = ("dtmc module r x : [0..3] init 0; [] true -> 0.5 : (x'=mod(x+1,4)) + "
    ...         "0.5 : (x'=mod(x+3,4)); endmodule")
    >>> (r,) = check(ring, "T=? [ F x=2 ]", bisimulation=True)
    >>> r.value, [(q.of_states, q.states, q.rounds) for q in r.quotients]
    (Fraction(4, 1), [(4, 3, 2)])
    """

    of_states: int
    states: int
    transitions: int
    rounds: int
    seconds: float


@dataclasses.dataclass(frozen=True, eq=False)
class _Lumped:
    """What an analysis runs on: the chain itself (``q`` None) or its quotient."""

    chain: Chain
    q: Any = None

    def states(self, idx: np.ndarray) -> np.ndarray:
        """Indices of the chain as indices of ``chain`` (the classes holding them)."""
        return idx if self.q is None else np.unique(self.q.block_of[idx])

    def per_state(self, x: np.ndarray) -> np.ndarray:
        """A vector over the states (constant on classes) as one over ``chain``."""
        return x if self.q is None else x[self.q.representatives]

    def lift(self, x: np.ndarray) -> np.ndarray:
        return x if self.q is None else x[self.q.block_of]


@dataclasses.dataclass(frozen=True, eq=False)
class PropertyResult:
    """The value of one property.

    Attributes
    ----------
    name : str or None
        The property's name (``"name": ...``), if any.
    property : str
        Its text.
    value : Fraction, float, bool or dict
        At the initial state (a filter's single value; ``filter(print, ...)``: a dict from
        state valuations to values). ``inf`` is ``float('inf')``.
    values : ndarray or None
        The value in every state (None for filters).
    exact : bool
    error_bound : float
        Certified relative error bound of ``value`` (0 when exact, and for true/false values,
        which float mode decides only where the error bounds allow); a float value whose
        bound exceeds ``chainlab.config.limits.tolerance`` is refused (PrecisionError).
    errors : ndarray or None
        Float mode: a certified bound on the absolute error of each of ``values``.
    quotients : tuple of Quotient
        The bisimulation quotients its analyses were solved on (empty: on the chain itself).
    symmetry : Symmetry or None
        The rotation of renamed modules the model was explored up to (claim SYM-1; the
        chain's states are its orbits), or ``None``.

    Examples
    --------
    >>> from chainlab.check import check
    >>> (r,) = check("dtmc module c x : bool; [] !x -> 0.25 : (x'=true) + 0.75 : true; "
    ...              "[] x -> true; endmodule", '"t": T=? [ F x ]')
    >>> r.name, r.property, r.value, r.values.tolist()
    ('t', 'T=? [ F x ]', Fraction(4, 1), [Fraction(4, 1), Fraction(0, 1)])
    """

    name: str | None
    property: str
    value: Any
    values: np.ndarray | None
    exact: bool
    error_bound: float = 0.0
    errors: np.ndarray | None = None
    quotients: tuple[Quotient, ...] = ()
    symmetry: Any = None


class _Checker:
    def __init__(self, model: PrismModel, props: PropertiesAST, given: dict, exact: bool,
                 bisimulation: bool | None = None):
        self.model = model
        self.exact = exact
        self.bisimulation = bisimulation
        self._lumps: dict = {}  # (chain, respected keys) -> _Lumped, Quotient
        self._big_scc: dict = {}  # id(chain) -> (chain, largest strong component)
        self.used: list[Quotient] = []  # the quotients of the property being evaluated
        self.chain = model._index_chain
        self.n = model.num_states
        prog = model.program
        self.source = props.source
        consts = define_constants(props.constants, {k: v for k, v in given.items()
                                                   if k not in prog.constants},
                                  props.source, base=prog.constants)
        formulas = dict(prog.formulas)
        for f in props.formulas:
            formulas[f.name] = f.expr
        labels = dict(prog.labels)
        for lab in props.labels:
            if lab.name in labels:
                raise located(PrismModelError, props.source, lab.line, lab.column,
                              f"label \"{lab.name}\" is already a label of the model; rename it")
            labels[lab.name] = lab.expr
        self.scope = Scope(props.source, consts, {v.name: v.type for v in prog.variables},
                           formulas, labels, label_columns=self._builtin_label)
        self.env = _columns(prog, model.explored.valuations)
        self._steps: dict = {}
        # named properties, referred to by later (or earlier) ones as "name"
        self.named: dict[str, Expr] = {}
        for p in props.properties:
            if p.name is None:
                continue
            if p.name in self.named:
                raise located(PrismModelError, props.source, p.line, p.column,
                              f"two properties are named \"{p.name}\"; rename one of them")
            self.named[p.name] = p.expr
        self.named = {k: self._references(v) for k, v in self.named.items()}
        self._named_values: dict[str, tuple[str, Any, Any]] = {}
        self._naming: list[str] = []  # the references being evaluated (to report cycles)

    # ------------------------------------------------------------------ helpers
    def error(self, e: Expr, message: str) -> PrismModelError:
        return located(PrismModelError, self.source, e.line, e.column, message)

    def _references(self, x: Any) -> Any:
        """``x`` with every ``"name"`` of a named property as a ``ref`` node (a quoted name
        that is both a label and a property name is refused: it would be ambiguous)."""
        if isinstance(x, tuple):
            return tuple(self._references(a) for a in x)
        if not isinstance(x, Expr):
            return x
        if x.op == "label" and x.args[0] in self.named:
            name = x.args[0]
            if name in self.scope.labels or name in ("init", "deadlock"):
                raise self.error(x, f"\"{name}\" is both a label and the name of a property, "
                                    "so the reference is ambiguous; rename the property")
            return Expr("ref", (name,), x.line, x.column)
        if not x.args:
            return x
        return x.replace(tuple(self._references(a) for a in x.args))

    def property_state(self, p: Property) -> tuple[str, Any, Any]:
        """``state`` of a property of the file (a named one is evaluated once)."""
        if p.name is not None:
            return self._named(p.name, p.expr)
        return self.state(self._references(p.expr))

    def _named(self, name: str, at: Expr) -> tuple[str, Any, Any]:
        """The value of the property named ``name`` in every state (cached)."""
        cached = self._named_values.get(name)
        if cached is None:
            if name in self._naming:
                cycle = " -> ".join(f'"{k}"' for k in
                                    self._naming[self._naming.index(name):] + [name])
                raise self.error(at, f"property \"{name}\" refers to itself ({cycle}); break "
                                     "the cycle")
            self._naming.append(name)
            try:
                cached = self._named_values[name] = self.state(self.named[name])
            finally:
                self._naming.pop()
        return cached

    def _builtin_label(self, e: Expr):
        from ._eval import Compiled

        if e.op == "label" and e.args[0] in ("init", "deadlock"):
            idx = sorted(self.chain.labels[e.args[0]])
            mask = np.zeros(self.n, bool)
            mask[idx] = True
            return Compiled("bool", fn=lambda env: mask, expr=e)
        if e.op == "label":
            known = ", ".join(f'"{k}"' for k in sorted(set(self.scope.labels) |
                                                        {"init", "deadlock"}))
            names = ", ".join(f'"{k}"' for k in sorted(self.named)) or "none"
            raise self.error(e, f"unknown label \"{e.args[0]}\"; the labels are: {known}; the "
                                f"named properties are: {names}")
        raise _HasOperator()

    def _zeros(self) -> tuple[np.ndarray, np.ndarray | None]:
        if self.exact:
            out = np.empty(self.n, dtype=object)
            out[:] = Fraction(0)
            return out, None
        return np.zeros(self.n), np.zeros(self.n)

    def _infinite(self) -> tuple[np.ndarray, np.ndarray | None]:
        out = np.empty(self.n, dtype=object) if self.exact else np.zeros(self.n)
        out[:] = float("inf")
        return out, None if self.exact else np.zeros(self.n)

    def _num_array(self, v) -> tuple[np.ndarray, np.ndarray | None]:
        """A constant or a column of rationals as values over all states (and, floats, their
        rounding errors)."""
        n = self.n
        if isinstance(v, tuple) or isinstance(v, np.ndarray):
            num, den = as_rational(v)
            num, den = broadcast(num, n), broadcast(den, n)
            fracs = [Fraction(int(a), int(b)) for a, b in zip(num.tolist(), den.tolist())]
        else:
            fracs = [Fraction(v)] * n
        if self.exact:
            out = np.empty(n, dtype=object)
            out[:] = fracs
            return out, None
        return _bounds.rounded(fracs)

    def _floats(self, values: np.ndarray, r: float, exact_at: Any = None
                ) -> tuple[np.ndarray, np.ndarray | None]:
        """An analysis' values with their bounds (its relative bound ``r``; none where the
        value is known exactly, ``exact_at``)."""
        if self.exact:
            return values, None
        err = _bounds.from_relative(values, r)
        if exact_at is not None:
            err[exact_at] = 0.0
        return values, err

    def _state_name(self, i: int) -> str:
        return self._state_text(self.model.chain.states.label_of(int(i)))

    # ------------------------------------------------------------------ state formulas
    def state(self, e: Expr, want: str | None = None) -> tuple[str, Any, Any]:
        """``("bool", mask, None)`` or ``("num", values, errors)`` over all states, or
        ``("scalar", v, error)``; ``errors`` (float mode) bound the absolute error of each
        value, and are None when exact."""
        if not _has_ops(e):
            c = compile_expr(e, self.scope, want=want)
            v = c(self.env)
            if c.type == "bool":
                return "bool", broadcast(v, self.n).astype(bool), None
            return ("num", *self._num_array(v))
        op = e.op
        if op == "ref":
            return self._named(e.args[0], e)
        if op == "P":
            return self._bounded(e, *self._path_prob(e, e.args[2]), e.args[1])
        if op == "R":
            return self._bounded(e, *self._reward(e), e.args[1])
        if op == "T":
            return self._bounded(e, *self._time(e), e.args[0])
        if op == "S":
            return self._bounded(e, *self._steady(e), e.args[0])
        if op == "filter":
            return ("scalar", *self.filter(e))
        if op in ("not", "and", "or", "implies", "iff"):
            vals = [self._bool(a) for a in e.args]
            if op == "not":
                return "bool", ~vals[0], None
            a, b = vals
            return "bool", {"and": a & b, "or": a | b, "implies": ~a | b,
                            "iff": a == b}[op], None
        if op in ("eq", "ne", "lt", "le", "gt", "ge"):
            (a, ea), (b, eb) = self._value(e.args[0]), self._value(e.args[1])
            if ea is None or eb is None:
                f = {"eq": np.equal, "ne": np.not_equal, "lt": np.less, "le": np.less_equal,
                     "gt": np.greater, "ge": np.greater_equal}[op]
                return "bool", np.asarray(f(a, b), dtype=bool), None
            return "bool", self._decide(e, op, a, ea, b, eb), None
        if op in ("add", "sub", "mul", "div", "neg"):
            operands = [self._value(a) for a in e.args]
            if op == "neg":
                v, err = operands[0]
                return "num", -v, err
            (a, ea), (b, eb) = operands
            if op == "div" and np.any(b == 0):
                raise self.error(e, f"division by zero in '{to_text(e)}'")
            if ea is None or eb is None:
                return "num", {"add": np.add, "sub": np.subtract, "mul": np.multiply,
                               "div": np.divide}[op](a, b), None
            return ("num", *_bounds.arith(op, a, ea, b, eb))
        if op == "ite":
            cond = self._bool(e.args[0])
            (ka, va, ea), (kb, vb, eb) = self.state(e.args[1]), self.state(e.args[2])
            if (ka == "bool") != (kb == "bool"):
                raise self.error(e, "the branches of ?: must be both booleans or both numbers")
            err = None if ea is None or eb is None else np.where(cond, ea, eb)
            return ka, np.where(cond, va, vb), err
        raise self.error(e, f"'{to_text(e)}' cannot be evaluated with a probabilistic operator "
                            "inside; simplify the property")

    def _decide(self, e: Expr, op: str, a: Any, ea: Any, b: Any, eb: Any) -> np.ndarray:
        """A float comparison, decided in every state or refused."""
        result, undecided = _bounds.decide(op, a, ea, b, eb)
        if undecided.any():
            i = int(np.flatnonzero(undecided)[0])
            av, bv, aerr, berr = (float(np.broadcast_to(x, (self.n,))[i])
                                  for x in (a, b, ea, eb))
            raise PrecisionError(
                f"{self.source}:{e.line}:{e.column}: in float arithmetic '{to_text(e)}' cannot "
                f"be decided in the state {self._state_name(i)}: {av!r} (within {aerr:.2g}) "
                f"against {bv!r} (within {berr:.2g}); check it exactly (exact=True, "
                "--exact)", error_bound=float(max(aerr, berr)),
                tolerance=config.limits.tolerance)
        return result

    def _bool(self, e: Expr) -> np.ndarray:
        kind, v, _ = self.state(e, "bool")
        if kind == "scalar":
            if not isinstance(v, (bool, np.bool_)):
                raise self.error(e, f"'{to_text(e)}' is a number, but a condition is needed")
            return np.full(self.n, bool(v))
        if kind != "bool":
            raise self.error(e, f"'{to_text(e)}' is a number, but a condition (true/false) is "
                                "needed here; compare it, e.g. P>=0.5 [ ... ] or x>0")
        return v

    def _value(self, e: Expr) -> tuple[np.ndarray, np.ndarray | None]:
        kind, v, err = self.state(e)
        if kind == "bool":
            raise self.error(e, f"'{to_text(e)}' is a condition, but a number is needed here")
        if kind == "scalar":
            if isinstance(v, (bool, dict)):
                raise self.error(e, f"'{to_text(e)}' is not a number")
            if err is not None:  # a float filter value
                return np.full(self.n, float(v)), np.full(self.n, float(err))
            if isinstance(v, float):
                return np.full(self.n, v), None
            return self._num_array(v)
        return v, err

    def _target(self, e: Expr) -> np.ndarray:
        return np.flatnonzero(self._bool(e))

    # ------------------------------------------------------------------ operators
    def _lump(self, chain: Chain, targets: Sequence[np.ndarray] = (),
              rewards: Sequence[np.ndarray] = ()) -> _Lumped:
        """The chain to solve an exact analysis on: ``chain`` or its coarsest bisimulation
        quotient respecting the ``targets`` (index arrays) and ``rewards`` (fmpq per state),
        claim LUMP-2. Automatic (``bisimulation=None``): when a strong component has at least
        BISIMULATION_MIN_SCC states, and only if the quotient has at most half the states."""
        if not self.exact or self.bisimulation is False:
            return _Lumped(chain)
        if self.bisimulation is None and self._largest_scc(chain) < BISIMULATION_MIN_SCC:
            return _Lumped(chain)
        from .._analysis.refine import coarsest, exact_ids, mask_key

        n = chain.num_states
        keys = [mask_key(t, n) for t in targets] + [exact_ids(r) for r in rewards]
        cache_key = (id(chain), tuple(k.tobytes() for k in keys))
        got = self._lumps.get(cache_key)
        if got is None or got[0] is not chain:
            started = time.perf_counter()
            auto = self.bisimulation is None
            q = coarsest(chain, keys, {}, max_blocks=n // 2 if auto else None,
                          max_rounds=BISIMULATION_MAX_ROUNDS if auto else None)
            info = None if q is None else Quotient(
                n, q.num_blocks, q.quotient.num_transitions, q.rounds,
                time.perf_counter() - started)
            got = self._lumps[cache_key] = (chain, _Lumped(chain if q is None else q.quotient,
                                                           q), info)
        if got[2] is not None:
            self.used.append(got[2])
        return got[1]

    def _largest_scc(self, chain: Chain) -> int:
        got = self._big_scc.get(id(chain))
        if got is None or got[0] is not chain:
            from ..structure import _pattern, strong_components

            _, labels = strong_components(_pattern(chain))
            got = self._big_scc[id(chain)] = (chain, int(np.bincount(labels).max()))
        return got[1]

    def _backend(self):
        from .. import exact as ex
        from .. import numeric as nu

        return ex if self.exact else nu

    def _bounded(self, e, values, err, bound) -> tuple[str, Any, Any]:
        if bound is None:
            return "num", values, err
        return "bool", self._compare(e, values, err, bound), None

    def _compare(self, e: Expr, values: np.ndarray, err: np.ndarray | None,
                 bound) -> np.ndarray:
        op, be = bound
        c = compile_expr(be, self.scope, want="double")
        if not c.const:
            raise self.error(be, f"the bound {to_text(be)} must be a constant")
        b = Fraction(c.value)
        if e.op == "P" and not 0 <= b <= 1:
            raise self.error(be, f"the probability bound {b} is outside [0, 1]")
        if err is None:
            f = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less}[op]
            exact_bound: Any = b  # (Fractions compare with Fractions exactly)
            return np.asarray(f(values, exact_bound), dtype=bool)
        ref, eref = _bounds.rounded([b])
        name = {">=": "ge", ">": "gt", "<=": "le", "<": "lt"}[op]
        return self._decide(e, name, values, err, ref[0], eref[0])

    def _steps_of(self, e: Expr, be: Expr, strict: bool) -> int:
        c = compile_expr(be, self.scope, want="int")
        if not c.const:
            raise self.error(be, f"the step bound {to_text(be)} must be a constant integer")
        k = int(c.value) - (1 if strict else 0)
        if k < 0:
            raise self.error(be, f"the step bound {to_text(be)} is negative; give k >= 0")
        return k

    def _path_prob(self, e: Expr, path) -> tuple[np.ndarray, np.ndarray | None]:
        kind = path[0]
        if kind in ("F", "G"):
            _, tb, phi = path[:3]
            if kind == "G":
                inner = self._path_prob(e, ("F", tb, Expr("not", (phi,), phi.line,
                                                          phi.column)))
                return self._complement(*inner)
            return self._until(None, self._target(phi), tb, e)
        if kind in ("U", "W"):
            _, tb, left, right = path[:4]
            a, b = self._bool(left), self._bool(right)
            if kind == "W":  # a W b = not ((a & !b) U (!a & !b))
                return self._complement(*self._until(a & ~b, np.flatnonzero(~a & ~b), tb, e))
            return self._until(a, np.flatnonzero(b), tb, e)
        if kind == "X":
            mask = self._bool(path[2])
            return self._next(mask)
        raise self.error(e, f"path formula {kind} is not supported")  # pragma: no cover

    def _complement(self, values: np.ndarray, err: np.ndarray | None
                    ) -> tuple[np.ndarray, np.ndarray | None]:
        """``1 - p`` (its error is p's plus the rounding: relative to a small 1 - p, large)."""
        if err is None:
            return 1 - values, None
        return _bounds.arith("sub", np.ones(self.n), np.zeros(self.n), values, err)

    def _until(self, allowed: np.ndarray | None, target: np.ndarray, tb, e: Expr
               ) -> tuple[np.ndarray, np.ndarray | None]:
        """P(allowed U target) (allowed None: true), optionally within a step bound."""
        chain = self.chain
        if allowed is not None:
            stop = ~allowed
            stop[target] = False
            if stop.any():
                chain = _absorbing(chain, stop)
        if not len(target):
            return self._zeros()
        back = self._backend()
        if tb is not None:
            k = self._steps_of(e, tb[1], tb[0] == "<")
            lu = self._lump(chain, [target])
            res = back.bounded_reachability(lu.chain, lu.states(target), k)
            return self._floats(lu.lift(res.probabilities[k]), res.error_bound, target)
        if self.exact:
            lu = self._lump(chain, [target])
            return lu.lift(back.hitting(lu.chain, lu.states(target)).probabilities), None
        res = back.hitting(chain, target)
        # reaching the target is certain exactly where the graph says so (as PRISM's and
        # Storm's prob1 precomputation): 1 there, without error
        from .._analysis.plan import hitting_plan

        certain = hitting_plan(chain, target, None, False).certain
        values = res.probabilities.copy()
        values[certain] = 1.0
        return self._floats(values, res.error_bound, certain)

    def _next(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        c = self.chain
        rows = np.repeat(np.arange(self.n), np.diff(c._indptr))
        hit = mask[c._indices]
        out, _ = self._zeros()
        if self.exact:
            vals = c.require_exact()
            sums: dict[int, Any] = {}
            for i, v in zip(rows[hit].tolist(), vals[hit]):
                sums[i] = sums.get(i, 0) + fmpq_to_fraction(v)
            for i, v in sums.items():
                out[i] = v
            return out, None
        # a float sum of correctly rounded entries (the chain's floats)
        from .._linalg.certify import sum_bound

        np.add.at(out, rows[hit], c._float[hit])
        return out, sum_bound(out, np.bincount(rows[hit], minlength=self.n))

    def _reward_struct(self, e: Expr):
        index = e.args[0]
        if isinstance(index, Expr):
            c = compile_expr(index, self.scope, want="int")
            if not c.const:
                raise self.error(index, "a reward structure index must be a constant integer")
            index = int(c.value)
        try:
            return self.model.reward(index)
        except SpecError as exc:
            raise self.error(e, str(exc)) from None

    def _per_step(self, r) -> np.ndarray:
        key = id(r)
        if key not in self._steps:
            self._steps[key] = r.per_step()
        return self._steps[key]

    def _reward(self, e: Expr) -> tuple[np.ndarray, np.ndarray | None]:
        r = self._reward_struct(e)
        path = e.args[2]
        kind = path[0]
        back = self._backend()
        if kind == "F":
            target = self._target(path[2])
            if not len(target):
                return self._infinite()
            rho = self._per_step(r)
            lu = self._lump(self.chain, [target], [rho])
            res = back.expected_reward(lu.chain, lu.states(target),
                                       state_rewards=lu.per_state(rho))
            return self._floats(lu.lift(res.values), res.error_bound)
        if kind == "C":
            k = self._steps_of(e, path[1][1], False)
            if self.exact:
                return self._exactly(self._cumulative(self._per_step(r), k)), None
            rounded = _bounds.rounded(list(self._per_step(r)))
            return self._iterate(*self._zeros(), k, add=rounded)
        if kind == "I":
            k = self._steps_of(e, path[1][1], False)
            state = r.state if r.state is not None else self._fmpq_zeros()
            if self.exact:
                return self._exactly(self._instantaneous(state, k)), None
            return self._iterate(*_bounds.rounded(list(state)), k)
        if kind == "Srew":
            return self._long_run(self._per_step(r))
        if kind == "Ctotal":
            return self._total(self._per_step(r))
        raise self.error(e, f"reward path {kind} is not supported")  # pragma: no cover

    def _iterate(self, x: np.ndarray, ex: Any, k: int, add: Any = None
                 ) -> tuple[np.ndarray, np.ndarray | None]:
        c = self.chain
        return _bounds.iterate(c._indptr, c._indices, c._float, x, ex, k, add)

    def _fmpq_zeros(self, n: int | None = None):
        from flint import fmpq

        out = np.empty(self.n if n is None else n, dtype=object)
        out[:] = fmpq(0)
        return out

    def _exactly(self, values: np.ndarray) -> np.ndarray:
        """Exact fmpq values as Fractions."""
        out = np.empty(len(values), dtype=object)
        out[:] = [fmpq_to_fraction(v) if not isinstance(v, (float, Fraction)) else v
                  for v in values]
        return out

    def _matvec(self, x: np.ndarray, chain: Chain | None = None) -> np.ndarray:
        from .._linalg.sparse import csr_matvec_object

        c = self.chain if chain is None else chain
        return csr_matvec_object(c._indptr, c._indices, c.require_exact(), x)

    def _cumulative(self, rho: np.ndarray, k: int) -> np.ndarray:
        lu = self._lump(self.chain, rewards=[rho])
        rho = lu.per_state(rho)
        x = self._fmpq_zeros(lu.chain.num_states)
        for _ in range(k):
            x = rho + self._matvec(x, lu.chain)
        return lu.lift(x)

    def _instantaneous(self, state: np.ndarray, k: int) -> np.ndarray:
        lu = self._lump(self.chain, rewards=[state])
        x = lu.per_state(state).copy()
        for _ in range(k):
            x = self._matvec(x, lu.chain)
        return lu.lift(x)

    def _long_run(self, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The long-run average of the per-step rewards ``rho`` (fmpq) from every state."""
        if self.exact:
            return self._exactly(self._long_run_exact(rho)), None
        return self._long_run_float(rho)

    def _long_run_float(self, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """In float64: ``v = B g`` with ``g_c = sum_s pi_c(s) rho(s)`` per closed class (the
        stationary laws and absorption probabilities of chainlab.numeric, certified to the
        relative bounds ``r_pi`` and ``r_B``); every term is >= 0, so the bounds add up."""
        from .. import numeric as nu
        from .._linalg.certify import gamma

        st = nu.stationary(self.chain)
        rv, re = _bounds.rounded(list(rho))
        g, eg = np.zeros(len(st.closed_classes)), np.zeros(len(st.closed_classes))
        for c, (C, pi) in enumerate(zip(st.closed_classes, st.distributions)):
            idx = np.asarray(C, dtype=np.int64)
            pi = np.asarray(pi, dtype=np.float64)
            epi = _bounds.from_relative(pi, st.error_bound)
            terms = pi * rv[idx]
            g[c] = terms.sum()
            eg[c] = ((pi * re[idx] + rv[idx] * epi + epi * re[idx]).sum()
                     + gamma(len(idx) + 1) * g[c]) * (1 + 8 * 2.0 ** -53)
        nonzero = np.flatnonzero(g > 0)
        if not len(nonzero):
            return np.zeros(self.n), np.zeros(self.n)
        ab = nu.absorption(self.chain, targets=[(int(c),) for c in nonzero], variance=False)
        B = np.asarray(ab.B, dtype=np.float64)
        rB = ab.error_bound / (1 - ab.error_bound) if ab.error_bound < 1 else float("inf")
        gz, egz = g[nonzero], eg[nonzero]
        values = B @ gz
        with np.errstate(invalid="ignore"):
            err = ((1 + rB) * (B @ egz) + rB * values
                   + gamma(len(nonzero) + 1) * values) * (1 + 8 * 2.0 ** -53)
        err[np.isnan(err)] = np.inf
        return values, err

    def _long_run_exact(self, rho: np.ndarray) -> np.ndarray:
        from .. import exact as ex

        lu = self._lump(self.chain, rewards=[rho])
        rho, chain = lu.per_state(rho), lu.chain
        st = ex.stationary(chain)
        ab = ex.absorption(chain, variance=False)
        per_class = []
        for c, dist in zip(st.closed_classes, st.distributions):
            per_class.append(sum((Fraction(dist[r]) * fmpq_to_fraction(rho[s])
                                  for r, s in enumerate(c)), Fraction(0)))
        out = np.empty(chain.num_states, dtype=object)
        B = ab.B
        assert B is not None  # absorption computes B unless asked not to
        for i in range(chain.num_states):
            row = B[ab.row_of(i)]
            out[i] = sum((Fraction(row[c]) * per_class[c] for c in range(len(per_class))),
                         Fraction(0))
        return lu.lift(out)

    def _steady(self, e: Expr) -> tuple[np.ndarray, np.ndarray | None]:
        mask = self._bool(e.args[1])
        from flint import fmpq

        rho = np.empty(self.n, dtype=object)
        rho[:] = [fmpq(1) if m else fmpq(0) for m in mask.tolist()]
        return self._long_run(rho)

    def _total(self, rho: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        from ..structure import can_reach, classify

        lu = self._lump(self.chain, rewards=[rho])
        rho, chain = lu.per_state(rho), lu.chain
        st = classify(chain)
        bad = [i for c in st.closed_classes if any(rho[s] != 0 for s in c) for i in c]
        closed = np.array(sorted(i for c in st.closed_classes for i in c), dtype=np.int64)
        back = self._backend()
        res = back.expected_reward(chain, closed, state_rewards=rho)
        values = res.values.copy()
        if bad:
            reach = can_reach(chain, np.array(bad, dtype=np.int64))
            values[reach] = float("inf")
        return self._floats(lu.lift(values), res.error_bound)

    def _time(self, e: Expr) -> tuple[np.ndarray, np.ndarray | None]:
        path = e.args[1]
        if path[0] != "F":
            raise self.error(e, "T=? takes an eventually path: T=? [ F target ]")
        target = self._target(path[2])
        if not len(target):
            return self._infinite()
        lu = self._lump(self.chain, [target])
        res = self._backend().hitting(lu.chain, lu.states(target))
        return self._floats(lu.lift(res.expected_times), res.error_bound)

    # ------------------------------------------------------------------ filters
    def filter(self, e: Expr) -> tuple[Any, Any]:
        """The filter's value and (float mode) its error bound: a float, or for ``print`` an
        array over the printed states (None: exact, or a true/false/count value)."""
        kind, prop, states = e.args
        sel = np.ones(self.n, bool) if states is None else self._bool(states)
        idx = np.flatnonzero(sel)
        if not len(idx):
            raise self.error(e, "the filter's states are empty; give a condition that holds "
                                "in some reachable state")
        k, v, err = self.state(prop)
        if k == "scalar":
            v = np.full(self.n, v, dtype=object)
            err = None if err is None else np.full(self.n, float(err))
        vals = v[idx]
        errs = None if err is None else np.asarray(err, dtype=np.float64)[idx]
        if kind in ("forall", "exists"):
            if k != "bool":
                raise self.error(e, f"filter({kind}, ...) needs a condition")
            return (bool(vals.all()) if kind == "forall" else bool(vals.any())), None
        if kind == "count":
            if k != "bool":
                raise self.error(e, "filter(count, ...) needs a condition")
            return int(vals.sum()), None
        if kind == "print":
            labels = self.model.chain.states
            return {self._state_text(labels.label_of(int(i))): _plain(x)
                    for i, x in zip(idx, vals)}, errs
        if kind == "first":
            return _plain(vals[0]), None if errs is None else float(errs[0])
        if k == "bool":
            raise self.error(e, f"filter({kind}, ...) needs numbers, got a condition; use "
                                "forall, exists or count for conditions")
        if kind in ("max", "min"):
            # the max (min) of values each within e_i is within max e_i of the exact one
            pick = max if kind == "max" else min
            return _plain(pick(vals.tolist())), None if errs is None else float(errs.max())
        if kind in ("sum", "avg"):
            total = sum(vals.tolist(), Fraction(0) if self.exact else 0.0)
            terr = None
            if errs is not None:
                from .._linalg.certify import gamma

                terr = float(errs.sum() + gamma(len(vals) + 1) * np.abs(vals).sum()) \
                    * (1 + 8 * 2.0 ** -53) if np.isfinite(float(total)) else 0.0
            if kind == "sum":
                return _plain(total), terr
            avg = total / len(vals) if self.exact and not isinstance(total, float) \
                else total / len(vals)
            return _plain(avg), None if terr is None else (
                (terr / len(vals) + 2.0 ** -53 * abs(avg)) * (1 + 8 * 2.0 ** -53))
        raise self.error(e, f"unknown filter {kind!r}; use one of min, max, avg, sum, count, "
                            "forall, exists, first, print")

    def _state_text(self, label) -> str:
        parts = []
        for name, x in zip(self.model.variables, label):
            parts.append(f"{name}={'true' if x is True else 'false' if x is False else x}")
        return "(" + ",".join(parts) + ")"


class _HasOperator(Exception):
    pass


def _plain(x):
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.floating):
        return float(x)
    return x


def _has_ops(e) -> bool:
    if isinstance(e, Expr):
        if e.op in _OPS or (e.op == "label" and e.args[0] in ("init", "deadlock")):
            return True if e.op in _OPS else False
        return any(_has_ops(a) for a in e.args)
    if isinstance(e, tuple):
        return any(_has_ops(a) for a in e)
    return False


def _absorbing(chain: Chain, stop: np.ndarray) -> Chain:
    """The chain with every state of ``stop`` made absorbing."""
    from flint import fmpq

    n = chain.num_states
    indptr, indices, values = chain._indptr, chain._indices, chain.require_exact()
    counts = np.diff(indptr)
    keep_rows = ~stop
    new_counts = np.where(stop, 1, counts)
    new_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(new_counts, out=new_ptr[1:])
    rows = np.repeat(np.arange(n), counts)
    keep = keep_rows[rows]
    cols = np.empty(new_ptr[-1], dtype=np.int64)
    vals = np.empty(new_ptr[-1], dtype=object)
    floats = np.empty(new_ptr[-1])
    pos_keep = np.repeat(new_ptr[:-1], new_counts) + (
        np.arange(new_ptr[-1]) - np.repeat(new_ptr[:-1], new_counts))
    kept_pos = pos_keep[np.repeat(keep_rows, new_counts)]
    cols[kept_pos] = indices[keep]
    vals[kept_pos] = values[keep]
    floats[kept_pos] = chain._float[keep]
    s = np.flatnonzero(stop)
    cols[new_ptr[s]] = s
    vals[new_ptr[s]] = fmpq(1)
    floats[new_ptr[s]] = 1.0
    return Chain._from_csr_exact(StateSpace.range(n), new_ptr, cols, vals, floats=floats,
                                 initial=chain.initial)


def evaluate_properties(model: PrismModel, props: PropertiesAST, given: dict,
                        *, exact: bool = True, bisimulation: bool | None = None
                        ) -> list[PropertyResult]:
    checker = _Checker(model, props, given, exact, bisimulation)
    out = []
    init = model.initial_states
    for p in props.properties:
        checker.used = []
        kind, values, err = checker.property_state(p)
        if kind == "scalar":
            value, shown, errors = _plain(values), None, None
            value_err = err
            if isinstance(value, dict) and err is not None:
                value_err = err
                shown = np.array(list(value.values()), dtype=np.float64)
        else:
            if len(init) != 1:
                raise located(PrismModelError, props.source, p.line, p.column,
                              f"the model has {len(init)} initial states, so '{p.text}' has "
                              "no single value; wrap it in a filter, e.g. "
                              f"filter(max, {p.text}, \"init\") (or min, avg, forall, print)")
            value, shown, errors = _plain(values[init[0]]), None, err
            value_err = None if err is None else err[init[0]]
        bound = 0.0
        if value_err is not None:
            bound = _bounds.relative(shown if shown is not None else value, value_err)
            tol = config.limits.tolerance
            if bound > tol:
                reached = ("could not be certified at all" if bound == float("inf") else
                           f"is certified only to a relative error of {bound:.2g}")
                raise PrecisionError(
                    f"{props.source}:{p.line}:{p.column}: the float64 value of '{p.text}' "
                    f"{reached}, above the tolerance {tol:g}; check it exactly (exact=True, "
                    "--exact), or accept the bound with chainlab.config.override("
                    "tolerance=...)", error_bound=bound, tolerance=tol)
        out.append(PropertyResult(p.name, p.text, value, None if kind == "scalar" else values,
                                  exact, bound, errors, tuple(checker.used),
                                  model.symmetry))
    return out
