//! The transport: one signed POST per call, with the process's credentials, region,
//! endpoint and retry budget (from the one `SdkConfig`), classified errors, and no
//! request or response dump in any message. Two wire protocols: AWS Query (form body,
//! XML answer: EC2, RDS, ELBv2, CloudWatch) and AWS JSON 1.1 (Secrets Manager, KMS).

use aws_core::error::{Error, Result, classify_service, safe_chain};
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use aws_types::SdkConfig;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client as HttpClient;
use hyper_util::rt::TokioExecutor;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

/// How a service is reached and spoken to.
#[derive(Debug, Clone, Copy)]
pub struct Service {
    /// SigV4 signing name (`ec2`, `monitoring`, ...).
    pub signing_name: &'static str,
    /// The host prefix of the regional endpoint (`https://PREFIX.REGION.amazonaws.com`).
    pub endpoint_prefix: &'static str,
    /// The service-specific endpoint variable (`AWS_ENDPOINT_URL_EC2`, ...).
    pub endpoint_env: &'static str,
    /// The IAM prefix errors name actions with (`ec2:DescribeVolumes`).
    pub iam_prefix: &'static str,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, Copy)]
pub enum Protocol {
    /// Form-encoded `Action` and `Version`; XML answers.
    Query { version: &'static str },
    /// JSON 1.1 with `X-Amz-Target: PREFIX.Action`.
    Json { target_prefix: &'static str },
    /// REST-JSON: the method and path name the operation, JSON bodies (API Gateway v2).
    RestJson,
}

/// One request as it goes on the wire, whatever the protocol.
struct Wire<'a> {
    method: &'static str,
    url: String,
    content_type: &'static str,
    target: Option<&'a str>,
    body: String,
}

pub const EC2: Service = Service {
    signing_name: "ec2",
    endpoint_prefix: "ec2",
    endpoint_env: "AWS_ENDPOINT_URL_EC2",
    iam_prefix: "ec2",
    protocol: Protocol::Query {
        version: "2016-11-15",
    },
};
pub const RDS: Service = Service {
    signing_name: "rds",
    endpoint_prefix: "rds",
    endpoint_env: "AWS_ENDPOINT_URL_RDS",
    iam_prefix: "rds",
    protocol: Protocol::Query {
        version: "2014-10-31",
    },
};
pub const ELBV2: Service = Service {
    signing_name: "elasticloadbalancing",
    endpoint_prefix: "elasticloadbalancing",
    endpoint_env: "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
    iam_prefix: "elasticloadbalancing",
    protocol: Protocol::Query {
        version: "2015-12-01",
    },
};
pub const CLOUDWATCH: Service = Service {
    signing_name: "monitoring",
    endpoint_prefix: "monitoring",
    endpoint_env: "AWS_ENDPOINT_URL_CLOUDWATCH",
    iam_prefix: "cloudwatch",
    protocol: Protocol::Query {
        version: "2010-08-01",
    },
};
pub const SECRETS_MANAGER: Service = Service {
    signing_name: "secretsmanager",
    endpoint_prefix: "secretsmanager",
    endpoint_env: "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    iam_prefix: "secretsmanager",
    protocol: Protocol::Json {
        target_prefix: "secretsmanager",
    },
};
pub const SSM: Service = Service {
    signing_name: "ssm",
    endpoint_prefix: "ssm",
    endpoint_env: "AWS_ENDPOINT_URL_SSM",
    iam_prefix: "ssm",
    protocol: Protocol::Json {
        target_prefix: "AmazonSSM",
    },
};
pub const KMS: Service = Service {
    signing_name: "kms",
    endpoint_prefix: "kms",
    endpoint_env: "AWS_ENDPOINT_URL_KMS",
    iam_prefix: "kms",
    protocol: Protocol::Json {
        target_prefix: "TrentService",
    },
};
pub const APIGATEWAY_V2: Service = Service {
    signing_name: "apigateway",
    endpoint_prefix: "apigateway",
    endpoint_env: "AWS_ENDPOINT_URL_APIGATEWAYV2",
    iam_prefix: "apigateway",
    protocol: Protocol::RestJson,
};
/// No EC2 answer this project reads comes near this; more is not an EC2 answer.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;
/// Per attempt, unless the profile or environment sets an attempt timeout.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// The whole operation, retries included, unless the SDK config sets one (it does:
/// aws_core::sdk, 120 s, the figure docs/architecture/exit-codes.md promises).
const OPERATION_TIMEOUT: Duration = Duration::from_secs(120);

pub struct Client {
    service: Service,
    http: HttpClient<aws_core::http::Connector, Full<Bytes>>,
    endpoint: String,
    region: String,
    credentials: SharedCredentialsProvider,
    max_attempts: u32,
    attempt_timeout: Duration,
    operation_timeout: Duration,
    requests: AtomicUsize,
}

impl Client {
    /// A client of `service` in the process's region, or in `region` (a global
    /// service's home, e.g. CloudWatch billing metrics in us-east-1).
    pub fn new(sdk: &SdkConfig, service: Service, region: Option<&str>) -> Result<Client> {
        let region = match region {
            Some(r) => r.to_string(),
            None => sdk.region().ok_or(Error::NoRegion)?.to_string(),
        };
        let credentials = sdk
            .credentials_provider()
            .ok_or_else(|| Error::NoCredentials {
                detail: "no credentials provider".into(),
            })?;
        let https = aws_core::http::connector()?;
        Ok(Client {
            service,
            http: HttpClient::builder(TokioExecutor::new()).build(https),
            endpoint: endpoint(
                sdk,
                service.endpoint_prefix,
                &region,
                std::env::var(service.endpoint_env).ok(),
            ),
            region,
            credentials,
            max_attempts: sdk.retry_config().map_or(3, |r| r.max_attempts()).max(1),
            attempt_timeout: sdk
                .timeout_config()
                .and_then(|t| t.operation_attempt_timeout())
                .unwrap_or(ATTEMPT_TIMEOUT),
            operation_timeout: sdk
                .timeout_config()
                .and_then(|t| t.operation_timeout())
                .unwrap_or(OPERATION_TIMEOUT),
            requests: AtomicUsize::new(0),
        })
    }

    /// HTTP requests sent so far (retries included).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// A Query-protocol call: `action` with `params`; the XML body of the answer.
    pub async fn call(&self, action: &str, params: &[(String, String)]) -> Result<String> {
        let Protocol::Query { version } = self.service.protocol else {
            return Err(Error::Failed(format!(
                "{action}: not a Query-protocol service"
            )));
        };
        let wire = Wire {
            method: "POST",
            url: self.endpoint.clone(),
            content_type: "application/x-www-form-urlencoded; charset=utf-8",
            target: None,
            body: form(action, version, params),
        };
        self.with_retries(action, &wire).await
    }

    /// A JSON-protocol call: `action` with the `input` document; the answer's document.
    pub async fn call_json(
        &self,
        action: &str,
        input: &serde_json::Value,
    ) -> Result<serde_json::Value> {
        let Protocol::Json { target_prefix } = self.service.protocol else {
            return Err(Error::Failed(format!(
                "{action}: not a JSON-protocol service"
            )));
        };
        let target = format!("{target_prefix}.{action}");
        let wire = Wire {
            method: "POST",
            url: self.endpoint.clone(),
            content_type: "application/x-amz-json-1.1",
            target: Some(&target),
            body: input.to_string(),
        };
        let text = self.with_retries(action, &wire).await?;
        self.parse_json(action, &text)
    }

    /// A REST-JSON call: `method` on `path` (segments already percent-encoded) with an
    /// optional JSON body; the answer's document (`{}` for an empty answer).
    pub async fn call_rest(
        &self,
        action: &str,
        method: &'static str,
        path: &str,
        input: Option<&serde_json::Value>,
    ) -> Result<serde_json::Value> {
        let Protocol::RestJson = self.service.protocol else {
            return Err(Error::Failed(format!("{action}: not a REST-JSON service")));
        };
        let wire = Wire {
            method,
            url: format!("{}{}", self.endpoint, path.trim_start_matches('/')),
            content_type: "application/json",
            target: None,
            body: input.map(|v| v.to_string()).unwrap_or_default(),
        };
        let text = self.with_retries(action, &wire).await?;
        if text.trim().is_empty() {
            return Ok(serde_json::json!({}));
        }
        self.parse_json(action, &text)
    }

    fn parse_json(&self, action: &str, text: &str) -> Result<serde_json::Value> {
        serde_json::from_str(text).map_err(|_| Error::BadResponse {
            action: format!("{}:{action}", self.service.iam_prefix),
            status: 200,
        })
    }

    /// Throttling, 5xx and connections that were refused are retried with backoff,
    /// all within the operation's limit (the SDK's operation timeout, 120 s).
    async fn with_retries(&self, action: &str, wire: &Wire<'_>) -> Result<String> {
        let iam = format!("{}:{action}", self.service.iam_prefix);
        match tokio::time::timeout(self.operation_timeout, self.retrying(&iam, action, wire)).await
        {
            Ok(r) => r,
            Err(_) => Err(Error::Unreachable {
                action: iam,
                message: format!(
                    "no answer within {}s (the limit of one operation, retries included)",
                    self.operation_timeout.as_secs()
                ),
                maybe_sent: true,
            }),
        }
    }

    async fn retrying(&self, iam: &str, action: &str, wire: &Wire<'_>) -> Result<String> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.attempt(iam, wire).await;
            let retry = match &outcome {
                Err(Error::Throttled { .. }) => true,
                Err(Error::Unreachable { maybe_sent, .. }) => !maybe_sent || is_read(action),
                Err(Error::Aws { code, .. }) => {
                    code == "InternalError" || code == "Unavailable" || code == "ServiceUnavailable"
                }
                Err(Error::BadResponse { status, .. }) => *status >= 500,
                _ => false,
            };
            if !retry || attempt >= self.max_attempts {
                return outcome;
            }
            tokio::time::sleep(aws_core::retry::backoff(attempt)).await;
        }
    }

    async fn attempt(&self, iam: &str, wire: &Wire<'_>) -> Result<String> {
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
            .name(self.service.signing_name)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| Error::Failed(format!("{iam}: cannot sign the request: {e}")))?
            .into();
        let mut headers = vec![("content-type", wire.content_type)];
        if let Some(t) = wire.target {
            headers.push(("x-amz-target", t));
        }
        let signable = SignableRequest::new(
            wire.method,
            &wire.url,
            headers.iter().copied(),
            SignableBody::Bytes(wire.body.as_bytes()),
        )
        .map_err(|e| Error::Failed(format!("{iam}: cannot sign the request: {e}")))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| Error::Failed(format!("{iam}: cannot sign the request: {e}")))?
            .into_parts();
        let mut builder = http::Request::builder()
            .method(wire.method)
            .uri(&wire.url)
            .header(http::header::CONTENT_TYPE, wire.content_type)
            .header(http::header::USER_AGENT, "fargate-free-tier aws-lite");
        if let Some(t) = wire.target {
            builder = builder.header("x-amz-target", t);
        }
        let mut request = builder
            .body(Full::new(Bytes::copy_from_slice(wire.body.as_bytes())))
            .map_err(|e| Error::Config(format!("endpoint {}: {e}", wire.url)))?;
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
        // REST-JSON names the error in a header (`Code:uri`), its message in the body.
        let error_type = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(':').next().unwrap_or(v).to_string());
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
        let parsed = match self.service.protocol {
            Protocol::Json { .. } => json_error(&text),
            Protocol::Query { .. } => service_error(&text),
            Protocol::RestJson => rest_error(error_type.as_deref(), &text),
        };
        match parsed {
            Some((code, message)) => Err(classify_service(iam, &code, &message)),
            None => Err(Error::BadResponse {
                action: iam.to_string(),
                status,
            }),
        }
    }
}

/// Reads may be repeated after a lost answer; a delete may have landed and is left
/// to the caller's re-check.
fn is_read(action: &str) -> bool {
    ["Describe", "List", "Get"]
        .iter()
        .any(|p| action.starts_with(p))
}

/// The service's `AWS_ENDPOINT_URL_<SERVICE>`, else the process's endpoint
/// (`--endpoint-url`, `AWS_ENDPOINT_URL`), else the regional endpoint. All were checked
/// by preflight.
fn endpoint(sdk: &SdkConfig, prefix: &str, region: &str, service_env: Option<String>) -> String {
    let configured = service_env
        .filter(|v| !v.is_empty())
        .or_else(|| sdk.endpoint_url().map(str::to_string));
    match configured {
        Some(url) if url.ends_with('/') => url,
        Some(url) => format!("{url}/"),
        None if region.starts_with("cn-") => format!("https://{prefix}.{region}.amazonaws.com.cn/"),
        None => format!("https://{prefix}.{region}.amazonaws.com/"),
    }
}

/// The form body: `Action`, `Version`, then the parameters, percent-encoded.
fn form(action: &str, version: &str, params: &[(String, String)]) -> String {
    let mut out = format!(
        "Action={}&Version={version}",
        aws_core::text::percent_encode(action)
    );
    for (k, v) in params {
        out.push('&');
        out.push_str(&aws_core::text::percent_encode(k));
        out.push('=');
        out.push_str(&aws_core::text::percent_encode(v));
    }
    out
}

/// A JSON-protocol error: `{"__type": "namespace#Code", "message": ".."}`.
fn json_error(text: &str) -> Option<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let kind = v.get("__type")?.as_str()?;
    let code = kind
        .rsplit('#')
        .next()
        .unwrap_or(kind)
        .split(':')
        .next()
        .unwrap_or(kind);
    let message = v
        .get("message")
        .or_else(|| v.get("Message"))
        .and_then(|m| m.as_str())
        .unwrap_or_default();
    Some((code.to_string(), message.to_string()))
}

/// A REST-JSON error: the code from `x-amzn-ErrorType`, else the body's `__type`; the
/// body's `message`.
fn rest_error(header: Option<&str>, text: &str) -> Option<(String, String)> {
    let body: Option<serde_json::Value> = serde_json::from_str(text).ok();
    let message = body
        .as_ref()
        .and_then(|v| v.get("message").or_else(|| v.get("Message")))
        .and_then(|m| m.as_str())
        .unwrap_or_default()
        .to_string();
    match header.filter(|h| !h.is_empty()) {
        Some(code) => Some((code.to_string(), message)),
        None => json_error(text),
    }
}

/// `<Error><Code>..</Code><Message>..</Message>` of a Query error (EC2's
/// `<Response><Errors>`, the others' `<ErrorResponse>`).
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
            "2016-11-15",
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
        let rds = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>slow</Message></Error></ErrorResponse>";
        assert_eq!(
            service_error(rds),
            Some(("Throttling".into(), "slow".into()))
        );
        assert_eq!(
            rest_error(Some("NotFoundException"), r#"{"message":"Invalid stage"}"#),
            Some(("NotFoundException".into(), "Invalid stage".into()))
        );
        assert_eq!(rest_error(None, "<html>"), None);
        let json = r#"{"__type":"com.amazonaws.kms#AccessDeniedException","message":"no"}"#;
        assert_eq!(
            json_error(json),
            Some(("AccessDeniedException".into(), "no".into()))
        );
        assert_eq!(json_error("<html>"), None);
    }

    #[test]
    fn endpoints_follow_the_aws_precedence() {
        let sdk = SdkConfig::builder().build();
        assert_eq!(
            endpoint(&sdk, "ec2", "eu-west-1", None),
            "https://ec2.eu-west-1.amazonaws.com/"
        );
        assert_eq!(
            endpoint(&sdk, "ec2", "cn-north-1", None),
            "https://ec2.cn-north-1.amazonaws.com.cn/"
        );
        let sdk = SdkConfig::builder()
            .endpoint_url("http://127.0.0.1:5000")
            .build();
        assert_eq!(endpoint(&sdk, "ec2", "x", None), "http://127.0.0.1:5000/");
        assert_eq!(
            endpoint(&sdk, "ec2", "x", Some("http://127.0.0.1:6000/".into())),
            "http://127.0.0.1:6000/"
        );
    }

    /// Red team round 3, item 18: an endpoint that never answers held one call for
    /// 156 s (5 attempts of 30 s plus backoff). The operation's limit bounds it all.
    #[tokio::test]
    async fn an_endpoint_that_never_answers_is_bounded_by_the_operation_limit() {
        use aws_credential_types::Credentials;
        use aws_credential_types::provider::SharedCredentialsProvider;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        // Accepts, reads nothing, answers nothing.
        std::thread::spawn(move || {
            let held: Vec<_> = listener.incoming().take(20).collect();
            std::thread::sleep(Duration::from_secs(30));
            drop(held);
        });
        let sdk = SdkConfig::builder()
            .endpoint_url(format!("http://127.0.0.1:{port}"))
            .region(aws_types::region::Region::new("us-east-1"))
            .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                "AKIDTEST", "secret", None, None, "test",
            )))
            .retry_config(aws_types::sdk_config::RetryConfig::standard().with_max_attempts(5))
            .timeout_config(
                aws_types::sdk_config::TimeoutConfig::builder()
                    .operation_attempt_timeout(Duration::from_millis(400))
                    .operation_timeout(Duration::from_millis(900))
                    .build(),
            )
            .build();
        let c = Client::new(&sdk, EC2, None).expect("client");
        let started = std::time::Instant::now();
        let e = c
            .call("DescribeAddresses", &[])
            .await
            .expect_err("no answer");
        assert!(
            started.elapsed() < Duration::from_millis(1800),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(e.exit_code(), aws_core::ExitCode::Unavailable, "{e}");
    }
}
