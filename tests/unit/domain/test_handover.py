"""Hand-over eligibility: ONE pure function (decisions.md; domain-rules.md §2.5 [GIL] § 2)."""

from __future__ import annotations

import dataclasses
from datetime import date
from datetime import timedelta
from typing import Any

import pytest

from portal.domain.handover import Eligibility
from portal.domain.handover import HandoverBlock
from portal.domain.handover import HandoverFacts
from portal.domain.handover import handover_eligible
from portal.domain.rules import get_rule_pack
from portal.domain.rules.dunning_tables import dunning_table

AS_OF = date(2026, 6, 1)
NOTICE_DAYS = {"dk": 14, "nl": 14, "be": 14}
REQUIRED_REMINDERS = {"dk": 1, "nl": 1, "be": 2}


def ready(country: str, **changes: Any) -> HandoverFacts:
    """A claim that passes every check in `country`."""
    base = HandoverFacts(
        balance=50_000,
        reminders_sent=REQUIRED_REMINDERS[country],
        prior_notice_sent_on=AS_OF - timedelta(days=NOTICE_DAYS[country]),
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize("country", ["dk", "nl", "be"])
def test_a_claim_that_passes_every_check_is_eligible(country: str) -> None:
    assert handover_eligible(ready(country), country, AS_OF) == Eligibility(True, ())


@pytest.mark.parametrize("country", ["dk", "nl", "be"])
@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"reminders_sent": 0}, HandoverBlock.REMINDERS_NOT_RUN),
        ({"prior_notice_sent_on": None}, HandoverBlock.NO_PRIOR_NOTICE),
        (
            {"prior_notice_sent_on": AS_OF - timedelta(days=13)},
            HandoverBlock.PRIOR_NOTICE_TOO_RECENT,
        ),
        (
            {"prior_notice_sent_on": AS_OF + timedelta(days=1)},
            HandoverBlock.PRIOR_NOTICE_TOO_RECENT,
        ),
        ({"on_hold": True}, HandoverBlock.ON_HOLD),
        ({"open_signal": True}, HandoverBlock.OPEN_SIGNAL),
        ({"handed_over": True}, HandoverBlock.HANDED_OVER),
        ({"cancelled": True}, HandoverBlock.CANCELLED),
        ({"balance": 0}, HandoverBlock.ZERO_BALANCE),
    ],
)
def test_each_failed_condition_is_named(
    country: str, changes: dict[str, Any], reason: HandoverBlock
) -> None:
    result = handover_eligible(ready(country, **changes), country, AS_OF)
    assert result == Eligibility(False, (reason,))


def test_be_needs_the_free_reminder_and_the_aanmaning() -> None:
    result = handover_eligible(ready("be", reminders_sent=1), "be", AS_OF)
    assert result.reasons == (HandoverBlock.REMINDERS_NOT_RUN,)


@pytest.mark.parametrize(("balance", "eligible"), [(9_999, False), (10_000, True)])
def test_dk_needs_at_least_100_kr(balance: int, eligible: bool) -> None:
    result = handover_eligible(ready("dk", balance=balance), "dk", AS_OF)
    assert result.eligible is eligible
    assert result.reasons == (() if eligible else (HandoverBlock.BELOW_MINIMUM,))


@pytest.mark.parametrize("country", ["nl", "be"])
def test_nl_and_be_hand_over_any_positive_balance(country: str) -> None:
    assert handover_eligible(ready(country, balance=1), country, AS_OF).eligible


def test_dk_keeps_preferential_claims() -> None:
    result = handover_eligible(ready("dk", preferential=True), "dk", AS_OF)
    assert result == Eligibility(False, (HandoverBlock.PREFERENTIAL,))


@pytest.mark.parametrize("country", ["nl", "be"])
def test_preferential_does_not_block_outside_denmark(country: str) -> None:
    assert handover_eligible(ready(country, preferential=True), country, AS_OF).eligible


def test_dk_pack_property_tax_is_preferential_and_stays_with_the_kommune() -> None:
    spec = get_rule_pack("dk").claim_type("property_tax")
    result = handover_eligible(ready("dk", preferential=spec.preferential), "dk", AS_OF)
    assert HandoverBlock.PREFERENTIAL in result.reasons


def test_every_failed_condition_is_reported_at_once() -> None:
    facts = HandoverFacts(
        balance=5_000,
        reminders_sent=0,
        prior_notice_sent_on=None,
        on_hold=True,
        open_signal=True,
        handed_over=True,
        cancelled=True,
        preferential=True,
    )
    result = handover_eligible(facts, "dk", AS_OF)
    assert not result.eligible
    assert set(result.reasons) == set(HandoverBlock) - {
        HandoverBlock.PRIOR_NOTICE_TOO_RECENT,
        HandoverBlock.ZERO_BALANCE,
    }


def test_the_prior_notice_wait_comes_from_the_table() -> None:
    for country, days in NOTICE_DAYS.items():
        assert dunning_table(country, AS_OF).handover_prior_notice_days.value == days


@pytest.mark.parametrize("changes", [{"balance": -1}, {"reminders_sent": -1}])
def test_negative_facts_are_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="never negative"):
        ready("dk", **changes)
