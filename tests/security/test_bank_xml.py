"""Hostile XML as a bank statement upload, beyond the billion laughs and the file:// external
entity that tests/web/test_staff_bank.py already sends: a quadratic blow-up, an external DTD,
parameter entities reaching out to the network, and a billion laughs in UTF-16. Each is
refused with the same clear message, and nothing is stored.
"""

from __future__ import annotations

import io

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.models import BankStatement
from tests.support.login import login_staff
from tests.support.payments import count
from tests.support.primitives import make_staff
from tests.support.security import token_from

IMPORT = "/staff/bank/import"
BODY = (
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
    "<GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt><Id>S</Id>"
    "<Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>"
    '<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
    "<AddtlNtryInf>{text}</AddtlNtryInf></Ntry></Stmt></BkToCstmrStmt></Document>"
)
LAUGHS = "".join(
    f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' if n else '<!ENTITY l0 "lol">' for n in range(10)
)
HOSTILE = {
    "quadratic_blowup": (
        f'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY a "{"x" * 50_000}">]>'
        + BODY.format(text="&a;" * 2_000)
    ).encode(),
    "external_dtd": (
        '<?xml version="1.0"?><!DOCTYPE Document SYSTEM "http://127.0.0.1:9/evil.dtd">'
        + BODY.format(text="x")
    ).encode(),
    "parameter_entity": (
        '<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY % remote SYSTEM '
        '"http://127.0.0.1:9/x.dtd"> %remote;]>' + BODY.format(text="x")
    ).encode(),
    "utf16_billion_laughs": (
        f'<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE Document [{LAUGHS}]>'
        + BODY.format(text="&l9;")
    ).encode("utf-16"),
    "entity_in_attribute": (
        '<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY e SYSTEM "file:///etc/hostname">]>'
        + BODY.format(text="x").replace('Ccy="EUR"', 'Ccy="&e;"')
    ).encode(),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_xml_statements_are_refused_for_safety_and_nothing_is_stored(
    client: FlaskClient, db_session: Session, name: str
) -> None:
    caseworker = make_staff(db_session, "caseworker")
    db_session.commit()
    login_staff(client, caseworker.id)
    response = client.post(
        IMPORT,
        data={
            "csrf_token": token_from(client, IMPORT),
            "statement": (io.BytesIO(HOSTILE[name]), "statement.xml"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "refuse for safety" in page
    assert 'role="alert"' in page
    assert "root:" not in page  # nothing of a local file came back
    db_session.expire_all()
    assert count(db_session, BankStatement) == 0
