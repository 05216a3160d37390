"""Plots are produced, non-empty, and saved atomically (Agg backend, no GUI)."""

from __future__ import annotations

import os
from fractions import Fraction as F

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import networkx as nx  # noqa: E402
import sympy  # noqa: E402

from chainlab import Chain  # noqa: E402
from chainlab.errors import SpecError  # noqa: E402
from chainlab.models import gamblers_ruin, voter_model  # noqa: E402
from chainlab.plot import (  # noqa: E402
    plot_bound_comparison,
    plot_parameter_curve,
    plot_silo_populations,
    plot_silo_trajectories,
    plot_transition_graph,
    save_figure,
)
from chainlab.stats import proportion  # noqa: E402


def drawn(fig) -> int:
    """Number of artists drawn on the figure's axes."""
    return sum(len(ax.lines) + len(ax.collections) + len(ax.patches) + len(ax.texts)
               for ax in fig.axes)


def png_ok(fig, tmp_path, name="fig.png") -> None:
    out = save_figure(fig, tmp_path / name)
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".tmp") or f.startswith(".")]


@pytest.mark.parametrize("layout", ["spring", "circular", "kamada_kawai", "shell"])
def test_transition_graph_colours_classes(layout, tmp_path):
    c = Chain([[0, 1, 0, 0], [F(1, 2), 0, F(1, 4), F(1, 4)], [0, 0, 0, 1], [0, 0, 1, 0]])
    fig = plot_transition_graph(c, layout=layout)
    ax = fig.axes[0]
    assert ax.get_title() == "4 states: 1 closed class, 2 transient (period 2)"
    nodes = ax.collections[0]
    colours = {tuple(np.round(fc, 3)) for fc in nodes.get_facecolors()}
    assert len(colours) == 2  # one closed class + transient grey
    assert drawn(fig) > 8
    png_ok(fig, tmp_path)


def test_transition_graph_of_a_voter_model_into_given_axes(tmp_path):
    from matplotlib.figure import Figure

    fig = Figure()
    ax1, ax2 = fig.subplots(1, 2)
    out = plot_transition_graph(voter_model(nx.path_graph(3), [0, 1, 1]), ax=ax2)
    assert out is fig and ax2.collections and not ax1.collections
    with pytest.raises(SpecError, match="layout must be one of"):
        plot_transition_graph(gamblers_ruin(3), layout="hexagonal")
    with pytest.raises(SpecError, match="at most max_states=2"):
        plot_transition_graph(gamblers_ruin(3), max_states=2)


def test_parameter_curve_from_sympy_callable_points_and_simulation(tmp_path):
    p = sympy.Symbol("p")
    ruin = (1 - p) / (1 - p * (1 - p))
    sims = {0.25: proportion(80, 100), 0.5: (130, 200), 0.75: (25, 100)}
    fig = plot_parameter_curve(ruin, simulated=sims, points=[(F(1, 2), F(2, 3))])
    ax = fig.axes[0]
    xs, ys = ax.lines[0].get_data()
    assert len(xs) == 201 and ys[100] == pytest.approx(2 / 3)
    assert ax.get_xlabel() == "p" and drawn(fig) >= 3
    png_ok(fig, tmp_path)
    # an exact-only callable (like a parametric RationalFunction) and a pole left as a gap
    fig2 = plot_parameter_curve(lambda x: F(1) / (Fraction_only(x) - F(1, 2)))
    ys2 = fig2.axes[0].lines[0].get_ydata()
    assert np.isnan(ys2[100]) and np.isfinite(ys2[0])
    with pytest.raises(SpecError, match="exactly one free symbol"):
        plot_parameter_curve(p * sympy.Symbol("q"))
    with pytest.raises(SpecError, match="give a curve"):
        plot_parameter_curve()


def Fraction_only(x):
    if not isinstance(x, F):
        raise TypeError("exact values only")
    return x


def test_silo_trajectories_accept_arrays_results_and_groups(tmp_path):
    rng = np.random.default_rng(0)
    runs = np.maximum.accumulate(rng.integers(1, 5, size=(20, 11))[:, ::-1], axis=1)[:, ::-1]

    class Result:  # like chainlab.continuous.ContinuousRunResult
        silos = runs

    fig = plot_silo_trajectories({"k=1": runs, "k=2": Result()}, max_runs=5)
    ax = fig.axes[0]
    assert len(ax.lines) == 2 * 5 + 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == \
        ["k=1 (mean of 20)", "k=2 (mean of 20)"]
    png_ok(fig, tmp_path)
    assert len(plot_silo_trajectories(runs[0]).axes[0].lines) == 2
    with pytest.raises(SpecError, match="silos must be"):
        plot_silo_trajectories(np.zeros((2, 2, 2)))


def test_silo_populations_stack_to_the_number_of_agents(tmp_path):
    ids = np.array([[0, 1, 2, 3], [0, 0, 2, 3], [0, 0, 3, 3], [0, 0, 0, 0]])
    fig = plot_silo_populations(ids, title="one run")
    ax = fig.axes[0]
    assert len(ax.collections) == 4 and ax.get_ylim() == (0, 4)
    png_ok(fig, tmp_path)
    with pytest.raises(SpecError, match="ids must be"):
        plot_silo_populations([1, 2, 3])


def test_bound_comparison(tmp_path):
    fig = plot_bound_comparison(["k=1", "k=2"], bound=[F(1, 10), 0.2], exact=[0.3, None],
                                estimates=[proportion(30, 100), (25, 100)])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["k=1", "k=2"]
    assert drawn(fig) >= 3
    png_ok(fig, tmp_path)
    with pytest.raises(SpecError, match="bound has 1 values but x has 2"):
        plot_bound_comparison([1, 2], bound=[0.1])


def test_save_figure_failure_leaves_no_file(tmp_path):
    fig = plot_transition_graph(gamblers_ruin(2))
    with pytest.raises(ValueError):
        save_figure(fig, tmp_path / "x.notaformat")
    assert os.listdir(tmp_path) == []
