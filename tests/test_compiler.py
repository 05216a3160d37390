"""The compiler: lumped and unlumped compilations agree (claim LUMP-1), compiled chains equal a
straightforward reference compilation entry by entry, limits, progress, interrupts, validation."""

from __future__ import annotations

import gc
import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainlab._compile import explore as compiler
from chainlab._progress import Progress
from chainlab.compiler import compile_model
from chainlab.errors import (
    ExactnessError,
    NotStochasticError,
    SpecError,
    StateSpaceLimitError,
)
from chainlab.models import AgentModel, GMMAgents
from chainlab.polarization import polarization

from . import _references

SMALL_GMM = [
    dict(agents=n, components=K, memory=r, neighbours=k, mirror=p)
    for n, K, r in [(2, 2, 1), (2, 2, 2), (3, 2, 2), (3, 3, 2), (4, 2, 2), (4, 3, 1)]
    for k in range(1, n)
    for p in (F(0), F(1, 3))
]


def _ids(d: dict) -> str:
    return "-".join(f"{v}" for v in d.values())


@pytest.mark.parametrize("params", SMALL_GMM, ids=_ids)
def test_LUMP_1(params):
    """Lumped (multisets) and unlumped (agent tuples) chains give identical exact answers."""
    model = GMMAgents(**params)
    lumped = compile_model(model, lumped=True)
    full = compile_model(model, lumped=False)
    assert lumped.chain.num_states <= full.chain.num_states
    a, b = polarization(lumped), polarization(full)
    assert a.polarization_probability == b.polarization_probability
    assert a.consensus_probability == b.consensus_probability
    assert a.expected_rounds == b.expected_rounds
    # every unlumped state maps to a lumped state with the same number of silos
    silos = dict(zip(lumped.chain.states.labels, lumped.num_silos.tolist()))
    for state, s in zip(full.chain.states.labels, full.num_silos.tolist()):
        assert silos[tuple(sorted(state))] == s


# --------------------------------------------------------------------------- reference compiler
def reference_compile(params: dict, lumped: bool) -> dict:
    """``{state: {successor: Fraction}}`` over the reachable states: the product over agents of
    the reference laws, enumerating every combination of agent outcomes; lumped by sorting the
    successor tuples (``benchmarks/_reference_compiler.py``)."""
    start = GMMAgents(**params).initial_agents()
    return _references.reference_compile(params, lumped=lumped, start=start)


def _as_rows(cc) -> dict:
    labels = cc.chain.states.labels
    rows: dict = {lab: {} for lab in labels}
    for i, j, v in cc.chain.transitions():
        rows[labels[i]][labels[j]] = v
    return rows


REFERENCE_CASES = [
    dict(agents=3, components=3, memory=2, neighbours=1),
    dict(agents=3, components=3, memory=2, neighbours=2, mirror="1/3"),
    dict(agents=4, components=2, memory=3, neighbours=2, mirror="1/2"),
    dict(agents=4, components=3, memory=2, neighbours=1, initial=[(1, 1, 0), (0, 2, 0), 2, 2]),
    dict(agents=3, components=4, memory=2, neighbours=2),
    dict(agents=5, components=2, memory=2, neighbours=2, mirror="1/3"),
    dict(agents=3, components=2, memory=3, neighbours=1, mirror="1/2"),
]


@pytest.mark.parametrize("ties", ["random", "index"])
@pytest.mark.parametrize("params", REFERENCE_CASES, ids=_ids)
def test_compiled_chain_equals_reference_compilation(params, ties):
    """Every state and every exact entry, lumped (random ties) and unlumped (both rules)."""
    params = dict(params, ties=ties)
    for lumped in ([True, False] if ties == "random" else [False]):
        cc = compile_model(GMMAgents(**params), lumped=lumped)
        ref = reference_compile(params, lumped)
        assert _as_rows(cc) == ref
        assert cc.chain.states.labels[0] == (tuple(sorted(GMMAgents(**params).initial_agents()))
                                             if lumped else GMMAgents(**params).initial_agents())


class _PlainGMM(GMMAgents):
    """GMM agents through the plain protocol only: no memo keys, no integer laws."""

    def law_keys(self, agents):
        return None

    def integer_distribution(self, agents, i):
        return None


@pytest.mark.parametrize("params", [
    dict(agents=4, components=3, memory=2, neighbours=2),
    dict(agents=5, components=2, memory=3, neighbours=1),
    dict(agents=3, components=4, memory=2, neighbours=2, ties="index", mirror="1/2"),
], ids=_ids)
def test_fast_paths_change_nothing(params):
    """Same labels in the same order, same entries, with and without the model's fast paths."""
    for lumped in ([True, False] if params.get("ties", "random") == "random" else [False]):
        a = compile_model(GMMAgents(**params), lumped=lumped)
        b = compile_model(_PlainGMM(**params), lumped=lumped)
        assert a.chain.states.labels == b.chain.states.labels
        assert list(a.chain.transitions()) == list(b.chain.transitions())
        assert a.num_silos.tolist() == b.num_silos.tolist()


def test_float_view_is_the_correctly_rounded_exact_chain():
    cc = compile_model(GMMAgents(agents=4, components=3, memory=3, neighbours=2, mirror="1/3"))
    c = cc.chain
    P = c.P
    assert P.has_sorted_indices
    for i in range(c.num_states):
        cols = P.indices[P.indptr[i]:P.indptr[i + 1]]
        assert (np.diff(cols) > 0).all()
    exact = {(i, j): v for i, j, v in c.transitions()}
    assert sum(exact.values()) == c.num_states  # rows sum to exactly 1
    dense = P.toarray()
    for (i, j), v in exact.items():
        assert dense[i, j] == v.numerator / v.denominator


# --------------------------------------------------------------------------- property test
# (agents, components, memory) with at most 300 joint agent tuples, so the unlumped exact
# solve stays fast; covers agents 2-4, components 2-3, memory 1-3
_SIZES = [(n, K, r) for n in (2, 3, 4) for K in (2, 3) for r in (1, 2, 3)
          if math.comb(r + K - 1, K - 1) ** n <= 300]


@st.composite
def gmm_params(draw):
    n, K, r = draw(st.sampled_from(_SIZES))
    k = draw(st.integers(1, n - 1))
    mirror = draw(st.sampled_from([F(0), F(1, 3), F(1, 2)]))
    initial = draw(st.lists(st.integers(0, K - 1), min_size=n, max_size=n))
    return dict(agents=n, components=K, memory=r, neighbours=k, mirror=mirror, initial=initial)


@settings(max_examples=max(10, settings().max_examples // 2))
@given(gmm_params())
def test_lumped_and_unlumped_agree_on_random_instances(params):
    """Claim LUMP-1 on random small instances (random ties; "index" ties are not lumpable)."""
    model = GMMAgents(**params)
    a = polarization(compile_model(model, lumped=True))
    b = polarization(compile_model(GMMAgents(**params), lumped=False))
    assert a.polarization_probability == b.polarization_probability
    assert a.consensus_probability == b.consensus_probability
    assert a.expected_rounds == b.expected_rounds


def test_sizes_cover_the_requested_ranges():
    assert {n for n, _, _ in _SIZES} == {2, 3, 4}
    assert {K for _, K, _ in _SIZES} == {2, 3}
    assert {r for _, _, r in _SIZES} == {1, 2, 3}


# --------------------------------------------------------------------------- plain models
class _Coins(AgentModel):
    """n independent agents, each becoming 1 with probability 2/3 (binomial rows)."""

    exchangeable = True

    def __init__(self, n):
        self.num_agents = n

    def initial_agents(self):
        return (0,) * self.num_agents

    def agent_distribution(self, agents, i):
        return {0: F(1, 3), 1: F(2, 3)}


@pytest.mark.parametrize("n", [3, 15, 16, 17])
def test_plain_model_rows_are_multinomial(n):
    """A model without fast paths; n = 16, 17 use wider digits in the packed multiset codes."""
    cc = compile_model(_Coins(n))
    assert cc.chain.num_states == n + 1
    labels = cc.chain.states.labels
    for i, j, v in cc.chain.transitions():
        ones = sum(labels[j])
        assert v == math.comb(n, ones) * F(2, 3) ** ones * F(1, 3) ** (n - ones)
    assert compile_model(_Coins(3), lumped=False).chain.num_states == 8


class _Bad(AgentModel):
    num_agents = 2
    exchangeable = True

    def __init__(self, law=None, integer=None):
        self.law, self.integer = law, integer

    def initial_agents(self):
        return (0, 0)

    def agent_distribution(self, agents, i):
        return self.law

    def integer_distribution(self, agents, i):
        return self.integer


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(law={0: F(1, 2), 1: F(1, 3)}), NotStochasticError, "sums to 5/6"),
    (dict(law={0: F(3, 2), 1: F(-1, 2)}), NotStochasticError, "negative"),
    (dict(law={0: 0.5, 1: 0.5}), ExactnessError, "float"),
    (dict(integer=(3, {0: 1, 1: 1})), NotStochasticError, "sums to 2/3"),
    (dict(integer=(2, {0: 3, 1: -1})), NotStochasticError, "non-negative"),
    (dict(integer=(2, {0: 1.0, 1: 1})), NotStochasticError, "non-negative ints"),
], ids=["sum", "negative", "float", "int-sum", "int-negative", "int-float"])
def test_bad_laws_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        compile_model(_Bad(**kwargs))


def test_index_ties_refuse_lumping():
    with pytest.raises(SpecError, match="exchangeable"):
        compile_model(GMMAgents(agents=3, components=3, memory=2, ties="index"), lumped=True)


def test_not_a_model():
    with pytest.raises(SpecError, match="AgentModel"):
        compile_model("gmm")


# --------------------------------------------------------------------------- limits, progress, interrupts
def test_state_limit_refuses_with_estimate():
    with pytest.raises(StateSpaceLimitError, match="at most .* joint states exist"):
        compile_model(GMMAgents(agents=4, components=4, memory=2), max_states=50)


def test_state_limit_is_exact():
    model = GMMAgents(agents=4, components=3, memory=2, neighbours=2)
    n = compile_model(model).chain.num_states
    assert compile_model(model, max_states=n).chain.num_states == n
    with pytest.raises(StateSpaceLimitError, match=f"more than {n - 1:,} reachable states"):
        compile_model(model, max_states=n - 1)
    assert gc.isenabled()


def test_progress_line_on_stderr(monkeypatch, capsys):
    monkeypatch.setattr(Progress, "interval", 0.0)
    compile_model(GMMAgents(agents=4, components=3, memory=3, neighbours=2), progress=True)
    err = capsys.readouterr().err
    assert "compiling: 256 states expanded" in err and "transitions" in err
    assert err.endswith("\r")  # the line is cleared at the end
    compile_model(GMMAgents(agents=4, components=3, memory=3, neighbours=2))
    assert capsys.readouterr().err == ""


class _Interrupting(GMMAgents):
    calls = 0
    interrupt_at: int | None = None

    def law_keys(self, agents):
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        return super().law_keys(agents)


@pytest.mark.parametrize("at", [1, 7, 300])
def test_interrupt_leaves_nothing_corrupted(at, monkeypatch, capsys):
    monkeypatch.setattr(Progress, "interval", 0.0)
    params = dict(agents=4, components=4, memory=2, neighbours=1)  # 497 lumped states
    model = _Interrupting(**params)
    model.interrupt_at = at
    with pytest.raises(KeyboardInterrupt):
        compile_model(model, progress=True)
    assert gc.isenabled()
    if at > 256:
        assert capsys.readouterr().err.endswith("\r")
    # the same model instance (its caches survived the interrupt) compiles the same chain
    model.interrupt_at = None
    again = compile_model(model)
    fresh = compile_model(GMMAgents(**params))
    assert again.chain.states.labels == fresh.chain.states.labels
    assert list(again.chain.transitions()) == list(fresh.chain.transitions())


def test_compiled_chain_repr_and_parameters():
    cc = compile_model(GMMAgents(agents=3, components=2, memory=2))
    assert repr(cc).startswith(f"CompiledChain({cc.chain.num_states} states")
    assert cc.parameters["lumped"] is True and cc.parameters["ties"] == "random"
    assert cc.chain.initial == {cc.chain.states.labels[0]: 1} or cc.chain.initial is not None


# --------------------------------------------------------------------------- C kernel vs Python loop
class _Walkers(AgentModel):
    """Agents doing lazy +-1 walks on 0..size-1; no count of agent states is declared, so the C
    kernel starts with narrow codes and has to widen them as new agent states appear."""

    exchangeable = True

    def __init__(self, n, size):
        self.num_agents, self.size = n, size

    def initial_agents(self):
        return (0,) * self.num_agents

    def agent_distribution(self, agents, i):
        a, top = agents[i], self.size - 1
        law = {a: F(1, 2)}
        law[max(a - 1, 0)] = law.get(max(a - 1, 0), 0) + F(1, 4)
        law[min(a + 1, top)] = law.get(min(a + 1, top), 0) + F(1, 4)
        return law


class _HugeDenominators(AgentModel):
    """Laws over 40-bit primes: a row of three agents has a denominator beyond 64 bits, which
    the C kernel refuses, so the compiler takes the Python loop."""

    num_agents = 3
    exchangeable = True
    primes = (1099511627791, 1099511627803, 1099511627831)

    def initial_agents(self):
        return (0, 0, 0)

    def agent_distribution(self, agents, i):
        q = self.primes[agents[i] % 3]
        return {(agents[i] + 1) % 3: F(1, q), agents[i]: F(q - 1, q)}


def _kernel_cases():
    import networkx as nx

    from chainlab.models import BoundedConfidence, MajorityRule, VoterModel

    cases = [(f"gmm-{_ids(p)}-{ties}-{'lumped' if lumped else 'agents'}",
              lambda p=p, ties=ties: GMMAgents(**dict(p, ties=ties)), lumped)
             for p in REFERENCE_CASES for ties in ("random", "index")
             for lumped in ([True, False] if ties == "random" else [False])]
    cases += [
        ("coins-3", lambda: _Coins(3), True),
        ("coins-3-agents", lambda: _Coins(3), False),
        ("coins-17-wide-digits", lambda: _Coins(17), True),
        ("walkers-widen", lambda: _Walkers(3, 40), True),
        ("walkers-widen-agents", lambda: _Walkers(2, 40), False),
        ("huge-denominators", _HugeDenominators, True),
        ("majority", lambda: MajorityRule(7, 3, sample_size=3), True),
        ("voter-path", lambda: VoterModel(nx.path_graph(4), [0, 1, 0, 1]), False),
        ("bounded-confidence", lambda: BoundedConfidence([0, 2, 3, 5], levels=6, confidence=2),
         None),
        ("gmm-n16-wide-digits", lambda: GMMAgents(agents=16, components=2, memory=2,
                                                  neighbours=8, initial=[0] * 15 + [1]), True),
    ]
    return cases


_KERNEL_CASES = _kernel_cases()


@pytest.mark.skipif(compiler._ckernel is None, reason="chainlab._compile._ckernel is not built")
@pytest.mark.parametrize("make, lumped", [c[1:] for c in _KERNEL_CASES],
                         ids=[c[0] for c in _KERNEL_CASES])
def test_kernel_and_python_loop_compile_the_same_chain(make, lumped, monkeypatch):
    """Same states in the same order, same exact entries, same silos, whichever loop runs."""
    fast = compile_model(make(), lumped=lumped)
    monkeypatch.setattr(compiler, "_ckernel", None)
    slow = compile_model(make(), lumped=lumped)
    assert fast.chain.states.labels == slow.chain.states.labels
    assert list(fast.chain.transitions()) == list(slow.chain.transitions())
    assert fast.num_silos.tolist() == slow.num_silos.tolist()
    assert fast.chain.num_states > 1


@pytest.mark.skipif(compiler._ckernel is None, reason="chainlab._compile._ckernel is not built")
@pytest.mark.parametrize("make, lumped, widen, python", [
    (lambda: GMMAgents(agents=4, components=4, memory=2, neighbours=1), True, 0, False),
    (lambda: _Walkers(3, 40), True, 2, False),   # 1 word -> 2 -> 4 (40 digits of 4 bits)
    (_HugeDenominators, True, 0, True),
], ids=["gmm", "walkers", "huge-denominators"])
def test_kernel_widens_its_codes_and_falls_back_on_wide_denominators(make, lumped, widen, python,
                                                                     monkeypatch):
    calls = {"kernel": [], "python": 0}
    run_kernel, run_python = compiler._Compiler._run_kernel, compiler._Compiler._run_python

    def spy_kernel(self, words):
        calls["kernel"].append(words)
        return run_kernel(self, words)

    def spy_python(self):
        calls["python"] += 1
        return run_python(self)

    monkeypatch.setattr(compiler._Compiler, "_run_kernel", spy_kernel)
    monkeypatch.setattr(compiler._Compiler, "_run_python", spy_python)
    cc = compile_model(make(), lumped=lumped)
    assert len(calls["kernel"]) == widen + 1
    assert calls["kernel"] == sorted(calls["kernel"]) and len(set(calls["kernel"])) == widen + 1
    assert calls["python"] == int(python)
    # every row of the result sums to exactly 1, whichever loop finished the job
    sums = {}
    for i, _, v in cc.chain.transitions():
        sums[i] = sums.get(i, 0) + v
    assert set(sums.values()) == {1} and len(sums) == cc.chain.num_states


@pytest.mark.skipif(compiler._ckernel is None, reason="chainlab._compile._ckernel is not built")
@settings(max_examples=max(10, settings().max_examples // 2), deadline=None)
@given(gmm_params())
def test_kernel_and_python_loop_agree_on_random_instances(params):
    fast = compile_model(GMMAgents(**params))
    saved = compiler._ckernel
    compiler._ckernel = None
    try:
        slow = compile_model(GMMAgents(**params))
    finally:
        compiler._ckernel = saved
    assert fast.chain.states.labels == slow.chain.states.labels
    assert list(fast.chain.transitions()) == list(slow.chain.transitions())


@pytest.mark.skipif(compiler._ckernel is None, reason="chainlab._compile._ckernel is not built")
def test_kernel_primitives():
    """The C kernel on a hand-made chain: two coins (tables over 2 agent states, 4-bit digits)."""
    kern = compiler._ckernel.Kernel(1)
    w = lambda x: x.to_bytes(8, "little")  # noqa: E731
    # one agent: stays in 0 (digit 0) w.p. 1/3, moves to 1 (digit 1) w.p. 2/3
    coin = kern.add_table(w(1) + w(1 << 4), np.array([1, 2], dtype=np.uint64).tobytes())
    sure = kern.add_table(w(1 << 4), np.array([3], dtype=np.uint64).tobytes())
    assert kern.add_state(w(2)) == 0 and kern.add_state(w(2)) == 0   # two agents in state 0
    assert kern.types(0, 4) == [(0, 2)]
    assert kern.expand([coin, coin], 9) == 3                          # {0,0}, {0,1}, {1,1}
    assert [kern.types(i, 4) for i in range(3)] == [[(0, 2)], [(0, 1), (1, 1)], [(1, 2)]]
    assert kern.expand([coin, sure], 9) == 3
    indptr, cols, vids = (np.frombuffer(b, np.int64) for b in kern.csr())
    values = kern.values()
    assert indptr.tolist() == [0, 3, 5]
    assert cols.tolist() == [0, 1, 2, 1, 2]
    assert [values[v] for v in vids] == [(1, 9), (4, 9), (4, 9), (3, 9), (6, 9)]
    assert kern.num_states == 3 and kern.num_rows == 2 and kern.nnz == 5
    assert kern.code(1) == w(1 + (1 << 4))
    with pytest.raises(ValueError, match="add up to 9, not to the denominator 8"):
        kern.expand([coin, coin], 8)
    with pytest.raises(ValueError, match="unknown table id"):
        kern.expand([7], 1)
    with pytest.raises(ValueError, match="W words"):
        kern.add_table(w(1), b"")
    with pytest.raises(IndexError):
        kern.types(3, 4)
    assert kern.expand([sure, sure], 9) == 3                          # {1,1} is absorbing
    with pytest.raises(ValueError, match="expanded already"):
        kern.expand([sure, sure], 9)


def test_kernel_is_built_where_a_c_compiler_exists():
    """``pip install -e .`` builds chainlab._compile._ckernel (setup.py, optional): on a machine with a
    C compiler its absence means the build broke silently and compiling is 2x slower."""
    import shutil
    import sysconfig

    cc = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(cc) is None:
        pytest.skip(f"no C compiler ({cc}) on this machine: the pure-Python loop is expected")
    assert compiler._ckernel is not None, (
        "chainlab._compile._ckernel is not built although a C compiler exists; reinstall with "
        "`pip install -e .` and read the build log"
    )
