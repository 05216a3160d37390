"""chainlab.prism vs Storm's builder on the QVBS DTMCs, in the same run (needs stormpy).

For every QVBS DTMC instance written in PRISM with 10k-200k states (index.json), this script

* builds the state space with chainlab (``chainlab.prism``: parse, resolve, explore, Chain) and
  with Storm (``stormpy.build_model`` on the parsed program, exact ``Rational`` and ``double``),
  timing the builders only (parsing excluded on both sides; chainlab's resolve -- constant
  evaluation, type checking, compiling the expressions -- counted as part of its builder), best
  of ``--repeat`` runs;
* checks that both have the same numbers of states and transitions;
* cross-checks the values: every property of the instance's property file that chainlab checks,
  exactly, against the index.json reference (Storm's exact results), and the
  probability-reachability ones also against Storm's exact engine run here.

Run from the repository root::

    python benchmarks/bench_prism.py [--max-states 200000] [--repeat 3] [--no-values]

It prints one line per instance and the builder-time ratios chainlab / Storm against both of
Storm's builders. Target (issue 12): chainlab's builder, which always builds the *exact* chain,
within 2x Storm's default ``double`` builder on every instance (and so within 2x its exact
``Rational`` builder, which is slower).
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _qvbs import instances, load  # noqa: E402


def _best(fn, repeat: int):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _storm_value(v) -> Fraction:
    return Fraction(int(str(v.numerator)), int(str(v.denominator)))


def random_programs(count: int, seed: int = 12):
    """Random small PRISM DTMCs (two synchronised modules, rational and decimal
    probabilities), as text."""
    import random

    rng = random.Random(seed)
    for _ in range(count):
        k = rng.randint(1, 6)
        lines = ["dtmc", "module a", f"  x : [0..{k}] init 0;"]
        for i in range(k + 1):
            targets = rng.sample(range(k + 1), rng.randint(1, min(3, k + 1)))
            weights = [rng.randint(1, 9) for _ in targets]
            total = sum(weights)
            terms = [f"{w}/{total} : (x'={t})" for w, t in zip(weights, targets)]
            lines.append(f"  [go] x={i} -> " + " + ".join(terms) + ";")
        lines += ["endmodule", "module b", "  y : bool init false;",
                  "  [go] true -> 0.25 : (y'=!y) + 0.75 : true;", "endmodule"]
        yield k, "\n".join(lines)


def random_cross_check(count: int) -> tuple[int, int]:
    """chainlab vs Storm on random programs: sizes and exact reachability values."""
    import tempfile

    import stormpy

    from chainlab.check import check
    from chainlab.prism import parse_model

    checked = mismatched = 0
    with tempfile.TemporaryDirectory() as d:
        for n, (k, text) in enumerate(random_programs(count)):
            path = Path(d) / f"r{n}.prism"
            path.write_text(text)
            prop = f"P=? [ F x={k} & y ]"
            ours = parse_model(text)
            value = check(ours, prop)[0].value
            program = stormpy.parse_prism_program(str(path))
            props = stormpy.parse_properties(prop, program)
            sm = stormpy.build_model[stormpy.Rational](program, props)
            full = stormpy.build_model[stormpy.Rational](program)
            res = stormpy.model_checking(sm, props[0], environment=stormpy.environments.exact())
            theirs = _storm_value(res.get_value_vector()[sm.initial_states[0]])
            checked += 1
            bad = (value != theirs or (ours.num_states, ours.num_transitions)
                   != (full.nr_states, full.nr_transitions))
            mismatched += bad
            if bad:
                print(f"random program {n}: chainlab {value} ({ours.num_states} states), "
                      f"Storm {theirs} ({full.nr_states} states)\n{text}")
    return checked, mismatched


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-states", type=int, default=10_000)
    ap.add_argument("--max-states", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-values", action="store_true", help="timings only")
    ap.add_argument("--max-check-transitions", type=int, default=2_000_000,
                    help="check values only below this many transitions (default 2,000,000)")
    ap.add_argument("--models", nargs="*", default=None)
    ap.add_argument("--random", type=int, default=50,
                    help="random programs cross-checked against Storm (default 50; 0: none)")
    args = ap.parse_args(argv)
    sys.set_int_max_str_digits(0)
    import stormpy

    from chainlab.check import check
    from chainlab.prism._build import build
    from chainlab.prism._model import parse_constants, resolve
    from chainlab.prism._parse import parse_model_text

    rows = []
    for inst in instances(args.min_states, args.max_states, models=args.models):
        if inst.source.suffix == ".jani":
            continue
        text = inst.source.read_text()
        # parsed once, untimed (Storm's program is parsed once too); resolve + build timed
        ast = parse_model_text(text, str(inst.source))
        undefined = {c.name for c in ast.constants if c.expr is None}
        consts = {k: (repr(v) if isinstance(v, float) else v) for k, v in inst.constants.items()
                  if k in undefined}
        t_ours, model = _best(
            lambda: build(resolve(ast, parse_constants(consts), text=text)), args.repeat)
        program, props = load(inst)
        # the full reachable state space on both sides (given properties, Storm would make
        # their target states absorbing and build fewer states, as in the QVBS index)
        t_exact, full = _best(lambda: stormpy.build_model[stormpy.Rational](program),
                              args.repeat)
        t_double, _ = _best(lambda: stormpy.build_model(program), args.repeat)
        same = (model.num_states, model.num_transitions) == (full.nr_states,
                                                              full.nr_transitions)
        line = (f"{inst.name:28s} {model.num_states:>8,} states {model.num_transitions:>9,} "
                f"trans  chainlab {t_ours:7.3f} s  storm exact {t_exact:7.3f} s "
                f"(x{t_ours / t_exact:5.2f})  storm double {t_double:7.3f} s "
                f"(x{t_ours / t_double:5.2f})  sizes {'equal' if same else 'DIFFER'}")
        checked = mismatched = 0
        if model.num_transitions > args.max_check_transitions:
            line += f"  values: not checked (over {args.max_check_transitions:,} transitions)"
        elif not args.no_values and inst.props_file is not None:
            # (built again with the properties, untimed, for their labels)
            smodel = stormpy.build_model[stormpy.Rational](program, list(props))
            try:
                results = check(model, inst.props_file, constants=consts)
            except Exception as exc:  # a property chainlab cannot evaluate exactly
                line += f"  values: not checked ({type(exc).__name__}: {str(exc)[:60]})"
                results = []
            env = stormpy.environments.exact() if hasattr(stormpy, "environments") else None
            init = smodel.initial_states[0] if smodel.initial_states else None
            by_name = {p.get_name(): p for p in props}
            for r in results:
                ref = inst.references.get(r.name)
                if ref is not None:
                    checked += 1
                    ok = (r.value == ref if not isinstance(ref, float)
                          else abs(float(r.value) - ref) <= 1e-9 * max(1, abs(ref)))
                    mismatched += not ok
                p = by_name.get(r.name)
                if p is not None and init is not None and isinstance(r.value, Fraction):
                    f = p.get_raw_formula()
                    if f.is_probability_operator_formula and not f.has_bound:
                        res = stormpy.model_checking(smodel, p, environment=env) if env \
                            else stormpy.model_checking(smodel, p)
                        checked += 1
                        mismatched += _storm_value(res.get_value_vector()[init]) != r.value
            line += f"  values: {checked} checked, {mismatched} mismatched"
        print(line, flush=True)
        rows.append((inst.name, t_ours, t_exact, t_double, same, checked, mismatched))
    if rows:
        ratios = [r[1] / r[2] for r in rows]
        dratios = [r[1] / r[3] for r in rows]
        print(f"\n{len(rows)} instances; builder time chainlab / Storm exact: median "
              f"x{sorted(ratios)[len(ratios) // 2]:.2f}, worst x{max(ratios):.2f} "
              f"({rows[ratios.index(max(ratios))][0]}); within 2x: "
              f"{sum(r <= 2 for r in ratios)}/{len(rows)}")
        print(f"builder time chainlab / Storm double: median "
              f"x{sorted(dratios)[len(dratios) // 2]:.2f}, worst x{max(dratios):.2f} "
              f"({rows[dratios.index(max(dratios))][0]}); within 2x (the target): "
              f"{sum(r <= 2 for r in dratios)}/{len(rows)}")
        print(f"sizes equal: {sum(r[4] for r in rows)}/{len(rows)}; values: "
              f"{sum(r[5] for r in rows)} checked, {sum(r[6] for r in rows)} mismatched")
    if args.random:
        checked, mismatched = random_cross_check(args.random)
        print(f"random programs vs Storm: {checked} checked, {mismatched} mismatched")
    return 0


if __name__ == "__main__":
    sys.exit(main())
