"""The statement pages as the two parties' finance users use them: UN's finance user issues a
statement of SA-2024-002 (UN and INTERPOL), both parties accept it, UN records the payment
its transfer asks for and INTERPOL confirms the receipt."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.browser.conftest import log_in, log_out

pytestmark = pytest.mark.browser

SA = "SA-2024-002"


def flash(page) -> str:
    return page.locator('main [role="alert"]').first.inner_text()


def accept(page, party: str) -> None:
    page.get_by_label("For").select_option(party)
    page.get_by_label("Decision").select_option("accept")
    page.get_by_role("button", name="Record decision").click()


def test_issue_accept_pay_and_confirm_as_the_two_parties_finance_users(page):
    today = date.today()
    # Up to the end of last month: this month's expenses (other tests record some) stay open.
    end = today.replace(day=1) - timedelta(days=1)

    log_in(page, "finance")
    page.goto(f"/arrangements/{SA}")
    section = page.locator("section#statements")
    assert "No statement issued yet." in section.inner_text()
    section.get_by_label("Up to", exact=True).fill(end.isoformat())
    section.get_by_role("button", name="Preview").click()
    assert f"to {end.isoformat()} (preview)" in page.locator("section#statements").inner_text()
    # the period previewed is the one the issue form closes
    assert section.get_by_label("Close the period up to").input_value() == end.isoformat()
    page.get_by_label(re.compile(r"^I have checked the figures")).check()
    dialogs: list[str] = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.accept()))
    page.get_by_role("button", name="Issue statement").click()
    page.wait_for_url(re.compile(rf"/statements/arrangements/{SA}/1$"))
    assert dialogs and "Its period closes" in dialogs[0]
    assert f"Statement 1 issued: the period up to {end.isoformat()} is closed." in flash(page)
    main = page.locator("main")
    assert f"Statement 1 of {SA}" in main.locator("h1").inner_text()
    transfer = page.locator("#transfers tbody tr").first
    payer, payee = transfer.get_attribute("data-from"), transfer.get_attribute("data-to")
    assert {payer, payee} == {"UN", "INTERPOL"}
    outstanding = transfer.locator('[data-figure="outstanding"]').inner_text()
    assert re.fullmatch(r"\d{1,3}(,\d{3})*\.\d{2}", outstanding), outstanding
    accept(page, "UN")
    assert "UN accepted statement 1. The statement is now: Issued." in flash(page)
    page.watch.assert_clean("issuing and accepting for UN")
    log_out(page)

    log_in(page, "finance_interpol")
    page.goto(f"/statements/arrangements/{SA}/1")
    # INTERPOL's user decides for INTERPOL only.
    assert page.get_by_label("For").locator("option").all_inner_texts() == ["INTERPOL"]
    accept(page, "INTERPOL")
    assert "INTERPOL accepted statement 1. The statement is now: Agreed." in flash(page)
    page.watch.assert_clean("accepting for INTERPOL")
    log_out(page)

    # The paying party records its payment of what is outstanding.
    log_in(page, "finance" if payer == "UN" else "finance_interpol")
    page.goto(f"/statements/arrangements/{SA}/1")
    choice = page.locator("#payment-transfer option").first.inner_text()
    assert choice == f"{payer} pays {payee} (outstanding {outstanding} USD)"
    page.locator("#payment-amount").fill(outstanding)
    page.locator("#payment-date").fill(today.isoformat())
    page.get_by_label("Bank reference").fill("BT-STATEMENT-1")
    page.get_by_role("button", name="Record payment").click()
    assert (f"Payment of {outstanding} USD from {payer} to {payee} recorded; the receiving "
            "party confirms its receipt.") in flash(page)
    assert "receipt not confirmed yet" in page.locator("#transfers").inner_text()
    assert page.locator("#transfers tbody tr").first.locator(
        '[data-figure="outstanding"]').inner_text() == "0.00"
    page.watch.assert_clean("recording the payment")
    log_out(page)

    # The receiving party confirms it arrived.
    log_in(page, "finance" if payee == "UN" else "finance_interpol")
    page.goto(f"/statements/arrangements/{SA}/1")
    page.get_by_role("button", name="Confirm receipt").click()
    assert re.search(r"Receipt of payment \d+ confirmed\.", flash(page))
    transfers = page.locator("#transfers").inner_text()
    assert "receipt not confirmed yet" not in transfers and "Paid" in transfers
    page.watch.assert_clean("confirming the receipt")
