"""The evidence bundle of an arrangement (docs/EVIDENCE.md "The bundle") and the instance's
Ed25519 signing key."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from jointprojects.audit.models import AuditEntry
from jointprojects.audit.signing import key_path, public_key_pem, sign_bytes, signing_key
from jointprojects.auth.models import utcnow
from jointprojects.evidence import seals, signatures
from jointprojects.evidence.services import chain_links, live_records, log_rows
from jointprojects.extensions import db
from jointprojects.organizations.services import get_organization
from jointprojects.special_arrangements.models import SpecialArrangement
from jointprojects.statements.models import Statement
from jointprojects.statements.services import workbook_of
from reports.evidence import (
    ACCEPTANCES,
    CHECKPOINTS,
    KEYS,
    MANIFEST,
    PUBLIC_KEY,
    SIGNATURE,
    plain,
    sha256,
    timestamp,
)

__all__ = ["build_bundle", "key_path", "public_key_pem", "signing_key"]


def _jsonable(value: Any) -> Any:
    if isinstance(value, (Decimal, date, datetime)):
        return plain(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _json(data: Any) -> bytes:
    """Compact JSON (the C encoder: the files of an arrangement with 100,000 expenses are
    written in about a second), keys sorted."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_jsonable).encode("utf-8")


def _log_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "at": timestamp(row["at"])}


def build_bundle(sa: SpecialArrangement) -> bytes:
    """The zip: ``log.json`` (the arrangement's audit rows in full), ``chain.json`` (every
    row's id and links, no content), ``records.json`` (the current state of its expenses,
    signatures and statements), ``statements/N.xlsx`` (the frozen workbooks: the first
    language's; ``statements/N-fr.xlsx`` for a statement issued in French too),
    ``manifest.json`` (SHA-256 of every file, the statements' digests, the chain head),
    ``manifest.sig`` (Ed25519 over the manifest's bytes) and ``public_key.pem``; the
    signatures: ``keys.json`` (the instance's and the parties' public keys, retired ones
    too; their registrations are in ``log.json``), ``checkpoints.json`` (every checkpoint
    up to the head, with the organizations' signatures) and ``acceptances.json`` (the
    seals of the statements' acceptances and their signatures)."""
    # The head is read under the same snapshot as the rows: nothing appended meanwhile
    # can make the links and the rows disagree (a row after the last link is not shown).
    last = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1)) or 0
    links = [link for link in chain_links() if link["id"] <= last]
    keys = [k for code in sa.party_codes for k in signatures.keys_of(get_organization(code))]
    key_rows = seals.key_log_rows([k.id for k in keys])
    rows = sorted((_log_row(r) for r in [*log_rows(sa), *key_rows] if r["id"] <= last),
                  key=lambda r: int(r["id"]))
    files: dict[str, bytes] = {
        "chain.json": _json(links),
        "log.json": _json(rows),
        "records.json": _json(live_records(sa)),
        KEYS: _json(seals.keys_json(keys)),
        CHECKPOINTS: _json([signatures.checkpoint_json(cp) for cp in signatures.checkpoints()
                            if cp.sequence <= last]),
        ACCEPTANCES: _json(seals.acceptances_json(sa)),
    }
    statements = []
    for st in db.session.scalars(select(Statement).filter_by(arrangement_id=sa.id)
                                 .order_by(Statement.number)):
        # every language's workbook (issue 17): the first one as statements/N.xlsx, as
        # always, the others statements/N-fr.xlsx
        copies = []
        for position, language in enumerate(st.language_list):
            workbook = workbook_of(st, language)
            name = (f"statements/{st.number}.xlsx" if position == 0
                    else f"statements/{st.number}-{language}.xlsx")
            files[name] = workbook.content
            copies.append({"language": language, "workbook": name,
                           "sha256": workbook.sha256})
        statements.append({"id": st.id, "number": st.number, "status": st.status,
                           "workbook": copies[0]["workbook"], "workbook_sha256": st.sha256,
                           "workbooks": copies})
    public = public_key_pem().encode("ascii")
    files[PUBLIC_KEY] = public
    manifest = _json({
        "format": "jointprojects-evidence/1",
        "arrangement": sa.reference,
        "generated_at": timestamp(utcnow()),
        "head": links[-1]["hash"] if links else None,
        "head_id": links[-1]["id"] if links else None,
        "signed_by": "the jointprojects instance",
        "statements": statements,
        "files": {name: sha256(data) for name, data in sorted(files.items())},
    })
    signature = sign_bytes(manifest).hex().encode("ascii")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
        archive.writestr(MANIFEST, manifest)
        archive.writestr(SIGNATURE, signature)
    return out.getvalue()
