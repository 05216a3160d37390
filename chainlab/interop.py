r"""Conversion to and from other Markov-chain packages: QuantEcon and PyDTMC (both optional).

Neither package is a dependency: each function imports its package when called and says how to
install it if it is missing. Both packages hold float64 matrices, so

* ``to_*`` hands them the float view :attr:`chainlab.Chain.P` (correctly rounded from the exact
  entries);
* ``from_*`` returns a *float* chain by default; pass ``limit_denominator=...`` to recover exact
  rationals (e.g. ``1/3`` from ``0.333...``), after which the rows must sum to exactly 1.

State labels travel as QuantEcon's ``state_values`` and as PyDTMC's state names (PyDTMC needs
strings, so labels become ``str(label)`` there). For ``networkx`` use
:meth:`chainlab.Chain.to_networkx` and ``Chain(graph)``; for PRISM and Storm files,
:mod:`chainlab.io`.

Examples
--------
>>> from chainlab.models import gamblers_ruin
>>> mc = to_quantecon(gamblers_ruin(3))  # doctest: +SKIP
>>> mc.P[1]  # doctest: +SKIP
array([0.5, 0. , 0.5, 0. ])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .chain import Chain
from .errors import SpecError

__all__ = ["to_quantecon", "from_quantecon", "to_pydtmc", "from_pydtmc"]


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
    qe = _require("quantecon", "quantecon")
    return qe.MarkovChain(chain.P.toarray(), state_values=_labels_array(chain))


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
                   initial: Any = None) -> Chain:
    """A :class:`~chainlab.chain.Chain` from a ``quantecon.MarkovChain``.

    Parameters
    ----------
    mc : quantecon.MarkovChain
    limit_denominator : int, optional
        Convert entries to fractions with at most this denominator (an exact chain); default:
        a float chain.
    initial : optional
        Initial distribution (by state value).

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
    return Chain(P, states=states, initial=initial, exact=exact,
                 limit_denominator=limit_denominator)


def to_pydtmc(chain: Chain) -> Any:
    """A ``pydtmc.MarkovChain`` with the float matrix; state names are ``str(label)``.

    Raises
    ------
    ImportError
        PyDTMC is not installed (``pip install PyDTMC``).
    SpecError
        Two labels with the same string form (PyDTMC names must be distinct).

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
    pydtmc = _require("pydtmc", "PyDTMC")
    names = [str(x) for x in chain.states.labels]
    if len(set(names)) != len(names):
        raise SpecError("two state labels have the same string form; PyDTMC needs distinct "
                        "state names, so relabel the chain first")
    return pydtmc.MarkovChain(chain.P.toarray(), names)


def from_pydtmc(mc: Any, *, limit_denominator: int | None = None, initial: Any = None) -> Chain:
    """A :class:`~chainlab.chain.Chain` from a ``pydtmc.MarkovChain`` (states keep their names).

    Parameters
    ----------
    mc : pydtmc.MarkovChain
    limit_denominator : int, optional
        Recover exact fractions (see the module docstring); default: a float chain.
    initial : optional
        Initial distribution (by state name).

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
    return Chain(P, states=list(mc.states), initial=initial, exact=exact,
                 limit_denominator=limit_denominator)
