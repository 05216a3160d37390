r"""Read and write chains in PRISM's explicit format and Storm's ``.drn`` format.

Formats (DTMCs only)
--------------------
* **PRISM explicit**: ``.tra`` -- first line ``num_states num_transitions``, then one
  ``source target probability`` line per transition; ``.lab`` -- a declaration line
  ``0="init" 1="deadlock" 2="goal"`` and then ``state: k1 k2 ...`` lines; ``.sta`` -- a header
  ``(x,y)`` naming the variables and then ``state:(1,2)`` lines (the valuations become the state
  labels of the chain).
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
(uniform over them; files hold initial *states*, not weights), not a label. Rewards are
ignored.

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
from ._io.write import write_drn, write_prism

__all__ = ["bundled_example", "read_chain", "read_drn", "read_prism", "write_drn", "write_prism"]
