"""``chainlab analyze``: classes, absorption and expected steps of a chain file (PRISM ``.tra``
with ``.lab``, Storm ``.drn``, a PRISM model ``.prism``/``.pm``) or of the bundled example."""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path

from .. import config
from ..errors import ChainlabError, PrecisionError
from ._conventions import method_options
from ._guard import positive_number

__all__ = ["register"]


def _bundled_example() -> Path:
    from .._io.read import bundled_example

    return bundled_example()


_tolerance = positive_number("relative error", "1e-6 (or inf to accept any certified bound)")


def register(sub) -> None:
    """Add ``analyze`` to the subcommands ``sub``."""
    a = sub.add_parser(
        "analyze",
        help="analyse a chain file (.tra with .lab beside it, or .drn)",
        description="Classes, absorption probabilities and expected steps of a chain file. "
        "Without a PATH the bundled gambler's-ruin example is analysed.",
    )
    a.add_argument("path", nargs="?", default=None, help="a .tra or .drn file")
    method_options(a, default="auto",
                   exact_help="exact rationals (default up to --exact-limit states)",
                   float_help="float64 sparse LU")
    a.add_argument("--exact-limit", type=int, default=config.limits.exact_auto_max_states,
                   help="without --exact/--float: largest chain solved exactly (default "
                   "%(default)s states)")
    a.add_argument("--tolerance", type=_tolerance, default=None, metavar="RTOL",
                   help="relative error every float64 value must be certified to (default "
                   f"{config.limits.tolerance:g}); without --float a chain whose float bound "
                   "misses it is solved exactly instead")
    a.add_argument("--json", action="store_true",
                   help="print one JSON object: num_states, num_transitions, closed_classes, "
                   "transient, absorption per transient state (reach per state with --target), "
                   "expected_steps per transient state (steps to absorption in a closed class, "
                   "also with --target), initial (those values at the initial states), method, "
                   "error_bound, tolerance")
    a.add_argument("--normalise", "--normalize", action="store_true",
                   help="for a file whose rounded decimals make rows sum to almost 1 (within "
                   "1e-6): divide every row by its exact sum and solve the renormalised chain "
                   "exactly")
    a.add_argument("--const", default=None, metavar="N=16,MAX=2",
                   help="for a PRISM model (.prism/.pm): values of its undefined constants")
    a.add_argument("--target", metavar="LABEL",
                   help="report the probability of ever reaching a state labelled LABEL instead "
                   "of the absorption probabilities (expected steps stay those to absorption)")
    a.set_defaults(func=_run_analyze)


def _fmt(value, exact: bool):
    if exact:
        return _fraction_str(value)
    return float(value)


def _fraction_str(x) -> str:
    """``_values.fraction_str`` (imported on first use: ``chainlab --help`` stays light)."""
    from .._chain.values import fraction_str

    return fraction_str(x)


class _Table:
    """A value table of the JSON output (``reach``, ``expected_steps``, ``absorption``): the
    state keys and the JSON text of every value, formatted once per distinct value object."""

    __slots__ = ("keys", "texts")

    def __init__(self, keys: list[str], texts: list[str]):
        self.keys, self.texts = keys, texts


class _FloatTable:
    """A float value table of the JSON output keyed by state numbers, written in one C loop
    (``chainlab._io._cparse.float_table``: the same texts as ``repr``, inf as null)."""

    __slots__ = ("states", "values")

    def __init__(self, states, values):
        import numpy as np

        self.states = np.ascontiguousarray(states, dtype=np.int64)
        self.values = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)

    @staticmethod
    def make(states, values, exact: bool, names: list[str]):
        """This table when the C writer is there and the values are floats, else a _Table."""
        # (chainlab._io.fast holds the one guarded import of the optional C extension)
        from .._io import fast

        if not exact and fast.available():
            return _FloatTable(states, values)
        return _Table([names[i] for i in states], _texts(values, exact))

    def text(self) -> str:
        from .._io.fast import _cparse

        return _cparse.float_table(self.states.tobytes(), self.values.tobytes())


class _Raw(str):
    """A value of the JSON output already written as JSON (``json.dumps`` is skipped)."""

    __slots__ = ()


def _texts(values, exact: bool) -> list[str]:
    """JSON texts of one table's values: ``'"p/q"'`` for exact values (each distinct value
    object formatted once: equal values of the exact solver share one object), else floats
    (``repr``, inf as null)."""
    import numpy as np

    if not exact:
        return _json_values(np.asarray(values, dtype=np.float64).reshape(-1).tolist())
    arr = np.asarray(values, dtype=object).reshape(-1)
    if not len(arr):
        return []
    from .._chain.values import distinct_objects, fraction_str

    items = arr.tolist()
    first, inv = distinct_objects(items)
    quoted = np.empty(len(first), dtype=object)
    quoted[:] = [f'"{fraction_str(items[k])}"' for k in first.tolist()]
    return quoted[inv].tolist()


def _write_json(out: dict, stream) -> None:
    """Write ``out`` as one JSON object, streamed table by table.

    The value tables (``reach``, ``expected_steps``, ``absorption``) hold exact ``'p/q'``
    strings (digits, ``/`` and ``-`` only, which JSON writes between quotes unchanged) or
    floats (``repr``: the shortest text that reads back to the same float), so they are joined
    directly instead of going through ``json.dumps`` (a hundred megabytes for long fractions);
    infinite floats become ``null``. A table is a dict of such values, a :class:`_Table` of
    their texts or a :class:`_FloatTable`. Everything else goes through ``json.dumps``.
    """
    w = stream.write
    w("{")
    for n, (key, value) in enumerate(out.items()):
        w(", " if n else "")
        if key in ("reach", "expected_steps", "absorption"):
            if isinstance(value, _FloatTable):
                w(f'"{key}": {{{value.text()}}}')
                continue
            if isinstance(value, _Table):
                keys, texts = value.keys, value.texts
            else:
                keys = list(value)
                if key == "absorption":
                    texts = ["[" + ", ".join(_json_values(row)) + "]"
                             for row in value.values()]
                else:
                    texts = _json_values(list(value.values()))
            w(f'"{key}": {{')
            for start in range(0, len(keys), 65536):
                w(", " if start else "")
                w(", ".join([f'"{k}": {t}' for k, t in zip(keys[start:start + 65536],
                                                             texts[start:start + 65536])]))
            w("}")
        else:
            w(f"{json.dumps(key)}: {value if isinstance(value, _Raw) else json.dumps(value)}")
    w("}\n")


def _json_values(values: list) -> list[str]:
    """JSON texts of one table's values: quoted exact strings, or floats (inf as null)."""
    if not values or isinstance(values[0], str):
        return [f'"{v}"' for v in values]
    finite = all(map(math.isfinite, values))
    return list(map(repr, values)) if finite else \
        [repr(v) if math.isfinite(v) else "null" for v in values]


def _run_analyze(args) -> int:
    import gc

    # A big chain makes hundreds of thousands of small containers (tuples of classes, lists
    # of texts) that never form cycles; with CPython's default thresholds (700, 10, 10) the
    # collector scans them again and again (nand 20-2: 0.05-0.1 s of 1 s). Rarer collections
    # keep that away; nothing cyclic is left unreclaimed for long.
    saved = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        return _analyze_file(args)
    finally:
        gc.set_threshold(*saved)


def _analyze_file(args) -> int:
    import numpy as np

    from ..structure import classify

    path = Path(args.path) if args.path else _bundled_example()
    started = time.perf_counter()
    chain, rounded = _read_analyzed(path, args)
    from ..chain import Chain

    if not isinstance(chain, Chain):  # a parametric .drn file: rational functions
        from ._parametric import run_analyze

        return run_analyze(args, path, chain, started)
    method = args.method
    if method == "auto":
        method = "exact" if chain.num_states <= args.exact_limit and chain.is_exact else "float"
    tolerance = config.limits.tolerance if args.tolerance is None else args.tolerance
    if args.target is not None and args.target not in chain.labels:
        known = ", ".join(sorted(chain.labels)) or "none"
        raise ChainlabError(
            f"--target {args.target!r} is not a label of {path.name}; its labels are: {known}"
        )
    st = classify(chain)
    note = None
    with config.override(tolerance=tolerance):
        try:
            res, hit = _analyze_values(chain, method == "exact", args.target)
        except PrecisionError as exc:
            if args.method == "float" or not chain.is_exact:
                bound = ("no error bound could be verified" if exc.error_bound == float("inf")
                         else f"its certified relative error bound is {exc.error_bound:.2g}")
                raise ChainlabError(
                    f"float64 cannot vouch for this chain: {bound} (--tolerance "
                    f"{tolerance:g}); rerun with --exact" + (
                        "" if chain.is_exact else " (the chain must then have exact entries)")
                ) from None
            note = (f"float64 reached only a certified relative error of {exc.error_bound:.2g}"
                    if exc.error_bound != float("inf") else "float64 could not be certified")
            note += f" (tolerance {tolerance:g}): solved exactly instead"
            method = "exact"
            res, hit = _analyze_values(chain, True, args.target)
    exact = method == "exact"
    names = list(map(str, range(chain.num_states)))  # the state keys, made once
    keys = [names[i] for i in st.transient]
    out: dict = {
        "num_states": chain.num_states,
        "num_transitions": chain.num_transitions,
        "closed_classes": [list(c) for c in st.closed_classes],
        "transient": _Raw("[" + ", ".join(keys) + "]"),  # (= json.dumps of the ints)
    }
    transient = np.asarray(st.transient, dtype=np.int64)
    if hit is not None:
        out["reach"] = _FloatTable.make(np.arange(chain.num_states), hit.probabilities, exact,
                                        names)
    else:
        B = res.B[transient]
        cells = _texts(B, exact)
        g = B.shape[1] if B.ndim == 2 else 1
        out["absorption"] = _Table(keys, ["[" + ", ".join(cells[r * g:(r + 1) * g]) + "]"
                                          for r in range(len(keys))])
    out["expected_steps"] = _FloatTable.make(transient, res.t[transient], exact, names)
    out["initial"] = _initial_values(chain, st, res, hit, exact)
    out["method"] = method
    bound = max(res.error_bound, 0.0 if hit is None else hit.error_bound)
    out["error_bound"] = bound if bound != float("inf") else None  # (strict JSON: no Infinity)
    out["tolerance"] = tolerance
    if note is not None:
        out["fallback"] = note
    if rounded is not None:
        out["rounded_rows"] = rounded
        if args.json:  # the text report prints it under "arithmetic"
            sys.stderr.write(f"chainlab analyze: note: {rounded}\n")
    elapsed = time.perf_counter() - started
    if args.json:
        _write_json(out, sys.stdout)
        return 0
    _print_report(path, chain, st, res, out, method, elapsed, args.target)
    return 0


def _rounded_rows(path: Path, err) -> tuple[str, str]:
    """``(where, what)``: the first row of a file that does not sum to exactly 1, in words."""
    from fractions import Fraction

    where = f"{path.name} line {err.line}" if getattr(err, "line", None) else path.name
    total: str | None = getattr(err, "row_sum", None)
    shown = total
    try:
        shown = f"{total} (= {float(Fraction(total)):.15g})"  # type: ignore[arg-type]  # (None: TypeError)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        pass
    return where, f"the probabilities of row {err.row} sum to {shown}, not 1"


def _read_analyzed(path: Path, args):
    """The chain of ``path`` and, when rounded decimals break its row sums, a note saying so.

    ``--exact`` refuses such a file (naming the file, the line, the row, its sum and the
    remedies), ``--normalise`` renormalises it exactly, and the default mode solves it in
    float64 and says so.
    """
    from .._io.read import read_chain  # (not the facade: the writers are not needed)
    from ..errors import FileFormatError

    if path.suffix.lower() in (".prism", ".pm"):  # a PRISM model: explored by chainlab.prism
        from ..prism import read_model

        return read_model(path, constants=args.const).chain, None
    if path.suffix not in (".tra", ".drn"):
        return read_chain(path), None
    try:
        return read_chain(path, exact=True), None
    except FileFormatError as exc:
        if getattr(exc, "row", None) is None or getattr(exc, "row_sum", None) is None:
            if args.method == "exact" or args.normalise:
                raise
            return read_chain(path), None  # e.g. a parametric file: read as it is
        where, what = _rounded_rows(path, exc)
    if args.normalise:
        return _normalised(path, where, what)
    if args.method == "exact":
        raise ChainlabError(
            f"{where}: {what} -- the file's decimals are rounded, so it is not an exact Markov "
            "chain. Fix the file (write fractions such as 1/3, or decimals that sum to exactly "
            "1), add --normalise to divide every row by its exact sum, or use --float to solve "
            "it in floating point")
    chain = read_chain(path, exact=False)
    return chain, (f"{where}: {what} (rounded decimals): solved in float64, which accepts rows "
                   "within 1e-10 of 1; fix the file, or use --normalise for the exact answer of "
                   "the renormalised chain")


def _normalised(path: Path, where: str, what: str):
    """The chain of ``path`` with every row divided by its exact sum (decimals as written)."""
    from fractions import Fraction

    from .._io.read import read_chain  # (not the facade: the writers are not needed)
    from ..chain import Chain
    from ..errors import FileFormatError

    try:
        fl = read_chain(path, exact=False, atol=1e-6)
    except FileFormatError as exc:
        raise ChainlabError(f"{exc}; --normalise only corrects rounding (rows within 1e-6 of "
                            "1): fix the file") from None
    rows: dict[int, list] = {}
    for i, j, v in fl.transitions():
        rows.setdefault(i, []).append((j, Fraction(repr(float(v)))))
    triples: list[tuple[int, int, Fraction]] = []
    changed, worst = 0, Fraction(0)
    for i, entries in rows.items():
        total = sum(v for _, v in entries)
        if total != 1:
            changed += 1
            worst = max(worst, abs(1 - total))
        triples.extend((i, j, v / total) for j, v in entries)
    init = None
    if fl.initial:
        init = {i: Fraction(1, len(fl.initial)) for i in fl.initial}
    states = None if fl.states.is_range else list(fl.states.labels)
    chain = Chain.from_transitions(fl.num_states, triples, states=states, initial=init,
                                   labels={k: sorted(v) for k, v in fl.labels.items()},
                                   exact=True)
    return chain, (f"{where}: {what}; --normalise divided {changed:,} row(s) by their exact "
                   f"sums (largest correction {float(worst):.3g}) and solved the renormalised "
                   "chain")


def _analyze_values(chain, exact: bool, target):
    """The absorption result (``B`` only without a target) and the hitting result, if any."""
    from .. import exact as exact_backend
    from .. import numeric as numeric_backend
    from .._analysis.formulas import raw_exact

    backend = exact_backend if exact else numeric_backend
    with raw_exact():  # exact values stay fmpq: they are only formatted here
        if target is not None:
            hit = backend.hitting(chain, target)
            return backend.absorption(chain, variance=False, probabilities=False), hit
        return backend.absorption(chain, variance=False), None


def _initial_values(chain, st, res, hit, exact: bool) -> dict:
    """``{state: {"reach" | "absorption": ..., "expected_steps": ...}}`` at the initial states."""
    out = {}
    for i in (chain.initial or {}):
        entry = {}
        if hit is not None:
            entry["reach"] = _fmt(hit.probabilities[i], exact)
        else:
            entry["absorption"] = [_fmt(v, exact) for v in res.B[i]]
        entry["expected_steps"] = _fmt(res.t[i], exact)
        out[str(i)] = entry
    return out


def _print_report(path, chain, st, res, out, method, elapsed, target) -> None:
    w = sys.stdout.write
    w(f"chain: {path}\n")
    w(f"  states: {chain.num_states:,}   transitions: {chain.num_transitions:,}\n")
    if method == "exact":
        w("  arithmetic: exact" + (f"  ({out['fallback']})" if "fallback" in out else "") + "\n")
    else:
        w(f"  arithmetic: float (float64, sparse LU; every value certified to a relative error "
          f"<= {_bound_text(out['error_bound'])}, tolerance {out['tolerance']:g})\n")
    if "rounded_rows" in out:
        w(f"  note: {out['rounded_rows']}\n")
    w(f"  closed classes: {st.num_closed_classes} "
      f"({len(st.absorbing)} absorbing states; periods {sorted(set(st.periods))})\n")
    w(f"  transient states: {len(st.transient):,}\n")
    for k, c in enumerate(st.closed_classes[:10]):
        shown = ", ".join(str(s) for s in c[:8]) + (", ..." if len(c) > 8 else "")
        names = [n for n, s in chain.labels.items() if set(c) <= s and n != "init"]
        w(f"    class {k}: {{{shown}}}" + (f"  labels: {', '.join(names)}" if names else "") + "\n")
    if st.num_closed_classes > 10:
        w(f"    ... {st.num_closed_classes - 10} more\n")
    if chain.initial:
        init = ", ".join(f"{chain.states.label_of(i)}: {p}" for i, p in list(chain.initial.items())[:4])
        w(f"  from the initial distribution ({init}):\n")
        if res.initial_B is not None:
            for k, v in enumerate(res.initial_B[:10]):
                w(f"    P(absorbed in class {k}) = {_show(v)}\n")
            w(f"    expected steps to absorption = {_show(res.initial_t)}\n")
        if target is not None:
            for i in chain.initial:
                w(f"    P(reach {target} from {i}) = "
                  f"{_show(out['initial'][str(i)]['reach'])}\n")
    w(f"  time: {elapsed:.3f} s\n")


def _bound_text(bound) -> str:
    return "inf (nothing could be verified)" if bound is None else f"{bound:.2g}"


def _show(v) -> str:
    from fractions import Fraction

    if isinstance(v, str) and "/" in v:  # a long exact value as formatted by _fraction_str
        from flint import fmpz

        num, den = v.split("/")
        v = Fraction(int(fmpz(num)), int(fmpz(den)))
    if isinstance(v, Fraction):
        s = _fraction_str(v)
        if len(s) > 60:
            s = f"{s[:25]}...{s[-25:]} ({len(s)} chars)"
        return f"{s}  ≈ {float(v):.12g}"
    if isinstance(v, str):
        return _show(Fraction(v))
    return f"{float(v):.12g}"
