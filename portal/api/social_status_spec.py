"""The /social-status operations in the OpenAPI document (issue 8); merged by openapi.build_spec."""

from __future__ import annotations

from typing import Any

from portal.domain.rules.base import RulePack
from portal.models.social_status import STATUS_KINDS
from portal.services.social_status import REFERENCE

JSON = "application/json"
PROBLEM = "application/problem+json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": _ref("Problem")}}}


def _responses(ok: dict[str, Any], *codes: str) -> dict[str, Any]:
    known = {
        "400": _problem("Malformed JSON"),
        "401": _problem("Missing, unknown or revoked token"),
        "403": _problem("Your department has no right to flag social status"),
        "404": _problem("Unknown debtor (nothing stored) or unknown reference"),
        "409": _problem("This reference was used for a different flag"),
        "413": _problem("Body over 64 KB"),
        "415": _problem("Body is not application/json"),
        "422": _problem("Invalid fields; see errors"),
        "429": {
            **_problem("Rate limit reached"),
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
        },
    }
    return {**ok, **{code: known[code] for code in ("401", "403", "429", *codes)}}


def _ok(description: str, status: str = "200") -> dict[str, Any]:
    return {
        status: {"description": description, "content": {JSON: {"schema": _ref("SocialStatus")}}}
    }


def social_status_schemas(rules: RulePack) -> dict[str, Any]:
    day = {"type": "string", "format": "date", "description": "An ISO date, YYYY-MM-DD."}
    reference = {
        "type": "string",
        "pattern": f"^{REFERENCE.pattern}$",
        "description": "Your own id for this flag: the same body again gives the same flag.",
    }
    kind = {"type": "string", "enum": list(STATUS_KINDS)}
    return {
        "SocialStatusDebtor": {
            "type": "object",
            "description": "Exactly one of national_id and business_number; the debtor must "
            f"already be known to Saldo (checks for {rules.country} as for claims).",
            "additionalProperties": False,
            "properties": {
                "national_id": {"type": "string", "minLength": 1, "maxLength": 40},
                "business_number": {"type": "string", "minLength": 1, "maxLength": 20},
            },
        },
        "SocialStatusInput": {
            "type": "object",
            "required": ["reference", "debtor", "kind", "valid_until"],
            "additionalProperties": False,
            "properties": {
                "reference": reference,
                "debtor": _ref("SocialStatusDebtor"),
                "kind": kind,
                "valid_from": {**day, "description": "Default: today."},
                "valid_until": {
                    **day,
                    "description": "Required end date: not passed, at most 3 years after "
                    "valid_from.",
                },
                "legal_basis": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "description": '"consent", or omit for the legal basis recorded for your '
                    "department.",
                },
            },
        },
        "SocialStatus": {
            "type": "object",
            "required": [
                "reference",
                "kind",
                "legal_basis",
                "valid_from",
                "valid_until",
                "recorded_at",
                "ended_at",
                "active",
            ],
            "properties": {
                "reference": {"type": "string"},
                "kind": kind,
                "legal_basis": {"type": "string"},
                "valid_from": day,
                "valid_until": day,
                "recorded_at": {"type": "string", "format": "date-time"},
                "ended_at": {"type": ["string", "null"], "format": "date-time"},
                "active": {"type": "boolean"},
            },
        },
    }


_REFERENCE = {
    "name": "reference",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1},
}


def social_status_paths() -> dict[str, Any]:
    return {
        "/social-status": {
            "post": {
                "operationId": "flagSocialStatus",
                "summary": "Flag a known debtor's social status until an end date (idempotent "
                "by reference); Saldo then offers help unasked",
                "requestBody": {
                    "required": True,
                    "content": {JSON: {"schema": _ref("SocialStatusInput")}},
                },
                "responses": _responses(
                    {**_ok("Created", "201"), **_ok("Sent before: the same flag")},
                    "400",
                    "404",
                    "409",
                    "413",
                    "415",
                    "422",
                ),
            }
        },
        "/social-status/{reference}": {
            "get": {
                "operationId": "getSocialStatus",
                "summary": "One of your department's flags",
                "parameters": [_REFERENCE],
                "responses": _responses(_ok("OK"), "404"),
            },
            "delete": {
                "operationId": "endSocialStatus",
                "summary": "End a flag now (idempotent)",
                "parameters": [_REFERENCE],
                "responses": _responses(_ok("Ended"), "404"),
            },
        },
    }
