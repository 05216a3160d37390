"""Vectorised readers of explicit chain files, behind :mod:`chainlab.io`.

The C tokenizer (:mod:`chainlab._io._cparse`) turns the body of a ``.drn`` / ``.tra`` / ``.lab``
file into integer arrays and the list of *distinct* value strings; each distinct value is then
parsed once -- exactly (``0.4`` is 2/5) or as the correctly rounded float -- and the chain is
built by :meth:`chainlab.Chain._from_table` without a Python object per entry.

These readers handle the well-formed common case only. Whenever something is unusual (no C
extension, a parametric file, a malformed line, a value that does not parse) they return
``None`` and :mod:`chainlab.io` runs its line-by-line reader, which is the reference: it
gives the same chain, or the error message with file, line and fix.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from flint import fmpq

from ..chain import Chain

try:
    from . import _cparse  # type: ignore[attr-defined]  # (a C extension: no stub)
except ImportError:  # pragma: no cover - the extension is optional
    _cparse = None

__all__: list[str] = []

_DECIMAL = re.compile(r"^[+]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def available() -> bool:
    """Whether the C tokenizer is built."""
    return _cparse is not None


def _exact_value(text: str) -> fmpq | None:
    try:
        f = Fraction(text)
    except (ValueError, ZeroDivisionError):
        return None
    if not 0 <= f <= 1:
        return None
    return fmpq(f.numerator, f.denominator)


def _float_value(text: str) -> float | None:
    if _DECIMAL.match(text):
        x = float(text)  # correctly rounded
    else:
        v = _exact_value(text)
        if v is None:
            return None
        x = int(v.p) / int(v.q)
    return x if 0.0 <= x <= 1.0 else None


def _tables(strings: list[str], placeholders: dict[str, str]) -> tuple[list | None, list | None]:
    """Exact and float tables of the distinct value strings (None where one does not parse)."""
    texts = [placeholders.get(s, s) for s in strings]
    exact_tab: list | None = []
    for t in texts:
        v = _exact_value(t)
        if v is None:
            exact_tab = None
            break
        exact_tab.append(v)  # type: ignore[union-attr]  # (mypy does not narrow across the break)
    float_tab: list | None = []
    for t in texts:
        x = _float_value(t)
        if x is None:
            float_tab = None
            break
        float_tab.append(x)  # type: ignore[union-attr]  # (mypy does not narrow across the break)
    return exact_tab, float_tab


def _make(n, rows, cols, vids, tables, labels, initial, atol, states=None):
    exact_tab, float_tab = tables

    def make(as_exact: bool) -> Chain:
        table = exact_tab if as_exact else float_tab
        if table is None:  # (only reached when the other kind parsed: see callers)
            raise _Unparsed
        return Chain._from_table(n, rows, cols, vids, table, exact=as_exact, states=states,
                                 labels=labels, initial=initial, atol=atol)

    return make


class _Unparsed(Exception):
    """A value string did not parse in the kind asked for: let the reference reader report."""


# ---------------------------------------------------------------------- .drn
def _drn_header(data: bytes) -> tuple[int, dict[str, str], int, int] | None:
    """``(num_states, placeholders, model_offset, model_lineno)`` of a plain DTMC file."""
    pos = 0
    lineno = 0
    section = None
    n = None
    placeholders: dict[str, str] = {}
    while pos < len(data):
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        lineno += 1
        line = data[pos:end].decode("utf-8", "replace").strip()
        pos = end + 1
        if not line or line.startswith("//"):
            continue
        if line.startswith("@"):
            key, _, rest = line.partition(":")
            section = key
            if key == "@type" and rest.strip() != "DTMC":
                return None
            if key == "@value_type" and rest.strip() == "parametric":
                return None
            if key == "@model":
                return (n, placeholders, pos, lineno + 1) if n is not None else None
            continue
        if section == "@nr_states":
            if not line.isdigit() or int(line) < 1:
                return None
            n = int(line)
        elif section == "@parameters":
            return None  # parametric: the reference reader
        elif section == "@placeholders":
            key, sep, text = line.partition(":")
            if not sep or not key.strip().startswith("$"):
                return None
            placeholders[key.strip()] = text.strip()
    return None


def read_drn(path: Path, *, exact: bool | None, atol: float, finish, split) -> Chain | None:
    """The chain of a ``.drn`` file, or None to let the reference reader handle it."""
    if _cparse is None:
        return None
    data = path.read_bytes()
    header = _drn_header(data)
    if header is None:
        return None
    n, placeholders, offset, lineno = header
    try:
        (indptr, cols, vids, values, label_names, lab_ptr, lab_ids, _srp, _sri, _arp, _ari,
         state_lines) = _cparse.parse_drn(data, offset, lineno, n)
    except ValueError:
        return None
    if any(v.startswith("$") and v not in placeholders for v in values):
        return None
    tables = _tables(values, placeholders)
    if tables[0] is None and tables[1] is None or (exact is not False and tables[0] is None) \
            or (exact is False and tables[1] is None):
        return None
    indptr = np.frombuffer(indptr, dtype=np.int64)
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    cols = np.frombuffer(cols, dtype=np.int64)
    vids = np.frombuffer(vids, dtype=np.int32)
    lab_ptr = np.frombuffer(lab_ptr, dtype=np.int64)
    lab_ids = np.frombuffer(lab_ids, dtype=np.int32)
    lab_state = np.repeat(np.arange(n, dtype=np.int64), np.diff(lab_ptr))
    labels: dict[str, Any] = {}
    if len(lab_ids):
        order = np.argsort(lab_ids, kind="stable")
        bounds = np.searchsorted(lab_ids[order], np.arange(len(label_names) + 1))
        for k, name in enumerate(label_names):
            labels[name] = lab_state[order[bounds[k]:bounds[k + 1]]]
    state_lines = np.frombuffer(state_lines, dtype=np.int64)
    initial, kept = split(labels)
    make = _make(n, rows, cols, vids, tables, kept, initial, atol)
    try:
        return finish(path, lambda row: int(state_lines[row]), make, exact)
    except _Unparsed:
        return None


# ---------------------------------------------------------------------- .tra / .lab
def _first_line(data: bytes) -> tuple[str, int, int] | None:
    """The first non-blank line, its number and the offset after it."""
    pos, lineno = 0, 0
    while pos < len(data):
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        lineno += 1
        line = data[pos:end].decode("utf-8", "replace").strip()
        pos = end + 1
        if line:
            return line, lineno, pos
    return None


def read_lab(path: Path, n: int) -> dict[str, np.ndarray] | None:
    """Labels of a ``.lab`` file as index arrays (``deadlock`` dropped), or None."""
    if _cparse is None:
        return None
    data = path.read_bytes()
    first = _first_line(data)
    if first is None:
        return {}
    line, lineno, offset = first
    names: dict[int, str] = {}
    for tok in line.split():
        mt = re.fullmatch(r'(\d+)="([^"]*)"', tok)
        if not mt:
            return None
        names[int(mt.group(1))] = mt.group(2)
    try:
        states, ids = _cparse.parse_lab(data, offset, lineno + 1, n)
    except ValueError:
        return None
    states = np.frombuffer(states, dtype=np.int64)
    ids = np.frombuffer(ids, dtype=np.int64)
    if len(ids) and not np.isin(ids, np.fromiter(names, np.int64, len(names))).all():
        return None
    out = {name: np.unique(states[ids == k]) for k, name in names.items()}
    out.pop("deadlock", None)  # PRISM's own bookkeeping label
    return out


def read_tra(path: Path, *, labels_path: Path | None, states_of, exact: bool | None,
             atol: float, finish, split) -> Chain | None:
    """The chain of a PRISM ``.tra`` file (labels from ``labels_path``, state valuations from
    ``states_of(num_states)``), or None."""
    if _cparse is None:
        return None
    data = path.read_bytes()
    first = _first_line(data)
    if first is None:
        return None
    line, lineno, offset = first
    parts = line.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    n, m = int(parts[0]), int(parts[1])
    if n < 1:
        return None
    try:
        rows, cols, vids, values, lines = _cparse.parse_tra(data, offset, lineno + 1, n)
    except ValueError:
        return None
    rows = np.frombuffer(rows, dtype=np.int64)
    if len(rows) != m:
        return None
    tables = _tables(values, {})
    if (exact is not False and tables[0] is None) or (exact is False and tables[1] is None):
        return None
    labels: dict[str, Any] = {}
    if labels_path is not None:
        got = read_lab(labels_path, n)
        if got is None:
            return None
        labels = got
    cols = np.frombuffer(cols, dtype=np.int64)
    vids = np.frombuffer(vids, dtype=np.int32)
    lines = np.frombuffer(lines, dtype=np.int64)
    first_line = np.full(n, -1, dtype=np.int64)
    if len(rows):
        first_line[rows[::-1]] = lines[::-1]  # the first line of every row
    initial, kept = split(labels)
    states = None if states_of is None else states_of(n)
    make = _make(n, rows, cols, vids, tables, kept, initial, atol, states=states)
    try:
        return finish(path, lambda row: int(first_line[row]) if first_line[row] >= 0 else None,
                      make, exact)
    except _Unparsed:
        return None
