"""Storm baseline: exact and float engines on gambler's ruin and the 2-D grid walk.

    python benchmarks/check_storm.py              # ruin N=1000, N=5000, grid 40x40
    python benchmarks/check_storm.py --quick      # ruin N=1000 only
    python benchmarks/check_storm.py --out DIR    # keep the generated DRN / PRISM files

The grid is the 40 x 40 walk with moves (up, down, left, right) =
(3/10, 1/5, 1/4, 1/4) (``_chains.GRID_PROBS``); ``--uniform-grid`` adds the
symmetric walk, whose rationals are smaller (Storm's exact engine is ~2.5x
faster on it).

For each chain: Storm's exact engine (all states, ``P=? [F "goal"]`` and
``R{"steps"}=? [F "absorbing"]``), then the float engines.  Exact results are
checked against the closed form (gambler's ruin) or against the one-step
equations (grid).  For gambler's ruin N = 1000 (p = 2/5) the float engines'
values are compared with the exact closed form ``((q/p)^i - 1)/((q/p)^N - 1)``;
the probabilities go down to ~4e-177, so this shows which engines keep
relative accuracy on tiny values.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _chains  # noqa: E402
import _storm  # noqa: E402


def _fmt_s(x: float) -> str:
    return "   n/a" if x != x else f"{x:8.3f}"


def exact_residual_ok(chain: _chains.BenchChain, h: list[Fraction], t: list[Fraction]) -> bool:
    """Check h = P h off the goal/absorbing states and t = 1 + P t on transient states, exactly."""
    absorbing = chain.absorbing_mask()
    goal = chain.label_mask("goal")
    rows = chain.rows_exact()
    for s, row in enumerate(rows):
        if absorbing[s]:
            if h[s] != (1 if goal[s] else 0) or t[s] != 0:
                return False
            continue
        if h[s] != sum(p * h[j] for j, p in row.items()):
            return False
        if t[s] != 1 + sum(p * t[j] for j, p in row.items()):
            return False
    return True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="directory for the generated files (default: a temporary one)")
    ap.add_argument("--quick", action="store_true", help="gambler's ruin N=1000 only")
    ap.add_argument("--engines", default=",".join(_storm.FLOAT_ENGINES), help="float engines, comma-separated")
    ap.add_argument("--no-exact", action="store_true", help="skip Storm's exact engine")
    ap.add_argument("--uniform-grid", action="store_true", help="also run the symmetric grid walk (1/4 each way)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per Storm run")
    args = ap.parse_args(argv)
    engines = [e for e in args.engines.split(",") if e]

    tmp = None
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="chainlab-storm-")
        out = Path(tmp.name)

    chains = [_chains.gamblers_ruin(1000)]
    if not args.quick:
        chains += [_chains.gamblers_ruin(5000), _chains.grid_walk(40)]
        if args.uniform_grid:
            uniform = _chains.grid_walk(40, probs=_chains.UNIFORM_GRID_PROBS)
            uniform.name += "u"
            chains.append(uniform)

    try:
        import stormpy

        print(f"stormpy {stormpy.__version__}; files in {out}")
    except ImportError:
        print("stormpy is not installed (pip install stormpy, or the 'bench' extra)")
        return 1

    accuracy = {}
    print(f"{'chain':<12} {'engine':<8} {'states':>7} {'build s':>8} {'reach s':>8} {'steps s':>8} {'total s':>8}  note")
    for chain in chains:
        t0 = time.perf_counter()
        paths = _chains.write_all(chain, out, exact=True)
        gen_s = time.perf_counter() - t0
        drn = paths["drn"]
        ref = None
        if chain.info["family"] == "gamblers_ruin":
            ref = _chains.gamblers_ruin_closed_form(chain.info["N"], chain.info["p"])
        runs = ([] if args.no_exact else ["exact"]) + engines
        for engine in runs:
            r = _storm.run_storm(drn, engine, timeout=args.timeout)
            if r.error:
                print(f"{chain.name:<12} {engine:<8} {'':>7} {'':>8} {'':>8} {'':>8} {'':>8}  ERROR {r.error}")
                continue
            note = ""
            if engine == "exact":
                h, t = r.values["reach"], r.values["steps"]
                if ref is not None:
                    ok = h == ref[0] and t == ref[1]
                    note = "matches closed form exactly" if ok else "MISMATCH with closed form"
                else:
                    t1 = time.perf_counter()
                    ok = exact_residual_ok(chain, h, t)
                    note = ("satisfies" if ok else "VIOLATES") + f" one-step equations exactly (checked in {time.perf_counter() - t1:.1f} s)"
                note += f"; to Fraction {r.convert_s:.2f} s"
            elif ref is not None and chain.info["N"] == 1000:
                accuracy[engine] = (
                    _storm.max_relative_error(r.values["reach"], ref[0]),
                    _storm.max_relative_error(r.values["steps"], ref[1]),
                    _storm.max_abs_error(r.values["reach"], ref[0]),
                )
            print(
                f"{chain.name:<12} {engine:<8} {r.n_states:>7} {_fmt_s(r.build_s)} {_fmt_s(r.check_s['reach'])}"
                f" {_fmt_s(r.check_s['steps'])} {_fmt_s(r.total_s)}  {note}",
                flush=True,
            )
        print(f"{'':<12} (files written in {gen_s:.2f} s)")

    if accuracy:
        print("\nGambler's ruin N=1000, p=2/5: float engines vs exact closed form, all states")
        print("(max relative error over states with nonzero exact value; min P(reach) ~ 4.05e-177)")
        print(f"{'engine':<8} {'P(reach goal)':>14} {'E[steps]':>12} {'P abs err':>12}")
        for engine, ((rh, zh), (rt, zt), ah) in accuracy.items():
            print(
                f"{engine:<8} {rh:>14.3g} {rt:>12.3g} {ah:>12.3g}"
                + (f"   (|value| at exact-zero states up to {max(zh, zt):.2g})" if max(zh, zt) else "")
            )
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
