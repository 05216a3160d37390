"""Writers of PRISM explicit and Storm ``.drn`` files (atomic: see :mod:`chainlab._io.atomic`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from ..chain import Chain
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


def _is_parametric(chain: Any) -> bool:
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


def write_drn(chain: Chain, path: str | os.PathLike) -> Path:
    """Write ``chain`` as a Storm ``.drn`` file (``@value_type: rational`` for exact chains).

    States are written by index; labels (and ``init`` for the initial states) follow each state.
    A :class:`~chainlab.parametric.ParametricChain` is written with ``@value_type: parametric``,
    its parameters, and entries as ``(numerator)/(denominator)`` with integer coefficients
    (Storm's ``build_model_from_drn[stormpy.RationalFunction]`` reads them).

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
    <BLANKLINE>
    @nr_states
    2
    @nr_choices
    2
    @model
    state 0 init
        action 0
            1 : 1
    state 1
        action 0
            0 : 1/3
            1 : 2/3
    <BLANKLINE>
    """
    path = Path(path)
    labels = _label_sets(chain)
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
    with atomic_open(path) as f:
        f.write(f"// written by chainlab\n@type: DTMC\n@value_type: {kind}\n@parameters\n{params}\n"
                f"@reward_models\n\n@nr_states\n{chain.num_states}\n@nr_choices\n"
                f"{chain.num_states}\n@model\n")
        for i in range(chain.num_states):
            lab = (" " + " ".join(per_state[i])) if per_state[i] else ""
            f.write(f"state {i}{lab}\n\taction 0\n")
            f.write("".join(f"\t\t{idx[k]} : {vals[k]}\n" for k in range(ptr[i], ptr[i + 1])))
    return path


def write_prism(chain: Chain, base: str | os.PathLike) -> dict[str, Path]:
    """Write PRISM explicit files ``base.tra`` and ``base.lab`` (and ``base.sta`` for tuple states).

    Exact chains are written with fractions ``p/q`` (read back exactly by chainlab; PRISM itself
    documents decimal probabilities, so convert with ``Chain(..., exact=False)`` for PRISM), float
    chains with round-tripping decimals. ``.sta`` is written when every state label is a tuple of
    ints or booleans (variables named ``v0, v1, ...``).

    Returns
    -------
    dict
        ``{"tra": path, "lab": path}`` plus ``"sta"`` when written.

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
    """
    base = Path(base)
    if _is_parametric(chain):
        raise SpecError("PRISM explicit files hold numbers only; write a parametric chain with "
                        "write_drn, or substitute values first (chain.substitute(...))")
    labels = _label_sets(chain)
    paths = {ext: base.with_name(base.name + "." + ext) for ext in ("tra", "lab")}
    vals = _value_strings(chain)
    ptr, idx = chain.indptr, chain.indices
    with atomic_open(paths["tra"]) as f:
        f.write(f"{chain.num_states} {chain.num_transitions}\n")
        for i in range(chain.num_states):
            f.write("".join(f"{i} {idx[k]} {vals[k]}\n" for k in range(ptr[i], ptr[i + 1])))
    names = ["init", "deadlock"] + sorted(k for k in labels if k != "init")
    per_state: list[list[str]] = [[] for _ in range(chain.num_states)]
    for k, name in enumerate(names):
        for s in sorted(labels.get(name, ())):
            per_state[s].append(str(k))
    with atomic_open(paths["lab"]) as f:
        f.write(" ".join(f'{k}="{name}"' for k, name in enumerate(names)) + "\n")
        f.write("".join(f"{s}: {' '.join(ks)}\n" for s, ks in enumerate(per_state) if ks))
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
