"""Exact solving on the QVBS DTMCs: whole ``chainlab analyze --exact --json`` processes against
Storm's exact engine, in the same run (needs stormpy: ``pip install -e '.[bench]'``).

For every QVBS DTMC instance in the state range (``benchmarks/qvbs``, see ``_qvbs.py``) and
every probability-reachability property ``P=? [F phi]`` of it:

* Storm: parse the PRISM (or JANI) model, build it exactly, check the property with
  ``stormpy.environments.exact()`` -- timed inside a fresh process, so Storm is *not* charged for
  starting Python or importing stormpy; the chain is then exported as ``.drn`` with the target
  states labelled (not timed);
* chainlab: the whole process ``chainlab analyze FILE.drn --exact --json --target target_<prop>``
  (start-up, reading the file, reach probabilities *and* expected steps to absorption for every
  state, the JSON table of every state);
* the value at the initial state must equal Storm's and the QVBS reference exactly (``OK``).

chainlab runs as an installed package does, with its modules' bytecode cached: the child gets
``PYTHONPYCACHEPREFIX`` in a temporary folder (nothing is written into the checkout) and no
``PYTHONDONTWRITEBYTECODE``, and one untimed run fills the cache. An environment that sets
``PYTHONDONTWRITEBYTECODE=1`` (as some sandboxes do) would otherwise charge every chainlab
process ~40 ms of compiling chainlab's own modules; ``--no-bytecode-cache`` measures that way.

    python benchmarks/bench_qvbs.py                          # 20k-200k states
    python benchmarks/bench_qvbs.py --min 0 --max 20000      # the small ones
    python benchmarks/bench_qvbs.py --only crowds.4-10,nand.20-2 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _procs import child_env  # noqa: E402


def _storm_job(name: str, out_dir: str) -> dict:
    """In a fresh process: build + check with Storm (timed), export the .drn (not timed)."""
    from _qvbs import build, export, instances

    inst = next(i for i in instances() if i.name == name)
    built = build(inst)
    path = Path(out_dir) / f"{name}.drn"
    labels = export(built, path)
    return {"path": str(path), "labels": labels, "states": built.model.nr_states,
            "transitions": built.model.nr_transitions, "build_s": built.build_s,
            "build_cpu_s": built.build_cpu_s, "check_s": built.check_s,
            "check_cpu_s": built.check_cpu_s,
            "values": {k: f"{v.numerator}/{v.denominator}" for k, v in built.values.items()},
            "references": {k: (f"{v.numerator}/{v.denominator}" if isinstance(v, Fraction)
                               else v) for k, v in inst.references.items()}}


def _chainlab(path: str, label: str, pycache: str | None) -> tuple[float, float, dict]:
    env = child_env(pycache)  # bytecode cached, as in an installed package (see the docstring)
    cmd = [sys.executable, "-m", "chainlab.cli", "analyze", path, "--exact", "--json",
           "--target", label]
    with tempfile.TemporaryFile("w+") as f:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=f, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"{' '.join(cmd)} failed")
        f.seek(0)
        out = json.load(f)
    return wall, usage.ru_utime + usage.ru_stime, out


def main(argv=None) -> int:
    from _qvbs import instances

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min", type=int, default=20_000)
    ap.add_argument("--max", type=int, default=200_000)
    ap.add_argument("--only", help="comma-separated instance names (e.g. crowds.4-10)")
    ap.add_argument("--max-transitions", type=int, default=5_000_000,
                    help="skip instances with more transitions (herman.15: 14M)")
    ap.add_argument("--repeat", type=int, default=1, help="best of N chainlab runs")
    ap.add_argument("--skip", default="herman.17",
                    help="comma-separated instances not to build (default herman.17: Storm's "
                    "build alone takes minutes and more than 13 GB before --max-transitions "
                    "can skip it)")
    ap.add_argument("--no-bytecode-cache", action="store_true",
                    help="run chainlab with the environment's bytecode setting as it is")
    args = ap.parse_args(argv)
    skip = set(args.skip.split(",")) if args.skip else set()
    chosen = [i for i in instances(args.min, args.max)
              if (args.only is None or i.name in args.only.split(",")) and i.name not in skip]
    ctx = mp.get_context("spawn")
    print(f"{'instance':<16} {'property':<10} {'states':>8} {'chainlab wall/cpu':>18} "
          f"{'Storm build+check wall/cpu':>27} {'ratio wall/cpu':>15}  check")
    for name in sorted(skip & {i.name for i in instances(args.min, args.max)
                               if args.only is None or i.name in args.only.split(",")}):
        print(f"{name:<16} skipped (--skip)")
    with tempfile.TemporaryDirectory() as tmp:
        pycache = None if args.no_bytecode_cache else str(Path(tmp) / "pycache")
        warm = pycache is None
        for inst in chosen:
            with ctx.Pool(1) as pool:
                storm = pool.apply(_storm_job, (inst.name, tmp))
            if storm["transitions"] > args.max_transitions:
                print(f"{inst.name:<16} skipped: {storm['transitions']:,} transitions")
                continue
            for prop, label in storm["labels"].items():
                if not warm:  # one untimed run compiles chainlab's modules into the cache
                    _chainlab(storm["path"], label, pycache)
                    warm = True
                best = None
                for _ in range(args.repeat):
                    got = _chainlab(storm["path"], label, pycache)
                    if best is None or got[0] < best[0]:
                        best = got
                wall, cpu, out = best
                value = next(iter(out["initial"].values()))["reach"]
                # compared as fractions: chainlab writes 1 where Storm's value prints as 1/1
                ok = Fraction(value) == Fraction(storm["values"][prop])
                ref = storm["references"].get(prop)
                ok_ref = ref is None or (Fraction(value) == Fraction(ref) if isinstance(ref, str)
                                         else abs(float(Fraction(value)) - ref) <= 1e-6 * abs(ref))
                sw = storm["build_s"] + storm["check_s"][prop]
                sc = storm["build_cpu_s"] + storm["check_cpu_s"][prop]
                print(f"{inst.name:<16} {prop:<10} {storm['states']:>8,} "
                      f"{wall:>8.2f} /{cpu:>6.2f} s {sw:>16.2f} /{sc:>6.2f} s "
                      f"{wall / sw:>7.2f} /{cpu / sc:>5.2f}  "
                      f"{'OK' if ok and ok_ref else 'MISMATCH'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
