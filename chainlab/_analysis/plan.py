"""Which states an analysis covers and which linear systems it solves: decided on the graph,
once, for every field chainlab computes in (fmpq, float64 and rational functions).

:mod:`chainlab._analysis.formulas` (exact and float) and :mod:`chainlab.parametric.analysis`
(rational functions) take their sets from here and differ only in the arithmetic of the solve,
so ``restrict``, ``targets`` and where expected times are infinite mean the same in all three.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import Any

import numpy as np

from ..errors import SpecError
from ..structure import Structure, can_reach, classify, reachable_from

__all__: list[str] = []  # private module


def restrict_argument(restrict: Any) -> bool | str:
    """``restrict`` checked: ``False``, ``True`` or ``"initial"``."""
    if isinstance(restrict, (bool, np.bool_)):
        return bool(restrict)
    if isinstance(restrict, str) and restrict == "initial":
        return "initial"
    raise SpecError(f"restrict must be False, True or \"initial\", got {restrict!r}")


def _scope(skel: Any, initial: Collection[int] | None, restrict: bool | str,
           what: str) -> tuple[np.ndarray, np.ndarray]:
    """``(covered, scope)``: the states the result reports (sorted) and the states its systems
    may span (a boolean mask)."""
    n = skel.num_states
    if not restrict:
        return np.arange(n, dtype=np.int64), np.ones(n, dtype=bool)
    if initial is None:
        raise SpecError(
            f"{what}(restrict={restrict!r}) computes only the states reachable from the "
            "initial distribution, but the chain has none; pass initial=...")
    starts = np.unique(np.fromiter(initial, np.int64, len(initial)))
    scope = reachable_from(skel, starts)
    covered = starts if restrict == "initial" else np.flatnonzero(scope)
    return covered, scope


def target_groups(targets: Any, m: int) -> tuple[tuple[int, ...], ...]:
    """The column groups of absorption: ``targets`` checked against ``m`` closed classes."""
    if targets is None:
        return tuple((c,) for c in range(m))
    groups = []
    seen: set[int] = set()
    for g in targets:
        members = (int(g),) if isinstance(g, (int, np.integer)) else tuple(int(c) for c in g)
        for c in members:
            if not 0 <= c < m:
                raise SpecError(
                    f"targets names closed class {c}, but the chain has {m} closed classes "
                    f"(0..{m - 1}); see classify(chain).closed_classes"
                )
            if c in seen:
                raise SpecError(f"targets lists closed class {c} twice; groups must be disjoint")
            seen.add(c)
        groups.append(members)
    return tuple(groups)


@dataclasses.dataclass(frozen=True)
class AbsorptionPlan:
    """Absorption into (groups of) closed classes.

    ``covered``: the states of the result's rows; ``T``: the transient ones among them;
    ``U``: the transient states of the linear system (``T`` itself, or with
    ``restrict="initial"`` every transient state reachable from ``T``, eliminated first and
    never back-substituted); ``state_group[j]``: the column of closed-class state ``j``
    (-1: transient or in no group).
    """

    structure: Structure
    covered: np.ndarray
    T: np.ndarray
    U: np.ndarray
    groups: tuple[tuple[int, ...], ...]
    state_group: np.ndarray
    only_initial: bool

    @property
    def covers_every_class(self) -> bool:
        """Rows of ``B`` sum to 1 (claim ABS-1): the last of >= 2 columns may be derived."""
        return (len(self.groups) >= 2
                and sum(map(len, self.groups)) == len(self.structure.closed_classes))


def absorption_plan(skel: Any, initial: Collection[int] | None, targets: Any,
                    restrict: bool | str) -> AbsorptionPlan:
    st = classify(skel)
    covered, scope = _scope(skel, initial, restrict, "absorption")
    m = len(st.closed_classes)
    groups = target_groups(targets, m)
    group_of_class = np.full(m + 1, -1, dtype=np.int64)  # entry m (index -1): transient
    for k, members in enumerate(groups):
        group_of_class[list(members)] = k
    transient = st.closed_class_of < 0
    T = covered[transient[covered]]
    only_initial = restrict == "initial"
    U = np.flatnonzero(transient & scope) if only_initial else T
    return AbsorptionPlan(structure=st, covered=covered, T=T, U=U, groups=groups,
                          state_group=group_of_class[st.closed_class_of],
                          only_initial=only_initial)


@dataclasses.dataclass(frozen=True)
class HittingPlan:
    """Hitting a target set ``A`` (time 0 counts).

    ``U``: the states outside ``A`` that can reach it (the probability system); ``Uc``: those
    outside ``A`` from which reaching it is certain (the expected-time system; elsewhere the
    time is infinite, a graph property -- claim ABS-4); both within the scope of ``restrict``.
    ``certain[i]``: reaching ``A`` from ``i`` is certain (``A`` included).
    """

    target: np.ndarray
    in_target: np.ndarray
    covered: np.ndarray
    U: np.ndarray
    Uc: np.ndarray
    certain: np.ndarray
    only_initial: bool


def hitting_plan(skel: Any, target: Any, initial: Collection[int] | None,
                 restrict: bool | str) -> HittingPlan:
    A = skel.target_indices(target)
    n = skel.num_states
    covered, scope = _scope(skel, initial, restrict, "hitting")
    in_A = np.zeros(n, dtype=bool)
    in_A[A] = True
    reach = can_reach(skel, A)
    doomed = ~reach
    # (paths through A do not count: the target is hit before they go on)
    uncertain = (can_reach(skel, np.flatnonzero(doomed), avoiding=in_A) if doomed.any()
                 else np.zeros(n, bool))
    return HittingPlan(target=A, in_target=in_A, covered=covered,
                       U=np.flatnonzero(reach & ~in_A & scope),
                       Uc=np.flatnonzero(~uncertain & ~in_A & scope),
                       certain=~uncertain | in_A, only_initial=restrict == "initial")


def bounded_plan(skel: Any, target: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounded reachability of ``A``: ``(A, in_A, live)`` where ``live`` (the states outside
    ``A`` that can reach it) are the only rows whose values ever change; elsewhere the value is
    1 on ``A`` and 0 for every horizon."""
    A = skel.target_indices(target)
    in_A = np.zeros(skel.num_states, dtype=bool)
    in_A[A] = True
    return A, in_A, np.flatnonzero(can_reach(skel, A) & ~in_A)
