"""GMM agents: how the exact probability of polarization depends on the neighbourhood size k.

Four agents, four mixture components, a two-point memory (the discretized chain of docs/model.md,
'random' tie rule, lumped to multisets). With k nearest neighbours, a camp that can
never be invaded needs at least k + 1 agents, so two camps need n >= 2(k + 1): with n = 4 only
k = 1 can polarize at all. Mirroring (talking to oneself with probability p) changes the odds
but not that threshold. A silo-population plot of one sampled run is saved as a PNG.

Run: ``python examples/ex_gmm_polarization_vs_k.py [FOLDER]`` -- the figures go into FOLDER (default
``./figures``, created if missing).
"""

import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

from chainlab.compiler import compile_model
from chainlab.models import GMMAgents
from chainlab.models.gmm import agent_id
from chainlab.plot import plot_silo_populations, save_figure
from chainlab.polarization import polarization
from chainlab.simulate import sample_paths

FIGURES = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")  # where figures go
FIGURES.mkdir(parents=True, exist_ok=True)

n, K, r = 4, 4, 2
print(f"n = {n} agents, K = {K} components, memory r = {r}, ties = 'random'")
print(f"{'k':>2} {'p':>4} {'states':>7} {'P(polarization)':>16} {'E[rounds]':>10}")
for k, p in ((1, Fraction(0)), (1, Fraction(1, 5)), (2, Fraction(0)), (3, Fraction(0))):
    cc = compile_model(GMMAgents(agents=n, components=K, memory=r, neighbours=k, mirror=p))
    res = polarization(cc)
    pol = res.polarization_probability
    if n < 2 * (k + 1):
        assert pol == 0  # no room for two camps of k + 1 agents
    print(f"{k:>2} {str(p):>4} {res.num_states:>7} {float(pol):>16.6f} "
          f"{float(res.expected_rounds):>10.3f}")

# one sampled run of the k = 1 chain: the size of every silo, round by round
cc = compile_model(GMMAgents(agents=n, components=K, memory=r, neighbours=1))
path = sample_paths(cc.chain, num_steps=15, rng=np.random.default_rng(3))[0]
ids = np.array([[agent_id(a) for a in cc.chain.states.label_of(int(s))] for s in path])
print("\nsilo sizes of one run:", [np.bincount(row, minlength=K).tolist() for row in ids[[0, -1]]],
      "(first and last round)")
fig = plot_silo_populations(ids, title="GMM agents, n = 4, k = 1: one run of the exact chain")
print("saved", save_figure(fig, FIGURES / "gmm_silo_populations.png"))
