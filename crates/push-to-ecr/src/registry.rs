//! The OCI registry adapter (distribution API v2), for a local registry in development
//! and tests or any registry that is not ECR: HEAD to find blobs, cross-repository
//! mounts, monolithic blob PUTs streamed from disk, manifests by tag. Basic and bearer
//! (token service) authentication with `REGISTRY_USERNAME` / `REGISTRY_PASSWORD`.
//! Throttling (429), 502/503/504 and refused connections are retried with backoff.
//! The only code of this crate that speaks HTTP (`cargo xtask tidy` checks it).

use crate::digest::Digest;
use crate::manifest;
use crate::prepare::{Blob, Data};
use aws_core::{Error, Result};
use bytes::Bytes;
use http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::collections::{BTreeMap, BTreeSet};
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

type Body = BoxBody<Bytes, std::io::Error>;
type Https = aws_core::http::Connector;

/// Attempts per request (the first included) on throttling, 5xx gateways and refused
/// connections.
const ATTEMPTS: u32 = 4;
/// The most of an error body quoted in a message.
const ERROR_BODY: usize = 600;
/// A request without a body that gets no answer for this long has failed; a blob upload
/// gets this plus one second per 256 KiB (a registry that stops reading ends the push).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const UPLOAD_BYTES_PER_SECOND: u64 = 256 << 10;

/// `[http[s]://]HOST[:PORT]/REPOSITORY`, e.g. `127.0.0.1:5000/fft/app`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub base: String,
    pub host: String,
    pub repo: String,
}

impl Target {
    pub fn parse(s: &str) -> std::result::Result<Target, String> {
        let bad = |why: &str| {
            Err(format!(
                "registry {s:?}: {why} (expected HOST[:PORT]/REPOSITORY)"
            ))
        };
        if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad("it contains a space or control character");
        }
        let (scheme, rest) = match s.split_once("://") {
            Some(("http", r)) => (Some("http"), r),
            Some(("https", r)) => (Some("https"), r),
            Some(_) => return bad("only http:// and https:// are supported"),
            None => (None, s),
        };
        let Some((host, repo)) = rest.split_once('/') else {
            return bad("no repository");
        };
        let repo = repo.trim_end_matches('/');
        if host.is_empty() || repo.is_empty() {
            return bad("empty host or repository");
        }
        let Ok(authority) = host.parse::<http::uri::Authority>() else {
            return bad("the host is not a valid HOST[:PORT]");
        };
        // `http` accepts any digits as a port; a TCP port is 1..=65535.
        if let Some(port) = authority.as_str().rsplit_once(':').map(|(_, p)| p)
            && !authority.host().ends_with(port)
            && !port.parse::<u16>().is_ok_and(|p| p > 0)
        {
            return bad("the port is not between 1 and 65535");
        }
        let component_ok = |c: &str| {
            !c.is_empty()
                && c.bytes()
                    .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-'))
                && c.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        };
        if !repo.split('/').all(component_ok) || repo.len() > 255 {
            return bad("repository names are lowercase letters, digits, '.', '_', '-' and '/'");
        }
        // Plain HTTP only where nothing can listen in: this machine (like Docker's
        // default insecure registries), or when asked for explicitly.
        let hostname = host.rsplit_once(':').map_or(host, |(h, p)| {
            if p.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host
            }
        });
        let local = matches!(hostname, "localhost" | "127.0.0.1" | "[::1]");
        let scheme = scheme.unwrap_or(if local { "http" } else { "https" });
        Ok(Target {
            base: format!("{scheme}://{host}"),
            host: host.to_string(),
            repo: repo.to_string(),
        })
    }
}

#[derive(Clone)]
pub struct Registry {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client<Https, Body>,
    target: Target,
    basic: Option<String>,
    authorization: Mutex<Option<HeaderValue>>,
    mount_from: Vec<String>,
    calls: AtomicU32,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Put {
    Created,
}

impl Registry {
    /// `credentials` is (user, password) for basic auth or the token service.
    pub fn new(
        target: Target,
        credentials: Option<(String, String)>,
        mount_from: Vec<String>,
    ) -> Result<Registry> {
        let https = aws_core::http::connector()?;
        let basic = credentials.map(|(u, p)| {
            aws_core::secrets::register(&p);
            format!(
                "Basic {}",
                aws_smithy_types::base64::encode(format!("{u}:{p}"))
            )
        });
        if let Some(b) = &basic {
            aws_core::secrets::register(b);
        }
        Ok(Registry {
            inner: Arc::new(Inner {
                client: Client::builder(TokioExecutor::new()).build(https),
                target,
                basic,
                authorization: Mutex::new(None),
                mount_from,
                calls: AtomicU32::new(0),
            }),
        })
    }

    pub fn target(&self) -> &Target {
        &self.inner.target
    }

    pub fn api_calls(&self) -> u32 {
        self.inner.calls.load(Ordering::Relaxed)
    }

    fn url(&self, path: &str) -> String {
        format!(
            "{}/v2/{}/{}",
            self.inner.target.base, self.inner.target.repo, path
        )
    }

    /// `GET /v2/`: is this a registry, and which authentication does it want.
    pub async fn ping(&self) -> Result<()> {
        let url = format!("{}/v2/", self.inner.target.base);
        let r = self.send(Method::GET, &url, &[], empty).await?;
        match r.status {
            s if s.is_success() => Ok(()),
            StatusCode::NOT_FOUND => Err(Error::Failed(format!(
                "{} answers but is not an OCI registry (GET /v2/ is 404)",
                self.inner.target.host
            ))),
            s => Err(self.status_error("GET /v2/", s, &r.body)),
        }
    }

    /// The blobs among `digests` the repository lacks: one HEAD each, all at once.
    pub async fn missing(&self, digests: &[Digest]) -> Result<BTreeSet<Digest>> {
        let mut set = tokio::task::JoinSet::new();
        for d in digests {
            let me = self.clone();
            let d = d.clone();
            set.spawn(async move {
                let r = me
                    .send(Method::HEAD, &me.url(&format!("blobs/{d}")), &[], || {
                        empty()
                    })
                    .await?;
                match r.status {
                    s if s.is_success() => Ok((d, true)),
                    StatusCode::NOT_FOUND => Ok((d, false)),
                    s => Err(me.status_error("HEAD blob", s, &r.body)),
                }
            });
        }
        let mut missing = BTreeSet::new();
        while let Some(r) = set.join_next().await {
            let (d, present) = r.map_err(|e| Error::Failed(e.to_string()))??;
            if !present {
                missing.insert(d);
            }
        }
        Ok(missing)
    }

    /// Try to mount `blob` from the `--mount-from` repositories: true when mounted.
    pub async fn mount(&self, blob: &Blob) -> Result<bool> {
        for from in &self.inner.mount_from {
            let url = self.url(&format!("blobs/uploads/?mount={}&from={from}", blob.digest));
            let r = self.send(Method::POST, &url, &[], empty).await?;
            if r.status == StatusCode::CREATED {
                return Ok(true);
            }
            // 202: the registry opened an upload instead; it expires on its own.
        }
        Ok(false)
    }

    /// Upload one blob: open an upload session, then one PUT streaming the bytes.
    pub async fn upload(
        &self,
        blob: &Blob,
        on_bytes: Arc<dyn Fn(u64) + Send + Sync>,
    ) -> Result<()> {
        let r = self
            .send(Method::POST, &self.url("blobs/uploads/"), &[], empty)
            .await?;
        if r.status != StatusCode::ACCEPTED {
            return Err(self.status_error("POST blob upload", r.status, &r.body));
        }
        let location = r.location.ok_or_else(|| {
            Error::Failed("the registry opened an upload without a Location".into())
        })?;
        let url = upload_url(&self.inner.target.base, &location, &blob.digest);
        let len = blob.size.to_string();
        let headers = [
            (header::CONTENT_TYPE, "application/octet-stream"),
            (header::CONTENT_LENGTH, len.as_str()),
        ];
        let data = blob.data.clone();
        let size = blob.size;
        let r = self
            .send(Method::PUT, &url, &headers, || {
                BoxBody::new(FileBody {
                    data: data.clone(),
                    offset: 0,
                    size,
                    on_bytes: on_bytes.clone(),
                })
            })
            .await?;
        if r.status != StatusCode::CREATED {
            return Err(self.status_error("PUT blob", r.status, &r.body));
        }
        if let Some(d) = r.digest
            && d != blob.digest.as_str()
        {
            return Err(Error::Failed(format!(
                "the registry stored blob {d} for {}: the upload was corrupted in transit",
                blob.digest
            )));
        }
        Ok(())
    }

    /// Digest of the manifest each tag names now (computed from the bytes).
    pub async fn tags(&self, tags: &[String]) -> Result<BTreeMap<String, Digest>> {
        let accept = manifest::ACCEPTED.join(", ");
        let mut found = BTreeMap::new();
        for t in tags {
            let r = self
                .send(
                    Method::GET,
                    &self.url(&format!("manifests/{t}")),
                    &[(header::ACCEPT, accept.as_str())],
                    empty,
                )
                .await?;
            match r.status {
                s if s.is_success() => {
                    found.insert(t.clone(), Digest::of(&r.body));
                }
                StatusCode::NOT_FOUND => {}
                s => return Err(self.status_error("GET manifest", s, &r.body)),
            }
        }
        Ok(found)
    }

    /// Point `tag` at the manifest, sent byte-exact.
    pub async fn put(
        &self,
        tag: &str,
        bytes: &[u8],
        media_type: &str,
        digest: &Digest,
    ) -> Result<Put> {
        let body = Bytes::copy_from_slice(bytes);
        let r = self
            .send(
                Method::PUT,
                &self.url(&format!("manifests/{tag}")),
                &[(header::CONTENT_TYPE, media_type)],
                || full(body.clone()),
            )
            .await?;
        if r.status != StatusCode::CREATED {
            return Err(self.status_error("PUT manifest", r.status, &r.body));
        }
        if let Some(d) = r.digest
            && d != digest.as_str()
        {
            return Err(Error::Failed(format!(
                "the registry recorded the manifest as {d}, not {digest}: it rewrote the manifest"
            )));
        }
        Ok(Put::Created)
    }

    fn status_error(&self, what: &str, status: StatusCode, body: &[u8]) -> Error {
        let text = String::from_utf8_lossy(&body[..body.len().min(ERROR_BODY)]);
        let text = aws_core::output::escape_control(text.trim());
        let action = format!(
            "{what} on {}/{}",
            self.inner.target.host, self.inner.target.repo
        );
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Error::AccessDenied {
                action,
                message: format!(
                    "{status}{}; set REGISTRY_USERNAME and REGISTRY_PASSWORD",
                    if text.is_empty() {
                        String::new()
                    } else {
                        format!(": {text}")
                    }
                ),
            },
            _ => Error::Failed(format!("{action}: {status}: {text}")),
        }
    }

    /// One request, with authentication and retries. `body` builds a fresh body for
    /// each attempt.
    async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(header::HeaderName, &str)],
        body: impl Fn() -> Body,
    ) -> Result<Answer> {
        let mut authenticated = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut req = Request::builder().method(method.clone()).uri(url);
            req = req.header(
                header::USER_AGENT,
                concat!("push-to-ecr/", env!("CARGO_PKG_VERSION")),
            );
            for (k, v) in headers {
                req = req.header(k, *v);
            }
            if let Some(a) = self.inner.authorization.lock().ok().and_then(|a| a.clone()) {
                req = req.header(header::AUTHORIZATION, a);
            }
            let body = body();
            let limit = REQUEST_TIMEOUT
                + Duration::from_secs(
                    http_body::Body::size_hint(&body).lower() / UPLOAD_BYTES_PER_SECOND,
                );
            let req = req
                .body(body)
                .map_err(|e| Error::Invalid(format!("{url}: {e}")))?;
            self.inner.calls.fetch_add(1, Ordering::Relaxed);
            let sent = tokio::time::timeout(limit, self.inner.client.request(req)).await;
            let response = match sent {
                Ok(Ok(r)) => r,
                Ok(Err(e)) if attempt < ATTEMPTS && e.is_connect() => {
                    backoff(attempt).await;
                    continue;
                }
                Ok(Err(e)) => {
                    return Err(Error::Offline {
                        target: format!("{} ({method} {url})", self.inner.target.host),
                        message: aws_core::error::safe_chain(&e),
                    });
                }
                Err(_) => {
                    return Err(Error::Offline {
                        target: format!("{} ({method} {url})", self.inner.target.host),
                        message: format!("no answer within {}s", limit.as_secs()),
                    });
                }
            };
            let status = response.status();
            let header_str = |h: &str| {
                response
                    .headers()
                    .get(h)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            let challenge = header_str("www-authenticate");
            let location = header_str("location");
            let digest = header_str("docker-content-digest");
            let retry = matches!(status.as_u16(), 429 | 502 | 503 | 504);
            let body = if method == Method::HEAD {
                Bytes::new()
            } else {
                read_limited(
                    response.into_body(),
                    &format!("{} ({method} {url})", self.inner.target.host),
                )
                .await?
            };
            if status == StatusCode::UNAUTHORIZED && !authenticated {
                if let Some(c) = challenge {
                    authenticated = true;
                    self.authenticate(&c).await?;
                    continue;
                }
            }
            if retry && attempt < ATTEMPTS {
                backoff(attempt).await;
                continue;
            }
            return Ok(Answer {
                status,
                body,
                location,
                digest,
            });
        }
    }

    /// Answer a `WWW-Authenticate` challenge: Basic with the credentials, or Bearer
    /// with a token from the registry's token service.
    async fn authenticate(&self, challenge: &str) -> Result<()> {
        let (scheme, params) = parse_challenge(challenge);
        let value = if scheme.eq_ignore_ascii_case("basic") {
            self.inner.basic.clone().ok_or_else(|| Error::AccessDenied {
                action: format!("push to {}", self.inner.target.host),
                message: "the registry wants a user name and password: set REGISTRY_USERNAME and REGISTRY_PASSWORD".into(),
            })?
        } else if scheme.eq_ignore_ascii_case("bearer") {
            let realm = params
                .get("realm")
                .ok_or_else(|| Error::Failed("bearer challenge without a realm".into()))?;
            let mut url = format!(
                "{realm}?scope=repository:{}:pull,push",
                self.inner.target.repo
            );
            for from in &self.inner.mount_from {
                url.push_str(&format!("&scope=repository:{from}:pull"));
            }
            if let Some(s) = params.get("service") {
                url.push_str(&format!("&service={}", aws_core::text::percent_encode(s)));
            }
            let mut req = Request::get(&url);
            if let Some(b) = &self.inner.basic {
                req = req.header(header::AUTHORIZATION, b.as_str());
            }
            let req = req
                .body(empty())
                .map_err(|e| Error::Invalid(format!("{realm}: {e}")))?;
            self.inner.calls.fetch_add(1, Ordering::Relaxed);
            let r = tokio::time::timeout(REQUEST_TIMEOUT, self.inner.client.request(req))
                .await
                .map_err(|_| Error::Offline {
                    target: format!("token service {realm}"),
                    message: format!("no answer within {}s", REQUEST_TIMEOUT.as_secs()),
                })?
                .map_err(|e| Error::Unreachable {
                    action: format!("token service {realm}"),
                    message: aws_core::error::safe_chain(&e),
                    maybe_sent: !e.is_connect(),
                })?;
            let status = r.status();
            let body = read_limited(r.into_body(), &format!("token service {realm}")).await?;
            if !status.is_success() {
                return Err(self.status_error("token request", status, &body));
            }
            #[derive(serde::Deserialize)]
            struct Token {
                token: Option<String>,
                access_token: Option<String>,
            }
            let t: Token = serde_json::from_slice(&body)
                .map_err(|e| Error::Failed(format!("token service {realm}: {e}")))?;
            let token = t
                .token
                .or(t.access_token)
                .ok_or_else(|| Error::Failed(format!("token service {realm} sent no token")))?;
            aws_core::secrets::register(&token);
            format!("Bearer {token}")
        } else {
            return Err(Error::Failed(format!(
                "unsupported authentication scheme {scheme:?}"
            )));
        };
        let v = HeaderValue::from_str(&value).map_err(|_| {
            Error::Config("the registry credentials contain a control character".into())
        })?;
        if let Ok(mut a) = self.inner.authorization.lock() {
            *a = Some(v);
        }
        Ok(())
    }
}

struct Answer {
    status: StatusCode,
    body: Bytes,
    location: Option<String>,
    digest: Option<String>,
}

async fn backoff(attempt: u32) {
    tokio::time::sleep(aws_core::retry::backoff(attempt)).await;
}

/// The largest registry answer read (a manifest, an error, a token): OCI registries
/// refuse manifests over 4 MiB; ours are a few KiB.
const MAX_BODY: usize = 4 << 20;

/// A response body, whole: within [`REQUEST_TIMEOUT`] and [`MAX_BODY`], or an error
/// naming `what` (a stalled, oversized or broken body is never read as empty).
async fn read_limited(body: hyper::body::Incoming, what: &str) -> Result<Bytes> {
    let limited = http_body_util::Limited::new(body, MAX_BODY);
    match tokio::time::timeout(REQUEST_TIMEOUT, limited.collect()).await {
        Ok(Ok(c)) => Ok(c.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(Error::Failed(format!(
            "{what}: the answer is larger than {} MiB; not a registry answer",
            MAX_BODY >> 20
        ))),
        Ok(Err(e)) => Err(Error::Offline {
            target: what.to_string(),
            message: format!("the answer broke off: {e}"),
        }),
        Err(_) => Err(Error::Offline {
            target: what.to_string(),
            message: format!(
                "the answer stalled: no complete body within {}s",
                REQUEST_TIMEOUT.as_secs()
            ),
        }),
    }
}

fn empty() -> Body {
    full(Bytes::new())
}

fn full(b: Bytes) -> Body {
    BoxBody::new(Full::new(b).map_err(|never| match never {}))
}

/// The PUT that completes an upload: the session's Location (absolute or a path) plus
/// `digest=`.
fn upload_url(base: &str, location: &str, digest: &Digest) -> String {
    let abs = if location.starts_with("http://") || location.starts_with("https://") {
        location.to_string()
    } else {
        format!("{base}{location}")
    };
    let sep = if abs.contains('?') { '&' } else { '?' };
    format!(
        "{abs}{sep}digest={}",
        aws_core::text::percent_encode(digest.as_str())
    )
}

/// `Bearer realm="https://auth",service="registry",scope="..."` -> ("Bearer", params).
fn parse_challenge(c: &str) -> (String, BTreeMap<String, String>) {
    let c = c.trim();
    let (scheme, rest) = c.split_once(' ').unwrap_or((c, ""));
    let mut params = BTreeMap::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let Some((k, after)) = rest.split_once('=') else {
            break;
        };
        let k = k.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let (v, tail) = if let Some(q) = after.strip_prefix('"') {
            match q.find('"') {
                Some(end) => (&q[..end], &q[end + 1..]),
                None => (q, ""),
            }
        } else {
            match after.find(',') {
                Some(end) => (&after[..end], &after[end..]),
                None => (after, ""),
            }
        };
        params.insert(k, v.to_string());
        rest = tail.trim_start_matches([',', ' ']);
    }
    (scheme.to_string(), params)
}

/// A blob's bytes streamed from disk in 1 MiB frames, counting them as they go.
struct FileBody {
    data: Data,
    offset: u64,
    size: u64,
    on_bytes: Arc<dyn Fn(u64) + Send + Sync>,
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<http_body::Frame<Bytes>, std::io::Error>>> {
        if self.offset >= self.size {
            return Poll::Ready(None);
        }
        let len = (self.size - self.offset).min(1 << 20) as usize;
        // A local file read: short enough to do in place.
        match self.data.read_range(self.offset, len) {
            Ok(buf) if buf.is_empty() => Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the blob ended early",
            )))),
            Ok(buf) => {
                self.offset += buf.len() as u64;
                (self.on_bytes)(buf.len() as u64);
                Poll::Ready(Some(Ok(http_body::Frame::data(Bytes::from(buf)))))
            }
            Err(e) => Poll::Ready(Some(Err(e))),
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.size - self.offset)
    }

    fn is_end_stream(&self) -> bool {
        self.offset >= self.size
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_safe_schemes() {
        let t = Target::parse("127.0.0.1:5000/fft/app").unwrap();
        assert_eq!(t.base, "http://127.0.0.1:5000");
        assert_eq!(t.repo, "fft/app");
        assert_eq!(
            Target::parse("localhost/app").unwrap().base,
            "http://localhost"
        );
        assert_eq!(
            Target::parse("ghcr.io/me/app").unwrap().base,
            "https://ghcr.io"
        );
        assert_eq!(
            Target::parse("http://reg.lan:5000/app").unwrap().base,
            "http://reg.lan:5000"
        );
        for bad in [
            "",
            "host",
            "host/",
            "/app",
            "ftp://h/app",
            "h/App",
            "h/a b",
            "h/a\r",
            "h/-x",
            // Red team round 3, item 26: a port out of range is exit 2, not "retry later".
            "127.0.0.1:99999/x",
            "127.0.0.1:0/x",
        ] {
            assert!(Target::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Target::parse("[::1]/app").is_ok());
        assert!(Target::parse("[::1]:5000/app").is_ok());
    }

    #[test]
    fn challenges_parse() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a:pull""#,
        );
        assert_eq!(s, "Bearer");
        assert_eq!(p["realm"], "https://auth.example/token");
        assert_eq!(p["service"], "registry.example");
        assert_eq!(p["scope"], "repository:a:pull");
        let (s, p) = parse_challenge(r#"Basic realm="Registry Realm""#);
        assert_eq!(s, "Basic");
        assert_eq!(p["realm"], "Registry Realm");
        let (s, p) = parse_challenge("Basic");
        assert_eq!((s.as_str(), p.len()), ("Basic", 0));
    }

    #[test]
    fn upload_urls() {
        let d = Digest::of(b"");
        assert_eq!(
            upload_url("http://h:5000", "/v2/a/blobs/uploads/u?_state=x", &d),
            format!(
                "http://h:5000/v2/a/blobs/uploads/u?_state=x&digest=sha256%3A{}",
                d.hex()
            )
        );
        assert!(
            upload_url("http://h", "https://other/up", &d).starts_with("https://other/up?digest=")
        );
    }
}
