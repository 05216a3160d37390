r"""The staged-conversion lower bound on polarization, BND-6 (private; re-exported by
:mod:`chainlab.bounds`).

Definitions (``proofs/bounds.md``, BND-6)
-----------------------------------------
* A *configuration* ``x`` is an all-pure joint state, written as the label of every agent.
* A *conversion* ``o = (i, t)`` of ``x`` moves one agent ``i`` of an open group ``c`` (at most
  ``k`` agents) to a label ``t != c`` whose group is at least as large (``g_t >= g_c >= 1``);
  ``x^o`` is ``x`` with agent ``i`` pure on ``t``. The sum of squared group sizes grows by
  ``2(g_t - g_c + 1) > 0``, so configurations and conversions form a finite DAG.
* The *stage* of ``x``: ``x``, the converter states ``y_m(o)`` (``x`` with agent ``i`` at
  ``(r - m) e_c + m e_t``, ``1 <= m <= r - 1``) and the first-contact states ``z(b, d)`` (``x``
  with an open agent ``b`` holding one point of ``d``). At most one agent is mixed and every
  other agent keeps its state; the converter's count of ``t`` moves by at most one per round, so
  a conversion is a killed birth-death chain in ``m`` with retries (``m`` may fall back to 0 and
  start again, any number of times). From ``z(b, d)`` a *bridge* is counted too: ``b`` returns
  to pure while another agent takes its first point of a conversion from it. With ``r = 2`` the
  stage also holds the states ``z(M)`` where a set ``M`` of ``2..max_simultaneous`` open agents
  took one foreign point each in the same round; each resolves in the next round (up: pure on
  its new label; down: back), and the outcomes are counted when their configuration is ``x`` or
  has a larger sum of squared group sizes (induction goes over that sum).
* The *local sub-chain* of ``x`` (``max_deviating = D``, module
  :mod:`chainlab.bounds._coupling_local`): ``x`` and every state that is not all-pure, not
  split, and has at most ``D`` agents that are not pure on their label in ``x``, with the
  model's exact transition law, killed on leaving it; an exit pays ``1`` at a split state,
  ``W(x')`` at a configuration with a larger sum of squared group sizes, ``0`` elsewhere. Its
  exact value at ``x`` (one linear solve over the local set) counts what the roles above miss:
  several agents mixed for several rounds, pure agents changing label while others are mixed.

The bound is ``W(x_0)`` for the recursion over the DAG, children first,

.. math::

    W(x) = \max\Big(B_4(x),\ \frac{c_0(x)}{1 - c_1(x)},\ h_x(x)\Big),

where ``W(x) = c_0 + c_1 W(x)`` is the stage's first-step equation
``W = S W + sum_{b,d} Z(b, d) h(z(b, d))``: ``S`` is the probability that every agent keeps its
state, ``Z(b, d)`` that ``b`` takes one point of ``d`` while all others keep, and ``h(z)`` is
affine in ``W(x)`` and the children's values (birth-death solutions). ``W = 1`` on split
configurations, ``0`` where POL-2 decides consensus; ``B_4`` is the sequence bound (BND-4);
``h_x(x)`` the value of the local sub-chain. Every
coefficient is a product of exact one-agent transition probabilities (docs/model.md, "The discretized chain") at one
explicit joint state.
"""

from __future__ import annotations

from fractions import Fraction

from .._chain.values import fmpq_to_fraction
from .._validate import integer
from ..errors import SpecError, StateSpaceLimitError
from ..models.gmm import GMMAgents
from ._coupling_local import local_stage
from ._gmm import (
    _check_model,
    _initial_labels,
    _params,
    closed_silos,
    is_split,
    sequence_bound,
)
from ._types import BoundResult, _Common

_ASSUME = ("GMM chain (docs/model.md), memory r >= 2, mirror p < 1, every agent pure at "
           "the start; both k-set tie rules (configurations are multisets for ties='random', "
           "label tuples for ties='index')")


def coupling_bound(model: GMMAgents, *, max_simultaneous: int = 3, max_deviating: int = 2,
                   max_configs: int = 20_000) -> BoundResult:
    r"""Lower bound from staged conversions with retries (claim BND-6).

    The chain is compared with a small abstract chain: starting from the all-pure initial
    configuration, one agent of an open group at a time converts to a label whose group is at
    least as large, through the memory states ``(r - m) e_c + m e_t``, while every other agent
    keeps its state. A conversion may take any number of rounds and may fall back to its start
    and be retried (the configuration's self-loop and the down-steps are geometric series, a
    birth-death chain in ``m``); a first contact may also go through a *bridge*, an agent that
    holds one foreign point for one round. With ``r = 2`` the first contacts of up to
    ``max_simultaneous`` agents in one round are counted too, each resolved in the next round.
    Each configuration also gets the exact value of its *local sub-chain*: the chain killed as
    soon as more than ``max_deviating`` agents are off their label in the configuration (or it
    reaches another all-pure configuration or a split state), one exact linear solve.
    Configurations are visited in an order in which the sum of squared group sizes grows, so
    the value is one pass of scalar recursions over all-pure configurations (no linear solve
    over the state space; no compiled chain). At every configuration the sequence bound (BND-4) is used when it is larger.

    Parameters
    ----------
    model : GMMAgents
        Every agent pure at the start; ``memory >= 2``; ``mirror < 1``; either tie rule.
    max_simultaneous : int, default 3
        With ``r = 2``, also count rounds in which ``2..max_simultaneous`` open agents take their
        first foreign point at once (1: one at a time). Larger is sharper and slower: each
        configuration enumerates the sets of that many open agents and their labels.
    max_deviating : int, default 2
        ``D``: the local sub-chain of a configuration holds the states (not all-pure, not split)
        with at most ``D`` agents that are not pure on their label there (0: no local
        sub-chains). Larger is sharper and slower; ``D = n`` is close to a solve of the chain.
    max_configs : int, default 20000
        Refuse to visit more all-pure configurations (the count is small for
        ``ties="random"``, where configurations are multisets of labels).

    Returns
    -------
    BoundResult
        ``horizon = None`` (the conversions may take any number of rounds);
        ``details["num_configs"]`` is the number of configurations visited,
        ``details["from_sequence"]`` and ``details["from_local"]`` how many of them used the
        sequence bound and the local sub-chain, ``details["local_skipped"]`` at how many the
        local sub-chain had more than 5000 states and was not used. The value is
        ``1`` when the start is already split and ``0`` when POL-2 rules polarization out (both
        exact).

    Raises
    ------
    SpecError
        ``model`` is not a :class:`~chainlab.models.GMMAgents`, ``memory < 2``, ``mirror == 1``,
        a non-pure initial agent, or no staged plan and no sequence plan exists from this start
        (only with ``ties="index"``: every open agent reaches only one label; use
        :func:`~chainlab.bounds.restricted_bound`).
    StateSpaceLimitError
        More than ``max_configs`` configurations (use ``ties="random"`` or
        :func:`~chainlab.bounds.sequence_bound`).

    See Also
    --------
    chainlab.bounds.sequence_bound : BND-4, one explicit ``r``-round plan.
    chainlab.bounds.restricted_bound : BND-5, an exact sub-chain (not a closed form).

    Notes
    -----
    Claim BND-6 (``proofs/bounds.md``). Cost: per configuration, ``O(n)`` one-agent laws at each
    of the ``O(n K r)`` states of its stage (cached by key; with ``ties="random"`` agents on one
    label share them) and one scalar division; the number of configurations grows quickly with
    ``n`` when many agents start alone (462 for ``n = K = 6, k = 1``, about 10 s with the local
    sub-chains, 5 s without), so this is not a closed form in ``n``. The local sub-chain of a
    configuration has ``O(C(n, D) (K^r)^D)`` states, each with a product over agents of
    one-agent laws, and one exact solve (``fmpq_mat``); above 5000 states it is skipped (the
    configuration keeps its other values; counted in ``details["local_skipped"]``).

    Dependence on ``p``: every first contact ``Z(b, d)`` carries the factor ``1 - p`` of agent
    ``b`` (a pure agent that mirrors never changes), so the bound tends to 0 as ``p -> 1``; the
    other factors (agents keeping their state, the converter gaining from its own memory) grow
    with ``p``. Over the non-trivial instances of the exhaustive range the exact value is at most
    2.6 times the bound (median 1.12; BND-4: 3140 and 227; 4.63 and 1.75 with
    ``max_deviating=0``).

    Examples
    --------
    >>> from chainlab.models import GMMAgents
    >>> b = coupling_bound(GMMAgents(agents=4, components=3, memory=2, neighbours=1))
    >>> b.value, b.claim, b.details["num_configs"]
    (Fraction(195969, 621241), 'BND-6', 6)
    >>> coupling_bound(GMMAgents(agents=4, components=3, memory=2, neighbours=1),
    ...                max_deviating=0).value  # the staged recursion alone
    Fraction(1322, 4329)
    >>> coupling_bound(GMMAgents(agents=5, components=3, memory=2, neighbours=2)).value
    Fraction(0, 1)
    """
    model = _check_model(model)
    n, K, r, k, p = _params(model)
    max_configs = integer("max_configs", max_configs, low=1)
    max_simultaneous = integer("max_simultaneous", max_simultaneous, low=1,
                               fix="1: one first contact per round")
    max_deviating = integer("max_deviating", max_deviating, low=0, fix="0: no local sub-chains")
    labels0 = _initial_labels(model, "coupling_bound")
    if r < 2:
        raise SpecError("coupling_bound needs memory >= 2 (with r = 1 every state is absorbing: "
                        "P(polarization) is 1 if the start has two silos, else 0)")
    if p >= 1:
        raise SpecError("coupling_bound needs mirror < 1 (with p = 1 agents only talk to "
                        "themselves and a pure start never changes)")
    common: _Common = {"claim": "BND-6", "assumptions": _ASSUME, "ties": model.ties,
                       "parameters": model.describe()}
    stage = _Stages(model, n, K, r, k, max_configs, max_simultaneous, max_deviating)
    value = stage.value(stage.canon(labels0))
    root = stage.canon(labels0)
    if value == 0 and stage.undecided(root):
        raise SpecError(
            f"coupling_bound: no staged conversion plan and no sequence plan exists from this "
            f"start under ties={model.ties!r} (every open agent's k-set reaches only one label); "
            "use restricted_bound(model) instead")
    details = {"num_configs": len(stage.memo), "from_sequence": stage.from_sequence,
               "from_local": stage.from_local, "local_skipped": stage.local_skipped,
               "root": stage.how.get(root, "")}
    return BoundResult("coupling", value, details=details, **common)


class _Stages:
    """The recursion of BND-6 over all-pure configurations (label tuples)."""

    def __init__(self, model: GMMAgents, n: int, K: int, r: int, k: int, max_configs: int,
                 max_simultaneous: int = 3, max_deviating: int = 0,
                 max_local_states: int = 5_000):
        self.model, self.n, self.K, self.r, self.k = model, n, K, r, k
        self.max_configs = max_configs
        self.lumped = model.ties == "random"
        self.mirror = fmpq_to_fraction(model.mirror)
        self.laws: dict[tuple, dict[tuple[int, ...], Fraction]] = {}
        self.memo: dict[tuple[int, ...], Fraction] = {}
        self.how: dict[tuple[int, ...], str] = {}
        self.from_sequence = 0
        # state -> role values, when recording (_stage_roles)
        self.roles: dict[tuple, list[Fraction]] | None = None
        self.max_simultaneous = max_simultaneous
        self.max_deviating = max_deviating
        self.max_local_states = max_local_states
        self.from_local = 0
        self.local_skipped = 0

    # ------------------------------------------------------------------ helpers
    def canon(self, labels) -> tuple[int, ...]:
        return tuple(sorted(labels)) if self.lumped else tuple(labels)

    def canon_state(self, state) -> tuple:
        return tuple(sorted(state)) if self.lumped else tuple(state)

    def is_split_state(self, state) -> bool:
        return is_split(state, neighbours=self.k)

    def is_dead_state(self, state) -> bool:
        """A closed silo of at least ``n - k`` agents: consensus for sure (POL-2)."""
        sil = closed_silos(state, neighbours=self.k)
        return bool(sil) and max(sil.values()) >= self.n - self.k

    def pure(self, c: int) -> tuple[int, ...]:
        return tuple(self.r if d == c else 0 for d in range(self.K))

    def mixed(self, c: int, t: int, m: int) -> tuple[int, ...]:
        return tuple(self.r - m if d == c else m if d == t else 0 for d in range(self.K))

    def law(self, state: tuple, i: int) -> dict[tuple[int, ...], Fraction]:
        """Exact law of agent ``i``'s next counts (docs/model.md, "The discretized chain")."""
        key = (tuple(sorted(state)), state[i]) if self.lumped else (state, i)
        got = self.laws.get(key)
        if got is None:
            den, nums = self.model.integer_distribution(state, i)
            got = self.laws[key] = {s: Fraction(v, den) for s, v in nums.items()}
        return got

    def keep(self, state: tuple, i: int) -> Fraction:
        return self.law(state, i).get(state[i], Fraction(0))

    def sizes(self, labels) -> dict[int, int]:
        out: dict[int, int] = {}
        for c in labels:
            out[c] = out.get(c, 0) + 1
        return out

    def undecided(self, labels) -> bool:
        g = self.sizes(labels)
        closed = [s for s in g.values() if s >= self.k + 1]
        return len(closed) < 2 and not (closed and max(closed) >= self.n - self.k) \
            and self.n >= 2 * (self.k + 1)

    # ------------------------------------------------------------------ recursion
    def value(self, labels: tuple[int, ...]) -> Fraction:
        """``W(x)`` by depth-first recursion (children have a larger sum of squared sizes)."""
        got = self.memo.get(labels)
        if got is not None:
            return got
        g = self.sizes(labels)
        closed = [s for s in g.values() if s >= self.k + 1]
        if len(closed) >= 2:
            val = Fraction(1)  # split (SIL-1)
        elif not self.undecided(labels):
            val = Fraction(0)  # consensus for sure (POL-2)
        else:
            if len(self.memo) >= self.max_configs:
                raise StateSpaceLimitError(
                    f"coupling_bound: more than max_configs={self.max_configs} all-pure "
                    "configurations; raise max_configs or use sequence_bound")
            staged = self._staged(labels, g)
            local = Fraction(0)
            if self.max_deviating >= 1:
                try:
                    local, local_vals = local_stage(self, labels, g, self.max_deviating,
                                                    self.max_local_states)
                except StateSpaceLimitError:  # too large here: this configuration goes without
                    local, local_vals = Fraction(0), {}
                    self.local_skipped += 1
                if self.roles is not None:
                    for state, v in local_vals.items():
                        self.roles.setdefault(tuple(state), []).append(v)
            seq = self._sequence(labels)
            val = max(staged, local, seq)
            if self.roles is not None:
                self.roles.setdefault(tuple(self.pure(c) for c in labels), []).append(staged)
            if seq == val and seq > max(staged, local):
                self.from_sequence += 1
                self.how[labels] = "sequence"
            elif local > staged:
                self.from_local += 1
                self.how[labels] = "local"
            else:
                self.how[labels] = "staged"
        self.memo[labels] = val
        return val

    def _sequence(self, labels) -> Fraction:
        m = self.model
        sub = GMMAgents(agents=self.n, components=self.K, memory=self.r,
                        neighbours=self.k, mirror=self.mirror, ties=m.ties, initial=list(labels))
        try:
            return sequence_bound(sub).value
        except SpecError:
            return Fraction(0)

    def _staged(self, labels: tuple[int, ...], g: dict[int, int]) -> Fraction:
        """The stage recursion at ``x``: ``W = c0 + c1 W`` solved for ``W``."""
        n, k = self.n, self.k
        x = tuple(self.pure(c) for c in labels)
        keep_x = [self.keep(x, j) for j in range(n)]
        S = _prod(keep_x)
        openers = [i for i, c in enumerate(labels) if g[c] <= k]  # closed agents never move
        # conversions o = (i, t): g_t >= g_c; value g_o(1) = a1 W' + b1 W, g_o(2) = a2 W' + b2 W
        conv: dict[tuple[int, int], tuple] = {}
        for i in openers:
            c = labels[i]
            for t in sorted(g):
                if t == c or g[t] < g[c]:
                    continue
                coef = self._conversion(x, i, c, t)
                if coef is None:
                    continue
                child = list(labels)
                child[i] = t
                conv[(i, t)] = (self.value(self.canon(child)), coef)
        c0, c1 = Fraction(0), S
        seen: set = set()
        bridges: dict = {}
        multi: dict = {}  # (M, targets) -> value of z(M), r = 2
        for b in openers:
            cb = labels[b]
            for d in sorted(g):
                if d == cb:
                    continue
                if self.lumped:
                    if (cb, d) in seen:
                        continue
                    seen.add((cb, d))
                    mult = sum(1 for j in openers if labels[j] == cb)
                else:
                    mult = 1
                first = self.mixed(cb, d, 1)
                Z = self.law(x, b).get(first, Fraction(0)) * _prod(keep_x, skip=(b,))
                if Z == 0:
                    continue
                e0, e1 = self._first_step_value(labels, g, x, b, cb, d, conv, openers, multi)
                if self.roles is not None:
                    zz = list(x)
                    zz[b] = first
                    bridges[tuple(zz)] = (e0, e1)
                c0 += mult * Z * e0
                c1 += mult * Z * e1
        if self.r == 2 and self.max_simultaneous >= 2:
            e0, e1 = self._simultaneous(labels, g, x, keep_x, openers, multi)
            c0 += e0
            c1 += e1
        W = c0 / (1 - c1) if c1 < 1 else Fraction(0)
        if self.roles is not None:
            self._record(labels, x, W, conv, bridges, multi)
        return W

    def _record(self, labels, x, W, conv, bridges, multi) -> None:
        """Role values of the stage's states (for the mechanical check of the proof)."""
        roles = self.roles
        if roles is None:  # not recording
            return

        def put(state, v):
            roles.setdefault(tuple(state), []).append(v)

        for (i, t), (Wc, coef) in conv.items():
            c = [l for l, v in enumerate(x[i]) if v][0]
            for m, (a, b) in enumerate(coef[:-1], start=1):
                y = list(x)
                y[i] = self.mixed(c, t, m)
                put(y, a * Wc + b * W)
        for z, (e0, e1) in bridges.items():
            put(z, e0 + e1 * W)
        for (M, targets), (e0, e1) in multi.items():
            z = list(x)
            for b, d in zip(M, targets):
                z[b] = self.mixed(labels[b], d, 1)
            put(z, e0 + e1 * W)

    def _simultaneous(self, labels, g, x, keep_x, openers, multi):
        """``r = 2``: first contacts of a set ``M`` of ``2..max_simultaneous`` open agents in one
        round from ``x`` (every other agent keeps); value of each ``z(M)`` by :meth:`_multi`."""
        c0, c1 = Fraction(0), Fraction(0)
        for M, targets in self._contact_sets(openers, labels, g, ()):
            rest = [j for j in range(self.n) if j not in M]
            first = _prod([keep_x[j] for j in rest])
            for b, d in zip(M, targets):
                first *= self.law(x, b).get(self.mixed(labels[b], d, 1), Fraction(0))
                if first == 0:
                    break
            if first == 0:
                continue
            e0, e1 = self._multi(labels, g, x, M, targets, multi)
            c0 += first * e0
            c1 += first * e1
        return c0, c1

    def _contact_sets(self, openers, labels, g, exclude):
        """Sets ``M`` of ``2..max_simultaneous`` open agents (not in ``exclude``) with a foreign
        present label for each."""
        from itertools import combinations, product

        pool = [i for i in openers if i not in exclude]
        for size in range(2, min(self.max_simultaneous, len(pool)) + 1):
            for M in combinations(pool, size):
                choices = [[d for d in sorted(g) if d != labels[b]] for b in M]
                for targets in product(*choices):
                    yield M, targets

    def _multi(self, labels, g, x, M, targets, multi):
        """Value ``e0 + e1 W`` of ``z(M)`` (``r = 2``): every ``b in M`` at ``e_{l_b} + e_{d_b}``.
        Each resolves in one round, up (pure on ``d_b``) or down (back), every other agent
        keeping; outcomes whose configuration is ``x`` or has a larger sum of squared group
        sizes are counted."""
        from itertools import product

        got = multi.get((M, targets))
        if got is not None:
            return got
        base = sum(v * v for v in g.values())
        x_canon = self.canon(labels)
        zs = list(x)
        for b, d in zip(M, targets):
            zs[b] = self.mixed(labels[b], d, 1)
        z = tuple(zs)
        keep_z = _prod([self.keep(z, j) for j in range(self.n) if j not in M])
        ups = [self.law(z, b).get(self.pure(d), Fraction(0)) for b, d in zip(M, targets)]
        downs = [self.law(z, b).get(x[b], Fraction(0)) for b in M]
        e0, e1 = Fraction(0), Fraction(0)
        if keep_z:
            for outcome in product((0, 1), repeat=len(M)):
                q = keep_z
                child = list(labels)
                for up, dn, o, b, d in zip(ups, downs, outcome, M, targets):
                    q *= up if o else dn
                    if o:
                        child[b] = d
                if q == 0:
                    continue
                cc = self.canon(child)
                if cc == x_canon:
                    e1 += q
                elif sum(v * v for v in self.sizes(child).values()) > base:
                    e0 += q * self.value(cc)
        multi[(M, targets)] = (e0, e1)
        return e0, e1

    def _first_step_value(self, labels, g, x, b, cb, d, conv, openers, multi):
        """Value ``e0 + e1 W`` of ``z = y_1(b, d)``: agent ``b`` holds one point of ``d``.

        Counted from ``z`` (every other agent not named keeps its state): ``b`` returns to pure
        (back to ``x``); ``b`` returns while a converter ``i != b`` takes its first point (the
        *bridge*: value ``g_o(1)``); with ``r = 2``, ``b`` returns while a set ``M`` of
        ``2..max_simultaneous`` other agents take a first point each (value of ``z(M)``);
        ``b`` takes a second point of ``d`` (value ``g_(b,d)(2)`` when ``(b, d)`` is a
        conversion)."""
        n = self.n
        zs = list(x)
        zs[b] = self.mixed(cb, d, 1)
        z = tuple(zs)
        keep_z = [self.keep(z, j) for j in range(n)]
        lb = self.law(z, b)
        back = lb.get(x[b], Fraction(0))
        e0 = Fraction(0)
        e1 = back * _prod(keep_z, skip=(b,))
        if back:
            for (i, t), (Wc, coef) in conv.items():
                if i == b:
                    continue
                a1, b1 = coef[0]
                q = self.law(z, i).get(self.mixed(labels[i], t, 1), Fraction(0))
                if q == 0:
                    continue
                q *= back * _prod(keep_z, skip=(b, i))
                e0 += q * a1 * Wc
                e1 += q * b1
            if self.r == 2:
                for M, targets in self._contact_sets(openers, labels, g, (b,)):
                    q = back * _prod(keep_z, skip=(b,) + M)
                    for i, t in zip(M, targets):
                        q *= self.law(z, i).get(self.mixed(labels[i], t, 1), Fraction(0))
                        if q == 0:
                            break
                    if q == 0:
                        continue
                    f0, f1 = self._multi(labels, g, x, M, targets, multi)
                    e0 += q * f0
                    e1 += q * f1
        if (b, d) in conv:
            Wc, coef = conv[(b, d)]
            a2, b2 = coef[1]
            u1 = lb.get(self.mixed(cb, d, 2), Fraction(0)) * _prod(keep_z, skip=(b,))
            e0 += u1 * a2 * Wc
            e1 += u1 * b2
        return e0, e1

    def _conversion(self, x, i, c, t):
        """``[(a_m, b_m)]``: ``g(m) = a_m W(x^o) + b_m W(x)`` of the conversion ``(i, t)``,
        ``m = 1..r``, or ``None`` (degenerate)."""
        ups, downs = [], []
        for m in range(1, self.r):
            ys = list(x)
            ys[i] = self.mixed(c, t, m)
            y = tuple(ys)
            others = _prod([self.keep(y, j) for j in range(self.n)], skip=(i,))
            li = self.law(y, i)
            ups.append(li.get(self.mixed(c, t, m + 1), Fraction(0)) * others)
            downs.append(li.get(self.mixed(c, t, m - 1), Fraction(0)) * others)
        return _birth_death(ups, downs)


def _prod(values, skip=()) -> Fraction:
    out = Fraction(1)
    for j, v in enumerate(values):
        if j not in skip:
            out *= v
    return out


def _birth_death(ups, downs):
    """``[(a_m, b_m)]`` for ``m = 1..r`` with ``g(m) = a_m g(r) + b_m g(0)``, for the killed
    birth-death chain ``g(m) = u_m g(m+1) + d_m g(m-1)`` on ``m = 1..r-1`` (forward elimination
    and back substitution, O(r)); ``None`` when degenerate (a cycle without exit: the
    conversion is then not used).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> [(str(a), str(b)) for a, b in _birth_death([F(3, 4)], [F(1, 4)])]
    [('3/4', '1/4'), ('1', '0')]
    """
    coefs = []  # g(m) = A_m g(m+1) + B_m g(0)
    A, B = Fraction(0), Fraction(1)
    for u, d in zip(ups, downs):
        dd = 1 - d * A
        if dd == 0:
            return None
        A, B = u / dd, d * B / dd
        coefs.append((A, B))
    vals = [(Fraction(1), Fraction(0))]  # g(r)
    for A, B in reversed(coefs):
        a, b = vals[-1]
        vals.append((A * a, A * b + B))
    return vals[::-1]  # g(1), ..., g(r)


def _stage_roles(model: GMMAgents, max_simultaneous: int = 3, max_deviating: int = 2
                 ) -> tuple[Fraction, dict[tuple, list[Fraction]]]:
    """The bound and the role values of every stage state (joint states in agent order; for
    ``ties="random"`` on representatives of the multisets). Used by the tests to check the
    proof's key inequality ``sum_y P(s, y) h(y) >= h(s)`` on compiled chains."""
    model = _check_model(model)
    n, K, r, k, _ = _params(model)
    stage = _Stages(model, n, K, r, k, 10**6, max_simultaneous, max_deviating)
    stage.roles = {}
    value = stage.value(stage.canon(_initial_labels(model, "coupling_bound")))
    return value, stage.roles
