"""`compshare instance`: one instance's life through the official CLI, in the
order a user goes: discover, price, create (and wait), inspect, operate,
delete. Steps run in file order and share the instance the create step made;
if creation fails, later steps fall back to the fixture instance
uhost-demo0run so they still report on their own commands."""

import time

import pytest

from cli_support import (
    PLATFORM_IMAGE,
    REGION,
    RUNNING_INSTANCE,
    ZONE,
    clock_now,
    mock_state,
)

GPU = "4090"
WHERE = ("--region", REGION, "--zone", ZONE)


def instance_id(flow):
    return flow.get("uhost", RUNNING_INSTANCE)


def show(cli, uhost):
    return cli.ok("instance", "show", uhost).data["UHostSet"][0]


def state_of(uhost):
    """The instance in the mock's state dump (GET /_mock/state), if there."""
    return next(
        (i for i in mock_state()["Instances"] if uhost in (i.get("uhost_id"), i.get("UHostId"))),
        None,
    )


def test_zones(cli):
    result = cli.ok("instance", "zones")
    assert {"Region": REGION, "Zone": ZONE} in [
        {"Region": z["Region"], "Zone": z["Zone"]} for z in result.items
    ], result.describe()
    # Without --region the CLI sends no Region at all.
    [sent] = result.requests("DescribeCompShareSupportZone")
    assert "Region" not in sent["Params"]

    # With --region the CLI sends it and shows what comes back.
    only = cli.ok("instance", "zones", "--region", REGION)
    assert REGION in [z["Region"] for z in only.items], only.describe()
    [sent] = only.requests("DescribeCompShareSupportZone")
    assert sent["Params"]["Region"] == REGION


def test_families(cli):
    # The CLI reads MachineTypes[] as objects with Name and Description; the
    # generated SDKs type it a list of strings and check answer types, so the
    # mock keeps the SDKs' type (the overlay's `types_kept`) and this one
    # command cannot print it. The request is still the CLI's, and answered.
    result = cli.run("instance", "families")
    [sent] = result.requests("DescribeCompShareMachineTypeFamilies")
    assert set(sent["Params"]) <= {"Action", "PublicKey", "Signature"}, sent["Params"]
    assert sent["RetCode"] == 0, result.describe()
    assert result.code != 0 and "AttributeError" in result.stderr, result.describe()


def legal_specs(data):
    """(GPU type, GPUs, CPUs, GiB) of every legal size, read as the CLI reads
    AvailableInstanceTypes[].MachineSizes[].Collection[].Memory[]."""
    return {
        (machine.get("Name"), size.get("Gpu"), collection.get("Cpu"), memory)
        for machine in data.get("AvailableInstanceTypes") or []
        for size in machine.get("MachineSizes") or []
        for collection in size.get("Collection") or []
        for memory in collection.get("Memory") or []
    }


def test_search_lists_legal_specs(cli):
    # JSON mode prints the whole answer (the table rows are for humans).
    result = cli.ok("instance", "search", *WHERE, "--gpu", GPU)
    specs = legal_specs(result.data)
    assert (GPU, 1, 16, 64) in specs, result.describe()
    assert {spec[0] for spec in specs} == {GPU}, specs
    [sent] = result.requests("DescribeAvailableCompShareInstanceTypes")
    assert sent["Params"].get("InstanceType") == "uhost"
    assert sent["Params"].get("MachineTypes.0") == GPU
    assert "ignored: InstanceType" not in (sent.get("Notes") or [])


def test_search_with_image_checks_inventory(cli):
    # --image asks CheckCompShareResourceCapacity for every GPU type found;
    # Specs[].Mem is GiB and matched against the legal sizes.
    result = cli.ok("instance", "search", *WHERE, "--gpu", GPU, "--image", PLATFORM_IMAGE,
                    "--available")
    specs = result.data["Inventory"][GPU]
    assert {"Gpu": 1, "Cpu": 16, "Mem": 64, "ResourceEnough": True} in [
        {k: spec.get(k) for k in ("Gpu", "Cpu", "Mem", "ResourceEnough")} for spec in specs
    ], result.describe()
    legal = {spec[1:] for spec in legal_specs(result.data)}
    assert {(s["Gpu"], s["Cpu"], s["Mem"]) for s in specs} <= legal, specs
    [check] = result.requests("CheckCompShareResourceCapacity")
    assert check["RetCode"] == 0
    assert check["Params"]["GpuType"] == GPU and check["Params"]["MachineType"] == "G"


def test_price(cli):
    result = cli.ok("instance", "price", *WHERE, "--gpu", GPU, "--count", "1", "--cpu", "16",
                    "--memory", "64GiB", "--charge", "Postpay", "--image", PLATFORM_IMAGE)
    # Rows are PriceDetails[]: the CLI reads ChargeType and Instance from each.
    assert result.items, result.describe()
    row = result.items[0]
    assert row["ChargeType"] == "Postpay", result.describe()
    assert isinstance(row["Instance"], (int, float)) and row["Instance"] > 0, result.describe()
    [sent] = result.requests("GetCompShareInstancePrice")
    assert sent["Params"]["Memory"] == "65536" or sent["Params"]["Memory"] == 65536


def test_billing_user_price(cli):
    result = cli.ok("instance", "billing", *WHERE, "--gpu", GPU, "--count", "1", "--cpu", "16",
                    "--memory", "64GiB", "--charge", "Postpay")
    assert result.items, result.describe()
    assert isinstance(result.items[0]["Instance"], (int, float)), result.describe()
    [sent] = result.requests("GetCompShareInstanceUserPrice")
    # Upper-case GPU/CPU here (Gpu/Cpu in GetCompShareInstancePrice): taken, not ignored.
    assert {"GPU", "CPU"} <= set(sent["Params"])
    assert not [n for n in sent.get("Notes") or [] if "GPU" in n or "CPU" in n], sent["Notes"]


CREATE = ("instance", "create", *WHERE, "--gpu", GPU, "--count", "1", "--cpu", "16",
          "--memory", "64GiB", "--image", PLATFORM_IMAGE, "--charge", "Postpay")


def test_create_dry_run_creates_nothing(cli):
    result = cli.ok(*CREATE, "--dry-run")
    plan = result.data
    assert plan["dry_run"] is True
    assert plan["selection"]["GpuType"] == GPU and plan["selection"]["Memory"] == 65536
    assert plan["capacity"]["Gpu"] == 1 and plan["capacity"]["Cpu"] == 16
    assert plan["capacity"]["Mem"] == 64
    assert plan["price"].get("PriceDetails"), result.describe()
    assert result.requests("CreateCompShareInstance") == []


def test_create_waits_until_running(cli, flow):
    before = clock_now()
    result = cli.ok(*CREATE, "--name", "cli-box", "--disk", "100GiB", "--yes")
    created = result.data["instance"]
    [uhost] = created["UHostIds"]
    flow["uhost"] = uhost
    # The CLI waited (polling every 3 s of virtual time) until Running.
    [final] = result.data["final"]
    host = final["UHostSet"][0]
    assert host["UHostId"] == uhost and host["State"] == "Running", result.describe()
    assert clock_now() > before, "the CLI's sleeps did not move the virtual clock"
    actions = [e["Action"] for e in result.requests()]
    assert actions[:3] == [
        "CheckCompShareResourceCapacity",
        "GetCompShareInstancePrice",
        "CreateCompShareInstance",
    ], actions
    assert all(e["RetCode"] == 0 for e in result.requests()), result.describe()
    polls = result.requests("DescribeCompShareInstance")
    assert polls and all(p["Params"].get("Region") == REGION for p in polls)
    # The mock holds it for the default account (GET /_mock/state).
    held = state_of(uhost)
    assert held and str(held.get("account_id", held.get("AccountId"))) == "56000001", held
    sent = result.requests("CreateCompShareInstance")[0]["Params"]
    assert sent["GPU"] == "1" or sent["GPU"] == 1
    assert sent["Name"] == "cli-box" and sent["Disks.0.Size"] in ("100", 100)


def test_wait(cli, flow):
    uhost = instance_id(flow)
    result = cli.ok("instance", "wait", uhost, "--state", "Running", "--timeout", "60")
    [done] = result.data["succeeded"]
    assert done["instance"] == uhost
    assert done["region"] == REGION and done["zone"] == ZONE
    assert done["final"]["UHostSet"][0]["State"] == "Running"


def test_list_shows_region_and_zone(cli, flow):
    uhost = instance_id(flow)
    result = cli.ok("instance", "list", "--all")
    rows = {row["UHostId"]: row for row in result.items}
    assert uhost in rows, result.describe()
    row = rows[uhost]
    assert row["Region"] == REGION and row["Zone"] == ZONE, row
    assert row["State"] == "Running" and row["GpuType"] == GPU and row["CPU"] == 16
    assert row["Memory"] == 65536
    assert REGION in result.meta.get("regions", []), result.meta
    # Located across regions: no Region in the request.
    assert all("Region" not in e["Params"] for e in result.requests("DescribeCompShareInstance"))

    filtered = cli.ok("instance", "list", "--status", "running", "--gpu", GPU)
    assert uhost in [row["UHostId"] for row in filtered.items]


def test_show(cli, flow):
    uhost = instance_id(flow)
    host = show(cli, uhost)
    assert host["UHostId"] == uhost and host["Region"] == REGION and host["Zone"] == ZONE
    assert host["State"] == "Running" and host["GpuType"] == GPU
    if flow.get("uhost"):
        assert host["Name"] == "cli-box"
        assert host["CompShareImageId"] == PLATFORM_IMAGE
    spec = cli.ok("instance", "show", uhost, "--spec").data["UHostSet"][0]
    assert spec["CPU"] == 16 and spec["GPU"] == 1 and spec["Region"] == REGION


def test_show_unknown_instance(cli):
    result = cli.run("instance", "show", "uhost-nosuch00")
    assert result.code == 2, result.describe()
    assert result.json["error"]["code"] == "invalid_usage"
    assert "uhost-nosuch00" in result.json["error"]["message"]


def test_rename(cli, flow):
    uhost = instance_id(flow)
    result = cli.ok("instance", "rename", uhost, "cli-renamed")
    [sent] = result.requests("ModifyCompShareInstanceName")
    assert sent["RetCode"] == 0 and sent["Params"]["Zone"] == ZONE
    assert show(cli, uhost)["Name"] == "cli-renamed"


def test_stop_and_wait(cli, flow):
    uhost = instance_id(flow)
    result = cli.ok("instance", "stop", uhost, "--yes", "--wait", "--timeout", "120")
    [done] = result.data["succeeded"]
    assert done["instance"] == uhost
    assert done["final"]["UHostSet"][0]["State"] == "Stopped", result.describe()
    assert show(cli, uhost)["State"] == "Stopped"


def test_password(cli, flow):
    uhost = instance_id(flow)
    result = cli.ok("instance", "password", uhost, "--password", "Cli-Passw0rd!", "--yes")
    [sent] = result.requests("ResetCompShareInstancePassword")
    assert sent["RetCode"] == 0
    assert sent["Params"]["UHostId"] == uhost


def test_resize_price(cli, flow):
    uhost = instance_id(flow)
    result = cli.ok("instance", "resize-price", uhost, "--cpu", "32", "--memory", "128GiB",
                    "--gpu", "2")
    [sent] = result.requests("GetCompShareInstanceUpgradePrice")
    assert sent["RetCode"] == 0
    assert sent["Params"]["CPU"] in ("32", 32) and sent["Params"]["GPU"] in ("2", 2)
    assert not [n for n in sent.get("Notes") or [] if "GPU" in n or "CPU" in n], sent["Notes"]


def test_resize(cli, flow):
    uhost = instance_id(flow)
    result = cli.ok("instance", "resize", uhost, "--cpu", "32", "--memory", "128GiB",
                    "--gpu", "2", "--yes")
    [sent] = result.requests("ResizeCompShareInstance")
    assert sent["RetCode"] == 0, result.describe()
    host = show(cli, uhost)
    assert (host["CPU"], host["Memory"], host["GPU"]) == (32, 131072, 2), host


def test_reinstall_and_wait(cli, flow):
    uhost = instance_id(flow)
    result = cli.ok("instance", "reinstall", uhost, "--image", PLATFORM_IMAGE,
                    "--password", "Cli-Passw0rd!", "--yes", "--wait", "--timeout", "120")
    assert result.data["final"]["UHostSet"][0]["State"] == "Running", result.describe()
    [sent] = result.requests("ReinstallCompShareInstance")
    assert sent["RetCode"] == 0 and sent["Params"]["CompShareImageId"] == PLATFORM_IMAGE


def test_start_refused_when_running(cli, flow):
    # Started while Running: a 290 from the mock, reported per instance.
    uhost = instance_id(flow)
    result = cli.run("instance", "start", uhost)
    assert result.code == 1, result.describe()
    assert result.json["error"]["code"] == "partial_failure"
    [failed] = result.json["error"]["details"]["failed"]
    assert failed["instance"] == uhost and failed["error"]["ret_code"] == 290


def test_reboot_and_wait(cli, flow):
    uhost = instance_id(flow)
    result = cli.ok("instance", "reboot", uhost, "--yes", "--wait", "--timeout", "120")
    assert result.data["succeeded"][0]["final"]["UHostSet"][0]["State"] == "Running"


def test_stop_then_start(cli, flow):
    uhost = instance_id(flow)
    cli.ok("instance", "stop", uhost, "--yes", "--wait")
    result = cli.ok("instance", "start", uhost, "--wait", "--timeout", "120")
    [done] = result.data["succeeded"]
    assert done["final"]["UHostSet"][0]["State"] == "Running", result.describe()


def test_refund(cli, flow):
    uhost = instance_id(flow)
    result = cli.ok("instance", "refund", uhost)
    assert [row["UHostId"] for row in result.items] == [uhost], result.describe()
    [sent] = result.requests("GetCompShareRefundPrice")
    assert sent["Params"]["Region"] == REGION and sent["Params"]["Zone"] == ZONE


def test_monitor(cli, flow):
    uhost = instance_id(flow)
    result = cli.ok("instance", "monitor", uhost)
    hosts = result.data["Data"]["List"]
    assert hosts, result.describe()
    metrics = {m["MetricKey"] for h in hosts for m in h.get("Metrics") or []}
    assert "uhost_cpu_used" in metrics, metrics
    # Sent as a JSON body, UHostIds a native array.
    [sent] = result.requests("GetCompShareInstanceMonitor")
    assert sent["Form"] == "json" and sent["RetCode"] == 0


def test_ports(cli, flow):
    uhost = instance_id(flow)
    listed = cli.ok("instance", "ports", "list")
    assert {"Software": "JupyterLab", "Port": 8888} in listed.items, listed.describe()
    result = cli.ok("instance", "ports", "update", uhost, "--http", "8888", "--http", "7860",
                    "--tcp", "22", "--yes")
    [sent] = result.requests("UpdateCompShareInstancePorts")
    assert sent["RetCode"] == 0
    assert sent["Params"]["HttpPorts.1"] in ("7860", 7860) and sent["Params"]["TcpPorts.0"] in ("22", 22)


def test_schedule_set_extend_cancel(cli, flow):
    uhost = instance_id(flow)
    result = cli.ok("instance", "schedule", "set", uhost, "--at", "2h")
    [project] = result.requests("GetProjectList")
    assert project["RetCode"] == 0 and "Region" not in project["Params"]
    [sent] = result.requests("UpdateCompShareStopScheduler")
    stop_time = int(sent["Params"]["SchedulerStopTime"])
    assert abs(stop_time - (int(time.time()) + 7200)) < 120

    shown = cli.ok("instance", "schedule", "show", uhost).data
    assert shown["scheduled"] is True and shown["scheduler_stop_time"] == stop_time, shown

    extended = cli.ok("instance", "schedule", "extend", uhost, "--by", "1h").data
    assert extended["previous_stop_time"] == stop_time
    assert extended["scheduler_stop_time"] == stop_time + 3600, extended

    cli.ok("instance", "schedule", "cancel", uhost, "--yes")
    shown = cli.ok("instance", "schedule", "show", uhost).data
    assert shown["scheduled"] is False, shown


def test_charge(cli, flow):
    uhost = instance_id(flow)
    plan = cli.ok("instance", "charge", uhost, "--to", "Month", "--dry-run")
    assert plan.data == {"dry_run": True, "instance": uhost, "destination": "Month"}
    assert plan.requests("SwitchChargeType") == []
    result = cli.ok("instance", "charge", uhost, "--to", "Month", "--yes")
    [sent] = result.requests("SwitchChargeType")
    assert sent["RetCode"] == 0 and sent["Params"]["DestChargeType"] == "Month"
    assert sent["Params"]["Region"] == REGION and sent["Params"]["Zone"] == ZONE
    assert show(cli, uhost)["ChargeType"] == "Month"


def test_delete_needs_yes_in_json_mode(cli, flow):
    result = cli.run("instance", "delete", instance_id(flow))
    assert result.code == 2 and result.json["error"]["code"] == "invalid_usage"
    assert result.requests("TerminateCompShareInstance") == []


def test_delete_and_wait_until_gone(cli, flow):
    if "uhost" not in flow:
        pytest.skip("no instance was created")
    uhost = flow["uhost"]
    result = cli.ok("instance", "delete", uhost, "--yes", "--wait", "--timeout", "120")
    [done] = result.data["succeeded"]
    assert done["instance"] == uhost and done["final"]["UHostSet"] == []
    [sent] = result.requests("TerminateCompShareInstance")
    assert sent["Params"]["ReleaseUDisk"] in ("false", False)
    listed = cli.ok("instance", "list", "--all")
    assert uhost not in [row["UHostId"] for row in listed.items]
    # Gone from the mock's own state too (or kept only as no longer alive).
    kept = state_of(uhost)
    assert kept is None or (kept.get("state") or kept.get("State")) not in ("Running", "Stopped")
