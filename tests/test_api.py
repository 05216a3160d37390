"""The public API: every public module has ``__all__`` naming exactly its public definitions, and
every exported function and class has a docstring with an Examples section."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import chainlab

MODULES = sorted(
    m.name for m in pkgutil.walk_packages(chainlab.__path__, "chainlab.")
    if not any(part.startswith("_") for part in m.name.split("."))
)
# result containers documented by their class docstring's Attributes section; their Examples
# live on the functions that return them
NO_EXAMPLES_NEEDED = {
    "CanonicalForm", "AbsorptionResult", "HittingResult", "BoundedReachabilityResult",
    "StationaryResult", "LimitingResult", "ExpectedVisitsResult", "Structure", "CompiledChain",
    "PolarizationResult", "SimulationResult", "ProportionEstimate", "Limits",
    "ChainlabError", "SpecError", "NotStochasticError", "NotAbsorbingError", "ExactnessError",
    "StateSpaceLimitError", "FileFormatError", "ContinuousRunResult", "SimulationInterrupted",
    "AgentModel",  # an abstract base class: its module docstring shows a subclass
}


@pytest.mark.parametrize("name", MODULES)
def test_all_is_exactly_the_public_set(name):
    mod = importlib.import_module(name)
    assert hasattr(mod, "__all__"), f"{name} has no __all__"
    defined = {
        k for k, v in vars(mod).items()
        if not k.startswith("_") and (inspect.isfunction(v) or inspect.isclass(v))
        and getattr(v, "__module__", None) == name
    }
    assert set(mod.__all__) >= defined, f"{name}: public but not in __all__: {defined - set(mod.__all__)}"
    missing = [k for k in mod.__all__ if not hasattr(mod, k)]
    assert not missing, f"{name}.__all__ names missing objects {missing}"


@pytest.mark.parametrize("name", MODULES)
def test_exported_callables_have_examples(name):
    mod = importlib.import_module(name)
    lacking = []
    for k in mod.__all__:
        obj = getattr(mod, k)
        if not callable(obj) or k in NO_EXAMPLES_NEEDED:
            continue
        doc = inspect.getdoc(obj) or ""
        if "Examples" not in doc and ">>>" not in doc:
            lacking.append(k)
    assert not lacking, f"{name}: exported without an Examples section: {lacking}"


def test_top_level_exports():
    assert set(chainlab.__all__) == {"Chain", "StateSpace", "errors", "config", "exact",
                                     "numeric", "__version__"}
    for k in chainlab.__all__:
        assert hasattr(chainlab, k)
