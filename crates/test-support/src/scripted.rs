//! A scripted AWS JSON-protocol endpoint on 127.0.0.1, for behaviour moto cannot
//! produce (ECS rollouts that complete, roll back or hang). Each operation
//! (`X-Amz-Target` suffix) has a queue of replies; the last one repeats. The real
//! binaries are pointed at it with `AWS_ENDPOINT_URL_<SERVICE>`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub enum Reply {
    Json(String),
    Error {
        status: u16,
        kind: String,
        message: String,
    },
    /// Any status and body, e.g. an HTML page with 200 from a wrong endpoint.
    Raw {
        status: u16,
        body: String,
    },
    /// Read the request, then close the connection without answering.
    Hangup,
    /// Answer `Json` after a pause (a slow service: lets concurrent callers overlap).
    SlowJson(std::time::Duration, String),
}

impl Reply {
    pub fn json(v: serde_json::Value) -> Reply {
        Reply::Json(v.to_string())
    }

    pub fn error(kind: &str, message: &str) -> Reply {
        Reply::Error {
            status: 400,
            kind: kind.into(),
            message: message.into(),
        }
    }
}

type Script = Arc<Mutex<BTreeMap<String, Vec<Reply>>>>;

#[derive(Debug)]
pub struct Scripted {
    pub endpoint: String,
    script: Script,
    calls: Arc<Mutex<Vec<(String, String)>>>,
}

impl Scripted {
    pub fn start(script: Vec<(&str, Vec<Reply>)>) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
        let script: Script = Arc::new(Mutex::new(
            script
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        ));
        let calls = Arc::new(Mutex::new(Vec::new()));
        let (s, c) = (script.clone(), calls.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (s, c) = (s.clone(), c.clone());
                std::thread::spawn(move || serve(stream, &s, &c));
            }
        });
        Scripted {
            endpoint,
            script,
            calls,
        }
    }

    /// How many times an operation was called.
    pub fn calls(&self, op: &str) -> usize {
        self.calls
            .lock()
            .map(|c| c.iter().filter(|(x, _)| x == op).count())
            .unwrap_or(0)
    }

    /// The request bodies an operation was called with, in order (e.g. to assert a
    /// query's grouping).
    pub fn bodies(&self, op: &str) -> Vec<String> {
        self.calls
            .lock()
            .map(|c| {
                c.iter()
                    .filter(|(x, _)| x == op)
                    .map(|(_, b)| b.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn total_calls(&self) -> usize {
        self.calls.lock().map(|c| c.len()).unwrap_or(0)
    }

    /// Replace an operation's queue (e.g. between two runs).
    pub fn set(&self, op: &str, replies: Vec<Reply>) {
        if let Ok(mut s) = self.script.lock() {
            s.insert(op.to_string(), replies);
        }
    }
}

fn serve(stream: TcpStream, script: &Script, calls: &Arc<Mutex<Vec<(String, String)>>>) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut writer = stream;
    loop {
        let mut target = String::new();
        let mut length = 0usize;
        let mut line = String::new();
        // Request line; EOF ends the connection.
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                match k.trim().to_ascii_lowercase().as_str() {
                    "x-amz-target" => target = v.trim().to_string(),
                    "content-length" => length = v.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        // JSON protocols name the operation in X-Amz-Target; query protocols (STS) in
        // the form body's Action.
        let op = if target.is_empty() {
            String::from_utf8_lossy(&body)
                .split('&')
                .find_map(|kv| kv.strip_prefix("Action="))
                .unwrap_or("")
                .to_string()
        } else {
            target.rsplit('.').next().unwrap_or("").to_string()
        };
        if let Ok(mut c) = calls.lock() {
            c.push((op.clone(), String::from_utf8_lossy(&body).into_owned()));
        }
        let reply = script.lock().ok().and_then(|mut s| {
            let q = s.get_mut(&op)?;
            if q.len() > 1 {
                Some(q.remove(0))
            } else {
                q.first().cloned()
            }
        });
        let (status, text) = match reply {
            Some(Reply::Hangup) => return,
            Some(Reply::Raw { status, body }) => (status, body),
            Some(Reply::Json(j)) => (200, j),
            Some(Reply::SlowJson(pause, j)) => {
                std::thread::sleep(pause);
                (200, j)
            }
            Some(Reply::Error { status, kind, message }) => {
                (status, serde_json::json!({"__type": kind, "message": message}).to_string())
            }
            None => (
                400,
                serde_json::json!({"__type": "UnknownOperationException", "message": format!("not scripted: {op}")}).to_string(),
            ),
        };
        let resp = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nx-amzn-requestid: scripted\r\n\r\n{text}",
            text.len()
        );
        if writer.write_all(resp.as_bytes()).is_err() {
            return;
        }
    }
}
