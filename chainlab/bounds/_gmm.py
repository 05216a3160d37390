r"""Closed silos and the GMM-specific lower bounds (private; re-exported by :mod:`chainlab.bounds`).

Definitions (``proofs/polarization.md``)
----------------------------------------
* Agent ``i`` is *pure on* label ``a`` when all ``r`` of its memory points carry label ``a``
  (counts ``N_i = r e_a``).
* A *closed silo* is the set of agents pure on one label ``a`` when there are at least ``k + 1``
  of them (claim SIL-1). By POL-1 a closed silo never loses a member.
* A state is *split* when it has two or more closed silos (on different labels). By POL-1 and
  POL-3 (``r >= 2``, ``p < 1``) the chain polarizes exactly when it reaches a split state.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from .._chain.values import fmpq_to_fraction
from .._validate import integer
from ..errors import SpecError, StateSpaceLimitError
from ..models.gmm import GMMAgents
from ..models.silos import (  # the silo read-outs live with the model; re-exported here
    _check_k,  # noqa: F401
    _pure_label,
    _silo_sizes,  # noqa: F401
    closed_silos,
    is_split,
    split_from_labels,  # noqa: F401
    split_from_weights,  # noqa: F401
)
from ._types import BoundResult, _Common

_ASSUME_SEQ = ("GMM chain (docs/model.md), memory r >= 2, mirror p < 1, every agent pure "
               "at the start; both k-set tie rules (the plan is searched under the given rule)")
_ASSUME_RESTRICTED = ("GMM chain (docs/model.md), any r, p, tie rule and initial state "
                      "(exact sub-chain of the model's own transition law)")


# --------------------------------------------------------------------------- the model
def _check_model(model: Any, argname: str = "model") -> GMMAgents:
    if not isinstance(model, GMMAgents):
        raise SpecError(f"{argname} must be a chainlab.models.GMMAgents, got "
                        f"{type(model).__name__}; build one with GMMAgents(agents=..., ...)")
    return model


def _params(model: GMMAgents) -> tuple[int, int, int, int, Fraction]:
    return (model.num_agents, model.components, model.memory, model.neighbours,
            fmpq_to_fraction(model.mirror))


def _initial_labels(model: GMMAgents, what: str) -> list[int]:
    r = model.memory
    labels = [_pure_label(a, r) for a in model.initial_agents()]
    if min(labels) < 0:
        bad = labels.index(-1)
        raise SpecError(
            f"{what} assumes every agent is pure at the start, but agent {bad} starts with "
            f"counts {model.initial_agents()[bad]}; give initial=[labels] or use restricted_bound")
    return labels


def fate_of_initial_state(model: GMMAgents) -> str | None:
    """The polarization fate when it is decided by the initial state alone, else ``None``.

    ``"polarized"`` when the start already has two closed silos (POL-1); ``"consensus"`` when
    ``r >= 2``, ``p < 1`` and either ``n < 2(k + 1)`` or a closed silo holds at least ``n - k``
    agents (POL-2).

    See Also
    --------
    chainlab.bounds.simulate_split : Simulate the fate when the start does not decide it.
    chainlab.polarization.polarization : The exact probabilities of each fate.

    Examples
    --------
    >>> from chainlab.models import GMMAgents
    >>> fate_of_initial_state(GMMAgents(agents=5, components=3, memory=2, neighbours=2))
    'consensus'
    >>> fate_of_initial_state(GMMAgents(agents=4, components=2, memory=2, neighbours=1))
    'polarized'
    >>> fate_of_initial_state(GMMAgents(agents=4, components=4, memory=2, neighbours=1)) is None
    True
    """
    model = _check_model(model)
    n, _, r, k, p = _params(model)
    silos = closed_silos(model.initial_agents(), neighbours=k)
    if len(silos) >= 2:
        return "polarized"
    if r >= 2 and p < 1:
        if n < 2 * (k + 1) or (silos and max(silos.values()) >= n - k):
            return "consensus"
    return None


# --------------------------------------------------------------------------- BND-4: sequence
def _seq_factors(n: int, r: int, k: int, p: Fraction):
    def seed_first(g: int) -> Fraction:
        if g >= k + 1:
            return Fraction(1)
        return p + (1 - p) * ((g - 1) + Fraction(k - g + 1, r)) / k

    def seed_later(s: int) -> Fraction:
        mu = min(k, s - 1)
        return p + (1 - p) * (mu + Fraction(k - mu, r)) / k

    def rho(m: int) -> Fraction:
        return p * Fraction(m * (m + 1) + (r - m) * (m - 1), r * r) + (1 - p) * Fraction(m, r * r)

    conv_later = math.prod((rho(m) for m in range(1, r)), start=Fraction(1))
    return seed_first, seed_later, conv_later


def _contact_weights(labels: list[int], k: int, ties: str) -> dict[tuple[int, int], Fraction]:
    """``omega[(c, t)]``: probability that a non-mirroring agent on label ``c`` picks a partner
    pure on ``t`` in the initial all-pure state (Lemma D of proofs/polarization.md)."""
    n = len(labels)
    size: dict[int, int] = {}
    for lab in labels:
        size[lab] = size.get(lab, 0) + 1
    out: dict[tuple[int, int], Fraction] = {}
    for c, g in size.items():
        if g > k:
            continue  # closed: its k-set is its own silo
        slots = k - g + 1
        if ties == "random":
            for t, gt in size.items():
                if t != c:
                    out[(c, t)] = Fraction(slots, k) * Fraction(gt, n - g)
        else:
            foreign = [j for j in range(n) if labels[j] != c][:slots]
            for j in foreign:
                out[(c, labels[j])] = out.get((c, labels[j]), Fraction(0)) + Fraction(1, k)
    return out


def sequence_bound(model: GMMAgents) -> BoundResult:
    r"""Closed-form lower bound from one explicit ``r``-round sequence that forms two closed silos.

    The plan (claim BND-4, ``proofs/bounds.md``): pick labels ``a != b`` and sets ``A``, ``B`` of
    ``k + 1`` agents each; *seeds* are agents already pure on their set's label, *converters*
    come from open groups. In round 1 (all agents pure, so every k-set is known exactly) every
    seed keeps its label and every converter takes one point of its target label from a partner
    pure on it; in rounds ``2..r`` seeds keep their label and converters add one target point
    per round, bounded against the worst possible partner. Other agents are unconstrained. The
    bound is the product

    .. math::

        \prod_{\text{seeds}} \sigma_1(g)\,\sigma(s)^{r-1}
        \prod_{\text{converters } c \to t} (1-p)\,\omega(c,t)\,\tfrac{r-1}{r}
        \prod_{m=1}^{r-1} \rho(m),

    maximised over plans, with
    :math:`\sigma_1(g) = p + (1-p)\,[(g-1) + (k-g+1)/r]/k` (1 for a closed group),
    :math:`\sigma(s) = p + (1-p)\,[\mu + (k-\mu)/r]/k`, :math:`\mu = \min(k, s-1)`,
    :math:`\rho(m) = p\,[m(m+1) + (r-m)(m-1)]/r^2 + (1-p)\,m/r^2`, and :math:`\omega(c, t)` the
    chance that a non-mirroring agent of group ``c`` picks a partner pure on ``t``
    (``ties="random"``: :math:`\frac{k-g_c+1}{k}\frac{g_t}{n-g_c}`; ``ties="index"``: the number
    of ``t``-agents among the ``k - g_c + 1`` lowest-index foreign agents, over ``k``).

    Parameters
    ----------
    model : GMMAgents
        Every agent pure at the start; ``memory >= 2``; ``mirror < 1``.

    Returns
    -------
    BoundResult
        ``horizon = r``; ``details["plan"]`` names the labels, seeds and converters. The value is
        ``1`` when the start is already split and ``0`` when POL-2 rules polarization out (both
        exact).

    Raises
    ------
    SpecError
        ``memory < 2``, ``mirror == 1``, a non-pure initial agent, or (``ties="index"`` only) no
        plan of this shape exists from the start (use :func:`restricted_bound`).

    See Also
    --------
    chainlab.bounds.coupling_bound : Staged conversions with retries (never below this bound).
    chainlab.bounds.restricted_bound : An exact sub-chain with few mixed agents.
    chainlab.bounds.check_bound : Check a bound against the exact value and simulation.

    Notes
    -----
    Dependence on ``p`` and ``k``: every converter contributes a factor ``(1 - p)`` (round 1)
    times factors increasing in ``p``, so the bound is positive for every ``p < 1`` and tends to 0
    as ``p -> 1`` (at ``p = 1`` nothing ever changes); it needs ``2(k + 1) - s_A - s_B``
    converters, each costing about :math:`(k-g+1)/(k(n-g)) \cdot (r-1)!/r^{2(r-1)}` at ``p = 0``,
    so it decays exponentially in ``k``.

    Examples
    --------
    >>> from chainlab.models import GMMAgents
    >>> b = sequence_bound(GMMAgents(agents=4, components=4, memory=2, neighbours=1))
    >>> b.value, b.horizon, b.details["plan"]["labels"]
    (Fraction(1, 9216), 2, (0, 1))
    >>> sequence_bound(GMMAgents(agents=5, components=3, memory=2, neighbours=2)).value
    Fraction(0, 1)
    """
    model = _check_model(model)
    n, K, r, k, p = _params(model)
    ties = model.ties
    labels = _initial_labels(model, "sequence_bound")
    if r < 2:
        raise SpecError("sequence_bound needs memory >= 2 (with r = 1 every state is absorbing: "
                        "P(polarization) is 1 if the start has two silos, else 0)")
    if p >= 1:
        raise SpecError("sequence_bound needs mirror < 1 (with p = 1 agents only talk to "
                        "themselves and a pure start never changes)")
    common: _Common = {"claim": "BND-4", "assumptions": _ASSUME_SEQ, "ties": ties,
                       "parameters": model.describe()}
    fate = fate_of_initial_state(model)
    if fate == "polarized":
        return BoundResult("sequence", Fraction(1), horizon=0,
                           details={"reason": "the start already has two closed silos (POL-1)"},
                           **common)
    if fate == "consensus":
        return BoundResult("sequence", Fraction(0), horizon=0,
                           details={"reason": "polarization is impossible (POL-2)"}, **common)
    plan = _best_plan(labels, n, r, k, p, ties)
    if plan is None:
        raise SpecError(
            f"sequence_bound: no plan of seeds and direct converters exists from this start under "
            f"ties={ties!r} (every open agent's k-set reaches only one label); use "
            "restricted_bound(model) instead")
    value, details = plan
    return BoundResult("sequence", value, horizon=r, details=details, **common)


def _best_plan(labels: list[int], n: int, r: int, k: int, p: Fraction, ties: str):
    seed_first, seed_later, conv_later = _seq_factors(n, r, k, p)
    omega = _contact_weights(labels, k, ties)
    size: dict[int, int] = {}
    for lab in labels:
        size[lab] = size.get(lab, 0) + 1
    present = sorted(size)
    if ties == "random":  # only group sizes matter: one representative label per size
        reps: dict[int, list[int]] = {}
        for c in present:
            reps.setdefault(size[c], []).append(c)
        cand = sorted({c for v in reps.values() for c in v[:2]})
    else:
        cand = sorted(set(labels[:min(n, k + 3)]) | set(sorted(present, key=lambda c: -size[c])[:2]))
    kappa = {ct: (1 - p) * w * Fraction(r - 1, r) for ct, w in omega.items()}
    log_conv_later = math.log(float(conv_later)) if conv_later > 0 else -math.inf
    best = None
    for ia, a in enumerate(cand):
        for b in cand[ia + 1:]:
            for sA in range(0, min(size[a], k + 1) + 1):
                for sB in range(0, min(size[b], k + 1) + 1):
                    res = _assign(labels, a, b, sA, sB, k, kappa)
                    if res is None:
                        continue
                    logv, conv = res
                    seeds = [(a, sA), (b, sB)]
                    fixed = 0.0
                    for lab, s in seeds:
                        if s:
                            f1 = seed_first(size[lab])
                            fl = seed_later(s) if s < k + 1 else Fraction(1)
                            fixed += s * (math.log(float(f1)) + (r - 1) * math.log(float(fl)))
                    total = fixed + logv + len(conv) * log_conv_later
                    if best is None or total > best[0]:
                        best = (total, a, b, sA, sB, conv)
    if best is None:
        return None
    _, a, b, sA, sB, conv = best
    value = Fraction(1)
    for lab, s in ((a, sA), (b, sB)):
        if s:
            fl = seed_later(s) if s < k + 1 else Fraction(1)
            value *= (seed_first(size[lab]) * fl ** (r - 1)) ** s
    for i, t in conv:
        value *= kappa[(labels[i], t)] * conv_later
    seeds_a = [i for i in range(n) if labels[i] == a][:sA]
    seeds_b = [i for i in range(n) if labels[i] == b][:sB]
    details = {"plan": {
        "labels": (a, b),
        "seeds": (tuple(seeds_a), tuple(seeds_b)),
        "converters": tuple((i, labels[i], t) for i, t in conv),
    }, "rounds": r}
    return value, details


def _assign(labels, a, b, sA, sB, k, kappa):
    """Best converters for fixed labels and seed counts: a DP over agents on the grid
    (#converters to a, #converters to b). Returns (sum of log factors, [(agent, target)])."""
    n = len(labels)
    XA, XB = k + 1 - sA, k + 1 - sB
    seeds = set([i for i in range(n) if labels[i] == a][:sA]
                + [i for i in range(n) if labels[i] == b][:sB])
    V = np.full((XA + 1, XB + 1), -np.inf)
    V[0, 0] = 0.0
    choices = []
    for i in range(n):
        if i in seeds:
            continue
        c = labels[i]
        wa = kappa.get((c, a), 0) if c != a else 0
        wb = kappa.get((c, b), 0) if c != b else 0
        la = math.log(float(wa)) if wa else -np.inf
        lb = math.log(float(wb)) if wb else -np.inf
        opt = np.stack([V,
                        np.pad(V[:-1, :], ((1, 0), (0, 0)), constant_values=-np.inf) + la,
                        np.pad(V[:, :-1], ((0, 0), (1, 0)), constant_values=-np.inf) + lb])
        ch = np.argmax(opt, axis=0)
        V = np.take_along_axis(opt, ch[None], axis=0)[0]
        choices.append((i, ch))
    if not np.isfinite(V[XA, XB]):
        return None
    x, y = XA, XB
    conv = []
    for i, ch in reversed(choices):
        c = ch[x, y]
        if c == 1:
            conv.append((i, a))
            x -= 1
        elif c == 2:
            conv.append((i, b))
            y -= 1
    return float(V[XA, XB]), sorted(conv)


# --------------------------------------------------------------------------- BND-5: restricted
def _is_pure(a: tuple[int, ...], r: int) -> bool:
    return max(a) == r


def restricted_bound(model: GMMAgents, *, max_mixed: int = 2, max_states: int = 20_000,
                     lumped: bool | None = None) -> BoundResult:
    r"""Exact probability of reaching two closed silos while at most ``max_mixed`` agents are mixed.

    Let :math:`S_j` be the joint states with at most ``j`` agents that are not pure. The bound is
    the exact probability that the chain reaches a split state (two closed silos, SIL-1) without
    leaving :math:`S_j` (claim BND-5: a sub-chain can only lose paths). Only :math:`S_j` is
    explored, with the model's own transition law restricted to it, so the bound is available for
    instances whose full chain is far too large to compile; ``max_mixed = n`` gives the exact
    polarization probability (``r >= 2``, ``p < 1``).

    Parameters
    ----------
    model : GMMAgents
        Any instance (every tie rule, mirror and memory size).
    max_mixed : int, default 2
        ``j``: how many agents may be mixed at once.
    max_states : int, default 20000
        Refuse to explore more states of :math:`S_j`.
    lumped : bool, optional
        Explore multisets of agent states (default: whenever the tie rule is exchangeable,
        ``ties="random"``; LUMP-1) or agents in order.

    Returns
    -------
    BoundResult
        ``details["num_states"]`` is the size of the explored sub-chain.

    Raises
    ------
    SpecError
        ``max_mixed`` out of range, or the initial state has more mixed agents.
    StateSpaceLimitError
        More than ``max_states`` states in :math:`S_j` (lower ``max_mixed``).

    See Also
    --------
    chainlab.bounds.sequence_bound : A closed form that needs no chain.
    chainlab.bounds.coupling_bound : Staged conversions with retries, with no compiled chain.
    chainlab.bounds.check_bound : Check a bound against the exact value and simulation.

    Examples
    --------
    >>> from chainlab.models import GMMAgents
    >>> m = GMMAgents(agents=4, components=3, memory=2, neighbours=1)
    >>> b1 = restricted_bound(m, max_mixed=1)
    >>> b2 = restricted_bound(m, max_mixed=2)
    >>> round(float(b1.value), 4), round(float(b2.value), 4)
    (0.2273, 0.3154)
    """
    from ..chain import Chain
    from ..exact import hitting

    model = _check_model(model)
    n, _, r, k, p = _params(model)
    max_mixed = integer("max_mixed", max_mixed, low=0, high=n, fix=f"at most the {n} agents")
    max_states = integer("max_states", max_states, low=1)
    if lumped is None:
        lumped = model.exchangeable
    elif lumped and not model.exchangeable:
        raise SpecError(f"lumped=True needs exchangeable agents, but ties={model.ties!r} orders "
                        "equidistant agents by index; use lumped=False")
    init = model.initial_agents()
    canon = (lambda s: tuple(sorted(s))) if lumped else (lambda s: tuple(s))
    x0 = canon(init)
    mixed0 = sum(not _is_pure(a, r) for a in x0)
    common: _Common = {"claim": "BND-5", "assumptions": _ASSUME_RESTRICTED, "ties": model.ties,
                       "parameters": model.describe()}
    name = f"restricted({max_mixed})"
    if mixed0 > max_mixed:
        raise SpecError(f"the initial state has {mixed0} mixed agents but max_mixed={max_mixed}; "
                        f"use max_mixed >= {mixed0}")
    if is_split(x0, neighbours=k):
        return BoundResult(name, Fraction(1), details={"num_states": 0}, **common)

    def dead(s) -> bool:
        sil = closed_silos(s, neighbours=k)
        return bool(sil) and max(sil.values()) >= n - k and r >= 2 and p < 1

    index = {x0: 0}
    order = [x0]
    rows: list[dict[int, Any]] = []
    TARGET = -1
    pos = 0
    while pos < len(order):
        x = order[pos]
        pos += 1
        row: dict[int, Any] = {}
        for nxt, q in _restricted_successors(model, x, r, max_mixed, lumped):
            y = canon(nxt)
            if is_split(y, neighbours=k):
                row[TARGET] = row.get(TARGET, 0) + q
                continue
            if dead(y):
                continue
            j = index.get(y)
            if j is None:
                if len(order) >= max_states:
                    raise StateSpaceLimitError(
                        f"restricted_bound: more than max_states={max_states} states with at most "
                        f"{max_mixed} mixed agents; lower max_mixed or raise max_states")
                j = index[y] = len(order)
                order.append(y)
            row[j] = row.get(j, 0) + q
        rows.append(row)
    m = len(order)
    triples = []
    for i, row in enumerate(rows):
        total = 0
        for j, q in row.items():
            triples.append((i, m if j == TARGET else j, q))
            total += q
        rest = 1 - total
        if rest:
            triples.append((i, m + 1, rest))
    triples += [(m, m, 1), (m + 1, m + 1, 1)]
    chain = Chain.from_transitions(m + 2, triples, initial=0)
    h = hitting(chain, [m]).initial_probability
    return BoundResult(name, Fraction(h), details={"num_states": m, "lumped": lumped}, **common)


def _restricted_successors(model: GMMAgents, x: tuple, r: int, budget: int, lumped: bool):
    """Joint successors of ``x`` with at most ``budget`` mixed agents, with their probabilities
    (ordered agent tuples; fmpq probabilities)."""
    n = len(x)
    cache: dict[tuple[int, ...], tuple] = {}
    laws = []
    for i in range(n):
        key = x[i] if lumped else None
        if key is not None and key in cache:
            laws.append(cache[key])
            continue
        law = model.agent_distribution(x, i)
        pure = [(s, q) for s, q in law.items() if _is_pure(s, r)]
        mixed = [(s, q) for s, q in law.items() if not _is_pure(s, r)]
        entry = (pure, mixed)
        if key is not None:
            cache[key] = entry
        laws.append(entry)
    out: list[tuple[tuple, Any]] = []
    acc: list = [None] * n

    def rec(i: int, left: int, q) -> None:
        if i == n:
            out.append((tuple(acc), q))
            return
        pure, mixed = laws[i]
        for s, w in pure:
            acc[i] = s
            rec(i + 1, left, q * w)
        if left:
            for s, w in mixed:
                acc[i] = s
                rec(i + 1, left - 1, q * w)

    from flint import fmpq

    rec(0, budget, fmpq(1))
    return out
