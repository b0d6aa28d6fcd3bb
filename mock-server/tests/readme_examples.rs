//! The README's control-plane examples work as written: each `curl` line of
//! the "Control plane" section runs against a live mock (with the port
//! changed to the mock's) and answers JSON with HTTP 200.

use compshare_mock::MockServer;

fn control_plane_commands() -> Vec<String> {
    let readme = include_str!("../../README.md");
    let start = readme
        .find("## Control plane")
        .expect("the README has a control-plane section");
    let section = &readme[start..];
    let end = section[3..]
        .find("\n## ")
        .map(|i| i + 3)
        .unwrap_or(section.len());
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in section[..end].lines() {
        if line.starts_with("```sh") {
            in_sh = true;
        } else if line.starts_with("```") {
            in_sh = false;
        } else if in_sh && line.starts_with("curl ") {
            out.push(line.to_owned());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn every_control_plane_curl_example_answers_json() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("note: curl is not installed; the README's curl examples were not run");
        return;
    }
    let server = MockServer::start().await.unwrap();
    let commands = control_plane_commands();
    assert!(commands.len() >= 10, "{commands:?}");
    let port = server.address().port().to_string();
    for cmd in commands {
        let cmd = cmd.replace("127.0.0.1:8090", &format!("127.0.0.1:{port}"));
        let full = format!("{cmd} -w '\\n%{{http_code}}'");
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new("sh")
                .arg("-c")
                .arg(&full)
                .output()
        })
        .await
        .unwrap()
        .unwrap();
        assert!(
            out.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let (body, code) = text.rsplit_once('\n').unwrap();
        assert_eq!(code, "200", "{cmd}: {body}");
        serde_json::from_str::<serde_json::Value>(body)
            .unwrap_or_else(|e| panic!("{cmd}: not JSON ({e}): {body}"));
    }
}
