"""The early-signalling rules: a pure function over a debtor's facts and the pack's thresholds."""

from __future__ import annotations

from datetime import date
from datetime import timedelta

import pytest

from portal.domain.early_signals import LARGE_DEBT_NO_CONTACT
from portal.domain.early_signals import RULE_REASONS
from portal.domain.early_signals import SEVERAL_ARREARS
from portal.domain.early_signals import DebtorFacts
from portal.domain.early_signals import OverdueClaim
from portal.domain.early_signals import signals_for
from portal.domain.rules import RULE_PACKS
from portal.domain.rules.signal_rules import EXAMPLE
from portal.domain.rules.signal_rules import SIGNAL_RULES
from portal.domain.rules.signal_rules import SignalRules
from portal.domain.rules.signal_rules import signal_rules_for
from portal.services.signals import SIGNAL_REASONS

AS_OF = date(2026, 11, 23)
RULES = SignalRules(
    min_overdue_claims=2,
    overdue_grace_days=14,
    large_debt=100_000,
    no_contact_days=60,
    cooldown_days=90,
    sources={
        name: EXAMPLE
        for name in (
            "min_overdue_claims",
            "overdue_grace_days",
            "large_debt",
            "no_contact_days",
            "cooldown_days",
        )
    },
)


def _claim(days_overdue: int, balance: int = 10_000) -> OverdueClaim:
    return OverdueClaim(AS_OF - timedelta(days=days_overdue), balance)


def _facts(*claims: OverdueClaim, **kw: object) -> DebtorFacts:
    return DebtorFacts(1, tuple(claims), **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ((), frozenset()),
        ((_claim(30),), frozenset()),
        ((_claim(30), _claim(15)), frozenset({SEVERAL_ARREARS})),
        # 14 days after the due date is still within the grace period
        ((_claim(30), _claim(14)), frozenset()),
        ((_claim(30), _claim(20, balance=0)), frozenset()),
        ((_claim(59, balance=100_000),), frozenset()),
        ((_claim(60, balance=100_000),), frozenset({LARGE_DEBT_NO_CONTACT})),
        ((_claim(60, balance=99_999),), frozenset()),
        (
            (_claim(90, balance=60_000), _claim(70, balance=40_000)),
            frozenset({SEVERAL_ARREARS, LARGE_DEBT_NO_CONTACT}),
        ),
    ],
)
def test_the_rules_raise_the_expected_reasons(
    claims: tuple[OverdueClaim, ...], expected: frozenset[str]
) -> None:
    assert signals_for(_facts(*claims), RULES, AS_OF) == expected


def test_recent_contact_keeps_a_large_debt_off_the_list() -> None:
    big = _claim(200, balance=500_000)
    assert signals_for(_facts(big, last_contact_on=AS_OF - timedelta(days=59)), RULES, AS_OF) == (
        frozenset()
    )
    assert signals_for(
        _facts(big, last_contact_on=AS_OF - timedelta(days=60)), RULES, AS_OF
    ) == frozenset({LARGE_DEBT_NO_CONTACT})


def test_a_reason_closed_recently_is_not_raised_again_until_the_cooldown_ends() -> None:
    claims = (_claim(30), _claim(40))
    recent = _facts(*claims, last_closed_on={SEVERAL_ARREARS: AS_OF - timedelta(days=89)})
    over = _facts(*claims, last_closed_on={SEVERAL_ARREARS: AS_OF - timedelta(days=90)})
    assert signals_for(recent, RULES, AS_OF) == frozenset()
    assert signals_for(over, RULES, AS_OF) == frozenset({SEVERAL_ARREARS})


def test_every_rule_pack_has_thresholds_with_a_source_for_each_number() -> None:
    assert set(SIGNAL_RULES) == set(RULE_PACKS)
    for code in RULE_PACKS:
        rules = signal_rules_for(code.upper())
        assert all(value.strip() for value in rules.sources.values())


def test_thresholds_without_a_source_or_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="no source"):
        SignalRules(
            min_overdue_claims=2,
            overdue_grace_days=1,
            large_debt=1,
            no_contact_days=1,
            cooldown_days=1,
            sources={},
        )
    with pytest.raises(ValueError, match="at least 1"):
        SignalRules(
            min_overdue_claims=0,
            overdue_grace_days=1,
            large_debt=1,
            no_contact_days=1,
            cooldown_days=1,
            sources=RULES.sources,
        )


def test_the_rule_reasons_are_known_signal_reasons() -> None:
    assert set(RULE_REASONS) <= SIGNAL_REASONS
