r"""Simulation of the continuous interacting Gaussian-mixture agents (GMM agents).

The model (docs/model.md, "The continuous model"; arXiv 2506.00077 and its authors' reference
code).

* ``n`` agents share ``K`` fixed one-dimensional Gaussian components with means
  :math:`\mu_c = c \cdot \mathrm{spacing}` and standard deviation :math:`\sigma`. Agent ``i`` has
  a weight vector :math:`\pi_i` (a point of the simplex) and a memory :math:`R_i` of exactly ``r``
  points.
* Start: :math:`\pi_i` puts :math:`1 - \varepsilon` on its initial component (``i mod K`` by
  default) and :math:`\varepsilon / K` on every other one; :math:`R_i` is ``r`` draws from agent
  ``i``'s mixture.
* One round, all agents at once from the previous round's state; for each agent ``i``:

  1. partner ``j``: with probability ``p`` (mirroring) ``j = i``; otherwise ``j`` is uniform among
     the ``k`` nearest *other* agents by Euclidean distance :math:`\lVert\pi_i - \pi_j\rVert`;
  2. query :math:`x \sim \sum_c \pi_{i,c} N(\mu_c, \sigma^2)`;
  3. the partner's temporary memory is :math:`R_j` with its point farthest from ``x`` (largest
     :math:`|z - x|`) replaced by ``x``; its temporary weights are one EM step from
     :math:`\pi_j` on that memory (the partner's real state does not change);
  4. answer ``y`` drawn from the mixture with the temporary weights;
  5. the asker replaces the point of :math:`R_i` farthest from ``y`` by ``y`` and sets
     :math:`\pi_i` to one EM step from :math:`\pi_i` on its new memory.

* One EM step on the weights (means and :math:`\sigma` fixed): clip :math:`\pi` to
  :math:`[\varepsilon, 1 - \varepsilon]` and renormalise; responsibilities
  :math:`\gamma_{c,m} \propto \pi_c\,\varphi(z_m; \mu_c, \sigma)`; new
  :math:`\pi_c = \frac1r \sum_m \gamma_{c,m}`; clip and renormalise.
* Read-outs: agent ID = :math:`\arg\max_c \pi_{i,c}` (lowest component on ties); a *silo* is a
  group of agents sharing an ID; :math:`S(t)` is the number of silos after round ``t``
  (:math:`S(0)` is the initial state); the *consensus round* :math:`t^*` is the last round with
  :math:`S(t) > 1` (0 if there is none). A run *reaches consensus* when :math:`S(T) = 1` at the
  horizon ``T = rounds``; a run that is still split at the horizon has :math:`t^* = T`.
* Polarization: a run is *polarized* when its final memories hold two *closed silos* -- two
  labels (the components that generated the points), each held by at least ``k + 1`` agents
  whose every memory point has that label -- the event whose probability the discretized chain
  computes exactly (one definition for both: :func:`chainlab.polarization.polarized_runs`).
  :attr:`ContinuousRunResult.polarized` and :meth:`ContinuousRunResult.polarization` read it
  out, the latter with a Clopper-Pearson interval.

Ties between equidistant agents are real, not a float accident: an agent whose memory holds
points of one component only ends every EM step with every other weight clipped to
:math:`\varepsilon` and its largest weight clipped to :math:`1 - \varepsilon` (a *canonical pure*
vector), so pure agents on different components are exactly equidistant, and an agent sees all
pure agents on components where its own weights are clipped at one distance. The rule ``ties``
decides the k-set: ``"index"`` (default, like the reference code) takes the ``k`` others with the
smallest ``(distance, agent index)``; ``"random"`` puts equidistant agents in uniformly random
order. *Equidistant* means: equal up to a relative ``1e-14`` (and ``1e-22`` absolute, in squared
distance). The model's own ties are exact in floating point -- canonical vectors are
renormalised by one constant (never by a sum whose rounding depends on where the large entry
sits), and distances come from the Gram formula on vectors shifted by the small canonical
entry, where every product with a canonical vector has a single nonzero term and is exact --
but others are not: agents whose responsibilities round to exactly 0 or 1 have the weights
``m / r`` to double precision while in exact arithmetic they differ by ~1e-20 or less, and the
rounding of their computed distances depends on summation order. Ordering such agents by their
computed distances would let a float accident, not the tie rule, choose (it moved
P(polarization) of ``n = K = 4, r = 2, k = 1`` at spacing 3 from 0.144 to 0.214 under another,
equally valid summation: docs/fidelity.md). Computed distances are accurate to about ``1e-15``
relative (pairs closer than 0.5 are recomputed from the differences), so smaller differences
cannot be resolved in double precision whatever the code; the tolerance treats them as ties,
which makes results independent of summation order, BLAS and numpy version wherever the model
separates distances by more (at spacings >= 7.5 sigma the smallest real differences between
agents that the chain treats as tied are ~1e-12 relative, from the epsilon clip). In the
decisive case of finding 1, exact arithmetic picks the same agent as the tie rule
(tests/test_fidelity.py). At unit spacing the EM lag makes a continuum of real differences, and
runs remain sensitive to rounding in the ways any float implementation is; the ~0.3% of
partner choices (n = K = 30, k = 1) whose nearest distances agree to 1e-14 are decided by the
rule, which moves the mean final number of silos at k = 1 with index ties from 7.28 (decided by
rounding) to 7.24 (1,000 runs each, standard error 0.05).

Examples
--------
>>> import numpy as np
>>> res = simulate_gmm(agents=6, components=6, neighbours=1, num_rounds=20, num_samples=3,
...                    rng=np.random.default_rng(0))
>>> res.silos.shape, int(res.silos[0, 0])
((3, 21), 6)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from fractions import Fraction
from numbers import Real
from typing import Any

import numpy as np

from .._deprecation import renamed
from .._progress import Progress, reporter
from .._validate import integer
from ..errors import SpecError

__all__ = ["ContinuousRunResult", "SimulationInterrupted", "simulate_gmm", "TIE_RULES"]

TIE_RULES = ("index", "random")

# Relative densities exp(q) with q below this are floored at exp(_LOG_FLOOR) ~ 1e-250: far below
# anything the epsilon clip can see, and it keeps every product out of the (slow) subnormal range.
_LOG_FLOOR = -575.0
# Pairs closer than this (squared distance), unless both agents are canonical, are recomputed
# from the differences (relative error a few 1e-16); above it the Gram formula's absolute error
# (~4e-16) is below 1e-15 relative -- so every computed distance is within ~1e-15 of its exact
# value, inside the tie tolerance below.
_NEAR = 0.5
# k-set ties: distances whose sorted gap is at most _TIE_RTOL * distance + _TIE_ATOL form one tie
# group. The relative part is ~5x the largest rounding gap seen between distances that are equal
# in the model (2.1e-15) and, at spacings >= 7.5 sigma, ~100x below the smallest difference the
# model itself makes between agents (relative ~1e-12, from the epsilon clip, docs/fidelity.md; at
# unit spacing the EM lag makes smaller ones too, see the module docstring); the absolute part
# merges agents whose weights agree to ~1e-11 (the same state up to the epsilon clip and rounding).
_TIE_RTOL = 1e-14
_TIE_ATOL = 1e-22
# Float elements of the largest per-chunk array (runs x agents x memory x components, or
# runs x agents x agents); bounds memory use and keeps the working set cache-friendly.
_CHUNK_ELEMENTS = 600_000
_MAX_CHUNK_RUNS = 100


class SimulationInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`simulate_gmm`; ``partial`` holds the runs finished before it.

    A subclass of :class:`KeyboardInterrupt`, so an uncaught interrupt still stops the program.
    ``partial`` is a :class:`ContinuousRunResult` with ``complete=False`` (or ``None`` if no
    chunk of runs had finished).

    Examples
    --------
    >>> try:
    ...     res = simulate_gmm(num_samples=10_000, num_rounds=100)  # doctest: +SKIP
    ... except SimulationInterrupted as stop:                # Ctrl-C
    ...     res = stop.partial                               # the finished chunks of runs
    >>> issubclass(SimulationInterrupted, KeyboardInterrupt)
    True
    """

    def __init__(self, partial: ContinuousRunResult | None) -> None:
        done = 0 if partial is None else partial.num_runs
        super().__init__(f"simulate_gmm interrupted after {done} finished runs")
        self.partial = partial


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ContinuousRunResult:
    """Silo trajectories of replicate runs of the continuous GMM-agents model.

    Attributes
    ----------
    silos : (runs, rounds + 1) ndarray of int64
        ``silos[s, t]`` = number of silos S(t) of run ``s`` after round ``t`` (t = 0: start).
    final_silos : (runs,) ndarray of int64
        S(T) at the horizon T = ``rounds``.
    consensus_round : (runs,) ndarray of int64
        t* = the last round with S(t) > 1; 0 if there is none; T if the run is still split.
    reached_consensus : (runs,) ndarray of bool
        S(T) == 1.
    final_ids : (runs, agents) ndarray of int64
        Agent IDs (argmax of the weights) after the last round.
    final_weights : (runs, agents, components) ndarray of float64
        Weight vectors after the last round (rows on the simplex, entries near
        [epsilon, 1 - epsilon]).
    final_memory : (runs, agents, memory) ndarray of float64
        The memory points after the last round.
    final_memory_components : (runs, agents, memory) ndarray of int64
        The component that generated each of those points (the label of the discretized
        chain, docs/model.md, "The discretized chain").
    parameters : dict
        Every model parameter, including ``ties`` and the requested number of ``runs``.
    complete : bool
        False for the partial result carried by :class:`SimulationInterrupted`.

    See Also
    --------
    chainlab.continuous.simulate_gmm : What returns it.

    Examples
    --------
    >>> import numpy as np
    >>> res = simulate_gmm(agents=5, components=5, neighbours=4, num_rounds=40, num_samples=3,
    ...                    rng=np.random.default_rng(2))
    >>> res.num_runs, res.silos.shape, res.final_weights.shape
    (3, (3, 41), (3, 5, 5))
    >>> bool(np.all(res.final_silos == res.silos[:, -1]))
    True
    """

    silos: np.ndarray
    final_silos: np.ndarray
    consensus_round: np.ndarray
    reached_consensus: np.ndarray
    final_ids: np.ndarray
    final_weights: np.ndarray
    final_memory: np.ndarray
    final_memory_components: np.ndarray
    parameters: dict
    complete: bool = True

    @property
    def num_runs(self) -> int:
        """Number of runs held (fewer than requested for an interrupted simulation)."""
        return int(self.final_silos.shape[0])

    @property
    def mean_final_silos(self) -> float:
        """Mean of S(T) over the runs."""
        return float(self.final_silos.mean())

    @property
    def mean_consensus_round(self) -> float:
        """Mean of t* over all runs (runs still split count as T)."""
        return float(self.consensus_round.mean())

    @property
    def fraction_split(self) -> float:
        """Fraction of runs with more than one silo at the horizon."""
        return float(np.mean(~self.reached_consensus))

    @property
    def polarized(self) -> np.ndarray:
        """``(runs,)`` bool: the run ends with two closed silos (polarized, as in the chain).

        Examples
        --------
        >>> import numpy as np
        >>> res = simulate_gmm(agents=4, components=2, neighbours=1, num_rounds=5, num_samples=3,
        ...                    rng=np.random.default_rng(0))
        >>> res.polarized.tolist()  # two pure agents on each label: split from the start
        [True, True, True]
        """
        from ..polarization import polarized_runs

        p = self.parameters
        return polarized_runs(self.final_memory_components, neighbours=p["neighbours"],
                              components=p["components"])

    def polarization(self, confidence: float = 0.95):
        """P(polarization) estimated from the runs: a :class:`chainlab.stats.ProportionEstimate`
        (polarized runs, runs, their fraction and its exact Clopper-Pearson interval).

        Examples
        --------
        >>> import numpy as np
        >>> res = simulate_gmm(agents=4, components=2, neighbours=1, num_rounds=5, num_samples=3,
        ...                    rng=np.random.default_rng(0))
        >>> e = res.polarization()
        >>> e.successes, e.trials, round(e.ci[0], 4)
        (3, 3, 0.2924)
        """
        from ..stats import proportion

        if self.num_runs == 0:
            raise SpecError("no run has finished, so there is nothing to estimate; simulate at "
                            "least one run (runs >= 1)")
        return proportion(int(self.polarized.sum()), self.num_runs, confidence=confidence)

    def summary(self) -> dict[str, Any]:
        """Mean, standard deviation, quantiles of S(T) and t*, and the fraction still split.

        Examples
        --------
        >>> import numpy as np
        >>> res = simulate_gmm(agents=4, components=4, neighbours=3, num_rounds=30, num_samples=4,
        ...                    rng=np.random.default_rng(1))
        >>> sorted(res.summary())
        ['consensus_round', 'final_silos', 'fraction_split', 'num_runs', 'polarization', 'ties']
        """
        pol = None
        if self.num_runs:
            e = self.polarization()
            pol = {"polarized_runs": e.successes, "runs": e.trials, "estimate": e.estimate,
                   "ci": [e.ci[0], e.ci[1]], "confidence": e.confidence,
                   "method": "Clopper-Pearson"}
        return {
            "num_runs": self.num_runs,
            "ties": self.parameters["ties"],
            "final_silos": _describe(self.final_silos),
            "consensus_round": _describe(self.consensus_round),
            "fraction_split": self.fraction_split,
            "polarization": pol,
        }

    def __repr__(self) -> str:
        p = self.parameters
        return (
            f"ContinuousRunResult(runs={self.num_runs}, agents={p['agents']}, "
            f"components={p['components']}, memory={p['memory']}, "
            f"neighbours={p['neighbours']}, mirror={p['mirror']:g}, ties={p['ties']!r}, "
            f"rounds={p['rounds']}, mean_final_silos={self.mean_final_silos:.4g}, "
            f"fraction_split={self.fraction_split:.4g}, "
            f"mean_consensus_round={self.mean_consensus_round:.4g}"
            + ("" if self.complete else ", complete=False") + ")"
        )


def _describe(a: np.ndarray) -> dict[str, float]:
    a = np.asarray(a, dtype=float)
    if a.size == 0:
        return {"mean": math.nan, "std": math.nan, "min": math.nan, "q25": math.nan,
                "median": math.nan, "q75": math.nan, "max": math.nan}
    q25, med, q75 = np.quantile(a, [0.25, 0.5, 0.75])
    return {
        "mean": float(a.mean()),
        "std": float(a.std(ddof=1)) if a.size > 1 else 0.0,
        "min": float(a.min()),
        "q25": float(q25),
        "median": float(med),
        "q75": float(q75),
        "max": float(a.max()),
    }


# --------------------------------------------------------------------------- validation


def _int_arg(name: str, value: Any, low: int, high: int | None = None, fix: str = "") -> int:
    return integer(name, value, low=low, high=high, fix=fix)


def _real_arg(name: str, value: Any, *, low: float, high: float | None, low_open: bool,
              high_open: bool, fix: str) -> float:
    if isinstance(value, (bool, np.bool_, str)) or not isinstance(value, (Real, np.number)):
        raise SpecError(
            f"{name} must be a real number, got {value!r} of type {type(value).__name__}; {fix}"
        )
    v = float(value)
    bad = (not math.isfinite(v) or v < low or (low_open and v == low)
           or (high is not None and (v > high or (high_open and v == high))))
    if bad:
        lo_b = "(" if low_open else "["
        hi_b = ")" if high_open else "]"
        interval = f"{lo_b}{low:g}, {'inf' if high is None else format(high, 'g')}{hi_b}"
        raise SpecError(f"{name} must be in {interval}, got {value!r}; {fix}")
    return v


def _validate(agents, components, memory, neighbours, mirror, rounds, runs, sigma, spacing,
              ties, epsilon, initial, rng, progress) -> tuple[dict, np.ndarray,
                                                              np.random.Generator]:
    n = _int_arg("agents", agents, 2, fix="pass at least 2 agents")
    K = _int_arg("components", components, 1, fix="pass at least 1 component")
    r = _int_arg("memory", memory, 1, fix="every agent needs at least 1 memory point")
    k = _int_arg("neighbours", neighbours, 1, n - 1,
                 fix=f"the k-set holds 1..agents-1 = 1..{n - 1} other agents")
    p = _real_arg("mirror", mirror, low=0.0, high=1.0, low_open=False, high_open=False,
                  fix="pass a probability such as 0, 0.2 or Fraction(1, 5)")
    T = _int_arg("num_rounds", rounds, 0, fix="pass a number of rounds >= 0")
    R = _int_arg("num_samples", runs, 1, fix="pass a number of replicate runs >= 1")
    s = _real_arg("sigma", sigma, low=0.0, high=None, low_open=True, high_open=False,
                  fix="pass a positive standard deviation such as 0.2")
    d = _real_arg("spacing", spacing, low=0.0, high=None, low_open=True, high_open=False,
                  fix="pass a positive distance between adjacent means such as 1")
    if not isinstance(ties, str) or ties not in TIE_RULES:
        raise SpecError(f"ties must be one of {TIE_RULES}, got {ties!r}; 'index' reproduces "
                        "the reference code, 'random' orders equidistant agents at random")
    e = _real_arg("epsilon", epsilon, low=1e-100, high=0.5, low_open=False, high_open=True,
                  fix="pass a small clip bound such as 1e-12")
    if initial is None:
        start = np.arange(n, dtype=np.int64) % K
    else:
        arr = np.asarray(initial)
        if arr.shape != (n,) or arr.dtype.kind not in "iu":
            raise SpecError(
                f"initial must be a sequence of {n} integer component labels (one per agent), "
                f"got {initial!r}; pass None for agent i on component i mod {K}"
            )
        if arr.min() < 0 or arr.max() >= K:
            raise SpecError(f"initial labels must be in 0..{K - 1}, got {arr.tolist()}; "
                            f"there are only {K} components")
        start = arr.astype(np.int64)
    reporter(progress)  # validated here, at the boundary
    try:
        gen = np.random.default_rng(rng)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"rng must be None, an integer seed, a SeedSequence or a "
                        f"numpy.random.Generator, got {rng!r} ({exc})") from None
    params = {"agents": n, "components": K, "memory": r, "neighbours": k, "mirror": p,
              "rounds": T, "runs": R, "sigma": s, "spacing": d, "ties": ties, "epsilon": e,
              "initial": start.tolist()}
    return params, start, gen


# --------------------------------------------------------------------------- the kernel


class _Model:
    """Constants of one parameter set (internal; arguments already validated)."""

    def __init__(self, prm: dict) -> None:
        self.n, self.K, self.r = prm["agents"], prm["components"], prm["memory"]
        self.k, self.p, self.T = prm["neighbours"], prm["mirror"], prm["rounds"]
        self.sigma, self.spacing, self.ties = prm["sigma"], prm["spacing"], prm["ties"]
        self.eps = eps = prm["epsilon"]
        K, n = self.K, self.n
        self.mu = self.spacing * np.arange(K, dtype=np.float64)
        self.scale = 1.0 / (math.sqrt(2.0) * self.sigma)
        self.scaled_spacing = self.spacing * self.scale
        self.scaled_mu = self.scaled_spacing * np.arange(K, dtype=np.float64)
        self.upper = np.triu(np.ones((K, K)))  # w @ upper = cumulative sums of w
        self.ones = np.ones(K)
        self.ones32 = np.ones(K, dtype=np.float32)
        self.upper_n = np.triu(np.ones((n, n), dtype=np.float32))
        self.ones_n = np.ones(n, dtype=np.float32)
        self.ones_k = np.ones(self.k, dtype=np.float32)
        # The canonical pure vector after an EM step: 1 - eps on one component, eps elsewhere,
        # renormalised by one constant (a float sum would depend on where the large entry is).
        self.canon_sum = math.fsum([1.0 - eps] + [eps] * (K - 1))
        self.lo_after = eps / self.canon_sum
        self.lo_start = eps / K  # the initial (unnormalised) vectors: 1 - eps and eps / K


def _density(m: _Model, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """phi(x; mu_c, sigma) / phi(x; mu_nearest, sigma), shape x.shape + (K,).

    In units of sqrt(2) sigma: exp(-(x - mu_c)^2 + (x - mu_nearest)^2), floored at
    exp(_LOG_FLOOR).
    """
    xs = x * m.scale
    near = np.clip(np.rint(x / m.spacing), 0, m.K - 1) * m.scaled_spacing
    q = np.subtract.outer(xs, m.scaled_mu, out=out)
    np.square(q, out=q)
    np.subtract(np.square(xs - near)[..., None], q, out=q)
    np.maximum(q, _LOG_FLOOR, out=q)
    return np.exp(q, out=q)


def _row_sums(a: np.ndarray, ones: np.ndarray, batch: int) -> np.ndarray:
    """Sums of the rows of a 2-D array, as a stack of small matrix-vector products.

    (numpy reductions along a short last axis are slow; one large product would wake up the
    BLAS thread pool, which costs far more than the product itself.)
    """
    return (a.reshape(-1, batch, a.shape[-1]) @ ones).ravel()


def _categorical(m: _Model, w: np.ndarray, u: np.ndarray, batch: int) -> np.ndarray:
    """Index c with probability w[a, c] / sum(w[a]) for each row a (one uniform per draw)."""
    K = w.shape[-1]
    cum = (w.reshape(-1, batch, K) @ m.upper).reshape(-1, K)  # cumulative sums
    below = cum <= (u.ravel() * cum[:, -1])[:, None]
    index = _row_sums(below.astype(np.float32), m.ones32, batch).astype(np.int64)
    return np.minimum(index, K - 1)


def _clip_renormalise(m: _Model, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clip rows to [eps, 1 - eps] and renormalise, in place; returns (weights, canonical, IDs).

    A row is *canonical* when every entry hit a clip bound (one at 1 - eps, the others at eps);
    canonical rows are divided by one constant, so they are equal up to the position of the
    large entry, bit for bit. The IDs are the argmax of the clipped rows (dividing a row by
    its positive sum keeps the order).
    """
    eps = m.eps
    np.clip(raw, eps, 1.0 - eps, out=raw)
    ids = np.argmax(raw, axis=-1)
    canon = raw.ravel()[np.arange(0, raw.size, m.K) + ids] == 1.0 - eps
    canon &= _row_sums((raw > eps).astype(np.float32), m.ones32, m.n) == 1
    total = _row_sums(raw, m.ones, m.n)
    total[canon] = m.canon_sum
    raw /= total[:, None]
    return raw, canon, ids


def _squared_distances(pi: np.ndarray, canon: np.ndarray, lo: float) -> np.ndarray:
    """||pi_i - pi_j||^2, shape (C, n, n), to ~1e-15 relative; inf on the diagonal.

    Every vector is shifted by ``lo``, the value of the small entries of a canonical vector,
    so a canonical vector becomes ``(hi - lo) e_b``: its products with any vector have a
    single nonzero term and are exact. Hence the Gram formula ``|a|^2 + |b|^2 - 2 a.b`` gives
    exactly 0 between canonical agents on one component, one constant between canonical agents
    on different components, and bit-identical distances from any agent to canonical agents
    on components where its weights are equal. Pairs of which one is not canonical and which
    are closer than ``_NEAR`` (where the Gram formula's absolute error ~4e-16 would exceed
    ~1e-15 relative) are recomputed from the differences; ties among those are restored by
    :func:`_snap_ties`.
    """
    C, n, K = pi.shape
    shifted = pi - lo
    norms = np.einsum("cik,cik->ci", shifted, shifted)
    d2 = shifted @ shifted.transpose(0, 2, 1)
    d2 *= -2.0
    d2 += norms[:, :, None]
    d2 += norms[:, None, :]
    diag = np.arange(n)
    d2[:, diag, diag] = np.inf
    near = d2 < _NEAR
    near &= ~(canon[:, :, None] & canon[:, None, :])
    pairs = np.flatnonzero(near)
    if pairs.size:
        row, j = np.divmod(pairs, n)  # row = c * n + i
        flat = pi.reshape(C * n, K)
        diff = flat[row] - flat[row - row % n + j]
        d2.ravel()[pairs] = np.einsum("ak,ak->a", diff, diff)
    return d2


def _snap_ties(d2: np.ndarray) -> np.ndarray:
    """Make distances that are equal up to the tie tolerance exactly equal, in place.

    In each row, sorted distances whose gap is at most ``_TIE_RTOL * d + _TIE_ATOL`` form one
    group (chained), and every member takes the group's smallest value. So agents equidistant in
    the model are tied whatever the rounding of their computed distances (which depends on
    summation order, BLAS and the order of memory points): without this a float accident, not
    the tie rule, would pick among them (docs/fidelity.md, finding 1). Only rows with a gap
    that is positive but within the tolerance are regrouped (most rows have exact ties only).
    """
    s = np.sort(d2, axis=-1)
    lower, upper = s[..., :-1], s[..., 1:]
    near = upper <= lower * (1.0 + _TIE_RTOL) + _TIE_ATOL
    near &= upper > lower
    rows = np.flatnonzero(near.any(axis=-1))
    if rows.size:
        flat = d2.reshape(-1, d2.shape[-1])
        sub = flat[rows]
        order = np.argsort(sub, axis=-1)
        ss = np.take_along_axis(sub, order, axis=-1)
        new = np.ones(ss.shape, dtype=bool)
        new[:, 1:] = ss[:, 1:] > ss[:, :-1] * (1.0 + _TIE_RTOL) + _TIE_ATOL
        first = np.where(new, np.arange(ss.shape[-1]), 0)
        np.maximum.accumulate(first, axis=-1, out=first)  # position of the group's first member
        np.put_along_axis(sub, order, np.take_along_axis(ss, first, axis=-1), axis=-1)
        flat[rows] = sub
    return d2


def _partners(m: _Model, d2: np.ndarray, u_rank: np.ndarray, u_tie: np.ndarray) -> np.ndarray:
    """Partner among the k nearest others; ties by index or at random (see module docstring).

    ``d2`` holds distances whose ties are exact (:func:`_snap_ties`). A uniform position
    ``rank`` in the k-set has a distance ``value``; the agents at exactly that distance form its
    tie group, which the rule orders (agent index, or uniformly at random -- then the member at
    any given position is uniform over the group).
    """
    C, n, _ = d2.shape
    if m.k == 1 and m.ties == "index":
        return np.argmin(d2, axis=-1)  # the first of the nearest: smallest (distance, index)
    if m.k == 1:
        rank = np.zeros((C, n), dtype=np.int64)
        smallest = value = d2.min(axis=-1, keepdims=True)
    else:
        rank = np.minimum((u_rank * m.k).astype(np.int64), m.k - 1)  # uniform position
        smallest = np.sort(d2, axis=-1)[..., :m.k]
        value = smallest.reshape(-1, m.k)[np.arange(C * n), rank.ravel()].reshape(C, n, 1)
    tied = d2 == value
    counts = tied.astype(np.float32) @ m.upper_n  # running count of the group along j
    if m.ties == "index":
        before = (smallest < value).astype(np.float32) @ m.ones_k
        target = rank - before.astype(np.int64)  # place inside the group
    else:
        size = counts[..., -1]
        target = np.minimum((u_tie * size).astype(np.int64), size.astype(np.int64) - 1)
    # the member is the first agent whose running count exceeds the target
    return ((counts <= target[..., None]).astype(np.float32) @ m.ones_n).astype(np.int64)


def _simulate_chunk(m: _Model, start: np.ndarray, C: int,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """C runs at once. Agents are flattened: agent a = c * n + i of run c."""
    n, K, r, eps = m.n, m.K, m.r, m.eps
    N = C * n
    own = np.arange(N)  # flat index of every agent
    first = (own // n) * n  # flat index of agent 0 of the same run
    local = own - first  # index of the agent inside its run
    take = np.take
    # start: weights 1 - eps on the initial component, eps / K elsewhere; memory from it
    ids = np.tile(start, C)
    pi = np.full((N, K), eps / K)
    pi[own, ids] = 1.0 - eps
    canon = np.ones(N, dtype=bool)
    lo = m.lo_start
    comp = _categorical(m, np.repeat(pi, r, axis=0), rng.random(N * r), n * r)
    labels = comp.reshape(N, r)  # the component that generated each memory point
    z = m.mu[labels] + m.sigma * rng.standard_normal((N, r))  # memory points
    F = _density(m, z).reshape(N * r, K)  # their densities relative to the nearest component
    silos = np.empty((C, m.T + 1), dtype=np.int64)
    slot = (own // n) * K  # slot + id: component id of the agent's run

    def count_silos(t: int) -> None:
        present = np.bincount(slot + ids, minlength=C * K) > 0
        silos[:, t] = _row_sums(present.reshape(C, K).astype(np.float32), m.ones32, C)

    count_silos(0)
    inv_r = 1.0 / r
    buf_x = np.empty((N, K))
    buf_y = np.empty((N, K))
    for t in range(1, m.T + 1):
        u = rng.random((5, N))  # rank in the k-set, tie, mirror, query, answer
        g = rng.standard_normal((2, N))  # query, answer
        # EM steps start from the clipped, renormalised weights P
        P = np.clip(pi, eps, 1.0 - eps)
        P /= _row_sums(P, m.ones, n)[:, None]
        # 1. partners (flat index j)
        if m.p >= 1.0:
            j = own
        else:
            if m.k == n - 1:  # the k-set is every other agent, whatever the distances
                j = local + 1 + np.minimum((u[0] * (n - 1)).astype(np.int64), n - 2)
                j = first + j % n
            else:
                d2 = _squared_distances(pi.reshape(C, n, K), canon.reshape(C, n), lo)
                j = _partners(m, _snap_ties(d2), u[0].reshape(C, n), u[1].reshape(C, n))
                j = first + j.ravel()
            if m.p > 0.0:
                j = np.where(u[2] < m.p, own, j)
        # 2. queries
        x = m.mu[_categorical(m, pi, u[3], n)] + m.sigma * g[0]
        fx = _density(m, x, out=buf_x)
        # responsibilities of every agent's real memory: gamma = P F / (r D)
        D = np.einsum("amk,ak->am", F.reshape(N, r, K), P)
        W = inv_r / D
        G = np.einsum("amk,am->ak", F.reshape(N, r, K), W)  # new weights = P * G
        # 3. partner's temporary weights: swap its farthest point's term for the query's
        far = j * r + np.argmax(np.abs(take(z, j, axis=0) - x[:, None]), axis=-1)
        Pj = take(P, j, axis=0)
        temp = take(G, j, axis=0)
        evicted = take(F, far, axis=0)
        evicted *= take(W, far)[:, None]
        temp -= evicted
        fx *= (inv_r / np.einsum("ak,ak->a", fx, Pj))[:, None]
        temp += fx
        temp *= Pj
        np.clip(temp, eps, 1.0 - eps, out=temp)
        # 4. answers
        answer = _categorical(m, temp, u[4], n)
        y = m.mu[answer] + m.sigma * g[1]
        # 5. the asker replaces its point farthest from y and takes one EM step
        out = own * r + np.argmax(np.abs(z - y[:, None]), axis=-1)
        fy = _density(m, y, out=buf_y)
        z.ravel()[out] = y
        labels.ravel()[out] = answer
        F[out] = fy
        D.ravel()[out] = np.einsum("ak,ak->a", fy, P)
        np.divide(inv_r, D, out=W)
        new = np.einsum("amk,am->ak", F.reshape(N, r, K), W)
        new *= P
        pi, canon, ids = _clip_renormalise(m, new)
        lo = m.lo_after
        count_silos(t)
    return {"silos": silos, "final_ids": ids.reshape(C, n), "final_weights": pi.reshape(C, n, K),
            "final_memory": z.reshape(C, n, r), "final_memory_components": labels.reshape(C, n, r)}


def _chunk_size(m: _Model, runs: int) -> int:
    per_run = max(m.n * m.r * m.K, m.n * m.n, 1)
    return int(max(1, min(runs, _MAX_CHUNK_RUNS, _CHUNK_ELEMENTS // per_run)))


def _result(prm: dict, chunks: list[dict[str, np.ndarray]], complete: bool
            ) -> ContinuousRunResult:
    n, K, r, T = prm["agents"], prm["components"], prm["memory"], prm["rounds"]
    empty = {"silos": np.empty((0, T + 1), dtype=np.int64),
             "final_ids": np.empty((0, n), dtype=np.int64),
             "final_weights": np.empty((0, n, K)),
             "final_memory": np.empty((0, n, r)),
             "final_memory_components": np.empty((0, n, r), dtype=np.int64)}
    arrays = {key: np.concatenate([c[key] for c in chunks]) if chunks else value
              for key, value in empty.items()}
    S = arrays["silos"]
    split = S > 1
    last = T - np.argmax(split[:, ::-1], axis=1)
    arrays["consensus_round"] = np.where(split.any(axis=1), last, 0).astype(np.int64)
    arrays["final_silos"] = S[:, -1].copy()
    arrays["reached_consensus"] = S[:, -1] == 1
    for a in arrays.values():
        a.flags.writeable = False
    return ContinuousRunResult(parameters=dict(prm), complete=complete, **arrays)


@renamed(runs="num_samples", rounds="num_rounds")
def simulate_gmm(*, agents: int = 30, components: int = 30, memory: int = 5,
                 neighbours: int = 5, mirror: float | Fraction = 0.0, num_rounds: int = 100,
                 num_samples: int = 1, sigma: float = 0.2, spacing: float = 1.0,
                 ties: str = "index", epsilon: float = 1e-12,
                 initial: Sequence[int] | np.ndarray | None = None,
                 rng: np.random.Generator | int | None = None,
                 progress: bool = False) -> ContinuousRunResult:
    """Simulate replicate runs of the continuous GMM-agents model (see the module docstring).

    Parameters
    ----------
    agents : int, default 30
        Number of agents n >= 2.
    components : int, default 30
        Number of shared Gaussian components K >= 1.
    memory : int, default 5
        Points per agent memory r >= 1.
    neighbours : int, default 5
        Size k of the k-set, 1 <= k <= n - 1.
    mirror : float or Fraction, default 0
        Probability p in [0, 1] that an agent talks to itself.
    num_rounds : int, default 100
        Horizon T >= 0 (formerly ``rounds``, still accepted with a DeprecationWarning).
    num_samples : int, default 1
        Number of independent replicate runs (formerly ``runs``, likewise).
    sigma : float, default 0.2
        Standard deviation of every component.
    spacing : float, default 1
        Distance between adjacent means (mu_c = c * spacing).
    ties : {"index", "random"}, default "index"
        Order of equidistant agents in the k-set: agent index (the reference code) or random.
    epsilon : float, default 1e-12
        Clip bound of the weights, in [1e-100, 0.5).
    initial : sequence of int, optional
        Initial component of each agent (default ``i mod K``).
    rng : numpy.random.Generator or int, optional
        Source of randomness (normalised with :func:`numpy.random.default_rng`).
    progress : bool or callable, default False
        Progress reports, as for :func:`chainlab.compiler.compile_model` (``True``: one line on
        stderr; a callable: progress events; ``False``: silent).

    Returns
    -------
    ContinuousRunResult
        Silo trajectories S(t), final silos, consensus rounds t*, and the final IDs, weights,
        memory points and the components that generated them.

    Raises
    ------
    chainlab.errors.SpecError
        For any bad argument (the message names it, shows the value and the fix).
    SimulationInterrupted
        On Ctrl-C; its ``partial`` attribute holds the chunks of runs already finished.

    See Also
    --------
    chainlab.models.GMMAgents : The discretized model, compiled exactly.
    chainlab.bounds.split_from_weights : Which runs ended split.
    chainlab.plot.plot_silo_trajectories : Plot the silo counts of the runs.

    Notes
    -----
    All agents of a chunk of runs are advanced together with numpy (arrays shaped
    ``(runs * agents, ...)``); a round costs O(n (n + r) K) per run. Memory points are stored
    with their densities relative to the nearest component (floored at ``exp(-575)``, far
    below anything the clip can see), so an EM step is two small contractions. The partner's
    temporary weights come from its real responsibilities by swapping the evicted point's term
    for the query's (rounding error ~1e-16; they only serve to draw the answer); the asker's
    EM step is computed afresh. Distances use the Gram formula on shifted vectors, exact for
    the ties of the model (module docstring); pairs closer than 1e-4 in distance involving a
    non-canonical agent are recomputed from the differences. Runs are simulated in chunks (at
    most 100 runs at a time), which bounds memory and makes an interrupt lose at most the
    current chunk. Results depend on the seed and on ``runs`` (the chunks share one stream of
    random numbers).

    Examples
    --------
    >>> import numpy as np
    >>> res = simulate_gmm(agents=8, components=8, neighbours=7, num_rounds=60, num_samples=5,
    ...                    rng=np.random.default_rng(0))
    >>> res.final_silos.shape, res.parameters["ties"]
    ((5,), 'index')
    >>> bool(np.all((res.silos >= 1) & (res.silos <= 8)))
    True
    >>> only_self = simulate_gmm(agents=5, components=5, mirror=1, neighbours=1, num_rounds=10,
    ...                          rng=np.random.default_rng(0))
    >>> only_self.silos.tolist()
    [[5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]]
    """
    prm, start, gen = _validate(agents, components, memory, neighbours, mirror, num_rounds,
                                num_samples, sigma, spacing, ties, epsilon, initial, rng, progress)
    model = _Model(prm)
    total = prm["runs"]
    size = _chunk_size(model, total)
    chunks: list[dict[str, np.ndarray]] = []
    done = 0
    bar = Progress("simulate_gmm", total=total, unit="runs", progress=progress, interval=0)
    try:
        while done < total:
            C = min(size, total - done)
            chunks.append(_simulate_chunk(model, start, C, gen))
            done += C
            bar.update(done)
    except KeyboardInterrupt:
        bar.close(interrupted=bool(chunks))
        partial = _result(prm, chunks, complete=False) if chunks else None
        raise SimulationInterrupted(partial) from None
    finally:
        bar.close()
    return _result(prm, chunks, complete=True)
