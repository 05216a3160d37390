"""Every file chainlab writes, loaded in Storm (stormpy >= 2.0), gives chainlab's exact values.

For a set of chains (exact, with values that have an exact decimal and values that have none,
a float chain, parametric chains) the script writes

* ``.drn`` (exact, with the ``steps`` reward and one more reward vector) and loads it with
  ``stormpy.build_model_from_drn[stormpy.Rational]``;
* parametric ``.drn`` (``build_model_from_drn[stormpy.RationalFunction]``);
* Storm-dialect explicit files ``.tra`` / ``.lab`` / ``.state.rew``
  (``write_prism(..., dialect="storm", steps=True)``, ``inexact="decimal"``), loaded with
  ``stormpy.build_model_from_explicit`` (Storm reads explicit files in doubles only);

and compares, file by file: the transition matrix entry by entry, the labels and initial states,
the reward vectors, then the reachability probabilities ``P=? [F "goal"]`` and the expected
steps to absorption ``R{"steps"}=? [F "absorbing"]`` in every state with chainlab's exact
values (``chainlab.exact.hitting``; ``chainlab.parametric.hitting`` for rational functions).
DRN values must be equal exactly (Storm's exact environment); explicit files hold doubles, so
their matrix must equal the doubles nearest to the decimals written (exactly the chain's
entries where the decimal is exact) and their values agree to the reported relative error.

PRISM-dialect explicit files (``write_prism(..., dialect="prism")``) are PRISM's format, which
Storm's explicit reader does not read (its ``.tra`` needs the model-type line, its ``.lab``
``#DECLARATION``); they are checked against PRISM's documentation in
``tests/test_roundtrip_files.py`` instead.

Usage::

    python benchmarks/check_storm_roundtrip.py            # exit 1 on any mismatch

Without stormpy the script says so and exits 0.
"""

from __future__ import annotations

import sys
import tempfile
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chainlab import Chain, exact  # noqa: E402
from chainlab.io import read_chain, write_drn, write_prism  # noqa: E402
from chainlab.structure import classify  # noqa: E402


def _chains() -> dict[str, Chain]:
    from chainlab.models import ehrenfest, gamblers_ruin, majority_rule

    thirds = Chain([["1/3", "1/3", "1/3", 0], [0, "1/7", "2/7", "4/7"], [0, 0, 1, 0],
                    [0, 0, 0, 1]], initial=0, labels={"goal": [3]})
    dyadic = Chain([["1/2", "1/8", "3/8", 0], ["1/4", 0, "1/4", "1/2"], [0, 0, 1, 0],
                    [0, 0, 0, 1]], initial=0, labels={"goal": [3], "mid": [1, 2]})
    out = {
        "ruin_10_2/5": gamblers_ruin(10, "2/5").with_labels({"goal": [10]}),
        "thirds": thirds,
        "dyadic": dyadic,
        "majority_4": majority_rule(4, 2),
        "ehrenfest_4": ehrenfest(4),  # irreducible: no absorption, reachability only
        "float_ruin": Chain(gamblers_ruin(6, "1/3").P, initial=1, exact=False,
                            labels={"goal": [6]}),
    }
    for name, c in list(out.items()):
        if c.initial is None or not c.initial:
            out[name] = c.with_initial(c.states.labels[0])
    return out


def _frac(x) -> Fraction:
    return Fraction(str(x))


def _with_absorbing(c: Chain) -> tuple[Chain, bool]:
    """The chain with labels ``absorbing`` (the closed classes) and ``goal`` (when it has none:
    the last closed class), and whether expected steps to absorption exist (transient states)."""
    s = classify(c)
    closed = sorted({i for cls in s.closed_classes for i in cls})
    labs = {k: [c.states.labels[i] for i in v] for k, v in c.labels.items()}
    labs.setdefault("absorbing", [c.states.labels[i] for i in closed])
    labs.setdefault("goal", [c.states.labels[i] for i in s.closed_classes[-1]])
    return c.with_labels(labs), bool(s.transient)


def _storm_matrix(model) -> dict[tuple[int, int], object]:
    out = {}
    m = model.transition_matrix
    for row in range(m.nr_rows):
        for entry in m.get_row(row):
            out[(row, entry.column)] = entry.value
    return out


def _storm_labels(model) -> dict[str, set[int]]:
    lab = model.labeling
    return {name: set(lab.get_states(name)) for name in lab.get_labels()}


def _check(stormpy, model, chain: Chain, *, exact_values: bool, absorbing: bool,
           rewards: dict[str, list], parametric: bool = False) -> list[str]:
    """Mismatches between the Storm model and the chain (empty when all agree)."""
    problems: list[str] = []
    matrix = _storm_matrix(model)
    ours = {(i, j): v for i, j, v in chain.transitions()}
    if set(matrix) != set(ours):
        problems.append(f"transition sets differ: {sorted(set(matrix) ^ set(ours))[:5]}")
    for key, v in ours.items():
        s = matrix.get(key)
        if s is None:
            continue
        if parametric:
            same = _same_rf(s, v)
        elif exact_values:
            same = _frac(s) == Fraction(v)
        else:
            same = float(s) == float(v)
        if not same:
            problems.append(f"P{key}: Storm {s}, chainlab {v}")
            break
    labs = _storm_labels(model)
    for name, members in chain.labels.items():
        if labs.get(name) != set(members):
            problems.append(f"label {name}: Storm {sorted(labs.get(name, []))}, chainlab "
                            f"{sorted(members)}")
    if set(model.initial_states) != set(chain.initial):
        problems.append(f"initial states: Storm {list(model.initial_states)}, chainlab "
                        f"{sorted(chain.initial)}")
    for name, vector in rewards.items():
        rm = model.reward_models.get(name)
        if rm is None:
            problems.append(f"reward model {name!r} missing (Storm has {list(model.reward_models)})")
            continue
        got = list(rm.state_rewards)
        if parametric:
            ok = all(_same_rf(a, Fraction(b)) for a, b in zip(got, vector))
        else:
            ok = [(_frac(a) if exact_values else float(a)) for a in got] == \
                [(Fraction(b) if exact_values else float(b)) for b in vector]
        if not ok:
            problems.append(f"reward {name!r}: Storm {got[:6]}, chainlab {vector[:6]}")
    # values
    reward_name = "steps" if "steps" in model.reward_models else ""
    queries = {"reach goal": 'P=? [F "goal"]'}
    if absorbing:
        queries["steps to absorbing"] = f'R{{"{reward_name}"}}=? [F "absorbing"]' \
            if reward_name else 'R=? [F "absorbing"]'
    env = stormpy.environments.exact() if exact_values and not parametric else None
    for what, text in queries.items():
        prop = stormpy.parse_properties(text)[0]
        kwargs = {"environment": env} if env is not None else {}
        res = stormpy.model_checking(model, prop, only_initial_states=False, **kwargs)
        storm_vals = list(res.get_value_vector())
        ours_vals = _ours(chain, what, parametric)
        worst = 0.0
        for state, (a, b) in enumerate(zip(storm_vals, ours_vals)):
            if parametric:
                if not _same_rf(a, b):
                    problems.append(f"{what} in state {state}: Storm {a}, chainlab {b}")
                    break
            elif exact_values:
                if _frac(a) != Fraction(b):
                    problems.append(f"{what} in state {state}: Storm {a}, chainlab {b}")
                    break
            else:
                fa, fb = float(a), float(b)
                worst = max(worst, abs(fa - fb) / max(abs(fb), 1e-300) if fb else abs(fa))
        if not exact_values and not parametric:
            if worst > 1e-6:
                problems.append(f"{what}: relative error {worst:.2e} > 1e-6")
            else:
                problems.append(f"~{what}: max relative error {worst:.1e}")  # info, not failure
    return problems


def _ours(chain, what, parametric):
    if parametric:
        from chainlab import parametric as par

        r = par.hitting(chain, "goal" if what == "reach goal" else "absorbing")
    elif chain.is_exact:
        r = exact.hitting(chain, "goal" if what == "reach goal" else "absorbing")
    else:
        from chainlab import numeric

        r = numeric.hitting(chain, "goal" if what == "reach goal" else "absorbing")
    return list(r.probabilities if what == "reach goal" else r.expected_times)


def _same_rf(storm_value, ours) -> bool:
    import sympy

    a = sympy.sympify(str(storm_value).replace("^", "**"))
    b = sympy.sympify(str(ours))
    return sympy.cancel(a - b) == 0


def main() -> int:
    try:
        import stormpy
    except ImportError:
        print("stormpy is not installed (pip install stormpy, the bench extra): nothing checked")
        return 0
    failures = 0
    rows: list[tuple[str, str, int, list[str]]] = []
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for name, chain in _chains().items():
            c, absorbing = _with_absorbing(chain)
            key = name.replace("/", "_")
            n = c.num_states
            steps = [Fraction(1)] * n
            cost = [Fraction(i % 3, 3) for i in range(n)]  # 1/3 has no exact decimal
            if c.is_exact:
                drn = write_drn(c, d / f"{key}.drn", rewards={"cost": cost})
                model = stormpy.build_model_from_drn[stormpy.Rational](str(drn))
                rows.append(("drn (exact)", name, n, _check(
                    stormpy, model, c, exact_values=True, absorbing=absorbing,
                    rewards={"steps": steps, "cost": cost})))
            else:
                drn = write_drn(c, d / f"{key}.drn")
                model = stormpy.build_model_from_drn(str(drn))  # doubles
                rows.append(("drn (double)", name, n, _check(
                    stormpy, model, c, exact_values=False, absorbing=absorbing,
                    rewards={"steps": steps})))
            files = write_prism(c, d / key, dialect="storm", steps=True, inexact="decimal")
            back = read_chain(files["tra"])  # the chain the file holds (17-digit decimals)
            model = stormpy.build_model_from_explicit(str(files["tra"]), str(files["lab"]),
                                                      state_rewards=str(files["state.rew"]))
            rows.append(("tra/lab/state.rew", name, n, _check(
                stormpy, model, back, exact_values=False, absorbing=absorbing,
                rewards={"": steps})))
            if c.is_exact and all(_only_2_5(Fraction(v).denominator)
                                  for _, _, v in c.transitions()):
                rows[-1][3].append(f"~matrix == chainlab's exact entries: {back == c}")
                if back != c:
                    rows[-1][3].append("decimals were not exact")
        from chainlab.parametric import gamblers_ruin as pruin

        for name, g in {"parametric ruin_4": pruin(4, "p"),
                        "parametric ruin_3 (start 2)": pruin(3, "p", start=2)}.items():
            labs = {k: sorted(v) for k, v in g.labels.items()}
            absorbing_states = sorted(set().union(*g.labels.values()))
            g = g.with_labels({"goal": labs.get("win", []), "absorbing": absorbing_states,
                               **labs})
            path = write_drn(g, d / f"{name.split()[1]}.drn")
            model = stormpy.build_model_from_drn[stormpy.RationalFunction](str(path))
            rows.append(("parametric drn", name, g.num_states, _check(
                stormpy, model, g, exact_values=True, absorbing=True, parametric=True,
                rewards={"steps": [Fraction(1)] * g.num_states})))
    for kind, name, n, problems in rows:
        bad = [p for p in problems if not p.startswith("~")]
        info = "; ".join(p[1:] for p in problems if p.startswith("~"))
        failures += bool(bad)
        status = "OK  " if not bad else "FAIL"
        print(f"{status} {kind:18} {name:28} {n:3} states"
              + (f"  ({info})" if info else "") + "".join(f"\n       {p}" for p in bad))
    print(f"{len(rows)} files loaded in stormpy {stormpy.__version__}, {failures} with "
          "mismatches")
    return 1 if failures else 0


def _only_2_5(d: int) -> bool:
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


if __name__ == "__main__":
    sys.exit(main())
