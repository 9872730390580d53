"""Identifiers of demo people: emails, phones, cookie ids, and the messy ways sources write them.

Each function takes the simulation's ``random.Random`` so that the output is a pure function of the seed.
Normalised forms (what the loader will store, and what the ground truth lists) are built here too, by
construction rather than by parsing, which keeps generation fast: the tests check them against
``phonenumbers`` and the email rules.
"""

from __future__ import annotations

import bisect
import random
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, NamedTuple, TypeVar


class Phone(NamedTuple):
    """A phone number as country calling code + national significant number (no trunk prefix)."""

    cc: str
    national: str

    @property
    def e164(self) -> str:
        return f"+{self.cc}{self.national}"


T = TypeVar("T")


class Weighted(Generic[T]):
    """Values with weights, ready for fast repeated weighted draws."""

    __slots__ = ("values", "cumulative", "total")

    def __init__(self, pairs: Iterable[tuple[T, float]]) -> None:
        self.values: list[T] = []
        self.cumulative: list[float] = []
        total = 0.0
        for value, weight in pairs:
            total += weight
            self.values.append(value)
            self.cumulative.append(total)
        self.total = total

    def draw(self, rng: random.Random) -> T:
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def pick1(seq: Sequence[T], rnd: Callable[[], float]) -> T:
    """A uniform choice from ``seq`` using ``rnd`` (a bound ``Random.random``); faster than ``choice``."""
    return seq[int(rnd() * len(seq))]


def weighted(*pairs: tuple[Any, float]) -> Weighted[Any]:
    """``Weighted`` from ``(value, weight)`` arguments."""
    return Weighted(pairs)


def _digits(rng: random.Random, n: int) -> str:
    return f"{rng.randrange(10**n):0{n}d}"


def new_phone(rng: random.Random, country: str = "FR", *, landline: bool = False) -> Phone:
    """A valid (per ``phonenumbers`` metadata) mobile number of ``country``, or a Paris landline."""
    if country == "GB":
        return Phone(
            "44", "7" + rng.choice(("30", "31", "32", "33", "53", "54", "81", "84", "85")) + _digits(rng, 7)
        )
    if country == "DE":
        return Phone("49", "17" + _digits(rng, 9))
    if country == "US":
        exchange = rng.randrange(200, 1000)
        if exchange in (555, 911):
            exchange += 1
        return Phone(
            "1", rng.choice(("212", "415", "617", "312", "646")) + f"{exchange:03d}" + _digits(rng, 4)
        )
    if landline:
        return Phone("33", "14" + _digits(rng, 7))
    if rng.random() < 0.8:
        return Phone("33", "6" + rng.choice("0124578") + _digits(rng, 7))
    return Phone("33", "7" + rng.choice("56789") + _digits(rng, 7))


def phone_text(rng: random.Random, phone: Phone, messy: bool) -> str:
    """How one source writes ``phone``: E.164 when tidy, else one of the formats people and tools use."""
    if not messy:
        return phone.e164
    n = phone.national
    k = rng.randrange(6)
    if phone.cc == "33":
        if k == 0:
            return f"+33 {n[0]} {n[1:3]} {n[3:5]} {n[5:7]} {n[7:9]}"
        if k == 1:
            return f"0{n[0]} {n[1:3]} {n[3:5]} {n[5:7]} {n[7:9]}"
        if k == 2:
            return f"0033{n}"
        if k == 3:
            return f"0{n[0]}.{n[1:3]}.{n[3:5]}.{n[5:7]}.{n[7:9]}"
        if k == 4:
            return f"0{n}"
        return phone.e164
    if phone.cc == "44":
        return (f"+44 {n[:4]} {n[4:]}", f"0044 {n[:4]} {n[4:]}", phone.e164)[k % 3]
    if phone.cc == "49":
        return (f"+49 {n[:3]} {n[3:]}", f"0049 {n[:3]} {n[3:]}", phone.e164)[k % 3]
    return (f"+1 ({n[:3]}) {n[3:6]}-{n[6:]}", f"001 {n[:3]} {n[3:6]} {n[6:]}", phone.e164)[k % 3]


def invalid_phone(rng: random.Random) -> str:
    """Something typed into a phone box that no phone library accepts (too short or too long)."""
    return rng.choice(("12 34", "06 12 34", "+33 6 12", "0612", "+33 6 12 34 56 78 90 12"))


def ascii_slug(text: str, sep: str = "") -> str:
    """Lower-case ASCII letters and digits of ``text``; other runs of characters become ``sep``."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    out: list[str] = []
    for ch in folded:
        if ch.isalnum():
            out.append(ch)
        elif sep and out and out[-1] != sep:
            out.append(sep)
    return "".join(out).strip(sep) if sep else "".join(out)


def new_email(rng: random.Random, first: str, last: str, domain: str, used: set[str]) -> str:
    """A unique, normalised address ``first.last@domain`` (or a common variant of it when taken)."""
    f, la = ascii_slug(first), ascii_slug(last)
    candidates = (f"{f}.{la}", f"{f[0]}{la}", f"{f}{la}", f"{f}_{la}", f"{la}.{f}")
    start = 0 if rng.random() < 0.7 else rng.randrange(len(candidates))
    for i in range(len(candidates)):
        email = f"{candidates[(start + i) % len(candidates)]}@{domain}"
        if email not in used:
            used.add(email)
            return email
    while True:
        email = f"{f}.{la}{rng.randrange(2, 1000)}@{domain}"
        if email not in used:
            used.add(email)
            return email


def email_text(rng: random.Random, email: str, messy: float) -> str:
    """How one source writes a normalised ``email``: itself, or (with probability ``messy``) a variant in
    another case or with stray whitespace, which normalises back to the same address."""
    if not messy or rng.random() >= messy:
        return email
    local, _, domain = email.partition("@")
    k = rng.randrange(5)
    if k == 0:
        return ".".join(p.capitalize() for p in local.split(".")) + "@" + domain.capitalize()
    if k == 1:
        return email.upper()
    if k == 2:
        return email + " "
    if k == 3:
        return " " + ".".join(p.capitalize() for p in local.split(".")) + "@" + domain
    return local.capitalize() + "@" + domain.upper() + "  "


def invalid_email(rng: random.Random, email: str) -> str:
    """A mistyped version of ``email`` that fails validation (no dot in the domain, no @, a space)."""
    local, _, domain = email.partition("@")
    k = rng.randrange(3)
    if k == 0:
        return f"{local}@{domain.rsplit('.', 1)[0]}"
    if k == 1:
        return f"{local}.{domain}"
    return f"{local.replace('.', ' ', 1) if '.' in local else local + ' x'}@{domain}"


def uuid(rng: random.Random) -> str:
    """A random UUID (version 4 layout) drawn from ``rng``."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


class Counter:
    """Unique, increasing identifiers with random gaps (``prefix`` + zero-padded number)."""

    __slots__ = ("_next", "_prefix", "_width", "_rng", "_gap")

    def __init__(self, rng: random.Random, prefix: str, start: int, width: int, gap: int = 1) -> None:
        self._rng, self._prefix, self._next, self._width, self._gap = rng, prefix, start, width, gap

    def __call__(self) -> str:
        self._next += 1 if self._gap <= 1 else self._rng.randint(1, self._gap)
        return f"{self._prefix}{self._next:0{self._width}d}"
