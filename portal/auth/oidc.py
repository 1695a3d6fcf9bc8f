"""Login with eID (DigiD, MitID, itsme) through an OpenID Connect provider or broker.

decisions.md "Identity and privacy": the debtor is matched ONLY by the configured ID-token
claim holding the national id (`Config.oidc_national_id_claim`), hashed with the lookup key;
never by e-mail or name. The number itself is neither stored nor logged.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Flask
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from joserfc.errors import JoseError
from requests import RequestException

from portal.auth.business_login import business_claim_name
from portal.auth.business_login import business_login
from portal.auth.login_session import eid_name
from portal.auth.login_session import fresh_session
from portal.auth.login_session import rule_pack
from portal.auth.login_session import saldo_config
from portal.auth.login_session import start_citizen_session
from portal.auth.principals import CitizenPrincipal
from portal.auth.representing import start_representative_session
from portal.auth.representing import today_here
from portal.config import Config
from portal.extensions import db
from portal.services import audit
from portal.services.audit import Actor
from portal.services.debtors import find_by_national_id_hash
from portal.services.identity import InvalidNationalId
from portal.services.identity import hash_national_id
from portal.services.identity import normalise_national_id
from portal.services.representations import active_for_person
from portal.web.safety import safe_next

log = logging.getLogger(__name__)

EXTENSION_KEY = "saldo_oidc"
CLIENT_NAME = "eid"
NEXT_KEY = "eid_next"
#: seconds to wait for the provider before telling the citizen it is not available
PROVIDER_TIMEOUT = 10

_PROVIDER_ERRORS = (AuthlibBaseError, JoseError, RequestException, ValueError, KeyError)


def init_oidc(app: Flask) -> None:
    """Register the eID client on this app when OIDC is configured (one client per app)."""
    config: Config = app.config["SALDO"]
    if not config.oidc_enabled:
        return
    oauth = OAuth(app)
    oauth.register(
        CLIENT_NAME,
        client_id=config.oidc_client_id,
        client_secret=config.oidc_client_secret,
        server_metadata_url=f"{config.oidc_issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid",
            "code_challenge_method": "S256",
            "default_timeout": PROVIDER_TIMEOUT,
        },
    )
    app.extensions[EXTENSION_KEY] = oauth


def _client() -> Any:
    oauth = current_app.extensions.get(EXTENSION_KEY)
    if oauth is None or not saldo_config().oidc_enabled:
        abort(404)
    return oauth.create_client(CLIENT_NAME)


def oidc_start() -> ResponseReturnValue:
    """Send the citizen to the eID provider."""
    client = _client()
    session[NEXT_KEY] = safe_next(request.args.get("next"), default="/overview")
    try:
        return client.authorize_redirect(url_for("auth.oidc_callback", _external=True))
    except _PROVIDER_ERRORS as error:
        log.warning("eID provider not available (%s)", type(error).__name__)
        return _eid_error(
            _("%(name)s is not available right now. Please try again later.", name=eid_name()),
            503,
        )


def oidc_callback() -> ResponseReturnValue:
    """Back from the eID provider: find the debtor by the national id in the ID token."""
    client = _client()
    try:
        token = client.authorize_access_token()
    except _PROVIDER_ERRORS as error:
        log.warning("eID login not completed (%s)", type(error).__name__)
        return _eid_error(
            _("We could not finish your login with %(name)s. Please try again.", name=eid_name()),
            400,
        )
    claims = token.get("userinfo") or {}
    business_claim = business_claim_name()
    if business_claim and claims.get(business_claim) is not None:
        return business_login(claims[business_claim], _acting_person(claims))
    id_hash = _national_id_hash(claims)
    if id_hash is None:
        log.warning("eID login without a valid national id claim")
        return _eid_error(
            _(
                "%(name)s did not give us a valid citizen number, so we cannot show your "
                "bills. Please try again, or call us on %(phone)s.",
                name=eid_name(),
                phone=saldo_config().contact_phone,
            ),
            400,
        )
    debtor = find_by_national_id_hash(db.session(), id_hash)
    next_url = safe_next(session.get(NEXT_KEY), default="/overview")
    if active_for_person(db.session(), id_hash, today_here()):
        # Issue 9: a representative (perhaps also a debtor) first chooses whose bills to see.
        if debtor is not None:
            audit.record(db.session(), Actor.citizen(debtor.id), "citizen.login", method="oidc")
        db.session.commit()
        start_representative_session(id_hash, debtor.id if debtor is not None else None)
        return redirect(url_for("auth.representing"))
    if debtor is None:
        fresh_session()
        return render_template("auth/no_bills.html", eid_name=eid_name())
    audit.record(db.session(), Actor.citizen(debtor.id), "citizen.login", method="oidc")
    db.session.commit()
    start_citizen_session(
        CitizenPrincipal(
            debtor_id=debtor.id,
            method="oidc",
            claim_scope=None,
            preferred_locale=debtor.preferred_locale,
        )
    )
    return redirect(next_url)


def _national_id_hash(id_token_claims: dict[str, Any]) -> str | None:
    """The lookup hash of the national id in the configured claim, or None when it is
    missing or invalid. `id_token_claims` is what authlib verified from the ID token
    (signature, issuer, audience, nonce), not the userinfo endpoint."""
    raw = id_token_claims.get(saldo_config().oidc_national_id_claim)
    if not isinstance(raw, str | int) or isinstance(raw, bool) or len(str(raw)) > 32:
        return None
    try:
        compact = normalise_national_id(rule_pack().country, str(raw))
    except InvalidNationalId:
        return None
    return hash_national_id(saldo_config(), compact)


def _acting_person(claims: dict[str, Any]) -> str | None:
    """Who logs in for a business: their national id when the broker sends it, else the
    provider's subject; kept as a keyed hash only (recorded on every action)."""
    id_hash = _national_id_hash(claims)
    if id_hash is not None:
        return id_hash
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        return None
    return hash_national_id(saldo_config(), f"sub:{sub}")


def _eid_error(message: str, status: int) -> tuple[str, int]:
    return render_template("auth/eid_error.html", message=message, eid_name=eid_name()), status
