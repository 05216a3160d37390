"""Chains as networkx graphs, both ways: the one place that knows the graph's attributes.

``Chain(graph)`` reads the node attribute ``labels`` and the graph attributes ``label_names``
and ``initial`` (:func:`_networkx_extras`); :func:`graph_of` writes them (used by
``Chain.to_networkx`` and :func:`chainlab.interop.to_networkx`).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import SpecError

__all__: list[str] = []


def graph_of(chain: Any) -> Any:
    """A ``networkx.DiGraph`` holding the whole chain (see :func:`chainlab.interop.to_networkx`)."""
    import networkx as nx

    g = nx.DiGraph()
    labs = chain.states.labels
    names = chain.labels
    for i, lab in enumerate(labs):
        g.add_node(lab, labels=sorted(n for n, s in names.items() if i in s))
    for i, j, v in chain.transitions():
        g.add_edge(labs[i], labs[j], weight=v)
    g.graph["label_names"] = sorted(names)
    init = chain.initial
    g.graph["initial"] = {labs[i]: p for i, p in init.items()} if init else None
    return g


def _networkx_extras(graph: Any, labels: Any, initial: Any) -> tuple[Any, Any]:
    """``(labels, initial)`` for ``Chain(graph)``: the given ones, else what the graph carries
    (node attribute ``labels``, graph attributes ``label_names`` and ``initial``)."""
    if labels is None:
        found: dict[str, list] = {}
        names = graph.graph.get("label_names", ())
        if isinstance(names, str) or not all(isinstance(x, str) for x in names):
            raise SpecError(f"graph attribute 'label_names' must be a list of label names, got "
                            f"{names!r}")
        for name in names:
            found[name] = []
        for node, data in graph.nodes(data=True):
            names = data.get("labels")
            if names is None:
                continue
            if isinstance(names, str):
                names = [names]
            try:
                names = list(names)
            except TypeError:
                names = [names]
            if not all(isinstance(x, str) for x in names):
                raise SpecError(f"node {node!r} has 'labels' {data['labels']!r}; the attribute "
                                "must be a list of label names (strings), e.g. ['goal']")
            for name in names:
                found.setdefault(name, []).append(node)
        labels = found or None
    if initial is None:
        initial = graph.graph.get("initial")
        if initial is not None and not isinstance(initial, Mapping):
            raise SpecError(f"graph attribute 'initial' must map states to probabilities, got "
                            f"{initial!r}")
    return labels, initial
