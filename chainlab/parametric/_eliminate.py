r"""State elimination over rational functions (internal; the engine of the parametric analyses).

Solves ``x_u = sum_v P[u, v] x_v + b_u`` for ``u`` in a set ``U`` of states that is left with
probability 1 (so ``I - P_UU`` is invertible over the field of rational functions, claim
PAR-1), for several right-hand sides at once.

Method
------
* ``U`` is split into the strong components of its graph, solved in reverse topological order
  (sinks first); values of solved components enter the right-hand sides of the components
  upstream (claim LIN-2 applies verbatim over any field).
* Inside a component every row is kept over one common denominator: ``row_u = (N_u, D_u)`` with
  polynomial numerators ``N_uv`` (and ``R_uk`` for the right-hand sides) and the row's gcd
  removed, so ``D_u`` is the lcm of the row's reduced denominators. Eliminating ``s`` (self-loop
  ``a = N_ss``) divides row ``s`` by ``1 - P_ss``, i.e. sets ``D_s <- D_s - a``, and adds
  ``P_us * row_s`` to every predecessor ``u``:
  ``row_u <- (N_u D_s' + w' N_s) / (D_u D_s')`` with ``g = gcd(w, D_s)``, ``w' = w / g``,
  ``D_s' = D_s / g`` -- polynomial products only, then one gcd pass over the row. This is the
  *gcd cancellation at every step* that keeps degrees at their true size.
* Order inside a component: minimum degree (Markowitz: fewest ``in x out`` neighbours, on the
  symbolic fill graph), with the states whose values are needed eliminated last so the back
  substitution touches only them.
* Back substitution in reverse elimination order gives each needed value as a reduced rational
  function.
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..structure import strong_components

__all__: list[str] = []  # private module


def solve(chain, U: np.ndarray, rhs: dict[int, list[tuple]], needed: set[int] | None,
          num_columns: int) -> dict[int, list[tuple]]:
    """Values on ``needed`` (default: all of ``U``) for ``num_columns`` right-hand sides.

    ``rhs[u]`` lists the constant terms of state ``u`` (one rational function per column);
    transitions leaving ``U`` are ignored (the caller folds their contributions into ``rhs``).
    """
    ring = chain._ring
    n = chain.num_states
    U = np.asarray(U, dtype=np.int64)
    if len(U) == 0:
        return {}
    ptr, idx = chain._indptr, chain._indices
    loc = np.full(n, -1, dtype=np.int64)
    loc[U] = np.arange(len(U))
    # pattern of P_UU and its strong components
    rows, cols = [], []
    for r, u in enumerate(U.tolist()):
        for k in range(ptr[u], ptr[u + 1]):
            c = loc[idx[k]]
            if c >= 0:
                rows.append(r)
                cols.append(int(c))
    pat = sp.csr_array((np.ones(len(rows), np.int8), (rows, cols)), shape=(len(U), len(U)))
    num, labels = strong_components(pat)
    members: list[list[int]] = [[] for _ in range(num)]
    for r, lab in enumerate(labels.tolist()):
        members[lab].append(int(U[r]))
    comp = np.full(n, -1, dtype=np.int64)
    comp[U] = labels
    # which values are required: needed states, and the targets of active components' rows
    required = np.zeros(n, dtype=bool)
    if needed is None:
        required[U] = True
    else:
        required[np.fromiter(needed, np.int64, len(needed))] = True
    active = np.zeros(num, dtype=bool)
    for c in range(num - 1, -1, -1):  # topological order: sources (large labels) first
        if not required[members[c]].any():
            continue
        active[c] = True
        for u in members[c]:
            for k in range(ptr[u], ptr[u + 1]):
                v = idx[k]
                if comp[v] >= 0 and comp[v] != c:
                    required[v] = True
    solved: dict[int, list[tuple]] = {}
    for c in range(num):  # sinks first
        if active[c]:
            _solve_component(ring, chain, members[c], comp, c, rhs, solved, required,
                             num_columns)
    if needed is None:
        return solved
    return {u: solved[u] for u in needed}


def _solve_component(ring, chain, C: list[int], comp, c: int, rhs, solved, required,
                     m: int) -> None:
    ptr, idx, vals = chain._indptr, chain._indices, chain._values
    one = ring.one
    rows: dict[int, dict[int, Any]] = {}  # polynomials (fmpz_poly / fmpz_mpoly)
    dens: dict[int, Any] = {}
    for u in C:
        trans: dict[int, tuple] = {}
        b = list(rhs[u]) if u in rhs else [ring.ZERO] * m
        for k in range(ptr[u], ptr[u + 1]):
            v = int(idx[k])
            cv = comp[v]
            if cv == c:
                trans[v] = vals[k]
            elif cv >= 0:
                xv = solved[v]
                for col in range(m):
                    if not xv[col][0].is_zero():
                        b[col] = ring.add(b[col], ring.mul(vals[k], xv[col]))
        L = one
        for _, d in list(trans.values()) + b:
            if not d.is_one():
                g = L.gcd(d)
                L = L * (d // g) if not g.is_one() else L * d
        row: dict[int, Any] = {}
        for v, (num, d) in trans.items():
            row[v] = num * (L // d) if not d.is_one() else num * L
        for col in range(m):
            num, d = b[col]
            if not num.is_zero():
                row[-1 - col] = num * (L // d) if not d.is_one() else num * L
        dens[u] = _row_reduce(L, row)
        rows[u] = row
    need_here = [u for u in C if required[u]]
    order = _min_degree_order(rows, set(need_here))
    preds: dict[int, set[int]] = {u: set() for u in C}
    for u in C:
        for v in rows[u]:
            if v >= 0 and v != u:
                preds[v].add(u)
    saved = []
    for s in order:
        row = rows.pop(s)
        a = row.pop(s, None)
        D = dens.pop(s)
        if a is not None:
            D = D - a
        if D.is_zero():
            from ..errors import SpecError

            raise SpecError(
                f"state {chain.states.label_of(s)!r} returns to itself with probability 1 for "
                "every value of the parameters while its row has other nonzero entries: no "
                "parameter point makes every entry positive (see well_defined_region())")
        if D.leading_coefficient() < 0:
            D = -D
            for k in row:
                row[k] = -row[k]
        D = _row_reduce(D, row)
        for v in row:
            if v >= 0:
                preds[v].discard(s)
        saved.append((s, row, D))
        for u in preds.pop(s):
            ru = rows[u]
            w = ru.pop(s)
            g = w.gcd(D)
            if not g.is_one():
                w2, D2 = w // g, D // g
            else:
                w2, D2 = w, D
            if not D2.is_one():
                for k in ru:
                    ru[k] = ru[k] * D2
            for k, v in row.items():
                t = w2 * v
                old = ru.get(k)
                if old is not None:
                    t = old + t
                    if t.is_zero():
                        del ru[k]
                        if k >= 0:
                            preds[k].discard(u)
                    else:
                        ru[k] = t
                else:
                    ru[k] = t
                    if k >= 0 and k != u:
                        preds[k].add(u)
            dens[u] = _row_reduce(dens[u] * D2 if not D2.is_one() else dens[u], ru)
    zero_rf = ring.ZERO
    for s, row, D in reversed(saved):
        if not required[s]:
            continue
        out = []
        for col in range(m):
            r = row.get(-1 - col)
            acc = zero_rf if r is None else (r, one)
            for v, nv in row.items():
                if v >= 0:
                    xv = solved[v][col]
                    if not xv[0].is_zero():
                        acc = ring.add(acc, ring.scale(nv, xv))
            out.append(ring.div_poly(acc, D) if not acc[0].is_zero() else zero_rf)
        solved[s] = out


def _row_reduce(den: Any, row: dict[int, Any]) -> Any:
    """Divide the row and its denominator by their gcd (in place); return the new denominator."""
    g = den
    for v in row.values():
        if g.is_one():
            return den
        g = g.gcd(v)
    if g.is_one() or g.is_zero():
        return den
    if g.leading_coefficient() < 0:
        g = -g
    for k in row:
        row[k] = row[k] // g
    return den // g


def _min_degree_order(rows: dict[int, dict], last: set[int]) -> list[int]:
    """Minimum-degree (Markowitz) elimination order on the symbolic fill graph; states in
    ``last`` come after all others (and are ordered the same way among themselves)."""
    succ = {u: {v for v in r if v >= 0 and v != u} for u, r in rows.items()}
    pred: dict[int, set[int]] = {u: set() for u in rows}
    for u, out in succ.items():
        for v in out:
            pred[v].add(u)
    order: list[int] = []
    for group in ([u for u in rows if u not in last], [u for u in rows if u in last]):
        alive = set(group)
        heap = [(len(pred[u]) * len(succ[u]), u) for u in group]
        heapq.heapify(heap)
        while heap:
            cost, s = heapq.heappop(heap)
            if s not in alive or cost != len(pred[s]) * len(succ[s]):
                continue
            alive.discard(s)
            order.append(s)
            ps, ss = pred.pop(s), succ.pop(s)
            for u in ps:
                su = succ[u]
                su.discard(s)
                for v in ss:
                    if v != u and v not in su:
                        su.add(v)
                        pred[v].add(u)
            for v in ss:
                pred[v].discard(s)
            for u in ps | ss:
                if u in alive:
                    heapq.heappush(heap, (len(pred[u]) * len(succ[u]), u))
    return order
