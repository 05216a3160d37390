"""Equal equations, equal values (``chainlab._linalg.topo.classifier``): exact solves that solve
each class of states with the same equation once give exactly the values of solving every
state, on chains built to repeat equations (replicated templates, identical cycles)."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from chainlab import Chain, exact
from chainlab._linalg import linsolve as _linsolve
from chainlab._linalg import topo

needs_c = pytest.mark.skipif(topo._cgraph is None, reason="the C extensions are not built")

_PROBS = st.sampled_from([F(1, 2), F(1, 3), F(1, 4), F(2, 5), F(1, 10), F(7, 10)])


@st.composite
def replicated_chains(draw):
    """``k`` template states, each replicated ``r`` times: every replica of template ``t`` has
    the template's distribution over templates, each target template's mass sent to a random
    replica of it (or split over several), so that replicas have equal equations over states
    of equal values. Templates 0 and 1 are absorbing; ``goal`` = the replicas of 0."""
    k = draw(st.integers(3, 6))
    r = draw(st.integers(1, 4))
    trans = []
    for t in range(2, k):
        targets = draw(st.lists(st.integers(0, k - 1), min_size=1, max_size=3))
        weights = [draw(_PROBS) for _ in targets]
        total = sum(weights)
        for rep in range(r):
            i = t * r + rep
            for u, w in zip(targets, weights):
                p = w / total
                if draw(st.booleans()) and r > 1:  # the mass split over two replicas of u
                    a, b = draw(st.integers(0, r - 1)), draw(st.integers(0, r - 1))
                    trans += [(i, u * r + a, p / 2), (i, u * r + b, p / 2)]
                else:
                    trans.append((i, u * r + draw(st.integers(0, r - 1)), p))
    for rep in range(2 * r):
        trans.append((rep, rep, F(1)))
    # merge duplicate (i, j) pairs
    merged: dict[tuple[int, int], F] = {}
    for i, j, p in trans:
        merged[(i, j)] = merged.get((i, j), F(0)) + p
    return Chain.from_transitions(k * r, [(i, j, p) for (i, j), p in merged.items()],
                                  labels={"goal": list(range(r))}, exact=True)


def _unshared(monkeypatch, fn):
    with monkeypatch.context() as mp:
        mp.setattr(topo, "classifier", lambda *a: None)
        return fn()


def _solve_both(c, monkeypatch):
    def run():
        c._cache.clear()
        hit = exact.hitting(c, "goal")
        ab = exact.absorption(c, variance=True)
        return (hit.probabilities.tolist(), [str(x) for x in hit.expected_times],
                ab.B.tolist(), ab.t.tolist(), ab.variance.tolist())

    shared = run()
    plain = _unshared(monkeypatch, run)
    c._cache.clear()
    return shared, plain


@needs_c
@settings(deadline=None, max_examples=150)
@given(replicated_chains())
def test_LIN_3(c):
    # shared classes give the values of solving every state
    mp = pytest.MonkeyPatch()
    try:
        shared, plain = _solve_both(c, mp)
    finally:
        mp.undo()
    assert shared == plain
    # and they solve the one-step equations h = P h off the goal (h = 1 on it), t = 1 + P t
    # at transient states
    h, t = shared[0], shared[3]
    rows: dict[int, list[tuple[int, F]]] = {}
    for i, j, p in c.transitions():
        rows.setdefault(i, []).append((j, p))
    for i in range(c.num_states):
        if i not in c.labels["goal"]:
            assert h[i] == sum(p * h[j] for j, p in rows[i])
        if t[i] != 0:
            assert t[i] == 1 + sum(p * t[j] for j, p in rows[i])


def _classes(ptr, cols, vals, b, fractions=True, copies=None):
    """The first state of each state's class (structural keys only) of a small system given
    as CSR lists (singletons in index order unless ``copies`` gives the steps)."""
    from flint import fmpq

    ptr = np.asarray(ptr, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    m = len(ptr) - 1
    v = np.empty(len(vals), dtype=object)
    v[:] = [fmpq(x.numerator, x.denominator) for x in vals]
    steps = copies if copies is not None else [("scalar", np.arange(m, dtype=np.int64))]
    share = topo.Sharing(steps, m, topo.value_ids(v), np.full(m, -1, dtype=np.int64))
    if not fractions:
        share.fractions = None
    bb = np.empty((m, 1), dtype=object)
    bb[:, 0] = [fmpq(x.numerator, x.denominator) for x in b]
    clf, _ = topo.classifier(ptr, cols, share, bb)
    for _, states in steps:
        clf.classify(np.ascontiguousarray(states.ravel()))
    return np.frombuffer(clf.reps(np.arange(m, dtype=np.int64)), dtype=np.int64).tolist()


@needs_c
def test_classes_sum_the_entries_towards_each_class():
    # states 0, 1: b = 1 (one class); 2: 1/2 -> 0 + 1/2 -> 1; 3: 1 -> 1; 4: 1/2 -> 0 and b = 1/2
    ptr = [0, 0, 0, 2, 3, 4]
    cols = [0, 1, 1, 0]
    vals = [F(1, 2), F(1, 2), F(1), F(1, 2)]
    b = [F(1), F(1), F(0), F(0), F(1, 2)]
    cls = _classes(ptr, cols, vals, b)
    assert cls[0] == cls[1]  # the same b, no entries
    assert cls[2] == cls[3]  # 1/2 + 1/2 towards one class = 1 towards it
    assert cls[4] not in (cls[2], cls[0])  # a different b
    # comparing entries by id (no int64 sums) still merges equal rows, not 2 with 3
    cls = _classes(ptr, cols, vals, b, fractions=False)
    assert cls[0] == cls[1] and cls[2] != cls[3]


@needs_c
def test_classes_keep_different_equations_apart():
    # 2: 1/3 -> 0, 2/3 -> 1 ; 3: 2/3 -> 0, 1/3 -> 1 (0 and 1 in different classes)
    ptr = [0, 0, 0, 2, 4]
    cols = [0, 1, 0, 1]
    vals = [F(1, 3), F(2, 3), F(2, 3), F(1, 3)]
    b = [F(1), F(0), F(0), F(0)]
    assert _classes(ptr, cols, vals, b) == [0, 1, 2, 3]  # every state a class of its own


@needs_c
def test_identical_cycles_share_when_their_couplings_agree():
    # states 0, 1 absorbing-like (no entries, b = 1 and 0); copies {2, 3} and {4, 5}: 2 <-> 3
    # with 1/2, each leaving to 0 or 1; the copy {4, 5} leaves the same way, {6, 7} not
    ptr = [0, 0, 0, 2, 4, 6, 8, 10, 12]
    cols = [3, 0, 2, 1, 5, 0, 4, 1, 7, 1, 6, 0]
    h = F(1, 2)
    vals = [h] * 12
    b = [F(1), F(0)] + [F(0)] * 6
    copies = [("scalar", np.array([0, 1], dtype=np.int64)),
              ("copies", np.array([[2, 3], [4, 5], [6, 7]], dtype=np.int64))]
    cls = _classes(ptr, cols, vals, b, copies=copies)
    assert cls[2] == cls[4] and cls[3] == cls[5]
    assert cls[6] not in (cls[2], cls[3]) and cls[7] not in (cls[2], cls[3])


@needs_c
def test_protocol_like_chain_shares_and_agrees(monkeypatch):
    # a layered chain of depth 30, 8 equal states per layer, each moving to random states of
    # the next layer with 9/10, 1/10: 240 states, a few classes per layer
    rng = np.random.default_rng(5)
    width, depth = 8, 30
    n = width * depth + 2
    tr = [(n - 2, n - 2, 1), (n - 1, n - 1, 1)]
    for layer in range(depth):
        for s in range(width):
            i = layer * width + s
            if layer == depth - 1:
                tr += [(i, n - 2, F(9, 10)), (i, n - 1, F(1, 10))]
                continue
            a, b = rng.integers(0, width, 2)
            nxt = (layer + 1) * width
            if a == b:
                tr.append((i, nxt + a, F(1)))
            else:
                tr += [(i, nxt + a, F(9, 10)), (i, nxt + b, F(1, 10))]
    c = Chain.from_transitions(n, tr, labels={"goal": [n - 2]}, exact=True)
    made = []
    real = topo.classifier

    def spy(*a):
        got = real(*a)
        made.append(got[0])
        return got

    monkeypatch.setattr(topo, "classifier", spy)
    shared, plain = _solve_both(c, monkeypatch)
    assert shared == plain
    assert made and all(k.num_classes < n // 4 for k in made)  # much shared
    # every state of the chain reaches the goal with 9/10 at the last layer
    assert set(shared[0][:-2]) == {F(9, 10)}


@needs_c
def test_huge_entries_fall_back_to_ids(monkeypatch):
    big = F(1, 2**70 + 1)
    n = 6
    tr = [(0, 0, 1), (1, 1, 1)]
    for i in range(2, n):
        tr += [(i, 0, big), (i, 1, 1 - big)]
    c = Chain.from_transitions(n, tr, labels={"goal": [0]}, exact=True)
    shared, plain = _solve_both(c, monkeypatch)
    assert shared == plain
    assert shared[0][2:] == [big] * 4
    assert topo.word_fractions([big]) is None


def test_value_ids_merge_equal_values_of_distinct_objects():
    from flint import fmpq

    a = np.empty(5, dtype=object)
    a[:] = [fmpq(1, 3), fmpq(1, 3), fmpq(2, 3), fmpq(10**400), fmpq(10**400)]
    ids, firsts = topo.value_ids(a)
    assert ids[0] == ids[1] and ids[3] == ids[4] and len(set(ids.tolist())) == 3
    assert [firsts[i] for i in ids.tolist()] == a.tolist()


def test_sharing_is_off_for_partial_solves():
    c = Chain.from_transitions(4, [(0, 0, 1), (1, 0, 1), (2, 0, 1), (3, 1, F(1, 2)),
                                   (3, 2, F(1, 2))], exact=True)
    s = _linsolve.SubsystemSolver(c, np.array([1, 2, 3]), exact=True,
                                  wanted=np.array([2]))
    assert s._share is None


def test_cli_json_of_shared_values_is_every_state_formatted(tmp_path, capsys):
    import json

    from chainlab.cli import main
    from chainlab.io import write_drn

    width, depth = 6, 12
    n = width * depth + 2
    rng = np.random.default_rng(2)
    tr = [(n - 2, n - 2, 1), (n - 1, n - 1, 1)]
    for layer in range(depth):
        for s in range(width):
            i = layer * width + s
            nxt = [(n - 2, n - 1)] if layer == depth - 1 else \
                [tuple((layer + 1) * width + rng.integers(0, width, 2))]
            a, b = nxt[0]
            tr += [(i, a, F(3, 4)), (i, b, F(1, 4))] if a != b else [(i, a, F(1))]
    c = Chain.from_transitions(n, tr, labels={"goal": [n - 2]}, initial=0, exact=True)
    path = tmp_path / "layers.drn"
    write_drn(c, path)
    for method in ("--exact", "--float"):
        assert main(["analyze", str(path), method, "--json", "--target", "goal"]) == 0
        out = json.loads(capsys.readouterr().out)
        hit = exact.hitting(c, "goal").probabilities
        ab = exact.absorption(c, variance=False)
        if method == "--exact":
            assert out["reach"] == {str(i): str(v) for i, v in enumerate(hit)}
            assert out["expected_steps"] == {str(i): str(ab.t[i]) for i in range(n - 2)}
        else:
            assert out["reach"] == pytest.approx({str(i): float(v) for i, v in enumerate(hit)})
    assert main(["analyze", str(path), "--exact", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["absorption"] == {str(i): [str(v) for v in ab.B[i]] for i in range(n - 2)}


@settings(max_examples=80)
@given(st.integers(-(2**3000), 2**3000) | st.integers(-10**6, 10**6),
       st.integers(1, 2**3000) | st.integers(1, 10**6))
def test_fraction_str_of_fmpq_is_str_of_fraction(num, den):
    import sys

    from flint import fmpq

    from chainlab._chain.values import fraction_str

    old = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        assert fraction_str(fmpq(num, den)) == str(F(num, den))
    finally:
        sys.set_int_max_str_digits(old)


@needs_c
def test_values_found_equal_merge_classes_and_share_objects():
    # 2 reaches the goal directly (b = 1), 3 through 0 and 1 (both the goal): equal values,
    # different equations; 4 and 5 then have equal equations over them (1/2 to 2 or 3)
    tr = [(0, 0, 1), (1, 1, 1), (6, 6, 1), (2, 0, 1), (3, 0, F(1, 3)), (3, 1, F(2, 3)),
          (4, 2, F(1, 2)), (4, 6, F(1, 2)), (5, 3, F(1, 2)), (5, 6, F(1, 2))]
    c = Chain.from_transitions(7, tr, labels={"goal": [0, 1]}, exact=True)
    from chainlab._analysis.formulas import raw_exact

    with raw_exact():
        h = exact.hitting(c, "goal").probabilities
    assert [F(int(v.p), int(v.q)) for v in h] == [1, 1, 1, 1, F(1, 2), F(1, 2), 0]
    assert h[4] is h[5] and h[2] is h[3]  # one object per value: formatted once


@needs_c
def test_classifier_refuses_misuse():
    from flint import fmpq

    ptr = np.array([0, 0, 1], dtype=np.int64)
    cols = np.array([0], dtype=np.int64)
    v = np.empty(1, dtype=object)
    v[0] = fmpq(1)
    steps = [("scalar", np.array([0, 1], dtype=np.int64))]
    share = topo.Sharing(steps, 2, topo.value_ids(v), np.full(2, -1, dtype=np.int64))
    b = np.empty((2, 1), dtype=object)
    b[:, 0] = [fmpq(1), fmpq(0)]
    clf, _ = topo.classifier(ptr, cols, share, b)
    with pytest.raises(ValueError, match="states must be int64"):
        clf.classify(np.array([5], dtype=np.int64))
    with pytest.raises(ValueError, match="without a class"):
        clf.merge(np.array([0], dtype=np.int64), np.array([1], dtype=np.int64))
    clf.classify(np.array([0, 1], dtype=np.int64))
    with pytest.raises(ValueError, match="classed twice"):
        clf.classify(np.array([1], dtype=np.int64))
    assert clf.num_classes == 2
    clf.merge(np.array([1], dtype=np.int64), np.array([0], dtype=np.int64))
    assert clf.num_classes == 1
    assert np.frombuffer(clf.reps(np.array([0, 1], dtype=np.int64)), np.int64).tolist() == [0, 0]
    with pytest.raises(ValueError, match="has 3 bytes"):
        topo._cgraph.Classifier(ptr, cols, b"\x01\x01\x01", share.gid, share.gsize, share.eid,
                                np.zeros(2, np.int64), share.did, None, None, share.eres,
                                np.zeros(2, np.uint64), 1)


@given(st.integers(-(2**200), 2**200), st.integers(1, 2**200))
def test_residues_are_the_values_modulo_the_prime(num, den):
    from flint import fmpq

    P = topo.RES_P
    r = int(topo.residues([fmpq(num, den), F(num, den)])[0])
    if den % P == 0:
        assert r == 2**64 - 1
    else:
        assert r < P and (r * den - num) % P == 0
        assert int(topo.residues([F(num, den)])[0]) == r


@needs_c
def test_candidates_pair_equal_residues_and_merge_only_equal_values():
    from flint import fmpq

    n = 6
    ptr = np.zeros(n + 1, dtype=np.int64)
    cols = np.zeros(0, dtype=np.int64)
    steps = [("small", np.arange(n, dtype=np.int64))]  # blocks: residues given by the caller
    v = np.empty(0, dtype=object)
    share = topo.Sharing(steps, n, topo.value_ids(v), np.full(n, -1, dtype=np.int64))
    b = np.empty((n, 1), dtype=object)
    b[:, 0] = [fmpq(0)] * n
    clf, _ = topo.classifier(ptr, cols, share, b)
    every = np.arange(n, dtype=np.int64)
    clf.classify(every)
    x = np.empty((n, 1), dtype=object)
    x[:, 0] = [fmpq(1, 3), fmpq(1, 3), fmpq(2, 3), fmpq(2, 3), fmpq(5), fmpq(1, 3)]
    res = topo.residues(x[:, 0].tolist())
    res[4] = res[2]  # a (pretended) collision: equal residues, different values
    clf.set_residues(every, res)
    a, bb = (np.frombuffer(z, dtype=np.int64) for z in clf.candidates(every))
    assert sorted(zip(a.tolist(), bb.tolist())) == [(1, 0), (3, 2), (4, 2), (5, 0)]
    same = topo.equal_rows(x, a, bb)
    clf.merge(a[same], bb[same])
    reps = np.frombuffer(clf.reps(every), dtype=np.int64).tolist()
    assert reps == [0, 0, 2, 2, 4, 0]  # 4 stays apart: its value differs


def test_to_fraction_array_converts_each_object_once():
    from flint import fmpq

    from chainlab._chain.values import to_fraction_array

    objs = [fmpq(k, 7) for k in range(5)]
    a = np.empty((40, 5), dtype=object)
    for i in range(40):
        a[i] = objs[i % 5:] + objs[:i % 5]
    got = to_fraction_array(a)
    assert got.shape == a.shape
    assert got.tolist() == [[F(int(v.p), int(v.q)) for v in row] for row in a.tolist()]
    assert got[0, 1] is got[1, 0]  # one Fraction per distinct object
    distinct = np.empty(100, dtype=object)
    distinct[:] = [fmpq(k, 3) for k in range(100)]
    assert to_fraction_array(distinct).tolist() == [F(k, 3) for k in range(100)]


@given(st.lists(st.integers(0, 6), max_size=60))
def test_distinct_objects_in_order_of_first_occurrence(picks):
    from chainlab._chain import values

    objs = [object() for _ in range(7)]
    items = [objs[k] for k in picks]
    expected_first = [picks.index(k) for k in dict.fromkeys(picks)]
    for hide in (False, True):
        with pytest.MonkeyPatch.context() as mp:
            if hide:
                import chainlab._analysis._cgraph as cg

                mp.delattr(cg, "first_of")
            first, inv = values.distinct_objects(items)
        assert first.tolist() == expected_first
        assert [items[first[i]] for i in inv.tolist()] == items


@given(st.lists(st.lists(st.sampled_from([F(1, 3), F(1, 7), F(2, 5), F(1, 2**70), F(1, 10)]),
                         min_size=1, max_size=4), min_size=1, max_size=6))
@example([[F(1, 3)] * 3, [F(2, 5), F(2, 5), F(1, 10), F(1, 10)], [F(1, 7)]])
@example([[F(1, 3)] * 3, [F(1, 2**70)]])  # (a denominator past int64: fmpq sums)
def test_exact_row_sums_of_a_table_agree_with_fmpq_sums(rows):
    from flint import fmpq

    from chainlab.chain import _rows_not_summing_to_one

    table = sorted(set(v for r in rows for v in r))
    ftab = [fmpq(v.numerator, v.denominator) for v in table]
    vids = np.array([table.index(v) for r in rows for v in r], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
    values = np.empty(len(vids), dtype=object)
    values[:] = [ftab[k] for k in vids]
    got = _rows_not_summing_to_one(ftab, vids, indptr, values).tolist()
    assert got == [i for i, r in enumerate(rows) if sum(r) != 1]
