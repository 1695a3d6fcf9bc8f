"""Rule packs as data: one per country, chosen per installation (PORTAL_RULES)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from portal.domain.rules import be
from portal.domain.rules import dk
from portal.domain.rules import nl
from portal.domain.rules.base import RulePack
from portal.domain.rules.base import UnknownRulePack

RULE_PACKS: Mapping[str, RulePack] = MappingProxyType(
    {pack.code: pack for pack in (dk.PACK, nl.PACK, be.PACK)}
)


def get_rule_pack(code: str) -> RulePack:
    """The pack for `code` ("dk", "nl", "be"; case and spaces ignored)."""
    try:
        return RULE_PACKS[code.strip().lower()]
    except KeyError:
        raise UnknownRulePack(code) from None


__all__ = ["RULE_PACKS", "RulePack", "UnknownRulePack", "get_rule_pack"]
