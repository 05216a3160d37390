"""Periodic chains: no limit, but a Cesàro limit — and stationary laws of each closed class.

A walker on a 3-cycle never settles: P^t oscillates. The long-run *average* (Cesàro) of the
distribution still converges, to the stationary law of the class it ends in. With two closed
classes fed by a transient state, the limiting average mixes the two stationary laws with the
absorption probabilities as weights.
"""

from fractions import Fraction as F

import numpy as np

from chainlab import Chain, exact
from chainlab.structure import classify

# state 0 is transient: to the 3-cycle {1, 2, 3} w.p. 1/3, to the 2-state class {4, 5} w.p. 2/3
P = [
    [0, F(1, 3), 0, 0, F(2, 3), 0],
    [0, 0, 1, 0, 0, 0],
    [0, 0, 0, 1, 0, 0],
    [0, 1, 0, 0, 0, 0],
    [0, 0, 0, 0, F(1, 4), F(3, 4)],
    [0, 0, 0, 0, F(1, 2), F(1, 2)],
]
chain = Chain(P, initial=0)
st = classify(chain)
print("closed classes:", st.closed_classes, "periods:", st.periods, "transient:", st.transient)

stat = exact.stationary(chain)
for C, pi in zip(stat.closed_classes, stat.distributions):
    print(f"stationary law on {C}: {[str(x) for x in pi]}")

lim = exact.limiting(chain)
print("Cesàro limit from state 0:", [str(x) for x in lim.distribution])
assert lim.distribution[1] == F(1, 9) and lim.distribution[4] == F(2, 3) * F(2, 5)

# check numerically: the running average of mu P^t approaches the Cesàro limit
mu = np.zeros(6)
mu[0] = 1.0
Pf = chain.P.toarray()
avg = np.zeros(6)
T = 3000
for _ in range(T):
    avg += mu / T
    mu = mu @ Pf
print("average of mu P^t over", T, "steps:", np.round(avg, 4))
assert np.allclose(avg, lim.to_float().distribution, atol=1e-3)
