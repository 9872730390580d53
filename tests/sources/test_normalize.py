from datetime import UTC, date, datetime

import pytest

from sources.normalize import (
    InvalidValue,
    normalize_email,
    normalize_phone,
    parse_boolean,
    parse_date,
    parse_integer,
    parse_number,
    parse_timestamp,
    to_json_text,
)


@pytest.mark.parametrize("raw", [" Jane.Doe@Example.COM ", "jane.doe@example.com", "JANE.DOE@EXAMPLE.COM\t"])
def test_email_variants_normalise_to_one_value(raw):
    assert normalize_email(raw) == "jane.doe@example.com"


@pytest.mark.parametrize("raw", ["jane@@example.com", "no-at-sign", "a@b", "jane doe@example.com"])
def test_invalid_emails_are_refused(raw):
    with pytest.raises(InvalidValue, match="invalid email"):
        normalize_email(raw)


@pytest.mark.parametrize(
    "raw", ["+33 6 12 34 56 78", "06 12 34 56 78", "0033612345678", "06.12.34.56.78", "+33612345678"]
)
def test_french_phone_formats_become_one_e164(raw):
    assert normalize_phone(raw, "FR") == "+33612345678"


def test_phone_region_matters_only_without_a_prefix():
    assert normalize_phone("020 7946 0958", "GB") == "+442079460958"
    assert normalize_phone("+44 20 7946 0958", "FR") == "+442079460958"


@pytest.mark.parametrize("raw", ["12", "not a phone", "+33 1"])
def test_impossible_phones_are_refused(raw):
    with pytest.raises(InvalidValue, match="invalid phone"):
        normalize_phone(raw, "FR")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2026-01-01T10:00:00+02:00", datetime(2026, 1, 1, 8, tzinfo=UTC)),
        ("2026-01-01T10:00:00Z", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ("2026-01-01 10:00:00", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        (1767261600, datetime(2026, 1, 1, 10, tzinfo=UTC)),
        (1767261600000, datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ("1767261600", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        ("2026-01-01", datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
def test_timestamps_end_up_in_utc(raw, expected):
    assert parse_timestamp(raw) == expected


@pytest.mark.parametrize("raw", ["yesterday", "2026-13-01", "", True])
def test_unparseable_timestamps_are_refused(raw):
    with pytest.raises(InvalidValue):
        parse_timestamp(raw)


def test_other_types():
    assert parse_date("2026-02-03T10:00:00") == date(2026, 2, 3)
    assert parse_integer("42") == 42 and parse_integer(42.0) == 42 and parse_integer("1e3") == 1000
    assert parse_number("3.5") == 3.5
    assert parse_boolean("Yes") is True and parse_boolean("0") is False and parse_boolean("non") is False
    assert to_json_text({"a": [1, 2]}) == '{"a":[1,2]}'
    assert to_json_text('{"already": "json"}') == '{"already": "json"}'
    for parser, raw in [(parse_integer, "4.5"), (parse_number, "nan"), (parse_boolean, "maybe")]:
        with pytest.raises(InvalidValue):
            parser(raw)


def test_epochs_beyond_the_years_a_datetime_holds_are_invalid_values():
    for value in (1e20, 9223372036854775807, -1e20):
        with pytest.raises(InvalidValue, match="epoch out of range"):
            parse_timestamp(value)
