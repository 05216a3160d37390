"""Atomic file writes: the one place chainlab writes a file a user asked for.

Everything is written to a temporary file in the target's folder and moved over the target with
``os.replace`` only when complete, so an interrupted write (Ctrl-C, a full disk, a crash) never
leaves a half-written file -- the old file, if any, stays as it was. The temporary file gets
the mode of a normally created file (``0o666`` less the umask), not ``mkstemp``'s ``0o600``,
and the file moved into place keeps it.

A missing folder is refused (:class:`~chainlab.errors.SpecError` naming the folder and the fix)
unless the caller passes ``create_folder=True``: nothing creates a folder without being asked
(the command line never asks; it checks output paths before any work starts).
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
def atomic_path(path: str | os.PathLike, *, create_folder: bool = False) -> Iterator[Path]:
    """A temporary path beside ``path`` (same suffix), moved over ``path`` on success.

    For writers that want a file name (matplotlib's ``savefig``). The folder of ``path`` must
    exist, or is created (with its parents) when ``create_folder`` is true.

    Raises
    ------
    SpecError
        ``path`` is not a path, or its folder is missing (and ``create_folder`` is false) or is
        not a folder.
    """
    global _open_writes
    from ..errors import SpecError

    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise SpecError(f"path must be a file name (str or os.PathLike), got {path!r}")
    if not isinstance(create_folder, bool):
        raise SpecError(f"create_folder must be True or False, got {create_folder!r}")
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        if folder.exists():
            raise SpecError(f"cannot write {path}: {folder} is not a folder; give a path in an "
                            "existing folder")
        if not create_folder:
            raise SpecError(f"cannot write {path}: folder {folder} does not exist; create it "
                            "first, give a path in an existing folder, or pass "
                            "create_folder=True")
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
def atomic_open(path: str | os.PathLike, *, newline: str | None = None,
                create_folder: bool = False) -> Iterator[IO[str]]:
    """A text file (UTF-8) that appears at ``path`` only once it is completely written (the
    folder as in :func:`atomic_path`)."""
    with atomic_path(path, create_folder=create_folder) as tmp, \
            open(tmp, "w", encoding="utf-8", newline=newline) as f:
        yield f


def write_text(path: str | os.PathLike, text: str, *, create_folder: bool = False) -> None:
    """Write ``text`` to ``path`` atomically (the folder as in :func:`atomic_path`)."""
    if not isinstance(text, str):
        from ..errors import SpecError

        raise SpecError(f"text must be a str, got {type(text).__name__}")
    with atomic_open(path, newline="", create_folder=create_folder) as f:
        f.write(text)
