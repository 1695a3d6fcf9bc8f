"""The debt overview document: make it in two taps, download it, share it with a counsellor;
and the public pages a counsellor uses: the shared overview and /verify.

Registered on the `citizen` blueprint (imported at the bottom of portal/citizen/views.py).
A letter-code login may not make one: the document says it lists everything owed, and a
letter code opens only that letter's bills (decisions.md "LoginCode service"), so the page
asks the citizen to log in with eID instead.
"""

from __future__ import annotations

import logging
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from flask import Response
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse
from wtforms import BooleanField
from wtforms import EmailField
from wtforms.validators import Length
from wtforms.validators import Optional

from portal.auth.guards import citizen_required
from portal.auth.guards import current_actor
from portal.auth.guards import current_citizen
from portal.citizen import views
from portal.citizen.presenters import EID_NAMES
from portal.config import Config
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.i18n import current_locale
from portal.i18n import long_date
from portal.mail import InvalidAddress
from portal.mail import MailFailed
from portal.mail import MailMessage
from portal.mail import get_mailer
from portal.mail import normalise_address
from portal.models import Debtor
from portal.models import OverviewDocument
from portal.services import overview_documents as svc
from portal.services import share_links
from portal.services import throttle
from portal.services.audit import Actor

bp = views.bp
log = logging.getLogger(__name__)

#: public pages: attempts per IP address in this window (stored hashed, portal.services.throttle)
SHARED_LIMIT = 60
VERIFY_LIMIT = 20
WINDOW = timedelta(minutes=10)


class MakeForm(FlaskForm):
    """Only the CSRF token: the button is the whole form."""


class ShareForm(FlaskForm):
    consent = BooleanField(
        _l("I agree that the person with this link can see this overview for 14 days")
    )
    #: optional: we send the link there (the address is not stored, see share_links)
    email = EmailField(
        _l("Your debt counsellor's e-mail address (optional)"),
        validators=[Optional(), Length(max=254)],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token."""


def _session() -> Session:
    session: Session = db.session()
    return session


def _rules() -> RulePack:
    rules: RulePack = current_app.config["RULE_PACK"]
    return rules


def _config() -> Config:
    config: Config = current_app.config["SALDO"]
    return config


def _now() -> datetime:
    return datetime.now(UTC)


def _own_document(document_id: int) -> OverviewDocument:
    citizen = current_citizen()
    if citizen.claim_scope is not None:
        abort(404)
    try:
        return svc.get_document(_session(), document_id=document_id, debtor_id=citizen.debtor_id)
    except svc.NoSuchDocument:
        abort(404)


def _actor() -> Actor:
    return current_actor()  # desk mode: both people are recorded


def _pdf(document: OverviewDocument) -> Response:
    name = f"debt-overview-{document.as_of.isoformat()}-{document.id}.pdf"
    response = Response(document.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/debt-overview", methods=["GET", "POST"])
@citizen_required
def debt_overview() -> BaseResponse | tuple[str, int]:
    """What the document is for, and one button that makes it."""
    citizen, rules = current_citizen(), _rules()
    form = MakeForm()
    eid_name = EID_NAMES.get(rules.code, "eID")
    if citizen.claim_scope is not None:
        status = 403 if request.method == "POST" else 200
        return render_template("citizen/debt_overview_eid.html", eid_name=eid_name), status
    if form.validate_on_submit():
        document = svc.create_overview_document(
            _session(),
            rules,
            _config(),
            debtor_id=citizen.debtor_id,
            requested_by=_actor(),
            locale=current_locale(),
            now=_now(),
            as_of=views._today(rules),  # noqa: SLF001 - the blueprint's one "today"
        )
        db.session.commit()
        return redirect(url_for("citizen.debt_overview_document", document_id=document.id))
    recent = svc.recent_documents(_session(), citizen.debtor_id)
    return render_template(
        "citizen/debt_overview.html", form=form, recent=recent
    ), 400 if request.method == "POST" else 200


def _document_page(
    document: OverviewDocument,
    form: ShareForm,
    *,
    status: int = 200,
    new_link: str | None = None,
    emailed_to: str | None = None,
) -> tuple[str, int]:
    links = share_links.active_share_links(_session(), document_id=document.id, now=_now())
    return render_template(
        "citizen/debt_overview_document.html",
        document=document,
        form=form,
        revoke_form=RevokeForm(formdata=None),
        links=links,
        new_link=new_link,
        emailed_to=emailed_to,
        code=svc.display_code(document.verification_code),
    ), status


@bp.get("/debt-overview/<int:document_id>")
@citizen_required
def debt_overview_document(document_id: int) -> tuple[str, int]:
    """The document is ready: download it, or share it with a debt counsellor."""
    return _document_page(_own_document(document_id), ShareForm(formdata=None))


@bp.get("/debt-overview/<int:document_id>.pdf")
@citizen_required
def debt_overview_pdf(document_id: int) -> Response:
    """The citizen's own PDF; 404 for anyone else's, so ids cannot be probed."""
    return _pdf(_own_document(document_id))


@bp.post("/debt-overview/<int:document_id>/share")
@citizen_required
def share_debt_overview(document_id: int) -> tuple[str, int]:
    """Make a link for a counsellor. Needs the consent box; the link is shown once, and sent
    by e-mail when the citizen gave the counsellor's address (issue 5)."""
    document = _own_document(document_id)
    form = ShareForm()
    if not form.validate_on_submit():
        if form.email.errors and not form.csrf_token.errors:
            form.email.errors = [_wrong_address_message()]
        return _document_page(document, form, status=400)
    address, now = None, _now()
    if (form.email.data or "").strip():
        try:
            address = normalise_address(form.email.data or "")
        except InvalidAddress:
            form.email.errors = [_wrong_address_message()]
            if not form.consent.data:
                form.consent.errors = [_no_consent_message()]
            return _document_page(document, form, status=400)
        if share_links.share_emails_blocked(_session(), debtor_id=document.debtor_id, now=now):
            form.email.errors = [_too_many_emails_message()]
            return _document_page(document, form, status=429)
    try:
        issued = share_links.create_share_link(
            _session(),
            _config(),
            document_id=document.id,
            consent=bool(form.consent.data),
            now=now,
        )
    except share_links.ConsentRequired:
        form.consent.errors = [_no_consent_message()]
        return _document_page(document, form, status=400)
    url = _config().public_base_url.rstrip("/") + url_for(
        "citizen.shared_overview", token=issued.token
    )
    if address is not None:
        try:
            share_links.email_share_link(
                _session(),
                get_mailer(_config()),
                link=issued.link,
                message=_share_message(address, url, issued.link.expires_at),
                now=now,
                actor=_actor(),
            )
        except share_links.TooManyShareEmails:
            db.session.rollback()
            form.email.errors = [_too_many_emails_message()]
            return _document_page(document, form, status=429)
        except MailFailed as error:
            db.session.rollback()
            log.warning("share link e-mail for debtor %s not sent: %s", document.debtor_id, error)
            form.email.errors = [
                _(
                    "We could not send the e-mail just now. Nothing was shared. Please try "
                    "again later, or leave the e-mail box empty to make a link you can copy."
                )
            ]
            return _document_page(document, form, status=503)
    db.session.commit()
    return _document_page(document, ShareForm(formdata=None), new_link=url, emailed_to=address)


def _no_consent_message() -> str:
    return _("Tick the box to agree, so we can make a link. Nothing was shared.")


def _wrong_address_message() -> str:
    return _(
        "Enter an e-mail address like name@example.org, or leave the box empty to make a "
        "link you can copy. Nothing was shared."
    )


def _too_many_emails_message() -> str:
    return _(
        "You sent %(num)d e-mails with a link today. Please copy the link and send it "
        "yourself, or try again tomorrow. Nothing was shared.",
        num=share_links.SHARE_MAIL_LIMIT,
    )


def _share_message(address: str, url: str, expires_at: datetime) -> MailMessage:
    """A plain, kind e-mail in the citizen's language: what it is, the link, until when."""
    config = _config()
    until = long_date(expires_at.date())
    paragraphs = [
        _("Hello,"),
        _(
            "Someone you help with their debts asked %(municipality)s to send you this link. "
            "With it you can see an overview of what they owe to the municipality. They "
            "agreed to share it with you.",
            municipality=config.municipality_name,
        ),
        _("Open the overview: %(url)s", url=url),
        _(
            "You do not need to log in. The link works until %(date)s. The person can stop "
            "sharing at any time; after that the link no longer opens.",
            date=until,
        ),
        _(
            "Please do not forward this e-mail. If you did not expect it, you can ignore it. "
            "Questions? Call us on %(phone)s.",
            phone=config.contact_phone,
        ),
        _("Kind regards,") + "\n" + config.municipality_name,
    ]
    return MailMessage(
        to=address,
        subject=_("A debt overview was shared with you"),
        body="\n\n".join(paragraphs),
    )


@bp.post("/debt-overview/<int:document_id>/links/<int:link_id>/revoke")
@citizen_required
def revoke_debt_overview_link(document_id: int, link_id: int) -> BaseResponse:
    """Stop sharing: the link no longer works from now on."""
    document = _own_document(document_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        share_links.revoke_share_link(
            _session(),
            link_id=link_id,
            debtor_id=document.debtor_id,
            now=_now(),
            actor=_actor(),
        )
    except share_links.NoSuchShareLink:
        abort(404)
    db.session.commit()
    flash(_("You stopped sharing. The link no longer works."), "success")
    return redirect(url_for("citizen.debt_overview_document", document_id=document.id))


# -- public pages ------------------------------------------------------------------------------


def _throttled(kind: str, limit: int) -> bool:
    """Count this request against the caller's IP; True when it went over the limit."""
    key = f"{kind}:ip:{request.remote_addr or 'unknown'}"
    allowed = throttle.hit(_session(), key, limit=limit, window=WINDOW, now=_now())
    db.session.commit()
    return not allowed


def _shared_document(token: str) -> tuple[OverviewDocument | None, str, datetime | None]:
    session, now = _session(), _now()
    try:
        link = share_links.share_link_for_token(session, token, now=now)
        document = share_links.open_share_link(session, token, now=now)
    except share_links.ShareLinkExpired:
        return None, "expired", None
    except share_links.ShareLinkRevoked:
        return None, "revoked", None
    except share_links.ShareLinkInvalid:
        return None, "unknown", None
    db.session.commit()
    return document, "ok", link.expires_at


@bp.get("/shared/<token>")
def shared_overview(token: str) -> tuple[str, int]:
    """The overview a citizen shared, for a counsellor without login. Every view is logged."""
    if _throttled("shared", SHARED_LIMIT):
        abort(429)
    document, reason, expires_at = _shared_document(token)
    if document is None or expires_at is None:
        status = 404 if reason == "unknown" else 410
        return render_template("citizen/shared_overview_gone.html", reason=reason), status
    debtor = _session().get(Debtor, document.debtor_id)
    if debtor is None:  # pragma: no cover - a foreign key keeps it
        abort(404)
    rules = _rules()
    context = svc.document_context(
        _session(),
        rules,
        _config(),
        debtor=debtor,
        as_of=views._today(rules),  # noqa: SLF001
        now=_now(),
        verification_code=document.verification_code,
    )
    return render_template(
        "citizen/shared_overview.html",
        token=token,
        document=document,
        expires_at=expires_at,
        **context,
    ), 200


@bp.get("/shared/<token>.pdf")
def shared_overview_pdf(token: str) -> Response | tuple[str, int]:
    """The shared PDF (as it was made). Logged like a view."""
    if _throttled("shared", SHARED_LIMIT):
        abort(429)
    document, reason, _expires = _shared_document(token)
    if document is None:
        status = 404 if reason == "unknown" else 410
        return render_template("citizen/shared_overview_gone.html", reason=reason), status
    return _pdf(document)


@bp.get("/verify")
def verify_document() -> tuple[str, int]:
    """Is a debt overview genuine, and has the debt changed since? Date and totals only."""
    code = request.args.get("code", "").strip()
    if not code:
        return render_template("citizen/debt_overview_verify.html", code="", checked=False), 200
    if _throttled("verify", VERIFY_LIMIT):
        abort(429)
    session, rules = _session(), _rules()
    document = svc.verify(session, code[:40])
    current = None
    if document is not None:
        current = svc.current_total(
            session,
            rules,
            debtor_id=document.debtor_id,
            as_of=views._today(rules),  # noqa: SLF001
        )
    return render_template(
        "citizen/debt_overview_verify.html",
        code=code[:40],
        checked=True,
        document=document,
        current_total=current,
    ), 200 if document is not None else 404
