"""``jointprojects report cost-split`` draws a progress bar on a terminal (tqdm, stderr)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from tests.jobs.test_jobs import _expenses


def test_the_cost_report_command_shows_its_progress(runner: Any, make_arrangement: Any,
                                                    make_user: Any, tmp_path: Path) -> None:
    sa = make_arrangement()
    _expenses(sa, make_user("finance", "UN"), 1_200)
    out = tmp_path / "report.xlsx"
    result = runner.invoke(args=["report", "cost-split", sa.reference, "--out", str(out),
                                 "--progress"])
    assert result.exit_code == 0, result.output
    assert "writing the Expenses sheet" in result.stderr
    assert "1.20k/1.20k" in result.stderr  # the bar reached every row
    assert "saving the workbook" in result.stderr
    assert f"Wrote {out}" in result.stdout and "Expenses" not in result.stdout
    wb = openpyxl.load_workbook(out, read_only=True)
    try:
        assert len(list(wb["Expenses"].iter_rows(min_row=2))) == 1_200
    finally:
        wb.close()
    # not a terminal: no bar unless asked
    quiet = runner.invoke(args=["report", "cost-split", sa.reference, "--out", str(out)])
    assert quiet.exit_code == 0 and "writing the Expenses sheet" not in quiet.stderr
