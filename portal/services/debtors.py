"""Finding and registering debtors (matched by national id hash or business number)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.models import Debtor
from portal.services.identity import hash_national_id
from portal.services.identity import normalise_national_id
from portal.services.identity import protect_national_id


@dataclass(frozen=True)
class NewDebtor:
    name: str
    kind: str = "person"
    national_id: str | None = None
    business_number: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    preferred_locale: str | None = None


def find_by_national_id(session: Session, config: Config, country: str, raw: str) -> Debtor | None:
    compact = normalise_national_id(country, raw)
    return session.scalar(
        select(Debtor).where(Debtor.national_id_hash == hash_national_id(config, compact))
    )


def find_by_national_id_hash(session: Session, id_hash: str) -> Debtor | None:
    return session.scalar(select(Debtor).where(Debtor.national_id_hash == id_hash))


def register_debtor(session: Session, config: Config, country: str, new: NewDebtor) -> Debtor:
    """Create a debtor. The national id is validated, hashed and encrypted, never kept in clear."""
    debtor = Debtor(
        kind=new.kind,
        name=new.name,
        business_number=new.business_number,
        email=new.email,
        phone=new.phone,
        address=new.address,
        preferred_locale=new.preferred_locale,
    )
    if new.national_id:
        protected = protect_national_id(config, country, new.national_id)
        debtor.national_id_hash = protected.hash
        debtor.national_id_encrypted = protected.encrypted
        debtor.national_id_last4 = protected.last4
    session.add(debtor)
    session.flush()
    return debtor
