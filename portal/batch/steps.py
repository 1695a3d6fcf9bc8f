"""The batch steps in the order they run. Register a step with ONE line in the list below.

Order matters: plan and remission checks first (they end or place holds that dunning and
interest ask about), then the money steps — interest before dunning, so the balance the
dunning step compares with the minimum already holds today's interest and a second run the
same day finds nothing new — then early signals (they block hand-over), then
the limitation and hand-over lists, and the letters last (slow PDF work, kept apart so the
money batch stays fast).
"""

from __future__ import annotations

from portal.batch.base import BatchStep
from portal.services import remission_batch
from portal.services.appointments import send_appointment_reminders
from portal.services.direct_debit_batch import run_direct_debit_collection
from portal.services.dunning_batch import run_dunning
from portal.services.early_signals import raise_early_signals
from portal.services.finance_batch import write_finance_exports
from portal.services.interest_batch import run_interest
from portal.services.letter_batch import deliver_reminder_letters
from portal.services.letter_batch import run_reminder_letters
from portal.services.limitation_batch import run_limitation_checks
from portal.services.plan_batch import deliver_plan_letters
from portal.services.plan_batch import run_plan_checks
from portal.services.retention import anonymise_expired

BATCH_STEPS: list[BatchStep] = [
    BatchStep("plan_checks", run_plan_checks),
    BatchStep("remission_checks", remission_batch.run_remission_checks),
    BatchStep("direct_debit", run_direct_debit_collection, money=True),
    BatchStep(
        "interest",
        run_interest,
        money=True,
        writes=("ledger_entry", "claim"),
        written_by=("accrued", "suppressed"),
    ),
    BatchStep(
        "dunning",
        run_dunning,
        money=True,
        writes=("reminder_record", "suppressed_charge", "ledger_entry", "claim"),
        written_by=("reminders", "fees_charged", "fees_suppressed"),
    ),
    BatchStep(
        "early_signals",
        raise_early_signals,
        writes=("signal",),
        written_by=("several_arrears", "large_debt_no_contact"),
    ),
    BatchStep("limitation", run_limitation_checks),
    BatchStep("finance_exports", write_finance_exports),
    BatchStep("retention", anonymise_expired),
    BatchStep("appointment_reminders", send_appointment_reminders),
    BatchStep("plan_letter_delivery", deliver_plan_letters),
    BatchStep("remission_letter_delivery", remission_batch.deliver_remission_letters),
    BatchStep("letters", run_reminder_letters),
    BatchStep("letter_delivery", deliver_reminder_letters),
]
