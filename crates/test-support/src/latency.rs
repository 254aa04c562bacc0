//! A TCP proxy on 127.0.0.1 that adds a one-way delay (plus jitter) to every chunk in
//! both directions, so a loopback emulator behaves like a region 20-80 ms away:
//! `cargo xtask bench ... --rtt 40ms` puts both sides of a comparison behind one.
//! Bytes keep their order and pipelining is preserved (each chunk is due at its own
//! arrival time plus the delay). It also counts HTTP requests (request lines seen on
//! the client side), the figure that does not drift between machines.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct LatencyProxy {
    pub endpoint: String,
    pub port: u16,
    requests: Arc<AtomicUsize>,
}

/// Request lines of the methods the AWS SDKs and CLIs use.
const METHODS: [&[u8]; 5] = [b"POST /", b"GET /", b"PUT /", b"HEAD /", b"DELETE /"];

impl LatencyProxy {
    /// Forward to `upstream_port`, delaying each direction by `rtt / 2` (+- `jitter`).
    pub fn start(upstream_port: u16, rtt: Duration, jitter: Duration) -> LatencyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().expect("addr").port();
        let requests = Arc::new(AtomicUsize::new(0));
        let count = requests.clone();
        let one_way = rtt / 2;
        std::thread::spawn(move || {
            for (n, client) in listener.incoming().flatten().enumerate() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)) else {
                    continue;
                };
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let (c2, s2) = match (client.try_clone(), server.try_clone()) {
                    (Ok(c), Ok(s)) => (c, s),
                    _ => continue,
                };
                let count = count.clone();
                let seed = n as u64 + 1;
                pipe(client, server, one_way, jitter, seed, Some(count));
                pipe(s2, c2, one_way, jitter, seed.wrapping_mul(7919), None);
            }
        });
        LatencyProxy {
            endpoint: format!("http://127.0.0.1:{port}"),
            port,
            requests,
        }
    }

    /// HTTP requests forwarded so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Copy `from` to `to`, each chunk delivered `delay` (+- jitter) after it was read.
fn pipe(
    mut from: TcpStream,
    mut to: TcpStream,
    delay: Duration,
    jitter: Duration,
    mut seed: u64,
    count: Option<Arc<AtomicUsize>>,
) {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 << 10];
        let mut last_due = Instant::now();
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if let Some(c) = &count {
                let chunk = &buf[..n];
                let seen = METHODS
                    .iter()
                    .map(|m| chunk.windows(m.len()).filter(|w| w == m).count())
                    .sum::<usize>();
                c.fetch_add(seen, Ordering::SeqCst);
            }
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let j = if jitter.is_zero() {
                Duration::ZERO
            } else {
                Duration::from_nanos(seed % (jitter.as_nanos() as u64 * 2 + 1))
            };
            // Never deliver before an earlier chunk: TCP keeps order.
            let due = (Instant::now() + delay + j)
                .saturating_sub_or(jitter)
                .max(last_due);
            last_due = due;
            if tx.send((due, buf[..n].to_vec())).is_err() {
                break;
            }
        }
    });
    std::thread::spawn(move || {
        for (due, bytes) in rx {
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
            if to.write_all(&bytes).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

trait SaturatingSub {
    fn saturating_sub_or(self, d: Duration) -> Instant;
}

impl SaturatingSub for Instant {
    /// `self - d`, or `self` when that would be before the process could have started.
    fn saturating_sub_or(self, d: Duration) -> Instant {
        self.checked_sub(d).unwrap_or(self)
    }
}

/// `40ms`, `0`, `1s`: the `--rtt` syntax of the benchmarks.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, "ms"),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected e.g. 40ms"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        _ => Err(format!("{s:?}: the unit is ms or s")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_a_round_trip_and_counts_requests() {
        let upstream = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = upstream.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for mut s in upstream.incoming().flatten() {
                let mut buf = [0u8; 1024];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0
                        || s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                            .is_err()
                    {
                        break;
                    }
                }
            }
        });
        let proxy = LatencyProxy::start(port, Duration::from_millis(100), Duration::ZERO);
        let mut c = TcpStream::connect(("127.0.0.1", proxy.port)).unwrap();
        let start = Instant::now();
        c.write_all(b"POST / HTTP/1.1\r\nhost: x\r\n\r\n").unwrap();
        let mut buf = [0u8; 64];
        let n = c.read(&mut buf).unwrap();
        assert!(n > 0);
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(100), "{took:?}");
        assert_eq!(proxy.requests(), 1);
        assert_eq!(parse_duration("40ms"), Ok(Duration::from_millis(40)));
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert!(parse_duration("fast").is_err());
    }
}
