"""Baseline: the continuous GMM-agents model as a straightforward per-agent Python loop.

This is the speed baseline of ``bench_simulate_gmm.py`` and an independent cross-check of the
vectorized simulator :func:`chainlab.continuous.simulate_gmm`: the same model (docs/model.md,
"The continuous model"), written the obvious way -- one run at a time, one round at a time, one agent at a
time, small numpy arrays per agent, ``rng.choice`` for categorical draws, log-sum-exp
responsibilities.  It shares no code with the vectorized simulator.

Two details are written with care because the model depends on them (docs/model.md, "Tie rules"):

* pure agents on different components must be *exactly* equidistant (the epsilon clip makes
  their weight vectors permutations of one another), so weights are renormalised with
  ``math.fsum`` (correctly rounded, hence independent of where the large entry sits) and squared
  distances are summed over *sorted* squared differences (a permutation of a row gives the same
  sorted row, hence the same float);
* *equidistant* means equal up to a relative ``1e-14`` (plus ``1e-22`` absolute): sorted squared
  distances whose gap is within that are one tie group (the simulator's convention: differences
  below what double precision resolves are ties, decided by the tie rule, not by rounding);
* ``ties="index"`` takes the ``k`` others with the smallest ``(distance, index)`` (a stable sort);
  ``ties="random"`` orders equidistant agents by a uniformly random key.

Usage::

    python benchmarks/gmm_reference_loop.py --neighbours 5 --runs 20 --seed 1
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np


def _normalise(p: np.ndarray) -> np.ndarray:
    return p / math.fsum(p)


def _em_step(pi: np.ndarray, points: np.ndarray, mu: np.ndarray, sigma: float,
             eps: float) -> np.ndarray:
    """One EM step on the weights only (means and sigma fixed)."""
    p = _normalise(np.clip(pi, eps, 1.0 - eps))
    log_density = -0.5 * ((points[:, None] - mu[None, :]) / sigma) ** 2  # (r, K)
    a = np.log(p)[None, :] + log_density
    a -= a.max(axis=1, keepdims=True)
    gamma = np.exp(a)
    gamma /= gamma.sum(axis=1, keepdims=True)
    new = gamma.mean(axis=0)
    return _normalise(np.clip(new, eps, 1.0 - eps))


def _draw(pi: np.ndarray, mu: np.ndarray, sigma: float, rng: np.random.Generator,
          size=None):
    c = rng.choice(len(pi), size=size, p=pi / pi.sum())
    return rng.normal(mu[c], sigma)


TIE_RTOL, TIE_ATOL = 1e-14, 1e-22


def _tie_groups(d2: np.ndarray) -> np.ndarray:
    """Each distance replaced by the smallest distance of its tie group (chained gaps within
    ``TIE_RTOL * d + TIE_ATOL`` in sorted order)."""
    order = np.argsort(d2, kind="stable")
    s = d2[order]
    new = np.ones(len(s), dtype=bool)
    new[1:] = s[1:] > s[:-1] * (1 + TIE_RTOL) + TIE_ATOL
    first = np.maximum.accumulate(np.where(new, np.arange(len(s)), 0))
    out = np.empty_like(d2)
    out[order] = s[first]
    return out


def _num_silos(pi: np.ndarray) -> int:
    return len(set(np.argmax(pi, axis=1).tolist()))


def simulate_one(*, agents: int, components: int, memory: int, neighbours: int,
                 mirror: float, rounds: int, sigma: float, spacing: float, ties: str,
                 epsilon: float, initial, rng: np.random.Generator) -> list[int]:
    """One run; returns S(t) for t = 0..rounds."""
    n, K, r, k, eps = agents, components, memory, neighbours, epsilon
    mu = spacing * np.arange(K, dtype=float)
    start = [i % K for i in range(n)] if initial is None else list(initial)
    pi = np.full((n, K), eps / K)
    for i in range(n):
        pi[i, start[i]] = 1.0 - eps
    mem = np.array([_draw(pi[i], mu, sigma, rng, size=r) for i in range(n)])
    silos = [_num_silos(pi)]
    for _ in range(rounds):
        new_pi = pi.copy()
        new_mem = mem.copy()
        for i in range(n):
            # 1. partner
            if rng.random() < mirror:
                j = i
            else:
                d2 = np.sort((pi - pi[i]) ** 2, axis=1).sum(axis=1)
                d2[i] = np.inf
                d2 = _tie_groups(d2)
                if ties == "index":
                    order = np.argsort(d2, kind="stable")
                else:
                    order = np.lexsort((rng.random(n), d2))
                j = int(order[rng.integers(k)])
            # 2. query
            x = _draw(pi[i], mu, sigma, rng)
            # 3. partner's temporary memory and weights (its real state is untouched)
            temp = mem[j].copy()
            temp[np.argmax(np.abs(temp - x))] = x
            temp_pi = _em_step(pi[j], temp, mu, sigma, eps)
            # 4. answer
            y = _draw(temp_pi, mu, sigma, rng)
            # 5. asker updates its memory and weights
            own = mem[i].copy()
            own[np.argmax(np.abs(own - y))] = y
            new_mem[i] = own
            new_pi[i] = _em_step(pi[i], own, mu, sigma, eps)
        pi, mem = new_pi, new_mem
        silos.append(_num_silos(pi))
    return silos


def simulate_reference(*, agents: int = 30, components: int = 30, memory: int = 5,
                       neighbours: int = 5, mirror: float = 0.0, rounds: int = 100,
                       runs: int = 1, sigma: float = 0.2, spacing: float = 1.0,
                       ties: str = "index", epsilon: float = 1e-12, initial=None,
                       rng=None) -> dict:
    """``runs`` independent runs; returns silos (runs, rounds+1), final_silos, consensus_round."""
    rng = np.random.default_rng(rng)
    silos = np.array([
        simulate_one(agents=agents, components=components, memory=memory,
                     neighbours=neighbours, mirror=mirror, rounds=rounds, sigma=sigma,
                     spacing=spacing, ties=ties, epsilon=epsilon, initial=initial, rng=rng)
        for _ in range(runs)
    ])
    split = silos > 1
    last = np.where(split.any(axis=1), rounds - np.argmax(split[:, ::-1], axis=1), 0)
    return {"silos": silos, "final_silos": silos[:, -1], "consensus_round": last}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--agents", type=int, default=30)
    ap.add_argument("--components", type=int, default=30)
    ap.add_argument("--memory", type=int, default=5)
    ap.add_argument("--neighbours", type=int, default=5)
    ap.add_argument("--mirror", type=float, default=0.0)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--ties", choices=("index", "random"), default="index")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    out = simulate_reference(agents=a.agents, components=a.components, memory=a.memory,
                             neighbours=a.neighbours, mirror=a.mirror, rounds=a.rounds,
                             runs=a.runs, ties=a.ties, rng=a.seed)
    dt = time.perf_counter() - t0
    fs = out["final_silos"]
    print(f"reference loop: {a.runs} runs in {dt:.2f} s ({dt / a.runs:.3f} s/run); "
          f"final silos mean {fs.mean():.3f} (sd {fs.std(ddof=1) if a.runs > 1 else 0:.3f}); "
          f"mean t* {out['consensus_round'].mean():.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
