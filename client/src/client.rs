//! The client: one signed HTTP exchange per attempt, retried by the rules of
//! [`crate::retry`], answers checked for `RetCode` and decoded.

use std::fmt;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::config::Config;
use crate::encode;
use crate::error::{Error, REQUEST_ID_HEADER};
use crate::paginate::Paginator;
use crate::retry::RetryPolicy;
use crate::types::{
    CompShareImage, DescribeCompShareCustomImagesRequest, DescribeCompShareCustomImagesResponse,
};

/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("compshare-client/", env!("CARGO_PKG_VERSION"));

/// The header with the client's clock, in epoch milliseconds, as both SDKs send it.
pub const TIMESTAMP_HEADER: &str = "U-Timestamp-Ms";

/// A CompShare API client. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    url: reqwest::Url,
    http: reqwest::Client,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `config`; fails with [`Error::Config`] on empty keys or
    /// an unusable base URL.
    pub fn new(config: Config) -> Result<Self, Error> {
        let url = config.validate()?;
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(config.timeout)
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            inner: Arc::new(Inner { config, url, http }),
        })
    }

    /// A client configured by [`Config::from_env`].
    pub fn from_env() -> Result<Self, Error> {
        Self::new(Config::from_env()?)
    }

    /// The settings in use.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Calls any action with nested parameters (a JSON object; arrays and
    /// objects are flattened as the SDKs do) and returns the whole answer,
    /// `Action` and `RetCode` included.
    ///
    /// `Region` (and `Zone`, `ProjectId` when configured) are added unless
    /// `params` has that key; `Action`, `PublicKey` and `Signature` are always
    /// the client's. A non-zero `RetCode` is an [`Error::RetCode`].
    pub async fn invoke(&self, action: &str, params: Value) -> Result<Value, Error> {
        let config = &self.inner.config;
        let params = encode::signed_params(action, params, config)?;
        let policy = RetryPolicy {
            max_retries: config.max_retries,
            initial: config.retry_backoff,
            max: config.retry_backoff_max,
        };
        let mut attempt = 0;
        loop {
            match self.send_once(action, &params).await {
                Ok(answer) => return Ok(answer),
                Err(e) if policy.should_retry(action, attempt, &e) => {
                    tokio::time::sleep(policy.backoff(attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Calls an action with a typed request and decodes the answer into a
    /// typed response; the building block of the typed methods.
    pub async fn call<Req, Resp>(&self, action: &str, request: &Req) -> Result<Resp, Error>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let params = serde_json::to_value(request)
            .map_err(|e| Error::InvalidRequest(format!("cannot serialize the request: {e}")))?;
        let answer = self.invoke(action, params).await?;
        serde_json::from_value(answer)
            .map_err(|e| Error::Decode(format!("{action} answer does not fit its type: {e}")))
    }

    /// `DescribeCompShareCustomImages`: one page of the caller's custom images.
    pub async fn describe_custom_images(
        &self,
        request: &DescribeCompShareCustomImagesRequest,
    ) -> Result<DescribeCompShareCustomImagesResponse, Error> {
        self.call("DescribeCompShareCustomImages", request).await
    }

    /// All of the caller's custom images matching `request`, page after page
    /// from `request.offset`; `request.limit` is the page size (100 if unset).
    pub async fn describe_custom_images_all(
        &self,
        request: &DescribeCompShareCustomImagesRequest,
    ) -> Result<Vec<CompShareImage>, Error> {
        let page_size = request.limit.unwrap_or(100);
        let params = serde_json::to_value(request)
            .map_err(|e| Error::InvalidRequest(format!("cannot serialize the request: {e}")))?;
        let items = self
            .paginate(
                "DescribeCompShareCustomImages",
                params,
                "ImageSet",
                page_size,
            )?
            .collect_all()
            .await?;
        items
            .into_iter()
            .map(|item| {
                serde_json::from_value(item)
                    .map_err(|e| Error::Decode(format!("an image does not fit its type: {e}")))
            })
            .collect()
    }

    /// Walks every page of a paged action (one with `Offset` and `Limit`):
    /// `list_field` names the answer's list (`ImageSet`), `page_size` is sent
    /// as `Limit`. See [`Paginator`] for when it stops.
    pub fn paginate(
        &self,
        action: &str,
        params: Value,
        list_field: &str,
        page_size: u64,
    ) -> Result<Paginator, Error> {
        Paginator::new(self.clone(), action, params, list_field, page_size)
    }

    /// One attempt: sign, send, read. Signing again on each attempt keeps the
    /// body and the timestamp header of a retry consistent.
    async fn send_once(&self, action: &str, params: &Map<String, Value>) -> Result<Value, Error> {
        let config = &self.inner.config;
        let body = encode::body(params, config.encoding, config.private_key.expose());
        let mut url = self.inner.url.clone();
        url.set_query(None);
        url.query_pairs_mut().append_pair("Action", action);
        let response = self
            .inner
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, body.content_type)
            .header(TIMESTAMP_HEADER, now_ms().to_string())
            .body(body.bytes)
            .send()
            .await
            .map_err(Error::Transport)?;
        let status = response.status();
        let request_id = response
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.map_err(Error::Transport)?;
        if !status.is_success() {
            return Err(Error::Http {
                status: status.as_u16(),
                body: String::from_utf8_lossy(&bytes).into_owned(),
                request_id,
            });
        }
        let answer: Value = serde_json::from_slice(&bytes).map_err(|e| {
            Error::Decode(format!(
                "{action} answer is not JSON ({e}){}",
                id_note(&request_id)
            ))
        })?;
        let code = answer
            .get("RetCode")
            .and_then(Value::as_i64)
            .ok_or_else(|| {
                Error::Decode(format!(
                    "{action} answer has no integer RetCode{}",
                    id_note(&request_id)
                ))
            })?;
        if code != 0 {
            return Err(Error::RetCode {
                code,
                message: answer
                    .get("Message")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
                action: action.to_owned(),
                request_id,
            });
        }
        Ok(answer)
    }
}

fn id_note(request_id: &Option<String>) -> String {
    request_id
        .as_deref()
        .map(|id| format!(", request id {id}"))
        .unwrap_or_default()
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clients_debug_never_shows_the_private_key() {
        let client = Client::new(Config::new("my_public_key", "my_private_key")).unwrap();
        let shown = format!("{client:?}");
        assert!(!shown.contains("my_private_key"), "{shown}");
        assert!(shown.contains("my_public_key"));
    }

    #[test]
    fn a_bad_configuration_is_refused_before_any_call() {
        assert!(matches!(
            Client::new(Config::new("pk", "")),
            Err(Error::Config(_))
        ));
    }

    #[test]
    fn the_user_agent_names_the_crate_and_its_version() {
        assert_eq!(USER_AGENT, "compshare-client/0.1.0");
    }
}
