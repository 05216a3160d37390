"""Compile-speed benchmark: the lumped GMM chain, ``chainlab.compiler.compile_model``.

    python benchmarks/bench_compile.py                 # headline + grid (4 min on 2 busy cores)
    python benchmarks/bench_compile.py --quick         # headline + grid up to n = 4
    python benchmarks/bench_compile.py --budget 120 --cap 10000

* **Headline**: the two instances of the compile-speed issue, ``GMMAgents(agents=5,
  components=5, memory=2, neighbours=1)`` (6,670 lumped states) and ``agents=4, components=4,
  memory=3`` (8,762), lumped, ``ties="random"``, ``mirror=0``; best of 3 fresh models (cold
  caches), CPU and wall time. The target is 20,000 states/s. Baseline in the same run: the
  compiler's own pure-Python loop (``chainlab._compile._ckernel`` switched off), which must compile the
  same chain; ``ratio`` is kernel CPU / Python-loop CPU.
* **Grid**: every ``2 <= n <= 8``, ``2 <= K <= 4``, ``1 <= r <= 4`` and ``1 <= k <= n - 1``
  (mirror 0, random ties), in order of the bound ``C(S + n - 1, n)`` on the number of lumped
  states (``S = C(r + K - 1, K - 1)`` agent states). Skipped: bounds above ``--max-bound``
  (default 150,000; these chains need far more than the time budget), and everything left when
  the ``--budget`` seconds are spent. Lumped compilations stop at ``--cap`` states (default
  20,000, reported as ``>cap``); unlumped ones run where ``S^n <= --max-bound`` and stop at
  ``--cap-unlumped`` states (default 10,000).
* **Baseline** in the same run: ``_reference_compiler.reference_compile`` (Fractions, product
  over every combination of agent outcomes, lumped by sorting -- the straightforward compiler)
  on lumped instances with at most ``--ref-states`` states (default 1,000), with a deadline of
  ``--ref-seconds`` each (default 4 s, reported as ``>4``). Its chain is compared with
  chainlab's entry by entry (column ``same``), and ``speedup`` is its time over chainlab's (same
  states, so the ratio of states/s).

Times are CPU seconds of this process (``time.process_time``), which shared cores inflate less
than wall time; the load average is printed before and after. Compile times include building
the :class:`~chainlab.chain.Chain` (exact and float entries) but no analysis.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from _reference_compiler import ReferenceTimeout, reference_compile  # noqa: E402

from chainlab import config  # noqa: E402
from chainlab.compiler import compile_model  # noqa: E402
from chainlab.errors import StateSpaceLimitError  # noqa: E402
from chainlab.models import GMMAgents  # noqa: E402

TARGET = 20_000  # lumped states per CPU second (the compile-speed issue)
HEADLINE = [dict(agents=5, components=5, memory=2, neighbours=1),
            dict(agents=4, components=4, memory=3, neighbours=1)]


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.process_time() - c, time.perf_counter() - w


def _compile(params: dict, lumped: bool, cap: int, python_loop: bool = False):
    """Compile a fresh model; compilations under 0.1 s are repeated (best of 3), since a single
    scheduler hiccup on shared cores can multiply their time. ``python_loop``: without the C
    kernel (``chainlab._compile._ckernel``), the compiler's pure-Python loop."""
    best = None
    for _ in range(3):
        try:
            with config.override(compile_kernel=not python_loop):
                cc, cpu, wall = _timed(lambda: compile_model(GMMAgents(**params), lumped=lumped,
                                                             max_states=cap))
        except StateSpaceLimitError:
            return None
        if best is None or cpu < best[1]:
            best = (cc, cpu, wall)
        if cpu >= 0.1:
            break
    return best


def kernel_built() -> bool:
    """Whether ``pip install`` built the optional C exploration kernel."""
    import importlib.util

    return importlib.util.find_spec("chainlab._compile._ckernel") is not None


def _rows(cc) -> dict:
    labels = cc.chain.states.labels
    rows: dict = {lab: {} for lab in labels}
    for i, j, v in cc.chain.transitions():
        rows[labels[i]][labels[j]] = v
    return rows


def _fmt_rate(states: int, seconds: float) -> str:
    return f"{states / seconds:>9,.0f}" if seconds > 0 else f"{'-':>9}"


def headline(repeats: int) -> None:
    kernel = "built" if kernel_built() else "NOT BUILT (pure-Python loop only)"
    print(f"headline (lumped, best of {repeats} fresh models); C kernel {kernel}; target "
          f"{TARGET:,} states/s")
    print(f"  {'instance':<22}{'states':>8}{'transitions':>13}{'cpu s':>8}{'wall s':>8}"
          f"{'states/s cpu':>14}{'states/s wall':>15}{'python loop cpu s':>19}{'ratio':>7}"
          f"{'met':>5}")
    for params in HEADLINE:
        runs = {}
        for python_loop in (False, True):
            best = None
            for _ in range(repeats):
                cc, cpu, wall = _compile(params, True, 10**9, python_loop=python_loop)
                if best is None or cpu < best[1]:
                    best = (cc, cpu, wall)
            runs[python_loop] = best
        (cc, cpu, wall), (cc_py, cpu_py, _) = runs[False], runs[True]
        if list(cc.chain.transitions()) != list(cc_py.chain.transitions()):
            raise SystemExit("the C kernel and the Python loop compiled different chains")
        name = "n={agents} K={components} r={memory} k={neighbours}".format(**params)
        n = cc.chain.num_states
        print(f"  {name:<22}{n:>8,}{cc.chain.num_transitions:>13,}{cpu:>8.3f}{wall:>8.3f}"
              f"{n / cpu:>14,.0f}{n / wall:>15,.0f}{cpu_py:>19.3f}{cpu / cpu_py:>7.2f}"
              f"{'yes' if n / cpu >= TARGET else 'no':>5}")


def grid(args) -> None:
    cases = []
    for n in range(2, args.max_agents + 1):
        for K in range(2, 5):
            for r in range(1, 5):
                S = math.comb(r + K - 1, K - 1)
                bound = math.comb(S + n - 1, n)
                for k in range(1, n):
                    cases.append((bound, n, K, r, k, S))
    cases.sort()
    print(f"\ngrid: {len(cases)} instances (mirror 0, ties random); cap {args.cap:,} states, "
          f"bound limit {args.max_bound:,}, budget {args.budget:.0f} s")
    print(f"  {'n':>2}{'K':>2}{'r':>2}{'k':>2}{'bound':>10} | {'lumped':>7}{'trans':>9}{'cpu s':>8}"
          f"{'st/s':>9} | {'unlumped':>8}{'cpu s':>8}{'st/s':>9} | {'ref s':>7}{'speedup':>8}"
          f"{'same':>5}")
    started = time.perf_counter()
    totals = {"states": 0, "cpu": 0.0, "ref_new": 0.0, "ref_old": 0.0}
    skipped_bound = skipped_budget = over_cap = 0
    speedups = []
    for bound, n, K, r, k, S in cases:
        if bound > args.max_bound:
            skipped_bound += 1
            continue
        if time.perf_counter() - started > args.budget:
            skipped_budget += 1
            continue
        params = dict(agents=n, components=K, memory=r, neighbours=k)
        res = _compile(params, True, args.cap)
        line = f"  {n:>2}{K:>2}{r:>2}{k:>2}{bound:>10,} | "
        if res is None:
            over_cap += 1
            print(line + f"{'>cap':>7}")
            continue
        cc, cpu, _ = res
        ns = cc.chain.num_states
        totals["states"] += ns
        totals["cpu"] += cpu
        line += f"{ns:>7,}{cc.chain.num_transitions:>11,}{cpu:>8.3f}{_fmt_rate(ns, cpu)} | "
        if S**n <= args.max_bound:
            un = _compile(params, False, args.cap_unlumped)
            if un is None:
                line += f"{'>cap':>8}{'':>17} | "  # over --cap-unlumped
            else:
                line += (f"{un[0].chain.num_states:>8,}{un[1]:>8.3f}"
                         f"{_fmt_rate(un[0].chain.num_states, un[1])} | ")
        else:
            line += f"{'-':>8}{'':>17} | "
        if ns <= args.ref_states and not args.no_reference:
            deadline = time.perf_counter() + args.ref_seconds
            try:
                ref, ref_cpu, _ = _timed(lambda: reference_compile(params, lumped=True,
                                                                   deadline=deadline))
            except ReferenceTimeout:
                line += f"{'>' + str(int(args.ref_seconds)):>7}{'':>8}{'':>5}"
            else:
                same = ref == _rows(cc)
                speedups.append((ref_cpu / cpu, ns))
                totals["ref_new"] += cpu
                totals["ref_old"] += ref_cpu
                line += f"{ref_cpu:>7.2f}{ref_cpu / cpu:>8.0f}{'yes' if same else 'NO':>5}"
                if not same:
                    print(line)
                    raise SystemExit("chainlab and the reference compiler disagree")
        print(line, flush=True)
    print(f"\n  compiled {totals['states']:,} lumped states in {totals['cpu']:.1f} CPU s "
          f"({totals['states'] / max(totals['cpu'], 1e-9):,.0f} states/s over the grid)")
    if speedups:
        print(f"  vs reference on {len(speedups)} instances: total {totals['ref_old']:.1f} s vs "
              f"{totals['ref_new']:.2f} s ({totals['ref_old'] / totals['ref_new']:.0f}x)")
        for low in (1, 100):
            sp = sorted(x for x, ns in speedups if ns >= low)
            if sp:
                print(f"    {len(sp)} instances with >= {low} states: median speedup "
                      f"{sp[len(sp) // 2]:.0f}x, range {sp[0]:.1f}x-{sp[-1]:.0f}x")
    print(f"  skipped: {skipped_bound} with bound > {args.max_bound:,}, {skipped_budget} after "
          f"the {args.budget:.0f} s budget; {over_cap} stopped at the cap of {args.cap:,} states")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="grid up to 4 agents")
    ap.add_argument("--cap", type=int, default=20_000, help="max_states per lumped compilation")
    ap.add_argument("--cap-unlumped", type=int, default=10_000)
    ap.add_argument("--max-bound", type=int, default=150_000)
    ap.add_argument("--budget", type=float, default=200.0, help="wall seconds for the grid")
    ap.add_argument("--ref-states", type=int, default=1000)
    ap.add_argument("--ref-seconds", type=float, default=4.0)
    ap.add_argument("--no-reference", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    args.max_agents = 4 if args.quick else 8
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}")
    headline(args.repeats)
    grid(args)
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
