"""`compshare doctor` and `compshare config`: credentials and the first call."""

import json
import stat

import cli_support


def test_doctor_reaches_the_api(cli):
    # doctor sends DescribeCompShareSupportZone with no Region at all and
    # counts ZoneInfo; every check must pass (ssh/scp only warn).
    result = cli.run("doctor")
    checks = {c["Check"]: c for c in (result.data or {}).get("checks", [])}
    assert result.code == 0 and result.json["ok"] is True, result.describe()
    assert checks["Credentials"]["Status"] == "Success", result.describe()
    assert checks["Permissions"]["Status"] == "Success", result.describe()
    assert checks["API"]["Status"] == "Success", result.describe()
    [sent] = result.requests("DescribeCompShareSupportZone")
    assert "Region" not in sent["Params"], sent
    assert sent["RetCode"] == 0
    zones = len(cli.ok("instance", "zones").items)
    assert f"{zones} availability zones" in checks["API"]["Detail"], checks["API"]


def test_doctor_with_a_wrong_private_key_fails_on_the_api_check(cli, tmp_path):
    # No telemetry: its events would be signed with the wrong key too.
    other = cli_support.Cli(tmp_path, telemetry=False)
    public, _ = cli_support.DEFAULT_ACCOUNT["keys"]
    other.ok("config", "--public-key", public, "--private-key", "not-the-key")
    result = other.run("doctor")
    assert result.code == 1, result.describe()
    assert result.json["ok"] is False
    assert result.json["error"]["code"] == "diagnostic_failed"
    checks = {c["Check"]: c for c in result.json["error"]["details"]["checks"]}
    assert checks["API"]["Status"] == "Failed"
    assert "Signature" in checks["API"]["Detail"], checks["API"]
    [sent] = result.requests("DescribeCompShareSupportZone")
    assert sent["RetCode"] == 171


def test_config_profiles(tmp_path):
    cli = cli_support.Cli(tmp_path)
    public, private = cli_support.DEFAULT_ACCOUNT["keys"]
    saved = cli.ok("config", "--name", "work", "--public-key", public, "--private-key", private)
    assert saved.data == {"profile": "work", "active": True}

    path = cli.ok("config", "path").data["path"]
    config_file = tmp_path / "config" / "config.json"
    assert path == str(config_file)
    # The key file is the user's only; the CLI's own doctor checks it too.
    assert stat.S_IMODE(config_file.stat().st_mode) == 0o600
    stored = json.loads(config_file.read_text())
    assert stored["profiles"]["work"]["public_key"] == public

    second_public, second_private = cli_support.SECOND_ACCOUNT["keys"]
    cli.ok(
        "config", "set", "--name", "other", "--public-key", second_public,
        "--private-key", second_private, "--no-activate",
    )
    listed = cli.ok("config", "list").data
    assert listed["current_profile"] == "work"
    assert sorted(p["Profile"] for p in listed["profiles"]) == ["other", "work"]
    # Private keys are never printed.
    assert second_private not in json.dumps(listed) and private not in json.dumps(listed)

    # Each profile signs as its own account.
    mine = cli.ok("image", "list", "--source", "custom", "--region", cli_support.REGION,
                  "--zone", cli_support.ZONE)
    theirs = cli.ok("image", "list", "--source", "custom", "--region", cli_support.REGION,
                    "--zone", cli_support.ZONE, profile="other")
    assert mine.meta.get("total") == 48, mine.describe()
    assert theirs.meta.get("total") == 4, theirs.describe()
    assert [e["Account"] for e in theirs.requests("DescribeCompShareCustomImages")] == ["56000002"]

    cli.ok("config", "use", "other")
    assert cli.ok("config", "list").data["current_profile"] == "other"

    refused = cli.run("config", "delete", "work")
    assert refused.code == 2 and refused.json["error"]["code"] == "invalid_usage", refused.describe()
    cli.ok("config", "delete", "work", "--yes")
    assert [p["Profile"] for p in cli.ok("config", "list").data["profiles"]] == ["other"]
