"""All models, imported here so Alembic and the app see one metadata."""

from portal.models.api import ApiToken
from portal.models.audit import AuditEvent
from portal.models.auth import LoginCode
from portal.models.auth import ThrottleEvent
from portal.models.bank import BankEntry
from portal.models.bank import BankStatement
from portal.models.base import Base
from portal.models.checkout import CheckoutAttempt
from portal.models.checkout import ProviderEvent
from portal.models.claim import Claim
from portal.models.claim import LedgerEntry
from portal.models.debtor import Debtor
from portal.models.debtor import DebtorAccountEntry
from portal.models.debtor import DemoPersona
from portal.models.letters import Letter
from portal.models.organisation import ClaimType
from portal.models.organisation import Department
from portal.models.overview_document import OverviewDocument
from portal.models.overview_document import ShareLink
from portal.models.overview_document import ShareLinkView
from portal.models.payment import Payment
from portal.models.payment import PaymentLink
from portal.models.staff import StaffUser
from portal.models.work import CollectionHold
from portal.models.work import Signal
from portal.models.work import SuppressedCharge
from portal.models.work import WorkItem

__all__ = [
    "ApiToken",
    "AuditEvent",
    "BankEntry",
    "BankStatement",
    "Base",
    "CheckoutAttempt",
    "Claim",
    "ClaimType",
    "CollectionHold",
    "Debtor",
    "DebtorAccountEntry",
    "DemoPersona",
    "Department",
    "LedgerEntry",
    "Letter",
    "LoginCode",
    "OverviewDocument",
    "Payment",
    "PaymentLink",
    "ProviderEvent",
    "Signal",
    "StaffUser",
    "ShareLink",
    "ShareLinkView",
    "SuppressedCharge",
    "ThrottleEvent",
    "WorkItem",
]
