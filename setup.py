"""Build hook for the optional C kernel of the compiler (metadata lives in pyproject.toml).

``chainlab._ckernel`` is optional: without a C compiler the build skips it and
``chainlab.compiler`` runs its pure-Python loop, with the same results.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "chainlab._ckernel",
            ["chainlab/_ckernel.c"],
            optional=True,
            extra_compile_args=["-O2"],
        )
    ]
)
