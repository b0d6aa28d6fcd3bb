"""`compshare bandwidth`: a share bandwidth's life through the official CLI.
The default account (56000001) lists (only the fixtures' one, in cn-bj2-02), finds its instances' EIPs on the
shared bandwidth, cannot switch them before it has one, quotes and buys a
share bandwidth in cn-wlcb-01 (a second is refused), switches its two
instances onto it and one back, resizes it (a payment up, a refund down),
and deletes it (the EIP left on it migrates back). Prices are in fen. Steps
run in file order and share the bandwidth the create step made."""

import pytest

from cli_support import REGION, RUNNING_INSTANCE, STOPPED_INSTANCE, ZONE

# domain.rs: 2000 fen per Mbps and month, a year at ten months.
FEN_PER_MBPS_MONTH = 2000


# The fixtures' share bandwidth of the default account (bandwidths.json).
FIXTURE = ("bwshare-demo0bj2", "cn-bj2", "cn-bj2-02")


def here(cli, profile=None):
    """The listed share bandwidths of cn-wlcb-01 (the fixture's is elsewhere)."""
    return [r for r in cli.ok("bandwidth", "list", profile=profile).items if r["Zone"] == ZONE]


def bandwidth_id(flow):
    if "bandwidth" not in flow:
        pytest.skip("no share bandwidth was created")
    return flow["bandwidth"]


def eips(cli):
    rows = cli.ok("bandwidth", "instances", "--region", REGION, "--zone", ZONE).items
    return {row["UHostId"]: row for row in rows}


def test_list_is_empty_and_asks_every_zone(cli):
    result = cli.ok("bandwidth", "list")
    listed = [(r["ShareBandwidthId"], r["Region"], r["Zone"]) for r in result.items]
    assert listed == [FIXTURE], result.describe()
    sent = result.requests("DescribeCompShareShareBandwidth")
    # One call per zone of DescribeCompShareSupportZone (none is IsPod).
    zones = {(r["Params"]["Region"], r["Params"]["Zone"]) for r in sent}
    assert (REGION, ZONE) in zones and len(zones) == len(sent) >= 2, result.describe()
    assert all(r["RetCode"] == 0 for r in sent)


def test_instances_are_on_the_shared_bandwidth(cli):
    result = cli.ok("bandwidth", "instances", "--region", REGION, "--zone", ZONE)
    [sent] = result.requests("DescribeCompShareInstance")
    assert sent["Params"]["SkipBill"] == "true" and sent["Params"]["IncludeShareBandwidth"] == "true"
    rows = {row["UHostId"]: row for row in result.items}
    assert {RUNNING_INSTANCE, STOPPED_INSTANCE} <= set(rows), result.describe()
    row = rows[RUNNING_INSTANCE]
    assert row["Scope"] == "Public" and row["EIPId"].startswith("eip-") and row["IP"]
    assert row["Bandwidth"] == 50 and row["ShareBandwidthId"] == ""
    assert row["CanSwitch"] is False and row["TargetScope"] == "Company"
    assert (row["Region"], row["Zone"]) == (REGION, ZONE)


def test_switch_without_a_share_bandwidth_fails_per_instance(cli):
    result = cli.run("bandwidth", "switch", RUNNING_INSTANCE, "--to", "dedicated", "--yes")
    assert result.code == 1, result.describe()
    assert result.json["error"]["code"] == "partial_failure", result.describe()
    [sent] = result.requests("SwitchCompShareEIPShareBandwidth")
    assert sent["RetCode"] == 0 and sent["Params"]["TargetScope"] == "Company"
    assert (sent["Params"]["Region"], sent["Params"]["Zone"]) == (REGION, ZONE)
    assert eips(cli)[RUNNING_INSTANCE]["Scope"] == "Public"


def test_create_dry_run_quotes_and_buys_nothing(cli):
    result = cli.ok(
        "bandwidth", "create", "--bandwidth", 100, "--charge", "year", "--quantity", 2,
        "--region", REGION, "--zone", ZONE, "--dry-run",
    )
    assert result.data["dry_run"] is True
    assert result.data["price"]["TotalPrice"] == 100 * FEN_PER_MBPS_MONTH * 10 * 2
    assert result.data["request"]["ChargeType"] == "Year"
    assert result.requests("CreateCompShareShareBandwidth") == []
    assert here(cli) == []


def test_create(cli, flow):
    result = cli.ok(
        "bandwidth", "create", "--bandwidth", 100, "--region", REGION, "--zone", ZONE, "--yes",
    )
    assert result.data["price"]["TotalPrice"] == 100 * FEN_PER_MBPS_MONTH, result.describe()
    created = result.data["created"]
    resource = created["CompanyShareBandwidth"]
    assert resource["ShareBandwidthId"].startswith("bwshare-") and resource["Bandwidth"] == 100
    assert created["OrderNo"], result.describe()
    flow["bandwidth"] = resource["ShareBandwidthId"]

    again = cli.run(
        "bandwidth", "create", "--bandwidth", 20, "--region", REGION, "--zone", ZONE, "--yes",
    )
    assert again.code == 1 and again.json["error"]["code"] == "api_error", again.describe()
    assert again.json["error"]["details"]["ret_code"] == 290
    assert flow["bandwidth"] in again.json["error"]["message"]


def test_list_shows_it(cli, flow):
    bandwidth = bandwidth_id(flow)
    [row] = here(cli)
    assert row["ShareBandwidthId"] == bandwidth and row["ResourceId"] == bandwidth
    assert (row["Region"], row["Zone"]) == (REGION, ZONE)
    assert row["Bandwidth"] == 100 and row["ChargeType"] == "Month" and row["Quantity"] == 1
    assert row["Status"] and row["BindEIPCount"] == 0 and row["BindEIPInfo"] == []
    assert row["PurchaseValue"] > row["CreateTime"] > 0
    # --zone narrows the zones asked.
    narrowed = cli.ok("bandwidth", "list", "--region", REGION, "--zone", ZONE)
    assert len(narrowed.requests("DescribeCompShareShareBandwidth")) == 1
    assert [r["ShareBandwidthId"] for r in narrowed.items] == [bandwidth]
    # Another account has none.
    assert cli.ok("bandwidth", "list", profile="second").items == []


def test_switch_to_dedicated_and_back(cli, flow):
    bandwidth = bandwidth_id(flow)
    assert eips(cli)[RUNNING_INSTANCE]["CanSwitch"] is True
    result = cli.ok(
        "bandwidth", "switch", RUNNING_INSTANCE, STOPPED_INSTANCE, "--to", "dedicated", "--yes",
    )
    # Both instances are in one zone: one call.
    [sent] = result.requests("SwitchCompShareEIPShareBandwidth")
    assert sent["Params"]["UHostIds.0"] == RUNNING_INSTANCE
    assert sent["Params"]["UHostIds.1"] == STOPPED_INSTANCE
    results = {r["UHostId"]: r for r in result.data["Results"]}
    assert all(r["Success"] and r["CurrentScope"] == "Company" for r in results.values()), (
        result.describe()
    )
    rows = eips(cli)
    assert rows[RUNNING_INSTANCE]["Scope"] == "Company"
    assert rows[RUNNING_INSTANCE]["ShareBandwidthId"] == bandwidth
    assert rows[RUNNING_INSTANCE]["Bandwidth"] == 100
    assert rows[RUNNING_INSTANCE]["TargetScope"] == "Public"
    [listed] = here(cli)
    assert listed["BindEIPCount"] == 2
    assert {e["UHostId"] for e in listed["BindEIPInfo"]} == {RUNNING_INSTANCE, STOPPED_INSTANCE}

    back = cli.ok("bandwidth", "switch", STOPPED_INSTANCE, "--to", "shared", "--yes")
    assert back.data["Results"][0]["CurrentScope"] == "Public", back.describe()
    assert eips(cli)[STOPPED_INSTANCE]["Scope"] == "Public"

    unknown = cli.run("bandwidth", "switch", "uhost-nowhere", "--to", "shared", "--yes")
    assert unknown.code == 1 and unknown.json["error"]["code"] == "partial_failure"
    assert unknown.requests("SwitchCompShareEIPShareBandwidth") == []


def test_resize(cli, flow):
    bandwidth = bandwidth_id(flow)
    args = ("--region", REGION, "--zone", ZONE)
    down = cli.ok("bandwidth", "resize", bandwidth, "--bandwidth", 60, *args, "--dry-run")
    assert down.data["price"]["TotalPrice"] == -40 * FEN_PER_MBPS_MONTH, down.describe()
    assert down.requests("ModifyCompShareShareBandwidth") == []
    up = cli.ok("bandwidth", "resize", bandwidth, "--bandwidth", 150, *args, "--yes")
    assert up.data["price"]["TotalPrice"] == 50 * FEN_PER_MBPS_MONTH, up.describe()
    [sent] = up.requests("ModifyCompShareShareBandwidth")
    assert sent["RetCode"] == 0 and sent["Params"]["ShareBandwidth"] == "150"
    [row] = here(cli)
    assert row["Bandwidth"] == 150
    assert eips(cli)[RUNNING_INSTANCE]["Bandwidth"] == 150


def test_delete(cli, flow):
    bandwidth = bandwidth_id(flow)
    args = ("--region", REGION, "--zone", ZONE)
    plan = cli.ok("bandwidth", "delete", bandwidth, *args, "--dry-run")
    assert plan.data["refund"]["RefundPrice"] == -150 * FEN_PER_MBPS_MONTH, plan.describe()
    refused = cli.run("bandwidth", "delete", bandwidth, *args)
    assert refused.code == 2 and refused.requests("DeleteCompShareShareBandwidth") == []
    result = cli.ok("bandwidth", "delete", bandwidth, *args, "--yes")
    assert result.data["deleted"]["MigratedEIPCount"] == 1, result.describe()
    assert here(cli) == []
    rows = eips(cli)
    assert rows[RUNNING_INSTANCE]["Scope"] == "Public" and rows[RUNNING_INSTANCE]["Bandwidth"] == 50
    gone = cli.run("bandwidth", "delete", bandwidth, *args, "--yes")
    assert gone.code == 1 and gone.json["error"]["details"]["ret_code"] == 230, gone.describe()
