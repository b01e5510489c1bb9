//! Serving the router over HTTP/1.1, plain or TLS: a task per connection;
//! a client that has not finished the TLS handshake or sent a whole
//! request head within the header timeout is disconnected (a slow client
//! holds no connection open for long), and on stop every connection
//! finishes its request and closes. A TLS connection's verified client
//! certificate is handed to the handlers as [`Peer`].

use std::time::Duration;

use axum::{Extension, Router};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use crate::auth::Peer;
use crate::server::stopped;

/// Accepts connections on `listener` until `stop` turns true, then waits
/// for the open ones to finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    header_timeout: Duration,
    stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    let mut stopping = stop.clone();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stopped(&mut stopping) => break,
        };
        // Reap finished connections as new ones come.
        while connections.try_join_next().is_some() {}
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: wait, do not spin.
                tracing::warn!("cannot accept a connection: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let router = router.clone();
        let tls = tls.clone();
        let stop = stop.clone();
        connections.spawn(async move {
            let Some(tls) = tls else {
                return connection(stream, router.layer(Extension(Peer::default())), header_timeout, stop).await;
            };
            let stream = match tokio::time::timeout(header_timeout, tls.accept(stream)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => return tracing::debug!("TLS handshake with {peer} failed: {e}"),
                Err(_) => return tracing::debug!("TLS handshake with {peer} timed out"),
            };
            let client_cert = stream.get_ref().1.peer_certificates().is_some_and(|c| !c.is_empty());
            connection(stream, router.layer(Extension(Peer { client_cert })), header_timeout, stop).await;
        });
    }
    while connections.join_next().await.is_some() {}
}

/// Serves requests on one connection until it closes or the server stops.
async fn connection<S>(stream: S, router: Router, header_timeout: Duration, mut stop: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = TowerToHyperService::new(router);
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_timeout);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        _ = stopped(&mut stop) => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}
