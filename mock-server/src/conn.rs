//! One client connection as the gateway writes it: header names in the
//! gateway's case (`X-UCLOUD-REQUEST-UUID`, where the HTTP library writes
//! `X-Ucloud-Request-Uuid`), and HTTP the library refuses before any
//! request is read (a head too large, a garbage request line, an invalid
//! header name) answered with the JSON 4xx and request id every other
//! refusal gets, instead of the library's empty one.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use memchr::memmem;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::respond::REQUEST_ID_HEADER;
use crate::shared::Shared;
use crate::wire::envelope::render_http_error;

/// The request id header as the HTTP library writes it in title case.
const TITLE_CASED_ID: &[u8] = b"\r\nX-Ucloud-Request-Uuid:";

/// How long, and for how many bytes, the rest of a refused request is read
/// and dropped before the connection closes, so that closing with unread
/// input does not reset the connection before the client reads the answer.
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);
const LINGER_BYTES: usize = 4 * 1024 * 1024;

/// A TCP connection under the HTTP library (see the module documentation).
pub(crate) struct GatewayIo {
    /// The socket; taken by `Drop` to close a refused connection gently.
    inner: Option<TcpStream>,
    shared: Arc<Shared>,
    /// The rewritten bytes of a header name the socket has not taken yet:
    /// they replace the start of the library's next write.
    carry: Vec<u8>,
    /// Our answer to broken HTTP and how much of it is written.
    refusal: Option<(Vec<u8>, usize)>,
}

impl GatewayIo {
    /// Wraps an accepted connection.
    pub(crate) fn new(stream: TcpStream, shared: Arc<Shared>) -> Self {
        GatewayIo {
            inner: Some(stream),
            shared,
            carry: Vec::new(),
            refusal: None,
        }
    }

    fn stream(&mut self) -> io::Result<&mut TcpStream> {
        self.inner
            .as_mut()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotConnected))
    }

    /// `buf` with the carried bytes of a header name put back at its start
    /// and every request id header name in the gateway's case, and where the
    /// last rewritten name ends; `None` when nothing needs rewriting. Same
    /// length, other case: the library's count of bytes written holds.
    fn rewritten(&self, buf: &[u8]) -> Option<(Vec<u8>, usize)> {
        let mut found = memmem::find_iter(buf, TITLE_CASED_ID).peekable();
        if self.carry.is_empty() && found.peek().is_none() {
            return None;
        }
        let mut copy = buf.to_vec();
        let carried = self.carry.len().min(copy.len());
        copy[..carried].copy_from_slice(&self.carry[..carried]);
        let mut end = carried;
        for at in found {
            let name = at + 2..at + TITLE_CASED_ID.len() - 1;
            copy[name.clone()].make_ascii_uppercase();
            end = name.end;
        }
        Some((copy, end))
    }

    /// Keeps the rewritten bytes the socket did not take, for the next write.
    fn keep_carry(&mut self, copy: &[u8], written: usize, end: usize) {
        self.carry = copy
            .get(written..end)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
    }

    /// Writes what is left of the refusal.
    fn poll_refusal(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let Some((bytes, mut at)) = self.refusal.take() else {
            return Poll::Ready(Ok(()));
        };
        let result = loop {
            if at == bytes.len() {
                break Poll::Ready(Ok(()));
            }
            let stream = match self.stream() {
                Ok(s) => s,
                Err(e) => break Poll::Ready(Err(e)),
            };
            match Pin::new(stream).poll_write(cx, &bytes[at..]) {
                Poll::Ready(Ok(0)) => break Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => at += n,
                Poll::Ready(Err(e)) => break Poll::Ready(Err(e)),
                Poll::Pending => break Poll::Pending,
            }
        };
        self.refusal = Some((bytes, at));
        result
    }

    /// The library's own answer to a request it could not parse: a 4xx head
    /// without the request id every answer of the mock carries.
    fn is_library_refusal(buf: &[u8]) -> Option<u16> {
        let rest = buf.strip_prefix(b"HTTP/1.1 4")?;
        let status = std::str::from_utf8(buf.get(9..12)?).ok()?.parse().ok()?;
        let head_end = memmem::find(rest, b"\r\n\r\n")?;
        let head = &rest[..head_end + 2];
        if memmem::find(head, TITLE_CASED_ID).is_some()
            || memmem::find(head, b"\r\nX-UCLOUD-REQUEST-UUID:").is_some()
        {
            return None;
        }
        Some(status)
    }

    /// Our answer for the status the library chose.
    fn refusal_for(&self, status: u16) -> Vec<u8> {
        let (reason, message) = match status {
            431 => (
                "Request Header Fields Too Large",
                format!(
                    "request head (request line and headers) larger than the limit of {} bytes",
                    crate::shared::MAX_HEAD_BYTES
                ),
            ),
            414 => ("URI Too Long", "request URI too long".to_owned()),
            _ => (
                "Bad Request",
                "malformed HTTP request: the request line or a header cannot be parsed".to_owned(),
            ),
        };
        let id = self.shared.next_request_id();
        tracing::info!(
            request_id = %id,
            status,
            message = %message,
            "refused broken HTTP"
        );
        let body = render_http_error(status, &message);
        let mut out = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n{REQUEST_ID_HEADER}: {id}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(&body);
        out
    }
}

impl AsyncRead for GatewayIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(self.stream()?).poll_read(cx, buf)
    }
}

impl AsyncWrite for GatewayIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.refusal.is_some() {
            // Nothing the library writes after its refusal goes out.
            return match this.poll_refusal(cx) {
                Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                _ => Poll::Ready(Ok(buf.len())),
            };
        }
        if this.carry.is_empty() {
            if let Some(status) = Self::is_library_refusal(buf) {
                this.refusal = Some((this.refusal_for(status), 0));
                return match this.poll_refusal(cx) {
                    Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
                    _ => Poll::Ready(Ok(buf.len())),
                };
            }
        }
        match this.rewritten(buf) {
            None => Pin::new(this.stream()?).poll_write(cx, buf),
            Some((copy, end)) => {
                let written = std::task::ready!(Pin::new(this.stream()?).poll_write(cx, &copy))?;
                this.keep_carry(&copy, written, end);
                Poll::Ready(Ok(written))
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    /// The head and the body in one system call: only the head (the first
    /// slice, which the library fills whole) is looked at and, when it holds
    /// the request id header, copied to be rewritten; the body goes out as
    /// it is.
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let Some(first) = bufs.iter().position(|b| !b.is_empty()) else {
            return Poll::Ready(Ok(0));
        };
        let head: &[u8] = &bufs[first];
        if this.refusal.is_some()
            || (this.carry.is_empty() && Self::is_library_refusal(head).is_some())
        {
            return Pin::new(this).poll_write(cx, head);
        }
        match this.rewritten(head) {
            None => Pin::new(this.stream()?).poll_write_vectored(cx, &bufs[first..]),
            Some((copy, end)) => {
                let mut slices = Vec::with_capacity(bufs.len() - first);
                slices.push(io::IoSlice::new(&copy));
                slices.extend(bufs[first + 1..].iter().map(|b| io::IoSlice::new(b)));
                let written =
                    std::task::ready!(Pin::new(this.stream()?).poll_write_vectored(cx, &slices))?;
                this.keep_carry(&copy, written.min(copy.len()), end);
                Poll::Ready(Ok(written))
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.poll_refusal(cx))?;
        Pin::new(self.stream()?).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(self.poll_refusal(cx))?;
        Pin::new(self.stream()?).poll_shutdown(cx)
    }
}

impl Drop for GatewayIo {
    fn drop(&mut self) {
        let (Some((bytes, at)), Some(mut stream)) = (self.refusal.take(), self.inner.take()) else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            let _ = tokio::time::timeout(LINGER, linger(&mut stream, &bytes[at..])).await;
        });
    }
}

/// Writes the rest of a refusal, ends the sending side, and reads what the
/// client still sends until it closes (or enough has been read).
async fn linger(stream: &mut TcpStream, mut rest: &[u8]) -> io::Result<()> {
    while !rest.is_empty() {
        stream.writable().await?;
        match stream.try_write(rest) {
            Ok(n) => rest = &rest[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_shutdown(cx)).await?;
    let mut sink = vec![0u8; 64 * 1024];
    let mut read = 0;
    while read < LINGER_BYTES {
        stream.readable().await?;
        match stream.try_read(&mut sink) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_librarys_refusal_is_a_4xx_head_without_a_request_id() {
        let ours =
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\nX-Ucloud-Request-Uuid: x\r\n\r\n{}";
        assert_eq!(GatewayIo::is_library_refusal(ours), None);
        let theirs =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nDate: x\r\n\r\n";
        assert_eq!(GatewayIo::is_library_refusal(theirs), Some(431));
        let fine = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(GatewayIo::is_library_refusal(fine), None);
    }
}
