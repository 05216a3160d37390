"""pytest collects docs/ for the doctests of its Markdown pages (``--doctest-glob='*.md'``).

The Sphinx configuration and the pages it generates are not doctests: importing ``conf.py``
would write the generated pages, and the generated copies would run the doctests twice.
"""

collect_ignore = ["conf.py"]
collect_ignore_glob = ["_build/*", "api/generated/*", "proofs/*", "_templates/*", "_static/*"]
