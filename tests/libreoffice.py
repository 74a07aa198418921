"""LibreOffice headless as the spreadsheet engine of the tests (issue 5), shared by
tests/reports (the pure workbooks) and tests/reporting (the workbooks the application sends).

``libreoffice`` converts a workbook in a fresh profile that forces recalculation on load
(OOXMLRecalcMode = 0, "always") and returns the recalculated file. Without LibreOffice the
tests using it are skipped with the reason shown, except under ``CI=true`` where they fail:
CI installs libreoffice-calc-nogui and must run them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

_RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
  <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
</oor:items>
"""


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session")
def soffice() -> str:
    """Path of LibreOffice; skips (or fails under CI=true) when it is absent."""
    path = find_soffice()
    if path is None:
        reason = ("LibreOffice (soffice) is not installed: the recalculation test did not run; "
                  "apt-get install libreoffice-calc-nogui")
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " (CI=true: this test must run)")
        pytest.skip(reason)
    return path


@pytest.fixture
def libreoffice(soffice: str, tmp_path: Path) -> Callable[[bytes, str], Path]:
    """``libreoffice(xlsx_bytes, to="xlsx")`` -> path of the file LibreOffice wrote after
    loading (and recalculating) the workbook in a fresh profile; the folder when it wrote
    several (CSV, one file per sheet)."""

    def convert(data: bytes, to: str = "xlsx") -> Path:
        profile = tmp_path / "lo-profile"
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(_RECALC_ALWAYS)
        source_dir = tmp_path / "in"
        out_dir = tmp_path / "out"
        source_dir.mkdir(exist_ok=True)
        out_dir.mkdir(exist_ok=True)
        source = source_dir / "report.xlsx"
        source.write_bytes(data)
        command = [
            soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
            "--nolockcheck", "--convert-to", to, "--outdir", str(out_dir), str(source),
        ]
        # Our own LibreOffice binary with fixed arguments, no shell.
        result = subprocess.run(command, capture_output=True, text=True, timeout=180,
                                check=False, env={**os.environ, "HOME": str(tmp_path)})
        produced = sorted(out_dir.iterdir())
        if result.returncode != 0 or not produced:
            pytest.fail(f"LibreOffice failed ({result.returncode}): {result.stdout}"
                        f"{result.stderr}")
        # One file, or one per sheet (CSV of every sheet): then the folder.
        return produced[0] if len(produced) == 1 else out_dir

    return convert




# -- reading the PDF LibreOffice prints (issue 11 item 12) -----------------------------------------

#: ISO A4 in PostScript points, either way up.
A4_POINTS = (595.28, 841.89)


@dataclass(frozen=True)
class Fragment:
    """A piece of text drawn on a PDF page: its baseline ``y`` (points from the bottom),
    ``x``, and its font size in points."""

    text: str
    x: float
    y: float
    size: float


def pdf_pages(path: Path) -> list[Any]:
    """The pages of a PDF (pypdf)."""
    return list(PdfReader(str(path)).pages)


def pdf_metadata(path: Path) -> dict[str, str]:
    return {k: str(v) for k, v in (PdfReader(str(path)).metadata or {}).items()}


def fragments(page: Any) -> list[Fragment]:
    """Every non-blank text fragment of ``page`` with its position and size."""
    found: list[Fragment] = []

    def visit(text: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if text.strip():
            scale = abs(tm[3] * cm[3]) or 1.0
            found.append(Fragment(text, tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5],
                                  size * scale))

    page.extract_text(visitor_text=visit)
    return found


def sheet_of(page: Any) -> str:
    """The sheet a printed page belongs to: the middle one of the three texts of the page
    header (left: the subject, middle: the sheet's name, right: the classification)."""
    parts = fragments(page)
    top = max(f.y for f in parts)
    header = sorted((f for f in parts if abs(f.y - top) < 0.5), key=lambda f: f.x)
    assert len(header) == 3, [f.text for f in header]
    return header[1].text


def is_a4(page: Any) -> bool:
    box = page.mediabox
    size = sorted((float(box.width), float(box.height)))
    return abs(size[0] - A4_POINTS[0]) < 1 and abs(size[1] - A4_POINTS[1]) < 1


def header_clear_of_first_row(page: Any, headers: list[str], first_cell: str) -> list[str]:
    """The words of the column ``headers`` that are NOT printed above the first data row
    (whose cell reads ``first_cell``): a wrapped header whose row is too short prints its
    last line on the data row's line (or hides it). Empty when every word of every header
    stands at least most of a line above the first row."""
    parts = fragments(page)
    row = next(f for f in parts if f.text.strip() == first_cell)
    above = Counter(word for f in parts if f.y >= row.y + 0.8 * row.size
                    for word in f.text.split())
    wanted = Counter(word for header in headers for word in header.split())
    return sorted((wanted - above).elements())
