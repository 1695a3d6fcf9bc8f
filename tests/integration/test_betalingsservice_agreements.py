"""DKK Betalingsservice (issue 8): the agreement status import (a CSV made from the Nets
agreement report) and the citizen page that shows the numbers and the status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import BetalingsserviceAgreement
from portal.services.audit import Actor
from portal.services.betalingsservice import AgreementFileRefused
from portal.services.betalingsservice import agreement_of
from portal.services.betalingsservice import import_agreements
from portal.services.betalingsservice import parse_agreement_file
from tests.support.factories import make_debtor
from tests.support.login import login_citizen
from tests.support.page_checks import assert_page_ok


def _file(*lines: str) -> bytes:
    return ("kundenummer;status;date\n" + "\n".join(lines) + "\n").encode()


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(BetalingsserviceAgreement)) or 0)


def test_the_import_records_active_and_cancelled_agreements_once(db_session: Session) -> None:
    first = make_debtor(db_session, "Mette Hansen")
    second = make_debtor(db_session, "Ole Jensen")
    data = _file(
        f"{first.id:09d};tilmeldt;2026-11-20",
        f"{second.id:09d};active;2026-11-01",
        f"{second.id:09d};cancelled;2026-11-21",
    )

    counts = import_agreements(
        db_session, parse_agreement_file(data), source="bs.csv", actor=Actor.system()
    )
    again = import_agreements(
        db_session, parse_agreement_file(data), source="bs.csv", actor=Actor.system()
    )

    assert (counts["active"], counts["cancelled"]) == (2, 1)
    assert again == {"active": 0, "cancelled": 0, "unchanged": 3}
    active = agreement_of(db_session, first.id)
    stopped = agreement_of(db_session, second.id)
    assert active is not None
    assert stopped is not None
    assert (active.status, stopped.status) == ("active", "cancelled")
    assert _count(db_session) == 2


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"kunde;status\n1;active\n", (1, "header")),
        (_file("000000001;maybe;2026-11-20"), (2, "status")),
        (_file("000000001;active;20-11-2026"), (2, "date")),
        (_file("abc;active;2026-11-20"), (2, "kundenummer")),
        (_file("000000001;active"), (2, "columns")),
        (_file(), (0, "empty")),
        (b"\xff\xfe\x00", (0, "encoding")),
    ],
)
def test_a_bad_file_is_refused_with_the_line_and_nothing_is_stored(
    db_session: Session, data: bytes, problem: tuple[int, str]
) -> None:
    with pytest.raises(AgreementFileRefused) as refused:
        parse_agreement_file(data)

    assert problem in refused.value.problems
    assert _count(db_session) == 0


def test_an_unknown_kundenummer_refuses_the_whole_file(db_session: Session) -> None:
    known = make_debtor(db_session, "Mette Hansen")
    lines = parse_agreement_file(
        _file(f"{known.id:09d};active;2026-11-20", "999999999;active;2026-11-20")
    )

    with pytest.raises(AgreementFileRefused) as refused:
        import_agreements(db_session, lines, source="bs.csv", actor=Actor.system())

    assert refused.value.problems == [(3, "unknown_debtor")]
    assert _count(db_session) == 0


def test_the_command_imports_a_file_and_refuses_a_bad_one(
    make_app: Any, db_session: Session, tmp_path: Path
) -> None:
    dk_app = make_app(rules="dk", payee_iban="DK5000400440116243", payee_bic="DABADKKK")
    with dk_app.app_context():
        debtor = make_debtor(db_session, "Mette Hansen")
        db_session.commit()
        good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
        good.write_bytes(_file(f"{debtor.id:09d};tilmeldt;2026-11-20"))
        bad.write_bytes(_file("999999999;active;2026-11-20"))
        runner = dk_app.test_cli_runner()

        refused = runner.invoke(args=["import-betalingsservice-agreements", str(bad)])
        imported = runner.invoke(args=["import-betalingsservice-agreements", str(good)])

    assert refused.exit_code == 1
    assert "line 2: unknown_debtor" in refused.output
    assert imported.exit_code == 0, imported.output
    assert "agreements active: 1" in imported.output
    db_session.expire_all()
    assert _count(db_session) == 1


def test_the_danish_page_shows_the_imported_agreement_status(
    make_app: Any, db_session: Session
) -> None:
    from portal.services.catalogue import sync_catalogue

    dk_app = make_app(rules="dk", payee_iban="DK5000400440116243", payee_bic="DABADKKK")
    with dk_app.app_context():
        sync_catalogue(db_session, dk_app.config["RULE_PACK"])
        debtor = make_debtor(db_session, "Mette Hansen")
        newcomer = make_debtor(db_session, "Ole Jensen")
        import_agreements(
            db_session,
            parse_agreement_file(_file(f"{debtor.id:09d};active;2026-11-20")),
            source="bs.csv",
            actor=Actor.system(),
        )
        db_session.commit()
        client = dk_app.test_client()
        login_citizen(client, debtor.id)
        response = client.get("/direct-debit")
        other = dk_app.test_client()
        login_citizen(other, newcomer.id)
        without = other.get("/direct-debit").get_data(as_text=True)

        assert_page_ok(response)
        assert 'data-agreement="active"' in response.get_data(as_text=True)
        assert str(debtor.id).zfill(9) in response.get_data(as_text=True)
        assert "data-agreement" not in without
