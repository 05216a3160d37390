"""Majority rule and bounded confidence: consensus, or camps that stop listening.

Majority rule: every round each agent asks two random others and adopts the majority of the
three. The chain is lumped by symmetry (the state is the number of agents holding opinion 1),
and the majority opinion wins far more often than its share.

Bounded confidence: opinions on a grid; agents only move towards opinions at most
'confidence' away. With little confidence the population freezes into separate clusters -- an
absorbing state with several silos -- and the chain says how likely that is.
"""

from fractions import Fraction

from chainlab import exact, numeric
from chainlab.models import bounded_confidence, majority_rule

n = 9
print(f"majority rule, {n} agents, groups of 3:")
for ones in range(1, n):
    chain = majority_rule(n, ones)
    p = exact.hitting(chain, "consensus_1").initial_probability if chain.labels["consensus_1"] \
        else Fraction(0)
    print(f"  {ones} of {n} start with opinion 1: P(all end with 1) = {float(p):.4f} "
          f"(share {ones / n:.3f})")

print("\nbounded confidence, 5 agents on grid points 0..6, starting at 0, 1, 3, 5, 6:")
for confidence in (1, 2, 3):
    chain = bounded_confidence([0, 1, 3, 5, 6], levels=7, confidence=confidence)
    # a few hundred states with dense rows: the float backend answers in milliseconds
    pol = numeric.hitting(chain, "polarized").initial_probability \
        if chain.labels["polarized"] else 0.0
    rounds = numeric.absorption(chain, variance=False).initial_t
    print(f"  confidence {confidence}: {chain.num_states:4} states, P(frozen into several "
          f"clusters) = {float(pol):.4f}, expected rounds {float(rounds):.2f}")
