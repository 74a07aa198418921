"""The evidence scheme (DOMAIN.md rule 15, docs/EVIDENCE.md): canonical form of an audit row,
its hash chain, and the offline verifier of an evidence bundle.

This module imports neither Flask nor SQLAlchemy nor anything of ``jointprojects``: the
verifier runs with nothing but the standard library and ``cryptography`` (no database, no
configuration, no network).

Canonical form of an audit row: the JSON object of its fields ``action``, ``address``,
``after``, ``at``, ``before``, ``entity``, ``entity_id``, ``parent_entity``, ``parent_id``,
``user_agent``, ``user_id`` (not ``id``, ``prev_hash`` nor ``hash``), keys sorted at every
level, separators ``,`` and ``:`` without spaces, UTF-8 (non-ASCII kept as is), ``at`` as UTC
``YYYY-MM-DDTHH:MM:SS.ffffffZ``; decimals are strings already (``snapshot``), a float that
slipped in is written as the string of its ``repr``; no float ever appears in the bytes.
``hash = SHA-256(prev_hash + "\\n" + canonical)`` in lowercase hex; the first row's
``prev_hash`` is 64 zeros (:data:`GENESIS`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

GENESIS = "0" * 64
#: Actions that change no record (a download is logged, the record stays as it was).
NOT_CHANGES = frozenset({"download"})
#: The fields of an audit row that its hash covers.
FIELDS = ("action", "address", "after", "at", "before", "entity", "entity_id",
          "parent_entity", "parent_id", "user_agent", "user_id")
#: Kinds loaded as reference data (``init-db``: the 1997 agreement) before any log row: a
#: record of them is compared once the log holds it, not reported as "not in the log".
REFERENCE_KINDS = frozenset({"agreement"})
_NOT_AT = tuple(name for name in FIELDS if name != "at")
#: Bundle layout (docs/EVIDENCE.md).
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
PUBLIC_KEY = "public_key.pem"
KEYS = "keys.json"
CHECKPOINTS = "checkpoints.json"
ACCEPTANCES = "acceptances.json"
#: The ``format`` of what is signed (docs/EVIDENCE.md "Signatures").
CHECKPOINT_FORMAT = "jointprojects-checkpoint/1"
ACCEPTANCE_FORMAT = "jointprojects-acceptance/1"
#: The languages of a statement's workbooks, as a problem names them (issue 17).
LANGUAGE_NAMES = {"en": "English", "fr": "French"}


def timestamp(value: datetime | str) -> str:
    """``at`` in the canonical form: naive UTC (as stored) or aware, microseconds always."""
    if isinstance(value, str):
        if len(value) == 27 and value[10] == "T" and value[19] == "." and value[26] == "Z":
            return value  # canonical already (a bundle's log.json)
        value = datetime.fromisoformat(value.removesuffix("Z"))
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    if value.year >= 1000:  # what strftime below writes, without parsing a format
        return value.isoformat(timespec="microseconds") + "Z"
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


#: The types written as they are (exactly these: a subclass goes the long way round).
_AS_IS = frozenset({str, int, bool, type(None)})


def _as_is(values: list[Any]) -> bool:
    """Whether every item of ``values`` is written as it is (no nested list, no float)."""
    return not set(map(type, values)) - _AS_IS


def plain(value: Any) -> Any:
    """``value`` with JSON types only and no floats (decimals and floats as strings)."""
    kind = type(value)
    if kind in _AS_IS:
        return value
    if kind is dict:  # the snapshots: mostly strings and integers, converted without a call
        return {k if type(k) is str else str(k): v if type(v) in _AS_IS else plain(v)
                for k, v in value.items()}
    if kind is list:  # a re-allocation's rows: lists of integers, each checked in one pass
        return [v if type(v) in _AS_IS else v if type(v) is list and _as_is(v) else plain(v)
                for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [v if type(v) in _AS_IS else plain(v) for v in value]
    raise TypeError(f"not canonical: {type(value).__name__}")


def canonical(row: Mapping[str, Any]) -> bytes:
    """The canonical JSON bytes of an audit row (the fields of :data:`FIELDS`)."""
    data = {name: plain(row.get(name)) for name in _NOT_AT}
    data["at"] = timestamp(row["at"])
    return json.dumps(data, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def row_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """The hash of an audit row that follows ``prev_hash``."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical(row)).hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Problem:
    """The first thing that does not hold, named for a person."""

    message: str


def check_chain(rows: Iterable[Mapping[str, Any]], *, start: str = GENESIS) -> Problem | None:
    """The first broken row of a chain given in id order (each with ``id``, ``prev_hash``,
    ``hash`` and the fields of :data:`FIELDS`), or None when every link and hash holds."""
    prev = start
    for row in rows:
        if row["prev_hash"] != prev:
            return Problem(f"audit row #{row['id']}: its link does not follow the row before "
                           "it (a row before it was deleted, inserted or moved)")
        if row_hash(prev, row) != row["hash"]:
            return Problem(f"audit row #{row['id']}: its content does not match its hash "
                           f"({row['entity']} #{row['entity_id']}, {row['action']})")
        prev = row["hash"]
    return None


def check_links(links: Iterable[Mapping[str, Any]], *, start: str = GENESIS) -> Problem | None:
    """The first broken link of a chain of ``{id, prev_hash, hash}`` (content not shown)."""
    prev = start
    for link in links:
        if link["prev_hash"] != prev:
            return Problem(f"audit row #{link['id']}: its link does not follow the row before it")
        prev = link["hash"]
    return None


#: The key of ``after`` in a re-allocation's batch row (docs/EVIDENCE.md "Re-allocations").
REALLOCATION = "reallocation"


def minor_text(units: int, places: int) -> str:
    """Minor units as the decimal string a snapshot writes: ``-1234, 2`` -> ``"-12.34"``."""
    if not places:
        return str(units)
    whole, fraction = divmod(abs(units), 10 ** places)
    return f"{'-' if units < 0 else ''}{whole}.{fraction:0{places}d}"


def is_reallocation(row: Mapping[str, Any]) -> bool:
    """Whether ``row`` is a re-allocation's batch row (action ``reallocate`` on the
    arrangement, ``after.reallocation`` listing the expenses' after-state), rather than an
    older one-row-per-expense ``reallocate`` row (entity ``expense``, read as any update)."""
    after = row.get("after")
    return (row.get("action") == "reallocate" and row.get("entity") == "special_arrangement"
            and isinstance(after, Mapping) and REALLOCATION in after)


def reallocated(after: Mapping[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(expense id, its after-state)`` of each expense a batch row lists: ``rows`` of
    ``[expense_id, share_version_number, unallocated, part of each of parties...]``, money in
    minor units of ``places`` decimals, ``parties`` the organization codes in column order,
    ``updated_at`` the time every one of them was written."""
    batch = after[REALLOCATION]
    places = int(batch["places"])
    codes = [str(code) for code in batch["parties"]]
    stamp = batch["updated_at"]
    for expense_id, number, unallocated, *parts in batch["rows"]:
        yield int(expense_id), {
            "allocation": {code: minor_text(int(part), places)
                           for code, part in zip(codes, parts, strict=True)},
            "share_version_number": number,
            "unallocated": minor_text(int(unallocated), places),
            "updated_at": stamp,
        }


def reallocated_expense(after: Mapping[str, Any], expense_id: int) -> dict[str, Any] | None:
    """The after-state a batch row gives ``expense_id`` (None if it does not list it),
    found by bisection (the rows are in id order)."""
    batch = after.get(REALLOCATION)
    if not isinstance(batch, Mapping):
        return None
    rows = batch.get("rows") or []
    lo, hi = 0, len(rows)
    while lo < hi:
        mid = (lo + hi) // 2
        if int(rows[mid][0]) < expense_id:
            lo = mid + 1
        else:
            hi = mid
    if lo == len(rows) or int(rows[lo][0]) != expense_id:
        return None
    one = {**after, REALLOCATION: {**batch, "rows": [rows[lo]]}}
    return next(reallocated(one))[1]


def replay(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[str, int], dict[str, Any] | None]:
    """The state of every record the log speaks of: the ``after`` snapshots merged in order
    (a create starts afresh, a delete leaves None); a re-allocation's batch row merges the
    after-state of each expense it lists into that expense (:func:`reallocated`)."""
    state: dict[tuple[str, int], dict[str, Any] | None] = {}
    for row in rows:
        key = (row["entity"], int(row["entity_id"]))
        if row["entity"] == "user" or not key[1] or row["action"] in NOT_CHANGES:
            continue
        if is_reallocation(row):
            for expense_id, figures in reallocated(row["after"]):
                expense = ("expense", expense_id)
                current = state.get(expense)
                if current is None:  # not created in the log (or deleted): named by compare
                    state[expense] = dict(figures)
                else:
                    current.update(figures)
            continue
        current = state.get(key)
        if row["action"] == "delete":
            state[key] = None
        elif row["action"] == "create" or current is None:
            state[key] = dict(row.get("after") or {})
        else:
            current.update(row.get("after") or {})
    return state


def _number(value: Any) -> Decimal | None:
    if isinstance(value, str) and value and value.lstrip("-").replace(".", "", 1).isdigit():
        return Decimal(value)
    return None


def same(a: Any, b: Any) -> bool:
    """Whether a live value equals the log's: as :func:`plain` writes them, a decimal
    written with more or fewer trailing zeros (``"5000"``, ``"5000.0000"``) being the same
    amount."""
    a, b = plain(a), plain(b)
    if a == b:
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    x, y = _number(a), _number(b)
    return x is not None and y is not None and ("." in a or "." in b) and x == y


def shown(value: Any) -> str:
    """A value of a record as a message shows it: ``100.00``, ``2025-03-31``, ``None``."""
    value = plain(value)
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True,
                                                           ensure_ascii=False)


def compare(replayed: Mapping[tuple[str, int], dict[str, Any] | None],
            live: Mapping[tuple[str, int], Mapping[str, Any]],
            kinds: Iterable[str], *, unlogged: Iterable[str] = ()) -> Problem | None:
    """The first record of ``kinds`` whose live state differs from the replay of the log
    (changed, deleted or added behind the application's back); only the columns the log
    holds are compared. A record of ``unlogged`` kinds (reference data, loaded before any
    log row) is compared once the log holds it."""
    kinds = set(kinds)
    unlogged = set(unlogged)
    for key in sorted(k for k in replayed if k[0] in kinds):
        state = replayed[key]
        record = live.get(key)
        name = f"{key[0]} #{key[1]}"
        if state is None:
            if record is not None:
                return Problem(f"{name}: exists although the log says it was deleted")
            continue
        if record is None:
            return Problem(f"{name}: deleted behind the application's back (the log holds it)")
        for column in sorted(state):
            if column not in record or record[column] == state[column]:
                continue  # the usual case, without converting either
            if not same(record[column], state[column]):
                return Problem(f"{name}: {column} {shown(state[column])} in the log, "
                               f"{shown(record[column])} in the database")
    for key in sorted(k for k in live if k[0] in kinds):
        if key not in replayed and key[0] not in unlogged:
            return Problem(f"{key[0]} #{key[1]}: not in the log (added behind the "
                           "application's back)")
    return None


def check_statements(records: Mapping[str, list[dict[str, Any]]]) -> Problem | None:
    """Each statement still standing, recomputed from the bundle's expenses: the parties'
    shares (the sum of their parts of the period's expenses), what each paid and the number
    of expenses, to the cent."""
    expenses = records.get("expense", [])
    for st in records.get("statement", []):
        if st.get("status") == "withdrawn":
            continue
        period = [e for e in expenses if st["date_from"] <= e["date"] <= st["date_to"]]
        share: dict[str, Decimal] = {}
        paid: dict[str, Decimal] = {}
        for e in period:
            for code, amount in (e.get("allocation") or {}).items():
                share[code] = share.get(code, Decimal(0)) + Decimal(amount)
            paid[e["paid_by"]] = paid.get(e["paid_by"], Decimal(0)) + Decimal(e["reporting_amount"])
        name = f"statement #{st['id']} (number {st['number']})"
        if int(st.get("expense_count", len(period))) != len(period):
            return Problem(f"{name}: froze {st['expense_count']} expenses but the bundle has "
                           f"{len(period)} in its period")
        for code, line in sorted((st.get("parties") or {}).items()):
            for figure, expected in (("share", share), ("paid", paid)):
                if Decimal(line[figure]) != expected.get(code, Decimal(0)):
                    return Problem(f"{name}: {code}'s {figure} {line[figure]} does not "
                                   f"recompute from the expenses ({expected.get(code, 0)})")
    return None


# --- signatures (docs/EVIDENCE.md "Signatures") ------------------------------------------------


def message(payload: Mapping[str, Any]) -> bytes:
    """The bytes that are signed: the payload's canonical JSON (keys sorted, no spaces,
    UTF-8, decimals as strings, no floats), exactly as :func:`canonical` writes a row."""
    return json.dumps(plain(payload), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def public_key(pem: bytes | str) -> Ed25519PublicKey:
    """An Ed25519 public key from its PEM (SubjectPublicKeyInfo); ValueError naming what is
    wrong otherwise."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        key = load_pem_public_key(data.strip() + b"\n")
    except (ValueError, TypeError) as exc:
        raise ValueError("not a PEM public key (-----BEGIN PUBLIC KEY-----)") from exc
    except Exception as exc:  # cryptography raises its own UnsupportedAlgorithm
        raise ValueError("not a PEM public key (-----BEGIN PUBLIC KEY-----)") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 key")
    return key


def fingerprint(key: Ed25519PublicKey | bytes | str) -> str:
    """SHA-256 of the key's 32 raw bytes, lowercase hex (what pages and bundles show)."""
    if not isinstance(key, Ed25519PublicKey):
        key = public_key(key)
    return sha256(key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def decode_signature(text: str) -> bytes:
    """A signature written in base64 (standard alphabet, padding optional); ValueError
    unless it decodes to the 64 bytes of an Ed25519 signature."""
    cleaned = "".join(str(text).split())
    try:
        raw = base64.b64decode(cleaned + "=" * (-len(cleaned) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64") from exc
    if len(raw) != 64:
        raise ValueError(f"{len(raw)} bytes where an Ed25519 signature has 64")
    return raw


def encode_signature(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def signature_holds(key: Ed25519PublicKey, signature: str, payload: Mapping[str, Any]) -> bool:
    """Whether ``signature`` (base64) is ``key``'s Ed25519 signature of the payload's
    :func:`message`."""
    try:
        key.verify(decode_signature(signature), message(payload))
    except (InvalidSignature, ValueError):
        return False
    return True


def checkpoint_payload(sequence: int, head: str, at: datetime | str) -> dict[str, Any]:
    """What a checkpoint signs: the chain head (the id of the newest audit row and its
    hash) at a time."""
    return {"format": CHECKPOINT_FORMAT, "sequence": int(sequence), "hash": head,
            "at": timestamp(at)}


def check_signatures(what: str, payload: Mapping[str, Any],
                     signatures: Iterable[Mapping[str, Any]],
                     registered: Mapping[str, Mapping[str, Ed25519PublicKey]],
                     signers: set[str]) -> Problem | None:
    """Each organization's signature of ``payload`` (``{organization, fingerprint,
    signature}``): by a key registered to that organization (retired keys count: they
    signed while in use), and holding. The organizations whose signatures hold are added
    to ``signers``."""
    for sig in signatures:
        code = str(sig.get("organization"))
        key = registered.get(code, {}).get(str(sig.get("fingerprint")))
        if key is None:
            return Problem(f"{what}: signed by {code} with a key that is not registered "
                           f"(fingerprint {str(sig.get('fingerprint'))[:16]}...)")
        if not signature_holds(key, str(sig.get("signature")), payload):
            return Problem(f"{what}: {code}'s signature does not hold")
        signers.add(code)
    return None


def registered_keys(keys: Mapping[str, Any]) -> dict[str, dict[str, Ed25519PublicKey]]:
    """``{organization: {fingerprint: key}}`` of a bundle's ``keys.json``; ValueError for a
    key that is not one."""
    out: dict[str, dict[str, Ed25519PublicKey]] = {}
    for code, entries in (keys.get("organizations") or {}).items():
        for entry in entries:
            key = public_key(entry["public_key"])
            out.setdefault(str(code), {})[fingerprint(key)] = key
    return out


def check_keys_logged(keys: Iterable[Mapping[str, Any]],
                      rows: Iterable[Mapping[str, Any]]) -> Problem | None:
    """Each organization key (``{id, organization, public_key, fingerprint}``) was
    registered through the application: the log holds its ``create`` row with the same
    organization and fingerprint (on the verified chain), and the fingerprint is the key's."""
    logged = {(int(r["entity_id"]), str((r.get("after") or {}).get("organization")),
               str((r.get("after") or {}).get("fingerprint")))
              for r in rows if r["entity"] == "organization_key" and r["action"] == "create"}
    for entry in keys:
        name = f"organization key #{entry['id']} ({entry['organization']})"
        try:
            actual = fingerprint(entry["public_key"])
        except ValueError as exc:
            return Problem(f"{name}: {exc}")
        if actual != entry["fingerprint"]:
            return Problem(f"{name}: its fingerprint is not its key's")
        if (int(entry["id"]), str(entry["organization"]), actual) not in logged:
            return Problem(f"{name}: not registered (the log has no registration of it: "
                           "added behind the application's back)")
    return None


def check_checkpoint(checkpoint: Mapping[str, Any], instance: Ed25519PublicKey,
                     hashes: Mapping[int, str],
                     registered: Mapping[str, Mapping[str, Ed25519PublicKey]],
                     signers: set[str]) -> Problem | None:
    """A checkpoint (as ``GET /api/v1/checkpoints`` gives it): the instance's signature of
    its payload, its hash on the chain (``hashes``: id -> hash of the rows shown), and the
    organizations' signatures."""
    payload = checkpoint.get("payload") or {}
    name = f"checkpoint #{checkpoint.get('id')}"
    if payload.get("format") != CHECKPOINT_FORMAT:
        return Problem(f"{name}: not a jointprojects checkpoint")
    if not signature_holds(instance, str(checkpoint.get("instance_signature")), payload):
        return Problem(f"{name}: the instance's signature does not hold (not signed by "
                       "this instance's key)")
    sequence = int(payload["sequence"])
    if sequence and sequence not in hashes:
        return Problem(f"audit row #{sequence}: signed by {name} but missing from the chain "
                       "(deleted)")
    if sequence and hashes[sequence] != payload["hash"]:
        return Problem(f"audit row #{sequence}: its hash differs from {name} "
                       f"(signed {payload['at']}): a row at or before #{sequence} was "
                       "rewritten after the checkpoint")
    return check_signatures(name, payload, checkpoint.get("signatures") or [], registered,
                            signers)


def check_kept_checkpoints(kept: Iterable[Mapping[str, Any]], instance: Ed25519PublicKey,
                           hashes: Mapping[int, str], head_id: int | None,
                           registered: Mapping[str, Mapping[str, Ed25519PublicKey]],
                           signers: set[str]) -> Problem | None:
    """Checkpoints an organization kept off-site: each must be on the bundle's chain (its
    sequence's hash equal), else the rows between the last one that still holds and it are
    named as where the chain was rewritten."""
    good = 0
    for checkpoint in sorted(kept, key=lambda c: int((c.get("payload") or {}).get("sequence", 0))):
        payload = checkpoint.get("payload") or {}
        name = f"the kept checkpoint #{checkpoint.get('id')}"
        if payload.get("format") != CHECKPOINT_FORMAT:
            return Problem(f"{name}: not a jointprojects checkpoint")
        if not signature_holds(instance, str(checkpoint.get("instance_signature")), payload):
            return Problem(f"{name}: not signed by this bundle's instance key")
        sequence = int(payload["sequence"])
        if head_id is not None and sequence > head_id:
            return Problem(f"{name}: audit row #{sequence} is after the bundle's head "
                           f"(#{head_id}): the chain was cut short")
        if hashes.get(sequence) != payload["hash"]:
            where = f"#{good + 1} to #{sequence}" if good + 1 < sequence else f"#{sequence}"
            return Problem(f"audit row #{sequence}: its hash differs from {name} "
                           f"(signed {payload['at']}): the chain was rewritten between "
                           f"rows {where}")
        # An organization may have countersigned its copy after this bundle was made, with
        # a key registered since: the bundle cannot check that signature, and the proof
        # rests on the instance's signature and the hash above. Signatures by keys the
        # bundle knows must hold.
        known = [sig for sig in checkpoint.get("signatures") or []
                 if str(sig.get("fingerprint")) in registered.get(str(sig.get("organization")),
                                                                  {})]
        problem = check_signatures(name, payload, known, registered, signers)
        if problem:
            return problem
        good = sequence
    return None


# --- the bundle --------------------------------------------------------------------------------


def verify_bundle(data: bytes, trusted_key: bytes | None = None,
                  kept: Iterable[bytes] = ()) -> tuple[bool, str]:
    """Check an evidence bundle (the bytes of the zip): ``(True, "verified: ...")`` or
    ``(False, what does not hold)``. ``trusted_key`` (PEM) is the instance's public key as
    the organization keeps it: the bundle's own key must be that one. ``kept`` are
    checkpoint files (JSON, as ``GET /api/v1/checkpoints`` gives them) an organization kept:
    each must be on the bundle's chain."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return False, "not a zip file"
    names = set(archive.namelist())
    for needed in (MANIFEST, SIGNATURE, PUBLIC_KEY):
        if needed not in names:
            return False, f"{needed} is missing from the bundle"
    manifest_bytes = archive.read(MANIFEST)
    if trusted_key is not None and archive.read(PUBLIC_KEY).strip() != trusted_key.strip():
        return False, f"{PUBLIC_KEY}: not the key you trust (signed by another key)"
    key = load_pem_public_key(archive.read(PUBLIC_KEY))
    if not isinstance(key, Ed25519PublicKey):
        return False, f"{PUBLIC_KEY}: not an Ed25519 key"
    try:
        key.verify(bytes.fromhex(archive.read(SIGNATURE).decode("ascii").strip()),
                   manifest_bytes)
    except (InvalidSignature, ValueError):
        return False, f"{SIGNATURE}: the signature of the manifest does not hold"
    manifest = json.loads(manifest_bytes)
    files: dict[str, str] = manifest["files"]
    if files.get(PUBLIC_KEY) is not None and files[PUBLIC_KEY] != sha256(archive.read(PUBLIC_KEY)):
        return False, f"{PUBLIC_KEY}: its SHA-256 differs from the manifest"
    content: dict[str, bytes] = {}  # each file read (decompressed) once
    for name, digest in sorted(files.items()):
        if name not in names:
            return False, f"{name}: listed in the manifest but missing"
        content[name] = archive.read(name)
        if sha256(content[name]) != digest:
            return False, f"{name}: its SHA-256 differs from the manifest"
    extra = names - set(files) - {MANIFEST, SIGNATURE, PUBLIC_KEY}
    if extra:
        return False, f"{sorted(extra)[0]}: not listed in the manifest"

    for needed in ("chain.json", "log.json", "records.json"):
        if needed not in content:
            return False, f"{needed} is missing from the bundle"
    links: list[dict[str, Any]] = json.loads(content.pop("chain.json"))
    rows: list[dict[str, Any]] = json.loads(content.pop("log.json"))
    records: dict[str, list[dict[str, Any]]] = json.loads(content.pop("records.json"))
    problem = check_links(links)
    if problem:
        return False, problem.message
    by_id = {int(link["id"]): link for link in links}
    for row in rows:
        link = by_id.get(int(row["id"]))
        if link is None:
            return False, f"audit row #{row['id']}: not in the chain"
        if link["prev_hash"] != row["prev_hash"] or link["hash"] != row["hash"]:
            return False, f"audit row #{row['id']}: its link differs from the chain"
        if row_hash(row["prev_hash"], row) != row["hash"]:
            return False, (f"audit row #{row['id']}: its content does not match its hash "
                           f"({row['entity']} #{row['entity_id']}, {row['action']})")
    if manifest.get("head") is not None and links and links[-1]["hash"] != manifest["head"]:
        return False, "chain.json: its last hash is not the signed chain head"
    live = {(kind, int(rec["id"])): rec for kind, recs in records.items() for rec in recs}
    problem = compare(replay(rows), live, records, unlogged=REFERENCE_KINDS)
    if problem:
        return False, problem.message
    problem = check_statements(records)
    if problem:
        return False, problem.message
    statements = manifest.get("statements", [])
    problem = _check_workbooks(archive, names, statements, records)
    if problem:
        return False, problem.message
    signers: set[str] = set()
    problem = _check_signed(archive, names, key, links, rows, records, statements, kept,
                            manifest.get("head_id"), signers)
    if problem:
        return False, problem.message
    n_records = sum(len(recs) for recs in records.values())
    by = ", ".join(sorted(signers)) if signers else "the instance only"
    return True, (f"verified: {n_records} records, {len(rows)} log rows, "
                  f"{len(statements)} statements, signatures by {by} "
                  f"(chain of {len(links)} rows, instance key {fingerprint(key)[:16]})")


def _check_workbooks(archive: zipfile.ZipFile, names: set[str],
                     statements: Iterable[Mapping[str, Any]],
                     records: Mapping[str, list[dict[str, Any]]]) -> Problem | None:
    """Each statement's workbooks: the first one's bytes hash to the statement's
    ``sha256``; every language's (``workbooks``, issue 17) to its SHA-256 in the manifest,
    equal to the one the log holds for that language (the statement's ``workbooks``)."""
    logged = {int(st["id"]): st.get("workbooks") or {} for st in records.get("statement", [])}
    for statement in statements:
        name = f"statement #{statement['id']}"
        workbook = statement.get("workbook")
        if workbook and statement.get("workbook_sha256") and (
                workbook not in names
                or sha256(archive.read(workbook)) != statement["workbook_sha256"]):
            return Problem(f"{name}: its workbook's SHA-256 differs")
        for copy in statement.get("workbooks") or []:
            language = str(copy.get("language"))
            words = LANGUAGE_NAMES.get(language, language)
            file = str(copy.get("workbook"))
            if file not in names or sha256(archive.read(file)) != copy.get("sha256"):
                return Problem(f"{name}: its workbook in {words} ({file}): its SHA-256 "
                               "differs")
            frozen = logged.get(int(statement["id"]), {}).get(language)
            if frozen is not None and frozen != copy.get("sha256"):
                return Problem(f"{name}: its workbook in {words} ({file}): its SHA-256 "
                               "differs from the one the log holds")
    return None


def check_sealed_workbooks(name: str, payload: Mapping[str, Any],
                           workbooks: Mapping[str, Any]) -> Problem | None:
    """An acceptance sealed every language's workbook (``workbooks_sha256``, issue 17;
    absent from the seals made before): each must be the statement's now (``workbooks``:
    language -> SHA-256)."""
    sealed = payload.get("workbooks_sha256")
    if not isinstance(sealed, Mapping):
        return None
    for language in sorted(set(sealed) | set(workbooks)):
        if sealed.get(language) != workbooks.get(language):
            words = LANGUAGE_NAMES.get(language, language)
            return Problem(f"{name}: the SHA-256 of the workbook in {words} differs from "
                           "what was accepted")
    return None


def _json_file(archive: zipfile.ZipFile, names: set[str], name: str, default: Any) -> Any:
    return json.loads(archive.read(name)) if name in names else default


def _check_signed(archive: zipfile.ZipFile, names: set[str], instance: Ed25519PublicKey,
                  links: list[dict[str, Any]], rows: list[dict[str, Any]],
                  records: Mapping[str, list[dict[str, Any]]],
                  statements: list[dict[str, Any]], kept: Iterable[bytes],
                  head_id: int | None, signers: set[str]) -> Problem | None:
    """The checkpoints, the acceptances' seals and every organization's signature in the
    bundle, then the checkpoints an organization kept."""
    keys = _json_file(archive, names, KEYS, {})
    problem = check_keys_logged(
        [{**entry, "organization": code} for code, entries in
         (keys.get("organizations") or {}).items() for entry in entries], rows)
    if problem:
        return problem
    try:
        registered = registered_keys(keys)
    except (ValueError, KeyError, TypeError) as exc:
        return Problem(f"{KEYS}: an organization's key is not one ({exc})")
    hashes = {int(link["id"]): str(link["hash"]) for link in links}
    for checkpoint in _json_file(archive, names, CHECKPOINTS, []):
        problem = check_checkpoint(checkpoint, instance, hashes, registered, signers)
        if problem:
            return problem
    by_statement = {int(st["id"]): st for st in records.get("statement", [])}
    workbooks = {int(st["id"]): st.get("workbook_sha256") for st in statements}
    every = {int(st["id"]): {str(c.get("language")): c.get("sha256")
                             for c in st.get("workbooks") or []} for st in statements}
    for acceptance in _json_file(archive, names, ACCEPTANCES, []):
        problem = _check_acceptance(acceptance, instance, hashes, by_statement, workbooks,
                                    registered, signers, every)
        if problem:
            return problem
    kept_checkpoints = []
    for number, raw in enumerate(kept, 1):
        try:
            item = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return Problem(f"kept checkpoint {number}: not a checkpoint file (JSON)")
        kept_checkpoints.extend(item if isinstance(item, list) else [item])
    if not all(isinstance(c, dict) for c in kept_checkpoints):
        return Problem("a kept checkpoint file holds something that is not a checkpoint")
    return check_kept_checkpoints(kept_checkpoints, instance, hashes, head_id, registered,
                                  signers)


def _check_acceptance(acceptance: Mapping[str, Any], instance: Ed25519PublicKey,
                      hashes: Mapping[int, str], by_statement: Mapping[int, Mapping[str, Any]],
                      workbooks: Mapping[int, Any],
                      registered: Mapping[str, Mapping[str, Ed25519PublicKey]],
                      signers: set[str],
                      every: Mapping[int, Mapping[str, Any]] | None = None) -> Problem | None:
    payload = acceptance.get("payload") or {}
    name = (f"{payload.get('organization')}'s {payload.get('decision')} of statement "
            f"#{payload.get('statement_id')}")
    if payload.get("format") != ACCEPTANCE_FORMAT:
        return Problem(f"{name}: not a jointprojects acceptance")
    if not signature_holds(instance, str(acceptance.get("instance_signature")), payload):
        return Problem(f"{name}: the instance's seal does not hold")
    statement = by_statement.get(int(payload["statement_id"]))
    if statement is None:
        return Problem(f"{name}: the statement is not in the bundle")
    figures = payload.get("figures") or {}
    for column in sorted(figures):
        if plain(statement.get(column)) != plain(figures[column]):
            return Problem(f"{name}: the statement's {column} differs from what was accepted")
    if payload.get("workbook_sha256") != workbooks.get(int(payload["statement_id"])):
        return Problem(f"{name}: the workbook's SHA-256 differs from what was accepted")
    problem = check_sealed_workbooks(name, payload,
                                     (every or {}).get(int(payload["statement_id"]), {}))
    if problem:
        return problem
    sequence = int(payload.get("head_id") or 0)
    if sequence and hashes.get(sequence) != payload.get("head_hash"):
        return Problem(f"audit row #{sequence}: its hash differs from the chain head sealed "
                       f"with {name}: a row at or before it was rewritten")
    return check_signatures(name, payload, acceptance.get("signatures") or [], registered,
                            signers)
