r"""Lower bounds on polarization, checked against exact values and simulation.

A *lower bound* is a theorem (``proofs/bounds.md``) giving a number ``b <= P(polarization)``.
chainlab states each bound as a function returning a :class:`BoundResult` and checks it three
ways with :func:`check_bound`: against the exact value wherever the chain compiles, against a
Monte Carlo estimate of the discretized chain (exact Clopper-Pearson interval), and -- at the
paper's scale -- against simulation of the continuous model (``chainlab bounds --paper-scale``).

Definitions
-----------
* Agent ``i`` is *pure on* ``a`` when all its ``r`` memory points carry label ``a``.
* A *closed silo* is the set of agents pure on one label when there are at least ``k + 1`` of
  them; it never loses a member (POL-1). A state with two closed silos is *split*; the GMM chain
  polarizes exactly when it reaches a split state (SIL-1, for ``r >= 2`` and ``p < 1``).

Bounds
------
============================== ======= ===================================================
function                       claim   what it is
============================== ======= ===================================================
:func:`reachability_bound`     BND-1   ``P(reach target within L steps)`` (any chain)
:func:`most_likely_path_bound` BND-2   the most likely first-entry path (any chain)
:func:`path_family_bound`      BND-2   distinct first-entry paths you list (any chain)
:func:`trap_bound`             BND-3   reaching a closed set of polarized fate (any chain)
:func:`sequence_bound`         BND-4   closed form: one explicit ``r``-round plan (GMM)
:func:`restricted_bound`       BND-5   exact sub-chain with at most ``j`` mixed agents (GMM)
:func:`coupling_bound`         BND-6   staged conversions with retries and local
                                       sub-chains, a recursion over all-pure
                                       configurations (GMM; no compiled chain)
:func:`mutual_pair_bound`      BND-7   pairs formed in round 1 (quiet mutual pairs,
                                       lone links), each against a one-point-per-round
                                       adversary, combined by CMB-1 (GMM, ``k = 1``,
                                       random ties, all-alone start; runs at ``n = 30``)
============================== ======= ===================================================

Limits of classes of bounds
---------------------------
============================== ======= ===================================================
:func:`movers_ceiling`         LIM-1   bounds that let at most ``m`` agents move in round 1
:func:`state_ceiling`          LIM-2   bounds that credit listed round-1 states
:func:`shield_state`           LIM-3   compositional bounds with an adversarial rest: 0
============================== ======= ===================================================

Examples
--------
>>> import numpy as np
>>> from chainlab.models import GMMAgents
>>> m = GMMAgents(agents=4, components=3, memory=2, neighbours=1)
>>> chk = check_bound(restricted_bound(m, max_mixed=1), m, num_samples=2000,
...                   rng=np.random.default_rng(0))
>>> chk.verdict, round(float(chk.bound.value), 4), round(float(chk.exact), 4)
('consistent', 0.2273, 0.3154)
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .. import config
from .._validate import integer
from ..errors import SpecError, StateSpaceLimitError
from ._chain import (
    most_likely_path_bound,
    path_family_bound,
    reachability_bound,
    trap_bound,
)
from ._coupling import coupling_bound
from ._gmm import (
    _check_model,
    closed_silos,
    fate_of_initial_state,
    is_split,
    restricted_bound,
    sequence_bound,
    split_from_labels,
    split_from_weights,
)
from ._limits import (
    movers_ceiling,
    round_one_keep_probabilities,
    shield_state,
    state_ceiling,
)
from ._pairs import mutual_pair_bound
from ._paper import PaperScaleRow, PaperScaleStudy, paper_scale_study
from ._sim import SplitRunResult, simulate_split
from ._study import SharpnessStudy, sharpness_study
from ._types import BoundResult, CheckResult

__all__ = [
    "BoundResult",
    "CheckResult",
    "SplitRunResult",
    "PaperScaleRow",
    "PaperScaleStudy",
    "SharpnessStudy",
    "closed_silos",
    "is_split",
    "split_states",
    "split_from_labels",
    "split_from_weights",
    "fate_of_initial_state",
    "reachability_bound",
    "most_likely_path_bound",
    "path_family_bound",
    "trap_bound",
    "sequence_bound",
    "restricted_bound",
    "coupling_bound",
    "mutual_pair_bound",
    "movers_ceiling",
    "state_ceiling",
    "shield_state",
    "round_one_keep_probabilities",
    "split_reachability_bound",
    "simulate_split",
    "check_bound",
    "check_bounds",
    "paper_scale_study",
    "sharpness_study",
]


def split_states(compiled: Any) -> list:
    """Labels of the split states (two closed silos) of a compiled GMM chain.

    Parameters
    ----------
    compiled : CompiledChain
        From :func:`chainlab.compiler.compile_model` of a :class:`~chainlab.models.GMMAgents`.

    See Also
    --------
    chainlab.bounds.is_split : The test on one joint state.
    chainlab.bounds.split_reachability_bound : ``P(reach these states within L rounds)``.

    Examples
    --------
    >>> from chainlab.compiler import compile_model
    >>> from chainlab.models import GMMAgents
    >>> cc = compile_model(GMMAgents(agents=4, components=3, memory=2, neighbours=1))
    >>> len(split_states(cc)), cc.chain.num_states
    (2, 19)
    """
    from ..compiler import CompiledChain

    if not isinstance(compiled, CompiledChain) or "neighbours" not in compiled.parameters:
        raise SpecError("compiled must be a CompiledChain of a GMMAgents model "
                        "(chainlab.compiler.compile_model(GMMAgents(...)))")
    k = compiled.parameters["neighbours"]
    return [s for s in compiled.chain.states.labels if is_split(s, neighbours=k)]


def split_reachability_bound(compiled: Any, horizon: int) -> BoundResult:
    """``P(two closed silos within L rounds)`` on a compiled GMM chain (BND-1 with SIL-1).

    The split states form a trap whose closed classes are all polarized (POL-1), and they are
    entered before the polarized absorbing state, so this is sharper than bounded reachability
    of the polarized classes for the same ``L``; it is non-decreasing in ``L`` and converges to
    the exact polarization probability (``r >= 2``, ``p < 1``).

    See Also
    --------
    chainlab.bounds.reachability_bound : The same bound for any chain and target.
    chainlab.bounds.split_states : The split states it reaches.

    Examples
    --------
    >>> from chainlab.compiler import compile_model
    >>> from chainlab.models import GMMAgents
    >>> cc = compile_model(GMMAgents(agents=4, components=3, memory=2, neighbours=1))
    >>> b = split_reachability_bound(cc, 6)
    >>> b.name, round(float(b.value), 4), b.claim
    ('split within 6 rounds', 0.3048, 'BND-1')
    """
    targets = split_states(compiled)
    if not targets:
        return BoundResult(f"split within {horizon} rounds", Fraction(0), claim="BND-1",
                           assumptions="GMM chain; no split state is reachable", horizon=horizon,
                           ties=compiled.parameters.get("ties"),
                           parameters=compiled.parameters)
    b = reachability_bound(compiled.chain, targets, horizon,
                           name=f"split within {horizon} rounds")
    return BoundResult(b.name, b.value, claim=b.claim,
                       assumptions="GMM chain compiled exactly; target = states with two closed "
                       "silos (SIL-1)", ties=compiled.parameters.get("ties"), horizon=b.horizon,
                       parameters=compiled.parameters, details=b.details)


def _reference(model, compiled, max_states: int, exact_limit: int):
    """(exact Fraction or None, float or None, note)."""
    from ..compiler import compile_model
    from ..polarization import polarization

    if compiled is None:
        try:
            compiled = compile_model(model, max_states=max_states)
        except StateSpaceLimitError:
            return None, None, f"chain larger than {max_states:,} states: no exact value"
    if compiled.chain.num_states <= exact_limit:
        return Fraction(polarization(compiled).polarization_probability), None, ""
    return None, float(polarization(compiled, method="float").polarization_probability), \
        f"{compiled.chain.num_states:,} states: solved in float64"


def check_bound(bound: BoundResult, model: Any, *, num_samples: int = 10_000, rng: Any = None,
                max_states: int = 50_000, exact_limit: int | None = None,
                max_rounds: int = 10_000, confidence: float = 0.95,
                compiled: Any = None, simulation: SplitRunResult | None = None) -> CheckResult:
    """Check a lower bound on ``P(polarization)`` against the exact value and simulation.

    Parameters
    ----------
    bound : BoundResult
        A bound computed for ``model`` (its parameters must match).
    model : GMMAgents
    num_samples : int, default 10000
        Runs of the discretized chain (:func:`simulate_split`); 0 skips the simulation.
    rng : numpy.random.Generator or int, optional
    max_states : int, default 50000
        Compile the chain only up to this many states.
    exact_limit : int, optional
        Solve exactly up to this many states, in float64 above (default
        ``chainlab.config.limits.exact_auto_max_states``).
    max_rounds : int, default 10000
        Simulated runs undecided after this many rounds count as not polarized.
    confidence : float, default 0.95
        Level of the Clopper-Pearson interval.
    compiled : CompiledChain, optional
        Reuse a compiled chain of ``model``.
    simulation : SplitRunResult, optional
        Reuse a simulation of ``model`` (then ``num_samples`` is ignored).

    Returns
    -------
    CheckResult
        The verdict comes from the exact (or float64) value when the chain compiles:
        ``"violated"`` when the bound exceeds it, else ``"consistent"`` (a simulation interval
        that excludes the exact value is noted in ``reason``: that is a problem of the simulator,
        not of the bound). Otherwise from the simulation: ``"violated"`` when the bound exceeds
        the upper end of the interval although every run was simulated long enough for the
        bound's event (``bound.horizon``), which happens to a correct bound with probability at
        most ``(1 - confidence) / 2``; ``"inconclusive"`` when it does so only because runs were
        truncated, or when there is nothing to compare with; ``"consistent"`` otherwise.

    See Also
    --------
    check_bounds : several bounds of one model, sharing the compilation and the simulation.

    Examples
    --------
    >>> from chainlab.models import GMMAgents
    >>> m = GMMAgents(agents=4, components=4, memory=2, neighbours=1, mirror="1/5")
    >>> chk = check_bound(sequence_bound(m), m, num_samples=0)
    >>> chk.verdict, round(float(chk.exact), 4), chk.margin > 0
    ('consistent', 0.3305, True)
    """
    return check_bounds([bound], model, num_samples=num_samples, rng=rng, max_states=max_states,
                        exact_limit=exact_limit, max_rounds=max_rounds, confidence=confidence,
                        compiled=compiled, simulation=simulation)[0]


def check_bounds(bounds: Any, model: Any, *, num_samples: int = 10_000, rng: Any = None,
                 max_states: int = 50_000, exact_limit: int | None = None,
                 max_rounds: int = 10_000, confidence: float = 0.95,
                 compiled: Any = None, simulation: SplitRunResult | None = None
                 ) -> tuple[CheckResult, ...]:
    """:func:`check_bound` for several bounds of one model: one compilation, one exact solve and
    one simulation shared by all of them.

    See Also
    --------
    chainlab.bounds.check_bound : One bound.
    chainlab.bounds.sharpness_study : Every bound over a grid of instances.
    chainlab.testing.assert_bound_holds : The same check as a test assertion.

    Examples
    --------
    >>> from chainlab.models import GMMAgents
    >>> m = GMMAgents(agents=4, components=3, memory=3, neighbours=1)
    >>> res = check_bounds([sequence_bound(m), restricted_bound(m, max_mixed=1)], m,
    ...                    num_samples=0)
    >>> [(c.bound.name, c.verdict) for c in res]
    [('sequence', 'consistent'), ('restricted(1)', 'consistent')]
    """
    bounds = list(bounds)
    for b in bounds:
        if not isinstance(b, BoundResult):
            raise SpecError(f"bounds must be BoundResult objects, got {type(b).__name__}")
    model = _check_model(model)
    for b in bounds:
        if b.parameters and any(b.parameters.get(key) != val
                                for key, val in model.describe().items()):
            raise SpecError(f"bound {b.name!r} was computed for {dict(b.parameters)}, not for "
                            f"{model.describe()}; compute it for this model")
    for name, v, low in (("num_samples", num_samples, 0), ("max_states", max_states, 1),
                         ("max_rounds", max_rounds, 1)):
        integer(name, v, low=low)
    if simulation is not None and not isinstance(simulation, SplitRunResult):
        raise SpecError(f"simulation must be a SplitRunResult, got {type(simulation).__name__}")
    exact_limit = config.limits.exact_auto_max_states if exact_limit is None else exact_limit
    exact, numeric, note = _reference(model, compiled, max_states, exact_limit)
    sim = simulation
    if sim is None and num_samples:
        sim = simulate_split(model, num_samples=num_samples, rng=rng, max_rounds=max_rounds)
    if sim is not None:
        max_rounds = sim.max_rounds
    return tuple(_verdict(b, exact, numeric, note, sim, max_rounds, confidence) for b in bounds)


def _verdict(bound: BoundResult, exact, numeric, note: str, sim, max_rounds: int,
             confidence: float) -> CheckResult:
    estimate = None if sim is None else sim.estimate(confidence=confidence)
    truncated = 0 if sim is None else sim.num_truncated
    b = bound.value
    reasons = []
    verdict = "inconclusive"
    margin = None
    if exact is not None:
        margin = float(exact - b)
        verdict = "violated" if b > exact else "consistent"
        reasons.append(f"bound {'>' if b > exact else '<='} exact value")
        if estimate is not None and not estimate.contains(exact):
            reasons.append("note: the simulation interval excludes the exact value")
    elif numeric is not None:
        margin = numeric - float(b)
        verdict = "violated" if float(b) > numeric * (1 + 1e-9) + 1e-12 else "consistent"
        reasons.append(f"bound {'>' if verdict == 'violated' else '<='} float64 value ({note})")
    if estimate is not None:
        hi = estimate.ci[1]
        if numeric is not None and not estimate.ci[0] <= numeric <= hi:
            reasons.append("note: the simulation interval excludes the float64 value")
        if exact is None and numeric is None:
            margin = hi - float(b)
            if float(b) <= hi:
                verdict = "consistent"
                reasons.append(f"bound <= upper end {hi:.4g} of the simulation interval ({note})"
                               if note else f"bound <= upper end {hi:.4g} of the simulation "
                               "interval")
            elif truncated == 0 or (bound.horizon is not None and bound.horizon <= max_rounds):
                verdict = "violated"
                reasons.append(f"bound > upper end {hi:.4g} of the simulation interval")
            else:
                reasons.append(f"bound > upper end {hi:.4g} of the simulation interval, but "
                               f"{truncated} runs were truncated at {max_rounds} rounds")
    if exact is None and numeric is None and estimate is None:
        reasons.append(f"nothing to compare with ({note}; no simulation)")
    return CheckResult(bound=bound, exact=exact, numeric=numeric, estimate=estimate,
                       num_truncated=truncated, margin=margin, verdict=verdict,
                       reason="; ".join(reasons))
