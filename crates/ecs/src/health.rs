//! After a rollout: probe the app's health URL (e.g. the ALB's `/health`).
//!
//! One GET per probe with hyper over the rustls stack the SDK already compiles
//! (HTTP/1.1, IPv4 and IPv6 hosts, system trust roots for https). Redirects are not
//! followed: a health endpoint answers itself, and a 3xx is reported as what it is.

use bytes::Bytes;
use http_body_util::Empty;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// A reusable prober (one connection pool, trust roots loaded once).
pub struct Prober {
    client: Client<aws_core::http::Connector, Empty<Bytes>>,
}

impl Prober {
    pub fn new() -> Result<Prober, String> {
        let https = aws_core::http::connector().map_err(|e| e.to_string())?;
        Ok(Prober {
            client: Client::builder(TokioExecutor::new()).build(https),
        })
    }

    /// Status code of a GET of `url`, or why there is none.
    pub async fn probe(&self, url: &str, timeout: Duration) -> Result<u16, String> {
        let uri: http::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(format!(
                "{url}: the health URL must start with http:// or https:// and name a host"
            ));
        }
        let request = http::Request::get(uri)
            .header(http::header::USER_AGENT, "ecs-deploy")
            .body(Empty::new())
            .map_err(|e| format!("{url}: {e}"))?;
        match tokio::time::timeout(timeout, self.client.request(request)).await {
            Err(_) => Err(format!("no answer within {}s", timeout.as_secs_f32())),
            Ok(Err(e)) => Err(chain(&e)),
            Ok(Ok(response)) => Ok(response.status().as_u16()),
        }
    }
}

/// The error and its causes on one line ("client error (Connect): ...: Connection refused").
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server that reads the whole request head before answering `status`.
    async fn serve_once(listener: tokio::net::TcpListener, status: &'static str) {
        if let Ok((mut c, _)) = listener.accept().await {
            let mut head = Vec::new();
            let mut b = [0u8; 256];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match c.read(&mut b).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => head.extend_from_slice(&b[..n]),
                }
            }
            let answer =
                format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
            let _ = c.write_all(answer.as_bytes()).await;
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn probes_local_servers_over_ipv4_and_ipv6() {
        let prober = Prober::new().expect("prober");
        let v4 = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = v4.local_addr().expect("addr").port();
        tokio::spawn(serve_once(v4, "200 OK"));
        let url = format!("http://127.0.0.1:{port}/health");
        assert_eq!(prober.probe(&url, Duration::from_secs(5)).await, Ok(200));

        let moved = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = moved.local_addr().expect("addr").port();
        tokio::spawn(serve_once(moved, "301 Moved Permanently"));
        let url = format!("http://127.0.0.1:{port}/health");
        assert_eq!(
            prober.probe(&url, Duration::from_secs(5)).await,
            Ok(301),
            "redirects are reported, not followed"
        );

        // IPv6 loopback may be missing in a container: test it only where it exists.
        if let Ok(v6) = tokio::net::TcpListener::bind("[::1]:0").await {
            let port = v6.local_addr().expect("addr").port();
            tokio::spawn(serve_once(v6, "503 Service Unavailable"));
            let url = format!("http://[::1]:{port}/health");
            assert_eq!(prober.probe(&url, Duration::from_secs(5)).await, Ok(503));
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn refused_silent_and_bad_urls_say_why() {
        let prober = Prober::new().expect("prober");
        let refused = prober
            .probe("http://127.0.0.1:1/health", Duration::from_secs(2))
            .await
            .expect_err("nothing listens on port 1");
        assert!(refused.to_lowercase().contains("refused"), "{refused}");

        // Accepts and never answers: the timeout bounds the probe.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = silent.local_addr().expect("addr").port();
        let _keep = tokio::spawn(async move {
            let conn = silent.accept().await;
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(conn);
        });
        let slow = prober
            .probe(
                &format!("http://127.0.0.1:{port}/"),
                Duration::from_millis(300),
            )
            .await
            .expect_err("no answer");
        assert!(slow.contains("no answer within"), "{slow}");

        for bad in ["ftp://x/health", "not a url", "http:///health"] {
            let e = prober
                .probe(bad, Duration::from_secs(1))
                .await
                .expect_err(bad);
            assert!(!e.is_empty(), "{bad}");
        }
    }
}
