"""API shapes: organization keys, checkpoints, the organizations' signatures (API.md
"Evidence")."""

from __future__ import annotations

from marshmallow import fields

from jointprojects.api.schemas import Code, InputSchema, OutputSchema, Text


class OrganizationKeyIn(InputSchema):
    public_key = Text(required=True, max_length=2000, metadata={
        "description": "the organization's Ed25519 public key, SubjectPublicKeyInfo PEM "
                       "(`jointprojects checkpoint keygen` prints one)"})


class KeyOut(OutputSchema):
    __component__ = "OrganizationKey"

    id = fields.Integer(required=True)
    organization = fields.String(required=True)
    public_key = fields.String(required=True)
    fingerprint = fields.String(required=True, metadata={
        "description": "SHA-256 of the key's 32 raw bytes, hex"})
    registered_at = fields.String(required=True)
    retired_at = fields.String(required=True, allow_none=True, metadata={
        "description": "set once replaced: what it signed before still verifies"})
    in_use = fields.Boolean(required=True)


class CheckpointSignatureIn(InputSchema):
    organization = Code(required=True, metadata={"example": "INTERPOL",
                                                 "description": "the organization that signs"})
    signature = Text(required=True, max_length=200, metadata={
        "description": "base64 Ed25519 signature by the organization's registered key, as "
                       "`jointprojects checkpoint sign --key FILE` prints it"})


class DecisionSignatureIn(InputSchema):
    organization = Code(required=True, metadata={"example": "INTERPOL"})
    signature = Text(required=True, max_length=200)


class OrganizationSignatureOut(OutputSchema):
    organization = fields.String(required=True)
    fingerprint = fields.String(required=True)
    signature = fields.String(required=True)
    recorded_at = fields.String(required=True)


class CheckpointPayload(OutputSchema):
    format = fields.String(required=True)
    sequence = fields.Integer(required=True, metadata={
        "description": "the id of the newest audit row when signed"})
    hash = fields.String(required=True)
    at = fields.String(required=True)


class CheckpointOut(OutputSchema):
    __component__ = "Checkpoint"

    id = fields.Integer(required=True)
    payload = fields.Nested(CheckpointPayload, required=True, metadata={
        "description": "what is signed: its canonical JSON bytes (docs/EVIDENCE.md)"})
    instance_signature = fields.String(required=True)
    instance_fingerprint = fields.String(required=True)
    made_by = fields.String(required=True)
    signatures = fields.List(fields.Nested(OrganizationSignatureOut), required=True)


class AcceptanceOut(OutputSchema):
    __component__ = "SealedDecision"

    id = fields.Integer(required=True)
    payload = fields.Dict(required=True, allow_none=True, metadata={
        "description": "what is sealed: the statement's figures, its workbook's SHA-256 and "
                       "the chain head when decided"})
    instance_signature = fields.String(required=True, allow_none=True)
    signatures = fields.List(fields.Nested(OrganizationSignatureOut), required=True)
