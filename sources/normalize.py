"""Value normalisation at the edge: one pure function per catalog field type.

Each parser takes a raw value and returns the normalised value, or raises ``InvalidValue`` with a
reason a person can act on. ``None`` and blank strings mean "no value" and are handled by the caller.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from functools import lru_cache

import orjson
import phonenumbers
from email_validator import EmailNotValidError, validate_email

DEFAULT_PHONE_REGION = "FR"


class InvalidValue(ValueError):
    """A value that does not parse as its field's type."""


def phone_region() -> str:
    return os.environ.get("NURTURE_PHONE_REGION", DEFAULT_PHONE_REGION).upper()


@lru_cache(maxsize=200_000)
def normalize_email(value: str) -> str:
    """Trim, lower-case and validate an email address (syntax only, no DNS)."""
    candidate = value.strip().lower()
    try:
        return validate_email(candidate, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidValue(f"invalid email {value!r}: {exc}") from None


@lru_cache(maxsize=200_000)
def normalize_phone(value: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """Parse a phone number written in any common format into E.164 (``+33612345678``)."""
    text = value.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidValue(f"invalid phone {value!r}: {exc}") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidValue(f"invalid phone {value!r}: not a possible number for region {region}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _from_epoch(number: float) -> datetime:
    # Values above 1e11 cannot be seconds (year 5138): they are milliseconds.
    seconds = number / 1000 if abs(number) >= 1e11 else number
    return datetime.fromtimestamp(seconds, tz=UTC)


def parse_timestamp(value: object) -> datetime:
    """ISO 8601 (offset honoured, none means UTC) or Unix epoch seconds/milliseconds -> aware UTC."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, bool):
        raise InvalidValue(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        try:
            return _from_epoch(float(value))
        except (ValueError, OverflowError, OSError):  # beyond the years a datetime holds
            raise InvalidValue(f"not a timestamp: {value!r} (epoch out of range)") from None
    text = str(value).strip()
    try:
        if text.replace(".", "", 1).isdigit():
            return _from_epoch(float(text))
        parsed = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        raise InvalidValue(f"not a timestamp: {value!r} (expected ISO 8601 or Unix epoch)") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidValue(f"not a date: {value!r} (expected YYYY-MM-DD)") from None


def parse_integer(value: object) -> int:
    if isinstance(value, bool):
        raise InvalidValue(f"not an integer: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise InvalidValue(f"not an integer: {value!r}")
    text = str(value).strip().replace("_", "")
    try:
        return int(text)
    except ValueError:
        try:
            number = float(text)
        except ValueError:
            raise InvalidValue(f"not an integer: {value!r}") from None
        if number.is_integer():
            return int(number)
        raise InvalidValue(f"not an integer: {value!r}") from None


def parse_number(value: object) -> float:
    if isinstance(value, bool):
        raise InvalidValue(f"not a number: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    try:
        number = float(str(value).strip())
    except ValueError:
        raise InvalidValue(f"not a number: {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InvalidValue(f"not a finite number: {value!r}")
    return number


_TRUE = frozenset({"true", "t", "yes", "y", "1", "on", "oui"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "off", "non"})


def parse_boolean(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidValue(f"not a boolean: {value!r} (expected true/false, yes/no, 1/0)")


def to_json_text(value: object) -> str:
    """Any JSON value as compact JSON text; a string that already holds JSON is kept as it is."""
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in ("{", "["):
            try:
                orjson.loads(text)
                return text
            except orjson.JSONDecodeError:
                pass
        return orjson.dumps(value).decode()
    try:
        return orjson.dumps(value, default=str).decode()
    except TypeError as exc:
        raise InvalidValue(f"not JSON-serialisable: {exc}") from None


def parse_string(value: object) -> str:
    if isinstance(value, dict | list):
        return to_json_text(value)
    return str(value).strip()
