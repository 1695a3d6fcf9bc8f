"""Issue 8 (NL): a remission application started while a department's social-status flag is
active records what is known, is prefilled from it, and the submitted calculation names it as
the data used for the income check. Never a rejection because of it."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy.orm import Session

from portal.domain.rules.remission_norms import remission_policy
from portal.services import remission_prefill as prefill
from portal.services import remission_submission as submission
from portal.services import remission_wizard as wizard
from portal.services.audit import Actor
from tests.support.factories import TODAY
from tests.support.remission import NOW
from tests.support.remission import POOR
from tests.support.remission import complete_draft
from tests.support.remission import key
from tests.support.remission import tax_debtor
from tests.support.social_status import flag

#: income well above the norm: something is left to pay, so a caseworker must decide
SOME_CAPACITY = {**POOR, "income": {"net_income": 146_500}}


def _start(app: Flask, session: Session, debtor_id: int, claim_ids: tuple[int, ...]):  # type: ignore[no-untyped-def]
    return wizard.start_application(
        session,
        app.config["RULE_PACK"],
        debtor_id=debtor_id,
        claim_ids=claim_ids,
        submission_key=key(),
        actor=Actor.citizen(debtor_id),
        now=NOW,
        as_of=TODAY,
    )


def _submit(app: Flask, session: Session, application):  # type: ignore[no-untyped-def]
    return submission.submit_application(
        session,
        app.config["RULE_PACK"],
        application,
        actor=Actor.citizen(application.debtor_id),
        now=NOW,
        as_of=TODAY,
    )


def _ids(data) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    return tuple(c.id for c in data.eligible)


def test_starting_with_an_active_status_records_kind_source_and_end_date(
    app: Flask, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    status = flag(db_session, data.debtor, valid_until=TODAY + timedelta(days=90))
    application = _start(app, db_session, data.debtor.id, _ids(data))
    assert application.known_status_id == status.id
    assert application.known_social_status == "social_assistance"
    assert application.known_status_department_id == status.department_id
    assert application.known_status_until == TODAY + timedelta(days=90)


def test_starting_without_a_status_records_nothing(app: Flask, db_session: Session) -> None:
    data = tax_debtor(db_session)
    application = _start(app, db_session, data.debtor.id, _ids(data))
    assert application.known_status_id is None
    assert application.known_social_status is None
    assert prefill.known_status(db_session, application, TODAY) is None


def test_an_expired_or_ended_status_is_not_recorded(app: Flask, db_session: Session) -> None:
    expired = tax_debtor(db_session, "Expired Status")
    flag(
        db_session,
        expired.debtor,
        valid_from=TODAY - timedelta(days=200),
        valid_until=TODAY - timedelta(days=1),
    )
    ended = tax_debtor(db_session, "Ended Status")
    flag(db_session, ended.debtor, ended=True)
    for data in (expired, ended):
        application = _start(app, db_session, data.debtor.id, _ids(data))
        assert application.known_status_id is None
        assert application.known_social_status is None


def test_another_debtors_status_is_never_recorded(app: Flask, db_session: Session) -> None:
    flagged = tax_debtor(db_session, "Flagged Person")
    flag(db_session, flagged.debtor)
    other = tax_debtor(db_session, "Other Person")
    application = _start(app, db_session, other.debtor.id, _ids(other))
    assert application.known_status_id is None


def test_packs_where_the_calculation_is_guidance_record_nothing(
    app: Flask,
    make_app,
    db_session: Session,  # type: ignore[no-untyped-def]
) -> None:
    data = tax_debtor(db_session)
    flag(db_session, data.debtor)
    application = _start(app, db_session, data.debtor.id, _ids(data))
    application.known_status_id = None
    for code in ("dk", "be"):
        rules = make_app(rules=code).config["RULE_PACK"]
        assert prefill.record_known_status(db_session, rules, application, as_of=TODAY) is None
        assert application.known_status_id is None


def test_the_income_offered_is_the_social_assistance_norm_for_the_household(
    app: Flask, db_session: Session
) -> None:
    rules = app.config["RULE_PACK"]
    table = remission_policy("nl").table_on(TODAY)
    data = tax_debtor(db_session)
    flag(db_session, data.debtor)
    application = _start(app, db_session, data.debtor.id, _ids(data))
    actor = Actor.citizen(data.debtor.id)
    known = prefill.known_status(db_session, application, TODAY)
    assert known is not None
    assert known.active
    assert prefill.prefill_income(rules, application, known, on=TODAY) is None  # no household
    household = {"adults": 1, "children_ages": ()}
    wizard.save_step(db_session, application, "household", household, actor=actor, now=NOW)
    assert prefill.prefill_income(rules, application, known, on=TODAY) == table.single
    couple = {"adults": 2, "children_ages": (3,)}
    wizard.save_step(db_session, application, "household", couple, actor=actor, now=NOW)
    assert prefill.prefill_income(rules, application, known, on=TODAY) == table.couple
    assert not prefill.income_evidence_needed(known)
    income = {"net_income": 90_000}
    wizard.save_step(db_session, application, "income", income, actor=actor, now=NOW)
    assert prefill.prefill_income(rules, application, known, on=TODAY) is None  # typed: kept


def test_minimum_income_needs_no_income_evidence_but_the_amount_is_left_to_the_citizen(
    app: Flask, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    status = flag(db_session, data.debtor)
    status.kind = "minimum_income"
    db_session.flush()
    application = _start(app, db_session, data.debtor.id, _ids(data))
    household = {"adults": 1, "children_ages": ()}
    actor = Actor.citizen(data.debtor.id)
    wizard.save_step(db_session, application, "household", household, actor=actor, now=NOW)
    known = prefill.known_status(db_session, application, TODAY)
    assert known is not None
    assert known.kind == "minimum_income"
    assert prefill.prefill_income(app.config["RULE_PACK"], application, known, on=TODAY) is None
    assert not prefill.income_evidence_needed(known)


def test_a_status_that_ends_after_the_start_no_longer_vouches(
    app: Flask, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    status = flag(db_session, data.debtor)
    application = _start(app, db_session, data.debtor.id, _ids(data))
    status.ended_at = NOW
    db_session.flush()
    known = prefill.known_status(db_session, application, TODAY)
    assert known is not None
    assert not known.active
    assert prefill.income_evidence_needed(known)
    assert prefill.prefill_income(app.config["RULE_PACK"], application, known, on=TODAY) is None


def test_the_submitted_calculation_names_the_status_as_the_data_used(
    app: Flask, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    status = flag(db_session, data.debtor, valid_until=TODAY + timedelta(days=60))
    application = complete_draft(db_session, data.debtor.id, _ids(data), SOME_CAPACITY)
    _submit(app, db_session, application)
    assert application.calculation is not None
    assert application.calculation["data_used"] == {
        "source": "social_status",
        "kind": "social_assistance",
        "department_id": status.department_id,
        "valid_until": (TODAY + timedelta(days=60)).isoformat(),
        "income_checked": True,
    }
    # never rejected automatically: with something left to pay a caseworker decides
    assert application.state == "pending_review"


def test_a_full_grant_within_policy_is_still_automatic_with_a_known_status(
    app: Flask, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    flag(db_session, data.debtor)
    application = complete_draft(db_session, data.debtor.id, _ids(data))
    _submit(app, db_session, application)
    assert application.state == "granted"
    assert application.decision_reason == "auto_granted"
    assert application.calculation is not None
    assert application.calculation["data_used"]["income_checked"] is True


def test_a_status_ended_before_submission_does_not_count_as_income_checked(
    app: Flask, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    status = flag(db_session, data.debtor)
    application = complete_draft(db_session, data.debtor.id, _ids(data), SOME_CAPACITY)
    status.ended_at = NOW
    db_session.flush()
    _submit(app, db_session, application)
    assert application.calculation is not None
    assert application.calculation["data_used"]["income_checked"] is False


def test_without_a_status_the_calculation_has_no_data_used_entry(
    app: Flask, db_session: Session
) -> None:
    data = tax_debtor(db_session)
    application = complete_draft(db_session, data.debtor.id, _ids(data), SOME_CAPACITY)
    _submit(app, db_session, application)
    assert application.calculation is not None
    assert "data_used" not in application.calculation
