"""The mutual-pair bound, BND-7, and the combination of groups, CMB-1 (proofs/bounds.md).

From an all-alone start with ``k = 1`` and random ties, round 1 creates two kinds of pairs that
no other agent has touched: *quiet mutual pairs* (two agents that asked each other) and *lone
links* (``a`` heard ``h``'s label, and nobody else heard either's label). The rest of the
population is replaced by an adversary restricted only by what the dynamics guarantee -- an agent
changes one memory point per round, so after ``t`` rounds every agent still holds ``r - t``
points of its own label (I-1) and at most ``t - 1`` points of the pair's labels (I-2) -- and a
pair's worst-case probability of becoming pure on one of its two labels within the horizon is the
value of a finite game, computed exactly by backward induction (``_Game``). CMB-1 combines the
pairs: their values form a multi-affine submartingale, so ``P(two pairs succeed) >=
E[P(Bin(M, v) + Bin(L, w) >= 2)]``, with the joint law of the counts ``(M, L)`` exact by
inclusion-exclusion.

Why hand-written: the game is a min-expectation recursion over a few hundred abstract pair
states with adversarial choices inside one agent's move; no library solves such a game exactly
in rationals, and the arithmetic is plain integers scaled by a common denominator per round.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from .._progress import Progress
from .._validate import integer
from ..errors import SpecError
from ..models.gmm import GMMAgents
from ._gmm import _check_model, _params
from ._limits import _alone_labels
from ._types import BoundResult

# Abstract memory of a pair member: counts of (A, C, F) -- its own label A, its partner's own label
# C, and one foreign label F shared by the pair. The category N (index 3) is any other label: it
# appears only in outsiders and in a member's memory right after it heard such a label.
_A, _C, _F, _N = 0, 1, 2, 3

Member = tuple[int, int, int]
Vec4 = tuple[int, int, int, int]


def _members(r: int) -> list[Member]:
    return [(a, c, r - a - c) for a in range(r + 1) for c in range(r + 1 - a)]


def _vec4s(r: int) -> list[Vec4]:
    return [v for v in itertools.product(range(r + 1), repeat=4) if sum(v) == r]  # type: ignore[misc]


def _replace(v: tuple[int, ...], out: int, into: int) -> tuple[int, ...]:
    w = list(v)
    w[out] -= 1
    w[into] += 1
    return tuple(w)


def _evictions(v: tuple[int, ...], x: int) -> list[tuple[int, ...]]:
    """Every memory the farthest-point rule can produce when ``x`` replaces a point of ``v``.

    The positions of the labels are not tracked, so any present label other than ``x`` may be the
    farthest one (a superset of the model's choices, docs/model.md step 3 and 5); a memory holding
    only ``x`` does not change.
    """
    cands = [c for c, m in enumerate(v) if m and c != x]
    if not cands:
        return [v]
    return [_replace(v, c, x) for c in cands]


def _d2(u: tuple[int, ...], v: tuple[int, ...]) -> int:
    return sum((a - b) ** 2 for a, b in zip(u, v))


def _outsider_distance(m: Member, o: Vec4, need: int) -> int | None:
    """Least squared distance from member memory ``m`` to an outsider with category counts ``o``
    that holds at least ``need`` points of one label other than A and C (None: no such outsider).

    The N points of ``o`` are spread over distinct new labels (each adds 1) except, when its own
    label is new, the ``need`` points of that label (they add ``need**2``).
    """
    base = _d2(m, o[:3])
    best = None
    if need == 0 or o[_F] >= need:
        best = base + o[_N]
    if need and o[_N] >= need:
        d = base + need * need + (o[_N] - need)
        best = d if best is None else min(best, d)
    return best


def _merge(a: Vec4, h: Vec4) -> tuple[Member, Member] | None:
    """Pair state after both moves: the N point(s) become the pair's F label when the pair then
    holds one foreign label; ``None`` (counted as failure) when it would hold two or more."""
    labels = set()
    if a[_F] or h[_F]:
        labels.add("F")
    if a[_N]:
        labels.add("Na")
    if h[_N]:
        labels.add("Nh")  # a new label heard by h: counted as different from a's (the worse case)
    if len(labels) > 1:
        return None
    return (a[0], a[1], a[2] + a[3]), (h[0], h[1], h[2] + h[3])


class _Game:
    """Backward induction of the pair game with integer values scaled per round."""

    def __init__(self, r: int, p: Fraction, horizon: int, clean_at: int | None = None,
                 pure_first: bool = False):
        self.r = r
        # clean_at = s: no outsider held A or C at time s, so at time t >= s each holds at most
        # t - s such points (one point changes per round; I-2)
        self.clean_at = clean_at
        # pure_first (with clean_at = 1): every outsider holding A or C at time 2 was pure at
        # time 1 (I-3), so one with more than t - 2 such points at time t >= 2 got the first in
        # round 2 and still holds r + 1 - t points of its own label
        if pure_first and clean_at != 1:
            raise ValueError("pure_first needs clean_at = 1")
        self.pure_first = pure_first
        self.pn, self.pd = p.numerator, p.denominator
        self.horizon = horizon
        self.members = _members(r)
        self.vecs = _vec4s(r)
        self.scale = (self.pd * r * r) ** 2  # one round of both members
        self._outs: dict[tuple[Member, int], list[tuple[int, Vec4]]] = {}

    def outsiders(self, m: Member, t: int) -> list[tuple[int, Vec4]]:
        """(least distance, category counts) of every outsider allowed at time ``t`` (I-1)."""
        key = (m, t)
        got = self._outs.get(key)
        if got is None:
            taint = self.r if self.clean_at is None else t - self.clean_at
            got = []
            for o in self.vecs:
                tau = o[_A] + o[_C]
                if tau > taint:
                    continue
                need = max(0, self.r - t)
                if self.pure_first and tau and tau > t - 2:
                    need = max(0, self.r + 1 - t)
                d = _outsider_distance(m, o, need)
                if d is not None:
                    got.append((d, o))
            got.sort()
            self._outs[key] = got
        return got

    def move(self, mover: Member, cont: Callable[[Vec4], int],
             choose: Callable[[Callable[[Vec4], int]], int], weight: int = 1) -> int:
        """``E[cont(mover's next memory)]`` with adversarial label positions, scaled by
        ``weight pd r^2``. ``choose(partner)`` returns the non-mirroring part, scaled by
        ``weight r^2``, from ``partner(q)``: the value when the partner's memory is ``q``
        (scaled by ``r^2``)."""
        best: list[int] = []
        m4 = (*mover, 0)
        for y in range(4):
            best.append(min(cont(v) for v in _evictions(m4, y)))  # type: ignore[arg-type]
        vals: dict[tuple[int, ...], int] = {}

        def val(temp: tuple[int, ...]) -> int:
            v = vals.get(temp)
            if v is None:
                v = vals[temp] = sum(temp[y] * best[y] for y in range(4) if temp[y])
            return v

        def partner(q: Vec4) -> int:
            return sum(mover[x] * min(val(tp) for tp in _evictions(q, x))
                       for x in range(3) if mover[x])

        rest = choose(partner)
        if self.pn == 0:
            return rest
        return self.pn * weight * partner(m4) + (self.pd - self.pn) * rest

    def side(self, mover: Member, mate: Member, t: int, cont: Callable[[Vec4], int]) -> int:
        """Worst case over the adversary of ``E[cont(mover's next memory)]``, scaled by
        ``pd r^2``: the partner is the mate, any allowed outsider at most as close as the mate,
        or (probability ``p``) the mover itself; label positions are adversarial."""
        dmate = _d2(mover, mate)

        def choose(partner: Callable[[Vec4], int]) -> int:
            worst = partner((*mate, 0))
            for d, o in self.outsiders(mover, t):
                if d > dmate:
                    break
                worst = min(worst, partner(o))
            return worst

        return self.move(mover, cont, choose)

    def values(self, progress: Any = False) -> dict[int, dict[tuple[Member, Member], int]]:
        """``V[t][(a, h)]`` for ``t = 1 .. horizon``, scaled by ``scale ** (horizon - t)``."""
        r, T = self.r, self.horizon
        pureA, pureC = (r, 0, 0), (0, r, 0)
        states = [(a, h) for a in self.members for h in self.members]

        def success(a: Member, h: Member) -> bool:
            return (a == h == pureA) or (a == h == pureC)

        V = {T: {s: int(success(*s)) for s in states}}
        bar = Progress("pair game", total=(T - 1) * len(states), unit="states", progress=progress)
        done = 0
        try:
            for t in range(T - 1, 0, -1):
                nxt = V[t + 1]
                one = self.scale ** (T - t)
                cur = {}
                for a, h in states:
                    if success(a, h):
                        cur[(a, h)] = one
                        continue
                    memo: dict[Vec4, int] = {}

                    def U(a2: Vec4, a: Member = a, h: Member = h,
                          memo: dict[Vec4, int] = memo) -> int:
                        u = memo.get(a2)
                        if u is None:
                            def cont(h2: Vec4) -> int:
                                s = _merge(a2, h2)
                                return 0 if s is None else nxt[s]
                            u = memo[a2] = self.side(h, a, t, cont)
                        return u

                    cur[(a, h)] = self.side(a, h, t, U)
                    done += 1
                    if done % 64 == 0:
                        bar.update(done)
                V[t] = cur
        finally:
            bar.close()
        return V


def _round_one_types(r: int) -> list[tuple[Fraction, Member, Member]]:
    """Law of a mutual pair's state after round 1 (both asked each other, nobody mirrored).

    The asker is pure on its label, the partner pure on another: the query replaces one of the
    partner's points, the answer is the partner's label with probability ``(r - 1)/r``, and then
    the asker evicts one own point; otherwise it hears its own label and keeps its counts."""
    move = [(Fraction(r - 1, r), 1), (Fraction(1, r), 0)]  # (probability, points gained)
    out = []
    for (pa, ga), (ph, gh) in itertools.product(move, move):
        out.append((pa * ph, (r - ga, ga, 0), (gh, r - gh, 0)))
    return out


def _lone_link_values(game: _Game, V: dict[int, dict[tuple[Member, Member], int]],
                      game_pure: _Game, V_pure: dict[int, dict[tuple[Member, Member], int]]
                      ) -> tuple[Fraction, Fraction]:
    """Lower bounds on the value at time 1 of a *lone link* whose asker heard its partner's
    label: with ``h`` pure, and with ``h`` holding one point of another label (``r >= 3``).

    A lone link (:func:`pair_count_law`): ``a`` asked ``h`` and heard ``C``, everyone who asked
    ``a`` heard its own label, nobody but ``a`` asked ``h``, and ``h`` did not ask ``a``. Then
    (proof of BND-7) ``a = (r - 1) A + C`` at time 1 has ``h`` as its only
    nearest agent, and ``h`` is pure on ``C`` (its only nearest agent is ``a``) or holds
    ``(r - 1) C + F``, where ``F`` is the label of the agent ``j`` it asked; its nearest agents
    are then ``a`` and possibly ``j = (r - 1) F + N``, each with probability 1/2. Round 2 is
    exact given these facts (the worse of the cases), then the game from time 2.
    """
    r, T = game.r, game.horizon
    assert game_pure.pure_first and (game_pure.r, game_pure.horizon) == (r, T)
    a: Member = (r - 1, 1, 0)
    j: Vec4 = (0, 0, r - 1, 1)
    out = []
    for h in ((0, r, 0), (0, r - 1, 1)):
        # a pure h: I-3 holds and the sharper game (``game_pure``, with I-3) applies
        g, nxt = (game_pure, V_pure[2]) if h[_F] == 0 else (game, V[2])
        memo: dict[Vec4, int] = {}

        def U(a2: Vec4, h: Member = h, memo: dict[Vec4, int] = memo) -> int:
            u = memo.get(a2)
            if u is None:
                def cont(h2: Vec4) -> int:
                    s = _merge(a2, h2)
                    return 0 if s is None else nxt[s]

                def choose(partner: Callable[[Vec4], int], h: Member = h) -> int:
                    pa = partner((*a, 0))
                    return 2 * pa if h[_F] == 0 else min(2 * pa, pa + partner(j))
                u = memo[a2] = g.move(h, cont, choose, weight=2)
            return u

        def ask_h(partner: Callable[[Vec4], int], h: Member = h) -> int:
            return partner((*h, 0))

        v = g.move(a, U, ask_h)
        out.append(Fraction(v, 2 * g.scale ** (T - 1)))
    return out[0], out[1]


def _lone_link_value(game: _Game, V: dict[int, dict[tuple[Member, Member], int]],
                     game_pure: _Game, V_pure: dict[int, dict[tuple[Member, Member], int]]
                     ) -> Fraction:
    """Lower bound on the mean value at time 1 of a lone link (its asker heard its partner's
    label), over ``h``'s answer."""
    pure, heard = _lone_link_values(game, V, game_pure, V_pure)
    r = game.r
    # h is pure with probability at least 1/r whatever it asked (its answer is its own label
    # with probability 1/r; mirroring keeps it pure), independently of everything else
    if pure >= heard:
        return Fraction(1, r) * pure + Fraction(r - 1, r) * heard
    return heard


def pair_count_law(n: int, q: Fraction, p: Fraction, r: int) -> dict[tuple[int, int], Fraction]:
    """Exact joint law of ``(M, L)``: mutual pairs and lone links of round 1.

    Each of ``n`` agents independently mirrors with probability ``p`` or asks one of the others,
    each with probability ``q`` (``p + (n - 1) q = 1``), and a non-mirroring asker *hears its
    partner's label* with probability ``(r - 1)/r`` (else its own). An agent *taints* the one it
    asked when it heard that one's label. ``M`` counts *quiet mutual pairs*: two agents that
    asked each other and were tainted by nobody else; ``L`` counts *lone links* ``a -> h``: ``a``
    tainted ``h``, nobody else tainted ``a`` or ``h``, and ``h`` did not ask ``a``.
    Bivariate inclusion-exclusion over ``j`` mutual pairs and ``l`` lone links, all disjoint
    (overlapping ones are impossible events); each event is a product over agents:
    ``S_jl = n! / ((n - 2j - 2l)! j! 2^j l!) q^(2j) (q (r - 1)/r)^l P_h^l P_o^(n - 2j - 2l)``
    with ``P_h = p + q (n - 2j - 2l) + q (2j + 2l - 2)/r`` (an ``h`` does not ask its own ``a``
    and taints no group member) and ``P_o = p + q (n - 1 - 2j - 2l) + q (2j + 2l)/r`` (every
    other agent taints no group member).

    Examples
    --------
    >>> from fractions import Fraction
    >>> law = pair_count_law(3, Fraction(1, 2), Fraction(0), 2)
    >>> sorted((k, str(v)) for k, v in law.items() if v)
    [((0, 0), '1/4'), ((0, 1), '3/8'), ((1, 0), '3/8')]
    """
    integer("n", n, low=0)
    integer("r", r, low=1)
    q, p = Fraction(q), Fraction(p)
    if n > 1 and (q < 0 or p < 0 or p + (n - 1) * q != 1):
        raise SpecError(f"q = {q}, p = {p}: need p + (n - 1) q = 1 with both >= 0 "
                        f"(n = {n}); pass q = (1 - p)/(n - 1)")
    f = math.factorial
    heard = q * Fraction(r - 1, r)
    S: dict[tuple[int, int], Fraction] = {}
    for j in range(n // 2 + 1):
        for lk in range((n - 2 * j) // 2 + 1):
            rest = n - 2 * j - 2 * lk
            count = Fraction(f(n), f(rest) * f(j) * 2 ** j * f(lk))
            P_h = p + q * (n - 2 * j - 2 * lk) + q * (2 * j + 2 * lk - 2) / r
            P_o = p + q * (n - 1 - 2 * j - 2 * lk) + q * (2 * j + 2 * lk) / r
            S[(j, lk)] = count * q ** (2 * j) * (heard * P_h) ** lk * P_o ** rest
    law = {}
    for (m, s) in S:
        law[(m, s)] = sum(((-1) ** (j - m + lk - s) * math.comb(j, m) * math.comb(lk, s) * v
                           for (j, lk), v in S.items() if j >= m and lk >= s), Fraction(0))
    return law


def at_least_two_of(m: int, v: Fraction, s: int, w: Fraction) -> Fraction:
    """``P(Bin(m, v) + Bin(s, w) >= 2)`` for independent binomials, exact."""
    v, w = Fraction(v), Fraction(w)
    none = (1 - v) ** m * (1 - w) ** s
    one = (m * v * (1 - v) ** (m - 1) * (1 - w) ** s if m else 0) + \
        (s * w * (1 - w) ** (s - 1) * (1 - v) ** m if s else 0)
    return 1 - none - one


def mutual_pair_bound(model: GMMAgents, *, horizon: int | None = None,
                      progress: Any = False) -> BoundResult:
    """Lower bound BND-7: pairs formed in round 1, each against a one-point-per-round adversary.

    Quiet mutual pairs and lone links of round 1 (:func:`pair_count_law`) are disjoint groups;
    each is valued by an exact game in which every other agent is adversarial within the
    invariants I-1 and I-2, and CMB-1 turns the values into the probability that two of them
    become closed silos (proofs/bounds.md).

    Parameters
    ----------
    model : GMMAgents
        ``neighbours=1``, ``ties="random"``, ``memory >= 2``, ``mirror < 1``, and an all-alone
        start: every agent pure on its own label, no two agents on one label (the default start
        when ``agents <= components``).
    horizon : int, optional
        A pair must become pure on one of its two labels within this many rounds
        (default ``2 * memory + 2``). Larger horizons give larger bounds and cost linearly more.
    progress : bool or callable, default False
        Progress of the game's backward induction.

    Returns
    -------
    BoundResult
        ``value`` exact; ``details`` hold the mutual pairs' values by round-1 type and their
        mean ``pair_value`` (``v``), the lone links' ``link_value`` (``w``) and the joint law
        ``count_law`` of their numbers.

    Raises
    ------
    SpecError
        Outside the assumptions above, or for a horizon below ``memory``.

    See Also
    --------
    chainlab.bounds.sequence_bound : BND-4, for every tie rule and ``k``.

    Examples
    --------
    >>> from chainlab.models import GMMAgents
    >>> b = mutual_pair_bound(GMMAgents(agents=4, components=4, memory=2, neighbours=1))
    >>> b.claim, b.horizon, b.value > 0
    ('BND-7', 6, True)
    """
    model = _check_model(model)
    n, _, r, k, p = _params(model)
    fix = "BND-7 covers k = 1, ties='random', memory >= 2, mirror < 1 from an all-alone start"
    if k != 1:
        raise SpecError(f"neighbours = {k}: {fix}; use sequence_bound or coupling_bound")
    if model.ties != "random":
        raise SpecError(f"ties = {model.ties!r}: {fix} (with index ties every agent picks the "
                        "same partner in round 1, so there is at most one mutual pair)")
    if r < 2:
        raise SpecError(f"memory = {r}: {fix}")
    if p >= 1:
        raise SpecError(f"mirror = {p}: {fix}")
    _alone_labels(model, "mutual_pair_bound (BND-7)")
    if horizon is None:
        horizon = 2 * r + 2
    integer("horizon", horizon, low=r)
    # quiet mutual pairs and lone links: no outsider holds a point of the pair's labels at
    # time 1 (I-2 from s = 1); and for mutual pairs and lone links with a pure h, the outsiders
    # that take such a point in round 2 were pure (I-3)
    game = _Game(r, p, horizon, clean_at=1, pure_first=True)
    V = game.values(progress=progress)
    den = game.scale ** (horizon - 1)
    types = []
    vbar = Fraction(0)
    for w, a, h in _round_one_types(r):
        val = Fraction(V[1][(a, h)], den)
        types.append({"a": a, "h": h, "probability": w, "value": val})
        vbar += w * val
    q = (1 - p) / (n - 1) if n > 1 else Fraction(0)
    wbar = Fraction(0)
    if r >= 3:  # for r = 2 agents that heard F tie with a as h's nearest (proofs/bounds.md)
        plain = _Game(r, p, horizon, clean_at=1)  # for h holding F, where I-3 can fail
        wbar = _lone_link_value(plain, plain.values(progress=progress), game, V)
    law = pair_count_law(n, q, p, r)
    value = sum((pm * at_least_two_of(m, vbar, s, wbar) for (m, s), pm in law.items()),
                Fraction(0))
    return BoundResult(
        "mutual-pairs", value, claim="BND-7",
        assumptions="k = 1, random ties, r >= 2, p < 1, all-alone start",
        ties=model.ties, horizon=horizon, parameters=model.describe(),
        details={"pair_value": vbar, "link_value": wbar, "types": types,
                 "count_law": law, "combination": "CMB-1"})
