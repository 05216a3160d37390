"""Index-level sparse helpers shared by both backends (they move positions, never values).

Working on *positions into the data array* lets one routine serve the exact backend (object
arrays of ``fmpq``) and the float backend (float64 arrays) alike.
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []


def rows_positions(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR pointer of the selected rows and the data positions of their entries, in order."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(lengths, out=ptr[1:])
    total = int(ptr[-1])
    if total == 0:
        return ptr, np.zeros(0, dtype=np.int64)
    # positions = starts[r] + (0..len-1) for every selected row, vectorised
    offsets = np.arange(total, dtype=np.int64) - np.repeat(ptr[:-1], lengths)
    return ptr, np.repeat(starts, lengths) + offsets


def local_index(num_states: int, subset: np.ndarray) -> np.ndarray:
    """Map global state index -> position in ``subset`` (or -1)."""
    loc = np.full(num_states, -1, dtype=np.int64)
    loc[subset] = np.arange(len(subset), dtype=np.int64)
    return loc


def csr_matvec_object(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                      x: np.ndarray) -> np.ndarray:
    """``A @ x`` for CSR ``A`` with object (or any) dtype data and 1-D or 2-D ``x``."""
    nrows = len(indptr) - 1
    shape = (nrows,) + x.shape[1:]
    out = np.empty(shape, dtype=object)
    out[...] = 0
    if len(data) == 0:
        return out
    prod = data.reshape((-1,) + (1,) * (x.ndim - 1)) * x[indices]
    nonempty = np.flatnonzero(indptr[1:] > indptr[:-1])
    if len(nonempty):
        out[nonempty] = np.add.reduceat(prod, indptr[nonempty], axis=0)
    return out
