"""Estimate an exact solve before it starts, and refuse one that would not fit.

The costly part of an exact solve is the largest strongly connected block solved by p-adic
lifting (:mod:`chainlab._linalg.padic`): it lifts one digit modulo a ~30-bit prime per step
until rational reconstruction succeeds. Reconstruction needs the numerator and the denominator
of every value, whose sizes are bounded by Hadamard's bound on the block's integer-scaled matrix
``A_Z = diag(L) (I - Q)``: ``log2 |det A_Z| <= H = sum_i log2 ||row_i(A_Z)||_2``. So

* digits   ``N <= 2 H / 29 + 4`` (an upper bound),
* memory   ``8 N s c`` bytes for the lifted digits of ``c`` right-hand sides (``_Lift.store``),
* time     ``N * nnz * 300 ns`` (a measured central value, below).

Measured on the GMM chains (CPU seconds of the p-adic block, 2 cores, 2026-12-07):

==============  =====  =========  ======  ==========  ===========  ============
instance        s      nnz        H bits  digits      predicted N  time / est.
==============  =====  =========  ======  ==========  ===========  ============
n=K=5, r=2      2,788     52,695  29,831      46         2,061     0.7 s / 33 s
n=K=4, r=3        456     10,765   5,866     196           409     0.5 s / 1.3 s
n=K=4, r=3        289      2,881   3,116     163           219     0.2 s / 0.2 s
n=K=4, r=3      5,821    307,463  80,340   2,070         5,545      80 s / 511 s
n=5, K=4, r=3     725     13,221   7,750     476           538     1.0 s / 2.1 s
==============  =====  =========  ======  ==========  ===========  ============

The estimate is an upper bound in digits and memory and errs on the slow side in time (up to
~50x where the values are much shorter than Hadamard's bound); a refusal names the numbers, the
budget (``config.limits.memory_budget``, ``config.limits.exact_time_budget``) and the remedies.
"""
from __future__ import annotations

import dataclasses
import math

import numpy as np

from .. import config
from ..errors import StateSpaceLimitError

__all__ = ["ExactEstimate", "estimate_block", "check_blocks", "note"]

SECONDS_PER_ENTRY_DIGIT = 300e-9
PRIME_BITS = 29  # bits per lifted digit, conservatively (the primes have 30)
MIN_STATES = 200  # smaller blocks are solved by rational elimination in well under a second


@dataclasses.dataclass(frozen=True)
class ExactEstimate:
    """The cost of exactly solving one block (upper bounds in digits and bytes)."""

    states: int
    transitions: int
    digits: int
    memory: int
    seconds: float


def row_scales(rows, vals, diag) -> list:
    """``L_i``: the lcm of the denominators of row ``i`` of the block (diagonal included), so
    ``diag(L) A`` is an integer matrix (fmpz): the input of the estimate below and of the
    p-adic solver's integer rows."""
    scale = [d.q for d in diag]
    for i, v in zip(rows.tolist(), vals):
        q = v.q
        if q != 1 and scale[i] % q:
            scale[i] = scale[i].lcm(q)
    return scale


def estimate_block(rows: np.ndarray, vals: np.ndarray, diag: np.ndarray,
                   columns: int) -> ExactEstimate:
    """Digits, memory and time of a p-adic solve of the block ``(rows, vals, diag)`` (the
    off-diagonal entries of ``I - Q`` by local row, and its diagonal) for ``columns``
    right-hand sides."""
    s = len(diag)
    scale = row_scales(rows, vals, diag)
    # ||row_i||_2 of A_Z = L_i ||row_i(I - Q)||_2 <= L_i * 2 (the row of I - Q has L1 norm <= 2)
    H = sum(L.bit_length() for L in scale) + s
    digits = int(2 * H / PRIME_BITS) + 4
    nnz = len(rows) + s
    memory = 8 * digits * s * max(columns, 1) + 16 * nnz
    return ExactEstimate(states=s, transitions=nnz, digits=digits, memory=memory,
                         seconds=digits * nnz * SECONDS_PER_ENTRY_DIGIT)


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB"


def _duration(sec: float) -> str:
    if sec < 120:
        return f"{sec:.0f} s"
    if sec < 7200:
        return f"{sec / 60:.0f} min"
    if sec < 2 * 86400:
        return f"{sec / 3600:.0f} h"
    return f"{sec / 86400:.0f} days"


def note(est: ExactEstimate) -> str:
    """The estimate in words, for a progress line."""
    return (f"estimated (upper bounds): largest block {est.states:,} states, at most "
            f"{est.digits:,} p-adic digits, {_gib(est.memory)} and about "
            f"{_duration(est.seconds)}")


def check_blocks(blocks, block_matrix, columns: int) -> list[ExactEstimate]:
    """Estimate every block of at least ``MIN_STATES`` states; refuse (StateSpaceLimitError,
    which is a MemoryError) when one would pass the memory or time budget."""
    out = []
    budget_mem = config.limits.memory_budget
    budget_sec = config.limits.exact_time_budget
    for states in blocks:
        if len(states) < MIN_STATES:
            continue
        rows, _cols, vals, diag = block_matrix(states)
        est = estimate_block(rows, vals, diag, columns)
        out.append(est)
        if est.memory > budget_mem or est.seconds > budget_sec:
            # time and digits grow about as s^2 (digits ~ s, entries ~ s): what would fit
            ratio = min(budget_mem / est.memory, budget_sec / est.seconds)
            fit = int(est.states * math.sqrt(max(ratio, 0.0)))
            raise StateSpaceLimitError(
                f"exact solve refused before it started: a strongly connected block of "
                f"{est.states:,} states and {est.transitions:,} entries needs up to "
                f"{est.digits:,} p-adic digits, about {_gib(est.memory)} and "
                f"{_duration(est.seconds)} (estimated; budget {_gib(budget_mem)} and "
                f"{_duration(budget_sec)}); blocks of up to about {fit:,} states of this "
                f"density fit. Use --float (float64 with a certified error bound), a smaller "
                f"instance or --max-states, or raise --memory-budget / --time-budget "
                f"(config.limits.memory_budget / exact_time_budget)")
    return out
