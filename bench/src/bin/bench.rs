//! `bench`: the benchmark driver. It starts the release `compshare-mock`
//! with generated fixture sets and the `baseline` server as child
//! processes (pinned to a core of their own when the machine has two or
//! more), loads each over loopback with keep-alive connections and fully
//! signed `DescribeCompShareCustomImages` requests, and prints the results
//! as Markdown tables (and optionally JSON). It builds nothing:
//! `scripts/bench.sh` builds the workspace first.
#![forbid(unsafe_code)]

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::Parser;
use compshare_bench::conn::{connect, Sender};
use compshare_bench::procfs;
use compshare_bench::requests::{bodies, page_body, Offsets, LIMIT};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::header;
use serde_json::{json, Value};

/// Benchmarks compshare-mock against a minimal axum server.
#[derive(Debug, Parser)]
#[command(name = "bench")]
struct Args {
    /// The compshare-mock binary (default: next to this one).
    #[arg(long)]
    mock: Option<PathBuf>,
    /// The baseline binary (default: next to this one).
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Where generated fixture sets are kept (made on first use).
    #[arg(long, default_value = "target/bench-fixtures")]
    fixtures_root: PathBuf,
    /// Sizes of the generated sets to load, comma-separated; the first is the
    /// one the baseline's body is taken from, the largest gets the page-cost runs.
    #[arg(long, value_delimiter = ',', default_value = "10000,1000000")]
    images: Vec<usize>,
    /// Seconds of load before measuring.
    #[arg(long, default_value_t = 3.0)]
    warmup_seconds: f64,
    /// Seconds of measured load per server.
    #[arg(long, default_value_t = 10.0)]
    measure_seconds: f64,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// How many times to time the start-up with the built-in fixtures.
    #[arg(long, default_value_t = 5)]
    startup_runs: usize,
    /// Turns the measured time is split into; the servers are measured in
    /// turn in each, so a passing load on the machine weighs on all alike.
    #[arg(long, default_value_t = 10)]
    rounds: usize,
    /// Let the load generator sleep when it waits for answers. By default it
    /// stays awake (it yields in a loop), so that no server pays for waking
    /// it: on a virtual machine a wake-up of an idle core costs the sender
    /// microseconds, and only a server slower than the load generator leaves
    /// it idle.
    #[arg(long)]
    no_spin: bool,
    /// Do not pin the servers and the load generator to separate cores.
    #[arg(long)]
    no_pin: bool,
    /// Also write the results as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Only load a server already running at this address (for profiling
    /// it): random offsets over the first `--images` size, no start-up.
    #[arg(long)]
    against: Option<SocketAddr>,
    /// With `--against`: always this Offset instead of random ones.
    #[arg(long)]
    offset: Option<usize>,
}

/// How the processes are placed on cores.
#[derive(Debug, Clone)]
struct Placement {
    server_core: Option<usize>,
    loadgen_core: Option<usize>,
    cores: usize,
}

fn place(no_pin: bool) -> Placement {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if no_pin || cores < 2 || !have("taskset") {
        return Placement {
            server_core: None,
            loadgen_core: None,
            cores,
        };
    }
    let loadgen = cores - 1;
    // Every thread of this process, the runtime's included, runs on the last core.
    let pinned = Command::new("taskset")
        .args(["-a", "-p", "-c", &loadgen.to_string()])
        .arg(std::process::id().to_string())
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    Placement {
        server_core: Some(0),
        loadgen_core: pinned.then_some(loadgen),
        cores,
    }
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// A server under test, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    /// From spawn to the first successful signed answer.
    startup: Duration,
    /// The body of that first answer (Offset 0, Limit 20).
    first_page: Bytes,
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `program args…` (pinned when asked), reads its URL from the first
/// line of stdout, then sends signed requests until one is answered with
/// RetCode 0.
async fn start(program: &Path, args: &[String], core: Option<usize>) -> Result<Server, String> {
    let started = Instant::now();
    let mut cmd = match core {
        Some(c) => {
            let mut cmd = Command::new("taskset");
            cmd.arg("-c").arg(c.to_string()).arg(program);
            cmd
        }
        None => Command::new(program),
    };
    let mut child = cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let line = tokio::task::spawn_blocking(move || {
        let mut reader = std::io::BufReader::new(stdout);
        let mut line = String::new();
        let read = reader.read_line(&mut line);
        // Keep reading (and dropping) whatever else it prints.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        read.map(|_| line)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("{}: reading stdout: {e}", program.display()))?;
    let addr: SocketAddr = line
        .trim()
        .rsplit("http://")
        .next()
        .and_then(|a| a.parse().ok())
        .ok_or_else(|| {
            let _ = child.kill();
            format!("{}: no URL in its first line {line:?}", program.display())
        })?;
    let probe = Bytes::from(page_body(0));
    let deadline = started + Duration::from_secs(60);
    loop {
        match request_once(addr, probe.clone()).await {
            Ok(body) if is_success(&body) => {
                return Ok(Server {
                    child,
                    addr,
                    startup: started.elapsed(),
                    first_page: body,
                })
            }
            Ok(body) => {
                let _ = child.kill();
                return Err(format!(
                    "{}: refused the probe: {}",
                    program.display(),
                    String::from_utf8_lossy(&body)
                ));
            }
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(1)).await
            }
            Err(e) => {
                let _ = child.kill();
                return Err(format!("{}: no answer within 60 s: {e}", program.display()));
            }
        }
    }
}

const SUCCESS_PREFIX: &[u8] = br#"{"Action":"DescribeCompShareCustomImagesResponse","RetCode":0,"#;

fn is_success(body: &[u8]) -> bool {
    body.starts_with(SUCCESS_PREFIX)
}

async fn send(sender: &mut Sender, addr: SocketAddr, body: Bytes) -> Result<Bytes, String> {
    let req = hyper::Request::post("/")
        .header(header::HOST, addr.to_string())
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Full::new(body))
        .map_err(|e| e.to_string())?;
    sender.ready().await.map_err(|e| e.to_string())?;
    let resp = sender.send_request(req).await.map_err(|e| e.to_string())?;
    if resp.status() != hyper::StatusCode::OK {
        return Err(format!("HTTP {}", resp.status()));
    }
    Ok(resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes())
}

async fn request_once(addr: SocketAddr, body: Bytes) -> Result<Bytes, String> {
    let mut sender = connect(addr).await?;
    send(&mut sender, addr, body).await
}

/// Whether the load generator stays awake while it waits (`--no-spin` unsets it).
static SPIN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// What one load run (or several, merged) measured.
#[derive(Debug, Clone)]
struct Load {
    requests: u64,
    errors: u64,
    seconds: f64,
    hist: Histogram<u64>,
    body_bytes: u64,
    /// CPU time the server used while measured, in seconds.
    server_cpu: Option<f64>,
    /// CPU time the load generator used while measured, in seconds.
    loadgen_cpu: Option<f64>,
    /// Requests per second of each run merged in.
    runs: Vec<f64>,
}

impl Load {
    fn empty() -> Result<Load, String> {
        Ok(Load {
            requests: 0,
            errors: 0,
            seconds: 0.0,
            hist: Histogram::new_with_bounds(1, 60_000_000, 3).map_err(|e| e.to_string())?,
            body_bytes: 0,
            server_cpu: Some(0.0),
            loadgen_cpu: Some(0.0),
            runs: Vec::new(),
        })
    }

    fn merge(&mut self, other: &Load) -> Result<(), String> {
        self.requests += other.requests;
        self.errors += other.errors;
        self.seconds += other.seconds;
        self.body_bytes += other.body_bytes;
        self.hist.add(&other.hist).map_err(|e| e.to_string())?;
        self.server_cpu = self.server_cpu.zip(other.server_cpu).map(|(a, b)| a + b);
        self.loadgen_cpu = self.loadgen_cpu.zip(other.loadgen_cpu).map(|(a, b)| a + b);
        self.runs.extend(&other.runs);
        Ok(())
    }

    fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    fn p(&self, q: f64) -> u64 {
        self.hist.value_at_quantile(q)
    }

    /// Server CPU time per answered request, in microseconds.
    fn cpu_per_request(&self) -> Option<f64> {
        Some(self.server_cpu? * 1e6 / self.requests.max(1) as f64)
    }

    fn json(&self) -> Value {
        json!({
            "requests": self.requests,
            "errors": self.errors,
            "seconds": self.seconds,
            "requests_per_second": self.rps(),
            "runs_requests_per_second": self.runs,
            "latency_us": {
                "p50": self.p(0.5), "p90": self.p(0.9), "p99": self.p(0.99),
                "max": self.hist.max(), "mean": self.hist.mean(),
            },
            "mean_body_bytes": self.body_bytes.checked_div(self.requests.max(1)),
            "server_cpu_seconds": self.server_cpu,
            "server_cpu_us_per_request": self.cpu_per_request(),
            "loadgen_cpu_seconds": self.loadgen_cpu,
        })
    }
}

/// Loads `addr` from `connections` keep-alive connections for `warmup`, then
/// measures for `measure`; request bodies are drawn from `bodies`.
async fn load(
    addr: SocketAddr,
    server_pid: u32,
    bodies: Arc<Vec<Bytes>>,
    connections: usize,
    warmup: Duration,
    measure: Duration,
) -> Result<Load, String> {
    let begin = Instant::now();
    let measure_start = begin + warmup;
    let end = measure_start + measure;
    if SPIN.load(std::sync::atomic::Ordering::Relaxed) {
        tokio::spawn(async move {
            while Instant::now() < end {
                tokio::task::yield_now().await;
            }
        });
    }
    let mut tasks = Vec::new();
    for c in 0..connections {
        let bodies = bodies.clone();
        let mut sender = connect(addr).await?;
        tasks.push(tokio::spawn(async move {
            let mut hist =
                Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).map_err(|e| e.to_string())?;
            let (mut n, mut errors, mut bytes) = (0u64, 0u64, 0u64);
            let mut rng = compshare_bench::requests::Rng::new(0x9e37_79b9 + c as u64);
            loop {
                let t0 = Instant::now();
                if t0 >= end {
                    break;
                }
                let body = bodies[rng.below(bodies.len())].clone();
                let answer = send(&mut sender, addr, body).await;
                let micros = t0.elapsed().as_micros() as u64;
                if t0 < measure_start {
                    if answer.is_err() {
                        sender = connect(addr).await?;
                    }
                    continue;
                }
                match answer {
                    Ok(b) if is_success(&b) => {
                        n += 1;
                        bytes += b.len() as u64;
                        let _ = hist.record(micros.max(1));
                    }
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        sender = connect(addr).await?;
                    }
                }
            }
            Ok::<_, String>((hist, n, errors, bytes))
        }));
    }
    tokio::time::sleep_until(measure_start.into()).await;
    let me = std::process::id();
    let (s0, l0) = (procfs::cpu_seconds(server_pid), procfs::cpu_seconds(me));
    tokio::time::sleep_until(end.into()).await;
    let (s1, l1) = (procfs::cpu_seconds(server_pid), procfs::cpu_seconds(me));
    let used = |a: Option<f64>, b: Option<f64>| Some(b? - a?);
    let mut out = Load::empty()?;
    out.seconds = measure.as_secs_f64();
    out.server_cpu = used(s0, s1);
    out.loadgen_cpu = used(l0, l1);
    for t in tasks {
        let (hist, n, errors, bytes) = t.await.map_err(|e| e.to_string())??;
        out.hist.add(&hist).map_err(|e| e.to_string())?;
        out.requests += n;
        out.errors += errors;
        out.body_bytes += bytes;
    }
    out.runs.push(out.rps());
    Ok(out)
}

/// A server under test and what it measured.
struct Target {
    name: String,
    images: Option<usize>,
    server: Server,
    bodies: Arc<Vec<Bytes>>,
    idle_rss: Option<u64>,
    peak_rss_after_start: Option<u64>,
    load: Load,
}

fn mib(b: Option<u64>) -> String {
    b.map_or("n/a".to_owned(), |b| {
        format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
    })
}

fn pct(x: Option<f64>) -> String {
    x.map_or("n/a".to_owned(), |x| format!("{:.0} %", x * 100.0))
}

fn default_binary(name: &str) -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(|d| d.join(name)))
        .unwrap_or_else(|| PathBuf::from(name))
}

fn mock_args(fixtures: Option<&Path>) -> Vec<String> {
    let mut a = vec![
        "--listen".to_owned(),
        "127.0.0.1:0".to_owned(),
        "--log-level".to_owned(),
        "warn".to_owned(),
    ];
    if let Some(dir) = fixtures {
        a.push("--fixtures".to_owned());
        a.push(dir.display().to_string());
    }
    a
}

/// Reads a fixture set's files once, so that they are in the page cache
/// when the mock starts.
fn warm_page_cache(dir: &Path) -> std::io::Result<()> {
    for name in ["accounts.json", "images.json"] {
        let mut f = std::fs::File::open(dir.join(name))?;
        std::io::copy(&mut f, &mut std::io::sink())?;
    }
    Ok(())
}

/// Waits a moment after start-up and reads the resident memory.
async fn idle_rss(pid: u32) -> Option<u64> {
    tokio::time::sleep(Duration::from_millis(500)).await;
    procfs::rss(pid)
}

fn check_page(body: &[u8], total: usize) -> Result<(), String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let got_total = v["TotalCount"].as_u64().unwrap_or(0) as usize;
    let got_items = v["ImageSet"].as_array().map_or(0, Vec::len);
    if got_total != total || got_items != LIMIT.min(total) {
        return Err(format!(
            "expected TotalCount {total} and {} images, got {got_total} and {got_items}",
            LIMIT.min(total)
        ));
    }
    Ok(())
}

#[allow(clippy::too_many_lines)]
async fn run(args: Args, placement: Placement) -> Result<Value, String> {
    let mock = args
        .mock
        .clone()
        .unwrap_or_else(|| default_binary("compshare-mock"));
    let baseline = args
        .baseline
        .clone()
        .unwrap_or_else(|| default_binary("baseline"));
    for b in [&mock, &baseline] {
        if !b.exists() {
            return Err(format!(
                "{} not found: build with `cargo build --release --workspace` (scripts/bench.sh does)",
                b.display()
            ));
        }
    }
    let rounds = args.rounds.max(1);
    let warmup = Duration::from_secs_f64(args.warmup_seconds);
    let slice = Duration::from_secs_f64(args.measure_seconds / rounds as f64);
    // Each slice after the warm-up opens fresh connections: a short settle.
    let settle = Duration::from_secs_f64((args.warmup_seconds / 5.0).min(0.5));
    let load_before = procfs::load_average();
    eprintln!(
        "bench: {} cores, server on core {:?}, load generator on core {:?}; load average {:?}",
        placement.cores, placement.server_core, placement.loadgen_core, load_before
    );

    // Start-up with the built-in fixtures.
    let mut startups = Vec::new();
    let mut default_idle = None;
    for _ in 0..args.startup_runs.max(1) {
        let s = start(&mock, &mock_args(None), placement.server_core).await?;
        check_page(&s.first_page, 48)?;
        startups.push(s.startup);
        if default_idle.is_none() {
            default_idle = idle_rss(s.pid()).await;
        }
    }
    startups.sort();
    let startup_median = startups[startups.len() / 2];
    let startup_max = *startups.last().unwrap_or(&startup_median);
    eprintln!(
        "bench: built-in fixtures: start-up median {:.1} ms, idle RSS {}",
        startup_median.as_secs_f64() * 1e3,
        mib(default_idle)
    );

    let mut sizes = args.images.clone();
    sizes.dedup();
    if sizes.is_empty() || sizes.iter().any(|n| *n < LIMIT) {
        return Err(format!("--images needs sizes of at least {LIMIT}"));
    }
    let mut targets: Vec<Target> = Vec::new();
    for (i, &n) in sizes.iter().enumerate() {
        let t = Instant::now();
        let dir = compshare_bench::fixtures::ensure_set(&args.fixtures_root, n)
            .map_err(|e| format!("generating the {n}-image set: {e}"))?;
        eprintln!(
            "bench: {n}-image set ready in {:.1} s at {}",
            t.elapsed().as_secs_f64(),
            dir.display()
        );
        // The start-up measured is the mock's, not the disk's.
        warm_page_cache(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let s = start(&mock, &mock_args(Some(&dir)), placement.server_core).await?;
        check_page(&s.first_page, n)?;
        let idle = idle_rss(s.pid()).await;
        let peak = procfs::peak_rss(s.pid());
        eprintln!(
            "bench: mock with {n} images: first answer after {:.0} ms, RSS {} (peak {})",
            s.startup.as_secs_f64() * 1e3,
            mib(idle),
            mib(peak)
        );
        if i == 0 {
            // The baseline answers with exactly this page.
            let path = args.fixtures_root.join("baseline-page.json");
            std::fs::write(&path, &s.first_page).map_err(|e| e.to_string())?;
            let b = start(
                &baseline,
                &["--body-file".to_owned(), path.display().to_string()],
                placement.server_core,
            )
            .await?;
            let idle_b = idle_rss(b.pid()).await;
            let peak_b = procfs::peak_rss(b.pid());
            targets.push(Target {
                name: "baseline".into(),
                images: None,
                server: b,
                bodies: Arc::new(bodies(Offsets::Random(n), 65_536, 1)),
                idle_rss: idle_b,
                peak_rss_after_start: peak_b,
                load: Load::empty()?,
            });
        }
        targets.push(Target {
            name: "compshare-mock".into(),
            images: Some(n),
            server: s,
            bodies: Arc::new(bodies(Offsets::Random(n), 65_536, 2 + n as u64)),
            idle_rss: idle,
            peak_rss_after_start: peak,
            load: Load::empty()?,
        });
    }

    // Warm every server up, then measure them in turns, so that a passing
    // load on the machine weighs on all of them alike.
    for t in &targets {
        load(
            t.server.addr,
            t.server.pid(),
            t.bodies.clone(),
            args.connections,
            Duration::ZERO,
            warmup,
        )
        .await?;
    }
    for round in 1..=rounds {
        for t in targets.iter_mut() {
            let l = load(
                t.server.addr,
                t.server.pid(),
                t.bodies.clone(),
                args.connections,
                settle,
                slice,
            )
            .await?;
            eprintln!(
                "bench: round {round}/{rounds}: {}{}: {:.0} req/s",
                t.name,
                t.images.map_or(String::new(), |n| format!(" ({n} images)")),
                l.rps()
            );
            t.load.merge(&l)?;
        }
    }

    // The page cost at both ends of the largest list, in turns too.
    let largest = *sizes.iter().max().unwrap_or(&LIMIT);
    let mut page_cost = Vec::new();
    if let Some(t) = targets.iter().find(|t| t.images == Some(largest)) {
        let ends = [0, largest - LIMIT];
        let mut loads = vec![Load::empty()?, Load::empty()?];
        for _ in 0..rounds {
            for (k, offset) in ends.iter().enumerate() {
                let l = load(
                    t.server.addr,
                    t.server.pid(),
                    Arc::new(bodies(Offsets::Fixed(*offset), 1, 0)),
                    args.connections,
                    settle,
                    slice,
                )
                .await?;
                loads[k].merge(&l)?;
            }
        }
        for (offset, l) in ends.into_iter().zip(loads) {
            eprintln!(
                "bench: {largest} images, Offset {offset}: {:.0} req/s",
                l.rps()
            );
            page_cost.push((offset, l));
        }
    }
    let peaks: Vec<Option<u64>> = targets
        .iter()
        .map(|t| procfs::peak_rss(t.server.pid()))
        .collect();
    let load_after = procfs::load_average();

    // Report.
    let base = targets
        .iter()
        .find(|t| t.images.is_none())
        .map(|t| (t.load.rps(), t.load.cpu_per_request()))
        .unwrap_or((f64::NAN, None));
    let base_runs: Vec<f64> = targets
        .iter()
        .find(|t| t.images.is_none())
        .map(|t| t.load.runs.clone())
        .unwrap_or_default();
    // The ratio of each turn to the baseline's in the same turn: a passing
    // load weighs on both sides of each, so their median shrugs it off.
    let turn_ratio = |l: &Load| -> f64 {
        let mut r: Vec<f64> = l.runs.iter().zip(&base_runs).map(|(m, b)| m / b).collect();
        r.sort_by(f64::total_cmp);
        r.get(r.len() / 2).copied().unwrap_or(f64::NAN)
    };
    println!("## Throughput and latency\n");
    println!(
        "{} keep-alive connections; {:.0} s warm-up, then {:.0} s measured per server in {rounds} turns; `DescribeCompShareCustomImages`, Limit 20, random Offset.\n",
        args.connections, args.warmup_seconds, args.measure_seconds
    );
    println!("| server | images | req/s | mock / baseline | median of turn ratios | p50 | p99 | server CPU per request | server CPU | load generator CPU | peak RSS | body | errors |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (t, peak) in targets.iter().zip(&peaks) {
        let l = &t.load;
        println!(
            "| {} | {} | {:.0} | {:.2} | {:.2} | {} µs | {} µs | {} | {} | {} | {} | {} B | {} |",
            t.name,
            t.images.map_or("–".to_owned(), |n| n.to_string()),
            l.rps(),
            l.rps() / base.0,
            turn_ratio(l),
            l.p(0.5),
            l.p(0.99),
            l.cpu_per_request()
                .map_or("n/a".into(), |c| format!("{c:.1} µs")),
            pct(l.server_cpu.map(|c| c / l.seconds)),
            pct(l.loadgen_cpu.map(|c| c / l.seconds)),
            mib(*peak),
            l.body_bytes / l.requests.max(1),
            l.errors
        );
    }
    println!("\nReq/s of each turn:\n");
    for t in &targets {
        let runs: Vec<String> = t.load.runs.iter().map(|r| format!("{r:.0}")).collect();
        println!(
            "- {}{}: {}",
            t.name,
            t.images.map_or(String::new(), |n| format!(", {n} images")),
            runs.join(", ")
        );
    }
    println!("\n## Start-up and memory\n");
    println!("| server | first signed answer after | RSS idle after start | peak RSS by then |");
    println!("| --- | ---: | ---: | ---: |");
    println!(
        "| compshare-mock, built-in fixtures | {:.1} ms (median of {}, max {:.1} ms) | {} | |",
        startup_median.as_secs_f64() * 1e3,
        startups.len(),
        startup_max.as_secs_f64() * 1e3,
        mib(default_idle)
    );
    for t in &targets {
        println!(
            "| {}{} | {:.1} ms | {} | {} |",
            t.name,
            t.images.map_or(String::new(), |n| format!(", {n} images")),
            t.server.startup.as_secs_f64() * 1e3,
            mib(t.idle_rss),
            mib(t.peak_rss_after_start)
        );
    }
    let mut cost_json = Value::Null;
    if let [(_, first), (last_offset, last)] = page_cost.as_slice() {
        println!("\n## Page cost: Offset 0 against the end of the {largest}-image list\n");
        println!("| Offset | req/s | p50 | p99 | mean | server CPU per request |");
        println!("| ---: | ---: | ---: | ---: | ---: | ---: |");
        for (o, l) in &page_cost {
            println!(
                "| {o} | {:.0} | {} µs | {} µs | {:.1} µs | {} |",
                l.rps(),
                l.p(0.5),
                l.p(0.99),
                l.hist.mean(),
                l.cpu_per_request()
                    .map_or("n/a".into(), |c| format!("{c:.1} µs"))
            );
        }
        println!(
            "\nOffset {last_offset} / Offset 0: mean latency × {:.2}, server CPU per request × {}.",
            last.hist.mean() / first.hist.mean(),
            last.cpu_per_request()
                .zip(first.cpu_per_request())
                .map_or("n/a".into(), |(a, b)| format!("{:.2}", a / b)),
        );
        cost_json = json!({
            "images": largest,
            "runs": page_cost.iter().map(|(o, l)| json!({"offset": o, "load": l.json()})).collect::<Vec<_>>(),
        });
    }
    println!(
        "\nLoad average (1 min) before: {}, after: {}; {} cores; server on core {}, load generator on core {}.",
        load_before.map_or("n/a".into(), |l| format!("{l:.2}")),
        load_after.map_or("n/a".into(), |l| format!("{l:.2}")),
        placement.cores,
        placement
            .server_core
            .map_or("any".into(), |c| c.to_string()),
        placement
            .loadgen_core
            .map_or("any".into(), |c| c.to_string()),
    );
    Ok(json!({
        "connections": args.connections,
        "warmup_seconds": args.warmup_seconds,
        "measure_seconds": args.measure_seconds,
        "rounds": rounds,
        "cores": placement.cores,
        "pinned": placement.server_core.is_some(),
        "load_average": {"before": load_before, "after": load_after},
        "startup_builtin_ms": startups.iter().map(|d| d.as_secs_f64() * 1e3).collect::<Vec<_>>(),
        "idle_rss_builtin": default_idle,
        "servers": targets.iter().zip(&peaks).map(|(t, peak)| json!({
            "name": t.name,
            "images": t.images,
            "startup_ms": t.server.startup.as_secs_f64() * 1e3,
            "idle_rss": t.idle_rss,
            "peak_rss_after_start": t.peak_rss_after_start,
            "peak_rss": peak,
            "ratio_to_baseline": t.load.rps() / base.0,
            "median_turn_ratio_to_baseline": turn_ratio(&t.load),
            "cpu_per_request_ratio_baseline_to_this": base.1.zip(t.load.cpu_per_request()).map(|(b, m)| b / m),
            "load": t.load.json(),
        })).collect::<Vec<_>>(),
        "page_cost": cost_json,
    }))
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    SPIN.store(!args.no_spin, std::sync::atomic::Ordering::Relaxed);
    let placement = place(args.no_pin);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bench: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let json_out = args.json.clone();
    if let Some(addr) = args.against {
        let n = args.images.first().copied().unwrap_or(10_000);
        let result = runtime.block_on(load(
            addr,
            0,
            Arc::new(match args.offset {
                Some(o) => bodies(Offsets::Fixed(o), 1, 0),
                None => bodies(Offsets::Random(n), 65_536, 2),
            }),
            args.connections,
            Duration::from_secs_f64(args.warmup_seconds),
            Duration::from_secs_f64(args.measure_seconds),
        ));
        return match result {
            Ok(l) => {
                println!("{}", l.json());
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("bench: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    match runtime.block_on(run(args, placement)) {
        Ok(v) => {
            if let Some(path) = json_out {
                let text = serde_json::to_string_pretty(&v).unwrap_or_default();
                if let Err(e) = std::fs::write(&path, text) {
                    eprintln!("bench: {}: {e}", path.display());
                    return std::process::ExitCode::FAILURE;
                }
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
