"""Early-signalling thresholds per rule pack (vroegsignalering / tidlig opsporing / vroegdetectie).

decisions.md "Money and rules": every number carries its source or is marked "example — set by
the municipality". No law fixes these numbers for a municipality's own claims, so each one is an
example that the municipality sets in its own policy; the `sources` say where the idea comes
from. Amounts are minor units of the pack's currency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from types import MappingProxyType

EXAMPLE = "example — set by the municipality"


@dataclass(frozen=True, kw_only=True)
class SignalRules:
    """When a debtor goes on the early-signalling worklist."""

    #: several arrears: this many claims past their due date (and not paused) at once
    min_overdue_claims: int
    #: a claim counts as overdue this many days after its due date (post and bank delays)
    overdue_grace_days: int
    #: large debt: at least this much overdue (minor units) ...
    large_debt: int
    #: ... and no logged contact for this many days (counted from the oldest overdue due date
    #: when there never was any contact)
    no_contact_days: int
    #: a signal with the same reason closed less than this many days ago is not raised again,
    #: so a debtor who was called last week is not put back on the list every night
    cooldown_days: int
    #: where each number comes from (field name -> source or EXAMPLE)
    sources: Mapping[str, str] = field(hash=False)

    def __post_init__(self) -> None:
        if self.min_overdue_claims < 1:
            raise ValueError("min_overdue_claims must be at least 1")
        for name in ("overdue_grace_days", "large_debt", "no_contact_days", "cooldown_days"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        numbers = {
            "min_overdue_claims",
            "overdue_grace_days",
            "large_debt",
            "no_contact_days",
            "cooldown_days",
        }
        missing = numbers - set(self.sources)
        if missing:
            raise ValueError(f"no source for {', '.join(sorted(missing))}")


NL = SignalRules(
    min_overdue_claims=2,
    overdue_grace_days=14,
    large_debt=100_000,  # € 1,000
    no_contact_days=60,
    cooldown_days=90,
    sources=MappingProxyType(
        {
            "min_overdue_claims": EXAMPLE
            + " (Wgs art. 3 lets the municipality act on payment arrears; the count is local)",
            "overdue_grace_days": EXAMPLE,
            "large_debt": EXAMPLE,
            "no_contact_days": EXAMPLE,
            "cooldown_days": EXAMPLE,
        }
    ),
)

DK = SignalRules(
    min_overdue_claims=2,
    overdue_grace_days=10,
    large_debt=750_000,  # 7,500 kr
    no_contact_days=60,
    cooldown_days=90,
    sources=MappingProxyType(
        {
            "min_overdue_claims": EXAMPLE,
            "overdue_grace_days": EXAMPLE,
            "large_debt": EXAMPLE,
            "no_contact_days": EXAMPLE,
            "cooldown_days": EXAMPLE,
        }
    ),
)

BE = SignalRules(
    min_overdue_claims=2,
    overdue_grace_days=15,
    large_debt=100_000,  # € 1,000
    no_contact_days=60,
    cooldown_days=90,
    sources=MappingProxyType(
        {
            "min_overdue_claims": EXAMPLE,
            "overdue_grace_days": EXAMPLE,
            "large_debt": EXAMPLE,
            "no_contact_days": EXAMPLE,
            "cooldown_days": EXAMPLE,
        }
    ),
)

#: keyed by rule pack code (RulePack.code)
SIGNAL_RULES: Mapping[str, SignalRules] = MappingProxyType({"nl": NL, "dk": DK, "be": BE})


def signal_rules_for(pack_code: str) -> SignalRules:
    """The thresholds for a rule pack code ("nl", "dk", "be"); KeyError for an unknown one."""
    return SIGNAL_RULES[pack_code.strip().lower()]
