r"""Ceilings of classes of lower bounds (private; re-exported by :mod:`chainlab.bounds`).

The claims LIM-1, LIM-2 and LIM-3 (``proofs/limits.md``) say which *kinds* of lower bound on
``P(polarization)`` cannot be informative at a given instance, whatever effort goes into them:

* LIM-1 (:func:`movers_ceiling`): a bound whose event lets at most ``m`` agents change state in
  round 1 is at most ``P(at most m agents change in round 1)``, an exact Poisson-binomial sum.
  BND-5 with ``max_mixed = m`` is of this kind from an all-pure start.
* LIM-2 (:func:`state_ceiling`): a bound that credits each of ``N`` explicitly listed states of
  round 1 with at most its probability (truncated forward propagation, path families, most
  likely paths) is at most ``N`` times the largest round-1 state probability.
* LIM-3 (:func:`shield_state`): if the agents outside a group are free (an adversary choosing
  their states, as in a compositional MDP bound), a joint state exists in which no member of the
  group ever changes and no closed silo ever exists, so the adversarial value is 0.

All values are exact :class:`fractions.Fraction`; nothing is estimated.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .._chain.values import fmpq_to_fraction
from .._validate import integer
from ..errors import SpecError
from ._gmm import _check_model, _pure_label

__all__ = ["movers_ceiling", "state_ceiling", "shield_state", "round_one_keep_probabilities"]


def _alone_labels(model: Any, what: str) -> list[int]:
    """Initial labels when every agent starts pure on a label of its own (else SpecError)."""
    r = model.memory
    labels = [_pure_label(a, r) for a in model.initial_agents()]
    if min(labels) < 0 or len(set(labels)) != len(labels):
        raise SpecError(
            f"{what} assumes every agent starts pure on a label no other agent holds (the "
            f"default start with agents <= components); got start {model.initial_agents()}")
    return labels


def _check_interacting(model: Any, what: str) -> None:
    if model.memory < 2:
        raise SpecError(f"{what} assumes memory r >= 2 (with r = 1 every state is absorbing)")
    if fmpq_to_fraction(model.mirror) >= 1:
        raise SpecError(f"{what} assumes mirror p < 1 (with p = 1 no agent ever changes)")


def round_one_keep_probabilities(model: Any) -> tuple[Fraction, ...]:
    """Exact probability that each agent keeps its initial state in round 1.

    Agents move independently given the state, so these numbers are all LIM-1 needs. From the
    default start with ``agents <= components`` every agent keeps with probability
    ``p + (1 - p) / r`` whatever the tie rule (``proofs/limits.md``, LIM-1).

    Parameters
    ----------
    model : GMMAgents

    Returns
    -------
    tuple of Fraction
        One entry per agent, in agent order.

    See Also
    --------
    chainlab.bounds.movers_ceiling : The ceiling these probabilities give.

    Examples
    --------
    >>> from chainlab.models import GMMAgents
    >>> m = GMMAgents(agents=3, components=3, memory=5, neighbours=1, mirror="1/5")
    >>> [str(q) for q in round_one_keep_probabilities(m)]
    ['9/25', '9/25', '9/25']
    """
    model = _check_model(model)
    start = model.initial_agents()
    out = []
    for i, a in enumerate(start):
        law = model.agent_distribution(start, i)
        out.append(fmpq_to_fraction(law[a]) if a in law else Fraction(0))
    return tuple(out)


def movers_ceiling(model: Any, max_movers: int) -> Fraction:
    """LIM-1: ``P(at most max_movers agents change state in round 1)``, exactly.

    Every lower bound on ``P(polarization)`` that is the probability of an event contained in
    "at most ``m`` agents change state in round 1" is at most this number (claim LIM-1); from
    an all-pure start with ``r >= 2`` this includes :func:`restricted_bound` with
    ``max_mixed = m``. The value is a Poisson-binomial sum over the agents' exact round-1 keep
    probabilities (:func:`round_one_keep_probabilities`).

    Parameters
    ----------
    model : GMMAgents
        Any start; ``r >= 2`` and ``p < 1`` (otherwise nothing ever moves and the ceiling says
        nothing).
    max_movers : int
        ``m``, ``0 <= m <= n``.

    Returns
    -------
    Fraction

    Raises
    ------
    SpecError
        For ``r < 2``, ``p = 1``, or ``m`` outside ``0..n``.

    See Also
    --------
    chainlab.bounds.state_ceiling : The ceiling of bounds that list round-1 states.
    chainlab.bounds.restricted_bound : A bound of this class (BND-5).

    Examples
    --------
    At the paper's scale a bound that lets at most 10 of the 30 agents move in round 1 cannot
    exceed ``4e-8``:

    >>> from chainlab.models import GMMAgents
    >>> m = GMMAgents(agents=30, components=30, memory=5, neighbours=1)
    >>> float(movers_ceiling(m, 10)) < 4e-8, float(movers_ceiling(m, 30))
    (True, 1.0)
    """
    model = _check_model(model)
    _check_interacting(model, "movers_ceiling (LIM-1)")
    n = model.num_agents
    m = integer("max_movers", max_movers, low=0, high=n)
    # dist[j] = P(exactly j of the agents seen so far change)
    dist = [Fraction(1)]
    for q in round_one_keep_probabilities(model):
        new = [Fraction(0)] * (len(dist) + 1)
        for j, w in enumerate(dist):
            new[j] += w * q
            new[j + 1] += w * (1 - q)
        dist = new
    return sum(dist[:m + 1], Fraction(0))


def fewest_movers(model: Any, target: Any) -> int:
    """Smallest ``m`` with :func:`movers_ceiling` ``(model, m) >= target`` (LIM-1)."""
    t = Fraction(str(target)) if not isinstance(target, Fraction) else target
    lo, hi = 0, model.num_agents
    while lo < hi:  # the ceiling is non-decreasing in m
        mid = (lo + hi) // 2
        if movers_ceiling(model, mid) >= t:
            hi = mid
        else:
            lo = mid + 1
    return lo


def state_ceiling(model: Any) -> Fraction:
    """LIM-2: the largest probability of one state of the chain after round 1, exactly.

    A lower bound that credits each of ``N`` explicitly listed round-1 states with at most its
    probability -- truncated forward propagation that keeps ``N`` states, a family of ``N``
    paths, the most likely path -- is at most ``N`` times this number (claim LIM-2). Agents move
    independently given the start, so it is the product over agents of their largest one-agent
    probability. With ``ties="random"`` the chain is lumped; the value is the largest lumped
    probability too, because from a start where every agent is alone on its label and ``r >= 3``
    a round-1 multiset determines which agent holds which counts.

    Parameters
    ----------
    model : GMMAgents
        Every agent pure on a label of its own at the start; for ``ties="random"`` also
        ``r >= 3``.

    Returns
    -------
    Fraction

    Raises
    ------
    SpecError
        Outside those assumptions.

    See Also
    --------
    chainlab.bounds.movers_ceiling : The ceiling of bounds that keep most agents still.
    chainlab.bounds.path_family_bound : A bound of this class (BND-2).

    Examples
    --------
    >>> from chainlab.models import GMMAgents
    >>> m = GMMAgents(agents=30, components=30, memory=5, neighbours=1)
    >>> state_ceiling(m) == Fraction(1, 5) ** 30
    True
    """
    model = _check_model(model)
    _check_interacting(model, "state_ceiling (LIM-2)")
    _alone_labels(model, "state_ceiling (LIM-2)")
    if model.ties == "random" and model.memory < 3:
        raise SpecError("state_ceiling (LIM-2) with ties='random' assumes memory r >= 3: with "
                        "r = 2 the lumped round-1 state e_c + e_d does not say which of the two "
                        "agents holds it")
    start = model.initial_agents()
    out = Fraction(1)
    for i in range(model.num_agents):
        out *= max(fmpq_to_fraction(v) for v in model.agent_distribution(start, i).values())
    return out


def shield_state(model: Any, group: Any) -> tuple[tuple[int, ...], ...]:
    """LIM-3: a joint state that freezes ``group`` when the other agents are free.

    The members of ``group`` keep their initial (pure) counts; every other agent is a *shield*
    ``(r - 1) e_l + e_z`` for a label ``l`` of the group and a label ``z`` no group member
    holds, with ``k - g_l + 1`` shields for each group label ``l`` held by ``g_l`` members (the
    spare agents are further shields of the first label). In this state every member of the
    group keeps its counts with probability 1 and no label has a closed silo (claim LIM-3), so
    an adversary that keeps the others here forever gives every compositional bound on the
    group (an MDP's minimum reachability with the rest adversarial) the value 0.

    Parameters
    ----------
    model : GMMAgents
        ``r >= 2``; any mirroring probability and tie rule.
    group : sequence of int
        Agent indices; each must start pure, with at most ``k`` members on any one label.

    Returns
    -------
    tuple of count tuples
        The joint state, in agent order.

    Raises
    ------
    SpecError
        When ``r < 2``, a member is not pure at the start or a label holds more than ``k``
        members (the group already has a closed silo), every label is held by the group, or
        there are fewer than ``sum_l (k - g_l + 1)`` agents outside the group (for a group of
        agents alone on their labels: when ``g (k + 1) > n``).

    See Also
    --------
    chainlab.bounds.movers_ceiling : The other side: bounds that keep the rest still.
    chainlab.bounds.closed_silos : No label of the shield state has one.

    Examples
    --------
    >>> from chainlab.models import GMMAgents
    >>> m = GMMAgents(agents=4, components=4, memory=2, neighbours=1)
    >>> s = shield_state(m, [0, 1])
    >>> s
    ((2, 0, 0, 0), (0, 2, 0, 0), (1, 0, 1, 0), (0, 1, 1, 0))
    >>> [str(m.agent_distribution(s, i)[s[i]]) for i in (0, 1)]
    ['1', '1']
    """
    model = _check_model(model)
    if model.memory < 2:
        raise SpecError("shield_state (LIM-3) assumes memory r >= 2")
    n, K, r, k = model.num_agents, model.components, model.memory, model.neighbours
    try:
        members = sorted({int(i) for i in group})
    except (TypeError, ValueError):
        raise SpecError(f"group must be a sequence of agent indices, got {group!r}") from None
    if not members or members[0] < 0 or members[-1] >= n:
        raise SpecError(f"group must hold agent indices 0..{n - 1}, got {group!r}")
    start = model.initial_agents()
    count: dict[int, int] = {}
    for i in members:
        lab = _pure_label(start[i], r)
        if lab < 0:
            raise SpecError(f"shield_state (LIM-3) assumes every group member starts pure; "
                            f"agent {i} starts with {start[i]}")
        count[lab] = count.get(lab, 0) + 1
    closed = [lab for lab, g in count.items() if g > k]
    if closed:
        raise SpecError(f"the group already holds a closed silo on label {closed[0]} "
                        f"({count[closed[0]]} > k = {k} members): nothing to freeze")
    free = [z for z in range(K) if z not in count]
    if not free:
        raise SpecError("shield_state (LIM-3) needs a label that no group member holds")
    z = free[0]
    need = [(lab, k - g + 1) for lab, g in sorted(count.items())]
    others = [i for i in range(n) if i not in set(members)]
    total = sum(c for _, c in need)
    if len(others) < total:
        raise SpecError(f"shield_state (LIM-3) needs {total} agents outside the group (k - g_l + "
                        f"1 per group label l), but only {len(others)} are outside")
    shields: list[int] = []
    for lab, c in need:
        shields.extend([lab] * c)
    shields.extend([need[0][0]] * (len(others) - total))
    state = list(start)
    for i, lab in zip(others, shields):
        state[i] = tuple(r - 1 if c == lab else (1 if c == z else 0) for c in range(K))
    return tuple(state)
