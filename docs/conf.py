"""Sphinx configuration of the chainlab documentation site.

Build it with::

    pip install -e '.[docs]'
    python -m sphinx -W --keep-going -b html docs docs/_build/html

Three kinds of page are written here, at configuration time, into git-ignored folders (each file
is rewritten only when its text changes):

* ``api/generated/<module>.rst``: one page per public module named in ``api/index.rst`` (its
  docstring and a table of every name in its ``__all__``); ``sphinx.ext.autosummary`` then writes
  one page per public function and class from the templates in ``_templates/autosummary/``;
* ``proofs/<topic>.md``: one page per file of the repository's ``proofs/`` folder, a copy of that
  file with its links adjusted (``proofs/README.md``, the table of claims, becomes
  ``proofs/claims``).

Pages listed in a toctree that do not exist (yet) are dropped from it instead of failing the
build, so the toctrees of ``index.md`` may name pages before they are written.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import re
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
if str(ROOT) not in sys.path:  # a build from a source tree without an installed chainlab
    sys.path.insert(0, str(ROOT))

import chainlab  # noqa: E402

# -- project -------------------------------------------------------------------------------------
project = "chainlab"
author = "the chainlab developers"
copyright = "the chainlab developers"
release = chainlab.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_parser",
    "sphinxarg.ext",  # the command-line reference (docs/cli.md) from chainlab.cli.build_parser
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
html_static_path = ["_static"]
exclude_patterns = ["_build", "**/.ipynb_checkpoints", "studies/*.py"]
suppress_warnings: list[str] = []

# -- HTML ----------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"chainlab {release}"
html_theme_options = {
    "github_url": "https://github.com/chainlab/chainlab",
    "navbar_align": "left",
    "header_links_before_dropdown": 5,
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
html_show_sourcelink = False
html_css_files = ["chainlab.css"]

# -- MyST ----------------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3
# Markdown links resolve against the standard and Python domains only (sphinx-argparse's domain
# cannot resolve arbitrary link targets and would warn about every relative link)
myst_ref_domains = ["std", "py"]

# -- autodoc, autosummary, numpydoc --------------------------------------------------------------
autosummary_generate_overwrite = False  # stubs are rewritten only when deleted (or cleaned)
autodoc_typehints = "none"  # the types are in the numpydoc Parameters/Returns sections
autodoc_member_order = "bysource"
autodoc_default_options = {"exclude-members": "__init__, __new__"}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = True

# -- the API pages: one per public module --------------------------------------------------------
API = DOCS / "api"
GENERATED = API / "generated"
PROOFS_SRC = ROOT / "proofs"
PROOFS_OUT = DOCS / "proofs"


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless it already holds exactly that (keeps mtimes stable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


#: Packages whose public submodules all get a page, listed on the package's page when
#: ``api/index.rst`` does not place them: found on disk, so a new public module is documented
#: before anyone lists it. The values are submodules left out (the command line's package).
SUBPACKAGES = {"chainlab": {"cli"}, "chainlab.models": set()}
_discovered: set[str] = set()


def public_modules() -> list[str]:
    """The modules named in the autosummary tables of ``api/index.rst``, in that order, then the
    public submodules of :data:`SUBPACKAGES` that it does not name."""
    text = (API / "index.rst").read_text(encoding="utf-8")
    modules = re.findall(r"^ {3}(chainlab[\w.]*)\s*$", text, flags=re.M)
    for package, left_out in SUBPACKAGES.items():
        path = importlib.import_module(package).__path__
        for m in pkgutil.iter_modules(path):
            name = f"{package}.{m.name}"
            if not m.name.startswith("_") and m.name not in left_out and name not in modules:
                modules.append(name)
                _discovered.add(name)
    return modules


def _kind(obj) -> str:
    if inspect.ismodule(obj):
        return "module"
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if callable(obj):
        return "function"
    return "data"


_SECTIONS = [("class", "Classes"), ("function", "Functions"), ("exception", "Exceptions"),
             ("data", "Constants and settings"), ("module", "Modules")]


def _table(module: str, names: list[str], toctree: bool) -> str:
    lines = [f".. currentmodule:: {module}", "", ".. autosummary::"]
    if toctree:
        lines += ["   :toctree: .", "   :nosignatures:"]
    lines += [""] + [f"   {n}" for n in names] + [""]
    return "\n".join(lines)


def module_page(name: str, modules: list[str], stubs: set[str] | None = None) -> str:
    """The reST source of the API page of module ``name``.

    Names that a public parent module also exports (the submodules of ``chainlab.models``) are
    listed with a link to the parent's page instead of being documented twice; names that are
    modules link to those modules' own pages.
    """
    mod = importlib.import_module(name)
    names = list(getattr(mod, "__all__", []))
    parent = name.rpartition(".")[0]
    facade = (set(getattr(importlib.import_module(parent), "__all__", []))
              if parent in modules else set())
    title = f"``{name}``"
    out = [title, "=" * len(title), "", f".. automodule:: {name}", "   :no-members:", ""]
    groups: dict[str, list[str]] = {}
    for n in names:
        groups.setdefault(_kind(getattr(mod, n)), []).append(n)
    for kind, heading in _SECTIONS:
        items = groups.get(kind, [])
        if not items:
            continue
        out += [heading, "-" * len(heading), ""]
        if kind == "module":
            out += [f"* :mod:`{name}.{n}`" for n in items] + [""]
            continue
        if kind == "data":
            for n in items:
                out += [f".. autodata:: {name}.{n}", "   :no-index:" if n in facade else "", ""]
            continue
        own = [n for n in items if n not in facade]
        shared = [n for n in items if n in facade]
        if own:
            out.append(_table(name, own, toctree=True))
            if stubs is not None:
                stubs.update(f"{name}.{n}.rst" for n in own)
        if shared:
            out += [f"Also exported by :mod:`{parent}`, where they are documented:", ""]
            out.append(_table(parent, shared, toctree=False))
    subs = [m for m in modules if m in _discovered and m.rpartition(".")[0] == name]
    if subs:
        heading = "Submodules" if name != "chainlab" else "Other modules"
        out += [heading, "-" * len(heading), "", f".. currentmodule:: {name}", "",
                ".. autosummary::", "   :toctree: .", ""]
        out += [f"   {m.rpartition('.')[2]}" for m in subs] + [""]
    return "\n".join(out)


def write_api_pages() -> list[str]:
    """Write the module pages; return them (and ``api/index.rst``) for autosummary to scan."""
    modules = public_modules()
    keep = {f"{name}.rst" for name in modules}
    for name in modules:
        _write(GENERATED / f"{name}.rst", module_page(name, modules, keep))
    for stale in GENERATED.glob("*.rst"):  # a renamed or removed name leaves no orphan page
        if stale.name not in keep:
            stale.unlink(missing_ok=True)
    return ["api/index.rst"] + [f"api/generated/{name}.rst" for name in modules]


def write_proof_pages() -> None:
    """One page per file of ``proofs/``: a copy whose links point where they did from proofs/."""
    if not PROOFS_SRC.is_dir():
        return
    pages = set()
    for src in sorted(PROOFS_SRC.glob("*.md")):
        stem = "claims" if src.name == "README.md" else src.stem
        pages.add(f"{stem}.md")
        text = rewrite_links(src.read_text(encoding="utf-8"), PROOFS_SRC, PROOFS_OUT)
        _write(PROOFS_OUT / f"{stem}.md",
               f"<!-- Generated by docs/conf.py from proofs/{src.name}: edit that file. -->\n\n"
               + text)
    for stale in PROOFS_OUT.glob("*.md"):
        if stale.name not in pages:
            stale.unlink(missing_ok=True)


# the pages to scan are named, not found, so a module page new to an incremental build has stubs
autosummary_generate = write_api_pages()


# -- toctree entries of pages that do not exist are dropped --------------------------------------
_SUFFIXES = (".md", ".rst", ".ipynb")


def _page_exists(entry: str, docdir: Path) -> bool:
    target = entry.split("<")[-1].rstrip(">").strip()  # "Title <page>" or "page"
    if target.startswith(("http://", "https://")) or target == "self":
        return True
    base = DOCS / target.lstrip("/") if target.startswith("/") else docdir / target
    if any(c in target for c in "*?["):
        return any(next(base.parent.glob(base.name + s), None) for s in _SUFFIXES)
    return any(base.with_name(base.name + s).exists() for s in _SUFFIXES)


def _drop_missing_toctree_entries(app, docname: str, source: list[str]) -> None:
    docdir = (DOCS / docname).parent
    fence = re.compile(r"^(`{3,}|:{3,})\{toctree\}")
    lines, inside, closer = [], False, None
    for line in source[0].splitlines(keepends=True):
        stripped = line.strip()
        if not inside:
            m = fence.match(stripped)
            if m:
                inside, closer = True, m.group(1)
            lines.append(line)
            continue
        if stripped == closer:
            inside = False
        elif stripped and not stripped.startswith(":") and not _page_exists(stripped, docdir):
            continue
        lines.append(line)
    source[0] = "".join(lines)


# -- Markdown links to files outside docs/ ------------------------------------------------------
# The pages are also read on GitHub, where ``[claims](../proofs/bounds.md)`` is a fine link. Here a
# link into proofs/ goes to that file's page, and a link to any other file of the repository
# outside docs/ goes to the file on GitHub.
REPOSITORY = "https://github.com/chainlab/chainlab"
_LINK = re.compile(r"\]\((?!https?:|mailto:|#|/)([^)\s#]+)(#[^)\s]*)?\)")


def _link_target(srcdir: Path, path: str, anchor: str, outdir: Path) -> str | None:
    """Where a link written in a file of ``srcdir`` should point from a page in ``outdir``."""
    resolved = (srcdir / path).resolve()
    if resolved.parent == PROOFS_SRC and resolved.suffix == ".md":
        page = PROOFS_OUT / ("claims.md" if resolved.name == "README.md" else resolved.name)
        return os.path.relpath(page, outdir) + anchor
    if resolved.is_relative_to(DOCS):
        return None if srcdir == outdir else os.path.relpath(resolved, outdir) + anchor
    if resolved.is_relative_to(ROOT) and resolved.exists():
        kind = "tree" if resolved.is_dir() else "blob"
        return f"{REPOSITORY}/{kind}/main/{resolved.relative_to(ROOT).as_posix()}{anchor}"
    return None


def rewrite_links(text: str, srcdir: Path, outdir: Path) -> str:
    def repl(m: re.Match) -> str:
        target = _link_target(srcdir, m.group(1), m.group(2) or "", outdir)
        return m.group(0) if target is None else f"]({target})"

    return _LINK.sub(repl, text)


def _rewrite_outside_links(app, docname: str, source: list[str]) -> None:
    if app.env.doc2path(docname).endswith(".md"):
        docdir = (DOCS / docname).parent
        source[0] = rewrite_links(source[0], docdir, docdir)


write_proof_pages()


# -- Markdown pages without a heading (tables written by studies) get one from their path ------
def _add_missing_title(app, docname: str, source: list[str]) -> None:
    if not app.env.doc2path(docname).endswith(".md"):
        return
    if re.search(r"^# \S", source[0], flags=re.M) or re.search(r"^```\{include\}", source[0]):
        return
    parts = [p.replace("_", " ") for p in docname.split("/")]
    title = ": ".join([parts[0].capitalize()] + parts[1:])
    source[0] = f"# {title}\n\n{source[0]}"


# -- cross-references to an object by any of its import paths ------------------------------------
# Docstrings name objects by the module that defines them (``chainlab.chain.Chain``); the API
# documents them under their public name (``chainlab.Chain``). Resolve the former to the latter.
_public_names: dict[int, str] = {}


def _collect_public_names(app) -> None:
    for name in public_modules():
        mod = importlib.import_module(name)
        _public_names.setdefault(id(mod), name)
        for n in getattr(mod, "__all__", []):
            obj = getattr(mod, n, None)
            if obj is not None and not isinstance(obj, (str, int, float, tuple, frozenset)):
                _public_names.setdefault(id(obj), f"{name}.{n}")


def _lookup(target: str):
    parts = target.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _candidates(node, target: str):
    """Objects that ``target`` may name, as Python would resolve it where the docstring is."""
    module, cls = node.get("py:module") or "", node.get("py:class") or ""
    if target.startswith("chainlab"):
        yield target, _lookup(target)
        return
    context = _lookup(f"{module}.{cls}" if cls else module) if module else None
    for scope in filter(None, [module and cls and f"{module}.{cls}", module]):
        yield f"{scope}.{target}", _lookup(f"{scope}.{target}")
    defining = getattr(context, "__module__", None) if context is not None else None
    if defining and defining != module:  # names imported where the object is defined
        yield f"{defining}.{target}", _lookup(f"{defining}.{target}")


def _public_name(path: str, obj) -> str | None:
    public = _public_names.get(id(obj))
    if public is None and not inspect.ismodule(obj):  # a method or attribute of a public class
        owner, _, attr = path.rpartition(".")
        owner_public = _public_names.get(id(_lookup(owner)))
        public = f"{owner_public}.{attr}" if owner_public else None
    return public


def _resolve_alias(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    domain = env.get_domain("py")
    for path, obj in _candidates(node, target):
        public = _public_name(path, obj) if obj is not None else None
        if public is None or public == target:
            continue
        for role in ("obj", "class", "func", "meth", "attr", "mod", "exc", "data"):
            ref = domain.resolve_xref(env, node["refdoc"], app.builder, role, public, node,
                                      contnode)
            if ref is not None:
                return ref
    return None


def setup(app):
    app.connect("source-read", _drop_missing_toctree_entries)
    app.connect("source-read", _rewrite_outside_links)
    app.connect("source-read", _add_missing_title)
    app.connect("builder-inited", _collect_public_names)
    app.connect("missing-reference", _resolve_alias)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
