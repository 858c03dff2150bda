"""The package's shape: every module imports on its own, and ``core`` depends on no outer layer.

Layers (``docs/architecture.md``): ``web → analytics/maps → core ← io``. ``core`` is pure
computation; it must not import ``io``, ``web``, ``store``, ``analytics``, ``maps``, the
command line, the runtime or Flask.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "geoservice"

#: Alembic scripts: run by ``alembic`` with its migration context, not importable alone.
NOT_MODULES = ("geoservice.store.migrations",)

#: What ``geoservice.core`` must not import (module name prefixes).
FORBIDDEN_IN_CORE = (
    "geoservice.io",
    "geoservice.web",
    "geoservice.store",
    "geoservice.analytics",
    "geoservice.maps",
    "geoservice.cli",
    "geoservice.runtime",
    "geoservice.wsgi",
    "flask",
    "flask_smorest",
    "werkzeug",
)


def module_name(path: Path) -> str:
    """``geoservice/web/app.py`` → ``geoservice.web.app``; a package's ``__init__`` → the
    package."""
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def package_modules() -> list[str]:
    """Every module of ``geoservice/``, in alphabetical order, found on disk (nothing
    imported)."""
    names = {module_name(p) for p in PACKAGE_DIR.rglob("*.py")}
    return sorted(n for n in names if not n.startswith(NOT_MODULES))


def imported_modules(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Absolute names of every module `source` imports, anywhere in the file (functions and
    ``TYPE_CHECKING`` blocks included); relative imports are resolved against `module` (a
    package's ``__init__`` when `is_package`).

    ``from a import b`` counts as both ``a`` and ``a.b`` (``b`` may be a submodule).
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                keep = len(base) - node.level + (1 if is_package else 0)
                prefix = ".".join(base[:keep])
                target = f"{prefix}.{node.module}" if node.module else prefix
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def layer_violations(source: str, module: str, *, is_package: bool = False) -> list[str]:
    """The imports of `source` that ``core`` may not make."""
    return sorted(
        name
        for name in imported_modules(source, module, is_package=is_package)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN_IN_CORE)
    )


def test_the_layer_check_sees_every_kind_of_import() -> None:
    source = textwrap.dedent(
        """
        from typing import TYPE_CHECKING
        import numpy as np
        from geoservice.errors import DataError
        from geoservice.core.crs import METRIC_CRS
        from ..io import osm
        from geoservice import web
        from . import snapping
        if TYPE_CHECKING:
            from geoservice.runtime import Runtime
        def late():
            import flask
            from geoservice.maps.render import render_choropleth
        """
    )
    assert layer_violations(source, "geoservice.core.example") == [
        "flask",
        "geoservice.io",
        "geoservice.io.osm",
        "geoservice.maps.render",
        "geoservice.maps.render.render_choropleth",
        "geoservice.runtime",
        "geoservice.runtime.Runtime",
        "geoservice.web",
    ]


def test_core_imports_no_outer_layer_and_no_flask() -> None:
    core = sorted((PACKAGE_DIR / "core").rglob("*.py"))
    assert len(core) > 10
    offenders = {
        module_name(path): bad
        for path in core
        if (
            bad := layer_violations(
                path.read_text(encoding="utf-8"),
                module_name(path),
                is_package=path.name == "__init__.py",
            )
        )
    }
    assert offenders == {}, f"core imports outer layers: {offenders}"


# One interpreter imports the third-party libraries the package uses, then forks one child per
# module of the package, in alphabetical order: each child starts with no geoservice module
# loaded, so it imports its module exactly as a fresh interpreter would, without paying again
# for numpy, pandas, Flask... A child whose module was already loaded by the import of its
# parent package is skipped: Python imports the parent package first, so that import is the
# same one.
_FORK_SCRIPT = r"""
import ast, importlib, json, os, sys, tempfile, traceback

names = json.loads(sys.argv[1])
third_party = json.loads(sys.argv[2])
for name in third_party:
    try:
        importlib.import_module(name)
    except ImportError:
        pass  # an optional dependency; the child that needs it will say so
assert not [m for m in sys.modules if m.split(".")[0] == "geoservice"]
# Compile each geoservice module once, into a scratch folder, not once per child.
sys.dont_write_bytecode = False
sys.pycache_prefix = tempfile.mkdtemp(prefix="geoservice-pyc-")

results = {}
loaded_by = {}
for name in names:
    parent = name.rpartition(".")[0]
    if name in loaded_by.get(parent, ()):
        results[name] = {"ok": True, "via": parent}
        continue
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module(name)
            loaded = sorted(m for m in sys.modules if m.startswith("geoservice"))
            out = {"ok": True, "loaded": loaded}
        except BaseException:
            out = {"ok": False, "error": traceback.format_exc()}
        with os.fdopen(write, "w") as f:
            json.dump(out, f)
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as f:
        text = f.read()
    _, status = os.waitpid(pid, 0)
    out = json.loads(text) if text else {"ok": False, "error": f"child exited with {status}"}
    loaded_by[name] = set(out.pop("loaded", ()))
    results[name] = out
print(json.dumps(results))
"""


def _third_party_imports(names: list[str]) -> list[str]:
    found: set[str] = set()
    for path in PACKAGE_DIR.rglob("*.py"):
        name = module_name(path)
        if name in names:
            source = path.read_text(encoding="utf-8")
            imports = imported_modules(source, name, is_package=path.name == "__init__.py")
            found.update(m for m in imports if m and m.split(".")[0] != "geoservice")
    return sorted(found)


@pytest.mark.slow
def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    names = package_modules()
    assert "geoservice.core.crs" in names
    assert "geoservice.cli" in names
    completed = subprocess.run(
        [
            sys.executable,
            "-c",
            _FORK_SCRIPT,
            json.dumps(names),
            json.dumps(_third_party_imports(names)),
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        cwd=PACKAGE_DIR.parent,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    results = json.loads(completed.stdout.strip().splitlines()[-1])
    assert sorted(results) == names
    failures = {name: r["error"] for name, r in results.items() if not r["ok"]}
    assert failures == {}, "\n".join(f"{n}:\n{e}" for n, e in failures.items())
