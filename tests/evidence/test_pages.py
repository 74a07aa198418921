"""The evidence pages (issue 14 item 7): the Evidence section of the arrangement page for
those who see the arrangement, the audit page's verification status with "Verify now" for
admins (a job whose result the pages show), an organization's keys page, the checkpoints
page with its download and signature form."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from jointprojects.audit.models import AuditEntry
from jointprojects.evidence import signatures, status, tasks
from jointprojects.evidence.models import ChainVerification, OrganizationKey
from jointprojects.extensions import db
from jointprojects.jobs import runner
from jointprojects.jobs.models import Job
from jointprojects.organizations.services import create_organization
from tests.evidence.conftest import _tamper
from tests.evidence.keys import pem, signed


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ",
                                                     response.get_data(as_text=True))))


def test_the_arrangement_page_shows_the_chain_state_the_latest_checkpoint_and_the_bundle(
        books, make_user, login):
    key = Ed25519PrivateKey.generate()
    leader = make_user("leadership", "INTERPOL")
    signatures.register_key("INTERPOL", pem(key), leader)
    cp = signatures.make_checkpoint(signatures.COMMAND_LINE)
    signatures.sign_checkpoint(cp, "INTERPOL", signed(key, signatures.payload_of(cp)), leader)
    db.session.commit()
    web = login(make_user("finance", "UN"))
    page = web.get(f"/arrangements/{books['sa'].reference}")
    assert page.status_code == 200
    text = _text(page)
    assert "Evidence" in text and "Not verified yet" in text
    assert f"Latest checkpoint: no. {cp.id}, audit row {cp.sequence}" in text, text[-3000:]
    assert "signed by the instance, INTERPOL" in text
    bundle = web.get(f"/evidence/arrangements/{books['sa'].reference}/evidence.zip")
    assert bundle.status_code == 200 and bundle.data[:2] == b"PK"
    assert db.session.scalar(select(AuditEntry).filter_by(action="download").order_by(
        AuditEntry.id.desc()).limit(1)).after == {
            "report": f"evidence-{books['sa'].reference}.zip"}


def test_the_bundle_hint_names_a_checkpoint_only_once_there_is_one(books, make_user, login):
    web = login(make_user("finance", "UN"))
    reference = books["sa"].reference
    text = _text(web.get(f"/arrangements/{reference}"))
    assert "No checkpoint yet." in text
    assert f"jointprojects verify evidence-{reference}.zip" in text
    assert "--checkpoint" not in text
    french = _text(web.get(f"/arrangements/{reference}?lang=fr"))
    assert "La chaîne d'audit : Pas encore vérifiée" in french, french[-2000:]
    signatures.make_checkpoint(signatures.COMMAND_LINE)
    db.session.commit()
    text = _text(web.get(f"/arrangements/{reference}"))
    assert f"jointprojects verify evidence-{reference}.zip --checkpoint YOUR-CHECKPOINT.json" \
        in text


def test_a_third_organization_neither_sees_the_section_nor_downloads_the_bundle(
        books, make_user, login):
    create_organization("WCO", "World Customs Organization", "EUR")
    db.session.commit()
    web = login(make_user("finance", "WCO"))
    assert web.get(f"/arrangements/{books['sa'].reference}").status_code == 404
    assert web.get(f"/evidence/arrangements/{books['sa'].reference}/evidence.zip"
                   ).status_code == 404


def test_verify_now_is_refused_to_anyone_but_an_admin(books, make_user, login):
    finance = login(make_user("finance", "UN"))
    assert finance.get("/audit/").status_code == 403
    refused = finance.post_form("/evidence/verify", {}, page="/evidence/organizations/UN/keys")
    assert refused.status_code == 403
    assert db.session.scalar(select(Job)) is None


def test_verify_now_is_an_admins_job_and_its_result_is_shown(books, make_user, login):
    admin = login(make_user("admin", "UN"))
    audit_page = _text(admin.get("/audit/"))
    assert "Verification of the audit chain" in audit_page and "Not verified yet" in audit_page
    started = admin.post_form("/evidence/verify", {}, page="/audit/")
    assert started.status_code == 302
    job = db.session.scalar(select(Job).filter_by(kind="verify_chain"))
    assert job is not None and started.headers["Location"].endswith(f"/jobs/{job.id}")
    assert runner.run_job(job.id) == "done"
    run = db.session.scalar(select(ChainVerification))
    assert run is not None and run.ok and run.message.startswith("verified: ")
    assert f"Verified up to row {run.last_row}" in _text(admin.get("/audit/"))
    assert f"Verified up to row {run.last_row}" in _text(
        admin.get(f"/arrangements/{books['sa'].reference}"))


def test_a_broken_chain_shows_the_row_on_the_pages(books, make_user, login):
    rows = list(db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)))
    _tamper("UPDATE audit_entry SET user_agent = 'x' WHERE id = :i", i=rows[1])
    admin = make_user("admin", "UN")
    job = tasks.start_verification(admin)
    db.session.commit()
    assert runner.run_job(job.id) == "done"
    run = db.session.scalar(select(ChainVerification))
    assert run is not None and not run.ok and run.broken_row == rows[1]
    page = _text(login(make_user("finance", "INTERPOL")).get(
        f"/arrangements/{books['sa'].reference}"))
    assert f"Broken at row {rows[1]}" in page


def test_another_organization_sees_the_keys_page_without_its_form(app, make_user, login):
    un = login(make_user("leadership", "UN"))
    page = _text(un.get("/evidence/organizations/INTERPOL/keys"))
    assert "has registered no key yet" in page and "Register the key" not in page
    key = pem(Ed25519PrivateKey.generate())
    assert un.post_form("/evidence/organizations/INTERPOL/keys", {"public_key": key},
                        page="/evidence/organizations/UN/keys").status_code == 403
    assert db.session.scalar(select(OrganizationKey)) is None


def test_an_organization_registers_its_key_on_its_page(app, make_user, login):
    web = login(make_user("leadership", "INTERPOL"))
    bad = web.post_form("/evidence/organizations/INTERPOL/keys", {"public_key": "nonsense"})
    assert bad.status_code == 422
    assert "The public key cannot be read" in _text(bad)
    assert db.session.scalar(select(OrganizationKey)) is None
    key = Ed25519PrivateKey.generate()
    done = web.post_form("/evidence/organizations/INTERPOL/keys", {"public_key": pem(key)})
    assert done.status_code == 302
    stored = db.session.scalar(select(OrganizationKey))
    page = _text(web.get("/evidence/organizations/INTERPOL/keys"))
    assert signatures.short(stored.fingerprint) in page and "in use" in page
    assert "Replace the key" in page
    assert web.get("/evidence/organizations/NOPE/keys").status_code == 404


def test_the_checkpoints_page_downloads_and_takes_a_signature(app, make_user, login):
    key = Ed25519PrivateKey.generate()
    leader = make_user("leadership", "INTERPOL")
    signatures.register_key("INTERPOL", pem(key), leader)
    cp = signatures.make_checkpoint(signatures.COMMAND_LINE)
    db.session.commit()
    web = login(leader)
    download = web.get(f"/evidence/checkpoints/{cp.id}.json")
    assert download.status_code == 200
    assert json.loads(download.data) == signatures.checkpoint_json(cp)
    url = f"/evidence/checkpoints/{cp.id}/signatures"
    wrong = web.post_form(url, {"organization": "INTERPOL",
                                "signature": signed(Ed25519PrivateKey.generate(),
                                                    signatures.payload_of(cp))},
                          page="/evidence/checkpoints")
    assert wrong.status_code == 422
    assert "does not hold for INTERPOL's registered key" in _text(wrong)
    good = web.post_form(url, {"organization": "INTERPOL",
                               "signature": signed(key, signatures.payload_of(cp))},
                         page="/evidence/checkpoints")
    assert good.status_code == 302
    assert "the instance, INTERPOL" in _text(web.get("/evidence/checkpoints"))
    everything = json.loads(web.get("/evidence/checkpoints.json").data)
    assert everything[0]["signatures"][0]["organization"] == "INTERPOL"


def test_the_statement_page_shows_the_seals_and_takes_a_partys_signature(books, make_user,
                                                                         login):
    from jointprojects.evidence.models import AcceptanceSignature
    from jointprojects.statements import services as statements

    key = Ed25519PrivateKey.generate()
    finance = make_user("finance", "INTERPOL")
    signatures.register_key("INTERPOL", pem(key), finance)
    sa = books["sa"]
    st = db.session.get(statements.Statement, books["statement"])
    ack = statements.acknowledge(sa, st, "INTERPOL", "accept", "", finance)
    db.session.commit()
    web = login(finance)
    page_url = f"/statements/arrangements/{sa.reference}/{st.number}"
    text = _text(web.get(page_url))
    assert (f"INTERPOL's accept: chain head row {ack.seal['head_id']}" in text
            and "signed by the instance." in text)
    download = web.get(f"/evidence/arrangements/{sa.reference}/statements/{st.number}"
                       "/decisions/INTERPOL.json")
    assert json.loads(download.data)["payload"] == ack.seal
    url = (f"/evidence/arrangements/{sa.reference}/statements/{st.number}/decisions/INTERPOL"
           "/signatures")
    wrong = web.post_form(url, {"organization": "INTERPOL", "signature": "abc"},
                          page=page_url, follow_redirects=True)
    assert "The signature cannot be read" in _text(wrong)
    assert db.session.scalar(select(AcceptanceSignature)) is None
    good = web.post_form(url, {"organization": "INTERPOL", "signature": signed(key, ack.seal)},
                         page=page_url, follow_redirects=True)
    assert "signed by the instance, INTERPOL." in _text(good)
    assert db.session.scalar(select(AcceptanceSignature)) is not None


def test_a_failed_run_names_the_record_to_admins_only(books, make_user, login):
    """A failed run's message names a record of any arrangement with its figures: the other
    users of the arrangement (and of the checkpoints page) read only that it failed."""
    target = books["first"]
    _tamper("UPDATE expense SET amount = 10000 WHERE id = :i", i=target)
    admin = make_user("admin", "UN")
    job = tasks.start_verification(admin)
    db.session.commit()
    assert runner.run_job(job.id) == "done"
    run = db.session.scalar(select(ChainVerification))
    assert run is not None and not run.ok and f"expense #{target}" in run.message
    reference = books["sa"].reference
    finance = login(make_user("finance", "INTERPOL"))
    for page in (f"/arrangements/{reference}", "/evidence/checkpoints"):
        text = _text(finance.get(page))
        assert "Not verified: a record does not hold" in text, text[:2000]
        assert f"expense #{target}" not in text and "in the database" not in text
    state = status.chain_state()
    assert run.message in state.phrase and run.message not in state.public_phrase
