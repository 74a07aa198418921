"""Where a document's bytes are kept: one small interface, two backends.

- ``database`` (the default): chunk rows of :data:`CHUNK_BYTES` in ``document_chunk``, written
  one by one and read one by one, so that several processes and machines share the files with
  nothing else to run, and no file is ever held whole in memory;
- ``directory`` (``JOINTPROJECTS_DOCUMENTS_DIR``, for a shared volume): one file per blob,
  named by its SHA-256, written to a temporary name and renamed.

Either way a blob is content-addressed: its key is the SHA-256 of its bytes, the same bytes are
stored once, and :func:`verify` re-hashes what is stored. Flushes, never commits.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from flask import current_app
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from jointprojects.documents.models import DocumentBlob, DocumentChunk
from jointprojects.extensions import db

#: Bytes per chunk row (and per read from an upload).
CHUNK_BYTES = 1024 * 1024


class TooLarge(ValueError):
    """The file is larger than the cap."""


@dataclass(frozen=True)
class Digest:
    sha256: str
    size: int


def digest(stream: IO[bytes], cap: int) -> Digest:
    """SHA-256 and size of ``stream`` read in chunks (rewound afterwards); :class:`TooLarge`
    as soon as it passes ``cap`` bytes."""
    stream.seek(0)
    h, size = hashlib.sha256(), 0
    while block := stream.read(CHUNK_BYTES):
        size += len(block)
        if size > cap:
            stream.seek(0)
            raise TooLarge(f"The file is larger than {cap / 1e6:g} MB.")
        h.update(block)
    stream.seek(0)
    return Digest(h.hexdigest(), size)


class Backend(Protocol):
    name: str

    def write(self, sha256: str, stream: IO[bytes]) -> int:
        """Store the bytes of ``stream``; returns the number of chunk rows written."""

    def chunks(self, sha256: str, count: int) -> Iterator[bytes]:
        """The stored bytes, a chunk at a time (plain values: the generator may run after
        the request's transaction ended, while the response is sent)."""

    def remove(self, blob: DocumentBlob) -> None:
        """Forget the bytes (called with the blob row's deletion)."""


class DatabaseBackend:
    name = "database"

    def write(self, sha256: str, stream: IO[bytes]) -> int:
        seq = 0
        table = DocumentChunk.__table__
        while block := stream.read(CHUNK_BYTES):
            # Core INSERT: the chunk is not kept in the session's identity map.
            db.session.execute(insert(table), [{"blob_sha256": sha256, "seq": seq,
                                                "data": block}])
            seq += 1
        return seq

    def chunks(self, sha256: str, count: int) -> Iterator[bytes]:
        for seq in range(count):
            data = db.session.execute(select(DocumentChunk.data).where(
                DocumentChunk.blob_sha256 == sha256, DocumentChunk.seq == seq)).scalar()
            if data is None:
                return
            yield bytes(data)

    def remove(self, blob: DocumentBlob) -> None:
        db.session.execute(delete(DocumentChunk).where(DocumentChunk.blob_sha256 == blob.sha256))


class DirectoryBackend:
    name = "directory"

    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def write(self, sha256: str, stream: IO[bytes]) -> int:
        target = self.path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while block := stream.read(CHUNK_BYTES):
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return 0

    def chunks(self, sha256: str, count: int) -> Iterator[bytes]:
        try:
            with self.path(sha256).open("rb") as f:
                while block := f.read(CHUNK_BYTES):
                    yield block
        except FileNotFoundError:
            return

    def remove(self, blob: DocumentBlob) -> None:
        # The file stays: the transaction deleting the row may still roll back, and the same
        # bytes uploaded again are written to the same name.
        return None


def configured_backend() -> Backend:
    """The backend new blobs go to: ``directory`` when ``DOCUMENTS_DIR`` is configured."""
    root = current_app.config.get("DOCUMENTS_DIR")
    return DirectoryBackend(root) if root else DatabaseBackend()


def backend_of(blob: DocumentBlob) -> Backend:
    if blob.backend == "directory":
        root = current_app.config.get("DOCUMENTS_DIR")
        if not root:
            raise RuntimeError("A document is kept in a directory but JOINTPROJECTS_DOCUMENTS_DIR "
                               "is not set.")
        return DirectoryBackend(root)
    return DatabaseBackend()


def store(stream: IO[bytes], found: Digest) -> DocumentBlob:
    """The blob holding the bytes of ``stream`` (whose digest is ``found``): the one already
    stored when the same bytes came before, else a new one. Two uploads of the same new bytes
    at once store them once: the second finds the first's row (the primary key) and uses it."""
    existing = db.session.get(DocumentBlob, found.sha256)
    if existing is not None:
        return existing
    backend = configured_backend()
    stream.seek(0)
    try:
        with db.session.begin_nested():
            blob = DocumentBlob(sha256=found.sha256, size=found.size, backend=backend.name)
            db.session.add(blob)
            db.session.flush()
            blob.chunk_count = backend.write(found.sha256, stream)
            db.session.flush()
    except IntegrityError:
        existing = db.session.get(DocumentBlob, found.sha256)
        if existing is None:
            raise
        return existing
    return blob


def chunks(blob: DocumentBlob) -> Iterator[bytes]:
    return backend_of(blob).chunks(blob.sha256, blob.chunk_count)


def discard(blob: DocumentBlob) -> None:
    """Delete a blob no document names any more."""
    backend_of(blob).remove(blob)
    db.session.delete(blob)


@dataclass(frozen=True)
class Mismatch:
    sha256: str
    problem: str


def verify() -> tuple[int, list[Mismatch]]:
    """Re-hash every stored blob: (how many were checked, those whose bytes no longer hash to
    their key or whose size changed)."""
    checked, problems = 0, []
    keys = list(db.session.scalars(select(DocumentBlob.sha256).order_by(DocumentBlob.sha256)))
    for key in keys:
        blob = db.session.get(DocumentBlob, key)
        if blob is None:
            continue
        h, size = hashlib.sha256(), 0
        for block in chunks(blob):
            h.update(block)
            size += len(block)
        checked += 1
        if h.hexdigest() != blob.sha256:
            problems.append(Mismatch(blob.sha256, f"the stored bytes hash to {h.hexdigest()}"))
        elif size != blob.size:
            problems.append(Mismatch(blob.sha256, f"{size} bytes stored, {blob.size} recorded"))
        db.session.expunge(blob)
    return checked, problems
