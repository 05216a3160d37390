import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, database=None, max_examples=40, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("CHAINLAB_HYPOTHESIS_PROFILE", "ci"))



_MADE_CACHE: list[str] = []


def pytest_configure(config):
    # the built PRISM parser is cached between processes (chainlab/prism/_parse.py); the tests
    # and the processes they start keep theirs in a fresh folder, not in the user's ~/.cache
    import tempfile

    if "CHAINLAB_CACHE_DIR" not in os.environ:
        os.environ["CHAINLAB_CACHE_DIR"] = tempfile.mkdtemp(prefix="chainlab-test-cache-")
        _MADE_CACHE.append(os.environ["CHAINLAB_CACHE_DIR"])


def pytest_unconfigure(config):
    import shutil

    for path in _MADE_CACHE:
        shutil.rmtree(path, ignore_errors=True)
        if os.environ.get("CHAINLAB_CACHE_DIR") == path:
            del os.environ["CHAINLAB_CACHE_DIR"]
