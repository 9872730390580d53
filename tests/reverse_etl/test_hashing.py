"""Identifier hashing per platform rules, with published-style test vectors (SHA-256 hex)."""

from __future__ import annotations

import pytest

from reverse_etl.hashing import hash_email, hash_phone, normalise_email, normalise_phone
from sources.normalize import InvalidValue

TEST_AT_EXAMPLE = "973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b"  # test@example.com


@pytest.mark.parametrize("raw", ["test@example.com", "  Test@Example.COM ", "TEST@EXAMPLE.COM\n"])
def test_email_is_trimmed_and_lower_cased_before_hashing(raw):
    assert hash_email(raw) == TEST_AT_EXAMPLE


def test_email_keeps_dots_and_plus_tags():
    assert normalise_email(" Jane.Doe+news@Gmail.com") == "jane.doe+news@gmail.com"
    assert (
        hash_email("jane.doe@gmail.com") == "831f6494ad6be4fcb3a724c3d5fef22d3ceffa3c62ef3a7984e45a0ea177f982"
    )


@pytest.mark.parametrize("raw", ["+33 6 12 34 56 78", "06 12 34 56 78", "0033612345678", "+33612345678"])
def test_phone_is_e164_with_plus_for_google_and_digits_for_meta(raw, monkeypatch):
    monkeypatch.setenv("NURTURE_PHONE_REGION", "FR")
    assert normalise_phone(raw, "google") == "+33612345678"
    assert hash_phone(raw, "google") == "42d573cfc315801d4cd8eddd5416b416a0bf298b9b9e12d6b07442c91db42bd8"
    assert normalise_phone(raw, "meta") == "33612345678"
    assert hash_phone(raw, "meta") == "8a3e7886c9335e82e02299fa3e87b46e2de3b0c63d56003e30a5029394a47661"


def test_unusable_identifiers_are_errors_not_hashes():
    with pytest.raises(InvalidValue):
        hash_email("no-at-sign")
    with pytest.raises(InvalidValue):
        hash_phone("12")
    with pytest.raises(ValueError, match="unknown platform"):
        hash_phone("+33612345678", "myspace")
