"""The one zip bounds check (reports.zip_bounds), called directly on archives' directories."""

from __future__ import annotations

import io
import zipfile

from reports.zip_bounds import (
    MAX_RATIO,
    MAX_UNCOMPRESSED,
    MAX_ZIP_ENTRIES,
    RATIO_CHECKED_FROM,
    ZipBreach,
    ZipBreachKind,
    zip_bounds_breach,
)


def entries(parts: dict[str, bytes]) -> list[zipfile.ZipInfo]:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content)
    return zipfile.ZipFile(buffer).infolist()


def info(name: str, size: int, compressed: int, flags: int = 0) -> zipfile.ZipInfo:
    """A directory entry as a crafted archive states it (nothing to decompress)."""
    entry = zipfile.ZipInfo(name)
    entry.file_size = size
    entry.compress_size = compressed
    entry.flag_bits = flags
    return entry


def test_an_ordinary_archive_is_within_bounds() -> None:
    assert zip_bounds_breach(entries({"a.xml": b"<a/>" * 1000, "b.bin": bytes(range(256))})) \
        is None


def test_too_many_parts_is_named_with_their_count() -> None:
    parts = {f"p{i}.txt": b"x" for i in range(MAX_ZIP_ENTRIES + 1)}
    assert zip_bounds_breach(entries(parts)) == ZipBreach(ZipBreachKind.TOO_MANY_PARTS,
                                                          MAX_ZIP_ENTRIES + 1)
    assert zip_bounds_breach(entries(dict(list(parts.items())[:MAX_ZIP_ENTRIES]))) is None


def test_an_encrypted_part_is_refused() -> None:
    breach = zip_bounds_breach([info("a.xml", 10, 10), info("b.xml", 10, 12, flags=0x1)])
    assert breach is not None and breach.kind is ZipBreachKind.ENCRYPTED


def test_a_large_part_expanding_beyond_the_ratio_is_a_bomb() -> None:
    bomb = entries({"bomb.bin": b"\x00" * 5_000_000})
    assert bomb[0].file_size / bomb[0].compress_size > MAX_RATIO
    assert zip_bounds_breach(bomb) == ZipBreach(ZipBreachKind.EXPANDS, 5_000_000)
    # A stated compressed size of zero is as bad.
    assert zip_bounds_breach([info("z.bin", RATIO_CHECKED_FROM + 1, 0)]) == ZipBreach(
        ZipBreachKind.EXPANDS, RATIO_CHECKED_FROM + 1)


def test_a_small_part_may_compress_as_well_as_it_likes() -> None:
    small = entries({"zeros.bin": b"\x00" * RATIO_CHECKED_FROM})
    assert small[0].file_size / small[0].compress_size > MAX_RATIO
    assert zip_bounds_breach(small) is None


def test_the_total_uncompressed_size_is_bounded() -> None:
    size = RATIO_CHECKED_FROM * 10
    parts = [info(f"p{i}.bin", size, size // 2) for i in range(MAX_UNCOMPRESSED // size + 1)]
    assert zip_bounds_breach(parts) == ZipBreach(ZipBreachKind.TOO_LARGE,
                                                 size * len(parts))
    assert zip_bounds_breach(parts[:-1]) is None
