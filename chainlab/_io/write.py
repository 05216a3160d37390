"""Writers of PRISM explicit and Storm ``.drn`` files (atomic: see :mod:`chainlab._io.atomic`)."""

from __future__ import annotations

import os
import sys
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np

from ..chain import Chain

if TYPE_CHECKING:
    from ..parametric.chain import ParametricChain
from ..errors import SpecError
from .atomic import atomic_open
from .read import _LABEL_NAME

__all__: list[str] = []


def _value_strings(chain: Chain) -> list[str]:
    if _is_parametric(chain):
        ring = chain._ring
        memo: dict[int, str] = {}
        out = []
        for v in chain._values:
            s = memo.get(id(v))
            if s is None:
                s = memo[id(v)] = ring.rf_to_str(v)
            out.append(s)
        return out
    if chain.is_exact:
        cache: dict[Any, str] = {}
        out = []
        for v in chain.require_exact():
            s = cache.get(v)
            if s is None:
                s = cache[v] = str(v)  # fmpq prints 'p/q' or 'p'
            out.append(s)
        return out
    return [repr(float(x)) for x in chain.P.data]


def _is_parametric(chain: Any) -> TypeGuard[ParametricChain]:
    # without importing chainlab.parametric (and SymPy) for plain chains: a ParametricChain can
    # only exist once its module is loaded
    mod = sys.modules.get("chainlab.parametric.chain")
    return mod is not None and isinstance(chain, mod.ParametricChain)


def _label_sets(chain: Chain) -> dict[str, set[int]]:
    labels: dict[str, set[int]] = {}
    init = chain.initial
    if init:
        weights = set(init.values())
        if len(weights) > 1:
            raise SpecError(
                "chain.initial is not uniform over its support; DRN and PRISM files hold "
                "initial states, not weights: use chain.with_initial(...) with one state or a "
                "uniform set first"
            )
        labels["init"] = set(init)
    for name, members in chain.labels.items():
        if not _LABEL_NAME.match(name):
            raise SpecError(f"label name {name!r} cannot be written to a file; use letters, "
                            "digits and '_' only")
        if name == "init" and "init" in labels:
            if set(members) != labels["init"]:
                raise SpecError("the chain has a label 'init' that differs from its initial "
                                "states; rename the label")
            continue
        labels[name] = set(members)
    return labels


# ---------------------------------------------------------------------- values and rewards
_DIALECTS = ("prism", "storm")
_INEXACT = ("fraction", "decimal")
_DIGITS = 17  # significant digits of inexact="decimal": enough to pin down every float64


def _decimal(q: Any) -> str | None:
    """The exact decimal expansion of the rational ``q`` (fmpq or Fraction), ``'0.125'`` for 1/8,
    or None when it does not terminate (a prime other than 2 and 5 divides the denominator)."""
    p, d = int(q.numerator), int(q.denominator)
    twos = (d & -d).bit_length() - 1
    rest, fives = d >> twos, 0
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        return None
    k = max(twos, fives)
    if k == 0:
        return str(p)
    whole, frac = divmod(abs(p) * 10**k // d, 10**k)
    return f"{'-' if p < 0 else ''}{whole}.{frac:0{k}d}"


def _rounded(q: Any) -> str:
    """``q`` rounded to :data:`_DIGITS` significant digits (half to even), as a decimal."""
    import decimal

    with decimal.localcontext() as ctx:
        ctx.prec = _DIGITS
        ctx.rounding = decimal.ROUND_HALF_EVEN
        value = (decimal.Decimal(int(q.numerator)) / decimal.Decimal(int(q.denominator))
                 ).normalize()
    return format(value, "f") if value.adjusted() > -30 else str(value)


def _explicit_value_strings(chain: Chain, inexact: str) -> list[str]:
    """Entry strings of a PRISM/Storm explicit ``.tra``: exact decimals where they exist; for a
    non-terminating value ``p/q`` (``inexact="fraction"``) or a 17-digit decimal with the
    largest entry of its row taking the rounding remainder so that the row sums to exactly 1
    (``inexact="decimal"``). Float chains: the shortest decimal that round-trips."""
    if not chain.is_exact:
        return [repr(float(x)) for x in chain.P.data]
    values = chain.require_exact()
    cache: dict[Any, str | None] = {}
    out: list[str] = []
    for v in values:
        if v in cache:
            s = cache[v]
        else:
            s = cache[v] = _decimal(v)
        out.append(s if s is not None else "")
    if inexact == "fraction":
        return [s or str(v) for s, v in zip(out, values)]
    ptr = chain.indptr
    for i in range(chain.num_states):
        lo, hi = int(ptr[i]), int(ptr[i + 1])
        if all(out[k] for k in range(lo, hi)):
            continue
        slack = max(range(lo, hi), key=lambda k: values[k])
        total = Fraction(0)
        for k in range(lo, hi):
            if k != slack:
                if not out[k]:
                    out[k] = _rounded(values[k])
                total += Fraction(out[k])
        last = _decimal(1 - total)
        assert last is not None  # a sum of finite decimals: finite
        out[slack] = last
    return out


def _explicit_number(x: Any, inexact: str) -> str:
    """One reward value for an explicit file (exact decimal, else per ``inexact``)."""
    if isinstance(x, float):
        return repr(x)
    s = _decimal(x)
    if s is not None:
        return s
    return f"{x.numerator}/{x.denominator}" if inexact == "fraction" else _rounded(x)


def _drn_number(x: Any) -> str:
    return repr(x) if isinstance(x, float) else \
        (str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}")


def _reward_value(x: Any, name: str, i: int) -> Fraction | float:
    import numbers

    bad = None
    if isinstance(x, bool):
        bad = "a bool"
    elif isinstance(x, (float, np.floating)):
        x = float(x)
        if not np.isfinite(x) or x < 0:
            bad = "not a finite non-negative number"
        else:
            return x
    else:
        try:
            value = Fraction(x) if isinstance(x, (numbers.Rational, str)) else Fraction(str(x))
        except (TypeError, ValueError, ZeroDivisionError):
            bad = "not a number"
        else:
            if value >= 0:
                return value
            bad = "negative (Storm's and PRISM's reward files hold non-negative rewards)"
    raise SpecError(f"rewards[{name!r}][{i}] = {x!r} is {bad}; give one non-negative number "
                    "per state, such as 1, '1/3' or 0.5")


def _reward_vectors(chain: Chain, steps: bool, rewards: Any) -> dict[str, list]:
    """``{name: one value per state}``: ``steps`` (1 in every state) first when ``steps``, then
    ``rewards`` in the caller's order, validated."""
    from collections.abc import Mapping

    if not isinstance(steps, (bool, np.bool_)):
        raise SpecError(f"steps must be True or False, got {steps!r}")
    out: dict[str, list] = {}
    if steps:
        out["steps"] = [Fraction(1)] * chain.num_states
    if rewards is None:
        return out
    if not isinstance(rewards, Mapping):
        raise SpecError(f"rewards must map reward names to one value per state, got "
                        f"{type(rewards).__name__}; e.g. rewards={{'cost': [1, 0, 2]}}")
    for name, vector in rewards.items():
        if not isinstance(name, str) or not _LABEL_NAME.match(name):
            raise SpecError(f"reward name {name!r} cannot be written to a file; use letters, "
                            "digits and '_' only")
        if name in out:
            raise SpecError(f"reward name {name!r} is written already (steps=True writes "
                            "'steps', one per state); rename it or pass steps=False")
        try:
            values = list(vector)
        except TypeError:
            raise SpecError(f"rewards[{name!r}] must be a sequence of one value per state, got "
                            f"{type(vector).__name__}") from None
        if len(values) != chain.num_states:
            raise SpecError(f"rewards[{name!r}] has {len(values)} values for "
                            f"{chain.num_states} states; give one value per state")
        out[name] = [_reward_value(x, name, i) for i, x in enumerate(values)]
    return out


def _check_chain(chain: Any) -> None:
    if not isinstance(chain, Chain) and not _is_parametric(chain):
        raise SpecError(f"chain must be a chainlab Chain or ParametricChain, got "
                        f"{type(chain).__name__}; build one with chainlab.Chain(...)")


# ---------------------------------------------------------------------- writers
def write_drn(chain: Chain, path: str | os.PathLike, *, steps: bool = True,
              rewards: Any = None) -> Path:
    """Write ``chain`` as a Storm ``.drn`` file (``@value_type: rational`` for exact chains).

    States are written by index; labels (and ``init`` for the initial states) follow each state.
    A :class:`~chainlab.parametric.ParametricChain` is written with ``@value_type: parametric``,
    its parameters, and entries as ``(numerator)/(denominator)`` with integer coefficients
    (Storm's ``build_model_from_drn[stormpy.RationalFunction]`` reads them).

    Reward models are state rewards in ``[r1,r2,...]`` after each state id, named on the
    ``@reward_models`` line: ``steps`` (1 in every state, so that Storm's
    ``R{"steps"}=? [F "goal"]`` is the expected number of steps to reach ``goal``) unless
    ``steps=False``, then each vector of ``rewards``. chainlab's readers skip the rewards.

    Parameters
    ----------
    chain : Chain or ParametricChain
    path : path-like
        The file to write (atomically: a temporary file beside it, then renamed).
    steps : bool, default True
        Write the ``steps`` reward model.
    rewards : mapping of str to sequence, optional
        More state reward models, ``{name: one non-negative value per state}`` (exact numbers
        are written as ``p/q``, floats as shortest round-trip decimals).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    SpecError
        ``chain`` is not a chain, a label or reward name is not an identifier, a reward vector
        has the wrong length or a negative or non-numeric value, or the initial distribution is
        not uniform over its support (files hold initial states, not weights).

    See Also
    --------
    chainlab.io.read_drn : Read the file back, exactly.
    chainlab.io.write_prism : The same chain as PRISM explicit files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from chainlab import Chain
    >>> p = write_drn(Chain([[0, 1], ["1/3", "2/3"]], initial=0),
    ...               pathlib.Path(tempfile.mkdtemp()) / "two.drn")
    >>> print(p.read_text())  # doctest: +NORMALIZE_WHITESPACE
    // written by chainlab
    @type: DTMC
    @value_type: rational
    @parameters
    <BLANKLINE>
    @reward_models
    steps
    @nr_states
    2
    @nr_choices
    2
    @model
    state 0 [1] init
        action 0
            1 : 1
    state 1 [1]
        action 0
            0 : 1/3
            1 : 2/3
    <BLANKLINE>
    """
    _check_chain(chain)
    path = Path(path)
    labels = _label_sets(chain)
    vectors = _reward_vectors(chain, steps, rewards)
    per_state: list[list[str]] = [[] for _ in range(chain.num_states)]
    for name in sorted(labels):
        for s in sorted(labels[name]):
            per_state[s].append(name)
    vals = _value_strings(chain)
    ptr, idx = chain.indptr, chain.indices
    params = ""
    if _is_parametric(chain):
        kind, params = "parametric", " ".join(chain._ring.names)
    else:
        kind = "rational" if chain.is_exact else "double"
    columns = list(vectors.values())
    strings: dict[Any, str] = {}

    def rew(i: int) -> str:
        if not columns:
            return ""
        parts = []
        for col in columns:
            x = col[i]
            s = strings.get((type(x), x))
            if s is None:
                s = strings[(type(x), x)] = _drn_number(x)
            parts.append(s)
        return " [" + ",".join(parts) + "]"

    with atomic_open(path) as f:
        f.write(f"// written by chainlab\n@type: DTMC\n@value_type: {kind}\n@parameters\n{params}\n"
                f"@reward_models\n{' '.join(vectors)}\n@nr_states\n{chain.num_states}\n"
                f"@nr_choices\n{chain.num_states}\n@model\n")
        for i in range(chain.num_states):
            lab = (" " + " ".join(per_state[i])) if per_state[i] else ""
            f.write(f"state {i}{rew(i)}{lab}\n\taction 0\n")
            f.write("".join(f"\t\t{idx[k]} : {vals[k]}\n" for k in range(ptr[i], ptr[i + 1])))
    return path


def write_prism(chain: Chain, base: str | os.PathLike, *, dialect: str = "prism",
                inexact: str = "fraction", steps: bool = False,
                rewards: Any = None) -> dict[str, Path]:
    """Write explicit files ``base.tra`` and ``base.lab`` (``base.sta`` for tuple states, and
    state reward files when asked), in PRISM's format or in Storm's.

    The two tools read different explicit formats, so one set of files cannot serve both:

    * ``dialect="prism"`` (PRISM's documented format): ``.tra`` starts with the line
      ``num_states num_transitions``; ``.lab`` declares ``0="init" 1="deadlock" 2="goal" ...``
      and lists ``state: ids``; a state reward file ``.srew`` holds a header comment
      ``# Reward structure "name"``, the line ``num_states num_nonzero`` and ``state reward``
      lines (one file ``base.srew``, or ``base1.srew``, ``base2.srew``, ... for several reward
      structures, as PRISM numbers them). Load with
      ``prism -importmodel base.tra,lab,srew -dtmc``.
    * ``dialect="storm"`` (what Storm's explicit reader, ``storm --explicit base.tra base.lab``
      or ``stormpy.build_model_from_explicit``, expects): ``.tra`` starts with the model-type
      line ``dtmc`` and has no count line; ``.lab`` is ``#DECLARATION``, the label names,
      ``#END``, then ``state label ...`` lines; the state rewards (Storm reads one structure)
      go to ``base.state.rew`` as ``state reward`` lines.

    **Numbers.** Both tools parse probabilities as floating-point decimals only, so entries are
    written as decimals wherever the decimal is exact (1/2 as ``0.5``, 1/8 as ``0.125``, 3/4
    as ``0.75``). A value whose decimal does not terminate (1/3) is written, per ``inexact``:

    * ``"fraction"`` (default): ``1/3``, read back exactly by chainlab but by neither PRISM nor
      Storm (use :func:`write_drn` for Storm, whose DRN reader takes exact rationals, or
      ``inexact="decimal"``);
    * ``"decimal"``: rounded to 17 significant digits (``0.33333333333333333``), which both
      tools read, with the largest entry of each such row taking the rounding remainder, so the
      rows of the file sum to exactly 1: chainlab reads back an exact chain whose entries are
      the decimals written (within 1e-16 of the chain's).

    Float chains are written with shortest round-trip decimals (``repr``). ``.sta`` is written
    when every state label is a tuple of ints or booleans (variables named ``v0, v1, ...``);
    :func:`~chainlab.io.read_chain` reads both dialects.

    Parameters
    ----------
    chain : Chain
    base : path-like
        Files are ``base.tra``, ``base.lab``, ...
    dialect : {"prism", "storm"}, default "prism"
    inexact : {"fraction", "decimal"}, default "fraction"
        How values without an exact decimal are written (see above); rewards follow the same
        rule.
    steps : bool, default False
        Write the ``steps`` reward structure (1 in every state: the expected-steps reward).
    rewards : mapping of str to sequence, optional
        More state reward structures, ``{name: one non-negative value per state}``. The Storm
        dialect holds one structure: give ``steps=True`` or one reward vector.

    Returns
    -------
    dict
        ``{"tra": path, "lab": path}`` plus ``"sta"`` when written, and one entry per reward
        structure, ``"srew"`` (``"srew:NAME"`` when several) or ``"state.rew"`` (Storm).

    Raises
    ------
    SpecError
        A parametric chain (write it with :func:`write_drn`), an unknown ``dialect`` or
        ``inexact``, a label or reward name that is not an identifier, a bad reward vector,
        several reward structures in the Storm dialect, or an initial distribution that is not
        uniform over its support.

    See Also
    --------
    chainlab.io.read_prism : Read the files back, exactly.
    chainlab.io.write_drn : The same chain as a Storm ``.drn`` file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from chainlab import Chain
    >>> from chainlab.io import read_chain
    >>> c = Chain([[0, 1], ["1/3", "2/3"]], states=[(0, 1), (1, 1)], initial=(0, 1))
    >>> paths = write_prism(c, pathlib.Path(tempfile.mkdtemp()) / "m")
    >>> print(paths["tra"].read_text())
    2 3
    0 1 1
    1 0 1/3
    1 1 2/3
    <BLANKLINE>
    >>> read_chain(paths["tra"]) == c
    True

    Exact decimals, in Storm's dialect with the expected-steps reward:

    >>> h = Chain([["1/2", "1/2"], [0, 1]], initial=0, labels={"done": [1]})
    >>> paths = write_prism(h, pathlib.Path(tempfile.mkdtemp()) / "h", dialect="storm",
    ...                     steps=True)
    >>> print(paths["tra"].read_text() + paths["lab"].read_text() + paths["state.rew"].read_text())
    dtmc
    0 0 0.5
    0 1 0.5
    1 1 1
    #DECLARATION
    init done
    #END
    0 init
    1 done
    0 1
    1 1
    <BLANKLINE>
    >>> read_chain(paths["tra"]) == h
    True
    """
    _check_chain(chain)
    base = Path(base)
    if _is_parametric(chain):
        raise SpecError("PRISM explicit files hold numbers only; write a parametric chain with "
                        "write_drn, or substitute values first (chain.substitute(...))")
    if dialect not in _DIALECTS:
        raise SpecError(f"dialect must be 'prism' (PRISM's explicit format) or 'storm' (Storm's),"
                        f" got {dialect!r}")
    if inexact not in _INEXACT:
        raise SpecError(f"inexact must be 'fraction' (exact p/q, chainlab only) or 'decimal' "
                        f"(17 digits, read by PRISM and Storm), got {inexact!r}")
    labels = _label_sets(chain)
    vectors = _reward_vectors(chain, steps, rewards)
    if dialect == "storm" and len(vectors) > 1:
        raise SpecError(f"Storm's explicit format holds one state reward structure, got "
                        f"{len(vectors)} ({', '.join(vectors)}); write one, or all of them to "
                        "a .drn file with write_drn(..., rewards=...)")
    paths = {ext: base.with_name(base.name + "." + ext) for ext in ("tra", "lab")}
    vals = _explicit_value_strings(chain, inexact)
    ptr, idx = chain.indptr, chain.indices
    with atomic_open(paths["tra"]) as f:
        f.write("dtmc\n" if dialect == "storm" else
                f"{chain.num_states} {chain.num_transitions}\n")
        for i in range(chain.num_states):
            f.write("".join(f"{i} {idx[k]} {vals[k]}\n" for k in range(ptr[i], ptr[i + 1])))
    if dialect == "storm":
        names = ["init"] + sorted(k for k in labels if k != "init")
        per_state: list[list[str]] = [[] for _ in range(chain.num_states)]
        for name in names:
            for s in sorted(labels.get(name, ())):
                per_state[s].append(name)
        with atomic_open(paths["lab"]) as f:
            f.write("#DECLARATION\n" + " ".join(names) + "\n#END\n")
            f.write("".join(f"{s} {' '.join(ns)}\n" for s, ns in enumerate(per_state) if ns))
    else:
        names = ["init", "deadlock"] + sorted(k for k in labels if k != "init")
        per_state = [[] for _ in range(chain.num_states)]
        for k, name in enumerate(names):
            for s in sorted(labels.get(name, ())):
                per_state[s].append(str(k))
        with atomic_open(paths["lab"]) as f:
            f.write(" ".join(f'{k}="{name}"' for k, name in enumerate(names)) + "\n")
            f.write("".join(f"{s}: {' '.join(ks)}\n" for s, ks in enumerate(per_state) if ks))
    for number, (name, vector) in enumerate(vectors.items(), 1):
        texts = [_explicit_number(x, inexact) for x in vector]
        if dialect == "storm":
            key, path = "state.rew", base.with_name(base.name + ".state.rew")
            body = "".join(f"{s} {t}\n" for s, t in enumerate(texts) if vector[s] != 0)
        else:
            several = len(vectors) > 1
            key = f"srew:{name}" if several else "srew"
            path = base.with_name(base.name + (str(number) if several else "") + ".srew")
            nonzero = [(s, t) for s, t in enumerate(texts) if vector[s] != 0]
            body = (f'# Reward structure "{name}"\n{chain.num_states} {len(nonzero)}\n'
                    + "".join(f"{s} {t}\n" for s, t in nonzero))
        with atomic_open(path) as f:
            f.write(body)
        paths[key] = path
    st = chain.states
    if not st.is_range and all(
            isinstance(s, tuple) and s and all(isinstance(v, (int, bool)) for v in s)
            and len(s) == len(st.labels[0]) for s in st.labels):
        paths["sta"] = base.with_name(base.name + ".sta")
        width = len(st.labels[0])
        with atomic_open(paths["sta"]) as f:
            f.write("(" + ",".join(f"v{k}" for k in range(width)) + ")\n")
            for i, s in enumerate(st.labels):
                text = ",".join(("true" if v else "false") if isinstance(v, bool) else str(v)
                                for v in s)
                f.write(f"{i}:({text})\n")
    return paths
