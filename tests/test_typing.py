"""The package type-checks: ``python -m mypy chainlab`` (configured in pyproject.toml's
``[tool.mypy]``) reports no errors.

mypy comes with the ``test`` extra; the cache is the default ``.mypy_cache`` of the checkout
(git-ignored), so a second run only re-checks the modules that changed.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                    reason="mypy is not installed (pip install -e '.[test]' installs it)")
@pytest.mark.skipif(not (ROOT / "pyproject.toml").is_file() or not (ROOT / "chainlab").is_dir(),
                    reason="needs the source checkout (pyproject.toml holds the mypy settings)")
def test_mypy_reports_no_errors():
    proc = subprocess.run([sys.executable, "-m", "mypy", "chainlab"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    report = (proc.stdout + proc.stderr).strip()
    assert proc.returncode == 0, f"python -m mypy chainlab failed:\n{report}"
    assert report.startswith("Success: no issues found"), report
