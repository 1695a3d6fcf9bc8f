"""Citizen login: the choice page, the code from a letter, the demo login, and logout."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from portal.auth.business_login import BUSINESS_NUMBER_NAMES
from portal.auth.business_login import start_business_session
from portal.auth.forms import DemoLoginForm
from portal.auth.forms import DemoRepresentativeForm
from portal.auth.forms import LoginCodeForm
from portal.auth.login_session import Limit
from portal.auth.login_session import client_ip
from portal.auth.login_session import count_failure
from portal.auth.login_session import eid_name
from portal.auth.login_session import end_session
from portal.auth.login_session import is_throttled
from portal.auth.login_session import rule_pack
from portal.auth.login_session import saldo_config
from portal.auth.login_session import start_citizen_session
from portal.auth.login_session import too_many_tries
from portal.auth.principals import CitizenPrincipal
from portal.auth.representing import start_representative_session
from portal.auth.representing import today_here
from portal.domain.references import compact as compact_reference
from portal.domain.references import display as display_reference
from portal.domain.references import make_reference
from portal.domain.rules.base import localised_name
from portal.extensions import db
from portal.i18n import current_locale
from portal.models import Debtor
from portal.models import DemoPersona
from portal.models import Representation
from portal.models.base import utcnow
from portal.services import audit
from portal.services.audit import Actor
from portal.services.identity import hash_national_id
from portal.services.login_codes import LoginCodeInvalid
from portal.services.login_codes import claim_scope
from portal.services.login_codes import redeem_login_code
from portal.services.representations import active_for_person
from portal.web.safety import safe_next

log = logging.getLogger(__name__)

CODE_WINDOW = timedelta(hours=1)
CODE_LIMIT_PER_REFERENCE = 5
CODE_LIMIT_PER_IP = 20

#: what each demo persona shows (DemoPersona.situation keys, set by seed-demo)
SITUATIONS = {
    "one_daycare_bill": _l("Has one unpaid bill for daycare"),
    "six_arrears": _l("Has six unpaid bills at different departments"),
    "partly_paid": _l("Has paid part of a bill"),
    "all_paid": _l("Has paid everything"),
    "business": _l("A small business with unpaid bills"),
    "large_debt": _l("Owes a large amount in total"),
    "low_income": _l("Has a low income and cannot pay everything at once"),
}


def login() -> str:
    """The ways to log in, most prominent first: eID, the code from a letter, the demo."""
    return render_template(
        "auth/login.html",
        form=LoginCodeForm(),
        eid_name=eid_name() if saldo_config().oidc_enabled else None,
        demo=saldo_config().demo,
        next=safe_next(request.args.get("next"), default=""),
        reference_example=_reference_example(),
    )


def login_code() -> ResponseReturnValue:
    """Log in with the payment reference and the login code printed on a letter."""
    form = LoginCodeForm()
    if request.method == "GET":
        return _code_page(form)
    if not form.validate_on_submit():
        return _code_page(form), 400
    limits = _code_limits(form.reference.data or "")
    if is_throttled(limits):
        return _too_many_code_tries()
    try:
        login_code = redeem_login_code(
            db.session(),
            saldo_config(),
            reference=form.reference.data or "",
            code=form.code.data or "",
            now=utcnow(),
        )
    except LoginCodeInvalid as error:
        return _refuse_code(form, limits, error)
    scope = claim_scope(login_code)
    audit.record(
        db.session(),
        Actor.citizen(login_code.debtor_id),
        "citizen.login",
        object_type="login_code",
        object_id=login_code.id,
        method="login_code",
    )
    db.session.commit()
    start_citizen_session(
        CitizenPrincipal(debtor_id=login_code.debtor_id, method="login_code", claim_scope=scope)
    )
    # Route map: citizen.claim is "/claims/<id>"; a code opens only its letter's claims.
    return redirect(f"/claims/{min(scope)}")


def _refuse_code(
    form: LoginCodeForm, limits: list[Limit], error: LoginCodeInvalid
) -> ResponseReturnValue:
    """One message for every reason (the reason goes to the log only); counts the try."""
    log.info("login code refused (%s)", error.reason)
    within_limits = count_failure(limits)
    db.session.commit()
    if not within_limits:
        return _too_many_code_tries()
    message = _(
        "The payment reference and the login code do not match. Check both on your "
        "letter and try again. A login code works only once, and only until the date "
        "on the letter."
    )
    return _code_page(form, message=message), 400


def demo_login() -> ResponseReturnValue:
    """Demo mode only: log in as one of the seeded example people."""
    if not saldo_config().demo:
        abort(404)
    form = DemoLoginForm()
    if request.method == "GET":
        return _demo_page(form)
    persona = None
    if form.validate_on_submit():
        persona = db.session.scalar(
            select(DemoPersona).where(DemoPersona.debtor_id == int(form.debtor_id.data or 0))
        )
    if persona is None:
        return _demo_page(form, message=_("Please choose one of the people below.")), 400
    business = db.session.get(Debtor, persona.debtor_id)
    if business is not None and business.kind == "business":
        # Issue 9: as if through eHerkenning / MitID Erhverv / CSAM, with a demo person.
        demo_person = hash_national_id(saldo_config(), "demo:business-user")
        start_business_session(business, demo_person, "demo")
        return redirect("/overview")
    principal = CitizenPrincipal(debtor_id=persona.debtor_id, method="demo", claim_scope=None)
    audit.record(db.session(), Actor.citizen(persona.debtor_id), "citizen.login", method="demo")
    db.session.commit()
    start_citizen_session(principal)
    return redirect("/overview")


def demo_representative() -> ResponseReturnValue:
    """Demo mode only: log in as a seeded representative (issue 9), as eID would."""
    if not saldo_config().demo:
        abort(404)
    form = DemoRepresentativeForm()
    representation = None
    if form.validate_on_submit():
        representation = db.session.get(Representation, int(form.representation_id.data or 0))
    if representation is None:
        return _demo_page(DemoLoginForm(), message=_("Please choose one of the people below.")), 400
    person_hash = representation.representative_id_hash
    if not active_for_person(db.session(), person_hash, today_here()):
        return _demo_page(DemoLoginForm(), message=_("This mandate has ended.")), 400
    own = db.session.scalar(select(Debtor).where(Debtor.national_id_hash == person_hash))
    start_representative_session(person_hash, own.id if own is not None else None)
    return redirect(url_for("auth.representing"))


def logout() -> ResponseReturnValue:
    """Log out (POST with a CSRF token, so another site cannot log someone out)."""
    if getattr(current_user, "is_citizen", False):
        audit.record(
            db.session(),
            Actor.citizen(
                current_user.debtor_id,
                representation_id=current_user.representation_id,
                acting_person=current_user.acting_person,
            ),
            "citizen.logout",
        )
        db.session.commit()
    end_session()
    flash(_("You are logged out."), "success")
    return redirect(url_for("auth.login"))


def _code_page(form: LoginCodeForm, message: str | None = None) -> str:
    return render_template(
        "auth/login_code.html",
        form=form,
        message=message,
        reference_example=_reference_example(),
    )


def _code_limits(reference: str) -> list[Limit]:
    return [
        Limit(
            f"login_code:reference:{compact_reference(reference)[:64]}",
            CODE_LIMIT_PER_REFERENCE,
            CODE_WINDOW,
        ),
        Limit(f"login_code:ip:{client_ip()}", CODE_LIMIT_PER_IP, CODE_WINDOW),
    ]


def _too_many_code_tries() -> tuple[str, int]:
    return too_many_tries(
        _(
            "You have tried too many times. Please wait an hour, or call us on %(phone)s.",
            phone=saldo_config().contact_phone,
        )
    )


def _reference_example() -> str:
    scheme = rule_pack().reference_scheme
    return display_reference(scheme, make_reference(scheme, 12345))


def _demo_page(form: DemoLoginForm, message: str | None = None) -> str:
    rows = db.session.execute(
        select(DemoPersona, Debtor)
        .join(Debtor, Debtor.id == DemoPersona.debtor_id)
        .order_by(DemoPersona.position, DemoPersona.id)
    ).all()
    personas = [(debtor, _persona_text(persona.situation, debtor)) for persona, debtor in rows]
    return render_template(
        "auth/demo.html",
        form=form,
        personas=personas,
        representatives=_demo_representatives(),
        representative_form=DemoRepresentativeForm(),
        message=message,
        eid_name=eid_name(),
    )


def _persona_text(situation: str, debtor: Debtor) -> str:
    if debtor.kind == "business" and debtor.business_number:
        return _(
            "A business (%(scheme)s %(number)s) with unpaid bills. Several people can log "
            "in for it.",
            scheme=BUSINESS_NUMBER_NAMES.get(rule_pack().country, ""),
            number=debtor.business_number,
        )
    return _situation(situation)


def _demo_representatives() -> list[tuple[Representation, int]]:
    """One entry per representative with active mandates: a mandate of theirs and how many
    people they act for (issue 9)."""
    people: dict[str, list[Representation]] = {}
    mandates = db.session.scalars(select(Representation).order_by(Representation.id))
    today = today_here()
    for representation in mandates:
        if representation.active_on(today):
            people.setdefault(representation.representative_id_hash, []).append(representation)
    return [(found[0], len(found)) for found in people.values()]


def _situation(key: str) -> str:
    if key == "with_collector":
        collector = rule_pack().collector_names
        name = localised_name(collector, current_locale())
        return _("Has a bill that is with an external collector (%(name)s)", name=name)
    return str(SITUATIONS.get(key, _l("Another situation")))
