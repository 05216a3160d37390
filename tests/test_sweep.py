"""Sweeps: grid expansion, the SQLite store, Dask execution, resume after a kill, CLI errors."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from fractions import Fraction as F
from pathlib import Path

import pytest

from chainlab.cli import main
from chainlab.errors import SpecError
from chainlab.stats import proportion
from chainlab.sweep import ResultStore, SweepError, expand_grid, point_key, run_sweep

GMM_EXAMPLE = ["sweep", "gmm", "--agents", "4", "--components", "4", "--memory", "2",
               "--neighbours", "1,2", "--mirror", "0,1/5,2/5"]
GMM_JSON_KEYS = {"num_states", "num_closed_classes", "num_polarized_classes",
                 "polarization_probability", "consensus_probability", "expected_rounds"}


def ruin_task(point):
    """Module-level (importable by Dask workers): fair gambler's ruin, exactly."""
    if point["i"] > point["N"]:
        raise ValueError(f"i={point['i']} > N={point['N']}")
    return {"win": F(point["i"], point["N"]), "steps": point["i"] * (point["N"] - point["i"])}


# ---------------------------------------------------------------------- grid and keys
def test_expand_grid_order_duplicates_and_fixed():
    pts = expand_grid({"k": [1, 2, 1], "p": [F(0), "0", F(1, 5)]}, fixed={"n": 4})
    assert pts == [{"n": 4, "k": 1, "p": F(0)}, {"n": 4, "k": 1, "p": F(1, 5)},
                   {"n": 4, "k": 2, "p": F(0)}, {"n": 4, "k": 2, "p": F(1, 5)}]
    assert expand_grid({}) == [{}]


@pytest.mark.parametrize("axes,fixed,match", [
    ({"k": []}, None, "axis 'k' has no values"),
    ({"k": "12"}, None, "must be a list of values"),
    ({"k": [1]}, {"k": 2}, "both an axis and a fixed parameter"),
    ({"k": [object()]}, None, "sweep values must be"),
], ids=["empty", "string", "duplicate", "type"])
def test_expand_grid_errors(axes, fixed, match):
    with pytest.raises(SpecError, match=match):
        expand_grid(axes, fixed=fixed)


def test_point_key_is_canonical():
    assert point_key("t", {"p": F(1, 5), "n": 3}) == point_key("t", {"n": 3, "p": "1/5"})
    assert point_key("t", {"n": 3}) != point_key("u", {"n": 3})


# ---------------------------------------------------------------------- store
def test_store_records_once_and_exports(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as store:
        assert store.record("t", {"n": 2}, {"p": F(1, 3), "ok": True}, seconds=0.5)
        assert not store.record("t", {"n": 2}, {"p": F(1, 2)}, seconds=0.5)
        assert store.record("t", {"n": 3}, {"p": 0.25}, seconds=0.5)
        rows = json.loads(store.export("json"))
        assert [(r["n"], r["p"]) for r in rows] == [(2, "1/3"), (3, 0.25)]
        assert rows[0]["p_float"] == pytest.approx(1 / 3) and "p_float" not in rows[1]
        assert rows[0]["chainlab_version"] and rows[0]["seconds"] == 0.5
        csv_lines = store.export("csv").splitlines()
        assert csv_lines[0].startswith("n,p,ok,p_float,task,seconds")
        assert len(csv_lines) == 3
        with pytest.raises(SpecError, match="'csv' or 'json'"):
            store.export("xml")
    with pytest.raises(SpecError, match="no results database"):
        ResultStore(tmp_path / "missing.sqlite", create=False)


def test_store_refuses_a_file_that_is_not_a_database(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_text("this is not sqlite\n" * 100)
    with pytest.raises(SweepError, match="not a usable results database"):
        ResultStore(bad)


# ---------------------------------------------------------------------- running
def test_inline_sweep_resumes_and_retries_failures(tmp_path):
    points = expand_grid({"N": [2, 4], "i": [1, 3]})
    calls = []
    with ResultStore(tmp_path / "r.sqlite") as store:
        s = run_sweep("ruin", ruin_task, points, store, scheduler="inline",
                      progress=lambda *a: calls.append(a))
        assert (s.num_points, s.num_finished, s.num_skipped, s.num_failed) == (4, 3, 0, 1)
        assert "i=3 > N=2" in s.failures[0][1] and store.failures()[0]["parameters"] == \
            {"N": 2, "i": 3}
        assert calls[0] == (0, 4, 0, 0) and calls[-1] == (4, 4, 0, 1)
        again = run_sweep("ruin", ruin_task, points, store, scheduler="inline")
        assert (again.num_finished, again.num_skipped, again.num_failed) == (0, 3, 1)
        assert len(store) == 3
        assert {(r["N"], r["i"]): r["win"] for r in store.rows()} == \
            {(2, 1): "1/2", (4, 1): "1/4", (4, 3): "3/4"}


def test_dask_local_cluster_matches_inline(tmp_path):
    pytest.importorskip("distributed")
    points = expand_grid({"N": [3, 5], "i": [1, 2]})
    with ResultStore(tmp_path / "a.sqlite") as a, ResultStore(tmp_path / "b.sqlite") as b:
        run_sweep("ruin", ruin_task, points, a, scheduler="inline")
        s = run_sweep("ruin", ruin_task, points, b, workers=2, processes=False)
        assert s.num_finished == 4
        strip = ("seconds", "finished_at", "host")
        key = lambda r: (r["N"], r["i"])  # noqa: E731 - completion order may differ
        assert sorted(({k: v for k, v in r.items() if k not in strip} for r in a.rows()),
                      key=key) == \
            sorted(({k: v for k, v in r.items() if k not in strip} for r in b.rows()), key=key)


def test_unreachable_scheduler_fails_fast(tmp_path, capsys):
    pytest.importorskip("distributed")
    t0 = time.perf_counter()
    code = main(["sweep", "gmm", "--agents", "3", "--scheduler", "tcp://127.0.0.1:9",
                 "--connect-timeout", "1", "--db", str(tmp_path / "r.sqlite")])
    assert code == 2 and time.perf_counter() - t0 < 10
    err = capsys.readouterr().err
    assert "could not reach the Dask scheduler at 'tcp://127.0.0.1:9' within 1 s" in err


# ---------------------------------------------------------------------- command line
@pytest.mark.parametrize("argv,match", [
    (["sweep", "gmm", "--neighbours", ",", "--db", "{db}"], "--neighbours is empty"),
    (["sweep", "gmm", "--neighbours", "1,,2", "--db", "{db}"], "has an empty item"),
    (["sweep", "gmm", "--agents", "3", "--neighbours", "1,5", "--db", "{db}"],
     "grid point neighbours=5: neighbours=5 but there are only 2 other agents"),
    (["sweep", "gmm", "--mirror", "0,1/0", "--db", "{db}"], "--mirror '1/0': '1/0' is not a number"),
    (["sweep", "gmm", "--ties", "random,foo", "--db", "{db}"], "--ties 'foo': choose from"),
    (["sweep", "gmm", "--agents", "3"], "--db FILE is required"),
    (["sweep", "--db", "{db}"], "give a model to sweep"),
    (["sweep", "--db", "{db}", "--export", "json"], "no results database"),
    (["sweep", "gmm", "--inline", "--scheduler", "tcp://x:1", "--db", "{db}"], "exclude"),
], ids=["empty-grid", "empty-item", "bad-point", "bad-number", "bad-choice", "no-db",
        "nothing-to-do", "no-database", "inline-and-scheduler"])
def test_cli_bad_input_is_a_clear_error(argv, match, tmp_path, capsys):
    argv = [a.replace("{db}", str(tmp_path / "r.sqlite")) for a in argv]
    t0 = time.perf_counter()
    assert main(argv) == 2
    assert match in capsys.readouterr().err
    assert time.perf_counter() - t0 < 5


def test_cli_unknown_parameter(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["sweep", "gmm", "--colour", "1,2", "--db", "x.sqlite"])
    assert exc.value.code == 2
    assert "unrecognized arguments: --colour" in capsys.readouterr().err


def test_cli_inline_sweep_exports_gmm_json_keys(tmp_path, capsys):
    db = tmp_path / "r.sqlite"
    assert main(["sweep", "gmm", "--agents", "3", "--components", "3", "--memory", "2",
                 "--neighbours", "1,2", "--mirror", "0,0.2", "--inline", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["sweep", "--db", str(db), "--export", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["neighbours"], r["mirror"]) for r in rows] == \
        [(1, "0"), (1, "1/5"), (2, "0"), (2, "1/5")]
    assert main(["gmm", "--agents", "3", "--components", "3", "--memory", "2", "--neighbours",
                 "2", "--mirror", "1/5", "--json"]) == 0
    direct = json.loads(capsys.readouterr().out)
    # the instance is stored as the point's own columns, not as a nested object
    instance, notes = direct.pop("instance"), direct.pop("notes")
    assert "faithful" in notes[-1] and instance["start"] == [0, 1, 2]
    for key in ("agents", "components", "memory", "neighbours", "mirror", "ties", "spacing",
                "method", "chainlab_version"):
        assert rows[3][key] == instance[key], key
    assert set(direct) <= set(rows[3]) and {k: rows[3][k] for k in direct} == direct
    assert {"agents", "components", "memory", "ties", "method"} <= set(rows[0])
    out = tmp_path / "table.csv"
    assert main(["sweep", "--db", str(db), "--export", "csv", "--output", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 5


def test_cli_simulated_estimates_are_reproducible_and_contain_the_exact_value(tmp_path, capsys):
    rows = []
    for name in ("a.sqlite", "b.sqlite"):
        db = str(tmp_path / name)
        assert main(["sweep", "gmm", "--agents", "4", "--components", "4", "--memory", "2",
                     "--mirror", "0,1/5", "--simulate", "1500", "--seed", "7", "--inline",
                     "--db", db]) == 0
        with ResultStore(db, create=False) as store:
            rows.append(store.rows())
    first, second = rows
    assert [r["simulated_polarized"] for r in first] == \
        [r["simulated_polarized"] for r in second]
    for r in first:
        assert r["simulate"] == 1500 and r["seed"] == 7 and r["simulated_truncated"] == 0
        exact_value = F(r["polarization_probability"])
        # the stored interval is the 95% Clopper-Pearson interval of the stored counts ...
        est = proportion(r["simulated_polarized"], r["simulated_samples"])
        assert (r["simulated_ci_low"], r["simulated_ci_high"]) == pytest.approx(est.ci, abs=1e-15)
        # ... and the exact value lies in the 99.99% interval: a 95% interval at one seed
        # misses one time in twenty, and every change of state numbering redraws the sample
        wide = proportion(r["simulated_polarized"], r["simulated_samples"], confidence=0.9999)
        assert wide.ci[0] <= exact_value <= wide.ci[1]
    assert main(["sweep", "gmm", "--simulate", "0", "--db", str(tmp_path / "c.sqlite")]) == 2
    assert "--simulate must be a positive number" in capsys.readouterr().err


# ---------------------------------------------------------------------- kill and resume
def _count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM points").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not created yet
        return 0


def _table(db: Path) -> dict:
    with ResultStore(db, create=False) as store:
        rows = store.rows()
    strip = ("seconds", "finished_at", "host")
    return {json.dumps({k: r[k] for k in ("neighbours", "mirror")}):
            {k: v for k, v in r.items() if k not in strip} for r in rows}


def test_killed_sweep_resumes_without_losing_or_repeating_points(tmp_path):
    pytest.importorskip("distributed")
    db = tmp_path / "results.sqlite"
    cmd = [sys.executable, "-m", "chainlab.cli", *GMM_EXAMPLE, "--db", str(db), "--workers",
           "1", "--no-progress"]
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while _count(db) < 2:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the sweep wrote no results in 60 s"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        proc.stderr.close()
    killed = _count(db)
    assert 2 <= killed < 6, "the sweep finished before it could be killed"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # resume: the same command finishes the remaining points only
    done = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{6 - killed} computed, {killed} already done" in done.stderr
    with sqlite3.connect(db) as conn:
        keys = [k for (k,) in conn.execute("SELECT key FROM points")]
    assert len(keys) == len(set(keys)) == 6
    # values identical to a fresh (inline) run of the same sweep
    fresh = tmp_path / "fresh.sqlite"
    assert main([*GMM_EXAMPLE, "--inline", "--db", str(fresh)]) == 0
    assert _table(db) == _table(fresh)
    rows = _table(db)
    assert all(GMM_JSON_KEYS <= set(r) for r in rows.values())


def test_sigterm_stops_cleanly_with_a_resume_hint(tmp_path):
    db = tmp_path / "results.sqlite"
    cmd = [sys.executable, "-m", "chainlab.cli", *GMM_EXAMPLE, "--db", str(db), "--inline",
           "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while _count(db) < 1:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    saved = _count(db)
    if proc.returncode == 0:  # finished before the signal arrived: nothing to check
        assert saved == 6
        return
    assert proc.returncode == 130
    assert f"{saved} new point(s) saved in {db} before the interrupt" in err
    assert "Traceback" not in err
