"""The direct-debit file (issue 8) against the OFFICIAL ISO 20022 schemas vendored in
portal/payments/schemas: pain.008.001.08 (default) and pain.008.001.02 (per-bank option)."""

from __future__ import annotations

from datetime import date
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from lxml import etree
from sqlalchemy.orm import Session

from portal.config import Config
from portal.config import ConfigError
from portal.services.pain008 import SCHEMA_DIR
from portal.services.pain008 import VERSIONS
from portal.services.pain008 import Creditor
from portal.services.pain008 import Debit
from portal.services.pain008 import build_pain008
from portal.services.pain008 import namespace
from portal.services.pain008 import validate_pain008
from tests.support.direct_debit import collections
from tests.support.direct_debit import run
from tests.support.direct_debit import signed_plan
from tests.support.direct_debit import use_folder

FILE_DAY = date(2026, 11, 30)
CREDITOR = Creditor("Gemeente Voorbeeld", "NL91ABNA0417164300", "ABNANL2A", "NL69ZZZ123456780000")


def _debit(number: int, sequence: str, bic: str | None) -> Debit:
    return Debit(
        end_to_end_id=f"SALDO-DD-1-{number}",
        amount=12_345,
        currency="EUR",
        sequence_type=sequence,
        collection_date=date(2026, 12, 7),
        mandate_reference=f"SALDO-M-1-{number}-1",
        mandate_signed_on=date(2026, 11, 23),
        debtor_name="Ria de Vriés & Zn",
        debtor_iban="DE89370400440532013000",
        debtor_bic=bic,
        remittance="Gemeente Voorbeeld plan 1 installment 1",
    )


def _file(version: str) -> bytes:
    return build_pain008(
        message_id="SALDO-DDF-20261130030000000000",
        created_at=datetime(2026, 11, 30, 3, 0, 0),
        creditor=CREDITOR,
        debits=[_debit(1, "FRST", "COBADEFFXXX"), _debit(2, "RCUR", None)],
        version=version,
    )


def test_the_official_schemas_are_vendored_unchanged_with_a_readme() -> None:
    for name in ("pain.008.001.08.xsd", "pain.008.001.02.xsd", "pain.001.001.03.xsd"):
        text = (SCHEMA_DIR / name).read_text(encoding="utf-8")
        assert f'targetNamespace="urn:iso:std:iso:20022:tech:xsd:{name[:-4]}"' in text
    assert "MIT" in (SCHEMA_DIR / "README.md").read_text(encoding="utf-8")
    assert not list(SCHEMA_DIR.glob("*.saldo.xsd"))


@pytest.mark.parametrize("version", VERSIONS)
def test_both_file_versions_are_valid_against_their_official_schema(version: str) -> None:
    xml = _file(version)

    validate_pain008(xml, version)

    root = etree.fromstring(xml)
    assert root.tag == f"{{{namespace(version)}}}Document"
    bic = "BICFI" if version.endswith("08") else "BIC"
    assert f"<{bic}>COBADEFFXXX</{bic}>".encode() in xml
    assert b"<Id>NOTPROVIDED</Id>" in xml


def test_a_file_of_one_version_is_invalid_against_the_other() -> None:
    with pytest.raises(etree.DocumentInvalid):
        validate_pain008(_file("pain.008.001.02"), "pain.008.001.08")


def test_the_official_schema_refuses_a_broken_file() -> None:
    xml = _file("pain.008.001.08").replace(b"<ChrgBr>SLEV</ChrgBr>", b"<ChrgBr>XXXX</ChrgBr>")

    with pytest.raises(etree.DocumentInvalid):
        validate_pain008(xml)


def test_an_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="version"):
        _file("pain.008.001.99")
    with pytest.raises(ConfigError, match="SALDO_DIRECT_DEBIT_FORMAT"):
        Config(testing=True).with_overrides(direct_debit_format="pain.008.001.99")


@pytest.mark.parametrize("version", VERSIONS)
def test_the_batch_writes_the_configured_version_and_it_is_valid(
    app: Flask,
    db_session: Session,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    version: str,
) -> None:
    folder = tmp_path / "dd"
    use_folder(monkeypatch, folder)
    config = app.config["SALDO"].with_overrides(direct_debit_format=version)
    monkeypatch.setitem(app.config, "SALDO", config)
    signed_plan(db_session)

    assert run(db_session, FILE_DAY)["files"] == 1

    (file,) = folder.glob("*.xml")
    validate_pain008(file.read_bytes(), version)
    assert collections(db_session)[0].end_to_end_id.encode() in file.read_bytes()
