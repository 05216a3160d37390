"""Moran process: fixation of a mutant, exactly, against the closed form and a simulation.

N individuals, i of them mutants with relative fitness r. Each step one individual reproduces
(chosen proportionally to fitness) and replaces a uniformly random individual. The mutant fixes
with probability (1 - r^-i) / (1 - r^-N), and i / N in the neutral case r = 1. The exact chain
reproduces the formula digit for digit; a Monte Carlo run agrees within its exact binomial
interval; the plot shows the fixation probability of one mutant against r.

Run: ``python examples/ex_moran_fixation.py [FOLDER]`` -- the figures go into FOLDER (default
``./figures``, created if missing).
"""

import sys
from fractions import Fraction
from pathlib import Path

import numpy as np

from chainlab import exact
from chainlab.models import moran
from chainlab.plot import plot_parameter_curve, save_figure
from chainlab.simulate import simulate

FIGURES = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")  # where figures go
FIGURES.mkdir(parents=True, exist_ok=True)

N = 10
for r in (Fraction(1), Fraction(11, 10), Fraction(2)):
    chain = moran(N, r, start=1)
    p = exact.hitting(chain, "fixed").initial_probability
    closed = Fraction(1, N) if r == 1 else (1 - r**-1) / (1 - r**-N)
    assert p == closed
    print(f"r = {str(r):5}: P(one mutant fixes) = {float(p):.6f}  (= {p})")

# Monte Carlo of the same chain: the exact value lies in the 95% Clopper-Pearson interval
chain = moran(N, Fraction(3, 2), start=1)
exact_value = exact.hitting(chain, "fixed").initial_probability
sim = simulate(chain, num_samples=20_000, rng=np.random.default_rng(0))
fixed_class = sim.closed_classes.index((chain.states.index_of(N),))
est = sim.class_estimate(fixed_class)
print(f"\nr = 3/2: exact {float(exact_value):.4f}, simulated {est.estimate:.4f} "
      f"[{est.ci[0]:.4f}, {est.ci[1]:.4f}] -> consistent: {est.contains(exact_value)}")

# fixation probability against r: closed form as a curve, simulated points with intervals
simulated = {}
for r in (Fraction(1, 2), Fraction(1), Fraction(3, 2), Fraction(2), Fraction(3)):
    run = simulate(moran(N, r, start=1), num_samples=4_000, rng=np.random.default_rng(1))
    hit = run.closed_classes.index((N,))
    simulated[float(r)] = run.class_estimate(hit)


def fixation(r: float) -> float:
    return 1 / N if r == 1 else (1 - r**-1) / (1 - r**-N)


fig = plot_parameter_curve(fixation, domain=(0.25, 3.5), simulated=simulated, parameter="fitness r",
                           ylabel="P(one mutant fixes)", label="(1 - 1/r) / (1 - r^-N)")
print("saved", save_figure(fig, FIGURES / "moran_fixation.png"))
