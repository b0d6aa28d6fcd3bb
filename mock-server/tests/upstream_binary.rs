//! `--upstream` between real processes: a second `compshare-mock` with other
//! fixtures and fault rules is the upstream. A shadow run reports exactly
//! what differs; a record run followed by a replay with `--fixtures`
//! answers the same requests the same way, offline.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use compshare_mock::upstream::Anonymiser;
use compshare_protocol::signed;
use serde_json::{json, Value};

/// The required parameters of DescribeTeamMemberOrder.
const ORDERS: &[(&str, &str)] = &[
    ("BeginTime", "1700000000"),
    ("EndTime", "1800000000"),
    ("TeamId", "100001"),
    ("VirtualCompanyId", "300001"),
];

/// DescribeTeamMemberOrder's parameters for one page.
fn orders(offset: &'static str, limit: &'static str) -> Vec<(&'static str, &'static str)> {
    let mut p = ORDERS.to_vec();
    p.extend([("Offset", offset), ("Limit", limit)]);
    p
}

const BIN: &str = env!("CARGO_BIN_EXE_compshare-mock");

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("compshare-up-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A started mock, killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary on a free port; returns it, its URL and the other
/// start-up lines.
fn start(args: &[&str]) -> (Running, String, Vec<String>) {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--log-level", "warn"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    // The start lines, up to and with the default account's key.
    while !lines
        .last()
        .is_some_and(|l: &String| l.starts_with("default account PublicKey"))
    {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            break;
        }
        lines.push(line.trim().to_owned());
    }
    let url = lines[0]
        .strip_prefix("compshare-mock listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {lines:?}"))
        .to_owned();
    (Running(child), url, lines)
}

/// The repository's built-in fixture set, with other canned answers.
fn upstream_fixtures(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    for f in [
        "accounts.json",
        "images.json",
        "instances.json",
        "teams.json",
    ] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    std::fs::create_dir_all(dir.join("responses")).unwrap();
    let f = "responses/DescribeModelRepositoryModels.json";
    std::fs::copy(src.join(f), dir.join(f)).unwrap();
    // Other values, the same shape.
    std::fs::write(
        dir.join("responses/DescribeCompShareSoftwarePort.json"),
        r#"{"SoftwarePort": [{"Software": "Only", "Port": 1}]}"#,
    )
    .unwrap();
    dir
}

/// A signed form request with the built-in default account; the answer's JSON.
fn call(url: &str, action: &str, params: &[(&str, &str)]) -> Value {
    let mut params = params.to_vec();
    params.push(("Region", "cn-wlcb"));
    if !params.iter().any(|(k, _)| *k == "Zone") {
        params.push(("Zone", "cn-wlcb-01"));
    }
    let pairs = signed::call(action, &params, "my_public_key", "my_private_key");
    let resp = reqwest::blocking::Client::new()
        .post(url)
        .form(&pairs)
        .send()
        .unwrap();
    assert_eq!(resp.status(), 200, "{action}");
    resp.json().unwrap()
}

fn get(url: &str) -> Value {
    reqwest::blocking::get(url).unwrap().json().unwrap()
}

fn add_fault(url: &str, rule: Value) {
    let status = reqwest::blocking::Client::new()
        .post(format!("{url}/_mock/faults"))
        .json(&rule)
        .send()
        .unwrap()
        .status();
    assert!(status.is_success());
}

fn journal(url: &str) -> Vec<Value> {
    get(&format!("{url}/_mock/requests"))["Requests"]
        .as_array()
        .unwrap()
        .clone()
}

fn actions_received(url: &str) -> Vec<String> {
    journal(url)
        .iter()
        .map(|e| e["Action"].as_str().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn shadow_reports_exactly_what_differs_between_two_mocks() {
    let fixtures = upstream_fixtures("shadow");
    let (_up, up_url, _) = start(&["--fixtures", fixtures.to_str().unwrap()]);
    add_fault(
        &up_url,
        json!({"action": "DescribeModelRepositoryTags", "ret_code": 8000, "message": "upstream says no"}),
    );
    add_fault(
        &up_url,
        json!({"action": "DescribeULHostBundles", "malformed_body": true}),
    );
    let (_mock, url, lines) = start(&["--upstream", &up_url, "--upstream-mode", "shadow"]);
    let expected = format!("upstream {up_url}/ (mode shadow)");
    assert!(lines.contains(&expected), "{lines:?}");

    let reads: &[(&str, Vec<(&str, &str)>)] = &[
        ("DescribeCompShareSoftwarePort", vec![]),
        ("DescribeModelRepositoryTags", vec![]),
        ("DescribeULHostBundles", vec![]),
        ("DescribeCompShareCustomImages", vec![]),
        ("DescribeTeamMemberOrder", orders("3", "5")),
        ("DescribeCompShareImages", vec![]),
    ];
    for (action, params) in reads {
        let v = call(&url, action, &params.clone());
        assert_eq!(v["RetCode"], 0, "the mock's own answer to {action}: {v}");
    }
    let created = call(
        &url,
        "CreateCompShareInstance",
        &[
            ("Zone", "cn-wlcb-01"),
            ("CompShareImageId", "compshareImage-165jmhx19ik7"),
            ("CPU", "16"),
            ("Memory", "65536"),
            ("GPU", "1"),
            ("GpuType", "4090"),
            ("MachineType", "G"),
        ],
    );
    assert_eq!(created["RetCode"], 0);

    let mut summary = Value::Null;
    for _ in 0..400 {
        summary = get(&format!("{url}/_mock/shadow"));
        let done: u64 = summary["Actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["Requests"].as_u64().unwrap() + a["UpstreamErrors"].as_u64().unwrap())
            .sum();
        if done == reads.len() as u64 {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    let by_action = |name: &str| -> Value {
        summary["Actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["Action"] == name)
            .unwrap_or_else(|| panic!("{name} not in {summary}"))
            .clone()
    };
    // Other values, the same shape: identical.
    for name in [
        "DescribeCompShareSoftwarePort",
        "DescribeCompShareCustomImages",
        "DescribeTeamMemberOrder",
        "DescribeCompShareImages",
    ] {
        let a = by_action(name);
        assert_eq!(
            (a["Requests"].as_u64(), a["Identical"].as_u64()),
            (Some(1), Some(1)),
            "{a}"
        );
        assert_eq!(a["Differences"], json!([]));
    }
    // The upstream's fault rule: RetCode and Message, nothing else.
    let tags = by_action("DescribeModelRepositoryTags");
    assert_eq!(tags["Identical"], 0);
    let diffs: Vec<(String, String, String, String)> = tags["Differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["Path"].as_str().unwrap().to_owned(),
                d["Kind"].as_str().unwrap().to_owned(),
                d["Example"]["Mock"].as_str().unwrap().to_owned(),
                d["Example"]["Upstream"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        diffs,
        [
            (
                "Message".into(),
                "value".into(),
                "(absent)".into(),
                "\"upstream says no\"".into()
            ),
            ("RetCode".into(), "value".into(), "0".into(), "8000".into()),
        ]
    );
    // A body that is not JSON: an upstream error, not a difference.
    let bundles = by_action("DescribeULHostBundles");
    assert_eq!(
        (
            bundles["Requests"].as_u64(),
            bundles["UpstreamErrors"].as_u64()
        ),
        (Some(0), Some(1))
    );
    let create = by_action("CreateCompShareInstance");
    assert_eq!(create["NotForwarded"], 1);
    // The upstream saw the reads and nothing else.
    let mut seen = actions_received(&up_url);
    seen.sort();
    let mut expected: Vec<String> = reads.iter().map(|(a, _)| a.to_string()).collect();
    expected.sort();
    assert_eq!(seen, expected);
}

#[test]
fn a_recording_replays_the_same_answers_offline() {
    let fixtures = upstream_fixtures("record-up");
    let record_dir = temp_dir("record-dir").join("recordings");
    let (_up, up_url, _) = start(&["--fixtures", fixtures.to_str().unwrap()]);
    let requests: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("DescribeCompShareSoftwarePort", vec![]),
        ("DescribeModelRepositoryModels", vec![("Tags", "LLM")]),
        ("DescribeModelRepositoryModels", vec![]),
        ("DescribeCompShareSoftwarePort", vec![]),
        ("DescribeCompShareCustomImages", vec![]),
        ("DescribeNoSuchThing", vec![]),
    ];
    let recorded: Vec<Value> = {
        let (_rec, url, lines) = start(&[
            "--upstream",
            &up_url,
            "--upstream-mode",
            "record",
            "--record-dir",
            record_dir.to_str().unwrap(),
        ]);
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("upstream ") && l.ends_with("(mode record)")),
            "{lines:?}"
        );
        let answers = requests.iter().map(|(a, p)| call(&url, a, p)).collect();
        let entries = journal(&url);
        let ports = entries
            .iter()
            .find(|e| e["Action"] == "DescribeCompShareSoftwarePort")
            .unwrap();
        assert_eq!(
            ports["Upstream"]["Recorded"],
            "responses/DescribeCompShareSoftwarePort.json"
        );
        let images = entries
            .iter()
            .find(|e| e["Action"] == "DescribeCompShareCustomImages")
            .unwrap();
        assert_eq!(images["Upstream"]["Forwarded"], false);
        answers
    };
    // The recording mock answered the state's action itself.
    assert!(!actions_received(&up_url).contains(&"DescribeCompShareCustomImages".to_owned()));
    assert_eq!(recorded[0]["SoftwarePort"][0]["Software"], "Only");

    let mut files = String::new();
    for f in std::fs::read_dir(record_dir.join("responses")).unwrap() {
        std::fs::File::open(f.unwrap().path())
            .unwrap()
            .read_to_string(&mut files)
            .unwrap();
    }
    for secret in ["56000001", "my_public_key", "Signature"] {
        assert!(
            !files.contains(secret),
            "{secret} written to the recordings"
        );
    }
    let key = std::fs::read_to_string(record_dir.join(".anonymise-key")).unwrap();
    let anonymiser = Anonymiser::new(key.trim());

    let (_replay, url, _) = start(&["--fixtures", record_dir.to_str().unwrap()]);
    for ((action, params), real) in requests.iter().zip(&recorded) {
        // Ids in requests are replaced as in answers: the replay is asked
        // with the ids its recorded answers show.
        let fake: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), anonymiser.scalar(k, v)))
            .collect();
        let fake: Vec<(&str, &str)> = fake.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(fake.len(), params.len());
        let replayed = call(&url, action, &fake);
        let mut expected = real.clone();
        // The state's answers were not recorded: both mocks answer them
        // from the same fixtures.
        if *action != "DescribeCompShareCustomImages" {
            anonymiser.value("", &mut expected);
        }
        assert!(
            replayed == expected,
            "{action} {params:?}: {replayed} != {expected}"
        );
    }
}

#[test]
fn a_plain_http_upstream_beyond_loopback_is_refused_and_mutations_warn() {
    let out = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "http://api.compshare.cn",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("https://"));

    let mut child = Command::new(BIN)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "https://api.compshare.cn",
            "--shadow-mutations",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        line.contains("real resources will be created and billed"),
        "{line}"
    );
}
