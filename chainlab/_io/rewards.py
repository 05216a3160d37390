"""Reward files: PRISM explicit ``.srew``/``.trew``, Storm explicit ``.state.rew``/``.trans.rew``
and the reward models of Storm ``.drn`` files (read), transition rewards (written).

Formats
-------
* ``.srew`` (PRISM): optional ``#`` comment lines, a header ``num_states num_nonzero``, then
  ``state reward`` lines; ``.state.rew`` (Storm): the same lines without a header.
* ``.trew`` (PRISM, DTMCs): a header ``num_states num_nonzero``, then ``source target reward``
  lines; ``.trans.rew`` (Storm): the same lines without a header.
* ``.drn``: ``@reward_models`` names the models; each ``state ID [r1, r2, ...] labels`` line
  carries one state reward per model.

Rewards are read exactly (``0.1`` is 1/10) and must be non-negative.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FileFormatError, SpecError
from .atomic import atomic_open

__all__ = ["read_rewards", "write_transition_rewards"]


def _number(text: str, path: Path, lineno: int) -> Fraction:
    try:
        v = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise FileFormatError(f"{path}:{lineno}: {text!r} is not a number; write rewards like "
                              "1, 0.5 or 1/3") from None
    if v < 0:
        raise FileFormatError(f"{path}:{lineno}: the reward {text} is negative; reward files "
                              "hold non-negative rewards")
    return v


def _index(text: str, path: Path, lineno: int, what: str, n: int | None) -> int:
    try:
        i = int(text)
    except ValueError:
        raise FileFormatError(f"{path}:{lineno}: {what} {text!r} is not a state index") from None
    if i < 0 or (n is not None and i >= n):
        raise FileFormatError(f"{path}:{lineno}: {what} {i} is out of range"
                              + (f" (0..{n - 1})" if n is not None else ""))
    return i


def read_rewards(path: str | os.PathLike, *, num_states: int | None = None) -> Any:
    """Read a reward file.

    Returns
    -------
    ndarray of Fraction (state rewards: ``.srew``, ``.state.rew``), dict
    ``{(source, target): Fraction}`` (transition rewards: ``.trew``, ``.trans.rew``), or
    ``{name: ndarray}`` (the reward models of a ``.drn`` file).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "m.srew").write_text("3 2\\n0 1\\n2 0.5\\n")
    >>> read_rewards(d / "m.srew").tolist()
    [Fraction(1, 1), Fraction(0, 1), Fraction(1, 2)]
    >>> _ = (d / "m.trew").write_text("3 1\\n0 2 1/3\\n")
    >>> read_rewards(d / "m.trew")
    {(0, 2): Fraction(1, 3)}
    """
    p = Path(path)
    if not p.is_file():
        raise FileFormatError(f"{p}: no such file; give a .srew, .trew, .state.rew, "
                              ".trans.rew or .drn file")
    name = p.name.lower()
    if name.endswith(".drn"):
        return _read_drn_rewards(p)
    transition = name.endswith((".trew", ".trans.rew"))
    if not (transition or name.endswith((".srew", ".state.rew"))):
        raise FileFormatError(f"{p}: unknown reward file type; chainlab reads .srew/.trew "
                              "(PRISM), .state.rew/.trans.rew (Storm) and .drn files")
    header = name.endswith((".srew", ".trew"))
    n = num_states
    entries: list[tuple] = []
    seen_header = not header
    with open(p) as f:
        for lineno, line in enumerate(f, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            parts = text.split()
            if not seen_header:
                if len(parts) != 2:
                    raise FileFormatError(f"{p}:{lineno}: expected the header 'num_states "
                                          f"num_nonzero', got {text!r}")
                declared = _index(parts[0], p, lineno, "num_states", None)
                if n is not None and declared != n:
                    raise FileFormatError(f"{p}:{lineno}: the file is for {declared} states, "
                                          f"the chain has {n}")
                n = declared
                seen_header = True
                continue
            want = 3 if transition else 2
            if len(parts) != want:
                form = "'source target reward'" if transition else "'state reward'"
                raise FileFormatError(f"{p}:{lineno}: expected {form}, got {text!r}")
            idx = tuple(_index(x, p, lineno, "state", n) for x in parts[:-1])
            entries.append((idx, _number(parts[-1], p, lineno), lineno))
    if transition:
        out: dict[tuple[int, int], Fraction] = {}
        for idx, v, lineno in entries:
            if idx in out:
                raise FileFormatError(f"{p}:{lineno}: a second reward for the transition {idx}")
            out[idx] = v
        return out
    if n is None:
        n = 1 + max((idx[0] for idx, _, _ in entries), default=-1)
    vec = np.empty(n, dtype=object)
    vec[:] = Fraction(0)
    for (i,), v, lineno in entries:
        vec[i] = v
    return vec


def _read_drn_rewards(p: Path) -> dict[str, np.ndarray]:
    names: list[str] | None = None
    n = None
    values: dict[int, list[Fraction]] = {}
    with open(p) as f:
        lines = enumerate(f, 1)
        for lineno, line in lines:
            text = line.strip()
            if text == "@reward_models":
                _, nxt = next(lines, (lineno, ""))
                names = [x for x in nxt.replace(",", " ").split() if x]
            elif text == "@nr_states":
                _, nxt = next(lines, (lineno, ""))
                n = _index(nxt.strip(), p, lineno + 1, "@nr_states", None)
            elif text.startswith("state "):
                if not names:
                    continue
                rest = text[len("state "):]
                sid, _, tail = rest.partition(" ")
                i = _index(sid, p, lineno, "state", n)
                tail = tail.strip()
                if not tail.startswith("["):
                    raise FileFormatError(f"{p}:{lineno}: state {i} has no rewards "
                                          f"[r1, ...] for the reward models {names}")
                inside = tail[1:tail.index("]")]
                vals = [_number(x.strip(), p, lineno) for x in inside.split(",")]
                if len(vals) != len(names):
                    raise FileFormatError(f"{p}:{lineno}: state {i} has {len(vals)} rewards for "
                                          f"{len(names)} reward models")
                values[i] = vals
    if not names:
        return {}
    n = n if n is not None else 1 + max(values, default=-1)
    out = {}
    for k, name in enumerate(names):
        vec = np.empty(n, dtype=object)
        vec[:] = Fraction(0)
        for i, vals in values.items():
            vec[i] = vals[k]
        out[name] = vec
    return out


def write_transition_rewards(chain, path: str | os.PathLike, rewards: Any) -> Path:
    """Write transition rewards as a PRISM ``.trew`` file (``.trans.rew``: Storm's, no
    header).

    ``rewards`` is a mapping ``{(source_index, target_index): reward}`` (pairs that are not
    transitions of the chain are refused) or one reward per state, earned on every transition
    out of it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from chainlab import Chain
    >>> c = Chain([[0, 1], ["1/2", "1/2"]])
    >>> p = write_transition_rewards(c, pathlib.Path(tempfile.mkdtemp()) / "c.trew", [2, 0])
    >>> p.read_text()
    '2 1\\n0 1 2\\n'
    >>> read_rewards(p)
    {(0, 1): Fraction(2, 1)}
    """
    from .._chain.values import fraction_str

    p = Path(path)
    n = chain.num_states
    pairs: dict[tuple[int, int], Any] = {}  # (source, target) -> reward, None if not given
    for i, j, _ in chain.transitions():
        pairs[(i, j)] = None
    if isinstance(rewards, Mapping):
        for key, v in rewards.items():
            if key not in pairs:
                raise SpecError(f"rewards has the key {key!r}, which is not a transition of the "
                                "chain; key transition rewards by (source, target) indices")
            pairs[key] = v
    else:
        vec = list(rewards)
        if len(vec) != n:
            raise SpecError(f"rewards has {len(vec)} values for {n} states; give one per state "
                            "or a mapping {(source, target): reward}")
        for (i, j) in pairs:
            pairs[(i, j)] = vec[i]
    rows = []
    for (i, j), v in pairs.items():
        if v is None:
            continue
        if hasattr(v, "p") and hasattr(v, "q"):  # python-flint fmpq
            f = Fraction(int(v.p), int(v.q))
        else:
            f = Fraction(v) if not isinstance(v, float) else Fraction(repr(v))
        if f < 0:
            raise SpecError(f"the reward of the transition ({i}, {j}) is negative ({f}); reward "
                            "files hold non-negative rewards")
        if f:
            rows.append(f"{i} {j} {fraction_str(f)}\n")
    storm = p.name.lower().endswith(".trans.rew")
    with atomic_open(p) as out:
        if not storm:
            out.write(f"{n} {len(rows)}\n")
        out.write("".join(rows))
    return p
