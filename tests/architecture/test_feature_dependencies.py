"""Features depend on each other in one direction, at module level: special arrangements know
nothing of the expenses that follow their amendments (a signal, connected by the factory),
and exchange rates know nothing of the features that convert with them. (No import inside a
function anywhere: test_imports.py.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import jointprojects

PACKAGE = Path(jointprojects.__file__).parent

#: feature -> the features it must never import (they depend on it).
NEVER = {
    "special_arrangements": ("expenses", "budgets", "exchange_rates"),
    "exchange_rates": ("expenses", "budgets", "personnel_exchanges", "reporting"),
}


def _modules(feature: str) -> list[Path]:
    files = sorted((PACKAGE / feature).glob("*.py"))
    assert files, feature
    return files


def _imports(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("feature", sorted(NEVER))
def test_a_feature_never_imports_the_features_that_follow_it(feature: str) -> None:
    forbidden = tuple(f"jointprojects.{name}" for name in NEVER[feature])
    for path in _modules(feature):
        for name in _imports(ast.parse(path.read_text(), str(path))):
            assert not name.startswith(forbidden), f"{feature}/{path.name} imports {name}"


#: The features' services in the order they may import each other (docs/ARCHITECTURE.md).
ORDER = (
    "organizations", "auth", "audit", "jobs", "projects", "special_arrangements",
    "exchange_rates", "expenses", "budgets", "personnel_exchanges", "documents", "reporting",
    "statements", "inbox", "notifications", "dashboard", "evidence",
)
#: Modules that are not services: models name each other's classes, entry points show
#: several features at once.
NOT_SERVICES = {"models.py", "views.py", "api.py", "forms.py", "schemas.py", "demo.py",
                "cli.py", "admin.py", "__init__.py"}


def test_every_feature_package_has_its_place_in_the_order() -> None:
    packages = {p.name for p in PACKAGE.iterdir()
                if (p / "__init__.py").exists() and p.name not in {"api", "migrations"}}
    assert packages == set(ORDER)


@pytest.mark.parametrize("feature", ORDER)
def test_services_import_only_the_services_of_earlier_features(feature: str) -> None:
    later = ORDER[ORDER.index(feature) + 1:]
    problems = []
    for path in _modules(feature):
        if path.name in NOT_SERVICES:
            continue
        for name in _imports(ast.parse(path.read_text(), str(path))):
            parts = name.split(".")
            if (len(parts) > 2 and parts[0] == "jointprojects" and parts[1] in later
                    and parts[2] != "models"):
                problems.append(f"{feature}/{path.name} imports {name}")
    assert not problems, problems
