"""API shapes: special arrangements, their signatures, amendments, consents and notice."""

from __future__ import annotations

from marshmallow import fields

from jointprojects.api.schemas import (
    Code,
    Day,
    DecimalText,
    InputSchema,
    Objects,
    OutputSchema,
    PageQuery,
    Query,
    Text,
    Texts,
)
from jointprojects.special_arrangements.services import (
    ArrangementData,
    CeilingData,
    ModalityData,
    ShareData,
)
from jointprojects.vocabulary import ARRANGEMENT_DISPLAY_STATUSES as DISPLAY_STATUSES
from jointprojects.vocabulary import AWAITED_ACTS, KINDS
from jointprojects.vocabulary import EXPENSE_CATEGORIES as CATEGORIES

# --- requests ----------------------------------------------------------------------------------


class ModalityIn(InputSchema):
    __model__ = ModalityData

    organization = Code(required=True)
    role = Text(max_length=120)
    responsibilities = Text(max_length=5000)
    in_kind_contribution = Text(max_length=5000)


class ShareIn(InputSchema):
    __model__ = ShareData

    organization = Code(required=True)
    category = Text(metadata={"enum": list(CATEGORIES),
                              "description": "absent: the default share set"})
    percent = DecimalText(required=True, metadata={"example": "60"})


class CeilingIn(InputSchema):
    __model__ = CeilingData

    organization = Code(required=True)
    amount = DecimalText(required=True)


class ArrangementIn(InputSchema):
    __model__ = ArrangementData

    reference = Code(required=True, max_length=60, metadata={"example": "SA-2025-01"})
    project = Code(required=True, metadata={"example": "P-1"})
    title = Text(required=True)
    kind = Text(metadata={"enum": list(KINDS), "description": "default joint_action"})
    parties = Texts(required=True, metadata={"example": ["UN", "INTERPOL"]})
    currency = Text(required=True, metadata={"example": "USD"})
    start_date = Day(required=True)
    end_date = Day()
    modalities = Objects(ModalityIn)
    shares = Objects(ShareIn, required=True)
    ceilings = Objects(CeilingIn)


class PartyDateIn(InputSchema):
    organization = Code(required=True)
    date = Day(required=True)


class SignatureIn(PartyDateIn):
    signatory_name = Text(max_length=200, metadata={
        "description": "the person who signed the instrument for the party; when absent the "
                       "recording user is stated as the signatory (signed_by_recorder)"})
    signatory_title = Text(max_length=200, metadata={"description": "the signatory's title"})
    signatory = Text(max_length=200, metadata={"description": "older name of signatory_name"})


class AmendmentIn(InputSchema):
    effective_date = Day(required=True)
    reason = Text(required=True, max_length=5000)
    shares = Objects(ShareIn, required=True)
    ceilings = Objects(CeilingIn)


class TerminationIn(InputSchema):
    organization = Code(required=True)
    notice_date = Day(required=True)


class ArrangementQuery(PageQuery):
    q = Query(metadata={"description": "words of the reference or title"})
    status = Query(metadata={"enum": list(DISPLAY_STATUSES),
                             "description": "as it stands today"})
    kind = Query(metadata={"enum": list(KINDS)})
    project = Query(metadata={"description": "project code"})
    organization = Query(metadata={"description": "a party's code"})


# --- responses ---------------------------------------------------------------------------------


class Share(OutputSchema):
    organization = fields.String(required=True)
    category = fields.String(required=True, allow_none=True)
    percent = fields.String(required=True, metadata={"example": "60"})


class Ceiling(OutputSchema):
    organization = fields.String(required=True)
    amount = fields.String(required=True)


class Consent(OutputSchema):
    organization = fields.String(required=True)
    date = fields.Date(required=True, allow_none=True)


class Version(OutputSchema):
    number = fields.Integer(required=True, metadata={
        "description": "the version of the shares: 1 for the original shares, 2 for those of "
                       "amendment 1, ..."})
    amendment = fields.Integer(required=True, allow_none=True, metadata={
        "description": "the amendment's number (1 for the first amendment); null for the "
                       "original shares"})
    effective_date = fields.Date(required=True, allow_none=True)
    status = fields.String(required=True)
    reason = fields.String(required=True, allow_none=True)
    shares = fields.List(fields.Nested(Share), required=True)
    ceilings = fields.List(fields.Nested(Ceiling), required=True)
    consents = fields.List(fields.Nested(Consent), required=True)


class Amendment(Version):
    """An amendment as proposed or consented to: ``number`` is the amendment's."""

    number = fields.Integer(required=True, metadata={
        "description": "the amendment's number (1 for the first), as in "
                       "/amendments/{number}/consents"})
    version = fields.Integer(required=True, metadata={
        "description": "the version of the shares it brings (its number + 1)"})


class Modality(OutputSchema):
    organization = fields.String(required=True)
    role = fields.String(required=True, allow_none=True)
    responsibilities = fields.String(required=True, allow_none=True)
    in_kind_contribution = fields.String(required=True, allow_none=True)


class SignatureRow(OutputSchema):
    organization = fields.String(required=True)
    date = fields.Date(required=True, allow_none=True)
    signatory_name = fields.String(required=True)
    signatory_title = fields.String(required=True)
    signed_by_recorder = fields.Boolean(required=True, metadata={
        "description": "no signatory was given: the recording user is stated as such"})
    recorded_by = fields.String(required=True, allow_none=True,
                                metadata={"description": "e-mail of the recording user"})
    recorded_at = fields.DateTime(required=True, allow_none=True)
    recorded_by_admin = fields.Boolean(required=True)


class Awaited(OutputSchema):
    organization = fields.String(required=True)
    for_ = fields.String(required=True, data_key="for", metadata={
        "enum": list(AWAITED_ACTS), "description": "what the party is awaited for"})
    version = fields.Integer(required=True, allow_none=True, metadata={
        "description": "the pending version (amendment) awaiting consent"})
    sentence = fields.String(required=True, metadata={
        "example": "Awaiting INTERPOL's signature"})


class Termination(OutputSchema):
    notice_date = fields.Date(required=True, allow_none=True)
    effective_date = fields.Date(required=True, allow_none=True)
    organization = fields.String(required=True, allow_none=True)


class Arrangement(OutputSchema):
    reference = fields.String(required=True)
    project = fields.String(required=True)
    title = fields.String(required=True)
    kind = fields.String(required=True)
    article = fields.String(required=True)
    parties = fields.List(fields.String(), required=True)
    currency = fields.String(required=True)
    start_date = fields.Date(required=True, allow_none=True)
    end_date = fields.Date(required=True, allow_none=True)
    status = fields.String(required=True, metadata={
        "enum": list(DISPLAY_STATUSES),
        "description": "as it stands today: signed while the entry into force is ahead"})
    entry_into_force = fields.Date(required=True, allow_none=True)
    termination = fields.Nested(Termination, required=True, allow_none=True)
    modalities = fields.List(fields.Nested(Modality), required=True)
    signatures = fields.List(fields.Nested(SignatureRow), required=True)
    awaited = fields.List(fields.Nested(Awaited), required=True, metadata={
        "description": "which party is awaited for what (signature, consent)"})
    versions = fields.List(fields.Nested(Version), required=True)


class Signed(SignatureRow):
    status = fields.String(required=True, metadata={"enum": list(DISPLAY_STATUSES)})
    entry_into_force = fields.Date(required=True, allow_none=True)


class Notice(OutputSchema):
    organization = fields.String(required=True, allow_none=True)
    notice_date = fields.Date(required=True, allow_none=True)
    effective_date = fields.Date(required=True, allow_none=True)
