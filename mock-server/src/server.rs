//! The in-process server: start on a port, get its base URL and default
//! credentials, stop on drop. The binary uses the same code.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::faults::{FaultRule, Faults};
use crate::fixtures::Fixtures;
use crate::journal::{Entry, Filter, Journal, DEFAULT_JOURNAL_SIZE};
use crate::state::{IdGen, State, Timings};

/// Where the binary listens unless told otherwise: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8090";
/// How long a client may take to send a request head, and then its body.
pub const DEFAULT_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Largest request body accepted, in bytes; a larger one gets 413.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// Largest request head (request line and headers), in bytes; a larger one
/// gets a JSON 431.
pub const MAX_HEAD_BYTES: usize = 400 * 1024;
/// How many connections may wait to be accepted: a burst of thousands of
/// clients connecting at once is queued, not refused or delayed by retries.
pub const LISTEN_BACKLOG: u32 = 4096;

/// How to run a mock.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to bind; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The fixture set to start from (moved into [`Shared::fixtures`] at start).
    pub fixtures: Fixtures,
    /// Largest request body, in bytes.
    pub body_limit: usize,
    /// How many requests the journal keeps.
    pub journal_size: usize,
    /// Seed for generated ids and request ids (random when absent).
    pub seed: Option<u64>,
    /// How long transitions take on the virtual clock.
    pub timings: Timings,
    /// Token the admin API requires (`Authorization: Bearer …`); none on loopback.
    pub admin_token: Option<String>,
    /// How long a client may take to send a request head, and then its body.
    pub read_timeout: std::time::Duration,
    /// Where the state is loaded from at start and saved to on clean
    /// shutdown and `POST /_mock/save`.
    pub state_file: Option<std::path::PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            fixtures: Fixtures::builtin(),
            body_limit: DEFAULT_BODY_LIMIT,
            journal_size: DEFAULT_JOURNAL_SIZE,
            seed: None,
            timings: Timings::default(),
            admin_token: None,
            read_timeout: DEFAULT_READ_TIMEOUT,
            state_file: None,
        }
    }
}

/// Binds a listener with a backlog of [`LISTEN_BACKLOG`] (the operating
/// system's own cap, `net.core.somaxconn` on Linux, may lower it).
pub fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// What every request handler shares: the state, the control plane and the
/// settings.
#[derive(Debug)]
pub struct Shared {
    /// The live state.
    pub state: RwLock<State>,
    /// The fixture set `reset` returns to.
    pub fixtures: RwLock<Fixtures>,
    /// Requests received.
    pub journal: Mutex<Journal>,
    /// Fault rules in force.
    pub faults: Mutex<Faults>,
    /// Request ids: from the seed when the mock is seeded, else from a
    /// generator seeded once with OS randomness (no system call per request).
    request_ids: Mutex<IdGen>,
    /// The seed in force.
    seed: Mutex<Option<u64>>,
    /// The settings the mock was started with.
    pub config: Config,
}

impl Shared {
    /// Builds the shared state of a configuration.
    pub fn new(mut config: Config) -> Self {
        let fixtures = std::mem::take(&mut config.fixtures);
        let shared = Shared {
            state: RwLock::new(State::default()),
            fixtures: RwLock::new(fixtures),
            journal: Mutex::new(Journal::new(config.journal_size)),
            faults: Mutex::new(Faults::default()),
            request_ids: Mutex::new(IdGen::seeded(uuid::Uuid::new_v4().as_u64_pair().0)),
            seed: Mutex::new(config.seed),
            config,
        };
        if let Some(seed) = shared.config.seed {
            shared.set_seed(seed);
        }
        shared.reset();
        shared
    }

    /// Rebuilds the state from the loaded fixtures; with a seed in force the
    /// generated ids start over, so a replayed flow gets the same ids.
    pub fn reset(&self) {
        let fixtures = read(&self.fixtures);
        let mut state = State::new(&fixtures);
        state.timings = self.config.timings;
        if let Some(seed) = *lock(&self.seed) {
            state.ids = IdGen::seeded(seed);
        }
        *write(&self.state) = state;
    }

    /// Loads the state file, if one is configured and exists: `Ok(true)` when
    /// it was loaded, an error naming the problem when it is corrupt (the
    /// file is left as it is).
    pub fn restore(&self) -> Result<bool, String> {
        let Some(path) = &self.config.state_file else {
            return Ok(false);
        };
        crate::state::persist::clean_leftovers(path);
        match crate::state::persist::load(path)? {
            Some(mut state) => {
                state.canned = read(&self.fixtures).responses.clone();
                *write(&self.state) = state;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Saves the state to the state file atomically; an error when none is
    /// configured or the write fails.
    pub fn save(&self) -> Result<std::path::PathBuf, String> {
        let Some(path) = &self.config.state_file else {
            return Err("no state file: start the mock with --state FILE to save".to_owned());
        };
        let state = read(&self.state);
        crate::state::persist::save(&state, path)
            .map_err(|e| format!("{}: cannot save: {e}", path.display()))?;
        Ok(path.clone())
    }

    /// Replaces the fixture set and resets to it.
    pub fn load_fixtures(&self, fixtures: Fixtures) {
        *write(&self.fixtures) = fixtures;
        self.reset();
    }

    /// Makes generated resource ids, request ids and fault draws reproducible.
    pub fn set_seed(&self, seed: u64) {
        *lock(&self.seed) = Some(seed);
        *lock(&self.request_ids) = IdGen::seeded(seed ^ 0x5eed);
        lock(&self.faults).seed(seed);
        write(&self.state).ids = IdGen::seeded(seed);
    }

    /// The seed in force.
    pub fn seed(&self) -> Option<u64> {
        *lock(&self.seed)
    }

    /// A fresh request id: random, or from the seeded stream.
    pub fn next_request_id(&self) -> String {
        lock(&self.request_ids).uuid()
    }
}

/// Locks a mutex, recovering from poisoning (every holder leaves the data whole).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Locks for reading, recovering from poisoning as [`lock`] does.
pub(crate) fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

/// Locks for writing, recovering from poisoning as [`lock`] does.
pub(crate) fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

/// A key pair of an account of the mock.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Sent as `PublicKey`.
    pub public_key: String,
    /// Signs requests.
    pub private_key: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("public_key", &self.public_key)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

/// A mock running on a local port; it stops when dropped, and then checks
/// the expectations set with [`MockServer::expect`].
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    expectations: Mutex<Vec<(String, usize)>>,
}

impl MockServer {
    /// Starts a mock with the built-in fixtures on a free loopback port, on
    /// the current tokio runtime.
    pub async fn start() -> std::io::Result<MockServer> {
        MockServer::start_with(Config::default()).await
    }

    /// Starts a mock with `config` on the current tokio runtime.
    pub async fn start_with(config: Config) -> std::io::Result<MockServer> {
        let listener = bind(config.listen)?;
        let (server, serving) = MockServer::prepare(config, listener)?;
        tokio::spawn(serving);
        Ok(server)
    }

    /// Starts a mock on a runtime of its own in a background thread, for
    /// tests that are not async.
    pub fn start_blocking(config: Config) -> std::io::Result<MockServer> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = runtime.block_on(async { bind(config.listen) })?;
        let (mut server, serving) =
            runtime.block_on(async { MockServer::prepare(config, listener) })?;
        server.thread = Some(std::thread::spawn(move || runtime.block_on(serving)));
        Ok(server)
    }

    /// The server handle and the future that serves until it is dropped.
    fn prepare(
        config: Config,
        listener: TcpListener,
    ) -> std::io::Result<(
        MockServer,
        impl std::future::Future<Output = ()> + Send + 'static,
    )> {
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config));
        shared
            .restore()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        let (tx, rx) = oneshot::channel();
        let serving = serve(listener, shared.clone(), async {
            let _ = rx.await;
        });
        let server = MockServer {
            addr,
            shared,
            shutdown: Some(tx),
            thread: None,
            expectations: Mutex::new(Vec::new()),
        };
        Ok((server, serving))
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.addr
    }

    /// The default account's keys (the first account of the fixtures).
    pub fn credentials(&self) -> Credentials {
        self.account_credentials(0)
            .expect("a fixture set has at least one account")
    }

    /// The keys of the `index`-th account of the fixtures.
    pub fn account_credentials(&self, index: usize) -> Option<Credentials> {
        let fixtures = read(&self.shared.fixtures);
        let a = fixtures.accounts.get(index)?;
        Some(Credentials {
            public_key: a.public_key.clone(),
            private_key: a.private_key.clone(),
        })
    }

    /// The shared state, for tests that look inside.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Journal entries matching a filter, oldest first.
    pub fn requests(&self, filter: &Filter) -> Vec<Entry> {
        lock(&self.shared.journal).query(filter)
    }

    /// Journal entries for one action, oldest first.
    pub fn requests_for(&self, action: &str) -> Vec<Entry> {
        self.requests(&Filter {
            action: Some(action.to_owned()),
            ..Filter::default()
        })
    }

    /// Forgets the journal.
    pub fn clear_requests(&self) {
        lock(&self.shared.journal).clear();
    }

    /// Adds a fault rule; returns its id, or why it was refused.
    pub fn add_fault(&self, rule: FaultRule) -> Result<u64, String> {
        lock(&self.shared.faults).add(rule)
    }

    /// Makes the next `times` requests for `action` answer HTTP `status`.
    pub fn fail_next(&self, action: &str, times: u64, status: u16) -> Result<u64, String> {
        self.add_fault(FaultRule {
            action: Some(action.to_owned()),
            http_status: Some(status),
            times: Some(times),
            ..FaultRule::default()
        })
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Moves the virtual clock forward.
    pub fn advance_clock(&self, seconds: u64) {
        write(&self.shared.state).clock.advance(seconds);
    }

    /// Stops the virtual clock (time moves only by [`MockServer::advance_clock`]).
    pub fn freeze_clock(&self) {
        write(&self.shared.state).clock.freeze();
    }

    /// Returns the state to the loaded fixtures.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Makes ids reproducible from now on.
    pub fn set_seed(&self, seed: u64) {
        self.shared.set_seed(seed);
    }

    /// Expects `action` to be received exactly `times` times by the time the
    /// server is dropped; the drop panics with what was received otherwise.
    pub fn expect(&self, action: &str, times: usize) {
        lock(&self.expectations).push((action.to_owned(), times));
    }

    /// The unmet expectations, as a report (empty when all are met).
    pub fn verify(&self) -> String {
        let journal = lock(&self.shared.journal);
        let mut report = String::new();
        for (action, times) in lock(&self.expectations).iter() {
            let got = journal.count(&Filter {
                action: Some(action.clone()),
                ..Filter::default()
            });
            if got != *times {
                report.push_str(&format!(
                    "expected {action} {times} time(s), received it {got} time(s)\n"
                ));
            }
        }
        if !report.is_empty() {
            report.push_str("received:\n");
            for e in journal.query(&Filter::default()) {
                report.push_str(&format!(
                    "  #{} {} -> {}\n",
                    e.seq,
                    e.action.as_deref().unwrap_or("(no Action)"),
                    e.ret_code
                        .map(|c| format!("RetCode {c}"))
                        .unwrap_or_else(|| format!("HTTP {}", e.http_status))
                ));
            }
        }
        report
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let report = self.verify();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if !report.is_empty() && !std::thread::panicking() {
            panic!("compshare-mock expectations not met:\n{report}");
        }
    }
}

/// Serves the app on `listener` until `shutdown` completes, then lets the
/// requests in flight finish (for at most five seconds). A connection that
/// does not send a whole request head within the read timeout is closed.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    use hyper::service::Service as _;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let read_timeout = shared.config.read_timeout;
    let app = TowerToHyperService::new(crate::app::app(shared.clone()));
    let for_connections = shared.clone();
    // The API path goes straight to its handler; the router serves the rest
    // (the control plane, the JSON 404 and 405 answers).
    let service =
        hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            let (shared, app) = (shared.clone(), app.clone());
            async move {
                if request.uri().path() == "/" {
                    Ok::<_, std::convert::Infallible>(crate::app::serve_api(&shared, request).await)
                } else {
                    let (method, path) =
                        (request.method().clone(), request.uri().path().to_owned());
                    let response = app.call(request).await?;
                    Ok(crate::app::log_other(&shared, &method, &path, response).await)
                }
            }
        });
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(read_timeout)
        .keep_alive(true)
        // `Content-Type` as the gateway writes it; the request id's own case
        // is set by the connection (see `conn`), which needs one flat buffer.
        .title_case_headers(true)
        .writev(false)
        .max_buf_size(MAX_HEAD_BYTES);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: wait, then go on.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let io = crate::conn::GatewayIo::new(stream, for_connections.clone());
                let conn = http.serve_connection(TokioIo::new(io), service.clone());
                let conn = graceful.watch(conn);
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
            _ = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), graceful.shutdown()).await;
}
