"""The sdist carries what the test suite needs: built here with ``python -m build --sdist``, its
file list is checked against what the tests read, and tests that failed from an unpacked sdist
(a helper module import, the examples) run from it.

From an unpacked sdist the suite runs as from a clone: ``pip install -e '.[test]'`` (which
builds the optional C extensions in place, so the tests that check them find them) and
``python -m pytest``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: files and folders the tests read outside chainlab/ (conftest, helpers, data, examples, docs)
NEEDED = [
    "tests/__init__.py", "tests/conftest.py", "tests/_references.py",
    "benchmarks/_reference_compiler.py", "README.md", "setup.py", "pyproject.toml",
    "MANIFEST.in", "docs/conf.py", "docs/guide.md", "proofs/README.md",
    "chainlab/data/gamblers_ruin.drn", "chainlab/_compile/_ckernel.c",
    "chainlab/_io/_cparse.c", "chainlab/_analysis/_cgraph.c",
]
#: folders shipped whole (every file of them in the source tree, less generated ones)
TREES = ["tests", "examples", "docs", "proofs", "benchmarks"]
GENERATED = ("docs/_build/", "docs/api/generated/", "docs/proofs/", "benchmarks/out/")


def _source_files() -> set[str]:
    """The files of TREES in this source tree: git's list in a clone, else the folders."""
    if (ROOT / ".git").exists() and shutil.which("git"):
        out = subprocess.run(["git", "ls-files", "--", *TREES], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
        return {p for p in out if (ROOT / p).is_file()}
    return {str(p.relative_to(ROOT)) for tree in TREES for p in (ROOT / tree).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


@pytest.fixture(scope="module")
def sdist(tmp_path_factory):
    pytest.importorskip("build", reason="the `build` package (test extra) builds the sdist")
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "build", "--sdist", "--outdir", str(out),
                           str(ROOT)], capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (archive,) = out.glob("chainlab-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        tar.extractall(out, filter="data")
    top = names[0].split("/")[0]
    return out / top, {n.split("/", 1)[1] for n in names if "/" in n}


def test_sdist_ships_what_the_tests_need(sdist):
    _, files = sdist
    missing = [p for p in NEEDED if p not in files]
    assert not missing, f"the sdist lacks {missing}: add them to MANIFEST.in"
    source = {p for p in _source_files() if not p.startswith(GENERATED)}
    left_out = sorted(source - files)
    assert not left_out, f"the sdist lacks {left_out[:10]}: add them to MANIFEST.in"
    assert any(p.startswith("examples/ex_") for p in files)
    junk = sorted(p for p in files if p.endswith((".so", ".pyc", ".pyd"))
                  or p.startswith(GENERATED) or "/__pycache__/" in p)
    assert not junk, f"the sdist ships build products: {junk[:10]}"


def test_tests_run_from_the_unpacked_sdist(sdist):
    """Tests that failed from an unpacked sdist: one imports the helper module tests/_references
    (which loads benchmarks/_reference_compiler.py), one needs examples/."""
    top, _ = sdist
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly",
         "tests/test_compiler.py::test_LUMP_1", "tests/test_examples.py::test_there_are_examples",
         "tests/test_examples.py::test_example_runs[ex_gamblers_ruin]"],
        cwd=top, capture_output=True, text=True, timeout=240, check=False)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and "error" not in proc.stdout.lower()
