"""Telemetry: after every command the CLI starts a detached
`python -m compshare_cli.insights event`, which sends CreateCSCLIEvent
{Command, CLIVersion, OS, OccurredAt} to COMPSHARE_INSIGHTS_URL (here the
mock), signed with the profile's keys and with no Region."""

import re

from cli_support import journal, wait_for

OCCURRED_AT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def events(after=0):
    return journal("CreateCSCLIEvent", after=after)


def test_an_event_per_command(cli):
    result = cli.ok("image", "tags")
    found = wait_for(
        lambda: [e for e in events(result.first_seq) if e["Params"].get("Command") == "image.tags"]
    )
    assert found, "no CreateCSCLIEvent for image.tags arrived"
    event = found[0]
    assert event["RetCode"] == 0, event
    assert event["Account"] == "56000001", event
    params = event["Params"]
    assert params["CLIVersion"] == "0.5.6" and params["OS"] == "linux"
    assert OCCURRED_AT.match(params["OccurredAt"]), params
    assert "Region" not in params and "Zone" not in params


def test_every_event_of_the_session_was_accepted(cli):
    # One event per command run so far (the detached processes may lag).
    expected = len(cli.commands)
    arrived = wait_for(lambda: len(events()) >= expected and events())
    assert arrived, f"{len(events())} telemetry events for {expected} commands"
    refused = [e for e in arrived if e["RetCode"] != 0]
    assert not refused, {(e["RetCode"], e["Message"]) for e in refused}
    commands = {e["Params"].get("Command") for e in arrived}
    for path in ("config.set", "doctor", "instance.create", "instance.schedule.set",
                 "image.create", "team.billing.export"):
        assert path in commands, (path, sorted(c for c in commands if c))
