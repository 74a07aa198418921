"""The French catalog must be compiled (``make install``/``make translations`` do it); a
direct ``pytest`` run after editing the .po compiles it here too, so that the tests read the
catalog as it stands."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import jointprojects

# The workbook tests reuse the reports' sample data and LibreOffice (fixtures).
from tests.libreoffice import libreoffice, soffice  # noqa: F401
from tests.reporting.conftest import arrangement, finance, rates  # noqa: F401
from tests.reports.conftest import make_report, sample_rows  # noqa: F401

TRANSLATIONS = Path(jointprojects.__file__).parent / "translations"
PO = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po"
POT = TRANSLATIONS / "messages.pot"


@pytest.fixture(scope="session", autouse=True)
def compiled_catalog() -> None:
    mo = PO.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < PO.stat().st_mtime:
        with PO.open("rb") as source:
            catalog = read_po(source, locale="fr")
        with mo.open("wb") as target:
            write_mo(target, catalog)
