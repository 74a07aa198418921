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
from collections.abc import Callable
from pathlib import Path

import pytest

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


