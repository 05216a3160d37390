"""Breadth-first exploration of a resolved PRISM program into exact CSR arrays.

The reachable states are explored one breadth-first layer at a time, each layer as numpy
columns (one per variable): every guard, probability and assignment is evaluated on the whole
layer at once (:mod:`chainlab.prism._eval`), with exact rationals as pairs of integer arrays.
States are mixed-radix codes in one ``int64`` (variables in declaration order, globals first),
found again through a dense table (small code spaces) or sorted arrays.

DTMC semantics, as PRISM and Storm: a state's *choices* are its enabled unlabelled commands and,
for every action, each combination of one enabled command with that action per module that has
the action in its alphabet (the product of their updates); with ``k`` choices, each is taken
with probability ``1/k``. A state without a choice (a deadlock) gets a self-loop and the label
``deadlock``. A transition reward ``[a] g : r`` is earned by each choice labelled ``a`` (``[]``:
unlabelled commands) from a state satisfying ``g``, weighted by ``1/k``.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from fractions import Fraction as F
from typing import Any

import numpy as np
from flint import fmpq

from .. import config
from .._compile.explore import _gc_paused  # the agent-model compiler's GC pause
from .._progress import Progress
from ..errors import StateSpaceLimitError
from . import _eval
from ._errors import PrismModelError, PrismProbabilityError, located
from ._eval import as_rational, broadcast
from ._model import CommandInfo, Program

__all__ = ["Explored", "explore"]

_DENSE_LIMIT = 1 << 24  # code spaces up to this size are indexed by a dense int32 table


@dataclasses.dataclass
class Explored:
    num_states: int
    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray  # fmpq per transition (object array)
    floats: np.ndarray  # the correctly rounded float of each
    valuations: np.ndarray  # (num_states, num_variables) int64
    initial: np.ndarray  # indices of the initial states
    deadlocks: np.ndarray
    transition_rewards: dict[str | None, np.ndarray]  # per state, expected per step (fmpq)
    layers: int
    # the reward structures with a negative transition reward somewhere (found on the
    # integer numerators, before the fmpq values are made)
    negative_transition_rewards: frozenset = frozenset()
    # explored up to a symmetry (chainlab.prism._symmetry): states are orbits, each given by
    # its least member; the initial states of each initial orbit, and the states of the full
    # chain the orbits hold
    symmetry: Any = None
    initial_weights: np.ndarray | None = None
    represented: int | None = None


class _Index:
    """Code -> state index: a dense table for small code spaces, else sorted runs."""

    def __init__(self, total: int) -> None:
        self.dense = total <= _DENSE_LIMIT
        if self.dense:
            self.table = np.full(total, -1, dtype=np.int64)
        else:
            self.main = np.zeros(0, np.int64)
            self.main_ids = np.zeros(0, np.int64)
            self.recent = np.zeros(0, np.int64)
            self.recent_ids = np.zeros(0, np.int64)

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        codes = codes[:, 0]
        if self.dense:
            return self.table[codes]
        out = np.full(len(codes), -1, dtype=np.int64)
        for keys, ids in ((self.main, self.main_ids), (self.recent, self.recent_ids)):
            if len(keys):
                pos = np.searchsorted(keys, codes)
                pos[pos == len(keys)] = 0
                hit = keys[pos] == codes
                out[hit] = ids[pos[hit]]
        return out

    def add(self, codes: np.ndarray, ids: np.ndarray) -> None:
        """Add new (sorted, unique, unknown) codes."""
        codes = codes[:, 0]
        if self.dense:
            self.table[codes] = ids
            return
        keys = np.concatenate([self.recent, codes])
        vals = np.concatenate([self.recent_ids, ids])
        order = np.argsort(keys, kind="stable")
        self.recent, self.recent_ids = keys[order], vals[order]
        if len(self.recent) * 8 > len(self.main):
            keys = np.concatenate([self.main, self.recent])
            vals = np.concatenate([self.main_ids, self.recent_ids])
            order = np.argsort(keys, kind="stable")
            self.main, self.main_ids = keys[order], vals[order]
            self.recent = np.zeros(0, np.int64)
            self.recent_ids = np.zeros(0, np.int64)


class _BytesIndex:
    """Code -> state index for codes of several words (a dict over the rows' bytes)."""

    def __init__(self, words: int) -> None:
        self.width = 8 * words
        self.table: dict[bytes, int] = {}

    def _keys(self, codes: np.ndarray) -> list[bytes]:
        raw = np.ascontiguousarray(codes).tobytes()
        w = self.width
        return [raw[i:i + w] for i in range(0, len(raw), w)]

    def lookup(self, codes: np.ndarray) -> np.ndarray:
        get = self.table.get
        return np.fromiter((get(k, -1) for k in self._keys(codes)), np.int64, len(codes))

    def add(self, codes: np.ndarray, ids: np.ndarray) -> None:
        self.table.update(zip(self._keys(codes), ids.tolist()))


def _unique_rows(codes: np.ndarray) -> np.ndarray:
    """Distinct codes in increasing order (``(m, W)`` arrays)."""
    if codes.shape[1] == 1:
        return np.unique(codes[:, 0])[:, None]
    return np.unique(codes, axis=0)


class _LazyEnv(dict):
    """Variable columns restricted to the positions ``sel`` of a layer, gathered on use."""

    def __init__(self, full: dict, sel: np.ndarray) -> None:
        super().__init__()
        self.full = full
        self.sel = sel

    def __missing__(self, key):
        v = self.full[key][self.sel]
        self[key] = v
        return v


def _pair(v: Any, m: int) -> tuple[np.ndarray, np.ndarray]:
    n, d = as_rational(v)
    return broadcast(n, m), broadcast(d, m)


def _reduce_pair(n: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    g = np.gcd(n, d)
    g[g == 0] = 1
    return n // g, d // g


class _Explorer:
    def __init__(self, program: Program, limit: int, progress: Progress,
                 symmetry: Any = None) -> None:
        self.p = program
        self.limit = limit
        self.progress = progress
        vs = program.variables
        self.names = [v.name for v in vs]
        self.low = np.array([v.low for v in vs], dtype=np.int64)
        self.high = np.array([v.high for v in vs], dtype=np.int64)
        sizes = [v.high - v.low + 1 for v in vs]
        # variables packed into 64-bit words (a new word when the product would pass 2^62)
        words, strides = [], []
        w, total = 0, 1
        self.total = 1
        for s in sizes:
            self.total *= s
            if total * s >= 1 << 62:
                w, total = w + 1, 1
            words.append(w)
            strides.append(total)
            total *= s
        self.W = w + 1
        self.sizes = np.array(sizes, dtype=np.int64)
        self.strides = np.array(strides, dtype=np.int64)
        self.words = np.array(words, dtype=np.int64)
        self.is_bool = [v.type == "bool" for v in vs]
        self.index = _Index(self.total) if self.W == 1 else _BytesIndex(self.W)
        # choices: unlabelled commands one by one; actions over the modules that know them
        self.unlabelled = [c for c in program.commands if c.action is None]
        actions: dict[str, list[list[CommandInfo]]] = {}
        for m in program.modules:
            for a in sorted(program.alphabets[m]):
                actions.setdefault(a, []).append(
                    [c for c in program.commands if c.module == m and c.action == a])
        self.actions = actions
        self.trans_rewards = [(name, [it for it in items if it.transition])
                              for name, items in program.rewards]
        # id(command) -> its constant probabilities (num, den, update), once checked
        self._const_updates: dict[int, list] = {}
        self.symmetry = symmetry
        self.canon = None
        if symmetry is not None:
            from ._symmetry import OrbitCanon

            if self.W != 1 or self.total >= 1 << 53:
                raise ValueError("symmetry reduction needs codes below 2^53")
            self.canon = OrbitCanon(symmetry, self.strides, self.sizes)

    # ------------------------------------------------------------------ codes
    def encode(self, cols: np.ndarray) -> np.ndarray:
        """``(m, W)`` codes of valuations given as an ``(m, num_variables)`` array."""
        out = np.zeros((len(cols), self.W), dtype=np.int64)
        for k in range(len(self.names)):
            out[:, self.words[k]] += (cols[:, k] - self.low[k]) * self.strides[k]
        return out

    def decode(self, codes: np.ndarray) -> dict[str, np.ndarray]:
        env = {}
        for k, name in enumerate(self.names):
            col = (codes[:, self.words[k]] // self.strides[k]) % self.sizes[k] + self.low[k]
            env[name] = col.astype(bool) if self.is_bool[k] else col
        return env

    def valuation_text(self, env: dict, i: int) -> str:
        parts = []
        for k, name in enumerate(self.names):
            v = env[name][i]
            parts.append(f"{name}={'true' if v else 'false'}" if self.is_bool[k]
                         else f"{name}={int(v)}")
        return "(" + ", ".join(parts) + ")"

    # ------------------------------------------------------------------ initial states
    def initial_codes(self) -> np.ndarray:
        p = self.p
        if p.init is None:
            row = []
            for var in p.variables:
                # resolve gives every variable an initial value when there is no init block
                assert var.init is not None
                row.append(int(var.init))
            return self.encode(np.array([row], dtype=np.int64))
        fixed = self._forced(p.init.expr)
        free = [k for k in range(len(self.names)) if k not in fixed]
        space = 1
        for k in free:
            space *= int(self.sizes[k])
        if space > 1 << 26:
            raise PrismModelError(
                f"{p.source}: the init...endinit block leaves {space:,} valuations to check; "
                "fix more variables in it with conjuncts like x=0, or give initial values in "
                "the variable declarations")
        found = []
        chunk = 1 << 20
        for start in range(0, space, chunk):
            lin = np.arange(start, min(space, start + chunk), dtype=np.int64)
            cols = np.empty((len(lin), len(self.names)), dtype=np.int64)
            for k, v in fixed.items():
                cols[:, k] = v
            rest = lin
            for k in free:
                cols[:, k] = rest % self.sizes[k] + self.low[k]
                rest = rest // self.sizes[k]
            codes = self.encode(cols)
            env = self.decode(codes)
            mask = broadcast(p.init(env), len(codes))
            found.append(codes[mask])
        codes = np.concatenate(found)
        if not len(codes):
            raise PrismModelError(f"{p.source}: no state satisfies the init...endinit "
                                  "predicate; the model has no initial state")
        return codes

    def _forced(self, e) -> dict[int, int]:
        """Variables the init predicate fixes through top-level conjuncts ``x=c`` / ``b`` /
        ``!b`` (the rest of the predicate is still evaluated on every candidate)."""
        from ._eval import Scope, compile_expr

        out: dict[int, int] = {}
        stack = [e]
        pos = {n: k for k, n in enumerate(self.names)}
        scope = Scope(self.p.source, self.p.constants, formulas=self.p.formulas)
        while stack:
            x = stack.pop()
            if x is None:
                continue
            if x.op == "and":
                stack.extend(x.args)
            elif x.op == "ident" and x.args[0] in pos and self.is_bool[pos[x.args[0]]]:
                out[pos[x.args[0]]] = 1
            elif (x.op == "not" and x.args[0].op == "ident" and x.args[0].args[0] in pos
                  and self.is_bool[pos[x.args[0].args[0]]]):
                out[pos[x.args[0].args[0]]] = 0
            elif x.op == "eq":
                for a, b in (x.args, x.args[::-1]):
                    if a.op == "ident" and a.args[0] in pos and not (b.names() & set(pos)):
                        try:
                            c = compile_expr(b, scope)
                        except Exception:
                            continue
                        if c.const and c.type != "double":
                            k = pos[a.args[0]]
                            v = int(c.value)
                            if self.low[k] <= v <= self.high[k]:
                                out[k] = v
                        break
        return out

    # ------------------------------------------------------------------ one layer
    def _updates(self, c: CommandInfo, env: dict, m: int):
        """``[(num, den, update), ...]`` over the ``m`` states of ``env``, checked to be a
        distribution in each state."""
        cached = self._const_updates.get(id(c))
        if cached is not None:
            return [(np.full(m, n, dtype=np.int64), np.full(m, d, dtype=np.int64), u)
                    for n, d, u in cached]
        if all(u.probability.const for u in c.updates):  # checked once, not per state
            total = sum((F(u.probability.value) for u in c.updates), F(0))
            if total != 1 or any(F(u.probability.value) < 0 for u in c.updates):
                i = 0
                negative = next((u for u in c.updates if F(u.probability.value) < 0), None)
                if negative is not None:
                    raise located(PrismProbabilityError, self.p.source, negative.line,
                                  negative.column,
                                  f"the update probability {negative.probability.expr} is "
                                  f"{F(negative.probability.value)} < 0 in the reachable state "
                                  f"{self.valuation_text(env, i)} (command: {c.text}); "
                                  "probabilities must be in [0, 1]")
                raise located(PrismProbabilityError, self.p.source, c.line, c.column,
                              f"the probabilities of the command '{c.text}' sum to {total}, "
                              f"not 1, in the reachable state {self.valuation_text(env, i)}; "
                              "make them sum to 1 in every state where the guard holds")
            cached = [(F(u.probability.value).numerator, F(u.probability.value).denominator, u)
                      for u in c.updates]
            self._const_updates[id(c)] = cached
            return self._updates(c, env, m)
        out = []
        sn: np.ndarray | None = None
        sd: np.ndarray | None = None
        for u in c.updates:
            n, d = _pair(u.probability(env), m)
            neg = n < 0
            if neg.any():
                i = int(np.flatnonzero(neg)[0])
                raise located(PrismProbabilityError, self.p.source, u.line, u.column,
                              f"the update probability {u.probability.expr} is "
                              f"{Fraction(int(n[i]), int(d[i]))} < 0 in the reachable state "
                              f"{self.valuation_text(env, i)} (command: {c.text}); "
                              "probabilities must be in [0, 1]")
            out.append((n, d, u))
            if sn is None:
                sn, sd = n, d
            else:
                s = _eval._radd((sn, sd), (n, d))
                sn, sd = _pair(s, m)
        assert sn is not None and sd is not None  # a command has at least one update
        bad = sn != sd
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            total = Fraction(int(sn[i]), int(sd[i]))
            raise located(PrismProbabilityError, self.p.source, c.line, c.column,
                          f"the probabilities of the command '{c.text}' sum to {total}, not "
                          f"1, in the reachable state {self.valuation_text(env, i)}; make "
                          "them sum to 1 in every state where the guard holds")
        return out

    def _choices(self, states: np.ndarray, per_module: list[list[CommandInfo]],
                 cids: list[np.ndarray], full: dict, codes: np.ndarray, out: list) -> None:
        """Transitions of the choices ``(states[r], (per_module[j][cids[j][r]])_j)``: the
        product of the chosen commands' updates, built module by module on all choices at
        once (rows: choice, successor-code delta, probability)."""
        L = len(states)
        row = np.arange(L, dtype=np.int64)
        delta = np.zeros((L, self.W), dtype=np.int64)
        num = np.ones(L, dtype=np.int64)
        den = np.ones(L, dtype=np.int64)
        first = True  # probabilities still all 1: the first module's are taken as they are
        for cmds, cid in zip(per_module, cids):
            parts = []
            for j, c in enumerate(cmds):
                sub = np.flatnonzero(cid[row] == j) if len(cmds) > 1 else np.arange(len(row))
                if not len(sub):
                    continue
                env = _LazyEnv(full, states[row[sub]])
                m = len(sub)
                for un, ud, u in self._updates(c, env, m):
                    keep = un != 0
                    if not keep.any():
                        continue
                    if first:
                        pn, pd = un, ud
                    else:
                        pn, pd = _pair(_eval._rmul((num[sub], den[sub]), (un, ud)), m)
                    d = delta[sub].copy()
                    for k, val, line, col in u.assignments:
                        v = broadcast(val(env), m).astype(np.int64)
                        if not self.is_bool[k]:
                            bad = (v < self.low[k]) | (v > self.high[k])
                            if bad.any():
                                i = int(np.flatnonzero(bad)[0])
                                name = self.names[k]
                                raise located(
                                    PrismModelError, self.p.source, line, col,
                                    f"{name}' = {val.expr} gives {int(v[i])}, outside the "
                                    f"range [{self.low[k]}..{self.high[k]}] of {name}, in the "
                                    f"reachable state {self.valuation_text(env, i)} (command: "
                                    f"{c.text}); widen the range or guard the command")
                        old = env[self.names[k]].astype(np.int64)
                        d[:, self.words[k]] += (v - old) * self.strides[k]
                    if keep.all():
                        parts.append((row[sub], d, pn, pd))
                    else:
                        parts.append((row[sub][keep], d[keep], pn[keep], pd[keep]))
            if not parts:
                return
            row = np.concatenate([q[0] for q in parts])
            delta = np.concatenate([q[1] for q in parts])
            num = _cat([q[2] for q in parts])
            den = _cat([q[3] for q in parts])
            first = False
        src = states[row]
        out.append((src, codes[src] + delta, num, den))

    def _rewards(self, action: str | None, sel: np.ndarray, full: dict, acc: list) -> None:
        for r, (name, items) in enumerate(self.trans_rewards):
            for it in items:
                if it.action != action:
                    continue
                env = _LazyEnv(full, sel)
                m = len(sel)
                g = broadcast(it.guard(env), m)
                if not g.any():
                    continue
                vn, vd = _pair(it.value(env), m)
                vn = np.where(g, vn, 0)
                vd = np.where(g, vd, 1)
                an, ad = acc[r]
                s = _eval._radd((an[sel], ad[sel]), (vn, vd))
                sn, sd = _pair(s, m)
                if an.dtype != object and getattr(sn, "dtype", None) == object:
                    an, ad = an.astype(object), ad.astype(object)
                    acc[r] = (an, ad)
                an[sel], ad[sel] = sn, sd

    def expand(self, codes: np.ndarray, full: dict[str, np.ndarray]):
        """Transitions of a layer (``full``: its decoded columns): (src positions, successor
        codes, num, den), choice counts, per-reward expected transition rewards (num, den)."""
        m = len(codes)
        _eval._WHERE_HOOK.append(lambda i: " in the state " + self.valuation_text(full, i))
        try:
            out: list = []
            choices = np.zeros(m, dtype=np.int64)
            acc = [(np.zeros(m, np.int64), np.ones(m, np.int64)) for _ in self.trans_rewards]
            for c in self.unlabelled:
                g = c.guard(full)
                if isinstance(g, np.ndarray):
                    sel = np.flatnonzero(g)
                else:
                    sel = np.arange(m) if g else np.zeros(0, np.int64)
                if not len(sel):
                    continue
                choices[sel] += 1
                self._choices(sel, [[c]], [np.zeros(len(sel), np.int64)], full, codes, out)
                if self.trans_rewards:
                    self._rewards(None, sel, full, acc)
            for a, per_module in self.actions.items():
                self._action(a, per_module, full, codes, out, choices, acc)
        finally:
            _eval._WHERE_HOOK.pop()
        return out, choices, acc

    def _action(self, a, per_module, full, codes, out, choices, acc) -> None:
        m = len(codes)
        # per module: (state positions, command ids) of the enabled commands with action a
        joined_states = None
        joined_cmds: list[np.ndarray] = []
        for cmds in per_module:
            states, ids = [], []
            for j, c in enumerate(cmds):
                g = c.guard(full)
                sel = (np.flatnonzero(g) if isinstance(g, np.ndarray)
                       else (np.arange(m) if g else np.zeros(0, np.int64)))
                if len(sel):
                    states.append(sel)
                    ids.append(np.full(len(sel), j, dtype=np.int64))
            if not states:
                return
            st = np.concatenate(states)
            cid = np.concatenate(ids)
            if len(states) > 1:
                order = np.argsort(st, kind="stable")
                st, cid = st[order], cid[order]
            if joined_states is None:
                joined_states, joined_cmds = st, [cid]
                continue
            # join on the state: every pair of enabled commands of the two sides
            count = np.bincount(st, minlength=m)
            start = np.concatenate([[0], np.cumsum(count)[:-1]])
            rep = count[joined_states]
            left = np.repeat(np.arange(len(joined_states)), rep)
            if not len(left):
                return
            offs = np.arange(len(left)) - np.repeat(np.cumsum(rep) - rep, rep)
            right = start[joined_states[left]] + offs
            joined_states = joined_states[left]
            joined_cmds = [x[left] for x in joined_cmds] + [cid[right]]
        if joined_states is None or not len(joined_states):
            return
        np.add.at(choices, joined_states, 1)
        self._choices(joined_states, per_module, joined_cmds, full, codes, out)
        if self.trans_rewards:
            # a state with several choices of this action earns once per choice: rows of
            # equal rank within their state are distinct states
            L = len(joined_states)
            first = np.concatenate([[True], joined_states[1:] != joined_states[:-1]])
            starts = np.flatnonzero(first)
            rank = np.arange(L) - np.repeat(starts, np.diff(np.append(starts, L)))
            for r in range(int(rank.max()) + 1):
                self._rewards(a, joined_states[rank == r], full, acc)

    # ------------------------------------------------------------------ the search
    def run(self) -> Explored:
        weights = None
        if self.canon is None:
            init = _unique_rows(self.initial_codes())
        else:
            reps = self.canon.canon(_unique_rows(self.initial_codes())[:, 0])
            uniq, weights = np.unique(reps, return_counts=True)
            init = uniq[:, None]
        n0 = len(init)
        if n0 > self.limit:
            raise StateSpaceLimitError(self._limit_message(n0, 0))
        self.index.add(init, np.arange(n0, dtype=np.int64))
        frontier = init
        num = n0
        rows_count: list[np.ndarray] = []
        all_cols: list[np.ndarray] = []
        all_num: list[np.ndarray] = []
        all_den: list[np.ndarray] = []
        deadlocks: list[np.ndarray] = []
        trew: list[tuple[list[np.ndarray], list[np.ndarray]]] = [
            ([], []) for _ in self.trans_rewards]
        layer_vals: list[np.ndarray] = []  # (num_variables, layer size) per layer
        expanded = 0
        layers = 0
        ntrans = 0
        while len(frontier):
            layers += 1
            m = len(frontier)
            full = self.decode(frontier)
            # each state is decoded once, as part of its layer; its valuation kept from that
            vals = np.empty((len(self.names), m), np.int64)
            for k, n in enumerate(self.names):
                vals[k] = full[n]
            layer_vals.append(vals)
            out, choices, acc = self.expand(frontier, full)
            dead = np.flatnonzero(choices == 0)
            if len(dead):
                deadlocks.append(expanded + dead)
                out.append((dead, frontier[dead], np.ones(len(dead), np.int64),
                            np.ones(len(dead), np.int64)))
            src = np.concatenate([o[0] for o in out])
            succ = np.concatenate([o[1] for o in out])
            if self.canon is not None:
                succ[:, 0] = self.canon.canon(succ[:, 0])
            pn = np.concatenate([o[2] for o in out]) if any(o[2].dtype == object for o in out) \
                else np.concatenate([o[2] for o in out]).astype(np.int64)
            pd = np.concatenate([o[3] for o in out]) if any(o[3].dtype == object for o in out) \
                else np.concatenate([o[3] for o in out]).astype(np.int64)
            k = choices[src]
            multi = k > 1
            if multi.any():
                pd = pd.copy()
                pd[multi] = pd[multi] * k[multi]
                pn, pd = _reduce_pair(pn, pd)
            for r, (an, ad) in enumerate(acc):
                many = choices > 1
                if many.any():
                    ad = ad.copy()
                    ad[many] = ad[many] * choices[many]
                    an, ad = _reduce_pair(an, ad)
                trew[r][0].append(an)
                trew[r][1].append(ad)
            # successor indices (new states numbered in increasing code order)
            idx = self.index.lookup(succ)
            new = idx < 0
            if new.any():
                fresh = _unique_rows(succ[new])
                ids = np.arange(num, num + len(fresh), dtype=np.int64)
                if num + len(fresh) > self.limit:
                    raise StateSpaceLimitError(self._limit_message(num + len(fresh),
                                                                   expanded + m))
                self.index.add(fresh, ids)
                idx[new] = self.index.lookup(succ[new])
                num += len(fresh)
                next_frontier = fresh
            else:
                next_frontier = np.zeros((0, self.W), np.int64)
            # rows sorted by (source, target); equal pairs merged
            order = np.lexsort((idx, src))
            src, idx, pn, pd = src[order], idx[order], pn[order], pd[order]
            if len(src) > 1:
                same = (src[1:] == src[:-1]) & (idx[1:] == idx[:-1])
                if same.any():
                    src, idx, pn, pd = _merge(src, idx, pn, pd, same)
            rows_count.append(np.bincount(src, minlength=m))
            all_cols.append(idx)
            all_num.append(pn)
            all_den.append(pd)
            ntrans += len(idx)
            expanded += m
            frontier = next_frontier
            if self.progress.enabled:
                self.progress.update(expanded, f"{num:,} found, {ntrans:,} transitions")
        counts = np.concatenate(rows_count)
        indptr = np.zeros(num + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        cols = np.concatenate(all_cols)
        values, floats = _fmpq_values(all_num, all_den)
        # (num_states, num_variables), stored column by column (each variable's values
        # contiguous: they are read as columns)
        valuations = np.concatenate(layer_vals, axis=1).T
        rewards = {}
        negative = set()
        for r, (name, _) in enumerate(self.trans_rewards):
            if self.trans_rewards[r][1]:
                if any(bool((((an < 0) != (ad < 0)) & (an != 0)).any())
                       for an, ad in zip(*trew[r])):
                    negative.add(name)
                vals, _f = _fmpq_values(trew[r][0], trew[r][1])
                rewards[name] = vals
        represented = None
        if self.canon is not None:
            codes = self.encode(valuations)[:, 0]
            represented = int(self.canon.orbit_sizes(codes).sum())
        return Explored(num, indptr, cols, values, floats, valuations,
                        np.arange(n0, dtype=np.int64),
                        np.concatenate(deadlocks) if deadlocks else np.zeros(0, np.int64),
                        rewards, layers, frozenset(negative), self.symmetry, weights,
                        represented)

    def _limit_message(self, found: int, expanded: int) -> str:
        return (f"the model {self.p.source} has more than {self.limit:,} reachable states "
                f"(found {found:,} after expanding {expanded:,}); raise max_states (or "
                "chainlab.config.limits.max_states), or choose smaller constants")


def _cat(arrays: list[np.ndarray]) -> np.ndarray:
    if any(a.dtype == object for a in arrays):
        return np.concatenate([a.astype(object) for a in arrays])
    return np.concatenate(arrays).astype(np.int64)


def _merge(src, idx, pn, pd, same):
    """Sum the probabilities of repeated (source, target) pairs (sorted input)."""
    start = np.concatenate([[True], ~same])
    first = np.flatnonzero(start)
    group = np.cumsum(start) - 1
    if pn.dtype != object and pd.dtype != object:
        # vectorised when every denominator of a pair divides the pair's largest: the terms
        # over that common denominator are at most it and sum to at most it (they are parts
        # of one state's distribution), so nothing overflows int64
        big_d = np.maximum.reduceat(pd, first)
        common = big_d[group]
        if bool((common % pd == 0).all()):
            total = np.add.reduceat(pn * (common // pd), first)
            g = np.gcd(total, big_d)
            g[g == 0] = 1
            return src[first], idx[first], total // g, big_d // g
    dup_groups = np.unique(group[1:][same])
    out_n = pn[first].astype(object) if pn.dtype == object else pn[first].copy()
    out_d = pd[first].astype(object) if pd.dtype == object else pd[first].copy()
    members = np.isin(group, dup_groups)
    sums: dict[int, Fraction] = {}
    for gi, a, b in zip(group[members].tolist(), pn[members].tolist(), pd[members].tolist()):
        sums[gi] = sums.get(gi, 0) + Fraction(int(a), int(b))
    big = False
    for gi, f in sums.items():
        if f.numerator >= 1 << 62 or f.denominator >= 1 << 62:
            big = True
    if big and out_n.dtype != object:
        out_n, out_d = out_n.astype(object), out_d.astype(object)
    for gi, f in sums.items():
        out_n[gi], out_d[gi] = f.numerator, f.denominator
    return src[first], idx[first], out_n, out_d


def _fmpq_values(nums: list[np.ndarray], dens: list[np.ndarray]):
    """fmpq (object array) and correctly rounded floats of ``num/den``, one fmpq per distinct
    value."""
    if not nums:
        return np.zeros(0, object), np.zeros(0)
    small = all(n.dtype != object and d.dtype != object for n, d in zip(nums, dens))
    n = np.concatenate(nums) if small else np.concatenate([x.astype(object) for x in nums])
    d = np.concatenate(dens) if small else np.concatenate([x.astype(object) for x in dens])
    if small and len(n) and n.min() >= 0 and n.max() < 1 << 31 and d.max() < 1 << 31:
        key = (n << 32) | d
        uniq, inv = np.unique(key, return_inverse=True)
        un, ud = (uniq >> 32).tolist(), (uniq & 0xFFFFFFFF).tolist()
    else:
        table: dict[tuple[int, int], int] = {}
        inv = np.empty(len(n), dtype=np.int64)
        un, ud = [], []
        for i, pair in enumerate(zip(n.tolist(), d.tolist())):
            j = table.get(pair)
            if j is None:
                j = table[pair] = len(un)
                un.append(int(pair[0]))
                ud.append(int(pair[1]))
            inv[i] = j
    distinct = np.empty(len(un), dtype=object)
    distinct[:] = [fmpq(a, b) for a, b in zip(un, ud)]
    floats = np.array([a / b for a, b in zip(un, ud)], dtype=np.float64)
    return distinct[inv], floats[inv]


def explore(program: Program, *, max_states: int | None = None,
            progress: Any = False, symmetry: Any = None) -> Explored:
    """Explore the reachable states of ``program`` breadth-first (see the module docstring).

    ``progress``: ``True`` for a progress line on the terminal, or a callable receiving
    :class:`chainlab._progress.ProgressEvent` objects (as every long chainlab computation).
    An interrupt discards the partial exploration. ``symmetry``: a verified
    :class:`chainlab.prism._symmetry.Symmetry`; the states explored are then its orbits.
    """
    limit = config.limits.max_states if max_states is None else int(max_states)
    with Progress("exploring", unit="states expanded", progress=progress, keep=False) as prog:
        with _gc_paused():
            return _Explorer(program, limit, prog, symmetry).run()
