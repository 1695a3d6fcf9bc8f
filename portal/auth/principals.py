"""Who is logged in: a citizen (full overview or one letter's claims) or a staff member.

Flask-Login keeps one user id per session; the prefix says which kind ("c:" or "s:"), so
citizen and staff sessions never mix and each blueprint checks for its own kind.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import session
from flask_login import UserMixin
from sqlalchemy import Integer
from sqlalchemy import bindparam
from sqlalchemy import select

from portal.extensions import db
from portal.extensions import login_manager
from portal.models import Debtor
from portal.models import StaffUser


@dataclass
class CitizenPrincipal(UserMixin):
    debtor_id: int
    #: how they logged in: oidc, login_code, demo
    method: str
    #: None = the full overview (eID); otherwise only these claims (a letter's login code)
    claim_scope: frozenset[int] | None
    preferred_locale: str | None = None
    #: set in desk mode: the staff member acting on the citizen's behalf
    acting_staff_id: int | None = None
    #: issue 9: a representative acting for the citizen under this mandate (Representation.id)
    representation_id: int | None = None
    #: issue 9: the person acting for a business debtor (keyed hash of their id)
    acting_person: str | None = None

    is_citizen = True
    is_staff = False

    def get_id(self) -> str:
        return f"c:{self.debtor_id}"

    def may_see_claim(self, claim_id: int) -> bool:
        return self.claim_scope is None or claim_id in self.claim_scope

    @property
    def acting_staff_user_id(self) -> int | None:
        """Desk mode: the staff member acting for the citizen (None: the citizen themself)."""
        return self.acting_staff_id


@dataclass
class RepresentativePrincipal(UserMixin):
    """Issue 9: a representative logged in with eID who has not chosen a person yet (the
    list at /representing). Neither a citizen nor staff: no citizen or staff page opens."""

    is_citizen = False
    is_staff = False
    is_representative = True

    def get_id(self) -> str:
        return "r:0"


@dataclass
class StaffPrincipal(UserMixin):
    staff_user_id: int
    username: str
    display_name: str
    role: str
    department_id: int | None
    preferred_locale: str | None = None

    is_citizen = False
    is_staff = True

    def get_id(self) -> str:
        return f"s:{self.staff_user_id}"


#: built once: the user loader runs on every request of a logged-in citizen
_CITIZEN_LOGIN_FACTS = select(Debtor.id, Debtor.preferred_locale).where(
    Debtor.id == bindparam("debtor_id", type_=Integer)
)

CITIZEN_SESSION_KEY = "citizen"
#: desk mode: {"debtor_id": ..., "staff_user_id": ...} in a STAFF session (portal/staff/desk.py)
DESK_SESSION_KEY = "desk"
#: issue 9: {"person_hash": ..., "own_debtor_id": ...} for a representative's whole session
REPRESENTATIVE_SESSION_KEY = "representative"


def remember_citizen(principal: CitizenPrincipal) -> None:
    """Keep the citizen's scope in the (signed) session next to Flask-Login's id."""
    stored = {
        "method": principal.method,
        "scope": sorted(principal.claim_scope) if principal.claim_scope is not None else None,
        "acting_staff_id": principal.acting_staff_id,
    }
    # Issue 9: only when someone acts for the debtor (a representative, a business's person).
    if principal.representation_id is not None:
        stored["representation_id"] = principal.representation_id
    if principal.acting_person is not None:
        stored["acting_person"] = principal.acting_person
    session[CITIZEN_SESSION_KEY] = stored


@login_manager.user_loader
def load_principal(
    user_id: str,
) -> CitizenPrincipal | StaffPrincipal | RepresentativePrincipal | None:
    kind, _, raw_id = user_id.partition(":")
    if kind == "r":
        stored = session.get(REPRESENTATIVE_SESSION_KEY)
        return RepresentativePrincipal() if isinstance(stored, dict) else None
    if not raw_id.isdigit():
        return None
    if kind == "c":
        stored = session.get(CITIZEN_SESSION_KEY)
        if not isinstance(stored, dict):
            return None
        # two columns, not the whole debtor (with its encrypted id): every citizen page asks
        debtor = db.session.execute(_CITIZEN_LOGIN_FACTS, {"debtor_id": int(raw_id)}).first()
        if debtor is None:
            return None
        scope = stored.get("scope")
        return CitizenPrincipal(
            debtor_id=debtor.id,
            method=str(stored.get("method")),
            claim_scope=frozenset(int(i) for i in scope) if scope is not None else None,
            preferred_locale=debtor.preferred_locale,
            acting_staff_id=stored.get("acting_staff_id"),
            representation_id=stored.get("representation_id"),
            acting_person=stored.get("acting_person"),
        )
    if kind == "s":
        user = db.session.get(StaffUser, int(raw_id))
        if user is None or not user.active:
            return None
        return StaffPrincipal(
            staff_user_id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            department_id=user.department_id,
        )
    return None
