"""Exact solves of ``(I - M) x = b`` level by level over the condensation (claim LIN-2).

Real protocol models (the QVBS DTMCs: nand, egl, crowds, brp) are mostly acyclic: nand with
N = 20, K = 2 has 154,942 states and 154,942 strong components, 402 levels deep. Gaussian
elimination is then pure substitution, and what costs is the interpreter, not the arithmetic.
So the components are grouped by *level* (the longest path to a sink of the condensation), all
components of one level being independent of each other:

* the singleton components of a level are solved at once with vectorised object-array
  arithmetic over python-flint rationals, ``x_S = (b_S + M[S, :] x) / (1 - M_SS)`` (a C loop
  per operation instead of Python bytecode); levels with few singletons are collected into
  one scalar Python loop instead, which costs less than the numpy calls of a tiny level;
* the small strong components of a level (fewer than ``BIG`` states) form one block-diagonal
  system, factored by sparse rational LU (fill stays inside each component);
* every big component is factored on its own by the routes of :mod:`chainlab._linalg.linsolve`.

Only the components that the wanted states depend on (their downstream closure) are solved.

Equal equations, equal values (claim LIN-3): protocol models repeat the same equation over and
over (nand N = 20, K = 2: 49,224 distinct reach probabilities over 154,942 states, 401 distinct
expected step counts; crowds 4-10: 32 and 69). A classifier (:func:`classifier`, in C) gives two
singleton components one class when their equations are the same -- the same right-hand side,
the same diagonal and the same exact sums of entries towards each class, all compared through
ids of equal values (:func:`value_ids`) -- and identical components (``copies``) whose states
agree so rank by rank; values found equal after a step (equal residues modulo a 61-bit prime,
then ``==``) merge their classes, so later equations over them agree more often. Each class is solved once and its value
object shared by all its states (which later formatting and conversions exploit by object
identity).
"""

from __future__ import annotations

import numpy as np
from flint import fmpz

from .sparse import csr_matvec_object, rows_positions

try:  # one pass over the condensation in C (the numpy loop below costs a call per level)
    from .._analysis import _cgraph  # type: ignore[attr-defined]  # (a C extension: no stub)
except ImportError:  # pragma: no cover - exercised by tests that hide the extension
    _cgraph = None

__all__: list[str] = []

#: levels with at least this many singleton components are solved vectorised
VECTOR_MIN = 24


def component_levels(num: int, labels: np.ndarray, ptr: np.ndarray,
                     cols: np.ndarray) -> np.ndarray:
    """Longest path from every component to a sink of the condensation.

    ``labels`` are in reverse topological order (``structure.strong_components``): the C
    extension computes the levels in one pass over the components in label order; without it,
    Kahn's algorithm runs vectorised, one numpy round per level.
    """
    if _cgraph is not None:
        return np.frombuffer(_cgraph.levels(np.ascontiguousarray(ptr, dtype=np.int64),
                                            np.ascontiguousarray(cols, dtype=np.int64),
                                            np.ascontiguousarray(labels, dtype=np.int64),
                                            int(num)), dtype=np.int64)
    m = len(labels)
    rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(ptr))
    cr, cc = labels[rows], labels[cols]
    keep = cr != cc
    key = np.unique(cr[keep].astype(np.int64) * num + cc[keep])
    src, dst = key // num, key % num
    remaining = np.bincount(src, minlength=num)
    order = np.argsort(dst, kind="stable")  # edges grouped by their head
    pred_of = src[order]
    pred_ptr = np.zeros(num + 1, dtype=np.int64)
    np.cumsum(np.bincount(dst, minlength=num), out=pred_ptr[1:])
    level = np.zeros(num, dtype=np.int64)
    frontier = np.flatnonzero(remaining == 0)
    depth = 0
    while len(frontier):
        level[frontier] = depth
        _, pos = rows_positions(pred_ptr, frontier)
        preds = pred_of[pos]
        if not len(preds):
            break
        np.subtract.at(remaining, preds, 1)
        cand = np.unique(preds)
        frontier = cand[remaining[cand] == 0]
        depth += 1
    return level


def value_ids(values: np.ndarray) -> tuple[np.ndarray, list]:
    """``(ids, firsts)``: ids of an object array's values, equal id => equal value (the converse
    mostly holds), and one value of every id.

    The same object always gets the same id (a chain read from a file shares one object per
    distinct entry); distinct objects get the same id when they compare equal, found through
    their float (a key only: ``==`` decides; a crowd of distinct values behind one float just
    gets fresh ids, which costs sharing, never correctness).
    """
    from .._chain.values import distinct_objects

    items = values.ravel().tolist()
    if not len(items):
        return np.zeros(values.shape, dtype=np.int64), []
    first, inv = distinct_objects(items)
    vid = np.empty(len(first), dtype=np.int64)
    seen: dict = {}
    firsts: list = []
    for k, v in enumerate([items[j] for j in first.tolist()]):
        try:
            key: object = float(v)
        except (OverflowError, TypeError, ValueError):
            key = "big"
        cands = seen.setdefault(key, [])
        for w, i in cands:
            if w == v:
                vid[k] = i
                break
        else:
            if len(cands) < 8:
                cands.append((v, len(firsts)))
            vid[k] = len(firsts)
            firsts.append(v)
    return vid[inv].reshape(values.shape), firsts


def word_fractions(values: list) -> tuple[np.ndarray, np.ndarray] | None:
    """Numerators and denominators of exact values as int64 arrays, or None when one of them
    does not fit in 62 bits (then the classifier compares entries by id instead of summing)."""
    num = np.empty(len(values), dtype=np.int64)
    den = np.empty(len(values), dtype=np.int64)
    for k, v in enumerate(values):
        p, q = (int(v.p), int(v.q)) if hasattr(v, "q") else (v.numerator, v.denominator)
        if abs(p) >= 1 << 62 or not 0 < q < 1 << 62:
            return None
        num[k], den[k] = p, q
    return num, den


class Sharing:
    """What :func:`classifier` needs of a solver's plan and matrix (computed once per solver):
    the solve order, the kind of every state (1 singleton, 2 copy, 0 other), the copy group of
    every copy state and the component size of every group, entry and diagonal value ids
    (``ids``: :func:`value_ids` of the entries), and the entry values as int64 fractions
    (None: compared by id)."""

    def __init__(self, steps: list[tuple[str, np.ndarray]], m: int,
                 ids: tuple[np.ndarray, list], diag_pos: np.ndarray):
        self.order = np.concatenate([states.ravel() for _, states in steps]) if steps else \
            np.zeros(0, dtype=np.int64)
        self.kind = np.zeros(m, dtype=np.uint8)
        self.gid = np.full(m, -1, dtype=np.int64)
        sizes: list[int] = []
        for kind, states in steps:
            if kind in ("vector", "scalar"):
                self.kind[states] = 1
            elif kind == "copies":
                self.kind[states] = 2
                self.gid[states] = len(sizes)
                sizes.append(states.shape[1])
        self.gsize = np.asarray(sizes, dtype=np.int64)
        self.eid, firsts = ids  # value_ids of the entries
        self.did = np.full(m, -1, dtype=np.int64)
        has = diag_pos >= 0
        self.did[has] = self.eid[diag_pos[has]]
        self.fractions = word_fractions(firsts)
        self.eres = residues(firsts)


def classifier(ptr: np.ndarray, cols: np.ndarray, share: Sharing, b2: np.ndarray):
    """``(classifier, zero)``: a ``_cgraph.Classifier`` of ``x = (b + M x) / d`` for the
    right-hand side ``b2`` (see the module docstring) and the mask of the states whose row of
    ``b2`` is zero, or None when the C extension is not built."""
    if _cgraph is None:
        return None
    m = len(ptr) - 1
    vid, firsts = value_ids(b2.reshape(m, -1))
    zero_ids = [k for k, v in enumerate(firsts) if v == 0]
    zero = (np.isin(vid, zero_ids) if zero_ids else np.zeros(vid.shape, dtype=bool)).all(axis=1)
    bid = vid[:, 0] if vid.shape[1] == 1 else \
        np.unique(vid, axis=0, return_inverse=True)[1].reshape(-1)
    num, den = share.fractions if share.fractions is not None else (None, None)
    bres = residues(firsts)[vid] if len(firsts) else np.zeros(vid.shape, dtype=np.uint64)
    return _cgraph.Classifier(
        np.ascontiguousarray(ptr, dtype=np.int64), np.ascontiguousarray(cols, dtype=np.int64),
        share.kind, share.gid, share.gsize, share.eid,
        np.ascontiguousarray(bid, dtype=np.int64), share.did, num, den, share.eres,
        np.ascontiguousarray(bres, dtype=np.uint64), vid.shape[1]), zero


#: The prime of the residues that find equal values (``_cgraph.Classifier.candidates``)
RES_P = (1 << 61) - 1
_RES_UNKNOWN = (1 << 64) - 1
_RES_PZ = fmpz(RES_P)


def residues(values) -> np.ndarray:
    """Exact rationals modulo :data:`RES_P` as uint64 (``2**64 - 1`` where the denominator is
    a multiple of the prime); equal values, equal residues."""
    out = np.empty(len(values), dtype=np.uint64)
    for k, v in enumerate(values):
        if hasattr(v, "q"):  # fmpq: reduce in flint (no conversion of long fmpz to int)
            p, q = int(v.p % _RES_PZ), int(v.q % _RES_PZ)
        else:
            p, q = v.numerator % RES_P, v.denominator % RES_P
        out[k] = _RES_UNKNOWN if q == 0 else p * pow(q, -1, RES_P) % RES_P
    return out


def equal_rows(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which pairs ``(a[k], b[k])`` have exactly equal rows of ``x`` (every column)."""
    same = np.asarray(x[a] == x[b], dtype=bool)
    return np.asarray(same.reshape(len(a), -1).all(axis=1), dtype=bool)


def _copies(comps: np.ndarray, states_of: np.ndarray, starts: np.ndarray, ptr: np.ndarray,
            cols: np.ndarray, vals: np.ndarray, diag: np.ndarray):
    """Split small components into groups of *identical* ones -- the same matrix, entry for
    entry, with states in index order (symmetric protocols repeat a component hundreds of
    times: crowds has 952 copies of one 45-state component) -- and the rest.

    Returns ``(groups, rest)``: ``groups`` a list of ``(k, s)`` state arrays (one row per copy,
    ``k >= 2``), ``rest`` the other components. Copies share one factorisation.
    """
    m = len(diag)
    members = [states_of[starts[c]:starts[c + 1]] for c in comps]
    S = np.concatenate(members)
    comp_of = np.full(m, -1, dtype=np.int64)
    rank = np.zeros(m, dtype=np.int64)
    sizes = np.array([len(x) for x in members])
    comp_of[S] = np.repeat(np.arange(len(comps)), sizes)
    rank[S] = np.concatenate([np.arange(k) for k in sizes])
    sptr, pos = rows_positions(ptr, S)
    rows = np.repeat(S, np.diff(sptr))
    j = cols[pos]
    inside = (comp_of[j] == comp_of[rows]) & (j != rows)
    pos, rows, j = pos[inside], rows[inside], j[inside]
    # rounded floats as cheap keys (equal values, equal floats; collisions are ruled out
    # below by comparing the exact values); hash(fmpq) would build a Fraction per entry
    hashes = np.fromiter(map(float, vals[pos]), np.float64, len(pos)).view(np.int64)
    dhash = np.fromiter(map(float, diag[S]), np.float64, len(S)).view(np.int64)
    order = np.lexsort((rank[j], rank[rows], comp_of[rows]))
    pos, rows, j, hashes = pos[order], rows[order], j[order], hashes[order]
    bounds = np.searchsorted(comp_of[rows], np.arange(len(comps) + 1))
    dstart = np.concatenate([[0], np.cumsum(sizes)])
    keyed: dict[bytes, list[int]] = {}
    for c in range(len(comps)):
        a, b = bounds[c], bounds[c + 1]
        key = (np.stack([rank[rows[a:b]], rank[j[a:b]], hashes[a:b]]).tobytes()
               + b"|" + dhash[dstart[c]:dstart[c + 1]].tobytes())
        keyed.setdefault(key, []).append(c)
    groups: list[np.ndarray] = []
    rest: list[np.int64] = []
    for cs in keyed.values():
        if len(cs) < 2:
            rest.extend(comps[cs])
            continue
        rep = cs[0]
        ra, rb = bounds[rep], bounds[rep + 1]
        same = [rep]
        for c in cs[1:]:  # hashes agree: check the values themselves
            a, b = bounds[c], bounds[c + 1]
            if (vals[pos[a:b]] == vals[pos[ra:rb]]).all() and \
                    (diag[members[c]] == diag[members[rep]]).all():
                same.append(c)
            else:
                rest.append(comps[c])
        if len(same) >= 2:
            groups.append(np.stack([members[c] for c in same]))
        else:
            rest.append(comps[rep])
    return groups, np.asarray(rest, dtype=np.int64)


def plan(num: int, labels: np.ndarray, ptr: np.ndarray, cols: np.ndarray, big: int,
         needed: np.ndarray | None = None, vals: np.ndarray | None = None,
         diag: np.ndarray | None = None) -> list[tuple[str, np.ndarray]]:
    """Steps ``(kind, states)`` in solve order; ``kind`` is ``"vector"``, ``"scalar"``,
    ``"small"`` (block-diagonal union of small components), ``"copies"`` (a ``(k, s)`` array:
    ``k`` identical small components, see :func:`_copies`; needs ``vals`` and ``diag``) or
    ``"big"`` (one component)."""
    level = component_levels(num, labels, ptr, cols)
    sizes = np.bincount(labels, minlength=num)
    comps = np.arange(num)
    if needed is not None:
        present = np.zeros(num, dtype=bool)
        present[labels[needed]] = True
        comps = comps[present]
    by_level = comps[np.argsort(level[comps], kind="stable")]
    states_of = np.argsort(labels, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)])
    steps: list[tuple[str, np.ndarray]] = []
    scalar: list[np.ndarray] = []

    def flush():
        if scalar:
            steps.append(("scalar", np.concatenate(scalar)))
            scalar.clear()

    bounds = np.flatnonzero(np.diff(level[by_level])) + 1
    for group in np.split(by_level, bounds):
        if not len(group):
            continue
        sz = sizes[group]
        single = group[(sz == 1) & (sz < big)]
        if len(single):
            st = states_of[starts[single]]
            if len(single) >= VECTOR_MIN:
                flush()
                steps.append(("vector", np.sort(st)))
            else:
                scalar.append(st)
        small = group[(sz > 1) & (sz < big)]
        bigs = group[sz >= big]
        if len(small) or len(bigs):
            flush()
        if len(small) >= 2 and vals is not None and diag is not None:
            groups, small = _copies(small, states_of, starts, ptr, cols, vals, diag)
            steps.extend(("copies", g) for g in groups)
        if len(small):
            steps.append(("small", np.concatenate([states_of[starts[c]:starts[c + 1]]
                                                   for c in small])))
        for c in bigs:
            steps.append(("big", states_of[starts[c]:starts[c + 1]]))
    flush()
    return steps


def vector_step(states, b2, x, ptr, cols, vals, diag, colmap=None, zero=None,
                unit=None) -> None:
    """``x[S] = (b[S] + M[S, :] x) / (1 - M_SS)`` for singleton components ``S`` (in place);
    ``colmap``: where to read x for an array of columns (default: at themselves); ``zero``,
    ``unit``: masks of the states whose b row is 0 and whose 1 - M_SS is 1 (those skip the
    addition or the division: each costs an fmpq object per state)."""
    sptr, pos = rows_positions(ptr, states)
    c = cols[pos] if colmap is None else colmap(cols[pos])
    rhs = csr_matvec_object(sptr, c, vals[pos], x)
    add = np.arange(len(states)) if zero is None else np.flatnonzero(~zero[states])
    if len(add):
        rhs[add] = b2[states[add]] + rhs[add]
    div = np.arange(len(states)) if unit is None else np.flatnonzero(~unit[states])
    if len(div):
        rhs[div] = rhs[div] / diag[states[div]][:, None]
    x[states] = rhs


def scalar_step(states, b2, x, ptr, cols, vals, diag, colmap=None) -> None:
    """The same, one state at a time in the given (topological) order."""
    sptr, pos = rows_positions(ptr, states)
    c = cols[pos] if colmap is None else colmap(cols[pos])
    cl, vl, bounds = c.tolist(), vals[pos].tolist(), sptr.tolist()
    st, dl = states.tolist(), diag[states].tolist()
    for col in range(b2.shape[1]):
        xc = x[:, col]
        bc = b2[:, col]
        for r, i in enumerate(st):
            acc = bc[i]
            for k in range(bounds[r], bounds[r + 1]):
                j = cl[k]
                if j != i:
                    acc = acc + vl[k] * xc[j]
            xc[i] = acc / dl[r]
