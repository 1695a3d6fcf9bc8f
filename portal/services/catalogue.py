"""Bring the departments and claim types of the rule pack into the database (idempotent)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.domain.rules.base import RulePack
from portal.models import ClaimType
from portal.models import Department


def sync_catalogue(session: Session, rules: RulePack) -> dict[str, int]:
    """Create or update every department and claim type of the pack; never deletes."""
    departments = {d.code: d for d in session.scalars(select(Department))}
    for spec in rules.departments:
        department = departments.get(spec.code)
        if department is None:
            department = Department(code=spec.code, names=dict(spec.names))
            session.add(department)
            departments[spec.code] = department
        else:
            department.names = dict(spec.names)
    session.flush()
    claim_types = {t.code: t for t in session.scalars(select(ClaimType))}
    for type_spec in rules.claim_types:
        claim_type = claim_types.get(type_spec.code)
        if claim_type is None:
            claim_type = ClaimType(code=type_spec.code)
            session.add(claim_type)
        claim_type.department_id = departments[type_spec.department_code].id
        claim_type.legal_basis = str(type_spec.legal_basis)
        claim_type.names = dict(type_spec.names)
        claim_type.has_execution_right = type_spec.has_execution_right
        claim_type.preferential = type_spec.preferential
        claim_type.bears_interest = type_spec.bears_interest
        claim_type.remission_eligible = type_spec.remission_eligible
        claim_type.ongoing = type_spec.ongoing
        claim_type.minimum_amount = type_spec.minimum_amount
    session.flush()
    return {"departments": len(rules.departments), "claim_types": len(rules.claim_types)}
