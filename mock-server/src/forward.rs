//! The API path beside the live gateway (`--upstream`): answers a decoded
//! request in `shadow`, `record` or `proxy` mode with the pieces of
//! `upstream` (the client, the comparison, the recorder) and the mock's own
//! answer, and serves `GET`/`DELETE /_mock/shadow`.

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::State as AxState;
use axum::http::StatusCode;
use axum::response::Response;
use http_body_util::BodyExt;
use serde_json::Value;

use crate::actions::Support;
use crate::answer::Record;
use crate::canned::paging;
use crate::shared::Shared;
use crate::sync::{lock, read};
use crate::upstream::*;
use crate::wire::envelope::render_http_error;
use compshare_protocol::catalogue::Catalogue;
use compshare_protocol::request::WireRequest;
use compshare_protocol::signature;

/// `GET /_mock/shadow`: per action, requests compared, identical, and each
/// differing path with a count and one example.
pub async fn shadow_route(AxState(shared): AxState<Arc<Shared>>) -> Response {
    match &shared.config.upstream {
        Some(up) => crate::respond::json_response(
            StatusCode::OK,
            serde_json::to_vec(&up.summary()).unwrap_or_default(),
            None,
        ),
        None => no_upstream(),
    }
}

/// `DELETE /_mock/shadow`: forgets the summary.
pub async fn clear_shadow_route(AxState(shared): AxState<Arc<Shared>>) -> Response {
    match &shared.config.upstream {
        Some(up) => {
            up.clear_summary();
            crate::respond::json_response(StatusCode::OK, r#"{"Cleared":true}"#, None)
        }
        None => no_upstream(),
    }
}

fn no_upstream() -> Response {
    crate::respond::json_response(
        StatusCode::NOT_FOUND,
        render_http_error(404, "no upstream: start the mock with --upstream URL"),
        None,
    )
}

/// Whether the request's `PublicKey` is one the fixtures do not know.
fn unknown_key(shared: &Shared, wire: &WireRequest) -> bool {
    wire.params
        .get("PublicKey")
        .is_some_and(|pk| read(&shared.state).account_by_public_key(pk).is_none())
}

/// Whether a request signed with a key the fixtures know fails the local
/// signature check (then the mock answers it itself, with its refusal).
fn fails_locally(shared: &Shared, wire: &WireRequest) -> bool {
    let state = read(&shared.state);
    let Some(account) = wire
        .params
        .get("PublicKey")
        .and_then(|pk| state.account_by_public_key(pk))
    else {
        return false;
    };
    signature::verify(
        &wire.canonical,
        &account.private_key,
        wire.signature.as_deref(),
    )
    .is_err()
}

/// The request as the fixtures' first account would have signed it: how
/// the mock answers, in `shadow`, a request signed with a key it does not know.
fn as_default_account(shared: &Shared, wire: &WireRequest) -> WireRequest {
    let state = read(&shared.state);
    let Some(account) = state.accounts().first().cloned() else {
        return wire.clone();
    };
    drop(state);
    let mut w = wire.clone();
    w.params.insert("PublicKey", account.public_key.clone());
    w.canonical = signature::canonical_flat(w.params.iter());
    w.signature = Some(signature::digest(&w.canonical, &account.private_key));
    w
}

/// Answers a request when the mock runs with an upstream.
pub(crate) async fn serve(
    shared: &Shared,
    upstream: &Arc<Upstream>,
    record: Record,
    wire: WireRequest,
    fwd: Forward,
) -> Response {
    let unverified = unknown_key(shared, &wire);
    match upstream.config.mode {
        Mode::Shadow => shadow(shared, upstream, record, wire, fwd, unverified).await,
        Mode::Proxy => forwarded(shared, upstream, record, wire, fwd, unverified).await,
        Mode::Record => {
            let action = wire.params.get("Action").unwrap_or("");
            let canned = read(&shared.state).canned.clone();
            let from_state = Catalogue::get().action(action).is_some()
                && crate::actions::support(action, &canned) == Support::Stateful;
            if from_state {
                let note = UpstreamNote {
                    mode: "record".to_owned(),
                    not_forwarded: Some("served from the mock's state".to_owned()),
                    unverified_key: unverified,
                    ..UpstreamNote::default()
                };
                local(shared, record, wire, unverified, note).await
            } else {
                forwarded(shared, upstream, record, wire, fwd, unverified).await
            }
        }
    }
}

/// The mock's own answer, with the upstream note added to its journal
/// entry; a request with an unknown key is answered as the first account.
async fn local(
    shared: &Shared,
    record: Record,
    wire: WireRequest,
    unverified: bool,
    note: UpstreamNote,
) -> Response {
    let sent_key = wire.params.get("PublicKey").map(str::to_owned);
    let wire = if unverified {
        as_default_account(shared, &wire)
    } else {
        wire
    };
    let id = record.entry.request_id.clone();
    let resp = crate::answer::answer(shared, record, wire).await;
    lock(&shared.journal).amend(&id, |e, packed| {
        e.upstream = Some(note);
        if let (true, Some(pk)) = (unverified, sent_key) {
            packed.push("PublicKey", &pk);
        }
    });
    resp
}

/// `proxy`, and `record` for what the state cannot answer: the upstream's
/// answer (a 502 when there is none), journaled, and in `record` written.
async fn forwarded(
    shared: &Shared,
    upstream: &Arc<Upstream>,
    mut record: Record,
    wire: WireRequest,
    fwd: Forward,
    unverified: bool,
) -> Response {
    let mode = upstream.config.mode.as_str();
    if fails_locally(shared, &wire) {
        let note = UpstreamNote {
            mode: mode.to_owned(),
            not_forwarded: Some("the signature fails the mock's own check".to_owned()),
            ..UpstreamNote::default()
        };
        return local(shared, record, wire, false, note).await;
    }
    record.describe(shared, &wire);
    if !unverified {
        let state = read(&shared.state);
        record.entry.account = wire
            .params
            .get("PublicKey")
            .and_then(|pk| state.account_by_public_key(pk))
            .map(|a| a.account_id.clone());
    }
    let mut note = UpstreamNote {
        mode: mode.to_owned(),
        forwarded: true,
        unverified_key: unverified,
        ..UpstreamNote::default()
    };
    let action = wire.params.get("Action");
    match upstream.forward(&fwd).await {
        Ok(reply) => {
            let ret_code = reply.json.get("RetCode").and_then(Value::as_i64);
            note.status = Some(reply.status);
            note.ret_code = ret_code;
            note.request_id = reply.request_id.clone();
            record.entry.ret_code = ret_code;
            record.entry.message = reply
                .json
                .get("Message")
                .and_then(Value::as_str)
                .filter(|m| !m.is_empty())
                .map(str::to_owned);
            if let Some(id) = &reply.request_id {
                record.entry.request_id = id.clone();
            }
            if upstream.config.mode == Mode::Record {
                if let Some(recorder) = &upstream.recorder {
                    record_answer(recorder, action, &wire, &reply, &mut note);
                }
            }
            record.entry.upstream = Some(note);
            let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::BAD_GATEWAY);
            record.finish(shared, reply.body, status)
        }
        Err(message) => {
            tracing::warn!(action = action.unwrap_or(""), error = %message, "upstream failed");
            note.error = Some(message.clone());
            record.entry.upstream = Some(note);
            record.entry.message = Some(message.clone());
            record.entry.refused_by = Some("upstream".to_owned());
            record.finish(
                shared,
                render_http_error(502, &message),
                StatusCode::BAD_GATEWAY,
            )
        }
    }
}

/// Writes a success answer of a catalogue action to the recordings, noting
/// what became of it.
fn record_answer(
    recorder: &Recorder,
    action: Option<&str>,
    wire: &WireRequest,
    reply: &Reply,
    note: &mut UpstreamNote,
) {
    let action = action.unwrap_or("");
    let why_not = if Catalogue::get().action(action).is_none() {
        Some("not recorded: not an action of the catalogue (a fixture set cannot hold it)".into())
    } else if reply.status != 200 || note.ret_code != Some(0) {
        Some("not recorded: only success answers are (a fixture holds no RetCode)".into())
    } else {
        None
    };
    if let Some(why) = why_not {
        note.record_notes.push(why);
        return;
    }
    match recorder.record(action, &wire.params, &reply.json) {
        Ok(r) => {
            tracing::info!(action, file = %r.file, dropped = r.dropped.len(), "recorded");
            note.recorded = Some(r.file);
            note.record_notes.extend(
                r.dropped
                    .into_iter()
                    .map(|d| format!("left out (not loadable as a fixture): {d}")),
            );
        }
        Err(e) => {
            tracing::warn!(action, error = %e, "not recorded");
            note.record_notes.push(e);
        }
    }
}

/// `shadow`: the mock's answer goes back at once; the upstream is asked at
/// the same time, and the journal entry (marked `Pending` meanwhile) and
/// the summary are completed when it has answered and the two are compared.
async fn shadow(
    shared: &Shared,
    upstream: &Arc<Upstream>,
    record: Record,
    wire: WireRequest,
    fwd: Forward,
    unverified: bool,
) -> Response {
    let action = wire.params.get("Action").map(str::to_owned);
    let forward = upstream.config.shadow_mutations || action.as_deref().is_some_and(is_read_only);
    let exchange = forward.then(|| {
        let up = upstream.clone();
        tokio::spawn(async move { up.forward(&fwd).await })
    });
    let id = record.entry.request_id.clone();
    let note = UpstreamNote {
        mode: "shadow".to_owned(),
        forwarded: forward,
        not_forwarded: (!forward)
            .then(|| "a mutating action: start with --shadow-mutations to forward it".to_owned()),
        unverified_key: unverified,
        pending: forward,
        ..UpstreamNote::default()
    };
    let resp = local(shared, record, wire, unverified, note).await;
    let Some(exchange) = exchange else {
        lock(&upstream.summary)
            .action(action.as_deref())
            .not_forwarded += 1;
        return resp;
    };
    let (parts, body) = resp.into_parts();
    let Ok(collected) = body.collect().await else {
        // A fault rule dropped the connection: nothing to compare.
        exchange.abort();
        lock(&shared.journal).amend(&id, |e, _| {
            if let Some(n) = &mut e.upstream {
                n.pending = false;
                n.error = Some("not compared: the mock's answer was dropped".to_owned());
            }
        });
        return Response::from_parts(parts, Body::from_stream(broken()));
    };
    let mine = collected.to_bytes();
    let journal = shared.journal.clone();
    let up = upstream.clone();
    let body = mine.clone();
    tokio::spawn(async move {
        let result = exchange
            .await
            .unwrap_or_else(|e| Err(format!("the forwarding task failed: {e}")));
        settle(&journal, &up, &id, action.as_deref(), &body, result);
    });
    Response::from_parts(parts, Body::from(mine))
}

fn broken() -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("connection dropped by fault rule"))
    })
}

/// Compares the mock's answer with the upstream's and completes the
/// journal entry, the log and the summary.
fn settle(
    journal: &Mutex<crate::journal::Journal>,
    upstream: &Upstream,
    id: &str,
    action: Option<&str>,
    mine: &[u8],
    result: Result<Reply, String>,
) {
    let name = action.unwrap_or("");
    let mut summary = lock(&upstream.summary);
    let entry = summary.action(action);
    let outcome = result.and_then(|reply| {
        let own: Value = serde_json::from_slice(mine)
            .map_err(|_| "not compared: the mock's answer is not JSON".to_owned())?;
        let paged = Catalogue::get().action(name).and_then(paging);
        let differences = compare(
            &own,
            &reply.json,
            paged.as_ref().map(|p| PagedList {
                list: &p.list,
                count: &p.count,
            }),
        );
        Ok((reply, differences))
    });
    let change: Box<dyn FnOnce(&mut UpstreamNote)> = match outcome {
        Ok((reply, differences)) => {
            entry.requests += 1;
            if differences.is_empty() {
                entry.identical += 1;
            } else {
                tracing::warn!(
                    action = name,
                    request_id = id,
                    differences = differences.len(),
                    "shadow: the upstream answered differently"
                );
            }
            for d in &differences {
                let slot = entry
                    .differences
                    .entry((d.path.clone(), d.kind))
                    .or_insert_with(|| (0, d.clone(), id.to_owned()));
                slot.0 += 1;
            }
            for d in differences.iter().take(MAX_LOGGED) {
                tracing::warn!(
                    action = name,
                    path = %d.path,
                    kind = ?d.kind,
                    mock = %d.mock,
                    upstream = %d.upstream,
                    "shadow difference"
                );
            }
            Box::new(move |n: &mut UpstreamNote| {
                n.status = Some(reply.status);
                n.ret_code = reply.json.get("RetCode").and_then(Value::as_i64);
                n.request_id = reply.request_id;
                n.differences = differences;
            })
        }
        Err(message) => {
            entry.upstream_errors += 1;
            tracing::warn!(action = name, request_id = id, error = %message, "shadow: no comparison");
            Box::new(move |n: &mut UpstreamNote| n.error = Some(message))
        }
    };
    drop(summary);
    lock(journal).amend(id, |e, _| {
        if let Some(n) = &mut e.upstream {
            n.pending = false;
            change(n);
        }
    });
}
