"""``nurture audiences``: every audience with its size and, per destination, who is held back and why.

Reads the warehouse only (``int_audiences__destinations``, ``fct_audience_sizes`` and
``activation_policy``); a pure ``render`` turns the report into text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb


class AudiencesError(RuntimeError):
    """The warehouse has no audiences to report (not built yet, or an unknown audience)."""


@dataclass(frozen=True)
class DestinationLine:
    destination: str
    members: int
    allowed: int
    held: dict[str, int] = field(default_factory=dict)  # hold_reason -> members


@dataclass(frozen=True)
class AudienceLine:
    audience: str
    priority: int
    owner: str
    refresh: str
    members: int
    anonymous_members: int
    previous_members: int | None
    destinations: list[DestinationLine]


@dataclass(frozen=True)
class AudienceReport:
    as_of: date | None
    audiences: list[AudienceLine]


def audience_report(warehouse: Path, audience: str | None = None) -> AudienceReport:
    """Sizes (latest as-of date of the history, and the one before) and the policy per destination."""
    if not Path(warehouse).exists():
        raise AudiencesError(f"no warehouse at {warehouse}: run `nurture demo` or `nurture run` first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        try:
            meta = con.execute(
                "select audience, destination, priority, owner, refresh "
                "from intermediate.int_audiences__destinations order by priority, audience, destination"
            ).fetchall()
            sizes = con.execute(
                """
                select audience, as_of, members, anonymous_members,
                       row_number() over (partition by audience order by as_of desc) as recency
                from marts.fct_audience_sizes
                """
            ).fetchall()
            policy = con.execute(
                """
                select audience, destination, coalesce(hold_reason, ''), count(*)
                from marts.activation_policy
                group by all
                """
            ).fetchall()
        except duckdb.CatalogException as exc:
            raise AudiencesError(
                f"the audiences are not built in {warehouse} ({exc}): run `nurture build` first"
            ) from None

    latest: dict[str, tuple[date, int, int]] = {}
    previous: dict[str, int] = {}
    for name, as_of, members, anonymous, recency in sizes:
        if recency == 1:
            latest[name] = (as_of, members, anonymous)
        elif recency == 2:
            previous[name] = members
    held: dict[tuple[str, str], dict[str, int]] = {}
    for name, destination, reason, count in policy:
        held.setdefault((name, destination), {})[reason] = count

    lines: dict[str, AudienceLine] = {}
    for name, destination, priority, owner, refresh in meta:
        if audience is not None and name != audience:
            continue
        if name not in lines:
            _, members, anonymous = latest.get(name, (None, 0, 0))
            lines[name] = AudienceLine(
                name, priority, owner or "", refresh or "", members, anonymous, previous.get(name), []
            )
        counts = held.get((name, destination), {})
        allowed = counts.get("", 0)
        reasons = {
            reason: n for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if reason
        }
        lines[name].destinations.append(DestinationLine(destination, sum(counts.values()), allowed, reasons))
    if audience is not None and not lines:
        raise AudiencesError(f"no audience named {audience!r} (see `nurture audiences`)")
    as_of = max((v[0] for v in latest.values()), default=None)
    return AudienceReport(as_of, list(lines.values()))


def render(report: AudienceReport) -> str:
    """The report as text: one block per audience, one line per destination."""
    header = f"{len(report.audiences)} audiences" + (f" as of {report.as_of}" if report.as_of else "")
    out = [header, ""]
    columns = f"{'priority':>9}{'members':>9}{'allowed':>9}{'held':>7}"
    out.append(f"{'audience / destination':<32}{columns}  held back because")
    for line in report.audiences:
        change = ""
        if line.previous_members is not None:
            change = f"  ({line.members - line.previous_members:+,} since the previous as-of date)"
        anonymous = f", {line.anonymous_members:,} anonymous" if line.anonymous_members else ""
        out.append(
            f"{line.audience:<32}{line.priority:>9}{line.members:>9,}{'':>9}{'':>7}  "
            f"owner {line.owner}, refresh {line.refresh}{anonymous}{change}".rstrip()
        )
        for dest in line.destinations:
            reasons = ", ".join(f"{reason} {n:,}" for reason, n in dest.held.items())
            held = dest.members - dest.allowed
            counts = f"{'':>9}{dest.members:>9,}{dest.allowed:>9,}{held:>7,}"
            out.append(f"  {dest.destination:<30}{counts}  {reasons}".rstrip())
    return "\n".join(out)
