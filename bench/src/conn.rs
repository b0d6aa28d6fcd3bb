//! One keep-alive HTTP/1 connection of the load generators (the benchmark
//! and the soak), with `TCP_NODELAY` as the official clients set it.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;

/// The sending half of a connection.
pub type Sender = http1::SendRequest<Full<Bytes>>;

/// Opens a connection to `addr`; its driver runs on the current runtime.
pub async fn connect(addr: SocketAddr) -> Result<Sender, String> {
    let tcp = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let _ = tcp.set_nodelay(true);
    let (sender, conn) = http1::handshake(TokioIo::new(tcp))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Ok(sender)
}
