"""A file's type decided by its bytes, never by its name or the browser's word (issue 13).

Accepted: PDF, PNG, JPEG, TIFF, the Office Open XML and OpenDocument formats (XLSX, DOCX,
ODS, ODT: a zip checked with the bounds the expense imports use before anything else looks at
it), CSV and plain text (UTF-8 without control characters or markup), e-mail (EML: RFC 5322
headers; MSG: an OLE compound file with Outlook's property streams). Everything else is
refused with the reason. The file is read from a seekable binary stream, never whole.

Standard library only.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from typing import IO

from reports.zip_bounds import MAX_UNCOMPRESSED, ZipBreach, ZipBreachKind, zip_bounds_breach

READ_BYTES = 1024 * 1024


class TypeRefused(ValueError):
    """The file is not of an accepted type; the message says why, in a sentence."""


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]
    name: str


PDF = FileType("application/pdf", (".pdf",), "PDF")
PNG = FileType("image/png", (".png",), "PNG image")
JPEG = FileType("image/jpeg", (".jpg", ".jpeg"), "JPEG image")
TIFF = FileType("image/tiff", (".tif", ".tiff"), "TIFF image")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                (".xlsx",), "Excel workbook")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                (".docx",), "Word document")
ODS = FileType("application/vnd.oasis.opendocument.spreadsheet", (".ods",),
               "OpenDocument spreadsheet")
ODT = FileType("application/vnd.oasis.opendocument.text", (".odt",), "OpenDocument text")
CSV = FileType("text/csv", (".csv",), "CSV")
TEXT = FileType("text/plain", (".txt",), "plain text")
EML = FileType("message/rfc822", (".eml",), "e-mail")
MSG = FileType("application/vnd.ms-outlook", (".msg",), "Outlook e-mail")

#: Every accepted type, in the order a filter offers them.
TYPES: tuple[FileType, ...] = (PDF, PNG, JPEG, TIFF, XLSX, DOCX, ODS, ODT, CSV, TEXT, EML, MSG)
BY_CONTENT_TYPE = {t.content_type: t for t in TYPES}

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Outlook's property streams are named ``__substg1.0_XXXXXXXX`` (UTF-16 in the directory).
_MSG_STREAM = "__substg1.0_".encode("utf-16-le")
_ODF = {b"application/vnd.oasis.opendocument.spreadsheet": ODS,
        b"application/vnd.oasis.opendocument.text": ODT}
_MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|iframe|object|embed|\?xml|"
                     rb"meta|link|style|img|a\s)", re.IGNORECASE)
_HEADER = re.compile(rb"^([A-Za-z0-9-]{1,76}):[ \t]?[^\r\n]*$")
_MAIL_HEADERS = {b"from", b"to", b"date", b"subject", b"message-id", b"received",
                 b"mime-version", b"return-path", b"delivered-to", b"reply-to", b"cc"}
#: Control characters a text file does not hold (tab, line feed, form feed, carriage return
#: are fine).
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")


def detect(stream: IO[bytes], filename: str = "") -> FileType:
    """The type of the file in ``stream`` (rewound afterwards); :class:`TypeRefused` with the
    reason when it is not an accepted one."""
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    try:
        if not head:
            raise TypeRefused("The file is empty.")
        if head.startswith(b"%PDF-"):
            return PDF
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return PNG
        if head.startswith(b"\xff\xd8\xff"):
            return JPEG
        if head.startswith((b"II*\x00", b"MM\x00*")):
            return TIFF
        if head.startswith(b"PK\x03\x04"):
            return _zip_type(stream)
        if head.startswith(_OLE):
            if _contains(stream, _MSG_STREAM):
                return MSG
            raise TypeRefused("The file is an old Office (OLE) file that is not an Outlook "
                              "e-mail; save it as PDF, XLSX or DOCX.")
        if head.startswith(b"MZ") or head.startswith(b"\x7fELF"):
            raise TypeRefused("The file is a program; programs are not accepted.")
        return _text_type(stream, head, filename)
    finally:
        stream.seek(0)


def _contains(stream: IO[bytes], needle: bytes) -> bool:
    tail = b""
    while block := stream.read(READ_BYTES):
        if needle in tail + block:
            return True
        tail = block[-len(needle):]
    return False


def _zip_type(stream: IO[bytes]) -> FileType:
    """XLSX, DOCX, ODS or ODT, checked before a byte is decompressed: a bounded number of
    parts, a bounded total, no part expanding far beyond its compressed size, not encrypted
    (the bounds of the expense imports, ``reports.zip_bounds``)."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise TypeRefused("The file is not a readable zip archive.") from None
    with archive:
        entries = archive.infolist()
        breach = zip_bounds_breach(entries)
        if breach is not None:
            raise TypeRefused(_breach_message(breach))
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" in names and "xl/workbook.xml" in names:
            return XLSX
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return DOCX
        if "mimetype" in names:
            info = archive.getinfo("mimetype")
            if info.file_size <= 100:
                kind = _ODF.get(archive.read(info).strip())
                if kind is not None:
                    return kind
    raise TypeRefused("The zip archive is not an XLSX, DOCX, ODS or ODT document; archives "
                      "are not accepted.")


def _breach_message(breach: ZipBreach) -> str:
    match breach.kind:
        case ZipBreachKind.TOO_MANY_PARTS:
            return f"The archive has too many parts ({breach.figure:,})."
        case ZipBreachKind.ENCRYPTED:
            return "The document is encrypted; upload it without a password."
        case ZipBreachKind.EXPANDS:
            return "The document expands far beyond its size (a zip bomb?); refused."
        case ZipBreachKind.TOO_LARGE:
            return (f"The document expands to {breach.figure / 1e6:.0f} MB; the limit is "
                    f"{MAX_UNCOMPRESSED / 1e6:.0f} MB.")


def _text_type(stream: IO[bytes], head: bytes, filename: str) -> FileType:
    """CSV, plain text or an e-mail: UTF-8 throughout, no control characters, no markup."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        while block := stream.read(READ_BYTES):
            if _CONTROL.search(decoder.decode(block)):
                raise TypeRefused("The file is neither a document, an image nor text that "
                                  "this application accepts (binary content).")
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise TypeRefused("The file is not of an accepted type (PDF, PNG, JPEG, TIFF, XLSX, "
                          "DOCX, ODS, ODT, CSV, plain text in UTF-8, EML or MSG).") from None
    if _MARKUP.search(head):
        raise TypeRefused("The file holds web markup (HTML, SVG or XML); it is not accepted.")
    if _is_mail(head):
        return EML
    return CSV if filename.lower().endswith(".csv") else TEXT


def _is_mail(head: bytes) -> bool:
    lines = head.lstrip(b"\xef\xbb\xbf").split(b"\n")
    names = set()
    for line in lines[:60]:
        line = line.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            continue  # a folded header
        match = _HEADER.match(line)
        if match is None:
            return False
        names.add(match.group(1).lower())
    return len(names & _MAIL_HEADERS) >= 2 and bool(names & {b"from", b"received"})
