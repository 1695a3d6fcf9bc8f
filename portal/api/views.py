"""Routes of the department claims API, /api/v1 (issue 7). Thin: parse, one service, commit."""

from __future__ import annotations

import re
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.api import hooks
from portal.api.hooks import current_department
from portal.api.hooks import current_token
from portal.api.hooks import json_body
from portal.api.openapi import CREDIT_REASONS
from portal.api.openapi import build_spec
from portal.api.presenters import claim_json
from portal.api.presenters import claim_type_json
from portal.api.presenters import fee_json
from portal.api.presenters import payment_json
from portal.api.problems import ApiProblem
from portal.api.problems import validation_problem
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.models import Claim
from portal.models import ClaimType
from portal.services.audit import Actor
from portal.services.claim_checks import EXTERNAL_ID
from portal.services.claim_checks import ISO_DATE
from portal.services.claim_checks import MAX_AMOUNT
from portal.services.claim_checks import FieldError
from portal.services.claim_checks import SubmissionInvalid
from portal.services.claim_checks import check_submission
from portal.services.claim_import import ExternalIdConflict
from portal.services.claim_import import find_department_claim
from portal.services.claim_import import submit_claim
from portal.services.department_claims import ClaimClosed
from portal.services.department_claims import CreditTooLarge
from portal.services.department_claims import cancel_claim as cancel_service
from portal.services.department_claims import credit_claim as credit_service
from portal.services.department_claims import department_claim
from portal.services.department_claims import payments_since
from portal.services.department_fees import FEE_REASONS
from portal.services.department_fees import FeeIdConflict
from portal.services.department_fees import FeeRefused
from portal.services.department_fees import FeeTooHigh
from portal.services.department_fees import add_fee

bp = Blueprint("api", __name__, url_prefix="/api/v1")
hooks.install(bp)

MAX_ID = 2**31 - 1
MAX_CURSOR = 2**31 - 1  # ledger ids are 32-bit integers
DEFAULT_PAGE = 100
MAX_PAGE = 1000
API_ACTOR = Actor("api")


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _today() -> date:
    return datetime.now(ZoneInfo(_rules().timezone)).date()


def _claim_response(claim: Claim, status: int = 200) -> Response:
    body = claim_json(db.session(), _rules(), claim, as_of=_today(), now=datetime.now(UTC))
    response = jsonify(body)
    response.status_code = status
    return response


def _own_claim(claim_id: int) -> Claim:
    if claim_id > MAX_ID:
        raise ApiProblem("not-found", "Your department has no claim with this id.")
    claim = department_claim(db.session(), current_department(), claim_id)
    if claim is None:
        raise ApiProblem("not-found", "Your department has no claim with this id.")
    return claim


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(build_spec(_rules()))


@bp.get("/claim-types")
def list_claim_types() -> Response:
    types = db.session().scalars(
        select(ClaimType)
        .where(ClaimType.department_id == current_department().id)
        .order_by(ClaimType.code)
    )
    return jsonify({"items": [claim_type_json(t) for t in types]})


def _submit(data: Any) -> tuple[Claim, bool]:
    sub = check_submission(db.session(), _rules(), current_department(), data)
    result = submit_claim(
        db.session(),
        current_app.config["SALDO"],
        _rules(),
        current_department(),
        sub,
        actor=API_ACTOR,
        token_id=current_token().id,
    )
    return result.claim, result.created


@bp.post("/claims")
def create_claim() -> Response:
    data = json_body()
    try:
        try:
            claim, created = _submit(data)
            db.session().commit()
        except IntegrityError:
            # Two requests with the same external id at once: the loser sees the winner's claim.
            db.session().rollback()
            claim, created = _submit(data)
            db.session().commit()
    except SubmissionInvalid as error:
        raise validation_problem(error.errors) from error
    except ExternalIdConflict as error:
        raise ApiProblem(
            "external-id-conflict",
            f"Claim {error.claim.id} was sent with this external id and different contents.",
        ) from error
    response = _claim_response(claim, 201 if created else 200)
    response.headers["Location"] = f"/api/v1/claims/{claim.id}"
    return response


def _query_errors(name: str, *, minimum: int, maximum: int, default: int) -> tuple[int, list[Any]]:
    raw = request.args.get(name)
    if raw is None:
        return default, []
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or not minimum <= int(raw) <= maximum:
        message = f"a whole number from {minimum} to {maximum}"
        return default, [FieldError(name, "invalid", message)]
    return int(raw), []


@bp.get("/claims")
def find_claims() -> Response:
    external_id = request.args.get("external_id")
    if not external_id:
        raise validation_problem([FieldError("external_id", "required", "give ?external_id=")])
    if not EXTERNAL_ID.fullmatch(external_id):
        message = "1-80 characters: letters, digits and . _ : / - only"
        raise validation_problem([FieldError("external_id", "invalid", message)])
    claim = find_department_claim(db.session(), current_department(), external_id)
    if claim is None:
        return jsonify({"items": []})
    body = claim_json(db.session(), _rules(), claim, as_of=_today(), now=datetime.now(UTC))
    return jsonify({"items": [body]})


@bp.get("/claims/<int:claim_id>")
def get_claim(claim_id: int) -> Response:
    return _claim_response(_own_claim(claim_id))


@bp.post("/claims/<int:claim_id>/cancel")
def cancel_claim(claim_id: int) -> Response:
    claim = _own_claim(claim_id)
    json_body(required=False)  # a body is allowed but not needed; it must still be JSON
    cancel_service(db.session(), claim, on=_today(), actor=API_ACTOR, token_id=current_token().id)
    db.session().commit()
    return _claim_response(claim)


def _credit_fields(data: Any) -> tuple[int, str]:
    if not isinstance(data, dict):
        raise validation_problem([FieldError("", "type", "the body must be a JSON object")])
    errors = [
        FieldError(key, "unknown_field", "not part of a credit")
        for key in sorted(set(data) - {"amount", "reason"})
    ]
    amount, reason = data.get("amount"), data.get("reason")
    if isinstance(amount, bool) or not isinstance(amount, int):
        errors.append(FieldError("amount", "not_integer", "a whole number of minor units"))
    elif not 0 < amount <= MAX_AMOUNT:
        errors.append(FieldError("amount", "out_of_range", f"from 1 to {MAX_AMOUNT}"))
    if reason not in CREDIT_REASONS:
        errors.append(FieldError("reason", "invalid", f"one of {', '.join(CREDIT_REASONS)}"))
    if errors:
        raise validation_problem(errors)
    assert isinstance(amount, int)
    return amount, str(reason)


@bp.post("/claims/<int:claim_id>/credit")
def credit_claim(claim_id: int) -> Response:
    claim = _own_claim(claim_id)
    amount, reason = _credit_fields(json_body())
    try:
        credit_service(
            db.session(),
            claim,
            amount,
            reason=reason,
            on=_today(),
            actor=API_ACTOR,
            token_id=current_token().id,
        )
    except ClaimClosed as error:
        raise ApiProblem("claim-closed", "A cancelled claim cannot be credited.") from error
    except CreditTooLarge as error:
        message = f"at most the principal still due ({claim.principal_due})"
        raise validation_problem([FieldError("amount", "exceeds_principal", message)]) from error
    db.session().commit()
    return _claim_response(claim)


FEE_FIELDS = frozenset({"fee_id", "amount", "reason", "effective_date"})
FEE_ID = re.compile(r"[A-Za-z0-9._:/-]{1,64}")


def _fee_fields(data: Any, claim: Claim) -> tuple[str, int, str, date]:
    if not isinstance(data, dict):
        raise validation_problem([FieldError("", "type", "the body must be a JSON object")])
    errors = [
        FieldError(key, "unknown_field", "not part of a fee")
        for key in sorted(set(data) - FEE_FIELDS)
    ]
    fee_id, amount, reason = data.get("fee_id"), data.get("amount"), data.get("reason")
    if not isinstance(fee_id, str) or not FEE_ID.fullmatch(fee_id):
        message = "your id for this fee: 1-64 letters, digits and . _ : / -"
        errors.append(FieldError("fee_id", "required" if fee_id is None else "invalid", message))
    if isinstance(amount, bool) or not isinstance(amount, int):
        errors.append(FieldError("amount", "not_integer", "a whole number of minor units"))
    elif not 0 < amount <= MAX_AMOUNT:
        errors.append(FieldError("amount", "out_of_range", f"from 1 to {MAX_AMOUNT}"))
    if reason not in FEE_REASONS:
        errors.append(FieldError("reason", "invalid", f"one of {', '.join(FEE_REASONS)}"))
    today = _today()
    effective = today
    raw_day = data.get("effective_date")
    if raw_day is not None:
        try:
            if not isinstance(raw_day, str) or not ISO_DATE.fullmatch(raw_day):
                raise ValueError(raw_day)
            effective = date.fromisoformat(raw_day)
        except ValueError:
            errors.append(FieldError("effective_date", "invalid_date", "a date as YYYY-MM-DD"))
        else:
            if effective > today:
                errors.append(FieldError("effective_date", "in_future", "not after today"))
            elif effective <= claim.due_date:
                message = f"after the due date ({claim.due_date.isoformat()})"
                errors.append(FieldError("effective_date", "not_overdue", message))
    if errors:
        raise validation_problem(errors)
    assert isinstance(fee_id, str)
    assert isinstance(amount, int)
    return fee_id, amount, str(reason), effective


@bp.post("/claims/<int:claim_id>/fees")
def add_claim_fee(claim_id: int) -> Response:
    claim = _own_claim(claim_id)
    fee_id, amount, reason, effective = _fee_fields(json_body(), claim)
    try:
        result = add_fee(
            db.session(),
            _rules(),
            claim,
            amount,
            reason=reason,
            fee_id=fee_id,
            effective_date=effective,
            on=_today(),
            actor=API_ACTOR,
            token_id=current_token().id,
        )
    except FeeIdConflict as error:
        raise ApiProblem(
            "fee-id-conflict",
            f"Fee id {fee_id!r} was used on this claim for a different fee "
            f"(ledger entry {error.entry.id}).",
        ) from error
    except FeeRefused as error:
        raise ApiProblem(error.code, str(error)) from error
    except FeeTooHigh as error:
        limit = error.limit
        if limit.maximum == 0:
            message = (
                f"no fee is allowed on this claim now (fee rules {limit.regime}: "
                f"{limit.charged_fees} of {limit.allowed_fees} fees charged)"
            )
        else:
            message = (
                f"at most {limit.maximum} minor units for this claim type "
                f"(fee rules {limit.regime})"
            )
        raise validation_problem([FieldError("amount", "above_fee_cap", message)]) from error
    db.session().commit()
    body = {
        "fee": fee_json(result.entry, fee_id=fee_id, reason=result.reason),
        "claim": claim_json(db.session(), _rules(), claim, as_of=_today(), now=datetime.now(UTC)),
    }
    response = jsonify(body)
    response.status_code = 201 if result.created else 200
    return response


@bp.get("/payments")
def list_payments() -> Response:
    since, since_errors = _query_errors("since", minimum=0, maximum=MAX_CURSOR, default=0)
    limit, limit_errors = _query_errors("limit", minimum=1, maximum=MAX_PAGE, default=DEFAULT_PAGE)
    if since_errors or limit_errors:
        raise validation_problem(since_errors + limit_errors)
    lines = payments_since(db.session(), current_department(), since=since, limit=limit)
    next_cursor = lines[-1].entry_id if lines else since
    return jsonify({"items": [payment_json(line) for line in lines], "next": next_cursor})


from portal.api import social_status  # noqa: E402,F401 - registers /social-status on bp
