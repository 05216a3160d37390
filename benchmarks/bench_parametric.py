"""Parametric benchmarks: chainlab.parametric vs Storm's parametric engine and SymPy.

    python benchmarks/bench_parametric.py                # everything (~3-5 min, Storm dominates)
    python benchmarks/bench_parametric.py --quick        # ruin N = 100 only, GMM without Storm
    python benchmarks/bench_parametric.py --no-storm --no-sympy

Cases (symbolic ``p`` everywhere):

* gambler's ruin, all states, ``P(reach win)`` -- N = 100, 200: chainlab
  (``chainlab.parametric.hitting``) vs Storm (``stormpy.build_model_from_drn[RationalFunction]``
  on the DRN that ``chainlab.io.write_drn`` writes, ``stormpy.model_checking(...,
  only_initial_states=False)``) vs SymPy's ``DomainMatrix`` over ``ZZ[p]`` (fraction-free
  ``solve_den``, then each value reduced by one gcd) and over the fraction field ``ZZ(p)``
  (``lu_solve``); N = 100 for SymPy. Storm and SymPy run in fresh processes with a timeout;
  chainlab runs right before them (same load).
* gambler's ruin N = 500, one initial state (``only_initial=True``).
* the 2-D walk ``chainlab.parametric.grid_walk`` on a 10 x 10 grid (64 interior cells) and on a
  12 x 12 grid (100 interior cells): one state and all states.
* the GMM chain n = 4, K = 4, r = 2, k = 1 with symbolic ``p`` (497 lumped states): compile
  (interpolation, claim PAR-2) + solve time and the degree of P(polarization); Storm on the same
  chain (initial state) as a cross-check.

Every result is checked exactly: gambler's ruin against the closed form (as rational functions),
Storm's and SymPy's functions against chainlab's (parsed into the same polynomial ring), the grid
and GMM values at a rational point against ``chainlab.exact`` on the substituted / compiled chain.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


# ---------------------------------------------------------------------- isolated runs
def _run_isolated(fn, *args, timeout: float):
    """Run ``fn(*args)`` in a fresh spawned process; ('timeout', None) after ``timeout`` s."""
    ctx = multiprocessing.get_context("spawn")
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx)
    try:
        fut = pool.submit(fn, *args)
        try:
            return fut.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.kill()  # only the worker this call started
            return {"error": f"timeout after {timeout:.0f} s"}
    except Exception as exc:  # noqa: BLE001 - report, keep benchmarking
        return {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def storm_parametric(path: str, prop: str, only_initial: bool) -> dict:
    """Storm's parametric engine on a parametric DRN: build + check times, value strings."""
    import stormpy

    try:
        from stormpy import developer

        developer.set_log_level(developer.LogLevel.WARN)
    except Exception:  # noqa: BLE001 - logging level is cosmetic
        pass
    t0 = time.perf_counter()
    model = stormpy.build_model_from_drn[stormpy.RationalFunction](path)
    build_s = time.perf_counter() - t0
    formula = stormpy.parse_properties(prop)[0]
    t0 = time.perf_counter()
    res = stormpy.model_checking(model, formula, only_initial_states=only_initial)
    check_s = time.perf_counter() - t0
    states = list(model.initial_states) if only_initial else range(model.nr_states)
    values = {int(s): str(res.get_value(s)) for s in states}
    return {"build_s": build_s, "check_s": check_s, "values": values,
            "states": model.nr_states}


def sympy_ruin(N: int, method: str) -> dict:
    """SymPy DomainMatrix baseline for gambler's ruin P(win) over all transient states."""
    from sympy import ZZ, symbols
    from sympy.polys.matrices import DomainMatrix

    p = symbols("p")
    K = ZZ[p] if method == "solve_den" else ZZ.frac_field(p)
    P = K.convert(p)
    Q = K.one - P
    n = N - 1
    rows = [[K.zero] * n for _ in range(n)]
    for i in range(n):
        rows[i][i] = K.one
        if i + 1 < n:
            rows[i][i + 1] = -P
        if i > 0:
            rows[i][i - 1] = -Q
    A = DomainMatrix(rows, (n, n), K)
    b = DomainMatrix([[P if i == n - 1 else K.zero] for i in range(n)], (n, 1), K)
    t0 = time.perf_counter()
    if method == "solve_den":
        x, den = A.solve_den(b)
        values = {}
        for i in range(n):
            num = x[i, 0].element
            g = K.gcd(num, den)
            values[i + 1] = (K.to_sympy(K.exquo(num, g)), K.to_sympy(K.exquo(den, g)))
    else:
        x = A.lu_solve(b)
        values = {i + 1: (K.to_sympy(K.numer(x[i, 0].element)),
                          K.to_sympy(K.denom(x[i, 0].element))) for i in range(n)}
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "values": {k: (str(a), str(b)) for k, (a, b) in values.items()}}


# ---------------------------------------------------------------------- helpers
def _ring_value(ring, text: str):
    return ring.parse(text.replace("**", "^"))


def _fmt(x) -> str:
    return f"{x:9.3f}" if isinstance(x, float) else f"{x:>9}"


class Table:
    def __init__(self) -> None:
        print(f"{'case':<34} {'chainlab s':>10} {'other':<22} {'other s':>9} {'ratio':>8}  check")

    def row(self, case, ours, other="", other_s=None, check=""):
        ratio = f"{other_s / ours:7.1f}x" if isinstance(other_s, float) and ours > 0 else ""
        print(f"{case:<34} {ours:10.3f} {other:<22} "
              f"{_fmt(other_s) if other_s is not None else '':>9} {ratio:>8}  {check}",
              flush=True)


# ---------------------------------------------------------------------- cases
def ruin_all_states(N: int, out: Path, table: Table, *, storm: bool, sympy_methods, timeout):
    from chainlab.io import write_drn
    from chainlab.parametric import RationalFunction, gamblers_ruin, hitting

    chain = gamblers_ruin(N, "p")
    t0 = time.perf_counter()
    res = hitting(chain, "win")
    ours = time.perf_counter() - t0
    ring = chain._ring
    P = RationalFunction("p")
    Q = 1 - P
    closed = all(res.probabilities[i] == (P**N - Q**i * P ** (N - i)) / (P**N - Q**N)
                 for i in range(N + 1))
    table.row(f"ruin N={N} all states", ours, "", None,
              "closed form: " + ("exact match" if closed else "MISMATCH"))
    if storm:
        path = write_drn(chain, out / f"ruin{N}.drn")
        r = _run_isolated(storm_parametric, str(path), 'P=? [F "win"]', False, timeout=timeout)
        if "error" in r:
            table.row(f"ruin N={N} all states", ours, "Storm parametric", None, r["error"])
        else:
            ok = all(_ring_value(ring, s) == res.probabilities[i]._rf
                     for i, s in r["values"].items())
            table.row(f"ruin N={N} all states", ours, "Storm parametric",
                      r["build_s"] + r["check_s"],
                      f"build {r['build_s']:.2f} s + check {r['check_s']:.2f} s; values "
                      + ("equal" if ok else "DIFFER"))
    for method in sympy_methods:
        r = _run_isolated(sympy_ruin, N, method, timeout=timeout)
        label = {"solve_den": "SymPy DM ZZ[p] solve_den", "lu": "SymPy DM ZZ(p) lu_solve"}[method]
        if "error" in r:
            table.row(f"ruin N={N} all states", ours, label, None, r["error"])
            continue
        ok = all(ring.div(_ring_value(ring, a), _ring_value(ring, b)) == res.probabilities[i]._rf
                 for i, (a, b) in r["values"].items())
        table.row(f"ruin N={N} all states", ours, label, r["seconds"],
                  "values " + ("equal" if ok else "DIFFER"))


def ruin_one_state(N: int, out: Path, table: Table, *, storm: bool, timeout):
    from chainlab.io import write_drn
    from chainlab.parametric import RationalFunction, gamblers_ruin, hitting

    start = N // 2
    chain = gamblers_ruin(N, "p", start=start)
    t0 = time.perf_counter()
    res = hitting(chain, "win", only_initial=True)
    ours = time.perf_counter() - t0
    P = RationalFunction("p")
    Q = 1 - P
    ok = res.initial_probability == (P**N - Q**start * P ** (N - start)) / (P**N - Q**N)
    deg = res.initial_probability.degree
    table.row(f"ruin N={N} from {start} (one state)", ours, "", None,
              f"degree {deg[0]}/{deg[1]}; closed form: " + ("exact match" if ok else "MISMATCH"))
    if storm:
        path = write_drn(chain, out / f"ruin{N}_one.drn")
        r = _run_isolated(storm_parametric, str(path), 'P=? [F "win"]', True, timeout=timeout)
        if "error" in r:
            table.row(f"ruin N={N} from {start} (one state)", ours, "Storm parametric", None,
                      r["error"])
        else:
            same = all(_ring_value(chain._ring, s) == res.initial_probability._rf
                       for s in r["values"].values())
            table.row(f"ruin N={N} from {start} (one state)", ours, "Storm parametric",
                      r["build_s"] + r["check_s"], "values " + ("equal" if same else "DIFFER"))


def grid(m: int, table: Table):
    from chainlab import exact
    from chainlab.parametric import grid_walk, hitting

    chain = grid_walk(m, "p")
    x = Fraction(1, 3)
    sub = exact.hitting(chain.substitute(p=x), "top")
    for only in (True, False):
        t0 = time.perf_counter()
        res = hitting(chain, "top", only_initial=only)
        ours = time.perf_counter() - t0
        if only:
            ok = res.initial_probability(x) == sub.initial_probability
        else:
            ok = [f(x) for f in res.probabilities] == list(sub.probabilities)
        deg = res.initial_probability.degree
        table.row(f"grid {m}x{m} ({(m - 2) ** 2} cells) " + ("one state" if only else "all"),
                  ours, "", None, f"degree {deg[0]}/{deg[1]}; at p=1/3 = chainlab.exact: "
                  + ("yes" if ok else "NO"))


def gmm(out: Path, table: Table, *, storm: bool, timeout):
    from chainlab.compiler import compile_model
    from chainlab.io import write_drn
    from chainlab.models import GMMAgents
    from chainlab.parametric import compile_gmm, polarization
    from chainlab.polarization import polarization as exact_polarization

    t0 = time.perf_counter()
    cc = compile_gmm(agents=4, components=4, memory=2, neighbours=1)
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = polarization(cc)
    solve_s = time.perf_counter() - t0
    f = res.polarization_probability
    ex = exact_polarization(compile_model(GMMAgents(agents=4, components=4, memory=2,
                                                    neighbours=1, mirror=Fraction(1, 5))))
    ok = f(Fraction(1, 5)) == ex.polarization_probability
    table.row(f"GMM n=4 K=4 r=2 k=1 ({res.num_states} st.)", compile_s + solve_s, "", None,
              f"compile {compile_s:.2f} s + solve {solve_s:.2f} s; P(pol) degree "
              f"{f.degree[0]}/{f.degree[1]}, E[rounds] degree {res.expected_rounds.degree[0]}/"
              f"{res.expected_rounds.degree[1]}; at p=1/5 = exact: {'yes' if ok else 'NO'}")
    if storm:
        chain = cc.chain.with_labels({"polarized": [
            cc.chain.states.label_of(s) for c, k in zip(res.closed_classes, res.kinds)
            if k == "polarized" for s in c]})
        path = write_drn(chain, out / "gmm.drn")
        r = _run_isolated(storm_parametric, str(path), 'P=? [F "polarized"]', True,
                          timeout=timeout)
        if "error" in r:
            table.row("GMM (initial state)", solve_s, "Storm parametric", None, r["error"])
        else:
            same = all(_ring_value(chain._ring, s) == f._rf for s in r["values"].values())
            table.row("GMM (initial state, solve only)", solve_s, "Storm parametric",
                      r["build_s"] + r["check_s"], "values " + ("equal" if same else "DIFFER"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="ruin N=100 and GMM only, no Storm on GMM")
    ap.add_argument("--no-storm", action="store_true")
    ap.add_argument("--no-sympy", action="store_true")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per Storm/SymPy run")
    ap.add_argument("--out", help="directory for the DRN files (default: a temporary one)")
    args = ap.parse_args(argv)
    storm = not args.no_storm
    if storm:
        try:
            import stormpy  # noqa: F401
        except ImportError:
            print("stormpy is not installed (pip install stormpy): skipping Storm")
            storm = False
    tmp = None
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="chainlab-parametric-")
        out = Path(tmp.name)
    import flint
    import sympy

    print(f"python-flint {flint.__version__}, sympy {sympy.__version__}"
          + (f", stormpy {__import__('stormpy').__version__}" if storm else ""))
    table = Table()
    sympy_methods = [] if args.no_sympy else ["solve_den", "lu"]
    ruin_all_states(100, out, table, storm=storm, sympy_methods=sympy_methods,
                    timeout=args.timeout)
    if not args.quick:
        ruin_all_states(200, out, table, storm=storm,
                        sympy_methods=[] if args.no_sympy else ["lu"], timeout=args.timeout)
        ruin_one_state(500, out, table, storm=storm, timeout=args.timeout)
        grid(10, table)
        grid(12, table)
    gmm(out, table, storm=storm and not args.quick, timeout=args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
