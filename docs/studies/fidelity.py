#!/usr/bin/env python
r"""Fidelity study: the discretized GMM chain against the continuous GMM-agents model.

For small instances (n <= 5 agents, r <= 3 memory points, k = 1) this script

* computes the chain's polarization probability for both k-set tie rules (``ties="index"``
  compiled unlumped, ``ties="random"`` lumped) with :func:`chainlab.polarization.polarization`
  (exact rationals up to 5,000 states, floats above -- marked in the table);
* simulates the continuous model (:func:`chainlab.continuous.simulate_gmm`) with means 3 apart
  (15 sigma: one EM step reaches the label fractions) and 1 apart (5 sigma: the paper's spacing),
  with both tie rules, and reports the fraction of runs ending with two or more silos with its
  exact 95% Clopper-Pearson interval, whether the interval contains the chain value of the same
  tie rule, and the fraction of runs *settled* at the horizon (every agent's memory holds points
  of one component only, and every label group has at least k + 1 agents, or there is one group:
  exactly the chain's absorbing states, proofs/polarization.md POL-3);
* audits every k-set choice of the simulator: the partner it picked is compared with the partner
  picked, from the same random numbers, after distances equal to within a relative 1e-12 (i.e.
  up to floating-point rounding) are made exactly equal, so that the tie rule decides them as in
  the chain; where any choice differs, the simulation is re-run with those ties made exact (same
  seed, so the two runs share their random numbers);
* isolates the causes of the remaining differences with a small independent re-implementation
  of docs/model.md, "The continuous model" (:func:`reference_simulation`, vectorized over runs) whose parts can be
  replaced one at a time by their discretized counterparts: the partner's temporary weights, the
  asker's weights (one EM step -> the label fractions), the eviction (farthest noisy point ->
  farthest label, proportional to count);
* measures the effect of the eviction rule (noisy farthest point vs the chain's "proportional to
  count") on common random numbers, where it matters (r = 3, K = 3), with many runs;
* optionally (``--history``, on by default in full runs) shows the effect of ties decided by
  rounding: it re-runs the simulator of commit 71ac419 (before commit 43a4674), and the current
  simulator with its row sums computed by ``ndarray.sum`` (the same sums, rounded differently),
  each as is and with ties up to rounding made exact.

The markdown table is written between the markers ``<!-- BEGIN GENERATED -->`` and
``<!-- END GENERATED -->`` of the output file; anything outside the markers (the hand-written
findings) is kept. The file is replaced atomically. Everything is seeded: the same command
reproduces the same file.

Usage::

    python docs/studies/fidelity.py --out docs/fidelity.md            # full (a few minutes)
    python docs/studies/fidelity.py --quick --out /tmp/fidelity.md    # < 1 minute
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.util
import math
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

import chainlab._continuous.simulate as continuous
from chainlab._io.atomic import write_text
from chainlab.compiler import compile_model
from chainlab.errors import StateSpaceLimitError
from chainlab.models import GMMAgents
from chainlab.polarization import polarization
from chainlab.stats import proportion

BEGIN = "<!-- BEGIN GENERATED -->"
END = "<!-- END GENERATED -->"

SIGMA = 0.2
EPSILON = 1e-12
SPACINGS = (3.0, 1.0)
TIES = ("index", "random")
#: distances equal to within this relative tolerance (plus TIE_ABS) are ties "up to rounding"
TIE_REL = 1e-12
#: absolute floor of the tie tolerance (squared distances; rounding noise near 0 is ~1e-32)
TIE_ABS = 1e-20
#: unlumped/lumped chains above this many states are refused (and reported as skipped)
MAX_STATES = 200_000
#: chains up to this many states are solved in exact rationals, larger ones in floats
EXACT_LIMIT = 5_000
#: the simulator before the rewrite of its distances and row sums (commit 43a4674)
HISTORY_COMMIT = "71ac419"


@dataclasses.dataclass(frozen=True)
class Instance:
    """A chain/continuous instance: n agents, K components, memory r, k neighbours."""

    n: int
    K: int
    r: int
    k: int
    mirrors: tuple[Fraction, ...] = (Fraction(0),)
    note: str = ""

    @property
    def label(self) -> str:
        return f"({self.n}, {self.K}, {self.r}, {self.k})"


FULL_INSTANCES = (
    Instance(4, 4, 2, 1, (Fraction(0), Fraction(1, 5))),
    Instance(4, 3, 2, 1, (Fraction(0), Fraction(1, 5))),
    Instance(4, 3, 3, 1, (Fraction(0), Fraction(1, 5))),
    Instance(5, 4, 2, 1, (Fraction(0), Fraction(1, 5))),
    Instance(5, 5, 2, 1, (Fraction(0), Fraction(1, 5))),
    Instance(4, 2, 3, 1, (Fraction(0),), "initial state absorbing (two pure pairs)"),
    Instance(5, 3, 2, 1, (Fraction(0),), "initial state absorbing (pure pairs + one)"),
)
#: instances of the decomposition table (reference re-implementation, p = 0)
FULL_DECOMPOSITION = (Instance(4, 4, 2, 1),)
#: instance of the eviction experiment (r = 3, K = 3: labels on both sides of a query occur)
EVICTION_INSTANCE = Instance(4, 3, 3, 1)
#: instances of the history table (simulator of commit 71ac419, spacing 3, p = 0, index ties)
FULL_HISTORY = (Instance(4, 4, 2, 1), Instance(5, 5, 2, 1))
SKIPPED = (
    ("(4, 4, 3, 1)", "ties=\"index\": 152,400 unlumped states (compiled in 43 s); "
     "ties=\"random\": the lumped compile had not finished after 5 minutes (2 GB); the solves "
     "are beyond this study's few-minute budget"),
)

QUICK_INSTANCES = (
    Instance(4, 4, 2, 1, (Fraction(0),)),
    Instance(4, 3, 2, 1, (Fraction(0),)),
)
QUICK_DECOMPOSITION = (Instance(4, 4, 2, 1),)


def _log(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


# --------------------------------------------------------------------------- chain values


@dataclasses.dataclass(frozen=True)
class ChainValue:
    """Polarization probability of the discretized chain for one tie rule."""

    value: float | None
    exact: Fraction | None
    states: int | None
    method: str  # "exact", "float" or "skipped"
    lumped: bool
    seconds: float
    reason: str = ""

    def text(self) -> str:
        if self.value is None:
            return "skipped"
        mark = "" if self.method == "exact" else " (float)"
        return f"{self.value:.4f}{mark}"


_CHAIN_CACHE: dict[tuple, ChainValue] = {}


def chain_value(inst: Instance, mirror: Fraction, ties: str) -> ChainValue:
    """P(polarization) of the chain (cached): exact up to EXACT_LIMIT states, else float."""
    key = (inst.n, inst.K, inst.r, inst.k, mirror, ties)
    if key in _CHAIN_CACHE:
        return _CHAIN_CACHE[key]
    started = time.perf_counter()
    model = GMMAgents(agents=inst.n, components=inst.K, memory=inst.r, neighbours=inst.k,
                      mirror=mirror, ties=ties)
    lumped = ties == "random"
    try:
        cc = compile_model(model, lumped=lumped, max_states=MAX_STATES)
    except StateSpaceLimitError as exc:
        out = ChainValue(None, None, None, "skipped", lumped, time.perf_counter() - started,
                         reason=str(exc).splitlines()[0])
    else:
        method = "exact" if cc.chain.num_states <= EXACT_LIMIT else "float"
        res = polarization(cc, method=method)
        val = res.polarization_probability
        out = ChainValue(float(val), Fraction(val) if method == "exact" else None,
                         cc.chain.num_states, method, lumped, time.perf_counter() - started)
    _CHAIN_CACHE[key] = out
    return out


# --------------------------------------------------------------------------- ties


def snap_ties(d2: np.ndarray, rel: float = TIE_REL, tiny: float = TIE_ABS) -> np.ndarray:
    """Replace each row of distances by tie-group ranks (0, 1, 2, ... in increasing distance).

    Consecutive sorted values whose gap is at most ``rel * value + tiny`` are one group, so
    distances equal up to rounding become exactly equal and the tie rule (index or random)
    decides between them. ``inf`` (the diagonal) stays ``inf``.

    Examples
    --------
    >>> snap_ties(np.array([[np.inf, 0.5 + 1e-16, 0.5, 1.5]])).tolist()
    [[inf, 0.0, 0.0, 1.0]]
    """
    order = np.argsort(d2, axis=-1, kind="stable")
    s = np.take_along_axis(d2, order, axis=-1)
    with np.errstate(invalid="ignore"):
        gap = np.diff(s, axis=-1) > rel * np.abs(s[..., :-1]) + tiny
    ranks = np.concatenate([np.zeros(s.shape[:-1] + (1,)), np.cumsum(gap, axis=-1)], axis=-1)
    out = np.empty_like(d2, dtype=float)
    np.put_along_axis(out, order, ranks, axis=-1)
    out[np.isinf(d2)] = np.inf
    return out


@dataclasses.dataclass
class Audit:
    """k-set choices seen, and how many differ from the choice with snapped ties."""

    decisions: int = 0
    changed: int = 0
    available: bool = True


@contextlib.contextmanager
def kset_rule(module: Any, audit: Audit, *, snap: bool, rel: float = TIE_REL
              ) -> Iterator[None]:
    """Audit (and with ``snap=True`` replace) the k-set choices of a continuous simulator.

    Wraps the module's ``_partners(m, d2, u_rank, u_tie)``: the partner picked from the raw
    distances is compared with the one picked, from the same uniforms, from
    :func:`snap_ties` distances. ``snap=True`` returns the latter. The simulator is otherwise
    untouched; the original function is restored on exit. If the module has no such function
    the audit is marked unavailable and nothing is changed.
    """
    orig = getattr(module, "_partners", None)
    if orig is None:
        audit.available = False
        yield
        return

    def wrapped(m, d2, u_rank, u_tie):
        chosen = orig(m, d2, u_rank, u_tie)
        fixed = orig(m, snap_ties(d2, rel), u_rank, u_tie)
        audit.decisions += int(chosen.size)
        audit.changed += int(np.count_nonzero(chosen != fixed))
        return fixed if snap else chosen

    module._partners = wrapped
    try:
        yield
    finally:
        module._partners = orig


# --------------------------------------------------------------------------- estimates


@dataclasses.dataclass(frozen=True)
class Estimate:
    """Polarized runs out of ``runs`` with the exact interval and the settled fraction."""

    polarized: int
    runs: int
    lo: float
    hi: float
    settled: float | None
    seconds: float
    audit: Audit | None = None

    @property
    def estimate(self) -> float:
        return self.polarized / self.runs

    def contains(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return self.lo <= value <= self.hi

    def text(self) -> str:
        return f"{self.estimate:.4f} [{self.lo:.4f}, {self.hi:.4f}]"


def _estimate(polarized: int, runs: int, settled: float | None, seconds: float,
              audit: Audit | None = None) -> Estimate:
    pe = proportion(int(polarized), int(runs))
    return Estimate(int(polarized), int(runs), pe.ci[0], pe.ci[1], settled, seconds, audit)


def settled_fraction(labels: np.ndarray, k: int) -> float:
    """Fraction of runs in an absorbing configuration of the chain.

    ``labels`` (runs, agents, memory): the generating component of every memory point. A run
    is settled when every agent is pure (one label) and the pure groups are a single group or
    all of size >= k + 1.
    """
    labels = np.asarray(labels)
    pure = (labels == labels[..., :1]).all(axis=-1).all(axis=-1)
    first = labels[..., 0]
    K = int(labels.max()) + 1 if labels.size else 1
    sizes = (first[..., None] == np.arange(K)).sum(axis=1)  # (runs, K)
    groups = (sizes > 0).sum(axis=1)
    big = ((sizes == 0) | (sizes >= k + 1)).all(axis=1)
    return float(np.mean(pure & ((groups == 1) | big)))


def _seed(seed: int, inst: Instance, mirror: Fraction, spacing: float, ties: str,
          stream: int) -> np.random.Generator:
    words = [seed, inst.n, inst.K, inst.r, inst.k, mirror.numerator, mirror.denominator,
             int(round(spacing * 1000)), TIES.index(ties), stream]
    return np.random.default_rng(np.random.SeedSequence(words))


def simulate_official(module: Any, inst: Instance, mirror: Fraction, spacing: float,
                      ties: str, runs: int, rounds: int, seed: int, *, snap: bool = False,
                      rel: float = TIE_REL, stream: int = 0) -> Estimate:
    """Simulate with a ``simulate_gmm`` (chainlab's or a historical one), auditing k-sets."""
    audit = Audit()
    started = time.perf_counter()
    with kset_rule(module, audit, snap=snap, rel=rel):
        res = module.simulate_gmm(
            agents=inst.n, components=inst.K, memory=inst.r, neighbours=inst.k,
            mirror=float(mirror), num_rounds=rounds, num_samples=runs, sigma=SIGMA, spacing=spacing,
            ties=ties, epsilon=EPSILON, rng=_seed(seed, inst, mirror, spacing, ties, stream))
    labels = getattr(res, "final_memory_components", None)
    settled = None if labels is None else settled_fraction(labels, inst.k)
    polarized = int(np.count_nonzero(np.asarray(res.final_silos) >= 2))
    return _estimate(polarized, runs, settled, time.perf_counter() - started, audit)


# --------------------------------------------------------------------------- reference


def reference_simulation(inst: Instance, mirror: float, spacing: float, ties: str, runs: int,
                         rounds: int, rng: np.random.Generator, *, partner_weights: str = "em",
                         own_weights: str = "em", evict: str = "noisy",
                         tie_rel: float = TIE_REL, eviction_stats: dict | None = None
                         ) -> tuple[np.ndarray, np.ndarray]:
    """An independent, plain re-implementation of the continuous model (docs/model.md) with swappable parts.

    Vectorized over runs; distances are computed from differences and ties up to rounding
    (:func:`snap_ties` with ``tie_rel``) are decided by the tie rule. Parts that can be replaced
    by their discretized (chain) counterparts:

    * ``partner_weights`` / ``own_weights``: ``"em"`` (one EM step from the clipped weights, as
      in the model) or ``"labels"`` (the label fractions of the memory, clipped to
      [eps, 1 - eps] and renormalised: what the chain assumes);
    * ``evict``: ``"noisy"`` (the point farthest from the noisy query/answer, as in the model)
      or ``"label"`` (a point of the label farthest from the query's/answer's label, uniform
      over those points: the chain's "proportional to count").

    With ``"labels"``, ``"labels"``, ``"label"`` this is a Monte Carlo simulation of the chain.

    ``eviction_stats`` (a dict, updated in place; noisy eviction only) counts the *unequal
    eviction ties*: evictions where points of two labels are equally far (in labels) from the
    query's/answer's label, on both sides, with unequal counts -- the only case in which the
    chain's "proportional to count" is a modelling choice. Keys: ``events``, ``larger`` (the
    noisy eviction took a point of the larger group), ``chain_larger`` (sum of the chain's
    probabilities of doing so).

    Returns
    -------
    (final silos per run, final memory labels (runs, n, r))
    """
    n, K, r, k = inst.n, inst.K, inst.r, inst.k
    R = runs
    eps = EPSILON
    mu = spacing * np.arange(K, dtype=float)
    rows = np.arange(R)[:, None]
    diag = np.arange(n)
    inv2var = 0.5 / (SIGMA * SIGMA)

    def categorical(w: np.ndarray, u: np.ndarray) -> np.ndarray:
        c = np.cumsum(w, axis=-1)
        return np.minimum((c <= (u * c[..., -1])[..., None]).sum(axis=-1), K - 1)

    def new_weights(P: np.ndarray, z: np.ndarray, lab: np.ndarray, how: str) -> np.ndarray:
        if how == "em":
            q = -((z[..., None] - mu) ** 2) * inv2var  # (R, n, r, K) log densities
            q -= q.max(axis=-1, keepdims=True)
            g = P[:, :, None, :] * np.exp(q)
            g /= g.sum(axis=-1, keepdims=True)
            w = g.mean(axis=-2)
        else:
            w = (lab[..., None] == np.arange(K)).mean(axis=-2)
        np.clip(w, eps, 1.0 - eps, out=w)
        return w / w.sum(axis=-1, keepdims=True)

    def evicted(z: np.ndarray, lab: np.ndarray, target: np.ndarray, tlab: np.ndarray
                ) -> np.ndarray:
        dist = np.abs(lab - tlab[..., None])
        far = dist == dist.max(axis=-1, keepdims=True)
        # drawn under both rules, so that the two rules see the same random numbers
        u = rng.random(far.shape)
        if evict == "noisy":
            m = np.argmax(np.abs(z - target[..., None]), axis=-1)
            if eviction_stats is not None:
                below = (far & (lab < tlab[..., None])).sum(axis=-1)
                above = (far & (lab > tlab[..., None])).sum(axis=-1)
                tie = (below > 0) & (above > 0) & (below != above)
                if tie.any():
                    took_below = np.take_along_axis(lab, m[..., None], axis=-1)[..., 0] < tlab
                    larger = np.where(below > above, took_below, ~took_below)
                    eviction_stats["events"] = eviction_stats.get("events", 0) + int(tie.sum())
                    eviction_stats["larger"] = (eviction_stats.get("larger", 0)
                                                + int((tie & larger).sum()))
                    share = np.maximum(below, above) / np.maximum(below + above, 1)
                    eviction_stats["chain_larger"] = (eviction_stats.get("chain_larger", 0.0)
                                                      + float(share[tie].sum()))
            return m
        return np.argmax(np.where(far, u, -1.0), axis=-1)

    start = np.arange(n) % K
    pi = np.full((R, n, K), eps / K)
    pi[:, diag, start] = 1.0 - eps
    lab = categorical(np.repeat(pi[:, :, None, :], r, axis=2), rng.random((R, n, r)))
    z = mu[lab] + SIGMA * rng.standard_normal((R, n, r))
    for _ in range(rounds):
        P = np.clip(pi, eps, 1.0 - eps)
        P /= P.sum(axis=-1, keepdims=True)
        if mirror >= 1.0:
            j = np.broadcast_to(diag, (R, n))
        else:
            d2 = ((pi[:, :, None, :] - pi[:, None, :, :]) ** 2).sum(axis=-1)
            d2[:, diag, diag] = np.inf
            d2 = snap_ties(d2, tie_rel)
            if ties == "index":
                order = np.argsort(d2, axis=-1, kind="stable")
            else:
                order = np.lexsort((rng.random(d2.shape), d2), axis=-1)
            pos = rng.integers(0, k, size=(R, n))
            j = np.take_along_axis(order, pos[..., None], axis=-1)[..., 0]
            if mirror > 0.0:
                j = np.where(rng.random((R, n)) < mirror, diag, j)
        cx = categorical(pi, rng.random((R, n)))
        x = mu[cx] + SIGMA * rng.standard_normal((R, n))
        zj, lj = z[rows, j].copy(), lab[rows, j].copy()
        m = evicted(zj, lj, x, cx)[..., None]
        np.put_along_axis(zj, m, x[..., None], axis=-1)
        np.put_along_axis(lj, m, cx[..., None], axis=-1)
        temp = new_weights(P[rows, j], zj, lj, partner_weights)
        cy = categorical(temp, rng.random((R, n)))
        y = mu[cy] + SIGMA * rng.standard_normal((R, n))
        m = evicted(z, lab, y, cy)[..., None]
        np.put_along_axis(z, m, y[..., None], axis=-1)
        np.put_along_axis(lab, m, cy[..., None], axis=-1)
        pi = new_weights(P, z, lab, own_weights)
    ids = np.argmax(pi, axis=-1)
    silos = (ids[..., None] == np.arange(K)).any(axis=1).sum(axis=-1)
    return silos, lab


#: rows of the decomposition table: (key, description, source, options)
VARIANTS = (
    ("official", "chainlab `simulate_gmm` as is", "official", {}),
    ("official-snap", "same, k-set distances equal up to rounding (rel. 1e-12) made ties",
     "official", {"snap": True}),
    ("official-snap9", "same, distances equal to within rel. 1e-9 made ties (also merges the "
     "~1e-10 EM leakage at unit spacing)", "official", {"snap": True, "rel": 1e-9}),
    ("ref", "reference re-implementation of the continuous model", "ref", {}),
    ("ref-9", "ref, distances equal to within rel. 1e-9 made ties", "ref", {"tie_rel": 1e-9}),
    ("ref-partner", "ref, partner's temporary weights = label fractions", "ref",
     {"partner_weights": "labels"}),
    ("ref-partner-9", "ref-partner, distances equal to within rel. 1e-9 made ties", "ref",
     {"partner_weights": "labels", "tie_rel": 1e-9}),
    ("ref-own", "ref, asker's weights = label fractions", "ref", {"own_weights": "labels"}),
    ("ref-labels", "ref, all weights = label fractions (no EM lag)", "ref",
     {"partner_weights": "labels", "own_weights": "labels"}),
    ("ref-chain", "ref, label fractions + eviction by label, proportional to count "
     "(= Monte Carlo of the chain)", "ref",
     {"partner_weights": "labels", "own_weights": "labels", "evict": "label"}),
)


def simulate_variant(key: str, inst: Instance, spacing: float, ties: str, runs: int,
                     rounds: int, seed: int, mirror: Fraction = Fraction(0), *,
                     stream: int | None = None, eviction_stats: dict | None = None
                     ) -> Estimate:
    """One simulation of a :data:`VARIANTS` row.

    ``stream`` selects the random stream (default: 0 for chainlab's simulator -- the stream of
    table 1 -- and 1 for the reference re-implementation).
    """
    _, _, source, opts = next(v for v in VARIANTS if v[0] == key)
    if source == "official":
        return simulate_official(continuous, inst, mirror, spacing, ties, runs, rounds, seed,
                                 stream=0 if stream is None else stream, **opts)
    started = time.perf_counter()
    rng = _seed(seed, inst, mirror, spacing, ties, 1 if stream is None else stream)
    if eviction_stats is not None:
        opts = dict(opts, eviction_stats=eviction_stats)
    silos, labels = reference_simulation(inst, float(mirror), spacing, ties, runs, rounds, rng,
                                         **opts)
    return _estimate(int(np.count_nonzero(silos >= 2)), runs, settled_fraction(labels, inst.k),
                     time.perf_counter() - started)


@dataclasses.dataclass(frozen=True)
class PairedEviction:
    """The same random numbers simulated with noisy eviction and with eviction by label."""

    noisy: Estimate
    by_label: Estimate
    only_noisy: int  # runs polarized with noisy eviction only
    only_label: int  # runs polarized with eviction by label only
    stats: dict

    def sign_test(self) -> tuple[float, float, float]:
        """only_noisy / discordant runs with its exact 95% interval (1/2 if no effect)."""
        d = self.only_noisy + self.only_label
        if d == 0:
            return math.nan, 0.0, 1.0
        pe = proportion(self.only_noisy, d)
        return pe.estimate, pe.ci[0], pe.ci[1]


def paired_eviction(inst: Instance, ties: str, runs: int, rounds: int, seed: int,
                    spacing: float = 3.0) -> PairedEviction:
    """Reference runs with the model's noisy eviction vs the chain's, on common random numbers.

    Both use label-fraction weights (at spacing 3 identical to the EM step) and treat distances
    equal to within a relative 1e-9 as ties (the chain's ties, epsilon-level differences
    included), so "by label" is a Monte Carlo simulation of the chain, the two runs of a pair
    follow the same trajectory until the first eviction the rules decide differently, and the
    discordant pairs measure the effect of the eviction rule alone.
    """
    started = time.perf_counter()
    out = {}
    stats: dict = {}
    for evict in ("noisy", "label"):
        rng = _seed(seed, inst, Fraction(0), spacing, ties, 4)
        silos, labels = reference_simulation(
            inst, 0.0, spacing, ties, runs, rounds, rng, partner_weights="labels",
            own_weights="labels", evict=evict, tie_rel=1e-9,
            eviction_stats=stats if evict == "noisy" else None)
        out[evict] = (silos >= 2, settled_fraction(labels, inst.k))
    secs = time.perf_counter() - started
    pol_n, set_n = out["noisy"]
    pol_l, set_l = out["label"]
    return PairedEviction(
        _estimate(int(pol_n.sum()), runs, set_n, secs / 2),
        _estimate(int(pol_l.sum()), runs, set_l, secs / 2),
        int(np.count_nonzero(pol_n & ~pol_l)), int(np.count_nonzero(pol_l & ~pol_n)), stats)


def fresh_eviction_probability(samples: int = 2_000_000, seed: int = 0) -> float:
    """P(the noisy eviction takes one of 2 points on one side rather than 1 on the other).

    Fresh points: the target (query or answer) is mu + sigma * e0, two points sit at
    mu - d + sigma * e1,2 and one at mu + d + sigma * e3, with d >> sigma; the chain says 2/3.
    (Independent of sigma and d as long as no point crosses to another label.)
    """
    g = np.random.default_rng(seed).standard_normal((4, samples))
    left = np.maximum(g[0] - g[1], g[0] - g[2])  # distance beyond d of the farther left point
    return float(np.mean(left > g[3] - g[0]))


# --------------------------------------------------------------------------- history


def load_historical_simulator(commit: str = HISTORY_COMMIT) -> tuple[Any | None, str]:
    """``chainlab/continuous.py`` of an earlier commit as a module, via ``git show``.

    Returns ``(module, "")`` or ``(None, reason)`` when git or the commit is unavailable.
    """
    repo = Path(__file__).resolve().parents[2]
    try:
        src = subprocess.run(["git", "-C", str(repo), "show", f"{commit}:chainlab/continuous.py"],
                             check=True, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"git show {commit}:chainlab/continuous.py failed ({exc.__class__.__name__})"
    src = src.replace("from .errors import", "from chainlab.errors import")
    with tempfile.TemporaryDirectory(prefix="fidelity_history_") as tmp:
        path = Path(tmp) / f"continuous_{commit}.py"
        path.write_text(src)
        spec = importlib.util.spec_from_file_location(f"continuous_{commit}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up in sys.modules
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # an old file that no longer imports: report, do not fail
            sys.modules.pop(spec.name, None)
            return None, f"the simulator of {commit} does not import ({exc})"
    return module, ""


@contextlib.contextmanager
def numpy_row_sums(module: Any = continuous) -> Iterator[bool]:
    """Make the simulator sum float64 rows with ``ndarray.sum`` instead of its ``_row_sums``.

    The same sums mathematically, rounded differently: numpy's unrolled/pairwise summation
    rounds ``(1/2, e, 1/2, e)`` and ``(1/2, e, e, 1/2)`` differently, the matrix product with a
    vector of ones used by ``_row_sums`` does not. Yields False (and changes nothing) if the
    module has no ``_row_sums``.
    """
    orig = getattr(module, "_row_sums", None)
    if orig is None:
        yield False
        return

    def row_sums(a, ones, batch):
        if a.dtype == np.float64:
            return a.sum(axis=-1)
        return orig(a, ones, batch)

    module._row_sums = row_sums
    try:
        yield True
    finally:
        module._row_sums = orig


# --------------------------------------------------------------------------- the study


@dataclasses.dataclass
class Row:
    inst: Instance
    mirror: Fraction
    spacing: float
    ties: str
    chain: dict[str, ChainValue]
    sim: Estimate
    snapped: Estimate | None  # None: no k-set choice changed, so the snapped run is identical
    confirm: Estimate | None = None  # a larger independent run where spacing 3 disagreed


@dataclasses.dataclass
class Study:
    settings: dict[str, Any]
    rows: list[Row]
    decomposition: dict[tuple, Estimate]
    decomposition_instances: tuple[Instance, ...]
    eviction: dict[tuple, Any]
    history: dict[tuple, Estimate]
    history_note: str
    seconds: float = 0.0


def run_study(instances: Sequence[Instance] = FULL_INSTANCES, *, runs: int = 2000,
              rounds: int = 60, seed: int = 2026, spacings: Sequence[float] = SPACINGS,
              ties_rules: Sequence[str] = TIES,
              decomposition: Sequence[Instance] = FULL_DECOMPOSITION,
              eviction: Instance | None = EVICTION_INSTANCE, eviction_runs: int | None = None,
              confirm_factor: int = 10, history: Sequence[Instance] = (),
              progress: bool = True) -> Study:
    """Run the whole study (see the module docstring); returns a :class:`Study`.

    Table 1 simulates every instance x mirror x spacing x tie rule with ``runs`` runs; a row
    whose k-set audit found changed choices is re-run with snapped ties (same seed); a row at
    spacing 3 whose interval misses the chain value is re-run with ``confirm_factor * runs``
    runs on a fresh stream (at spacing 3 the chain is expected to be faithful, and with dozens
    of 95% intervals a few misses are expected by chance). ``eviction`` (p = 0, spacing 3) gets
    ``eviction_runs`` runs (default ``10 * runs``) per cell.
    """
    started = time.perf_counter()
    say = _log if progress else (lambda msg: None)

    def clock() -> str:
        return f"{time.perf_counter() - started:.0f} s total"

    rows: list[Row] = []
    cells = [(inst, p, s, t) for inst in instances for p in inst.mirrors for s in spacings
             for t in ties_rules]
    for num, (inst, p, s, t) in enumerate(cells, 1):
        chain = {rule: chain_value(inst, p, rule) for rule in TIES}
        sim = simulate_official(continuous, inst, p, s, t, runs, rounds, seed)
        snapped = confirm = None
        if sim.audit is not None and sim.audit.changed:
            snapped = simulate_official(continuous, inst, p, s, t, runs, rounds, seed, snap=True)
        if s == 3.0 and confirm_factor and sim.contains(chain[t].value) is False:
            confirm = simulate_official(continuous, inst, p, s, t, confirm_factor * runs,
                                        rounds, seed, stream=2)
        rows.append(Row(inst, p, s, t, chain, sim, snapped, confirm))
        say(f"[{num}/{len(cells)}] {inst.label} p={p} spacing={s:g} ties={t}: "
            f"chain {chain[t].text()}, continuous {sim.text()}"
            + (f", snapped {snapped.text()}" if snapped else "")
            + (f", confirmation {confirm.text()}" if confirm else "") + f" ({clock()})")
    deco: dict[tuple, Estimate] = {}
    dcells = [(inst, s, t, v[0]) for inst in decomposition for s in spacings
              for t in ties_rules for v in VARIANTS]
    for num, (inst, s, t, key) in enumerate(dcells, 1):
        est = None
        if key in ("official", "official-snap"):  # same seeds as table 1: reuse its runs
            for row in rows:
                if (row.inst, row.mirror, row.spacing, row.ties) == (inst, 0, s, t):
                    est = row.sim if key == "official" or row.snapped is None else row.snapped
        if est is None:
            est = simulate_variant(key, inst, s, t, runs, rounds, seed)
        deco[(inst, s, t, key)] = est
        say(f"[decomposition {num}/{len(dcells)}] {inst.label} spacing={s:g} ties={t} {key}: "
            f"{est.text()} ({clock()})")
    evi: dict[tuple, Any] = {}
    if eviction is not None:
        big = eviction_runs or 10 * runs
        evi["runs"] = big
        evi["instance"] = eviction
        evi["fresh"] = fresh_eviction_probability()
        erounds = min(rounds, 40)  # absorption takes < 30 rounds here (see "settled")
        evi["rounds"] = erounds
        for t in ties_rules:
            evi[(t, "official")] = simulate_official(continuous, eviction, Fraction(0), 3.0, t,
                                                     big, erounds, seed, stream=3)
            evi[(t, "official9")] = simulate_official(continuous, eviction, Fraction(0), 3.0, t,
                                                      big, erounds, seed, stream=3, snap=True,
                                                      rel=1e-9)
            pair = evi[(t, "paired")] = paired_eviction(eviction, t, big, erounds, seed)
            say(f"[eviction] {eviction.label} ties={t}: official "
                f"{evi[(t, 'official')].text()}, snapped at 1e-9 "
                f"{evi[(t, 'official9')].text()}, noisy eviction {pair.noisy.text()}, by label "
                f"{pair.by_label.text()}, discordant {pair.only_noisy}/{pair.only_label} "
                f"({clock()})")
    hist: dict[tuple, Estimate] = {}
    note = ""
    if history:
        module, note = load_historical_simulator()
        if module is not None:
            for inst in history:
                for snap in (False, True):
                    est = simulate_official(module, inst, Fraction(0), 3.0, "index", runs,
                                            rounds, seed, snap=snap)
                    hist[(inst, snap)] = est
                    say(f"[history] {HISTORY_COMMIT} {inst.label} snap={snap}: {est.text()} "
                        f"changed={est.audit.changed} ({clock()})")
            for inst in history:
                for snap in (False, True):
                    with numpy_row_sums() as ok:
                        if not ok:
                            break
                        est = simulate_official(continuous, inst, Fraction(0), 3.0, "index",
                                                runs, rounds, seed, snap=snap)
                    hist[("numpy-sum", inst, snap)] = est
                    say(f"[history] current, numpy row sums {inst.label} snap={snap}: "
                        f"{est.text()} changed={est.audit.changed} ({clock()})")
            # the measurement that opened this study: 2,000 runs, 200 rounds, rng=1
            inst = Instance(4, 4, 2, 1)
            for name, mod in (("old", module), ("current", continuous)):
                res = mod.simulate_gmm(agents=4, components=4, memory=2, neighbours=1,
                                       num_rounds=200, num_samples=2000, spacing=3.0, ties="index", rng=1)
                hist[("repro", name)] = _estimate(
                    int(np.count_nonzero(np.asarray(res.final_silos) >= 2)), 2000, None, 0.0)
                say(f"[history] repro {name}: {hist[('repro', name)].text()} ({clock()})")
    settings = {"runs": runs, "rounds": rounds, "seed": seed, "sigma": SIGMA,
                "epsilon": EPSILON, "spacings": tuple(spacings), "ties": tuple(ties_rules),
                "confirm_factor": confirm_factor}
    return Study(settings, rows, deco, tuple(decomposition), evi, hist, note,
                 time.perf_counter() - started)


def _yes(flag: bool | None) -> str:
    return "n/a" if flag is None else ("yes" if flag else "**no**")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def render(study: Study, command: str) -> str:
    """The generated part of the report (markdown, between the markers)."""
    st = study.settings
    out = [BEGIN, "",
           "## Generated tables",
           "",
           f"Command: `{command}`  ",
           f"Settings: {st['runs']} runs per cell, {st['rounds']} rounds, seed {st['seed']}, "
           f"sigma = {st['sigma']:g}, epsilon = {st['epsilon']:g}, means mu_c = c * spacing; "
           "agent i starts pure on component i mod K; the k-set tie rule is the `ties` column, "
           "the same for the chain and the simulation in a row. "
           f"Generated in {study.seconds:.0f} s.",
           "",
           "A run counts as polarized when it ends with two or more silos (agent ID = argmax of "
           "the weights). Intervals: exact 95% Clopper-Pearson (`chainlab.stats.proportion`). "
           "*settled*: the run ended in one of the chain's absorbing configurations (every "
           "memory holds one component's points, and every group has >= k + 1 agents or there "
           "is one group). *k-set audit*: partner choices (out of all agent-rounds) that differ "
           "from the choice made from the same random numbers when distances equal up to "
           "rounding (relative 1e-12) are made exact ties; where any differ, the row is re-run "
           "with those ties made exact (*snapped*, same seed). *confirmation*: a spacing-3 row "
           f"whose interval misses the chain value is re-run with {st['confirm_factor']}x the "
           "runs on a fresh stream.",
           "",
           "### 1. Chain vs continuous simulation",
           "",
           "| instance (n, K, r, k) | p | spacing | ties | chain, index | chain, random "
           "| continuous [95% CI] | contains chain (same ties) | settled | k-set audit: changed "
           "/ choices | snapped [95% CI] | confirmation [95% CI] |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in study.rows:
        cv = row.chain[row.ties]
        audit = row.sim.audit
        audit_txt = ("n/a" if audit is None or not audit.available
                     else f"{audit.changed} / {audit.decisions}")
        snap_txt = ("= (nothing changed)" if row.snapped is None else
                    f"{row.snapped.text()} {'✓' if row.snapped.contains(cv.value) else '✗'}")
        conf_txt = ("" if row.confirm is None else
                    f"{row.confirm.text()} ({row.confirm.runs} runs) "
                    f"{'✓' if row.confirm.contains(cv.value) else '✗'}")
        out.append(
            f"| {row.inst.label} | {row.mirror} | {row.spacing:g} | {row.ties} "
            f"| {row.chain['index'].text()} | {row.chain['random'].text()} | {row.sim.text()} "
            f"| {_yes(row.sim.contains(cv.value))} | {_pct(row.sim.settled)} | {audit_txt} "
            f"| {snap_txt} | {conf_txt} |")
    out += ["", "Chain sizes (states; index unlumped, random lumped) and solve method:", ""]
    seen = set()
    for row in study.rows:
        key = (row.inst, row.mirror)
        if key in seen:
            continue
        seen.add(key)
        parts = []
        for rule in TIES:
            cv = row.chain[rule]
            parts.append(f"{rule}: {cv.states} states, {cv.method}"
                         + (f" = {cv.exact}" if cv.exact is not None
                            and len(str(cv.exact)) <= 40 else ""))
        out.append(f"- {row.inst.label}, p = {row.mirror}: " + "; ".join(parts)
                   + (f" -- {row.inst.note}" if row.inst.note else ""))
    for label, why in SKIPPED:
        out.append(f"- {label}: skipped -- {why}")
    if study.decomposition:
        out += ["", "### 2. Decomposition (p = 0): which part of the continuous model moves the "
                "estimate",
                "",
                "Each cell: estimate [95% CI], ✓/✗ = the interval contains / misses the chain "
                "value of the column's tie rule. Rows `official*` use chainlab's simulator (the "
                "first two are the runs of table 1); rows `ref*` use the independent "
                "re-implementation `reference_simulation` in this script (ties up to rounding, "
                "relative 1e-12, unless the row says 1e-9), with the named parts replaced by "
                "their discretized counterparts.", ""]
        for inst in study.decomposition_instances:
            cols = [(s, t) for s in st["spacings"] for t in st["ties"]]
            out.append(f"Instance {inst.label}:")
            out.append("")
            out.append("| variant | " + " | ".join(f"spacing {s:g}, {t}" for s, t in cols)
                       + " |")
            out.append("|---|" + "---|" * len(cols))
            chain_cells = [chain_value(inst, Fraction(0), t).text() for s, t in cols]
            out.append("| **chain (exact)** | " + " | ".join(chain_cells) + " |")
            for key, desc, _, _ in VARIANTS:
                cells = []
                for s, t in cols:
                    est = study.decomposition.get((inst, s, t, key))
                    if est is None:
                        cells.append("")
                        continue
                    ok = est.contains(chain_value(inst, Fraction(0), t).value)
                    cells.append(f"{est.text()} {'✓' if ok else '✗'}")
                out.append(f"| `{key}`: {desc} | " + " | ".join(cells) + " |")
            out.append("")
    if study.eviction:
        ev = study.eviction
        inst = ev["instance"]
        out += [f"### 3. Eviction of the farthest point, and epsilon-level ties: {inst.label}, "
                f"p = 0, spacing 3, {ev['runs']} runs per cell, {ev['rounds']} rounds", "",
                "The chain evicts, among labels equally far from the query's (answer's) label, "
                "a point of label l with probability proportional to its count; the continuous "
                "model evicts the point farthest from the *noisy* query. With fresh points (two "
                "on one side, one on the other) the noisy rule takes one of the two with "
                f"probability {ev['fresh']:.4f} (Monte Carlo, 2e6 samples), not 2/3. "
                "*noisy* and *by label*: the reference re-implementation with label-fraction "
                "weights (at spacing 3 the same as the EM step), ties within a relative 1e-9, "
                "and the model's noisy eviction or the chain's eviction by label (so *by label* "
                "is a Monte Carlo simulation of the chain), on common random numbers (the pair "
                "of runs is identical until the first eviction the rules decide differently). "
                "*discordant*: runs polarized under one rule only; the sign test's share of "
                "noisy-only runs is 1/2 when the rule does not matter. *unequal eviction ties*: "
                "evictions (noisy run) with equally far labels on both sides of the "
                "query/answer and unequal counts; how often the noisy rule took a point of the "
                "larger group, against the chain's probability. *official, 1e-9*: chainlab's "
                "simulator on the same random numbers as *official*, with k-set distances equal "
                "to within a relative 1e-9 made ties: with r = 3 a mixed agent's distances to "
                "agents at the same chain distance differ by a few epsilon (relative ~3e-12 to "
                "6e-12, from the epsilon clip: e.g. (2/3, 1/3, 0) is closer to the pure (1, 0, 0) "
                "than to (1/3, 2/3, 0)), which the continuous model resolves and the chain treats "
                "as ties; the number of k-set choices this changes is given.", "",
                "| ties | chain | official [95% CI] | official, 1e-9 [95% CI]; choices changed "
                "| noisy [95% CI] | by label [95% CI] "
                "| discordant: noisy only / label only; share [95% CI] "
                "| unequal eviction ties: events; took larger (chain) | settled |",
                "|---|---|---|---|---|---|---|---|---|"]
        for t in st["ties"]:
            if (t, "official") not in ev:
                continue
            cv = chain_value(inst, Fraction(0), t).value
            pair = ev[(t, "paired")]
            o9 = ev[(t, "official9")]
            cells = [f"{e.text()} {'✓' if e.contains(cv) else '✗'}"
                     + (f"; {o9.audit.changed}" if e is o9 else "")
                     for e in (ev[(t, "official")], o9, pair.noisy, pair.by_label)]
            settled = min(e.settled for e in (ev[(t, "official")], o9, pair.noisy,
                                              pair.by_label))
            share, lo, hi = pair.sign_test()
            stats = pair.stats
            n_ev = stats.get("events", 0)
            stat_txt = ("none" if not n_ev else
                        f"{n_ev}; {stats['larger'] / n_ev:.3f} "
                        f"({stats['chain_larger'] / n_ev:.3f})")
            out.append(f"| {t} | {cv:.4f} | " + " | ".join(cells)
                       + f" | {pair.only_noisy} / {pair.only_label}; {share:.3f} "
                         f"[{lo:.3f}, {hi:.3f}] | {stat_txt} | >= {_pct(settled)} |")
        out.append("")
    if study.history or study.history_note:
        out += ["### 4. Ties decided by rounding (spacing 3, p = 0, index ties)", ""]
        if study.history_note:
            out.append(f"Not run: {study.history_note}.")
        else:
            out += ["Rows: `chainlab/continuous.py` of commit "
                    f"{HISTORY_COMMIT} (before commit 43a4674; loaded with `git show`), and the "
                    "current simulator with its float64 row sums (`_row_sums`, a matrix product "
                    "with a vector of ones) replaced by `ndarray.sum(axis=-1)` -- the same sums, "
                    "rounded differently (`numpy_row_sums` in this script). Each as is and with "
                    "k-set ties up to rounding (relative 1e-12) made exact; same seeds as table 1.",
                    "",
                    "| simulator | instance | chain, index | as is [95% CI] | contains | k-set "
                    "audit: changed / choices | snapped [95% CI] | contains |",
                    "|---|---|---|---|---|---|---|---|"]
            insts = [key[0] for key in study.history if isinstance(key[0], Instance)]
            for source, prefix in ((f"{HISTORY_COMMIT}", ()), ("current, numpy row sums",
                                                               ("numpy-sum",))):
                for inst in dict.fromkeys(insts):
                    a = study.history.get(prefix + (inst, False))
                    b = study.history.get(prefix + (inst, True))
                    if a is None or b is None:
                        continue
                    cv = chain_value(inst, Fraction(0), "index")
                    out.append(f"| {source} | {inst.label} | {cv.text()} | {a.text()} "
                               f"| {_yes(a.contains(cv.value))} "
                               f"| {a.audit.changed} / {a.audit.decisions} | {b.text()} "
                               f"| {_yes(b.contains(cv.value))} |")
            if ("repro", "old") in study.history:
                a, b = study.history[("repro", "old")], study.history[("repro", "current")]
                out += ["", "The measurement that opened this study, `simulate_gmm(agents=4, "
                        "components=4, memory=2, neighbours=1, num_rounds=200, num_samples=2000, spacing=3, "
                        f"ties=\"index\", rng=1)`: simulator of {HISTORY_COMMIT} {a.text()}; "
                        f"current simulator {b.text()}; chain "
                        f"{chain_value(Instance(4, 4, 2, 1), Fraction(0), 'index').text()}."]
        out.append("")
    out.append(END)
    return "\n".join(out) + "\n"


PLACEHOLDER = """# Fidelity of the discretized GMM chain to the continuous model

(The findings are written by hand above or below the generated block; regenerating the tables
keeps them.)

"""


def write_report(path: str | os.PathLike, generated: str) -> None:
    """Replace the generated block of ``path`` (or create the file), atomically."""
    path = Path(path)
    old = path.read_text() if path.exists() else PLACEHOLDER
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + generated.rstrip("\n") + tail
    else:
        text = old.rstrip("\n") + "\n\n" + generated
    write_text(path, text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=None,
                        help="runs per cell (default 2000; 300 with --quick)")
    parser.add_argument("--rounds", type=int, default=None,
                        help="horizon in rounds (default 60; 40 with --quick)")
    parser.add_argument("--seed", type=int, default=2026, help="master seed (default 2026)")
    parser.add_argument("--quick", action="store_true",
                        help="two instances, p = 0, fewer runs, no confirmations, no "
                             "history: < 1 minute")
    parser.add_argument("--history", dest="history", action="store_true", default=None,
                        help=f"also re-run the simulator of commit {HISTORY_COMMIT} (via git "
                             "show) and the current one with numpy row sums (default: on "
                             "unless --quick)")
    parser.add_argument("--no-history", dest="history", action="store_false")
    parser.add_argument("--out", default="docs/fidelity.md", help="markdown file to update")
    args = parser.parse_args(argv)
    runs = args.runs if args.runs is not None else (300 if args.quick else 2000)
    rounds = args.rounds if args.rounds is not None else (40 if args.quick else 60)
    if runs < 1 or rounds < 1:
        parser.error("--runs and --rounds must be >= 1")
    history = (not args.quick) if args.history is None else args.history
    instances = QUICK_INSTANCES if args.quick else FULL_INSTANCES
    deco = QUICK_DECOMPOSITION if args.quick else FULL_DECOMPOSITION
    study = run_study(instances, runs=runs, rounds=rounds, seed=args.seed, decomposition=deco,
                      eviction_runs=3000 if args.quick else None,
                      confirm_factor=0 if args.quick else 10,
                      history=FULL_HISTORY if history else ())
    command = "python docs/studies/fidelity.py " + " ".join(
        shlex.quote(a) for a in (sys.argv[1:] if argv is None else list(argv)))
    write_report(args.out, render(study, command.strip()))
    _log(f"wrote {args.out} ({study.seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
