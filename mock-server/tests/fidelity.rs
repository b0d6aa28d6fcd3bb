//! What the official clients send and read, over the wire: how the Go SDK
//! signs `null`, the parameters they leave out, the fields they model, and
//! the bytes of the answer head (header case, broken HTTP).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{call, ok};
use compshare_mock::{Config, MockServer};
use serde_json::Value;
use sha1::{Digest, Sha1};

/// Sends `request` on a fresh connection; the whole answer, head and body.
fn exchange(server: &MockServer, request: &[u8]) -> String {
    let mut s = TcpStream::connect(server.address()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // A peer that stops reading may reset the rest of a huge request.
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The head's status, header lines and the body.
fn split(answer: &str) -> (u16, Vec<&str>, &str) {
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((answer, ""));
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, lines.collect(), body)
}

fn header<'a>(lines: &[&'a str], name: &str) -> Option<&'a str> {
    lines.iter().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn post_json(body: &str) -> Vec<u8> {
    format!(
        "POST /?Action=DescribeCompShareInstance HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_null_member_signed_as_the_go_sdk_signs_it_is_accepted() {
    let server = MockServer::start().await.unwrap();
    // What the Go SDK's JSON encoder sends for DescribeCompShareInstance
    // without UHostIds, signed by its algorithm (`auth.any2String` writes
    // nil as nothing): the canonical string written out by hand.
    let canonical =
        "ActionDescribeCompShareInstanceLimit10PublicKeymy_public_keyRegioncn-wlcbUHostIds";
    let signature = hex::encode(Sha1::digest(format!("{canonical}my_private_key")));
    let body = format!(
        r#"{{"Action":"DescribeCompShareInstance","Region":"cn-wlcb","UHostIds":null,"Limit":10,"PublicKey":"my_public_key","Signature":"{signature}"}}"#
    );
    let answer = exchange(&server, &post_json(&body));
    let (status, _, text) = split(&answer);
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(text).unwrap();
    assert_eq!(v["RetCode"], 0, "{v}");
    assert!(!v["UHostSet"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn project_id_may_be_left_out_where_the_sdks_leave_it_out() {
    let server = MockServer::start().await.unwrap();
    let creds = server.credentials();
    ok(&server, &creds, "DescribeCompShareMachineTypeFamilies", &[]).await;
    for action in [
        "UpdateCompShareStopScheduler",
        "DeleteCompShareStopScheduler",
    ] {
        let v = call(
            &server,
            &creds,
            action,
            &[
                ("Zone", "cn-wlcb-01"),
                ("UHostId", "uhost-demo0run"),
                ("StopTime", "1900000000"),
            ],
        )
        .await;
        assert_eq!(v["RetCode"], 0, "{action}: {v}");
    }
}

const IP_FIELDS: [&str; 5] = ["IPId", "Mac", "NetworkInterfaceId", "SubnetId", "VPCId"];

async fn ip_sets(server: &MockServer) -> Vec<(String, Value)> {
    let v = ok(
        server,
        &server.credentials(),
        "DescribeCompShareInstance",
        &[],
    )
    .await;
    v["UHostSet"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["UHostId"].as_str().unwrap().to_owned(),
                i["IPSet"].clone(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn ip_set_entries_carry_the_network_ids_both_sdks_model_stable_across_a_restart() {
    let dir = std::env::temp_dir().join(format!("fidelity-ipset-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let state = dir.join("state.json");
    let _ = std::fs::remove_file(&state);
    let config = Config {
        state_file: Some(state.clone()),
        ..Config::default()
    };
    let server = MockServer::start_with(config.clone()).await.unwrap();
    let creds = server.credentials();
    ok(
        &server,
        &creds,
        "CreateCompShareInstance",
        &[
            ("Zone", "cn-wlcb-01"),
            ("CompShareImageId", "compshareImage-165jmhx19ik7"),
            ("CPU", "16"),
            ("Memory", "65536"),
            ("GPU", "1"),
            ("GpuType", "4090"),
            ("MachineType", "G"),
            ("ChargeType", "Dynamic"),
            ("Disks.0.IsBoot", "true"),
            ("Disks.0.Size", "100"),
            ("Disks.0.Type", "CLOUD_SSD"),
            ("Name", "ipset"),
        ],
    )
    .await;
    let before = ip_sets(&server).await;
    assert!(before.len() >= 2);
    for (id, set) in &before {
        let entry = &set[0];
        for field in IP_FIELDS {
            assert!(entry[field].is_string(), "{id}: {field} in {entry}");
        }
        for field in ["Mac", "SubnetId", "VPCId"] {
            assert!(!entry[field].as_str().unwrap().is_empty(), "{id}: {field}");
        }
    }
    let macs: std::collections::BTreeSet<&str> = before
        .iter()
        .map(|(_, s)| s[0]["Mac"].as_str().unwrap())
        .collect();
    assert_eq!(macs.len(), before.len(), "one MAC per instance");
    assert_eq!(ip_sets(&server).await, before, "the same in every answer");
    server.shared().save().unwrap();
    drop(server);
    let again = MockServer::start_with(config).await.unwrap();
    assert_eq!(ip_sets(&again).await, before, "the same after a restart");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Header names as they are on the wire, in order.
fn names<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    lines
        .iter()
        .filter_map(|l| l.split_once(':').map(|(n, _)| n))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn answer_headers_are_written_in_the_gateways_case() {
    let server = MockServer::start().await.unwrap();
    let requests: [&[u8]; 4] = [
        // The API (a 161), a 404 beside it, the control plane, a 405.
        b"GET /?Action=Nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"GET /_mock/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"PUT / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    ];
    for request in requests {
        let answer = exchange(&server, request);
        let (_, lines, _) = split(&answer);
        let names = names(&lines);
        for want in ["Content-Type", "Content-Length", "X-UCLOUD-REQUEST-UUID"] {
            assert!(names.contains(&want), "{want} in {names:?}");
        }
        for name in &names {
            let title = name
                .split('-')
                .all(|w| w.starts_with(|c: char| c.is_ascii_uppercase()));
            assert!(title, "{name} in {names:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_request_id_keeps_its_case_on_a_connection_kept_alive() {
    let server = MockServer::start().await.unwrap();
    let mut s = TcpStream::connect(server.address()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let one = b"GET /?Action=Nope HTTP/1.1\r\nHost: x\r\n\r\n";
    let last = b"GET /?Action=Nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    let mut all = Vec::new();
    for _ in 0..20 {
        all.extend_from_slice(one);
    }
    all.extend_from_slice(last);
    s.write_all(&all).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    assert_eq!(
        text.matches("\r\nX-UCLOUD-REQUEST-UUID: ").count(),
        21,
        "{text}"
    );
}

/// Broken HTTP the HTTP library refuses before any request is read.
fn broken() -> Vec<(&'static str, Vec<u8>, u16)> {
    let huge = "a".repeat(1024 * 1024);
    vec![
        (
            "a 1 MB header",
            format!("GET / HTTP/1.1\r\nHost: x\r\nX-Big: {huge}\r\n\r\n").into_bytes(),
            431,
        ),
        (
            "a 1 MB URI",
            format!("GET /?Action={huge} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes(),
            431,
        ),
        (
            "a garbage request line",
            b"HELLO THERE\r\n\r\n".to_vec(),
            400,
        ),
        (
            "an invalid header name",
            b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n".to_vec(),
            400,
        ),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_http_gets_a_json_4xx_with_a_request_id() {
    let server = MockServer::start().await.unwrap();
    for (what, request, want) in broken() {
        let answer = exchange(&server, &request);
        let (status, lines, body) = split(&answer);
        assert_eq!(status, want, "{what}: {answer:.300}");
        let id = header(&lines, "X-UCLOUD-REQUEST-UUID").unwrap_or("");
        assert_eq!(id.len(), 36, "{what}: request id in {lines:?}");
        assert_eq!(
            header(&lines, "Content-Type"),
            Some("application/json; charset=utf-8"),
            "{what}"
        );
        let v: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{what}: {e}: {body}"));
        assert_eq!(v["Status"], want, "{what}: {v}");
        assert!(!v["Error"].as_str().unwrap_or("").is_empty(), "{what}: {v}");
    }
    // And the mock still answers.
    ok(
        &server,
        &server.credentials(),
        "DescribeCompShareInstance",
        &[],
    )
    .await;
}
