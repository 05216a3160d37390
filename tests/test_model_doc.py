"""docs/model.md is the project's own model document (issue 13, item 5): every citation of it
names a section it has, nothing cites documents outside the project, and the defaults it states
are the commands' defaults."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "docs" / "model.md"
# built from pieces so that this file does not cite them itself
OUTSIDE = ["DESIGN" + ".md", "CONVENTIONS" + ".md", "../" + "shared"]


def _project_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    files = []
    for name in out.splitlines():
        path = ROOT / name
        if path.suffix in {".py", ".md", ".rst", ".txt", ".toml", ".cfg", ".c"} and path.is_file():
            files.append(path)
    return files


def _headings() -> set[str]:
    return {m.group(1).strip() for m in re.finditer(r"^#+ (.+)$", MODEL.read_text(), re.M)}


def _anchor(heading: str) -> str:
    return re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")


def test_model_document_names_its_source_and_its_parts():
    text = MODEL.read_text()
    assert "arXiv:2506.00077" in text
    for section in ("Source", "The continuous model", "The discretized chain", "Tie rules",
                    "Polarization", "Defaults", "When the chain is faithful", "Exported chains"):
        assert section in _headings(), section
    assert "7.5 sigma" in text and "docs/fidelity.md" in text  # the spacing caveat


def test_nothing_cites_documents_outside_the_project():
    offenders = [f"{p.relative_to(ROOT)}: {name}" for p in _project_files()
                 for name in OUTSIDE if name in p.read_text(errors="replace")]
    assert offenders == []


def test_every_citation_of_the_model_document_names_one_of_its_sections():
    headings = _headings()
    anchors = {_anchor(h) for h in headings}
    cited = quoted = 0
    for path in _project_files():
        text = path.read_text(errors="replace")
        for m in re.finditer(r"model\.md#([a-z0-9-]+)", text):
            assert m.group(1) in anchors, f"{path}: #{m.group(1)}"
            cited += 1
        for m in re.finditer(r"docs/model\.md(?:,\s*|\s*\(|\s+)\\?\"([^\"\\\n]+)\\?\"", text):
            assert m.group(1) in headings, f"{path}: {m.group(1)!r}"
            quoted += 1
    assert cited >= 5 and quoted >= 10


def test_the_documented_defaults_are_the_commands_defaults():
    from chainlab.cli import build_parser

    parser = build_parser()
    text = MODEL.read_text()
    row = {m.group(1): (m.group(2).strip(), m.group(3).strip())
           for m in re.finditer(r"^\| ([^|]+?) \| ([^|]+) \| ([^|]+) \|$", text, re.M)}
    gmm, sim = parser.parse_args(["gmm"]), parser.parse_args(["simulate-gmm"])
    bounds = parser.parse_args(["bounds"])
    assert row["tie rule `--ties`"] == (f"`{gmm.ties}`", f"`{sim.ties}`")
    assert bounds.ties == gmm.ties and bounds.neighbours == gmm.neighbours
    assert row["neighbours `--neighbours` (`k`)"] == (str(gmm.neighbours), str(sim.neighbours))
    assert row["spacing `--spacing`"] == (str(gmm.spacing), f"{sim.spacing:g}")
    sizes = row["agents, components, memory"]
    assert sizes[0].startswith(f"{gmm.agents}, {gmm.components}, {gmm.memory}")
    assert sizes[1].startswith(f"{sim.agents}, {sim.components}, {sim.memory}")


def test_the_site_lists_the_model_page():
    index = ROOT / "docs" / "index.md"
    if not index.exists():
        pytest.skip("no Sphinx index")
    assert re.search(r"^(Models <)?model>?$", index.read_text(), re.M)


def test_the_measured_chain_values_quoted_are_the_chain_values():
    from chainlab.compiler import compile_model
    from chainlab.models import GMMAgents
    from chainlab.polarization import polarization

    text = MODEL.read_text()
    for ties, quoted in (("random", "0.3406"), ("index", "0.1542")):
        res = polarization(compile_model(GMMAgents(agents=4, components=4, memory=2,
                                                   neighbours=1, ties=ties)))
        assert f"{float(res.polarization_probability):.4f}" == quoted and quoted in text
