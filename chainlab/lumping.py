r"""Strong probabilistic bisimulation: the coarsest lumping of a chain that keeps chosen labels and
rewards (claim LUMP-2).

Two states are *bisimilar* when they carry the same respected labels and rewards and, for every
class ``C`` of bisimilar states, move into ``C`` with the same probability. The quotient chain
(one state per class) has the same reachability probabilities -- bounded or not, through
respected labels --, the same expected accumulated, cumulative, instantaneous and long-run
rewards of the respected reward vectors and the same long-run probabilities: from a state of
the chain, the values are those of its class in the quotient (proofs/lumping.md, LUMP-2).
Symmetric protocol models shrink a lot: Herman's ring of 13 processes (8,192 states, one big
strong component per number of tokens) has 190 classes for its expected-steps property.

The partition is computed by signature refinement (Derisavi, Hermanns & Sanders 2003; Larsen &
Skou 1991 for the relation): start from the classes of equal labels and rewards, and split
every class by the *signature* of its states, the map ``C -> P(s, C)`` over the current
classes, until nothing splits. Each round is vectorised with numpy: a state's signature is
summarised by the linear hash ``sum_t P(s, t) R[block(t)]`` modulo a prime near ``2^31``
(random ``R`` per class, drawn afresh each round; equal signatures always hash equal, so a
split is never wrong, and two different ones collide with probability below ``2^-30``), and
once nothing splits the signatures are computed *exactly* -- integer sums of numerators over
the common denominator of the entries when it fits in 62 bits (Herman's are powers of two), sums
of ``fmpq`` otherwise -- and every state's is compared with its class representative's: a hash
collision can therefore never merge two states that are not bisimilar. (No library does this
for chainlab's CSR chains with exact entries -- mCRL2 and Storm work on their own model formats
-- so it is written in ``chainlab._analysis.refine``, in about 200 lines of numpy.)

Transition rewards are folded into the expected reward of one step,
``rho(s) = r(s) + sum_t P(s, t) r(s, t)``, before lumping: the expected *accumulated* reward
over any stopping time is unchanged by that (LUMP-2), though its distribution may be.

Examples
--------
>>> from chainlab import Chain
>>> h = "1/2"
>>> c = Chain([[0, h, h, 0], [0, 0, h, h], [0, h, 0, h], [0, 0, 0, 1]], labels={"end": [3]})
>>> b = bisimulation(c, labels=["end"])
>>> b.block_of.tolist(), b.quotient.num_states
([0, 1, 1, 2], 3)
>>> from chainlab import exact
>>> t = exact.hitting(b.quotient, "end").expected_times
>>> t.tolist()
[Fraction(3, 1), Fraction(2, 1), Fraction(0, 1)]
>>> b.lift(t).tolist() == exact.hitting(c, "end").expected_times.tolist()
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np
from flint import fmpq

from ._analysis.refine import Partition, coarsest, exact_ids, mask_key
from ._chain.values import fmpq_to_fraction, to_fmpq
from .chain import Chain
from .errors import SpecError

__all__ = ["BisimulationResult", "bisimulation"]

@dataclasses.dataclass(frozen=True, eq=False)
class BisimulationResult:
    """The coarsest strong probabilistic bisimulation of a chain and its quotient.

    Attributes
    ----------
    quotient : Chain
        One state per class (states ``0..k-1``, class ``b`` being the one whose first state is
        ``representatives[b]``); exact entries ``P(b, c) = P(s, c)`` for any ``s`` of ``b``;
        the respected labels (as sets of classes); the initial law summed over each class.
    block_of : (n,) ndarray of int64
        The class of every state of the chain; classes are numbered in the order of their
        first state, so ``block_of[0] == 0``.
    representatives : (k,) ndarray of int64
        The first (smallest) state of every class, increasing.
    rounds : int
        Refinement rounds (signature computations), the last one confirming that nothing
        splits.
    labels : tuple of str
        The labels respected (those of the quotient).
    rewards : tuple of ndarray
        Per class, exact (Fractions): each of ``rewards``, then each of ``transition_rewards``
        folded into the expected reward of one step, in the order given.

    Examples
    --------
    >>> from chainlab import Chain
    >>> c = Chain([[0, "1/2", "1/2"], [0, 1, 0], [0, 0, 1]], labels={"end": [1, 2]})
    >>> r = bisimulation(c)
    >>> r.block_of.tolist(), r.representatives.tolist(), r.rounds
    ([0, 1, 1], [0, 1], 1)
    >>> r.num_blocks, r.lift(["x", "y"]).tolist()
    (2, ['x', 'y', 'y'])
    """

    quotient: Chain
    block_of: np.ndarray
    representatives: np.ndarray
    rounds: int
    labels: tuple[str, ...] = ()
    rewards: tuple[np.ndarray, ...] = ()

    @property
    def num_blocks(self) -> int:
        """Number of classes (states of the quotient)."""
        return len(self.representatives)

    def lift(self, values: Any) -> np.ndarray:
        """Values of the quotient's states (one per class) as values of the chain's states.

        Examples
        --------
        >>> from chainlab import Chain
        >>> c = Chain([[0, "1/2", "1/2"], [0, 1, 0], [0, 0, 1]], labels={"end": [1, 2]})
        >>> r = bisimulation(c)
        >>> r.lift([5, 7]).tolist()
        [5, 7, 7]
        """
        arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) \
            else values
        if arr.ndim < 1 or arr.shape[0] != self.num_blocks:
            raise SpecError(f"values must have one entry per class ({self.num_blocks}), got "
                            f"shape {arr.shape}; give the values of the quotient's states")
        return arr[self.block_of]

    def __repr__(self) -> str:
        return (f"BisimulationResult({len(self.block_of):,} states -> {self.num_blocks:,} "
                f"classes, {self.quotient.num_transitions:,} transitions, {self.rounds} "
                "rounds)")


def bisimulation(chain: Chain, *, labels: Any = None, rewards: Any = (),
                 transition_rewards: Any = ()) -> BisimulationResult:
    """The coarsest strong probabilistic bisimulation respecting labels and rewards.

    Parameters
    ----------
    chain : Chain
        An exact chain.
    labels : iterable of str, optional
        Names of ``chain.labels`` that bisimilar states must agree on (default: every label of
        the chain; ``[]``: none). A single name may be given as a string.
    rewards : iterable of reward vectors, optional
        State rewards that bisimilar states must agree on, each one value per state (a
        sequence of length ``n``) or a mapping ``{state: reward}`` (absent states: 0).
    transition_rewards : iterable, optional
        Transition rewards, each a mapping ``{(state, next_state): reward}`` or an ``n x n``
        array, as in :func:`chainlab.exact.expected_reward`; each is folded into the expected
        reward of one step ``sum_t P(s, t) r(s, t)``, which bisimilar states then share (this
        keeps expected accumulated rewards, claim LUMP-2).

    Returns
    -------
    BisimulationResult
        The quotient chain, the class of every state and the classes' rewards. Reachability
        of respected labels (also within ``k`` steps), expected accumulated rewards of the
        respected rewards (finite or infinite), cumulative and long-run rewards are the same
        from a state and from its class (claim LUMP-2): solve on the quotient and
        :meth:`~BisimulationResult.lift` the values back.

    Raises
    ------
    SpecError
        An unknown label, a reward vector of the wrong length or a bad value.
    ExactnessError
        A float chain (equal sums of probabilities are decided exactly).

    See Also
    --------
    chainlab.exact.hitting : Reachability and expected times, on the chain or its quotient.
    chainlab.compiler.compile_model : Lumps exchangeable agents while compiling (LUMP-1).

    Examples
    --------
    Two symmetric branches merge; the quotient has the same expected steps to ``end``:

    >>> from chainlab import Chain, exact
    >>> h = "1/2"
    >>> c = Chain([[0, h, h, 0], [0, h, 0, h], [0, 0, h, h], [0, 0, 0, 1]],
    ...           labels={"end": [3]}, initial=0)
    >>> b = bisimulation(c)
    >>> b.block_of.tolist(), b.labels, dict(b.quotient.labels)
    ([0, 1, 1, 2], ('end',), {'end': frozenset({2})})
    >>> exact.expected_reward(b.quotient, "end", state_rewards=[1, 1, 0]).initial
    Fraction(3, 1)

    A reward that differs between the branches keeps them apart:

    >>> bisimulation(c, rewards=[[0, 1, 2, 0]]).num_blocks
    4
    """
    if not isinstance(chain, Chain):
        raise SpecError(f"chain must be a chainlab.Chain, got {type(chain).__name__}; build "
                        "one with chainlab.Chain(...) or chainlab.io.read_chain(...)")
    chain.require_exact("bisimulation (sums of probabilities are compared exactly)")
    names = _label_names(chain, labels)
    n = chain.num_states
    vectors = [_reward_vector(chain, r, f"rewards[{j}]")
               for j, r in enumerate(_items(rewards, "rewards"))]
    if transition_rewards is not None:
        from ._analysis.rewards import step_rewards

        for t in _items(transition_rewards, "transition_rewards", vectors_ok=False):
            vectors.append(step_rewards(chain, True, None, t))
    keys = [mask_key(chain.labels[name], n) for name in names] + \
        [exact_ids(v) for v in vectors]
    part: Partition | None = coarsest(chain, keys, {name: chain.labels[name] for name in names})
    assert part is not None  # (no limit on the number of classes)
    reps = part.representatives
    per_class = []
    for v in vectors:
        out = np.empty(len(reps), dtype=object)
        out[:] = [fmpq_to_fraction(x) for x in v[reps].tolist()]
        per_class.append(out)
    return BisimulationResult(part.quotient, part.block_of, reps, part.rounds,
                              labels=tuple(names), rewards=tuple(per_class))


# --------------------------------------------------------------------------- arguments
def _label_names(chain: Chain, labels: Any) -> list[str]:
    if labels is None:
        return sorted(chain.labels)
    if isinstance(labels, str):
        labels = [labels]
    if not isinstance(labels, Iterable) or isinstance(labels, Mapping):
        raise SpecError(f"labels={labels!r} must be an iterable of label names of the chain; "
                        "give e.g. labels=['goal']")
    out = []
    for name in labels:
        if not isinstance(name, str) or name not in chain.labels:
            known = ", ".join(repr(k) for k in sorted(chain.labels)) or "none"
            raise SpecError(f"labels names {name!r}, which is not a label of the chain (its "
                            f"labels: {known}); give label names of chain.labels, or add the "
                            "set with chain.with_labels({...})")
        if name not in out:
            out.append(name)
    return out


def _items(x: Any, argname: str, vectors_ok: bool = True) -> list:
    if x is None:
        return []
    if isinstance(x, (str, bytes, Mapping)) or not isinstance(x, Iterable) or (
            isinstance(x, np.ndarray) and (x.ndim == 1 or not vectors_ok)) or \
            hasattr(x, "tocsr"):
        raise SpecError(f"{argname} must be a list of reward structures, got "
                        f"{type(x).__name__}; wrap a single one in a list: {argname}=[r]")
    items = list(x)
    if vectors_ok and items and all(_is_number(v) for v in items):
        raise SpecError(f"{argname}={_brief(items)} is one reward vector, but a list of them "
                        f"is expected; wrap it: {argname}=[r]")
    return items


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, Fraction, fmpq, np.number)) and not isinstance(v, bool)


def _brief(items: list) -> str:
    shown = ", ".join(repr(v) for v in items[:4])
    return f"[{shown}{', ...' if len(items) > 4 else ''}]"


def _reward_vector(chain: Chain, r: Any, argname: str) -> np.ndarray:
    n = chain.num_states
    out = np.empty(n, dtype=object)
    out[:] = fmpq(0)
    if isinstance(r, Mapping):
        for s, v in r.items():
            if s not in chain.states:
                raise SpecError(f"{argname} has the key {s!r}, which is not a state of the "
                                "chain; key rewards by states")
            i = chain.states.index_of(s)
            out[i] = to_fmpq(v, where=lambda s=s: f"{argname}[{s!r}]")
        return out
    if isinstance(r, (str, bytes)) or not isinstance(r, Iterable):
        raise SpecError(f"{argname} must be one reward per state or a mapping {{state: "
                        f"reward}}, got {r!r}")
    vals = list(r)
    if len(vals) != n:
        raise SpecError(f"{argname} has {len(vals)} values, but the chain has {n} states; "
                        "give one reward per state (or a mapping {state: reward})")
    out[:] = [to_fmpq(v, where=lambda i=i: f"{argname}[{i}]") for i, v in enumerate(vals)]
    return out
