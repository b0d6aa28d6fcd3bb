//! What every request handler shares: the settings the mock was started
//! with, the live state, the loaded fixtures, the journal, the fault rules
//! and the request-id stream.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};

use crate::faults::Faults;
use crate::fixtures::Fixtures;
use crate::journal::{Journal, DEFAULT_JOURNAL_BYTES, DEFAULT_JOURNAL_SIZE};
use crate::state::{IdGen, IdStreams, State, Timings};
use crate::sync::{lock, read, write};

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
    /// How many bytes of recorded requests the journal keeps.
    pub journal_bytes: usize,
    /// Whether the journal keeps the start of every answer from the start;
    /// otherwise it does once the dashboard has been opened.
    pub journal_answers: bool,
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
    /// The live gateway to shadow, record from or proxy to (`--upstream`).
    pub upstream: Option<Arc<crate::upstream::Upstream>>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            fixtures: Fixtures::builtin(),
            body_limit: DEFAULT_BODY_LIMIT,
            journal_size: DEFAULT_JOURNAL_SIZE,
            journal_bytes: DEFAULT_JOURNAL_BYTES,
            journal_answers: false,
            seed: None,
            timings: Timings::default(),
            admin_token: None,
            read_timeout: DEFAULT_READ_TIMEOUT,
            state_file: None,
            upstream: None,
        }
    }
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
    pub journal: Arc<Mutex<Journal>>,
    /// Fault rules in force.
    pub faults: Mutex<Faults>,
    /// Request ids: from the seed when the mock is seeded, else from a
    /// generator seeded once with OS randomness (no system call per request).
    request_ids: Mutex<IdGen>,
    /// The seed in force.
    seed: Mutex<Option<u64>>,
    /// Whether answers are kept in the journal (`--journal-answers`, or the
    /// dashboard opened): off, an answer costs the API path nothing more.
    pub keep_answers: std::sync::atomic::AtomicBool,
    /// Held while saving: one save at a time, each of the state as it is
    /// when its turn comes.
    saving: Mutex<()>,
    /// The settings the mock was started with.
    pub config: Config,
}

impl Shared {
    /// Builds the shared state of a configuration.
    pub fn new(mut config: Config) -> Self {
        let fixtures = std::mem::take(&mut config.fixtures);
        let mut initial = State::default();
        initial.ids = IdStreams::random();
        let shared = Shared {
            state: RwLock::new(initial),
            fixtures: RwLock::new(fixtures),
            journal: Arc::new(Mutex::new(Journal::with_budget(
                config.journal_size,
                config.journal_bytes,
            ))),
            faults: Mutex::new(Faults::default()),
            request_ids: Mutex::new(IdGen::seeded(uuid::Uuid::new_v4().as_u64_pair().0)),
            seed: Mutex::new(config.seed),
            saving: Mutex::new(()),
            keep_answers: std::sync::atomic::AtomicBool::new(config.journal_answers),
            config,
        };
        if let Some(seed) = shared.config.seed {
            shared.set_seed(seed);
        }
        shared.reset();
        shared
    }

    /// Rebuilds the state from the loaded fixtures; with a seed in force the
    /// generated ids start over, so a replayed flow gets the same ids;
    /// without one they go on, so no id comes twice.
    pub fn reset(&self) {
        let fixtures = read(&self.fixtures);
        let mut state = fixtures.state();
        state.timings = self.config.timings;
        let seed = *lock(&self.seed);
        let mut current = write(&self.state);
        state.ids = match seed {
            Some(seed) => IdStreams::seeded(seed),
            None => std::mem::take(&mut current.ids),
        };
        *current = state;
    }

    /// Loads the state file, if one is configured and exists: `Ok(true)` when
    /// it was loaded, an error naming the problem when it is corrupt (the
    /// file is left as it is). A loaded state's ids move to a fresh epoch,
    /// so ids handed out after the file's last save, before a crash, never
    /// come again; [`Shared::claim_state_file`] writes that down.
    pub fn restore(&self) -> Result<bool, String> {
        let Some(path) = &self.config.state_file else {
            return Ok(false);
        };
        crate::state::persist::clean_leftovers(path);
        match crate::state::persist::load(path)? {
            Some(mut state) => {
                state.canned = read(&self.fixtures).responses.clone();
                state.ids.next_epoch();
                *write(&self.state) = state;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// Writes the state file at start, after [`Shared::restore`] and before
    /// the first answer: it records the run's id epoch, and a file that
    /// cannot be written is found now rather than at shutdown. Nothing to do
    /// without a state file.
    pub fn claim_state_file(&self) -> Result<(), String> {
        match &self.config.state_file {
            None => Ok(()),
            Some(path) => self.save().map(|_| ()).map_err(|e| {
                format!(
                    "cannot write the state file {} (its directory must exist and be writable): {e}",
                    path.display()
                )
            }),
        }
    }

    /// Saves the state to the state file atomically; an error when none is
    /// configured or the write fails. Saves happen one at a time, each of
    /// the state as it is when its turn comes.
    pub fn save(&self) -> Result<std::path::PathBuf, String> {
        let Some(path) = &self.config.state_file else {
            return Err("no state file: start the mock with --state FILE to save".to_owned());
        };
        let _turn = lock(&self.saving);
        let snapshot = read(&self.state).snapshot();
        crate::state::persist::save_snapshot(&snapshot, path)
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
        write(&self.state).ids = IdStreams::seeded(seed);
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
