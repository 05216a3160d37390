"""Ehrenfest urn: a periodic chain, its binomial stationary law, and what 'limit' means.

N balls sit in two urns; each step a uniformly random ball changes urn. The number of balls in
urn A has stationary law Binomial(N, 1/2), but the chain has period 2 (the parity of the count
flips every step), so mu P^t never converges -- only its Cesàro average does. The lazy version
(do nothing half of the time) is aperiodic and converges for real, to the same law.
"""

import math
from fractions import Fraction

import numpy as np

from chainlab import exact
from chainlab.models import ehrenfest
from chainlab.structure import classify

N = 8
urn = ehrenfest(N, start=0)
lazy = ehrenfest(N, start=0, lazy=True)
print("periods: plain", classify(urn).periods, " lazy", classify(lazy).periods)

pi = exact.stationary(urn).distributions[0]
binomial = [Fraction(math.comb(N, k), 2**N) for k in range(N + 1)]
assert list(pi) == binomial
print("stationary law = Binomial(8, 1/2):", [str(x) for x in pi])

cesaro = exact.limiting(urn).distribution
assert list(cesaro) == binomial  # irreducible: the Cesàro limit is the stationary law

# mu P^t from an empty urn A: the plain chain alternates parity, the lazy one converges
for name, chain in (("plain", urn), ("lazy", lazy)):
    P = chain.P.toarray()
    mu = np.zeros(N + 1)
    mu[0] = 1.0
    for _ in range(200):
        mu = mu @ P
    tv = 0.5 * np.abs(mu - np.array([float(b) for b in binomial])).sum()
    print(f"{name:5}: after 200 steps, total variation to Binomial(8, 1/2) = {tv:.3g}")

# expected return time to state 0 is 1 / pi(0) = 2^N (Kac's lemma)
back = exact.hitting(urn, "empty", initial=1)
print(f"expected steps from 1 ball to an empty urn A: {back.initial_expected_time} "
      f"(so the return time to 0 is 1 + that = {1 + back.initial_expected_time} = 2^{N})")
assert 1 + back.initial_expected_time == 2**N
