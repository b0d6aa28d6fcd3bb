//! `soak`: the memory soak of BENCHMARKS.md. It starts the release
//! `compshare-mock` with its defaults (journal size included), sends signed
//! requests with large form bodies over keep-alive connections for a while,
//! samples the mock's resident memory throughout, then reads the journal
//! once (`GET /_mock/requests`) and clears it, and prints what the memory was
//! at each step. Loopback only; it builds nothing (`scripts/soak.sh` does).
#![forbid(unsafe_code)]

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser;
use compshare_bench::conn::{connect, Sender};
use compshare_bench::fixtures::{PRIVATE_KEY, PUBLIC_KEY};
use compshare_bench::procfs;
use compshare_protocol::signed;
use http_body_util::{BodyExt, Full};
use hyper::header;

/// Loads compshare-mock with large signed requests and reports its memory.
#[derive(Debug, Parser)]
#[command(name = "soak")]
struct Args {
    /// The compshare-mock binary (default: next to this one).
    #[arg(long)]
    mock: Option<PathBuf>,
    /// Seconds of load.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 4)]
    connections: usize,
    /// Size of each request's form body, in KB (1000 bytes).
    #[arg(long, default_value_t = 300)]
    body_kb: usize,
    /// Further flags for the mock (e.g. `--journal-bytes 0`).
    #[arg(last = true)]
    mock_args: Vec<String>,
}

/// A started mock, killed when dropped.
struct Mock(Child);

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A signed `DescribeCompShareCustomImages` whose form body is about
/// `size` bytes: the page parameters and filler parameters of 1,000
/// characters (not in the catalogue: answered, and journaled as sent).
fn body(size: usize) -> Bytes {
    let filler = "x".repeat(1000);
    let names: Vec<String> = (0..size / 1012).map(|i| format!("Filler{i:04}")).collect();
    let mut params: Vec<(&str, &str)> = vec![
        ("Region", "cn-wlcb"),
        ("Zone", "cn-wlcb-01"),
        ("Limit", "20"),
    ];
    params.extend(names.iter().map(|n| (n.as_str(), filler.as_str())));
    let pairs = signed::call(
        "DescribeCompShareCustomImages",
        &params,
        PUBLIC_KEY,
        PRIVATE_KEY,
    );
    signed::form_body(&pairs).into()
}

/// Sends one request; the answer's status and body.
async fn send(
    sender: &mut Sender,
    addr: SocketAddr,
    method: hyper::Method,
    path: &str,
    body: Bytes,
) -> Result<(u16, Bytes), String> {
    let req = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, addr.to_string())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Full::new(body))
        .map_err(|e| e.to_string())?;
    sender.ready().await.map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let bytes = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, bytes))
}

fn mib(b: Option<u64>) -> String {
    b.map_or("n/a".to_owned(), |b| {
        format!("{:.1} MiB", b as f64 / 1024.0 / 1024.0)
    })
}

async fn run(args: Args) -> Result<(), String> {
    let program = args.mock.clone().unwrap_or_else(|| {
        std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("compshare-mock")))
            .unwrap_or_else(|| PathBuf::from("compshare-mock"))
    });
    let mut child = Command::new(&program)
        .args(["--listen", "127.0.0.1:0", "--log-level", "warn"])
        .args(&args.mock_args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    let mut line = String::new();
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut reader = std::io::BufReader::new(stdout);
    reader.read_line(&mut line).map_err(|e| e.to_string())?;
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let mock = Mock(child);
    let pid = mock.0.id();
    let addr: SocketAddr = line
        .trim()
        .rsplit("http://")
        .next()
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| format!("no URL in {line:?}"))?;
    let idle = procfs::rss(pid);
    let body = body(args.body_kb * 1000);
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            let mut sender = connect(addr).await?;
            let mut sent = 0u64;
            while Instant::now() < deadline {
                let (status, answer) =
                    send(&mut sender, addr, hyper::Method::POST, "/", body.clone()).await?;
                if status != 200
                    || !answer.starts_with(
                        br#"{"Action":"DescribeCompShareCustomImagesResponse","RetCode":0,"#,
                    )
                {
                    return Err(format!(
                        "refused: {status} {}",
                        String::from_utf8_lossy(&answer)
                    ));
                }
                sent += 1;
            }
            Ok::<u64, String>(sent)
        }));
    }
    let started = Instant::now();
    let mut peak_sampled = 0u64;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        peak_sampled = peak_sampled.max(procfs::rss(pid).unwrap_or(0));
    }
    let mut sent = 0;
    for t in tasks {
        sent += t.await.map_err(|e| e.to_string())??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let after_load = procfs::rss(pid);
    let hwm_load = procfs::peak_rss(pid);
    let mut admin = connect(addr).await?;
    let (status, page) = send(
        &mut admin,
        addr,
        hyper::Method::GET,
        "/_mock/requests",
        Bytes::new(),
    )
    .await?;
    if status != 200 {
        return Err(format!("GET /_mock/requests: HTTP {status}"));
    }
    let page: serde_json::Value = serde_json::from_slice(&page).map_err(|e| e.to_string())?;
    let after_get = procfs::rss(pid);
    let hwm_get = procfs::peak_rss(pid);
    let (status, _) = send(
        &mut admin,
        addr,
        hyper::Method::DELETE,
        "/_mock/requests",
        Bytes::new(),
    )
    .await?;
    if status != 200 {
        return Err(format!("DELETE /_mock/requests: HTTP {status}"));
    }
    let after_delete = procfs::rss(pid);
    let answer_bytes = serde_json::to_vec(&page).map_or(0, |v| v.len());
    println!("| measure | value |");
    println!("| --- | --- |");
    println!(
        "| load | {sent} requests of {} bytes in {elapsed:.0} s ({:.0}/s), {} connections |",
        body.len(),
        sent as f64 / elapsed,
        args.connections
    );
    println!("| RSS idle | {} |", mib(idle));
    println!(
        "| RSS peak during the load (sampled every 200 ms) | {} |",
        mib(Some(peak_sampled))
    );
    println!("| RSS after the load | {} |", mib(after_load));
    println!("| VmHWM (peak) after the load | {} |", mib(hwm_load));
    println!(
        "| GET /_mock/requests | {} entries of {} kept, {:.1} MiB answer |",
        page["Count"],
        page["Total"],
        answer_bytes as f64 / 1024.0 / 1024.0
    );
    println!("| RSS after the GET | {} |", mib(after_get));
    println!("| VmHWM (peak) after the GET | {} |", mib(hwm_get));
    println!(
        "| RSS after DELETE /_mock/requests | {} |",
        mib(after_delete)
    );
    drop(mock);
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("soak: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("soak: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
