"""chainlab's core solvers against Storm and plain SciPy: times, ratios and exact checks.

    python benchmarks/bench_core.py                  # everything (grid 100x100 exact: minutes)
    python benchmarks/bench_core.py --quick          # small sizes only, about a minute
    python benchmarks/bench_core.py --only ruin5000,grid40
    python benchmarks/bench_core.py --repeat 3       # best of 3 for every timing
    python benchmarks/bench_core.py --only grid100 --no-storm --breakdown   # where time goes

Cases (``--only`` takes a comma-separated list of these names):

``ruin5000``   exact: the whole process ``chainlab analyze --exact --json ruin_N5000.drn``
               (absorption probabilities and expected steps of every transient state) vs
               Storm's exact engine (``P=? [F "goal"]`` and expected steps, every state).
``grid40``     exact: ``chainlab analyze --exact --json --target goal grid_m40.drn`` (the
               probability of reaching the top edge and expected steps, every state) vs Storm.
``grid100``    exact: the same for the 100 x 100 grid (9,604 states); Storm only with
               ``--storm-grid100`` (it takes far longer than the timeout otherwise).
``ruin30000``  exact, one initial state: ``exact.absorption(chain, restrict="initial")``
               for gambler's ruin N = 30,000 from state 1, vs Storm's exact engine with
               ``only_initial_states=True`` (which still solves every state).
``grid1000``   float: ``numeric.hitting`` (+ expected steps, same factors) on the 1000 x 1000
               walk (10^6 states) vs one ``scipy.sparse.linalg.spsolve`` of ``(I - Q) x = b``.
``scc``        float: a chain of 50,000 small cycles (~325,000 states): ``numeric.hitting``
               and ``numeric.absorption`` vs ``spsolve`` with the same right-hand sides.
``ruin1000f``  float accuracy: gambler's ruin N = 1,000, p = 2/5 (probabilities down to
               4e-177): max relative error of chainlab's float backend and of Storm's float
               engines against the exact closed form.

chainlab's processes run with their bytecode cached, as an installed package does
(``PYTHONPYCACHEPREFIX`` in the run's folder, no ``PYTHONDONTWRITEBYTECODE``, one untimed run
first); ``--no-bytecode-cache`` runs them with the environment's setting as it is.

Every exact result is compared with Storm's exact values or a closed form and printed as
OK / MISMATCH.  Whole-process times are wall clock and CPU (user + system of the child);
Storm's times are build + check inside its worker process, wall and CPU (so Storm is not
charged for Python start-up or importing stormpy; chainlab is).  On a machine shared with
other work, the CPU ratios are the steadier ones.  BLAS runs single-threaded
(``OMP_NUM_THREADS=1``, ``OPENBLAS_NUM_THREADS=1``, set before numpy is imported).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from fractions import Fraction  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _chains  # noqa: E402
import _storm  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from _procs import child_env  # noqa: E402
from flint import fmpq, fmpz  # noqa: E402

CASES = ("ruin5000", "grid40", "grid100", "ruin30000", "grid1000", "scc", "ruin1000f")
QUICK = {"ruin5000": 1000, "grid40": 20, "grid100": 40, "ruin30000": 5000, "grid1000": 300,
         "scc": 5000, "ruin1000f": 1000}
FULL = {"ruin5000": 5000, "grid40": 40, "grid100": 100, "ruin30000": 30000, "grid1000": 1000,
        "scc": 50000, "ruin1000f": 1000}

_rows: list[tuple] = []  # summary table


def _say(*parts) -> None:
    print(*parts, flush=True)


def _chainlab_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("chainlab")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("chainlab")
    return [found] if found else [sys.executable, "-m", "chainlab.cli"]


#: where chainlab's child processes cache their bytecode (None: the environment as it is); see
#: ``--no-bytecode-cache``
_PYCACHE: dict = {"dir": None, "warm": False}


def _cli_env() -> dict:
    return child_env(_PYCACHE["dir"])  # bytecode cached, as in an installed package


def _run_cli(args: list[str], repeat: int) -> tuple[float, float, bytes]:
    """Best wall and CPU time (user + sys of the child) of ``chainlab <args>``, and its stdout."""
    best_wall = best_cpu = float("inf")
    out = b""
    if _PYCACHE["dir"] is not None and not _PYCACHE["warm"]:  # one untimed run fills the cache
        subprocess.run(_chainlab_cmd() + ["--version"], stdout=subprocess.DEVNULL,
                       env=_cli_env(), check=True)
        subprocess.run(_chainlab_cmd() + args, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env=_cli_env())
        _PYCACHE["warm"] = True
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(_chainlab_cmd() + args, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=_cli_env())
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode:
            raise RuntimeError(f"chainlab {' '.join(args)} failed: {proc.stderr.decode()[-2000:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_wall, best_cpu, out = min(best_wall, wall), min(best_cpu, cpu), proc.stdout
    return best_wall, best_cpu, out


def _storm_exact(path, repeat: int, timeout: float, **kw):
    """Storm's exact engine: (result with values of the last run, best wall, best CPU) or None."""
    best_wall = best_cpu = float("inf")
    last = None
    for k in range(repeat):
        r = _storm.run_storm(path, "exact", timeout=timeout, convert=(k == repeat - 1), **kw)
        if r.error:
            _say(f"    Storm: {r.error}")
            return None
        best_wall, best_cpu, last = min(best_wall, r.total_s), min(best_cpu, r.total_cpu_s), r
    return last, best_wall, best_cpu


def _frac(s) -> Fraction:
    """A JSON value of ``chainlab analyze --exact`` ("p/q" or "p") as a Fraction (flint parses)."""
    if isinstance(s, (int, float)):
        return Fraction(s)
    num, _, den = s.partition("/")
    return Fraction(int(fmpz(num)), int(fmpz(den)) if den else 1)


def _ok(flag: bool) -> str:
    return "OK" if flag else "MISMATCH"


def _ratio_line(name, what, cl_wall, cl_cpu, base_wall, base_cpu, base_name, check) -> None:
    rw = cl_wall / base_wall if base_wall == base_wall and base_wall > 0 else float("nan")
    rc = cl_cpu / base_cpu if base_cpu == base_cpu and base_cpu > 0 else float("nan")
    _say(f"    chainlab {cl_wall:8.2f} s wall {cl_cpu:8.2f} s cpu | {base_name} {base_wall:8.2f} s wall "
         f"{base_cpu:8.2f} s cpu | ratio wall {rw:5.2f} cpu {rc:5.2f} | {check}")
    _rows.append((name, what, cl_wall, cl_cpu, base_name, base_wall, base_cpu, rw, rc, check))


# ---------------------------------------------------------------------------------- exact
def bench_ruin_cli(N: int, tmp: Path, args) -> None:
    name = f"ruin{N}"
    _say(f"\n== {name}: chainlab analyze --exact --json (absorption + expected steps, all states) vs Storm exact")
    bc = _chains.gamblers_ruin(N)
    drn = _chains.write_drn(bc, tmp / f"{bc.name}.drn")
    wall, cpu, out = _run_cli(["analyze", "--exact", "--json", str(drn)], args.repeat)
    if args.breakdown:
        breakdown(["analyze", "--exact", "--json", str(drn)])
    res = json.loads(out)
    h, t = _chains.gamblers_ruin_closed_form(N, bc.info["p"])
    ok = all(_frac(res["absorption"][str(i)][1]) == h[i] and _frac(res["expected_steps"][str(i)]) == t[i]
             for i in range(1, N))
    check = f"chainlab = closed form: {_ok(ok)}"
    st = None if args.no_storm else _storm_exact(drn, args.repeat, args.timeout)
    if st is not None:
        st, sw, sc = st
        sok = st.values["reach"] == h and st.values["steps"] == t
        check += f"; Storm = closed form: {_ok(sok)}"
        _ratio_line(name, "exact, whole CLI process", wall, cpu, sw, sc, "Storm exact", check)
    else:
        _ratio_line(name, "exact, whole CLI process", wall, cpu, float("nan"), float("nan"), "Storm exact", check)


def _grid_residual_ok(m: int, probs, reach: list, steps: dict) -> bool:
    """h = P h on interior states (h = 1 on the top edge, 0 elsewhere on the boundary) and
    t = 1 + P t on interior states, t = 0 on the boundary -- exactly, in flint rationals."""
    up, down, left, right = (fmpq(p.numerator, p.denominator) for p in probs)
    h = [fmpq(fmpz(x.numerator), fmpz(x.denominator)) for x in reach]
    tt = [fmpq(0)] * (m * m)
    for i, v in steps.items():
        tt[i] = fmpq(fmpz(v.numerator), fmpz(v.denominator))
    for y in range(m):
        for x in range(m):
            i = y * m + x
            if 0 < x < m - 1 and 0 < y < m - 1:
                if h[i] != up * h[i + m] + down * h[i - m] + left * h[i - 1] + right * h[i + 1]:
                    return False
                if tt[i] != 1 + up * tt[i + m] + down * tt[i - m] + left * tt[i - 1] + right * tt[i + 1]:
                    return False
            elif h[i] != (1 if y == m - 1 else 0) or tt[i] != 0:
                return False
    return True


def bench_grid_cli(m: int, tmp: Path, args, storm: bool) -> None:
    name = f"grid{m}"
    _say(f"\n== {name}: chainlab analyze --exact --json --target goal (reach top edge + expected steps, "
         f"{(m - 2) ** 2} transient states) vs Storm exact")
    bc = _chains.grid_walk(m)
    drn = _chains.write_drn(bc, tmp / f"{bc.name}.drn")
    wall, cpu, out = _run_cli(["analyze", "--exact", "--json", "--target", "goal", str(drn)], args.repeat)
    if args.breakdown:
        breakdown(["analyze", "--exact", "--json", "--target", "goal", str(drn)])
    res = json.loads(out)
    reach = [_frac(res["reach"][str(i)]) for i in range(bc.n)]
    steps = {int(i): _frac(v) for i, v in res["expected_steps"].items()}
    t0 = time.perf_counter()
    ok = _grid_residual_ok(m, bc.info["probs"], reach, steps)
    check = f"chainlab satisfies the one-step equations exactly: {_ok(ok)} ({time.perf_counter() - t0:.1f} s)"
    st = _storm_exact(drn, args.repeat, args.timeout) if storm and not args.no_storm else None
    if st is not None:
        st, sw, sc = st
        same = st.values["reach"] == reach and all(st.values["steps"][i] == v for i, v in steps.items())
        check += f"; chainlab = Storm exactly: {_ok(same)}"
        _ratio_line(name, "exact, whole CLI process", wall, cpu, sw, sc, "Storm exact", check)
    else:
        _ratio_line(name, "exact, whole CLI process", wall, cpu, float("nan"), float("nan"), "Storm exact", check)


def bench_ruin_initial(N: int, tmp: Path, args) -> None:
    from chainlab import exact
    from chainlab.io import read_chain

    name = f"ruin{N}-initial"
    _say(f"\n== {name}: value at the initial state only, exact.absorption(restrict='initial') vs Storm exact "
         "(only_initial_states=True)")
    bc = _chains.gamblers_ruin(N)
    drn = _chains.write_drn(bc, tmp / f"{bc.name}.drn")
    t0 = time.perf_counter()
    chain = read_chain(drn)
    read_s = time.perf_counter() - t0
    best_wall = best_cpu = float("inf")
    for _ in range(args.repeat):
        chain._cache.clear()
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        r = exact.absorption(chain, restrict="initial", variance=False)
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    h, t = _chains.gamblers_ruin_closed_form(N, bc.info["p"])
    ok = r.initial_B[1] == h[1] and r.initial_t == t[1]  # closed class 1 is the state N
    check = f"chainlab = closed form: {_ok(ok)} (read_chain {read_s:.2f} s, not timed)"
    st = None if args.no_storm else _storm_exact(drn, 1, args.timeout, only_initial=True)
    if st is not None:
        st, sw, sc = st
        check += f"; Storm = closed form: {_ok(st.values['reach'] == [h[1]] and st.values['steps'] == [t[1]])}"
        _ratio_line(name, "exact, one initial state, in-process", best_wall, best_cpu, sw, sc,
                    "Storm exact", check)
    else:
        _ratio_line(name, "exact, one initial state, in-process", best_wall, best_cpu, float("nan"),
                    float("nan"), "Storm exact", check)


def breakdown(cli_args: list[str]) -> None:
    """Run ``chainlab <cli_args>`` in this process and print where the CPU time goes."""
    import cProfile
    import io
    import json as json_mod
    import pstats

    from chainlab import cli, structure
    from chainlab import io as chainlab_io
    from chainlab._analysis import formulas as _analysis
    from chainlab._linalg import linsolve as _linsolve
    from chainlab._linalg import padic as _padic
    from chainlab.cli import _analyze

    # cProfile, not wrappers around chainlab's names: the profiler sees every call without
    # touching the library (cumulative CPU time per function, as pstats reports it)
    stages = [
        (chainlab_io.read_chain, "read the file"),
        (structure.classify, "classify"),
        (_linsolve._min_degree_order, "minimum-degree order (SuperLU)"),
        (_padic.order_and_fill, "minimum-degree order + fill count (SuperLU)"),
        (_padic.PadicLU.__init__, "p-adic: elimination modulo p"),
        (_padic.PadicLU.solve, "p-adic: lifting, reconstruction, exact check"),
        (_linsolve._FractionFreeLU.__init__, "symbolic + sparse fraction-free elimination"),
        (_linsolve._DenseTail.solve, "dense tail (Dixon)"),
        (_linsolve._FractionFreeLU.solve, "substitutions + reduction to lowest terms"),
        (_analysis._out, "fmpq -> Fraction"),
        (_analyze._fraction_str, "Fraction -> decimal string"),
        (json_mod.dumps, "json.dumps"),
    ]
    profiler = cProfile.Profile(time.process_time)
    c0 = time.process_time()
    old, sys.stdout = sys.stdout, io.StringIO()
    try:
        profiler.runcall(cli.main, cli_args)
    finally:
        sys.stdout = old
    total = time.process_time() - c0
    table = pstats.Stats(profiler).stats  # (file, line, name) -> (cc, nc, tt, ct, callers)
    spent: dict[str, float] = {}
    for fn, label in stages:
        code = getattr(fn, "__code__", None)
        if code is None:  # a builtin: not attributed
            continue
        key = (code.co_filename, code.co_firstlineno, code.co_name)
        if key in table:
            spent[label] = table[key][3]
    if "dense tail (Dixon)" in spent and "substitutions + reduction to lowest terms" in spent:
        spent["substitutions + reduction to lowest terms"] -= spent["dense tail (Dixon)"]
    _say(f"    CPU breakdown (in-process, imports excluded), total {total:.2f} s:")
    for label, sec in sorted(spent.items(), key=lambda kv: -kv[1]):
        _say(f"      {sec:7.2f} s  {100 * sec / total:5.1f}%  {label}")
    _say(f"      {total - sum(spent.values()):7.2f} s  {100 * (total - sum(spent.values())) / total:5.1f}%  "
         "everything else")


# ---------------------------------------------------------------------------------- float
def _time_in_process(fn, repeat: int, before=None):
    best_wall = best_cpu = float("inf")
    out = None
    for _ in range(repeat):
        if before is not None:
            before()
        gc.collect()
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best_wall, best_cpu, out


def bench_grid_float(m: int, args) -> None:
    from scipy.sparse.linalg import spsolve

    from chainlab import Chain, numeric

    name = f"grid{m}-float"
    _say(f"\n== {name}: numeric.hitting on the {m}x{m} walk ({m * m:,} states) vs one scipy spsolve")
    t0 = time.perf_counter()
    bc = _chains.grid_walk(m)
    P = bc.to_csr()
    chain = Chain(P, exact=False, labels={"goal": bc.labels["goal"].tolist()})
    build_s = time.perf_counter() - t0
    x = np.arange(m * m) % m
    y = np.arange(m * m) // m
    inner = np.flatnonzero((x > 0) & (y > 0) & (x < m - 1) & (y < m - 1))
    A = (sp.eye(len(inner), format="csc") - P[inner][:, inner]).tocsc()
    b = np.asarray(P[inner][:, np.flatnonzero(y == m - 1)].sum(axis=1)).ravel()
    wall, cpu, hit = _time_in_process(lambda: numeric.hitting(chain, "goal"), args.repeat,
                                      before=chain._cache.clear)
    t0, c0 = time.perf_counter(), time.process_time()
    steps = numeric.absorption(chain, probabilities=False, variance=False)
    extra = (time.perf_counter() - t0, time.process_time() - c0)
    del steps
    sw, sc, xs = _time_in_process(lambda: spsolve(A, b), args.repeat)
    err = float(np.max(np.abs(xs - hit.probabilities[inner])))
    check = (f"max |chainlab - spsolve| = {err:.1e}; chain from arrays {build_s:.1f} s (not timed); "
             f"expected steps with the same factors +{extra[0]:.2f} s wall")
    _ratio_line(name, "float, numeric.hitting in-process", wall, cpu, sw, sc, "spsolve", check)


def bench_scc_float(n_cycles: int, args) -> None:
    from scipy.sparse.linalg import spsolve

    from chainlab import Chain, numeric

    name = f"scc{n_cycles}-float"
    bc = _chains.scc_chain(n_cycles)
    nt = bc.info["n_transient"]
    _say(f"\n== {name}: {n_cycles:,} small cycles ({bc.n:,} states): numeric.hitting / absorption vs spsolve")
    t0 = time.perf_counter()
    P = bc.to_csr()
    chain = Chain(P, exact=False, labels={"goal": bc.labels["goal"].tolist()})
    build_s = time.perf_counter() - t0
    A = (sp.eye(nt, format="csc") - P[:nt][:, :nt]).tocsc()
    R = P[:nt][:, nt:].toarray()
    # hitting the goal (absorbing state nt): every transient state can reach it here
    wall, cpu, hit = _time_in_process(lambda: numeric.hitting(chain, "goal"), args.repeat,
                                      before=chain._cache.clear)
    sw, sc, xs = _time_in_process(lambda: spsolve(A, R[:, 0]), args.repeat)
    err = float(np.max(np.abs(xs - hit.probabilities[:nt])))
    _ratio_line(name, "float, numeric.hitting in-process", wall, cpu, sw, sc, "spsolve",
                f"max |diff| = {err:.1e}; chain from arrays {build_s:.1f} s (not timed)")

    def absorb():
        fresh = Chain(P, exact=False)  # absorption also classifies the chain (not cached)
        return numeric.absorption(fresh, variance=False)

    wall, cpu, res = _time_in_process(absorb, args.repeat)
    # build time of the fresh chain is inside `absorb`: subtract a separately measured one
    bw, bc_cpu, _ = _time_in_process(lambda: Chain(P, exact=False), args.repeat)
    rhs = np.concatenate([R, np.ones((nt, 1))], axis=1)
    sw, sc, X = _time_in_process(lambda: spsolve(A, rhs), args.repeat)
    err = float(max(np.max(np.abs(X[:, :-1] - res.B[:nt])), np.max(np.abs(X[:, -1] - res.t[:nt]) / X[:, -1])))
    _ratio_line(name, "float, numeric.absorption in-process (incl. classify)", wall - bw, cpu - bc_cpu,
                sw, sc, "spsolve", f"{R.shape[1] + 1} right-hand sides; max diff (t relative) = {err:.1e}")


def bench_ruin_float_accuracy(N: int, tmp: Path, args) -> None:
    from chainlab import Chain, numeric

    name = f"ruin{N}-float-accuracy"
    _say(f"\n== {name}: max relative error against the exact closed form, every state")
    bc = _chains.gamblers_ruin(N)
    h, t = _chains.gamblers_ruin_closed_form(N, bc.info["p"])
    probs = list(bc.probs)
    chain = Chain.from_transitions(bc.n, zip(bc.src.tolist(), bc.dst.tolist(),
                                             [probs[k] for k in bc.pidx.tolist()]))
    res = numeric.absorption(chain, variance=False)
    rel_h, _ = _storm.max_relative_error(res.B[:, 1], h)
    rel_t, _ = _storm.max_relative_error(res.t, t)
    ok = rel_h <= 1e-10 and rel_t <= 1e-10
    _say(f"    {'chainlab':<10} P(reach goal) {rel_h:9.2e}  E[steps] {rel_t:9.2e}  "
         f"(target <= 1e-10: {'met' if ok else 'NOT met'}; min P = {float(h[1]):.2e})")
    _rows.append((name, "float accuracy", rel_h, rel_t, "chainlab", float("nan"), float("nan"),
                  float("nan"), float("nan"), "met" if ok else "NOT met"))
    if args.no_storm:
        return
    drn = _chains.write_drn(bc, tmp / f"{bc.name}.drn")
    for engine in _storm.FLOAT_ENGINES:
        r = _storm.run_storm(drn, engine, timeout=args.timeout)
        if r.error:
            _say(f"    {engine:<10} ERROR {r.error}")
            continue
        eh, _ = _storm.max_relative_error(r.values["reach"], h)
        et, _ = _storm.max_relative_error(r.values["steps"], t)
        _say(f"    Storm {engine:<8} P(reach goal) {eh:9.2e}  E[steps] {et:9.2e}  ({r.total_s:.3f} s)")
        _rows.append((name, "float accuracy", eh, et, f"Storm {engine}", r.total_s, r.total_cpu_s,
                      float("nan"), float("nan"), ""))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (see QUICK in the source)")
    ap.add_argument("--only", help=f"comma-separated subset of {', '.join(CASES)}")
    ap.add_argument("--repeat", type=int, default=1, help="best of this many runs per timing")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per Storm run")
    ap.add_argument("--no-storm", action="store_true", help="skip every Storm run")
    ap.add_argument("--storm-grid100", action="store_true", help="also run Storm on the 100x100 grid")
    ap.add_argument("--breakdown", action="store_true",
                    help="for the exact CLI cases, also show where chainlab's CPU time goes")
    ap.add_argument("--out", help="keep the generated files in this directory")
    ap.add_argument("--no-bytecode-cache", action="store_true",
                    help="run chainlab with the environment's bytecode setting as it is (by "
                    "default its bytecode is cached, as in an installed package)")
    args = ap.parse_args(argv)
    only = set(CASES if not args.only else args.only.split(","))
    unknown = only - set(CASES)
    if unknown:
        ap.error(f"unknown case(s) {sorted(unknown)}; choose from {', '.join(CASES)}")
    sizes = QUICK if args.quick else FULL
    sys.set_int_max_str_digits(0)
    if args.out:
        tmp = Path(args.out)
        tmp.mkdir(parents=True, exist_ok=True)
        holder = None
    else:
        holder = tempfile.TemporaryDirectory(prefix="chainlab-bench-")
        tmp = Path(holder.name)
    if not args.no_bytecode_cache:
        _PYCACHE["dir"] = str(tmp / "pycache")
    try:
        import stormpy

        _say(f"stormpy {stormpy.__version__}")
    except ImportError:
        args.no_storm = True
        _say("stormpy not installed: Storm runs skipped")
    _say(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cores, "
         f"load average {os.getloadavg()[0]:.1f}; files in {tmp}")
    if "ruin5000" in only:
        bench_ruin_cli(sizes["ruin5000"], tmp, args)
    if "grid40" in only:
        bench_grid_cli(sizes["grid40"], tmp, args, storm=True)
    if "grid100" in only:
        bench_grid_cli(sizes["grid100"], tmp, args, storm=args.storm_grid100)
    if "ruin30000" in only:
        bench_ruin_initial(sizes["ruin30000"], tmp, args)
    if "grid1000" in only:
        bench_grid_float(sizes["grid1000"], args)
    if "scc" in only:
        bench_scc_float(sizes["scc"], args)
    if "ruin1000f" in only:
        bench_ruin_float_accuracy(sizes["ruin1000f"], tmp, args)
    _say("\nsummary (ratio = chainlab / baseline; wall and CPU seconds)")
    for row in _rows:
        name, what, a, b, base, bw, bc, rw, rc, check = row
        if what == "float accuracy":
            continue
        _say(f"  {name:<22} {what:<48} chainlab {a:8.2f} / {b:8.2f}   {base:<12} {bw:8.2f} / {bc:8.2f}"
             f"   ratio {rw:5.2f} / {rc:5.2f}")
    if holder is not None:
        holder.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
