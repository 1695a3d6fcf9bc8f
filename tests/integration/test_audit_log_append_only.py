"""The audit log is append-only: the database refuses UPDATE and DELETE (triggers from migration
0001), the ORM guard refuses them too, and no code in portal/ has a path that changes it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy import text
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.append_only import APPEND_ONLY_TABLES
from portal.append_only import AppendOnlyViolation
from portal.models import AuditEvent
from portal.services import audit
from portal.services.audit import Actor

PORTAL = Path(__file__).resolve().parents[2] / "portal"


def _event(session: Session) -> AuditEvent:
    event = audit.record(session, Actor.system(), "test.recorded")
    session.flush()
    return event


def test_audit_event_is_one_of_the_append_only_tables() -> None:
    assert "audit_event" in APPEND_ONLY_TABLES


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET action = 'tampered' WHERE id = :id",
        "DELETE FROM audit_event WHERE id = :id",
    ],
)
def test_the_database_rejects_raw_update_and_delete(db_session: Session, statement: str) -> None:
    event = _event(db_session)
    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(text(statement), {"id": event.id})
    db_session.expire_all()
    assert db_session.get(AuditEvent, event.id).action == "test.recorded"


def test_the_database_rejects_bulk_orm_update_and_delete(db_session: Session) -> None:
    event = _event(db_session)
    with pytest.raises(DBAPIError), db_session.begin_nested():
        db_session.execute(update(AuditEvent).values(action="tampered"))
    with pytest.raises(DBAPIError), db_session.begin_nested():
        db_session.execute(delete(AuditEvent))
    db_session.expire_all()
    assert db_session.get(AuditEvent, event.id).action == "test.recorded"


def test_the_orm_refuses_to_change_or_delete_an_event(db_session: Session) -> None:
    event = _event(db_session)
    event.action = "tampered"
    with pytest.raises(AppendOnlyViolation):
        db_session.flush()
    db_session.expire(event)
    db_session.delete(event)
    with pytest.raises(AppendOnlyViolation):
        db_session.flush()
    db_session.expunge(event)


def _audit_names(tree: ast.AST) -> set[str]:
    """Names bound to AuditEvent objects in a module: loop targets over AuditEvent queries and
    assignments from `AuditEvent(...)`, `audit.record(...)` or `record(...)`."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in {"AuditEvent", "record"}:
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def changes_to_audit_events(source: str, name: str) -> list[str]:
    """Places in `source` that update or delete an audit event (empty: none)."""
    tree = ast.parse(source)
    names = _audit_names(tree)
    problems = []
    for node in ast.walk(tree):
        # update(AuditEvent) / delete(AuditEvent), and session.delete(<an audit event>)
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            args = {a.id for a in node.args if isinstance(a, ast.Name)}
            if called in {"update", "delete"} and ("AuditEvent" in args or names & args):
                problems.append(f"{name}:{node.lineno} {called}")
        # <audit event>.<attribute> = ... (changing a recorded event)
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id in names
                ):
                    problems.append(f"{name}:{node.lineno} assignment")
    for word in ("update audit_event", "delete from audit_event"):
        if word in source.lower():
            problems.append(f"{name}: raw SQL {word}")
    return problems


def test_the_check_finds_each_way_of_changing_an_event() -> None:
    bad = (
        "event = audit.record(session, actor, 'x')\n"
        "event.action = 'y'\n"
        "session.delete(event)\n"
        "session.execute(update(AuditEvent).values(action='z'))\n"
        "session.execute(text('DELETE FROM audit_event'))\n"
    )
    assert len(changes_to_audit_events(bad, "bad.py")) == 4


def test_no_code_in_portal_updates_or_deletes_an_audit_event() -> None:
    problems = []
    for path in sorted(PORTAL.rglob("*.py")):
        problems += changes_to_audit_events(path.read_text(), str(path.relative_to(PORTAL)))
    assert problems == []
