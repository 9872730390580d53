"""One Dagster asset per sync YAML, downstream of the activation policy; it runs the sync."""

from __future__ import annotations

from dagster import AssetKey, DagsterInstance, materialize
from retl_policy import member, query, write_policy, write_sync
from retl_servers import VendorServer, WebhookApp

from reverse_etl.spec import load_specs, sync_files


def test_every_shipped_sync_is_an_asset_after_the_policy_in_the_warehouse_pool(monkeypatch):
    monkeypatch.delenv("NURTURE_SYNCS_DIR", raising=False)
    from orchestration.definitions import build_definitions

    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    names = [p.stem for p in sync_files()]
    assert len(names) >= 5
    for name in names:
        node = graph.get(AssetKey(["reverse_etl", name]))
        assert node.parent_keys == {AssetKey(["marts", "activation_policy"])}
        assert node.group_name == "reverse_etl"
        assert node.pools == {"warehouse"}
    assert {f"sync_{n}" for n in names} <= {j.name for j in defs.jobs}


def test_the_asset_runs_the_sync_and_skips_an_unconfigured_one(warehouse, syncs_dir, monkeypatch):
    from orchestration.defs.reverse_etl import sync_asset

    app = WebhookApp("s")
    write_policy(warehouse, [member(i) for i in range(4)])
    with VendorServer(app) as server:
        common = {
            "audience": "hot_leads",
            "destination": "webhook",
            "mode": "upsert",
            "identifier": "member_key",
            "fields": {"email": "email"},
        }
        write_sync(syncs_dir, "ready", **common, config={"url": server.url, "secret": "s"})
        monkeypatch.delenv("UNSET_HOOK_URL", raising=False)
        write_sync(syncs_dir, "unready", **common, config={"url": "${UNSET_HOOK_URL}", "secret": "s"})
        specs = load_specs()
        result = materialize(
            [sync_asset(specs["ready"]), sync_asset(specs["unready"])], instance=DagsterInstance.ephemeral()
        )
    assert result.success
    events = result.get_asset_materialization_events()
    mats = {tuple(e.asset_key.path): e.materialization.metadata for e in events}
    assert list(mats) == [("reverse_etl", "ready")]
    assert mats[("reverse_etl", "ready")]["delivered"].value == 4
    assert len(app.applied) == 4
    assert query(warehouse, "select sync_name, status from reverse_etl.sync_runs") == [("ready", "succeeded")]
