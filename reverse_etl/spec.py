"""Syncs as data: one YAML file per sync in ``reverse_etl/syncs/`` (format in ``syncs/README.md``).

A sync reads one audience for one destination from ``marts.activation_policy`` (nothing else), maps
policy columns onto the destination's fields and sends the changes in one of four modes. Values of
``config`` may reference ``${NAME}`` or ``${NAME:-default}``: NAME is read from the environment, else
from the ``[reverse_etl]`` table of ``.dlt/secrets.toml``; a sync whose required settings are unset
is skipped with the reason, not failed.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from reverse_etl.destinations import KINDS, ConfigError, Destination
from sources import settings

SYNCS_DIR = Path(__file__).resolve().parent / "syncs"
MODES = ("upsert", "update-only", "add-only", "mirror")
POLICY_DESTINATIONS = (
    "email_tool",
    "sms_tool",
    "call_centre",
    "crm",
    "ad_audience",
    "onsite",
    "webhook",
    "sales_alert",
)
DEFAULT_KIND = {"call_centre": "file_drop"}  # the others are served by the kind of the same name
POLICY_COLUMNS = (
    "member_key",
    "contact_id",
    "anonymous_id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "crm_contact_id",
    "priority",
    "audience",
)
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
REF_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class SyncSpec:
    name: str
    audience: str
    destination: str  # the policy's destination name
    kind: str  # the destination implementation
    mode: str
    identifier: str
    fields: dict[str, str]
    schedule: str | None
    config: dict[str, Any]
    description: str = ""
    source_file: str = ""
    missing: tuple[str, ...] = field(default=())  # settings that are not configured

    @property
    def disabled_reason(self) -> str | None:
        if "enabled: false" in self.missing:
            return "disabled (enabled: false in its YAML)"
        if self.missing:
            return "not configured: " + ", ".join(self.missing) + " unset (environment or .dlt/secrets.toml)"
        return None

    def destination_instance(self) -> Destination:
        return KINDS[self.kind](self.config, self.name, self.audience)


def secrets_file() -> Path:
    return settings.PROJECT_ROOT / ".dlt" / "secrets.toml"


def _secrets() -> dict[str, Any]:
    path = secrets_file()
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return {**{k: v for k, v in data.items() if not isinstance(v, dict)}, **data.get("reverse_etl", {})}


def resolve(value: Any, missing: list[str], secrets: dict[str, Any]) -> Any:
    """Replace ${NAME} / ${NAME:-default} in strings (recursively); note unset names in ``missing``."""
    if isinstance(value, dict):
        return {k: resolve(v, missing, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, missing, secrets) for v in value]
    if not isinstance(value, str):
        return value

    def sub(match: re.Match) -> str:
        name, default = match.group(1), match.group(2)
        found = os.environ.get(name) or secrets.get(name)
        if found not in (None, ""):
            return str(found)
        if default is not None:
            return os.path.expandvars(default)
        missing.append(name)
        return ""

    return REF_RE.sub(sub, value)


def _field_source(source: str, where: str) -> str:
    if source in POLICY_COLUMNS:
        return source
    if source.startswith("attributes.") and re.fullmatch(r"attributes\.[A-Za-z0-9_]+", source):
        return source
    raise ConfigError(
        f"{where}: unknown source {source!r}: a policy column ({', '.join(POLICY_COLUMNS)}) "
        "or attributes.<key>"
    )


def load_spec(path: Path) -> SyncSpec:
    """Read and validate one sync file; errors name the file and the field."""
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of sync settings")
    known = {"name", "description", "audience", "destination", "type", "mode", "identifier", "fields"}
    known |= {"schedule", "config", "enabled"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown field(s) {', '.join(unknown)}")

    def need(key: str) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{path}: field '{key}' is required (a string)")
        return value.strip()

    name = str(raw.get("name") or path.stem)
    if not NAME_RE.match(name):
        raise ConfigError(f"{path}: field 'name': {name!r} must be lower_snake_case")
    audience = need("audience")
    destination = need("destination")
    if destination not in POLICY_DESTINATIONS:
        raise ConfigError(
            f"{path}: field 'destination': {destination!r} is not one of {', '.join(POLICY_DESTINATIONS)}"
        )
    kind = str(raw.get("type") or DEFAULT_KIND.get(destination, destination))
    if kind not in KINDS:
        raise ConfigError(f"{path}: field 'type': {kind!r} is not one of {', '.join(sorted(KINDS))}")
    mode = need("mode")
    if mode not in MODES:
        raise ConfigError(f"{path}: field 'mode': {mode!r} is not one of {', '.join(MODES)}")
    if mode not in KINDS[kind].modes:
        raise ConfigError(
            f"{path}: field 'mode': {kind} supports {', '.join(sorted(KINDS[kind].modes))}, not {mode}"
        )
    identifier = need("identifier")
    _field_source(identifier, f"{path}: field 'identifier'")
    fields = raw.get("fields") or {}
    if not isinstance(fields, dict) or not fields:
        raise ConfigError(f"{path}: field 'fields' must map destination fields to policy columns")
    for dest, src in fields.items():
        if not re.fullmatch(r"[A-Za-z0-9_\-]+", str(dest)):
            raise ConfigError(
                f"{path}: field 'fields.{dest}': destination field names are letters, digits, _ and -"
            )
        _field_source(str(src), f"{path}: field 'fields.{dest}'")
    config = raw.get("config") or {}
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: field 'config' must be a mapping")
    missing: list[str] = []
    resolved = resolve(config, missing, _secrets())
    for key in KINDS[kind].needs:
        if key not in config:
            raise ConfigError(f"{path}: field 'config.{key}' is required for {kind}")
    if raw.get("enabled") is False:
        missing.append("enabled: false")
    spec = SyncSpec(
        name=name,
        audience=audience,
        destination=destination,
        kind=kind,
        mode=mode,
        identifier=identifier,
        fields={str(k): str(v) for k, v in fields.items()},
        schedule=raw.get("schedule"),
        config=resolved,
        description=str(raw.get("description") or ""),
        source_file=str(path),
        missing=tuple(dict.fromkeys(missing)),
    )
    if not spec.missing:
        try:
            spec.destination_instance().close()
        except (ConfigError, ValueError, KeyError) as exc:
            raise ConfigError(f"{path}: field 'config': {exc}") from None
    return spec


def sync_files(directory: Path | None = None) -> list[Path]:
    folder = directory or Path(os.environ.get("NURTURE_SYNCS_DIR", SYNCS_DIR))
    return sorted(p for p in folder.glob("*.yml") if p.is_file())


def load_specs(directory: Path | None = None) -> dict[str, SyncSpec]:
    specs: dict[str, SyncSpec] = {}
    for path in sync_files(directory):
        spec = load_spec(path)
        if spec.name in specs:
            raise ConfigError(
                f"{path}: sync name {spec.name!r} is also used by {specs[spec.name].source_file}"
            )
        specs[spec.name] = spec
    return specs
