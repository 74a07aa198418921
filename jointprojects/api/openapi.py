"""The OpenAPI 3 document of the JSON API, served at /api/v1/openapi.json.

Each feature lists its operations in :data:`OPERATIONS`; the document is built from it so that
adding an endpoint means adding one line here.
"""

from __future__ import annotations

from typing import Any

from jointprojects.api import bp

Money = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "example": "1234.50"}
Date = {"type": "string", "format": "date"}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "properties": {
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {
                        "field": {"type": "string", "nullable": True},
                        "message": {"type": "string"},
                    },
                },
            }
        },
    },
    "Organization": {
        "type": "object",
        "required": ["code", "name", "currency"],
        "properties": {
            "code": {"type": "string"},
            "name": {"type": "string"},
            "currency": {"type": "string", "minLength": 3, "maxLength": 3},
        },
    },
    "Project": {
        "type": "object",
        "required": ["code", "title", "areas", "lead_organization", "start_date"],
        "properties": {
            "code": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": "string"},
            "areas": {"type": "array", "items": {"type": "string", "enum": list("abcdef")}},
            "lead_organization": {"type": "string"},
            "start_date": Date,
            "end_date": {**Date, "nullable": True},
            "status": {"type": "string"},
        },
    },
    "Share": {
        "type": "object",
        "required": ["organization", "percent"],
        "properties": {
            "organization": {"type": "string"},
            "category": {"type": "string", "nullable": True},
            "percent": Money,
        },
    },
    "Ceiling": {
        "type": "object",
        "required": ["organization", "amount"],
        "properties": {"organization": {"type": "string"}, "amount": Money},
    },
    "Arrangement": {
        "type": "object",
        "required": [
            "reference",
            "project",
            "title",
            "kind",
            "parties",
            "currency",
            "start_date",
            "shares",
        ],
        "properties": {
            "reference": {"type": "string"},
            "project": {"type": "string"},
            "title": {"type": "string"},
            "kind": {
                "type": "string",
                "enum": ["joint_action", "personnel", "supplementary", "technical_cooperation"],
            },
            "parties": {"type": "array", "items": {"type": "string"}},
            "currency": {"type": "string"},
            "start_date": Date,
            "end_date": {**Date, "nullable": True},
            "status": {
                "type": "string",
                "readOnly": True,
                "enum": ["draft", "in_force", "terminated", "expired"],
            },
            "entry_into_force": {**Date, "nullable": True, "readOnly": True},
            "modalities": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "organization": {"type": "string"},
                        "role": {"type": "string"},
                        "responsibilities": {"type": "string"},
                        "in_kind_contribution": {"type": "string"},
                    },
                },
            },
            "shares": {"type": "array", "items": {"$ref": "#/components/schemas/Share"}},
            "ceilings": {"type": "array", "items": {"$ref": "#/components/schemas/Ceiling"}},
            "versions": {"type": "array", "readOnly": True, "items": {"type": "object"}},
        },
    },
    "Signature": {
        "type": "object",
        "required": ["organization", "date"],
        "properties": {"organization": {"type": "string"}, "date": Date},
    },
    "Amendment": {
        "type": "object",
        "required": ["effective_date", "shares", "reason"],
        "properties": {
            "effective_date": Date,
            "reason": {"type": "string"},
            "shares": {"type": "array", "items": {"$ref": "#/components/schemas/Share"}},
            "ceilings": {"type": "array", "items": {"$ref": "#/components/schemas/Ceiling"}},
        },
    },
    "Termination": {
        "type": "object",
        "required": ["organization", "notice_date"],
        "properties": {"organization": {"type": "string"}, "notice_date": Date},
    },
}

#: (method, path, summary, request schema or None, success status)
OPERATIONS: list[tuple[str, str, str, str | None, int]] = [
    ("get", "/organizations", "List organizations", None, 200),
    ("post", "/organizations", "Create an organization (admin)", "Organization", 201),
    ("get", "/projects", "List joint projects (Art. 5)", None, 200),
    ("post", "/projects", "Create a joint project", "Project", 201),
    ("get", "/projects/{code}", "Read a joint project", None, 200),
    ("get", "/arrangements", "List special arrangements", None, 200),
    ("post", "/arrangements", "Create a special arrangement (draft)", "Arrangement", 201),
    ("get", "/arrangements/{reference}", "Read a special arrangement with its versions", None, 200),
    (
        "post",
        "/arrangements/{reference}/signatures",
        "Record a party's signature",
        "Signature",
        201,
    ),
    (
        "post",
        "/arrangements/{reference}/amendments",
        "Propose an amendment of the shares",
        "Amendment",
        201,
    ),
    (
        "post",
        "/arrangements/{reference}/amendments/{number}/consents",
        "Record a party's consent to an amendment",
        "Signature",
        201,
    ),
    (
        "post",
        "/arrangements/{reference}/termination",
        "Give notice of termination (Art. 10.3)",
        "Termination",
        201,
    ),
]


def register(
    method: str,
    path: str,
    summary: str,
    schema: str | None = None,
    status: int = 200,
    schema_body: dict[str, Any] | None = None,
) -> None:
    """Let a feature add its operations (and an inline schema) to the document."""
    if schema and schema_body:
        SCHEMAS[schema] = schema_body
    OPERATIONS.append((method, path, summary, schema, status))


def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path, summary, schema, status in OPERATIONS:
        operation: dict[str, Any] = {
            "summary": summary,
            "responses": {
                str(status): {"description": "Success"},
                "401": {
                    "description": "No or bad token",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
                "403": {"description": "Role not allowed"},
            },
        }
        params = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
        if params:
            operation["parameters"] = [
                {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                for p in params
            ]
            operation["responses"]["404"] = {"description": "Unknown reference"}
        if method == "get" and not params:
            operation["parameters"] = [
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                },
            ]
        if schema:
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}
                },
            }
            operation["responses"].update(
                {
                    "400": {"description": "Malformed JSON"},
                    "409": {"description": "Duplicate or state forbids the action"},
                    "422": {
                        "description": "Validation error",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                }
            )
        paths.setdefault(f"/api/v1{path}", {})[method] = operation
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "jointprojects API",
            "version": "1",
            "description": "Joint projects and cost sharing under special arrangements "
            "(UN-Interpol Cooperation Agreement, 1997).",
        },
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


@bp.get("/openapi.json")
def openapi_json():  # type: ignore[no-untyped-def]
    return document()
