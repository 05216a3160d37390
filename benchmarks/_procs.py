"""The environment of a timed child process, shared by the whole-process benchmarks.

BLAS runs single-threaded (measured: multithreaded BLAS under load slowed the solves), and with
``pycache`` the child runs as an installed package does, its bytecode cached in that folder:
no ``PYTHONDONTWRITEBYTECODE`` (some sandboxes set it, which would charge every chainlab process
~40-50 ms of compiling its own modules) and ``PYTHONPYCACHEPREFIX`` there, so nothing is written
into the checkout. ``pycache=None`` keeps the environment's setting as it is.
"""

from __future__ import annotations

import os


def child_env(pycache: str | None) -> dict[str, str]:
    """``os.environ`` for a timed child: one BLAS thread, bytecode cached in ``pycache``."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env
