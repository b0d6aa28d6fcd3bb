//! The mock's own answer to a decoded request: faults first, then the
//! gateway, then the envelope; what the journal says of the request is
//! gathered in a [`Record`] and written when the answer is.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use compshare_protocol::catalogue::Catalogue;
use compshare_protocol::request::WireRequest;

use crate::error::ApiError;
use crate::faults::FaultRule;
use crate::journal::{Entry, KeptAnswer, PackedParams, SignatureDiagnosis, REDACTED_PARAMS};
use crate::respond::{json_response, REQUEST_ID_HEADER};
use crate::shared::Shared;
use crate::sync::{lock, read};
use crate::wire::envelope::{render_error, render_http_error, FileBody};
use crate::{diagnose, gateway};

/// A request being answered: what the journal will say of it.
pub(crate) struct Record {
    started: Instant,
    pub(crate) entry: Entry,
    /// The request's parameters as the journal keeps them.
    params: PackedParams,
}

impl Record {
    pub(crate) fn new(shared: &Shared) -> Self {
        let virtual_time = read(&shared.state).clock.now();
        Record {
            started: Instant::now(),
            entry: Entry {
                seq: 0,
                time_ms: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or(0),
                virtual_time,
                request_id: shared.next_request_id(),
                action: None,
                account: None,
                form: None,
                params: Default::default(),
                http_status: 200,
                ret_code: None,
                message: None,
                refused_by: None,
                signature: None,
                fault: None,
                duration_micros: 0,
                abandoned: false,
                notes: Vec::new(),
                upstream: None,
            },
            params: PackedParams::default(),
        }
    }

    pub(crate) fn finish(
        mut self,
        shared: &Shared,
        body: impl Into<axum::body::Bytes>,
        status: StatusCode,
    ) -> Response {
        let body = body.into();
        self.entry.http_status = status.as_u16();
        self.entry.duration_micros = self.started.elapsed().as_micros() as u64;
        log_request(&self.entry);
        // The answer is kept shared with the body sent, not copied (unless
        // large), once someone looks (the dashboard, `--journal-answers`).
        let answer = if shared.config.journal_size > 0
            && shared
                .keep_answers
                .load(std::sync::atomic::Ordering::Relaxed)
        {
            KeptAnswer::keep(&body)
        } else {
            KeptAnswer::default()
        };
        let resp = json_response(status, body, Some(&self.entry.request_id));
        lock(&shared.journal).record_answered(self.entry, self.params, answer);
        resp
    }

    /// Finishes with a file in place of the envelope: its bytes, its
    /// `Content-Type` and an attachment `Content-Disposition`; journaled and
    /// logged like any answer (RetCode 0).
    fn finish_file(self, shared: &Shared, file: FileBody) -> Response {
        let mut resp = self.finish(shared, file.bytes, StatusCode::OK);
        let h = resp.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(file.content_type),
        );
        let disposition = format!("attachment; filename={}", file.file_name);
        if let Ok(v) = HeaderValue::from_str(&disposition) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        resp
    }

    /// Journals and logs a request whose client went away before it was
    /// answered (the answer future was dropped during a fault's delay).
    fn abandon(mut self, shared: &Shared) {
        self.entry.abandoned = true;
        self.entry.http_status = 499;
        self.entry.message =
            Some("the client closed the connection during the fault rule's delay_ms".to_owned());
        self.entry.duration_micros = self.started.elapsed().as_micros() as u64;
        tracing::warn!(
            request_id = %self.entry.request_id,
            action = self.entry.action.as_deref().unwrap_or(""),
            fault = self.entry.fault.unwrap_or(0),
            micros = self.entry.duration_micros,
            "request abandoned by the client during a fault delay"
        );
        lock(&shared.journal).record_packed(self.entry, self.params);
    }

    pub(crate) fn http_error(
        mut self,
        shared: &Shared,
        status: StatusCode,
        message: &str,
    ) -> Response {
        self.entry.message = Some(message.to_owned());
        self.entry.refused_by = Some("http".to_owned());
        self.finish(shared, render_http_error(status.as_u16(), message), status)
    }
}

impl Record {
    /// Notes what the request asks: its action, form and parameters.
    pub(crate) fn describe(&mut self, shared: &Shared, wire: &WireRequest) {
        let action = wire.params.get("Action");
        self.entry.action = action.map(|a| compshare_protocol::clip(a).into_owned());
        self.entry.form = Some(wire.form.as_str().to_owned());
        if shared.config.journal_size > 0 {
            self.params = PackedParams::redacted(wire.params.iter());
            if wire.signature.is_some() {
                self.params.push("Signature", "<redacted>");
            }
        }
    }
}

/// The mock's own answer to a request it could read.
pub(crate) async fn answer(shared: &Shared, mut record: Record, wire: WireRequest) -> Response {
    let action = wire.params.get("Action");
    record.describe(shared, &wire);
    let fault = lock(&shared.faults).take(action, &wire.params);
    if let Some(rule) = &fault {
        record.entry.fault = Some(rule.id);
        if let Some(ms) = rule.delay_ms {
            // A client that gives up during the delay drops this future:
            // the guard journals the request as abandoned.
            let mut pending = Abandonable(shared, Some(record));
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            record = pending.1.take().expect("taken only here");
        }
        if rule.replaces_answer() {
            return apply_fault(shared, record, rule, action);
        }
    }
    if let Some(name) = action {
        record.entry.notes = match Catalogue::get().action(name) {
            Some(known) => crate::suggest::unknown_params(known, &wire.params),
            None => vec![crate::suggest::unknown_action(&compshare_protocol::clip(
                name,
            ))],
        };
    }
    let outcome = gateway::handle(&shared.state, &wire);
    record.entry.account = outcome.account.as_ref().map(|a| a.account_id.clone());
    let body = match outcome.result {
        Ok(answer) => {
            record.entry.ret_code = Some(0);
            match answer.into_file() {
                Ok(file) => return record.finish_file(shared, file),
                Err(answer) => answer.into_body(action),
            }
        }
        Err(e) => {
            record.entry.ret_code = Some(e.ret_code());
            record.entry.message = Some(e.message());
            record.entry.refused_by = Some(e.check().to_owned());
            if e == ApiError::SignatureMismatch {
                let cat = action.and_then(|a| Catalogue::get().action(a));
                record.entry.signature = Some(SignatureDiagnosis {
                    canonical: redact_canonical(&wire),
                    hints: diagnose::signature_hints(&wire, cat),
                });
            }
            render_error(action, e.ret_code(), &e.message()).into()
        }
    };
    record.finish(shared, body, StatusCode::OK)
}

/// A request waiting out a fault's delay; dropped with the request still in
/// it, it journals the request as abandoned.
struct Abandonable<'a>(&'a Shared, Option<Record>);

impl Drop for Abandonable<'_> {
    fn drop(&mut self) {
        if let Some(record) = self.1.take() {
            record.abandon(self.0);
        }
    }
}

/// The canonical string with the values of secret parameters replaced.
fn redact_canonical(wire: &WireRequest) -> String {
    let mut canonical = wire.canonical.clone();
    for (k, v) in wire.params.iter() {
        if !v.is_empty()
            && REDACTED_PARAMS
                .iter()
                .any(|r| k == *r || k.ends_with(&format!(".{r}")))
        {
            canonical = canonical.replace(&format!("{k}{v}"), &format!("{k}<redacted>"));
        }
    }
    canonical
}

/// The answer of a fault rule that replaces the answer.
fn apply_fault(
    shared: &Shared,
    mut record: Record,
    rule: &FaultRule,
    action: Option<&str>,
) -> Response {
    record.entry.refused_by = Some("fault".to_owned());
    let injected = "Injected fault";
    if let Some(code) = rule.ret_code {
        let message = rule.message.as_deref().unwrap_or(injected);
        record.entry.ret_code = Some(code);
        record.entry.message = Some(message.to_owned());
        let body = render_error(action, code, message);
        return record.finish(shared, body, StatusCode::OK);
    }
    if let Some(status) = rule.http_status {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
        record.entry.message = Some(injected.to_owned());
        let body = render_http_error(status.as_u16(), injected);
        return record.finish(shared, body, status);
    }
    if rule.malformed_body {
        let body = format!(
            "{{\"Action\":\"{}Response\",\"RetCode\":0,\"",
            action.unwrap_or("")
        );
        return record.finish(shared, body.into_bytes(), StatusCode::OK);
    }
    // drop_connection: a body that fails at once makes the server abort the
    // connection before the answer is complete.
    let id = record.entry.request_id.clone();
    let _ = record.finish(shared, Vec::new(), StatusCode::OK);
    let failing = futures_util::stream::once(async {
        Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other(
            "connection dropped by fault rule",
        ))
    });
    let mut resp = Response::new(Body::from_stream(failing));
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from_static("64"));
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    resp
}

/// The log line of an API request: its id, what was answered, and for a
/// refusal its message; then what the mock noticed (see [`Entry::notes`]).
fn log_request(e: &Entry) {
    use std::fmt::Write as _;
    if !tracing::enabled!(tracing::Level::INFO) {
        return; // nothing to format for
    }
    let mut line = format!("request_id={} status={}", e.request_id, e.http_status);
    if let Some(action) = &e.action {
        let _ = write!(line, " action={action}");
    }
    if let Some(code) = e.ret_code {
        let _ = write!(line, " ret_code={code}");
    }
    if let Some(account) = &e.account {
        let _ = write!(line, " account={account}");
    }
    let _ = write!(line, " micros={}", e.duration_micros);
    if let Some(message) = &e.message {
        let _ = write!(line, " message={message:?}");
    }
    if !e.notes.is_empty() {
        let _ = write!(line, " notes={:?}", e.notes.join("; "));
    }
    tracing::info!("request {line}");
}
