"""Payment references against every vector of domain-rules.md §5.1-5.4, plus round trips."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.domain.checkdigits import nl_check_digit
from portal.domain.references import InvalidReference
from portal.domain.references import ReferenceScheme
from portal.domain.references import display
from portal.domain.references import fik71_create
from portal.domain.references import fik71_is_valid
from portal.domain.references import fik_code_line
from portal.domain.references import find_references
from portal.domain.references import is_valid
from portal.domain.references import make_reference
from portal.domain.references import nl_kenmerk_create
from portal.domain.references import nl_kenmerk_is_valid
from portal.domain.references import normalise
from portal.domain.references import ogm_create
from portal.domain.references import ogm_format
from portal.domain.references import ogm_is_valid
from portal.domain.references import rf_create
from portal.domain.references import rf_is_valid

RF, NL, OGM, FIK = (
    ReferenceScheme.RF,
    ReferenceScheme.NL_BETALINGSKENMERK,
    ReferenceScheme.BE_OGM,
    ReferenceScheme.DK_FIK71,
)

# -- §5.1 NL betalingskenmerk ------------------------------------------------------------------

NL_VALID = [
    "5000056789012345",  # spec example, C=5
    "12234534622567",  # spec example, L=2, C=1
    "5010002167010010",  # Belastingdienst
    "9000000000000001",
    "1202400000012345",
    "0202512345678901",
    "1000000000000006",  # case 10 -> 1
    "0000000000000019",  # case 11 -> 0
    "271234567",  # 9 digits, L=7
    "42123456789012",  # 14 digits, L=2
]
NL_INVALID = [
    "5000056789012346",  # last digit changed
    "1000056789012345",  # wrong check digit
    "13234534622567",  # wrong length code
    "500005678901234",  # 15 digits, not an allowed length
    "50000567890123A5",  # non-digit
]


@pytest.mark.parametrize("ref", NL_VALID)
def test_nl_kenmerk_valid_vectors(ref: str) -> None:
    assert nl_kenmerk_is_valid(ref)


@pytest.mark.parametrize("ref", NL_INVALID)
def test_nl_kenmerk_invalid_vectors(ref: str) -> None:
    assert not nl_kenmerk_is_valid(ref)


def test_nl_kenmerk_known_collision_passes() -> None:
    # §5.1 ⚠: C=10 and C=1 collide, so this single-digit error is accepted by the spec.
    assert nl_kenmerk_is_valid("12234534622568")


@pytest.mark.parametrize("ref", ["5000 0567 8901 2345", "5010.0021.6701.0010", "12 2345 3462 2567"])
def test_nl_kenmerk_tolerates_spaces_and_dots(ref: str) -> None:
    assert nl_kenmerk_is_valid(ref)


@pytest.mark.parametrize("length", [7, 9, 10, 11, 12, 13, 14, 16])
def test_nl_kenmerk_allowed_lengths(length: int) -> None:
    # Build one of each allowed length: 7 has no check; 9-14 carry L; 16 is C + 15.
    if length == 7:
        assert nl_kenmerk_is_valid("1234567")
        return
    if length == 16:
        assert nl_kenmerk_is_valid(nl_kenmerk_create("1" * 15))
        return
    body = "3" * (length - 2)
    code = str((length - 2) % 10) + body
    assert nl_kenmerk_is_valid(nl_check_digit(code) + code)


@pytest.mark.parametrize("ref", ["123456", "12345678", "1" * 17])
def test_nl_kenmerk_disallowed_lengths(ref: str) -> None:
    assert not nl_kenmerk_is_valid(ref)


def test_nl_kenmerk_create_spec_example() -> None:
    assert nl_kenmerk_create("000056789012345") == "5000056789012345"


# -- §5.2 BE OGM ---------------------------------------------------------------------------------

OGM_VALID = [
    "+++010/8068/17183+++",
    "+++123/4567/89002+++",
    "+++000/0000/00101+++",
    "+++202/4000/12363+++",
    "+++999/9999/99948+++",
    "+++000/0000/09797+++",  # remainder 0 -> 97
]
OGM_INVALID = [
    "+++010/8068/17180+++",
    "+++123/4567/89001+++",
    "+++123/4567/8902+++",  # 11 digits
    "+++000/0000/00000+++",
]


@pytest.mark.parametrize("ref", OGM_VALID)
def test_ogm_valid_vectors(ref: str) -> None:
    assert ogm_is_valid(ref)
    assert ogm_format(ref) == ref


@pytest.mark.parametrize("ref", OGM_INVALID)
def test_ogm_invalid_vectors(ref: str) -> None:
    assert not ogm_is_valid(ref)


@pytest.mark.parametrize(
    "ref", ["***010/8068/17183***", "010/8068/17183", "010806817183", "+++ 010 / 8068 / 17183 +++"]
)
def test_ogm_tolerates_frames_and_spaces(ref: str) -> None:
    assert ogm_is_valid(ref)


def test_ogm_create_and_format() -> None:
    assert ogm_create("0108068171") == "010806817183"
    assert ogm_format("010806817183") == "+++010/8068/17183+++"
    assert ogm_create("0000000000") == "000000000097"


def test_ogm_format_refuses_invalid() -> None:
    with pytest.raises(InvalidReference):
        ogm_format("010806817180")


# -- §5.3 RF -------------------------------------------------------------------------------------

RF_VALID = [
    "RF18539007547034",
    "RF185390075470Y",
    "RF492024000123",
    "RF47ABC123",
    "RF77GEMEENTE2024001",
    "RF96DK2025INV42",
    "RF741",
]
RF_INVALID = [
    "RF17539007547034",
    "RF19539007547034",
    "RF18539007547043",  # transposition
    "RF185390075470341234567890",  # 26 characters
    "RX18539007547034",
]


@pytest.mark.parametrize("ref", RF_VALID)
def test_rf_valid_vectors(ref: str) -> None:
    assert rf_is_valid(ref)
    assert rf_create(ref[4:]) == ref


@pytest.mark.parametrize("ref", RF_INVALID)
def test_rf_invalid_vectors(ref: str) -> None:
    assert not rf_is_valid(ref)


@pytest.mark.parametrize("ref", ["rf18 5390 0754 7034", "RF18 5390 0754 7034", " rf47abc123 "])
def test_rf_tolerates_spaces_and_lowercase(ref: str) -> None:
    assert rf_is_valid(ref)


def test_rf_refuses_check_digit_aliases() -> None:
    # "RF02..." passes MOD 97-10; "RF99..." would too (99 ≡ 2 mod 97) but is never generated.
    ref = next(rf_create(str(n)) for n in range(10_000) if rf_create(str(n))[2:4] == "02")
    assert rf_is_valid(ref)
    assert not rf_is_valid("RF99" + ref[4:])


@pytest.mark.parametrize("body", ["", "A" * 22, "ÆØÅ", "AB-12"])
def test_rf_create_refuses_bad_body(body: str) -> None:
    with pytest.raises(InvalidReference):
        rf_create(body)


# -- §5.4 FIK 71 ---------------------------------------------------------------------------------

FIK_VALID = [
    "026840149965328",  # Business::DK::FI
    "000000000000018",  # giro-kort "1 -> 18"
    "000000000000026",  # "2 -> 26"
    "000000067097535",  # public invoice
    "123456789012347",
    "202500000000427",
    "999999999999994",
]
FIK_INVALID = [
    "026840149965327",
    "000000067097536",
    "000000000000081",  # transposition
    "00000006709753",  # 14 digits
    "0268401A9965328",
]


@pytest.mark.parametrize("ref", FIK_VALID)
def test_fik71_valid_vectors(ref: str) -> None:
    assert fik71_is_valid(ref)
    assert fik71_create(ref[:14]) == ref


@pytest.mark.parametrize("ref", FIK_INVALID)
def test_fik71_invalid_vectors(ref: str) -> None:
    assert not fik71_is_valid(ref)


def test_fik_code_line_vector() -> None:
    assert fik_code_line("000000000000018", "81234567") == "+71<000000000000018+81234567<"


@pytest.mark.parametrize(
    ("payment_id", "creditor"),
    [
        ("000000000000018", "71234567"),  # creditor must start with 8
        ("000000000000018", "8123456"),  # 7 digits
        ("000000000000018", "812345678"),  # 9 digits
        ("000000000000019", "81234567"),  # bad check digit
    ],
)
def test_fik_code_line_refuses(payment_id: str, creditor: str) -> None:
    with pytest.raises(InvalidReference):
        fik_code_line(payment_id, creditor)


@pytest.mark.parametrize(
    "create",
    [
        lambda: nl_kenmerk_create("12345"),
        lambda: ogm_create("12345678901"),
        lambda: fik71_create("1"),
    ],
)
def test_create_refuses_wrong_body_length(create: object) -> None:
    assert callable(create)
    with pytest.raises(InvalidReference):
        create()


# -- scheme-level helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(("scheme", "length"), [(RF, None), (NL, 16), (OGM, 12), (FIK, 15)])
def test_make_reference_shape(scheme: ReferenceScheme, length: int | None) -> None:
    ref = make_reference(scheme, 1)
    assert is_valid(scheme, ref)
    assert normalise(scheme, ref) == ref  # stored form is the compact machine form
    if length is not None:
        assert len(ref) == length
        assert ref.isdigit()
    else:
        assert ref.startswith("RF")
        assert len(ref) <= 25


def test_make_reference_with_prefix() -> None:
    assert make_reference(RF, 42, prefix="saldo").endswith("SALDO0000000042")
    assert make_reference(OGM, 42, prefix="9")[:10] == "9000000042"
    assert make_reference(NL, 7, prefix="0363")[1:] == "036300000000007"


@pytest.mark.parametrize(
    ("scheme", "sequence", "prefix"),
    [
        (RF, 0, ""),
        (RF, 1, "A" * 12),  # 12 + 10 > 21
        (RF, 1, "SAL-DO"),
        (OGM, 10**10, ""),
        (OGM, 1, "12345678901"),
        (NL, 1, "AB"),
        (FIK, 10**14, ""),
    ],
)
def test_make_reference_refuses(scheme: ReferenceScheme, sequence: int, prefix: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - sequence and prefix errors share a type
        make_reference(scheme, sequence, prefix=prefix)


@pytest.mark.parametrize(
    ("scheme", "text", "compact"),
    [
        (RF, "rf18 5390 0754 7034", "RF18539007547034"),
        (NL, "5010.0021.6701.0010", "5010002167010010"),
        (OGM, "+++010/8068/17183+++", "010806817183"),
        (OGM, "***010/8068/17183***", "010806817183"),
        (FIK, " 000000000000018 ", "000000000000018"),
    ],
)
def test_normalise(scheme: ReferenceScheme, text: str, compact: str) -> None:
    assert normalise(scheme, text) == compact
    assert is_valid(scheme, text)


@pytest.mark.parametrize(
    ("scheme", "text"),
    [(RF, "RF17539007547034"), (NL, "500005678901234"), (OGM, "+++010/8068/17180+++"), (FIK, "")],
)
def test_normalise_refuses_invalid(scheme: ReferenceScheme, text: str) -> None:
    with pytest.raises(InvalidReference):
        normalise(scheme, text)
    assert not is_valid(scheme, text)


@pytest.mark.parametrize(
    ("scheme", "ref", "shown"),
    [
        (RF, "RF18539007547034", "RF18 5390 0754 7034"),
        (RF, "RF741", "RF74 1"),
        (NL, "5000056789012345", "5000 0567 8901 2345"),
        (NL, "12234534622567", "12 2345 3462 2567"),  # as the Betaalvereniging prints it
        (OGM, "010806817183", "+++010/8068/17183+++"),
        (FIK, "000000000000018", "000000000000018"),
    ],
)
def test_display(scheme: ReferenceScheme, ref: str, shown: str) -> None:
    assert display(scheme, ref) == shown
    assert normalise(scheme, shown) == ref


def test_find_references_in_remittance_text() -> None:
    text = (
        "Aanslag 2024 kenmerk 5000 0567 8901 2345, factuur +++ 010 / 8068 / 17183 +++; "
        "rf18 5390 0754 7034 Ref.5010.0021.6701.0010 id 026840149965328 IBAN NL91ABNA0417164300"
    )
    assert find_references(text) == [
        (NL, "5000056789012345"),
        (OGM, "010806817183"),
        (RF, "RF18539007547034"),
        (NL, "5010002167010010"),
        (FIK, "026840149965328"),
    ]


def test_find_references_restricted_to_schemes() -> None:
    text = "betaling 010806817183 en 5000056789012345"
    assert find_references(text, schemes={OGM}) == [(OGM, "010806817183")]


def test_find_references_skips_invalid_and_deduplicates() -> None:
    text = "+++010/8068/17180+++ RF17539007547034 RF47ABC123 RF47 ABC1 23"
    assert find_references(text) == [(RF, "RF47ABC123")]
    assert find_references("") == []
    assert find_references("Betaling huur maart 1234567") == []  # 7 digits: no check digit


# -- properties ----------------------------------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
rf_bodies = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=21)


def change_one_digit(ref: str, data: st.DataObject) -> str:
    positions = [i for i, c in enumerate(ref) if c.isdigit()]
    i = data.draw(st.sampled_from(positions))
    new = data.draw(st.sampled_from([d for d in "0123456789" if d != ref[i]]))
    return ref[:i] + new + ref[i + 1 :]


@given(rf_bodies)
def test_rf_create_is_valid(body: str) -> None:
    ref = rf_create(body)
    assert rf_is_valid(ref)
    assert len(ref) <= 25


@given(rf_bodies, st.data())
def test_rf_single_digit_change_is_invalid(body: str, data: st.DataObject) -> None:
    ref = rf_create(body)
    assert not rf_is_valid(change_one_digit(ref, data))


@given(st.text(alphabet="0123456789", min_size=10, max_size=10), st.data())
def test_ogm_round_trip_and_single_digit_change(body: str, data: st.DataObject) -> None:
    ref = ogm_create(body)
    assert ogm_is_valid(ref)
    assert ogm_is_valid(ogm_format(ref))
    assert not ogm_is_valid(change_one_digit(ref, data))


@given(st.text(alphabet="0123456789", min_size=14, max_size=14), st.data())
def test_fik71_round_trip_and_single_digit_change(body: str, data: st.DataObject) -> None:
    ref = fik71_create(body)
    assert fik71_is_valid(ref)
    assert not fik71_is_valid(change_one_digit(ref, data))


@given(st.text(alphabet="0123456789", min_size=15, max_size=15))
def test_nl_kenmerk_round_trip(body: str) -> None:
    assert nl_kenmerk_is_valid(nl_kenmerk_create(body))


sequences = st.integers(min_value=1, max_value=9_999_999_999)


@given(st.sampled_from(list(ReferenceScheme)), sequences, sequences)
def test_make_reference_is_valid_and_injective(
    scheme: ReferenceScheme, first: int, second: int
) -> None:
    a, b = make_reference(scheme, first), make_reference(scheme, second)
    assert is_valid(scheme, a)
    assert is_valid(scheme, b)
    assert (a == b) == (first == second)


@given(st.sampled_from(list(ReferenceScheme)), sequences)
def test_displayed_reference_is_found_again(scheme: ReferenceScheme, sequence: int) -> None:
    ref = make_reference(scheme, sequence)
    found = find_references(f"Betaling {display(scheme, ref)} dank u", schemes={scheme})
    assert found == [(scheme, ref)]


def test_find_references_does_not_glue_a_word_onto_an_rf() -> None:
    # The RF for sequence 54 followed by "DANK" passes MOD 97-10 by chance (1 in 97);
    # the layout rule (print groups of 4) keeps the word out.
    ref = make_reference(RF, 54)
    assert rf_is_valid(ref + "DANK")  # the trap
    assert find_references(f"Betaling {display(RF, ref)} dank u") == [(RF, ref)]
    assert find_references(f"{ref}.DANK") == [(RF, ref)]


def test_scheme_helpers_accept_the_plain_string_value() -> None:
    ref = make_reference("ogm", 7)  # type: ignore[arg-type]
    assert ref == make_reference(OGM, 7)
    assert is_valid("ogm", ref)  # type: ignore[arg-type]
    assert display("ogm", ref) == ogm_format(ref)  # type: ignore[arg-type]
