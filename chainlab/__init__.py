"""chainlab: exact and numerical analysis of finite Markov chains.

The names below are imported on first use (PEP 562), so ``import chainlab`` -- and every
``chainlab`` command that does not need the exact machinery, such as ``simulate-gmm`` -- starts
without loading python-flint and scipy.sparse.

Examples
--------
>>> from chainlab import Chain, exact
>>> exact.absorption(Chain([[1, 0], ["1/2", "1/2"]], initial=1)).initial_t
Fraction(2, 1)
"""
from __future__ import annotations

import importlib
from typing import Any

from . import config, errors


def _version() -> str:
    """The installed distribution's version; from a source tree without metadata, pyproject's."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chainlab")
    except PackageNotFoundError:
        pass
    try:
        import tomllib
        from pathlib import Path

        pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    except (OSError, KeyError, ValueError):
        return "0+unknown"


__all__ = ["Chain", "StateSpace", "errors", "config", "exact", "numeric", "__version__"]

_LAZY = {"Chain": ("chain", "Chain"), "StateSpace": ("statespace", "StateSpace"),
         "exact": ("exact", None), "numeric": ("numeric", None)}


def __getattr__(name: str) -> Any:
    if name == "__version__":  # read on first use: importlib.metadata costs ~20 ms at import
        globals()[name] = version = _version()
        return version
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'chainlab' has no attribute {name!r}") from None
    mod = importlib.import_module(f".{module}", __name__)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
