"""Dated dunning tables per rule pack: reminder fees, spacing, counts and hand-over numbers.

Kept apart from the pack modules (dk.py, nl.py, be.py) on purpose, keyed by the pack code.
decisions.md "Money and rules": every number carries its source (keys resolve in
domain-rules.md §6) or is marked "example — set by the municipality"; every table is dated.
⚠ marks an item that domain-rules.md does not verify (memory, inference or another source).
All amounts are integer minor units (cents, øre).

One source read for this module that domain-rules.md §6 does not list yet:
- [BIK] Besluit vergoeding voor buitengerechtelijke incassokosten (BWBR0031432) art. 2, read in
  github.com/statengeneraal/laws-markdown → `AMvB/besluit/vergoeding/voor/buitengerechtelijke/
  incassokosten/BWBR0031432/README.md`: the WIK scale below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from enum import StrEnum
from types import MappingProxyType

EXAMPLE = "example — set by the municipality"


class FeeRegime(StrEnum):
    """Which reminder-fee law applies: chosen by country, legal basis and execution right."""

    DK_EXECUTION = "dk_execution"  # udpantningsret: gebyrloven § 2 [GBL]
    DK_PRIVATE = "dk_private"  # renteloven § 9 b [RL]
    DK_NO_FEE = "dk_no_fee"  # public law without udpantningsret: no fee basis found ⚠
    NL_TAX = "nl_tax"  # Kostenwet aanmaning via Gemeentewet art. 231 [KW-MvT]
    NL_PRIVATE = "nl_private"  # free 14-day letter, then the WIK scale (decisions.md, [BIK])
    NL_NO_FEE = "nl_no_fee"  # public law, not a tax: free reminders (example)
    BE_XIX = "be_xix"  # retributies under WER Boek XIX [GENT2], [XIX]
    BE_NO_FEE = "be_no_fee"  # taxes and fines: outside Boek XIX, no fee beyond the law [GENT2]


@dataclass(frozen=True)
class Figure:
    """One number and where it comes from."""

    value: int
    source: str

    def __post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, int) or self.value < 0:
            raise ValueError("a figure is a whole number >= 0")
        if not self.source.strip():
            raise ValueError("every figure names its source")


@dataclass(frozen=True)
class Band:
    """A marginal band: `rate_bp` basis points (1/100 %) of the part of an amount in the band.

    `width` is None for the open top band.
    """

    width: int | None
    rate_bp: int


@dataclass(frozen=True)
class RegimeTable:
    """Reminder numbers for one fee regime in one pack."""

    #: No reminder after this many.
    max_reminders: Figure
    #: The first `free_reminders` reminders carry no fee.
    free_reminders: Figure
    #: Fee per paid reminder (0 where the regime computes it, e.g. WIK or the Kostenwet bands).
    fee: Figure
    #: The legal maximum per reminder, or None when the law caps the total instead.
    cap: Figure | None = None


@dataclass(frozen=True, kw_only=True)
class DunningTable:
    """Everything dunning and hand-over need for one pack, valid from `valid_from`."""

    pack_code: str
    valid_from: date
    valid_from_source: str
    #: The first reminder is due this many days after the due date.
    first_reminder_after_days: Figure
    #: Later reminders: at least this many calendar days after the previous one.
    min_gap_days: Figure
    #: BE Boek XIX: costs only after `notice_days` calendar days counted from the
    #: `posting_working_days`-th working day after posting (0 and 0 where no such rule).
    posting_working_days: Figure
    notice_days: Figure
    regimes: Mapping[FeeRegime, RegimeTable] = field(hash=False)
    #: Hand-over to the collector (handover.py).
    handover_required_reminders: Figure
    handover_prior_notice_days: Figure
    handover_minimum_balance: Figure
    #: DK: fortrinsberettigede claims stay with the municipality [GIL] (lov nr. 114/2017).
    handover_excludes_preferential: bool

    def regime(self, regime: FeeRegime) -> RegimeTable:
        try:
            return self.regimes[regime]
        except KeyError:
            raise NoDunningTable(f"{self.pack_code}: no table for {regime}") from None


class NoDunningTable(LookupError):
    """No table for this pack, regime or date."""


# -- laws that are the same for every municipality --------------------------------------------

#: DK udpantningsret: at most 250 kr per reminder, gebyrloven § 2 stk. 2–3 ✔ [GBL].
DK_EXECUTION_CAP = Figure(25_000, "[GBL] § 2 stk. 2-3: at most 250 kr per reminder")
#: DK private law: at most 100 kr per reminder, at most 3, ≥ 10 days apart ✔ [RL] § 9 b.
DK_PRIVATE_CAP = Figure(10_000, "[RL] renteloven § 9 b: at most 100 kr per reminder")
DK_PRIVATE_MAX = Figure(3, "[RL] renteloven § 9 b: at most 3 reminders")
DK_PRIVATE_GAP = Figure(10, "[RL] renteloven § 9 b: at least 10 days apart")

#: NL Kostenwet aanmaning, 2022 amounts ✔ [DCN]; indexed yearly (KW art. 8) — the 2023+
#: aanmaning amounts were not found ⚠ (domain-rules.md §1.3, §7).
NL_AANMANING_THRESHOLD = Figure(45_400, "[DCN] 2022: claim < €454 / ≥ €454 (indexed yearly)")
NL_AANMANING_LOW = Figure(800, "[DCN] 2022: aanmaning €8 for a claim below €454")
NL_AANMANING_HIGH = Figure(1_800, "[DCN] 2022: aanmaning €18 for a claim from €454")

#: WIK scale ✔ [BIK] art. 2 lid 1-2 (in force since 1 July 2012; amounts not indexed).
WIK_BANDS: tuple[Band, ...] = (
    Band(250_000, 1_500),  # 15 % of the first €2,500
    Band(250_000, 1_000),  # 10 % of the next €2,500
    Band(500_000, 500),  # 5 % of the next €5,000
    Band(19_000_000, 100),  # 1 % of the next €190,000
    Band(None, 50),  # 0.5 % above
)
WIK_MINIMUM = Figure(4_000, "[BIK] art. 2 lid 2: at least €40")
WIK_MAXIMUM = Figure(677_500, "[BIK] art. 2 lid 1: at most €6,775")

#: BE Boek XIX lump-sum damages cap ✔ [XIX] (from 1 Sep 2023; domain-rules.md §3.2).
XIX_LOW_LIMIT = Figure(15_000, "[XIX] band limit €150")
XIX_LOW_AMOUNT = Figure(2_000, "[XIX] ≤ €150 → €20")
XIX_MID_LIMIT = Figure(50_000, "[XIX] band limit €500")
XIX_MID_BASE = Figure(3_000, "[XIX] €150.01-500 → €30 + 10 % above €150")
XIX_MID_RATE_BP = Figure(1_000, "[XIX] 10 % of the part above €150")
XIX_HIGH_BASE = Figure(6_500, "[XIX] > €500 → €65 + 5 % above €500")
XIX_HIGH_RATE_BP = Figure(500, "[XIX] 5 % of the part above €500")
XIX_MAXIMUM = Figure(200_000, "[XIX] at most €2,000")

#: DK gebyrloven interest: 1 % per started month from the due date ✔ [GBL] § 3, [RES].
DK_INTEREST_BP_PER_STARTED_MONTH = Figure(100, "[GBL] § 3, [RES]: 1 % per started month")

#: DK transfer to Gældsstyrelsen needs ≥ 100 kr incl. interest and fees ✔ [GIL] § 2.
DK_HANDOVER_MINIMUM = Figure(10_000, "[GIL] § 2: at least 100 kr incl. interest and fees")


def _frozen(mapping: dict[FeeRegime, RegimeTable]) -> Mapping[FeeRegime, RegimeTable]:
    return MappingProxyType(mapping)


_FIRST_AFTER = Figure(7, EXAMPLE)
_NOTICE = Figure(14, f"[GIL] § 2 stk. 4 (DK) prior written notice; days: {EXAMPLE}")
_NONE = Figure(0, "no such rule")

DK_TABLE = DunningTable(
    pack_code="dk",
    # ⚠ 250 kr applies since 1997 [GBL]; this is the date from which Saldo uses the table.
    valid_from=date(2024, 1, 1),
    valid_from_source=f"⚠ [GBL] 250 kr since 1997; start date {EXAMPLE}",
    first_reminder_after_days=_FIRST_AFTER,
    # [RL] § 9 b for private law; used for udpantningsret claims too (no rule found ⚠).
    min_gap_days=DK_PRIVATE_GAP,
    posting_working_days=_NONE,
    notice_days=_NONE,
    regimes=_frozen(
        {
            FeeRegime.DK_EXECUTION: RegimeTable(
                # ⚠ domain-rules.md §2.1: no cap on the count found; 3 is an example.
                max_reminders=Figure(3, f"⚠ no cap found in [GBL]; {EXAMPLE}"),
                free_reminders=Figure(0, EXAMPLE),
                fee=Figure(25_000, f"≤ 250 kr [GBL] § 2; {EXAMPLE}"),
                cap=DK_EXECUTION_CAP,
            ),
            FeeRegime.DK_PRIVATE: RegimeTable(
                max_reminders=DK_PRIVATE_MAX,
                free_reminders=Figure(0, EXAMPLE),
                fee=Figure(10_000, f"≤ 100 kr [RL] § 9 b; {EXAMPLE}"),
                cap=DK_PRIVATE_CAP,
            ),
            FeeRegime.DK_NO_FEE: RegimeTable(
                max_reminders=Figure(3, EXAMPLE),
                free_reminders=Figure(0, EXAMPLE),
                # ⚠ [RL] § 9 b does not cover public-law claims and [GBL] § 2 needs
                # udpantningsret: no basis for a fee was found.
                fee=Figure(0, "⚠ no fee basis found for public law without udpantningsret"),
                cap=Figure(0, "⚠ no fee basis found"),
            ),
        }
    ),
    handover_required_reminders=Figure(1, f"[GIL] § 2 stk. 3 usual reminder procedure; {EXAMPLE}"),
    handover_prior_notice_days=_NOTICE,
    handover_minimum_balance=DK_HANDOVER_MINIMUM,
    handover_excludes_preferential=True,
)

NL_TABLE = DunningTable(
    pack_code="nl",
    valid_from=date(2022, 1, 1),
    valid_from_source="[DCN] Kostenwet 2022 amounts (indexed yearly, KW art. 8; 2023+ ⚠)",
    first_reminder_after_days=_FIRST_AFTER,
    # [S13] after an aanmaning: pay within 14 days; the 14-day letter of decisions.md.
    # Counted as whole days between letter dates (⚠ a municipality reading "14 days from
    # the day after the letter" sets 15).
    min_gap_days=Figure(14, "[S13] pay within 14 days after an aanmaning; decisions.md"),
    posting_working_days=_NONE,
    notice_days=_NONE,
    regimes=_frozen(
        {
            FeeRegime.NL_TAX: RegimeTable(
                # ⚠ one aanmaning, then the dwangbevel (Invorderingswet art. 11-12, not read).
                max_reminders=Figure(1, f"⚠ one aanmaning before the dwangbevel; {EXAMPLE}"),
                free_reminders=Figure(
                    0, f"⚠ a free herinnering first is Leidraad policy; {EXAMPLE}"
                ),
                fee=Figure(0, "computed: NL_AANMANING_LOW / NL_AANMANING_HIGH [DCN]"),
            ),
            FeeRegime.NL_PRIVATE: RegimeTable(
                max_reminders=Figure(2, f"14-day letter, then one WIK letter; {EXAMPLE}"),
                free_reminders=Figure(1, "decisions.md: a free 14-day letter first"),
                fee=Figure(0, "computed: WIK scale [BIK], charged once in total"),
            ),
            FeeRegime.NL_NO_FEE: RegimeTable(
                max_reminders=Figure(2, EXAMPLE),
                free_reminders=Figure(2, EXAMPLE),
                fee=Figure(0, EXAMPLE),
                cap=Figure(0, EXAMPLE),
            ),
        }
    ),
    handover_required_reminders=Figure(1, f"⚠ aanmaning before dwangbevel; {EXAMPLE}"),
    handover_prior_notice_days=Figure(14, f"[S13] 14-day term after the aanmaning; {EXAMPLE}"),
    handover_minimum_balance=Figure(1, "balance > 0"),
    handover_excludes_preferential=False,
)

BE_TABLE = DunningTable(
    pack_code="be",
    valid_from=date(2023, 9, 1),
    valid_from_source="[XIX] WER Boek XIX in force from 1 Sep 2023",
    first_reminder_after_days=_FIRST_AFTER,
    # [XIX]: costs only after 14 calendar days counted from the 3rd working day after posting.
    # 17 = 14 + 3 is the floor; dunning.py also checks the working days (weekends) exactly.
    min_gap_days=Figure(17, "[XIX] 14 calendar days + 3 working days for posting"),
    posting_working_days=Figure(3, "[XIX] counted from the 3rd working day after posting"),
    notice_days=Figure(14, "[XIX] 14 calendar days"),
    regimes=_frozen(
        {
            FeeRegime.BE_XIX: RegimeTable(
                max_reminders=Figure(2, "[GENT1] free reminder, then the aanmaning, then bailiff"),
                free_reminders=Figure(1, "[XIX], [GENT1]: the first reminder is free"),
                # Where the retributie regulation provides it; set 0 where it does not.
                fee=Figure(2_500, "[GENT2] 2023_GR_00791: registered aanmaning €25"),
            ),
            FeeRegime.BE_NO_FEE: RegimeTable(
                max_reminders=Figure(2, EXAMPLE),
                free_reminders=Figure(2, "[GENT2] taxes and fines: no fee beyond the law"),
                fee=Figure(0, "[GENT2] taxes and fines fall outside Boek XIX"),
                cap=Figure(0, "⚠ no Flemish cost rule for local taxes found"),
            ),
        }
    ),
    handover_required_reminders=Figure(2, "[GENT1] free reminder and aanmaning first"),
    handover_prior_notice_days=Figure(14, f"[XIX] 14-day term; {EXAMPLE}"),
    handover_minimum_balance=Figure(1, "balance > 0"),
    handover_excludes_preferential=False,
)

#: Tables per pack code, oldest first. Add a new dated table when amounts are indexed.
DUNNING_TABLES: Mapping[str, tuple[DunningTable, ...]] = MappingProxyType(
    {"dk": (DK_TABLE,), "nl": (NL_TABLE,), "be": (BE_TABLE,)}
)


def dunning_table(pack_code: str, on: date) -> DunningTable:
    """The table in force on `on` for pack `pack_code` ("dk", "nl", "be")."""
    tables = DUNNING_TABLES.get(pack_code.strip().lower(), ())
    valid = [t for t in tables if t.valid_from <= on]
    if not valid:
        raise NoDunningTable(f"no dunning table for {pack_code!r} on {on.isoformat()}")
    return max(valid, key=lambda t: t.valid_from)
