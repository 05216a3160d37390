"""Command-line conventions (issue 13, item 6) and bounds on huge instances (item 1).

Broken pipes, typo suggestions, one table of short flags, no folder created for an output file,
files written with the umask's mode; ``chainlab bounds`` on a 30-agent instance answers in
seconds.
"""

from __future__ import annotations

import argparse
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chainlab.cli import build_parser, main
from chainlab.cli._conventions import BROKEN_PIPE_STATUS, SHORT_FLAGS, subparsers
from chainlab.errors import SpecError


def _run_closed_stdout(args: list[str]) -> subprocess.CompletedProcess:
    """``chainlab ARGS`` with a stdout pipe whose reader is already gone (as after ``head``)."""
    r, w = os.pipe()
    os.close(r)
    try:
        return subprocess.run([sys.executable, "-m", "chainlab.cli", *args], stdout=w,
                              stderr=subprocess.PIPE, text=True, timeout=120, check=False)
    finally:
        os.close(w)


# --------------------------------------------------------------------------- broken pipe
@pytest.mark.parametrize("args", [["analyze", "--json"], ["gmm", "-n", "3", "-K", "3"],
                                  ["--version"], ["gmm", "--help"]])
def test_a_closed_pipe_ends_quietly_with_141(args):
    done = _run_closed_stdout(args)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    # (argparse's --help swallows the error itself and exits 0)
    assert BROKEN_PIPE_STATUS == 141
    assert done.returncode == (0 if "--help" in args else BROKEN_PIPE_STATUS)


def test_piped_into_head_prints_the_head_only(tmp_path):
    done = subprocess.run(f"{sys.executable} -m chainlab.cli gmm -n 4 -K 4 | head -1",
                          shell=True, capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.startswith("GMM agents") and done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr


# --------------------------------------------------------------------------- typos
def test_typo_names_the_close_option_with_the_subcommand_usage(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["gmm", "--neighbors", "2"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: chainlab gmm ")
    assert "chainlab gmm: error: unrecognized argument --neighbors; did you mean --neighbours?" \
        in err


def _typo(option: str) -> str:
    """``option`` with one inner letter dropped (``--neighbours`` -> ``--neighburs``)."""
    body = option[2:]
    cut = len(body) // 2
    return "--" + body[:cut] + body[cut + 1:]


def _required(prog: str) -> list[str]:
    return {"chainlab check": ["m.pm", "--property", "P=? [ F x=1 ]"]}.get(prog, [])


def _every_subcommand():
    out = []
    for prog, sub in subparsers(build_parser()):
        if any(isinstance(a, argparse._SubParsersAction) and a.required for a in sub._actions):
            continue
        longs = [s for s in sub._option_string_actions if s.startswith("--")
                 and len(s) > 5 and s != "--help"]
        out.append((prog, min(longs) if longs else "--memory-budget"))  # (main adds it)
    return out


@pytest.mark.parametrize("prog,option", _every_subcommand(), ids=lambda v: str(v))
def test_every_subcommand_suggests_its_own_option(capsys, prog, option):
    typo = _typo(option)
    argv = prog.split()[1:] + _required(prog) + [typo]
    with pytest.raises(SystemExit):
        main(argv)
    err = capsys.readouterr().err
    assert err.startswith(f"usage: {prog} "), err
    assert f"{prog}: error: unrecognized argument {typo}; did you mean " in err, err


def test_typo_in_a_subcommand_name_and_a_choice(capsys):
    with pytest.raises(SystemExit):
        main(["gmmm"])
    assert "did you mean 'gmm'?" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["simulate-gmm", "--ties", "randm"])
    assert "did you mean 'random'?" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--verison"])
    assert "unrecognized argument --verison; did you mean --version?" in \
        capsys.readouterr().err


def test_unknown_argument_without_close_match_keeps_argparse_wording(capsys):
    with pytest.raises(SystemExit):
        main(["gmm", "--zzzzzz"])
    assert "chainlab gmm: error: unrecognized arguments: --zzzzzz" in capsys.readouterr().err


# --------------------------------------------------------------------------- short flags
def test_every_short_flag_means_one_option_on_every_subcommand():
    """The audit: a letter of SHORT_FLAGS always comes with its long option, and every
    subcommand with that long option has the letter."""
    wrong = []
    for prog, sub in subparsers(build_parser()):
        for action in sub._actions:
            strings = set(action.option_strings)
            for short, (long, _) in SHORT_FLAGS.items():
                if short in strings and long not in strings:
                    wrong.append(f"{prog}: {short} is {sorted(strings)}, not {long}")
                if long in strings and short not in strings:
                    wrong.append(f"{prog}: {long} has no {short}")
            for s in strings:
                if len(s) == 2 and s not in SHORT_FLAGS and s != "-h":
                    wrong.append(f"{prog}: {s} is not in the short-flag table")
    assert not wrong, wrong


@pytest.mark.parametrize("command", ["gmm", "bounds", "simulate-gmm"])
def test_short_and_long_spellings_parse_alike(command):
    p = build_parser()
    short = p.parse_args([command, "-n", "5", "-K", "3", "-r", "2", "-k", "2", "-p", "1/5"])
    long = p.parse_args([command, "--agents", "5", "--components", "3", "--memory", "2",
                         "--neighbours", "2", "--mirror", "1/5"])
    assert vars(short) == vars(long)
    assert (short.agents, short.components, short.memory, short.neighbours) == (5, 3, 2, 2)


def test_output_flag_and_the_old_spellings():
    p = build_parser()
    assert p.parse_args(["gmm", "-o", "a.tra"]).export == Path("a.tra")
    assert p.parse_args(["gmm", "--export", "a.tra"]).export == Path("a.tra")
    assert p.parse_args(["bounds", "-o", "d"]).out == Path("d")
    assert p.parse_args(["bounds", "--out", "d"]).out == Path("d")
    assert p.parse_args(["sweep", "--db", "r.db", "-o", "x.csv"]).output == Path("x.csv")


def test_help_names_the_short_flag_table(capsys):
    with pytest.raises(SystemExit):
        main(["simulate-gmm", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--agents AGENTS, -n AGENTS" in out and "Short flags mean the same on every chainlab command" in out


# --------------------------------------------------------------------------- output folders
def test_gmm_export_into_a_missing_folder_is_refused(tmp_path, capsys):
    target = tmp_path / "missing" / "five.tra"
    assert main(["gmm", "-n", "3", "-K", "3", "--export", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"folder {tmp_path / 'missing'} does not exist" in err and "create it" in err
    assert not (tmp_path / "missing").exists()


def test_simulate_plot_and_sweep_output_into_missing_folders(tmp_path, capsys):
    assert main(["simulate-gmm", "-n", "3", "-K", "3", "--runs", "2", "--rounds", "3",
                 "--plot", str(tmp_path / "no" / "p.png")]) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["sweep", "--db", str(tmp_path / "r.db"), "--export", "csv",
              "-o", str(tmp_path / "no" / "x.csv")])
    assert f"folder {tmp_path / 'no'} does not exist" in capsys.readouterr().err
    assert not (tmp_path / "no").exists()


def test_bounds_output_dir_needs_an_existing_parent(tmp_path, capsys):
    started = time.perf_counter()
    assert main(["bounds", "--sharpness", "--output", str(tmp_path / "a" / "b")]) == 2
    assert time.perf_counter() - started < 5  # refused before the study
    assert f"folder {tmp_path / 'a'} does not exist" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()


def test_the_library_writer_refuses_unless_asked(tmp_path):
    from chainlab import Chain
    from chainlab._io.atomic import write_text
    from chainlab.io import write_drn

    with pytest.raises(SpecError, match="does not exist"):
        write_drn(Chain([[1]]), tmp_path / "new" / "c.drn")
    assert not (tmp_path / "new").exists()
    write_text(tmp_path / "made" / "x.txt", "hi", create_folder=True)
    assert (tmp_path / "made" / "x.txt").read_text() == "hi"
    with pytest.raises(SpecError, match="create_folder"):
        write_text(tmp_path / "x.txt", "hi", create_folder="yes")


# --------------------------------------------------------------------------- umask
def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_written_files_honour_the_umask(tmp_path, umask, capsys):
    pytest.importorskip("matplotlib")
    old = os.umask(umask)
    try:
        assert main(["gmm", "-n", "3", "-K", "3", "-o", str(tmp_path / "c.tra")]) == 0
        assert main(["simulate-gmm", "-n", "3", "-K", "3", "--runs", "2", "--rounds", "3",
                     "--seed", "1", "--plot", str(tmp_path / "s.png")]) == 0
        assert main(["bounds", "--paper-scale", "--paper-agents", "4", "--paper-components",
                     "4", "--paper-memory", "2", "--paper-k", "1", "--paper-p", "0",
                     "--paper-ties", "random", "--runs", "5", "--no-continuous",
                     "-o", str(tmp_path / "study")]) == 0
        assert main(["sweep", "--db", str(tmp_path / "r.db"), "gmm", "-n", "2", "-K", "2",
                     "--inline", "--no-progress"]) == 0
        assert main(["sweep", "--db", str(tmp_path / "r.db"), "--export", "csv",
                     "-o", str(tmp_path / "r.csv")]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    files = [p for p in tmp_path.rglob("*") if p.is_file() and not p.name.startswith("r.db-")]
    assert {p.name for p in files} >= {"c.tra", "c.lab", "c.sta", "s.png", "paper_scale.png",
                                       "paper_scale.csv", "r.db", "r.csv"}
    assert {p.name: oct(_mode(p)) for p in files} == {p.name: oct(0o666 & ~umask)
                                                     for p in files if p.name != "r.db"} | \
        {"r.db": oct(0o644 & ~umask)}  # SQLite creates its file 0o644 less the umask
    assert _mode(tmp_path / "study") == 0o777 & ~umask  # the one directory asked for


# --------------------------------------------------------------------------- bounds, huge
def test_bounds_on_a_paper_scale_instance_answers_in_seconds():
    """n = K = 30, r = 5, k = 5: was silent for 100 s at 9 GB (the compiler's first expansion)."""
    # the peak resident set of this process alone (VmHWM; ru_maxrss survives exec on Linux)
    code = ("import sys; from chainlab.cli import main; "
            "rc = main(['bounds', '-n', '30', '-K', '30', '-r', '5', '-k', '5']); "
            "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')]; "
            "print('MAXRSS', hwm[0].split()[1] if hwm else 0); sys.exit(rc)")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    assert elapsed < 20, elapsed  # about 1.3 s alone on this machine
    out = done.stdout
    assert "sequence  BND-4" in out
    assert "the start state alone may have up to" in out and "--paper-scale" in out
    assert "pass --samples 10000 to run them anyway" in out or "simulation: 10,000 runs" in out
    rss_kib = int(out.split("MAXRSS")[1])
    assert rss_kib < 1_000_000, rss_kib  # under 1 GB (was 9 GB)


def test_bounds_refuses_when_no_bound_fits(monkeypatch, capsys):
    import chainlab.bounds as B

    def no_plan(model):
        raise SpecError("no plan")

    monkeypatch.setattr(B, "sequence_bound", no_plan)
    assert main(["bounds", "-n", "30", "-K", "30", "-r", "5", "-k", "5", "--samples", "0"]) == 2
    err = capsys.readouterr().err
    assert "no per-instance bound fits this instance" in err and "--paper-scale" in err


def test_bounds_small_instance_is_unchanged(capsys):
    assert main(["bounds", "--samples", "0"]) == 0
    out = capsys.readouterr().out
    assert "exact P(polarization) = 0.3406171399" in out and "coupling  " in out
    assert "restricted(2)" in out and "not applicable" not in out
