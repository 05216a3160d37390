"""Input normalisation shared by every chain type: what a matrix, a dict of dicts, a networkx
graph or ``(i, j, value)`` triples mean, and how labels and initial laws given by state are
resolved to indices. ``Chain`` and ``ParametricChain`` both build from these; each then
validates its own entries (rationals or rational functions).
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import numpy as np
from flint import fmpq

from .. import config
from ..errors import NotStochasticError, SpecError, StateSpaceLimitError
from ..statespace import StateSpace
from .values import fmpq_to_fraction, to_float, to_fmpq

__all__: list[str] = []


def _row_error(row: int, message: str) -> NotStochasticError:
    """A row-sum error that also carries the row index (file readers point at its line)."""
    err = NotStochasticError(message)
    err.row = row
    return err


def _check_size(num_states: int, argname: str) -> None:
    limit = config.limits.max_states
    if num_states > limit:
        raise StateSpaceLimitError(
            f"{argname} has {num_states:,} states, over the limit of {limit:,}; raise it with "
            "chainlab.config.override(max_states=...) if the machine has the memory"
        )




class _Arrays:
    """COO arrays (rows, cols, values) handed to ``Chain._build`` without a Python loop."""

    __slots__ = ("rows", "cols", "values")

    def __init__(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        self.rows, self.cols, self.values = rows, cols, values


def _checked_index_triples(transitions, n):
    for t in transitions:
        try:
            i, j, v = t
        except (TypeError, ValueError):
            raise SpecError(f"transitions must be (i, j, value) triples, got {t!r}") from None
        for name, x in (("source", i), ("target", j)):
            if not isinstance(x, (int, np.integer)) or isinstance(x, bool) or not 0 <= x < n:
                raise SpecError(
                    f"transition {t!r}: {name} index {x!r} is out of range; indices run from 0 "
                    f"to {n - 1}"
                )
        yield int(i), int(j), v


def _triples_from_any(P: Any, states):
    """Return (num_states, iterable of (i, j, value), states) for every accepted input form."""
    try:
        import networkx as nx
    except ImportError:  # pragma: no cover - networkx is a dependency
        nx = None
    if nx is not None and isinstance(P, nx.Graph):
        if not P.is_directed():
            raise SpecError("P is an undirected networkx graph; pass a DiGraph with 'weight's")
        nodes = list(P.nodes) if states is None else list(states)
        space = StateSpace(nodes)
        if set(nodes) != set(P.nodes):
            raise SpecError("states must list exactly the graph's nodes")
        triples = []
        for u, v, data in P.edges(data=True):
            if "weight" not in data:
                raise SpecError(
                    f"P edge ({u!r}, {v!r}) has no 'weight' attribute; set the transition "
                    "probability as weight"
                )
            triples.append((space.index_of(u), space.index_of(v), data["weight"]))
        return len(nodes), triples, space
    if isinstance(P, Mapping):
        keys = list(P.keys())
        space = StateSpace(keys if states is None else states)
        if states is not None and set(space.labels) != set(keys):
            raise SpecError("states must list exactly the keys of the dict-of-dicts P")
        triples = []
        for s, row in P.items():
            if not isinstance(row, Mapping):
                raise SpecError(
                    f"P[{s!r}] is {type(row).__name__}; a dict-of-dicts needs "
                    "{next_state: probability} for every state"
                )
            i = space.index_of(s)
            for t, v in row.items():
                if t not in space:
                    raise SpecError(
                        f"P[{s!r}] moves to {t!r}, which has no row; add a row for it "
                        f"(e.g. {{{t!r}: {{{t!r}: 1}}}} for an absorbing state)"
                    )
                triples.append((i, space.index_of(t), v))
        return len(keys), triples, space
    if type(P).__module__.startswith("scipy.sparse"):
        import scipy.sparse as sp

        if P.ndim != 2 or P.shape[0] != P.shape[1]:
            raise SpecError(f"P must be square, got shape {P.shape}")
        coo = sp.coo_array(P)
        coo.sum_duplicates()
        return P.shape[0], _Arrays(coo.row.astype(np.int64), coo.col.astype(np.int64),
                                   coo.data), states
    if isinstance(P, np.ndarray):
        if P.ndim != 2 or P.shape[0] != P.shape[1]:
            raise SpecError(f"P must be a square matrix, got shape {P.shape}")
        if P.dtype != object and P.dtype.kind in "fiub":
            if np.isnan(P).any():
                i, j = np.argwhere(np.isnan(P))[0]
                raise NotStochasticError(
                    f"P[{i}, {j}] is nan; entries must be finite probabilities")
            r, c = np.nonzero(P)
            return P.shape[0], _Arrays(r.astype(np.int64), c.astype(np.int64), P[r, c]), states
        nz = [(i, j) for i in range(P.shape[0]) for j in range(P.shape[1]) if P[i, j] != 0]
        triples = [(int(i), int(j), P[i, j]) for i, j in nz]
        return P.shape[0], triples, states
    if isinstance(P, Sequence) and not isinstance(P, (str, bytes)):
        n = len(P)
        if n == 0:
            raise SpecError("P has no rows; a chain needs at least one state")
        triples = []
        for i, row in enumerate(P):
            if isinstance(row, (str, bytes)) or not isinstance(row, (Sequence, np.ndarray)):
                raise SpecError(f"P row {i} is {row!r}, not a sequence of probabilities")
            if len(row) != n:
                raise SpecError(
                    f"P row {i} has {len(row)} entries but P has {n} rows; P must be square"
                )
            for j, v in enumerate(row):
                if isinstance(v, (float, np.floating)) and math.isnan(v):
                    raise NotStochasticError(
                        f"P[{i}, {j}] is nan; entries must be finite probabilities"
                    )
                if isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v == 0:
                    continue
                if isinstance(v, Fraction) and v == 0:
                    continue
                triples.append((i, j, v))
        return n, triples, states
    raise SpecError(
        f"P of type {type(P).__name__} is not a transition matrix; pass rows, a dict-of-dicts, "
        "a numpy/scipy array or a networkx.DiGraph"
    )


def _resolve_labels(labels, space: StateSpace) -> Mapping[str, frozenset[int]]:
    if labels is None:
        return MappingProxyType({})
    if not isinstance(labels, Mapping):
        raise SpecError(
            f"labels must map names to state collections, got {type(labels).__name__}"
        )
    out = {}
    for name, members in labels.items():
        if not isinstance(name, str):
            raise SpecError(f"label name {name!r} must be a string")
        if isinstance(members, (str, bytes)) or not isinstance(members, Iterable):
            raise SpecError(
                f"labels[{name!r}] must be a collection of states, got {members!r}"
            )
        out[name] = frozenset(space.indices_of(members))
    return MappingProxyType(out)


def _resolve_initial(initial, space: StateSpace, *, exact: bool, atol: float):
    if initial is None:
        return None
    n = len(space)
    if isinstance(initial, Mapping):
        items = [(space.index_of(s), v) for s, v in initial.items()]
    elif isinstance(initial, np.ndarray) or (
        isinstance(initial, Sequence) and not isinstance(initial, (str, tuple))
    ):
        if len(initial) != n:
            raise SpecError(
                f"initial has {len(initial)} probabilities but the chain has {n} states; give one "
                "per state, a single state, or a {state: prob} mapping"
            )
        items = [(i, v) for i, v in enumerate(initial)]
    else:
        items = [(space.index_of(initial), 1)]
    dist: dict[int, Any] = {}
    if exact:
        total = fmpq(0)
        for i, v in items:
            q = to_fmpq(v, where=f"initial[{space.label_of(i)!r}]")
            if q < 0:
                raise NotStochasticError(f"initial[{space.label_of(i)!r}] is negative ({q})")
            if q != 0:
                dist[i] = fmpq_to_fraction(q)
                total += q
        if total != 1:
            raise NotStochasticError(
                f"initial sums to {fmpq_to_fraction(total)}, expected 1; normalise it"
            )
    else:
        total_f = 0.0
        for i, v in items:
            x = to_float(v, where=f"initial[{space.label_of(i)!r}]")
            if x < 0:
                raise NotStochasticError(f"initial[{space.label_of(i)!r}] is negative ({x})")
            if x != 0:
                dist[i] = x
                total_f += x
        if abs(total_f - 1) > atol:
            raise NotStochasticError(f"initial sums to {total_f!r}, expected 1 within {atol}")
    return MappingProxyType(dict(sorted(dist.items())))
