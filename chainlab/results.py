"""Result objects shared by the exact and float backends (same types, same fields).

Exact results hold :class:`fractions.Fraction` values in numpy object arrays; float results hold
float64 arrays. Every result has ``method`` (``"exact"`` or ``"float"``), ``to_float()`` and
``error_bound``: a certified bound on the relative error of every value it holds (0 for exact
results; for float results, ``|value - exact| <= error_bound * |exact|`` for every value, absolute
errors below ``2**-1022`` aside -- claims CERT-1 .. CERT-4, ``proofs/certified.md``).
States are integer *indices*; ``states`` fields say which states the rows refer to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ._chain.values import brief

__all__ = [
    "ExactMatrix",
    "CanonicalForm",
    "AbsorptionResult",
    "HittingResult",
    "BoundedReachabilityResult",
    "StationaryResult",
    "LimitingResult",
    "ExpectedVisitsResult",
]


def _as_float(a: Any) -> Any:
    if isinstance(a, np.ndarray) and a.dtype == object:
        return a.astype(np.float64)
    if isinstance(a, Fraction):
        return float(a)
    if isinstance(a, tuple):
        return tuple(_as_float(x) for x in a)
    if isinstance(a, ExactMatrix):
        return a.to_csr()
    return a


def _short(a: Any, k: int = 4) -> str:
    if isinstance(a, np.ndarray):
        flat = a.ravel()
        items = ", ".join(brief(x) if isinstance(x, Fraction) else f"{x:.6g}" for x in flat[:k])
        more = ", ..." if flat.size > k else ""
        return f"[{items}{more}] shape {a.shape}"
    return repr(a)


def _row_of(states: np.ndarray, state_index: int) -> int:
    pos = int(np.searchsorted(states, state_index))
    if pos >= len(states) or states[pos] != state_index:
        from .errors import SpecError

        raise SpecError(
            f"state index {state_index} is not covered by this result (it was computed with "
            "restrict=True or restrict=\"initial\" and does not hold this state); compute "
            "over all states instead (restrict=False)"
        )
    return pos


class _Result:
    """Mixin: readable repr and float conversion for frozen result dataclasses."""

    if TYPE_CHECKING:  # (every subclass is a dataclass: what dataclasses.fields/replace need)
        __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def to_float(self):
        """The same result with every exact value converted to float64 (each correctly
        rounded, so ``error_bound`` becomes the unit roundoff ``2**-53``)."""
        if getattr(self, "method") == "float":
            return self
        changes = {f.name: _as_float(getattr(self, f.name)) for f in dataclasses.fields(self)
                   if f.name not in ("method", "error_bound")}
        return dataclasses.replace(self, method="float", error_bound=2.0 ** -53, **changes)

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, np.ndarray):
                parts.append(f"{f.name}={_short(v)}")
            elif isinstance(v, tuple) and len(v) > 6:
                parts.append(f"{f.name}=({len(v)} items)")
            elif isinstance(v, Fraction):
                parts.append(f"{f.name}={brief(v)}")
            else:
                parts.append(f"{f.name}={v!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


@dataclasses.dataclass(frozen=True, eq=False)
class ExactMatrix:
    """A sparse matrix of Fractions in CSR form (the exact counterpart of ``csr_array``).

    See Also
    --------
    chainlab.exact.canonical_form : Returns ``Q`` and ``R`` as exact matrices.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> m = ExactMatrix((1, 2), np.array([0, 1]), np.array([1]), (F(1, 3),))
    >>> m.toarray()
    array([[0, Fraction(1, 3)]], dtype=object)
    """

    shape: tuple[int, int]
    indptr: np.ndarray
    indices: np.ndarray
    data: tuple[Fraction, ...]

    def toarray(self) -> np.ndarray:
        """Dense object array of Fractions (zeros as int 0)."""
        out = np.zeros(self.shape, dtype=object)
        for i in range(self.shape[0]):
            for k in range(self.indptr[i], self.indptr[i + 1]):
                out[i, self.indices[k]] = self.data[k]
        return out

    def to_csr(self):
        """Float64 ``csr_array``."""
        import scipy.sparse as sp

        return sp.csr_array((np.array([float(x) for x in self.data]), self.indices, self.indptr),
                            shape=self.shape)

    def to_sympy(self):
        """A ``sympy.SparseMatrix`` with Rational entries."""
        import sympy

        entries = {}
        for i in range(self.shape[0]):
            for k in range(self.indptr[i], self.indptr[i + 1]):
                x = self.data[k]
                entries[(i, int(self.indices[k]))] = sympy.Rational(x.numerator, x.denominator)
        return sympy.SparseMatrix(self.shape[0], self.shape[1], entries)

    @property
    def nnz(self) -> int:
        """Number of stored entries."""
        return len(self.data)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class CanonicalForm(_Result):
    """``P`` reordered as ``[[Q, R], [0, I]]`` with each closed class collapsed to one column.

    Attributes
    ----------
    method : str
    order : ndarray of int
        State indices, transient first, then each closed class.
    transient : tuple of int
    closed_classes : tuple of tuple of int
    Q : csr_array or ExactMatrix, shape (num_transient, num_transient)
    R : csr_array or ExactMatrix, shape (num_transient, num_closed_classes)
    error_bound : float
        Certified relative error bound of every value (0 for exact results).

    See Also
    --------
    chainlab.exact.canonical_form : Exactly.
    chainlab.numeric.canonical_form : In float64.
    """

    method: str
    order: np.ndarray
    transient: tuple[int, ...]
    closed_classes: tuple[tuple[int, ...], ...]
    Q: Any
    R: Any
    error_bound: float = 0.0


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class AbsorptionResult(_Result):
    """Absorption into the closed classes.

    Attributes
    ----------
    method : str
        ``"exact"`` or ``"float"``.
    states : ndarray of int
        The states the rows refer to (all states, or those reachable from the initial
        distribution when the computation was restricted to them).
    closed_classes : tuple of tuple of int
        All closed classes, ordered by smallest state (as :func:`chainlab.structure.classify`).
    columns : tuple of tuple of int
        The closed-class indices each column of ``B`` stands for: ``((0,), (1,), ...)`` by
        default, or the groups given as ``targets``.
    B : ndarray or None, shape (len(states), len(columns))
        ``B[r, c]`` = probability of ending in (a class of) column ``c`` from ``states[r]``
        (an indicator row for recurrent states).
    t : ndarray, shape (len(states),)
        Expected number of steps until a closed class is entered (0 on recurrent states).
    variance : ndarray or None
        Variance of that number of steps.
    initial_B : ndarray or None, shape (num_closed_classes,)
        Absorption probabilities from the chain's initial distribution.
    initial_t : Fraction, float or None
        Expected steps from the initial distribution.
    error_bound : float
        Certified relative error bound of every value (0 for exact results).

    See Also
    --------
    chainlab.exact.absorption : Exactly.
    chainlab.numeric.absorption : In float64.
    chainlab.parametric.ParametricAbsorptionResult : As rational functions.
    """

    method: str
    states: np.ndarray
    closed_classes: tuple[tuple[int, ...], ...]
    columns: tuple[tuple[int, ...], ...]
    B: np.ndarray | None
    t: np.ndarray
    variance: np.ndarray | None
    initial_B: np.ndarray | None
    initial_t: Any
    error_bound: float = 0.0

    def row_of(self, state_index: int) -> int:
        """Row of ``B``/``t`` for a state index (raises SpecError if not covered)."""
        return _row_of(self.states, state_index)

    def absorbing_state_probabilities(self) -> Mapping[int, np.ndarray]:
        """``{absorbing state index: column of B}`` for columns that are one absorbing state."""
        out = {}
        B = self.B
        if B is None:  # (the TypeError indexing None gave, with a reason)
            raise TypeError("this result has no B: it was computed with probabilities=False")
        for k, group in enumerate(self.columns):
            if len(group) == 1 and len(self.closed_classes[group[0]]) == 1:
                out[self.closed_classes[group[0]][0]] = B[:, k]
        return out


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class HittingResult(_Result):
    """Hitting a target set (time 0 counts: on the target, probability 1 and time 0).

    Attributes
    ----------
    method : str
    target : tuple of int
    states : ndarray of int
        The states the arrays refer to: all states, or those reachable from the initial
        distribution (``restrict=True``), or the initial states (``restrict="initial"``).
    probabilities : ndarray, shape (len(states),)
        Probability of ever reaching the target, from each state of ``states``.
    expected_times : ndarray, shape (len(states),)
        Expected steps to reach the target; ``inf`` where reaching it is not certain.
    initial_probability, initial_expected_time : value or None
        The same from the chain's initial distribution.
    error_bound : float
        Certified relative error bound of every value (0 for exact results).

    See Also
    --------
    chainlab.exact.hitting : Exactly.
    chainlab.numeric.hitting : In float64.
    chainlab.parametric.ParametricHittingResult : As rational functions.
    """

    method: str
    target: tuple[int, ...]
    states: np.ndarray
    probabilities: np.ndarray
    expected_times: np.ndarray
    initial_probability: Any
    initial_expected_time: Any
    error_bound: float = 0.0

    def row_of(self, state_index: int) -> int:
        """Position of a state index in the arrays (raises SpecError if not covered)."""
        return _row_of(self.states, state_index)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class BoundedReachabilityResult(_Result):
    """``P(reach target within L steps)`` for ``L = 0, ..., horizon``.

    Attributes
    ----------
    method : str
    target : tuple of int
    horizon : int
    probabilities : ndarray, shape (horizon + 1, n)
        Row ``L`` holds the probability from every state.
    initial : ndarray or None, shape (horizon + 1,)
        The same from the chain's initial distribution.
    error_bound : float
        Certified relative error bound of every value (0 for exact results).

    See Also
    --------
    chainlab.exact.bounded_reachability : Exactly.
    chainlab.numeric.bounded_reachability : In float64.
    """

    method: str
    target: tuple[int, ...]
    horizon: int
    probabilities: np.ndarray
    initial: np.ndarray | None
    error_bound: float = 0.0


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class StationaryResult(_Result):
    """The stationary distribution of each closed class.

    Attributes
    ----------
    method : str
    closed_classes : tuple of tuple of int
    distributions : tuple of ndarray
        ``distributions[c][r]`` = stationary probability of state ``closed_classes[c][r]``.
    periods : tuple of int
    error_bound : float
        Certified relative error bound of every value (0 for exact results).

    See Also
    --------
    chainlab.exact.stationary : Exactly.
    chainlab.numeric.stationary : In float64.
    """

    method: str
    closed_classes: tuple[tuple[int, ...], ...]
    distributions: tuple[np.ndarray, ...]
    periods: tuple[int, ...]
    error_bound: float = 0.0

    def as_vector(self, c: int, num_states: int) -> np.ndarray:
        """Stationary distribution of class ``c`` as a full length-n vector."""
        out = np.zeros(num_states, dtype=self.distributions[c].dtype)
        if out.dtype == object:
            out[:] = Fraction(0)
        out[list(self.closed_classes[c])] = self.distributions[c]
        return out


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class LimitingResult(_Result):
    """The limiting (Cesàro) distribution ``lim (1/T) sum_t mu P^t`` from an initial distribution.

    Attributes
    ----------
    method : str
    distribution : ndarray, shape (n,)
    class_probabilities : ndarray, shape (num_closed_classes,)
        Probability of ending in each closed class.
    closed_classes : tuple of tuple of int
    error_bound : float
        Certified relative error bound of every value (0 for exact results).

    See Also
    --------
    chainlab.exact.limiting : Exactly.
    chainlab.numeric.limiting : In float64.
    """

    method: str
    distribution: np.ndarray
    class_probabilities: np.ndarray
    closed_classes: tuple[tuple[int, ...], ...]
    error_bound: float = 0.0


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class ExpectedVisitsResult(_Result):
    """Chosen rows of the fundamental matrix ``N = (I - Q)^{-1}``.

    Attributes
    ----------
    method : str
    sources : tuple of int
        Transient states whose rows were computed.
    transient : tuple of int
        Columns: all transient states.
    N_rows : ndarray, shape (len(sources), len(transient))
        ``N_rows[r, c]`` = expected visits to ``transient[c]`` starting from ``sources[r]``.
    error_bound : float
        Certified relative error bound of every value (0 for exact results).

    See Also
    --------
    chainlab.exact.expected_visits : Exactly.
    chainlab.numeric.expected_visits : In float64.
    """

    method: str
    sources: tuple[int, ...]
    transient: tuple[int, ...]
    N_rows: np.ndarray
    error_bound: float = 0.0
