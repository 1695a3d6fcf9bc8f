"""The role matrix, in one place: which staff role may do what.

Every staff route names one permission; tests walk the matrix route by route.
"""

from __future__ import annotations

PERMISSIONS: dict[str, frozenset[str]] = {
    "staff.home": frozenset(
        {"caseworker", "desk", "supervisor", "department_clerk", "admin", "finance"}
    ),
    "debtor.view": frozenset({"caseworker", "desk", "supervisor"}),
    "debtor.act_for": frozenset({"desk", "caseworker", "supervisor"}),
    "debtor.document": frozenset({"caseworker", "desk", "supervisor"}),
    "work.decide": frozenset({"caseworker", "supervisor"}),
    "audit.view": frozenset({"supervisor", "admin"}),
    "staff.manage": frozenset({"admin"}),
    "department.claims": frozenset({"department_clerk", "supervisor"}),
    "refund.approve": frozenset({"supervisor"}),
    "claims.write_off": frozenset({"supervisor"}),
    "disputes.decide": frozenset({"department_clerk", "caseworker", "supervisor"}),
    "holds.legal": frozenset({"caseworker", "supervisor"}),
    "reports.view": frozenset({"supervisor", "admin", "caseworker"}),
    "finance.export": frozenset({"finance", "supervisor"}),
    "appointments.manage": frozenset({"desk", "caseworker", "supervisor"}),
    "feedback.view": frozenset({"supervisor", "admin"}),
    "social_status.view": frozenset({"caseworker", "supervisor"}),  # not desk (issue 8)
    "social_status.import": frozenset({"department_clerk", "supervisor", "admin"}),
    "representatives.manage": frozenset({"caseworker", "desk", "supervisor"}),
    "handover.manage": frozenset({"caseworker", "supervisor"}),
    "handover.recall": frozenset({"caseworker", "supervisor"}),
    "direct_debit.view": frozenset({"caseworker", "desk", "supervisor"}),
    "direct_debit.revoke": frozenset({"caseworker", "desk", "supervisor"}),
}


def role_has_permission(role: str, permission: str) -> bool:
    return role in PERMISSIONS.get(permission, frozenset())
