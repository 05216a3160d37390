r"""Signature refinement: the coarsest strong bisimulation of an exact chain that keeps given
classes of states, and its quotient (private; the algorithm behind
:func:`chainlab.lumping.bisimulation`, whose module docstring describes it, and behind the
quotients of ``chainlab check``; claim LUMP-2)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping
from fractions import Fraction

import numpy as np
from flint import fmpq

from .._chain.values import distinct_objects, fmpq_to_fraction
from ..chain import Chain
from ..errors import SpecError
from ..statespace import StateSpace

#: primes below 2^31 for the signature hash (the first not dividing a denominator): a residue (< 2^31) times a random factor (< 2^31)
#: fits in int64, and so does the sum of a row of such products for rows of < 2^32 entries
_PRIMES = (2147483647, 2147483629, 2147483587, 2147483579, 2147483563, 2147483549,
           2147483543, 2147483497)
#: signatures are summed in int64 when the common denominator of the entries is below this
_WORD = 1 << 62
#: the hash factors come from this seed: the partition never depends on it, only how many
#: exact checks are repeated after a (vanishingly rare) collision
_SEED = 0x1B15



@dataclasses.dataclass(frozen=True, eq=False)
class Partition:
    """The coarsest bisimulation found: the quotient chain, the class of every state (numbered
    by first state), the first state of every class and the refinement rounds."""

    quotient: Chain
    block_of: np.ndarray
    representatives: np.ndarray
    rounds: int

    @property
    def num_blocks(self) -> int:
        return len(self.representatives)


# --------------------------------------------------------------------------- keys
def mask_key(states: Iterable[int], n: int) -> np.ndarray:
    """1 at the given states (an index array or any iterable of indices), 0 elsewhere."""
    key = np.zeros(n, dtype=np.int64)
    key[states if isinstance(states, np.ndarray) else np.fromiter(states, dtype=np.int64)] = 1
    return key


def exact_ids(values: np.ndarray) -> np.ndarray:
    """Ids of exact values (fmpq or Fraction): equal ids iff equal values (the distinct
    objects are compared through their exact numerator and denominator)."""
    items = list(values.tolist()) if isinstance(values, np.ndarray) else list(values)
    if not items:
        return np.zeros(0, dtype=np.int64)
    first, inv = distinct_objects(items)
    seen: dict[tuple[int, int], int] = {}
    ids = np.empty(len(first), dtype=np.int64)
    for k, j in enumerate(first.tolist()):
        v = items[j]
        key = (int(v.p), int(v.q)) if isinstance(v, fmpq) else \
            (Fraction(v).numerator, Fraction(v).denominator)
        ids[k] = seen.setdefault(key, len(seen))
    return ids[inv]


def _group(columns: list[np.ndarray], n: int) -> tuple[np.ndarray, int]:
    """Class of every state for equal rows of ``columns``, numbered by first state."""
    if not columns:
        return np.zeros(n, dtype=np.int64), 1 if n else 0
    order = np.lexsort(columns[::-1])
    change = np.zeros(n, dtype=bool)
    change[0] = True
    for col in columns:
        s = col[order]
        change[1:] |= s[1:] != s[:-1]
    gid = np.cumsum(change) - 1  # group of order[i], groups in sorted order
    k = int(gid[-1]) + 1
    # lexsort is stable: the first state of a group is its first position
    first = order[change]
    rank = np.empty(k, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(k)
    out = np.empty(n, dtype=np.int64)
    out[order] = rank[gid]
    return out, k


# --------------------------------------------------------------------------- refinement
class _Entries:
    """The exact entries of a chain as what the rounds need: residues modulo a prime and,
    when the common denominator fits, int64 numerators over it."""

    def __init__(self, chain: Chain):
        from .._linalg.linsolve import _entry_ids

        vals = chain.require_exact()
        vid, firsts = _entry_ids(chain._cache, vals)  # (shared with the exact solvers)
        ps = [int(v.p) for v in firsts]
        qs = [int(v.q) for v in firsts]
        den = 1
        for q in qs:
            den = den * q // math.gcd(den, q)
            if den >= _WORD:
                break
        self.den: int | None = den if den < _WORD else None
        self.values = vals
        self.weights: np.ndarray | None = None
        if self.den is not None:
            self.weights = np.array([p * (self.den // q) for p, q in zip(ps, qs)],
                                    dtype=np.int64)[vid]
        primes = [P for P in _PRIMES if all(q % P for q in qs)]
        if not primes:  # pragma: no cover - a denominator divisible by eight 31-bit primes
            raise SpecError("the chain's entries have denominators divisible by every hash "
                            "prime of bisimulation; this is not supported")
        P = self.prime = primes[0]
        self.residues = np.array([p % P * pow(q % P, -1, P) % P for p, q in zip(ps, qs)],
                                 dtype=np.int64)[vid]


def coarsest(chain: Chain, keys: list[np.ndarray], labels: Mapping[str, Iterable[int]],
             *, max_blocks: int | None = None, max_rounds: int | None = None
             ) -> Partition | None:
    """The coarsest bisimulation of ``chain`` that keeps the classes of equal ``keys`` (int64
    arrays, one value per state) and its quotient with ``labels`` (respected sets, by index);
    None as soon as there are more than ``max_blocks`` classes (the partition only refines)
    or the partition still splits after ``max_rounds`` rounds."""
    n = chain.num_states
    ptr, cols = chain._indptr, chain._indices
    starts = ptr[:-1]
    ent = _Entries(chain)
    rng = np.random.default_rng(_SEED)
    B, k = _group([np.asarray(x, dtype=np.int64) for x in keys], n)
    P, res = ent.prime, ent.residues
    succ = np.empty(len(cols), dtype=np.int64)
    terms = np.empty(len(cols), dtype=np.int64)
    rounds = 0
    while True:
        while True:  # hash rounds until nothing splits
            rounds += 1
            np.take(B, cols, out=succ)
            factor = rng.integers(1, P, size=k, dtype=np.int64)
            np.take(factor, succ, out=terms)
            np.multiply(terms, res, out=terms)
            np.remainder(terms, P, out=terms)
            h = np.add.reduceat(terms, starts)
            h %= P
            B2, k2 = _group([B, h], n)
            if k2 == k:
                break
            B, k = B2, k2
            if k == n:  # every state alone: nothing left to split
                break
            if (max_blocks is not None and k > max_blocks) or (
                    max_rounds is not None and rounds >= max_rounds):
                return None
        reps = _firsts(B, k)
        sig = _signatures(ent, ptr, cols, B, k)
        bad = _mismatched(sig, B, reps)
        if not len(bad):
            break
        B, k = _split(sig, B, bad, n)  # a collision: split exactly, refine again
    return _build(chain, ent, sig, B, reps, rounds, labels)


def _firsts(B: np.ndarray, k: int) -> np.ndarray:
    first = np.full(k, len(B), dtype=np.int64)
    np.minimum.at(first, B, np.arange(len(B), dtype=np.int64))
    return first


def _signatures(ent: _Entries, ptr: np.ndarray, cols: np.ndarray, B: np.ndarray, k: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact ``P(s, C)`` for every state ``s`` and class ``C`` it moves to, as CSR
    ``(indptr, classes, sums)`` with classes sorted in each row: int64 numerators over
    ``ent.den``, or fmpq."""
    n = len(ptr) - 1
    if ent.weights is not None:
        import scipy.sparse as sp

        # (scipy sums duplicates row by row in C++; copies, as it works in place)
        F = sp.csr_array((ent.weights.copy(), B[cols], ptr.copy()), shape=(n, k))
        F.sum_duplicates()
        return (F.indptr.astype(np.int64), F.indices.astype(np.int64),
                F.data.astype(np.int64))
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(ptr))
    key = rows * k + B[cols]
    order = np.argsort(key, kind="stable")
    sk = key[order]
    first = np.ones(len(sk), dtype=bool)
    first[1:] = sk[1:] != sk[:-1]
    at = np.flatnonzero(first)
    sums = np.add.reduceat(ent.values[order], at)
    srow, scol = sk[at] // k, sk[at] % k
    sptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(srow, minlength=n), out=sptr[1:])
    return sptr, scol, sums


def _ramp(lengths: np.ndarray) -> np.ndarray:
    """``0..l-1`` for every length, concatenated."""
    total = int(lengths.sum())
    ends = np.cumsum(lengths)
    return np.arange(total, dtype=np.int64) - np.repeat(ends - lengths, lengths)


def _mismatched(sig, B: np.ndarray, reps: np.ndarray) -> np.ndarray:
    """States whose exact signature differs from their class representative's."""
    sptr, scol, sums = sig
    n = len(B)
    r = reps[B]
    cnt = np.diff(sptr)
    bad = cnt != cnt[r]
    check = np.flatnonzero(~bad & (r != np.arange(n)))
    lengths = cnt[check]
    off = _ramp(lengths)
    ps = np.repeat(sptr[check], lengths) + off
    pr = np.repeat(sptr[r[check]], lengths) + off
    same = (scol[ps] == scol[pr]) & np.asarray(sums[ps] == sums[pr], dtype=bool)
    bad[np.repeat(check, lengths)[~same]] = True
    return np.flatnonzero(bad)


def _split(sig, B: np.ndarray, bad: np.ndarray, n: int) -> tuple[np.ndarray, int]:
    """Split the classes holding ``bad`` states by exact signature (a Python pass over those
    classes only: it follows a hash collision)."""
    sptr, scol, sums = sig
    B = B.copy()
    k = int(B.max()) + 1
    for b in np.unique(B[bad]).tolist():
        groups: dict[tuple, int] = {}
        for s in np.flatnonzero(B == b).tolist():
            a, e = sptr[s], sptr[s + 1]
            key = tuple(zip(scol[a:e].tolist(), sums[a:e].tolist()))
            g = groups.setdefault(key, len(groups))
            if g:
                B[s] = k + g - 1
        k += max(len(groups) - 1, 0)
    return _group([B], n)


def _build(chain: Chain, ent: _Entries, sig, B: np.ndarray, reps: np.ndarray, rounds: int,
           labels: Mapping[str, Iterable[int]]) -> Partition:
    sptr, scol, sums = sig
    k = len(reps)
    lengths = np.diff(sptr)[reps]
    qptr = np.zeros(k + 1, dtype=np.int64)
    np.cumsum(lengths, out=qptr[1:])
    pos = np.repeat(sptr[reps], lengths) + _ramp(lengths)
    qcols = scol[pos]
    if ent.den is not None:
        distinct, inv = np.unique(sums[pos], return_inverse=True)
        table = np.empty(len(distinct), dtype=object)
        table[:] = [fmpq(int(v), ent.den) for v in distinct.tolist()]
        qvals = table[inv.ravel()]
    else:
        qvals = sums[pos]
    qlabels = {name: frozenset(np.unique(B[np.fromiter(states, dtype=np.int64)]).tolist())
               for name, states in labels.items()}
    initial = None
    if chain.initial is not None:
        init: dict[int, Fraction] = {}
        for i, p in chain.initial.items():
            b = int(B[i])
            init[b] = init.get(b, Fraction(0)) + (fmpq_to_fraction(p) if isinstance(p, fmpq)
                                                   else Fraction(p))
        initial = {b: p for b, p in sorted(init.items())}
    q = Chain._from_csr_exact(StateSpace.range(k), qptr, qcols, qvals, labels=qlabels,
                              initial=initial)
    block_of = B.copy()
    block_of.flags.writeable = False
    reps = reps.copy()
    reps.flags.writeable = False
    return Partition(q, block_of, reps, rounds)
