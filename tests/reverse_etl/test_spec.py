"""Sync YAML: the shipped files load, errors name the file and the field, secrets resolve."""

from __future__ import annotations

import pytest
from retl_policy import write_sync

from reverse_etl import spec as spec_module
from reverse_etl.destinations import ConfigError
from reverse_etl.spec import load_spec, load_specs, sync_files

BASE = {
    "audience": "hot_leads",
    "destination": "crm",
    "mode": "upsert",
    "identifier": "email",
    "fields": {"email": "email", "score": "attributes.score"},
    "config": {"token": "${TEST_CRM_TOKEN}"},
}


def test_the_shipped_syncs_load_and_are_skipped_until_configured(monkeypatch):
    monkeypatch.delenv("NURTURE_SYNCS_DIR", raising=False)
    monkeypatch.setattr(spec_module, "secrets_file", lambda: spec_module.SYNCS_DIR / "none.toml")
    specs = load_specs()
    assert len(specs) == len(sync_files()) >= 5
    assert {s.destination for s in specs.values()} >= {"crm", "sales_alert", "email_tool", "onsite"}
    assert all(s.disabled_reason and "unset" in s.disabled_reason for s in specs.values())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mode": "sideways"}, "field 'mode': 'sideways' is not one of"),
        ({"destination": "fax"}, "field 'destination': 'fax'"),
        ({"fields": {"x": "password"}}, "field 'fields.x': unknown source 'password'"),
        ({"fields": {"x'); drop": "email"}}, "destination field names are letters"),
        ({"identifier": "attributes.a-b"}, "field 'identifier'"),
        ({"mode": "mirror"}, "crm supports add-only, update-only, upsert, not mirror"),
        ({"audience": None}, "field 'audience' is required"),
        ({"colour": "red"}, "unknown field(s) colour"),
        ({"config": {}}, "field 'config.token' is required for crm"),
        ({"config": {"token": "t", "batch_size": 500}}, "batch_size 500 is outside 1..100 for crm"),
    ],
)
def test_errors_name_the_file_and_the_field(syncs_dir, change, message):
    path = write_sync(syncs_dir, "broken", **{**BASE, **change})
    with pytest.raises(ConfigError) as err:
        load_spec(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_secrets_come_from_the_environment_then_the_secrets_file(syncs_dir, tmp_path, monkeypatch):
    path = write_sync(syncs_dir, "crm_sync", **BASE)
    secrets = tmp_path / "secrets.toml"
    monkeypatch.setattr(spec_module, "secrets_file", lambda: secrets)
    monkeypatch.delenv("TEST_CRM_TOKEN", raising=False)
    assert load_spec(path).disabled_reason.startswith("not configured: TEST_CRM_TOKEN unset")
    secrets.write_text('[reverse_etl]\nTEST_CRM_TOKEN = "from-file"\n')
    assert load_spec(path).config["token"] == "from-file"
    monkeypatch.setenv("TEST_CRM_TOKEN", "from-env")
    spec = load_spec(path)
    assert spec.config["token"] == "from-env" and spec.disabled_reason is None


def test_defaults_after_colon_dash_and_duplicate_names(syncs_dir, monkeypatch):
    monkeypatch.setenv("TEST_CRM_TOKEN", "t")
    path = write_sync(
        syncs_dir, "a", **{**BASE, "config": {"token": "t", "base_url": "${NOPE_URL:-http://x}"}}
    )
    assert load_spec(path).config["base_url"] == "http://x"
    (syncs_dir / "b.yml").write_text((syncs_dir / "a.yml").read_text() + "name: a\n")
    with pytest.raises(ConfigError, match="sync name 'a' is also used"):
        load_specs()


def test_a_sync_can_be_switched_off(syncs_dir):
    path = write_sync(syncs_dir, "off", **{**BASE, "config": {"token": "t"}, "enabled": False})
    assert load_spec(path).disabled_reason == "disabled (enabled: false in its YAML)"
