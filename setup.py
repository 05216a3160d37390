"""Build hook for the optional C extensions (metadata lives in pyproject.toml).

Both are optional: without a C compiler the build skips them, ``chainlab.compiler`` runs its
pure-Python loop instead of ``chainlab._compile._ckernel`` and ``chainlab.io`` its pure-Python reader
instead of the tokenizers in ``chainlab._io._cparse``, and ``chainlab.structure`` SciPy's csgraph
instead of the searches in ``chainlab._analysis._cgraph``, with the same results.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "chainlab._compile._ckernel",
            ["chainlab/_compile/_ckernel.c"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
        Extension(
            "chainlab._io._cparse",
            ["chainlab/_io/_cparse.c"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
        Extension(
            "chainlab._analysis._cgraph",
            ["chainlab/_analysis/_cgraph.c"],
            optional=True,
            extra_compile_args=["-O2"],
        ),
    ]
)
