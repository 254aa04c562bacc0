//! A forwarding proxy on 127.0.0.1 that misbehaves on purpose: after a number of
//! requests it still forwards each request to the real server (so a write lands)
//! but hangs up on the client instead of answering. That is the "connection died
//! mid-write" case: the tool must report the write as outcome unknown, and stop
//! instead of spending its whole retry budget on every remaining item.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug)]
pub struct HangupProxy {
    pub endpoint: String,
    forwarded: Arc<AtomicUsize>,
}

impl HangupProxy {
    /// Answer the first `answered` requests normally; forward but hang up on the rest.
    pub fn start(upstream_port: u16, answered: usize) -> HangupProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let forwarded = Arc::new(AtomicUsize::new(0));
        let count = forwarded.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let count = count.clone();
                std::thread::spawn(move || serve(client, upstream_port, answered, &count));
            }
        });
        HangupProxy {
            endpoint,
            forwarded,
        }
    }

    /// Requests that reached the real server.
    pub fn forwarded(&self) -> usize {
        self.forwarded.load(Ordering::SeqCst)
    }
}

fn serve(client: TcpStream, upstream_port: u16, answered: usize, count: &AtomicUsize) {
    let Ok(read_half) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut client = client;
    // One request per connection: every answer says `Connection: close`.
    {
        let mut head = String::new();
        let mut length = 0usize;
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => head.push_str(&line),
        }
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if lower.starts_with("connection:") {
                continue;
            }
            if line.trim_end().is_empty() {
                head.push_str("Connection: close\r\n\r\n");
                break;
            }
            head.push_str(&line);
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", upstream_port)) else {
            return;
        };
        if upstream.write_all(head.as_bytes()).is_err() || upstream.write_all(&body).is_err() {
            return;
        }
        let mut response: Vec<u8> = Vec::new();
        let _ = upstream.read_to_end(&mut response);
        let n = count.fetch_add(1, Ordering::SeqCst);
        if n >= answered {
            // The server did the work; the client never hears of it.
            let _ = client.shutdown(std::net::Shutdown::Both);
            return;
        }
        // Tell the client this connection ends here, so it does not reuse it.
        if let Some(eol) = response.windows(2).position(|w| w == b"\r\n") {
            response.splice(eol + 2..eol + 2, b"Connection: close\r\n".iter().copied());
        }
        if client.write_all(&response).is_err() {
            return;
        }
        // The upstream closed after its answer; make the client reconnect too.
        let _ = client.shutdown(std::net::Shutdown::Both);
    }
}
