"""All models, imported here so Alembic and the app see one metadata."""

from portal.models.api import ApiToken
from portal.models.appointments import Appointment as Appointment
from portal.models.appointments import AppointmentSlot as AppointmentSlot
from portal.models.appointments import CallbackRequest as CallbackRequest
from portal.models.appointments import Feedback as Feedback
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
from portal.models.contact import ContactNote
from portal.models.contact import Referral
from portal.models.debtor import Debtor
from portal.models.debtor import DebtorAccountEntry
from portal.models.debtor import DemoPersona
from portal.models.direct_debit import BetalingsserviceAgreement as BetalingsserviceAgreement
from portal.models.direct_debit import DirectDebitCollection as DirectDebitCollection
from portal.models.direct_debit import DirectDebitNotice as DirectDebitNotice
from portal.models.direct_debit import Mandate as Mandate
from portal.models.dispute import Dispute
from portal.models.dunning import InterestAccrual as InterestAccrual
from portal.models.dunning import ReminderRecord as ReminderRecord
from portal.models.handover import HandoverRecord as HandoverRecord
from portal.models.letters import Letter
from portal.models.organisation import ClaimType
from portal.models.organisation import Department
from portal.models.overview_document import OverviewDocument
from portal.models.overview_document import ShareLink
from portal.models.overview_document import ShareLinkView
from portal.models.payment import Payment
from portal.models.payment import PaymentLink
from portal.models.plan import HouseholdStatementRecord
from portal.models.plan import Plan
from portal.models.plan import PlanClaim
from portal.models.plan import PlanInstallment
from portal.models.refund import Refund as Refund
from portal.models.refund import RefundExport as RefundExport
from portal.models.remission import RemissionApplication
from portal.models.remission import RemissionClaim
from portal.models.remission import RemissionEvidence
from portal.models.representation import Representation as Representation
from portal.models.social_status import SocialStatus as SocialStatus
from portal.models.social_status import SocialStatusRight as SocialStatusRight
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
    "ContactNote",
    "Debtor",
    "Dispute",
    "DebtorAccountEntry",
    "DemoPersona",
    "Department",
    "HouseholdStatementRecord",
    "LedgerEntry",
    "Letter",
    "LoginCode",
    "OverviewDocument",
    "Payment",
    "PaymentLink",
    "Plan",
    "PlanClaim",
    "PlanInstallment",
    "ProviderEvent",
    "RemissionApplication",
    "RemissionClaim",
    "RemissionEvidence",
    "Referral",
    "Signal",
    "StaffUser",
    "ShareLink",
    "ShareLinkView",
    "SuppressedCharge",
    "ThrottleEvent",
    "WorkItem",
]
