"""The bounds on a zip archive, checked before a byte of it is decompressed.

One check for every reader of uploaded zips (the .xlsx imports, :mod:`reports.xlsx_reader`,
and the file-type sniffing of documents, ``jointprojects.documents.sniff``): a bounded number
of parts, none encrypted, no large part expanding far beyond its compressed size, a bounded
total. :func:`zip_bounds_breach` says which bound is broken (or None); each caller words its
own message and raises its own error.

Standard library only.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "MAX_RATIO",
    "MAX_UNCOMPRESSED",
    "MAX_ZIP_ENTRIES",
    "RATIO_CHECKED_FROM",
    "ZipBreach",
    "ZipBreachKind",
    "zip_bounds_breach",
]

#: Bounds on an uploaded zip, checked before anything is decompressed.
MAX_ZIP_ENTRIES = 1_000
MAX_UNCOMPRESSED = 100_000_000
MAX_RATIO = 200
#: A part smaller than this (uncompressed) may compress as well as it likes.
RATIO_CHECKED_FROM = 1_000_000


class ZipBreachKind(Enum):
    TOO_MANY_PARTS = "too many parts"
    ENCRYPTED = "encrypted"
    EXPANDS = "expands far beyond its compressed size"
    TOO_LARGE = "too large uncompressed"


@dataclass(frozen=True)
class ZipBreach:
    """The bound broken; ``figure`` is the number of parts (TOO_MANY_PARTS), the total
    uncompressed size in bytes (TOO_LARGE), or the size of the offending part."""

    kind: ZipBreachKind
    figure: int


def zip_bounds_breach(entries: Sequence[zipfile.ZipInfo]) -> ZipBreach | None:
    """The first bound the archive of ``entries`` (``ZipFile.infolist()``) breaks, or None.

    Read from the central directory only: nothing is decompressed."""
    if len(entries) > MAX_ZIP_ENTRIES:
        return ZipBreach(ZipBreachKind.TOO_MANY_PARTS, len(entries))
    total = 0
    for entry in entries:
        if entry.flag_bits & 0x1:
            return ZipBreach(ZipBreachKind.ENCRYPTED, entry.file_size)
        total += entry.file_size
        if entry.file_size > RATIO_CHECKED_FROM and (
            entry.compress_size == 0 or entry.file_size / entry.compress_size > MAX_RATIO
        ):
            return ZipBreach(ZipBreachKind.EXPANDS, entry.file_size)
    if total > MAX_UNCOMPRESSED:
        return ZipBreach(ZipBreachKind.TOO_LARGE, total)
    return None
