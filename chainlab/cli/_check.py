"""``chainlab check``: PRISM properties on a PRISM model (``chainlab.check``).

Registered by :func:`chainlab.cli.build_parser`; the only place that touches argv and stdout
for this subcommand.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from fractions import Fraction
from pathlib import Path

from ._conventions import method_options

__all__ = ["register", "run", "json_value"]


def register(sub) -> None:
    p = sub.add_parser(
        "check",
        help="check PRISM properties on a PRISM model (.prism/.pm)",
        description="Read a PRISM DTMC exactly, explore its reachable states and evaluate "
        "PRISM properties (P, R, T, S operators, bounded paths, filters) at the initial state.",
    )
    p.add_argument("model", help="a PRISM model file (.prism or .pm)")
    p.add_argument("--const", default=None, metavar="N=16,MAX=2",
                   help="values of undefined constants (of the model and the property file)")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--property", action="append", metavar="PROPERTY",
                   help="a property such as 'P=? [ F s=5 ]' (may be repeated)")
    g.add_argument("--props", metavar="FILE", help="a .props/.prctl file")
    method_options(p, default="exact", exact_help="exact rationals (default)",
                   float_help="float64 analyses, each value with a certified relative error "
                   "bound (comparisons decided only where the bounds allow)")
    p.add_argument("--bisimulation", action=argparse.BooleanOptionalAction, default=None,
                   help="solve the exact analyses on the coarsest bisimulation quotient "
                   "respecting the labels and rewards each one uses (default: when a strong "
                   "component has at least 500 states and the quotient at most half of "
                   "them; --no-bisimulation: never); exact arithmetic only")
    p.add_argument("--symmetry", action=argparse.BooleanOptionalAction, default=None,
                   help="explore one state per orbit of a rotation of the renamed modules "
                   "(module p2 = p1 [...]) when it maps the model and the properties onto "
                   "themselves, checked on their syntax (claim SYM-1; the properties must be "
                   "filters of min, max, forall or exists); default: when the variables have "
                   "at least 32,768 valuations; --no-symmetry: never")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object: num_states, num_transitions, method, "
                   "symmetry (when used: modules, order, orbits, of_states), results "
                   "(each: property, value, error_bound, and quotients when the result was "
                   "solved on bisimulation quotients: of_states, states, transitions, rounds, "
                   "seconds)")
    p.add_argument("--progress", action="store_true", help="a progress line while exploring")
    p.set_defaults(func=run)


def json_value(v):
    """JSON form of a property value: exact ``'p/q'`` strings, numbers, booleans; an infinite
    value is the string ``'inf'`` (JSON has no infinity)."""
    from .._chain.values import fraction_str

    if isinstance(v, bool):
        return v
    if isinstance(v, dict):
        return {k: json_value(x) for k, x in v.items()}
    if isinstance(v, float):
        return "inf" if math.isinf(v) and v > 0 else v
    if isinstance(v, Fraction):
        return fraction_str(v)
    if isinstance(v, int):
        return fraction_str(Fraction(v))
    return v


def _show(v) -> str:
    from .._chain.values import fraction_str

    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, Fraction):
        s = fraction_str(v)
        if len(s) > 60:
            s = f"{s[:25]}...{s[-25:]} ({len(s)} chars)"
        return s if v.denominator == 1 else f"{s}  ≈ {float(v):.12g}"
    if isinstance(v, float):
        return "inf" if math.isinf(v) else f"{v:.12g}"
    if isinstance(v, dict):
        items = list(v.items())
        shown = ", ".join(f"{k}: {_show(x)}" for k, x in items[:5])
        return "{" + shown + (", ..." if len(items) > 5 else "") + "}"
    return str(v)


def run(args) -> int:
    from ..check import check, load_properties
    from ..errors import SpecError
    from ..prism._build import _read_text, build, program_from_text
    from ..prism._model import parse_constants
    from ..prism._symmetry import choose

    started = time.perf_counter()
    if args.bisimulation and args.method != "exact":
        raise SpecError("--bisimulation lumps the chain for the exact analyses, but --float "
                        "was given; drop one of them")
    path = Path(args.model)
    props = load_properties(args.props if args.props else list(args.property))  # errors first
    given = parse_constants(args.const)
    declared = {c.name for c in props.constants}
    program = program_from_text(_read_text(path), str(path),
                                {k: v for k, v in given.items() if k not in declared})
    model = build(program, progress=args.progress,
                  symmetry=choose(program, props, args.symmetry))
    sym = model.symmetry
    results = check(model, args.props if args.props else list(args.property),
                    constants=given, exact=args.method == "exact",
                    bisimulation=args.bisimulation)
    if args.json:
        # "quotients": the bisimulation quotients a result was solved on (only when any)
        out = {"num_states": model.num_states, "num_transitions": model.num_transitions,
               "method": args.method,
               **({"symmetry": {"modules": list(sym.modules), "order": sym.order,
                                "orbits": model.num_states,
                                "of_states": model.explored.represented}} if sym else {}),
               "results": [{"property": (f'"{r.name}": ' if r.name else "") + r.property,
                            "value": json_value(r.value), "error_bound": r.error_bound,
                            **({"quotients": [dataclasses.asdict(q) for q in r.quotients]}
                               if r.quotients else {})}
                           for r in results]}
        sys.stdout.write(json.dumps(out) + "\n")
        return 0
    w = sys.stdout.write
    w(f"model: {path}\n")
    w(f"  states: {model.num_states:,}   transitions: {model.num_transitions:,}   "
      f"initial states: {len(model.initial_states)}   built in {model.seconds:.3f} s\n")
    if sym is not None:
        w(f"  symmetry: {sym.describe()}: the states are the orbits of "
          f"{model.explored.represented:,} states (claim SYM-1)\n")
    if args.method == "exact":
        w("  arithmetic: exact\n")
    else:
        bound = max((r.error_bound for r in results), default=0.0)
        w(f"  arithmetic: float (certified relative error <= {bound:.2g})\n")
    width = max((len(r.name or "") for r in results), default=0)
    for r in results:
        label = (r.name or "").ljust(width)
        w(f"  {label}{'  ' if width else ''}{r.property}\n")
        shown = (f"  (certified relative error <= {r.error_bound:.2g})"
                 if args.method == "float" and not isinstance(r.value, (bool, int)) else "")
        w(f"  {' ' * width}{'  ' if width else ''}  = {_show(r.value)}{shown}\n")
        for q in r.quotients:
            w(f"  {' ' * width}{'  ' if width else ''}    (solved on a bisimulation quotient: "
              f"{q.of_states:,} -> {q.states:,} states, {q.transitions:,} transitions, "
              f"{q.rounds} rounds, {q.seconds:.3f} s)\n")
    w(f"  time: {time.perf_counter() - started:.3f} s\n")
    return 0
