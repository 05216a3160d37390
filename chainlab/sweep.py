r"""Parameter sweeps that survive interruptions: a grid, a results store, and Dask execution.

Definitions
-----------
* A *grid* maps axis names to lists of values; its *points* are the parameter dicts of the
  Cartesian product (:func:`expand_grid`), in axis order, duplicates removed.
* A point's *key* (:func:`point_key`) is the canonical JSON of the task name and *all* its
  parameters (Fractions as ``"p/q"`` strings), so the same point always has the same key.
* A *task* is a function ``compute(parameters) -> values`` (a module-level function, so Dask
  workers on other machines can import it); values are ints, Fractions, floats, booleans or
  strings (``"p/q"`` strings are exact rationals).
* The *store* (:class:`ResultStore`) is one SQLite file with one row per finished point, keyed
  by the point key (``UNIQUE``), written in its own transaction the moment the point finishes:
  parameters, values as exact strings and as floats, the computing time, host, and the chainlab
  version. A killed sweep loses at most the points that were still running; SQLite's journal
  leaves no half-written row.
* :func:`run_sweep` skips points already in the store, runs the rest on Dask distributed (a
  ``LocalCluster`` with one single-threaded worker per core by default, or an existing cluster
  at a scheduler address), and writes each result as it arrives. Only the calling process
  writes to the store, so workers need no access to the file.

Examples
--------
>>> import tempfile, pathlib
>>> from fractions import Fraction
>>> from chainlab.sweep import ResultStore, expand_grid, run_sweep
>>> def ruin(point):  # probability that a fair gambler with i coins reaches N
...     return {"win": Fraction(point["i"], point["N"])}
>>> points = expand_grid({"N": [4, 8], "i": [1, 2]})
>>> store = ResultStore(pathlib.Path(tempfile.mkdtemp()) / "ruin.sqlite")
>>> run_sweep("ruin", ruin, points, store, scheduler="inline").num_finished
4
>>> run_sweep("ruin", ruin, points, store, scheduler="inline").num_skipped  # resumed: nothing to do
4
>>> [(r["N"], r["i"], r["win"], r["win_float"]) for r in store.rows()][:2]
[(4, 1, '1/4', 0.25), (4, 2, '1/2', 0.5)]
"""

from __future__ import annotations

import csv
import dataclasses
import io
import itertools
import json
import math
import os
import socket
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

from ._chain.values import fraction_str
from .errors import ChainlabError, SpecError

__all__ = [
    "SweepError",
    "SweepSummary",
    "ResultStore",
    "expand_grid",
    "point_key",
    "run_sweep",
]

SCHEMA_VERSION = 1
INLINE = "inline"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS points (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    task TEXT NOT NULL,
    parameters TEXT NOT NULL,
    exact TEXT NOT NULL,
    float TEXT NOT NULL,
    seconds REAL NOT NULL,
    host TEXT NOT NULL,
    chainlab_version TEXT NOT NULL,
    finished_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    task TEXT NOT NULL,
    parameters TEXT NOT NULL,
    error TEXT NOT NULL,
    chainlab_version TEXT NOT NULL,
    failed_at TEXT NOT NULL
);
"""


class SweepError(ChainlabError, RuntimeError):
    """A sweep could not run: no Dask, an unreachable scheduler, an unusable results file.

    Examples
    --------
    >>> issubclass(SweepError, RuntimeError)
    True
    """


# ---------------------------------------------------------------------- values
def _canonical(value: Any, where: str) -> Any:
    """A JSON-able canonical form: ints, bools, None, strings, finite floats, ``"p/q"``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int) or type(value).__name__ in ("int64", "int32", "fmpz"):
        return int(value)
    if isinstance(value, Fraction):
        return fraction_str(value)
    if type(value).__name__ == "fmpq" or type(value).__module__.startswith("sympy") and \
            getattr(value, "is_Rational", False):
        return fraction_str(value)
    if isinstance(value, float) or type(value).__name__ in ("float64", "float32"):
        x = float(value)
        if not math.isfinite(x):
            return repr(x)
        return x
    raise SpecError(
        f"{where} is {value!r} of type {type(value).__name__}; sweep values must be ints, "
        "Fractions, floats, booleans or strings"
    )


def _to_float(value: Any) -> Any:
    """The float view of a canonical value (``"p/q"`` strings become floats)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(Fraction(value))
        except (ValueError, ZeroDivisionError):
            try:
                return float(value)
            except ValueError:
                return value
    return value


def point_key(task: str, parameters: Mapping[str, Any]) -> str:
    """The unique key of a point: canonical JSON of the task name and its parameters.

    See Also
    --------
    chainlab.sweep.expand_grid : The points of a grid.
    chainlab.sweep.ResultStore : Where points are stored, by key.

    Examples
    --------
    >>> from fractions import Fraction
    >>> point_key("gmm", {"mirror": Fraction(1, 5), "agents": 4})
    '{"parameters":{"agents":4,"mirror":"1/5"},"task":"gmm"}'
    """
    canon = {str(k): _canonical(v, f"parameter {k!r}") for k, v in parameters.items()}
    return json.dumps({"task": task, "parameters": canon}, sort_keys=True,
                      separators=(",", ":"))


def expand_grid(axes: Mapping[str, Sequence[Any]], *,
                fixed: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """All points of a grid: the Cartesian product of the axes, plus fixed parameters.

    Parameters
    ----------
    axes : mapping of str to sequence
        Axis name -> values, in the order the points should run (last axis fastest).
        Repeated values are dropped.
    fixed : mapping, optional
        Parameters shared by every point.

    Returns
    -------
    list of dict

    Raises
    ------
    SpecError
        An axis with no values, or an axis that is also a fixed parameter.

    See Also
    --------
    chainlab.sweep.run_sweep : Compute every point of a grid.
    chainlab.sweep.point_key : The key a point is stored under.

    Examples
    --------
    >>> expand_grid({"k": [1, 2], "p": ["0", "1/5"]}, fixed={"n": 4})
    [{'n': 4, 'k': 1, 'p': '0'}, {'n': 4, 'k': 1, 'p': '1/5'}, {'n': 4, 'k': 2, 'p': '0'}, {'n': 4, 'k': 2, 'p': '1/5'}]
    """
    fixed = dict(fixed or {})
    names = list(axes)
    values = []
    for name in names:
        vals = axes[name]
        if isinstance(vals, (str, bytes)) or not isinstance(vals, Iterable):
            raise SpecError(f"axis {name!r} must be a list of values, got {vals!r}")
        unique: list[Any] = []
        seen: set[str] = set()
        for v in vals:
            c = json.dumps(_canonical(v, f"axis {name!r} value"))
            if c not in seen:
                seen.add(c)
                unique.append(v)
        if not unique:
            raise SpecError(f"axis {name!r} has no values; give at least one (the grid is empty)")
        if name in fixed:
            raise SpecError(f"{name!r} is both an axis and a fixed parameter; give it once")
        values.append(unique)
    return [{**fixed, **dict(zip(names, combo))} for combo in itertools.product(*values)]


# ---------------------------------------------------------------------- the store
def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ResultStore:
    """An SQLite file with one row per finished sweep point (see the module docstring).

    Parameters
    ----------
    path : str or Path
        The database file (created with its tables when missing).
    create : bool, default True
        With False, a missing file is an error (for reading/exporting).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> store = ResultStore(pathlib.Path(tempfile.mkdtemp()) / "r.sqlite")
    >>> store.record("demo", {"n": 2}, {"p": Fraction(1, 3)}, seconds=0.1)
    True
    >>> store.record("demo", {"n": 2}, {"p": Fraction(1, 3)}, seconds=0.1)  # already there
    False
    >>> len(store), store.rows()[0]["p"], store.rows()[0]["p_float"]
    (1, '1/3', 0.3333333333333333)
    """

    def __init__(self, path: str | os.PathLike, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.exists():
            raise SpecError(f"no results database at {self.path}; run a sweep with --db first")
        if self.path.parent and not self.path.parent.exists():
            raise SpecError(f"the folder of {self.path} does not exist; create it first")
        try:
            self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(_SCHEMA)
            row = self._conn.execute("SELECT value FROM meta WHERE name='schema'").fetchone()
            if row is None:
                self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)",
                                   (str(SCHEMA_VERSION),))
            elif int(row[0]) != SCHEMA_VERSION:
                raise SweepError(
                    f"{self.path} has results schema {row[0]}, this chainlab writes "
                    f"{SCHEMA_VERSION}; use another --db file"
                )
        except sqlite3.DatabaseError as exc:
            raise SweepError(f"{self.path} is not a usable results database ({exc}); choose "
                             "another --db file") from None

    # -- writing
    def record(self, task: str, parameters: Mapping[str, Any], values: Mapping[str, Any], *,
               seconds: float, host: str | None = None) -> bool:
        """Store one finished point in its own transaction; False if its key was already there.

        Examples
        --------
        See the class docstring.
        """
        from . import __version__

        key = point_key(task, parameters)
        params = json.loads(key)["parameters"]
        exact = {str(k): _canonical(v, f"value {k!r}") for k, v in values.items()}
        floats = {k: _to_float(v) for k, v in exact.items()}
        with self._transaction() as cur:
            cur.execute(
                "INSERT OR IGNORE INTO points (key, task, parameters, exact, float, seconds, "
                "host, chainlab_version, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, task, json.dumps(params), json.dumps(exact), json.dumps(floats),
                 float(seconds), host or socket.gethostname(), __version__, _now()),
            )
            return cur.rowcount == 1

    def record_failure(self, task: str, parameters: Mapping[str, Any], error: str) -> None:
        """Log a point that raised (it is *not* finished: a rerun tries it again)."""
        from . import __version__

        key = point_key(task, parameters)
        with self._transaction() as cur:
            cur.execute(
                "INSERT INTO failures (key, task, parameters, error, chainlab_version, "
                "failed_at) VALUES (?, ?, ?, ?, ?, ?)",
                (key, task, json.dumps(json.loads(key)["parameters"]), error, __version__,
                 _now()),
            )

    class _Tx:
        def __init__(self, conn: sqlite3.Connection) -> None:
            self.conn = conn

        def __enter__(self) -> sqlite3.Cursor:
            self.cur = self.conn.cursor()
            self.cur.execute("BEGIN IMMEDIATE")
            return self.cur

        def __exit__(self, exc_type, exc, tb) -> None:
            if exc_type is None:
                self.conn.execute("COMMIT")
            else:
                self.conn.execute("ROLLBACK")

    def _transaction(self) -> ResultStore._Tx:
        return ResultStore._Tx(self._conn)

    # -- reading
    def finished_keys(self) -> set[str]:
        """Keys of every finished point."""
        return {k for (k,) in self._conn.execute("SELECT key FROM points")}

    def __len__(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM points").fetchone()[0])

    def rows(self, task: str | None = None) -> list[dict[str, Any]]:
        """One flat dict per finished point, in the order they finished.

        Keys: the parameters, then the values as stored (exact strings for rationals), a
        ``<name>_float`` companion for every value given as a string, and ``task``,
        ``seconds``, ``host``, ``chainlab_version``, ``finished_at``.

        Examples
        --------
        See the class docstring.
        """
        sql = ("SELECT task, parameters, exact, float, seconds, host, chainlab_version, "
               "finished_at FROM points")
        args: tuple = ()
        if task is not None:
            sql += " WHERE task = ?"
            args = (task,)
        out = []
        for t, params, exact, floats, seconds, host, version, finished in \
                self._conn.execute(sql + " ORDER BY id", args):
            row: dict[str, Any] = dict(json.loads(params))
            exact_d = json.loads(exact)
            float_d = json.loads(floats)
            row.update(exact_d)
            for k, v in exact_d.items():
                if isinstance(v, str):
                    row[f"{k}_float"] = float_d.get(k)
            row.update({"task": t, "seconds": seconds, "host": host,
                        "chainlab_version": version, "finished_at": finished})
            out.append(row)
        return out

    def failures(self) -> list[dict[str, Any]]:
        """Logged failures (parameters and error text), oldest first."""
        return [{"task": t, "parameters": json.loads(p), "error": e, "failed_at": f}
                for t, p, e, f in self._conn.execute(
                    "SELECT task, parameters, error, failed_at FROM failures ORDER BY id")]

    def export(self, fmt: str, task: str | None = None) -> str:
        """The table as ``"json"`` (a list of objects) or ``"csv"`` text.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> store = ResultStore(pathlib.Path(tempfile.mkdtemp()) / "r.sqlite")
        >>> _ = store.record("demo", {"n": 2}, {"p": Fraction(1, 4)}, seconds=0.5, host="h")
        >>> print(store.export("csv").splitlines()[0])
        n,p,p_float,task,seconds,host,chainlab_version,finished_at
        """
        rows = self.rows(task)
        if fmt == "json":
            return json.dumps(rows, indent=1) + "\n"
        if fmt == "csv":
            columns: list[str] = []
            for r in rows:
                for k in r:
                    if k not in columns:
                        columns.append(k)
            buf = io.StringIO()
            w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
            w.writeheader()
            for r in rows:
                w.writerow(r)
            return buf.getvalue()
        raise SpecError(f"export format must be 'csv' or 'json', got {fmt!r}")

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ResultStore({str(self.path)!r}, {len(self)} finished points)"


# ---------------------------------------------------------------------- running
@dataclasses.dataclass(frozen=True)
class SweepSummary:
    """What one call of :func:`run_sweep` did.

    Attributes
    ----------
    num_points : int
        Points in the grid.
    num_skipped : int
        Points already in the store (not recomputed).
    num_finished : int
        Points computed and stored by this call.
    failures : tuple of (dict, str)
        Parameters and error message of every point that raised (not stored as finished).
    seconds : float
        Wall time of the call.

    Examples
    --------
    >>> SweepSummary(num_points=3, num_skipped=1, num_finished=2, failures=(), seconds=0.5)
    SweepSummary(num_points=3, num_skipped=1, num_finished=2, failures=(), seconds=0.5)
    """

    num_points: int
    num_skipped: int
    num_finished: int
    failures: tuple[tuple[dict, str], ...]
    seconds: float

    @property
    def num_failed(self) -> int:
        """Number of points that raised."""
        return len(self.failures)


def _run_point(compute: Callable[[dict], Mapping[str, Any]], parameters: dict
               ) -> tuple[dict, float, str]:
    """Worker side: compute one point and canonicalise its values (so bad values fail here)."""
    started = time.perf_counter()
    values = compute(dict(parameters))
    if not isinstance(values, Mapping):
        raise SpecError(f"the sweep task returned {type(values).__name__}; return a dict")
    canon = {str(k): _canonical(v, f"value {k!r}") for k, v in values.items()}
    return canon, time.perf_counter() - started, socket.gethostname()


def _default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _connect(scheduler: str | None, workers: int | None, processes: bool,
             connect_timeout: float):
    """``(client, cluster_or_None)``: a LocalCluster by default, else an existing scheduler."""
    try:
        import logging

        from distributed import Client, LocalCluster
    except ImportError:
        raise SweepError(
            "sweeps run on Dask distributed, which is not installed: pip install "
            "'chainlab[sweep]' (or pass scheduler='inline' to run in this process)"
        ) from None
    if scheduler is None:
        n = _default_workers() if workers is None else workers
        # CRITICAL: a shutdown mid-sweep (Ctrl-C, kill) makes workers log connection errors
        # that say nothing useful; task errors still come back through their futures
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                               dashboard_address=None, silence_logs=logging.CRITICAL)
        try:
            return Client(cluster, timeout=connect_timeout), cluster
        except BaseException:
            cluster.close()
            raise
    try:
        client = Client(scheduler, timeout=connect_timeout)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise SweepError(
            f"could not reach the Dask scheduler at {scheduler!r} within {connect_timeout:g} s "
            f"({type(exc).__name__}: {exc}); check the address (tcp://host:port) and that "
            "the scheduler is running, or leave out the scheduler to use a local cluster"
        ) from None
    return client, None


def run_sweep(task: str, compute: Callable[[dict], Mapping[str, Any]],
              points: Sequence[Mapping[str, Any]], store: ResultStore, *,
              scheduler: str | None = None, workers: int | None = None,
              processes: bool = True, connect_timeout: float = 5.0,
              progress: Callable[[int, int, int, int], None] | None = None) -> SweepSummary:
    """Compute every point not yet in ``store`` and store each result as soon as it finishes.

    Parameters
    ----------
    task : str
        Task name, part of every point key (e.g. ``"gmm"``).
    compute : callable
        ``compute(parameters) -> dict of values``; a module-level function (workers import it).
    points : sequence of dict
        The parameter dicts (e.g. from :func:`expand_grid`); duplicates run once.
    store : ResultStore
    scheduler : str, optional
        ``None`` (default): start a Dask ``LocalCluster`` with ``workers`` single-threaded
        workers; ``"tcp://host:port"``: use that running scheduler; ``"inline"``: no Dask, run
        in this process one point after another.
    workers : int, optional
        Workers of the local cluster (default: the usable cores).
    processes : bool, default True
        Local cluster workers are processes (True) or threads of this process (False).
    connect_timeout : float, default 5
        Seconds to wait for a scheduler before raising :class:`SweepError`.
    progress : callable, optional
        Called as ``progress(done, total, skipped, failed)`` after every finished point
        (and once at the start).

    Returns
    -------
    SweepSummary

    Raises
    ------
    SweepError
        Dask missing, an unreachable scheduler.
    SpecError
        A value a point returned cannot be stored.

    See Also
    --------
    chainlab.sweep.expand_grid : The points of a grid.
    chainlab.sweep.ResultStore : The results file, read and resumed.
    chainlab.sweep.SweepSummary : What a call did.

    Notes
    -----
    Results are written by this process only, one transaction per point, in the order the
    points finish. An interrupt (``KeyboardInterrupt``) cancels the running points and closes
    the cluster; everything finished before is already in the store.

    Examples
    --------
    See the module docstring.
    """
    if not isinstance(task, str) or not task:
        raise SpecError(f"task must be a non-empty string, got {task!r}")
    started = time.perf_counter()
    by_key: dict[str, dict] = {}
    for p in points:
        by_key.setdefault(point_key(task, p), dict(p))
    done = store.finished_keys()
    todo = [(k, p) for k, p in by_key.items() if k not in done]
    skipped = len(by_key) - len(todo)
    total = len(by_key)
    finished = 0
    failures: list[tuple[dict, str]] = []

    def report() -> None:
        if progress is not None:
            progress(skipped + finished + len(failures), total, skipped, len(failures))

    def handle(params: dict, outcome: Any, error: BaseException | None) -> None:
        nonlocal finished
        if error is not None:
            msg = f"{type(error).__name__}: {error}"
            failures.append((params, msg))
            store.record_failure(task, params, msg)
        else:
            values, seconds, host = outcome
            store.record(task, params, values, seconds=seconds, host=host)
            finished += 1
        report()

    report()
    if todo:
        if scheduler == INLINE:
            for _, params in todo:
                try:
                    outcome = _run_point(compute, params)
                except Exception as exc:  # a failing point does not stop the sweep
                    handle(params, None, exc)
                else:
                    handle(params, outcome, None)
        else:
            _run_dask(compute, todo, handle, scheduler, workers, processes, connect_timeout)
    return SweepSummary(num_points=total, num_skipped=skipped, num_finished=finished,
                        failures=tuple(failures), seconds=time.perf_counter() - started)


def _run_dask(compute, todo, handle, scheduler, workers, processes, connect_timeout) -> None:
    from distributed import as_completed

    client, cluster = _connect(scheduler, workers, processes, connect_timeout)
    futures = []
    try:
        params_of = {}
        for key, params in todo:
            fut = client.submit(_run_point, compute, params, pure=False)
            params_of[fut.key] = params
            futures.append(fut)
        for fut in as_completed(futures):
            params = params_of[fut.key]
            try:
                outcome = fut.result()
            except Exception as exc:
                handle(params, None, exc)
            else:
                handle(params, outcome, None)
            fut.release()
    finally:
        try:
            if futures:
                client.cancel(futures)
            client.close()
        finally:
            if cluster is not None:
                cluster.close()


def _progress_bar(label: str, stream: Any = None) -> Callable[[int, int, int, int], None]:
    """A ``run_sweep`` progress callback drawing one line on a terminal."""
    from ._progress import ProgressEvent, terminal

    line = terminal(stream)
    t0 = time.perf_counter()

    def show(done: int, total: int, skipped: int, failed: int) -> None:
        extra = [f"{skipped} already done"] * bool(skipped) + [f"{failed} failed"] * bool(failed)
        line(ProgressEvent(label, done, total, "points", time.perf_counter() - t0,
                           ", ".join(extra), final=done >= total))

    return show
