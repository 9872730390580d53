"""Fast, deterministic timestamp formatting for the demo generator.

The simulation keeps time as integer epoch milliseconds (web) or seconds (everything else); these helpers
turn them into the string shapes real exports use. Day strings are cached and the other parts come from
precomputed tables, so formatting costs a few integer divisions and concatenations per row.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

DAY_MS = 86_400_000
DAY_S = 86_400
HOUR_S = 3_600
_EPOCH = date(1970, 1, 1)
_DAYS: dict[int, str] = {}


def day_str(day: int) -> str:
    """``YYYY-MM-DD`` of a day number (days since 1970-01-01)."""
    s = _DAYS.get(day)
    if s is None:
        s = _DAYS[day] = (_EPOCH + timedelta(days=day)).isoformat()
    return s


_2D = tuple(f"{i:02d}" for i in range(60))
_3D = tuple(f"{i:03d}" for i in range(1000))


def iso_ms(ms: int) -> str:
    """Epoch milliseconds as ISO 8601 UTC with milliseconds and ``Z`` (the tracking-spec shape)."""
    day, rem = divmod(ms, DAY_MS)
    d = _DAYS.get(day) or day_str(day)
    sec, milli = divmod(rem, 1000)
    h, sec = divmod(sec, 3600)
    m, sec = divmod(sec, 60)
    return d + "T" + _2D[h] + ":" + _2D[m] + ":" + _2D[sec] + "." + _3D[milli] + "Z"


_2DB = tuple(x.encode() for x in _2D)
_3DB = tuple(x.encode() for x in _3D)
_HOUR_MINUTES_B = tuple(f"T{h:02d}:{m:02d}:".encode() for h in range(24) for m in range(60))
_DAYS_B: dict[int, bytes] = {}


def iso_ms_pair_bytes(ms: int, delta: int) -> tuple[bytes, bytes]:
    """``iso_ms(ms)`` and ``iso_ms(ms + delta)`` (``0 <= delta < 1000``) as UTF-8 bytes, cheaply: rows
    that are assembled as bytes use it."""
    sec, milli = divmod(ms, 1000)
    day, sec = divmod(sec, 86_400)
    minutes, sec = divmod(sec, 60)
    d = _DAYS_B.get(day)
    if d is None:
        d = _DAYS_B[day] = day_str(day).encode()
    prefix = d + _HOUR_MINUTES_B[minutes] + _2DB[sec] + b"."
    later = milli + delta
    if later < 1000:
        return prefix + _3DB[milli] + b"Z", prefix + _3DB[later] + b"Z"
    return prefix + _3DB[milli] + b"Z", iso_ms_pair_bytes(ms + delta, 0)[0]


def iso_s(ts: int) -> str:
    """Epoch seconds as ISO 8601 UTC with ``Z``."""
    day, rem = divmod(ts, DAY_S)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    return f"{day_str(day)}T{h:02d}:{m:02d}:{sec:02d}Z"


def naive_s(ts: int) -> str:
    """Epoch seconds as ``YYYY-MM-DD HH:MM:SS`` without an offset (CRM exports; read as UTC)."""
    day, rem = divmod(ts, DAY_S)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    return f"{day_str(day)} {h:02d}:{m:02d}:{sec:02d}"


def paris_s(ts: int) -> str:
    """Epoch seconds as Paris wall-clock time with its offset (``+02:00`` April-October, else ``+01:00``).

    The offset is an approximation of daylight saving time, but the instant is always exact: the wall clock
    is computed from the offset that is written.
    """
    day = ts // DAY_S
    month = int(day_str(day)[5:7])
    offset = 7200 if 4 <= month <= 10 else 3600
    local = ts + offset
    day, rem = divmod(local, DAY_S)
    h, rem = divmod(rem, 3600)
    m, sec = divmod(rem, 60)
    return f"{day_str(day)}T{h:02d}:{m:02d}:{sec:02d}+0{offset // 3600}:00"


def date_of(ts: int) -> str:
    """The UTC date of epoch seconds, ``YYYY-MM-DD``."""
    return day_str(ts // DAY_S)


def epoch_s(d: date) -> int:
    """Midnight UTC of a date, as epoch seconds."""
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())
