"""Closed silos and split states of the GMM agents: what "polarized" means, in one place.

A label's *pure* agents (every memory point on that label) form a **closed silo** when there
are at least ``k + 1`` of them (claim SIL-1: they then stay pure forever, POL-1); a joint state
with two closed silos is **split** -- polarized for good. The same test is read off one joint
state of the chain (:func:`is_split`), the memory labels of simulated runs
(:func:`split_from_labels`) and the final weights of the continuous model
(:func:`split_from_weights`). They are public as ``chainlab.bounds.closed_silos`` and so on.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validate import integer
from ..errors import SpecError

__all__ = ["closed_silos", "is_split", "split_from_labels", "split_from_weights"]


def _pure_label(counts: tuple[int, ...], r: int) -> int:
    """The label an agent is pure on, or -1."""
    for c, m in enumerate(counts):
        if m:
            return c if m == r else -1
    return -1


def closed_silos(agents: Sequence[Sequence[int]], *, neighbours: int) -> dict[int, int]:
    """Closed silos of a joint GMM state: ``{label: number of agents pure on it}``.

    A label's pure agents form a closed silo when there are at least ``neighbours + 1`` of them
    (claim SIL-1; they stay pure forever by POL-1).

    Parameters
    ----------
    agents : sequence of count tuples
        One count vector per agent (all with the same memory size ``r``), in any order.
    neighbours : int
        The k-set size ``k``.

    Returns
    -------
    dict
        Label -> silo size, for the closed silos only, sorted by label.

    See Also
    --------
    chainlab.bounds.is_split : Whether a state has two closed silos.
    chainlab.bounds.split_states : All split states of a compiled chain.
    chainlab.models.gmm.agent_id : The label an agent's memory stands for.

    Examples
    --------
    >>> closed_silos([(2, 0, 0), (2, 0, 0), (0, 2, 0), (0, 2, 0), (1, 0, 1)], neighbours=1)
    {0: 2, 1: 2}
    >>> closed_silos([(2, 0), (1, 1), (0, 2)], neighbours=1)
    {}
    """
    k = _check_k(neighbours)
    r = _memory_of(agents)
    sizes: dict[int, int] = {}
    for a in agents:
        lab = _pure_label(tuple(a), r)
        if lab >= 0:
            sizes[lab] = sizes.get(lab, 0) + 1
    return {lab: m for lab, m in sorted(sizes.items()) if m >= k + 1}


def is_split(agents: Sequence[Sequence[int]], *, neighbours: int) -> bool:
    """True when the joint state has at least two closed silos (claim SIL-1).

    See Also
    --------
    chainlab.bounds.closed_silos : The closed silos of a joint state.
    chainlab.bounds.split_states : All split states of a compiled chain.
    chainlab.bounds.split_from_labels : The same test on simulated runs.

    Examples
    --------
    >>> is_split([(2, 0), (2, 0), (0, 2), (0, 2)], neighbours=1)
    True
    >>> is_split([(2, 0), (2, 0), (0, 2), (1, 1)], neighbours=1)
    False
    """
    return len(closed_silos(agents, neighbours=neighbours)) >= 2


def _check_k(k: Any) -> int:
    return integer("neighbours", k, low=1)


def _memory_of(agents: Sequence[Sequence[int]]) -> int:
    try:
        totals = {sum(int(c) for c in a) for a in agents}
    except TypeError:
        raise SpecError(f"agents must be a sequence of count tuples, got {agents!r}") from None
    if len(totals) != 1 or min(totals) < 1:
        raise SpecError(f"every agent must hold the same positive number of memory points, got "
                        f"totals {sorted(totals)}")
    return totals.pop()


def _silo_sizes(pure: np.ndarray, label: np.ndarray, num_labels: int) -> np.ndarray:
    """(runs, num_labels) number of pure agents per label."""
    runs = pure.shape[0]
    flat = (np.arange(runs)[:, None] * num_labels + label)[pure]
    return np.bincount(flat, minlength=runs * num_labels).reshape(runs, num_labels)


def split_from_labels(labels: Any, *, neighbours: int, components: int | None = None
                      ) -> np.ndarray:
    """Which runs are split (two closed silos), from the memory labels of every agent.

    This is the read-out used for simulations of the chain and of the continuous model: a memory
    point's *label* is the component that generated it.

    Parameters
    ----------
    labels : (runs, n, r) array of int
        Label of every memory point of every agent (``0 .. K-1``).
    neighbours : int
        ``k``.
    components : int, optional
        ``K`` (default: ``labels.max() + 1``).

    Returns
    -------
    (runs,) ndarray of bool

    See Also
    --------
    chainlab.bounds.split_from_weights : The same read-out for the continuous model.
    chainlab.bounds.is_split : The same test on one joint state of the chain.

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.array([[[0, 0], [0, 0], [1, 1], [1, 1]], [[0, 0], [0, 1], [1, 1], [1, 1]]])
    >>> split_from_labels(lab, neighbours=1).tolist()
    [True, False]
    """
    k = _check_k(neighbours)
    arr = np.asarray(labels)
    if arr.ndim != 3 or arr.shape[2] < 1 or not np.issubdtype(arr.dtype, np.integer):
        raise SpecError(f"labels must be an integer array of shape (runs, n, r), got dtype "
                        f"{arr.dtype} and shape {arr.shape}")
    if arr.size and arr.min() < 0:
        raise SpecError("labels must be non-negative component indices")
    K = int(arr.max()) + 1 if components is None else int(components)
    if arr.size and arr.max() >= K:
        raise SpecError(f"labels hold {int(arr.max())} but components={K}")
    pure = (arr == arr[:, :, :1]).all(axis=2)
    sizes = _silo_sizes(pure, arr[:, :, 0], max(K, 1))
    return (sizes >= k + 1).sum(axis=1) >= 2


def split_from_weights(weights: Any, *, neighbours: int, rtol: float = 1e-9) -> np.ndarray:
    """Split runs of the continuous model read from final weights (a proxy for memory labels).

    An agent counts as pure on ``a`` when its weight vector is the *canonical pure* vector of
    the continuous model: every entry but the largest equals the row minimum (the clip value
    ``epsilon``) up to ``rtol``. That happens when every memory point gives the other components
    a responsibility below ``epsilon``, i.e. all points lie near ``mu_a``.

    See Also
    --------
    chainlab.bounds.split_from_labels : The read-out from memory labels.
    chainlab.continuous.simulate_gmm : The continuous runs it reads.

    Examples
    --------
    >>> import numpy as np
    >>> e = 1e-12
    >>> w = np.full((1, 4, 3), e); w[0, :2, 0] = 1 - 2 * e; w[0, 2:, 1] = 1 - 2 * e
    >>> split_from_weights(w, neighbours=1).tolist()
    [True]
    """
    k = _check_k(neighbours)
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 3:
        raise SpecError(f"weights must have shape (runs, n, K), got {w.shape}")
    lo = w.min(axis=2, keepdims=True)
    above = np.count_nonzero(w > lo * (1.0 + rtol), axis=2)
    pure = (above == 1) & (w.max(axis=2) > 0.5)
    sizes = _silo_sizes(pure, np.argmax(w, axis=2), w.shape[2])
    return (sizes >= k + 1).sum(axis=1) >= 2
