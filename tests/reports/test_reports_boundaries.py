"""reports/ receives plain data and returns bytes: it never imports the web application."""

from __future__ import annotations

import ast
from pathlib import Path

import reports

# The application's pure layers, standard library only (tests/test_vocabulary.py checks it).
ALLOWED_PROJECT_IMPORTS = {"jointprojects.money", "jointprojects.vocabulary",
                           "jointprojects.bounds", "jointprojects.dates",
                           "jointprojects.special_arrangements.allocation",
                           "jointprojects.locales"}  # Babel's formats, no Flask (issue 17)
FORBIDDEN_ROOTS = {"flask", "flask_sqlalchemy", "flask_login", "flask_wtf", "flask_migrate",
                   "sqlalchemy", "wtforms", "werkzeug", "pandas"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_reports_imports_neither_flask_nor_the_database_nor_app_code() -> None:
    package = Path(reports.__file__).parent
    files = sorted(package.glob("*.py"))
    assert files
    for path in files:
        for name in _imports(path):
            root = name.split(".")[0]
            assert root not in FORBIDDEN_ROOTS, f"{path.name} imports {name}"
            if root == "jointprojects":
                assert name in ALLOWED_PROJECT_IMPORTS, f"{path.name} imports {name}"
