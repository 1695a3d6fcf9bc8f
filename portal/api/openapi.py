"""The OpenAPI 3.1 document of /api/v1, built in Python so it follows the installation.

tests/api/test_openapi.py checks that every route is in it and every operation has a route,
and fuzzes each operation against it (no server errors, responses match their schemas).
"""

from __future__ import annotations

from typing import Any

from portal.api.problems import PROBLEMS
from portal.api.problems import TYPE_PREFIX
from portal.api.social_status_spec import social_status_paths
from portal.api.social_status_spec import social_status_schemas
from portal.domain.rules.base import RulePack
from portal.services.claim_checks import EXTERNAL_ID
from portal.services.claim_checks import MAX_AMOUNT
from portal.services.department_fees import FEE_REASONS

CREDIT_REASONS = ("billing_error", "duplicate", "partial_remission", "goodwill", "other")
JSON = "application/json"
PROBLEM = "application/problem+json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _text(max_length: int, description: str = "", *, nullable: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": ["string", "null"] if nullable else "string",
        "minLength": 1,
        "maxLength": max_length,
    }
    if description:
        schema["description"] = description
    return schema


def _schemas(rules: RulePack) -> dict[str, Any]:
    amount = {
        "type": "integer",
        "minimum": 1,
        "maximum": MAX_AMOUNT,
        "description": "Minor units (cents, øre) as a JSON integer: never a float or a string.",
    }
    day = {"type": "string", "format": "date", "description": "An ISO date, YYYY-MM-DD."}
    nullable_day = {"type": ["string", "null"], "format": "date"}
    return {
        "FieldError": {
            "type": "object",
            "required": ["field", "code", "message"],
            "properties": {
                "field": {"type": "string", "description": "e.g. amount, debtor.national_id"},
                "code": {"type": "string", "description": "machine-readable reason"},
                "message": {"type": "string"},
            },
        },
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details. `type` is about:blank or "
            f"{TYPE_PREFIX}<slug>: " + ", ".join(sorted(PROBLEMS)) + ".",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": {"type": "string"},
                "errors": {"type": "array", "items": _ref("FieldError")},
            },
        },
        "DebtorInput": {
            "type": "object",
            "description": "Exactly one of national_id and business_number. The debtor is matched "
            "by it (national ids by a keyed hash) and registered when new. "
            f"Checks for {rules.country}: NL BSN eleven-test; BE national or BIS number; DK CPR "
            "date check only; KvK 8 digits; CVR and KBO with their check digits.",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "national_id": _text(40, "BSN, CPR or Belgian national/BIS number"),
                "business_number": _text(20, "KvK, CVR or KBO number"),
                "name": _text(200),
                "email": _text(200, nullable=True),
                "address": _text(300, nullable=True),
                "preferred_locale": {"type": ["string", "null"], "enum": ["da", "nl", "en", None]},
            },
        },
        "ClaimInput": {
            "type": "object",
            "required": [
                "external_id",
                "claim_type",
                "amount",
                "currency",
                "issue_date",
                "due_date",
                "description",
                "debtor",
            ],
            "additionalProperties": False,
            "properties": {
                "external_id": {
                    "type": "string",
                    "pattern": f"^{EXTERNAL_ID.pattern}$",
                    "description": "Your own id: the same body again gives the same claim.",
                },
                "claim_type": _text(60, "a code from GET /claim-types"),
                "amount": amount,
                "currency": {"type": "string", "enum": [rules.currency]},
                "issue_date": day,
                "due_date": {**day, "description": "On or after issue_date."},
                "description": _text(300),
                "debtor": _ref("DebtorInput"),
            },
        },
        "CreditInput": {
            "type": "object",
            "required": ["amount", "reason"],
            "additionalProperties": False,
            "properties": {
                "amount": {**amount, "description": "At most the principal still due."},
                "reason": {"type": "string", "enum": list(CREDIT_REASONS)},
            },
        },
        "FeeInput": {
            "type": "object",
            "description": "A reminder fee on the claim (ledger component fee, cause "
            "reminder_fee), within the rule pack's cap for the claim type's legal basis. "
            "Idempotent by fee_id per claim: the same fee again gives 200 and the same entry; "
            "another fee under the same fee_id gives 409 fee-id-conflict.",
            "required": ["fee_id", "amount", "reason"],
            "additionalProperties": False,
            "properties": {
                "fee_id": {
                    "type": "string",
                    "pattern": "^[A-Za-z0-9._:/-]{1,64}$",
                    "description": "Your own id for this fee (idempotency key).",
                },
                "amount": {**amount, "description": "Minor units; at most the cap (see 422)."},
                "reason": {"type": "string", "enum": list(FEE_REASONS)},
                "effective_date": {
                    **day,
                    "description": "After the due date, not after today; default today.",
                },
            },
        },
        "Fee": {
            "type": "object",
            "required": [
                "fee_id",
                "ledger_entry_id",
                "amount",
                "currency",
                "reason",
                "cause",
                "effective_date",
            ],
            "properties": {
                "fee_id": {"type": "string"},
                "ledger_entry_id": {"type": "integer"},
                "amount": {"type": "integer", "minimum": 1},
                "currency": {"type": "string"},
                "reason": {"type": "string", "enum": list(FEE_REASONS)},
                "cause": {"type": "string", "enum": ["reminder_fee"]},
                "effective_date": day,
            },
        },
        "FeeResult": {
            "type": "object",
            "required": ["fee", "claim"],
            "properties": {"fee": _ref("Fee"), "claim": _ref("Claim")},
        },
        "Claim": {
            "type": "object",
            "required": [
                "id",
                "external_id",
                "reference",
                "claim_type",
                "description",
                "status",
                "currency",
                "original_amount",
                "balance",
                "principal_due",
                "fee_due",
                "interest_due",
                "issue_date",
                "due_date",
                "cancelled_on",
                "links",
            ],
            "properties": {
                "id": {"type": "integer"},
                "external_id": {"type": ["string", "null"]},
                "reference": {
                    "type": ["string", "null"],
                    "description": "payment reference as printed",
                },
                "claim_type": {"type": "string"},
                "description": {"type": "string"},
                "status": {
                    "type": "string",
                    "enum": [
                        "open",
                        "overdue",
                        "reminded",
                        "payment_pending",
                        "in_plan",
                        "paused",
                        "with_collector",
                        "paid",
                        "remitted",
                        "written_off",
                        "cancelled",
                    ],
                },
                "currency": {"type": "string"},
                "original_amount": {"type": "integer"},
                "balance": {"type": "integer", "minimum": 0},
                "principal_due": {"type": "integer", "minimum": 0},
                "fee_due": {"type": "integer", "minimum": 0},
                "interest_due": {"type": "integer", "minimum": 0},
                "issue_date": day,
                "due_date": day,
                "cancelled_on": nullable_day,
                "links": {
                    "type": "object",
                    "required": ["self", "cancel", "credit"],
                    "properties": {
                        "self": {"type": "string"},
                        "cancel": {"type": "string"},
                        "credit": {"type": "string"},
                        "fees": {"type": "string"},
                    },
                },
            },
        },
        "ClaimList": {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": _ref("Claim"), "maxItems": 1}},
        },
        "ClaimType": {
            "type": "object",
            "required": ["code", "names", "legal_basis", "minimum_amount"],
            "properties": {
                "code": {"type": "string"},
                "names": {"type": "object", "additionalProperties": {"type": "string"}},
                "legal_basis": {"type": "string", "enum": ["tax", "public_law", "private_law"]},
                "minimum_amount": {"type": "integer", "minimum": 0},
                "has_execution_right": {"type": "boolean"},
                "bears_interest": {"type": "boolean"},
                "remission_eligible": {"type": "boolean"},
                "ongoing": {"type": "boolean"},
            },
        },
        "ClaimTypeList": {
            "type": "object",
            "required": ["items"],
            "properties": {"items": {"type": "array", "items": _ref("ClaimType")}},
        },
        "Payment": {
            "type": "object",
            "required": ["id", "claim_id", "component", "amount", "currency", "effective_date"],
            "properties": {
                "id": {"type": "integer", "description": "ledger entry id: the cursor"},
                "claim_id": {"type": "integer"},
                "external_id": {"type": ["string", "null"]},
                "component": {"type": "string", "enum": ["principal", "fee", "interest"]},
                "amount": {
                    "type": "integer",
                    "description": "received for this claim; negative for a reversal",
                },
                "currency": {"type": "string"},
                "effective_date": day,
                "payment_id": {"type": ["integer", "null"]},
            },
        },
        "PaymentPage": {
            "type": "object",
            "required": ["items", "next"],
            "properties": {
                "items": {"type": "array", "items": _ref("Payment")},
                "next": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "pass as ?since= to get what came after",
                },
            },
        },
    }


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": _ref("Problem")}}}


_ERRORS = {
    "400": _problem("Malformed JSON"),
    "401": _problem("Missing, unknown or revoked token"),
    "404": _problem("No such claim in your department"),
    "409": _problem("Conflict"),
    "413": _problem("Body over 64 KB"),
    "415": _problem("Body is not application/json"),
    "422": _problem("Invalid fields; see errors"),
    "429": {
        **_problem("Rate limit reached"),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
}


def _responses(ok: dict[str, Any], *codes: str) -> dict[str, Any]:
    return {**ok, **{code: _ERRORS[code] for code in ("401", "429", *codes)}}


def _ok(schema: str, description: str = "OK", status: str = "200") -> dict[str, Any]:
    return {status: {"description": description, "content": {JSON: {"schema": _ref(schema)}}}}


def _body(schema: str, *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {JSON: {"schema": _ref(schema)}}}


_CLAIM_ID = {
    "name": "claim_id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}


def build_spec(rules: RulePack) -> dict[str, Any]:
    """The document served at GET /api/v1/openapi.json."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Saldo department claims API",
            "version": "1.0.0",
            "description": "Departments push claims, cancel or credit them, and follow what was "
            "paid. Amounts are integer minor units. Every error is RFC 9457 problem details.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "security": [],
                    "summary": "This document",
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {JSON: {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
            "/claim-types": {
                "get": {
                    "operationId": "listClaimTypes",
                    "summary": "Claim types of your department",
                    "responses": _responses(_ok("ClaimTypeList")),
                }
            },
            "/claims": {
                "post": {
                    "operationId": "createClaim",
                    "summary": "Create a claim (idempotent by external_id)",
                    "requestBody": _body("ClaimInput"),
                    "responses": _responses(
                        {
                            **_ok("Claim", "Created", "201"),
                            **_ok("Claim", "Sent before: the same claim"),
                        },
                        "400",
                        "409",
                        "413",
                        "415",
                        "422",
                    ),
                },
                "get": {
                    "operationId": "findClaims",
                    "summary": "Find a claim by your external id",
                    "parameters": [
                        {
                            "name": "external_id",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "minLength": 1},
                        }
                    ],
                    "responses": _responses(_ok("ClaimList"), "422"),
                },
            },
            "/claims/{claim_id}": {
                "get": {
                    "operationId": "getClaim",
                    "summary": "A claim with its status and balance",
                    "parameters": [_CLAIM_ID],
                    "responses": _responses(_ok("Claim"), "404"),
                }
            },
            "/claims/{claim_id}/cancel": {
                "post": {
                    "operationId": "cancelClaim",
                    "summary": "Cancel: ledger entries bring the balance to zero (idempotent)",
                    "parameters": [_CLAIM_ID],
                    "requestBody": {
                        "required": False,
                        "content": {JSON: {"schema": {"type": "object"}}},
                    },
                    "responses": _responses(_ok("Claim"), "400", "404", "413", "415"),
                }
            },
            "/claims/{claim_id}/credit": {
                "post": {
                    "operationId": "creditClaim",
                    "summary": "Lower the principal (a correction entry)",
                    "parameters": [_CLAIM_ID],
                    "requestBody": _body("CreditInput"),
                    "responses": _responses(_ok("Claim"), "400", "404", "409", "413", "415", "422"),
                }
            },
            "/claims/{claim_id}/fees": {
                "post": {
                    "operationId": "addClaimFee",
                    "summary": "Add a reminder fee within the rule pack's cap (idempotent by "
                    "fee_id)",
                    "description": "409 when the claim is cancelled (claim-closed), with the "
                    "external collector (claim-handed-over), under a collection hold "
                    "(claim-on-hold), paid (claim-settled), or when fee_id was used for another "
                    "fee (fee-id-conflict). 422 above_fee_cap names the maximum.",
                    "parameters": [_CLAIM_ID],
                    "requestBody": _body("FeeInput"),
                    "responses": _responses(
                        {
                            **_ok("FeeResult", "Fee added", "201"),
                            **_ok("FeeResult", "Sent before: the same fee"),
                        },
                        "400",
                        "404",
                        "409",
                        "413",
                        "415",
                        "422",
                    ),
                }
            },
            "/payments": {
                "get": {
                    "operationId": "listPayments",
                    "summary": "Payments on your claims after a cursor, oldest first",
                    "parameters": [
                        {
                            "name": "since",
                            "in": "query",
                            "required": False,
                            "schema": {
                                "type": "integer",
                                "minimum": 0,
                                "maximum": 2**31 - 1,
                                "default": 0,
                            },
                        },
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": 1000,
                                "default": 100,
                            },
                        },
                    ],
                    "responses": _responses(_ok("PaymentPage"), "422"),
                }
            },
            **social_status_paths(),
        },
        "components": {
            "schemas": {**_schemas(rules), **social_status_schemas(rules)},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
