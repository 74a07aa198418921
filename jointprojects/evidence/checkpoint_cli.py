"""``jointprojects checkpoint`` (sign the chain head now with the instance key and keep it),
``jointprojects checkpoint sign --key FILE CHECKPOINT`` (an organization's signature, made on
its own machine: no database is needed when CHECKPOINT is the checkpoint's JSON file) and
``jointprojects checkpoint keygen --out FILE`` (an organization's key pair)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)
from flask.cli import ScriptInfo

from jointprojects.errors import DomainError
from jointprojects.evidence import signatures
from jointprojects.extensions import db
from reports.evidence import ACCEPTANCE_FORMAT, CHECKPOINT_FORMAT, encode_signature, message


def _fail(text: str) -> NoReturn:
    click.echo(f"Error: {text}", err=True)
    sys.exit(1)


@click.group("checkpoint", invoke_without_command=True)
@click.pass_context
def checkpoint(ctx: click.Context) -> None:
    """Sign the audit chain's head (its newest row's id and hash, and the time) with the
    instance's key and keep it as a checkpoint organizations can download and sign."""
    if ctx.invoked_subcommand is not None:
        return

    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        cp = signatures.make_checkpoint(signatures.COMMAND_LINE)
        db.session.commit()
        click.echo(f"Checkpoint {cp.id}: audit row #{cp.sequence}, hash {cp.hash}, "
                   f"signed by the instance (key {cp.instance_fingerprint[:16]}).")


def _load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}")
    try:
        key = load_pem_private_key(data, password=None)
    except TypeError:
        _fail(f"{path} is encrypted: give an unencrypted copy for signing.")
    except ValueError:
        _fail(f"{path} is not a PEM private key (-----BEGIN PRIVATE KEY-----).")
    if not isinstance(key, Ed25519PrivateKey):
        _fail(f"{path} is not an Ed25519 private key (openssl genpkey -algorithm ed25519).")
    return key


def _payload_from_file(path: Path) -> dict[str, Any]:
    try:
        item = json.loads(path.read_bytes())
    except OSError as exc:
        _fail(f"cannot read {path}: {exc.strerror}")
    except (ValueError, UnicodeDecodeError):
        _fail(f"{path} is not a checkpoint file (JSON).")
    payload = item.get("payload") if isinstance(item, dict) else None
    if not isinstance(payload, dict) or payload.get("format") not in (CHECKPOINT_FORMAT,
                                                                      ACCEPTANCE_FORMAT):
        _fail(f"{path} holds no checkpoint nor acceptance (a \"payload\" of format "
              f"{CHECKPOINT_FORMAT}).")
    return payload


def _payload_from_database(ctx: click.Context, checkpoint_id: int) -> dict[str, Any]:

    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        try:
            return signatures.payload_of(signatures.get_checkpoint(checkpoint_id))
        except DomainError:
            _fail(f"there is no checkpoint {checkpoint_id}.")
    raise AssertionError  # pragma: no cover - _fail exits


@checkpoint.command("sign")
@click.option("--key", "key_file", required=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="The organization's Ed25519 private key (PEM), kept on its own machine")
@click.argument("target", required=False, default="")
@click.pass_context
def sign(ctx: click.Context, key_file: Path, target: str) -> None:
    """Print an organization's signature (base64) of a checkpoint or an acceptance: TARGET
    is its JSON file as downloaded (no database needed), or a checkpoint's number (read from
    the database configured as for serve; the latest one when omitted)."""
    key = _load_private_key(key_file)
    if target and not target.isdigit():
        payload = _payload_from_file(Path(target))
    elif target:
        payload = _payload_from_database(ctx, int(target))
    else:
        payload = _latest_from_database(ctx)
    click.echo(encode_signature(key.sign(message(payload))))


def _latest_from_database(ctx: click.Context) -> dict[str, Any]:

    app = ctx.ensure_object(ScriptInfo).load_app()
    with app.app_context():
        cp = signatures.latest_checkpoint()
        if cp is None:
            _fail("there is no checkpoint yet: run `jointprojects checkpoint`.")
        assert cp is not None  # noqa: S101 - _fail exits
        return signatures.payload_of(cp)


@checkpoint.command("keygen")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the new private key (PEM, mode 0600); never overwritten")
def keygen(out: Path) -> None:
    """Make an organization's Ed25519 key pair: the private key into --out (keep it on your
    own machine), the public key printed, to register on your organization's Keys page."""
    key = Ed25519PrivateKey.generate()
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _fail(f"{out} exists already: it is never overwritten.")
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror}")
    with os.fdopen(fd, "wb") as stream:
        stream.write(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    click.echo(key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
               .decode("ascii").strip())
