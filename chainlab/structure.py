r"""Graph structure of a chain, from its sparsity pattern only (no arithmetic).

Definitions
-----------
* States ``i`` and ``j`` *communicate* when each is reachable from the other; the
  communicating classes are the strongly connected components of the transition graph.
* A class is *closed* (recurrent) when no edge leaves it; every state of a non-closed class is
  *transient*. A state ``i`` with ``P[i, i] = 1`` is *absorbing* (a closed class of one state).
* The *period* of a closed class is the gcd of the lengths of its cycles; computed as the gcd of
  ``level(u) + 1 - level(v)`` over its edges ``u -> v``, with ``level`` the BFS depth from any
  state of the class.

Strong components come from Tarjan's algorithm and searches from a breadth-first search, both in
C (:mod:`chainlab._analysis._cgraph`, so the exact path does not import SciPy), or, where that
extension is not built, from :func:`scipy.sparse.csgraph.connected_components` (Pearce's algorithm) and
``breadth_first_order``. Component labels are in reverse topological order of the condensation;
that order is checked on every call and recomputed with networkx if an implementation ever
changes it.

Examples
--------
>>> from chainlab import Chain
>>> s = classify(Chain([[1, 0, 0], ["1/2", 0, "1/2"], [0, 0, 1]]))
>>> s.closed_classes, s.transient, s.absorbing
(((0,), (2,)), (1,), (0, 2))
"""

from __future__ import annotations

import dataclasses
import math
from functools import reduce

import numpy as np

from .chain import Chain

try:
    from ._analysis import _cgraph  # type: ignore[attr-defined]  # (a C extension: no stub)
except ImportError:  # pragma: no cover - the C extension is optional
    _cgraph = None

__all__ = ["Structure", "classify", "reachable_from", "can_reach", "strong_components"]


@dataclasses.dataclass(frozen=True, eq=False)
class Structure:
    """Classes of a chain (all by state *index*).

    Attributes
    ----------
    communicating_classes : tuple of tuple of int
        All communicating classes, in topological order of the condensation (a class comes
        before every class it can reach); states sorted inside each class.
    closed_classes : tuple of tuple of int
        The closed classes, ordered by their smallest state.
    transient : tuple of int
        Transient states, sorted.
    absorbing : tuple of int
        Absorbing states, sorted.
    periods : tuple of int
        Period of each closed class (same order as ``closed_classes``).
    class_of : (n,) ndarray of int
        Index into ``communicating_classes`` for every state.
    closed_class_of : (n,) ndarray of int
        Index into ``closed_classes`` for every recurrent state, -1 for transient states.

    See Also
    --------
    chainlab.structure.classify : What returns it.
    """

    communicating_classes: tuple[tuple[int, ...], ...]
    closed_classes: tuple[tuple[int, ...], ...]
    transient: tuple[int, ...]
    absorbing: tuple[int, ...]
    periods: tuple[int, ...]
    class_of: np.ndarray
    closed_class_of: np.ndarray

    @property
    def num_closed_classes(self) -> int:
        """Number of closed classes."""
        return len(self.closed_classes)

    @property
    def is_irreducible(self) -> bool:
        """True when all states communicate."""
        return len(self.communicating_classes) == 1

    @property
    def is_aperiodic(self) -> bool:
        """True when every closed class has period 1."""
        return all(p == 1 for p in self.periods)

    @property
    def is_absorbing_chain(self) -> bool:
        """True when every closed class is a single absorbing state."""
        return all(len(c) == 1 for c in self.closed_classes)

    def canonical_order(self) -> np.ndarray:
        """State indices ordered transient first, then each closed class (``P = [[Q, R], [0, I]]``)."""
        parts = [np.asarray(self.transient, dtype=np.int64)]
        parts += [np.asarray(c, dtype=np.int64) for c in self.closed_classes]
        return np.concatenate(parts)

    def __repr__(self) -> str:
        return (
            f"Structure({len(self.communicating_classes)} classes, "
            f"{len(self.closed_classes)} closed (periods {list(self.periods)}), "
            f"{len(self.transient)} transient, {len(self.absorbing)} absorbing)"
        )


class _Graph:
    """A directed graph in CSR form (int64 ``indptr``, ``indices``): the sparsity pattern."""

    __slots__ = ("indptr", "indices", "shape")

    def __init__(self, indptr: np.ndarray, indices: np.ndarray) -> None:
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int64)
        self.indices = np.ascontiguousarray(indices, dtype=np.int64)
        n = len(self.indptr) - 1
        self.shape = (n, n)

    @classmethod
    def of(cls, graph) -> _Graph:
        """Any CSR-like object (``_Graph``, scipy ``csr_array``) with explicit zeros dropped."""
        if isinstance(graph, cls):
            return graph
        data = getattr(graph, "data", None)
        if data is not None and len(data) and not np.all(data != 0):
            graph = graph.copy()
            graph.eliminate_zeros()
        return cls(graph.indptr, graph.indices)

    @property
    def rows(self) -> np.ndarray:
        return np.repeat(np.arange(self.shape[0], dtype=np.int64), np.diff(self.indptr))

    def transpose(self) -> _Graph:
        order = np.argsort(self.indices, kind="stable")
        ptr = np.zeros(self.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.indices, minlength=self.shape[0]), out=ptr[1:])
        return _Graph(ptr, self.rows[order])

    def to_scipy(self):
        import scipy.sparse as sp

        return sp.csr_array((np.ones(len(self.indices), dtype=np.int8), self.indices,
                             self.indptr), shape=self.shape)


def _pattern(chain: Chain) -> _Graph:
    return _Graph(chain.indptr, chain.indices)


def strong_components(pattern) -> tuple[int, np.ndarray]:
    """Strong components with labels in *reverse topological* order (sinks get small labels).

    Parameters
    ----------
    pattern : (n, n) csr_array, or any object with CSR ``indptr`` and ``indices``
        Adjacency pattern (nonzero = edge).

    Returns
    -------
    num : int
        Number of strong components.
    labels : (n,) ndarray of int64
        Component of each node; an edge ``u -> v`` between components has
        ``labels[u] > labels[v]``.

    See Also
    --------
    chainlab.structure.classify : Closed and transient classes, absorbing states, periods.
    chainlab.structure.reachable_from : States reachable from a set of states.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> strong_components(sp.csr_array(np.array([[0, 1, 0], [1, 0, 1], [0, 0, 1]])))
    (2, array([1, 1, 0]))
    """
    g = _Graph.of(pattern)
    if _cgraph is not None:
        num, raw = _cgraph.scc(g.indptr, g.indices)
        labels = np.frombuffer(raw, dtype=np.int64).copy()
    else:  # pragma: no cover - exercised by tests that hide the extension
        from scipy.sparse.csgraph import connected_components

        num, labels = connected_components(g.to_scipy(), directed=True, connection="strong")
    lu, lv = labels[g.rows], labels[g.indices]
    if np.any(lu < lv):  # the labelling is not topological: recompute an order ourselves
        import networkx as nx

        cross = lu != lv
        gx = nx.DiGraph()
        gx.add_nodes_from(range(num))
        gx.add_edges_from(zip(lu[cross].tolist(), lv[cross].tolist()))
        topo = list(nx.topological_sort(gx))
        rank = np.empty(num, dtype=np.int64)
        rank[np.asarray(topo[::-1], dtype=np.int64)] = np.arange(num)
        labels = rank[labels]
    return int(num), labels.astype(np.int64)


def _levels(graph: _Graph, sources: np.ndarray, skip: np.ndarray | None = None) -> np.ndarray:
    """BFS depth of every node from ``sources`` (-1: unreached); ``skip`` nodes are never
    entered unless they are sources."""
    sources = np.ascontiguousarray(sources, dtype=np.int64)
    n = graph.shape[0]
    if _cgraph is not None:
        mask = None if skip is None else np.ascontiguousarray(skip, dtype=np.uint8)
        return np.frombuffer(_cgraph.bfs(graph.indptr, graph.indices, sources, mask),
                             dtype=np.int64)
    # pragma: no cover - the fallback: a virtual root pointing to all sources (one C call)
    from scipy.sparse.csgraph import shortest_path

    keep = np.ones(len(graph.indices), dtype=bool) if skip is None else \
        ~np.asarray(skip, dtype=bool)[graph.indices]
    rows = np.concatenate([graph.rows[keep], np.full(len(sources), n)])
    cols = np.concatenate([graph.indices[keep], sources])
    import scipy.sparse as sp

    g = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=(n + 1, n + 1))
    if not len(sources):
        return np.full(n, -1, dtype=np.int64)
    dist = shortest_path(g, method="D", unweighted=True, indices=n)[:n]
    out = np.where(np.isfinite(dist), dist - 1, -1).astype(np.int64)
    return out


def classify(chain: Chain) -> Structure:
    """Communicating, closed and transient classes, absorbing states and periods.

    Parameters
    ----------
    chain : Chain

    Returns
    -------
    Structure

    See Also
    --------
    chainlab.structure.strong_components : The strong components behind the classes.
    chainlab.exact.canonical_form : Transient states first, closed classes collapsed.
    chainlab.exact.stationary : The stationary law of each closed class.
    chainlab.plot.plot_transition_graph : Draw the chain with its classes coloured.

    Notes
    -----
    Linear in states + transitions (strong components in C, one BFS per closed class). The
    result is cached on the chain.

    Examples
    --------
    A periodic 3-cycle fed by a transient state:

    >>> from chainlab import Chain
    >>> c = Chain([[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [0, 1, 0, 0]])
    >>> s = classify(c)
    >>> s.closed_classes, s.periods, s.transient
    (((1, 2, 3),), (3,), (0,))
    """
    cached = _cache_get(chain)
    if cached is not None:
        return cached
    pat = _pattern(chain)
    n = chain.num_states
    num, labels = strong_components(pat)
    rows = pat.rows
    leaving = labels[rows] != labels[pat.indices]
    has_exit = np.zeros(num, dtype=bool)
    has_exit[labels[rows[leaving]]] = True
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(num + 1))
    # one tuple per component, sliced from Python lists (protocol models have a component
    # per state: a numpy slice per component costs ten times more)
    flat, ends = order.tolist(), bounds.tolist()
    members = list(zip(flat)) if num == n else \
        [tuple(flat[a:b]) for a, b in zip(ends[:-1], ends[1:])]
    # topological order = decreasing label
    communicating = tuple(reversed(members))
    class_of = (num - 1) - labels
    closed_ids = sorted(np.flatnonzero(~has_exit).tolist(), key=lambda c: members[c][0])
    closed = tuple(members[c] for c in closed_ids)
    closed_k = np.full(num, -1, dtype=np.int64)
    closed_k[np.asarray(closed_ids, dtype=np.int64)] = np.arange(len(closed_ids))
    closed_class_of = closed_k[labels]
    transient = tuple(np.flatnonzero(closed_class_of < 0).tolist())
    absorbing = tuple(sorted(c[0] for c in closed if len(c) == 1))
    periods = tuple(_period(pat, c) for c in closed)
    result = Structure(
        communicating_classes=communicating,
        closed_classes=closed,
        transient=transient,
        absorbing=absorbing,
        periods=periods,
        class_of=class_of,
        closed_class_of=closed_class_of,
    )
    _cache_put(chain, result)
    return result


def _period(pat: _Graph, members: tuple[int, ...]) -> int:
    if len(members) == 1:
        return 1  # a closed single state has P[i, i] = 1
    # a closed class: the search from one member stays inside it
    level = _levels(pat, np.array([members[0]]))
    idx = np.asarray(members, dtype=np.int64)
    rows, cols = pat.rows, pat.indices
    inside = np.zeros(pat.shape[0], dtype=bool)
    inside[idx] = True
    edge = inside[rows]
    diffs = np.abs(level[rows[edge]] + 1 - level[cols[edge]])
    return int(reduce(math.gcd, np.unique(diffs).tolist(), 0))


def reachable_from(chain: Chain, sources: np.ndarray) -> np.ndarray:
    """Boolean mask of the states reachable from ``sources`` (including them), by graph search.

    See Also
    --------
    chainlab.structure.can_reach : The reverse search: states from which targets are reachable.
    chainlab.structure.classify : Communicating and closed classes.

    Examples
    --------
    >>> from chainlab import Chain
    >>> reachable_from(Chain([[1, 0], [1, 0]]), np.array([0])).tolist()
    [True, False]
    """
    return _search(_pattern(chain), sources)


def can_reach(chain: Chain, targets: np.ndarray, *, avoiding: np.ndarray | None = None
              ) -> np.ndarray:
    """Boolean mask of the states from which some state of ``targets`` is reachable.

    With ``avoiding`` (a boolean mask), paths may not pass *through* those states (they may
    still end in ``targets``); the states of ``avoiding`` themselves count only if they are
    targets.

    See Also
    --------
    chainlab.structure.reachable_from : The forward search from a set of states.
    chainlab.exact.hitting : The probability of reaching the targets (0 outside this mask).

    Examples
    --------
    >>> from chainlab import Chain
    >>> c = Chain([[0, 1, 0], [0, 0, 1], [0, 0, 1]])
    >>> can_reach(c, np.array([2])).tolist()
    [True, True, True]
    >>> can_reach(c, np.array([2]), avoiding=np.array([False, True, False])).tolist()
    [False, False, True]
    """
    back = _pattern(chain).transpose()
    skip = None if avoiding is None else np.asarray(avoiding, dtype=bool)
    return _search(back, targets, skip)


def _search(graph, sources: np.ndarray, skip: np.ndarray | None = None) -> np.ndarray:
    """Nodes reachable from ``sources`` (``skip`` nodes are not entered unless sources)."""
    return _levels(_Graph.of(graph), np.asarray(sources, dtype=np.int64), skip) >= 0


def _cache_get(chain: Chain):
    return chain._cache.get("structure")


def _cache_put(chain: Chain, value) -> None:
    chain._cache["structure"] = value
