"""Organization keys, checkpoints and the organizations' signatures (issue 14 items 3, 5):
the API and command line take only a signature that holds for the organization's registered
key; the bundle and ``verify --database`` check every signature and name one by a key that
is not registered; a checkpoint kept off-site proves nothing before it was rewritten."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from flask.cli import ScriptInfo
from sqlalchemy import select, text, update

from jointprojects.audit import signing
from jointprojects.audit.models import AuditEntry
from jointprojects.cli import cli
from jointprojects.evidence import signatures
from jointprojects.evidence.bundle import build_bundle
from jointprojects.evidence.models import Checkpoint, CheckpointSignature, OrganizationKey
from jointprojects.evidence.services import verify_database
from jointprojects.extensions import db
from jointprojects.statements import services as statements
from reports.evidence import KEYS, fingerprint, public_key, signature_holds, verify_bundle
from tests.append_only import triggers_off
from tests.evidence.conftest import _tamper
from tests.evidence.keys import pem, rewrite_chain_from, signed


@pytest.fixture()
def interpol_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture()
def registered(api: Any, interpol_key: Ed25519PrivateKey) -> Any:
    """INTERPOL's leadership registers its key through the API; returns its client."""
    client = api("leadership", "INTERPOL")
    response = client.post("/api/v1/organizations/INTERPOL/keys",
                           json={"public_key": pem(interpol_key)})
    assert response.status_code == 201, response.get_json()
    return client


def _checkpoint() -> Checkpoint:
    cp = signatures.make_checkpoint(signatures.COMMAND_LINE)
    db.session.commit()
    return cp


# --- keys ----------------------------------------------------------------------------------------

def test_an_organization_registers_and_replaces_its_key_the_old_one_kept_retired(
        registered, interpol_key, api):
    first = fingerprint(pem(interpol_key))
    keys = registered.get("/api/v1/organizations/INTERPOL/keys").get_json()
    assert [(k["fingerprint"], k["in_use"]) for k in keys] == [(first, True)]
    second = Ed25519PrivateKey.generate()
    response = registered.post("/api/v1/organizations/INTERPOL/keys",
                               json={"public_key": pem(second)})
    assert response.status_code == 201
    keys = registered.get("/api/v1/organizations/INTERPOL/keys").get_json()
    assert [(k["fingerprint"], k["in_use"]) for k in keys] == [
        (fingerprint(pem(second)), True), (first, False)]
    rows = db.session.scalars(select(AuditEntry).filter_by(entity="organization_key")).all()
    assert {(r.action, r.after["fingerprint"]) for r in rows} == {
        ("create", first), ("update", first), ("create", fingerprint(pem(second)))}


@pytest.mark.parametrize(("body", "status", "words"), [
    ({}, 422, "public_key is required"),
    ({"public_key": "hello"}, 422, "cannot be read"),
    ({"public_key": "-----BEGIN PRIVATE KEY-----\nMC4CAQ=\n-----END PRIVATE KEY-----"}, 422,
     "This is a private key"),
])
def test_a_bad_key_is_refused_with_a_clear_message(api, body, status, words):
    response = api("leadership", "INTERPOL").post("/api/v1/organizations/INTERPOL/keys",
                                                  json=body)
    assert response.status_code == status
    assert words in json.dumps(response.get_json())
    assert db.session.scalar(select(OrganizationKey)) is None


def test_a_key_is_registered_only_by_its_own_organization_or_an_admin(api):
    key = pem(Ed25519PrivateKey.generate())
    un = api("leadership", "UN").post("/api/v1/organizations/INTERPOL/keys",
                                      json={"public_key": key})
    assert un.status_code == 403
    assert "Only a user of INTERPOL" in json.dumps(un.get_json())
    pm = api("programme_manager", "INTERPOL").post("/api/v1/organizations/INTERPOL/keys",
                                                   json={"public_key": key})
    assert pm.status_code == 403
    assert api("leadership", "INTERPOL").post("/api/v1/organizations/NOPE/keys",
                                              json={"public_key": key}).status_code == 404
    assert db.session.scalar(select(OrganizationKey)) is None
    assert api("admin", "UN").post("/api/v1/organizations/INTERPOL/keys",
                                   json={"public_key": key}).status_code == 201


def test_the_same_key_cannot_be_registered_twice(registered, interpol_key, api):
    again = api("finance", "UN").post("/api/v1/organizations/UN/keys",
                                      json={"public_key": pem(interpol_key)})
    assert again.status_code == 409
    assert "already registered (to INTERPOL" in json.dumps(again.get_json())


# --- checkpoints ---------------------------------------------------------------------------------

def test_a_checkpoint_signs_the_chain_head_with_the_instance_key(app, make_arrangement):
    make_arrangement()
    db.session.commit()
    last = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    result = CliRunner().invoke(cli.commands["checkpoint"], [],
                                obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Checkpoint ")
    cp = db.session.scalar(select(Checkpoint))
    assert cp is not None and (cp.sequence, cp.hash) == (last.id, last.hash)
    data = signatures.checkpoint_json(cp)
    assert data["payload"] == {"format": "jointprojects-checkpoint/1", "sequence": last.id,
                               "hash": last.hash, "at": data["payload"]["at"]}
    assert data["instance_fingerprint"] == signing.instance_fingerprint()


def test_the_organization_signs_a_downloaded_checkpoint_offline_and_the_api_takes_it(
        registered, interpol_key, tmp_path, app):
    cp = _checkpoint()
    listed = registered.get("/api/v1/checkpoints").get_json()
    assert [c["id"] for c in listed] == [cp.id]
    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps(registered.get(f"/api/v1/checkpoints/{cp.id}").get_json()))
    key_file = tmp_path / "interpol.pem"
    key_file.write_bytes(interpol_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8,
                                                    NoEncryption()))
    # no application, no database: the command signs the file's payload
    result = CliRunner().invoke(cli, ["checkpoint", "sign", "--key", str(key_file), str(path)],
                                env={"JOINTPROJECTS_DATABASE_URL": "postgresql://nowhere/x"})
    assert result.exit_code == 0, result.output
    signature = result.output.strip()
    assert len(signature) == 88
    response = registered.post(f"/api/v1/checkpoints/{cp.id}/signatures",
                               json={"organization": "INTERPOL", "signature": signature})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["signatures"][0]["organization"] == "INTERPOL"
    again = registered.post(f"/api/v1/checkpoints/{cp.id}/signatures",
                            json={"organization": "INTERPOL", "signature": signature})
    assert again.status_code == 409


def test_signatures_that_do_not_hold_are_refused_with_a_clear_message(registered, api,
                                                                      interpol_key):
    cp = _checkpoint()
    payload = signatures.payload_of(cp)
    url = f"/api/v1/checkpoints/{cp.id}/signatures"
    cases = [
        ({"organization": "INTERPOL", "signature": "not base64!!"}, 422, "cannot be read"),
        ({"organization": "INTERPOL", "signature": "QUJD"}, 422, "3 bytes"),
        ({"organization": "INTERPOL",
          "signature": signed(Ed25519PrivateKey.generate(), payload)}, 422,
         "does not hold for INTERPOL's registered key"),
        ({"organization": "INTERPOL",
          "signature": signed(interpol_key, {**payload, "sequence": 1})}, 422,
         "does not hold"),
        ({"organization": "UN", "signature": signed(interpol_key, payload)}, 403,
         "Only a user of UN"),
        ({"signature": signed(interpol_key, payload)}, 422, "organization"),
    ]
    for body, status, words in cases:
        response = registered.post(url, json=body)
        assert response.status_code == status, (body, response.get_json())
        assert words in json.dumps(response.get_json()), response.get_json()
    un = api("finance", "UN").post(url, json={"organization": "UN",
                                              "signature": signed(interpol_key, payload)})
    assert un.status_code == 409 and "UN has no registered key" in json.dumps(un.get_json())
    assert registered.post("/api/v1/checkpoints/999999/signatures",
                           json={"organization": "INTERPOL", "signature": "x"}).status_code == 404
    assert db.session.scalar(select(CheckpointSignature)) is None


def test_the_checkpoint_sign_command_says_what_is_wrong(tmp_path, interpol_key):
    key_file = tmp_path / "k.pem"
    key_file.write_text("not a key")
    cp_file = tmp_path / "cp.json"
    cp_file.write_text('{"payload": {"format": "jointprojects-checkpoint/1", "sequence": 1, '
                       '"hash": "00", "at": "2026-01-01T00:00:00.000000Z"}}')
    result = CliRunner().invoke(cli, ["checkpoint", "sign", "--key", str(key_file),
                                      str(cp_file)])
    assert result.exit_code == 1 and "not a PEM private key" in result.output
    key_file.write_bytes(interpol_key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8,
                                                    NoEncryption()))
    (tmp_path / "bad.json").write_text("[1, 2]")
    result = CliRunner().invoke(cli, ["checkpoint", "sign", "--key", str(key_file),
                                      str(tmp_path / "bad.json")])
    assert result.exit_code == 1 and "holds no checkpoint" in result.output


def test_keygen_writes_a_private_key_and_prints_its_public_key(tmp_path):
    out = tmp_path / "mine.pem"
    result = CliRunner().invoke(cli, ["checkpoint", "keygen", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("-----BEGIN PUBLIC KEY-----")
    assert (out.stat().st_mode & 0o777) == 0o600
    again = CliRunner().invoke(cli, ["checkpoint", "keygen", "--out", str(out)])
    assert again.exit_code == 1 and "never overwritten" in again.output


# --- the bundle and verify --database -------------------------------------------------------

@pytest.fixture()
def signed_books(books: dict[str, Any], registered: Any, interpol_key: Ed25519PrivateKey,
                 make_user: Any) -> dict[str, Any]:
    """The books with a checkpoint signed by INTERPOL and INTERPOL's acceptance of statement
    1, its seal signed by INTERPOL too."""
    cp = _checkpoint()
    registered.post(f"/api/v1/checkpoints/{cp.id}/signatures", json={
        "organization": "INTERPOL", "signature": signed(interpol_key, signatures.payload_of(cp))})
    sa = books["sa"]
    st = db.session.get(statements.Statement, books["statement"])
    ack = statements.acknowledge(sa, st, "INTERPOL", "accept", "", make_user("finance",
                                                                             "INTERPOL"))
    db.session.commit()
    response = registered.post(
        f"/api/v1/arrangements/{sa.reference}/statements/{st.number}/acknowledgements/"
        "INTERPOL/signatures",
        json={"organization": "INTERPOL", "signature": signed(interpol_key, ack.seal)})
    assert response.status_code == 201, response.get_json()
    return {**books, "checkpoint": cp, "checkpoint_json": signatures.checkpoint_json(cp),
            "acknowledgement": ack.id}


def test_a_signed_bundle_verifies_naming_the_organizations_whose_signatures_hold(
        signed_books, tmp_path):
    data = build_bundle(signed_books["sa"])
    ok, message = verify_bundle(data)
    assert ok, message
    assert message.startswith("verified: ") and "signatures by INTERPOL" in message
    ok, message = verify_database()
    assert ok and "signatures by INTERPOL" in message
    archive = zipfile.ZipFile(io.BytesIO(data))
    keys = json.loads(archive.read(KEYS))
    assert keys["instance"]["fingerprint"] == signing.instance_fingerprint()
    assert [k["fingerprint"] for k in keys["organizations"]["INTERPOL"]] == [
        signed_books["checkpoint"].signatures[0].key.fingerprint]
    kept = tmp_path / "interpol-checkpoint.json"
    kept.write_text(json.dumps(signed_books["checkpoint_json"]))
    bundle = tmp_path / "bundle.zip"
    bundle.write_bytes(data)
    result = CliRunner().invoke(cli, ["verify", str(bundle), "--checkpoint", str(kept)])
    assert result.exit_code == 0, result.output
    assert "signatures by INTERPOL" in result.output


def test_a_signature_by_a_key_that_is_not_registered_is_named(signed_books):
    """An insider swaps INTERPOL's registered key for one of their own, signs with it, and
    re-signs the checkpoint's row: both verifiers name it."""
    forger = Ed25519PrivateKey.generate()
    cp = signed_books["checkpoint"]
    key = cp.signatures[0].key
    _tamper("INSERT INTO organization_key (organization_id, public_key, fingerprint, "
            "registered_at) VALUES (:o, :p, :f, :t)", o=key.organization_id, p=pem(forger),
            f=fingerprint(pem(forger)), t=key.registered_at)
    forged = db.session.scalar(select(OrganizationKey).filter_by(
        fingerprint=fingerprint(pem(forger))))
    _tamper("UPDATE checkpoint_signature SET key_id = :k, signature = :s WHERE id = :i",
            k=forged.id, s=signed(forger, signatures.payload_of(cp)),
            i=cp.signatures[0].id)
    ok, message = verify_database()
    assert not ok
    assert f"organization key #{forged.id} (INTERPOL): not registered" in message
    ok, message = verify_bundle(build_bundle(signed_books["sa"]))
    assert not ok and f"organization key #{forged.id} (INTERPOL): not registered" in message


def test_a_signature_swapped_for_another_keys_is_named(signed_books):
    cp = signed_books["checkpoint"]
    forger = Ed25519PrivateKey.generate()
    _tamper("UPDATE checkpoint_signature SET signature = :s WHERE id = :i",
            s=signed(forger, signatures.payload_of(cp)), i=cp.signatures[0].id)
    ok, message = verify_database()
    assert (ok, message) == (False, f"checkpoint #{cp.id}: INTERPOL's signature does not hold")
    ok, message = verify_bundle(build_bundle(signed_books["sa"]))
    assert (ok, message) == (False, f"checkpoint #{cp.id}: INTERPOL's signature does not hold")


def test_a_bundle_whose_keys_file_names_an_unregistered_key_fails(signed_books):
    from tests.evidence.test_bundle import _rewrite

    data = build_bundle(signed_books["sa"])
    forger = Ed25519PrivateKey.generate()

    def add_key(raw: bytes) -> bytes:
        keys = json.loads(raw)
        keys["organizations"]["INTERPOL"].append({"id": 999, "public_key": pem(forger),
                                                  "fingerprint": fingerprint(pem(forger))})
        return json.dumps(keys).encode()

    ok, message = verify_bundle(_rewrite(data, KEYS, add_key, sign=True))
    assert not ok and "organization key #999 (INTERPOL): not registered" in message


def test_a_row_rewritten_before_a_kept_checkpoint_is_named(signed_books, tmp_path):
    """A database administrator holding the instance key rewrites an expense's audit row,
    recomputes every hash after it and re-signs the stored checkpoints: the bundle verifies
    on its own, but not against the checkpoint INTERPOL kept."""
    cp = signed_books["checkpoint"]
    kept = signed_books["checkpoint_json"]
    target = db.session.scalar(select(AuditEntry).filter_by(
        entity="expense", entity_id=signed_books["second"], action="create"))
    rewrite_chain_from(target.id, {"user_agent": "rewritten"})
    conn = db.session.connection()
    # The seals name the head before each decision: the administrator re-seals them, in the
    # records and in the log rows that hold them (the replay compares both), then recomputes
    # the chain again from the first of those rows.
    logged = []
    with triggers_off(conn):
        for ack in db.session.scalars(select(statements.StatementAcknowledgement)):
            if ack.seal:
                seal = {**ack.seal, "head_hash": db.session.get(
                    AuditEntry, ack.seal["head_id"]).hash}
                table = statements.StatementAcknowledgement.__table__
                conn.execute(update(table).where(table.c.id == ack.id).values(
                    seal=seal, seal_signature=signing.sign(seal)))
                for row in db.session.scalars(select(AuditEntry).filter_by(
                        entity="statement_acknowledgement", entity_id=ack.id)):
                    if row.after and "seal" in row.after:
                        after = {**row.after, "seal": seal}
                        if "seal_signature" in after:
                            after["seal_signature"] = signing.sign(seal)
                        conn.execute(update(AuditEntry.__table__).where(
                            AuditEntry.__table__.c.id == row.id).values(after=after))
                        logged.append(row.id)
    db.session.commit()
    db.session.expire_all()
    if logged:
        first = db.session.get(AuditEntry, min(logged))
        rewrite_chain_from(first.id, {"user_agent": first.user_agent})
    conn = db.session.connection()
    with triggers_off(conn):
        for stored in db.session.scalars(select(Checkpoint)):
            head = db.session.get(AuditEntry, stored.sequence).hash
            payload = {**signatures.payload_of(stored), "hash": head}
            conn.execute(text("UPDATE checkpoint SET hash = :h, instance_signature = :s "
                              "WHERE id = :i"), {"h": head, "s": signing.sign(payload),
                                                 "i": stored.id})
        conn.execute(text("DELETE FROM checkpoint_signature"))
        conn.execute(text("DELETE FROM acceptance_signature"))
    db.session.commit()
    db.session.expire_all()
    data = build_bundle(signed_books["sa"])
    assert verify_bundle(data)[0], verify_bundle(data)[1]
    ok, message = verify_bundle(data, kept=[json.dumps(kept).encode()])
    assert not ok
    assert message.startswith(f"audit row #{cp.sequence}: its hash differs from the kept "
                              f"checkpoint #{cp.id}")
    assert f"rewritten between rows #1 to #{cp.sequence}" in message
    path, bundle = tmp_path / "kept.json", tmp_path / "b.zip"
    path.write_text(json.dumps(kept))
    bundle.write_bytes(data)
    result = CliRunner().invoke(cli, ["verify", str(bundle), "--checkpoint", str(path)])
    assert result.exit_code == 1 and f"audit row #{cp.sequence}" in result.output
    ok, message = verify_database([json.dumps(kept).encode()])
    assert not ok and f"audit row #{cp.sequence}: its hash differs" in message


def test_a_checkpoint_after_the_bundle_or_of_another_instance_is_refused(signed_books):
    data = build_bundle(signed_books["sa"])
    kept = signed_books["checkpoint_json"]
    other = Ed25519PrivateKey.generate()
    forged = {**kept, "instance_signature": signed(other, kept["payload"])}
    ok, message = verify_bundle(data, kept=[json.dumps(forged).encode()])
    assert not ok and "not signed by this bundle's instance key" in message
    ok, message = verify_bundle(data, kept=[b"not json"])
    assert not ok and "not a checkpoint file" in message


# --- sealed acceptances ------------------------------------------------------------------------

def test_an_acceptance_seals_the_statements_digest_and_the_chain_head(books, make_user):
    sa = books["sa"]
    st = db.session.get(statements.Statement, books["statement"])
    before = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    ack = statements.acknowledge(sa, st, "UN", "accept", "", make_user("finance", "UN"))
    db.session.commit()
    seal = ack.seal
    assert seal["format"] == "jointprojects-acceptance/1"
    assert (seal["head_id"], seal["head_hash"]) == (before.id, before.hash)
    assert seal["workbook_sha256"] == st.sha256
    assert seal["figures"]["parties"] == statements.statement_snapshot(st)["parties"]
    assert (seal["organization"], seal["decision"]) == ("UN", "accept")
    assert signature_holds(public_key(signing.public_key_pem()), ack.seal_signature, seal)
    logged = db.session.scalar(select(AuditEntry).filter_by(
        entity="statement_acknowledgement", entity_id=ack.id))
    assert logged.after["seal_signature"] == ack.seal_signature


def test_a_statement_changed_after_its_acceptance_is_named_by_the_seal(signed_books):
    _tamper("UPDATE statement SET expense_count = expense_count + 1 WHERE id = :i",
            i=signed_books["statement"])
    ok, message = verify_database()
    assert not ok and "statement" in message
    assert verify_bundle(build_bundle(signed_books["sa"]))[0] is False


def test_only_a_party_signs_a_decision_and_only_with_its_registered_key(signed_books, api,
                                                                        interpol_key):
    sa = signed_books["sa"]
    url = (f"/api/v1/arrangements/{sa.reference}/statements/1/acknowledgements/INTERPOL"
           "/signatures")
    seal = db.session.get(statements.StatementAcknowledgement,
                          signed_books["acknowledgement"]).seal
    wco = api("admin", "UN")
    response = wco.post(url, json={"organization": "WCO", "signature": signed(interpol_key,
                                                                              seal)})
    assert response.status_code in (404, 422), response.get_json()
    assert api("leadership", "INTERPOL").post(url, json={
        "organization": "INTERPOL", "signature": signed(interpol_key, seal)}).status_code == 409
    missing = api("finance", "INTERPOL").post(
        f"/api/v1/arrangements/{sa.reference}/statements/1/acknowledgements/UN/signatures",
        json={"organization": "INTERPOL", "signature": signed(interpol_key, seal)})
    assert missing.status_code == 404 and "UN has not decided" in json.dumps(missing.get_json())
    got = api("finance", "INTERPOL").get(
        f"/api/v1/arrangements/{sa.reference}/statements/1/acknowledgements/INTERPOL")
    assert got.status_code == 200 and got.get_json()["payload"] == seal


def test_a_checkpoint_countersigned_after_the_bundle_was_made_still_proves_it(
        books, make_user):
    """INTERPOL keeps a checkpoint it countersigned with a key registered after the bundle
    was made: the bundle cannot check that signature, the instance's and the hash prove the
    chain up to it."""
    cp = signatures.make_checkpoint(signatures.COMMAND_LINE)
    db.session.commit()
    data = build_bundle(books["sa"])  # no organization key in it
    key = Ed25519PrivateKey.generate()
    leader = make_user("leadership", "INTERPOL")
    signatures.register_key("INTERPOL", pem(key), leader)
    signatures.sign_checkpoint(cp, "INTERPOL", signed(key, signatures.payload_of(cp)), leader)
    db.session.commit()
    kept = json.dumps(signatures.checkpoint_json(cp)).encode()
    ok, message = verify_bundle(data, kept=[kept])
    assert ok, message
