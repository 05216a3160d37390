r"""Check PRISM properties on PRISM models: ``chainlab.check.check`` (also ``chainlab check``).

Supported properties: ``P=? [ F phi ]``, ``P=? [ phi1 U phi2 ]``, ``G``, ``X``, ``W``, bounded
``F<=k`` / ``U<=k``, ``R{"r"}=? [ F phi ]``, ``R=? [ C<=k ]``, ``R=? [ I=k ]``, ``R=? [ C ]``,
``R=? [ S ]``, ``T=? [ F phi ]`` (expected steps), ``S=? [ phi ]`` (long-run probability),
bounded operators ``P>=b [ ... ]`` (true/false), ``filter(op, prop, states)`` with ``op`` one of
min, max, avg, sum, count, forall, exists, first, print; named properties ``"name": ...``
and references to them from other properties (``"name"``, e.g. ``1 - "name"``);
``.props``/``.prctl`` files with several properties, constants, formulas and labels.
``Pmin``/``Pmax``/``Rmin``/``Rmax`` are accepted (a DTMC has no nondeterminism to resolve).

Expected rewards and times are infinite exactly where the target is missed with positive
probability, as in PRISM and Storm.

Examples
--------
>>> from chainlab.check import check
>>> model = '''
... dtmc
... module die
...   s : [0..3] init 0;
...   [] s=0 -> 0.5 : (s'=1) + 0.5 : (s'=2);
...   [] s=1 -> 0.5 : (s'=0) + 0.5 : (s'=3);
...   [] s>=2 -> true;
... endmodule
... rewards "flips" true : 1; endrewards
... '''
>>> res = check(model, 'P=? [ F s=3 ]; "flips": R{"flips"}=? [ F s>=2 ]; P>0.3 [ F<=2 s=3 ]')
>>> [(r.name, r.value) for r in res]
[(None, Fraction(1, 3)), ('flips', Fraction(2, 1)), (None, False)]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import SpecError
from .prism._build import PrismModel, _read_text, build, program_from_text
from .prism._model import parse_constants
from .prism._parse import parse_properties_text
from .prism._properties import PropertyResult, Quotient, evaluate_properties
from .prism._symmetry import Symmetry, find_symmetry
from .prism._symmetry import choose as choose_symmetry

__all__ = ["check", "PropertyResult", "Quotient", "Symmetry", "load_properties"]


def _looks_like_path(x: Any) -> bool:
    if isinstance(x, Path):
        return True
    if not isinstance(x, str):
        return False
    return "\n" not in x and x.strip().endswith((".props", ".prctl", ".prism", ".pm", ".pctl"))


def load_properties(properties: Any):
    """The syntax tree of a properties text, a ``.props``/``.prctl`` path or a list of texts.

    Examples
    --------
    >>> props = load_properties(['"goal": P=? [ F x=2 ]', 'T=? [ F x=2 ]'])
    >>> [(p.name, p.text) for p in props.properties]
    [('goal', 'P=? [ F x=2 ]'), (None, 'T=? [ F x=2 ]')]
    """
    if isinstance(properties, (list, tuple)):
        if not all(isinstance(p, str) for p in properties):
            raise SpecError("properties must be strings")
        return parse_properties_text(";\n".join(properties), "<properties>")
    if _looks_like_path(properties):
        p = Path(properties)
        return parse_properties_text(_read_text(p), str(p))
    if not isinstance(properties, str):
        raise SpecError(f"properties must be a string, a list of strings or a .props path, got "
                        f"{type(properties).__name__}")
    return parse_properties_text(properties, "<property>")


def check(model: Any, properties: Any, *, constants: Any = None, exact: bool = True,
          max_states: int | None = None, progress: bool = False,
          bisimulation: bool | None = None,
          symmetry: bool | None = None) -> list[PropertyResult]:
    """Evaluate PRISM properties on a PRISM DTMC.

    Parameters
    ----------
    model : PrismModel, path of a ``.prism``/``.pm`` file, or PRISM text
    properties : str, path or list of str
        One or more properties (separated by ``;`` or newlines), or a ``.props``/``.prctl``
        file.
    constants : str or dict, optional
        Values of undefined constants of the model and of the property file
        (``"N=16,MAX=2"``); each must be declared by one of them.
    exact : bool, default True
        Exact rationals (Fractions); ``False``: the float64 analyses of
        :mod:`chainlab.numeric`, each value with a certified error bound carried through the
        property (``error_bound``: relative, of ``value``; ``errors``: absolute, per state);
        comparisons are decided only where the bounds allow, and a value whose bound exceeds
        ``chainlab.config.limits.tolerance`` is refused (PrecisionError).
    bisimulation : bool or None, default None
        Solve each exact analysis on the coarsest bisimulation quotient of the chain that
        respects the labels and rewards the analysis uses (:func:`chainlab.lumping.bisimulation`,
        claim LUMP-2; the values are mapped back to every state). ``None``: when the chain has
        a strong component of at least ``BISIMULATION_MIN_SCC`` (500) states, which the exact
        solver would fill in, and only if the quotient has at most half the states; ``True``:
        always; ``False``: never. Each result's ``quotients`` says which were used. Exact
        evaluation only (``exact=True``).
    symmetry : bool or None, default None
        Explore the model up to a rotation of its renamed modules (``module p2 = p1 [...]``),
        one state per orbit, when that rotation maps the model and the properties onto
        themselves (claim SYM-1; checked on the syntax: commands, labels, rewards, initial
        states and the properties' state expressions unchanged; every property a filter of
        ``min``, ``max``, ``forall`` or ``exists``). ``None``: when the variables have at least
        32,768 valuations (``SYMMETRY_MIN_VALUATIONS``); ``True``: always (an error when no
        such rotation exists); ``False``: never. The values are those of the full chain.
        Only for a model given as a path or text (a :class:`PrismModel` is already built).

    Returns
    -------
    list of PropertyResult
        One per property, in order; ``value`` is at the initial state (a single initial state
        is needed unless the property is a filter).

    Examples
    --------
    >>> walk = ("dtmc module w x : [0..2] init 1; [] x=1 -> 0.5 : (x'=0) + 0.5 : (x'=2); "
    ...         "[] x!=1 -> true; endmodule")
    >>> [r.value for r in check(walk, "P=? [ F x=2 ]; T=? [ F x!=1 ]")]
    [Fraction(1, 2), Fraction(1, 1)]
    >>> f = check(walk, "P=? [ F x=2 ]", exact=False)[0]
    >>> f.value, f.error_bound < 1e-14
    (0.5, True)
    """
    if bisimulation not in (None, True, False):
        raise SpecError(f"bisimulation={bisimulation!r} must be True, False or None "
                        "(automatic)")
    if symmetry not in (None, True, False):
        raise SpecError(f"symmetry={symmetry!r} must be True, False or None (automatic)")
    if bisimulation and not exact:
        raise SpecError("bisimulation=True lumps the chain for the exact analyses, but "
                        "exact=False was given; use exact=True, or leave bisimulation=None")
    props = load_properties(properties)
    given = parse_constants(constants)
    declared_props = {c.name for c in props.constants}
    if isinstance(model, PrismModel):
        pm = model
        if symmetry:
            raise SpecError("symmetry=True reduces the model while it is explored, but model "
                            "is a PrismModel that is already built; give its path or text")
        if pm.symmetry is not None and find_symmetry(pm.program, props) != pm.symmetry:
            raise SpecError(f"{pm.source} was explored up to its {pm.symmetry.describe()}, "
                            "which these properties do not respect; build it without "
                            "symmetry")
        unknown = set(given) - declared_props - set(pm.constants)
        if unknown:
            raise SpecError(f"constants {', '.join(sorted(unknown))} are declared neither by the "
                            "model nor by the properties; remove them")
    else:
        if _looks_like_path(model):
            path = Path(model)
            text, source = _read_text(path), str(path)
        elif isinstance(model, str):
            text, source = model, "<model>"
        else:
            raise SpecError(f"model must be a PrismModel, a .prism/.pm path or PRISM text, got "
                            f"{type(model).__name__}")
        ast_consts = {k: v for k, v in given.items() if k not in declared_props}
        program = program_from_text(text, source, ast_consts)
        sym = choose_symmetry(program, props, symmetry)
        pm = build(program, max_states=max_states, progress=progress, symmetry=sym)
    return evaluate_properties(pm, props, given, exact=exact, bisimulation=bisimulation)
