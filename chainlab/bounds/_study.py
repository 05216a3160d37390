"""Sharpness of the bounds: bound / exact over a grid of compilable instances (private).

Used by ``chainlab bounds --sharpness`` and ``docs/bounds.md``. Instances decided by the initial
state (POL-2, or already split) have exact value 0 or 1 and every GMM bound returns it exactly;
they are counted but not listed. For the others the chain is compiled (up to ``max_states``),
solved exactly, and every bound is divided by the exact value.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from fractions import Fraction
from typing import Any

from ..errors import SpecError, StateSpaceLimitError
from ..models.gmm import GMMAgents
from ._chain import most_likely_path_bound, reachability_bound
from ._coupling import coupling_bound
from ._gmm import fate_of_initial_state, is_split, restricted_bound, sequence_bound
from ._pairs import mutual_pair_bound

BOUND_NAMES = ("sequence", "coupling", "restricted(1)", "restricted(2)", "split within L",
               "most likely path", "mutual pairs")


@dataclasses.dataclass(frozen=True, eq=False)
class SharpnessStudy:
    """bound / exact for every non-trivial instance of a grid.

    Attributes
    ----------
    rows : tuple of dict
        One per non-trivial instance: ``n, K, r, k, ties, p, states, exact`` and for every bound
        its value and ``exact / value`` (``None`` when the bound does not apply).
    num_decided : int
        Instances whose fate the initial state decides (exact value 0 or 1, matched exactly by
        every bound).
    num_skipped : int
        Instances larger than ``max_states``.
    horizon : int
        ``L`` of the split-reachability bound.
    seconds : float

    Examples
    --------
    >>> st = sharpness_study(agents=[4], components=[3], memory=[2], mirrors=["0"],
    ...                      ties=["random"])
    >>> row = st.rows[0]
    >>> row["states"], round(row["exact"], 4), round(row["ratio restricted(2)"], 4)
    (19, 0.3154, 1.0)
    """

    rows: tuple
    num_decided: int
    num_skipped: int
    horizon: int
    seconds: float

    def summary(self) -> dict[str, dict[str, float | None]]:
        """Worst (largest) and median ``exact / bound`` for every bound."""
        out = {}
        for name in BOUND_NAMES:
            ratios = [r[f"ratio {name}"] for r in self.rows if r[f"ratio {name}"] is not None]
            out[name] = {"worst": max(ratios) if ratios else None,
                         "median": statistics.median(ratios) if ratios else None,
                         "instances": len(ratios)}
        return out

    def to_markdown(self) -> str:
        """The per-instance table and the summary, in Markdown."""
        head = ("| n | K | r | k | ties | p | states | exact | "
                + " | ".join(f"exact / {n}" for n in BOUND_NAMES) + " |\n"
                + "|" + "---|" * (8 + len(BOUND_NAMES)) + "\n")

        def ratio(v):
            return "n/a" if v is None else ("inf" if v == float("inf") else f"{v:.3g}")

        lines = [f"| {r['n']} | {r['K']} | {r['r']} | {r['k']} | {r['ties']} | {r['p']} | "
                 f"{r['states']} | {r['exact']:.4f} | "
                 + " | ".join(ratio(r[f"ratio {n}"]) for n in BOUND_NAMES) + " |"
                 for r in self.rows]
        summ = self.summary()
        tail = ("\n| bound | worst exact/bound | median exact/bound | instances |\n"
                "|---|---|---|---|\n"
                + "\n".join(f"| {n} | {ratio(s['worst'])} | {ratio(s['median'])} | "
                            f"{s['instances']} |" for n, s in summ.items()) + "\n")
        return head + "\n".join(lines) + "\n" + tail

    def __repr__(self) -> str:
        return (f"SharpnessStudy({len(self.rows)} non-trivial instances, {self.num_decided} "
                f"decided by the start, {self.num_skipped} too large)")


def _ratio(exact: Fraction, value: Fraction | None) -> float | None:
    if value is None:
        return None
    return float("inf") if value == 0 else float(exact / value)


def sharpness_study(*, agents: Any = (2, 3, 4, 5), components: Any = (1, 2, 3),
                    memory: Any = (1, 2, 3), mirrors: Any = ("0", "1/5", "2/5"),
                    ties: Any = ("random", "index"), max_states: int = 1500,
                    horizon: int = 10, extra: Any = ()) -> SharpnessStudy:
    """bound / exact for every GMM bound over a grid of instances (default start, all ``k``).

    Parameters
    ----------
    agents, components, memory : sequences of int
        The grid of ``n``, ``K``, ``r`` (every ``1 <= k <= n - 1`` is included).
    mirrors, ties : sequences
        ``p`` values (fractions or strings) and tie rules.
    max_states : int, default 1500
        Instances whose chain is larger are skipped (counted).
    horizon : int, default 10
        ``L`` of the split-reachability bound (BND-1).
    extra : sequence of (n, K, r, k)
        Further instances (with every ``p`` and tie rule of the grid).

    Returns
    -------
    SharpnessStudy

    See Also
    --------
    chainlab.bounds.paper_scale_study
        The sequence bound at the paper's scale, against simulation.
    chainlab.bounds.check_bounds : Several bounds of one model.

    Examples
    --------
    >>> st = sharpness_study(agents=[4], components=[3], memory=[2], mirrors=["1/5"],
    ...                      ties=["index"])
    >>> len(st.rows), st.summary()["restricted(2)"]["worst"]
    (1, 1.0)
    """
    from ..compiler import compile_model
    from ..polarization import polarization

    started = time.perf_counter()
    ps = [p if isinstance(p, Fraction) else Fraction(str(p)) for p in mirrors]
    grid = [(n, K, r, k) for n in agents for K in components for r in memory
            for k in range(1, n)]
    grid += [tuple(e) for e in extra if tuple(e) not in grid]
    rows, decided, skipped = [], 0, 0
    for (n, K, r, k) in grid:
        for t in ties:
            for p in ps:
                m = GMMAgents(agents=n, components=K, memory=r, neighbours=k, ties=t, mirror=p)
                if r == 1 or p == 1 or fate_of_initial_state(m) is not None:
                    decided += 1
                    continue
                try:
                    cc = compile_model(m, max_states=max_states)
                except StateSpaceLimitError:
                    skipped += 1
                    continue
                ex = Fraction(polarization(cc).polarization_probability)
                if ex in (0, 1):
                    decided += 1
                    continue
                values: dict[str, Fraction | None] = {}
                try:
                    values["sequence"] = sequence_bound(m).value
                except SpecError:
                    values["sequence"] = None
                try:
                    values["coupling"] = coupling_bound(m).value
                except (SpecError, StateSpaceLimitError):
                    values["coupling"] = None
                try:
                    values["mutual pairs"] = mutual_pair_bound(m).value
                except SpecError:
                    values["mutual pairs"] = None
                for j in (1, 2):
                    values[f"restricted({j})"] = restricted_bound(m, max_mixed=j).value
                split = [s for s in cc.chain.states.labels if is_split(s, neighbours=k)]
                values["split within L"] = reachability_bound(cc.chain, split, horizon).value
                values["most likely path"] = most_likely_path_bound(cc.chain, split).value
                row = {"n": n, "K": K, "r": r, "k": k, "ties": t, "p": str(p),
                       "states": cc.chain.num_states, "exact": float(ex),
                       "exact_fraction": str(ex)}
                for name in BOUND_NAMES:
                    v = values[name]
                    row[f"bound {name}"] = None if v is None else float(v)
                    row[f"ratio {name}"] = _ratio(ex, v)
                rows.append(row)
    return SharpnessStudy(rows=tuple(rows), num_decided=decided, num_skipped=skipped,
                          horizon=horizon, seconds=time.perf_counter() - started)
