//! No silent trap: what the mock ignores or refuses, its log and journal
//! say; flags it cannot honour are refused at start. Over the real binary.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use compshare_protocol::signed;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_compshare-mock");

/// A started mock, killed when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    /// Stops the mock and returns all it wrote to stderr.
    fn stderr(mut self) -> String {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let mut text = String::new();
        let _ = self.0.stderr.take().unwrap().read_to_string(&mut text);
        text
    }
}

/// Starts the binary with `args` and `env`; the child and its URL.
fn start(args: &[&str], env: &[(&str, &str)]) -> (Running, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .envs(env.iter().copied())
        .env_remove("NO_COLOR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("compshare-mock listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (Running(child), url)
}

/// Runs the binary, which should refuse to start: exit code and stderr
/// (a mock that starts instead is stopped after ten seconds).
fn refused(args: &[&str]) -> (Option<i32>, String) {
    let child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let code = loop {
        if let Some(status) = running.0.try_wait().unwrap() {
            break status.code();
        }
        if std::time::Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    (code, running.stderr())
}

/// A signed form POST of the default account.
fn signed(url: &str, pairs: &[(&str, &str)]) -> Value {
    // The pairs carry their own Action; only PublicKey and Signature are added.
    let all = signed::sign(
        signed::call_pairs("", pairs, "my_public_key")
            .into_iter()
            .filter(|(k, v)| !(k == "Action" && v.is_empty()))
            .collect(),
        "my_private_key",
    );
    reqwest::blocking::Client::new()
        .post(url)
        .form(&all)
        .send()
        .unwrap()
        .json()
        .unwrap()
}

fn journal(url: &str) -> Vec<Value> {
    let v: Value = reqwest::blocking::get(format!("{url}/_mock/requests"))
        .unwrap()
        .json()
        .unwrap();
    v.as_array()
        .cloned()
        .or_else(|| v["Requests"].as_array().cloned())
        .unwrap_or_else(|| panic!("journal: {v}"))
}

#[test]
fn a_misspelt_parameter_or_action_keeps_the_gateways_answer_and_is_named_in_log_and_journal() {
    let (child, url) = start(&["--listen", "127.0.0.1:0", "--log-level", "info"], &[]);
    let listing = signed(
        &url,
        &[
            ("Action", "DescribeCompShareInstance"),
            ("Region", "cn-wlcb"),
            ("Limt", "1"),
        ],
    );
    assert_eq!(listing["RetCode"], 0, "{listing}");
    assert!(
        listing["UHostSet"].as_array().unwrap().len() > 1,
        "Limt is ignored"
    );
    let typo = signed(
        &url,
        &[
            ("Action", "DescribeCompShareInstanse"),
            ("Region", "cn-wlcb"),
        ],
    );
    assert_eq!(typo["RetCode"], 161, "{typo}");

    let entries = journal(&url);
    let notes = |i: usize| -> Vec<String> {
        entries[i]["Notes"]
            .as_array()
            .map(|a| a.iter().map(|n| n.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    assert_eq!(notes(0), ["ignored: Limt; did you mean Limit?"]);
    assert_eq!(
        notes(1),
        ["no action DescribeCompShareInstanse; did you mean DescribeCompShareInstance?"]
    );
    let id = entries[1]["RequestId"].as_str().unwrap().to_owned();

    let log = child.stderr();
    assert!(log.contains("ignored: Limt; did you mean Limit?"), "{log}");
    let line = log
        .lines()
        .find(|l| l.contains(&id))
        .unwrap_or_else(|| panic!("no line with {id}:\n{log}"));
    assert!(line.contains("ret_code=161"), "{line}");
    assert!(
        line.contains("did you mean DescribeCompShareInstance?"),
        "{line}"
    );
    assert!(line.contains("message="), "a refusal's message: {line}");
}

#[test]
fn http_refusals_and_control_plane_calls_get_a_log_line_with_request_id_and_message() {
    let (child, url) = start(
        &[
            "--listen",
            "127.0.0.1:0",
            "--log-level",
            "info",
            "--body-limit",
            "100",
        ],
        &[],
    );
    let c = reqwest::blocking::Client::new();
    let mut ids = Vec::new();
    let mut id_of = |r: reqwest::blocking::Response, want: u16| {
        assert_eq!(r.status().as_u16(), want);
        ids.push(
            r.headers()["X-UCLOUD-REQUEST-UUID"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    };
    id_of(c.get(format!("{url}/nowhere")).send().unwrap(), 404);
    id_of(c.put(&url).send().unwrap(), 405);
    id_of(c.post(&url).body("a=".repeat(100)).send().unwrap(), 413);
    id_of(
        c.post(&url)
            .header("Content-Type", "text/plain")
            .body("x")
            .send()
            .unwrap(),
        415,
    );
    id_of(c.get(format!("{url}/_mock/health")).send().unwrap(), 200);
    id_of(
        c.post(format!("{url}/_mock/clock/advance"))
            .body("{")
            .send()
            .unwrap(),
        400,
    );
    let log = child.stderr();
    for (i, id) in ids.iter().enumerate() {
        let line = log
            .lines()
            .find(|l| l.contains(id.as_str()))
            .unwrap_or_else(|| panic!("no line for request {i} ({id}):\n{log}"));
        if i != 4 {
            assert!(line.contains("message=\""), "{line}");
        }
    }
    assert!(log.contains("path=/_mock/health"), "{log}");
}

#[test]
fn logs_carry_no_colour_codes_when_stderr_is_no_terminal() {
    let (child, url) = start(&["--listen", "127.0.0.1:0", "--log-level", "info"], &[]);
    signed(&url, &[("Action", "Nope")]);
    let log = child.stderr();
    assert!(log.contains("request_id="), "{log}");
    assert!(!log.contains('\u{1b}'), "ANSI codes in {log:?}");
}

#[test]
fn a_log_level_that_is_no_level_is_refused_at_start() {
    let (code, err) = refused(&["--listen", "127.0.0.1:0", "--log-level", "verbose"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--log-level"), "{err}");
    assert!(err.contains("error, warn, info, debug, trace"), "{err}");
}

#[test]
fn listen_takes_a_host_name_or_an_address_without_port_or_says_what_it_expects() {
    let (child, url) = start(&["--listen", "localhost:0", "--log-level", "warn"], &[]);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    drop(child);
    // Without a port: 8090, unless something else holds it on this machine.
    let out = Command::new(BIN)
        .args(["--listen", "127.0.0.1", "--log-level", "warn"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut running = Running(out);
    let mut line = String::new();
    BufReader::new(running.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    if line.is_empty() {
        let err = running.stderr();
        assert!(err.contains("cannot listen on 127.0.0.1:8090"), "{err}");
    } else {
        assert_eq!(
            line.trim(),
            "compshare-mock listening on http://127.0.0.1:8090"
        );
    }
    let (code, err) = refused(&["--listen", "127.0.0.1:port"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("expected IP:PORT, HOST:PORT"), "{err}");
}

#[test]
fn the_listen_backlog_fits_a_burst_of_thousands_of_connections() {
    let (child, url) = start(&["--listen", "127.0.0.1:0", "--log-level", "warn"], &[]);
    let port = url.rsplit(':').next().unwrap().to_owned();
    // `ss` shows a listening socket's backlog as its Send-Q.
    let Ok(out) = Command::new("ss")
        .args(["-ltnH", &format!("sport = :{port}")])
        .output()
    else {
        eprintln!("no `ss` on this machine: the backlog is not checked");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let backlog: u32 = text
        .split_whitespace()
        .nth(2)
        .and_then(|q| q.parse().ok())
        .unwrap_or_else(|| panic!("ss said {text:?}"));
    let cap: u32 = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4096);
    assert_eq!(backlog, 4096.min(cap));
    assert!(backlog > 128 || cap <= 128, "backlog {backlog}");
    drop(child);
}
