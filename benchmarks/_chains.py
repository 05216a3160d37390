"""Benchmark chains, written as Storm DRN files and PRISM explicit files.

Every chain here is a discrete-time Markov chain kept in one compact form,
:class:`BenchChain`: transitions as three numpy arrays in CSR order (source
state, target state, index into a small table of exact
:class:`fractions.Fraction` probabilities).  Because each family uses only a
handful of distinct probabilities, the same object gives

* an exact DRN file (probabilities written as ``p/q``) for Storm's exact
  engine, or a float DRN file,
* PRISM explicit ``.tra`` / ``.lab`` / ``.srew`` files,
* a ``scipy.sparse.csr_array`` of the float transition matrix,

and the generators are vectorised, so a 1000 x 1000 grid (10^6 states) is
built in about a second.

Conventions shared by all chains (and relied on by ``_storm.py``):

* label ``init`` on the initial state;
* label ``absorbing`` on every absorbing state (self-loop with probability 1);
* label ``goal`` on the target states of the reachability query
  (the grid walk also carries ``top``, the same set);
* one reward model, ``steps``: state reward 1 on every non-absorbing state and
  0 on absorbing ones, so ``R{"steps"}=? [F "absorbing"]`` is the expected
  number of steps until absorption.

Families:

* :func:`gamblers_ruin` -- states ``0..N``, up with probability ``p``
  (default 2/5), down with ``1 - p``, absorbing at 0 and N, goal = {N}.
* :func:`grid_walk` -- an ``m x m`` grid, state ``(x, y)`` has index
  ``y * m + x``; boundary cells are absorbing, so the ``(m - 2)**2`` interior
  cells are the transient states.  From an interior cell the walk moves
  up (``y + 1``) / down / left / right with probabilities
  :data:`GRID_PROBS` = (3/10, 1/5, 1/4, 1/4) by default -- deliberately not
  uniform, so the solution has no symmetry to hide errors behind (pass
  ``probs=UNIFORM_GRID_PROBS`` for the symmetric walk).  ``top`` / ``goal`` =
  the cells with ``y = m - 1`` (corners included; corners are unreachable).
* :func:`scc_chain` -- thousands of small cycles (3..10 states each); every
  state moves round its cycle with probability ``1 - leak`` and leaks with
  probability ``leak`` to a random state of one of the next ``window`` cycles
  (leaks past the last cycle go to one of a few absorbing states).  Every cycle
  is one bottom-free SCC, so a topological solver sees many small SCCs.
  ``goal`` = absorbing state 0.

For large float benchmarks use :func:`grid_walk_csr` (or ``chain.to_csr()``)
and write files with ``exact=False``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np
import scipy.sparse as sp

F = Fraction

#: Default grid-walk move probabilities (up, down, left, right).
GRID_PROBS: tuple[Fraction, Fraction, Fraction, Fraction] = (F(3, 10), F(1, 5), F(1, 4), F(1, 4))
#: The symmetric walk.
UNIFORM_GRID_PROBS: tuple[Fraction, Fraction, Fraction, Fraction] = (F(1, 4),) * 4


@dataclass
class BenchChain:
    """A DTMC in CSR order with probabilities drawn from a small exact table.

    ``src``/``dst``/``pidx`` have one entry per transition, sorted by ``src``;
    the probability of transition ``k`` is ``probs[pidx[k]]``.  ``labels`` maps
    a label name to a sorted int array of states.
    """

    name: str
    n: int
    src: np.ndarray
    dst: np.ndarray
    pidx: np.ndarray
    probs: tuple[Fraction, ...]
    init: int
    labels: dict[str, np.ndarray] = field(default_factory=dict)
    info: dict = field(default_factory=dict)

    @property
    def nnz(self) -> int:
        return int(self.src.size)

    @property
    def indptr(self) -> np.ndarray:
        return np.searchsorted(self.src, np.arange(self.n + 1)).astype(np.int64)

    def absorbing_mask(self) -> np.ndarray:
        mask = np.zeros(self.n, dtype=bool)
        mask[self.labels["absorbing"]] = True
        return mask

    def label_mask(self, label: str) -> np.ndarray:
        mask = np.zeros(self.n, dtype=bool)
        mask[self.labels[label]] = True
        return mask

    def float_probs(self) -> np.ndarray:
        return np.array([float(p) for p in self.probs])[self.pidx]

    def to_csr(self) -> sp.csr_array:
        """The float64 transition matrix (rows = source states)."""
        return sp.csr_array((self.float_probs(), self.dst.astype(np.int64), self.indptr), shape=(self.n, self.n))

    def rows_exact(self) -> list[dict[int, Fraction]]:
        """The exact transition matrix as a list of ``{target: probability}`` rows (small chains only)."""
        rows: list[dict[int, Fraction]] = [{} for _ in range(self.n)]
        for s, t, k in zip(self.src.tolist(), self.dst.tolist(), self.pidx.tolist()):
            rows[s][t] = rows[s].get(t, F(0)) + self.probs[k]
        return rows

    def check(self) -> None:
        """Assert that rows are stochastic (exactly) and arrays are consistent."""
        assert self.src.shape == self.dst.shape == self.pidx.shape
        assert np.all(np.diff(self.src) >= 0), "transitions must be sorted by source"
        # exact row sums: group by (row, prob index) and count
        assert not np.any((np.diff(self.src) == 0) & (np.diff(self.dst) == 0)), "duplicate transition"
        for p in self.probs:
            assert 0 < p <= 1, p
        counts = np.zeros((self.n, len(self.probs)), dtype=np.int64)
        np.add.at(counts, (self.src, self.pidx), 1)
        for row in np.unique(counts, axis=0):
            assert sum(int(c) * p for c, p in zip(row, self.probs)) == 1, f"row pattern {row} not stochastic"
        assert 0 <= self.init < self.n


def _prob_table(values) -> tuple[tuple[Fraction, ...], dict[Fraction, int]]:
    table = tuple(sorted(set(F(v) for v in values)))
    return table, {p: i for i, p in enumerate(table)}


def _finish(name, n, src, dst, probs_of_edge_kind, kind, init, labels, info) -> BenchChain:
    """Sort edges into CSR order and map edge kinds to probability indices."""
    order = np.lexsort((dst, src))
    table, index = _prob_table(probs_of_edge_kind)
    kind_to_pidx = np.array([index[F(p)] for p in probs_of_edge_kind], dtype=np.int32)
    pidx = kind_to_pidx[kind[order]]
    labels = {k: np.unique(np.asarray(v, dtype=np.int64)) for k, v in labels.items()}
    return BenchChain(name, int(n), src[order].astype(np.int64), dst[order].astype(np.int64), pidx, table, int(init), labels, info)


# --------------------------------------------------------------------------- families


def gamblers_ruin(N: int, p: Fraction = F(2, 5), init: int = 1) -> BenchChain:
    """Gambler's ruin on ``0..N``: up with probability ``p``, absorbing at 0 and N, goal = {N}."""
    p = F(p)
    if N < 2 or not 0 < p < 1:
        raise ValueError("need N >= 2 and 0 < p < 1")
    i = np.arange(1, N, dtype=np.int64)
    ends = np.array([0, N], dtype=np.int64)
    src = np.concatenate([i, i, ends])
    dst = np.concatenate([i + 1, i - 1, ends])
    kind = np.concatenate([np.zeros(N - 1, np.int8), np.ones(N - 1, np.int8), np.full(2, 2, np.int8)])
    return _finish(
        f"ruin_N{N}", N + 1, src, dst, (p, 1 - p, F(1)), kind, init,
        {"init": [init], "absorbing": ends, "goal": [N]},
        {"family": "gamblers_ruin", "N": N, "p": p},
    )


def gamblers_ruin_closed_form(N: int, p: Fraction = F(2, 5)) -> tuple[list[Fraction], list[Fraction]]:
    """Exact ``P(reach N)`` and expected duration for every start state ``0..N`` (p != 1/2).

    ``h_i = (r^i - 1) / (r^N - 1)`` with ``r = q/p``, and
    ``t_i = (i - N h_i) / (q - p)``.
    """
    p = F(p)
    q = 1 - p
    if p == q:
        return [F(i, N) for i in range(N + 1)], [F(i * (N - i)) for i in range(N + 1)]
    r = q / p
    rN1 = r**N - 1
    h, t = [], []
    ri = F(1)
    for i in range(N + 1):
        hi = (ri - 1) / rN1
        h.append(hi)
        t.append((i - N * hi) / (q - p))
        ri *= r
    return h, t


def _grid_edges(m: int, probs):
    if m < 3:
        raise ValueError("need m >= 3")
    probs = tuple(F(v) for v in probs)
    if len(probs) != 4 or sum(probs) != 1 or min(probs) <= 0:
        raise ValueError("probs must be 4 positive fractions (up, down, left, right) summing to 1")
    xs, ys = np.meshgrid(np.arange(m, dtype=np.int64), np.arange(m, dtype=np.int64), indexing="xy")
    idx = (ys * m + xs).ravel()
    x, y = xs.ravel(), ys.ravel()
    boundary = (x == 0) | (y == 0) | (x == m - 1) | (y == m - 1)
    inner = idx[~boundary]
    bnd = idx[boundary]
    k = inner.size
    src = np.concatenate([np.repeat(inner, 4), bnd])
    dst = np.concatenate([np.stack([inner + m, inner - m, inner - 1, inner + 1], axis=1).ravel(), bnd])
    kind = np.concatenate([np.tile(np.arange(4, dtype=np.int8), k), np.full(bnd.size, 4, np.int8)])
    top = np.arange((m - 1) * m, m * m, dtype=np.int64)
    return probs, src, dst, kind, bnd, top


def grid_walk(m: int, probs=GRID_PROBS, init: tuple[int, int] | None = None) -> BenchChain:
    """2-D walk on an ``m x m`` grid absorbed at the boundary; goal/top = top edge (``y = m-1``).

    State ``(x, y)`` has index ``y * m + x``; ``init`` defaults to the centre ``(m//2, m//2)``.
    """
    probs, src, dst, kind, bnd, top = _grid_edges(m, probs)
    x0, y0 = init if init is not None else (m // 2, m // 2)
    init_idx = y0 * m + x0
    return _finish(
        f"grid_m{m}", m * m, src, dst, probs + (F(1),), kind, init_idx,
        {"init": [init_idx], "absorbing": bnd, "top": top, "goal": top},
        {"family": "grid_walk", "m": m, "probs": probs},
    )


def grid_walk_csr(m: int, probs=GRID_PROBS) -> sp.csr_array:
    """Float64 transition matrix of :func:`grid_walk` directly (10^6 states in well under a second)."""
    probs, src, dst, kind, _, _ = _grid_edges(m, probs)
    val = np.array([float(p) for p in probs] + [1.0])[kind]
    return sp.csr_array(sp.coo_array((val, (src, dst)), shape=(m * m, m * m)).tocsr())


def scc_chain(
    n_cycles: int = 5000,
    min_size: int = 3,
    max_size: int = 10,
    leaks=(F(1, 20), F(1, 10), F(1, 5), F(1, 2)),
    window: int = 5,
    n_absorbing: int = 3,
    seed: int = 0,
) -> BenchChain:
    """Many small cycles, each leaking forward into the next ``window`` cycles, then absorbing states.

    Cycle ``c`` has a random size in ``[min_size, max_size]`` and a leak
    probability drawn from ``leaks``; each of its states goes to the next state
    of the cycle with probability ``1 - leak`` and with probability ``leak`` to a
    random state of cycle ``c + d`` (``d`` uniform in ``1..window``), or to a
    random absorbing state when ``c + d >= n_cycles``.  States are numbered
    cycle by cycle, then the ``n_absorbing`` absorbing states; init = 0,
    goal = the first absorbing state.
    """
    rng = np.random.default_rng(seed)
    leaks = tuple(F(v) for v in leaks)
    sizes = rng.integers(min_size, max_size + 1, n_cycles)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    nt = int(offsets[-1])
    n = nt + n_absorbing
    cyc = np.repeat(np.arange(n_cycles), sizes)
    pos = np.arange(nt) - offsets[cyc]
    nxt = offsets[cyc] + (pos + 1) % sizes[cyc]
    leak_kind = rng.integers(0, len(leaks), n_cycles)[cyc]
    tc = cyc + rng.integers(1, window + 1, nt)
    u = rng.random(nt)
    inside = tc < n_cycles
    tcc = np.minimum(tc, n_cycles - 1)
    target = np.where(
        inside,
        offsets[tcc] + np.floor(u * sizes[tcc]).astype(np.int64),
        nt + np.floor(u * n_absorbing).astype(np.int64),
    )
    states = np.arange(nt, dtype=np.int64)
    absorbing = np.arange(nt, n, dtype=np.int64)
    L = len(leaks)
    # kinds: 0..L-1 -> stay-in-cycle prob (1 - leaks[k]); L..2L-1 -> leak prob leaks[k]; 2L -> 1
    kind_probs = tuple(1 - l for l in leaks) + leaks + (F(1),)
    src = np.concatenate([states, states, absorbing])
    dst = np.concatenate([nxt, target, absorbing])
    kind = np.concatenate([leak_kind, leak_kind + L, np.full(n_absorbing, 2 * L)]).astype(np.int16)
    return _finish(
        f"scc_c{n_cycles}_s{seed}", n, src, dst, kind_probs, kind, 0,
        {"init": [0], "absorbing": absorbing, "goal": [nt]},
        {"family": "scc_chain", "n_cycles": n_cycles, "n_transient": nt, "seed": seed},
    )


# --------------------------------------------------------------------------- writers


def _fmt_prob(p: Fraction, exact: bool) -> str:
    if exact:
        return str(p.numerator) if p.denominator == 1 else f"{p.numerator}/{p.denominator}"
    return repr(float(p))


def _state_label_strings(chain: BenchChain) -> np.ndarray:
    """Per state: the space-prefixed label list, e.g. ``" init"`` or ``" absorbing goal"``."""
    out = np.full(chain.n, "", dtype=object)
    for name in sorted(chain.labels):
        out[chain.labels[name]] = out[chain.labels[name]] + (" " + name)
    return out


def _steps_reward(chain: BenchChain) -> np.ndarray:
    return (~chain.absorbing_mask()).astype(np.int8)


def _interleave(headers: np.ndarray, rows: np.ndarray, indptr: np.ndarray) -> list[str]:
    """Lines in order: header of state i, then its rows (CSR order)."""
    n = headers.size
    out = np.empty(n + rows.size, dtype=object)
    hpos = indptr[:-1] + np.arange(n)
    mask = np.ones(out.size, dtype=bool)
    mask[hpos] = False
    out[hpos] = headers
    out[mask] = rows
    return out.tolist()


def _edge_lines(chain: BenchChain, exact: bool, prefix: str, with_src: bool, sep: str = " ") -> np.ndarray:
    pstr = np.array([sep + _fmt_prob(p, exact) + "\n" for p in chain.probs], dtype=object)
    dst = chain.dst.astype(str).astype(object)
    lines = dst + pstr[chain.pidx]
    if with_src:
        lines = chain.src.astype(str).astype(object) + " " + lines
    return (prefix + lines) if prefix else lines


def write_drn(chain: BenchChain, path: str | os.PathLike, *, exact: bool = True) -> Path:
    """Write ``chain`` as a Storm DRN file (``@value_type: rational`` with ``p/q`` if exact, else doubles)."""
    path = Path(path)
    header = [
        "// chainlab benchmark chain " + chain.name,
        "@type: DTMC",
        "@value_type: " + ("rational" if exact else "double"),
        "@parameters",
        "",
        "@reward_models",
        "steps",
        "@nr_states",
        str(chain.n),
        "@nr_choices",
        str(chain.n),
        "@model",
    ]
    labels = _state_label_strings(chain)
    rew = _steps_reward(chain).astype(str).astype(object)
    sid = np.arange(chain.n).astype(str).astype(object)
    heads = "state " + sid + " [" + rew + "]" + labels + "\n\taction 0\n"
    rows = _edge_lines(chain, exact, "\t\t", with_src=False, sep=" : ")
    with open(path, "w") as f:
        f.write("\n".join(header) + "\n")
        f.write("".join(_interleave(heads, rows, chain.indptr)))
    return path


def write_prism_explicit(chain: BenchChain, base: str | os.PathLike, *, exact: bool = False) -> dict[str, Path]:
    """Write PRISM explicit files ``base.tra``, ``base.lab`` and ``base.srew`` (reward ``steps``).

    ``.tra``: first line ``n nnz``, then ``i j p``; ``.lab``: the declaration
    line ``0="init" 1="deadlock" 2="absorbing" ...`` then ``i: k1 k2``;
    ``.srew``: ``n nz`` then ``i r``.  Probabilities are doubles (``repr``, which
    round-trips) unless ``exact`` (``p/q``, which PRISM's documented format does
    not promise to read).  Load with ``prism -importmodel base.tra,lab,srew -dtmc``.
    (Storm's own explicit parser wants a different, MRMC-style format: use the
    DRN file with Storm.)
    """
    base = Path(base)
    paths = {ext: base.with_name(base.name + "." + ext) for ext in ("tra", "lab", "srew")}
    with open(paths["tra"], "w") as f:
        f.write(f"{chain.n} {chain.nnz}\n")
        f.write("".join(_edge_lines(chain, exact, "", with_src=True).tolist()))
    names = ["init", "deadlock"] + sorted(k for k in chain.labels if k != "init")
    per_state = [[] for _ in range(chain.n)]
    for k, name in enumerate(names):
        if name in chain.labels:
            for s in chain.labels[name].tolist():
                per_state[s].append(str(k))
    with open(paths["lab"], "w") as f:
        f.write(" ".join(f'{k}="{name}"' for k, name in enumerate(names)) + "\n")
        f.write("".join(f"{s}: {' '.join(ks)}\n" for s, ks in enumerate(per_state) if ks))
    rew = _steps_reward(chain)
    nzs = np.flatnonzero(rew)
    with open(paths["srew"], "w") as f:
        f.write(f"{chain.n} {nzs.size}\n")
        f.write("".join((nzs.astype(str).astype(object) + " 1\n").tolist()))
    return paths


def write_all(chain: BenchChain, directory: str | os.PathLike, *, exact: bool = True, prism_exact: bool = False) -> dict[str, Path]:
    """Write ``<name>.drn`` (exact ``p/q`` unless ``exact=False``) plus PRISM explicit files into ``directory``.

    PRISM's explicit format documents floating-point probabilities, so the
    ``.tra`` file gets doubles unless ``prism_exact``.  Returns
    ``{"drn": ..., "tra": ..., "lab": ..., "srew": ...}``.
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    paths = {"drn": write_drn(chain, d / f"{chain.name}.drn", exact=exact)}
    paths.update(write_prism_explicit(chain, d / chain.name, exact=prism_exact))
    return paths
