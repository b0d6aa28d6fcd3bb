//! The control plane under `/_mock/`: health, reset, fixtures, state dump,
//! request journal, fault rules, virtual clock, seed. JSON in and out. On a
//! non-loopback listener it requires the token given at start
//! (`Authorization: Bearer TOKEN`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, Query, Request, State as AxState};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use crate::faults::FaultRule;
use crate::fixtures::Fixtures;
use crate::journal::{Filter, DEFAULT_PAGE_SIZE};
use crate::respond::json_response;
use crate::shared::Shared;
use crate::sync::lock;
use compshare_protocol::catalogue::Catalogue;

/// Largest body the admin API reads (a whole fixture set), in bytes.
pub const ADMIN_BODY_LIMIT: usize = 512 * 1024 * 1024;

/// The admin routes, to be nested under `/_mock`.
pub fn routes(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route("/health", get(health))
        .route("/catalogue", get(catalogue))
        .route("/reset", post(reset))
        .route("/fixtures", post(fixtures))
        .route("/state", get(state))
        .route("/requests", get(requests).delete(clear_requests))
        .route("/requests/{seq}", get(request))
        .route("/faults", get(faults).post(add_fault).delete(clear_faults))
        .route("/faults/{id}", delete(delete_fault))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance))
        .route("/clock/freeze", post(freeze))
        .route("/clock/run", post(run))
        .route("/seed", post(seed))
        .route("/save", post(save))
        .route(
            "/shadow",
            get(crate::forward::shadow_route).delete(crate::forward::clear_shadow_route),
        )
        .fallback(unknown_route)
        .method_not_allowed_fallback(|method: axum::http::Method| async move {
            reply(
                StatusCode::METHOD_NOT_ALLOWED,
                json!({"Status": 405, "Error": format!("{method} is not served here")}),
            )
        })
        .layer(middleware::from_fn_with_state(shared, require_token))
        // A fixture set can be large; the API's own limit does not apply here.
        .layer(DefaultBodyLimit::max(ADMIN_BODY_LIMIT))
}

/// Every control-plane route, as the 404 of any other `/_mock/` path lists
/// them.
pub const ROUTES: &[&str] = &[
    "GET /_mock/health",
    "POST /_mock/reset",
    "POST /_mock/fixtures",
    "GET /_mock/state",
    "GET /_mock/requests",
    "DELETE /_mock/requests",
    "GET /_mock/faults",
    "POST /_mock/faults",
    "DELETE /_mock/faults",
    "DELETE /_mock/faults/{id}",
    "GET /_mock/clock",
    "POST /_mock/clock/advance",
    "POST /_mock/clock/freeze",
    "POST /_mock/clock/run",
    "POST /_mock/seed",
    "POST /_mock/save",
    "GET /_mock/actions",
    "GET /_mock/catalogue",
];

/// The JSON 404 of a `/_mock/` path that is no route: the path as asked
/// (prefix included), the nearest route and the list of them.
async fn unknown_route(uri: axum::http::Uri) -> Response {
    // Nested under `/_mock`, the router sees the path without it.
    let path = format!("/_mock{}", uri.path());
    let paths = ROUTES
        .iter()
        .filter_map(|r| r.split_once(' ').map(|(_, p)| p));
    let near = crate::suggest::nearest(&path, paths).unwrap_or("/_mock/health");
    reply(
        StatusCode::NOT_FOUND,
        json!({
            "Status": 404,
            "Error": format!("no such path {path}: not a control-plane route; did you mean {near}?"),
            "Routes": ROUTES,
        }),
    )
}

async fn require_token(
    AxState(shared): AxState<Arc<Shared>>,
    req: Request,
    next: Next,
) -> Response {
    if let Some(token) = &shared.config.admin_token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(given.as_bytes().ct_eq(token.as_bytes())) {
            return reply(
                StatusCode::UNAUTHORIZED,
                json!({"Status": 401, "Error": "the admin API needs Authorization: Bearer <token given with --admin-token>"}),
            );
        }
    }
    next.run(req).await
}

fn reply(status: StatusCode, body: Value) -> Response {
    json_response(status, serde_json::to_vec(&body).unwrap_or_default(), None)
}

fn ok(body: Value) -> Response {
    reply(StatusCode::OK, body)
}

fn bad(message: impl Into<String>) -> Response {
    reply(
        StatusCode::BAD_REQUEST,
        json!({"Status": 400, "Error": message.into()}),
    )
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid JSON body: {e}"))
}

async fn health(AxState(shared): AxState<Arc<Shared>>) -> Response {
    let state = crate::sync::read(&shared.state);
    ok(json!({
        "Status": "ok",
        "Version": env!("CARGO_PKG_VERSION"),
        "Actions": Catalogue::get().actions.len(),
        "Accounts": state.accounts().len(),
        "Images": state.images.len(),
    }))
}

/// The catalogue the mock validates against: the generated one with the
/// overlay merged in.
async fn catalogue() -> Response {
    ok(serde_json::to_value(Catalogue::get()).unwrap_or_default())
}

async fn reset(AxState(shared): AxState<Arc<Shared>>) -> Response {
    shared.reset();
    ok(json!({"Reset": true}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureBody {
    accounts: Value,
    #[serde(default)]
    images: Option<Value>,
    #[serde(default)]
    instances: Option<Value>,
    /// Canned answers: action name → the contents of `responses/<Action>.json`.
    #[serde(default)]
    responses: Option<serde_json::Map<String, Value>>,
}

async fn fixtures(AxState(shared): AxState<Arc<Shared>>, body: Bytes) -> Response {
    let body: FixtureBody = match parse(&body) {
        Ok(b) => b,
        Err(e) => return bad(e),
    };
    let images = body.images.unwrap_or_else(|| json!([]));
    let instances = body.instances.unwrap_or_else(|| json!([]));
    let responses: Vec<(String, String)> = body
        .responses
        .unwrap_or_default()
        .into_iter()
        .map(|(action, answer)| (format!("responses/{action}.json"), answer.to_string()))
        .collect();
    let loaded = Fixtures::from_json(&body.accounts.to_string(), &images.to_string())
        .and_then(|f| f.with_instances(&instances.to_string()))
        .and_then(|f| f.with_responses(responses));
    match loaded {
        Ok(f) => {
            let counts = json!({"Accounts": f.accounts.len(), "Images": f.images.len()});
            shared.load_fixtures(f);
            ok(json!({"Loaded": counts}))
        }
        Err(e) => bad(format!("fixtures refused: {e}")),
    }
}

async fn state(AxState(shared): AxState<Arc<Shared>>) -> Response {
    let mut state = crate::sync::write(&shared.state);
    state.tick();
    ok(state.dump())
}

#[derive(Deserialize)]
struct RequestQuery {
    action: Option<String>,
    account: Option<String>,
    ret_code: Option<i64>,
    /// Only entries whose `Seq` is greater (the `Next` of the page before).
    after: Option<u64>,
    /// Entries per page, 1 to [`DEFAULT_PAGE_SIZE`] (the default).
    limit: Option<usize>,
}

async fn requests(
    AxState(shared): AxState<Arc<Shared>>,
    q: Result<Query<RequestQuery>, QueryRejection>,
) -> Response {
    let Query(q) = match q {
        Ok(q) => q,
        Err(e) => return bad(format!("invalid query: {}", e.body_text())),
    };
    let filter = Filter {
        action: q.action,
        account: q.account,
        ret_code: q.ret_code,
    };
    let limit = q.limit.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=DEFAULT_PAGE_SIZE).contains(&limit) {
        return bad(format!("limit must be 1 to {DEFAULT_PAGE_SIZE}"));
    }
    let page = lock(&shared.journal).page(&filter, q.after.unwrap_or(0), limit);
    // Written straight from the entries: no JSON tree of the whole page.
    json_response(
        StatusCode::OK,
        serde_json::to_vec(&page).unwrap_or_default(),
        None,
    )
}

/// One journal entry with the start of its answer (secrets redacted).
async fn request(
    AxState(shared): AxState<Arc<Shared>>,
    seq: Result<Path<String>, PathRejection>,
) -> Response {
    let Some(seq) = seq.ok().and_then(|Path(s)| s.parse::<u64>().ok()) else {
        return bad("a request's Seq is a number");
    };
    let Some((entry, answer)) = lock(&shared.journal).find(seq) else {
        return reply(
            StatusCode::NOT_FOUND,
            json!({"Status": 404, "Error": format!("no request {seq} in the journal")}),
        );
    };
    let mut view = json!(entry);
    view["Answer"] = json!(answer.text());
    view["AnswerSize"] = json!(answer.size());
    view["AnswerClipped"] = json!(answer.clipped());
    ok(view)
}

async fn clear_requests(AxState(shared): AxState<Arc<Shared>>) -> Response {
    lock(&shared.journal).clear();
    ok(json!({"Cleared": true}))
}

async fn faults(AxState(shared): AxState<Arc<Shared>>) -> Response {
    ok(json!({"Faults": lock(&shared.faults).list()}))
}

async fn add_fault(AxState(shared): AxState<Arc<Shared>>, body: Bytes) -> Response {
    let rule: FaultRule = match parse(&body) {
        Ok(r) => r,
        Err(e) => return bad(e),
    };
    match lock(&shared.faults).add(rule) {
        Ok(id) => ok(json!({"id": id})),
        Err(e) => bad(e),
    }
}

async fn clear_faults(AxState(shared): AxState<Arc<Shared>>) -> Response {
    lock(&shared.faults).clear();
    ok(json!({"Cleared": true}))
}

async fn delete_fault(
    AxState(shared): AxState<Arc<Shared>>,
    id: Result<Path<String>, PathRejection>,
) -> Response {
    let Some(id) = id.ok().and_then(|Path(id)| id.parse::<u64>().ok()) else {
        return bad("a fault id is a number");
    };
    if lock(&shared.faults).remove(id) {
        ok(json!({"Deleted": id}))
    } else {
        reply(
            StatusCode::NOT_FOUND,
            json!({"Status": 404, "Error": format!("no fault rule {id}")}),
        )
    }
}

fn clock_view(shared: &Shared) -> Value {
    let state = crate::sync::read(&shared.state);
    json!({"now": state.clock.now(), "offset": state.clock.offset, "frozen": state.clock.frozen_at.is_some()})
}

async fn clock(AxState(shared): AxState<Arc<Shared>>) -> Response {
    ok(clock_view(&shared))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: u64,
}

async fn advance(AxState(shared): AxState<Arc<Shared>>, body: Bytes) -> Response {
    let a: Advance = match parse(&body) {
        Ok(a) => a,
        Err(e) => return bad(e),
    };
    {
        let mut state = crate::sync::write(&shared.state);
        state.clock.advance(a.seconds);
        state.tick();
    }
    ok(clock_view(&shared))
}

async fn freeze(AxState(shared): AxState<Arc<Shared>>) -> Response {
    crate::sync::write(&shared.state).clock.freeze();
    ok(clock_view(&shared))
}

async fn run(AxState(shared): AxState<Arc<Shared>>) -> Response {
    crate::sync::write(&shared.state).clock.run();
    ok(clock_view(&shared))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Seed {
    seed: u64,
}

async fn seed(AxState(shared): AxState<Arc<Shared>>, body: Bytes) -> Response {
    let s: Seed = match parse(&body) {
        Ok(s) => s,
        Err(e) => return bad(e),
    };
    shared.set_seed(s.seed);
    ok(json!({"seed": s.seed}))
}

async fn save(AxState(shared): AxState<Arc<Shared>>) -> Response {
    if shared.config.state_file.is_none() {
        return reply(
            StatusCode::CONFLICT,
            json!({"Status": 409, "Error": "no state file: start the mock with --state FILE to save"}),
        );
    }
    match shared.save() {
        Ok(path) => ok(json!({"Saved": path.display().to_string()})),
        Err(e) => reply(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"Status": 500, "Error": e}),
        ),
    }
}
