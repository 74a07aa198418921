"""API shapes: joint projects (Art. 5)."""

from __future__ import annotations

from marshmallow import fields

from jointprojects.api.schemas import (
    Code,
    Day,
    InputSchema,
    OutputSchema,
    PageQuery,
    Query,
    Text,
    Texts,
)
from jointprojects.projects.services import ProjectData


class ProjectIn(InputSchema):
    __model__ = ProjectData

    code = Code(required=True, max_length=40)
    title = Text(required=True)
    description = Text(max_length=5000)
    areas = Texts(required=True, metadata={"description": "areas of cooperation, a to f",
                                           "example": ["a", "f"]})
    lead_organization = Code(required=True)
    start_date = Day(required=True)
    end_date = Day()
    status = Text(metadata={"description": "default planned"})


class ProjectQuery(PageQuery):
    q = Query(metadata={"description": "words of the code or title"})
    status = Query()


class Project(OutputSchema):
    code = fields.String(required=True)
    title = fields.String(required=True)
    description = fields.String(required=True)
    areas = fields.List(fields.String(), required=True)
    lead_organization = fields.String(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True, allow_none=True)
    status = fields.String(required=True)
    arrangements = fields.List(fields.String(), required=True,
                               metadata={"description": "references of its arrangements"})
