"""The debt overview document: make it in two taps, download it, share it with a counsellor;
and the public pages a counsellor uses: the shared overview and /verify.

Registered on the `citizen` blueprint (imported at the bottom of portal/citizen/views.py).
A letter-code login may not make one: the document says it lists everything owed, and a
letter code opens only that letter's bills (decisions.md "LoginCode service"), so the page
asks the citizen to log in with eID instead.
"""

from __future__ import annotations

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

from portal.auth.guards import citizen_required
from portal.auth.guards import current_actor
from portal.auth.guards import current_citizen
from portal.citizen import views
from portal.citizen.presenters import EID_NAMES
from portal.config import Config
from portal.domain.rules.base import RulePack
from portal.extensions import db
from portal.i18n import current_locale
from portal.models import Debtor
from portal.models import OverviewDocument
from portal.services import overview_documents as svc
from portal.services import share_links
from portal.services import throttle
from portal.services.audit import Actor

bp = views.bp

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
) -> tuple[str, int]:
    links = share_links.active_share_links(_session(), document_id=document.id, now=_now())
    return render_template(
        "citizen/debt_overview_document.html",
        document=document,
        form=form,
        revoke_form=RevokeForm(formdata=None),
        links=links,
        new_link=new_link,
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
    """Make a link for a counsellor. Needs the consent box; the link is shown once."""
    document = _own_document(document_id)
    form = ShareForm()
    if not form.validate_on_submit():
        return _document_page(document, form, status=400)
    try:
        issued = share_links.create_share_link(
            _session(),
            _config(),
            document_id=document.id,
            consent=bool(form.consent.data),
            now=_now(),
        )
    except share_links.ConsentRequired:
        form.consent.errors = [
            _("Tick the box to agree, so we can make a link. Nothing was shared.")
        ]
        return _document_page(document, form, status=400)
    db.session.commit()
    url = _config().public_base_url.rstrip("/") + url_for(
        "citizen.shared_overview", token=issued.token
    )
    return _document_page(document, ShareForm(formdata=None), new_link=url)


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
