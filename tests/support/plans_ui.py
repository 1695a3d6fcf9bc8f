"""Helpers for the plan page tests (citizen and staff): debts of a chosen size, form posts."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.models import Debtor
from portal.models import Plan
from tests.support.auth_helpers import csrf_from
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.page_checks import parse_html

#: NL policy (portal/domain/rules/nl.py): at most €5,000 is approved at once, above €10,000
#: approval needs two people; the minimum installment is €25 and a plan lasts ≤ 12 months.
SMALL_DEBT = (40_000, 20_000)  # €600: approved at once
LARGE_DEBT = (500_000, 200_000)  # €7,000: to a caseworker
VERY_LARGE_DEBT = (900_000, 400_000)  # €13,000: two approvals


def debtor_owing(session: Session, amounts: tuple[int, ...], name: str = "Plan Person") -> Debtor:
    """A debtor with overdue tax bills (not an ongoing kind, so every one can go in a plan)."""
    debtor = make_debtor(session, name)
    for i, amount in enumerate(amounts):
        make_claim(
            session,
            debtor,
            amount,
            claim_type_code="ozb_residential",
            issue_date=TODAY - timedelta(days=120 + i),
            due_date=TODAY - timedelta(days=60 + i),
            description=f"Tax bill {i + 1}",
        )
    return debtor


def post_page(
    client: FlaskClient, page: str, data: dict[str, str], *, action: str | None = None
) -> TestResponse:
    """GET `page` for its CSRF token, then POST `data` to `action` (default: the same page)."""
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    return client.post(action or page, data={"csrf_token": csrf_from(response), **data})


def count_plans(session: Session) -> int:
    session.expire_all()
    return int(session.scalar(select(func.count()).select_from(Plan)) or 0)


def newest_plan(session: Session, debtor_id: int) -> Plan:
    session.expire_all()
    plan = session.scalar(
        select(Plan).where(Plan.debtor_id == debtor_id).order_by(Plan.id.desc()).limit(1)
    )
    assert plan is not None
    return plan


def form_fields(html: str, action: str) -> dict[str, str]:
    """The hidden fields (CSRF token included) of the form that posts to `action`."""
    page = parse_html(html)
    form = page.find("form", action=action)
    assert form is not None, f"no form to {action}"
    return {
        node.attrs["name"]: node.attrs.get("value", "")
        for node in form.find_all("input", type="hidden")
    }
