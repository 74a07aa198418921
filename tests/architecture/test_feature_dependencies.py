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
