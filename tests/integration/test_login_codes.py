"""Login codes from letters: random, stored as an HMAC, one debtor, its claims only, single use."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.references import display
from portal.domain.references import make_reference
from portal.models import LoginCode
from portal.models.base import utcnow
from portal.services.login_codes import ALPHABET
from portal.services.login_codes import ClaimNotOfDebtor
from portal.services.login_codes import LoginCodeInvalid
from portal.services.login_codes import NoClaims
from portal.services.login_codes import issue_login_code
from portal.services.login_codes import redeem_login_code
from tests.support.auth_helpers import letter_code
from tests.support.factories import make_claim
from tests.support.factories import make_debtor


def _redeem(app: Flask, session: Session, reference: str, code: str) -> LoginCode:
    return redeem_login_code(
        session, app.config["SALDO"], reference=reference, code=code, now=utcnow()
    )


def test_a_code_is_ten_unambiguous_characters_shown_in_two_groups(
    app: Flask, db_session: Session
) -> None:
    debtor = make_debtor(db_session)
    issued = letter_code(db_session, debtor, [make_claim(db_session, debtor)])
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", issued.plain_code)
    assert all(ch in ALPHABET for ch in issued.plain_code.replace("-", ""))
    assert not set(issued.plain_code) & set("01OIL")


def test_only_an_hmac_of_the_code_is_stored(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    issued = letter_code(db_session, debtor, [make_claim(db_session, debtor)])
    compact = issued.plain_code.replace("-", "")
    stored = db_session.scalars(select(LoginCode.code_hash)).all()
    assert compact not in " ".join(stored)
    assert stored == [
        hmac.new(
            f"login-code:{app.config['SALDO'].secret_key}".encode(),
            compact.encode(),
            hashlib.sha256,
        ).hexdigest()
    ]


def test_a_code_expires_after_the_configured_days(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    now = utcnow()
    issued = letter_code(db_session, debtor, [make_claim(db_session, debtor)], now=now)
    days = app.config["SALDO"].login_code_days
    assert issued.login_code.expires_at == now + timedelta(days=days)


def test_a_code_cannot_open_another_debtors_claim(app: Flask, db_session: Session) -> None:
    debtor, other = make_debtor(db_session), make_debtor(db_session, "Other Person")
    own, foreign = make_claim(db_session, debtor), make_claim(db_session, other)
    with pytest.raises(ClaimNotOfDebtor):
        letter_code(db_session, debtor, [own, foreign])


def test_a_code_needs_at_least_one_claim(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    with pytest.raises(NoClaims):
        issue_login_code(
            db_session, app.config["SALDO"], debtor_id=debtor.id, claim_ids=[], now=utcnow()
        )


@pytest.mark.parametrize(
    ("reference_form", "code_form"),
    [
        ("compact", "plain"),
        ("display", "lower"),
        ("dotted", "no_dash"),
        ("spaced", "spaced"),
    ],
)
def test_redeem_accepts_any_formatting_of_reference_and_code(
    app: Flask, db_session: Session, reference_form: str, code_form: str
) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor)
    issued = letter_code(db_session, debtor, [claim])
    ref = claim.reference or ""
    scheme = app.config["RULE_PACK"].reference_scheme
    reference = {
        "compact": ref,
        "display": display(scheme, ref),
        "dotted": ".".join(ref[i : i + 4] for i in range(0, len(ref), 4)),
        "spaced": f"  {display(scheme, ref)}  ",
    }[reference_form]
    plain = issued.plain_code
    code = {
        "plain": plain,
        "lower": plain.lower(),
        "no_dash": plain.replace("-", ""),
        "spaced": " ".join(plain.replace("-", "")),
    }[code_form]
    redeemed = _redeem(app, db_session, reference, code)
    assert redeemed.id == issued.login_code.id
    assert redeemed.used_at is not None


def test_a_code_works_only_once(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor)
    issued = letter_code(db_session, debtor, [claim])
    _redeem(app, db_session, claim.reference or "", issued.plain_code)
    with pytest.raises(LoginCodeInvalid) as error:
        _redeem(app, db_session, claim.reference or "", issued.plain_code)
    assert error.value.reason == "used"


def test_an_expired_code_is_refused(app: Flask, db_session: Session) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor)
    issued = letter_code(db_session, debtor, [claim], now=utcnow() - timedelta(days=61))
    with pytest.raises(LoginCodeInvalid) as error:
        _redeem(app, db_session, claim.reference or "", issued.plain_code)
    assert error.value.reason == "expired"
    db_session.refresh(issued.login_code)
    assert issued.login_code.used_at is None


def test_the_reference_must_be_one_of_the_letters_claims(app: Flask, db_session: Session) -> None:
    debtor, other = make_debtor(db_session), make_debtor(db_session, "Other Person")
    on_letter = make_claim(db_session, debtor)
    not_on_letter = make_claim(db_session, debtor)
    foreign = make_claim(db_session, other)
    issued = letter_code(db_session, debtor, [on_letter])
    for claim in (not_on_letter, foreign):
        with pytest.raises(LoginCodeInvalid) as error:
            _redeem(app, db_session, claim.reference or "", issued.plain_code)
        assert error.value.reason == "reference_not_on_letter"
    assert _redeem(app, db_session, on_letter.reference or "", issued.plain_code).used_at


@pytest.mark.parametrize(
    ("reference", "code", "reason"),
    [
        ("", "ABCDE-FGHJK", "malformed_reference"),
        ("1234 5678", "ABCDE-FGHJK", "malformed_reference"),
        ("9" * 10_000, "ABCDE-FGHJK", "malformed_reference"),
        ("VALID", "", "malformed_code"),
        ("VALID", "ABCDE-FGHJ0", "malformed_code"),
        ("VALID", "A" * 10_000, "malformed_code"),
        ("VALID", "ABCDE-FGHJK", "unknown_code"),
        ("UNKNOWN", "ISSUED", "unknown_reference"),
    ],
)
def test_every_failure_has_the_same_message_and_its_own_reason(
    app: Flask, db_session: Session, reference: str, code: str, reason: str
) -> None:
    debtor = make_debtor(db_session)
    claim = make_claim(db_session, debtor)
    issued = letter_code(db_session, debtor, [claim])
    scheme = app.config["RULE_PACK"].reference_scheme
    reference = {
        "VALID": claim.reference or "",
        "UNKNOWN": make_reference(scheme, 999_999_999),
    }.get(reference, reference)
    code = issued.plain_code if code == "ISSUED" else code
    with pytest.raises(LoginCodeInvalid) as error:
        _redeem(app, db_session, reference, code)
    assert error.value.reason == reason
    assert str(error.value) == str(LoginCodeInvalid("anything"))
