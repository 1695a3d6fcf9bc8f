"""National ids: validated per country, stored as a keyed hash, an encrypted copy and the last 4
digits, never in clear (decisions.md "Identity and privacy")."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet
from cryptography.fernet import InvalidToken
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.config import Config
from portal.models import Debtor
from portal.services.debtors import find_by_national_id
from portal.services.debtors import find_by_national_id_hash
from portal.services.identity import InvalidNationalId
from portal.services.identity import hash_national_id
from portal.services.identity import normalise_national_id
from portal.services.identity import protect_national_id
from portal.services.identity import reveal_national_id
from tests.support.factories import make_debtor

BSN = "111222333"  # passes the 11-test
BE_NATIONAL = "85073003328"
BE_BIS = "85473003317"  # month + 40: a BIS number
BE_BORN_2001 = "01123112351"  # check digits computed with the "2" prefix for 2000+
CPR = "0101701234"

CONFIG = Config(testing=True, demo=True, secret_key="test-secret-one")


def cpr_modulus_11_ok(cpr: str) -> bool:
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    return sum(int(d) * w for d, w in zip(cpr, weights, strict=True)) % 11 == 0


@pytest.mark.parametrize(
    ("country", "raw", "compact"),
    [
        ("NL", BSN, BSN),
        ("NL", "1112.22.333", BSN),
        ("BE", BE_NATIONAL, BE_NATIONAL),
        ("BE", "85.07.30-033.28", BE_NATIONAL),
        ("BE", BE_BIS, BE_BIS),
        ("BE", BE_BORN_2001, BE_BORN_2001),
        ("DK", CPR, CPR),
        ("DK", "010170-1234", CPR),
    ],
)
def test_valid_ids_are_normalised_to_digits(country: str, raw: str, compact: str) -> None:
    assert normalise_national_id(country, raw) == compact


@pytest.mark.parametrize(
    ("country", "raw"),
    [
        ("NL", "111222334"),  # fails the 11-test
        ("NL", "12345"),
        ("NL", "abcdefghi"),
        ("BE", "85073003329"),  # wrong check digits
        ("BE", "85133003370"),  # month 13 (check digits right for the wrong date)
        ("DK", "3213701234"),  # day 32
        ("DK", "3102901234"),  # 31 February
        ("DK", "010170123"),  # 9 digits
        ("DK", "01017012345"),  # 11 digits
        ("DK", "01O1701234"),  # a letter O
        ("DE", "12345678901"),  # no scheme for this country
        ("NL", ""),
    ],
)
def test_invalid_ids_are_rejected(country: str, raw: str) -> None:
    with pytest.raises(InvalidNationalId):
        normalise_national_id(country, raw)


def test_a_danish_cpr_that_fails_modulus_11_but_has_a_real_date_is_accepted() -> None:
    # Since 2007 not every CPR number passes modulus 11 (decisions.md): date check only.
    failing = "0101701235"
    assert not cpr_modulus_11_ok(failing)
    assert normalise_national_id("DK", failing) == failing
    assert protect_national_id(CONFIG, "DK", failing).last4 == "1235"


def test_the_hash_is_stable_and_does_not_depend_on_formatting() -> None:
    plain = protect_national_id(CONFIG, "NL", BSN)
    dotted = protect_national_id(CONFIG, "NL", "1112.22.333")

    assert plain.hash == dotted.hash == hash_national_id(CONFIG, BSN)
    assert len(plain.hash) == 64
    assert int(plain.hash, 16) >= 0
    assert BSN not in plain.hash


def test_the_hash_is_keyed() -> None:
    other_secret = Config(testing=True, demo=True, secret_key="test-secret-two")
    explicit_key = Config(testing=True, demo=True, secret_key="test-secret-one", id_hash_key="k2")

    hashes = {
        hash_national_id(CONFIG, BSN),
        hash_national_id(other_secret, BSN),
        hash_national_id(explicit_key, BSN),
    }
    assert len(hashes) == 3


def test_the_encrypted_copy_decrypts_only_with_its_key() -> None:
    key = Fernet.generate_key().decode()
    config = Config(testing=True, demo=True, id_encryption_key=key)
    protected = protect_national_id(config, "BE", "85.07.30-033.28")

    assert BE_NATIONAL.encode() not in protected.encrypted
    assert BE_NATIONAL.encode() not in base64.urlsafe_b64decode(protected.encrypted)
    assert reveal_national_id(config, protected.encrypted) == BE_NATIONAL
    other = Config(testing=True, demo=True, id_encryption_key=Fernet.generate_key().decode())
    with pytest.raises(InvalidToken):
        reveal_national_id(other, protected.encrypted)


def test_only_the_last_four_digits_are_kept_readable() -> None:
    protected = protect_national_id(CONFIG, "DK", "010170-1234")
    assert protected.last4 == "1234"


def test_a_registered_debtor_keeps_no_national_id_in_clear(db_session: Session) -> None:
    debtor = make_debtor(db_session, "Piet Pieters", national_id="1112.22.333")
    db_session.flush()

    row = db_session.execute(select(Debtor.__table__).where(Debtor.id == debtor.id)).one()
    stored = " ".join(str(value) for value in row)
    assert BSN not in stored
    assert debtor.national_id_last4 == "2333"
    config: Config = current_app.config["SALDO"]
    assert debtor.national_id_encrypted is not None
    assert reveal_national_id(config, debtor.national_id_encrypted) == BSN


def test_a_debtor_is_found_by_national_id_in_any_formatting(db_session: Session) -> None:
    debtor = make_debtor(db_session, national_id=BSN)
    config: Config = current_app.config["SALDO"]

    found = find_by_national_id(db_session, config, "NL", "1112.22.333")
    assert found is not None
    assert found.id == debtor.id
    assert find_by_national_id_hash(db_session, hash_national_id(config, BSN)) is debtor
    assert find_by_national_id(db_session, config, "NL", "123456782") is None
    with pytest.raises(InvalidNationalId):
        find_by_national_id(db_session, config, "NL", "111222334")
