"""A 20 MB upload and its download are never held whole in the server's memory: the body is
spooled to disk by the parser, hashed and stored 1 MiB at a time, read back a chunk at a time
(Python allocations traced with tracemalloc while the request runs)."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from typing import Any

from tests.documents.conftest import BOUNDARY, MULTIPART, PDF

SIZE = 20_000_000
#: Far below the file's 20 MB (a copy of the file would be above it on its own).
PEAK_BYTES = 8_000_000


def _body_file(tmp_path: Any) -> tuple[Any, int, str]:
    path = tmp_path / "body.bin"
    h = hashlib.sha256()
    with path.open("wb") as out:
        out.write(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
                  'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n'.encode())
        out.write(PDF)
        h.update(PDF)
        block = os.urandom(1 << 20)
        left = SIZE - len(PDF)
        while left > 0:
            part = block[:left]
            out.write(part)
            h.update(part)
            left -= len(part)
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    return path, path.stat().st_size, h.hexdigest()


def test_a_20_mb_upload_and_download_stay_far_below_the_files_size(
        world: Any, clients: dict[str, Any], tmp_path: Any) -> None:
    path, length, sha = _body_file(tmp_path)
    client = clients["un"]
    tracemalloc.start()
    try:
        with path.open("rb") as body:
            response = client.post(f"/api/v1/arrangements/{world.sa.reference}/documents",
                                   input_stream=body, content_type=MULTIPART,
                                   content_length=length)
        _, upload_peak = tracemalloc.get_traced_memory()
        assert response.status_code == 201, response.get_data(as_text=True)[:300]
        doc = response.get_json()
        assert doc["sha256"] == sha and doc["size"] == SIZE
        tracemalloc.reset_peak()
        download = client.get(f"/api/v1/documents/{doc['id']}/content", buffered=False)
        h, size = hashlib.sha256(), 0
        for chunk in download.response:
            h.update(chunk)
            size += len(chunk)
        download.close()
        _, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (h.hexdigest(), size) == (sha, SIZE)
    assert upload_peak < PEAK_BYTES, upload_peak
    assert download_peak < PEAK_BYTES, download_peak
