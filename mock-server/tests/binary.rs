//! The `compshare-mock` binary: start-up, refusals, clean shutdown and the
//! state file, including saves interrupted by SIGKILL.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_compshare-mock");

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("compshare-bin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A started mock that is killed when dropped, so a failing test leaves no
/// process behind.
struct Running(Child);

impl std::ops::Deref for Running {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Running {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary on a free port; returns the child and its base URL.
fn start(args: &[&str]) -> (Running, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(["--listen", "127.0.0.1:0"]);
    if !args.contains(&"--log-level") {
        cmd.args(["--log-level", "warn"]);
    }
    let mut child = cmd
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("compshare-mock listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (Running(child), url)
}

fn post(url: &str, path: &str, body: &str) -> (u16, String) {
    let resp = reqwest::blocking::Client::new()
        .post(format!("{url}{path}"))
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .unwrap();
    (resp.status().as_u16(), resp.text().unwrap())
}

fn create_instance(url: &str) -> String {
    let pairs = compshare_protocol::signed::call(
        "CreateCompShareInstance",
        &[
            ("Region", "cn-wlcb"),
            ("Zone", "cn-wlcb-01"),
            ("CompShareImageId", "compshareImage-165jmhx19ik7"),
            ("CPU", "16"),
            ("Memory", "65536"),
            ("GPU", "1"),
            ("GpuType", "4090"),
            ("MachineType", "G"),
        ],
        "my_public_key",
        "my_private_key",
    );
    let v: serde_json::Value = reqwest::blocking::Client::new()
        .post(url)
        .form(&pairs)
        .send()
        .unwrap()
        .json()
        .unwrap();
    v["UHostIds"][0].as_str().unwrap().to_owned()
}

fn terminate(child: &mut Child) -> std::process::ExitStatus {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the mock did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stderr_of(mut child: Running) -> String {
    let mut err = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        use std::io::Read;
        let _ = pipe.read_to_string(&mut err);
    }
    err
}

#[test]
fn bad_fixtures_are_refused_with_file_entry_and_field_and_exit_2() {
    let dir = temp_dir("fixtures");
    std::fs::write(
        dir.join("accounts.json"),
        r#"[{"AccountId":"1","AccountName":"a","PublicKey":"p","PrivateKey":"s"}]"#,
    )
    .unwrap();
    std::fs::write(dir.join("images.json"), r#"[{"CompShareImageId":"i","ImageType":"Custom","Status":"Available","Owner":{"AccountId":"1"},"Size":"big"}]"#).unwrap();
    let out = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--fixtures"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("images.json: entry 0: field Size: expected integer, found string"),
        "{err}"
    );
}

#[test]
fn a_non_loopback_address_needs_a_flag_and_a_token() {
    let out = Command::new(BIN)
        .args(["--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-non-loopback"));
    let out = Command::new(BIN)
        .args(["--listen", "0.0.0.0:0", "--allow-non-loopback"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--admin-token"));
}

#[test]
fn it_prints_its_url_and_public_key_but_never_a_private_key_and_stops_on_sigterm() {
    let (mut child, url) = start(&["--log-level", "info"]);
    let (status, _) = post(&url, "/_mock/reset", "");
    assert_eq!(status, 200);
    let _ = create_instance(&url);
    let status = terminate(&mut child);
    assert!(status.success(), "{status:?}");
    let err = stderr_of(child);
    assert!(
        err.contains("CreateCompShareInstance"),
        "one line per request: {err}"
    );
    assert!(!err.contains("my_private_key"));
}

#[test]
fn the_state_file_survives_a_restart_and_a_corrupt_one_is_refused() {
    let dir = temp_dir("state");
    let file = dir.join("state.json");
    let arg = file.to_str().unwrap();
    let (mut child, url) = start(&["--state", arg]);
    let id = create_instance(&url);
    assert!(terminate(&mut child).success());
    assert!(file.exists(), "saved on clean shutdown");
    let (mut child, url) = start(&["--state", arg]);
    let resp = reqwest::blocking::get(format!("{url}/_mock/state"))
        .unwrap()
        .text()
        .unwrap();
    assert!(resp.contains(&id), "the instance is back after restart");
    let (status, body) = post(&url, "/_mock/save", "");
    assert_eq!(status, 200, "{body}");
    assert!(terminate(&mut child).success());

    std::fs::write(&file, b"{ not json").unwrap();
    let out = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--state", arg])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("state file refused"));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"{ not json",
        "a refused file is left as it is"
    );
}

fn loads(path: &Path) -> bool {
    matches!(compshare_mock::state::persist::load(path), Ok(Some(_)))
}

#[test]
fn a_kill_at_any_point_of_a_save_leaves_a_file_that_loads() {
    let dir = temp_dir("kill");
    let file = dir.join("state.json");
    let arg = file.to_str().unwrap().to_owned();
    // A big state makes each save take long enough for kills to land
    // mid-write: 20,000 images.
    let (mut child, url) = start(&["--state", &arg]);
    let platform = serde_json::json!({"CompShareImageId": "compshareImage-165jmhx19ik7", "ImageType": "System", "Status": "Available"});
    let images: Vec<serde_json::Value> = std::iter::once(platform)
        .chain((0..20_000).map(|i| {
            serde_json::json!({"CompShareImageId": format!("compshareImage-k{i:011}"), "Name": format!("image {i}"),
                "ImageType": "Custom", "Status": "Available", "CreateTime": 1_700_000_000 + i,
                "Description": "x".repeat(200), "Owner": {"AccountId": "56000001"}})
        }))
        .collect();
    let accounts = serde_json::json!([{"AccountId": "56000001", "AccountName": "default", "PublicKey": "my_public_key", "PrivateKey": "my_private_key"}]);
    let body = serde_json::json!({"accounts": accounts, "images": images}).to_string();
    let (status, text) = post(&url, "/_mock/fixtures", &body);
    assert_eq!(status, 200, "{text}");
    for _ in 0..5 {
        create_instance(&url);
    }
    let began = Instant::now();
    let (status, _) = post(&url, "/_mock/save", "");
    assert_eq!(status, 200);
    // Kills land anywhere in the first two saves, however fast this machine.
    let save_millis = began.elapsed().as_millis() as u64;
    let _ = child.kill();
    let _ = child.wait();
    assert!(loads(&file));
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut mid_write = 0;
    for round in 0..12 {
        let (mut child, url) = start(&["--state", &arg]);
        let saver = {
            let url = url.clone();
            std::thread::spawn(move || {
                let c = reqwest::blocking::Client::new();
                for _ in 0..200 {
                    if c.post(format!("{url}/_mock/save")).send().is_err() {
                        break;
                    }
                }
            })
        };
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        std::thread::sleep(Duration::from_millis(50 + rng % (2 * save_millis + 1)));
        child.kill().unwrap();
        let _ = child.wait();
        let _ = saver.join();
        let tmp_left = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .any(|e| e.file_name().to_string_lossy().ends_with(".tmp"));
        mid_write += usize::from(tmp_left);
        assert!(
            loads(&file),
            "round {round}: the file does not load after a kill"
        );
    }
    eprintln!("{mid_write} of 12 kills landed in the middle of a save");
    assert!(
        mid_write >= 1,
        "no kill landed mid-save: the test proved nothing"
    );
    // The mock cleans temporary files that killed saves left behind.
    let (mut child, _) = start(&["--state", &arg]);
    assert!(terminate(&mut child).success());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn concurrent_saves_all_succeed_and_an_acknowledged_save_survives_a_kill() {
    let dir = temp_dir("concurrent-save");
    let file = dir.join("state.json");
    let arg = file.to_str().unwrap().to_owned();
    let mut failures = Vec::new();
    for round in 0..10 {
        let (mut child, url) = start(&["--state", &arg]);
        let id = create_instance(&url);
        // Pairs of saves at once: each must be answered 200.
        for _ in 0..10 {
            let savers: Vec<_> = (0..2)
                .map(|_| {
                    let url = url.clone();
                    std::thread::spawn(move || post(&url, "/_mock/save", ""))
                })
                .collect();
            for s in savers {
                let (status, body) = s.join().unwrap();
                if status != 200 {
                    failures.push(format!("round {round}: {status} {body}"));
                }
            }
        }
        // Killed right after an acknowledged save: the file holds it.
        child.kill().unwrap();
        let _ = child.wait();
        let state = compshare_mock::state::persist::load(&file);
        match state {
            Ok(Some(s)) => assert!(
                s.instances().any(|i| i.uhost_id == id),
                "round {round}: the saved instance is gone"
            ),
            other => panic!("round {round}: the file does not load: {:?}", other.err()),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[cfg(unix)]
#[test]
fn the_state_file_is_readable_by_its_owner_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("mode");
    let file = dir.join("state.json");
    let (mut child, url) = start(&["--state", file.to_str().unwrap()]);
    let (status, _) = post(&url, "/_mock/save", "");
    assert_eq!(status, 200);
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "after a save: {mode:o}");
    // An existing file of wider mode is replaced by one of mode 0600.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(terminate(&mut child).success());
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "after shutdown: {mode:o}");
}

#[test]
fn a_state_file_that_cannot_be_written_is_refused_at_start_with_exit_2() {
    let dir = temp_dir("nodir");
    let file = dir.join("missing").join("state.json");
    let mut child = Running(
        Command::new(BIN)
            .args(["--listen", "127.0.0.1:0", "--state"])
            .arg(&file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the mock started with a state file it cannot write"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(2), "{status:?}");
    let err = stderr_of(child);
    assert!(
        err.contains("cannot write the state file") && err.contains("missing"),
        "{err}"
    );
}

/// Creates `n` instances and returns their ids.
fn create_instances(url: &str, n: usize) -> Vec<String> {
    (0..n).map(|_| create_instance(url)).collect()
}

/// Every id the mock's state holds (instances, their disks, images).
fn ids_in_state(url: &str) -> Vec<String> {
    let v: serde_json::Value = reqwest::blocking::get(format!("{url}/_mock/state"))
        .unwrap()
        .json()
        .unwrap();
    let mut out = Vec::new();
    for i in v["Instances"].as_array().unwrap() {
        out.push(i["uhost_id"].as_str().unwrap().to_owned());
        for d in i["disks"].as_array().into_iter().flatten() {
            out.push(d["disk_id"].as_str().unwrap().to_owned());
        }
    }
    out
}

#[test]
fn ids_never_come_back_after_a_crash_seeded_or_not() {
    for seed in [None, Some("42")] {
        let dir = temp_dir(&format!("crash-ids-{}", seed.unwrap_or("none")));
        let file = dir.join("state.json");
        let arg = file.to_str().unwrap().to_owned();
        let mut args = vec!["--state", arg.as_str()];
        if let Some(s) = seed {
            args.extend(["--seed", s]);
        }
        let mut issued = std::collections::BTreeSet::new();
        for round in 0..3 {
            let (mut child, url) = start(&args);
            let (status, _) = post(&url, "/_mock/save", "");
            assert_eq!(status, 200);
            for id in create_instances(&url, 3) {
                assert!(
                    issued.insert(id.clone()),
                    "seed {seed:?}, round {round}: {id} was issued before the crash"
                );
            }
            for id in ids_in_state(&url) {
                if id.starts_with("bsm-") {
                    issued.insert(id);
                }
            }
            child.kill().unwrap();
            let _ = child.wait();
        }
    }
}

#[test]
fn the_journal_keeps_within_its_byte_budget() {
    let (_child, url) = start(&["--journal-bytes", "262144", "--body-limit", "4194304"]);
    let value = "v".repeat(1024);
    let c = reqwest::blocking::Client::new();
    for _ in 0..20 {
        let names: Vec<String> = (0..100).map(|i| format!("Unknown{i:03}")).collect();
        let mut params: Vec<(&str, &str)> =
            names.iter().map(|n| (n.as_str(), value.as_str())).collect();
        params.push(("Region", "cn-wlcb"));
        let pairs = compshare_protocol::signed::call(
            "DescribeCompShareCustomImages",
            &params,
            "my_public_key",
            "my_private_key",
        );
        let v: serde_json::Value = c.post(&url).form(&pairs).send().unwrap().json().unwrap();
        assert_eq!(v["RetCode"], 0, "{v}");
    }
    let j: serde_json::Value = reqwest::blocking::get(format!("{url}/_mock/requests"))
        .unwrap()
        .json()
        .unwrap();
    let seqs: Vec<u64> = j["Requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["Seq"].as_u64().unwrap())
        .collect();
    assert!((2..=3).contains(&seqs.len()), "{seqs:?}");
    assert_eq!(seqs.last(), Some(&20), "the newest stay");
}
