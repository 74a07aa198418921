"""The evidence bundle and its offline verifier: a clean bundle verifies with nothing but the
zip; a change behind the application's back, in the database before the bundle is made or in
the bundle afterwards, is named."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from jointprojects.audit.models import AuditEntry
from jointprojects.evidence.bundle import build_bundle, public_key_pem
from jointprojects.evidence.cli import verify
from jointprojects.extensions import db
from reports.evidence import MANIFEST, PUBLIC_KEY, SIGNATURE, sha256, verify_bundle
from tests.evidence.conftest import _rows, _tamper


def _fails(data: bytes, what: str) -> None:
    ok, message = verify_bundle(data)
    assert not ok, message
    assert what in message, message


def _rewrite(data: bytes, name: str, change: Any, *, sign: bool = False) -> bytes:
    """The bundle with file ``name`` changed, its manifest entry updated and, with ``sign``,
    the manifest re-signed by a key of the forger's own."""
    src = zipfile.ZipFile(io.BytesIO(data))
    files = {n: src.read(n) for n in src.namelist()}
    files[name] = change(files[name])
    manifest = json.loads(files[MANIFEST])
    manifest["files"][name] = sha256(files[name])
    if sign:
        key = Ed25519PrivateKey.generate()
        files[PUBLIC_KEY] = key.public_key().public_bytes(Encoding.PEM,
                                                          PublicFormat.SubjectPublicKeyInfo)
        manifest["files"][PUBLIC_KEY] = sha256(files[PUBLIC_KEY])
    files[MANIFEST] = json.dumps(manifest).encode()
    if sign:
        files[SIGNATURE] = key.sign(files[MANIFEST]).hex().encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n, d in files.items():
            z.writestr(n, d)
    return out.getvalue()


def test_the_api_bundle_verifies_offline_and_on_the_command_line(api, books, tmp_path):
    client = api("finance", "INTERPOL")
    response = client.get(f"/api/v1/arrangements/{books['sa'].reference}/evidence.zip")
    assert response.status_code == 200
    assert response.data[:2] == b"PK"
    ok, message = verify_bundle(response.data)
    assert ok, message
    assert message.startswith("verified: ") and "1 statements" in message
    path = tmp_path / "bundle.zip"
    path.write_bytes(response.data)
    key = tmp_path / "instance.pem"
    key.write_text(public_key_pem())
    result = CliRunner().invoke(verify, [str(path), "--key", str(key)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("verified: ")


def test_a_bundle_holds_the_other_arrangements_rows_as_links_only(make_arrangement, books):
    other = make_arrangement()
    db.session.commit()
    archive = zipfile.ZipFile(io.BytesIO(build_bundle(books["sa"])))
    rows = json.loads(archive.read("log.json"))
    links = json.loads(archive.read("chain.json"))
    assert {r["parent_id"] for r in rows} == {books["sa"].id}
    assert len(links) == db.session.query(AuditEntry).count() > len(rows)
    assert other.reference not in archive.read("chain.json").decode()
    assert set(links[0]) == {"id", "prev_hash", "hash"}


@pytest.mark.parametrize(("sql", "what"), [
    ("UPDATE expense SET amount = 1 WHERE id = :first", "expense #{first}: amount"),
    ("UPDATE expense_part SET amount = amount + 100000 WHERE expense_id = :second",
     "expense #{second}: allocation"),
    ("DELETE FROM signature WHERE id = :signature", "signature #{signature}: deleted"),
    ("UPDATE statement_party SET paid = paid + 10000 WHERE statement_id = :statement",
     "statement #{statement}"),
])
def test_a_record_changed_in_the_database_is_named_by_the_bundle(books, sql, what):
    ids = {k: v for k, v in books.items() if k != "sa"}
    _tamper(sql, **{k: v for k, v in ids.items() if f":{k}" in sql})
    _fails(build_bundle(books["sa"]), what.format(**ids))


def test_an_audit_row_changed_or_deleted_is_named_by_the_bundle(books):
    ids = _rows()
    _tamper("UPDATE audit_entry SET user_agent = 'x' WHERE id = :i", i=ids[-1])
    _fails(build_bundle(books["sa"]), f"audit row #{ids[-1]}: its content")
    _tamper("DELETE FROM audit_entry WHERE id = :i", i=ids[2])
    _fails(build_bundle(books["sa"]), f"audit row #{ids[3]}: its link")


def test_a_changed_workbook_is_named(books):
    _tamper("UPDATE statement_workbook SET content = :c WHERE statement_id = :i",
            c=b"PK forged", i=books["statement"])
    _fails(build_bundle(books["sa"]), f"statement #{books['statement']}: its workbook")


def test_a_bundle_changed_afterwards_is_named(books):
    data = build_bundle(books["sa"])

    def cheaper(raw: bytes) -> bytes:
        return raw.replace(b'"120.00"', b'"1.00"')

    _fails(_rewrite(data, "records.json", cheaper), "manifest.sig")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        original = z.read("records.json")
    changed = zipfile.ZipFile(io.BytesIO(data))
    files = {n: changed.read(n) for n in changed.namelist()}
    files["records.json"] = cheaper(original)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for n, d in files.items():
            z.writestr(n, d)
    _fails(out.getvalue(), "records.json: its SHA-256")
    forged = _rewrite(data, "records.json", cheaper, sign=True)
    _fails(forged, f"expense #{books['first']}: amount")  # the log still says 120.00
    ok, message = verify_bundle(_rewrite(data, "log.json", lambda r: r, sign=True),
                                public_key_pem().encode())
    assert not ok and "not the key you trust" in message
