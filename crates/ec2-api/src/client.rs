//! The transport: one signed POST per call, with the process's credentials, region,
//! endpoint and retry budget (from the one `SdkConfig`), classified errors, and no
//! request or response dump in any message.

use aws_core::error::{Error, Result, classify_service, safe_chain};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use aws_types::SdkConfig;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

/// The EC2 API version every call names (the one the SDKs use).
const API_VERSION: &str = "2016-11-15";
/// No EC2 answer this project reads comes near this; more is not an EC2 answer.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// Per attempt, unless the profile or environment sets an attempt timeout.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Client {
    http: HttpClient<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    endpoint: String,
    region: String,
    credentials: SharedCredentialsProvider,
    max_attempts: u32,
    attempt_timeout: Duration,
    requests: AtomicUsize,
}

impl Client {
    pub fn new(sdk: &SdkConfig) -> Result<Client> {
        let region = sdk.region().ok_or(Error::NoRegion)?.to_string();
        let credentials = sdk
            .credentials_provider()
            .ok_or_else(|| Error::NoCredentials {
                detail: "no credentials provider".into(),
            })?;
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| Error::Config(format!("cannot load the system's trust roots: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        Ok(Client {
            http: HttpClient::builder(TokioExecutor::new()).build(https),
            endpoint: endpoint(sdk, &region, std::env::var("AWS_ENDPOINT_URL_EC2").ok()),
            region,
            credentials,
            max_attempts: sdk.retry_config().map_or(3, |r| r.max_attempts()).max(1),
            attempt_timeout: sdk
                .timeout_config()
                .and_then(|t| t.operation_attempt_timeout())
                .unwrap_or(ATTEMPT_TIMEOUT),
            requests: AtomicUsize::new(0),
        })
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// Call `action` with `params`; the XML body of a successful answer. Throttling,
    /// 5xx and connections that were refused are retried with backoff.
    pub async fn call(&self, action: &str, params: &[(String, String)]) -> Result<String> {
        let iam = format!("ec2:{action}");
        let body = form(action, params);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.attempt(&iam, &body).await;
            let retry = match &outcome {
                Err(Error::Throttled { .. }) => true,
                Err(Error::Unreachable { maybe_sent, .. }) => !maybe_sent || is_read(action),
                Err(Error::Aws { code, .. }) => code == "InternalError" || code == "Unavailable",
                Err(Error::BadResponse { status, .. }) => *status >= 500,
                _ => false,
            };
            if !retry || attempt >= self.max_attempts {
                return outcome;
            }
            // 0.2 s, 0.4 s, 0.8 s ... capped at 5 s: the SDK's standard retry spacing.
            let backoff = Duration::from_millis(200u64.saturating_mul(1 << attempt.min(5)));
            tokio::time::sleep(backoff.min(Duration::from_secs(5))).await;
        }
    }

    async fn attempt(&self, iam: &str, body: &str) -> Result<String> {
        let credentials = self.credentials.provide_credentials().await.map_err(|e| {
            let chain = safe_chain(&e);
            if chain.to_ascii_lowercase().contains("expired") {
                Error::ExpiredSession { detail: chain }
            } else {
                Error::NoCredentials { detail: chain }
            }
        })?;
        let identity: Identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("ec2")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| Error::Failed(format!("{iam}: cannot sign the request: {e}")))?
            .into();
        let headers = [(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )];
        let signable = SignableRequest::new(
            "POST",
            &self.endpoint,
            headers.iter().copied(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| Error::Failed(format!("{iam}: cannot sign the request: {e}")))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| Error::Failed(format!("{iam}: cannot sign the request: {e}")))?
            .into_parts();
        let mut request = http::Request::post(&self.endpoint)
            .header(http::header::CONTENT_TYPE, headers[0].1)
            .header(http::header::USER_AGENT, "fargate-free-tier ec2-api")
            .body(Full::new(Bytes::copy_from_slice(body.as_bytes())))
            .map_err(|e| Error::Config(format!("EC2 endpoint {}: {e}", self.endpoint)))?;
        instructions.apply_to_request_http1x(&mut request);

        self.requests.fetch_add(1, Ordering::Relaxed);
        let unreachable = |message: String, maybe_sent: bool| Error::Unreachable {
            action: iam.to_string(),
            message,
            maybe_sent,
        };
        let response =
            match tokio::time::timeout(self.attempt_timeout, self.http.request(request)).await {
                Err(_) => {
                    let secs = self.attempt_timeout.as_secs_f32();
                    return Err(unreachable(format!("no answer within {secs}s"), true));
                }
                Ok(Err(e)) => {
                    let sent = !e.is_connect();
                    return Err(unreachable(safe_chain(&e), sent));
                }
                Ok(Ok(response)) => response,
            };
        let status = response.status().as_u16();
        let text = match tokio::time::timeout(
            self.attempt_timeout,
            Limited::new(response.into_body(), MAX_RESPONSE_BYTES).collect(),
        )
        .await
        {
            Err(_) => return Err(unreachable("the answer stopped mid-way".into(), true)),
            Ok(Err(e)) => return Err(unreachable(e.to_string(), true)),
            Ok(Ok(collected)) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
        };
        if (200..300).contains(&status) {
            return Ok(text);
        }
        match service_error(&text) {
            Some((code, message)) => Err(classify_service(iam, &code, &message)),
            None => Err(Error::BadResponse {
                action: iam.to_string(),
                status,
            }),
        }
    }
}

/// Describe calls may be repeated after a lost answer; a delete may have landed and
/// is left to the caller's re-check.
fn is_read(action: &str) -> bool {
    action.starts_with("Describe")
}

/// `AWS_ENDPOINT_URL_EC2`, else the process's endpoint (`--endpoint-url`,
/// `AWS_ENDPOINT_URL`), else EC2's regional endpoint. All were checked by preflight.
fn endpoint(sdk: &SdkConfig, region: &str, service_env: Option<String>) -> String {
    let configured = service_env
        .filter(|v| !v.is_empty())
        .or_else(|| sdk.endpoint_url().map(str::to_string));
    match configured {
        Some(url) if url.ends_with('/') => url,
        Some(url) => format!("{url}/"),
        None if region.starts_with("cn-") => format!("https://ec2.{region}.amazonaws.com.cn/"),
        None => format!("https://ec2.{region}.amazonaws.com/"),
    }
}

/// The form body: `Action`, `Version`, then the parameters, percent-encoded.
fn form(action: &str, params: &[(String, String)]) -> String {
    let mut out = format!("Action={}&Version={API_VERSION}", encode(action));
    for (k, v) in params {
        out.push('&');
        out.push_str(&encode(k));
        out.push('=');
        out.push_str(&encode(v));
    }
    out
}

/// RFC 3986 unreserved characters stay; everything else is %XX (what SigV4 expects).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `<Response><Errors><Error><Code>..</Code><Message>..</Message>` of an EC2 error.
fn service_error(xml: &str) -> Option<(String, String)> {
    let doc = roxmltree::Document::parse(xml).ok()?;
    let error = doc.descendants().find(|n| n.has_tag_name("Error"))?;
    let field = |name: &str| {
        error
            .children()
            .find(|c| c.has_tag_name(name))
            .and_then(|c| c.text())
            .map(str::to_string)
    };
    Some((field("Code")?, field("Message").unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_are_percent_encoded() {
        let body = form(
            "DescribeVolumes",
            &[
                ("Filter.1.Name".into(), "tag:project".into()),
                ("Filter.1.Value.1".into(), "a b&c=d/é".into()),
            ],
        );
        assert_eq!(
            body,
            "Action=DescribeVolumes&Version=2016-11-15&Filter.1.Name=tag%3Aproject\
             &Filter.1.Value.1=a%20b%26c%3Dd%2F%C3%A9"
        );
    }

    #[test]
    fn service_errors_are_read_from_the_xml() {
        let xml = "<?xml version=\"1.0\"?><Response><Errors><Error><Code>UnauthorizedOperation\
                   </Code><Message>not allowed</Message></Error></Errors><RequestID>r</RequestID>\
                   </Response>";
        let (code, message) = service_error(xml).expect("parsed");
        assert_eq!(code.trim(), "UnauthorizedOperation");
        assert_eq!(message, "not allowed");
        assert_eq!(service_error("<html>gateway</html>"), None);
        assert_eq!(service_error("not xml"), None);
    }

    #[test]
    fn endpoints_follow_the_aws_precedence() {
        let sdk = SdkConfig::builder().build();
        assert_eq!(
            endpoint(&sdk, "eu-west-1", None),
            "https://ec2.eu-west-1.amazonaws.com/"
        );
        assert_eq!(
            endpoint(&sdk, "cn-north-1", None),
            "https://ec2.cn-north-1.amazonaws.com.cn/"
        );
        let sdk = SdkConfig::builder()
            .endpoint_url("http://127.0.0.1:5000")
            .build();
        assert_eq!(endpoint(&sdk, "x", None), "http://127.0.0.1:5000/");
        assert_eq!(
            endpoint(&sdk, "x", Some("http://127.0.0.1:6000/".into())),
            "http://127.0.0.1:6000/"
        );
    }
}
