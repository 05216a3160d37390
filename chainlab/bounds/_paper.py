"""Bounds at the paper's scale (n = K = 30, r = 5), where no exact value exists (private).

For every ``k`` and ``p`` of the study, the best bound that scales to ``n = 30`` -- the
closed-form :func:`~chainlab.bounds.sequence_bound` (BND-4) or, for ``k = 1`` with random ties,
:func:`~chainlab.bounds.mutual_pair_bound` (BND-7) -- is compared with

* a Monte Carlo estimate of the discretized chain (:func:`~chainlab.bounds.simulate_split`:
  runs until two closed silos or a decided consensus), and
* a Monte Carlo estimate of the continuous model (:func:`chainlab.continuous.simulate_gmm`,
  ``rounds`` rounds), counting a run as polarized when it ends with two closed silos. The
  read-out needs the generating component of every memory point; while ``simulate_gmm`` does not
  return it, agents are read as pure from their final weights (canonical pure vectors, see
  :func:`~chainlab.bounds.split_from_weights`), and every row says which read-out was used.

A bound is a theorem about the chain; against the continuous model a "violated" verdict would
mean that the chain's bound does not carry over to the continuous model, not that the proof is
wrong.
"""

from __future__ import annotations

import dataclasses
import time
from fractions import Fraction
from typing import Any

import numpy as np

from .._deprecation import renamed
from .._progress import Progress
from .._validate import integer
from ..errors import SpecError
from ..models.gmm import GMMAgents
from ..stats import ProportionEstimate, proportion
from ._gmm import sequence_bound, split_from_labels, split_from_weights
from ._limits import fewest_movers, shield_state, state_ceiling
from ._pairs import mutual_pair_bound
from ._sim import simulate_split
from ._types import BoundResult

#: the attribute of ``simulate_gmm``'s result this module reads when it exists:
#: ``(runs, agents, memory)`` int array, the component that generated each final memory point
MEMORY_LABELS_FIELD = "final_memory_components"


def _verdict(bound: BoundResult | None, est: ProportionEstimate | None, truncated: int,
             max_rounds: int | None) -> str:
    if bound is None or est is None:
        return "inconclusive"
    if float(bound.value) <= est.ci[1]:
        return "consistent"
    if truncated == 0 or max_rounds is None or (bound.horizon is not None
                                                and bound.horizon <= max_rounds):
        return "violated"
    return "inconclusive"


@dataclasses.dataclass(frozen=True, eq=False)
class PaperScaleRow:
    """One ``(k, p, ties)`` point of the paper-scale study.

    Attributes
    ----------
    neighbours : int
    mirror : Fraction
    ties : str
    bound : BoundResult or None
        The best bound that runs at this size -- the sequence bound (BND-4) or the mutual-pair
        bound (BND-7), whichever is larger (``None`` when neither applies; see ``bound_note``).
    bound_note : str
    chain : ProportionEstimate
        Runs of the discretized chain that reached two closed silos.
    chain_truncated : int
        Chain runs undecided at ``max_rounds`` (counted as not split).
    chain_verdict : str
    continuous : ProportionEstimate or None
        Runs of the continuous model that end with two closed silos.
    continuous_readout : str or None
        ``"memory labels"`` or ``"final weights"`` (canonical pure vectors).
    continuous_verdict : str
    limits : dict
        What the classes of bounds of ``proofs/limits.md`` can reach at this point, for the
        issue's target ``P >= 1/10``: ``movers_needed`` (LIM-1: a bound must let at least this
        many agents change state in round 1), ``state_ceiling`` (LIM-2: the largest round-1 state
        probability) and ``states_needed`` (round-1 states a listing bound must credit),
        ``shield_max_group`` (LIM-3: the largest group, agents ``0..g-1``, that an adversarial
        rest freezes). ``None`` where the claim's assumptions fail.

    Examples
    --------
    Rows come from :func:`chainlab.bounds.paper_scale_study`:

    >>> import numpy as np
    >>> st = paper_scale_study(neighbours=[1], mirrors=["1/5"], ties=["random"], agents=6,
    ...                        components=6, memory=2, num_samples=20, continuous=False,
    ...                        rng=np.random.default_rng(1))
    >>> rec = st.rows[0].to_record()
    >>> rec["k"], rec["p"], rec["ties"], rec["continuous_verdict"]
    (1, '1/5', 'random', 'not run')
    """

    neighbours: int
    mirror: Fraction
    ties: str
    bound: BoundResult | None
    bound_note: str
    chain: ProportionEstimate
    chain_truncated: int
    chain_verdict: str
    continuous: ProportionEstimate | None
    continuous_readout: str | None
    continuous_verdict: str
    limits: dict = dataclasses.field(default_factory=dict)

    def to_record(self) -> dict:
        """A flat dict (CSV/JSON row)."""
        def est(e, name):
            if e is None:
                return {f"{name}_estimate": None, f"{name}_ci_low": None, f"{name}_ci_high": None,
                        f"{name}_runs": None}
            return {f"{name}_estimate": e.estimate, f"{name}_ci_low": e.ci[0],
                    f"{name}_ci_high": e.ci[1], f"{name}_runs": e.trials}

        return {
            "k": self.neighbours, "p": str(self.mirror), "ties": self.ties,
            "bound": None if self.bound is None else self.bound.name,
            "bound_value": None if self.bound is None else float(self.bound.value),
            "bound_exact": None if self.bound is None else str(self.bound.value),
            "bound_note": self.bound_note,
            **est(self.chain, "chain"), "chain_truncated": self.chain_truncated,
            "chain_verdict": self.chain_verdict,
            **est(self.continuous, "continuous"), "continuous_readout": self.continuous_readout,
            "continuous_verdict": self.continuous_verdict,
            "bound_over_chain": (None if self.bound is None or not self.chain.estimate
                                 else float(self.bound.value) / self.chain.estimate),
            **{f"limit_{key}": val for key, val in self.limits.items()},
        }


@dataclasses.dataclass(frozen=True, eq=False)
class PaperScaleStudy:
    """The paper-scale table: one :class:`PaperScaleRow` per ``(k, p, ties)``.

    Attributes
    ----------
    rows : tuple of PaperScaleRow
    parameters : dict
        ``agents, components, memory, runs, continuous_runs, rounds, max_rounds, seed``.
    seconds : float

    Examples
    --------
    >>> import numpy as np
    >>> st = paper_scale_study(neighbours=[1, 2], mirrors=["0"], ties=["index"], agents=6,
    ...                        components=6, memory=2, num_samples=20, continuous=False,
    ...                        rng=np.random.default_rng(1))
    >>> len(st.rows), st.to_markdown().splitlines()[0].startswith("| ties | k | p |")
    (2, True)
    """

    rows: tuple
    parameters: dict
    seconds: float

    def to_records(self) -> list[dict]:
        """Rows as flat dicts."""
        return [r.to_record() for r in self.rows]

    def to_markdown(self) -> str:
        """The table in Markdown (bound, estimates with intervals, verdicts)."""
        head = ("| ties | k | p | best bound | chain estimate [95% CI] | verdict | "
                "continuous estimate [95% CI] | verdict | bound / chain | LIM-1 movers | "
                "LIM-2 states | LIM-3 group |\n"
                "|---|---|---|---|---|---|---|---|---|---|---|---|\n")
        lines = []
        for r in self.rows:
            b = "n/a" if r.bound is None else (
                f"{float(r.bound.value):.3g} ({r.bound.name}, {r.bound.claim})")
            rec = r.to_record()
            ratio = rec["bound_over_chain"]
            ratio_s = "n/a" if ratio is None else f"{ratio:.3g}"
            lim = r.limits

            def show(key, fmt):
                v = lim.get(key)
                return "n/a" if v is None else fmt(v)
            lims = (f" | >= {show('movers_needed', str)} | "
                    f">= {show('states_needed', lambda v: f'{v:.2g}')} | "
                    f"<= {show('shield_max_group', str)}")
            ch = f"{r.chain.estimate:.3f} [{r.chain.ci[0]:.3f}, {r.chain.ci[1]:.3f}]"
            if r.chain_truncated:
                ch += f" ({r.chain_truncated} undecided)"
            co = "not run" if r.continuous is None else (
                f"{r.continuous.estimate:.3f} [{r.continuous.ci[0]:.3f}, "
                f"{r.continuous.ci[1]:.3f}]")
            lines.append(f"| {r.ties} | {r.neighbours} | {r.mirror} | {b} | {ch} | "
                         f"{r.chain_verdict} | {co} | {r.continuous_verdict} | {ratio_s}"
                         f"{lims} |")
        return head + "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"PaperScaleStudy({len(self.rows)} rows, {self.parameters}, {self.seconds:.1f} s)"


def _continuous_split(res: Any, k: int) -> tuple[np.ndarray, str]:
    labels = getattr(res, MEMORY_LABELS_FIELD, None)
    if labels is not None:
        return split_from_labels(np.asarray(labels), neighbours=k,
                                 components=res.parameters["components"]), "memory labels"
    return split_from_weights(res.final_weights, neighbours=k), "final weights"


def _limits(model: GMMAgents, target: Fraction) -> dict:
    """The LIM-1..3 numbers of one point (``None`` where a claim's assumptions fail)."""
    out: dict[str, Any] = {"target": str(target), "movers_needed": None,
                           "state_ceiling": None, "states_needed": None,
                           "shield_max_group": None}
    try:
        out["movers_needed"] = fewest_movers(model, target)
    except SpecError:
        pass
    try:
        sc = state_ceiling(model)
        out["state_ceiling"] = float(sc)
        out["states_needed"] = float(target / sc)
    except SpecError:
        pass
    best = None
    for g in range(1, model.num_agents + 1):
        try:
            shield_state(model, range(g))
        except SpecError:
            break
        best = g
    out["shield_max_group"] = best
    return out


def _best_bound(model: GMMAgents) -> tuple[BoundResult | None, str]:
    """The largest applicable bound that scales to the paper's instance, and a note.

    Two bounds run at ``n = 30``: the closed-form sequence bound (BND-4, every ``k`` and tie
    rule) and the mutual-pair bound (BND-7, ``k = 1`` with random ties). BND-5 and BND-6 explore
    states or configurations whose number explodes, and LIM-1 (``proofs/limits.md``) shows that
    BND-5 with any explorable ``max_mixed`` could not reach the targets anyway.
    """
    found: list[BoundResult] = []
    notes = []
    for bound in (sequence_bound, mutual_pair_bound):
        try:
            found.append(bound(model))
        except SpecError as exc:
            notes.append(str(exc))
    if not found:
        return None, notes[0]
    return max(found, key=lambda b: b.value), ""


@renamed(num_runs="num_samples", continuous_runs="continuous_samples", rounds="num_rounds")
def paper_scale_study(*, neighbours: Any = (1, 2, 5, 10, 14), mirrors: Any = ("0", "1/5", "2/5"),
                      ties: Any = ("index", "random"), agents: int = 30, components: int = 30,
                      memory: int = 5, num_samples: int = 1000,
                      continuous_samples: int | None = None,
                      num_rounds: int = 100, max_rounds: int = 10_000, continuous: bool = True,
                      rng: Any = None, progress: bool = False) -> PaperScaleStudy:
    """The sequence bound against simulation of the chain and of the continuous model.

    Parameters
    ----------
    neighbours, mirrors, ties : sequences
        The grid of ``k``, ``p`` (fractions or strings like ``"1/5"``) and tie rules.
    agents, components, memory : int
        Instance size (the paper: 30, 30, 5).
    num_samples : int, default 1000
        Runs of the discretized chain per point.
    continuous_samples : int, optional
        Runs of the continuous model per point (default ``num_samples``).
    num_rounds : int, default 100
        Rounds of the continuous model (the paper's horizon).
        (Formerly ``num_runs``, ``continuous_runs`` and ``rounds``: still accepted, with a
        DeprecationWarning.)
    max_rounds : int, default 10000
        Chain runs still undecided after this many rounds count as not split.
    continuous : bool, default True
        Also simulate the continuous model.
    rng : numpy.random.Generator or int, optional
        One stream, spawned into one child per point (results do not depend on the order).
    progress : bool or callable, default False
        Progress reports, as for :func:`chainlab.compiler.compile_model` (``True``: one line on
        stderr; a callable: progress events; ``False``: silent).

    Returns
    -------
    PaperScaleStudy

    See Also
    --------
    chainlab.bounds.sharpness_study : bound / exact where the chain compiles.
    chainlab.bounds.sequence_bound : The bound it evaluates.
    chainlab.continuous.simulate_gmm : The continuous model it simulates.

    Examples
    --------
    >>> import numpy as np
    >>> st = paper_scale_study(neighbours=[1], mirrors=["0"], ties=["index"], agents=8,
    ...                        components=8, memory=3, num_samples=50, num_rounds=30,
    ...                        rng=np.random.default_rng(0))
    >>> row = st.rows[0]
    >>> row.chain_verdict, row.continuous_verdict, row.bound.claim
    ('consistent', 'consistent', 'BND-4')
    """
    started = time.perf_counter()
    try:
        ks = [int(k) for k in neighbours]
        ps = [Fraction(str(p)) if not isinstance(p, Fraction) else p for p in mirrors]
        tl = [str(t) for t in ties]
    except (TypeError, ValueError) as exc:
        raise SpecError(f"neighbours, mirrors and ties must be sequences: {exc}") from None
    num_runs = integer("num_samples", num_samples, low=1)
    rounds = integer("num_rounds", num_rounds, low=1)
    crun = num_runs if continuous_samples is None else continuous_samples
    gen = np.random.default_rng(rng)
    points = [(t, k, p) for t in tl for k in ks for p in ps]
    children = gen.spawn(2 * len(points))
    rows = []
    bar = Progress("paper scale", total=len(points), unit="points", progress=progress)
    try:
        for n_pt, (t, k, p) in enumerate(points):
            model = GMMAgents(agents=agents, components=components, memory=memory, neighbours=k,
                              mirror=p, ties=t)
            bound, note = _best_bound(model)
            limits = _limits(model, Fraction(1, 10))
            sim = simulate_split(model, num_samples=num_runs, rng=children[2 * n_pt],
                                 max_rounds=max_rounds)
            est = sim.estimate()
            c_est, readout = None, None
            if continuous:
                from ..continuous import simulate_gmm

                res = simulate_gmm(agents=agents, components=components, memory=memory,
                                   neighbours=k, mirror=p, num_rounds=rounds, num_samples=crun,
                                   ties=t,
                                   rng=children[2 * n_pt + 1])
                split, readout = _continuous_split(res, k)
                c_est = proportion(int(split.sum()), len(split))
            rows.append(PaperScaleRow(
                neighbours=k, mirror=p, ties=t, bound=bound, bound_note=note, chain=est,
                chain_truncated=sim.num_truncated,
                chain_verdict=_verdict(bound, est, sim.num_truncated, max_rounds),
                continuous=c_est, continuous_readout=readout,
                continuous_verdict=_verdict(bound, c_est, 0, None) if continuous else "not run",
                limits=limits))
            bar.update(n_pt + 1)
    finally:
        bar.close(interrupted=len(rows) < len(points))
    params = {"agents": agents, "components": components, "memory": memory, "runs": num_runs,
              "continuous_runs": crun if continuous else 0, "rounds": rounds,
              "max_rounds": max_rounds}
    return PaperScaleStudy(rows=tuple(rows), parameters=params,
                           seconds=time.perf_counter() - started)
