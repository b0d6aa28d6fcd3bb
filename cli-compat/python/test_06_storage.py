"""`compshare storage`: data disks, CFS and US3 through the official CLI.
The default account (56000001) lists its two fixture disks in cn-wlcb-01
(`udisk-demo0avl` Available, `udisk-demo0use` on the stopped instance),
creates and attaches a disk to the stopped instance, attaches the free one to
the running instance, quotes and resizes the new disk, detaches it and deletes
it at once (the mock answers 8434 while it detaches; the CLI retries in
virtual time). In the container zone cn-sh2-01 it lists and shows the fixture
CFS, quotes, buys, resizes, quotes the refund of and deletes a CFS, detaches
the fixture CFS from its container instance and attaches it again. US3
attaches to a uhost- instance of the default account; the second account has
no US3 (8433). Prices are in CNY. Steps run in file order and share the disk
and CFS the create steps made."""

import pytest

from cli_support import REGION, RUNNING_INSTANCE, STOPPED_INSTANCE, ZONE

# The fixtures' data disks of the default account (disks.json).
FREE_DISK = "udisk-demo0avl"
USED_DISK = "udisk-demo0use"

# The container zone, its container instance and its CFS (cfs.json).
POD_REGION = "cn-sh2"
POD_ZONE = "cn-sh2-01"
POD = "cpod-demo0pod"
FIXTURE_CFS = "cfs-demo0pod"
POD_ARGS = ("--region", POD_REGION, "--zone", POD_ZONE)

# domain.rs: a month's price per GiB in CNY.
SSD_PER_GIB = 0.8
CFS_PER_GIB = 0.35


def disk_id(flow):
    if "disk" not in flow:
        pytest.skip("no disk was created")
    return flow["disk"]


def cfs_id(flow):
    if "cfs" not in flow:
        pytest.skip("no CFS was created")
    return flow["cfs"]


def disks(cli, *args):
    return {row["ResourceId"]: row for row in cli.ok("storage", "disk", "list", *args).items}


def cfs_rows(cli):
    return {row["CfsId"]: row for row in cli.ok("storage", "cfs", "list", *POD_ARGS).items}


def test_disk_list(cli):
    result = cli.ok("storage", "disk", "list")
    rows = {row["ResourceId"]: row for row in result.items}
    assert set(rows) == {FREE_DISK, USED_DISK}, result.describe()
    assert rows[FREE_DISK]["Status"] == "Available" and not rows[FREE_DISK]["MountInstance"]
    assert rows[USED_DISK]["Status"] == "InUse"
    assert rows[USED_DISK]["MountInstance"] == STOPPED_INSTANCE
    assert all(row["Zone"] == ZONE for row in rows.values())
    assert rows[FREE_DISK]["Configuration"].endswith("GB")
    [sent] = result.requests("DescribeCompshareDisk")
    assert sent["RetCode"] == 0 and "HostId" not in sent["Params"]

    narrowed = cli.ok("storage", "disk", "list", "--instance", STOPPED_INSTANCE)
    assert [row["ResourceId"] for row in narrowed.items] == [USED_DISK], narrowed.describe()
    [sent] = narrowed.requests("DescribeCompshareDisk")
    assert sent["Params"]["HostId"] == STOPPED_INSTANCE
    assert cli.ok("storage", "disk", "list", profile="second").items == []


def test_disk_create(cli, flow):
    refused = cli.run(
        "storage", "disk", "create", "--instance", STOPPED_INSTANCE, "--size", "100GiB",
        "--name", "data-1",
    )
    assert refused.code == 2 and refused.requests("CreateAndAttachCompshareDisk") == []
    result = cli.ok(
        "storage", "disk", "create", "--instance", STOPPED_INSTANCE, "--size", "100GiB",
        "--name", "data-1", "--yes",
    )
    disk = result.data["UDiskId"]
    assert disk.startswith("udisk-") and disk not in (FREE_DISK, USED_DISK), result.describe()
    [sent] = result.requests("CreateAndAttachCompshareDisk")
    assert sent["RetCode"] == 0
    params = sent["Params"]
    assert params["UHostId"] == STOPPED_INSTANCE and params["Size"] == "100"
    assert params["DiskType"] == "SSDDataDisk" and params["ChargeType"] == "Month"
    assert params["Name"] == "data-1" and (params["Region"], params["Zone"]) == (REGION, ZONE)
    flow["disk"] = disk

    rows = disks(cli, "--instance", STOPPED_INSTANCE)
    assert set(rows) == {USED_DISK, disk}
    row = rows[disk]
    assert row["Status"] == "InUse" and row["Configuration"] == "100GB" and row["Name"] == "data-1"
    assert row["MountInstance"] == STOPPED_INSTANCE and row["Zone"] == ZONE


def test_disk_attach(cli):
    result = cli.ok("storage", "disk", "attach", FREE_DISK, "--instance", RUNNING_INSTANCE)
    [sent] = result.requests("AttachCompshareDisk")
    assert sent["RetCode"] == 0 and sent["Params"]["UDiskId"] == FREE_DISK
    assert sent["Params"]["UHostId"] == RUNNING_INSTANCE
    row = disks(cli)[FREE_DISK]
    assert row["Status"] == "InUse" and row["MountInstance"] == RUNNING_INSTANCE
    # In use now: attaching it again is refused.
    again = cli.run("storage", "disk", "attach", FREE_DISK, "--instance", STOPPED_INSTANCE)
    assert again.code == 1 and again.json["error"]["details"]["ret_code"] == 290, again.describe()
    # Detaching needs a stopped instance.
    running = cli.run(
        "storage", "disk", "detach", FREE_DISK, "--instance", RUNNING_INSTANCE,
        "--device", disks(cli)[FREE_DISK].get("Device") or "/dev/vdb", "--yes",
    )
    assert running.code == 1 and running.json["error"]["details"]["ret_code"] == 290, (
        running.describe()
    )
    assert disks(cli)[FREE_DISK]["Status"] == "InUse"


def test_disk_price(cli, flow):
    disk = disk_id(flow)
    result = cli.ok(
        "storage", "disk", "price", disk, "--instance", STOPPED_INSTANCE, "--size", "200GiB",
    )
    [sent] = result.requests("GetCompShareAttachedDiskUpgradePrice")
    assert sent["RetCode"] == 0 and sent["Params"]["DiskId"] == disk
    assert sent["Params"]["DiskSpace"] == "200"
    assert result.data["Price"] == pytest.approx(100 * SSD_PER_GIB), result.describe()
    smaller = cli.run(
        "storage", "disk", "price", disk, "--instance", STOPPED_INSTANCE, "--size", "50GiB",
    )
    assert smaller.code == 1 and smaller.json["error"]["details"]["ret_code"] == 230


def test_disk_resize(cli, flow):
    disk = disk_id(flow)
    result = cli.ok("storage", "disk", "resize", disk, "--size", "200GiB", "--yes")
    [sent] = result.requests("ResizeCompShareDisk")
    # The CLI found the disk's instance and zone by itself.
    assert sent["RetCode"] == 0 and sent["Params"]["Size"] == "200"
    assert sent["Params"]["UHostId"] == STOPPED_INSTANCE and sent["Params"]["Zone"] == ZONE
    assert disks(cli)[disk]["Configuration"] == "200GB"
    shrink = cli.run("storage", "disk", "resize", disk, "--size", "150GiB", "--yes")
    assert shrink.code == 1 and shrink.json["error"]["details"]["ret_code"] == 230
    assert disks(cli)[disk]["Configuration"] == "200GB"


def test_disk_detach_and_delete_at_once(cli, flow):
    disk = disk_id(flow)
    device = disks(cli)[disk].get("Device") or "/dev/vdc"
    result = cli.ok(
        "storage", "disk", "detach", disk, "--instance", STOPPED_INSTANCE, "--device", device,
        "--yes",
    )
    [sent] = result.requests("DetachCompshareDisk")
    assert sent["RetCode"] == 0 and sent["Params"]["Device"] == device
    assert disks(cli)[disk]["Status"] == "Detaching"

    refused = cli.run("storage", "disk", "delete", disk)
    assert refused.code == 2 and refused.requests("DeleteCompshareDisk") == []
    deleted = cli.ok("storage", "disk", "delete", disk, "--yes")
    sent = deleted.requests("DeleteCompshareDisk")
    # Still detaching (5 s): 8434 at 0 s and after the CLI's first retry (2 s
    # later in virtual time); its second retry (4 s more) succeeds.
    assert [r["RetCode"] for r in sent] == [8434, 8434, 0], deleted.describe()
    assert all(r["Params"]["UDiskId"] == disk for r in sent)
    assert disk not in disks(cli)
    assert set(disks(cli, "--instance", STOPPED_INSTANCE)) == {USED_DISK}


def test_cfs_list(cli):
    result = cli.ok("storage", "cfs", "list")
    rows = {row["CfsId"]: row for row in result.items}
    assert set(rows) == {FIXTURE_CFS}, result.describe()
    row = rows[FIXTURE_CFS]
    assert row["Size"] == 100 and row["ChargeType"] == "Month"
    assert row["MountStatus"] == "Mounted" and row["MountedUHostIds"] == [POD]
    assert row["PurchaseValue"] > 0
    [sent] = result.requests("DescribeCFS")
    assert sent["RetCode"] == 0 and "Zone" not in sent["Params"]

    narrowed = cli.ok("storage", "cfs", "list", *POD_ARGS)
    [sent] = narrowed.requests("DescribeCFS")
    assert (sent["Params"]["Region"], sent["Params"]["Zone"]) == (POD_REGION, POD_ZONE)
    assert [r["CfsId"] for r in narrowed.items] == [FIXTURE_CFS]
    # A uhost- zone is refused by the CLI before any DescribeCFS.
    elsewhere = cli.run("storage", "cfs", "list", "--region", REGION, "--zone", ZONE)
    assert elsewhere.code == 2 and elsewhere.requests("DescribeCFS") == [], elsewhere.describe()
    assert cli.ok("storage", "cfs", "list", profile="second").items == []


def test_cfs_show(cli):
    result = cli.ok("storage", "cfs", "show", FIXTURE_CFS)
    [sent] = result.requests("DescribeCFS")
    assert sent["Params"]["CfsId"] == FIXTURE_CFS
    [row] = result.data["CFSSet"]
    assert row["CfsId"] == FIXTURE_CFS and row["MountedUHostIds"] == [POD], result.describe()


def test_cfs_price(cli):
    month = cli.ok("storage", "cfs", "price", "--size", "100GiB", *POD_ARGS)
    [detail] = month.data["PriceDetails"]
    assert detail["ChargeType"] == "Month" and detail["Quantity"] == 1
    assert detail["Price"] == pytest.approx(100 * CFS_PER_GIB), month.describe()
    year = cli.ok(
        "storage", "cfs", "price", "--size", "100GiB", "--charge", "Year", "--quantity", 2,
        *POD_ARGS,
    )
    [sent] = year.requests("GetCompShareCFSPrice")
    assert sent["Params"]["ChargeType"] == "Year" and sent["Params"]["Quantity"] == "2"
    assert year.data["PriceDetails"][0]["Price"] == pytest.approx(100 * CFS_PER_GIB * 10 * 2)
    small = cli.run("storage", "cfs", "price", "--size", "40GiB", *POD_ARGS)
    assert small.code == 2 and small.requests("GetCompShareCFSPrice") == []


def test_cfs_create(cli, flow):
    plan = cli.ok(
        "storage", "cfs", "create", "--name", "shared", "--size", "200GiB", *POD_ARGS,
        "--dry-run",
    )
    assert plan.data["dry_run"] is True and plan.data["request"]["Size"] == 200
    assert plan.requests("CreateCFS") == [] and set(cfs_rows(cli)) == {FIXTURE_CFS}
    result = cli.ok(
        "storage", "cfs", "create", "--name", "shared", "--size", "200GiB", *POD_ARGS, "--yes",
    )
    cfs = result.data["CfsId"]
    assert cfs.startswith("cfs-") and cfs != FIXTURE_CFS, result.describe()
    [quote] = result.requests("GetCompShareCFSPrice")
    [sent] = result.requests("CreateCFS")
    assert quote["RetCode"] == 0 and sent["RetCode"] == 0
    assert sent["Params"]["Name"] == "shared" and sent["Params"]["Size"] == "200"
    assert sent["Params"]["Zone"] == POD_ZONE
    flow["cfs"] = cfs
    row = cfs_rows(cli)[cfs]
    assert row["Name"] == "shared" and row["Size"] == 200 and row["MountStatus"] == "Unmounted"
    assert row["MountedUHostIds"] == []


def test_cfs_resize_price_and_resize(cli, flow):
    cfs = cfs_id(flow)
    quote = cli.ok("storage", "cfs", "resize-price", cfs, "--size", "300GiB", *POD_ARGS)
    assert quote.data["Price"] == pytest.approx(100 * CFS_PER_GIB), quote.describe()
    [sent] = quote.requests("GetCompShareCFSUpgradePrice")
    assert sent["Params"]["CfsId"] == cfs and sent["Params"]["Size"] == "300"
    smaller = cli.run("storage", "cfs", "resize-price", cfs, "--size", "100GiB", *POD_ARGS)
    assert smaller.code == 1 and smaller.json["error"]["details"]["ret_code"] == 230

    result = cli.ok("storage", "cfs", "resize", cfs, "--size", "300GiB", *POD_ARGS, "--yes")
    [sent] = result.requests("ResizeCFS")
    assert sent["RetCode"] == 0 and sent["Params"]["Size"] == "300"
    assert cfs_rows(cli)[cfs]["Size"] == 300


def test_cfs_refund_and_delete(cli, flow):
    cfs = cfs_id(flow)
    refund = cli.ok("storage", "cfs", "refund", cfs, *POD_ARGS)
    [sent] = refund.requests("GetCompShareCFSRefundPrice")
    assert sent["Params"]["CFSId"] == cfs and "CfsId" not in sent["Params"]
    # Paid: 200 GiB for a month, then 100 GiB more; the clock has hardly moved.
    paid = 300 * CFS_PER_GIB
    assert 0 < refund.data["RefundPrice"] <= paid + 0.01, refund.describe()

    refused = cli.run("storage", "cfs", "delete", cfs, *POD_ARGS)
    assert refused.code == 2 and refused.requests("DeleteCFS") == []
    result = cli.ok("storage", "cfs", "delete", cfs, *POD_ARGS, "--yes")
    [sent] = result.requests("DeleteCFS")
    assert sent["RetCode"] == 0 and sent["Params"]["CfsId"] == cfs
    assert set(cfs_rows(cli)) == {FIXTURE_CFS}
    again = cli.run("storage", "cfs", "delete", cfs, *POD_ARGS, "--yes")
    assert again.code == 1, again.describe()


def test_cfs_detach_and_attach(cli):
    refused = cli.run("storage", "cfs", "detach", "--instance", RUNNING_INSTANCE, "--yes")
    assert refused.code == 2 and refused.requests("DetachCFS") == []
    result = cli.ok("storage", "cfs", "detach", "--instance", POD, "--yes")
    [sent] = result.requests("DetachCFS")
    assert sent["RetCode"] == 0 and sent["Params"]["UHostId"] == POD
    assert sent["Params"]["Zone"] == POD_ZONE
    row = cfs_rows(cli)[FIXTURE_CFS]
    assert row["MountStatus"] == "Unmounted" and row["MountedUHostIds"] == []
    again = cli.run("storage", "cfs", "detach", "--instance", POD, "--yes")
    assert again.code == 1 and again.json["error"]["details"]["ret_code"] == 230

    plan = cli.ok("storage", "cfs", "attach", "--instance", POD, "--dry-run")
    assert plan.data["dry_run"] is True and plan.data["action"] == "AttachUS3"
    assert plan.requests("AttachUS3") == []
    attached = cli.ok("storage", "cfs", "attach", "--instance", POD, "--yes")
    [sent] = attached.requests("AttachUS3")
    assert sent["RetCode"] == 0 and sent["Params"]["UHostId"] == POD
    # The zone's first CFS (the fixture's) is mounted again; nothing was bought.
    rows = cfs_rows(cli)
    assert set(rows) == {FIXTURE_CFS}
    assert rows[FIXTURE_CFS]["MountStatus"] == "Mounted"
    assert rows[FIXTURE_CFS]["MountedUHostIds"] == [POD]


def test_us3_attach(cli):
    result = cli.ok("storage", "us3", "attach", "--instance", RUNNING_INSTANCE)
    [sent] = result.requests("AttachUS3")
    assert sent["RetCode"] == 0 and sent["Params"]["UHostId"] == RUNNING_INSTANCE
    assert (sent["Params"]["Region"], sent["Params"]["Zone"]) == (REGION, ZONE)


def test_us3_attach_without_us3(cli):
    result = cli.run("storage", "us3", "attach", "--instance", "uhost-second01", profile="second")
    assert result.code == 1, result.describe()
    error = result.json["error"]
    assert error["code"] == "api_error" and error["details"]["ret_code"] == 8433
    assert "US3 is enabled" in result.stdout, result.describe()
    [sent] = result.requests("AttachUS3")
    assert sent["RetCode"] == 8433 and sent["Params"]["UHostId"] == "uhost-second01"
