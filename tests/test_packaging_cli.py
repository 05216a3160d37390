"""What a user sees of the optional parts: `chainlab --version` / `chainlab info` name the C
extensions in use, and `chainlab sweep` without Dask names the `sweep` extra."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from chainlab import __version__
from chainlab.cli import C_EXTENSIONS, extension_status, main

ROOT = Path(__file__).resolve().parents[1]


def _setup_extensions() -> list[str]:
    tree = ast.parse((ROOT / "setup.py").read_text())
    return [node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Extension"]


def test_extension_list_matches_setup_py():
    assert [name for name, _ in C_EXTENSIONS] == _setup_extensions()


def test_version_names_every_extension_and_whether_it_imports(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"chainlab {__version__}"
    for name, _ in C_EXTENSIONS:
        try:
            importlib.import_module(name)
            built = True
        except ImportError:
            built = False
        assert f"  {name}: {'in use' if built else 'not built'}" in out


def test_version_reports_a_missing_extension_and_its_fallback(monkeypatch, capsys):
    name, fallback = C_EXTENSIONS[1]
    monkeypatch.setitem(sys.modules, name, None)  # None in sys.modules: the import fails
    status = dict(extension_status())
    assert status[name] == "not built"
    with pytest.raises(SystemExit):
        main(["--version"])
    out = capsys.readouterr().out
    used = sum(reason is None for reason in status.values())
    assert f"C extensions: {used} of {len(C_EXTENSIONS)} in use" in out
    assert f"{name}: not built; using {fallback} instead" in out


def test_extension_failing_to_load_is_reported(monkeypatch):
    name = C_EXTENSIONS[0][0]
    real = importlib.import_module

    def broken(mod, *args, **kwargs):
        if mod == name:
            raise ImportError("undefined symbol: PyFoo")
        return real(mod, *args, **kwargs)

    monkeypatch.setattr(importlib, "import_module", broken)
    assert dict(extension_status())[name] == "fails to load: undefined symbol: PyFoo"


def test_info_subcommand(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"chainlab {__version__}\n")
    assert "optional extras:" in out and "  sweep: " in out and "  plot: " in out


def test_version_console_entry_in_a_fresh_process():
    out = subprocess.run([sys.executable, "-m", "chainlab.cli", "--version"],
                         capture_output=True, text=True, check=True).stdout
    assert out.startswith("chainlab ") and "C extensions:" in out


GMM = ["sweep", "gmm", "--agents", "3", "--components", "3", "--memory", "1"]


@pytest.mark.parametrize("missing", [("dask", "distributed"), ("distributed",)])
def test_sweep_without_dask_names_the_extra(monkeypatch, capsys, tmp_path, missing):
    for mod in missing:
        monkeypatch.setitem(sys.modules, mod, None)
    code = main([*GMM, "--db", str(tmp_path / "r.sqlite")])
    err = capsys.readouterr().err
    assert code == 2
    assert "pip install 'chainlab[sweep]'" in err and "--inline" in err
    assert "Traceback" not in err


def test_inline_sweep_needs_no_dask(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "distributed", None)
    assert main([*GMM, "--inline", "--db", str(tmp_path / "r.sqlite")]) == 0
    assert "1 computed" in capsys.readouterr().err
