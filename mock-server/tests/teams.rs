//! Teams over the wire: every team action, refusals that leave the state
//! as it was, DownloadTeamOrder's CSV file (headers checked on the raw
//! bytes) and teams kept across a restart with `--state`.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

use common::{admin, call, ok};
use compshare_mock::{Config, Credentials, MockServer};
use compshare_protocol::signed;
use serde_json::{json, Value};

const TEAM: &str = "100001";
const MEMBER: &str = "300001";
const INVITING: &str = "100002";

fn second() -> Credentials {
    Credentials {
        public_key: "second_public_key".into(),
        private_key: "second_private_key".into(),
    }
}

fn third() -> Credentials {
    Credentials {
        public_key: "empty_public_key".into(),
        private_key: "empty_private_key".into(),
    }
}

async fn server() -> (MockServer, Credentials) {
    let server = common::frozen(Config::default()).await;
    let creds = server.credentials();
    (server, creds)
}

async fn teams_state(server: &MockServer) -> Value {
    admin(server, "GET", "/state", None).await.1["Teams"].clone()
}

fn ids(list: &Value, key: &str) -> Vec<u64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| t[key].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_created_team_is_listed_updated_and_deleted() {
    let (s, me) = server().await;
    let before = ok(&s, &me, "ListCompShareTeam", &[]).await;
    assert_eq!(ids(&before["Teams"], "Id"), [100001, 100003]);
    assert_eq!(before["Teams"][0]["MemberCount"], 1);
    ok(
        &s,
        &me,
        "CreateCompShareTeam",
        &[("Name", "vision"), ("Description", "d")],
    )
    .await;
    let after = ok(&s, &me, "ListCompShareTeam", &[]).await;
    let new = after["Teams"][2].clone();
    assert_eq!(
        (new["Name"].clone(), new["CompanyId"].clone()),
        (json!("vision"), json!(56000001))
    );
    let id = new["Id"].as_u64().unwrap().to_string();
    ok(
        &s,
        &me,
        "UpdateCompShareTeam",
        &[("TeamId", &id), ("Name", "vision2")],
    )
    .await;
    let info = ok(&s, &me, "GetCompShareTeamInfo", &[("TeamId", &id)]).await;
    assert_eq!(info["Team"]["Name"], "vision2");
    assert_eq!(info["Team"]["Description"], "d");
    assert_eq!(info["TeamRelation"], json!([]));
    // The second account sees none of it.
    let theirs = ok(&s, &second(), "ListCompShareTeam", &[]).await;
    assert_eq!(ids(&theirs["Teams"], "Id"), [100002]);
    ok(&s, &me, "DeleteCompShareTeam", &[("TeamId", &id)]).await;
    let gone = call(&s, &me, "GetCompShareTeamInfo", &[("TeamId", &id)]).await;
    assert_eq!(
        (gone["RetCode"].clone(), gone["Message"].clone()),
        (json!(230), json!("Params [TeamId] not available"))
    );
}

/// An action, its parameters and the RetCode it must get.
type Refusal = (&'static str, Vec<(&'static str, &'static str)>, i64);

#[tokio::test]
async fn refusals_leave_the_teams_as_they_were() {
    let (s, me) = server().await;
    let before = teams_state(&s).await;
    let cases: Vec<Refusal> = vec![
        ("GetCompShareTeamInfo", vec![("TeamId", INVITING)], 230),
        (
            "UpdateCompShareTeam",
            vec![("TeamId", INVITING), ("Name", "x")],
            230,
        ),
        ("DeleteCompShareTeam", vec![("TeamId", TEAM)], 290),
        ("DeleteCompShareTeam", vec![("TeamId", "999")], 230),
        (
            "CreateCompShareTeamRelation",
            vec![
                ("TeamId", INVITING),
                ("UserInfo.0.UserCompanyId", "56000003"),
            ],
            230,
        ),
        (
            "SetCompShareTeamRelation",
            vec![("TeamId", TEAM), ("Status", "Send")],
            230,
        ),
        (
            "SetCompShareTeamRelation",
            vec![("TeamId", TEAM), ("Status", "Cancel")],
            210,
        ),
        (
            "SetCompShareTeamRelation",
            vec![
                ("TeamId", TEAM),
                ("Status", "Cancel"),
                ("UserCompanyId", "5"),
            ],
            230,
        ),
        (
            "SetCompShareTeamRelation",
            vec![("TeamId", TEAM), ("Status", "Agree")],
            230,
        ),
        (
            "SetCompShareTeamAmount",
            vec![
                ("TeamId", TEAM),
                ("VirtualCompanyId.0", MEMBER),
                ("Amount", "0"),
                ("OperateType", "AllocateAmount"),
            ],
            230,
        ),
        (
            "SetCompShareTeamAmount",
            vec![
                ("TeamId", TEAM),
                ("VirtualCompanyId.0", MEMBER),
                ("Amount", "5"),
                ("OperateType", "Give"),
            ],
            230,
        ),
        (
            "DescribeTeamMemberOrder",
            vec![("TeamId", TEAM), ("VirtualCompanyId", "1")],
            230,
        ),
        (
            "DescribeTeamMemberOrder",
            vec![
                ("TeamId", TEAM),
                ("VirtualCompanyId", MEMBER),
                ("OrderBy", "price"),
            ],
            230,
        ),
        (
            "ListCompShareTeamOperateLog",
            vec![("TeamId", INVITING)],
            230,
        ),
    ];
    for (action, params, code) in cases {
        let body = call(&s, &me, action, &params).await;
        assert_eq!(body["RetCode"], code, "{action} {params:?}: {body}");
    }
    assert_eq!(teams_state(&s).await, before);
}

#[tokio::test]
async fn an_invitation_is_sent_accepted_renamed_and_cancelled() {
    let (s, me) = server().await;
    let sent = ok(
        &s,
        &me,
        "CreateCompShareTeamRelation",
        &[
            ("TeamId", TEAM),
            ("UserInfo.0.UserCompanyId", "56000003"),
            ("UserInfo.0.RemarkName", "carol"),
            ("UserInfo.1.UserCompanyId", "56000002"),
            ("UserInfo.2.UserCompanyId", "42"),
        ],
    )
    .await;
    let errors: Value = serde_json::from_str(sent["ErrorMap"].as_str().unwrap()).unwrap();
    assert_eq!(errors["56000002"]["Code"], 16001);
    assert_eq!(errors["42"]["Code"], 16002);
    assert!(errors.get("56000003").is_none());
    let invites = ok(&s, &third(), "ListCompShareTeamInvite", &[]).await;
    assert_eq!(invites["Invites"][0]["TeamId"], 100001);
    assert_eq!(invites["Invites"][0]["Status"], "Pending");
    let all_ok = ok(
        &s,
        &me,
        "CreateCompShareTeamRelation",
        &[
            ("TeamId", "100003"),
            ("UserInfo.0.UserCompanyId", "56000003"),
        ],
    )
    .await;
    assert_eq!(all_ok["ErrorMap"], "", "every invitation went out");

    ok(
        &s,
        &third(),
        "SetCompShareTeamRelation",
        &[("TeamId", TEAM), ("Status", "Agree")],
    )
    .await;
    let joined = ok(
        &s,
        &third(),
        "ListCompShareTeamJoined",
        &[("Status", "joined")],
    )
    .await;
    assert_eq!(ids(&joined["JoinedTeams"], "TeamId"), [100001]);
    let pending = ok(
        &s,
        &third(),
        "ListCompShareTeamJoined",
        &[("Status", "Pending")],
    )
    .await;
    assert_eq!(ids(&pending["JoinedTeams"], "TeamId"), [100003]);
    ok(
        &s,
        &third(),
        "SetCompShareTeamRelation",
        &[("TeamId", "100003"), ("Status", "Reject")],
    )
    .await;
    let again = call(
        &s,
        &third(),
        "SetCompShareTeamRelation",
        &[("TeamId", TEAM), ("Status", "Agree")],
    )
    .await;
    assert_eq!(again["RetCode"], 290, "{again}");

    ok(
        &s,
        &me,
        "SetCompShareTeamRelation",
        &[
            ("TeamId", TEAM),
            ("Status", "UpdateRemarkName"),
            ("UserCompanyId", "56000003"),
            ("RemarkName", "Carol"),
        ],
    )
    .await;
    let info = ok(&s, &me, "GetCompShareTeamInfo", &[("TeamId", TEAM)]).await;
    let carol = info["TeamRelation"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["UserCompanyId"] == 56000003)
        .unwrap()
        .clone();
    assert_eq!(
        (carol["RemarkName"].clone(), carol["Status"].clone()),
        (json!("Carol"), json!("joined"))
    );
    ok(
        &s,
        &me,
        "SetCompShareTeamRelation",
        &[
            ("TeamId", TEAM),
            ("Status", "Cancel"),
            ("UserCompanyId", "56000003"),
        ],
    )
    .await;
    let info = ok(&s, &me, "GetCompShareTeamInfo", &[("TeamId", TEAM)]).await;
    assert_eq!(info["TeamRelation"].as_array().unwrap().len(), 1);

    // The default account's own invitation from the second account's team.
    ok(
        &s,
        &me,
        "SetCompShareTeamRelation",
        &[("TeamId", INVITING), ("Status", "Agree")],
    )
    .await;
    let mine = ok(&s, &me, "ListCompShareTeamJoined", &[]).await;
    assert_eq!(mine["JoinedTeams"][0]["Status"], "joined");

    let log = ok(
        &s,
        &me,
        "ListCompShareTeamOperateLog",
        &[("TeamId", TEAM), ("Limit", "100")],
    )
    .await;
    let types: Vec<&str> = log["Logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["OperateType"].as_str().unwrap())
        .collect();
    assert_eq!(
        &types[..5],
        [
            "RemoveMember",
            "UpdateRemarkName",
            "AcceptInvite",
            "InviteMember",
            "InviteMember"
        ]
    );
    let failed = ok(
        &s,
        &me,
        "ListCompShareTeamOperateLog",
        &[("TeamId", TEAM), ("Status.0", "Failed")],
    )
    .await;
    assert_eq!(failed["Total"], 2);
}

#[tokio::test]
async fn quotas_are_granted_and_a_withdrawal_beyond_the_available_fails_that_member() {
    let (s, me) = server().await;
    let amounts = |v: &Value| {
        (
            v["TeamRelation"][0]["AllocateAmount"].as_i64().unwrap(),
            v["TeamRelation"][0]["AvailableAmount"].as_i64().unwrap(),
        )
    };
    let start = amounts(&ok(&s, &me, "GetCompShareTeamInfo", &[("TeamId", TEAM)]).await);
    assert_eq!(start, (100000, 80000));
    let grant = ok(
        &s,
        &me,
        "SetCompShareTeamAmount",
        &[
            ("TeamId", TEAM),
            ("VirtualCompanyId.0", MEMBER),
            ("VirtualCompanyId.1", "999"),
            ("Amount", "1050"),
            ("OperateType", "AllocateAmount"),
        ],
    )
    .await;
    assert_eq!(grant["FailedMembers"]["999"]["Code"], 17002);
    assert_eq!(
        amounts(&ok(&s, &me, "GetCompShareTeamInfo", &[("TeamId", TEAM)]).await),
        (101050, 81050)
    );
    let too_much = ok(
        &s,
        &me,
        "SetCompShareTeamAmount",
        &[
            ("TeamId", TEAM),
            ("VirtualCompanyId.0", MEMBER),
            ("Amount", "81051"),
            ("OperateType", "WithdrawAmount"),
        ],
    )
    .await;
    assert_eq!(too_much["FailedMembers"][MEMBER]["Code"], 17001);
    assert_eq!(
        amounts(&ok(&s, &me, "GetCompShareTeamInfo", &[("TeamId", TEAM)]).await),
        (101050, 81050)
    );
    let back = ok(
        &s,
        &me,
        "SetCompShareTeamAmount",
        &[
            ("TeamId", TEAM),
            ("VirtualCompanyId.0", MEMBER),
            ("Amount", "1050"),
            ("OperateType", "WithdrawAmount"),
        ],
    )
    .await;
    assert_eq!(back["FailedMembers"], json!({}));
    assert_eq!(
        amounts(&ok(&s, &me, "GetCompShareTeamInfo", &[("TeamId", TEAM)]).await),
        start
    );
}

#[tokio::test]
async fn the_billing_reads_agree_with_each_other() {
    let (s, me) = server().await;
    let member = [("TeamId", TEAM), ("VirtualCompanyId", MEMBER)];
    let orders = ok(
        &s,
        &me,
        "DescribeTeamMemberOrder",
        &[&member[..], &[("Limit", "100")]].concat(),
    )
    .await;
    assert_eq!(orders["Total"], 27);
    let count = ok(&s, &me, "DescribeTeamMemberOrderCount", &member).await;
    assert_eq!(count["TotalCount"], 27);
    let sum: i64 = orders["OrderInfos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["Amount"].as_str().unwrap().parse::<f64>().unwrap() * 100.0).round() as i64)
        .sum();
    assert_eq!(count["Amount"], format!("{}.{:02}", sum / 100, sum % 100));
    let paid = ok(
        &s,
        &me,
        "DescribeTeamMemberOrder",
        &[
            &member[..],
            &[("OrderStates.0", "Paid"), ("OrderDir", "ASC")],
        ]
        .concat(),
    )
    .await;
    assert_eq!(paid["Total"], 25);
    assert_eq!(
        paid["OrderInfos"][0]["OrderNo"], "order-20240508001",
        "oldest first"
    );
    let window = ok(
        &s,
        &me,
        "DescribeTeamMemberOrderCount",
        &[
            &member[..],
            &[("BeginTime", "1717200000"), ("EndTime", "1717286400")],
        ]
        .concat(),
    )
    .await;
    assert_eq!(window["TotalCount"], 2);
    let unpaid = ok(&s, &me, "DescribeTeamMemberUnpaidOrder", &member).await;
    assert_eq!(unpaid["Total"], 2);
    assert_eq!(unpaid["OrderInfos"][0]["Amount"], 410, "fen, an integer");
    let unpaid_count = ok(&s, &me, "DescribeTeamMemberUnpaidOrderCount", &member).await;
    assert_eq!(
        (
            unpaid_count["TotalCount"].clone(),
            unpaid_count["Amount"].clone()
        ),
        (json!(2), json!("1645.70"))
    );
    let products = ok(&s, &me, "ListMemberProductType", &member).await;
    assert_eq!(products["ProductTypeList"], json!(["udisk", "uhost"]));
    let theirs = call(&s, &second(), "DescribeTeamMemberOrder", &member).await;
    assert_eq!(theirs["RetCode"], 230, "not the second account's team");
}

/// Sends a signed form POST on a fresh connection and returns the raw
/// response head and body, as bytes.
fn raw_call(
    url: &str,
    creds: &Credentials,
    action: &str,
    params: &[(&str, &str)],
) -> (String, Vec<u8>) {
    let pairs = signed::call(action, params, &creds.public_key, &creds.private_key);
    let enc = |v: &str| {
        percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let body = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let addr = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (
        String::from_utf8(all[..split + 2].to_vec()).unwrap(),
        all[split + 4..].to_vec(),
    )
}

#[tokio::test]
async fn download_team_order_answers_a_csv_file_or_a_json_refusal() {
    let (s, me) = server().await;
    let url = s.uri().to_string();
    let creds = Credentials {
        public_key: me.public_key.clone(),
        private_key: me.private_key.clone(),
    };
    let (head, body) = tokio::task::spawn_blocking(move || {
        raw_call(&url, &creds, "DownloadTeamOrder", &[("TeamId", TEAM)])
    })
    .await
    .unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.contains("\r\nContent-Type: text/csv; charset=utf-8\r\n"),
        "exact case: {head}"
    );
    assert!(
        head.contains("\r\nContent-Disposition: attachment; filename=team_order_100001.csv\r\n"),
        "{head}"
    );
    assert!(head.contains("\r\nX-UCLOUD-REQUEST-UUID: "), "{head}");
    let text = String::from_utf8(body).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rows.headers().unwrap().iter().take(3).collect::<Vec<_>>(),
        ["VirtualCompanyId", "RemarkName", "OrderNo"]
    );
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 27);
    assert_eq!(&records[0][2], "order-20240602002");
    assert_eq!(&records[0][8], "4.10");

    let url = s.uri().to_string();
    let creds = second();
    let (head, body) = tokio::task::spawn_blocking(move || {
        raw_call(&url, &creds, "DownloadTeamOrder", &[("TeamId", TEAM)])
    })
    .await
    .unwrap();
    assert!(
        head.contains("\r\nContent-Type: application/json; charset=utf-8\r\n"),
        "{head}"
    );
    let refusal: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(refusal["RetCode"], 230);
    let (_, journal) = admin(&s, "GET", "/requests", None).await;
    let mut codes: Vec<i64> = journal["Requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["Action"] == "DownloadTeamOrder")
        .map(|e| e["RetCode"].as_i64().unwrap())
        .collect();
    codes.sort();
    assert_eq!(codes, [0, 230], "both journaled with their RetCode");
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(state: &str) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_compshare-mock"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--log-level",
            "warn",
            "--state",
            state,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("compshare-mock listening on ")
        .unwrap()
        .to_owned();
    (Running(child), url)
}

fn blocking_call(url: &str, action: &str, params: &[(&str, &str)]) -> Value {
    let pairs = signed::call(action, params, "my_public_key", "my_private_key");
    reqwest::blocking::Client::new()
        .post(url)
        .form(&pairs)
        .send()
        .unwrap()
        .json()
        .unwrap()
}

#[test]
fn teams_survive_a_restart_with_a_state_file() {
    let dir = std::env::temp_dir().join(format!("compshare-teams-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("state.json");
    let _ = std::fs::remove_file(&file);
    let arg = file.to_str().unwrap();
    {
        let (_mock, url) = start(arg);
        assert_eq!(
            blocking_call(&url, "CreateCompShareTeam", &[("Name", "kept")])["RetCode"],
            0
        );
        let saved = reqwest::blocking::Client::new()
            .post(format!("{url}/_mock/save"))
            .send()
            .unwrap();
        assert_eq!(saved.status(), 200);
    }
    let (_mock, url) = start(arg);
    let teams = blocking_call(&url, "ListCompShareTeam", &[]);
    let names: Vec<&str> = teams["Teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["research", "sandbox", "kept"]);
    assert_eq!(
        blocking_call(&url, "CreateCompShareTeam", &[("Name", "next")])["RetCode"],
        0
    );
    let ids: Vec<u64> = blocking_call(&url, "ListCompShareTeam", &[])["Teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["Id"].as_u64().unwrap())
        .collect();
    assert_eq!(
        ids,
        [100001, 100003, 100004, 100005],
        "ids go on after a restart"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
