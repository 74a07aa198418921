"""A statement issued in English and French (issue 17) in the evidence: the acceptance seals
both workbooks' SHA-256, the bundle carries both workbooks, and the verifiers (live
database and offline bundle) check both hashes, naming the French file when it is the one
changed."""

from __future__ import annotations

import io
import json
import zipfile

from jointprojects.evidence.bundle import build_bundle
from jointprojects.evidence.services import verify_database
from jointprojects.extensions import db
from jointprojects.statements import services as statements
from jointprojects.statements.models import Statement
from reports.evidence import MANIFEST, check_sealed_workbooks, sha256, verify_bundle
from tests.evidence.conftest import _tamper
from tests.evidence.test_bundle import _fails, _rewrite


def _statement(books) -> Statement:
    return db.session.get(Statement, books["statement"])


def test_the_acceptance_seals_every_languages_workbook(books, make_user):
    st = _statement(books)
    assert st.language_list == ["en", "fr"]
    ack = statements.acknowledge(books["sa"], st, "UN", "accept", "",
                                 make_user("finance", "UN"))
    db.session.commit()
    digests = {code: statements.workbook_of(st, code).sha256 for code in ("en", "fr")}
    assert ack.seal["workbooks_sha256"] == digests and digests["en"] != digests["fr"]
    assert ack.seal["workbook_sha256"] == st.sha256 == digests["en"]
    assert verify_database()[0], verify_database()[1]
    name = "UN's accept of statement #1"
    problem = check_sealed_workbooks(name, ack.seal, {**digests, "fr": "0" * 64})
    assert problem is not None and problem.message == (
        f"{name}: the SHA-256 of the workbook in French differs from what was accepted")
    assert check_sealed_workbooks(name, ack.seal, digests) is None
    # a seal made before statements had languages names no workbooks: nothing to compare
    assert check_sealed_workbooks(name, {"workbook_sha256": st.sha256}, {}) is None


def test_the_bundle_carries_both_workbooks_and_verifies(books):
    st = _statement(books)
    data = build_bundle(books["sa"])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        manifest = json.loads(z.read(MANIFEST))
        english, french = z.read("statements/1.xlsx"), z.read("statements/1-fr.xlsx")
    entry = manifest["statements"][0]
    assert entry["workbook"] == "statements/1.xlsx" and entry["workbook_sha256"] == st.sha256
    assert entry["workbooks"] == [
        {"language": "en", "workbook": "statements/1.xlsx", "sha256": sha256(english)},
        {"language": "fr", "workbook": "statements/1-fr.xlsx", "sha256": sha256(french)}]
    assert sha256(french) == statements.workbook_of(st, "fr").sha256
    ok, message = verify_bundle(data)
    assert ok, message


def test_a_changed_french_workbook_is_named_in_the_database_and_in_the_bundle(books):
    _tamper("UPDATE statement_workbook SET content = :c WHERE statement_id = :i "
            "AND language = 'fr'", c=b"PK forged", i=books["statement"])
    ok, message = verify_database()
    assert not ok
    assert message == (f"statement #{books['statement']}: its workbook's SHA-256 differs "
                       "from the one the statement froze (the French workbook)"), message
    _fails(build_bundle(books["sa"]),
           f"statement #{books['statement']}: its workbook in French (statements/1-fr.xlsx)")


def test_a_french_workbook_replaced_with_its_digest_is_named_by_the_log(books):
    forged = b"PK forged"
    _tamper("UPDATE statement_workbook SET content = :c, sha256 = :h WHERE statement_id = :i "
            "AND language = 'fr'", c=forged, h=sha256(forged), i=books["statement"])
    ok, message = verify_database()
    assert not ok and message.startswith(f"statement #{books['statement']}: workbooks "), \
        message
    _fails(build_bundle(books["sa"]), f"statement #{books['statement']}: workbooks ")


def test_a_french_file_changed_in_the_bundle_is_named(books):
    data = build_bundle(books["sa"])
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in src.namelist():
            z.writestr(name, b"PK forged" if name == "statements/1-fr.xlsx" else src.read(name))
    _fails(out.getvalue(), "statements/1-fr.xlsx: its SHA-256 differs from the manifest")
    # re-listed in the manifest (by a forger's own key): the statement's digest still names it
    forged = _rewrite(data, "statements/1-fr.xlsx", lambda raw: b"PK forged", sign=True)
    ok, message = verify_bundle(forged)
    assert not ok and "statements/1-fr.xlsx" in message, message
