r"""Conversion to and from networkx, QuantEcon and PyDTMC (the last two optional).

**networkx** carries everything: :func:`to_networkx` (also :meth:`chainlab.Chain.to_networkx`)
puts the state labels as nodes, the entries as edge ``weight`` (Fractions for exact chains), the
label names of each state as the node attribute ``labels``, and two graph attributes,
``graph.graph["initial"]`` (``{state: probability}`` or None) and
``graph.graph["label_names"]`` (every label, the empty ones too); ``Chain(graph)`` (or
:func:`from_networkx`) reads them back, so the round trip returns an equal chain. Explicit
``labels=`` / ``initial=`` arguments take precedence over what the graph carries.

**QuantEcon and PyDTMC** are not dependencies: each function imports its package when called
and says how to install it if it is missing. Both hold a float64 matrix and state names only, so

* ``to_*`` hands them the float view :attr:`chainlab.Chain.P` (correctly rounded from the exact
  entries) and warns, with :class:`ConversionWarning`, about what the other package cannot
  hold: the initial distribution, the labels, exact entries that float64 rounds (1/3), state
  labels QuantEcon cannot store and, for PyDTMC, labels that are not strings (its names are
  ``str(label)``);
* ``from_*`` returns a *float* chain by default; pass ``limit_denominator=...`` to recover exact
  rationals (e.g. ``1/3`` from ``0.333...``), after which the rows must sum to exactly 1, and
  give back what was dropped with ``initial=``, ``labels=`` (and ``states=``, for PyDTMC).

Then ``from_quantecon(to_quantecon(c), limit_denominator=q, initial=..., labels=...) == c``
when every denominator of ``c`` is at most ``q``. For PRISM and Storm files, see
:mod:`chainlab.io`.

Examples
--------
>>> from chainlab import Chain
>>> c = Chain([[1, 0], ["1/3", "2/3"]], states=["a", "b"], initial="b", labels={"done": ["a"]})
>>> g = to_networkx(c)
>>> g.graph["initial"], g.nodes["a"]["labels"], Chain(g) == c
({'b': Fraction(1, 1)}, ['done'], True)
>>> from chainlab.models import gamblers_ruin
>>> mc = to_quantecon(gamblers_ruin(3))  # doctest: +SKIP
>>> mc.P[1]  # doctest: +SKIP
array([0.5, 0. , 0.5, 0. ])
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import SpecError

if TYPE_CHECKING:
    from .chain import Chain

__all__ = ["ConversionWarning", "from_networkx", "from_pydtmc", "from_quantecon", "to_networkx",
           "to_pydtmc", "to_quantecon"]


class ConversionWarning(UserWarning):
    """A conversion to another package drops something of the chain it cannot hold (the
    initial distribution, labels, exact entries, state labels); the message says what and how
    to give it back on the way in.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", ConversionWarning)  # silence them all
    >>> issubclass(ConversionWarning, UserWarning)
    True
    """


def _check_chain(chain: Any) -> None:
    from .chain import Chain

    if not isinstance(chain, Chain):
        raise SpecError(f"chain must be a chainlab Chain, got {type(chain).__name__}; build one "
                        "with chainlab.Chain(...)")


# ---------------------------------------------------------------------- networkx
def to_networkx(chain: Chain) -> Any:
    """A ``networkx.DiGraph`` holding the whole chain (``Chain(graph)`` gives it back).

    Nodes are the state labels, in order, each with the attribute ``labels`` (the sorted names
    of its labels); edges carry ``weight`` (Fractions for exact chains, floats otherwise); the
    graph attributes ``initial`` (``{state: probability}``, or None) and ``label_names`` (all
    label names, also those of empty labels) carry the rest.

    Parameters
    ----------
    chain : Chain

    Returns
    -------
    networkx.DiGraph

    Raises
    ------
    SpecError
        ``chain`` is not a Chain.

    See Also
    --------
    chainlab.interop.from_networkx : The way back (``Chain(graph)`` does the same).

    Examples
    --------
    >>> from chainlab import Chain
    >>> g = to_networkx(Chain([[0, 1], ["1/2", "1/2"]], states=["x", "y"], initial="x"))
    >>> g["y"]["x"]["weight"], g.graph["initial"]
    (Fraction(1, 2), {'x': Fraction(1, 1)})
    """
    from ._chain.graph import graph_of

    _check_chain(chain)
    return graph_of(chain)


def from_networkx(graph: Any, **kwargs: Any) -> Chain:
    """``Chain(graph, **kwargs)``: the chain of a ``networkx.DiGraph`` whose edges carry
    ``weight``, with the labels and initial distribution :func:`to_networkx` stores.

    Parameters
    ----------
    graph : networkx.DiGraph
    **kwargs
        Passed to :class:`~chainlab.chain.Chain` (``states``, ``initial``, ``labels``, ``exact``,
        ``limit_denominator``, ``atol``); ``initial`` and ``labels`` replace the graph's.

    Returns
    -------
    Chain

    Raises
    ------
    SpecError
        Not a directed networkx graph, an edge without ``weight``, or a malformed ``labels`` node
        attribute or ``label_names`` / ``initial`` graph attribute.

    See Also
    --------
    chainlab.interop.to_networkx : The way there.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph()
    >>> g.add_edge("a", "a", weight=1)
    >>> g.add_edge("b", "a", weight="1/2"); g.add_edge("b", "b", weight="1/2")
    >>> g.nodes["a"]["labels"] = ["home"]
    >>> c = from_networkx(g)
    >>> sorted(c.labels["home"]), c.probability("b", "a")
    ([0], Fraction(1, 2))
    """
    import networkx as nx

    from .chain import Chain

    if not isinstance(graph, nx.DiGraph):
        raise SpecError(f"graph must be a networkx.DiGraph with 'weight' on its edges, got "
                        f"{type(graph).__name__}")
    return Chain(graph, **kwargs)


def _warn_dropped(chain: Chain, package: str, extra: list[str]) -> None:
    """One ConversionWarning listing what ``package`` cannot hold of ``chain``."""
    lost = list(extra)
    if chain.initial:
        lost.append("the initial distribution (give initial=... to from_" + package.lower()
                    + ")")
    if chain.labels:
        lost.append(f"the labels {sorted(chain.labels)} (give labels=... back)")
    if chain.is_exact:
        vals = chain.require_exact()
        floats = chain.P.data
        if any(_rounds(v, x) for v, x in zip(vals, floats)):
            lost.append("exact entries that float64 rounds (recover them with "
                        "limit_denominator=...)")
    if lost:
        warnings.warn(f"{package} cannot hold " + "; ".join(lost), ConversionWarning,
                      stacklevel=3)


def _rounds(v: Any, x: float) -> bool:
    q = int(v.q)
    return q & (q - 1) != 0 or float(x) * q != int(v.p)


def _require(module: str, package: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(f"this conversion needs {package}, which is not installed: "
                          f"pip install {package}") from None


def _labels_array(chain: Chain) -> np.ndarray | None:
    """State labels as QuantEcon accepts them (homogeneous: numbers, strings, or equal-length
    tuples of numbers as rows); None when they are not (QuantEcon then numbers the states)."""
    labels = list(chain.states.labels)
    try:
        arr = np.asarray(labels)
    except ValueError:  # ragged tuples
        return None
    if arr.dtype == object or arr.shape[0] != len(labels) or arr.ndim > 2:
        return None
    return arr


def to_quantecon(chain: Chain) -> Any:
    """A ``quantecon.MarkovChain`` with the float matrix and the state labels as ``state_values``.

    Labels QuantEcon cannot hold (mixed types, tuples of different lengths) are left out: the
    states are then numbered ``0..n-1`` in chainlab's order.

    Parameters
    ----------
    chain : Chain

    Returns
    -------
    quantecon.MarkovChain

    Raises
    ------
    ImportError
        QuantEcon is not installed (``pip install quantecon``).

    See Also
    --------
    chainlab.interop.from_quantecon : The way back.
    chainlab.interop.to_pydtmc : The same for PyDTMC.

    Examples
    --------
    >>> from chainlab.models import ehrenfest
    >>> mc = to_quantecon(ehrenfest(2))  # doctest: +SKIP
    >>> mc.period, mc.state_values.tolist()  # doctest: +SKIP
    (2, [0, 1, 2])
    """
    _check_chain(chain)
    qe = _require("quantecon", "quantecon")
    values = _labels_array(chain)
    _warn_dropped(chain, "QuantEcon", [] if values is not None or chain.states.is_range else
                  ["the state labels (mixed or ragged; states are numbered 0..n-1)"])
    return qe.MarkovChain(chain.P.toarray(), state_values=values)


def _state_list(values: Any, n: int) -> list | None:
    if values is None:
        return None
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if arr.ndim == 2:  # quantecon stores vector-valued states as rows
        return [tuple(row.tolist()) for row in arr]
    items = arr.tolist()
    out = [tuple(x) if isinstance(x, list) else x for x in items]
    return None if out == list(range(n)) else out


def from_quantecon(mc: Any, *, limit_denominator: int | None = None,
                   initial: Any = None, labels: Any = None) -> Chain:
    """A :class:`~chainlab.chain.Chain` from a ``quantecon.MarkovChain``.

    Parameters
    ----------
    mc : quantecon.MarkovChain
    limit_denominator : int, optional
        Convert entries to fractions with at most this denominator (an exact chain); default:
        a float chain.
    initial : optional
        Initial distribution (by state value).
    labels : mapping of str to iterable of states, optional
        Named state sets (by state value); QuantEcon holds none.

    Returns
    -------
    Chain

    See Also
    --------
    chainlab.interop.to_quantecon : The way there.
    chainlab.interop.from_pydtmc : The same for PyDTMC.

    Examples
    --------
    >>> import quantecon as qe  # doctest: +SKIP
    >>> c = from_quantecon(qe.MarkovChain([[0.5, 0.5], [0, 1]]), limit_denominator=10)  # doctest: +SKIP
    >>> c.probability(0, 1)  # doctest: +SKIP
    Fraction(1, 2)
    """
    P = getattr(mc, "P", None)
    if P is None:
        raise SpecError(f"expected a quantecon.MarkovChain, got {type(mc).__name__}")
    if hasattr(P, "toarray"):
        P = P.toarray()
    P = np.asarray(P, dtype=np.float64)
    states = _state_list(getattr(mc, "state_values", None), P.shape[0])
    exact = limit_denominator is not None
    from .chain import Chain

    return Chain(P, states=states, initial=initial, labels=labels, exact=exact,
                 limit_denominator=limit_denominator)


def to_pydtmc(chain: Chain) -> Any:
    """A ``pydtmc.MarkovChain`` with the float matrix; state names are ``str(label)``.

    Raises
    ------
    ImportError
        PyDTMC is not installed (``pip install PyDTMC``).
    SpecError
        Two labels with the same string form (PyDTMC names must be distinct), or fewer than
        two states (PyDTMC's minimum).

    See Also
    --------
    chainlab.interop.from_pydtmc : The way back.
    chainlab.interop.to_quantecon : The same for QuantEcon.

    Examples
    --------
    >>> from chainlab.models import gamblers_ruin
    >>> m = to_pydtmc(gamblers_ruin(3))  # doctest: +SKIP
    >>> m.states, m.absorbing_states  # doctest: +SKIP
    (['0', '1', '2', '3'], ['0', '3'])
    """
    _check_chain(chain)
    if chain.num_states < 2:
        raise SpecError(f"PyDTMC holds chains of at least 2 states; this chain has "
                        f"{chain.num_states}: convert a larger chain, or analyse it in chainlab")
    pydtmc = _require("pydtmc", "PyDTMC")
    names = [str(x) for x in chain.states.labels]
    if len(set(names)) != len(names):
        raise SpecError("two state labels have the same string form; PyDTMC needs distinct "
                        "state names, so relabel the chain first")
    _warn_dropped(chain, "PyDTMC", [] if all(isinstance(x, str) for x in chain.states.labels)
                  else [("state labels that are not strings (its names are str(label); give "
                         "states=... back)")])
    return pydtmc.MarkovChain(chain.P.toarray(), names)


def from_pydtmc(mc: Any, *, limit_denominator: int | None = None, initial: Any = None,
                labels: Any = None, states: Any = None) -> Chain:
    """A :class:`~chainlab.chain.Chain` from a ``pydtmc.MarkovChain`` (states keep their names).

    Parameters
    ----------
    mc : pydtmc.MarkovChain
    limit_denominator : int, optional
        Recover exact fractions (see the module docstring); default: a float chain.
    initial : optional
        Initial distribution (by state, as ``states`` names them).
    labels : mapping of str to iterable of states, optional
        Named state sets; PyDTMC holds none.
    states : sequence, optional
        The chainlab state labels in PyDTMC's order (default: its names, strings).

    Returns
    -------
    Chain

    See Also
    --------
    chainlab.interop.to_pydtmc : The way there.
    chainlab.interop.from_quantecon : The same for QuantEcon.

    Examples
    --------
    >>> import pydtmc  # doctest: +SKIP
    >>> c = from_pydtmc(pydtmc.MarkovChain([[0.5, 0.5], [0, 1]], ["a", "b"]),
    ...                 limit_denominator=10)  # doctest: +SKIP
    >>> c.probability("a", "b")  # doctest: +SKIP
    Fraction(1, 2)
    """
    P = getattr(mc, "p", None)
    if P is None:
        raise SpecError(f"expected a pydtmc.MarkovChain, got {type(mc).__name__}")
    P = np.asarray(P, dtype=np.float64)
    exact = limit_denominator is not None
    from .chain import Chain

    return Chain(P, states=list(mc.states) if states is None else states, initial=initial,
                 labels=labels, exact=exact, limit_denominator=limit_denominator)
