"""API: the inbox of the token's user (issue 16), the twin of the inbox page."""

from __future__ import annotations

from jointprojects.api import api_user, bp, ensure
from jointprojects.api.openapi import operation
from jointprojects.auth.policy import READ
from jointprojects.inbox import schemas, services


@bp.get("/inbox")
@operation("What the user's organization and role must do (to_do) and should know "
           "(for_information), computed from the records the user may see",
           response=schemas.InboxOut)
def inbox():
    ensure(READ)
    return schemas.inbox_json(services.inbox(api_user()))
