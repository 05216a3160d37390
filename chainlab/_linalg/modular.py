"""Modular arithmetic shared by the exact solvers: word-size primes and rational reconstruction.

Both Dixon solvers (:mod:`chainlab._linalg.linsolve`'s dense tail and
:mod:`chainlab._linalg.padic`) compute a solution modulo a growing power of a prime and recover
the rationals from it; this is the one copy of those pieces. (flint has
``fmpq_reconstruct_fmpz``, but python-flint does not expose it.)
"""

from __future__ import annotations

from flint import fmpz

__all__: list[str] = []


def prime_below(n: int) -> int:
    """The largest prime below ``n`` (``n > 3``)."""
    n -= 1
    while n > 2 and not fmpz(n).is_prime():
        n -= 1
    return n


def wang(a, m, num_bound, den_bound=None):
    """``(num, den)`` with ``num = den * a (mod m)``, ``|num| <= num_bound``,
    ``0 < den <= den_bound`` (default ``num_bound``), or None when no such fraction exists.

    Wang's reconstruction: the half-extended Euclidean algorithm on Python ints with Lehmer's
    acceleration (Knuth, TAOCP 4.5.2, Algorithm L) -- the quotient sequence is computed on the
    leading 62 bits while it provably agrees with the full one, then applied to the full numbers
    at once.
    """
    m, a, bound = int(m), int(a) % int(m), int(num_bound)
    dbound = bound if den_bound is None else int(den_bound)
    r0, r1, t0, t1 = m, a, 0, 1
    stop = bound.bit_length() + 128  # Lehmer steps drop < 64 bits: never past the bound
    while r1.bit_length() > stop:
        sh = r0.bit_length() - 62
        x, y = r0 >> sh, r1 >> sh
        A, B, C, D = 1, 0, 0, 1
        while y + C and y + D:
            q = (x + A) // (y + C)
            if q != (x + B) // (y + D):
                break
            A, C = C, A - q * C
            B, D = D, B - q * D
            x, y = y, x - q * y
        if B == 0:
            q = r0 // r1
            r0, r1 = r1, r0 - q * r1
            t0, t1 = t1, t0 - q * t1
        else:
            r0, r1 = A * r0 + B * r1, C * r0 + D * r1
            t0, t1 = A * t0 + B * t1, C * t0 + D * t1
    while r1 > bound:
        q = r0 // r1
        r0, r1 = r1, r0 - q * r1
        t0, t1 = t1, t0 - q * t1
    if t1 == 0 or abs(t1) > dbound:
        return None
    if t1 < 0:
        r1, t1 = -r1, -t1
    return fmpz(r1), fmpz(t1)


def mqrr(u: fmpz, m: fmpz, gap_bits: int):
    """Maximal-quotient rational reconstruction (Monagan 2004) of ``u mod m``.

    Returns ``(n, d)`` with ``n = d u (mod m)``, ``d > 0``, taken just before the largest
    quotient of the Euclidean remainder sequence of ``(m, u)``, or None when that quotient has
    fewer than ``gap_bits`` bits (``m`` is then not yet ``2^gap`` times larger than ``|n| d``).
    Unlike Wang's reconstruction it does not assume ``|n|`` and ``d`` of similar size: here the
    numerators are much bigger than the common denominator.
    """
    u = u % m
    if u == 0:
        return fmpz(0), fmpz(1)
    r0, r1, t0, t1 = m, u, fmpz(0), fmpz(1)
    best, best_q = None, fmpz(0)
    while r1 != 0:
        q = r0 // r1
        if q > best_q:
            best_q, best = q, (r1, t1)
        r0, r1 = r1, r0 - q * r1
        t0, t1 = t1, t0 - q * t1
    if best is None or best_q.bit_length() <= gap_bits:
        return None
    n, d = best
    if d < 0:
        n, d = -n, -d
    return n, d
