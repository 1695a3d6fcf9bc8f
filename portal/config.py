"""Settings from environment variables, with safe defaults, checked at startup.

Everything an installation may change lives here (municipality, payee account, rule pack,
secrets). Country rules (fees, references, plan policy) are code-as-data in
`portal.domain.rules`, chosen by `PORTAL_RULES`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from dataclasses import replace
from pathlib import Path
from typing import Any

from portal.domain.rules.base import PORTAL_LOCALES

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
DEMO_SECRET = "demo-only-secret-key-not-for-production"  # noqa: S105 - refused outside demo
SUPPORTED_RULES = ("dk", "nl", "be")
SUPPORTED_LOCALES = PORTAL_LOCALES


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message says which variable to set."""


class ProductionConfigError(ConfigError):
    """SALDO_ENV=production with demo or unsafe settings; `problems` lists every one."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Saldo refuses to start in production mode:\n{lines}")


def env_var(field_name: str) -> str:
    """The environment variable that sets a Config field (docs/configuration.md)."""
    special = {"secret_key": "SECRET_KEY", "database_url": "DATABASE_URL", "rules": "PORTAL_RULES"}
    return special.get(field_name, f"SALDO_{field_name.upper()}")


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _check_json_object(raw: str, variable: str) -> None:
    if not raw:
        return
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ConfigError(f"{variable} must be a JSON object")


@dataclass(frozen=True)
class Config:
    #: signs sessions and CSRF tokens; required outside demo and test mode
    secret_key: str = DEMO_SECRET
    #: SQLAlchemy URL; SQLite under instance/ unless PostgreSQL is configured
    database_url: str = f"sqlite:///{INSTANCE_DIR / 'saldo.sqlite'}"
    #: which country's rule pack: dk, nl or be
    rules: str = "nl"
    #: demo mode: demo login page, sandbox payments, demo secrets allowed
    demo: bool = False
    #: test mode (the test suite); never set in production
    testing: bool = False
    #: the municipality's name on pages and letters
    municipality_name: str = "Gemeente Voorbeeld"
    #: account holder name on EPC QR codes and transfer instructions
    payee_name: str = "Gemeente Voorbeeld"
    #: the collection office's account: EPC QR codes, bank statements are checked against it
    payee_iban: str = "NL91ABNA0417164300"
    #: BIC of the payee account (EPC QR codes)
    payee_bic: str = "ABNANL2A"
    #: Danish FI creditor number (8 digits, starts with 8) for FIK code lines
    fik_creditor_number: str = "81234567"
    #: SEPA creditor identifier for direct debit (EUR); example value, set by the municipality
    sepa_creditor_id: str = "NL69ZZZ123456780000"
    #: a direct debit goes into the bank file this many bank business days before it is due
    direct_debit_lead_days: int = 5
    #: skip TARGET2 holidays (New Year, Easter, 1 May, Christmas) when counting business days
    direct_debit_target_holidays: bool = True
    #: the bank's direct-debit file format: pain.008.001.08 or (older banks) pain.008.001.02
    direct_debit_format: str = "pain.008.001.08"
    #: Danish Betalingsservice: the municipality's PBS number (DKK); example value
    betalingsservice_pbs_number: str = "01234567"
    #: Danish Betalingsservice: the debitorgruppe number (DKK); example value
    betalingsservice_debitorgruppe: str = "00001"
    #: phone number shown on help pages and letters
    contact_phone: str = "14 020"
    #: e-mail address shown on help pages and letters
    contact_email: str = "invordering@voorbeeld.example"
    #: postal address shown on help pages and letters
    contact_address: str = "Stadhuisplein 1, 1234 AB Voorbeeld"
    #: opening hours of the desk, shown on help pages
    desk_hours: str = "Mon-Fri 09:00-16:00"
    #: the municipality's debt-help page (warm referral link)
    debt_help_url: str = "https://www.voorbeeld.example/schuldhulp"
    #: key for the keyed hash of national ids (lookup); defaults to a key derived from secret_key
    #: (demo and test only: required in production, and never rotated by changing it)
    id_hash_key: str = ""
    #: keys the hashes of login codes printed on letters (long-lived, unlike sessions); ""
    #: = derived from secret_key (demo and test only: required in production)
    link_key: str = ""
    #: earlier link keys, comma-separated: codes made with them still work during a rotation
    link_keys_previous: str = ""
    #: Fernet key (urlsafe base64, 32 bytes) for the encrypted copy of national ids
    id_encryption_key: str = ""
    #: OpenID Connect (DigiD / MitID / itsme through a broker)
    oidc_issuer: str = ""
    #: OIDC client id at the broker
    oidc_client_id: str = ""
    #: OIDC client secret at the broker
    oidc_client_secret: str = ""
    #: ID-token claim that carries the national id (bsn, cpr, rrn, ...)
    oidc_national_id_claim: str = "bsn"
    #: ID-token claim naming the company (eHerkenning, MitID Erhverv, CSAM); empty: kvk/cvr/kbo
    oidc_business_claim: str = ""
    #: how long a one-time login code printed on a letter stays valid
    login_code_days: int = 60
    #: a payment link stays valid until the due date plus this many days
    payment_link_grace_days: int = 30
    #: letter delivery adapter: console (demo) or smtp
    letter_delivery: str = "console"
    #: SMTP server for letter delivery by e-mail
    smtp_host: str = "127.0.0.1"
    #: SMTP port
    smtp_port: int = 25
    #: sender address of letters delivered by SMTP
    smtp_sender: str = "noreply@voorbeeld.example"
    #: SMTP login for e-mails (share links to a debt counsellor); "" = no login
    smtp_user: str = ""
    #: SMTP password for smtp_user
    smtp_password: str = ""
    #: upgrade the SMTP connection with STARTTLS before logging in and sending
    smtp_starttls: bool = False
    #: e-mails (share links): console (demo and test only) or smtp; "" = console in demo and
    #: test mode, smtp otherwise
    mail_transport: str = ""
    #: cheap argon2 parameters make the test suite fast; never set in production
    argon2_cheap: bool = False
    #: send cookies over https only (always off in demo and test mode)
    session_cookie_secure: bool = True
    #: online payments: "stripe", "sandbox" (demo only) or "" (stripe when a key is set,
    #: else sandbox in demo mode, else no online payment)
    payment_provider: str = ""
    #: Stripe secret API key (sk_live_... / sk_test_...)
    stripe_secret_key: str = ""
    #: webhook signing secrets, comma-separated: several are accepted during a rotation
    stripe_webhook_secrets: str = ""
    #: tests point the Stripe client at a fake API on 127.0.0.1; empty = Stripe itself
    stripe_api_base: str = ""
    #: where citizens reach the portal (Stripe return URLs, payment links on letters)
    public_base_url: str = "http://127.0.0.1:5000"
    #: department API: requests per token per minute (database throttle)
    api_rate_limit_per_minute: int = 600
    #: where uploaded files (remission evidence) are kept, outside static/; "" = instance/data
    data_dir: str = ""
    #: the largest remission evidence file accepted, in bytes
    remission_evidence_max_bytes: int = 5 * 1024 * 1024
    #: "production" refuses demo settings, the sandbox, a default secret key and SQLite
    env: str = "development"
    #: how many proxies (load balancer, nginx) set X-Forwarded-*; 0 = trust none
    proxy_count: int = 0
    #: the external collector's contact on hand-over letters and claim pages; example value
    collector_contact: str = "Deurwaarderskantoor Voorbeeld, phone 010 123 45 67"
    #: this app server's name, sent as the X-Saldo-Instance header when set ("" = not sent)
    instance_id: str = ""
    #: finance journal: JSON {"cause:component" | "cause" | "component" | "*": account}
    #: over the defaults in portal/services/finance_exports.py (issue 9); "" = defaults
    gl_accounts: str = ""
    #: where the batch writes the daily journal and reconciliation; "" = data_dir/finance
    finance_dir: str = ""
    #: retention in years after a debtor's last claim closed, JSON {record type: years}
    #: over the defaults in portal/services/retention.py; "" = defaults
    retention_years: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            key = env_var(f.name)
            if key not in env:
                continue
            raw = env[key]
            default = f.default
            if isinstance(default, bool):
                values[f.name] = _bool(raw)
            elif isinstance(default, int):
                values[f.name] = int(raw)
            else:
                values[f.name] = raw
        return cls(**values).checked()

    def with_overrides(self, **changes: Any) -> Config:
        return replace(self, **changes).checked()

    def checked(self) -> Config:
        if self.env not in ("development", "production"):
            raise ConfigError("SALDO_ENV must be development or production")
        if self.env == "production" and (problems := self.production_problems()):
            raise ProductionConfigError(problems)
        if self.rules not in SUPPORTED_RULES:
            raise ConfigError(f"PORTAL_RULES must be one of {', '.join(SUPPORTED_RULES)}")
        if not (self.demo or self.testing) and self.secret_key == DEMO_SECRET:
            raise ConfigError("SECRET_KEY must be set outside demo and test mode")
        if not (self.demo or self.testing) and not self.id_encryption_key:
            raise ConfigError("SALDO_ID_ENCRYPTION_KEY must be set outside demo and test mode")
        _check_json_object(self.gl_accounts, "SALDO_GL_ACCOUNTS")
        _check_json_object(self.retention_years, "SALDO_RETENTION_YEARS")
        if self.direct_debit_format not in ("pain.008.001.08", "pain.008.001.02"):
            raise ConfigError(
                "SALDO_DIRECT_DEBIT_FORMAT must be pain.008.001.08 or pain.008.001.02"
            )
        if self.mail_transport not in ("", "console", "smtp"):
            raise ConfigError("SALDO_MAIL_TRANSPORT must be console, smtp or empty")
        if self.mail_transport == "console" and not (self.demo or self.testing):
            raise ConfigError("SALDO_MAIL_TRANSPORT=console is for demo and test mode only")
        if self.payment_provider not in ("", "stripe", "sandbox"):
            raise ConfigError("SALDO_PAYMENT_PROVIDER must be stripe, sandbox or empty")
        if self.payment_provider == "sandbox" and not self.demo:
            raise ConfigError("the sandbox payment provider is for demo mode only")
        if self.payment_provider == "stripe" and not self.stripe_secret_key:
            raise ConfigError("SALDO_STRIPE_SECRET_KEY must be set for the stripe provider")
        return self

    def production_problems(self) -> list[str]:
        """Every setting that is unsafe in production, as a sentence naming its variable."""
        problems = []
        if self.demo:
            problems.append("SALDO_DEMO is on: the demo login and demo secrets must be off")
        if self.testing:
            problems.append("SALDO_TESTING is on: test mode must be off")
        if self.effective_payment_provider == "sandbox":
            problems.append("the sandbox payment provider is on: set SALDO_PAYMENT_PROVIDER")
        if not self.secret_key or self.secret_key == DEMO_SECRET:
            problems.append("SECRET_KEY is missing or the demo default: set a random secret")
        elif len(self.secret_key) < 32:
            problems.append("SECRET_KEY is shorter than 32 characters")
        if self.database_url.startswith("sqlite"):
            problems.append("DATABASE_URL is SQLite: production runs on PostgreSQL")
        if not self.id_encryption_key:
            problems.append("SALDO_ID_ENCRYPTION_KEY is missing")
        if not self.id_hash_key:
            problems.append(
                "SALDO_ID_HASH_KEY is missing: derived from SECRET_KEY, a key rotation would "
                "make every debtor unfindable by national id"
            )
        problems += self._link_key_problems()
        if self.argon2_cheap:
            problems.append("SALDO_ARGON2_CHEAP is on: passwords would be hashed weakly")
        if not self.session_cookie_secure:
            problems.append("SALDO_SESSION_COOKIE_SECURE is off: cookies would go over http")
        return problems

    def _link_key_problems(self) -> list[str]:
        keys = [self.link_key, *self.previous_link_keys]
        if not self.link_key:
            return [
                "SALDO_LINK_KEY is missing: letter login codes would be keyed with SECRET_KEY "
                "and a key rotation would break the codes on letters in circulation"
            ]
        if any(key in (DEMO_SECRET, self.secret_key) for key in keys):
            return ["SALDO_LINK_KEY (or a previous one) is the demo default or SECRET_KEY"]
        if len(self.link_key) < 32:
            return ["SALDO_LINK_KEY is shorter than 32 characters"]
        return []

    @property
    def previous_link_keys(self) -> tuple[str, ...]:
        return tuple(k.strip() for k in self.link_keys_previous.split(",") if k.strip())

    @property
    def link_signing_keys(self) -> tuple[bytes, ...]:
        """The current link key first (new values), then the previous ones (accepted only).

        Without SALDO_LINK_KEY the key is derived from secret_key exactly as before the link
        key existed, so `login-code:<SECRET_KEY>` as a previous key keeps old codes working."""
        current = self.link_key or f"login-code:{self.secret_key}"
        keys = [current, *(k for k in self.previous_link_keys if k != current)]
        return tuple(key.encode() for key in keys)

    @property
    def effective_payment_provider(self) -> str:
        """The provider online payments use, or "" when none is available."""
        if self.payment_provider:
            return self.payment_provider
        if self.stripe_secret_key:
            return "stripe"
        return "sandbox" if self.demo else ""

    @property
    def effective_data_dir(self) -> Path:
        return Path(self.data_dir) if self.data_dir else INSTANCE_DIR / "data"

    @property
    def effective_finance_dir(self) -> Path:
        return Path(self.finance_dir) if self.finance_dir else self.effective_data_dir / "finance"

    @property
    def effective_id_hash_key(self) -> bytes:
        return (self.id_hash_key or f"id-hash:{self.secret_key}").encode()

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)
