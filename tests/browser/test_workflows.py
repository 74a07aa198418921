"""What people do in the pages: a programme manager creates a project and an arrangement (share
rows added in the page, a travel override) and the parties sign; finance records an expense
and downloads a report; leadership reads the charts."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.browser.conftest import log_in, log_out

pytestmark = pytest.mark.browser


def nav(page, name: str):
    return page.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name=name, exact=True)


def flash(page) -> str:
    return page.locator('main [role="alert"]').first.inner_text()


def test_a_programme_manager_creates_a_project_and_an_arrangement_and_the_parties_sign(page):
    log_in(page, "programme_manager")
    nav(page, "Projects").click()
    page.get_by_role("link", name="New project").click()
    page.get_by_label("Code").fill("JP-BT-001")
    page.get_by_label("Title").fill("Browser-tested joint training")
    page.get_by_label(re.compile(r"^\(b\)")).check()
    page.get_by_label(re.compile(r"^\(c\)")).check()
    page.get_by_label("Lead organization").select_option("UN")
    page.get_by_label("Start date").fill("2026-01-01")
    page.get_by_role("button", name="Save").click()
    assert "Project JP-BT-001 created." in flash(page)
    page.watch.assert_clean("creating the project")

    page.get_by_role("link", name="New special arrangement").click()
    assert page.get_by_label("Joint project").input_value() == "JP-BT-001"
    page.get_by_label("Reference").fill("SA-BT-001")
    page.get_by_label("Title").fill("Joint training, browser-tested")
    page.get_by_label("Start date").fill("2026-01-01")
    # Shares as a category x party matrix: the default row, then a row added in the page for
    # travel costs shared 70 / 30. The new row takes the focus so that it can be filled from
    # the keyboard.
    page.fill('[name="matrix-0-UN"]', "60")
    page.fill('[name="matrix-0-INTERPOL"]', "40")
    page.get_by_role("button", name="Add a category row").click()
    focused = page.evaluate("document.activeElement.name")
    index = re.fullmatch(r"matrix-(\d+)-category", focused).group(1)
    page.keyboard.press("t")  # "Travel" in the category list
    assert page.input_value(f'[name="matrix-{index}-category"]') == "travel"
    page.fill(f'[name="matrix-{index}-UN"]', "70")
    page.fill(f'[name="matrix-{index}-INTERPOL"]', "30")
    page.get_by_role("button", name="Save draft").click()
    assert "SA-BT-001 created as a draft" in flash(page)
    shares = page.locator("section[aria-label='Version 1'] table")
    assert re.search(r"Travel\s+70 %\s+30 %", shares.inner_text())
    assert re.search(r"Default\s+60 %\s+40 %", shares.inner_text())
    page.watch.assert_clean("creating the arrangement")

    # Each party signs for itself: UN now, INTERPOL's programme manager next.
    assert page.get_by_label("For").locator("option").all_inner_texts() == ["UN"]
    page.get_by_label("Date").fill(date.today().isoformat())
    # The signatory is named (not the user who records the signature).
    page.get_by_role("button", name="Record signature").click()
    assert "Give the name of the person who signed" in page.locator("main").inner_text()
    # The refusal answers 422 on purpose (Chromium logs it): nothing else may have failed.
    page.watch.problems = [p for p in page.watch.problems
                           if not ("/sign" in p and "422" in p)]
    page.watch.assert_clean("a signature without its signatory")
    page.get_by_label("Signatory's name").fill("Ana Ruiz")
    page.get_by_label("Signatory's title").fill("Director")
    page.get_by_role("button", name="Record signature").click()
    assert "Signature recorded for UN." in flash(page)
    assert "Signed for UN by Ana Ruiz, Director" in page.locator("main").inner_text()
    log_out(page)
    log_in(page, "programme_manager_interpol")
    page.goto("/arrangements/SA-BT-001")
    page.get_by_label("Signatory's name").fill("Jan Berg")
    page.get_by_label("Signatory's title").fill("Executive Director")
    page.get_by_role("button", name="Record signature").click()
    assert "Signature recorded for INTERPOL." in flash(page)
    assert page.locator("main h1 + p .badge").inner_text() == "In force"
    page.watch.assert_clean("signing")


def test_finance_records_an_expense_and_downloads_reports(page, tmp_path):
    log_in(page, "finance")
    page.goto("/arrangements/SA-2024-001")
    page.get_by_role("link", name="Record an expense").first.click()
    page.get_by_label("Date").fill(date.today().isoformat())
    page.get_by_label("Category").select_option("training")
    page.get_by_label("Paid by").select_option("UN")
    page.get_by_label("Amount").fill("1 234,50")  # as typed in much of Europe
    page.get_by_label("Currency").select_option("USD")
    page.get_by_label("Description").fill("Browser-tested training room")
    page.get_by_role("button", name="Record").click()
    assert re.search(r"Expense recorded: 1,234\.50 USD \(UN [\d.]+; INTERPOL [\d.]+\)",
                     flash(page))
    page.watch.assert_clean("recording the expense")

    # The arrangement's cost report, then the portfolio workbook from the dashboard.
    page.goto("/arrangements/SA-2024-001")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download cost report (.xlsx)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx" and saved.read_bytes()[:2] == b"PK"
    page.watch.assert_clean("downloading the cost report")

    nav(page, "Dashboard").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download portfolio workbook (.xlsx)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("portfolio-") and saved.suffix == ".xlsx"
    assert saved.read_bytes()[:2] == b"PK"  # a zip container, as every .xlsx
    page.watch.assert_clean("downloading the portfolio")


def test_leadership_sees_the_charts_with_their_data_tables(page):
    log_in(page, "leadership")
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas')].every(c => Chart.getChart(c))")
    canvases = page.locator("main canvas")
    assert canvases.count() >= 7  # projects x2, arrangements, per currency: parties and burn
    for i in range(canvases.count()):
        canvas = canvases.nth(i)
        assert canvas.get_attribute("role") == "img" and canvas.get_attribute("aria-label")
        assert canvas.bounding_box()["height"] > 100
        # The figures drawn are also in a table right beneath the chart.
        table = canvas.locator("xpath=../following-sibling::*[1]/descendant-or-self::table")
        assert table.count() == 1 and table.locator("tbody tr").count() >= 1
    page.watch.assert_clean("dashboard")

    # Filters go into the URL, which can be shared.
    page.get_by_label("Organization").select_option("INTERPOL")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(r"organization=INTERPOL"))
    in_force = page.get_by_label(re.compile(r"^Arrangements in force: \d+"))
    count = in_force.get_attribute("data-count")
    in_force.click()
    assert f"{count} in all." in page.locator("main").inner_text()
    page.watch.assert_clean("following a figure")

    # The printed page keeps the figures, not the controls.
    page.go_back()
    page.emulate_media(media="print")
    assert not page.locator("form.dashboard-filters").is_visible()
    assert page.locator(".print-only").first.is_visible()
    assert page.locator("main canvas").first.is_visible()
