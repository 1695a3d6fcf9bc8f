"""EPC069-12 payloads built from typed inputs, checked against domain-rules.md §4.2 and §5.5."""

from __future__ import annotations

import pytest

from portal.domain.epc import EpcError
from portal.domain.epc import EpcTransfer
from portal.domain.epc import epc_payload
from portal.domain.epc import remittance
from portal.domain.money import Money
from portal.domain.references import ReferenceScheme

VECTOR_A = (
    "BCD\n002\n1\nSCT\n\nGemeente Voorbeeld\nNL91ABNA0417164300\nEUR123.45\n\n"
    "RF492024000123\n\nAanslag 2024-000123 termijn 1"
)
VECTOR_B = (
    "BCD\n002\n1\nSCT\n\nStad Voorbeeld\nBE68539007547034\nEUR12.30\n\n\n"
    "Factuur 2024000123 +++202/4000/12363+++"
)


def test_vector_a_rf_reference_in_line_10_matches_the_test_vector() -> None:
    payload = epc_payload(
        EpcTransfer(
            name="Gemeente Voorbeeld",
            iban="NL91 ABNA 0417 1643 00",
            amount=Money(12345, "EUR"),
            rf_reference="RF492024000123",
            info="Aanslag 2024-000123 termijn 1",
        )
    )
    assert payload == VECTOR_A
    assert len(payload.encode()) == 109
    assert len(payload.split("\n")) == 12


def test_vector_b_unstructured_remittance_in_line_11_matches_the_test_vector() -> None:
    payload = epc_payload(
        EpcTransfer(
            name="Stad Voorbeeld",
            iban="BE68539007547034",
            amount=Money(1230, "EUR"),
            text="Factuur 2024000123 +++202/4000/12363+++",
        )
    )
    assert payload == VECTOR_B
    assert len(payload.encode()) == 97
    assert not payload.endswith("\n")


def test_a_dutch_betalingskenmerk_goes_to_line_11_never_line_10() -> None:
    line10, line11 = remittance(
        ReferenceScheme.NL_BETALINGSKENMERK, "5000056789012345", "Afvalstoffenheffing"
    )
    assert line10 == ""
    assert line11 == "5000 0567 8901 2345 Afvalstoffenheffing"


def test_a_belgian_ogm_goes_to_line_11_with_its_frame() -> None:
    line10, line11 = remittance(ReferenceScheme.BE_OGM, "010806817183", "Retributie")
    assert (line10, line11) == ("", "+++010/8068/17183+++ Retributie")


def test_an_rf_reference_goes_to_line_10_compact() -> None:
    assert remittance(ReferenceScheme.RF, "RF49 2024 0001 23", "x") == ("RF492024000123", "")


def test_long_descriptions_are_cut_to_140_characters_keeping_the_reference() -> None:
    _line10, line11 = remittance(ReferenceScheme.BE_OGM, "010806817183", "x" * 300)
    assert len(line11) <= 140
    assert line11.startswith("+++010/8068/17183+++")


def test_a_bic_is_written_in_line_5_uppercase() -> None:
    payload = epc_payload(
        EpcTransfer(name="A", iban="NL91ABNA0417164300", amount=Money(1, "EUR"), bic="abnanl2a")
    )
    assert payload.split("\n")[4] == "ABNANL2A"
    assert payload.split("\n")[7] == "EUR0.01"


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"amount": Money(100, "DKK")}, "DKK cannot be carried"),
        ({"amount": Money(0, "EUR")}, "zero"),
        ({"amount": Money(100_000_000_000, "EUR")}, "above the maximum"),
        ({"name": ""}, "no name"),
        ({"name": "x" * 71}, "name too long"),
        ({"iban": "not an iban"}, "not an IBAN"),
        ({"bic": "ABC"}, "short BIC"),
        ({"rf_reference": "RF00123"}, "invalid RF"),
        ({"rf_reference": "5000056789012345"}, "a kenmerk is not RF"),
        ({"rf_reference": "RF492024000123", "text": "both"}, "line 10 and 11 both"),
        ({"text": "y" * 141}, "text too long"),
        ({"text": "two\nlines"}, "line break inside"),
        ({"purpose": "TOOLONG"}, "purpose code"),
    ],
)
def test_invalid_inputs_are_refused(change: dict[str, object], why: str) -> None:
    fields: dict[str, object] = {
        "name": "Gemeente Voorbeeld",
        "iban": "NL91ABNA0417164300",
        "amount": Money(1000, "EUR"),
    }
    fields.update(change)
    with pytest.raises(EpcError):
        epc_payload(EpcTransfer(**fields))  # type: ignore[arg-type]
