"""Process-wide settings (one place): limits -- how large a chain may get, when ``auto`` switches
to floats, the float tolerance -- and solver choices, for benchmarks and experiments.

Examples
--------
>>> from chainlab import config
>>> config.limits.max_states >= 10**6
True
>>> with config.override(max_states=10):
...     config.limits.max_states
10
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator

__all__ = ["Limits", "Solvers", "limits", "solvers", "override"]


@dataclasses.dataclass
class Limits:
    """Configurable limits.

    Attributes
    ----------
    max_states : int
        Largest number of states a chain (or a compilation) may have; beyond it chainlab raises
        :class:`chainlab.errors.StateSpaceLimitError` before allocating.
    exact_auto_max_states : int
        ``method="auto"`` front ends (the CLI) use exact arithmetic up to this many states
        and float64 above it.
    memory_budget : int
        Bytes the command line lets one run use (its address space is capped there, and exact
        solves whose estimate exceeds it are refused before they start); default half of the
        machine's physical memory.
    exact_time_budget : float
        Seconds an exact solve may be estimated to take before it is refused (the estimate,
        ``chainlab._linalg.budget``, errs on the slow side); ``inf`` never refuses.
    tolerance : float
        Relative error every float64 result must be certified to (its ``error_bound``, claims
        CERT-1 .. CERT-4): :mod:`chainlab.numeric` refines a solve that misses it and raises
        :class:`chainlab.errors.PrecisionError` when refinement cannot reach it. ``inf``
        accepts any result (the bound is still reported).
    """

    max_states: int = 20_000_000
    exact_auto_max_states: int = 5_000
    tolerance: float = 1e-6
    exact_time_budget: float = 1800.0
    memory_budget: int = dataclasses.field(default_factory=lambda: _half_the_memory())


def _half_the_memory() -> int:
    """Half of the physical memory (8 GiB where the platform does not tell)."""
    import os

    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (AttributeError, OSError, ValueError):  # pragma: no cover - non-POSIX
        return 8 * 2**30


limits = Limits()


@dataclasses.dataclass
class Solvers:
    """Solver choices. The defaults are what chainlab measured to be fastest; every choice gives
    the same exact results, so these are for benchmarks and experiments (steer them with
    :func:`override`, never by patching chainlab's private names).

    Attributes
    ----------
    compile_kernel : bool
        Explore states with the C kernel where it was built (default); ``False`` forces the
        compiler's pure-Python loop.
    exact_blocks : str
        How exact solves factor a block of at least 200 states (smaller ones always use
        rational elimination): ``"auto"``
        (a cost model picks p-adic lifting or rational elimination), ``"padic"`` (p-adic
        lifting whenever it applies) or ``"rational"`` (always rational elimination).
    progress : bool or callable
        Progress of exact solves, block by block (the ``progress=`` convention of
        :func:`chainlab.compiler.compile_model`); the command line turns it on when stderr is a
        terminal. Default False.
    block_log : list or None
        When a list, every factored block of an exact or float solve appends a record
        ``{"states", "big", "route", "degree", "factor", "solve", "iterations"}`` (times as
        ``(wall, cpu)`` seconds) -- a diagnostic for benchmarks.

    Examples
    --------
    >>> from chainlab import config, exact
    >>> from chainlab.models import gamblers_ruin
    >>> log = []
    >>> with config.override(exact_blocks="rational", block_log=log):
    ...     t = exact.absorption(gamblers_ruin(300)).initial_t
    >>> t, sorted({rec["route"] for rec in log})
    (Fraction(299, 1), ['_FractionFreeLU'])
    """

    compile_kernel: bool = True
    exact_blocks: str = "auto"
    block_log: list | None = None
    progress: object = False


solvers = Solvers()
_EXACT_BLOCKS = ("auto", "padic", "rational")


def _check(key: str, value: object) -> None:
    """Validate one setting (the one gate for ``override``)."""
    from ._validate import integer
    from .errors import SpecError

    if key == "compile_kernel":
        if not isinstance(value, bool):
            raise SpecError(f"compile_kernel must be True or False, got {value!r}")
    elif key == "exact_blocks":
        if value not in _EXACT_BLOCKS:
            raise SpecError(f"exact_blocks must be one of {list(_EXACT_BLOCKS)}, got {value!r}")
    elif key == "progress":
        from ._progress import reporter

        reporter(value)
    elif key == "block_log":
        if value is not None and not isinstance(value, list):
            raise SpecError(f"block_log must be a list (records are appended) or None, "
                            f"got {type(value).__name__}")
    elif key in ("tolerance", "exact_time_budget"):
        what = {"tolerance": "(a relative error such as 1e-6, or float('inf') to accept any "
                             "bound)",
                "exact_time_budget": "of seconds (or float('inf'))"}[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not value > 0:  # (also refuses NaN)
            raise SpecError(f"{key} must be a positive number {what}, got {value!r}")
    else:
        integer(key, value, low=1)


@contextlib.contextmanager
def override(**changes: object) -> Iterator[Limits]:
    """Temporarily change limits and solver choices (restored on exit, also after an exception).

    Keys are the attributes of :class:`Limits` and :class:`Solvers`; the context value is
    :data:`limits`.

    See Also
    --------
    chainlab.config.Limits : The limits it can change.
    chainlab.config.Solvers : The solver choices it can change.

    Examples
    --------
    >>> with override(exact_auto_max_states=3):
    ...     limits.exact_auto_max_states
    3
    >>> limits.exact_auto_max_states
    5000
    """
    saved = [(obj, dataclasses.replace(obj)) for obj in (limits, solvers)]
    known = [key for _, old in saved for key in vars(old)]
    for key in changes:
        if key not in known:
            from .errors import SpecError

            raise SpecError(f"unknown setting {key!r}; known settings are {known}")
        _check(key, changes[key])
    for key, value in changes.items():
        setattr(limits if hasattr(limits, key) else solvers, key, value)
    try:
        yield limits
    finally:
        for obj, old in saved:
            for key in vars(old):
                setattr(obj, key, getattr(old, key))
