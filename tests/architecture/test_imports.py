"""Which way imports go (STYLE.md habit 16).

An import placed inside a function to dodge a cycle hides a design question, so no module of
jointprojects/ imports one of ours inside a function: the dependency gets a direction instead
(the shared piece moves down, the caller calls both, or a blinker signal). Only the
application factory's wiring may import inside its functions. The pure layers (money,
allocation, reports/) stay loadable without Flask or SQLAlchemy.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import jointprojects
import reports

PACKAGE = Path(jointprojects.__file__).parent
REPORTS = Path(reports.__file__).parent

#: (module, function) pairs that may import jointprojects modules inside a function.
ALLOWED = {
    # The application factory wires the app together in named register_* steps (STYLE.md 16).
    ("jointprojects", "register_extensions"),
    ("jointprojects", "register_blueprints"),
    ("jointprojects", "register_compositions"),
    ("jointprojects", "register_page_transactions"),
    ("jointprojects", "register_errorhandlers"),
    ("jointprojects", "register_template_helpers"),
    ("jointprojects", "register_cli"),
    # removed when the exchange-rate package and the reallocation signal land
    ("jointprojects.special_arrangements.amendments", "consent"),
    # removed when the exchange-rate package (the rate book of personnel costs) lands
    ("jointprojects.personnel_exchanges.costs", "convert_amount"),
}

#: What the pure layers must never load, directly or through another module.
FRAMEWORK_ROOTS = ("flask", "sqlalchemy")
PURE_MODULES = ("jointprojects.money", "jointprojects.special_arrangements.allocation")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> list[Path]:
    paths = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)
    assert len(paths) > 50, paths
    return paths


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:  # a relative import is always one of ours
        return ["." * node.level + (node.module or "")]
    return [node.module or ""]


def _is_ours(name: str) -> bool:
    return name.startswith(".") or name.split(".")[0] == "jointprojects"


def imports_inside_functions(source: str, filename: str) -> list[tuple[str, int, str]]:
    """(outermost function, line, imported module) of every jointprojects import that sits in
    the body of a function, however deeply nested; module-level imports (also the ones under
    ``if TYPE_CHECKING:``) are not listed."""
    found: list[tuple[str, int, str]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            inner = function
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                inner = function or getattr(child, "name", "<lambda>")
            if function and isinstance(child, (ast.Import, ast.ImportFrom)):
                found.extend((function, child.lineno, n) for n in _imported(child) if _is_ours(n))
            visit(child, inner)

    visit(ast.parse(source, filename), None)
    return found


def test_the_scanner_sees_nested_and_relative_imports_but_not_module_level_ones() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "import jointprojects.money\n"
        "if TYPE_CHECKING:\n"
        "    from jointprojects.auth.models import User\n"
        "def outer():\n"
        "    import json\n"
        "    def inner():\n"
        "        from jointprojects.audit import services\n"
        "    from . import errors\n"
        "class Thing:\n"
        "    def method(self):\n"
        "        import jointprojects.web\n"
    )
    assert imports_inside_functions(source, "example.py") == [
        ("outer", 8, "jointprojects.audit"),
        ("outer", 9, "."),
        ("method", 12, "jointprojects.web"),
    ]


def test_no_module_imports_one_of_ours_inside_a_function() -> None:
    offenders = []
    seen = set()
    for path in _modules():
        module = _module_name(path)
        for function, line, name in imports_inside_functions(path.read_text(), str(path)):
            seen.add((module, function))
            if (module, function) not in ALLOWED:
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line} {function}() "
                                 f"imports {name}")
    assert not offenders, (
        "imports inside functions (give the dependency a direction: move the shared piece "
        "down, let the caller call both, or send a signal):\n" + "\n".join(offenders)
    )
    stale = sorted(ALLOWED - seen)
    assert not stale, f"allowed but no longer importing inside the function, delete: {stale}"


def _framework_imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [n for n in _imported(node) if n.split(".")[0] in FRAMEWORK_ROOTS]
    return names


def test_the_pure_modules_import_neither_flask_nor_sqlalchemy() -> None:
    """Anywhere in the file, also inside functions and under TYPE_CHECKING (reports/ has its
    own, stricter test in tests/reports/test_reports_boundaries.py)."""
    for module in PURE_MODULES:
        path = PACKAGE.parent / (module.replace(".", "/") + ".py")
        assert _framework_imports(path) == [], module


def test_the_pure_layers_load_without_flask_or_sqlalchemy() -> None:
    """In a fresh interpreter, so that a package ``__init__`` or a module they import that
    pulls in Flask or SQLAlchemy is caught too."""
    modules = [*PURE_MODULES, "reports"]
    modules += [f"reports.{p.stem}" for p in sorted(REPORTS.glob("*.py")) if p.stem != "__init__"]
    assert len(modules) > 5, modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "    roots = {m.split('.')[0] for m in sys.modules}\n"
        f"    loaded = sorted(roots & {set(FRAMEWORK_ROOTS)!r})\n"
        "    if loaded:\n"
        "        print(name, 'loads', ', '.join(loaded))\n"
        "        break\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "", result.stdout
