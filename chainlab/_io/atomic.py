"""Atomic file writes: the one place chainlab writes a file a user asked for.

Everything is written to a temporary file in the target's folder and moved over the target with
``os.replace`` only when complete, so an interrupted write (Ctrl-C, a full disk, a crash) never
leaves a half-written file -- the old file, if any, stays as it was. The temporary file gets
the mode of a normally created file (``0o666`` less the umask), not ``mkstemp``'s ``0o600``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__: list[str] = []

_open_writes = 0  # atomic writes in progress (the interrupt watchdog lets them finish)


def writes_in_progress() -> int:
    """How many atomic writes are under way in this process."""
    return _open_writes


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` (same suffix), moved over ``path`` on success.

    For writers that want a file name (matplotlib's ``savefig``); the folder is created.
    """
    global _open_writes
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.",
                               suffix=(path.suffix or "") + ".part")
    os.close(fd)
    _open_writes += 1
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        _open_writes -= 1


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, *, newline: str | None = None) -> Iterator[IO[str]]:
    """A text file (UTF-8) that appears at ``path`` only once it is completely written."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline=newline) as f:
        yield f


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_open(path, newline="") as f:
        f.write(text)
