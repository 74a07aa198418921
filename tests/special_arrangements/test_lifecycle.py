"""Issue 11, items 1, 2 and 5: the status ``signed`` before the entry into force, signatures
that name the signatory, and who is awaited for what.

Pages read the status as of today: the arrangements here are signed today with a start date
tomorrow (today is the day before their entry into force: ``signed``) or today (the day of
entry into force: ``in_force``). The model and the SQL are checked on days before and after.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from jointprojects.extensions import db
from jointprojects.special_arrangements import amendments, queries, services
from jointprojects.special_arrangements.models import Signature, SpecialArrangement
from jointprojects.special_arrangements.services import ShareData
from jointprojects.vocabulary import label

TODAY = date.today()
SIGNED_LABEL = label("signed")


@pytest.fixture()
def pair(make_arrangement):
    """NEXT: every party signed today, entry into force tomorrow; NOW: in force from today."""
    nxt = make_arrangement(reference="SA-NEXT", start_date=TODAY + timedelta(days=1),
                           signed_on=TODAY)
    now = make_arrangement(reference="SA-NOW", start_date=TODAY, signed_on=TODAY)
    return nxt, now


def _badge(html: str) -> str:
    """The status badge in the arrangement page's heading line."""
    head = html.split("<h1", 1)[1].split("</p>", 1)[0]
    return re.findall(r'<span class="badge [^"]*">([^<]+)</span>', head)[-1]


# --- item 1: signed, then in force ---------------------------------------------------------


def test_the_status_is_signed_until_the_entry_into_force_then_in_force(db, pair):
    nxt, _ = pair
    eif = nxt.entry_into_force
    assert eif == TODAY + timedelta(days=1)
    assert nxt.status_on(eif - timedelta(days=1)) == "signed"
    assert nxt.status_on(eif) == "in_force"
    assert nxt.status_on(eif + timedelta(days=1)) == "in_force"
    for day, expected in ((eif - timedelta(days=1), "signed"), (eif, "in_force")):
        sql = db.session.scalar(select(queries.status_on_clause(day))
                                .where(SpecialArrangement.id == nxt.id))
        assert sql == expected
        listed = set(db.session.scalars(queries.arrangement_query(status=expected, on=day)))
        assert nxt in listed
        assert not set(db.session.scalars(queries.arrangement_query(
            status="in_force" if expected == "signed" else "signed", on=day))) & {nxt}


def test_in_force_clause_never_counts_an_arrangement_before_its_entry_into_force(db, pair):
    nxt, now = pair
    in_force = set(db.session.scalars(
        select(SpecialArrangement).where(queries.in_force_on_clause(TODAY))))
    assert now in in_force and nxt not in in_force


def test_the_page_and_the_list_show_signed_before_and_in_force_on_the_day(login, make_user,
                                                                          pair):
    web = login(make_user("programme_manager", "UN"))
    nxt_page = web.get("/arrangements/SA-NEXT").get_data(as_text=True)
    assert _badge(nxt_page) == SIGNED_LABEL
    assert f"enters into force on <strong>{(TODAY + timedelta(days=1)).isoformat()}" in nxt_page
    assert _badge(web.get("/arrangements/SA-NOW").get_data(as_text=True)) == "In force"

    listing = web.get("/arrangements/").get_data(as_text=True)
    rows = dict(re.findall(r'>(SA-NEXT|SA-NOW)</a>.*?<td>\s*<span class="badge [^"]*">([^<]+)<',
                           listing, re.S))
    assert rows == {"SA-NEXT": SIGNED_LABEL, "SA-NOW": "In force"}
    assert f'<option value="signed" >{SIGNED_LABEL}</option>' in listing
    signed_only = web.get("/arrangements/?status=signed").get_data(as_text=True)
    assert "SA-NEXT" in signed_only and "SA-NOW" not in signed_only
    in_force_only = web.get("/arrangements/?status=in_force").get_data(as_text=True)
    assert "SA-NOW" in in_force_only and "SA-NEXT" not in in_force_only


def test_the_dashboard_counts_signed_apart_from_in_force(login, api, make_user, pair):
    data = api("leadership").get("/api/v1/dashboard").get_json()["arrangements"]
    assert (data["in_force"], data["signed"]) == (1, 1)
    html = login(make_user("leadership", "UN")).get("/").get_data(as_text=True)
    link = re.search(rf'{SIGNED_LABEL}</th><td class="num"><a [^>]*href="([^"]+)"[^>]*>1<', html)
    assert link and "status=signed" in link.group(1)
    in_force = re.search(r'In force</th><td class="num"><a [^>]*>(\d+)<', html)
    assert in_force and in_force.group(1) == "1"


def test_the_api_says_signed_before_and_in_force_on_the_day(api, pair):
    client = api("admin")
    assert client.get("/api/v1/arrangements/SA-NEXT").get_json()["status"] == "signed"
    assert client.get("/api/v1/arrangements/SA-NOW").get_json()["status"] == "in_force"
    listed = client.get("/api/v1/arrangements?status=signed").get_json()
    assert [a["reference"] for a in listed] == ["SA-NEXT"]


def test_the_last_signature_answers_signed_when_the_start_date_is_ahead(api, make_arrangement):
    sa = make_arrangement(signed=False, start_date=TODAY + timedelta(days=30))
    client = api("admin")
    url = f"/api/v1/arrangements/{sa.reference}/signatures"
    client.post(url, {"organization": "UN", "date": TODAY.isoformat()})
    last = client.post(url, {"organization": "INTERPOL", "date": TODAY.isoformat()}).get_json()
    assert last["status"] == "signed"
    assert last["entry_into_force"] == (TODAY + timedelta(days=30)).isoformat()


def test_the_portfolio_workbook_shows_signed_before_and_in_force_on_the_day(login, make_user,
                                                                            pair):
    response = login(make_user("leadership", "UN")).get("/portfolio.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    statuses = {}
    for ws in book.worksheets:
        header = [c.value for c in ws[1]]
        if "Reference" in header and "Status" in header:
            ref, status = header.index("Reference"), header.index("Status")
            for row in ws.iter_rows(min_row=2, values_only=True):
                if row[ref] in ("SA-NEXT", "SA-NOW"):
                    statuses[row[ref]] = row[status]
    assert statuses["SA-NEXT"] in ("signed", SIGNED_LABEL)
    assert statuses["SA-NOW"] in ("in_force", "In force")


# --- item 2: signatures name the signatory ---------------------------------------------------


def _sign(web, sa, **fields):
    form = {"sign-organization": "UN", "sign-date": TODAY.isoformat(),
            "sign-signatory_name": "Ana Ruiz", "sign-signatory_title": "Director"}
    form.update({f"sign-{k}": v for k, v in fields.items()})
    return web.post_form(f"/arrangements/{sa.reference}/sign", form,
                         page=f"/arrangements/{sa.reference}")


def _field_errors(html: str, name: str) -> list[str]:
    """The messages shown beside the sign form's field ``name``."""
    return re.findall(rf'<div class="invalid-feedback d-block" id="sign-{name}-help">([^<]+)</div>',
                      html)


def test_a_signature_without_the_signatory_is_refused_on_the_page(login, make_user,
                                                                  make_arrangement):
    sa = make_arrangement(signed=False)
    web = login(make_user("programme_manager", "UN"))
    response = _sign(web, sa, signatory_name="", signatory_title="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _field_errors(html, "signatory_name") == [
        "Give the name of the person who signed for the party."]
    assert _field_errors(html, "signatory_title")
    db.session.expire_all()
    assert sa.signatures == []


def test_a_date_error_is_shown_beside_the_date_and_keeps_what_was_typed(login, make_user,
                                                                       make_arrangement):
    sa = make_arrangement(signed=False)
    web = login(make_user("programme_manager", "UN"))
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    response = _sign(web, sa, date=tomorrow, signatory_name="Ana Ruiz",
                     signatory_title="Director of Operations")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _field_errors(html, "date") == [
        "The date cannot be in the future: record an act once done."]
    assert 'value="Ana Ruiz"' in html and 'value="Director of Operations"' in html
    assert f'value="{tomorrow}"' in html
    assert 'class="alert alert-danger' in html  # the form says nothing was saved
    db.session.expire_all()
    assert sa.signatures == []


def test_every_problem_of_a_signature_comes_in_one_answer(login, make_user, make_arrangement):
    sa = make_arrangement(signed=False)
    web = login(make_user("programme_manager", "UN"))
    html = _sign(web, sa, date=(TODAY + timedelta(days=3)).isoformat(), signatory_name="",
                 signatory_title="").get_data(as_text=True)
    assert _field_errors(html, "date") and _field_errors(html, "signatory_name")
    assert _field_errors(html, "signatory_title")


def test_the_page_names_the_signatory_and_who_recorded_it(login, make_user, make_arrangement):
    sa = make_arrangement(signed=False)
    pm = make_user("programme_manager", "UN")
    web = login(pm)
    assert _sign(web, sa).status_code == 302
    signature = db.session.scalar(select(Signature))
    assert (signature.signatory, signature.signatory_title, signature.recorded_by_id,
            signature.signed_by_recorder) == ("Ana Ruiz", "Director", pm.id, False)
    assert signature.recorded_at is not None
    html = web.get(f"/arrangements/{sa.reference}").get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert (f"Signed for UN by Ana Ruiz, Director on {TODAY.isoformat()} "
            f"(recorded by {pm.display_name} on ") in text


def test_without_a_signatory_the_api_states_the_recording_user_as_such(api, make_user,
                                                                      make_arrangement, login):
    sa = make_arrangement(signed=False)
    pm = make_user("programme_manager", "UN")
    response = api(user=pm).post(f"/api/v1/arrangements/{sa.reference}/signatures",
                                 {"organization": "UN", "date": TODAY.isoformat()})
    assert response.status_code == 201
    body = response.get_json()
    assert body["signatory_name"] == pm.display_name and body["signed_by_recorder"] is True
    assert body["recorded_by"] == pm.email
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", login(pm).get(
        f"/arrangements/{sa.reference}").get_data(as_text=True)))
    assert (f"Signed for UN by {pm.display_name} (the user who recorded it: no signatory "
            "was named)") in text


# --- item 5: who is awaited ------------------------------------------------------------------


@pytest.fixture()
def partly(make_arrangement, make_user):
    """PART: UN signed, INTERPOL's signature awaited; NONE: nobody signed; AMEND: in force
    with an amendment UN consented to, INTERPOL's consent awaited; DONE: in force."""
    admin = make_user("admin", "UN")
    part = make_arrangement(reference="PART", signed=False)
    services.sign(part, "UN", date(2025, 1, 3), admin, "Ana Ruiz", "Director")
    none = make_arrangement(reference="NONE", signed=False)
    amend = make_arrangement(reference="AMEND")
    version = amendments.propose_amendment(
        amend, date(2025, 7, 1), [ShareData("UN", "50"), ShareData("INTERPOL", "50")], [],
        "Rebalance", admin)
    amendments.consent(amend, version, "UN", date(2025, 6, 1), admin)
    done = make_arrangement(reference="DONE")
    db.session.commit()
    return {"PART": part, "NONE": none, "AMEND": amend, "DONE": done}


def test_awaited_parties_are_read_from_the_records(db, partly):
    assert [a.sentence for a in queries.awaited_parties(partly["PART"])] == [
        "Awaiting INTERPOL's signature"]
    assert [(a.organization, a.what) for a in queries.awaited_parties(partly["NONE"])] == [
        ("UN", "signature"), ("INTERPOL", "signature")]
    assert [(a.organization, a.what, a.version) for a in
            queries.awaited_parties(partly["AMEND"])] == [("INTERPOL", "consent", 2)]
    assert queries.awaited_parties(partly["DONE"]) == []


@pytest.mark.parametrize(("organization", "expected"), [
    ("INTERPOL", {"PART", "NONE", "AMEND"}), ("UN", {"NONE"})])
def test_the_waiting_clause_returns_exactly_those(db, partly, organization, expected):
    listed = {a.reference for a in db.session.scalars(
        queries.arrangement_query(waiting_on=organization))}
    assert listed == expected
    # The clause and the per-arrangement list agree.
    awaited = queries.awaited_by_arrangement([a.id for a in partly.values()])
    assert {ref for ref, sa in partly.items()
            if any(a.organization == organization for a in awaited[sa.id])} == expected


def test_the_interpol_manager_sees_that_interpols_signature_is_awaited(login, make_user,
                                                                       partly):
    web = login(make_user("programme_manager", "INTERPOL"))
    page = web.get("/arrangements/PART").get_data(as_text=True)
    assert "Awaiting INTERPOL&#39;s signature" in page or "Awaiting INTERPOL's signature" in page
    listing = web.get("/arrangements/").get_data(as_text=True).replace("&#39;", "'")
    row = re.search(r">PART</a>.*?</tr>", listing, re.S).group(0)
    assert "Awaiting INTERPOL's signature" in row
    mine = web.get("/arrangements/?waiting=mine").get_data(as_text=True)
    listed = set(re.findall(r'href="/arrangements/([A-Z]+)"', mine)) & set(partly)
    assert listed == {"PART", "NONE", "AMEND"}


def test_waiting_on_my_organization_for_un_is_the_unsigned_one(login, make_user, partly):
    un = login(make_user("programme_manager", "UN")).get("/arrangements/?waiting=mine")
    assert set(re.findall(r'href="/arrangements/([A-Z]+)"', un.get_data(as_text=True))) & set(
        partly) == {"NONE"}


def test_the_dashboard_names_who_is_awaited_on_the_partly_signed(login, make_user, partly):
    html = login(make_user("programme_manager", "INTERPOL")).get("/").get_data(as_text=True)
    html = html.replace("&#39;", "'")
    assert re.search(r'href="/arrangements/PART">PART</a>: Awaiting INTERPOL\'s signature', html)
    assert re.search(r'href="/arrangements/\?due=signatures[^"]*"[^>]*>1<', html)
    # the arrangement nobody signed yet is named too, with every party awaited
    assert re.search(r'href="/arrangements/NONE">NONE</a>: Awaiting UN\'s signature', html)
    assert "INTERPOL's signature" in html[html.index('href="/arrangements/NONE">'):][:200]


def test_the_api_lists_who_is_awaited(api, partly):
    body = api("admin").get("/api/v1/arrangements/AMEND").get_json()
    assert [(a["organization"], a["for"], a["version"]) for a in body["awaited"]] == [
        ("INTERPOL", "consent", 2)]
