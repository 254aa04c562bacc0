//! One error type for every tool, each variant with the next step for the user.

use crate::exit::ExitCode;
#[cfg(feature = "sdk")]
use aws_smithy_runtime_api::client::result::SdkError;
#[cfg(feature = "sdk")]
use aws_smithy_runtime_api::http::Response as HttpResponse;
#[cfg(feature = "sdk")]
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad argument or input; nothing was sent to AWS.
    #[error("{0}")]
    Invalid(String),

    /// Bad input found by a typed error of a library (a parser, a loader), kept as
    /// it is so its causes stay inspectable; exit 2 like [`Error::Invalid`].
    #[error(transparent)]
    Input(Box<dyn std::error::Error + Send + Sync>),

    /// fargate.toml (or another config file) is unreadable or wrong.
    #[error("{0}")]
    Config(String),

    #[error("no AWS region configured")]
    NoRegion,

    #[error("no AWS credentials found: {detail}")]
    NoCredentials { detail: String },

    #[error("the AWS session has expired: {detail}")]
    ExpiredSession { detail: String },

    /// AWS rejected the credentials themselves (unknown key, bad signature).
    #[error("AWS rejected the credentials: {detail}")]
    BadCredentials { detail: String },

    /// The endpoint answered, but not with anything an AWS service says.
    #[error(
        "{action}: the endpoint answered HTTP {status} with a response that is not an AWS API response"
    )]
    BadResponse { action: String, status: u16 },

    #[error("access denied to {action}: {message}")]
    AccessDenied { action: String, message: String },

    #[error("{what} not found")]
    NotFound { what: String, hint: Option<String> },

    /// Declined, or refused by a guard (its message says what would allow it).
    #[error("{0}")]
    Aborted(String),

    /// A confirmation was needed and there was no terminal to ask on.
    #[error("{0}")]
    NeedsConfirmation(String),

    #[error("AWS throttled {action} and retries ran out: {message}")]
    Throttled { action: String, message: String },

    /// No answer. `maybe_sent`: the request may have reached AWS (a timeout or a
    /// connection lost mid-call), so a write's outcome is unknown.
    #[error("could not reach AWS for {action}: {message}")]
    Unreachable {
        action: String,
        message: String,
        maybe_sent: bool,
    },

    /// A server that is not AWS (an OCI registry, a token service) did not answer.
    #[error("could not reach {target}: {message}")]
    Offline { target: String, message: String },

    #[error("{action} failed: {code}: {message}")]
    Aws {
        action: String,
        code: String,
        message: String,
    },

    /// A check failed (differences found, over budget); message already printed.
    #[error("{0}")]
    CheckFailed(String),

    /// A check could not be made because its input is incomplete (an estimate with
    /// resources it could not price): never passed on what was not checked.
    #[error("{0}")]
    Incomplete(String),

    /// Anything else that went wrong, with context.
    #[error("{0}")]
    Failed(String),

    /// A signal was passed on to a child process, which then stopped: the process
    /// ends with 128 + `signal`, as if the signal had ended it, after saying what
    /// was done.
    #[error("{message}")]
    Interrupted { signal: i32, message: String },

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::Invalid(msg.into())
    }

    /// Bad input, as the typed error that found it.
    pub fn input(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Input(Box::new(e))
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Invalid(_) | Error::Input(_) => ExitCode::Usage,
            Error::Config(_) | Error::NoRegion | Error::NoCredentials { .. } => ExitCode::Config,
            Error::ExpiredSession { .. }
            | Error::AccessDenied { .. }
            | Error::BadCredentials { .. } => ExitCode::Auth,
            Error::NotFound { .. } => ExitCode::NotFound,
            Error::Aborted(_) | Error::NeedsConfirmation(_) => ExitCode::Aborted,
            Error::Interrupted { .. } => ExitCode::Failure,
            Error::Throttled { .. } | Error::Unreachable { .. } | Error::Offline { .. } => {
                ExitCode::Unavailable
            }
            Error::CheckFailed(_) => ExitCode::CheckFailed,
            Error::Incomplete(_) => ExitCode::Incomplete,
            Error::Aws { .. } | Error::BadResponse { .. } | Error::Failed(_) | Error::Io { .. } => {
                ExitCode::Failure
            }
        }
    }

    /// What the user should do next, when we know.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NoRegion => Some(
                "pass --region, set AWS_REGION, set `region` for the environment in fargate.toml, \
                 or add `region = ...` to your AWS profile"
                    .into(),
            ),
            Error::NoCredentials { .. } => Some(
                "run `aws sso login --profile NAME` and pass --profile NAME (or set AWS_PROFILE); \
                 in CI use an OIDC role; long-lived access keys are discouraged"
                    .into(),
            ),
            Error::ExpiredSession { .. } => {
                Some("run `aws sso login` (with --profile NAME if you use one), then retry".into())
            }
            Error::AccessDenied { action, .. } => Some(format!(
                "grant `{action}` to the role or user you are using (see terraform/global for the \
                 least-privilege policies), or switch with --profile"
            )),
            Error::NotFound { hint, .. } => hint.clone(),
            Error::BadCredentials { .. } => Some(
                "the access key, secret or session token is wrong or deleted (look for a stray \
                 space or line ending), or belongs to another partition; with a profile, run \
                 `aws sso login` or check `aws configure list`"
                    .into(),
            ),
            Error::BadResponse { .. } => Some(
                "check --endpoint-url / AWS_ENDPOINT_URL: it must point at AWS or an emulator of it"
                    .into(),
            ),
            Error::Throttled { .. } => Some(
                "wait a minute and run the same command again; raise AWS_MAX_ATTEMPTS to retry longer"
                    .into(),
            ),
            Error::Unreachable { .. } => Some(
                "check your network and --endpoint-url / AWS_ENDPOINT_URL (for the local emulator: \
                 `cargo xtask emulator`)"
                    .into(),
            ),
            Error::Offline { .. } => {
                Some("check the address and that the server is running, then retry".into())
            }
            Error::NeedsConfirmation(_) => Some("pass --yes to confirm without a prompt".into()),
            Error::Incomplete(_) => Some(
                "make every item priceable (run `terraform init` so modules can be read, or estimate \
                 `terraform show -json` of a plan with --plan), or price the rest yourself and raise \
                 --max-monthly by it"
                    .into(),
            ),
            _ => None,
        }
    }

    /// Whether a failed write may still have been carried out (the request left,
    /// no answer came back): report it as "outcome unknown", never "not written".
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            Error::Unreachable {
                maybe_sent: true,
                ..
            } | Error::BadResponse { .. }
        )
    }

    /// Classify an SDK error. `action` is the IAM action, e.g. `ssm:PutParameter`,
    /// so an access-denied error can name what is missing.
    ///
    /// Only service error codes and messages and the `Display` text of the error
    /// chain are kept, scrubbed of anything that looks like a request or response
    /// dump: the SDK's debug output of a request includes its body, which for
    /// `PutParameter` is the secret value.
    #[cfg(feature = "sdk")]
    pub fn from_sdk<E>(action: &str, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match &err {
            SdkError::ServiceError(ctx) => {
                let e = ctx.err();
                match e.code() {
                    Some(code) => classify_service(action, code, e.message().unwrap_or("")),
                    None => Error::BadResponse {
                        action: action.into(),
                        status: ctx.raw().status().as_u16(),
                    },
                }
            }
            SdkError::ResponseError(ctx) => Error::BadResponse {
                action: action.into(),
                status: ctx.raw().status().as_u16(),
            },
            SdkError::TimeoutError(_) => Error::Unreachable {
                action: action.into(),
                message: "timed out".into(),
                maybe_sent: true,
            },
            SdkError::DispatchFailure(d) => {
                let chain = safe_chain(&err);
                if d.is_timeout() || d.is_io() {
                    Error::Unreachable {
                        action: action.into(),
                        maybe_sent: !nothing_sent(&chain),
                        message: chain,
                    }
                } else {
                    classify_local(action, &chain, true)
                }
            }
            _ => classify_local(action, &safe_chain(&err), false),
        }
    }
}

/// The `Display` text of an error and its sources, on one line, with request and
/// response dumps cut off and registered secrets masked.
pub fn safe_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        let text = scrub(&e.to_string());
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = e.source();
    }
    short_chain(&crate::secrets::redact(&parts.join(": ")))
}

/// Cut a message at the first sign of a request/response dump (Debug output of
/// `Request`, `Response`, headers or a body).
fn scrub(text: &str) -> String {
    const MARKERS: [&str; 9] = [
        "Request {",
        "Response {",
        "request: ",
        "response: ",
        "body:",
        "SdkBody",
        "headers:",
        "\"Value\"",
        "HttpRequest",
    ];
    let cut = MARKERS
        .iter()
        .filter_map(|m| text.find(m))
        .min()
        .unwrap_or(text.len());
    let kept = text[..cut].trim_end_matches([' ', ':', '(', ',', '{']);
    if cut < text.len() {
        format!("{kept} (request details withheld)")
    } else {
        kept.to_string()
    }
}

/// Errors that are not an AWS answer: credentials, region, transport. `may_have_left`:
/// the request could have reached AWS (a dispatch failure), so an unclassified error
/// is "outcome unknown" unless its text shows nothing was sent; a request that could
/// not even be built never left.
#[cfg_attr(not(feature = "sdk"), allow(dead_code))]
fn classify_local(action: &str, chain: &str, may_have_left: bool) -> Error {
    let lower = chain.to_ascii_lowercase();
    if lower.contains("expired") && (lower.contains("sso") || lower.contains("token")) {
        Error::ExpiredSession {
            detail: short_chain(chain),
        }
    } else if lower.contains("credential") {
        // The provider chain's error is long; its first clause says enough.
        let first = chain.split(" (").next().unwrap_or(chain);
        Error::NoCredentials {
            detail: short_chain(first),
        }
    } else if lower.contains("region") && (lower.contains("missing") || lower.contains("no region"))
    {
        Error::NoRegion
    } else {
        Error::Unreachable {
            action: action.into(),
            message: short_chain(chain),
            maybe_sent: may_have_left && !nothing_sent(chain),
        }
    }
}

/// Whether a transport error happened before the request left (no connection, no
/// name resolution, no credentials): then a write certainly did not happen.
#[cfg_attr(not(feature = "sdk"), allow(dead_code))]
fn nothing_sent(chain: &str) -> bool {
    let lower = chain.to_ascii_lowercase();
    [
        "(connect)",
        "connection refused",
        "dns error",
        "failed to lookup",
        "credential",
    ]
    .iter()
    .any(|m| lower.contains(m))
}

/// Map an AWS error code to a variant. Shared by all services.
pub fn classify_service(action: &str, code: &str, message: &str) -> Error {
    let action_s = action.to_string();
    match code {
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "AuthorizationError" => Error::AccessDenied {
            action: action_s,
            message: message.into(),
        },
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => Error::ExpiredSession {
            detail: message.into(),
        },
        "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch"
        | "InvalidAccessKeyId" => Error::BadCredentials {
            detail: format!("{code}: {message}"),
        },
        "Throttling"
        | "ThrottlingException"
        | "ThrottledException"
        | "TooManyRequestsException"
        | "RequestLimitExceeded"
        | "RequestThrottled"
        | "RequestThrottledException" => Error::Throttled {
            action: action_s,
            message: message.into(),
        },
        _ => Error::Aws {
            action: action_s,
            code: code.into(),
            message: message.into(),
        },
    }
}

/// The SDK's error chains repeat themselves; keep them on one readable line.
fn short_chain(chain: &str) -> String {
    let one_line = chain.replace('\n', " ");
    if one_line.len() > 400 {
        let mut end = 400;
        while !one_line.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}...", &one_line[..end])
    } else {
        one_line
    }
}

/// `NotFound` as `None`: a listing of something that may not exist (a cluster, a
/// repository) says so without an error; every other error stays one.
pub fn found<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(Error::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_names_the_action() {
        let e = classify_service("ssm:PutParameter", "AccessDeniedException", "not allowed");
        assert_eq!(e.exit_code(), ExitCode::Auth);
        assert!(e.to_string().contains("ssm:PutParameter"));
        assert!(e.hint().unwrap_or_default().contains("ssm:PutParameter"));
    }

    #[test]
    fn throttling_is_retryable_later() {
        let e = classify_service(
            "ssm:GetParametersByPath",
            "ThrottlingException",
            "Rate exceeded",
        );
        assert_eq!(e.exit_code(), ExitCode::Unavailable);
    }

    #[test]
    fn expired_sso_is_auth() {
        let e = classify_local(
            "ssm:GetParameter",
            "failed to load credentials: the SSO token has expired",
            true,
        );
        assert!(matches!(e, Error::ExpiredSession { .. }));
        assert_eq!(e.exit_code(), ExitCode::Auth);
    }

    #[test]
    fn missing_credentials_is_config() {
        let e = classify_local(
            "ssm:GetParameter",
            "no credentials provider was configured",
            true,
        );
        assert!(matches!(e, Error::NoCredentials { .. }));
        assert_eq!(e.exit_code(), ExitCode::Config);
        assert!(e.hint().is_some());
    }

    #[test]
    fn only_a_request_that_may_have_left_has_an_unknown_outcome() {
        let lost = classify_local(
            "ssm:PutParameter",
            "connection closed before message completed",
            true,
        );
        assert!(lost.outcome_unknown());
        let refused = classify_local("ssm:PutParameter", "client error (Connect): refused", true);
        assert!(!refused.outcome_unknown());
        let unbuilt = classify_local("ssm:PutParameter", "invalid URI", false);
        assert!(!unbuilt.outcome_unknown());
    }

    #[test]
    fn rejected_credentials_are_not_access_denied() {
        let e = classify_service(
            "ssm:GetParameter",
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        );
        assert!(matches!(e, Error::BadCredentials { .. }), "{e:?}");
        assert_eq!(e.exit_code(), ExitCode::Auth);
    }

    #[test]
    fn dumps_are_cut_from_messages() {
        let s = scrub(r#"failed to construct request: Request { body: SdkBody { "Value":"x" } }"#);
        assert_eq!(s, "failed to construct (request details withheld)");
        assert_eq!(scrub("plain words"), "plain words");
    }

    #[test]
    fn unknown_code_keeps_code_and_message() {
        let e = classify_service("ssm:PutParameter", "ParameterLimitExceeded", "too many");
        assert_eq!(
            e.to_string(),
            "ssm:PutParameter failed: ParameterLimitExceeded: too many"
        );
    }
}
