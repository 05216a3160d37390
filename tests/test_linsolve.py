"""The exact block solvers of ``chainlab._linalg.linsolve``: fraction-free sparse LU, Dixon tail,
partial solves -- each checked against the rational LU, closed forms and the float backend."""

from __future__ import annotations

import random
from fractions import Fraction as F

import numpy as np
import pytest
from flint import fmpq, fmpz, fmpz_mat
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chainlab import Chain, exact, numeric
from chainlab._linalg import linsolve as _linsolve
from chainlab._linalg import modular
from chainlab._linalg import padic as _padic
from chainlab.errors import SpecError
from chainlab.strategies import reducible_chains

TAILS = ["sparse", "half", "dense"]  # how much of each big block the dense Dixon tail takes


@pytest.fixture
def big_blocks(monkeypatch):
    """Every strong component, even a single state, goes to the fraction-free solver."""
    monkeypatch.setattr(_linsolve, "BIG", 1)


def _force_tail(monkeypatch, tail: str):
    if tail == "sparse":
        monkeypatch.setattr(_linsolve, "_plan_tail", lambda struct, *a: (0, 0.0))
    elif tail == "half":
        monkeypatch.setattr(_linsolve, "_plan_tail", lambda struct, *a: (len(struct) // 2, 0.0))
    else:
        monkeypatch.setattr(_linsolve, "_plan_tail", lambda struct, *a: (len(struct), 0.0))


def gamblers_ruin(N: int, p: F) -> Chain:
    tr = [(0, 0, 1), (N, N, 1)]
    tr += [(i, i + 1, p) for i in range(1, N)] + [(i, i - 1, 1 - p) for i in range(1, N)]
    return Chain.from_transitions(N + 1, tr, initial=1, labels={"win": [N]})


def ruin_win(N: int, p: F, i: int) -> F:
    r = (1 - p) / p
    return F(i, N) if r == 1 else (r**i - 1) / (r**N - 1)


def ruin_duration(N: int, p: F, i: int) -> F:
    if p == F(1, 2):
        return F(i * (N - i))
    return (i - N * ruin_win(N, p, i)) / (1 - 2 * p)


def grid_walk(m: int, probs=(F(3, 10), F(1, 5), F(1, 4), F(1, 4))) -> Chain:
    """The benchmark walk: interior of an m x m grid, absorbed at the boundary; goal = top edge."""
    up, down, left, right = probs
    tr = []
    for y in range(m):
        for x in range(m):
            i = y * m + x
            if x in (0, m - 1) or y in (0, m - 1):
                tr.append((i, i, 1))
            else:
                tr += [(i, i + m, up), (i, i - m, down), (i, i - 1, left), (i, i + 1, right)]
    top = [(m - 1) * m + x for x in range(m)]
    return Chain.from_transitions(m * m, tr, initial=(m // 2) * m + m // 2, labels={"goal": top})


def _rational_reference(chain: Chain, monkeypatch, fn):
    """``fn(chain)`` with every block on the old rational LU (BIG larger than any chain)."""
    with monkeypatch.context() as mp:
        mp.setattr(_linsolve, "BIG", 10**9)
        mp.setattr(_padic, "MIN_STATES", 10**9)
        chain._cache.clear()
        out = fn(chain)
    chain._cache.clear()
    return out


# --------------------------------------------------------------------------- known answers
@pytest.mark.parametrize("tail", TAILS)
@pytest.mark.parametrize("N,p", [(70, F(2, 5)), (80, F(1, 2)), (100, F(3, 5))],
                         ids=["N70-p2/5", "N80-fair", "N100-p3/5"])
def test_ruin_closed_form_fraction_free(monkeypatch, tail, N, p):
    _force_tail(monkeypatch, tail)
    res = exact.absorption(gamblers_ruin(N, p))
    for i in range(N + 1):
        assert res.B[i, 1] == ruin_win(N, p, i)
        assert res.t[i] == ruin_duration(N, p, i)


@pytest.mark.parametrize("tail", TAILS)
def test_grid_agrees_with_rational_lu_and_float(monkeypatch, tail):
    _force_tail(monkeypatch, tail)
    c = grid_walk(11)  # 81 interior states: one big block
    hit = exact.hitting(c, "goal").probabilities
    t = exact.absorption(c, probabilities=False, variance=True)
    ref_hit = _rational_reference(c, monkeypatch, lambda ch: exact.hitting(ch, "goal").probabilities)
    ref_t = _rational_reference(c, monkeypatch,
                                lambda ch: exact.absorption(ch, probabilities=False, variance=True))
    assert hit.tolist() == ref_hit.tolist()
    assert t.t.tolist() == ref_t.t.tolist() and t.variance.tolist() == ref_t.variance.tolist()
    f = numeric.hitting(c, "goal").probabilities
    assert np.allclose(hit.astype(float), f, rtol=1e-12, atol=0)


def test_grid_one_step_equations_exactly():
    # default tail choice (cost model) on a block big enough to get a dense tail
    m = 30
    c = grid_walk(m)
    h = exact.hitting(c, "goal").probabilities
    t = exact.absorption(c, probabilities=False, variance=False).t
    P = {(i, j): v for i, j, v in c.transitions()}
    for i in range(c.num_states):
        x, y = i % m, i // m
        if 0 < x < m - 1 and 0 < y < m - 1:
            nb = [j for j in (i + m, i - m, i - 1, i + 1)]
            assert h[i] == sum(P[i, j] * h[j] for j in nb)
            assert t[i] == 1 + sum(P[i, j] * t[j] for j in nb)
        else:
            assert h[i] == (1 if y == m - 1 else 0) and t[i] == 0


# --------------------------------------------------------------------------- differential
@settings(max_examples=30)
@given(reducible_chains(max_transient=5), st.sampled_from(TAILS))
def test_fraction_free_equals_rational_on_random_chains(c, tail):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_linsolve, "BIG", 1)
        _force_tail(mp, tail)
        c._cache.clear()
        a = exact.absorption(c)
        s = exact.stationary(c)
        v = exact.expected_visits(c, list(a.states[np.asarray(a.t) > 0][:2])) \
            if any(x > 0 for x in a.t) else None
        mp.setattr(_linsolve, "BIG", 10**9)
        c._cache.clear()
        a2 = exact.absorption(c)
        s2 = exact.stationary(c)
        v2 = exact.expected_visits(c, list(a2.states[np.asarray(a2.t) > 0][:2])) \
            if v is not None else None
    assert a.B.tolist() == a2.B.tolist()
    assert a.t.tolist() == a2.t.tolist() and a.variance.tolist() == a2.variance.tolist()
    for x, y in zip(s.distributions, s2.distributions):
        assert x.tolist() == y.tolist()
    if v is not None:
        assert v.N_rows.tolist() == v2.N_rows.tolist()


def test_nonsymmetric_pattern_rescaled_rows(monkeypatch, big_blocks):
    # a directed cycle with chords: the symmetric elimination tree has rows that are
    # structurally next to a pivot but numerically independent of it (pure rescaling)
    n = 40
    tr = []
    for i in range(n):
        tr += [(i, (i + 1) % n, F(1, 2)), (i, n, F(1, 4))]
        tr.append((i, (i + 7) % n, F(1, 4)) if i % 3 else (i, (i + 2) % n, F(1, 4)))
    tr.append((n, n, 1))
    c = Chain.from_transitions(n + 1, tr, initial=0)
    for tail in TAILS:
        _force_tail(monkeypatch, tail)
        c._cache.clear()
        t = exact.absorption(c).t
        ref = _rational_reference(c, monkeypatch, lambda ch: exact.absorption(ch).t)
        assert t.tolist() == ref.tolist()


# --------------------------------------------------------------------------- partial solves
@pytest.mark.parametrize("tail", TAILS)
@pytest.mark.parametrize("start", [1, 37, 99])
def test_restrict_initial_matches_full_and_closed_form(monkeypatch, tail, start):
    _force_tail(monkeypatch, tail)
    N, p = 100, F(2, 5)
    c = gamblers_ruin(N, p).with_initial(start)
    r = exact.absorption(c, restrict="initial", variance=False)
    assert r.states.tolist() == [start]
    assert r.B[0].tolist() == [1 - ruin_win(N, p, start), ruin_win(N, p, start)]
    assert r.initial_B.tolist() == r.B[0].tolist()
    assert r.t[0] == r.initial_t == ruin_duration(N, p, start)
    full = exact.absorption(c, variance=True)
    rv = exact.absorption(c, restrict="initial")
    assert rv.variance[0] == full.variance[start]


@pytest.mark.parametrize("backend", [exact, numeric], ids=["exact", "float"])
def test_restrict_initial_distribution_several_states(backend):
    c = grid_walk(12).with_initial({13: F(1, 2), 40: F(1, 4), 0: F(1, 4)})  # 0 is absorbing
    r = backend.absorption(c, restrict="initial", variance=False)
    full = backend.absorption(c, variance=False)
    assert r.states.tolist() == [0, 13, 40]
    for row, i in enumerate(r.states):
        assert np.allclose(np.asarray(r.B[row], float), np.asarray(full.B[i], float),
                           rtol=1e-13, atol=0)
        assert np.isclose(float(r.t[row]), float(full.t[i]), rtol=1e-13)
    if backend is exact:
        assert r.initial_t == full.initial_t and r.initial_B.tolist() == full.initial_B.tolist()


def test_restrict_initial_needs_initial():
    with pytest.raises(SpecError, match="initial"):
        exact.absorption(Chain([[1]]), restrict="initial")
    with pytest.raises(SpecError, match="restrict"):
        exact.absorption(gamblers_ruin(3, F(1, 2)), restrict="some")


# --------------------------------------------------------------------------- Dixon and helpers
def _random_m_matrix(K: int, rng: random.Random) -> list[dict[int, fmpz]]:
    rows = []
    for i in range(K):
        row = {j: fmpz(-rng.randint(1, 9)) for j in rng.sample(range(K), min(K, 4)) if j != i}
        row[i] = fmpz(sum(-v for v in row.values()) + rng.randint(1, 5))
        rows.append(row)
    return rows


@pytest.mark.parametrize("K", [1, 5, 40])
def test_dense_tail_matches_flint(K):
    rng = random.Random(K)
    rows = _random_m_matrix(K, rng)
    tail = _linsolve._DenseTail(rows, 0)
    cols = [[fmpz(rng.randint(-50, 50)) for _ in range(K)] for _ in range(2)]
    A = fmpz_mat([[row.get(j, 0) for j in range(K)] for row in rows])
    for (nums, den), col in zip(tail.solve(cols), cols):
        X = A.solve(fmpz_mat(K, 1, col))
        assert [fmpq(n, den) for n in nums] == [X[i, 0] for i in range(K)]
    # a second solve reuses the inverse and the denominator hint
    (nums, den), = tail.solve([cols[0]])
    X = A.solve(fmpz_mat(K, 1, cols[0]))
    assert [fmpq(n, den) for n in nums] == [X[i, 0] for i in range(K)]


def test_dense_tail_misleading_hint_and_fallback():
    rng = random.Random(7)
    K = 30
    rows = _random_m_matrix(K, rng)
    tail = _linsolve._DenseTail(rows, 0)
    col = [fmpz(rng.randint(-50, 50)) for _ in range(K)]
    A = fmpz_mat([[row.get(j, 0) for j in range(K)] for row in rows])
    want = [A.solve(fmpz_mat(K, 1, col))[i, 0] for i in range(K)]
    for hint in (fmpz(1), fmpz(2) ** 4000 + 1, fmpz(3)):  # wrong or far too large hints
        tail._den_hint = hint
        (nums, den), = tail.solve([col])
        assert [fmpq(n, den) for n in nums] == want
    (nums, den), = tail._fallback([col])
    assert [fmpq(n, den) for n in nums] == want


def test_dense_tail_small_prime_and_singular_modulus(monkeypatch):
    # det = 3: the prime 3 is rejected (singular), 2 is used: one bit per iteration
    monkeypatch.setattr(_linsolve, "_P60", 3)
    rows = [{0: fmpz(2), 1: fmpz(-1)}, {0: fmpz(-1), 1: fmpz(2)}]
    tail = _linsolve._DenseTail(rows, 0)
    (nums, den), = tail.solve([[fmpz(7), fmpz(-5)]])
    assert tail._p == 2
    assert [fmpq(n, den) for n in nums] == [fmpq(3), fmpq(-1)]


@settings(max_examples=200)
@given(st.integers(1, 2**300), st.integers(1, 2**300), st.integers(0, 2**300),
       st.integers(400, 1300))
@example(3, 7, 0, 64)
def test_ratrecon_recovers_small_fractions(num, den, junk, bits):
    m = fmpz(2) ** bits + 1
    bound = (m // 2).isqrt()
    num, den = fmpz(num % int(bound)) , fmpz(den % int(bound) or 1)
    if den.gcd(m) != 1:
        return
    g = num.gcd(den)
    num, den = num // g if g else num, den // g if g else den
    a = num * pow(int(den), -1, int(m)) % m
    got = modular.wang(a, m, bound)
    assert got == (num, den)
    # any answer for a random residue satisfies the definition
    other = modular.wang(fmpz(junk) % m, m, bound)
    if other is not None:
        n2, d2 = other
        assert 0 < d2 <= bound and abs(n2) <= bound and (n2 - d2 * (fmpz(junk) % m)) % m == 0


def test_plan_tail_model():
    # a path never needs a dense tail; neither does a tiny block
    struct = [{k + 1} for k in range(999)] + [set()]
    assert _linsolve._plan_tail(struct, list(range(1, 1001)), 3.0, 1000, 3000)[0] == 0
    assert _linsolve._plan_tail(struct[:10], list(range(1, 11)), 3.0, 10, 3000) == (0, 0.0)


@pytest.mark.parametrize("N", [20, 40])
def test_small_big_block_with_the_default_plan(big_blocks, N):
    # BIG = 1 and no forced tail: small blocks through the real planner
    res = exact.absorption(gamblers_ruin(N, F(2, 5)))
    assert [res.B[i, 1] for i in range(N + 1)] == [ruin_win(N, F(2, 5), i) for i in range(N + 1)]


def test_wanted_order_far_end_first_on_a_path():
    # the wanted state is an end of the path: elimination from the far end costs less than
    # minimum degree with the wanted state moved last, and the cost model sees it
    s = 200
    rows = np.arange(s - 1)
    order = _linsolve._farthest_first_order(np.r_[rows, rows + 1], np.r_[rows + 1, rows], s,
                                            np.array([0]))
    assert order.tolist() == list(range(s - 1, -1, -1))


# --------------------------------------------------------------------------- p-adic routing
def _spy_padic(monkeypatch) -> list[int]:
    """Record the size of every block that ``_factor`` hands to ``PadicLU``."""
    used: list[int] = []
    real = _padic.PadicLU

    class Spy(real):
        def __init__(self, rows, cols, vals, diag, *args, **kwargs):
            super().__init__(rows, cols, vals, diag, *args, **kwargs)
            used.append(len(diag))

    monkeypatch.setattr(_padic, "PadicLU", Spy)
    return used


@pytest.mark.parametrize("restrict", [False, "initial"])
def test_fill_heavy_block_goes_padic_and_agrees(monkeypatch, restrict):
    """A 20 x 20 grid (fill ~4x the pattern) is routed to PadicLU; values equal the
    fraction-free LU's and the float solve."""
    c = grid_walk(22)  # 400 interior states: one strongly connected block
    used = _spy_padic(monkeypatch)
    res = exact.absorption(c, variance=True, restrict=restrict)
    assert used and max(used) == 400
    with monkeypatch.context() as mp:  # the same solve on the fraction-free LU
        mp.setattr(_padic, "MIN_STATES", 10**9)
        c._cache.clear()
        ref = exact.absorption(c, variance=True, restrict=restrict)
    assert len(used) <= 2  # the p-adic factorisation is reused for the variance solve
    assert res.initial_B.tolist() == ref.initial_B.tolist()
    assert res.initial_t == ref.initial_t
    assert res.variance.tolist() == ref.variance.tolist()
    flt = numeric.absorption(c, variance=True)
    assert abs(float(res.initial_t) - flt.initial_t) <= 1e-10 * flt.initial_t


def test_path_block_stays_on_rational_lu(monkeypatch):
    """Gambler's ruin (fill = pattern, narrow rows) is cheaper on the fraction-free LU."""
    used = _spy_padic(monkeypatch)
    res = exact.absorption(gamblers_ruin(400, F(2, 5)))
    assert not used
    assert res.B[200, 1] == ruin_win(400, F(2, 5), 200)


def test_padic_refusal_falls_back(monkeypatch):
    """When PadicLU refuses a block (ValueError: too wide rows, too big a dense rest) the
    fraction-free LU solves it, with the same values."""
    def refuse(*args, **kwargs):
        raise ValueError("refused for the test")

    c = grid_walk(22)
    ref = exact.hitting(c, "goal").probabilities
    c._cache.clear()
    monkeypatch.setattr(_padic, "PadicLU", refuse)
    assert exact.hitting(c, "goal").probabilities.tolist() == ref.tolist()


# --------------------------------------------------------------------------- CLI formatting
@settings(max_examples=60)
@given(st.integers(-(2**9000), 2**9000), st.integers(1, 2**9000))
@example(-(2**15000) - 1, 3**9000)  # beyond CPython's default 4300-digit limit
@example(7, 1)
def test_cli_fraction_str_matches_str(num, den):
    import sys

    from chainlab.cli._analyze import _fraction_str

    x = F(num, den)
    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        assert _fraction_str(x) == str(x)
    finally:
        sys.set_int_max_str_digits(old)


_exact_values = st.builds(lambda n, d: str(F(n, d)), st.integers(-10**30, 10**30), st.integers(1, 10**30))


_float_values = st.floats(allow_nan=False, allow_infinity=False)


@given(st.dictionaries(st.integers(0, 50).map(str), _exact_values)
       | st.dictionaries(st.integers(0, 50).map(str), _float_values),
       st.dictionaries(st.integers(0, 50).map(str), st.lists(_exact_values, max_size=3))
       | st.dictionaries(st.integers(0, 50).map(str), st.lists(_float_values, max_size=3)),
       st.booleans())
def test_cli_json_fast_path_matches_json_dumps(reach, absorption, with_target):
    import io
    import json

    from chainlab.cli._analyze import _write_json

    out = {"num_states": 51, "num_transitions": 7, "closed_classes": [[0], [3, 4]],
           "transient": [1, 2]}
    if with_target:
        out["reach"] = reach
    else:
        out["absorption"] = absorption
    out["expected_steps"] = reach
    out["method"] = "exact"
    buf = io.StringIO()
    _write_json(out, buf)
    assert json.loads(buf.getvalue()) == out
    assert buf.getvalue() == json.dumps(out) + "\n"


def test_lazy_padic_threshold_matches_padic():
    from chainlab._linalg import padic as _padic

    assert _linsolve._PADIC_MIN_STATES == _padic.MIN_STATES


@settings(max_examples=40, deadline=None)
@given(st.integers(_padic.MIN_STATES, 600), st.data())
def test_tridiagonal_shortcut_is_what_superlu_and_prefer_padic_decide(s, data):
    """The linear solver orders a tridiagonal block naturally and keeps it on the rational LU
    without asking SuperLU: SuperLU's minimum-degree fill of such a block is nnz + 2s, which
    prefer_padic always sends to the rational LU."""
    keep = data.draw(st.lists(st.booleans(), min_size=2 * (s - 1), max_size=2 * (s - 1)))
    i = np.arange(s - 1)
    rows = np.concatenate([i, i + 1])[np.array(keep)]
    cols = np.concatenate([i + 1, i])[np.array(keep)]
    if not len(rows):
        return
    order, fill = _padic.order_and_fill(rows, cols, s)
    assert fill == len(rows) + 2 * s
    assert not _padic.prefer_padic(rows, cols, s, fill)


@pytest.mark.parametrize("N", [100, 1000])  # a big block below and above the p-adic size
def test_birth_death_exact_solve_does_not_import_scipy(N):
    """The tridiagonal shortcut spares an exact birth-death solve SciPy's import (~0.3 s of a
    whole `chainlab analyze --exact` run on gambler's ruin)."""
    import subprocess
    import sys

    code = ("import sys\nfrom fractions import Fraction\n"
            "from chainlab.models.classic import gamblers_ruin\nfrom chainlab import exact\n"
            f"r = exact.absorption(gamblers_ruin({N}, Fraction(2, 5)))\n"
            f"assert r.B.shape == ({N + 1}, 2)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
