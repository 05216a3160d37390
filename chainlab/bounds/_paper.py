"""Bounds at the paper's scale (n = K = 30, r = 5), where no exact value exists (private).

For every ``k`` and ``p`` of the study, the closed-form :func:`~chainlab.bounds.sequence_bound`
(the only bound that scales to ``n = 30``) is compared with

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

from .._progress import Progress
from .._validate import integer
from ..errors import SpecError
from ..models.gmm import GMMAgents
from ..stats import ProportionEstimate, proportion
from ._gmm import sequence_bound, split_from_labels, split_from_weights
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
        The sequence bound (``None`` when it does not apply; see ``bound_note``).
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

    Examples
    --------
    Rows come from :func:`chainlab.bounds.paper_scale_study`:

    >>> import numpy as np
    >>> st = paper_scale_study(neighbours=[1], mirrors=["1/5"], ties=["random"], agents=6,
    ...                        components=6, memory=2, num_runs=20, continuous=False,
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
    ...                        components=6, memory=2, num_runs=20, continuous=False,
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
        head = ("| ties | k | p | sequence bound (BND-4) | chain estimate [95% CI] | verdict | "
                "continuous estimate [95% CI] | verdict |\n|---|---|---|---|---|---|---|---|\n")
        lines = []
        for r in self.rows:
            b = "n/a" if r.bound is None else f"{float(r.bound.value):.3g}"
            ch = f"{r.chain.estimate:.3f} [{r.chain.ci[0]:.3f}, {r.chain.ci[1]:.3f}]"
            if r.chain_truncated:
                ch += f" ({r.chain_truncated} undecided)"
            co = "not run" if r.continuous is None else (
                f"{r.continuous.estimate:.3f} [{r.continuous.ci[0]:.3f}, "
                f"{r.continuous.ci[1]:.3f}]")
            lines.append(f"| {r.ties} | {r.neighbours} | {r.mirror} | {b} | {ch} | "
                         f"{r.chain_verdict} | {co} | {r.continuous_verdict} |")
        return head + "\n".join(lines) + "\n"

    def __repr__(self) -> str:
        return f"PaperScaleStudy({len(self.rows)} rows, {self.parameters}, {self.seconds:.1f} s)"


def _continuous_split(res: Any, k: int) -> tuple[np.ndarray, str]:
    labels = getattr(res, MEMORY_LABELS_FIELD, None)
    if labels is not None:
        return split_from_labels(np.asarray(labels), neighbours=k,
                                 components=res.parameters["components"]), "memory labels"
    return split_from_weights(res.final_weights, neighbours=k), "final weights"


def paper_scale_study(*, neighbours: Any = (1, 2, 5, 10, 14), mirrors: Any = ("0", "1/5", "2/5"),
                      ties: Any = ("index", "random"), agents: int = 30, components: int = 30,
                      memory: int = 5, num_runs: int = 1000, continuous_runs: int | None = None,
                      rounds: int = 100, max_rounds: int = 10_000, continuous: bool = True,
                      rng: Any = None, progress: bool = False) -> PaperScaleStudy:
    """The sequence bound against simulation of the chain and of the continuous model.

    Parameters
    ----------
    neighbours, mirrors, ties : sequences
        The grid of ``k``, ``p`` (fractions or strings like ``"1/5"``) and tie rules.
    agents, components, memory : int
        Instance size (the paper: 30, 30, 5).
    num_runs : int, default 1000
        Runs of the discretized chain per point.
    continuous_runs : int, optional
        Runs of the continuous model per point (default ``num_runs``).
    rounds : int, default 100
        Rounds of the continuous model (the paper's horizon).
    max_rounds : int, default 10000
        Chain runs still undecided after this many rounds count as not split.
    continuous : bool, default True
        Also simulate the continuous model.
    rng : numpy.random.Generator or int, optional
        One stream, spawned into one child per point (results do not depend on the order).
    progress : bool or callable, default False
        ``True``: a progress line on stderr (at most every half second); a callable:
        called with progress events (``.task``, ``.done``, ``.total``, ``.unit``,
        ``.elapsed``, ``.detail``, ``.final``, ``.interrupted``, and ``.line()`` for the text);
        ``False``: silent.

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
    ...                        components=8, memory=3, num_runs=50, rounds=30,
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
    num_runs = integer("num_runs", num_runs, low=1)
    rounds = integer("rounds", rounds, low=1)
    crun = num_runs if continuous_runs is None else continuous_runs
    gen = np.random.default_rng(rng)
    points = [(t, k, p) for t in tl for k in ks for p in ps]
    children = gen.spawn(2 * len(points))
    rows = []
    bar = Progress("paper scale", total=len(points), unit="points", progress=progress)
    try:
        for n_pt, (t, k, p) in enumerate(points):
            model = GMMAgents(agents=agents, components=components, memory=memory, neighbours=k,
                              mirror=p, ties=t)
            try:
                bound, note = sequence_bound(model), ""
            except SpecError as exc:
                bound, note = None, str(exc)
            sim = simulate_split(model, num_samples=num_runs, rng=children[2 * n_pt],
                                 max_rounds=max_rounds)
            est = sim.estimate()
            c_est, readout = None, None
            if continuous:
                from ..continuous import simulate_gmm

                res = simulate_gmm(agents=agents, components=components, memory=memory,
                                   neighbours=k, mirror=p, rounds=rounds, runs=crun, ties=t,
                                   rng=children[2 * n_pt + 1])
                split, readout = _continuous_split(res, k)
                c_est = proportion(int(split.sum()), len(split))
            rows.append(PaperScaleRow(
                neighbours=k, mirror=p, ties=t, bound=bound, bound_note=note, chain=est,
                chain_truncated=sim.num_truncated,
                chain_verdict=_verdict(bound, est, sim.num_truncated, max_rounds),
                continuous=c_est, continuous_readout=readout,
                continuous_verdict=_verdict(bound, c_est, 0, None) if continuous else "not run"))
            bar.update(n_pt + 1)
    finally:
        bar.close(interrupted=len(rows) < len(points))
    params = {"agents": agents, "components": components, "memory": memory, "runs": num_runs,
              "continuous_runs": crun if continuous else 0, "rounds": rounds,
              "max_rounds": max_rounds}
    return PaperScaleStudy(rows=tuple(rows), parameters=params,
                           seconds=time.perf_counter() - started)
