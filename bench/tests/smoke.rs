//! The benchmark runs end to end: a second of load on small sets. Ignored
//! by default (it needs the binaries of the whole workspace built first):
//! `cargo build --workspace && cargo test -p compshare-bench -- --ignored`.

use std::path::PathBuf;
use std::process::Command;

#[test]
#[ignore = "needs compshare-mock built: cargo build --workspace"]
fn the_benchmark_runs_for_a_second_and_reports_every_server() {
    let bench = PathBuf::from(env!("CARGO_BIN_EXE_bench"));
    let dir = bench.parent().unwrap().to_path_buf();
    let mock = dir.join("compshare-mock");
    assert!(
        mock.exists(),
        "{} is missing: cargo build --workspace",
        mock.display()
    );
    let work = std::env::temp_dir().join(format!("compshare-bench-smoke-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let json = work.join("results.json");
    let out = Command::new(&bench)
        .args(["--images", "100,1000", "--warmup-seconds", "0.2"])
        .args([
            "--measure-seconds",
            "1",
            "--rounds",
            "2",
            "--startup-runs",
            "1",
        ])
        .arg("--fixtures-root")
        .arg(&work)
        .arg("--json")
        .arg(&json)
        .arg("--mock")
        .arg(&mock)
        .arg("--baseline")
        .arg(env!("CARGO_BIN_EXE_baseline"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("| compshare-mock | 1000 |"), "{stdout}");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let servers = v["servers"].as_array().unwrap();
    assert_eq!(servers.len(), 3, "baseline and two sets: {v}");
    for s in servers {
        assert!(s["load"]["requests"].as_u64().unwrap() > 0, "{s}");
        assert_eq!(s["load"]["errors"], 0, "{s}");
    }
    assert_eq!(v["page_cost"]["images"], 1000);
    let _ = std::fs::remove_dir_all(&work);
}
