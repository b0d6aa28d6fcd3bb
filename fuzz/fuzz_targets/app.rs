//! The whole mock: `app(shared).oneshot(request)` with arbitrary methods,
//! paths, headers, query strings and bodies, up to four requests against one
//! fresh `Shared` per input (so a crash replays alone).
//!
//! Bodies and query strings are either raw bytes or a *call*: an action
//! (from the catalogue, or arbitrary), parameters picked from the action's
//! catalogue fields with valid or arbitrary values, sent as a form, JSON or
//! query string and signed with a fixture account's key (or unsigned, or with
//! a wrong key, or an unknown PublicKey). Signed calls get past the gateway,
//! so validation, the handlers and the state are fuzzed too.
//!
//! Every answer must be HTTP 200 with a JSON envelope (`Action` ending in
//! `Response`, an integer `RetCode`, a `Message` when non-zero, the request
//! id header, and a success that fits the catalogue's answer model) or a 4xx
//! with a JSON `{"Status", "Error"}` body; never a 5xx. A correctly signed call
//! is never refused for its action name or signature. After the sequence the
//! journal holds one entry per API request, no fault rule is in force, image
//! and instance ids are unique, and without a successful call or admin change
//! the images and instances are as they were.
//!
//! `POST /_mock/faults` is never sent: its rules exist to make the mock answer
//! 5xx, malformed bodies and dropped connections on purpose. Any other path
//! and method is fair, `/_mock/save` included (409 without `--state`).
//!
//! Input layout (front to back): a flags byte (bit 0: the admin API needs a
//! token; bit 1: a 256-byte body limit), a request count byte (modulo 4, plus
//! one), then the requests as `Req::read` reads them (`seeds.py` mirrors it).
#![no_main]

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

use arbitrary::{Arbitrary, Unstructured};
use axum::body::Body;
use axum::http::{Method, Request};
use compshare_mock::{app, REQUEST_ID_HEADER};
use compshare_protocol::catalogue::{Catalogue, Type};
use compshare_mock::journal::Filter;
use compshare_mock::domain::REGIONS;
use compshare_protocol::{clip, MAX_ECHO};
use compshare_protocol::signature::sign_json;
use compshare_protocol::signed;
use compshare_mock::{Config, Shared};
use compshare_mock_fuzz::{byte, choice, long_bytes, short_bytes, text, u64_le, CONTENT_TYPES};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use tower::ServiceExt;

const TOKEN: &str = "fuzz-token";
const SMALL_LIMIT: usize = 256;

/// The admin paths a request may go to (the first byte above 127 picks one).
const MOCK_PATHS: &[&str] = &[
    "/_mock/health",
    "/_mock/reset",
    "/_mock/fixtures",
    "/_mock/state",
    "/_mock/requests",
    "/_mock/faults",
    "/_mock/faults/1",
    "/_mock/clock",
    "/_mock/clock/advance",
    "/_mock/clock/freeze",
    "/_mock/clock/run",
    "/_mock/seed",
    "/_mock/save",
    "/_mock/actions",
    "/_mock/nothing",
];

/// Values the mock gives meaning to: fixture ids, GPU types, regions, edge
/// numbers.
const KNOWN_VALUES: &[&str] = &[
    "uhost-demo0run",
    "uhost-demo0stp",
    "compshareImage-xxxx",
    "compshareImage-165jmhx19ik7",
    "56000001",
    "56000002",
    "4090",
    "5090",
    "3080Ti",
    "G",
    "CLOUD_SSD",
    "cn-wlcb",
    "cn-wlcb-01",
    "cn-bj2",
    "us-den-01",
    "0",
    "-1",
    "100",
    "101",
    "65536",
    "16",
    "1.5",
    "1e3",
    "+5",
    "99999999999999999999",
    "true",
    "True",
    "false",
    "Dynamic",
    "Month",
    "VUNsb3VkLmNu",
    " ",
    "%",
    "\u{0}",
];

#[derive(Debug)]
struct Input {
    admin_token: bool,
    small_limit: bool,
    requests: Vec<Req>,
}

#[derive(Debug)]
enum Path {
    Api,
    Mock(&'static str),
    Raw(String),
}

#[derive(Debug)]
enum ContentType {
    /// The type that goes with the body (form, JSON, or none).
    Natural,
    Given(Option<String>),
}

#[derive(Debug)]
enum ContentLength {
    None,
    Actual,
    Value(String),
}

#[derive(Debug)]
enum Query {
    None,
    Raw(String),
    /// The call, signed, as the query string.
    Call,
    /// `Action=<the call's action>`, as the Go SDK adds to a POST.
    ActionOnly,
}

enum BodyKind {
    Empty,
    Raw(Vec<u8>),
    Form,
    Json,
}

impl std::fmt::Debug for BodyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyKind::Empty => f.write_str("Empty"),
            BodyKind::Raw(b) => write!(f, "Raw(b\"{}\")", b.escape_ascii()),
            BodyKind::Form => f.write_str("Form"),
            BodyKind::Json => f.write_str("Json"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Signer {
    Account(usize),
    /// Signed with a key that is not the account's.
    WrongKey(usize),
    UnknownKey,
    Unsigned,
}

#[derive(Debug)]
enum Key {
    /// The n-th flattened catalogue parameter of the action.
    Leaf(usize),
    Raw(String),
}

#[derive(Debug)]
enum Val {
    Sample,
    Empty,
    Raw(String),
    Int(i64),
    Known(&'static str),
    /// An id some earlier answer of this input gave.
    Seen(usize),
}

#[derive(Debug)]
struct Call {
    action: Option<String>,
    signer: Signer,
    region: Option<(String, Option<&'static str>)>,
    /// Start from every required parameter with a valid value; the fields
    /// then replace values of the same key.
    fill: bool,
    fields: Vec<(Key, Val)>,
}

#[derive(Debug)]
struct Req {
    method: Method,
    path: Path,
    content_type: ContentType,
    content_length: ContentLength,
    authorization: Option<String>,
    query: Query,
    body: BodyKind,
    call: Call,
}

/// Stateful actions first (twice as likely), then the whole catalogue.
fn action_list() -> &'static [String] {
    static LIST: OnceLock<Vec<String>> = OnceLock::new();
    LIST.get_or_init(|| {
        let names = Catalogue::get().action_names();
        let mut list: Vec<String> = names
            .iter()
            .filter(|n| compshare_mock::actions::handler(n).is_some())
            .map(|n| n.to_string())
            .collect();
        list.extend(names.iter().map(|n| n.to_string()));
        list
    })
}

/// The flattened scalar parameters of each action (`Disks.0.Size`, …).
/// A flattened parameter: its wire name, type, and whether the top-level
/// parameter it belongs to is required.
type Leaf = (String, Type, bool);

fn leaves(action: &str) -> &'static [Leaf] {
    static LEAVES: OnceLock<HashMap<String, Vec<Leaf>>> = OnceLock::new();
    let all = LEAVES.get_or_init(|| {
        let c = Catalogue::get();
        c.actions
            .iter()
            .map(|(name, a)| {
                let mut out = Vec::new();
                for f in &a.request {
                    let mut these = Vec::new();
                    flat_leaves(c, &f.name, &f.ty, 0, &mut these);
                    out.extend(these.into_iter().map(|(n, t)| (n, t, f.required)));
                }
                (name.clone(), out)
            })
            .collect()
    });
    all.get(action).map(Vec::as_slice).unwrap_or(&[])
}

fn flat_leaves(c: &Catalogue, name: &str, ty: &Type, depth: usize, out: &mut Vec<(String, Type)>) {
    match ty {
        Type::Array(inner) => flat_leaves(c, &format!("{name}.0"), inner, depth, out),
        Type::Ref(model) if depth < 3 => {
            for f in c.models.get(model).map(Vec::as_slice).unwrap_or(&[]) {
                flat_leaves(c, &format!("{name}.{}", f.name), &f.ty, depth + 1, out);
            }
        }
        Type::Ref(_) => {}
        scalar => out.push((name.to_owned(), scalar.clone())),
    }
}

impl Call {
    fn read(u: &mut Unstructured<'_>) -> Call {
        let a = byte(u);
        let action = match a {
            255 => None,
            240.. => Some(text(short_bytes(u))),
            _ => Some(action_list()[a as usize % action_list().len()].clone()),
        };
        let s = byte(u);
        let signer = match (s & 7, s & 8 == 8) {
            (0..=3, false) => Signer::Account(0),
            (0..=3, true) => Signer::WrongKey(0),
            (4, tamper) => [Signer::Account(1), Signer::WrongKey(1)][tamper as usize],
            (5, tamper) => [Signer::Account(2), Signer::WrongKey(2)][tamper as usize],
            (6, _) => Signer::UnknownKey,
            _ => Signer::Unsigned,
        };
        // Zero bytes (where the input has run out) choose the common case:
        // the default region and zone, required parameters filled in.
        let region = match choice(u, 8) {
            i @ 0..=4 => Some((REGIONS[i].0.to_owned(), Some(REGIONS[i].1[0]))),
            5 => Some(("cn-wlcb".to_owned(), None)),
            6 => None,
            _ => Some((text(short_bytes(u)), None)),
        };
        let fill = byte(u) & 1 == 0;
        let n = choice(u, 12);
        let fields = (0..n)
            .map(|_| {
                let k = byte(u);
                let key = if k < 200 {
                    Key::Leaf(k as usize)
                } else {
                    Key::Raw(text(short_bytes(u)))
                };
                let v = byte(u);
                let val = match v {
                    0..=63 => Val::Sample,
                    64..=71 => Val::Empty,
                    72..=87 => Val::Raw(text(short_bytes(u))),
                    88..=95 => Val::Int(u64_le(u) as i64),
                    96..=199 => Val::Known(KNOWN_VALUES[v as usize % KNOWN_VALUES.len()]),
                    _ => Val::Seen(v as usize),
                };
                (key, val)
            })
            .collect();
        Call {
            action,
            signer,
            region,
            fill,
            fields,
        }
    }
}

impl Req {
    fn read(u: &mut Unstructured<'_>) -> Req {
        let method = match choice(u, 10) {
            0..=2 => Method::GET,
            3..=7 => Method::POST,
            8 => [
                Method::PUT,
                Method::DELETE,
                Method::PATCH,
                Method::HEAD,
                Method::OPTIONS,
                Method::CONNECT,
                Method::TRACE,
            ][choice(u, 7)]
            .clone(),
            _ => Method::from_bytes(short_bytes(u)).unwrap_or(Method::TRACE),
        };
        let p = byte(u);
        let path = match p {
            0..=127 => Path::Api,
            _ => match (p as usize - 128) % (MOCK_PATHS.len() + 1) {
                0 => Path::Raw(text(short_bytes(u))),
                i => Path::Mock(MOCK_PATHS[i - 1]),
            },
        };
        let content_type = match choice(u, 16) {
            0 => ContentType::Natural,
            i if i <= CONTENT_TYPES.len() => {
                ContentType::Given(CONTENT_TYPES[i - 1].map(str::to_owned))
            }
            _ => ContentType::Given(Some(text(short_bytes(u)))),
        };
        let content_length = match choice(u, 8) {
            3 => ContentLength::Actual,
            4 => ContentLength::Value(u64_le(u).to_string()),
            5 => ContentLength::Value(text(short_bytes(u))),
            6 => ContentLength::Value((SMALL_LIMIT + 1).to_string()),
            7 => ContentLength::Value("0".to_owned()),
            _ => ContentLength::None,
        };
        let authorization = match choice(u, 4) {
            1 => Some(format!("Bearer {TOKEN}")),
            2 => Some("Bearer wrong".to_owned()),
            3 => Some(text(short_bytes(u))),
            _ => None,
        };
        // Choice 0 is where the method carries a call: a GET's query string,
        // a POST's form body.
        let get = method == Method::GET;
        let query = match choice(u, 5) {
            0 if get => Query::Call,
            0 | 1 => Query::None,
            2 => Query::Raw(text(short_bytes(u))),
            3 => Query::Call,
            _ => Query::ActionOnly,
        };
        let body = match choice(u, 6) {
            0 if get => BodyKind::Empty,
            0 | 1 | 5 => BodyKind::Form,
            2 => BodyKind::Json,
            3 => BodyKind::Raw(long_bytes(u).to_vec()),
            _ => BodyKind::Empty,
        };
        let call = Call::read(u);
        Req {
            method,
            path,
            content_type,
            content_length,
            authorization,
            query,
            body,
            call,
        }
    }
}

impl<'a> Arbitrary<'a> for Input {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let flags = byte(u);
        let n = choice(u, 4) + 1;
        let requests = (0..n).map(|_| Req::read(u)).collect();
        Ok(Input {
            admin_token: flags & 1 == 1,
            small_limit: flags & 2 == 2,
            requests,
        })
    }
}

/// `FUZZ_TRACE=1` prints each request and the start of its answer.
fn trace() -> bool {
    static TRACE: OnceLock<bool> = OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("FUZZ_TRACE").is_some())
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime")
    })
}

/// The configuration every input starts from (the built-in fixtures, a
/// fixed seed), built once.
fn base_config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(|| Config {
        seed: Some(7),
        ..Config::default()
    })
}

/// A call turned into wire pairs (typed for JSON), before PublicKey and
/// Signature.
fn call_pairs(call: &Call, seen: &[String]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if let Some(a) = &call.action {
        out.push(("Action".to_owned(), Value::from(a.as_str())));
    }
    if let Some((region, zone)) = &call.region {
        out.push(("Region".to_owned(), Value::from(region.as_str())));
        if let Some(z) = zone {
            out.push(("Zone".to_owned(), Value::from(*z)));
        }
    }
    let leaves = call.action.as_deref().map(leaves).unwrap_or(&[]);
    if call.fill {
        for (name, ty, required) in leaves {
            if *required && name != "Region" && name != "Zone" {
                let leaf = name.rsplit('.').next().unwrap_or(name);
                out.push((name.clone(), typed(sample(leaf, Some(ty)), Some(ty))));
            }
        }
    }
    for (key, val) in &call.fields {
        let (name, ty) = match key {
            Key::Leaf(i) if !leaves.is_empty() => {
                let (n, t, _) = &leaves[i % leaves.len()];
                (n.clone(), Some(t))
            }
            Key::Leaf(i) => (format!("Field{i}"), None),
            Key::Raw(k) => (k.clone(), None),
        };
        let leaf = name.rsplit('.').next().unwrap_or(&name).to_owned();
        let s = match val {
            Val::Sample => sample(&leaf, ty),
            Val::Empty => String::new(),
            Val::Raw(r) => r.clone(),
            Val::Int(i) => i.to_string(),
            Val::Known(k) => (*k).to_owned(),
            Val::Seen(i) if !seen.is_empty() => seen[i % seen.len()].clone(),
            Val::Seen(_) => sample(&leaf, ty),
        };
        let v = typed(s, ty);
        // Filled in, a field replaces the value of its key; otherwise a key
        // may go twice.
        match out.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) if call.fill => slot.1 = v,
            _ => out.push((name, v)),
        }
    }
    out
}

/// A wire string as the JSON value of its catalogue type, when it reads as
/// one (a string otherwise).
fn typed(s: String, ty: Option<&Type>) -> Value {
    match ty {
        Some(Type::Integer) => s.parse::<i64>().map(Value::from).unwrap_or(Value::from(s)),
        Some(Type::Number) => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or(Value::from(s)),
        Some(Type::Boolean) if s == "true" || s == "false" => Value::Bool(s == "true"),
        _ => Value::from(s),
    }
}

/// A valid value for a parameter, by name and type.
fn sample(leaf: &str, ty: Option<&Type>) -> String {
    match leaf {
        "UHostId" => "uhost-demo0run",
        "CompShareImageId" => "compshareImage-xxxx",
        "GpuType" => "4090",
        "MachineType" => "G",
        "Memory" => "65536",
        "CPU" => "16",
        "GPU" => "1",
        "Region" => "cn-wlcb",
        "Zone" => "cn-wlcb-01",
        "AddAccounts" | "RemoveAccounts" => "56000002",
        "Password" => "VUNsb3VkLmNu",
        "ChargeType" => "Dynamic",
        "Type" => "CLOUD_SSD",
        _ => match ty {
            Some(Type::Integer) => "1",
            Some(Type::Number) => "1.5",
            Some(Type::Boolean) => "true",
            _ => return format!("fuzz-{leaf}"),
        },
    }
    .to_owned()
}

fn wire_string(v: &Value) -> String {
    compshare_protocol::encode::scalar_string(v).unwrap_or_default()
}

/// The signer's keys: (PublicKey to send, private key to sign with).
fn keys(shared: &Shared, signer: Signer) -> Option<(String, String)> {
    let state = shared.state.read().unwrap_or_else(|e| e.into_inner());
    let accounts = state.accounts();
    let pick = |i: usize| accounts.get(i % accounts.len().max(1));
    match signer {
        Signer::Account(i) => pick(i).map(|a| (a.public_key.clone(), a.private_key.clone())),
        Signer::WrongKey(i) => {
            pick(i).map(|a| (a.public_key.clone(), format!("{}x", a.private_key)))
        }
        Signer::UnknownKey => Some(("nobody_public_key".to_owned(), "nobody".to_owned())),
        Signer::Unsigned => None,
    }
}

/// The call as signed form pairs (empty keys are dropped: the form cannot
/// carry them).
fn form_pairs(pairs: &[(String, Value)], keys: &Option<(String, String)>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.clone(), wire_string(v)))
        .collect();
    if let Some((public, private)) = keys {
        out.push(("PublicKey".to_owned(), public.clone()));
        out = signed::sign(out, private);
    }
    out
}

fn encode(pairs: &[(String, String)]) -> String {
    signed::form_body(pairs)
}

/// The call as a signed JSON body: dotted keys nest as the Go SDK nests them.
fn json_body(pairs: &[(String, Value)], keys: &Option<(String, String)>) -> Map<String, Value> {
    let mut root = Value::Object(Map::new());
    for (k, v) in pairs {
        let path: Vec<&str> = k.split('.').collect();
        insert_path(&mut root, &path, v.clone());
    }
    let Value::Object(mut obj) = root else {
        return Map::new();
    };
    if let Some((public, private)) = keys {
        obj.insert("PublicKey".to_owned(), Value::from(public.as_str()));
        let sig = sign_json(&obj, private);
        obj.insert("Signature".to_owned(), Value::from(sig));
    }
    obj
}

fn insert_path(at: &mut Value, path: &[&str], v: Value) {
    let Some((first, rest)) = path.split_first() else {
        *at = v;
        return;
    };
    let index = first.parse::<usize>().ok().filter(|i| *i < 8);
    match (index, &mut *at) {
        (Some(i), Value::Array(items)) => {
            while items.len() <= i {
                items.push(Value::Null);
            }
            insert_path(&mut items[i], rest, v);
        }
        (Some(_), other) if !other.is_object() => {
            *other = Value::Array(Vec::new());
            insert_path(other, path, v);
        }
        (_, Value::Object(obj)) => {
            let slot = obj.entry(first.to_string()).or_insert(Value::Null);
            insert_path(slot, rest, v);
        }
        (_, other) => {
            *other = Value::Object(Map::new());
            insert_path(other, path, v);
        }
    }
}

/// What the harness knows the answer to a request must be, beyond the
/// rules for every answer.
struct Expect {
    /// The API path `/`.
    api: bool,
    /// A correctly signed call with a catalogue action, read in the form it
    /// was sent in: never 160/161/170/171/172.
    signed_call: bool,
    /// The action name the answer must echo, when the harness knows it.
    action: Option<String>,
}

struct Run {
    shared: Arc<Shared>,
    /// Ids answers gave, for later requests.
    seen: Vec<String>,
    /// API requests since the journal was last cleared.
    api_requests: usize,
    /// Whether the state may have changed.
    changed: bool,
}

fuzz_target!(|input: Input| {
    let mut config = base_config().clone();
    if input.admin_token {
        config.admin_token = Some(TOKEN.to_owned());
    }
    if input.small_limit {
        config.body_limit = SMALL_LIMIT;
    }
    let shared = fresh_shared(config);
    let mut run = Run {
        shared,
        seen: Vec::new(),
        api_requests: 0,
        changed: false,
    };
    for req in &input.requests {
        run.send(req);
    }
    run.finish();
});

impl Run {
    fn send(&mut self, req: &Req) {
        let keys = keys(&self.shared, req.call.signer);
        let pairs = call_pairs(&req.call, &self.seen);
        let flat = form_pairs(&pairs, &keys);
        let limit = self.shared.config.body_limit;

        let query = match &req.query {
            Query::None => None,
            Query::Raw(q) => Some(q.clone()),
            Query::Call => Some(encode(&flat)),
            Query::ActionOnly => req
                .call
                .action
                .as_ref()
                .map(|a| encode(&[("Action".to_owned(), a.clone())])),
        };
        let (body, natural): (Vec<u8>, Option<&str>) = match &req.body {
            BodyKind::Empty => (Vec::new(), None),
            BodyKind::Raw(b) => (b.clone(), None),
            BodyKind::Form => (
                encode(&flat).into_bytes(),
                Some("application/x-www-form-urlencoded"),
            ),
            BodyKind::Json => (
                serde_json::to_vec(&json_body(&pairs, &keys)).unwrap_or_default(),
                Some("application/json"),
            ),
        };
        let content_type = match &req.content_type {
            ContentType::Natural => natural.map(str::to_owned),
            ContentType::Given(ct) => ct.clone(),
        };
        let path = match &req.path {
            Path::Api => "/".to_owned(),
            Path::Mock(p) => (*p).to_owned(),
            Path::Raw(p) => p.clone(),
        };
        let uri = match &query {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        let mut builder = Request::builder().method(req.method.clone()).uri(&uri);
        if let Some(ct) = &content_type {
            builder = builder.header("content-type", ct);
        }
        let declared = match &req.content_length {
            ContentLength::None => None,
            ContentLength::Actual => Some(body.len().to_string()),
            ContentLength::Value(v) => Some(v.clone()),
        };
        if let Some(cl) = &declared {
            builder = builder.header("content-length", cl);
        }
        if let Some(auth) = &req.authorization {
            builder = builder.header("authorization", auth);
        }
        let Ok(request) = builder.body(Body::from(body.clone())) else {
            return; // not a request HTTP can carry
        };
        let api = request.uri().path() == "/";
        // Fault rules make the mock fail on purpose: never add one.
        if !api && request.method() == Method::POST && request.uri().path().contains("fault") {
            return;
        }

        // Whether the call reaches the gateway in the form it was signed in.
        // A content type that is not visible ASCII cannot be read as text:
        // the mock sees none.
        let readable = content_type
            .as_deref()
            .filter(|ct| ct.bytes().all(|b| b == b'\t' || (32..127).contains(&b)));
        let media = compshare_mock_fuzz::media_type(readable);
        let whitespace = body.iter().all(u8::is_ascii_whitespace);
        let declared_ok = declared
            .as_deref()
            .and_then(|d| d.parse::<u64>().ok())
            .is_none_or(|n| n <= limit as u64);
        let read_as_signed = match (&req.method, &req.body, &req.query) {
            (m, _, Query::Call) if *m == Method::GET => true,
            (m, _, Query::Call) if *m == Method::POST && whitespace => true,
            (m, BodyKind::Form, _) if *m == Method::POST && !whitespace => {
                matches!(media.as_str(), "" | "application/x-www-form-urlencoded")
            }
            (m, BodyKind::Json, _) if *m == Method::POST => media == "application/json",
            _ => false,
        };
        let catalogued = req
            .call
            .action
            .as_deref()
            .is_some_and(|a| Catalogue::get().action(a).is_some());
        let plain_action = !req
            .call
            .fields
            .iter()
            .any(|(k, _)| matches!(k, Key::Raw(r) if r.starts_with("Action")));
        // Only the exact path `/` keeps the query string as built.
        let exact = matches!(req.path, Path::Api);
        let action = req.call.action.clone().filter(|a| !a.is_empty());
        let expect = Expect {
            api,
            signed_call: exact
                && read_as_signed
                && declared_ok
                && body.len() <= limit
                && catalogued
                && plain_action
                && matches!(req.call.signer, Signer::Account(_))
                && keys.is_some(),
            action: (exact && read_as_signed && plain_action)
                .then_some(action)
                .flatten(),
        };

        let is_head = request.method() == Method::HEAD;
        let mutating = !api && !matches!(*request.method(), Method::GET | Method::HEAD);
        let rt = runtime();
        let response = rt
            .block_on(app(self.shared.clone()).oneshot(request))
            .unwrap_or_else(|e| match e {});
        let status = response.status().as_u16();
        let id_header = response.headers().get(REQUEST_ID_HEADER).is_some();
        let bytes = rt
            .block_on(response.into_body().collect())
            .map(|c| c.to_bytes())
            .unwrap_or_else(|e| panic!("{} {uri}: the body failed: {e}", req.method));

        if trace() {
            eprintln!(
                "{} {uri} -> {status} {}",
                req.method,
                String::from_utf8_lossy(&bytes[..bytes.len().min(600)])
            );
        }
        if api {
            self.api_requests += 1;
        }
        assert!(
            status == 200 || (400..500).contains(&status),
            "{} {uri}: HTTP {status}: {}",
            req.method,
            String::from_utf8_lossy(&bytes)
        );
        if is_head && bytes.is_empty() {
            return;
        }
        let json: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "{} {uri}: HTTP {status} with a body that is not JSON ({e}): {:?}",
                req.method,
                String::from_utf8_lossy(&bytes)
            )
        });
        assert!(json.is_object(), "{} {uri}: {json}", req.method);
        if status != 200 {
            assert_eq!(
                json["Status"].as_u64(),
                Some(status as u64),
                "{} {uri}: {json}",
                req.method
            );
            assert!(json["Error"].is_string(), "{} {uri}: {json}", req.method);
            assert!(
                bytes.len() <= 1024 + 2 * MAX_ECHO,
                "{} {uri}: a {}-byte error",
                req.method,
                bytes.len()
            );
        }
        if api {
            assert!(id_header, "{} {uri}: no {REQUEST_ID_HEADER}", req.method);
        }
        if status == 200 && mutating {
            self.changed = true;
            if req.method == Method::DELETE && uri.starts_with("/_mock/requests") {
                self.api_requests = 0;
            }
        }
        if !(api && status == 200) {
            if expect.signed_call {
                panic!(
                    "{} {uri}: a signed call got HTTP {status}: {json}",
                    req.method
                );
            }
            return;
        }
        self.check_envelope(&req.method, &uri, &json, &expect);
    }

    fn check_envelope(&mut self, method: &Method, uri: &str, json: &Value, expect: &Expect) {
        let action = json["Action"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {uri}: no Action: {json}"));
        assert!(action.ends_with("Response"), "{method} {uri}: {json}");
        assert!(
            action.len() <= MAX_ECHO + "…Response".len(),
            "{method} {uri}: Action echoed whole"
        );
        let code = json["RetCode"]
            .as_i64()
            .unwrap_or_else(|| panic!("{method} {uri}: RetCode {json}"));
        if code != 0 {
            assert!(json["Message"].is_string(), "{method} {uri}: {json}");
        }
        assert!(expect.api);
        if let Some(sent) = &expect.action {
            assert_eq!(action, format!("{}Response", clip(sent)), "{method} {uri}");
        }
        if expect.signed_call {
            assert!(
                ![160, 161, 170, 171, 172].contains(&code),
                "{method} {uri}: a correctly signed call got {json}"
            );
        }
        if code == 0 {
            self.changed = true;
            let name = action.trim_end_matches("Response");
            if Catalogue::get().action(name).is_some() {
                if let Err(m) = Catalogue::get().check_answer(name, json) {
                    panic!("{method} {uri}: {name} answered outside its model: {m:?}\n{json}");
                }
            }
            collect_ids(json, &mut self.seen);
        }
    }

    fn finish(&mut self) {
        let journal = self
            .shared
            .journal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .count(&Filter::default());
        assert_eq!(
            journal, self.api_requests,
            "journal entries vs API requests"
        );
        assert!(
            self.shared
                .faults
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .list()
                .is_empty(),
            "a fault rule was added"
        );
        let now = Snapshot::of(&self.shared);
        let ids: BTreeSet<&str> = now
            .images
            .iter()
            .map(|i| i.comp_share_image_id.as_str())
            .collect();
        assert_eq!(ids.len(), now.images.len(), "an image id twice");
        let ids: BTreeSet<&str> = now.instances.iter().map(|i| i.uhost_id.as_str()).collect();
        assert_eq!(ids.len(), now.instances.len(), "an instance id twice");
        if !self.changed {
            let base = Snapshot::base();
            assert!(
                now.images == base.images,
                "images changed without a successful call"
            );
            assert!(
                now.instances == base.instances,
                "instances changed without a successful call"
            );
        }
    }
}

/// The images and instances of a state, in id order.
struct Snapshot {
    images: Vec<compshare_mock::state::CompShareImage>,
    instances: Vec<compshare_mock::state::Instance>,
}

impl Snapshot {
    fn of(shared: &Shared) -> Snapshot {
        let state = shared.state.read().unwrap_or_else(|e| e.into_inner());
        let mut images: Vec<_> = state.images.iter().collect();
        images.sort_by(|a, b| a.comp_share_image_id.cmp(&b.comp_share_image_id));
        let mut instances: Vec<_> = state.instances().cloned().collect();
        instances.sort_by(|a, b| a.uhost_id.cmp(&b.uhost_id));
        Snapshot { images, instances }
    }

    /// The snapshot every input starts from, taken once.
    fn base() -> &'static Snapshot {
        static BASE: OnceLock<Snapshot> = OnceLock::new();
        BASE.get_or_init(|| Snapshot::of(&fresh_shared(base_config().clone())))
    }
}

/// A `Shared` of `config` with the virtual clock frozen at a fixed instant,
/// so an input replays the same way.
fn fresh_shared(config: Config) -> Arc<Shared> {
    let shared = Arc::new(Shared::new(config));
    shared
        .state
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .clock
        .frozen_at = Some(1_750_000_000);
    shared
}

/// Resource ids an answer names, for later requests to use.
fn collect_ids(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s)
            if (s.starts_with("uhost-") || s.starts_with("compshareImage-"))
                && out.len() < 16
                && !out.contains(s) =>
        {
            out.push(s.clone())
        }
        Value::Array(a) => a.iter().for_each(|x| collect_ids(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect_ids(x, out)),
        _ => {}
    }
}
