r"""Monte Carlo simulation of a :class:`~chainlab.chain.Chain`: many walkers at once.

All walkers advance together: one uniform draw per walker and step, and the next state is found
by a vectorised binary search in the walker's CSR row of cumulative probabilities (the last
cumulative value of each row is set to exactly 1, so rounding can never leave a gap). Walkers
stop when they enter a closed class (their fate is then known: claim ABS-1) or after
``max_steps``. Walkers are simulated in batches; an interrupt (Ctrl-C) returns the batches that
finished, flagged ``interrupted=True``, since they are independent samples.

Randomness comes only from the ``rng`` argument (a :class:`numpy.random.Generator` or a seed).

Examples
--------
Gambler's ruin, N = 3, fair coin, start at 1: ruin has probability 2/3.

>>> import numpy as np
>>> from chainlab import Chain
>>> h = "1/2"
>>> c = Chain([[1, 0, 0, 0], [h, 0, h, 0], [0, h, 0, h], [0, 0, 0, 1]], initial=1)
>>> sim = simulate(c, num_samples=20_000, rng=np.random.default_rng(0))
>>> est = sim.class_estimate(0)
>>> est.contains(2 / 3), sim.num_truncated
(True, 0)
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ._progress import Progress
from ._validate import integer
from .chain import Chain
from .errors import SpecError
from .stats import ProportionEstimate, proportion
from .structure import classify

__all__ = ["SimulationResult", "simulate", "sample_paths"]


@dataclasses.dataclass(frozen=True, eq=False)
class SimulationResult:
    """Fates of independent walkers started from the initial distribution.

    Attributes
    ----------
    closed_classes : tuple of tuple of int
        As :func:`chainlab.structure.classify`.
    start : ndarray of int, shape (num_samples,)
        Initial state of each walker.
    closed_class : ndarray of int, shape (num_samples,)
        Index of the closed class each walker entered, -1 if it was still transient after
        ``max_steps`` (truncated).
    steps : ndarray of int, shape (num_samples,)
        Steps until the closed class was entered (``max_steps`` for truncated walkers).
    max_steps : int
    interrupted : bool
        True when an interrupt stopped the simulation early (the finished batches are kept).

    See Also
    --------
    chainlab.simulate.simulate : What returns it.
    """

    closed_classes: tuple[tuple[int, ...], ...]
    start: np.ndarray
    closed_class: np.ndarray
    steps: np.ndarray
    max_steps: int
    interrupted: bool = False

    @property
    def num_samples(self) -> int:
        """Number of walkers simulated."""
        return int(len(self.closed_class))

    @property
    def num_truncated(self) -> int:
        """Walkers not absorbed within ``max_steps``."""
        return int((self.closed_class < 0).sum())

    def class_counts(self) -> np.ndarray:
        """Number of walkers absorbed in each closed class."""
        hit = self.closed_class[self.closed_class >= 0]
        return np.bincount(hit, minlength=len(self.closed_classes))

    def class_estimate(self, classes: Any, *, confidence: float = 0.95) -> ProportionEstimate:
        """Probability of absorption into one closed class or a collection of them, with its
        exact interval. Truncated walkers count as *not* absorbed there, so the interval stays
        valid as a lower-side statement; check ``num_truncated`` is 0 for a two-sided one."""
        idx = [classes] if isinstance(classes, (int, np.integer)) else list(classes)
        for c in idx:
            if not 0 <= int(c) < len(self.closed_classes):
                raise SpecError(f"closed class {c} does not exist; the chain has "
                                f"{len(self.closed_classes)} closed classes")
        k = int(np.isin(self.closed_class, np.asarray(idx, dtype=np.int64)).sum())
        return proportion(k, self.num_samples, confidence=confidence)

    def mean_steps(self) -> float:
        """Mean steps to absorption over absorbed walkers."""
        done = self.closed_class >= 0
        return float(self.steps[done].mean()) if done.any() else float("nan")

    def __repr__(self) -> str:
        return (f"SimulationResult({self.num_samples} walkers, {len(self.closed_classes)} closed "
                f"classes, {self.num_truncated} truncated, interrupted={self.interrupted})")


def _row_cumsums(chain: Chain) -> np.ndarray:
    P = chain.P
    rows = np.repeat(np.arange(chain.num_states), np.diff(P.indptr))
    cum = np.cumsum(P.data)
    start_totals = np.concatenate([[0.0], cum])[P.indptr[:-1]]
    local = cum - start_totals[rows]
    local[P.indptr[1:] - 1] = 1.0  # no gap at the end of a row, whatever the rounding
    return local


def _step(chain: Chain, cum: np.ndarray, s: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Next states of walkers at ``s`` for uniforms ``u``: first k in the row with cum[k] > u."""
    ptr = chain.indptr
    lo = ptr[s].copy()
    hi = ptr[s + 1] - 1
    active = lo < hi
    while active.any():
        a = np.flatnonzero(active)
        mid = (lo[a] + hi[a]) // 2
        right = cum[mid] <= u[a]
        lo[a] = np.where(right, mid + 1, lo[a])
        hi[a] = np.where(right, hi[a], mid)
        active[a] = lo[a] < hi[a]
    return chain.indices[lo]


def _starts(chain: Chain, initial: Any, num: int, rng: np.random.Generator) -> np.ndarray:
    if initial is not None:
        chain = chain.with_initial(initial)
    if chain.initial is None:
        raise SpecError("the chain has no initial distribution; pass initial=... (a state or a "
                        "{state: probability} mapping)")
    states = np.fromiter(chain.initial.keys(), np.int64)
    probs = np.array([float(p) for p in chain.initial.values()])
    return rng.choice(states, size=num, p=probs / probs.sum())


def _check_count(name: str, value: Any, low: int) -> int:
    return integer(name, value, low=low)


def simulate(chain: Chain, *, num_samples: int, rng: Any = None, initial: Any = None,
             max_steps: int = 100_000, batch_size: int = 100_000,
             progress: bool = False) -> SimulationResult:
    """Simulate walkers until they enter a closed class.

    Parameters
    ----------
    chain : Chain
        Exact or float chain (simulation uses the float ``P``).
    num_samples : int
        Number of independent walkers.
    rng : numpy.random.Generator or int, optional
        Source of randomness (``np.random.default_rng(rng)``).
    initial : state, mapping or sequence, optional
        Initial distribution (default: the chain's own).
    max_steps : int, default 100000
        Walkers still transient after this many steps are reported as truncated.
    batch_size : int, default 100000
        Walkers simulated at once.
    progress : bool or callable, default False
        Progress reports, as for :func:`chainlab.compiler.compile_model` (``True``: one line on
        stderr; a callable: progress events; ``False``: silent).

    Returns
    -------
    SimulationResult

    Raises
    ------
    SpecError
        Bad counts, or no initial distribution.

    See Also
    --------
    chainlab.simulate.sample_paths : Paths of a fixed length.
    chainlab.exact.absorption : The exact probabilities and times it estimates.
    chainlab.stats.proportion : An exact confidence interval for an estimate.

    Examples
    --------
    >>> import numpy as np
    >>> from chainlab import Chain
    >>> c = Chain([[1, 0, 0], ["1/4", "1/4", "1/2"], [0, 0, 1]], initial=1)
    >>> r = simulate(c, num_samples=1000, rng=np.random.default_rng(1))
    >>> int(r.class_counts().sum()), r.class_estimate(1).contains(2 / 3)
    (1000, True)
    """
    num_samples = _check_count("num_samples", num_samples, 1)
    max_steps = _check_count("max_steps", max_steps, 0)
    batch_size = _check_count("batch_size", batch_size, 1)
    rng = np.random.default_rng(rng)
    st = classify(chain)
    closed_of = st.closed_class_of
    cum = _row_cumsums(chain)
    starts = _starts(chain, initial, num_samples, rng)
    fate = np.full(num_samples, -1, dtype=np.int64)
    steps = np.full(num_samples, max_steps, dtype=np.int64)
    done_upto = 0
    interrupted = False
    bar = Progress("simulating", total=num_samples, unit="walkers", progress=progress)
    try:
        for b0 in range(0, num_samples, batch_size):
            b1 = min(num_samples, b0 + batch_size)
            s = starts[b0:b1].copy()
            f = closed_of[s].copy()
            n_steps = np.where(f >= 0, 0, max_steps)
            live = np.flatnonzero(f < 0)
            t = 0
            while len(live) and t < max_steps:
                t += 1
                s[live] = _step(chain, cum, s[live], rng.random(len(live)))
                c = closed_of[s[live]]
                hit = c >= 0
                f[live[hit]] = c[hit]
                n_steps[live[hit]] = t
                live = live[~hit]
            fate[b0:b1] = f
            steps[b0:b1] = n_steps
            done_upto = b1
            bar.update(b1)
    except KeyboardInterrupt:
        bar.close(interrupted=True)
        if done_upto == 0:
            raise
        interrupted = True
    finally:
        bar.close()
    return SimulationResult(
        closed_classes=st.closed_classes,
        start=starts[:done_upto],
        closed_class=fate[:done_upto],
        steps=steps[:done_upto],
        max_steps=max_steps,
        interrupted=interrupted,
    )


def sample_paths(chain: Chain, *, num_steps: int, num_samples: int = 1, rng: Any = None,
                 initial: Any = None) -> np.ndarray:
    """Sample paths of fixed length: an int array ``(num_samples, num_steps + 1)`` of states.

    See Also
    --------
    chainlab.simulate.simulate : Run walkers until they enter a closed class.
    chainlab.exact.bounded_reachability : Exact probabilities within ``L`` steps.

    Examples
    --------
    >>> import numpy as np
    >>> from chainlab import Chain
    >>> sample_paths(Chain([[0, 1], [1, 0]], initial=0), num_steps=4).tolist()
    [[0, 1, 0, 1, 0]]
    """
    num_steps = _check_count("num_steps", num_steps, 0)
    num_samples = _check_count("num_samples", num_samples, 1)
    rng = np.random.default_rng(rng)
    cum = _row_cumsums(chain)
    out = np.empty((num_samples, num_steps + 1), dtype=np.int64)
    out[:, 0] = _starts(chain, initial, num_samples, rng)
    for t in range(num_steps):
        out[:, t + 1] = _step(chain, cum, out[:, t], rng.random(num_samples))
    return out
