"""Every example script runs top to bottom (so none can rot)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("ex_*.py"))


def test_there_are_examples():
    assert len(EXAMPLES) >= 3


FIGURES = {"ex_gmm_polarization_vs_k": {"gmm_silo_populations.png"},
           "ex_moran_fixation": {"moran_fixation.png"},
           "ex_silos_vs_k": {"silos_vs_k.png"},
           "ex_transition_graph_plot": {"graph_gamblers_ruin.png", "graph_periodic.png",
                                        "graph_voter_path.png"}}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path, capsys, monkeypatch, tmp_path):
    work, out = tmp_path / "cwd", tmp_path / "figures given"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr("sys.argv", [str(path), str(out)])  # the folder the example is given
    monkeypatch.setenv("MPLBACKEND", "Agg")
    runpy.run_path(str(path), run_name="__main__")
    assert capsys.readouterr().out.strip()  # each example narrates what it found
    assert not list(work.glob("*.png")), "figures go into the given folder, not the cwd"
    wanted = FIGURES.get(path.stem, set())
    written = {p.name for p in out.glob("*.png")} if out.exists() else set()
    assert written == wanted
    for name in wanted:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_no_figures_at_the_repository_root():
    root = Path(__file__).resolve().parent.parent
    assert not list(root.glob("*.png"))
