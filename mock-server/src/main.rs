//! `compshare-mock`: parses flags and runs the library's server.
#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use compshare_mock::fixtures::Fixtures;
use compshare_mock::state::Timings;
use compshare_mock::upstream::{Mode, Recorder, Upstream, UpstreamConfig};
use compshare_mock::{server, Config, Shared};

/// An offline, faithful stand-in for the CompShare GPU cloud API.
#[derive(Debug, Parser)]
#[command(name = "compshare-mock", version)]
struct Args {
    /// Address to listen on: IP:PORT, HOST:PORT, or an IP or host alone (port 8090).
    #[arg(long, env = "COMPSHARE_MOCK_LISTEN", default_value = compshare_mock::DEFAULT_LISTEN, value_parser = parse_listen)]
    listen: SocketAddr,
    /// Directory with accounts.json, images.json and optionally responses/<Action>.json to load instead of the built-in set.
    #[arg(long, env = "COMPSHARE_MOCK_FIXTURES")]
    fixtures: Option<PathBuf>,
    /// Log filter: error, warn, info, debug, trace (or a tracing directive).
    #[arg(long, env = "COMPSHARE_MOCK_LOG", default_value = "info")]
    log_level: String,
    /// Largest request body in bytes; larger bodies get HTTP 413.
    #[arg(long, env = "COMPSHARE_MOCK_BODY_LIMIT", default_value_t = compshare_mock::DEFAULT_BODY_LIMIT)]
    body_limit: usize,
    /// How many requests the journal (GET /_mock/requests) keeps.
    #[arg(long, env = "COMPSHARE_MOCK_JOURNAL_SIZE", default_value_t = compshare_mock::journal::DEFAULT_JOURNAL_SIZE)]
    journal_size: usize,
    /// How many bytes of recorded requests the journal keeps; the oldest go first.
    #[arg(long, env = "COMPSHARE_MOCK_JOURNAL_BYTES", default_value_t = compshare_mock::journal::DEFAULT_JOURNAL_BYTES)]
    journal_bytes: usize,
    /// Keep the start of every answer in the journal from the start (it is
    /// kept anyway once the dashboard is opened).
    #[arg(long, env = "COMPSHARE_MOCK_JOURNAL_ANSWERS")]
    journal_answers: bool,
    /// Seed that makes generated ids and request ids reproducible.
    #[arg(long, env = "COMPSHARE_MOCK_SEED")]
    seed: Option<u64>,
    /// Seconds an instance spends Initializing.
    #[arg(long, default_value_t = Timings::default().boot_seconds)]
    boot_seconds: u64,
    /// Seconds an instance spends Starting, Stopping or Rebooting.
    #[arg(long, default_value_t = Timings::default().transition_seconds)]
    transition_seconds: u64,
    /// Seconds a custom image spends Making.
    #[arg(long, default_value_t = Timings::default().image_build_seconds)]
    image_build_seconds: u64,
    /// Seconds a data disk spends Detaching.
    #[arg(long, default_value_t = Timings::default().detach_seconds)]
    detach_seconds: u64,
    /// Allow listening on a non-loopback address (the mock then warns).
    #[arg(long)]
    allow_non_loopback: bool,
    /// Seconds a client may take to send a request head, and then its body.
    #[arg(long, default_value_t = compshare_mock::DEFAULT_READ_TIMEOUT.as_secs())]
    read_timeout: u64,
    /// State file: loaded at start (a corrupt one is refused), saved
    /// atomically on clean shutdown and on POST /_mock/save.
    #[arg(long, env = "COMPSHARE_MOCK_STATE")]
    state: Option<PathBuf>,
    /// Token the admin API (/_mock/) requires as `Authorization: Bearer TOKEN`;
    /// needed when listening on a non-loopback address.
    #[arg(long, env = "COMPSHARE_MOCK_ADMIN_TOKEN")]
    admin_token: Option<String>,
    /// The live gateway to compare with, record from or proxy to
    /// (https://, or http:// to a loopback address only).
    #[arg(long, env = "COMPSHARE_MOCK_UPSTREAM")]
    upstream: Option<String>,
    /// What to do with the upstream: shadow (answer and compare), record
    /// (answer what the state cannot from the upstream and write it as
    /// fixtures), proxy (answer everything from the upstream).
    #[arg(long, value_enum, default_value = "shadow", requires = "upstream")]
    upstream_mode: Mode,
    /// Seconds the upstream may take to answer; then the request fails (502,
    /// or a journaled note in shadow mode).
    #[arg(long, default_value_t = compshare_mock::upstream::DEFAULT_UPSTREAM_TIMEOUT.as_secs_f64(), requires = "upstream")]
    upstream_timeout: f64,
    /// In shadow mode, forward mutating actions too: real resources are
    /// then created and billed.
    #[arg(long, requires = "upstream")]
    shadow_mutations: bool,
    /// Where record mode writes its fixture set.
    #[arg(long, default_value = "recordings", requires = "upstream")]
    record_dir: PathBuf,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let filter = match log_filter(&args.log_level) {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "compshare-mock: --log-level {:?} refused: {e}",
                args.log_level
            );
            return std::process::ExitCode::from(2);
        }
    };
    // Logs go to stderr; stdout carries only the start-up lines, so a
    // supervisor can read the URL from it. Colour only on a terminal, and
    // never with NO_COLOR set (https://no-color.org).
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(colour)
        .with_writer(std::io::stderr)
        .init();

    let fixtures = match &args.fixtures {
        None => Fixtures::builtin(),
        Some(dir) => match Fixtures::load_dir(dir) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("compshare-mock: fixtures refused: {e}");
                return std::process::ExitCode::from(2);
            }
        },
    };
    for action in fixtures.responses.actions() {
        if compshare_mock::actions::handler(action).is_some() {
            tracing::warn!(
                action,
                "responses/{action}.json is ignored: the action is served from the state"
            );
        }
    }
    if !args.listen.ip().is_loopback() {
        if !args.allow_non_loopback {
            eprintln!(
                "compshare-mock: {} is not a loopback address; pass --allow-non-loopback to serve beyond this machine",
                args.listen
            );
            return std::process::ExitCode::from(2);
        }
        if args.admin_token.as_deref().unwrap_or("").is_empty() {
            eprintln!(
                "compshare-mock: a non-loopback listener needs --admin-token to protect /_mock/"
            );
            return std::process::ExitCode::from(2);
        }
        eprintln!(
            "compshare-mock: WARNING: serving on {}, reachable beyond this machine; the fixtures' keys are not secret",
            args.listen
        );
    }
    let upstream = match upstream(&args) {
        Ok(u) => u,
        Err(e) => {
            eprintln!("compshare-mock: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("compshare-mock: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(args, fixtures, upstream))
}

/// The upstream of `--upstream`, checked; the recording directory opened in
/// record mode.
fn upstream(args: &Args) -> Result<Option<Arc<Upstream>>, String> {
    let Some(url) = &args.upstream else {
        return Ok(None);
    };
    let url = compshare_mock::upstream::check_url(url)?;
    if args.shadow_mutations && args.upstream_mode != Mode::Shadow {
        return Err("--shadow-mutations applies to --upstream-mode shadow only".to_owned());
    }
    if !(args.upstream_timeout > 0.0 && args.upstream_timeout.is_finite()) {
        return Err("--upstream-timeout must be a positive number of seconds".to_owned());
    }
    let recorder = match args.upstream_mode {
        Mode::Record => Some(Recorder::open(&args.record_dir, args.fixtures.as_deref())?),
        _ => None,
    };
    let config = UpstreamConfig {
        url,
        mode: args.upstream_mode,
        timeout: std::time::Duration::from_secs_f64(args.upstream_timeout),
        shadow_mutations: args.shadow_mutations,
    };
    Ok(Some(Arc::new(Upstream::new(config, recorder))))
}

async fn run(
    args: Args,
    fixtures: Fixtures,
    upstream: Option<Arc<Upstream>>,
) -> std::process::ExitCode {
    let listener = match server::bind(args.listen) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("compshare-mock: cannot listen on {}: {e}", args.listen);
            return std::process::ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().unwrap_or(args.listen);
    let default_key = fixtures.accounts[0].public_key.clone();
    let config = Config {
        listen: addr,
        fixtures,
        body_limit: args.body_limit,
        journal_size: args.journal_size,
        journal_bytes: args.journal_bytes,
        journal_answers: args.journal_answers,
        seed: args.seed,
        timings: Timings {
            boot_seconds: args.boot_seconds,
            transition_seconds: args.transition_seconds,
            image_build_seconds: args.image_build_seconds,
            detach_seconds: args.detach_seconds,
        },
        admin_token: args.admin_token.filter(|t| !t.is_empty()),
        read_timeout: std::time::Duration::from_secs(args.read_timeout.max(1)),
        state_file: args.state.clone(),
        upstream: upstream.clone(),
    };
    let shared = Arc::new(Shared::new(config));
    match shared.restore() {
        Ok(true) => tracing::info!(file = ?args.state, "state loaded"),
        Ok(false) => {}
        Err(e) => {
            eprintln!("compshare-mock: state file refused (left as it is): {e}");
            return std::process::ExitCode::from(2);
        }
    }
    if let Err(e) = shared.claim_state_file() {
        eprintln!("compshare-mock: {e}");
        return std::process::ExitCode::from(2);
    }
    let shutdown = shutdown_signal();
    // A closed stdout must not stop the mock: write errors are ignored.
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "compshare-mock listening on http://{addr}");
        let _ = writeln!(
            out,
            "dashboard: http://{addr}{}",
            compshare_mock::ui::UI_PATH
        );
        if let Some(up) = &upstream {
            let _ = writeln!(
                out,
                "upstream {} (mode {})",
                up.url(),
                up.config.mode.as_str()
            );
            if up.config.shadow_mutations {
                eprintln!(
                    "compshare-mock: WARNING: --shadow-mutations forwards every action to {}: real resources will be created and billed",
                    up.url()
                );
            }
        }
        let _ = writeln!(out, "default account PublicKey: {default_key}");
        let _ = out.flush();
    }
    tracing::info!(%addr, "listening");
    server::serve(listener, shared.clone(), shutdown).await;
    if shared.config.state_file.is_some() {
        match shared.save() {
            Ok(path) => tracing::info!(file = %path.display(), "state saved"),
            Err(e) => {
                eprintln!("compshare-mock: {e}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    tracing::info!("stopped");
    std::process::ExitCode::SUCCESS
}

/// The port of `--listen` when none is given.
const DEFAULT_PORT: u16 = 8090;

/// Reads `--listen`: `IP:PORT`, `[IPv6]:PORT`, `HOST:PORT`, or an IP or
/// host alone on [`DEFAULT_PORT`]. A host name is resolved, an IPv4
/// address preferred (`localhost` is `127.0.0.1`).
fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    use std::net::{IpAddr, ToSocketAddrs};
    let expected = || {
        format!(
            "expected IP:PORT, HOST:PORT, or an IP or host alone (port {DEFAULT_PORT}), e.g. 127.0.0.1:8090 or localhost:8091"
        )
    };
    if let Ok(addr) = s.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let bare = s.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, DEFAULT_PORT));
    }
    let (host, port) = match s.rsplit_once(':') {
        Some((host, port)) => (host, port.parse::<u16>().map_err(|_| expected())?),
        None => (s, DEFAULT_PORT),
    };
    if host.is_empty() || host.contains(':') {
        return Err(expected());
    }
    let found: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}; {}", expected()))?
        .collect();
    found
        .iter()
        .find(|a| a.is_ipv4())
        .or(found.first())
        .copied()
        .ok_or_else(|| format!("{host} resolves to no address; {}", expected()))
}

/// The log filter of `--log-level`: a level (`error`, `warn`, `info`,
/// `debug`, `trace`, `off`) or comma-separated `target=level` directives.
/// Anything else is refused, where the filter library would read a bare
/// word as a target name and log nothing.
fn log_filter(s: &str) -> Result<tracing_subscriber::EnvFilter, String> {
    use tracing_subscriber::filter::LevelFilter;
    let expected = "expected a level (error, warn, info, debug, trace, off) or target=level directives separated by commas";
    for part in s.split(',') {
        let part = part.trim();
        let level = part.rsplit_once('=').map_or(part, |(_, level)| level);
        if level.parse::<LevelFilter>().is_err() {
            return Err(format!("{part:?} is not a level: {expected}"));
        }
    }
    tracing_subscriber::EnvFilter::try_new(s).map_err(|e| format!("{e}: {expected}"))
}

/// Registers the SIGINT/SIGTERM (Ctrl-C) handlers now, before the mock says
/// it is listening, so a signal that arrives at once still stops it cleanly;
/// the returned future completes on the first of them.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut i), Ok(mut t)) => {
                    tokio::select! {
                        _ = i.recv() => {},
                        _ = t.recv() => {},
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_takes_an_address_a_host_or_either_alone() {
        assert_eq!(
            parse_listen("127.0.0.1:9").unwrap(),
            "127.0.0.1:9".parse().unwrap()
        );
        assert_eq!(
            parse_listen("127.0.0.1").unwrap(),
            "127.0.0.1:8090".parse().unwrap()
        );
        assert_eq!(
            parse_listen("[::1]").unwrap(),
            "[::1]:8090".parse().unwrap()
        );
        assert_eq!(parse_listen("localhost:8091").unwrap().port(), 8091);
        assert!(parse_listen("localhost:8091").unwrap().ip().is_loopback());
        assert_eq!(parse_listen("localhost").unwrap().port(), 8090);
        let e = parse_listen("127.0.0.1:port").unwrap_err();
        assert!(e.contains("expected IP:PORT"), "{e}");
    }

    #[test]
    fn a_log_level_that_is_no_level_is_refused() {
        assert!(log_filter("info").is_ok());
        assert!(log_filter("warn,compshare_mock=debug").is_ok());
        assert!(log_filter("verbose").unwrap_err().contains("not a level"));
        assert!(log_filter("a=loud").is_err());
    }
}
