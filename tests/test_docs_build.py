"""The documentation site builds with no warning, with a page per public module and name.

The same build as ``python -m sphinx -W --keep-going -b html docs docs/_build/html``, into a
temporary folder. The docs tools come with the ``test`` extra (through ``docs``); without them
the test is skipped and says so.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

_TOOLS = {"sphinx": "sphinx", "numpydoc": "numpydoc", "myst_parser": "myst-parser",
          "pydata_sphinx_theme": "pydata-sphinx-theme", "sphinxarg": "sphinx-argparse"}
_MISSING = [dist for mod, dist in _TOOLS.items() if importlib.util.find_spec(mod) is None]

pytestmark = pytest.mark.skipif(
    bool(_MISSING),
    reason=f"the docs tools are not installed ({', '.join(_MISSING)}): pip install -e '.[docs]'",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    html, doctrees = out / "html", out / "doctrees"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(doctrees), str(DOCS), str(html)],
        capture_output=True, text=True, cwd=ROOT, timeout=600,
    )
    assert proc.returncode == 0, f"sphinx failed:\n{proc.stderr[-6000:]}"
    # -q prints only warnings and errors; with -W any of them fails the build above
    assert not re.search(r"WARNING|ERROR", proc.stderr), proc.stderr[-6000:]
    return html


def _public_modules() -> list[str]:
    sys.path.insert(0, str(DOCS))
    try:
        conf = importlib.import_module("conf")
        return conf.public_modules()
    finally:
        sys.path.remove(str(DOCS))
        sys.modules.pop("conf", None)


def test_site_has_the_guide_the_proofs_and_the_reference(site):
    for page in ["index", "guide", "testing_your_model", "sweeps", "bounds", "fidelity",
                 "proofs", "proofs/claims", "api/index"]:
        assert (site / f"{page}.html").is_file(), page
    for proof in (ROOT / "proofs").glob("*.md"):
        if proof.name != "README.md":
            assert (site / "proofs" / f"{proof.stem}.html").is_file(), proof.name
    assert "ABS-1" in (site / "proofs" / "claims.html").read_text(encoding="utf-8")


def test_every_public_module_and_name_has_a_page(site):
    generated = site / "api" / "generated"
    modules = _public_modules()
    for required in ["chainlab", "chainlab.exact", "chainlab.numeric", "chainlab.structure",
                     "chainlab.io", "chainlab.compiler", "chainlab.models", "chainlab.bounds",
                     "chainlab.parametric", "chainlab.testing", "chainlab.errors"]:
        assert required in modules
    for name in modules:
        assert (generated / f"{name}.html").is_file(), name
        mod = importlib.import_module(name)
        parent = name.rpartition(".")[0]
        facade = set(importlib.import_module(parent).__all__) if parent in modules else set()
        for member in mod.__all__:
            obj = getattr(mod, member)
            if inspect.ismodule(obj) or not callable(obj):
                continue  # modules have their own page; constants are shown on the module's
            owner = parent if member in facade else name
            assert (generated / f"{owner}.{member}.html").is_file(), f"{name}.{member}"


def test_see_also_links_resolve(site):
    page = (site / "api" / "generated" / "chainlab.exact.absorption.html").read_text("utf-8")
    see_also = page[page.index("See also"):]
    assert 'href="chainlab.numeric.absorption.html' in see_also


def test_cli_reference_lists_every_subcommand_and_option(site):
    """docs/cli.md is generated from the parser itself: every subcommand and every long option
    of ``chainlab`` appears on the page."""
    import argparse

    from chainlab.cli import build_parser

    page = (site / "cli.html").read_text(encoding="utf-8")
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert {"info", "analyze", "check", "gmm", "simulate-gmm", "bounds", "sweep"} <= \
        set(subparsers.choices)
    for name, sub in subparsers.choices.items():
        assert f'id="chainlab-{name}"' in page, name
        for action in sub._actions:
            for flag in action.option_strings:
                if flag.startswith("--"):
                    assert flag in page, f"{name} {flag}"
