//! The in-process server: start on a port, get its base URL and default
//! credentials, stop on drop. The binary uses the same code.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::{Bytes, HttpBody};
use axum::http::Request;
use axum::response::Response;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tower::{Service, ServiceExt};

use crate::faults::FaultRule;
use crate::journal::{Entry, Filter};
use crate::shared::{Config, Shared, LISTEN_BACKLOG, MAX_HEAD_BYTES};
use crate::sync::{lock, read, write};

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
        shared.claim_state_file().map_err(std::io::Error::other)?;
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

/// The mock's one way in: the API on `/` (handed straight to its handler,
/// without routing), the control router for every other path. The server,
/// the in-process [`MockServer`], the tests and the fuzz targets all serve
/// this service, so a layer that must see every request wraps it here.
pub fn app<B>(
    shared: Arc<Shared>,
) -> impl Service<Request<B>, Response = Response, Error = Infallible, Future: Send> + Clone + Send
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let router = crate::router::router(shared.clone());
    tower::service_fn(move |request: Request<B>| {
        let (shared, router) = (shared.clone(), router.clone());
        async move {
            if request.uri().path() == "/" {
                Ok(crate::app::serve_api(&shared, request).await)
            } else {
                let (method, path) = (request.method().clone(), request.uri().path().to_owned());
                let response = router.oneshot(request).await?;
                Ok(crate::router::log_other(&shared, &method, &path, response).await)
            }
        }
    })
}

/// Serves [`app`] on `listener` until `shutdown` completes, then lets the
/// requests in flight finish (for at most five seconds). A connection that
/// does not send a whole request head within the read timeout is closed.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let read_timeout = shared.config.read_timeout;
    let for_connections = shared.clone();
    let service = TowerToHyperService::new(app(shared));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(read_timeout)
        .keep_alive(true)
        // `Content-Type` as the gateway writes it; the request id's own case
        // is set by the connection (see `conn`), in the head only.
        .title_case_headers(true)
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
