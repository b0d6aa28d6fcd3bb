"""`compshare team`: a team's life through the official CLI. The default
account (56000001) creates a team, invites the second account (56000002),
which accepts with its own profile; then members, quotas, billing, the audit
log and the order export, and the teams are deleted. Steps run in file order
and share the team the create step made."""

import pytest

from cli_support import DEFAULT_ACCOUNT, SECOND_ACCOUNT

SECOND = SECOND_ACCOUNT["id"]
OWNER = DEFAULT_ACCOUNT["id"]


def team_id(flow):
    if "team" not in flow:
        pytest.skip("no team was created")
    return flow["team"]


def teams(cli, profile=None):
    return {row["Name"]: row for row in cli.ok("team", "list", profile=profile).items}


def member_id(flow):
    if "member" not in flow:
        pytest.skip("the invited account is not a member")
    return flow["member"]


def test_list(cli):
    result = cli.ok("team", "list")
    assert isinstance(result.items, list), result.describe()
    [sent] = result.requests("ListCompShareTeam")
    assert "Region" not in sent["Params"]


def test_create(cli, flow):
    refused = cli.run("team", "create", "cli-team")
    assert refused.code == 2 and refused.requests("CreateCompShareTeam") == []
    result = cli.ok("team", "create", "cli-team", "--description", "made by the CLI", "--yes")
    [sent] = result.requests("CreateCompShareTeam")
    assert sent["RetCode"] == 0 and "Region" not in sent["Params"]
    cli.ok("team", "create", "cli-team-empty", "--yes")
    # CreateCompShareTeam answers no id: the CLI user finds it in `team list`.
    listed = teams(cli)
    assert {"cli-team", "cli-team-empty"} <= set(listed), listed
    row = listed["cli-team"]
    assert row["Description"] == "made by the CLI" and isinstance(row["Id"], int)
    flow["team"] = row["Id"]
    flow["empty"] = listed["cli-team-empty"]["Id"]
    # Another account does not see them.
    assert "cli-team" not in teams(cli, profile="second")


def test_show(cli, flow):
    team = team_id(flow)
    result = cli.ok("team", "show", team)
    assert result.data["Team"]["Id"] == team and result.data["Team"]["Name"] == "cli-team"
    assert result.data["Team"]["CompanyId"] == OWNER, result.describe()


def test_update(cli, flow):
    team = team_id(flow)
    result = cli.ok("team", "update", team, "--name", "cli-team-2", "--description", "renamed")
    [sent] = result.requests("UpdateCompShareTeam")
    assert sent["RetCode"] == 0 and sent["Params"]["TeamId"] in (str(team), team)
    info = cli.ok("team", "show", team).data["Team"]
    assert (info["Name"], info["Description"]) == ("cli-team-2", "renamed"), info


def test_invite_and_accept(cli, flow):
    team = team_id(flow)
    sent = cli.ok("team", "invite", "send", team, f"{SECOND}:second-member", "--yes")
    # A non-empty ErrorMap makes the CLI exit 1; ok means every invite went out.
    assert not sent.data.get("ErrorMap"), sent.describe()
    [request] = sent.requests("CreateCompShareTeamRelation")
    assert request["Params"]["UserInfo.0.UserCompanyId"] in (str(SECOND), SECOND)

    invites = cli.ok("team", "invite", "list", profile="second")
    mine = [row for row in invites.items if row["TeamId"] == team]
    assert mine and mine[0]["Status"], invites.describe()

    cli.ok("team", "invite", "accept", team, "--yes", profile="second")
    members = cli.ok("team", "member", "list", team)
    rows = [row for row in members.items if row["UserCompanyId"] == SECOND]
    assert rows, members.describe()
    assert rows[0]["RemarkName"] == "second-member"
    assert isinstance(rows[0]["VirtualCompanyId"], int) and rows[0]["VirtualCompanyId"] > 0
    flow["member"] = rows[0]["VirtualCompanyId"]
    joined = cli.ok("team", "joined", profile="second")
    assert team in [row["TeamId"] for row in joined.items], joined.describe()


def test_member_rename(cli, flow):
    team = team_id(flow)
    member_id(flow)
    cli.ok("team", "member", "rename", team, SECOND, "renamed-member")
    rows = cli.ok("team", "member", "list", team).items
    assert [r["RemarkName"] for r in rows if r["UserCompanyId"] == SECOND] == ["renamed-member"]


def test_quota_grant_and_reclaim(cli, flow):
    team = team_id(flow)
    member = member_id(flow)
    granted = cli.ok("team", "quota", "grant", team, member, "--amount", "100.50", "--yes")
    assert not granted.data.get("FailedMembers"), granted.describe()
    [sent] = granted.requests("SetCompShareTeamAmount")
    assert sent["Params"]["Amount"] in ("10050", 10050)
    assert sent["Params"]["OperateType"] == "AllocateAmount"
    assert sent["Params"]["VirtualCompanyId.0"] in (str(member), member)
    row = [r for r in cli.ok("team", "member", "list", team).items
           if r["VirtualCompanyId"] == member][0]
    assert row["AllocateAmount"] == 10050, row

    reclaimed = cli.ok("team", "quota", "reclaim", team, member, "--amount", "50", "--yes")
    assert not reclaimed.data.get("FailedMembers"), reclaimed.describe()
    row = [r for r in cli.ok("team", "member", "list", team).items
           if r["VirtualCompanyId"] == member][0]
    assert row["AllocateAmount"] == 5050, row


def test_billing(cli, flow):
    team = team_id(flow)
    member = flow.get("member", 0)
    listed = cli.ok("team", "billing", "list", team, member, "--start", "30d")
    assert isinstance(listed.items, list), listed.describe()
    [sent] = listed.requests("DescribeTeamMemberOrder")
    assert "BeginTime" in sent["Params"] and sent["Params"]["OrderBy"] == "create_time"

    summary = cli.ok("team", "billing", "summary", team, member)
    assert isinstance(summary.data.get("TotalCount"), int), summary.describe()

    unpaid = cli.ok("team", "billing", "unpaid", team, member)
    assert isinstance(unpaid.data["orders"]["OrderInfos"], list), unpaid.describe()
    assert isinstance(unpaid.data["summary"].get("TotalCount"), int), unpaid.describe()

    products = cli.ok("team", "billing", "products", team, member)
    assert isinstance(products.items, list), products.describe()


def test_billing_export_writes_the_file(cli, flow, tmp_path):
    team = team_id(flow)
    output = tmp_path / "orders.csv"
    result = cli.ok("team", "billing", "export", team, "--output", output)
    assert result.data["path"] == str(output.resolve())
    # The CLI reads the header by its exact name "Content-Type".
    content_type = result.data["content_type"]
    assert content_type and "json" not in content_type, result.describe()
    content = output.read_bytes()
    assert result.data["bytes"] == len(content) and content, result.describe()
    # A file, not a JSON envelope saved as one.
    assert not content.lstrip().startswith(b"{"), content[:200]
    [sent] = result.requests("DownloadTeamOrder")
    assert sent["RetCode"] == 0 and sent["Params"]["VirtualCompanyId"] in ("0", 0)

    again = cli.run("team", "billing", "export", team, "--output", output)
    assert again.code == 2 and again.requests("DownloadTeamOrder") == []


def test_billing_export_error_is_not_saved(cli, tmp_path):
    # An error answers a JSON envelope (Content-Type application/json): the
    # CLI reports it and writes no file.
    output = tmp_path / "none.csv"
    result = cli.run("team", "billing", "export", "999999", "--output", output)
    assert result.code == 1, result.describe()
    assert result.json["error"]["code"] == "api_error"
    assert result.json["error"]["details"]["ret_code"] != 0
    assert not output.exists()


def test_audit(cli, flow):
    team = team_id(flow)
    result = cli.ok("team", "audit", team, "--start", "1d", "--all")
    assert isinstance(result.items, list), result.describe()
    [sent] = result.requests("ListCompShareTeamOperateLog")
    assert sent["RetCode"] == 0 and "BeginTime" in sent["Params"]


def test_delete(cli, flow):
    team = team_id(flow)
    empty = flow["empty"]
    refused = cli.run("team", "delete", empty)
    assert refused.code == 2 and refused.requests("DeleteCompShareTeam") == []
    cli.ok("team", "delete", empty, "--yes")
    listed = teams(cli)
    assert "cli-team-empty" not in listed and "cli-team-2" in listed, listed
    gone = cli.run("team", "show", empty)
    assert gone.code == 1 and gone.json["error"]["code"] == "api_error", gone.describe()
    assert team in [row["Id"] for row in cli.ok("team", "list").items]
