//! After a rollout: probe the app's health URL (e.g. the ALB's `/health`).
//! Plain HTTP is probed directly; HTTPS goes through `curl` when it is installed,
//! so the tools do not carry a second TLS stack.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Status code of a GET, or why there is none.
pub fn probe(url: &str, timeout: Duration) -> Result<u16, String> {
    if let Some(rest) = url.strip_prefix("http://") {
        return probe_http(rest, timeout);
    }
    if url.starts_with("https://") {
        let out = std::process::Command::new("curl")
            .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time"])
            .arg(timeout.as_secs().max(1).to_string())
            .arg(url)
            .output()
            .map_err(|_| {
                "probing https:// needs curl on PATH (or give the http:// URL)".to_string()
            })?;
        let code = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<u16>()
            .unwrap_or(0);
        return if code == 0 {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        } else {
            Ok(code)
        };
    }
    Err(format!(
        "{url}: the health URL must start with http:// or https://"
    ))
}

fn probe_http(rest: &str, timeout: Duration) -> Result<u16, String> {
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let addr_str = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:80")
    };
    let addr = addr_str
        .to_socket_addrs()
        .map_err(|e| format!("{hostport}: {e}"))?
        .next()
        .ok_or_else(|| format!("{hostport}: no address"))?;
    let mut s =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{hostport}: {e}"))?;
    let _ = s.set_read_timeout(Some(timeout));
    let host = hostport.split(':').next().unwrap_or(hostport);
    // One write of the whole request; a server may answer (and close) as soon as it
    // has read the request line, so a failed write is not yet a failed probe.
    let request = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: ecs-deploy\r\n\r\n");
    let write_error = s.write_all(request.as_bytes()).err();
    let mut buf = [0u8; 64];
    let n = match s.read(&mut buf) {
        Ok(n) if n > 0 => n,
        Ok(_) | Err(_) if write_error.is_some() => {
            return Err(write_error.map(|e| e.to_string()).unwrap_or_default());
        }
        Ok(_) => {
            return Err(format!(
                "{hostport} closed the connection without answering"
            ));
        }
        Err(e) => return Err(e.to_string()),
    };
    let head = String::from_utf8_lossy(&buf[..n]);
    head.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("not an HTTP response from {hostport}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_a_local_http_server() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            if let Ok((mut c, _)) = listener.accept() {
                let mut b = [0u8; 256];
                let _ = c.read(&mut b);
                let _ = c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            }
        });
        assert_eq!(
            probe(
                &format!("http://127.0.0.1:{port}/health"),
                Duration::from_secs(2)
            ),
            Ok(200)
        );
    }

    #[test]
    fn refused_and_bad_urls_say_why() {
        assert!(probe("http://127.0.0.1:1/health", Duration::from_secs(1)).is_err());
        assert!(
            probe("ftp://x", Duration::from_secs(1))
                .expect_err("not http")
                .contains("http://")
        );
    }
}
