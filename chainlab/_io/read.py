"""Readers of PRISM explicit (``.tra``/``.lab``/``.sta``) and Storm ``.drn`` files, line by line.

The reference implementation behind :mod:`chainlab.io`: the vectorised readers of
:mod:`chainlab._io.fast` handle the common case and fall back to these functions, which give the
same chain or the error message with file, line and fix (see :mod:`chainlab.io` for the formats).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

from flint import fmpq

from ..chain import Chain
from ..errors import FileFormatError, NotStochasticError, SpecError
from . import fast as _fastread

__all__: list[str] = []

_LABEL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def bundled_example() -> Path:
    """Path of the bundled example chain (gambler's ruin, N = 10, p = 2/5, start at 1).

    See Also
    --------
    chainlab.io.read_chain : Read it, or any other chain file.

    Examples
    --------
    >>> bundled_example().name
    'gamblers_ruin.drn'
    """
    from importlib import resources

    return Path(str(resources.files("chainlab") / "data" / "gamblers_ruin.drn"))


# ---------------------------------------------------------------------- values


class _Values:
    """Exact parsing of probability strings, memoised (files repeat a few distinct values)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cache: dict[str, fmpq] = {}

    def __call__(self, text: str, lineno: int) -> fmpq:
        v = self.cache.get(text)
        if v is None:
            try:
                f = Fraction(text)
            except (ValueError, ZeroDivisionError):
                raise FileFormatError(
                    f"{self.path}:{lineno}: probability {text!r} is not a number; write a "
                    "decimal such as 0.25 or a fraction such as 1/4"
                ) from None
            if f < 0 or f > 1:
                raise FileFormatError(
                    f"{self.path}:{lineno}: probability {text} is outside [0, 1]"
                )
            v = self.cache[text] = fmpq(f.numerator, f.denominator)
        return v


def _int(text: str, path: Path, lineno: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise FileFormatError(f"{path}:{lineno}: {what} {text!r} is not an integer") from None
    if value < 0:
        raise FileFormatError(f"{path}:{lineno}: {what} {value} is negative")
    return value


def _build(path: Path, num_states: int, transitions: list[tuple[int, int, fmpq]],
           row_line: dict[int, int], labels: dict[str, list[int]], states: Any,
           exact: bool | None, atol: float) -> Chain:
    """Chain from parsed triples; row errors are reported at the state's line in the file."""
    init = labels.get("init")
    initial = {i: Fraction(1, len(init)) for i in init} if init else None
    # init -> initial; a declared label without states is kept (the event has probability 0)
    kept = {k: v for k, v in labels.items() if k != "init"}

    def make(as_exact: bool) -> Chain:
        triples = transitions if as_exact else \
            [(i, j, int(v.p) / int(v.q)) for i, j, v in transitions]
        return Chain.from_transitions(num_states, triples, states=states, initial=initial,
                                      labels=kept, exact=as_exact, atol=atol)

    return _finish(path, row_line.get, make, exact)


def _finish(path: Path, line_of_row, make, exact: bool | None) -> Chain:
    """``make(exact)``; with ``exact=None`` a float chain when only rounding breaks the row
    sums; errors as FileFormatError at the line of the offending row (``line_of_row(row)``)."""
    try:
        try:
            return make(exact is not False)
        except NotStochasticError as exc:
            row = getattr(exc, "row", None)
            if exact is None and row is not None and "sums to" in str(exc):
                try:
                    return make(False)
                except NotStochasticError:
                    pass  # not a rounding problem: report the exact row sum
            raise
    except (NotStochasticError, SpecError) as exc:
        row = getattr(exc, "row", None)
        line = line_of_row(row) if row is not None else None
        where = f"{path}:{line}" if line is not None else str(path)
        hint = ("" if exact is not True or "sums to" not in str(exc) else
                "; the file's rounded decimals do not sum to exactly 1: write fractions p/q in "
                "the file, or read it with exact=False (as floats)")
        err = FileFormatError(f"{where}: {exc}{hint}")
        # what a caller needs to say it in its own terms (the CLI names its flags)
        # (attributes of this error only, read with getattr: not declared on the class)
        err.row, err.line = row, line  # type: ignore[attr-defined]
        found = re.search(r"sums to (\S+), expected 1", str(exc))
        err.row_sum = found.group(1).rstrip(",;") if found else None  # type: ignore[attr-defined]
        raise err from None


def _initial_and_labels(labels: dict[str, Any]) -> tuple[dict | None, dict]:
    init = labels.get("init")
    initial = {int(i): Fraction(1, len(init)) for i in init} if init is not None and len(init) \
        else None
    kept = {k: v for k, v in labels.items() if k != "init"}  # empty labels kept too
    return initial, kept


# ---------------------------------------------------------------------- readers
def read_chain(path: str | os.PathLike, *, exact: bool | None = None,
               atol: float = 1e-10) -> Chain:
    """Read a chain from a ``.drn`` file or a PRISM ``.tra`` file (``.lab``/``.sta`` beside it).

    A parametric ``.drn`` file (non-empty ``@parameters``) gives a
    :class:`~chainlab.parametric.ParametricChain` instead of a Chain.

    Parameters
    ----------
    path : path-like
        ``*.drn`` or ``*.tra``; for ``base.tra`` the files ``base.lab`` and ``base.sta`` are used
        when they exist.
    exact : bool, optional
        ``True``: rows must sum to exactly 1; ``False``: a float chain; ``None`` (default):
        exact when every row sums to exactly 1, float (rows within ``atol``) otherwise.
    atol : float, default 1e-10
        Row-sum tolerance for float chains.

    Returns
    -------
    Chain or ParametricChain

    Raises
    ------
    FileFormatError
        Unknown suffix, missing file, or a malformed line (the message names file and line).
    SpecError
        ``exact=False`` for a parametric file (its entries are functions, not floats).

    See Also
    --------
    chainlab.io.read_drn : Read a Storm ``.drn`` file.
    chainlab.io.read_prism : Read PRISM explicit files.
    chainlab.io.write_drn : Write a chain as a ``.drn`` file.

    Examples
    --------
    >>> c = read_chain(bundled_example())
    >>> c, sorted(c.labels), dict(c.initial), c.probability(1, 2)
    (Chain(11 states, 20 transitions, exact), ['ruin', 'win'], {1: Fraction(1, 1)}, Fraction(2, 5))
    """
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"{p}: no such file; give a .drn file or a PRISM .tra file")
    suffix = p.suffix.lower()
    if suffix == ".drn":
        return read_drn(p, exact=exact, atol=atol)
    if suffix == ".tra":
        lab, sta = p.with_suffix(".lab"), p.with_suffix(".sta")
        return read_prism(p, lab=lab if lab.is_file() else None,
                          sta=sta if sta.is_file() else None, exact=exact, atol=atol)
    raise FileFormatError(
        f"{p}: unknown file type {p.suffix!r}; chainlab reads Storm .drn files and PRISM "
        "explicit .tra files (with .lab and .sta beside them)"
    )


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            yield lineno, line


def read_prism(tra: str | os.PathLike, *, lab: str | os.PathLike | None = None,
               sta: str | os.PathLike | None = None, exact: bool | None = None,
               atol: float = 1e-10) -> Chain:
    """Read PRISM explicit files: transitions (``.tra``), labels (``.lab``), states (``.sta``).

    See Also
    --------
    chainlab.io.read_chain : Read either format, chosen by the file suffix.
    chainlab.io.write_prism : Write a chain as PRISM explicit files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "m.tra").write_text("2 3\\n0 0 0.5\\n0 1 0.5\\n1 1 1\\n")
    >>> _ = (d / "m.lab").write_text('0="init" 1="deadlock" 2="done"\\n0: 0\\n1: 2\\n')
    >>> c = read_prism(d / "m.tra", lab=d / "m.lab")
    >>> c.probability(0, 1), dict(c.initial), sorted(c.labels["done"])
    (Fraction(1, 2), {0: Fraction(1, 1)}, [1])
    """
    tra = Path(tra)
    fast = _fastread.read_tra(tra, labels_path=None if lab is None else Path(lab),
                              states_of=None if sta is None else
                              (lambda n: _read_sta(Path(sta), n)),
                              exact=exact, atol=atol, finish=_finish, split=_initial_and_labels)
    if fast is not None:
        return fast
    value = _Values(tra)
    it = _lines(tra)
    header = None
    for lineno, line in it:
        if line.strip():
            header = (lineno, line.split())
            break
    if header is None:
        raise FileFormatError(f"{tra}:1: empty file; the first line must be "
                              "'num_states num_transitions'")
    lineno, parts = header
    storm = parts[0][:1].isalpha()  # Storm's explicit dialect: a model-type line, no counts
    if storm:
        if len(parts) != 1 or parts[0].lower() != "dtmc":
            raise FileFormatError(
                f"{tra}:{lineno}: model type {' '.join(parts)!r} is not supported; chainlab "
                "reads DTMCs (Storm's explicit files start with the line 'dtmc')"
            )
        n = m = -1  # known once every transition is read
    elif len(parts) != 2:
        raise FileFormatError(
            f"{tra}:{lineno}: header {' '.join(parts)!r} must be 'num_states num_transitions' "
            "(or the line 'dtmc' of Storm's explicit format; MDP files with choices are not "
            "DTMCs)"
        )
    else:
        n = _int(parts[0], tra, lineno, "number of states")
        m = _int(parts[1], tra, lineno, "number of transitions")
        if n < 1:
            raise FileFormatError(f"{tra}:{lineno}: a chain needs at least one state")
    transitions: list[tuple[int, int, fmpq]] = []
    row_line: dict[int, int] = {}
    for lineno, line in it:
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3:
            raise FileFormatError(
                f"{tra}:{lineno}: expected 'source target probability', got {line.strip()!r}"
                + (" (4 columns: an MDP, not a DTMC)" if len(parts) == 4 else "")
            )
        i = _int(parts[0], tra, lineno, "source state")
        j = _int(parts[1], tra, lineno, "target state")
        for s in (i, j):
            if s >= n and not storm:
                raise FileFormatError(
                    f"{tra}:{lineno}: state {s} is out of range; the header declares {n} "
                    f"states (0..{n - 1})"
                )
        transitions.append((i, j, value(parts[2], lineno)))
        row_line.setdefault(i, lineno)
    if storm:
        if not transitions:
            raise FileFormatError(f"{tra}: no transitions after the line 'dtmc'; a chain needs "
                                  "at least one state")
        n = 1 + max(max(i, j) for i, j, _ in transitions)  # Storm: the highest index seen
        m = len(transitions)
    if len(transitions) != m:
        raise FileFormatError(
            f"{tra}: the header declares {m} transitions but the file has {len(transitions)}"
        )
    labels = _read_lab(Path(lab), n) if lab is not None else {}
    states = _read_sta(Path(sta), n) if sta is not None else None
    return _build(tra, n, transitions, row_line, labels, states, exact, atol)


def _read_lab(path: Path, n: int) -> dict[str, list[int]]:
    with open(path, encoding="utf-8") as f:
        head = f.read(4096).lstrip()
    if head.startswith("#DECLARATION"):
        return _read_storm_lab(path, n)
    it = _lines(path)
    names: dict[str, str] = {}
    for lineno, line in it:
        if not line.strip():
            continue
        for tok in line.split():
            mt = re.fullmatch(r'(\d+)="([^"]*)"', tok)
            if not mt:
                raise FileFormatError(
                    f"{path}:{lineno}: label declaration {tok!r} must look like 0=\"init\""
                )
            names[mt.group(1)] = mt.group(2)
        break
    labels: dict[str, list[int]] = {name: [] for name in names.values()}
    for lineno, line in it:
        if not line.strip():
            continue
        head, sep, rest = line.partition(":")
        if not sep:
            raise FileFormatError(f"{path}:{lineno}: expected 'state: label ids', got "
                                  f"{line.strip()!r}")
        s = _int(head.strip(), path, lineno, "state")
        if s >= n:
            raise FileFormatError(f"{path}:{lineno}: state {s} is out of range (0..{n - 1})")
        for k in rest.split():
            if k not in names:
                raise FileFormatError(f"{path}:{lineno}: label id {k} is not declared on the "
                                      "first line")
            labels[names[k]].append(s)
    labels.pop("deadlock", None)  # PRISM's own bookkeeping label
    return labels


def _read_storm_lab(path: Path, n: int) -> dict[str, list[int]]:
    """Storm's explicit labelling: ``#DECLARATION``, label names, ``#END``, ``state name ...``."""
    labels: dict[str, list[int]] = {}
    declaring = None  # None: before #DECLARATION, True: in it, False: after #END
    last = -1
    for lineno, line in _lines(path):
        parts = line.split()
        if not parts:
            continue
        if declaring is not False:
            for tok in parts:
                if tok == "#DECLARATION" and declaring is None:
                    declaring = True
                elif tok == "#END" and declaring:
                    declaring = False
                elif declaring:
                    labels.setdefault(tok, [])
                else:
                    raise FileFormatError(f"{path}:{lineno}: expected #DECLARATION, got {tok!r}")
            continue
        s = _int(parts[0], path, lineno, "state")
        if s >= n:
            raise FileFormatError(f"{path}:{lineno}: state {s} is out of range (0..{n - 1})")
        if s <= last:
            raise FileFormatError(f"{path}:{lineno}: state {s} comes after state {last}; Storm's "
                                  "label files list each state once, in increasing order")
        last = s
        for name in parts[1:]:
            if name not in labels:
                raise FileFormatError(f"{path}:{lineno}: label {name!r} is not declared between "
                                      "#DECLARATION and #END")
            labels[name].append(s)
    if declaring is not False:
        raise FileFormatError(f"{path}: no #END after the #DECLARATION of the label names")
    labels.pop("deadlock", None)  # bookkeeping label, as in PRISM's files
    return labels


def _read_sta(path: Path, n: int) -> list[Any]:
    states: list[Any] = [None] * n
    it = _lines(path)
    for lineno, line in it:
        if line.strip():
            if not line.strip().startswith("("):
                raise FileFormatError(f"{path}:{lineno}: the first line must name the variables,"
                                      " e.g. (x,y)")
            break
    for lineno, line in it:
        if not line.strip():
            continue
        head, sep, rest = line.partition(":")
        rest = rest.strip()
        if not sep or not (rest.startswith("(") and rest.endswith(")")):
            raise FileFormatError(f"{path}:{lineno}: expected 'state:(v1,v2,...)', got "
                                  f"{line.strip()!r}")
        s = _int(head.strip(), path, lineno, "state")
        if s >= n:
            raise FileFormatError(f"{path}:{lineno}: state {s} is out of range (0..{n - 1})")
        vals: list[Any] = []  # ints, bools or names
        for v in rest[1:-1].split(","):
            v = v.strip()
            try:
                vals.append(int(v))
            except ValueError:
                vals.append({"true": True, "false": False}.get(v, v))
        states[s] = tuple(vals)
    missing = [i for i, v in enumerate(states) if v is None]
    if missing:
        raise FileFormatError(f"{path}: no valuation for state {missing[0]}; every state "
                              "needs one line")
    return states


def read_drn(path: str | os.PathLike, *, exact: bool | None = None,
             atol: float = 1e-10) -> Chain:
    """Read a Storm explicit ``.drn`` file holding a DTMC (parametric files give a
    :class:`~chainlab.parametric.ParametricChain`; see the module docstring).

    See Also
    --------
    chainlab.io.read_chain : Read either format, chosen by the file suffix.
    chainlab.io.write_drn : Write a chain as a ``.drn`` file.

    Examples
    --------
    >>> read_drn(bundled_example()).num_states
    11
    """
    path = Path(path)
    fast = _fastread.read_drn(path, exact=exact, atol=atol, finish=_finish,
                              split=_initial_and_labels)
    if fast is not None:
        return fast
    value: Any = _Values(path)
    parameters: list[str] = []
    parameters_line = 0
    placeholders: dict[str, tuple[str, int]] = {}
    n = None
    in_model = False
    section = None
    transitions: list[tuple[int, int, fmpq]] = []
    row_line: dict[int, int] = {}
    labels: dict[str, list[int]] = {}
    state = -1
    actions = 0
    expected_state = 0
    for lineno, raw in _lines(path):
        line = raw.strip()
        if not line or line.startswith("//"):
            continue
        if not in_model:
            if line.startswith("@"):
                key, _, rest = line.partition(":")
                section = key
                if key == "@type" and rest.strip() != "DTMC":
                    raise FileFormatError(
                        f"{path}:{lineno}: model type {rest.strip()!r} is not supported; "
                        "chainlab reads DTMCs"
                    )
                if key == "@model":
                    if n is None:
                        raise FileFormatError(f"{path}:{lineno}: @model before @nr_states")
                    in_model = True
                    if parameters:
                        if exact is False:
                            raise SpecError(f"{path} is parametric (parameters "
                                            f"{' '.join(parameters)}); it cannot be read as "
                                            "floats: read it exactly and substitute values")
                        value = _ParametricValues(path, parameters, parameters_line)
                continue
            if section == "@nr_states":
                n = _int(line, path, lineno, "number of states")
                if n < 1:
                    raise FileFormatError(f"{path}:{lineno}: a chain needs at least one state")
            elif section == "@parameters" and line:
                names = line.split()
                for name in names:
                    if not _LABEL_NAME.match(name) or name in parameters:
                        raise FileFormatError(f"{path}:{lineno}: parameter name {name!r} is "
                                              "not an identifier or is repeated")
                parameters.extend(names)
                parameters_line = parameters_line or lineno
            elif section == "@placeholders":
                key, sep, text = line.partition(":")
                if not sep or not key.strip().startswith("$"):
                    raise FileFormatError(f"{path}:{lineno}: expected '$name : value' in "
                                          f"@placeholders, got {line!r}")
                placeholders[key.strip()] = (text.strip(), lineno)
            continue
        assert n is not None  # (in the model: @model checked it)
        if line.startswith("state "):
            if state >= 0 and actions == 0:
                raise FileFormatError(f"{path}:{row_line[state]}: state {state} has no action")
            parts = _split_state_line(line)
            state = _int(parts[1], path, lineno, "state id")
            if state != expected_state:
                raise FileFormatError(
                    f"{path}:{lineno}: state {state} out of order; expected state "
                    f"{expected_state} (states are listed 0, 1, 2, ...)"
                )
            if state >= n:
                raise FileFormatError(f"{path}:{lineno}: state {state} is out of range; "
                                      f"@nr_states is {n}")
            expected_state += 1
            row_line[state] = lineno
            actions = 0
            for name in parts[2:]:
                if name.startswith("[") or name.startswith("{"):
                    continue  # rewards / valuations
                labels.setdefault(name, []).append(state)
        elif line.startswith("action"):
            if state < 0:
                raise FileFormatError(f"{path}:{lineno}: action before the first state")
            actions += 1
            if actions > 1:
                raise FileFormatError(
                    f"{path}:{lineno}: state {state} has a second action: an MDP, not a DTMC"
                )
        else:
            target, sep, prob = line.partition(":")
            if not sep or actions == 0:
                raise FileFormatError(
                    f"{path}:{lineno}: expected 'target : probability' after an action line, "
                    f"got {line!r}"
                )
            j = _int(target.strip(), path, lineno, "target state")
            if j >= n:
                raise FileFormatError(f"{path}:{lineno}: target state {j} is out of range; "
                                      f"@nr_states is {n}")
            prob = prob.strip()
            if prob.startswith("$"):
                if prob not in placeholders:
                    raise FileFormatError(f"{path}:{lineno}: placeholder {prob} is not defined in "
                                          "@placeholders")
                text, at = placeholders[prob]
                try:
                    transitions.append((state, j, value(text, at)))
                except FileFormatError as exc:
                    raise FileFormatError(f"{exc} (placeholder {prob} used at line {lineno})"
                                          ) from None
            else:
                transitions.append((state, j, value(prob, lineno)))
    if n is None or not in_model:
        if parameters:
            raise FileFormatError(f"{path}:{parameters_line}: parametric DRN file (parameters "
                                  f"{' '.join(parameters)}) has no @nr_states / @model section")
        raise FileFormatError(f"{path}: no @nr_states / @model section; is this a DRN file?")
    if expected_state != n:
        raise FileFormatError(f"{path}: @nr_states is {n} but the file lists "
                              f"{expected_state} states")
    if parameters:
        return _build_parametric(path, n, transitions, row_line, labels, value.ring)
    return _build(path, n, transitions, row_line, labels, None, exact, atol)


class _ParametricValues:
    """Exact parsing of rational-function strings of a parametric file, memoised."""

    def __init__(self, path: Path, parameters: list[str], lineno: int) -> None:
        import sympy

        from ..parametric._ring import Ring

        self.path = path
        try:
            self.ring = Ring.get(tuple(sympy.Symbol(p) for p in parameters))
        except SpecError as exc:
            raise FileFormatError(f"{path}:{lineno}: {exc}") from None
        self.cache: dict[str, tuple] = {}

    def __call__(self, text: str, lineno: int) -> tuple:
        v = self.cache.get(text)
        if v is None:
            from ..parametric._ring import ParseError

            try:
                v = self.ring.parse(text)
            except ParseError as exc:
                raise FileFormatError(f"{self.path}:{lineno}: probability {text!r}: {exc}"
                                      ) from None
            except ZeroDivisionError:
                raise FileFormatError(f"{self.path}:{lineno}: probability {text!r} divides by "
                                      "zero") from None
            r = self.ring
            if r.is_const_rf(v) and not 0 <= r.rf_constant(v) <= 1:
                raise FileFormatError(f"{self.path}:{lineno}: probability {text} is outside "
                                      "[0, 1]")
            self.cache[text] = v
        return v


def _build_parametric(path: Path, n: int, transitions: list, row_line: dict[int, int],
                      labels: dict[str, list[int]], ring) -> Any:
    from ..parametric import ParametricChain

    init = labels.get("init")
    initial = {i: Fraction(1, len(init)) for i in init} if init else None
    kept = {k: v for k, v in labels.items() if k != "init"}  # empty labels kept too
    try:
        return ParametricChain.from_transitions(n, transitions, parameters=ring.symbols,
                                                initial=initial, labels=kept)
    except (NotStochasticError, SpecError) as exc:
        row = getattr(exc, "row", None)
        where = f"{path}:{row_line[row]}" if row is not None and row in row_line else str(path)
        raise FileFormatError(f"{where}: {exc}") from None


def _split_state_line(line: str) -> list[str]:
    """``state 3 {x=1} [0.5, 2] init goal`` -> ``['state', '3', '{..}', '[..]', 'init', 'goal']``."""
    out: list[str] = []
    k = 0
    while k < len(line):
        ch = line[k]
        if ch.isspace():
            k += 1
            continue
        if ch in "[{":
            close = "]" if ch == "[" else "}"
            end = line.find(close, k)
            end = len(line) if end < 0 else end + 1
        elif ch == '"':  # Storm quotes labels that are expressions: "(s = 5)"
            end = line.find('"', k + 1)
            end = len(line) if end < 0 else end + 1
            out.append(line[k + 1:end - 1] if line[end - 1:end] == '"' else line[k + 1:end])
            k = end
            continue
        else:
            end = k
            while end < len(line) and not line[end].isspace():
                end += 1
        out.append(line[k:end])
        k = end
    return out

