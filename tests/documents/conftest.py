"""Fixtures for documents: a UN-INTERPOL arrangement in force with an expense, users of UN,
INTERPOL and a third organization (WCO), and file bytes of each kind."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from jointprojects.expenses import recording
from jointprojects.expenses.checks import ExpenseData
from jointprojects.extensions import db
from jointprojects.organizations.services import create_organization

PDF = b"%PDF-1.4\n%receipt of a hotel in Lyon\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120 + b"This program cannot be run in DOS mode"
HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
EML = (b"From: bank@example.org\r\nTo: finance@un.example.org\r\nSubject: Advice\r\n"
       b"Date: Mon, 3 Mar 2025 10:00:00 +0000\r\n\r\nTransfer of 500.00 USD received.\r\n")


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def zip_bomb_docx() -> bytes:
    """A .docx with a part that expands 1000-fold (50 MB of zeros)."""
    return docx({"word/media/bomb.bin": b"\x00" * 50_000_000})


def expense(sa: Any, user: Any, amount: str = "100.00", day: date = date(2025, 2, 3)) -> Any:
    e = recording.record_expense(sa, ExpenseData(
        date=day, category="travel", description="Mission", amount=amount, currency="USD",
        paid_by="UN"), user)
    db.session.commit()
    return e


@dataclass
class World:
    sa: Any
    expense: Any
    users: dict[str, Any] = field(default_factory=dict)


@pytest.fixture()
def world(app: Any, make_user: Any, make_arrangement: Any) -> World:
    create_organization("WCO", "World Customs Organization", "EUR")
    db.session.commit()
    sa = make_arrangement(reference="SA-DOC")
    users = {"un": make_user("finance", "UN"), "interpol": make_user("finance", "INTERPOL"),
             "third": make_user("finance", "WCO"), "admin": make_user("admin", "WCO"),
             "un leadership": make_user("leadership", "UN"),
             "interpol pm": make_user("programme_manager", "INTERPOL")}
    return World(sa, expense(sa, users["un"]), users)


@pytest.fixture()
def clients(world: World, api: Any) -> dict[str, Any]:
    return {who: api(user=user) for who, user in world.users.items()}


BOUNDARY = "jp-test-boundary-7f3a"


def multipart(fields: dict[str, Any], files: list[tuple[str, bytes]]) -> bytes:
    """A multipart body written here (the test client would spool a large one to a temporary
    file it never closes)."""
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                  f"{value}\r\n".encode())
    for filename, data in files:
        out.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                  f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                  .encode())
        out.write(data + b"\r\n")
    out.write(f"--{BOUNDARY}--\r\n".encode())
    return out.getvalue()


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def upload(client: Any, ref: str, data: bytes, filename: str = "receipt.pdf", **fields: Any
           ) -> Any:
    return client.post(f"/api/v1/arrangements/{ref}/documents",
                       data=multipart(fields, [(filename, data)]), content_type=MULTIPART)
