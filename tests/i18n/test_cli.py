"""The command line speaks the language asked for: ``--lang``, else the locale (LANG)."""

from __future__ import annotations

import openpyxl


def test_report_cost_split_in_french_with_lang(runner, arrangement, tmp_path) -> None:
    out = tmp_path / "mars.xlsx"
    result = runner.invoke(args=["report", "cost-split", arrangement.reference, "--out",
                                 str(out), "--from", "2025-03-01", "--to", "2025-03-31",
                                 "--lang", "fr"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.properties.language == "fr"
    about = {r[0]: r[1] for r in book["À propos"].iter_rows(values_only=True) if r and r[0]}
    assert about["Période"] == "du 1 mars 2025 au 31 mars 2025"


def test_cli_messages_follow_the_locale_or_lang(runner, arrangement, tmp_path,
                                                monkeypatch) -> None:
    args = ["report", "cost-split", arrangement.reference, "--out", str(tmp_path / "r.xlsx"),
            "--from", "2025-03-01", "--to", "2025-02-01"]
    english = runner.invoke(args=args)
    assert english.exit_code == 1
    assert "The period ends (2025-02-01) before it starts (2025-03-01)." in english.stderr
    french = runner.invoke(args=[*args, "--lang", "fr"])
    assert french.exit_code == 1
    assert "La période se termine (2025-02-01) avant de commencer (2025-03-01)." in french.stderr
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    by_locale = runner.invoke(args=args)
    assert "La période se termine (2025-02-01) avant de commencer (2025-03-01)." in by_locale.stderr
    assert len(by_locale.stderr.strip().splitlines()) == 1
