"""Exact polarization of the GMM chain: chainlab's exact path vs rational LU only, float, Storm.

For each instance (``n = K = 5, r = 2, k = 1``: 6,670 lumped states; ``n = K = 4, r = 3,
k = 1``: 8,762 states; both ``p = 0``, ties random) this script

* compiles the chain (``compile_model``), timed;
* **p-adic**: ``polarization(cc)`` as the library does it (``_linsolve`` routes the exact blocks
  that :func:`chainlab._linalg.padic.prefer_padic` picks to ``PadicLU``), with a per-block log;
  ``--all-padic`` routes every exact block of at least ``MIN_STATES`` states;
* **rational** (the baseline, chainlab before p-adic lifting): the same call with p-adic routing
  off (``_padic.MIN_STATES`` out of reach: rational / fraction-free LU only), in a fresh process
  with a timeout;
* **float**: ``polarization(cc, method="float")``;
* **Storm exact**: the chain written with :func:`chainlab.io.write_drn`, the polarized absorbing
  states labelled ``polarized``, query ``P=? [F "polarized"]`` with Storm's exact engine
  (``benchmarks/_storm.py``: build + check inside its worker process, for every state);

and checks p-adic == rational (when it finished), == Storm exact at the initial state, and
|p-adic - float| <= 1e-9. Times are wall clock and CPU (``time.process_time``: all threads of
the process, BLAS included). The machine may be shared: CPU is the steadier number.

Usage::

    python benchmarks/bench_gmm_exact.py                    # both instances
    python benchmarks/bench_gmm_exact.py --only n5K5r2 --current-timeout 60 --no-storm

The whole command-line run, for the 2x-Storm target: ``time chainlab gmm -n 5 -K 5 --json``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

INSTANCES = {
    "n5K5r2": dict(agents=5, components=5, memory=2, neighbours=1),
    "n4K4r3": dict(agents=4, components=4, memory=3, neighbours=1),
}
QUERY = {"polarized": 'P=? [F "polarized"]'}


def _say(*parts) -> None:
    print(*parts, flush=True)


def _clock():
    return time.perf_counter(), time.process_time()


def _since(t):
    return time.perf_counter() - t[0], time.process_time() - t[1]


def _compile(params):
    from chainlab.compiler import compile_model
    from chainlab.models import GMMAgents

    return compile_model(GMMAgents(**params))


# ---------------------------------------------------------------------- the three solvers
def _current_child(params):
    """In a fresh process: compile, then the exact polarization with p-adic routing off."""
    cc = _compile(params)
    from chainlab._linalg import padic as _padic
    from chainlab.polarization import polarization

    _padic.MIN_STATES = 10**12  # prefer_padic never picks a block: the rational LU only

    t = _clock()
    res = polarization(cc)
    wall, cpu = _since(t)
    return wall, cpu, Fraction(res.polarization_probability), Fraction(res.expected_rounds)


def run_current(params, timeout):
    ctx = multiprocessing.get_context("spawn")
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx)
    try:
        fut = pool.submit(_current_child, params)
        try:
            return fut.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.kill()  # only the worker this call started
            return None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


_ROUTE = {"PadicLU": "padic", "_ExactLU": "rational", "_FractionFreeLU": "rational"}


def run_padic(cc, all_padic):
    from chainlab import config
    from chainlab.polarization import polarization

    log: list[dict] = []
    with config.override(block_log=log, exact_blocks="padic" if all_padic else "auto"):
        t = _clock()
        res = polarization(cc)
        wall, cpu = _since(t)
    return wall, cpu, res, log


def run_cli(params):
    """The whole ``chainlab gmm --exact --json`` process: wall and CPU seconds, its JSON."""
    import json
    import resource
    import subprocess

    flags = {"agents": "-n", "components": "-K", "memory": "-r", "neighbours": "-k"}
    cmd = [sys.executable, "-m", "chainlab", "gmm", "--exact", "--json"]
    for k, v in params.items():
        cmd += [flags[k], str(v)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(out)


def run_storm_exact(cc, tmp: Path, timeout):
    from _storm import run_storm

    from chainlab.io import write_drn
    from chainlab.polarization import class_kinds
    from chainlab.structure import classify

    chain = cc.chain
    kinds = class_kinds(cc)
    polarized = [s for c, k in zip(classify(chain).closed_classes, kinds) if k == "polarized"
                 for s in c]
    labels = chain.states.labels
    path = write_drn(chain.with_labels({"polarized": [labels[s] for s in polarized]}),
                     tmp / "gmm.drn")
    return run_storm(path, "exact", queries=QUERY, timeout=timeout)


# ---------------------------------------------------------------------- report
def _fmt(wc):
    return "—" if wc is None else f"{wc[0]:7.2f} / {wc[1]:7.2f}"


def bench(name, params, args, tmp: Path) -> None:
    _say(f"\n=== {name}: GMMAgents({', '.join(f'{k}={v}' for k, v in params.items())}) ===")
    t = _clock()
    cc = _compile(params)
    comp = _since(t)
    chain = cc.chain
    _say(f"compile: {chain.num_states} states, {chain.num_transitions} transitions, "
         f"wall/CPU {comp[0]:.2f} / {comp[1]:.2f} s")

    pw, pc, res, log = run_padic(cc, args.all_padic)
    prob, rounds = Fraction(res.polarization_probability), Fraction(res.expected_rounds)
    _say(f"p-adic:  wall/CPU {pw:.2f} / {pc:.2f} s   P(polarized) = {float(prob):.15f}, "
         f"E[rounds] = {float(rounds):.12f}")
    _say(f"         exact value: {prob.denominator.bit_length()}-bit denominator, "
         f"{prob.numerator.bit_length()}-bit numerator")
    for rec in log:
        extra = f" degree {rec['degree']:.1f}" if "degree" in rec else ""
        it = f", {rec['iterations']} lifting steps" if "iterations" in rec else ""
        _say(f"   block {rec['states']:5d} {'big' if rec['big'] else 'merged':6s} "
             f"{_ROUTE.get(rec['route'], rec['route']):7s}{extra}: factor {_fmt(rec['factor'])}  solve "
             f"{_fmt(rec.get('solve'))}{it}"
             )

    from chainlab.polarization import polarization

    t = _clock()
    fres = polarization(cc, method="float")
    fw, fc = _since(t)
    diff = abs(float(prob) - fres.polarization_probability)
    _say(f"float:   wall/CPU {fw:.2f} / {fc:.2f} s   P = {fres.polarization_probability:.15f}  "
         f"|exact - float| = {diff:.1e} {'OK' if diff <= 1e-9 else 'MISMATCH'}")

    cur = None
    if args.current_timeout > 0:
        cur = run_current(params, args.current_timeout)
        if cur is None:
            _say(f"rational: > {args.current_timeout:.0f} s (stopped)")
        else:
            same = cur[2] == prob and cur[3] == rounds
            _say(f"rational: wall/CPU {cur[0]:.2f} / {cur[1]:.2f} s   "
                 f"{'== p-adic' if same else 'MISMATCH with p-adic'}")

    cw, cc_cpu, cj = run_cli(params)
    same = Fraction(cj["polarization_probability"]) == prob
    _say(f"whole `chainlab gmm --exact --json` process: wall/CPU {cw:.2f} / {cc_cpu:.2f} s   "
         f"{'== p-adic' if same else 'MISMATCH with p-adic'}")

    storm = None
    if not args.no_storm:
        storm = run_storm_exact(cc, tmp, args.storm_timeout)
        if storm.error:
            _say(f"Storm exact: {storm.error}")
            storm = None
        else:
            sv = storm.values["polarized"][0]  # state 0 is the initial state
            _say(f"Storm exact: build {storm.build_s:.2f} + check {storm.check_s['polarized']:.2f}"
                 f" = {storm.total_s:.2f} s wall, {storm.total_cpu_s:.2f} s CPU   "
                 f"{'== p-adic' if sv == prob else 'MISMATCH with p-adic'}")

    _say("ratios (wall / CPU):")
    if cur is not None:
        _say(f"  p-adic solve / rational solve:  {pw / cur[0]:.3f} / {pc / cur[1]:.3f}")
    if storm is not None:
        _say(f"  p-adic solve / Storm exact:     {pw / storm.total_s:.2f} / "
             f"{pc / storm.total_cpu_s:.2f}")
        _say(f"  compile + p-adic / Storm exact: {(comp[0] + pw) / storm.total_s:.2f} / "
             f"{(comp[1] + pc) / storm.total_cpu_s:.2f}")
        _say(f"  whole CLI run / Storm exact:    {cw / storm.total_s:.2f} / "
             f"{cc_cpu / storm.total_cpu_s:.2f}   (target <= 2)")
    _say(f"  p-adic solve / float solve:     {pw / fw:.1f} / {pc / fc:.1f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default=",".join(INSTANCES), help="comma-separated instance names")
    ap.add_argument("--current-timeout", type=float, default=600.0,
                    help="seconds for the rational-only exact path (0: skip it)")
    ap.add_argument("--storm-timeout", type=float, default=1800.0)
    ap.add_argument("--no-storm", action="store_true")
    ap.add_argument("--all-padic", action="store_true",
                    help="p-adic for every exact block of >= MIN_STATES states, not only those "
                         "prefer_padic picks")
    args = ap.parse_args(argv)
    # exact values here reach 20,000 digits; the benchmark compares them as Fractions parsed from
    # Storm's and the CLI's output (the library itself never converts through str)
    sys.set_int_max_str_digits(0)
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only.split(","):
            bench(name, INSTANCES[name], args, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
