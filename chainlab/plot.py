r"""Plots of chains and results (matplotlib, the optional extra ``chainlab[plot]``).

Every function draws into ``ax`` when given, else into a new figure, and returns the
:class:`matplotlib.figure.Figure`. New figures are made with ``matplotlib.figure.Figure``
directly, not through ``pyplot``, so nothing is kept in global state and no GUI backend is
needed; :func:`save_figure` writes a file atomically (temporary file, then ``os.replace``).

* :func:`plot_transition_graph` -- a small chain as a graph, states coloured by class (each
  closed class its own colour, transient states grey), edges labelled with probabilities;
* :func:`plot_parameter_curve` -- an exact probability as a function of a parameter (a
  callable, a SymPy expression or a parametric result) with simulated estimates and their exact
  binomial intervals;
* :func:`plot_silo_trajectories` -- the number of silos S(t) of GMM runs over rounds (each run
  thin, the mean thick), for one or several settings;
* :func:`plot_silo_populations` -- the size of every silo over rounds in one run (stacked);
* :func:`plot_bound_comparison` -- a lower bound vs the exact value vs a simulated estimate.

Examples
--------
>>> from chainlab.models import gamblers_ruin
>>> fig = plot_transition_graph(gamblers_ruin(3))
>>> len(fig.axes), fig.axes[0].get_title()
(1, '4 states: 2 closed classes, 2 transient')
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ._io.atomic import atomic_path
from .chain import Chain
from .errors import SpecError

__all__ = [
    "plot_transition_graph",
    "plot_parameter_curve",
    "plot_silo_trajectories",
    "plot_silo_populations",
    "plot_bound_comparison",
    "save_figure",
]

_TRANSIENT_COLOUR = "#bbbbbb"


def _figure_and_axes(ax: Any, figsize: tuple[float, float]):
    try:
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - matplotlib is an optional extra
        raise ImportError("chainlab.plot needs matplotlib: pip install 'chainlab[plot]'") from None
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def _palette(k: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if k <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(k)]


# ---------------------------------------------------------------------- transition graph
def plot_transition_graph(chain: Chain, *, ax: Any = None, layout: str = "spring",
                          seed: int = 0, edge_labels: bool | None = None,
                          max_states: int = 200) -> Any:
    """Draw a (small) chain as a directed graph with its classes coloured.

    Parameters
    ----------
    chain : Chain
    ax : matplotlib Axes, optional
    layout : {"spring", "circular", "kamada_kawai", "shell"}, default "spring"
        A ``networkx`` layout (``spring`` uses ``seed`` for a reproducible picture).
    seed : int, default 0
    edge_labels : bool, optional
        Write the probability on every edge between two different states (default: when there
        are at most 30 edges; self-loops are drawn by networkx without a label).
    max_states : int, default 200
        Refuse larger chains (a picture of them is unreadable).

    Returns
    -------
    matplotlib.figure.Figure

    See Also
    --------
    chainlab.structure.classify : The classes it colours.
    chainlab.plot.save_figure : Write the figure to a file.

    Examples
    --------
    >>> from chainlab import Chain
    >>> fig = plot_transition_graph(Chain([[0, 1], [1, 0]]), layout="circular")
    >>> fig.axes[0].get_title()
    '2 states: 1 closed class (period 2)'
    """
    import networkx as nx

    from .structure import classify

    if chain.num_states > max_states:
        raise SpecError(f"the chain has {chain.num_states} states; plot_transition_graph draws "
                        f"at most max_states={max_states} (raise it, or plot a quotient)")
    layouts = {"spring": lambda g: nx.spring_layout(g, seed=seed),
               "circular": nx.circular_layout, "kamada_kawai": nx.kamada_kawai_layout,
               "shell": nx.shell_layout}
    if layout not in layouts:
        raise SpecError(f"layout must be one of {sorted(layouts)}, got {layout!r}")
    fig, ax = _figure_and_axes(ax, (6, 4.5))
    s = classify(chain)
    g = nx.DiGraph()
    g.add_nodes_from(range(chain.num_states))
    weights = {}
    for i, j, v in chain.transitions():
        g.add_edge(i, j)
        weights[(i, j)] = v
    pos = layouts[layout](g)
    colours = _palette(max(1, s.num_closed_classes))
    node_colours = [colours[s.closed_class_of[i]] if s.closed_class_of[i] >= 0
                    else _TRANSIENT_COLOUR for i in range(chain.num_states)]
    names = {i: str(chain.states.label_of(i)) for i in range(chain.num_states)}
    nx.draw_networkx_nodes(g, pos, ax=ax, node_color=node_colours, node_size=500,
                           edgecolors="black", linewidths=0.8)
    nx.draw_networkx_labels(g, pos, labels=names, ax=ax, font_size=8)
    nx.draw_networkx_edges(g, pos, ax=ax, arrows=True, arrowsize=12, node_size=500,
                           connectionstyle="arc3,rad=0.12")
    if edge_labels is None:
        edge_labels = g.number_of_edges() <= 30
    if edge_labels:
        text = {e: (str(v) if isinstance(v, Fraction) else f"{v:.3g}")
                for e, v in weights.items() if e[0] != e[1]}
        nx.draw_networkx_edge_labels(g, pos, edge_labels=text, ax=ax, font_size=7,
                                     connectionstyle="arc3,rad=0.12")
    k = s.num_closed_classes
    periods = sorted(set(s.periods))
    title = f"{chain.num_states} states: {k} closed class{'es' if k != 1 else ''}"
    if len(s.transient):
        title += f", {len(s.transient)} transient"
    if periods != [1]:
        title += f" (period {', '.join(map(str, periods))})"
    ax.set_title(title)
    ax.set_axis_off()
    from matplotlib.patches import Patch

    handles = [Patch(color=colours[c], label=f"closed class {c}") for c in range(min(k, 10))]
    if len(s.transient):
        handles.append(Patch(color=_TRANSIENT_COLOUR, label="transient"))
    ax.legend(handles=handles, loc="best", fontsize=7, frameon=False)
    return fig


# ---------------------------------------------------------------------- parameter curves
def _evaluator(curve: Any) -> Callable[[float], float]:
    """A float function from a callable, a SymPy expression of one symbol, or a result."""
    if type(curve).__module__.startswith("sympy"):
        free = sorted(curve.free_symbols, key=str)
        if len(free) != 1:
            raise SpecError(f"the curve {curve} must have exactly one free symbol, has {free}")
        import sympy

        f = sympy.lambdify(free[0], curve, "math")
        return lambda x: float(f(x))
    if callable(curve):
        def value(x: float) -> float:
            try:
                return float(curve(x))
            except (TypeError, ValueError, AttributeError):
                return float(curve(Fraction(x)))  # exact-only callables (RationalFunction)
        return value
    raise SpecError(f"curve must be a callable or a SymPy expression, got {type(curve).__name__}")


def _estimates(simulated: Any) -> list[tuple[float, float, float, float]]:
    """``[(x, estimate, low, high)]`` from ``{x: ProportionEstimate or (k, n)}`` or pairs."""
    from .stats import proportion

    items = simulated.items() if isinstance(simulated, Mapping) else simulated
    out = []
    for x, est in items:
        if isinstance(est, tuple):
            est = proportion(*est)
        lo, hi = est.ci
        out.append((float(x), float(est.estimate), float(lo), float(hi)))
    return sorted(out)


def plot_parameter_curve(curve: Any = None, *, domain: tuple[float, float] = (0.0, 1.0),
                         points: Any = None, simulated: Any = None, ax: Any = None,
                         parameter: str = "p", ylabel: str = "probability",
                         label: str = "exact", num: int = 201) -> Any:
    """An exact quantity as a function of a parameter, with simulated points and intervals.

    Parameters
    ----------
    curve : callable or SymPy expression, optional
        The exact value as a function of the parameter: any callable (a
        ``chainlab.parametric`` rational function, ``lambda p: ...``) or a SymPy expression in
        one symbol. Poles and errors are left as gaps.
    domain : (float, float), default (0, 1)
        Range of the parameter for the curve.
    points : sequence of (x, y), optional
        Exact values at chosen parameter values (drawn as markers; e.g. from a sweep).
    simulated : mapping or sequence of (x, estimate), optional
        Simulation results: a :class:`~chainlab.stats.ProportionEstimate` or ``(successes,
        trials)`` per parameter value; drawn with their exact Clopper-Pearson intervals.
    ax : matplotlib Axes, optional
    parameter, ylabel, label : str
        Axis and legend text.
    num : int, default 201
        Points on the curve.

    Returns
    -------
    matplotlib.figure.Figure

    See Also
    --------
    chainlab.plot.plot_bound_comparison : A bound against the exact value over one parameter.
    chainlab.parametric.RationalFunction : Exact functions of a parameter.

    Examples
    --------
    Ruin probability of a gambler starting with 1 of N = 3 coins, ``q / (1 - p q)``, against
    the win probability ``p``, with a simulated point:

    >>> import sympy
    >>> p = sympy.Symbol("p")
    >>> fig = plot_parameter_curve((1 - p) / (1 - p * (1 - p)), simulated={0.5: (130, 200)})
    >>> [len(line.get_xdata()) for line in fig.axes[0].get_lines()][:1]
    [201]
    """
    if curve is None and points is None and simulated is None:
        raise SpecError("give a curve, points or simulated estimates to plot")
    fig, ax = _figure_and_axes(ax, (6, 4))
    if curve is not None:
        f = _evaluator(curve)
        xs = np.linspace(domain[0], domain[1], num)
        ys = np.empty(num)
        for k, x in enumerate(xs):
            try:
                ys[k] = f(float(x))
            except (ZeroDivisionError, OverflowError, ValueError):
                ys[k] = np.nan
        ax.plot(xs, ys, color="C0", label=label)
    if points is not None:
        pts = sorted((float(x), float(y)) for x, y in points)
        ax.plot([x for x, _ in pts], [y for _, y in pts], "o", color="C0", markersize=4,
                label=f"{label} (points)")
    if simulated is not None:
        est = _estimates(simulated)
        x = np.array([e[0] for e in est])
        y = np.array([e[1] for e in est])
        err = np.array([[e[1] - e[2] for e in est], [e[3] - e[1] for e in est]])
        ax.errorbar(x, y, yerr=err, fmt="s", color="C3", markersize=4, capsize=3,
                    label="simulated (95% exact CI)")
    ax.set_xlabel(parameter)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, frameon=False)
    return fig


# ---------------------------------------------------------------------- silos
def _silo_array(silos: Any) -> np.ndarray:
    arr = getattr(silos, "silos", silos)  # a ContinuousRunResult carries .silos
    arr = np.asarray(arr)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise SpecError(f"silos must be a (runs, rounds + 1) array, got shape {arr.shape}")
    return arr


def plot_silo_trajectories(silos: Any, *, ax: Any = None, max_runs: int = 30,
                           title: str | None = None) -> Any:
    """The number of silos S(t) over rounds: thin lines per run, a thick line for the mean.

    Parameters
    ----------
    silos : array (runs, rounds + 1), a result with ``.silos``, or a mapping label -> either
        One setting, or several (e.g. ``{"k=1": res1, "k=5": res5}``), each in its own colour.
    ax : matplotlib Axes, optional
    max_runs : int, default 30
        Draw at most this many individual runs per setting (the mean uses all of them).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    See Also
    --------
    chainlab.plot.plot_silo_populations : The silo sizes of one run.
    chainlab.continuous.simulate_gmm : The runs it plots.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.array([[4, 3, 2, 2], [4, 4, 3, 1]])
    >>> fig = plot_silo_trajectories({"k=1": s, "k=2": s[:1]})
    >>> fig.axes[0].get_ylabel()
    'number of silos S(t)'
    """
    fig, ax = _figure_and_axes(ax, (6, 4))
    groups = silos.items() if isinstance(silos, Mapping) else [(None, silos)]
    for c, (name, value) in enumerate(groups):
        arr = _silo_array(value)
        t = np.arange(arr.shape[1])
        colour = f"C{c % 10}"
        for run in arr[:max_runs]:
            ax.plot(t, run, color=colour, alpha=0.15, linewidth=0.8)
        mean_label = "mean" if name is None else f"{name} (mean of {len(arr)})"
        ax.plot(t, arr.mean(axis=0), color=colour, linewidth=2.2, label=mean_label)
    ax.set_xlabel("round t")
    ax.set_ylabel("number of silos S(t)")
    ax.set_ylim(bottom=0)
    if title:
        ax.set_title(title)
    ax.legend(fontsize=8, frameon=False)
    return fig


def plot_silo_populations(ids: Any, *, ax: Any = None, title: str | None = None) -> Any:
    """Sizes of the silos of one run over rounds, stacked (each ID its own colour).

    Parameters
    ----------
    ids : array (rounds + 1, agents) of int
        The ID (most frequent label) of every agent after every round.
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    See Also
    --------
    chainlab.plot.plot_silo_trajectories : The number of silos over every run.
    chainlab.continuous.simulate_gmm : The runs it plots.

    Examples
    --------
    >>> fig = plot_silo_populations([[0, 1, 2], [0, 0, 2], [0, 0, 0]])
    >>> len(fig.axes[0].collections)
    3
    """
    arr = np.asarray(ids)
    if arr.ndim != 2 or arr.size == 0:
        raise SpecError(f"ids must be a (rounds + 1, agents) array, got shape {arr.shape}")
    labels = np.unique(arr)
    counts = np.stack([(arr == lab).sum(axis=1) for lab in labels])
    fig, ax = _figure_and_axes(ax, (6, 4))
    t = np.arange(arr.shape[0])
    colours = _palette(len(labels))
    ax.stackplot(t, counts, labels=[f"ID {lab}" for lab in labels], colors=colours, alpha=0.85,
                 step="mid")  # counts are constant within a round: no slopes between rounds
    ax.set_xlabel("round t")
    ax.set_ylabel("agents per silo")
    ax.set_ylim(0, arr.shape[1])
    if title:
        ax.set_title(title)
    ax.legend(fontsize=7, frameon=False, loc="upper right")
    return fig


# ---------------------------------------------------------------------- bounds
def plot_bound_comparison(x: Sequence[Any], *, bound: Sequence[Any],
                          exact: Sequence[Any] | None = None, estimates: Sequence[Any] | None = None,
                          ax: Any = None, xlabel: str = "parameter",
                          ylabel: str = "P(polarization)", bound_label: str = "lower bound") -> Any:
    """A lower bound against the exact value and a simulated estimate, over one parameter.

    Parameters
    ----------
    x : sequence
        Parameter values (numbers, or labels such as ``"k=1"``).
    bound : sequence
        The bound at every ``x``.
    exact : sequence, optional
        Exact values (``None`` entries where unknown).
    estimates : sequence of ProportionEstimate or (successes, trials), optional
        Simulated estimates with their exact binomial intervals (``None`` where missing).
    ax : matplotlib Axes, optional
    xlabel, ylabel, bound_label : str

    Returns
    -------
    matplotlib.figure.Figure

    See Also
    --------
    chainlab.plot.plot_parameter_curve : Any exact quantity over one parameter.
    chainlab.bounds.check_bound : The check behind each point.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> fig = plot_bound_comparison([1, 2, 3], bound=[0.1, 0.2, F(1, 4)],
    ...                             exact=[0.2, 0.3, None], estimates=[(21, 100), None, (40, 100)])
    >>> sorted(t.get_text() for t in fig.axes[0].get_legend().get_texts())
    ['exact', 'lower bound', 'simulated (95% exact CI)']
    """
    from .stats import proportion

    n = len(x)
    numeric_x = all(isinstance(v, (int, float, Fraction, np.number)) for v in x)
    pos = np.array([float(v) for v in x]) if numeric_x else np.arange(n, dtype=float)

    def values(seq: Sequence[Any] | None, name: str) -> np.ndarray | None:
        if seq is None:
            return None
        if len(seq) != n:
            raise SpecError(f"{name} has {len(seq)} values but x has {n}")
        return np.array([np.nan if v is None else float(v) for v in seq])

    b = values(bound, "bound")
    e = values(exact, "exact")
    fig, ax = _figure_and_axes(ax, (6, 4))
    ax.plot(pos, b, "v-", color="C2", label=bound_label)
    if e is not None:
        ax.plot(pos, e, "o-", color="C0", label="exact")
    if estimates is not None:
        if len(estimates) != n:
            raise SpecError(f"estimates has {len(estimates)} values but x has {n}")
        xs, ys, lo, hi = [], [], [], []
        for p, est in zip(pos, estimates):
            if est is None:
                continue
            if isinstance(est, tuple):
                est = proportion(*est)
            xs.append(p)
            ys.append(est.estimate)
            lo.append(est.estimate - est.ci[0])
            hi.append(est.ci[1] - est.estimate)
        ax.errorbar(xs, ys, yerr=[lo, hi], fmt="s", color="C3", capsize=3, markersize=4,
                    label="simulated (95% exact CI)")
    if not numeric_x:
        ax.set_xticks(pos, [str(v) for v in x])
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8, frameon=False)
    return fig


# ---------------------------------------------------------------------- saving
def save_figure(fig: Any, path: str | os.PathLike, *, dpi: int = 120, **kwargs: Any) -> Path:
    """Write ``fig`` to ``path`` atomically (format from the suffix); return the path.

    The figure is written to a temporary file in the same folder, then moved over ``path`` with
    ``os.replace``, so an interrupted save never leaves a truncated image.

    See Also
    --------
    chainlab.plot.plot_transition_graph : One of the figures to save.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from chainlab import Chain
    >>> out = save_figure(plot_transition_graph(Chain([[1]])),
    ...                   pathlib.Path(tempfile.mkdtemp()) / "one.png")
    >>> out.stat().st_size > 1000
    True
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, dpi=dpi, **kwargs)
    return path
