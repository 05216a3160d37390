"""One GMM instance as every command reports it: the shared defaults, the JSON ``instance``
record and the notes on the start and the spacing (used by gmm, its --symbolic form, bounds,
sweep and simulate-gmm)."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

# One set of defaults for every command on the GMM agents -- gmm, bounds, sweep (through this
# parser) and simulate-gmm (docs/model.md, "Defaults"): the exchangeable tie rule and k = 1.
DEFAULT_TIES = "random"
DEFAULT_NEIGHBOURS = 1
DEFAULT_SPACING = Fraction(1)
# The continuous model's component standard deviation (simulate-gmm --sigma) and the spacing,
# in standard deviations, from which the chain is a faithful model of it (docs/fidelity.md).
DEFAULT_SIGMA = 0.2
FAITHFUL_SIGMAS = 7.5
START_RULE = "agent i pure on label i mod K"


def instance_record(*, agents: int, components: int, memory: int, neighbours: int, mirror,
                    ties: str, spacing, start, method: str, **extra) -> dict:
    """The whole instance of a run, as recorded in every JSON output of the GMM commands.

    ``mirror`` and ``spacing`` are written as exact fractions (``"1/5"``), ``start`` as the
    initial label of every agent (or its counts when it is not pure).

    Examples
    --------
    >>> r = instance_record(agents=2, components=2, memory=1, neighbours=1, mirror=0.2,
    ...                     ties="random", spacing=1, start=[0, 1], method="exact")
    >>> r["mirror"], r["spacing"], r["start"], r["start_rule"]
    ('1/5', '1', [0, 1], 'agent i pure on label i mod K')
    """
    from .. import __version__

    def exact_str(x) -> str:
        return str(Fraction(repr(x)) if isinstance(x, float) else Fraction(x))

    rec = {"agents": int(agents), "components": int(components), "memory": int(memory),
           "neighbours": int(neighbours), "mirror": exact_str(mirror), "ties": str(ties),
           "spacing": exact_str(spacing),
           "start": [s if isinstance(s, int) else list(s) for s in start],
           "start_rule": START_RULE if list(start) == [i % components for i in range(agents)]
           else "given", "method": method}
    rec.update(extra)
    rec["chainlab_version"] = __version__
    return rec


def start_labels(model) -> list:
    """The initial label of every agent of a GMMAgents model (counts when not pure)."""
    out: list = []
    for a in model.initial_agents():
        pure = [c for c, m in enumerate(a) if m == model.memory]
        out.append(pure[0] if pure else list(a))
    return out


def start_notes(agents: int, components: int, neighbours: int, start: list) -> list[str]:
    """What the start already decides: closed silos at round 0 (empty when there are none).

    With the default start (agent ``i`` pure on ``i mod K``) and more agents than components,
    several agents share a label; ``k + 1`` of them form a closed silo, and two closed silos
    mean the start is already split: polarized with probability 1.

    Examples
    --------
    >>> start_notes(8, 4, 1, [i % 4 for i in range(8)])[0]  # doctest: +ELLIPSIS
    'the start is already split: ...'
    >>> start_notes(4, 4, 1, [0, 1, 2, 3])
    []
    """
    from ..bounds import closed_silos

    pure = [s for s in start if isinstance(s, int)]
    if not pure:
        return []
    counts = [tuple(1 if c == s else 0 for c in range(components)) for s in pure]
    silos = closed_silos(counts, neighbours=neighbours)
    if not silos:
        return []
    where = ", ".join(f"label {a}: {m} agents" for a, m in silos.items())
    rule = f"{START_RULE}" + (f", and n = {agents} > K = {components}"
                              if agents > components else "")
    if len(silos) >= 2:
        return [f"the start is already split: {rule}, so {len(silos)} labels each hold at least "
                f"k + 1 = {neighbours + 1} pure agents ({where}); closed silos never merge, so "
                "every run is polarized from round 0 (P(polarization) = 1); give fewer agents, "
                "more components or a larger k for a question the dynamics decide"]
    return [f"one closed silo at the start ({where}; {rule}): it never loses a member"]


def spacing_note(spacing, sigma: float = DEFAULT_SIGMA) -> str | None:
    """A warning when the spacing is below the range where the chain is faithful, else None.

    Examples
    --------
    >>> spacing_note(3) is None, spacing_note(1)[:22]
    (True, 'spacing 1 is 5 sigma: ')
    """
    ratio = float(spacing) / sigma
    if ratio >= FAITHFUL_SIGMAS:
        return None
    return (f"spacing {float(spacing):g} is {ratio:.3g} sigma: below the range where the chain "
            f"is a faithful model of the continuous agents (spacing >= {FAITHFUL_SIGMAS:g} sigma "
            f"= {FAITHFUL_SIGMAS * sigma:g} at sigma = {sigma:g}); the values are exact for the "
            "discretized chain, but not a quantitative model of the continuous agents (at "
            "unit spacing their P(polarization) differed by up to 0.35: docs/fidelity.md; "
            "docs/model.md, \"When the chain is faithful\"; use simulate-gmm)")


def write_sta(chain, path: Path, agents: int, components: int) -> Path:
    """``path``: PRISM state valuations naming every state's agent configuration.

    Variable ``a{i}_l{c}`` is the number of memory points of label ``c`` held by agent ``i``
    (in a lumped chain the agents of a state are listed in sorted order).
    """
    from .._io.atomic import atomic_open

    names = ",".join(f"a{i}_l{c}" for i in range(agents) for c in range(components))
    with atomic_open(path) as f:
        f.write(f"({names})\n")
        for s, state in enumerate(chain.states.labels):
            f.write(f"{s}:({','.join(str(x) for agent in state for x in agent)})\n")
    return path
