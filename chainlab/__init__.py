"""chainlab: exact and numerical analysis of finite Markov chains.

Examples
--------
>>> from chainlab import Chain, exact
>>> exact.absorption(Chain([[1, 0], ["1/2", "1/2"]], initial=1)).initial_t
Fraction(2, 1)
"""
from . import config, errors, exact, numeric
from .chain import Chain
from .statespace import StateSpace

__version__ = "0.1.0"
__all__ = ["Chain", "StateSpace", "errors", "config", "exact", "numeric", "__version__"]
