"""The raw-data contract (``catalog.yml``) as typed objects.

Everything that reads or writes raw data goes through this module: the loader validates against it,
the demo generator writes files that follow it, and the import mappings target its fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

CATALOG_PATH = Path(__file__).with_name("catalog.yml")

FieldType = Literal["string", "email", "phone", "timestamp", "date", "integer", "number", "boolean", "json"]
FIELD_TYPES: frozenset[str] = frozenset(FieldType.__args__)  # type: ignore[attr-defined]

# Columns the loader adds to every raw table.
META_COLUMNS = ("_file", "_line", "loaded_at", "_extra")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    required: bool = False
    paths: tuple[str, ...] = ()
    lower: bool = False
    values: frozenset[str] | None = None

    @property
    def lookup_paths(self) -> tuple[str, ...]:
        return self.paths or (self.name,)


@dataclass(frozen=True)
class TableSpec:
    name: str
    source: str
    kind: Literal["event", "entity"]
    primary_key: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    time_field: str | None = None
    require_one_of: tuple[str, ...] = ()
    children: dict[str, str] = field(default_factory=dict)  # nested list path -> child table
    parent: str | None = None

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"table {self.name} has no field {name!r}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def write_disposition(self) -> str:
        return "append" if self.kind == "event" else "merge"


@dataclass(frozen=True)
class SourceSpec:
    name: str
    description: str
    tables: tuple[TableSpec, ...]

    @property
    def landing_tables(self) -> tuple[TableSpec, ...]:
        """Tables that have a landing folder of their own (children arrive inside their parent)."""
        return tuple(t for t in self.tables if t.parent is None)


class CatalogError(ValueError):
    pass


def _field(table: str, name: str, raw: dict) -> FieldSpec:
    ftype = raw.get("type", "string")
    if ftype not in FIELD_TYPES:
        raise CatalogError(f"{table}.{name}: unknown type {ftype!r} (one of {sorted(FIELD_TYPES)})")
    paths = raw.get("path", ())
    if isinstance(paths, str):
        paths = (paths,)
    values = raw.get("values")
    return FieldSpec(
        name=name,
        type=ftype,
        required=bool(raw.get("required", False)),
        paths=tuple(paths),
        lower=bool(raw.get("lower", False)),
        values=frozenset(values) if values else None,
    )


def parse_catalog(doc: dict) -> dict[str, SourceSpec]:
    sources: dict[str, SourceSpec] = {}
    for sname, sraw in doc["sources"].items():
        tables = []
        for tname, traw in sraw["tables"].items():
            fields = tuple(_field(tname, fname, fraw or {}) for fname, fraw in traw["fields"].items())
            names = {f.name for f in fields}
            for key in (*traw["primary_key"], *traw.get("require_one_of", ())):
                if key not in names:
                    raise CatalogError(f"{tname}: key field {key!r} is not among its fields")
            tables.append(
                TableSpec(
                    name=tname,
                    source=sname,
                    kind=traw["kind"],
                    primary_key=tuple(traw["primary_key"]),
                    fields=fields,
                    time_field=traw.get("time_field"),
                    require_one_of=tuple(traw.get("require_one_of", ())),
                    children=dict(traw.get("children", {})),
                    parent=traw.get("parent"),
                )
            )
        sources[sname] = SourceSpec(sname, sraw.get("description", ""), tuple(tables))
    return sources


@cache
def catalog() -> dict[str, SourceSpec]:
    """Every source of the catalog, by name."""
    return parse_catalog(yaml.safe_load(CATALOG_PATH.read_text()))


def all_tables() -> dict[str, TableSpec]:
    return {t.name: t for s in catalog().values() for t in s.tables}


def table(name: str) -> TableSpec:
    try:
        return all_tables()[name]
    except KeyError:
        raise CatalogError(f"no raw table {name!r}; known: {sorted(all_tables())}") from None
