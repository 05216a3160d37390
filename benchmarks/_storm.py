"""Timing Storm (through stormpy >= 2.0) on DRN files, for every state.

Install with ``pip install stormpy`` (the ``bench`` extra).  Written against the
stormpy 2.0 API: ``stormpy.build_model_from_drn[stormpy.Rational](path)`` builds
an exact model, ``stormpy.model_checking(model, prop, only_initial_states=False,
environment=env)`` checks a property for all states, and
``result.get_value_vector()`` returns one value per state.

Engines (:data:`ENGINES`):

``exact``
    exact model (GMP rationals) + ``stormpy.environments.exact()``; Storm then
    solves each SCC (topological solver) by rational sparse LU (Eigen).
    Values come back as :class:`fractions.Fraction`.
``default``
    Storm's own defaults (what the ``storm`` binary does without options):
    topological decomposition + gmm++ GMRES with ILU preconditioner, relative
    precision 1e-6, not sound.
``sound``
    what ``stormpy.model_checking`` uses for a float model when no environment
    is given (``stormpy.environments.sound()``): topological + optimistic value
    iteration with a sound stopping criterion, precision 1e-6.
``eigen``
    ``--eqsolver eigen --eigen:method sparselu``: sparse direct LU in doubles
    on the whole system.
``gmmxx``
    ``--eqsolver gmm++``: GMRES + ILU on the whole system (no SCC split).
``native``
    ``--eqsolver native --native:method power``: plain value iteration
    (precision 1e-6, relative criterion).

Storm's solver choice lives in process-global settings that can be set only
once per process, so by default every run happens in a fresh ``spawn``-ed
process (``isolate=True``); the timings are taken inside that process and do
not include starting it or importing stormpy.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import sys
import time
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

#: engine name -> (exact model?, environment kind, Storm command-line settings)
ENGINES: dict[str, tuple[bool, str, tuple[str, ...]]] = {
    "exact": (True, "exact", ()),
    "default": (False, "default", ()),
    "sound": (False, "sound", ()),
    "eigen": (False, "settings", ("--eqsolver", "eigen", "--eigen:method", "sparselu")),
    "gmmxx": (False, "settings", ("--eqsolver", "gmm++")),
    "native": (False, "settings", ("--eqsolver", "native", "--native:method", "power")),
}
FLOAT_ENGINES = ("default", "sound", "eigen", "gmmxx")


def default_queries(goal: str = "goal", absorbing: str = "absorbing", reward: str = "steps") -> dict[str, str]:
    """``reach``: probability of eventually reaching ``goal``; ``steps``: expected steps to absorption."""
    return {
        "reach": f'P=? [F "{goal}"]',
        "steps": f'R{{"{reward}"}}=? [F "{absorbing}"]',
    }


@dataclass
class StormResult:
    """One Storm run: build time, per-query check times and per-state values.

    ``values[q]`` is a list of :class:`~fractions.Fraction` (exact engine) or a
    float64 numpy array (float engines), indexed by state.  ``check_s[q]`` is
    the wall time of ``stormpy.model_checking`` alone; ``convert_s`` is the
    time spent turning Storm's values into Python objects (not in ``check_s``).
    ``build_cpu_s`` / ``check_cpu_s`` are the same spans in CPU time of the
    Storm process (less sensitive than wall time to other processes on a
    shared machine).
    """

    engine: str
    path: str
    n_states: int
    n_transitions: int
    build_s: float
    check_s: dict[str, float] = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    convert_s: float = 0.0
    settings: tuple[str, ...] = ()
    error: str | None = None
    build_cpu_s: float = float("nan")
    check_cpu_s: dict[str, float] = field(default_factory=dict)

    @property
    def total_s(self) -> float:
        """Build plus all checks (what a user waits for, minus Python start-up)."""
        return self.build_s + sum(self.check_s.values())

    @property
    def total_cpu_s(self) -> float:
        """CPU time of build plus all checks."""
        return self.build_cpu_s + sum(self.check_cpu_s.values())


_APPLIED_SETTINGS: tuple[str, ...] | None = None


try:  # python-flint (a chainlab dependency) parses long decimal strings ~10x faster than int()
    from flint import fmpz as _fmpz

    def _big_int(s: str) -> int:
        return int(_fmpz(s)) if len(s) > 500 else int(s)

except ImportError:  # pragma: no cover
    _big_int = int


def _rational_to_fraction(x) -> Fraction:
    return Fraction(_big_int(str(x.numerator)), _big_int(str(x.denominator)))


def _environment(kind: str, settings: tuple[str, ...]):
    import stormpy
    from stormpy import developer, environments

    global _APPLIED_SETTINGS
    if kind == "exact":
        return environments.exact()
    if kind == "sound":
        return environments.sound()
    if kind == "default":
        return stormpy.Environment()
    if _APPLIED_SETTINGS is None:
        developer.set_from_exploded_string(list(settings))
        _APPLIED_SETTINGS = settings
    elif _APPLIED_SETTINGS != settings:
        raise RuntimeError(
            f"Storm settings {_APPLIED_SETTINGS} already applied in this process; run with isolate=True"
        )
    return developer.EnvironmentBuilder.build_environment()


def _run_here(path: str, engine: str, queries: dict[str, str], quiet: bool, convert: bool = True,
              only_initial: bool = False) -> StormResult:
    import stormpy
    from stormpy import developer

    exact, kind, settings = ENGINES[engine]
    if quiet:
        developer.set_log_level(developer.LogLevel.WARN)
    env = _environment(kind, settings)
    props = {name: stormpy.parse_property(q) for name, q in queries.items()}

    t0, c0 = time.perf_counter(), time.process_time()
    if exact:
        model = stormpy.build_model_from_drn[stormpy.Rational](path)
    else:
        model = stormpy.build_model_from_drn(path)
    build_s = time.perf_counter() - t0
    res = StormResult(engine, str(path), model.nr_states, model.nr_transitions, build_s, settings=settings,
                      build_cpu_s=time.process_time() - c0)

    for name, prop in props.items():
        t0, c0 = time.perf_counter(), time.process_time()
        r = stormpy.model_checking(model, prop, only_initial_states=only_initial, environment=env)
        res.check_s[name] = time.perf_counter() - t0
        res.check_cpu_s[name] = time.process_time() - c0
        t0 = time.perf_counter()
        # with only_initial the values are those of the initial states, in their order
        vec = r.get_value_vector()
        if only_initial:
            vec = [vec[i] for i in model.initial_states]
        if not convert:
            res.values[name] = None
        elif exact:
            old = sys.get_int_max_str_digits()
            sys.set_int_max_str_digits(0)  # exact values can have 10^4+ digits
            try:
                res.values[name] = [_rational_to_fraction(x) for x in vec]
            finally:
                sys.set_int_max_str_digits(old)
        else:
            res.values[name] = np.asarray(vec, dtype=np.float64)
        res.convert_s += time.perf_counter() - t0
    return res


def _child(path, engine, queries, quiet, convert, only_initial=False):
    try:
        return _run_here(path, engine, queries, quiet, convert, only_initial)
    except Exception as exc:  # report, do not kill the caller's loop
        return StormResult(engine, str(path), 0, 0, float("nan"), error=f"{type(exc).__name__}: {exc}")


def run_storm(
    path: str | os.PathLike,
    engine: str = "exact",
    *,
    goal: str = "goal",
    absorbing: str = "absorbing",
    reward: str = "steps",
    queries: dict[str, str] | None = None,
    isolate: bool = True,
    timeout: float | None = None,
    quiet: bool = True,
    convert: bool = True,
    only_initial: bool = False,
) -> StormResult:
    """Build ``path`` (DRN) and check every query for all states with ``engine``.

    ``queries`` defaults to :func:`default_queries` (``reach`` and ``steps``).
    With ``isolate`` (default) the run happens in a fresh process; a run that
    exceeds ``timeout`` seconds is abandoned (the child is killed) and returned
    with ``error="timeout ..."``; a run that raises is returned with ``error``
    set.  ``convert=False`` skips turning values into Python objects
    (``values[q]`` is then None): exact values with 10^4-digit numerators
    take ~1 ms each to convert.  ``only_initial=True`` passes
    ``only_initial_states=True`` to Storm; ``values[q]`` then lists the values
    of the initial states only.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose from {sorted(ENGINES)}")
    path = os.fspath(path)
    if queries is None:
        queries = default_queries(goal, absorbing, reward)
    if not isolate:
        return _run_here(path, engine, queries, quiet, convert, only_initial)
    ctx = multiprocessing.get_context("spawn")
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx)
    try:
        fut = pool.submit(_child, path, engine, queries, quiet, convert, only_initial)
        try:
            return fut.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.kill()  # only the worker this call started
            return StormResult(engine, path, 0, 0, float("nan"), error=f"timeout after {timeout} s")
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def storm_exact(path, **kw) -> StormResult:
    """Storm's exact engine on ``path``: values as Fractions for every state."""
    return run_storm(path, "exact", **kw)


def storm_float(path, engine: str = "default", **kw) -> StormResult:
    """One of Storm's float engines (:data:`FLOAT_ENGINES`, or ``"native"``): values as numpy arrays."""
    if ENGINES[engine][0]:
        raise ValueError(f"{engine!r} is not a float engine")
    return run_storm(path, engine, **kw)


def max_abs_error(approx, exact_values) -> float:
    """``max |a - e|`` over all states, computed with Fractions."""
    worst = 0.0
    for a, e in zip(np.asarray(approx, dtype=np.float64).tolist(), exact_values):
        if not np.isfinite(a):
            return float("inf")
        worst = max(worst, float(abs(Fraction(a) - e)))
    return worst


def max_relative_error(approx, exact_values) -> tuple[float, float]:
    """``(max |a - e| / |e| over states with e != 0, max |a| over states with e == 0)``.

    Computed with Fractions, so it is meaningful for values like 1e-177.
    """
    rel = 0.0
    abs_at_zero = 0.0
    for a, e in zip(np.asarray(approx, dtype=np.float64).tolist(), exact_values):
        if not np.isfinite(a):
            return float("inf"), float("inf")
        if e == 0:
            abs_at_zero = max(abs_at_zero, abs(a))
        else:
            rel = max(rel, float(abs(Fraction(a) - e) / abs(e)))
    return rel, abs_at_zero
