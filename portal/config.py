"""Settings from environment variables, with safe defaults, checked at startup.

Everything an installation may change lives here (municipality, payee account, rule pack,
secrets). Country rules (fees, references, plan policy) are code-as-data in
`portal.domain.rules`, chosen by `PORTAL_RULES`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from dataclasses import replace
from pathlib import Path
from typing import Any

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
DEMO_SECRET = "demo-only-secret-key-not-for-production"  # noqa: S105 - refused outside demo
SUPPORTED_RULES = ("dk", "nl", "be")
SUPPORTED_LOCALES = ("da", "nl", "en")


class ConfigError(RuntimeError):
    """The configuration cannot run safely; the message says which variable to set."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


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
    testing: bool = False
    municipality_name: str = "Gemeente Voorbeeld"
    payee_name: str = "Gemeente Voorbeeld"
    payee_iban: str = "NL91ABNA0417164300"
    payee_bic: str = "ABNANL2A"
    #: Danish FI creditor number (8 digits, starts with 8) for FIK code lines
    fik_creditor_number: str = "81234567"
    contact_phone: str = "14 020"
    contact_email: str = "invordering@voorbeeld.example"
    contact_address: str = "Stadhuisplein 1, 1234 AB Voorbeeld"
    desk_hours: str = "Mon-Fri 09:00-16:00"
    debt_help_url: str = "https://www.voorbeeld.example/schuldhulp"
    #: key for the keyed hash of national ids (lookup); defaults to a key derived from secret_key
    id_hash_key: str = ""
    #: Fernet key (urlsafe base64, 32 bytes) for the encrypted copy of national ids
    id_encryption_key: str = ""
    #: OpenID Connect (DigiD / MitID / itsme through a broker)
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    #: ID-token claim that carries the national id (bsn, cpr, rrn, ...)
    oidc_national_id_claim: str = "bsn"
    #: how long a one-time login code printed on a letter stays valid
    login_code_days: int = 60
    #: a payment link stays valid until the due date plus this many days
    payment_link_grace_days: int = 30
    #: letter delivery adapter: console (demo) or smtp
    letter_delivery: str = "console"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "noreply@voorbeeld.example"
    #: cheap argon2 parameters make the test suite fast; never set in production
    argon2_cheap: bool = False
    session_cookie_secure: bool = True
    #: online payments: "stripe", "sandbox" (demo only) or "" (stripe when a key is set,
    #: else sandbox in demo mode, else no online payment)
    payment_provider: str = ""
    stripe_secret_key: str = ""
    #: webhook signing secrets, comma-separated: several are accepted during a rotation
    stripe_webhook_secrets: str = ""
    #: tests point the Stripe client at a fake API on 127.0.0.1; empty = Stripe itself
    stripe_api_base: str = ""
    #: where citizens reach the portal (Stripe return URLs, payment links on letters)
    public_base_url: str = "http://127.0.0.1:5000"
    #: department API: requests per token per minute (database throttle)
    api_rate_limit_per_minute: int = 600
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name == "extra":
                continue
            key = "SECRET_KEY" if f.name == "secret_key" else None
            key = key or ("DATABASE_URL" if f.name == "database_url" else None)
            key = key or ("PORTAL_RULES" if f.name == "rules" else f"SALDO_{f.name.upper()}")
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
        if self.rules not in SUPPORTED_RULES:
            raise ConfigError(f"PORTAL_RULES must be one of {', '.join(SUPPORTED_RULES)}")
        if not (self.demo or self.testing) and self.secret_key == DEMO_SECRET:
            raise ConfigError("SECRET_KEY must be set outside demo and test mode")
        if not (self.demo or self.testing) and not self.id_encryption_key:
            raise ConfigError("SALDO_ID_ENCRYPTION_KEY must be set outside demo and test mode")
        if self.payment_provider not in ("", "stripe", "sandbox"):
            raise ConfigError("SALDO_PAYMENT_PROVIDER must be stripe, sandbox or empty")
        if self.payment_provider == "sandbox" and not self.demo:
            raise ConfigError("the sandbox payment provider is for demo mode only")
        if self.payment_provider == "stripe" and not self.stripe_secret_key:
            raise ConfigError("SALDO_STRIPE_SECRET_KEY must be set for the stripe provider")
        return self

    @property
    def effective_payment_provider(self) -> str:
        """The provider online payments use, or "" when none is available."""
        if self.payment_provider:
            return self.payment_provider
        if self.stripe_secret_key:
            return "stripe"
        return "sandbox" if self.demo else ""

    @property
    def effective_id_hash_key(self) -> bytes:
        return (self.id_hash_key or f"id-hash:{self.secret_key}").encode()

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)
