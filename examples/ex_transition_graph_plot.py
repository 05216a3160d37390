"""Pictures of small chains: classes coloured, probabilities on the edges.

Three chains a student meets early: gambler's ruin (two absorbing classes fed by transient
states), a reducible chain with a periodic closed class, and the voter model on a three-node
path (its states are the opinion vectors). Each picture is written as a PNG next to where the
script runs.

Run: ``python examples/ex_transition_graph_plot.py [FOLDER]`` -- the figures go into FOLDER (default
``./figures``, created if missing).
"""

import sys
from fractions import Fraction as F
from pathlib import Path

import networkx as nx

from chainlab import Chain
from chainlab.models import gamblers_ruin, voter_model
from chainlab.plot import plot_transition_graph, save_figure
from chainlab.structure import classify

FIGURES = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")  # where figures go
FIGURES.mkdir(parents=True, exist_ok=True)

pictures = {
    "graph_gamblers_ruin.png": (gamblers_ruin(4, F(2, 5), start=2), "circular"),
    "graph_periodic.png": (Chain([[0, F(1, 2), F(1, 2), 0, 0],
                                  [0, 0, 0, 1, 0],
                                  [0, 0, 0, 0, 1],
                                  [0, 0, 0, 0, 1],
                                  [0, 0, 0, 1, 0]], states=["start", "a", "b", "x", "y"]),
                           "spring"),
    "graph_voter_path.png": (voter_model(nx.path_graph(3), [1, 0, 0]), "kamada_kawai"),
}
for filename, (chain, layout) in pictures.items():
    s = classify(chain)
    fig = plot_transition_graph(chain, layout=layout)
    save_figure(fig, FIGURES / filename)
    print(f"{filename}: {chain.num_states} states, closed classes "
          f"{[[chain.states.label_of(i) for i in c] for c in s.closed_classes]}, "
          f"periods {s.periods}")
