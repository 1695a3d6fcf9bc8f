"""National ids: validated per country, stored as a keyed hash plus an encrypted copy.

decisions.md "Identity and privacy": never in URLs, logs, or pages beyond the last 4 digits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from cryptography.fernet import Fernet
from stdnum.be import ssn as be_ssn
from stdnum.dk import cpr as dk_cpr
from stdnum.exceptions import ValidationError
from stdnum.nl import bsn as nl_bsn

from portal.config import Config


class InvalidNationalId(ValueError):
    """The number fails its country's check."""


@dataclass(frozen=True)
class ProtectedId:
    hash: str
    encrypted: bytes
    last4: str


def normalise_national_id(country: str, raw: str) -> str:
    """Validate and return the compact digits. DK CPR: date check only (no modulus 11)."""
    if len(raw) > 40:
        # stdnum turns digits into ints; absurdly long input must fail cleanly, not crash.
        raise InvalidNationalId("too long to be a national id")
    try:
        if country == "NL":
            return str(nl_bsn.validate(raw))
        if country == "BE":
            return str(be_ssn.validate(raw))
        if country == "DK":
            digits = dk_cpr.compact(raw)
            if len(digits) != 10 or not digits.isdigit():
                raise InvalidNationalId("a CPR number has 10 digits")
            dk_cpr.get_birth_date(digits)  # raises for an impossible date
            return str(digits)
    except (ValidationError, ValueError) as error:
        raise InvalidNationalId(str(error)) from error
    raise InvalidNationalId(f"no national id scheme for {country}")


def hash_national_id(config: Config, compact: str) -> str:
    return hmac.new(config.effective_id_hash_key, compact.encode(), hashlib.sha256).hexdigest()


def _fernet(config: Config) -> Fernet:
    key = config.id_encryption_key
    if not key:
        # Demo and test mode only (Config.checked refuses this elsewhere).
        key = base64.urlsafe_b64encode(hashlib.sha256(config.secret_key.encode()).digest()).decode()
    return Fernet(key.encode())


def protect_national_id(config: Config, country: str, raw: str) -> ProtectedId:
    compact = normalise_national_id(country, raw)
    return ProtectedId(
        hash=hash_national_id(config, compact),
        encrypted=_fernet(config).encrypt(compact.encode()),
        last4=compact[-4:],
    )


def reveal_national_id(config: Config, encrypted: bytes) -> str:
    """Only for audited exports (hand-over to the collector)."""
    return _fernet(config).decrypt(encrypted).decode()
