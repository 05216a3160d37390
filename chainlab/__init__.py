"""chainlab: exact and numerical analysis of finite Markov chains."""
from .chain import Chain
from .statespace import StateSpace
from . import errors, config
__version__ = "0.1.0"
