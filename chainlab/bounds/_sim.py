"""Vectorised Monte Carlo of the discretized GMM chain on count vectors (private).

Many runs advance together as an int array ``(runs, n, K)`` of label counts; one round follows
docs/model.md ("The discretized chain") step by step (partner from the k-set with the model's tie rule, query from
the asker's counts, the partner's temporary counts, answer, asker's eviction; farthest-point ties
by count). A run stops as soon as its fate is decided: two closed silos (polarized for sure,
POL-1/SIL-1) or, when ``r >= 2`` and ``p < 1``, a closed silo of at least ``n - k`` agents
(consensus for sure, POL-2). No chain is compiled, so ``n = 30`` is fine.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from .._progress import Progress
from .._validate import integer
from ..models.gmm import GMMAgents
from ..stats import ProportionEstimate, proportion
from ._gmm import _check_model, _params, _silo_sizes


@dataclasses.dataclass(frozen=True, eq=False)
class SplitRunResult:
    """Fates of simulated runs of the discretized GMM chain.

    Attributes
    ----------
    split : (runs,) ndarray of bool
        The run reached two closed silos (so it polarizes, SIL-1).
    consensus : (runs,) ndarray of bool
        The run reached a closed silo of ``n - k`` or more agents (so it ends in consensus,
        POL-2; only decided this way when ``r >= 2`` and ``p < 1``).
    rounds : (runs,) ndarray of int
        Round at which the fate was decided (``max_rounds`` when undecided).
    max_rounds : int
    parameters : dict
        ``GMMAgents.describe()`` (includes the tie rule).
    interrupted : bool
        Ctrl-C stopped the simulation; the finished batches are kept.

    Examples
    --------
    Returned by :func:`chainlab.bounds.simulate_split`:

    >>> import numpy as np
    >>> from chainlab.models import GMMAgents
    >>> res = simulate_split(GMMAgents(agents=4, components=2, memory=2, neighbours=1),
    ...                      num_samples=10, rng=np.random.default_rng(0))
    >>> res.num_runs, int(res.split.sum()), int(res.rounds.max())
    (10, 10, 0)
    """

    split: np.ndarray
    consensus: np.ndarray
    rounds: np.ndarray
    max_rounds: int
    parameters: dict
    interrupted: bool = False

    @property
    def num_runs(self) -> int:
        """Number of runs."""
        return int(len(self.split))

    @property
    def num_truncated(self) -> int:
        """Runs still undecided after ``max_rounds``."""
        return int((~self.split & ~self.consensus).sum())

    def estimate(self, *, confidence: float = 0.95) -> ProportionEstimate:
        """``P(reach two closed silos)`` with its exact Clopper-Pearson interval (undecided runs
        count as not split, so the interval is valid for ``P(split within max_rounds)``)."""
        return proportion(int(self.split.sum()), self.num_runs, confidence=confidence)

    def __repr__(self) -> str:
        return (f"SplitRunResult({self.num_runs} runs, {int(self.split.sum())} split, "
                f"{int(self.consensus.sum())} consensus, {self.num_truncated} undecided, "
                f"ties={self.parameters.get('ties')!r})")


def _sample_label(C: np.ndarray, r: int, u: np.ndarray) -> np.ndarray:
    """Label of a uniformly chosen memory point: rows of C are counts summing to r."""
    z = np.minimum((u * r).astype(np.int64), r - 1)
    return (np.cumsum(C, axis=-1) <= z[:, None]).sum(axis=-1)


def _evict(C: np.ndarray, x: np.ndarray, labels: np.ndarray, u: np.ndarray) -> None:
    """In place: replace one point of the label farthest from x by x (ties by count)."""
    rows = np.arange(C.shape[0])
    dist = np.abs(labels[None, :] - x[:, None])
    dm = np.where(C > 0, dist, -1)
    far = dm.max(axis=-1)
    w = np.where(dm == far[:, None], C, 0)
    tot = w.sum(axis=-1)
    z = np.minimum((u * tot).astype(np.int64), tot - 1)
    lab = (np.cumsum(w, axis=-1) <= z[:, None]).sum(axis=-1)
    move = (far > 0).astype(C.dtype)
    C[rows, lab] -= move
    C[rows, x] += move


def _partners(X: np.ndarray, k: int, ties: str, p: float, rng: np.random.Generator
              ) -> np.ndarray:
    b, n, _ = X.shape
    own = np.broadcast_to(np.arange(n), (b, n))
    if k == n - 1:
        j = (own + 1 + np.minimum((rng.random((b, n)) * (n - 1)).astype(np.int64), n - 2)) % n
    else:
        Xf = X.astype(np.float64)
        norms = np.einsum("bik,bik->bi", Xf, Xf)
        d2 = norms[:, :, None] + norms[:, None, :] - 2.0 * (Xf @ Xf.transpose(0, 2, 1))
        d2 = np.rint(d2)  # exact small integers
        if ties == "random":
            d2 += 0.5 * rng.random((b, n, n))
        else:
            d2 += np.arange(n) / (2.0 * n)
        d2[:, np.arange(n), np.arange(n)] = np.inf
        kset = np.argpartition(d2, k - 1, axis=-1)[..., :k]  # the k nearest, any order
        pos = np.minimum((rng.random((b, n)) * k).astype(np.int64), k - 1)
        j = np.take_along_axis(kset, pos[..., None], axis=-1)[..., 0]
    if p > 0:
        j = np.where(rng.random((b, n)) < p, own, j)
    return j


def _one_round(X: np.ndarray, r: int, k: int, ties: str, p: float,
               rng: np.random.Generator) -> np.ndarray:
    b, n, K = X.shape
    labels = np.arange(K)
    j = _partners(X, k, ties, p, rng)
    flat = X.reshape(b * n, K)
    partner = (np.arange(b)[:, None] * n + j).ravel()
    u = rng.random((5, b * n))
    x = _sample_label(flat, r, u[0])
    temp = flat[partner].copy()
    _evict(temp, x, labels, u[1])
    y = _sample_label(temp, r, u[2])
    new = flat.copy()
    _evict(new, y, labels, u[3])
    return new.reshape(b, n, K)


def _fates(X: np.ndarray, r: int, k: int, decide_consensus: bool) -> tuple[np.ndarray, np.ndarray]:
    n, K = X.shape[1], X.shape[2]
    pure = X.max(axis=-1) == r
    sizes = _silo_sizes(pure, X.argmax(axis=-1), K)
    split = (sizes >= k + 1).sum(axis=1) >= 2
    cons = sizes.max(axis=1) >= max(k + 1, n - k) if decide_consensus \
        else np.zeros(len(X), dtype=bool)
    return split, cons & ~split


def simulate_split(model: GMMAgents, *, num_samples: int, rng: Any = None,
                   max_rounds: int = 10_000, batch_size: int = 2_000,
                   progress: bool = False) -> SplitRunResult:
    """Simulate the discretized GMM chain until each run reaches two closed silos or consensus.

    Parameters
    ----------
    model : GMMAgents
    num_samples : int
        Number of independent runs from the model's initial state.
    rng : numpy.random.Generator or int, optional
    max_rounds : int, default 10000
        Runs still undecided after this many rounds are reported as undecided.
    batch_size : int, default 2000
        Runs advanced together.
    progress : bool or callable, default False
        Progress reports, as for :func:`chainlab.compiler.compile_model` (``True``: one line on
        stderr; a callable: progress events; ``False``: silent).

    Returns
    -------
    SplitRunResult

    See Also
    --------
    chainlab.bounds.fate_of_initial_state : The fate when the start alone decides it.
    chainlab.simulate.simulate : Monte Carlo of any chain.
    chainlab.bounds.check_bound : Bounds checked against these simulations.

    Examples
    --------
    >>> import numpy as np
    >>> from chainlab.models import GMMAgents
    >>> m = GMMAgents(agents=4, components=4, memory=2, neighbours=1)
    >>> res = simulate_split(m, num_samples=2000, rng=np.random.default_rng(0))
    >>> res.num_truncated, res.estimate().contains(0.3406)
    (0, True)
    """
    model = _check_model(model)
    for name, v, low in (("num_samples", num_samples, 1), ("max_rounds", max_rounds, 0),
                         ("batch_size", batch_size, 1)):
        integer(name, v, low=low)
    rng = np.random.default_rng(rng)
    n, K, r, k, p = _params(model)
    decide = r >= 2 and p < 1
    start = np.array(model.initial_agents(), dtype=np.int16)
    split = np.zeros(num_samples, dtype=bool)
    cons = np.zeros(num_samples, dtype=bool)
    rounds = np.full(num_samples, max_rounds, dtype=np.int64)
    done = 0
    interrupted = False
    bar = Progress("simulating the chain", total=num_samples, unit="runs", progress=progress)
    try:
        for b0 in range(0, num_samples, batch_size):
            b1 = min(num_samples, b0 + batch_size)
            X = np.repeat(start[None], b1 - b0, axis=0)
            s, c = _fates(X, r, k, decide)
            split[b0:b1], cons[b0:b1] = s, c
            rounds[b0:b1][s | c] = 0
            live = np.flatnonzero(~(s | c))
            t = 0
            while len(live) and t < max_rounds:
                t += 1
                X[live] = _one_round(X[live], r, k, model.ties, float(p), rng)
                s, c = _fates(X[live], r, k, decide)
                hit = s | c
                split[b0 + live[s]] = True
                cons[b0 + live[c]] = True
                rounds[b0 + live[hit]] = t
                live = live[~hit]
            done = b1
            bar.update(b1)
    except KeyboardInterrupt:
        bar.close(interrupted=True)
        if done == 0:
            raise
        interrupted = True
    finally:
        bar.close()
    return SplitRunResult(split=split[:done], consensus=cons[:done], rounds=rounds[:done],
                          max_rounds=max_rounds, parameters=model.describe(),
                          interrupted=interrupted)
