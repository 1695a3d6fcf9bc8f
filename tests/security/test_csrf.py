"""Form posts without a CSRF token, with a made-up one, with a token from another session, or
with the session's own token altered: every POST rule of the citizen, payment, auth and staff
blueprints (about 70 rules, four wrong tokens each) answers 400 and nothing is stored. CSRF is
checked before the view, so ids are real objects where we have them and a missing id elsewhere
(the request never reaches the lookup).

The Stripe webhook and the department API are exempt by design (signature and bearer token:
tests/web/test_stripe_webhook.py, tests/api).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.models import CheckoutAttempt
from portal.models import LedgerEntry
from portal.models import ShareLink
from portal.models import WorkItem
from portal.models.dispute import Dispute
from tests.support.login import login_citizen
from tests.support.login import login_staff
from tests.support.primitives import make_staff
from tests.support.security import build_url
from tests.support.security import build_world
from tests.support.security import rules_of
from tests.support.security import token_from

EXEMPT = frozenset({"payments.stripe_webhook"})


def _state(session: Session) -> tuple[int, ...]:
    session.expire_all()
    return tuple(
        int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (LedgerEntry, CheckoutAttempt, ShareLink, Dispute, WorkItem, AuditEvent)
    )


def _foreign_token(app: Flask) -> str:
    """A genuine token, signed with our key, but from another browser's session."""
    return token_from(app.test_client(), "/login/code")


@pytest.mark.parametrize("blueprints", [("citizen",), ("payments", "auth"), ("staff",)])
def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(
    app: Flask, client: FlaskClient, db_session: Session, blueprints: tuple[str, ...]
) -> None:
    world = build_world(db_session)
    staff = make_staff(db_session, "supervisor")
    db_session.commit()
    # the session has a CSRF token of its own, so a wrong one is refused for being wrong
    if blueprints == ("staff",):
        login_staff(client, staff.id)
        own = token_from(client, "/staff/")
    else:
        login_citizen(client, world.owner.id)
        own = token_from(client, "/overview")
    tokens = {
        "missing": None,
        "made_up": "IjEyMzQ1Ig.aaaa.bbbb",
        "other_session": _foreign_token(app),
        "own_token_altered": own[:-2] + ("AA" if not own.endswith("AA") else "BB"),
    }
    before = _state(db_session)
    wrong = []
    tried = 0
    for rule in rules_of(app, *blueprints, method="POST"):
        if rule.endpoint in EXEMPT:
            continue
        url = build_url(rule, world.ids())
        for name, token in tokens.items():
            data = {"reason": "already_paid", "text": "x", "consent": "y", "note": "x"}
            if token is not None:
                data["csrf_token"] = token
            response = client.post(url, data=data)
            tried += 1
            if response.status_code != 400:
                wrong.append(f"POST {url} ({name} token): {response.status_code}")
    assert tried >= 4 * 3
    assert wrong == []
    assert _state(db_session) == before
