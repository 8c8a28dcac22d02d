import pytest

from townhall.places.postcodes import InvalidPostcodeError, postcode_is_valid, postcode_normalise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("TS1 2AB", "TS1 2AB"),
        ("ts12ab", "TS1 2AB"),
        ("  ts1   2ab ", "TS1 2AB"),
        ("M1 1AE", "M1 1AE"),  # A9
        ("B33 8TH", "B33 8TH"),  # A99
        ("CR2 6XH", "CR2 6XH"),  # AA9
        ("DN55 1PT", "DN55 1PT"),  # AA99
        ("W1A 0AX", "W1A 0AX"),  # A9A
        ("sw1a1aa", "SW1A 1AA"),  # AA9A
        ("EC1A 1BB", "EC1A 1BB"),
        ("GIR 0AA", "GIR 0AA"),
    ],
)
def test_valid_postcodes_are_normalised(raw, expected):
    assert postcode_normalise(raw) == expected
    assert postcode_is_valid(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "TS1",
        "TS1 2A",
        "TS1 2ABC",
        "1S1 2AB",  # area must start with a letter
        "QA1 1AA",  # Q never first
        "VA1 1AA",  # V never first
        "XA1 1AA",  # X never first
        "AI1 1AA",  # I never second
        "AZ1 1AA",  # Z never second
        "W1I 1AA",  # I not allowed after A9
        "SW1C 1AA",  # C not allowed after AA9
        "TS1 2CA",  # C never in the inward code
        "TS1 2AK",  # K never in the inward code
        "TS1 AAB",  # inward starts with a digit
        "TS123 1AB",
        "TS1-2AB",
    ],
)
def test_invalid_postcodes_are_refused_with_a_clear_message(raw):
    assert not postcode_is_valid(raw)
    with pytest.raises(InvalidPostcodeError, match="is not a valid UK postcode") as error:
        postcode_normalise(raw)
    assert isinstance(error.value, ValueError)
    assert "TS1 2AB" in str(error.value)
