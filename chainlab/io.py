r"""Read and write chains in PRISM's explicit format and Storm's ``.drn`` format.

Formats (DTMCs only)
--------------------
* **PRISM explicit**: ``.tra`` -- first line ``num_states num_transitions``, then one
  ``source target probability`` line per transition; ``.lab`` -- a declaration line
  ``0="init" 1="deadlock" 2="goal"`` and then ``state: k1 k2 ...`` lines; ``.sta`` -- a header
  ``(x,y)`` naming the variables and then ``state:(1,2)`` lines (the valuations become the state
  labels of the chain); ``.srew`` -- ``num_states num_nonzero``, then ``state reward`` lines.
* **Storm explicit** (what ``storm --explicit`` and ``stormpy.build_model_from_explicit``
  read; PRISM's files do not load there): ``.tra`` -- the model-type line ``dtmc``, then
  ``source target probability`` lines, no counts; ``.lab`` -- ``#DECLARATION``, the label
  names, ``#END``, then ``state label ...`` lines; state rewards ``state reward`` lines.
  :func:`read_chain` tells the two dialects apart by their first line;
  :func:`write_prism` writes either (``dialect="prism"`` or ``"storm"``).
* **Storm DRN** (``.drn``): ``@type: DTMC``, optional ``@value_type``, ``@parameters``,
  optional ``@placeholders`` (``$k : value`` lines, used as ``target : $k``), ``@reward_models``,
  ``@nr_states``, ``@nr_choices``, ``@model``, then for each state ``state ID [rewards] label ...``,
  one ``action`` line, and ``target : probability`` lines.
* **Parametric DRN** (Storm's ``@value_type: parametric``): a non-empty ``@parameters`` line
  names the parameters; probabilities are rational functions of them written with numbers,
  parameter names, ``+ - * / ^`` and parentheses (Storm's own output such as
  ``(-1 * (p+(-1)))/(1)`` included). :func:`read_chain` then returns a
  :class:`~chainlab.parametric.ParametricChain`, and :func:`write_drn` writes one.

Probabilities are read **exactly**: ``0.4`` is 2/5, ``1e-3`` is 1/1000, ``3/5`` is 3/5. When the
rows of a file written with rounded decimals do not sum to exactly 1, ``exact=None`` (the default)
falls back to a float chain (rows within ``atol``) and ``exact=True`` raises an error naming the
file, the line and the row sum. The states labelled ``init`` form the initial distribution
(uniform over them; files hold initial *states*, not weights), not a label. The readers skip
rewards.

What is written: ``.drn`` files hold exact entries as ``p/q`` (Storm's DRN reader takes them
exactly) and a ``steps`` state reward of 1 in every state, so that Storm's
``R{"steps"}=? [F "goal"]`` is the expected number of steps (``rewards={name: vector}`` adds
more). PRISM and Storm read explicit files in floating point only, so :func:`write_prism`
writes every entry whose decimal is exact as that decimal (1/2 as ``0.5``, 1/8 as ``0.125``);
an entry without one (1/3) is written as ``1/3`` (``inexact="fraction"``, the default: read
back exactly by chainlab, by neither PRISM nor Storm) or rounded to 17 significant digits with
each row's largest entry taking the remainder so that rows still sum to exactly 1
(``inexact="decimal"``: read by both tools; chainlab reads back exactly the decimals written).

Every malformed file raises :class:`~chainlab.errors.FileFormatError` naming the file and line.
Writers write to a temporary file beside the target and rename it, so an interrupted write
never leaves a half-written file.

Examples
--------
>>> import tempfile, pathlib
>>> from chainlab import Chain
>>> c = Chain([[1, 0, 0], ["1/4", "1/4", "1/2"], [0, 0, 1]], initial=1, labels={"goal": [2]})
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> back = read_chain(write_drn(c, d / "c.drn"))
>>> back == c
True
>>> sorted(p.name for p in write_prism(c, d / "c").values())
['c.lab', 'c.tra']
>>> read_chain(d / "c.tra") == c
True

A parametric chain (gambler's ruin with N = 3 and symbolic ``p``):

>>> from chainlab.parametric import gamblers_ruin
>>> g = read_chain(write_drn(gamblers_ruin(3, "p"), d / "g.drn"))
>>> g, g.probability(1, 0)
(ParametricChain(4 states, 6 transitions, parameters (p)), RationalFunction(1 - p))
"""

from __future__ import annotations

from ._io.read import bundled_example, read_chain, read_drn, read_prism
from ._io.rewards import read_rewards, write_transition_rewards
from ._io.write import write_drn, write_prism

__all__ = [
    "bundled_example", "read_chain", "read_drn", "read_prism", "write_drn", "write_prism",
    "read_rewards", "write_transition_rewards",
]
