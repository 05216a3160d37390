r"""Compile an :class:`~chainlab.models.base.AgentModel` into an explicit exact :class:`Chain`.

Breadth-first exploration of the reachable joint states from the model's initial state; states
are indexed in discovery order. Each round's joint successor law is the product of the agents'
independent laws:

* **unlumped**: the joint state is the tuple of agent states in agent order, and the successor
  law is the product over agents;
* **lumped** (exchangeable agents, claim LUMP-1): the joint state is the *multiset* of agent
  states (a sorted tuple). Agents of one type (same state) have one common law ``D``; ``c`` of
  them move to a multiset with the multinomial law ``c! / prod a_v! * prod D(v)^{a_v}``, and the
  types are combined by convolution -- never an enumeration of agent orderings.

Implementation (all exact)
--------------------------
* Agent states are interned as small ints. A lumped joint state is its *count vector* packed into
  one Python int (a 4-bit digit per agent state when ``n < 16``, else 8-, 16- or 32-bit digits),
  so the union of two multisets is the sum of their codes and a convolution needs no sorting; an
  unlumped joint state packs one 32-bit field per agent.
* Every agent law is turned once into integers over a common denominator, ``(d, {v: m_v})`` with
  ``sum_v m_v = d`` -- this is where it is checked to be an exact probability law (validation at
  the model boundary). Convolutions then multiply and add Python ints only; each row has one
  denominator, and an ``fmpq`` (and its correctly rounded float) is made once per distinct
  ``(numerator, denominator)`` pair, at the end.
* Laws are memoized: by the model's :meth:`~chainlab.models.base.AgentModel.law_keys` when it
  provides them (agents with equal keys have equal laws, in any joint state), and by value;
  multinomial tables are memoized per ``(law, c)``. A model may hand over its laws already in
  integer form (:meth:`~chainlab.models.base.AgentModel.integer_distribution`).
* The per-transition work -- convolving a state's tables, looking its successors up in the
  index of known states, interning the ``(numerator, denominator)`` pairs, storing the CSR row
  -- runs in C (``chainlab._compile._ckernel``, built by ``setup.py`` where a C compiler exists) on codes
  of 64-bit words and ``uint64`` numerators; Python keeps everything model-specific (laws, memo
  keys, validation). Without the kernel, or when a row's denominator needs more than 64 bits,
  the same exploration runs in pure Python with Python ints (rows buffered and appended to the
  CSR arrays in bulk). Both number the states alike -- breadth-first, the new successors of a
  row in increasing code order -- and give identical chains (tested); the kernel is 2-2.5x
  faster on the GMM chains (``benchmarks/bench_compile.py``). The cyclic garbage collector is
  paused during a compilation (it only finds acyclic garbage here) and restored on any exit.
* The compiler refuses with :class:`~chainlab.errors.StateSpaceLimitError` as soon as more than
  ``max_states`` states are discovered, with an estimate of the total. An interrupt
  (``KeyboardInterrupt``) discards the partial exploration; model caches only ever receive
  complete entries, so a later compilation is unaffected.

Examples
--------
>>> from fractions import Fraction
>>> from chainlab.models.base import AgentModel
>>> class Voter(AgentModel):
...     num_agents = 3
...     exchangeable = True
...     def initial_agents(self):
...         return (0, 0, 1)
...     def agent_distribution(self, agents, i):
...         others = agents[:i] + agents[i + 1:]
...         return {s: Fraction(others.count(s), len(others)) for s in set(others)}
>>> cc = compile_model(Voter())
>>> cc.chain.num_states, cc.chain.states.labels
(4, ((0, 0, 1), (0, 0, 0), (0, 1, 1), (1, 1, 1)))
>>> cc.chain.probability((0, 0, 1), (0, 1, 1))
Fraction(1, 4)
>>> compile_model(Voter(), lumped=False).chain.num_states
8
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import math
import struct
import time
from array import array
from collections.abc import Hashable, Iterator
from typing import Any

import numpy as np
from flint import fmpq

from .. import config
from .._chain.values import fmpq_to_fraction, to_fmpq
from .._progress import Progress
from ..chain import Chain
from ..errors import NotStochasticError, SpecError, StateSpaceLimitError
from ..models.base import AgentModel
from ..statespace import StateSpace

try:  # the per-transition loops in C (setup.py builds it when a C compiler is present)
    from . import _ckernel  # type: ignore[attr-defined]  # (a C extension: no stub)
except ImportError:  # pragma: no cover - exercised by tests that set it to None
    _ckernel = None

__all__ = ["CompiledChain", "compile_model"]

_ONE = fmpq(1)
_UNLUMPED_BITS = 32  # field width of one agent in an unlumped code (agent-state index < 2**32)
_HEX = {ch: i for i, ch in enumerate("0123456789abcdef")}
_CHUNK = 2048  # rows buffered between bulk conversions to arrays (bounded extra memory)
_MAX_WORDS = 64  # widest code (64-bit words) given to the C kernel; wider: the Python loop


class _Widen(Exception):
    """The C kernel's codes are too narrow for the agent states found: restart it wider."""


class _NoKernel(Exception):
    """A row's denominator does not fit in 64 bits: compile with the Python loop instead."""


@dataclasses.dataclass(frozen=True, eq=False)
class CompiledChain:
    """A compiled agent model.

    Attributes
    ----------
    chain : Chain
        Exact chain; state labels are joint states (agent-state tuples in agent order, or sorted
        tuples = multisets when lumped). Initial state: index 0. Label ``"consensus"`` (states with one silo).
    lumped : bool
    num_silos : ndarray of int, shape (num_states,)
        Number of distinct agent IDs in each state.
    parameters : dict
        ``model.describe()`` plus ``lumped``.
    seconds : float
        Compile time.

    See Also
    --------
    chainlab.compiler.compile_model : What returns it.
    """

    chain: Chain
    lumped: bool
    num_silos: np.ndarray
    parameters: dict
    seconds: float

    def __repr__(self) -> str:
        return (f"CompiledChain({self.chain.num_states} states, {self.chain.num_transitions} "
                f"transitions, lumped={self.lumped}, {self.seconds:.3f} s)")


class _Progress(Progress):
    """Compilation progress: states expanded, found, transitions (the line is cleared at the
    end)."""

    def __init__(self, progress: Any) -> None:
        super().__init__("compiling", unit="states expanded", progress=progress, keep=False)

    def update(self, done: int, found: int, transitions: int) -> None:  # type: ignore[override]
        if self.enabled:
            super().update(done, f"{found:,} found, {transitions:,} transitions")


def compile_model(model: AgentModel, *, lumped: bool | None = None,
                  max_states: int | None = None, progress: bool = False) -> CompiledChain:
    """Compile the reachable joint states of an agent model into an exact chain.

    Parameters
    ----------
    model : AgentModel
    lumped : bool, optional
        Lump to multisets of agent states (default: ``model.exchangeable``). Refused for models
        that are not exchangeable.
    max_states : int, optional
        Refuse beyond this many states (default ``chainlab.config.limits.max_states``).
    progress : bool or callable, default False
        ``True``: a progress line on stderr (at most every half second, cleared at the end); a callable:
        called with progress events (``.task``, ``.done``, ``.total``, ``.unit``,
        ``.elapsed``, ``.detail``, ``.final``, ``.interrupted``, and ``.line()`` for the text);
        ``False``: silent.

    Returns
    -------
    CompiledChain

    Raises
    ------
    SpecError
        ``lumped=True`` for a model that is not exchangeable; a bad model.
    NotStochasticError
        An agent law with negative entries or not summing to exactly 1.
    StateSpaceLimitError
        More than ``max_states`` reachable states.

    See Also
    --------
    chainlab.models.AgentModel : What a model to compile implements.
    chainlab.models.GMMAgents : The GMM agents, the main model compiled here.
    chainlab.polarization.polarization : Polarization and consensus of the compiled chain.
    chainlab.parametric.compile_interpolated : Compile a model with one symbolic parameter.

    Notes
    -----
    The lumped successor law is the convolution over agent types of multinomial laws (claim
    LUMP-1). Cost per state: the product of the sizes of the multinomial tables of its types,
    in Python-int multiply-adds; see the module docstring.

    Examples
    --------
    >>> from chainlab.models import GMMAgents
    >>> cc = compile_model(GMMAgents(agents=4, components=4, memory=2, neighbours=1))
    >>> cc.chain.num_states, cc.lumped, cc.parameters["ties"]
    (497, True, 'random')
    >>> compile_model(GMMAgents(agents=4, components=4, memory=2), max_states=100)
    Traceback (most recent call last):
    ...
    chainlab.errors.StateSpaceLimitError: the model has more than 100 reachable states (found 237 after expanding 1; at most 715 joint states exist); raise max_states (or chainlab.config.limits.max_states), choose a smaller instance, or use lumping

    See also the module docstring (a model written from scratch).
    """
    if not isinstance(model, AgentModel):
        raise SpecError(f"model must be a chainlab AgentModel, got {type(model).__name__}")
    if lumped is None:
        lumped = bool(model.exchangeable)
    if lumped and not model.exchangeable:
        raise SpecError(
            f"lumped=True needs exchangeable agents, but {type(model).__name__} with "
            f"{model.describe()} is not exchangeable; use lumped=False"
        )
    limit = config.limits.max_states if max_states is None else int(max_states)
    started = time.perf_counter()
    comp = _Compiler(model, lumped, limit, _Progress(progress))
    # the exploration allocates millions of small acyclic objects; pausing the cyclic garbage
    # collector saves its repeated scans (about 10%), and it is re-enabled on any exit
    with _gc_paused():
        try:
            comp.run()
        finally:
            comp.progress.close()
        chain, num_silos = comp.build_chain()
    params = dict(model.describe())
    params["lumped"] = lumped
    return CompiledChain(chain=chain, lumped=lumped, num_silos=num_silos, parameters=params,
                         seconds=time.perf_counter() - started)


class _Compiler:
    """One compilation. Codes of joint states:

    * lumped: ``sum_v count_v << (digit_bits * v)`` over interned agent states ``v`` (a multiset);
    * unlumped: ``sum_i v_i << (32 * i)`` over agent positions ``i``.

    A *table* is ``(denominator, [(code_delta, numerator), ...])``: the law of the code
    increment contributed by one agent type (lumped) or one agent (unlumped). A *law* is
    ``(denominator, ((v, numerator), ...))`` with numerators summing to the denominator.
    """

    def __init__(self, model: AgentModel, lumped: bool, limit: int, progress: _Progress):
        self.model = model
        self.lumped = lumped
        self.limit = limit
        self.progress = progress
        self.n = int(model.num_agents)
        self.agent_index: dict[Hashable, int] = {}
        self.agent_states: list[Hashable] = []
        self.agent_ids: list[Hashable] = []  # model.agent_id of each agent state
        self.singles: list[tuple] = []  # (agent state,) for building joint states
        self.units: list[int] = []  # code of one agent in agent state v (lumped)
        # law entries [law, {c or position: table}, {c or position: (kernel table id, den)}],
        # shared by equal laws; by model key / value
        self.entry_by_key: dict[Hashable, list] = {}
        self.entry_by_value: dict[tuple, list] = {}
        # lumped digit width (a digit holds a count 0..n): a hex digit, else 1, 2 or 4 bytes
        self.digit_bits = 4 if self.n < 16 else 8 if self.n < 256 else 16 if self.n < 65536 else 32
        self.unpack = struct.Struct(f"<{self.n}I").unpack
        # output, filled by run()
        self.codes: list[int] = []
        self.joints: list[tuple] = []  # the joint state passed to the model, per state
        self.silos: list[int] = []
        self.index: dict[int, int] = {}
        self.num_transitions = 0
        # CSR pieces, one array per chunk of rows
        self.cols: list[np.ndarray] = []
        self.value_ids: list[np.ndarray] = []  # per transition: index into values
        self.row_lengths: list[np.ndarray] = []
        self.values: list[tuple[int, int]] = []  # distinct pairs (numerator, denominator)
        self.value_index: dict[int, dict[int, int]] = {}  # denominator -> numerator -> id
        self.kernel: Any = None  # the _ckernel.Kernel of the exploration that succeeded
        self.init_code = 0

    # ------------------------------------------------------------------ agent states and laws
    def intern(self, a: Hashable) -> int:
        k = self.agent_index.get(a)
        if k is None:
            k = len(self.agent_states)
            self.agent_states.append(a)
            self.agent_ids.append(self.model.agent_id(a))
            self.singles.append((a,))
            self.units.append(1 << (self.digit_bits * k))
            self.agent_index[a] = k
        return k

    def _law_entry(self, agents: tuple, i: int) -> list:
        """``[law, tables, kernel tables]`` of agent ``i`` in the joint state ``agents``
        (validated)."""
        model = self.model
        got = model.integer_distribution(agents, i)
        den, nums = self._integer_law(agents, i) if got is None else got
        merged: dict[int, int] = {}
        total = 0
        index = self.agent_index
        for a, m in nums.items():
            if type(m) is not int or m < 0:
                raise NotStochasticError(
                    f"{type(model).__name__}.integer_distribution for agent {i} in joint state "
                    f"{agents!r} gave the numerator {m!r} for {a!r}; numerators must be "
                    "non-negative ints"
                )
            if m:
                v = index.get(a)
                merged[self.intern(a) if v is None else v] = m
                total += m
        if type(den) is not int or total != den:
            raise NotStochasticError(
                f"{type(model).__name__} law of agent {i} in joint state {agents!r} sums to "
                f"{total}/{den!r}, expected 1"
            )
        law = (den, tuple(sorted(merged.items())))
        entry = self.entry_by_value.get(law)
        if entry is None:
            entry = self.entry_by_value[law] = [law, {}, {}]
        return entry

    def _integer_law(self, agents: tuple, i: int) -> tuple[int, dict[Hashable, int]]:
        """``agent_distribution(agents, i)`` over a common denominator (checked exact, >= 0)."""
        raw = self.model.agent_distribution(agents, i)
        pairs = []
        den = 1
        for a, p in raw.items():
            q = p if type(p) is fmpq else to_fmpq(
                p, where=lambda a=a: f"agent_distribution(..., {i})[{a!r}]")
            if q < 0:
                raise NotStochasticError(
                    f"{type(self.model).__name__}.agent_distribution gave agent {i} a negative "
                    f"probability {fmpq_to_fraction(q)} for {a!r} in joint state {agents!r}"
                )
            if q:
                d = int(q.q)
                pairs.append((a, int(q.p), d))
                den = den * d // math.gcd(den, d)
        nums: dict[Hashable, int] = {}
        for a, num, d in pairs:
            nums[a] = nums.get(a, 0) + num * (den // d)
        return den, nums

    def _table(self, law: tuple, c: int) -> tuple[int, list[tuple[int, int]]]:
        """Multinomial law of the code increment of ``c`` agents with law ``law`` (lumped)."""
        den, items = law
        units = self.units
        if c == 1:
            return den, [(units[v], m) for v, m in items]
        fact = math.factorial
        fact_c = fact(c)
        out = []
        for counts in _compositions(c, len(items)):
            coef = fact_c
            p = 1
            delta = 0
            for (v, m), a in zip(items, counts):
                if a:
                    coef //= fact(a)
                    p *= m**a
                    delta += a * units[v]
            out.append((delta, coef * p))
        return den**c, out

    # ------------------------------------------------------------------ exploration
    def run(self) -> None:
        model = self.model
        init_agents = tuple(model.initial_agents())
        if len(init_agents) != self.n:
            raise SpecError(
                f"initial_agents() has {len(init_agents)} agents but num_agents is {self.n}"
            )
        ids = [self.intern(a) for a in init_agents]
        if self.lumped:
            self.init_code = sum(self.units[v] for v in ids)
        else:
            self.init_code = sum(v << (_UNLUMPED_BITS * i) for i, v in enumerate(ids))
        if _ckernel is not None and config.solvers.compile_kernel:
            words = self._initial_words()
            while words <= _MAX_WORDS:
                try:
                    self._run_kernel(words)
                    return
                except _Widen:  # more agent states than the codes had room for
                    words *= 2
                    self._reset()
                except _NoKernel:
                    self._reset()
                    break
        self._run_python()

    def _initial_words(self) -> int:
        """64-bit words per code for the C kernel (lumped: from the model's count of agent
        states when it has one, else a guess that :class:`_Widen` corrects)."""
        if not self.lumped:
            return -(-_UNLUMPED_BITS * self.n // 64)
        count = getattr(self.model, "num_agent_states", None)
        num = count() if callable(count) else max(16, 2 * len(self.agent_states))
        return max(1, -(-self.digit_bits * num // 64))

    def _reset(self) -> None:
        """Forget a partial exploration (agent states and laws stay: they are still right)."""
        self.codes, self.joints, self.silos, self.index = [], [], [], {}
        self.num_transitions = 0
        self.cols, self.value_ids, self.row_lengths = [], [], []
        self.values, self.value_index = [], {}
        self.kernel = None
        for entry in self.entry_by_value.values():
            entry[2].clear()

    def _run_kernel(self, words: int) -> None:
        """Breadth-first exploration with the per-transition work in :mod:`chainlab._compile._ckernel`:
        Python computes each state's laws (model code), C convolves them, numbers the new
        successors (increasing code order within a row, as :meth:`_run_python`) and stores
        the row."""
        kern = self.kernel = _ckernel.Kernel(words)
        nbytes = 8 * words
        try:
            kern.add_state(self.init_code.to_bytes(nbytes, "little"))
        except OverflowError:
            raise _Widen from None
        table = self._kernel_table
        expand = kern.expand
        limit = self.limit
        progress = self.progress if self.progress.enabled else None
        lumped = self.lumped
        bits = self.digit_bits
        types_of = kern.types
        code_of = kern.code
        unpack = self.unpack
        size = 4 * self.n
        found = k = 0
        while k < kern.num_states:
            if lumped:
                laws = self._lumped_laws(types_of(k, bits))
            else:
                laws = self._unlumped_laws(unpack(code_of(k)[:size]))
            tids = []
            den = 1
            for entry, c in laws:
                t = entry[2].get(c)
                if t is None:
                    t = table(entry, c, nbytes)
                tids.append(t[0])
                den *= t[1]
            if den >> 64:
                raise _NoKernel
            found = expand(tids, den)
            k += 1
            if found > limit:
                raise StateSpaceLimitError(self._limit_message(found, k))
            if progress is not None and not k & 255:
                progress.update(k, found, kern.nnz)
        self.num_transitions = kern.nnz

    def _kernel_table(self, entry: list, c: int, nbytes: int) -> tuple[int, int]:
        """``(kernel table id, denominator)`` of ``entry``'s table for ``c`` (a count when
        lumped, ``-1 - position`` when not)."""
        den, items = self._python_table(entry, c)
        if den >> 64:
            raise _NoKernel
        try:
            codes = b"".join([d.to_bytes(nbytes, "little") for d, _ in items])
        except OverflowError:
            raise _Widen from None
        nums = array("Q", [m for _, m in items]).tobytes()
        t = entry[2][c] = (self.kernel.add_table(codes, nums), den)
        return t

    def _python_table(self, entry: list, c: int) -> tuple[int, list[tuple[int, int]]]:
        """``entry``'s table for ``c`` agents of its type (lumped) or for position ``-1 - c``
        (unlumped), memoized."""
        t = entry[1].get(c)
        if t is None:
            if c > 0:
                t = self._table(entry[0], c)
            else:  # tables of positions are stored under negative keys
                den, items = entry[0]
                shift = _UNLUMPED_BITS * (-1 - c)
                t = (den, [(v << shift, m) for v, m in items])
            entry[1][c] = t
        return t

    def _run_python(self) -> None:
        """Breadth-first exploration in pure Python (no C kernel, or denominators beyond
        64 bits); the same states in the same order as :meth:`_run_kernel`."""
        codes, index, limit = self.codes, self.index, self.limit
        codes.append(self.init_code)
        index[self.init_code] = 0
        expand = self._expand_lumped if self.lumped else self._expand_unlumped
        cols: list[int] = []
        rows: list[dict[int, int]] = []
        dens: list[int] = []
        progress = self.progress if self.progress.enabled else None
        k = 0
        while k < len(codes):
            den, succ = expand(codes[k])
            size = len(cols)
            try:  # most successors are known: extend without an intermediate list
                cols += map(index.__getitem__, succ)
            except KeyError:
                del cols[size:]
                for t in sorted(succ):  # new states numbered in increasing code order
                    if t not in index:
                        index[t] = len(codes)
                        codes.append(t)
                cols += map(index.__getitem__, succ)
                if len(codes) > limit:
                    raise StateSpaceLimitError(self._limit_message(len(codes), k + 1))
            rows.append(succ)
            dens.append(den)
            k += 1
            if len(rows) == _CHUNK:
                self._flush(rows, dens, cols)
                rows, dens, cols = [], [], []
            if progress is not None and not k & 255:
                progress.update(k, len(codes), self.num_transitions + len(cols))
        self._flush(rows, dens, cols)

    def _flush(self, rows: list[dict[int, int]], dens: list[int], cols: list[int]) -> None:
        """Append rows ``{successor code: numerator}`` over ``dens`` (successor indices
        ``cols``) to the CSR arrays, in bulk.

        Entries become ids of distinct pairs ``(num, den)``: a compiled chain has few distinct
        values, each turned into an ``fmpq`` once at the end.
        """
        if not rows:
            return
        lengths = np.fromiter(map(len, rows), np.int64, len(rows))
        total = int(lengths.sum())
        self.num_transitions += total
        self.row_lengths.append(lengths)
        self.cols.append(np.array(cols, dtype=np.int64))
        by_den, values = self.value_index, self.values
        value_ids: list[int] = []
        for succ, den in zip(rows, dens):
            ids = by_den.get(den)
            if ids is None:
                ids = by_den[den] = {}
            size = len(value_ids)
            try:  # most values are known: extend without an intermediate list
                value_ids += map(ids.__getitem__, succ.values())
            except KeyError:
                del value_ids[size:]
                for m in succ.values():
                    if m not in ids:
                        ids[m] = len(values)
                        values.append((m, den))
                value_ids += map(ids.__getitem__, succ.values())
        self.value_ids.append(np.array(value_ids, dtype=np.int64))

    def _types(self, code: int) -> list[tuple[int, int]]:
        """``[(agent state v, count), ...]`` of a lumped code, ``v`` increasing."""
        bits = self.digit_bits
        if bits == 4:
            return [(v, _HEX[ch]) for v, ch in enumerate(reversed(format(code, "x"))) if ch != "0"]
        raw = code.to_bytes((code.bit_length() + 7) // 8 or 1, "little")
        if bits == 8:
            return [(v, c) for v, c in enumerate(raw) if c]
        w = bits // 8
        counts = [int.from_bytes(raw[s:s + w], "little") for s in range(0, len(raw), w)]
        return [(v, c) for v, c in enumerate(counts) if c]

    def _lumped_laws(self, types: list[tuple[int, int]]) -> list[tuple[list, int]]:
        """``[(law entry, count), ...]`` of the agent types of a lumped state (recording its
        joint state and number of silos)."""
        singles = self.singles
        agents: tuple = ()
        for v, c in types:
            agents += singles[v] * c
        self.joints.append(agents)
        aid = self.agent_ids
        self.silos.append(len({aid[v] for v, _ in types}))
        keys = self.model.law_keys(agents)
        laws = []
        first = 0
        if keys is not None:
            by_key = self.entry_by_key
            for _, c in types:
                entry = by_key.get(keys[first])
                if entry is None:
                    entry = by_key[keys[first]] = self._law_entry(agents, first)
                laws.append((entry, c))
                first += c
        else:
            for _, c in types:
                laws.append((self._law_entry(agents, first), c))
                first += c
        return laws

    def _unlumped_laws(self, ids: tuple[int, ...]) -> list[tuple[list, int]]:
        """``[(law entry, -1 - position), ...]`` of the agents of an unlumped state (recording
        its joint state and number of silos)."""
        states = self.agent_states
        agents = tuple([states[v] for v in ids])
        self.joints.append(agents)
        aid = self.agent_ids
        self.silos.append(len({aid[v] for v in ids}))
        keys = self.model.law_keys(agents)
        by_key = self.entry_by_key
        laws = []
        for i in range(self.n):
            if keys is None:
                entry = self._law_entry(agents, i)
            else:
                found = by_key.get(keys[i])
                if found is None:
                    found = by_key[keys[i]] = self._law_entry(agents, i)
                entry = found
            laws.append((entry, -1 - i))
        return laws

    def _expand_lumped(self, code: int) -> tuple[int, dict[int, int]]:
        table = self._python_table
        return _convolve([table(entry, c) for entry, c in self._lumped_laws(self._types(code))])

    def _expand_unlumped(self, code: int) -> tuple[int, dict[int, int]]:
        ids = self.unpack(code.to_bytes(4 * self.n, "little"))
        table = self._python_table
        return _convolve([table(entry, c) for entry, c in self._unlumped_laws(ids)])

    # ------------------------------------------------------------------ output
    def _labels(self) -> list[tuple]:
        """State labels: agent tuples, sorted (by ``_sort_key``) when lumped."""
        if not self.lumped:
            return self.joints
        kinds = {type(a) for a in self.agent_states}
        if len(kinds) == 1 and kinds <= {tuple, int, str}:  # natural order = _sort_key order
            return [tuple(sorted(j)) for j in self.joints]
        return [tuple(sorted(j, key=_sort_key)) for j in self.joints]

    def build_chain(self) -> tuple[Chain, np.ndarray]:
        n = len(self.joints)
        num_silos = np.asarray(self.silos, dtype=np.int64)
        if self.kernel is not None:  # rows come sorted by column
            indptr, cols, value_ids = (np.frombuffer(b, dtype=np.int64).copy()
                                       for b in self.kernel.csr())
            values = self.kernel.values()
        else:
            lengths = np.concatenate(self.row_lengths)
            indptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(lengths, out=indptr[1:])
            # CSR with sorted column indices: sort (row, column) keys once, rows are in order
            cols = np.concatenate(self.cols)
            rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
            order = np.argsort(rows * n + cols, kind="stable")  # merges the sorted rows
            cols = cols[order]
            value_ids = np.concatenate(self.value_ids)[order]
            values = self.values
        distinct = np.empty(len(values), dtype=object)
        distinct[:] = [fmpq(m, d) for m, d in values]
        # correctly rounded floats of the same rationals (Python's int / int rounds correctly)
        distinct_float = np.array([m / d for m, d in values], dtype=np.float64)
        labels = {"consensus": frozenset(np.flatnonzero(num_silos == 1).tolist())}
        chain = _trusted_chain(StateSpace(self._labels()), indptr, cols, distinct[value_ids],
                               distinct_float[value_ids], labels=labels,
                               initial={0: fmpq_to_fraction(_ONE)})
        return chain, num_silos

    def _limit_message(self, found: int, expanded: int) -> str:
        estimate = ""
        count = getattr(self.model, "num_agent_states", None)
        if callable(count):
            S, n = count(), self.n
            bound = math.comb(S + n - 1, n) if self.lumped else S**n
            estimate = f"; at most {bound:,} joint states exist"
        return (
            f"the model has more than {self.limit:,} reachable states (found {found:,} after "
            f"expanding {expanded:,}{estimate}); raise max_states (or "
            "chainlab.config.limits.max_states), choose a smaller instance, or use lumping"
        )


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _convolve(parts: list[tuple[int, list[tuple[int, int]]]]) -> tuple[int, dict[int, int]]:
    """Law of the sum of independent code increments: ``(denominator, {code: numerator})``."""
    den = 1
    shift = 0
    factor = 1
    tabs = []
    for d, tab in parts:
        den *= d
        if len(tab) == 1:  # a deterministic move: shifts the codes, scales the numerators
            shift += tab[0][0]
            factor *= tab[0][1]
        else:
            tabs.append(tab)
    if not tabs:
        return den, {shift: factor}
    if len(tabs) > 1:
        tabs.sort(key=len)
    if len(tabs) >= 4:
        # two halves of similar size, multiplied last: fewer multiply-adds than growing one
        # side table by table (4 tables of 3: 9 + 9 + 81 instead of 9 + 27 + 81)
        half = _product(tabs[2], tabs[3])
        for tab in tabs[4:]:
            half = _product(list(half.items()), tab)
        tabs = [list(_product(tabs[0], tabs[1]).items()), list(half.items())]
    if factor == 1:
        out = {k + shift: m for k, m in tabs[0]} if shift else dict(tabs[0])
    else:
        out = {k + shift: m * factor for k, m in tabs[0]}
    for tab in tabs[1:]:
        new: dict[int, int] = {}
        for k1, n1 in out.items():
            for k2, n2 in tab:
                k = k1 + k2
                if k in new:
                    new[k] += n1 * n2
                else:
                    new[k] = n1 * n2
        out = new
    return den, out


def _product(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> dict[int, int]:
    """Law of the sum of two independent code increments (tables without denominators)."""
    out: dict[int, int] = {}
    for k2, n2 in b:
        for k1, n1 in a:
            k = k1 + k2
            if k in out:
                out[k] += n1 * n2
            else:
                out[k] = n1 * n2
    return out


def _trusted_chain(space: StateSpace, indptr: np.ndarray, indices: np.ndarray,
                   values: np.ndarray, floats: np.ndarray, **kwargs: Any) -> Chain:
    """``Chain._from_csr_exact`` with the float view already computed.

    The floats are the correctly rounded values of the same rationals (what the Chain itself
    would compute one ``fmpq`` at a time, at about a third of the compile time).
    """
    return Chain._from_csr_exact(space, indptr, indices, values, floats=floats, **kwargs)


def _compositions(total: int, parts: int):
    """All tuples of ``parts`` non-negative ints summing to ``total``."""
    if parts == 1:
        yield (total,)
        return
    for first in range(total, -1, -1):
        for rest in _compositions(total - first, parts - 1):
            yield (first,) + rest


def _sort_key(a: Any):
    return (type(a).__name__, a) if not isinstance(a, tuple) else ("tuple", a)
