"""Build a :class:`PrismModel` (chain, labels, rewards, valuations) from PRISM text."""

from __future__ import annotations

import dataclasses
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from flint import fmpq

from ..chain import Chain
from ..errors import FileFormatError, SpecError
from ..statespace import StateSpace
from ._errors import PrismModelError
from ._eval import broadcast, compile_expr
from ._explore import Explored, _fmpq_values, _pair, explore
from ._model import Program, parse_constants, resolve
from ._parse import parse_model_text

__all__ = ["PrismModel", "Rewards", "read_model", "parse_model", "program_from_text"]


@dataclasses.dataclass(frozen=True, eq=False)
class Rewards:
    """One reward structure over the states of the chain (python-flint ``fmpq`` arrays).

    ``state[i]`` is earned in each step spent in state ``i``; ``transition[i]`` is the expected
    transition reward of one step from ``i`` (the ``[action] guard : value`` items, each choice
    weighted by its probability ``1/k``); ``None`` when the structure has no such items (a
    structure with no items at all has zero state rewards).

    Examples
    --------
    >>> m = parse_model("dtmc module c x : [0..1]; [go] x=0 -> (x'=1); [go] x=1 -> true; "
    ...                 'endmodule rewards "r" x=1 : 2; [go] x=0 : 3; endrewards')
    >>> r = m.reward("r")
    >>> r.state.tolist(), r.transition.tolist(), r.per_step().tolist()
    ([0, 2], [3, 0], [3, 2])
    """

    name: str | None
    state: np.ndarray | None
    transition: np.ndarray | None

    def per_step(self) -> np.ndarray:
        """``state + transition``: the expected reward of one step from each state (fmpq)."""
        parts = [x for x in (self.state, self.transition) if x is not None]
        out = np.empty(len(parts[0]), dtype=object)  # build gives every structure one part
        out[:] = fmpq(0)
        if self.state is not None:
            out = out + self.state
        if self.transition is not None:
            out = out + self.transition
        return out


@dataclasses.dataclass(frozen=True, eq=False)
class PrismModel:
    """A PRISM DTMC explored into an exact chain.

    Attributes
    ----------
    chain : Chain
        States are the variable valuations (tuples in :attr:`variables` order, as in a PRISM
        ``.sta`` file), in breadth-first order from the initial states (index 0 onwards);
        labels are the model's labels plus ``init`` and ``deadlock``; the initial distribution
        is uniform over the initial states.
    variables : tuple of str
    rewards : tuple of Rewards
        In declaration order (``R{"name"}`` selects by name, ``R{1}`` by position).
    constants : dict
        Every constant of the model with its value.
    source : str
    seconds : float
        Time to explore the states and build the chain (parsing excluded).

    Examples
    --------
    >>> m = parse_model("dtmc module c x : [0..2] init 0; [] x<2 -> 1/3 : (x'=x+1) + "
    ...                 "2/3 : true; [] x=2 -> true; endmodule")
    >>> m.num_states, m.variables, m.valuation(2), m.initial_states
    (3, ('x',), {'x': 2}, (0,))
    >>> m.chain.probability((0,), (1,))
    Fraction(1, 3)
    """

    chain: Chain
    variables: tuple[str, ...]
    rewards: tuple[Rewards, ...]
    constants: dict[str, Any]
    source: str
    seconds: float
    program: Program = dataclasses.field(repr=False)
    explored: Explored = dataclasses.field(repr=False)

    @property
    def num_states(self) -> int:
        return self.chain.num_states

    @property
    def num_transitions(self) -> int:
        return self.chain.num_transitions

    @property
    def symmetry(self):
        """The symmetry the states were reduced by (claim SYM-1), or ``None``: then each
        state of :attr:`chain` is an orbit of that symmetry."""
        return self.explored.symmetry

    @property
    def initial_states(self) -> tuple[int, ...]:
        return tuple(self.explored.initial.tolist())

    def valuation(self, state: int) -> dict[str, int | bool]:
        """``{variable: value}`` of the state with index ``state``."""
        row = self.explored.valuations[state]
        return {v.name: (bool(x) if v.type == "bool" else int(x))
                for v, x in zip(self.program.variables, row.tolist())}

    def reward(self, key: str | int | None = None) -> Rewards:
        """The reward structure named ``key``, or number ``key`` (1-based, as ``R{1}``), or the
        first one (``None``)."""
        if not self.rewards:
            raise SpecError(f"{self.source} has no reward structure; add rewards \"name\" ... "
                            "endrewards to the model")
        if key is None:
            return self.rewards[0]
        if isinstance(key, int) and not isinstance(key, bool):
            if not 1 <= key <= len(self.rewards):
                raise SpecError(f"reward structure number {key} does not exist; the model has "
                                f"{len(self.rewards)} (numbered from 1)")
            return self.rewards[key - 1]
        for r in self.rewards:
            if r.name == key:
                return r
        names = ", ".join(f'"{r.name}"' for r in self.rewards if r.name is not None) or "none"
        raise SpecError(f"no reward structure named \"{key}\"; the model has: {names}")

    def __repr__(self) -> str:
        return (f"PrismModel({Path(self.source).name}: {self.num_states:,} states, "
                f"{self.num_transitions:,} transitions, {len(self.rewards)} reward "
                f"structure(s), {self.seconds:.3f} s)")

    # the chain with index states, used by the property checker (targets as index arrays)
    @property
    def _index_chain(self) -> Chain:
        c = self.__dict__.get("_ic")
        if c is None:
            ch = self.chain
            c = Chain._from_csr_exact(StateSpace.range(ch.num_states), ch._indptr,
                                      ch._indices, ch.require_exact(), floats=ch._float,
                                      labels=dict(ch.labels), initial=ch.initial)
            object.__setattr__(self, "_ic", c)
        return c


def program_from_text(text: str, source: str, constants: Any = None,
                      allow_unused: set[str] | None = None) -> Program:
    ast = parse_model_text(text, source)
    return resolve(ast, parse_constants(constants), text=text, allow_unused=allow_unused)


def _columns(program: Program, valuations: np.ndarray) -> dict[str, np.ndarray]:
    env = {}
    for k, v in enumerate(program.variables):
        col = valuations[:, k]
        env[v.name] = col.astype(bool) if v.type == "bool" else col
    return env


def build(program: Program, *, max_states: int | None = None,
          progress: bool = False, symmetry: Any = None) -> PrismModel:
    """Explore ``program`` into a :class:`PrismModel`; with a verified ``symmetry``
    (:func:`chainlab.prism._symmetry.find_symmetry`) the states are its orbits (claim SYM-1):
    each orbit is one state, shown by its least member, the initial distribution weighs each
    initial orbit by the initial states it holds."""
    started = time.perf_counter()
    ex = explore(program, max_states=max_states, progress=progress, symmetry=symmetry)
    n = ex.num_states
    env = _columns(program, ex.valuations)
    labels: dict[str, frozenset[int]] = {}
    for name in program.labels:
        from ._ast import Expr

        c = compile_expr(Expr("label", (name,)), program.scope, want="bool")
        labels[name] = frozenset(np.flatnonzero(broadcast(c(env), n)).tolist())
    labels["init"] = frozenset(ex.initial.tolist())
    labels["deadlock"] = frozenset(ex.deadlocks.tolist())
    rewards = []
    for rname, items in program.rewards:
        state_items = [it for it in items if not it.transition]
        state = None
        if state_items or not items:  # an empty structure: zero state rewards
            an, ad = np.zeros(n, np.int64), np.ones(n, np.int64)
            from ._eval import _radd

            for it in state_items:
                g = broadcast(it.guard(env), n)
                vn, vd = _pair(it.value(env), n)
                s = _radd((an, ad), (np.where(g, vn, 0), np.where(g, vd, 1)))
                an, ad = _pair(s, n)
            neg = an < 0
            if neg.any():
                i = int(np.flatnonzero(neg)[0])
                shown = f'"{rname}"' if rname else "(unnamed)"
                raise PrismModelError(
                    f"{program.source}: reward structure {shown} gives the negative state "
                    f"reward {Fraction(int(an[i]), int(ad[i]))} in state "
                    f"{_valuation_text(program, ex.valuations[i])}; rewards must be >= 0")
            state, _f = _fmpq_values([np.asarray(an)], [np.asarray(ad)])
        trans = ex.transition_rewards.get(rname) if any(it.transition for it in items) else None
        if trans is not None and rname in ex.negative_transition_rewards:
            raise PrismModelError(
                f"{program.source}: reward structure {rname or '(unnamed)'} has a negative "
                "transition reward; rewards must be >= 0")
        rewards.append(Rewards(rname, state, trans))
    # the tuple labels are made when first asked for (checking a property needs none)
    states = StateSpace._deferred(n, lambda: _state_labels(program, ex.valuations))
    if ex.initial_weights is None:
        initial = {int(i): Fraction(1, len(ex.initial)) for i in ex.initial}
    else:
        total = int(ex.initial_weights.sum())
        initial = {int(i): Fraction(int(w), total)
                   for i, w in zip(ex.initial, ex.initial_weights)}
    chain = Chain._from_csr_exact(states, ex.indptr, ex.indices, ex.values,
                                  floats=ex.floats, labels=labels, initial=initial)
    consts = {k: v for k, (t, v) in program.constants.items()}
    return PrismModel(chain, tuple(v.name for v in program.variables), tuple(rewards), consts,
                      program.source, time.perf_counter() - started, program, ex)


def _valuation_text(program: Program, row) -> str:
    return "(" + ", ".join(f"{v.name}={bool(x) if v.type == 'bool' else int(x)}".replace(
        "True", "true").replace("False", "false")
        for v, x in zip(program.variables, row.tolist())) + ")"


def _state_labels(program: Program, valuations: np.ndarray) -> list[tuple]:
    cols = []
    for k, v in enumerate(program.variables):
        col = valuations[:, k].tolist()
        cols.append([bool(x) for x in col] if v.type == "bool" else col)
    return list(zip(*cols)) if cols else [()] * len(valuations)


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise FileFormatError(f"{path}: no such file; give a PRISM model (.prism or .pm)")
    try:
        return path.read_text()
    except UnicodeDecodeError as exc:
        raise FileFormatError(f"{path}: not a text file ({exc.reason}); give a PRISM model "
                              "in UTF-8") from None


def read_model(path: Any, *, constants: Any = None, max_states: int | None = None,
               progress: bool = False) -> PrismModel:
    """Read a PRISM DTMC file (``.prism``/``.pm``) and explore it into an exact chain.

    Parameters
    ----------
    path : path-like
    constants : str or dict, optional
        Values of the undefined constants: ``"N=16,MAX=2"`` or ``{"N": 16, "p": "0.1"}``
        (numbers are read exactly). Missing ones, and ones the model does not declare, are
        errors.
    max_states : int, optional
        Refuse beyond this many reachable states (default ``chainlab.config.limits.max_states``).
    progress : bool, default False
        A progress line on stderr while exploring.

    Returns
    -------
    PrismModel

    Raises
    ------
    FileFormatError
        A syntax error (``file:line:column``, the construct, the fix).
    SpecError
        A model that does not make sense (unknown name, type error, missing constant, a value
        out of its variable's range, ...), with its position.
    NotStochasticError
        Update probabilities that do not sum to 1 in a reachable state (named by its
        valuation).
    StateSpaceLimitError
        More than ``max_states`` reachable states.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "coin.pm"
    >>> _ = path.write_text("dtmc const double p; module coin x : [0..1] init 0; "
    ...                     "[] x=0 -> p : (x'=1) + 1-p : true; [] x=1 -> true; endmodule")
    >>> read_model(path, constants="p=0.1").chain.probability((0,), (1,))
    Fraction(1, 10)
    >>> read_model(path)
    Traceback (most recent call last):
    ...
    chainlab.prism._errors.PrismModelError: ...coin.pm:1:6: undefined constant p: give it a value with --const p=... (constants={...} in Python)
    """
    p = Path(path)
    text = _read_text(p)
    return build(program_from_text(text, str(p), constants), max_states=max_states,
                 progress=progress)


def parse_model(text: str, *, constants: Any = None, max_states: int | None = None,
                progress: bool = False, source: str = "<model>") -> PrismModel:
    """:func:`read_model` for PRISM text given as a string.

    Examples
    --------
    >>> parse_model("dtmc module m x : [0..1]; [] x=0 -> (x'=1); [] x=1 -> true; endmodule")
    PrismModel(<model>: 2 states, 2 transitions, 0 reward structure(s), ... s)
    """
    if not isinstance(text, str):
        raise SpecError(f"text must be a string of PRISM code, got {type(text).__name__}")
    return build(program_from_text(text, source, constants), max_states=max_states,
                 progress=progress)
