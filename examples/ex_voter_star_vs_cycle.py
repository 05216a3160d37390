"""Voter model: who wins depends on *where* the opinions sit, not just how many hold them.

Every round, each node keeps its opinion with probability 1/2, otherwise copies a random
neighbour (the lazy synchronous voter model). On a connected undirected graph the
degree-weighted share of an opinion is a martingale, so the probability that everyone ends up
holding it equals its initial degree-weighted share: on a star the centre counts as much as all
the leaves together, on a cycle every node counts the same.
"""

from fractions import Fraction

import networkx as nx

from chainlab import exact
from chainlab.models import voter_model


def degree_weighted(graph, opinions, value):
    deg = dict(graph.degree())
    return Fraction(sum(deg[v] for v in graph if opinions[v] == value), sum(deg.values()))


n = 6
star = nx.star_graph(n - 1)  # centre 0, leaves 1..5
cycle = nx.cycle_graph(n)

print(f"{'graph':6} {'holders of opinion 1':26} {'P(consensus on 1)':>18}  degree-weighted share")
for name, graph in (("star", star), ("cycle", cycle)):
    for holders in ([0], [1], [1, 2, 3]):
        opinions = [1 if v in holders else 0 for v in graph]
        chain = voter_model(graph, opinions)
        p = exact.hitting(chain, "consensus_1").initial_probability
        share = degree_weighted(graph, opinions, 1)
        assert p == share  # exact equality, not a float comparison
        print(f"{name:6} {str(holders):26} {str(p):>18}  {share}  ({chain.num_states} states)")

# one leaf against the centre: the centre wins (n - 1) times more often than one leaf
opinions = [0] + [1] + [0] * (n - 2)
one_leaf = exact.hitting(voter_model(star, opinions), "consensus_1").initial_probability
centre = exact.hitting(voter_model(star, [1] + [0] * (n - 1)), "consensus_1").initial_probability
print(f"\non the star a single leaf converts everyone with probability {one_leaf}, "
      f"the centre alone with probability {centre} ({centre / one_leaf} times as often)")
