"""The direct debit commands (issue 8): a pain.002 reject report and the demo return file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import LedgerEntry
from portal.payments.pain002_parser import Pain002Error
from portal.payments.pain002_parser import parse_pain002
from tests.support.bank import run_import
from tests.support.direct_debit import collections
from tests.support.direct_debit import run
from tests.support.direct_debit import signed_plan
from tests.support.direct_debit import use_folder

PAIN002 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>STS-1</MsgId><CreDtTm>2026-12-01T09:00:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts><OrgnlMsgId>X</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.08</OrgnlMsgNmId>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>X-1</OrgnlPmtInfId>
      <TxInfAndSts>
        <OrgnlEndToEndId>{e2e}</OrgnlEndToEndId>
        <TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>AC04</Cd></Rsn></StsRsnInf>
      </TxInfAndSts>
      <TxInfAndSts>
        <OrgnlEndToEndId>SALDO-DD-404-404</OrgnlEndToEndId>
        <TxSts>RJCT</TxSts>
      </TxInfAndSts>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>
"""


@pytest.fixture(autouse=True)
def _folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use_folder(monkeypatch, tmp_path / "direct_debit")


def test_a_pain002_reject_is_recorded_and_never_booked(
    app: Flask, db_session: Session, tmp_path: Path
) -> None:
    signed_plan(db_session)
    run(db_session, date(2026, 11, 30))
    (collection,) = collections(db_session)
    path = tmp_path / "status.xml"
    path.write_text(PAIN002.format(e2e=collection.end_to_end_id))

    result = app.test_cli_runner().invoke(args=["import-direct-debit-status", str(path)])

    assert result.exit_code == 0, result.output
    assert "rejects recorded: 1" in result.output
    assert "unknown debit (nothing changed): SALDO-DD-404-404" in result.output
    assert run(db_session, date(2026, 12, 7))["booked"] == 0
    (collection,) = collections(db_session)
    assert (collection.state, collection.failure_reason, collection.payment_id) == (
        "rejected",
        "AC04",
        None,
    )


def test_a_hostile_status_file_is_refused() -> None:
    with pytest.raises(Pain002Error) as refused:
        parse_pain002(b'<!DOCTYPE x [<!ENTITY a "b">]><Document>&a;</Document>')
    assert refused.value.reason == "forbidden_xml"
    with pytest.raises(Pain002Error):
        parse_pain002(b"<Document xmlns='urn:other'/>")


def test_the_demo_return_file_undoes_the_booking_when_imported(
    app: Flask, db_session: Session
) -> None:
    signed_plan(db_session)
    run(db_session, date(2026, 11, 30))
    run(db_session, date(2026, 12, 7))
    (collection,) = collections(db_session)

    result = app.test_cli_runner().invoke(
        args=["demo-direct-debit-return", collection.end_to_end_id]
    )
    run_import(db_session, result.output.encode())

    assert collections(db_session)[0].state == "returned"
    corrections = db_session.scalar(
        select(func.count()).select_from(LedgerEntry).where(LedgerEntry.cause == "correction")
    )
    assert corrections
