//! The in-process server: start on a port, get its base URL and default
//! credentials, stop on drop. The binary uses the same code.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::fixtures::Fixtures;
use crate::state::State;

/// Where the binary listens unless told otherwise: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8090";
/// Largest request body accepted, in bytes; a larger one gets 413.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// How to run a mock.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to bind; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The fixture set to start from.
    pub fixtures: Fixtures,
    /// Largest request body, in bytes.
    pub body_limit: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            fixtures: Fixtures::builtin(),
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }
}

/// What every request handler shares: the state and the settings.
#[derive(Debug)]
pub struct Shared {
    /// The live state.
    pub state: RwLock<State>,
    /// The settings the mock was started with.
    pub config: Config,
}

impl Shared {
    /// Builds the shared state of a configuration.
    pub fn new(config: Config) -> Self {
        Shared {
            state: RwLock::new(State::new(&config.fixtures)),
            config,
        }
    }
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

/// A mock running on a local port; it stops when dropped.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MockServer {
    /// Starts a mock with the built-in fixtures on a free loopback port, on
    /// the current tokio runtime.
    pub async fn start() -> std::io::Result<MockServer> {
        MockServer::start_with(Config::default()).await
    }

    /// Starts a mock with `config` on the current tokio runtime.
    pub async fn start_with(config: Config) -> std::io::Result<MockServer> {
        let listener = TcpListener::bind(config.listen).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config));
        let (tx, rx) = oneshot::channel();
        tokio::spawn(serve(listener, shared.clone(), async {
            let _ = rx.await;
        }));
        Ok(MockServer {
            addr,
            shared,
            shutdown: Some(tx),
            thread: None,
        })
    }

    /// Starts a mock on a runtime of its own in a background thread, for
    /// tests that are not async.
    pub fn start_blocking(config: Config) -> std::io::Result<MockServer> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = runtime.block_on(TcpListener::bind(config.listen))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config));
        let (tx, rx) = oneshot::channel();
        let serving = shared.clone();
        let thread = std::thread::spawn(move || {
            runtime.block_on(serve(listener, serving, async {
                let _ = rx.await;
            }));
        });
        Ok(MockServer {
            addr,
            shared,
            shutdown: Some(tx),
            thread: Some(thread),
        })
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
        let a = self.shared.config.fixtures.accounts.get(index)?;
        Some(Credentials {
            public_key: a.public_key.clone(),
            private_key: a.private_key.clone(),
        })
    }

    /// The shared state, for tests that look inside.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serves the app on `listener` until `shutdown` completes.
pub async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let app = crate::app::app(shared);
    if let Err(e) = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        tracing::error!(error = %e, "server stopped");
    }
}
