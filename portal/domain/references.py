"""Payment references: what the citizen types into the bank app so the payment finds its claim.

One scheme per rule pack (NL betalingskenmerk, BE OGM, DK FIK 71) plus ISO 11649 RF, the only
reference an EPC QR may carry in its structured field (decisions.md "Payments").
Saldo stores the compact machine form and formats it only for display.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Collection
from enum import StrEnum

from portal.domain.checkdigits import iso7064_mod97_value
from portal.domain.checkdigits import luhn_check_digit
from portal.domain.checkdigits import nl_check_digit
from portal.domain.checkdigits import ogm_check_digits
from portal.domain.checkdigits import rf_check_digits


class ReferenceScheme(StrEnum):
    RF = "rf"
    NL_BETALINGSKENMERK = "nl"
    BE_OGM = "ogm"
    DK_FIK71 = "fik71"


class InvalidReference(ValueError):
    """Text that is not a valid reference of the expected scheme."""


_DIGITS = re.compile(r"[0-9]+")
_RF = re.compile(r"RF(0[2-9]|[1-8][0-9]|9[0-8])[A-Z0-9]{1,21}")
_RF_BODY = re.compile(r"[A-Z0-9]{1,21}")
#: Characters people and banks put inside references: spaces (RF/NL groups of 4), dots
#: (Belastingdienst "5010.0021.6701.0010"), and the OGM frame "+++…/…/…+++" or "***".
_DECORATION = re.compile(r"[\s.+*/]")
_FIK_CREDITOR = re.compile(r"8[0-9]{7}")

#: §1.5 allowed betalingskenmerk lengths; 8 and 15 are not allowed.
_NL_LENGTHS = frozenset({7, 9, 10, 11, 12, 13, 14, 16})


def _digits(text: str, length: int | None = None) -> bool:
    return bool(_DIGITS.fullmatch(text)) and (length is None or len(text) == length)


def compact(text: str) -> str:
    """Strip spaces, dots, +, * and slashes and uppercase; no validation."""
    return _DECORATION.sub("", text).upper()


# -- ISO 11649 RF (§4.1) -------------------------------------------------------------------------


def rf_create(body: str) -> str:
    """RF + two check digits + body (1-21 letters or digits, spaces ignored)."""
    body = compact(body)
    if not _RF_BODY.fullmatch(body):
        raise InvalidReference("an RF body is 1-21 letters or digits")
    return f"RF{rf_check_digits(body)}{body}"


def rf_is_valid(ref: str) -> bool:
    """ISO 7064 MOD 97-10 over body + "RF" + check, which must leave 1.

    Check digits outside 02-98 are refused: 98 - (n mod 97) never produces them, and
    00/01/99 would otherwise pass as aliases of 97/98/02.
    """
    ref = compact(ref)
    if not _RF.fullmatch(ref):
        return False
    return iso7064_mod97_value(ref[4:] + ref[:4]) == 1


# -- NL betalingskenmerk (§1.5) ------------------------------------------------------------------


def nl_kenmerk_create(body15: str) -> str:
    """16-digit kenmerk: check digit C followed by the 15 digits of `body15`."""
    if not _digits(body15, 15):
        raise InvalidReference("a 16-digit betalingskenmerk needs a 15-digit body")
    return nl_check_digit(body15) + body15


def nl_kenmerk_is_valid(ref: str) -> bool:
    """Valid lengths 7 (no check digit), 9-14 (C + length code L + body) and 16 (C + 15)."""
    ref = re.sub(r"[\s.]", "", ref)
    if not _digits(ref) or len(ref) not in _NL_LENGTHS:
        return False
    if len(ref) == 7:
        return True
    # For 9-14 digits L = number of body digits after C and L, mod 10 (9 -> 7, 14 -> 2).
    if len(ref) < 16 and int(ref[1]) != (len(ref) - 2) % 10:
        return False
    return nl_check_digit(ref[1:]) == ref[0]


# -- BE OGM / gestructureerde mededeling (§3.3) --------------------------------------------------


def ogm_create(body10: str) -> str:
    """12 digits: the 10-digit body and its mod-97 check (00 is written 97)."""
    if not _digits(body10, 10):
        raise InvalidReference("an OGM body is 10 digits")
    return body10 + ogm_check_digits(body10)


def ogm_is_valid(ref: str) -> bool:
    """Accepts "+++010/8068/17183+++", "***…***", "010/8068/17183" and "010806817183"."""
    ref = compact(ref)
    return _digits(ref, 12) and ogm_check_digits(ref[:10]) == ref[10:]


def ogm_format(digits12: str) -> str:
    """ "+++ddd/dddd/ddddd+++", the form printed on Belgian invoices."""
    ref = compact(digits12)
    if not ogm_is_valid(ref):
        raise InvalidReference("not a valid structured communication")
    return f"+++{ref[:3]}/{ref[3:7]}/{ref[7:]}+++"


# -- DK FIK 71 (§2.6) ----------------------------------------------------------------------------


def fik71_create(body14: str) -> str:
    """15-digit payment id: `body14` followed by its modulus-10 (Luhn) check digit."""
    if not _digits(body14, 14):
        raise InvalidReference("a FIK 71 payment id needs a 14-digit body")
    return body14 + luhn_check_digit(body14)


def fik71_is_valid(ref: str) -> bool:
    ref = re.sub(r"\s", "", ref)
    return _digits(ref, 15) and luhn_check_digit(ref[:14]) == ref[14]


def fik_code_line(payment_id: str, creditor_number: str) -> str:
    """The FIK 71 code line, e.g. "+71<000000000000018+81234567<" (§2.6).

    The creditor number (FI-kreditornummer) is 8 digits starting with 8, issued by the bank.
    """
    payment_id = re.sub(r"\s", "", payment_id)
    if not fik71_is_valid(payment_id):
        raise InvalidReference("not a valid FIK 71 payment id")
    if not _FIK_CREDITOR.fullmatch(creditor_number):
        raise InvalidReference("a FIK creditor number is 8 digits starting with 8")
    return f"+71<{payment_id}+{creditor_number}<"


# -- scheme-level helpers used by the rest of the app --------------------------------------------

#: Digits of the body that Saldo fills with prefix + zero-padded sequence, per numeric scheme.
_BODY_DIGITS = {
    ReferenceScheme.NL_BETALINGSKENMERK: 15,  # 16-digit kenmerk = C + 15
    ReferenceScheme.BE_OGM: 10,  # 12 digits = 10 + 2 check
    ReferenceScheme.DK_FIK71: 14,  # 15 digits = 14 + Luhn
}
#: RF: the sequence is padded to 10 digits, so a prefix may have up to 11 characters
#: (RF + 2 + 21 = 25, the ISO 11649 maximum).
_RF_SEQUENCE_DIGITS = 10
_RF_PREFIX = re.compile(r"[A-Z0-9]*")


def make_reference(scheme: ReferenceScheme, sequence: int, *, prefix: str = "") -> str:
    """The compact machine reference for internal claim number `sequence` (>= 1).

    The body is prefix + zero-padded sequence, so different sequences always give
    different references for one prefix. `prefix` is letters/digits for RF and digits for
    the numeric schemes (e.g. a municipality number); the sequence must fit in what is left.
    """
    scheme = ReferenceScheme(scheme)  # a plain "ogm" read from the database works too
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 1:
        raise ValueError("sequence must be an int >= 1")
    if scheme is ReferenceScheme.RF:
        prefix = compact(prefix)
        if not _RF_PREFIX.fullmatch(prefix):
            raise ValueError("an RF prefix is letters and digits")
        body = prefix + str(sequence).zfill(_RF_SEQUENCE_DIGITS)
        if len(body) > 21:
            raise ValueError("prefix + sequence longer than the 21 characters RF allows")
        return rf_create(body)
    width = _BODY_DIGITS[scheme]
    if prefix and not _digits(prefix):
        raise ValueError("a prefix for a numeric reference is digits")
    room = width - len(prefix)
    if len(str(sequence)) > room:
        raise ValueError(f"sequence does not fit in {room} digits after the prefix")
    body = prefix + str(sequence).zfill(room)
    if scheme is ReferenceScheme.NL_BETALINGSKENMERK:
        return nl_kenmerk_create(body)
    if scheme is ReferenceScheme.BE_OGM:
        return ogm_create(body)
    return fik71_create(body)


def _validator(scheme: ReferenceScheme) -> Callable[[str], bool]:
    scheme = ReferenceScheme(scheme)
    return {
        ReferenceScheme.RF: rf_is_valid,
        ReferenceScheme.NL_BETALINGSKENMERK: nl_kenmerk_is_valid,
        ReferenceScheme.BE_OGM: ogm_is_valid,
        ReferenceScheme.DK_FIK71: fik71_is_valid,
    }[scheme]


def normalise(scheme: ReferenceScheme, text: str) -> str:
    """The compact machine form of `text` (no spaces, dots, +++, slashes; uppercase).

    Raises InvalidReference when the result is not a valid reference of `scheme`.
    """
    ref = compact(text)
    if not _validator(scheme)(ref):
        raise InvalidReference(f"not a valid {scheme.name} reference")
    return ref


def is_valid(scheme: ReferenceScheme, ref: str) -> bool:
    """True when `normalise(scheme, ref)` would succeed."""
    return _validator(scheme)(compact(ref))


def display(scheme: ReferenceScheme, ref: str) -> str:
    """The printed form: RF in groups of 4 from the left (ISO 11649), a kenmerk in groups of
    4 from the right (as the Betaalvereniging spec prints "12 2345 3462 2567"), OGM in its
    +++ frame, a FIK payment id as is (the code line carries it without spaces)."""
    scheme = ReferenceScheme(scheme)
    ref = normalise(scheme, ref)
    if scheme is ReferenceScheme.RF:
        return " ".join(ref[i : i + 4] for i in range(0, len(ref), 4))
    if scheme is ReferenceScheme.NL_BETALINGSKENMERK:
        head = len(ref) % 4
        groups = [ref[:head]] if head else []
        groups += [ref[i : i + 4] for i in range(head, len(ref), 4)]
        return " ".join(groups)
    if scheme is ReferenceScheme.BE_OGM:
        return ogm_format(ref)
    return ref


# A reference in remittance text may be split by spaces ("RF18 5390 0754 7034"), framed
# ("+++010/8068/17183+++"), dotted ("5010.0021.6701.0010") or glued to a word ("Ref.5000...").
# Tokens are RF starts, letter runs and digit runs; candidates are up to 8 adjacent tokens.
_TOKEN = re.compile(r"RF[0-9]{2}[A-Z0-9]*|[A-Z]+|[0-9.+*/]+", re.IGNORECASE)
_MAX_TOKENS = 8
_MAX_CANDIDATE = 25  # the longest reference of any scheme (RF)


def _schemes_of(candidate: str, schemes: Collection[ReferenceScheme]) -> list[ReferenceScheme]:
    if candidate.startswith("RF"):
        return (
            [ReferenceScheme.RF] if ReferenceScheme.RF in schemes and rf_is_valid(candidate) else []
        )
    if not _digits(candidate):
        return []
    found = []
    # 7-digit kenmerken have no check digit: any 7-digit number would "match", so skip them.
    nl_wanted = ReferenceScheme.NL_BETALINGSKENMERK in schemes and len(candidate) > 7
    if nl_wanted and nl_kenmerk_is_valid(candidate):
        found.append(ReferenceScheme.NL_BETALINGSKENMERK)
    if ReferenceScheme.BE_OGM in schemes and ogm_is_valid(candidate):
        found.append(ReferenceScheme.BE_OGM)
    if ReferenceScheme.DK_FIK71 in schemes and fik71_is_valid(candidate):
        found.append(ReferenceScheme.DK_FIK71)
    return found


def _rf_layout_ok(original: str) -> bool:
    """An RF spread over several words must be in ISO 11649 print groups of 4 ("RF18 5390 0754
    7034"); otherwise "RF… 54 dank" could pass the 1-in-97 checksum and swallow the next word."""
    parts = original.split()
    if not all(part.isalnum() for part in parts):
        return False
    return len(parts) == 1 or (
        all(len(part) == 4 for part in parts[:-1]) and 1 <= len(parts[-1]) <= 4
    )


def find_references(
    text: str, *, schemes: Collection[ReferenceScheme] | None = None
) -> list[tuple[ReferenceScheme, str]]:
    """Valid references inside free remittance text (camt `Ustrd`, domain-rules.md §4.3 #4).

    Returns (scheme, compact reference) in order of appearance, without duplicates. A digit
    string valid in two schemes (a 12-digit OGM that is also a valid kenmerk) is returned
    once per scheme; pass `schemes` to look for the installation's schemes only.
    Longest match wins at each position and a candidate inside an earlier hit is dropped, so
    the digits of an RF are not reported again as an OGM. Check digits catch only 1 in 11
    (NL) to 1 in 97 (OGM, RF) random strings, so a hit is a candidate to look up, not proof:
    the caller treats several hits that match different claims as ambiguous.
    """
    wanted = frozenset(ReferenceScheme) if schemes is None else frozenset(schemes)
    matches = list(_TOKEN.finditer(text))
    tokens = [compact(m.group()) for m in matches]
    spans: list[tuple[int, int]] = []
    results: list[tuple[ReferenceScheme, str]] = []
    for start in range(len(tokens)):
        if not tokens[start]:
            continue
        for end in range(min(len(tokens), start + _MAX_TOKENS), start, -1):
            candidate = "".join(tokens[start:end])
            if len(candidate) > _MAX_CANDIDATE:
                continue
            original = text[matches[start].start() : matches[end - 1].end()]
            if candidate.startswith("RF") and not _rf_layout_ok(original):
                continue
            hits = _schemes_of(candidate, wanted)
            if not hits:
                continue
            if not any(a <= start and end <= b for a, b in spans):
                spans.append((start, end))
                results.extend((s, candidate) for s in hits if (s, candidate) not in results)
            break
    return results
