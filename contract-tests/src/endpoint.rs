//! The endpoint under test: an in-process mock on a random loopback port, or
//! an external base URL from the environment. The same tests run against
//! either; tests that need in-process fixtures or control skip themselves
//! (with a note) when the endpoint is external.

use std::collections::HashSet;
use std::io::Write;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use compshare_mock::domain::{zones_of, REGIONS};
use compshare_mock::fixtures::Fixtures;
use compshare_mock::{Config, MockServer};
use reqwest::blocking::Client;
use reqwest::Method;
use serde_json::{Map, Value};

use crate::answer::{check_body, note_request_id, Raw};
use crate::request::{self, HttpRequest};

/// Base URL of an external endpoint; when set, the suite runs against it.
pub const ENV_BASE_URL: &str = "COMPSHARE_BASE_URL";
/// Public key for the external endpoint.
pub const ENV_PUBLIC_KEY: &str = "COMPSHARE_PUBLIC_KEY";
/// Private key for the external endpoint; never printed.
pub const ENV_PRIVATE_KEY: &str = "COMPSHARE_PRIVATE_KEY";
/// Region for the external endpoint (default `cn-wlcb`).
pub const ENV_REGION: &str = "COMPSHARE_REGION";
/// The header the request id comes in.
pub const REQUEST_ID_HEADER: &str = "X-UCLOUD-REQUEST-UUID";

/// A key pair that signs requests.
#[derive(Clone, PartialEq, Eq)]
pub struct Keys {
    /// Sent as `PublicKey`.
    pub public_key: String,
    /// Signs; never sent, logged or printed.
    pub private_key: String,
}

impl Keys {
    /// A key pair.
    pub fn new(public_key: &str, private_key: &str) -> Self {
        Keys {
            public_key: public_key.to_owned(),
            private_key: private_key.to_owned(),
        }
    }
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("public_key", &self.public_key)
            .field("private_key", &"<redacted>")
            .finish()
    }
}

impl From<compshare_mock::Credentials> for Keys {
    fn from(c: compshare_mock::Credentials) -> Self {
        Keys {
            public_key: c.public_key,
            private_key: c.private_key,
        }
    }
}

/// Where requests go: an in-process mock or an external base URL.
pub struct Endpoint {
    base_url: String,
    keys: Keys,
    region: String,
    zone: String,
    mock: Option<MockServer>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.base_url)
            .field("keys", &self.keys)
            .field("region", &self.region)
            .field("in_process", &self.mock.is_some())
            .finish()
    }
}

/// One HTTP client for the whole suite. Idle connections are not kept: the
/// suite starts and stops many mocks, and a pooled connection to a stopped
/// one must never be reused.
fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        Client::builder()
            .pool_max_idle_per_host(0)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client can be built")
    })
}

impl Endpoint {
    /// The endpoint the suite runs against: the external one when
    /// `COMPSHARE_BASE_URL` is set, else one in-process mock with the
    /// built-in fixtures, shared by every test of the binary (only read-only
    /// tests use it).
    pub fn under_test() -> &'static Endpoint {
        static UNDER_TEST: OnceLock<Endpoint> = OnceLock::new();
        UNDER_TEST
            .get_or_init(|| Endpoint::external_from_env().unwrap_or_else(Endpoint::in_process))
    }

    /// Whether the suite runs against an external endpoint.
    pub fn suite_is_external() -> bool {
        std::env::var(ENV_BASE_URL).is_ok_and(|v| !v.trim().is_empty())
    }

    /// The external endpoint named by the environment, or `None` when
    /// `COMPSHARE_BASE_URL` is unset. Panics, naming what is missing, when
    /// the URL is set without both keys or with an unknown region.
    pub fn external_from_env() -> Option<Endpoint> {
        if !Endpoint::suite_is_external() {
            return None;
        }
        let base_url = std::env::var(ENV_BASE_URL).unwrap_or_default();
        let need = |name: &str| {
            match std::env::var(name) {
            Ok(v) if !v.is_empty() => v,
            _ => panic!("{ENV_BASE_URL} is set but {name} is not: set {ENV_PUBLIC_KEY} and {ENV_PRIVATE_KEY} too, or unset {ENV_BASE_URL} to test the in-process mock"),
        }
        };
        let keys = Keys {
            public_key: need(ENV_PUBLIC_KEY),
            private_key: need(ENV_PRIVATE_KEY),
        };
        let region = std::env::var(ENV_REGION)
            .ok()
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| REGIONS[0].0.to_owned());
        let Some(zone) = zones_of(&region).and_then(|z| z.first()) else {
            let known: Vec<&str> = REGIONS.iter().map(|(r, _)| *r).collect();
            panic!("{ENV_REGION}={region} is not a documented region; use one of {known:?}");
        };
        Some(Endpoint {
            base_url: base_url.trim_end_matches('/').to_owned(),
            keys,
            region,
            zone: (*zone).to_owned(),
            mock: None,
        })
    }

    /// A fresh in-process mock with the built-in fixtures.
    pub fn in_process() -> Endpoint {
        Endpoint::in_process_with(Config::default())
    }

    /// A fresh in-process mock with these fixtures.
    pub fn with_fixtures(fixtures: Fixtures) -> Endpoint {
        Endpoint::in_process_with(Config {
            fixtures,
            ..Config::default()
        })
    }

    /// A fresh in-process mock started with `config` on its own runtime; it
    /// stops when the endpoint is dropped.
    pub fn in_process_with(config: Config) -> Endpoint {
        let mock = MockServer::start_blocking(config).expect("the mock starts on a loopback port");
        let (region, zones) = REGIONS[0];
        Endpoint {
            base_url: mock.uri(),
            keys: mock.credentials().into(),
            region: region.to_owned(),
            zone: zones[0].to_owned(),
            mock: Some(mock),
        }
    }

    /// Whether this endpoint is external (not an in-process mock).
    pub fn is_external(&self) -> bool {
        self.mock.is_none()
    }

    /// The in-process mock, if this is one.
    pub fn mock(&self) -> Option<&MockServer> {
        self.mock.as_ref()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The keys requests are signed with by default.
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// The keys of the `index`-th fixture account (in-process only).
    pub fn account_keys(&self, index: usize) -> Option<Keys> {
        self.mock
            .as_ref()?
            .account_credentials(index)
            .map(Keys::from)
    }

    /// The region tests send (`cn-wlcb` unless `COMPSHARE_REGION` says otherwise).
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The region's zone.
    pub fn zone(&self) -> &str {
        &self.zone
    }

    /// The signed pairs of a call with the default keys, Python-SDK order.
    pub fn sign(&self, action: &str, params: &[(&str, &str)]) -> Vec<(String, String)> {
        request::signed_call(action, params, &self.keys)
    }

    /// `POST /` form-urlencoded, signed with the default keys.
    #[track_caller]
    pub fn call(&self, action: &str, params: &[(&str, &str)]) -> Raw {
        self.call_as(&self.keys, action, params)
    }

    /// `POST /` form-urlencoded, signed with `keys`.
    #[track_caller]
    pub fn call_as(&self, keys: &Keys, action: &str, params: &[(&str, &str)]) -> Raw {
        self.send(&HttpRequest::form(&request::signed_call(
            action, params, keys,
        )))
    }

    /// `POST /?Action=…` with a sorted form body, as the Go SDK sends it.
    #[track_caller]
    pub fn call_go(&self, action: &str, params: &[(&str, &str)]) -> Raw {
        self.send(&HttpRequest::go_form(&self.sign(action, params)))
    }

    /// `GET /?…`, signed with the default keys.
    #[track_caller]
    pub fn call_get(&self, action: &str, params: &[(&str, &str)]) -> Raw {
        self.send(&HttpRequest::get(&self.sign(action, params)))
    }

    /// `POST /?Action=…` with a JSON body (values keep their JSON types),
    /// signed with the default keys. `params` must be a JSON object.
    #[track_caller]
    pub fn call_json(&self, action: &str, params: &Value) -> Raw {
        let empty = Map::new();
        let obj = params.as_object().unwrap_or(&empty);
        self.send(&HttpRequest::json(&request::signed_json(
            action, obj, &self.keys,
        )))
    }

    /// Sends a request exactly as given and checks the answer: a JSON body,
    /// a fresh request id, the envelope and the catalogue shape. Panics with
    /// what differs (and the request, which never holds a private key).
    #[track_caller]
    pub fn send(&self, req: &HttpRequest) -> Raw {
        match self.try_send(req) {
            Ok(raw) => raw,
            Err(problem) => panic!("{problem}\n--- request to {} ---\n{req}", self.base_url),
        }
    }

    /// Like [`Endpoint::send`], but returns what differs instead of panicking.
    pub fn try_send(&self, req: &HttpRequest) -> Result<Raw, String> {
        let url = format!("{}{}", self.base_url, req.path);
        let method = req.method.clone();
        let mut builder = client().request(method.clone(), &url);
        if let Some(ct) = &req.content_type {
            builder = builder.header(reqwest::header::CONTENT_TYPE, ct);
        }
        if method != Method::GET || !req.body.is_empty() {
            builder = builder.body(req.body.clone());
        }
        let resp = builder
            .send()
            .map_err(|e| format!("no answer from {url}: {e}"))?;
        let status = resp.status().as_u16();
        let request_id = resp
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let disposition = resp
            .headers()
            .get(reqwest::header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = resp
            .bytes()
            .map_err(|e| format!("the answer from {url} could not be read: {e}"))?;
        let is_file_action = req
            .action
            .as_deref()
            .is_some_and(|a| crate::answer::FILE_ACTIONS.contains(&a));
        if is_file_action && status == 200 && !content_type.starts_with("application/json") {
            note_request_id(request_id.as_deref())?;
            let disposition = disposition.unwrap_or_default();
            if !disposition.starts_with("attachment; filename=") {
                return Err(format!(
                    "HTTP {status}: a file without an attachment Content-Disposition: {disposition:?}"
                ));
            }
            return Ok(Raw {
                status,
                request_id,
                json: Value::Null,
                file: Some(crate::answer::FileAnswer {
                    content_type,
                    disposition,
                    bytes: bytes.to_vec(),
                }),
            });
        }
        let json: Value = serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "HTTP {status}: the body is not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
            )
        })?;
        if !content_type.starts_with("application/json") {
            return Err(format!(
                "HTTP {status}: header Content-Type: expected application/json, found {content_type:?}"
            ));
        }
        note_request_id(request_id.as_deref())?;
        check_body(req.action.as_deref(), status, &json)
            .map_err(|e| format!("{e}\n--- answer (HTTP {status}) ---\n{json}"))?;
        Ok(Raw {
            status,
            request_id,
            json,
            file: None,
        })
    }
}

/// Returns true, after printing a note (once per test), when the suite runs
/// against an external endpoint: the calling test needs in-process fixtures
/// or control and is skipped there.
pub fn skip_when_external(test: &str, why: &str) -> bool {
    static NOTED: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    if !Endpoint::suite_is_external() {
        return false;
    }
    let first = NOTED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(test.to_owned());
    if !first {
        return true;
    }
    // Straight to stderr, past the test harness's capture, so the skip shows.
    let _ = writeln!(
        std::io::stderr(),
        "note: {test} skipped against the external endpoint: {why} (in-process only)"
    );
    true
}
