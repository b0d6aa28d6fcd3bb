//! Walking every page of a paged action (`Offset`/`Limit`).
//!
//! The walk stops when the items seen reach the answer's `TotalCount`, and
//! also on an empty page, so a server whose `TotalCount` never comes true
//! cannot keep it going forever. Without a `TotalCount` it stops at the first
//! page shorter than the page size. `Offset` advances by the number of items
//! received, so a server that caps `Limit` below the page size skips nothing.

use futures_util::stream::{self, Stream};
use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::Error;

/// One page of a paged action.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The `Offset` the page was asked for.
    pub offset: u64,
    /// The answer's `TotalCount`, if it has one.
    pub total_count: Option<u64>,
    /// The items of the page, from the answer's list field.
    pub items: Vec<Value>,
    /// The whole answer.
    pub answer: Value,
}

/// A walk over the pages of a paged action; made by [`Client::paginate`].
///
/// Use [`next_page`](Paginator::next_page) in a loop, [`items`](Paginator::items)
/// as a stream, or [`collect_all`](Paginator::collect_all).
#[derive(Debug)]
pub struct Paginator {
    client: Client,
    action: String,
    params: Map<String, Value>,
    list_field: String,
    page_size: u64,
    offset: u64,
    done: bool,
}

impl Paginator {
    pub(crate) fn new(
        client: Client,
        action: &str,
        params: Value,
        list_field: &str,
        page_size: u64,
    ) -> Result<Self, Error> {
        if page_size == 0 {
            return Err(Error::InvalidRequest(
                "the page size must be at least 1".to_owned(),
            ));
        }
        let mut params = match params {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            _ => {
                return Err(Error::InvalidRequest(
                    "parameters must be a JSON object".to_owned(),
                ))
            }
        };
        let offset = match params.remove("Offset") {
            None | Some(Value::Null) => 0,
            Some(v) => v.as_u64().ok_or_else(|| {
                Error::InvalidRequest(format!("Offset must be a non-negative integer, not {v}"))
            })?,
        };
        params.remove("Limit");
        Ok(Paginator {
            client,
            action: action.to_owned(),
            params,
            list_field: list_field.to_owned(),
            page_size,
            offset,
            done: false,
        })
    }

    /// The next page, or `None` once the walk is over. After an error the
    /// walk stays where it was, so calling again retries the same page.
    pub async fn next_page(&mut self) -> Result<Option<Page>, Error> {
        if self.done {
            return Ok(None);
        }
        let mut params = self.params.clone();
        params.insert("Offset".to_owned(), self.offset.into());
        params.insert("Limit".to_owned(), self.page_size.into());
        let answer = self
            .client
            .invoke(&self.action, Value::Object(params))
            .await?;
        let total_count = match answer.get("TotalCount") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_u64().ok_or_else(|| {
                Error::Decode(format!("{} answer: TotalCount is {v}", self.action))
            })?),
        };
        let items = match answer.get(&self.list_field) {
            Some(Value::Array(items)) => items.clone(),
            None | Some(Value::Null) if total_count.is_some_and(|t| self.offset < t) => {
                return Err(Error::Decode(format!(
                    "{} answer has no {} although TotalCount is {}",
                    self.action,
                    self.list_field,
                    total_count.unwrap_or_default()
                )))
            }
            None | Some(Value::Null) => Vec::new(),
            Some(other) => {
                return Err(Error::Decode(format!(
                    "{} answer: {} is not a list but {other}",
                    self.action, self.list_field
                )))
            }
        };
        let page = Page {
            offset: self.offset,
            total_count,
            items,
            answer,
        };
        let received = page.items.len() as u64;
        self.offset += received;
        self.done = received == 0
            || match total_count {
                Some(total) => self.offset >= total,
                None => received < self.page_size,
            };
        Ok(Some(page))
    }

    /// Every item of every page, in order. The stream ends after the first
    /// error, which it yields.
    pub fn items(self) -> impl Stream<Item = Result<Value, Error>> + Send {
        stream::unfold(
            (self, Vec::new().into_iter(), false),
            |(mut pages, mut buffer, failed)| async move {
                if failed {
                    return None;
                }
                loop {
                    if let Some(item) = buffer.next() {
                        return Some((Ok(item), (pages, buffer, false)));
                    }
                    match pages.next_page().await {
                        Ok(Some(page)) => buffer = page.items.into_iter(),
                        Ok(None) => return None,
                        Err(e) => return Some((Err(e), (pages, buffer, true))),
                    }
                }
            },
        )
    }

    /// Every item of every page, or the first error.
    pub async fn collect_all(mut self) -> Result<Vec<Value>, Error> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            all.extend(page.items);
        }
        Ok(all)
    }
}
