r"""PRISM models, natively and exactly: the DTMC part of the PRISM language read into a
:class:`~chainlab.Chain` with exact rational entries.

Supported: ``dtmc``/``probabilistic``; ``const`` int/double/bool (undefined ones given as
``constants="N=16,MAX=2"``); ``formula``; ``label`` (labels may use labels); global variables;
modules with guarded commands and probabilistic updates; module renaming; synchronisation on
actions (a synchronised transition takes the product of the modules' updates); ``init ...
endinit``; ``rewards "name" ... endrewards`` with state and transition rewards. Numbers are read
exactly (``0.02`` is 1/50). The parser is lark's LALR(1) on the grammar ``_grammar.lark``.

The reachable states are explored breadth-first (:mod:`chainlab.prism._explore`); the states of
the chain are the variable valuations (``.sta``-style tuples in :attr:`PrismModel.variables`
order), its labels the model's labels plus ``init`` and ``deadlock``.

Examples
--------
>>> from chainlab.prism import parse_model
>>> m = parse_model('''
... dtmc
... const double p = 0.2;
... module coin
...   x : [0..2] init 0;
...   [] x=0 -> p : (x'=1) + 1-p : (x'=2);
...   [] x>0 -> true;
... endmodule
... label "heads" = x=1;
... ''')
>>> m
PrismModel(<model>: 3 states, 4 transitions, 0 reward structure(s), ...)
>>> m.chain.states.labels, m.chain.probability((0,), (1,))
(((0,), (1,), (2,)), Fraction(1, 5))
>>> sorted(m.chain.labels["heads"])
[1]
"""

from __future__ import annotations

from ._build import PrismModel, Rewards, parse_model, read_model
from ._errors import PrismModelError, PrismProbabilityError, PrismSyntaxError

__all__ = ["PrismModel", "Rewards", "read_model", "parse_model", "PrismSyntaxError",
           "PrismModelError", "PrismProbabilityError"]
