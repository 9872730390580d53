"""Identifier normalisation and hashing for ad platforms' customer lists.

Both Meta custom audiences and Google Customer Match want SHA-256 hex digests of normalised
identifiers: emails trimmed and lower-cased; phones in E.164. They differ on the phone: Google hashes
the E.164 form with its ``+`` (``+33612345678``), Meta the digits only (``33612345678``).
"""

from __future__ import annotations

import hashlib

from sources.normalize import InvalidValue, normalize_phone, phone_region

PLATFORMS = ("meta", "google")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_email(email: str) -> str:
    """Trim and lower-case (the platforms' rule; no other rewriting such as removing dots)."""
    value = email.strip().lower()
    if "@" not in value or value.startswith("@") or value.endswith("@"):
        raise InvalidValue(f"invalid email {email!r}")
    return value


def normalise_phone(phone: str, platform: str) -> str:
    """E.164 (``+33612345678``) for Google; the same digits without ``+`` for Meta."""
    e164 = normalize_phone(phone, phone_region())
    return e164 if platform == "google" else e164.lstrip("+")


def hash_email(email: str) -> str:
    return sha256_hex(normalise_email(email))


def hash_phone(phone: str, platform: str = "meta") -> str:
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}: one of {', '.join(PLATFORMS)}")
    return sha256_hex(normalise_phone(phone, platform))
