"""Helpers for the security suite (tests/security): one citizen's objects for another citizen to
try by id, planted national ids, CSRF tokens, and a small form filler for injection strings.

    world = build_world(db_session)           # an owner with a claim, plan, payment, ...
    login_citizen(client, world.intruder.id)  # someone else tries the owner's ids
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from flask import Flask
from flask import current_app
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from stdnum.nl import bsn
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from portal.models import Claim
from portal.models import Debtor
from portal.models import OverviewDocument
from portal.models import Payment
from portal.models import Plan
from portal.models import PlanInstallment
from portal.models import RemissionApplication
from portal.models import RemissionEvidence
from portal.models.dispute import Dispute
from portal.services import disputes
from portal.services import remission_evidence
from portal.services.audit import Actor
from portal.services.overview_documents import create_overview_document
from portal.services.share_links import create_share_link
from tests.support.factories import TODAY
from tests.support.factories import make_claim
from tests.support.factories import make_debtor
from tests.support.page_checks import Node
from tests.support.page_checks import parse_html
from tests.support.plans import make_plan
from tests.support.plans import pay_plan
from tests.support.remission import PDF
from tests.support.remission import complete_draft

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
#: ids in URLs that exist for nobody
MISSING_ID = 999999

_bsn_seed = itertools.count(100_000_00)

_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def new_bsn() -> str:
    """A valid, unused-looking BSN (eleven-test), different on every call."""
    while True:
        digits = f"{next(_bsn_seed):08d}"
        for check in range(10):
            candidate = digits + str(check)
            if bsn.is_valid(candidate):
                return candidate


def csrf_of(response: TestResponse) -> str:
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, "the page has no CSRF token"
    return match.group(1)


def token_from(client: FlaskClient, page: str) -> str:
    response = client.get(page)
    assert response.status_code == 200, (page, response.status_code)
    return csrf_of(response)


@dataclass(frozen=True)
class World:
    """Objects of several owners (each a person with a planted national id), and an intruder
    with a claim of their own. Names and amounts are distinctive, so a page that leaks them
    can be caught by a plain text search."""

    intruder: Debtor
    intruder_claim: Claim
    owner: Debtor
    planner: Debtor
    applicant: Debtor
    claim: Claim
    dispute: Dispute
    document: OverviewDocument
    share_link_id: int
    share_token: str
    plan: Plan
    installment: PlanInstallment
    payment: Payment
    application: RemissionApplication
    evidence: RemissionEvidence
    #: what must never appear on a page the intruder gets
    secrets: tuple[str, ...]

    def ids(self) -> dict[str, int | str]:
        """URL parameter name -> the owner's object, for building URLs from url_map rules."""
        return {
            "claim_id": self.claim.id,
            "plan_id": self.plan.id,
            "installment_id": self.installment.id,
            "payment_id": self.payment.id,
            "document_id": self.document.id,
            "link_id": self.share_link_id,
            "application_id": self.application.id,
            "evidence_id": self.evidence.id,
            "dispute_id": self.dispute.id,
            "debtor_id": self.owner.id,
            "step": "household",
        }

    def rightful_owner(self, arguments: set[str] | frozenset[str]) -> Debtor:
        """Whose object a URL with these parameters points at."""
        if arguments & {"plan_id", "installment_id", "payment_id"}:
            return self.planner
        if "application_id" in arguments:
            return self.applicant
        return self.owner


OWNER_NAME = "Ottoline Owner-Privé"
OWNER_AMOUNT = 43_219  # shows as 432,19 / 432.19


def build_world(session: Session) -> World:
    config = current_app.config["SALDO"]
    rules = current_app.config["RULE_PACK"]
    owner = make_debtor(session, OWNER_NAME, national_id=new_bsn())
    claim = make_claim(session, owner, OWNER_AMOUNT, description="Secret Harbour Fee")
    dispute = disputes.open_dispute(
        session,
        config,
        claim,
        reason="already_paid",
        text="Only the owner may read this dispute text.",
        evidence=disputes.Evidence(PDF, "owner-receipt.pdf"),
        actor=Actor.citizen(owner.id),
        today=TODAY,
        now=NOW,
    )
    document = create_overview_document(
        session,
        rules,
        config,
        debtor_id=owner.id,
        requested_by=Actor.citizen(owner.id),
        locale="en",
        now=NOW,
        as_of=TODAY,
    )
    shared = create_share_link(session, config, document_id=document.id, consent=True, now=NOW)

    planner = make_debtor(session, "Pieter Planner-Privé", national_id=new_bsn())
    for index, amount in enumerate((60_000, 30_000)):
        make_claim(
            session,
            planner,
            amount,
            issue_date=TODAY - timedelta(days=120 + index),
            due_date=TODAY - timedelta(days=60 + index),
        )
    plan = make_plan(session, planner)
    payment = pay_plan(session, plan, 1_234).payment

    applicant = make_debtor(session, "Renate Remission-Privé", national_id=new_bsn())
    waste = make_claim(
        session,
        applicant,
        40_260,
        claim_type_code="waste_levy",
        issue_date=TODAY - timedelta(days=40),
    )
    application = complete_draft(session, applicant.id, (waste.id,))
    evidence = remission_evidence.store_evidence(
        session,
        config,
        application,
        data=PDF,
        filename="owner-bank-statement.pdf",
        actor=Actor.citizen(applicant.id),
        now=NOW,
    )
    intruder = make_debtor(session, "Ivo Intruder", national_id=new_bsn())
    intruder_claim = make_claim(session, intruder, 5_000, description="Intruder's own bill")
    session.commit()
    return World(
        intruder=intruder,
        intruder_claim=intruder_claim,
        owner=owner,
        planner=planner,
        applicant=applicant,
        claim=claim,
        dispute=dispute,
        document=document,
        share_link_id=shared.link.id,
        share_token=shared.token,
        plan=plan,
        installment=plan.installments[0],
        payment=payment,
        application=application,
        evidence=evidence,
        secrets=(
            "Ottoline",
            "Secret Harbour Fee",
            "432,19",
            "432.19",
            "Only the owner may read",
            "Pieter Planner",
            "Renate Remission",
            "owner-bank-statement",
        ),
    )


def build_url(rule: Rule, values: dict[str, int | str]) -> str:
    arguments = {name: values.get(name, MISSING_ID) for name in rule.arguments}
    return rule.build(arguments, append_unknown=False)[1]


def rules_of(app: Flask, *blueprints: str, method: str) -> list[Rule]:
    """Every rule of `blueprints` that accepts `method`, in a stable order."""
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if rule.endpoint.split(".")[0] in blueprints and method in (rule.methods or ())
        ),
        key=lambda rule: (rule.rule, rule.endpoint),
    )


# --- filling forms with hostile strings -------------------------------------------------------

#: a template engine that evaluated "{{7*7}}" would print "zz49zz"
TEMPLATE_PROBE = "zz{{7*7}}zz"
SCRIPT_PROBE = "<script>alert(1)</script>"
#: all probes at once first: a form that works once (a decision) then has seen them all
ALL_IN_ONE = f"' OR 1=1 -- {TEMPLATE_PROBE} {SCRIPT_PROBE} %(x)s"
PAYLOADS = (
    ALL_IN_ONE,
    "x" * 10_000,
    "' OR 1=1 --",
    TEMPLATE_PROBE,
    "{% for x in range(3) %}zz{{x}}{% endfor %}",
    SCRIPT_PROBE,
    "%(x)s %s {0} ${7*7}",
    "nul\x00byte",  # PostgreSQL refuses NUL in text: must be a 400, not a 500
)
#: <input> types that take free text
TEXT_TYPES = frozenset({"text", "search", "email", "tel", "url", "number", "password", ""})


@dataclass(frozen=True)
class FormSpec:
    action: str
    method: str
    text_fields: tuple[str, ...]
    fixed: tuple[tuple[str, str], ...]


def forms_on(html: str, page: str) -> list[FormSpec]:
    """Each form on the page with its free-text fields and the values the page fills in
    (hidden fields, the first option of each select, checked boxes)."""
    found = []
    for form in parse_html(html).find_all("form"):
        text: list[str] = []
        fixed: list[tuple[str, str]] = []
        for node in form.iter():
            _collect(node, text, fixed)
        found.append(
            FormSpec(
                action=form.attrs.get("action") or page,
                method=(form.attrs.get("method") or "get").upper(),
                text_fields=tuple(dict.fromkeys(text)),
                fixed=tuple(fixed),
            )
        )
    return found


def _collect(node: Node, text: list[str], fixed: list[tuple[str, str]]) -> None:
    name = node.attrs.get("name")
    if not name:
        return
    if node.tag == "textarea":
        text.append(name)
    elif node.tag == "select":
        option = node.find("option")
        if option is not None:
            fixed.append((name, option.attrs.get("value", option.text)))
    elif node.tag == "input":
        kind = node.attrs.get("type", "").lower()
        if kind in TEXT_TYPES:
            text.append(name)
        elif kind == "hidden" or (kind in ("checkbox", "radio") and name not in dict(fixed)):
            # the first choice of each group is ticked, as a person would tick one
            fixed.append((name, node.attrs.get("value", "y")))


def hostile_problems(response: TestResponse, payload: str) -> list[str]:
    """What must never happen with a hostile string: a 500, an evaluated template, a script
    that is not escaped."""
    body = response.get_data(as_text=True)
    problems = []
    if response.status_code >= 500:
        problems.append(f"status {response.status_code}")
    if "zz49zz" in body or "zz0zz1zz2" in body:
        problems.append("a template expression was evaluated")
    if SCRIPT_PROBE in payload and SCRIPT_PROBE in body:
        problems.append("the script string came back unescaped")
    return problems
