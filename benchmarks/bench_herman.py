"""QVBS herman exactly: whole ``chainlab check --exact`` processes as they run by default (from
N = 15 explored up to the rotation of the ring, claim SYM-1, then the bisimulation quotient of
the big strong components, LUMP-2), without the symmetry (``--no-symmetry``) and without either,
against Storm's exact engine with and without its strong bisimulation, in the same run.

Herman's ring of N processes has 2^N states, every one initial, and the token count never
increases, so each count is one big strong component that exact sparse LU fills in; the
property ``filter(max, R=? [ F "stable" ], "init")`` needs the value of every state.

* chainlab: the process ``chainlab check herman.N.prism --props herman.props --exact --json``
  (start-up, parsing, building, lumping, solving, output), wall time; the runs without the
  symmetry only up to ``--max-unreduced`` (default 15: herman 17's explicit chain has 129 M
  transitions);
* Storm (if stormpy is installed): in a fresh process, parse + exact build + (optionally)
  ``stormpy.transformations.perform_bisimulation(..., STRONG)`` + exact check of
  ``R=? [ F "stable" ]`` on every state (the max over all states taken in Python), timed
  inside the process (Storm is not charged for starting Python or importing stormpy). stormpy
  2.0 binds sparse bisimulation for double and rational-function models only, so the lumped
  run builds the chain over (constant) rational functions: still exact, and Storm's own
  quotient sizes can be compared with chainlab's.

Every child runs with an address-space limit (``--memory GIB``, default 12) and a timeout, and
the values must equal each other and the QVBS references where index.json has them.

    python benchmarks/bench_herman.py                      # N = 9, 11, 13, 15, 17
    python benchmarks/bench_herman.py --n 13 15 --no-plain # only chainlab's default run
    python benchmarks/bench_herman.py --n 17 19 --no-storm
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).resolve().parent
HERMAN = HERE / "qvbs" / "herman"
sys.path.insert(0, str(HERE))

from _procs import child_env  # noqa: E402
from _qvbs import instances  # noqa: E402

_STORM = r"""
import json, sys, time
from fractions import Fraction
import stormpy, stormpy.transformations
path, bisim = sys.argv[1], sys.argv[2] == "1"
t0 = time.perf_counter()
program = stormpy.parse_prism_program(path)
props = stormpy.parse_properties('R=? [ F "stable" ]', program)
# stormpy binds strong bisimulation of sparse models for doubles and rational functions only,
# so the lumped run builds with (constant) rational functions: exact all the same
kind = stormpy.RationalFunction if bisim else stormpy.Rational
model = stormpy.build_model[kind](program, props)
built = time.perf_counter()
states = model.nr_states
if bisim:
    model = stormpy.transformations.perform_bisimulation(
        model, props, bisimulation_type=stormpy.transformations.BisimulationType.STRONG)
lumped = time.perf_counter()
res = stormpy.model_checking(model, props[0], only_initial_states=False,
                             environment=stormpy.environments.exact())
best = max(Fraction(str(v)) for v in res.get_value_vector())
done = time.perf_counter()
print(json.dumps({"value": str(best), "states": states, "quotient": model.nr_states,
                  "build_s": built - t0, "bisim_s": lumped - built, "check_s": done - lumped,
                  "total_s": done - t0}))
"""


def _limit(gib: float):
    def set_limit():
        n = int(gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (n, n))
    return set_limit


def _run(cmd: list[str], gib: float, timeout: float) -> tuple[float, dict | str]:
    env = child_env(None)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                              preexec_fn=_limit(gib))
    except subprocess.TimeoutExpired:
        return time.perf_counter() - t0, f"timeout after {timeout:.0f} s"
    wall = time.perf_counter() - t0
    if proc.returncode:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return wall, f"exit {proc.returncode}: {last[:160]}"
    return wall, json.loads(proc.stdout)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, nargs="+", default=[9, 11, 13, 15, 17])
    ap.add_argument("--memory", type=float, default=12.0, help="GiB per child (RLIMIT_AS)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per child")
    ap.add_argument("--storm-plain-timeout", type=float, default=120.0,
                    help="seconds for Storm exact without bisimulation (> 6 min from N = 11)")
    ap.add_argument("--no-storm", action="store_true")
    ap.add_argument("--no-plain", action="store_true",
                    help="skip the chainlab runs without symmetry and without bisimulation")
    ap.add_argument("--max-unreduced", type=int, default=15,
                    help="largest N for the chainlab runs without symmetry")
    args = ap.parse_args(argv)
    try:
        import stormpy  # noqa: F401
        storm = not args.no_storm
    except ImportError:
        storm = False
    # the QVBS references (index.json), by ring size
    refs = {int(i.constants["N"]): i.references["steps"]
            for i in instances(models={"herman"}) if "steps" in i.references}
    props = str(HERMAN / "herman.props")
    print("N | states | chainlab (orbits; quotient states, rounds, lump s) | chainlab "
          "--no-symmetry | chainlab --no-symmetry --no-bisimulation | Storm exact + "
          "bisimulation (quotient; build / lump / check) | Storm exact")
    for n in args.n:
        model = str(HERMAN / f"herman.{n}.prism")
        cells = [str(n), f"{2 ** n:,}"]
        values = []
        base = [sys.executable, "-m", "chainlab", "check", model, "--props", props, "--exact",
                "--json"]
        variants = [[], ["--no-symmetry"], ["--no-symmetry", "--no-bisimulation"]]
        for extra in variants:
            if extra and (args.no_plain or n > args.max_unreduced):
                cells.append("-")
                continue
            wall, out = _run(base + extra + ["--memory-budget", str(args.memory - 1)],
                             args.memory, args.timeout)
            if isinstance(out, str):
                cells.append(f"{out} ({wall:.1f} s)")
                continue
            (r,) = out["results"]
            values.append(Fraction(r["value"]))
            qs = r.get("quotients", [])
            shown = "".join(f", {q['states']:,} states, {q['rounds']} rounds, "
                            f"{q['seconds']:.2f} s" for q in qs)
            if "symmetry" in out:
                shown = f"; {out['symmetry']['orbits']:,} orbits" + shown
            cells.append(f"{wall:.2f} s{' (' + shown[2:] + ')' if shown else ''}")
        for bisim in ((True, False) if storm else ()):
            wall, out = _run([sys.executable, "-c", _STORM, model, "1" if bisim else "0"],
                             args.memory, args.timeout if bisim else args.storm_plain_timeout)
            if isinstance(out, str):
                cells.append(f"{out} ({wall:.1f} s)")
                continue
            values.append(Fraction(out["value"]))
            cells.append(f"{out['total_s']:.2f} s" + (
                f" ({out['quotient']:,}; {out['build_s']:.2f} / {out['bisim_s']:.2f} / "
                f"{out['check_s']:.2f})" if bisim else ""))
        if n in refs:
            values.append(refs[n])
        agree = len(set(values)) <= 1
        cells.append(("value " + str(values[0]) if values else "no value")
                     + ("" if agree else f" DISAGREE {sorted(set(values))}"))
        print(" | ".join(cells), flush=True)
        if not agree:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
