"""Speed of ``chainlab simulate-gmm`` against the straightforward per-agent loop.

    python benchmarks/bench_simulate_gmm.py                   # n = K = 30, r = 5, k = 5, T = 100
    python benchmarks/bench_simulate_gmm.py --baseline-runs 40 --repeat 5

1. The baseline (``gmm_reference_loop.py``: one run, one round, one agent at a time) is timed on
   ``--baseline-runs`` runs and its time per run extrapolated.
2. The whole process ``python -m chainlab.cli simulate-gmm ... --runs 200 --json`` is timed
   ``--repeat`` times (wall clock and the child's CPU time; the fastest repetition counts, as
   other processes share the machine), and its time per run is compared with the baseline's.
3. Cross-check: the mean final number of silos of the baseline runs and of the 200 vectorized
   runs are compared with Welch's two-sample t test and the Mann-Whitney U test.

The target is a per-run ratio of at least 50 (process start-up and imports included).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from gmm_reference_loop import simulate_reference  # noqa: E402


def _child_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--neighbours", type=int, default=5)
    ap.add_argument("--runs", type=int, default=200, help="runs of the CLI process (200)")
    ap.add_argument("--baseline-runs", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=3, help="timings of the CLI process")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    model = ["--agents", "30", "--components", "30", "--memory", "5",
             "--neighbours", str(a.neighbours), "--mirror", "0", "--rounds", "100",
             "--ties", "index"]
    print(f"machine: {os.cpu_count()} CPUs, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (shared: timings can be noisy)")

    # 1. the baseline
    w0, c0 = time.perf_counter(), time.process_time()
    base = simulate_reference(neighbours=a.neighbours, runs=a.baseline_runs, rng=a.seed + 1)
    base_wall = (time.perf_counter() - w0) / a.baseline_runs
    base_cpu = (time.process_time() - c0) / a.baseline_runs
    print(f"baseline loop ({a.baseline_runs} runs): {base_wall:.3f} s/run wall, "
          f"{base_cpu:.3f} s/run CPU")

    # 2. the whole CLI process
    cmd = [sys.executable, "-m", "chainlab.cli", "simulate-gmm", *model,
           "--runs", str(a.runs), "--seed", str(a.seed), "--json"]
    print("command:", " ".join(["python", *cmd[1:]]))
    walls, cpus = [], []
    out = None
    for _ in range(a.repeat):
        c_before = _child_cpu()
        w0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        walls.append(time.perf_counter() - w0)
        cpus.append(_child_cpu() - c_before)
        out = json.loads(proc.stdout)
    wall, cpu = min(walls), min(cpus)
    print(f"chainlab simulate-gmm --runs {a.runs}: {wall:.3f} s wall "
          f"(all: {', '.join(f'{x:.2f}' for x in walls)}), {cpu:.3f} s CPU "
          f"-> {wall / a.runs * 1e3:.2f} ms/run wall, {cpu / a.runs * 1e3:.2f} ms/run CPU")
    print(f"speed-up per run: {base_wall / (wall / a.runs):.0f}x wall, "
          f"{base_cpu / (cpu / a.runs):.0f}x CPU (target: 50x)")

    # where the process time goes: start-up (interpreter, `import chainlab`, argument parsing)
    startup = [*cmd[:-5], "--runs", "1", "--rounds", "0", "--seed", "1", "--json"]
    cpus0 = []
    for _ in range(a.repeat):
        c_before = _child_cpu()
        subprocess.run(startup, capture_output=True, text=True, check=True)
        cpus0.append(_child_cpu() - c_before)
    sim_cpu = max(cpu - min(cpus0), 1e-9)
    print(f"  of which start-up (same command with --runs 1 --rounds 0): {min(cpus0):.3f} s CPU; "
          f"simulation alone {sim_cpu:.3f} s CPU -> {base_cpu / (sim_cpu / a.runs):.0f}x CPU")

    # 3. cross-check of the statistics
    fast = np.asarray(out["final_silos"])
    slow = base["final_silos"]
    welch = stats.ttest_ind(slow, fast, equal_var=False).pvalue
    mwu = stats.mannwhitneyu(slow, fast).pvalue
    print(f"mean final silos: baseline {slow.mean():.3f} (sd {slow.std(ddof=1):.3f}, "
          f"{slow.size} runs), simulate-gmm {fast.mean():.3f} (sd {fast.std(ddof=1):.3f}, "
          f"{fast.size} runs); Welch p = {welch:.3g}, Mann-Whitney p = {mwu:.3g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
