//! One error type for every tool, each variant with the next step for the user.

use crate::exit::ExitCode;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad argument or input; nothing was sent to AWS.
    #[error("{0}")]
    Invalid(String),

    /// fargate.toml (or another config file) is unreadable or wrong.
    #[error("{0}")]
    Config(String),

    #[error("no AWS region configured")]
    NoRegion,

    #[error("no AWS credentials found: {detail}")]
    NoCredentials { detail: String },

    #[error("the AWS session has expired: {detail}")]
    ExpiredSession { detail: String },

    #[error("access denied to {action}: {message}")]
    AccessDenied { action: String, message: String },

    #[error("{what} not found")]
    NotFound { what: String, hint: Option<String> },

    #[error("{0}")]
    Aborted(String),

    #[error("AWS throttled {action} and retries ran out: {message}")]
    Throttled { action: String, message: String },

    #[error("could not reach AWS for {action}: {message}")]
    Unreachable { action: String, message: String },

    #[error("{action} failed: {code}: {message}")]
    Aws {
        action: String,
        code: String,
        message: String,
    },

    /// A check failed (differences found, over budget); message already printed.
    #[error("{0}")]
    CheckFailed(String),

    /// Anything else that went wrong, with context.
    #[error("{0}")]
    Failed(String),

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

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Invalid(_) => ExitCode::Usage,
            Error::Config(_) | Error::NoRegion | Error::NoCredentials { .. } => ExitCode::Config,
            Error::ExpiredSession { .. } | Error::AccessDenied { .. } => ExitCode::Auth,
            Error::NotFound { .. } => ExitCode::NotFound,
            Error::Aborted(_) => ExitCode::Aborted,
            Error::Throttled { .. } | Error::Unreachable { .. } => ExitCode::Unavailable,
            Error::CheckFailed(_) => ExitCode::CheckFailed,
            Error::Aws { .. } | Error::Failed(_) | Error::Io { .. } => ExitCode::Failure,
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
            Error::Throttled { .. } => Some(
                "wait a minute and run the same command again; raise AWS_MAX_ATTEMPTS to retry longer"
                    .into(),
            ),
            Error::Unreachable { .. } => Some(
                "check your network and --endpoint-url / AWS_ENDPOINT_URL (for the local emulator: \
                 `cargo xtask emulator`)"
                    .into(),
            ),
            Error::Aborted(_) => Some("pass --yes to confirm without a prompt".into()),
            _ => None,
        }
    }

    /// Classify an SDK error. `action` is the IAM action, e.g. `ssm:PutParameter`,
    /// so an access-denied error can name what is missing.
    pub fn from_sdk<E, R>(action: &str, err: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        let chain = DisplayErrorContext(&err).to_string();
        match &err {
            SdkError::ServiceError(ctx) => {
                let e = ctx.err();
                classify_service(
                    action,
                    e.code().unwrap_or("Unknown"),
                    e.message().unwrap_or(""),
                )
            }
            SdkError::ConstructionFailure(_) => classify_local(action, &chain),
            SdkError::TimeoutError(_) => Error::Unreachable {
                action: action.into(),
                message: "timed out".into(),
            },
            SdkError::DispatchFailure(d) => {
                if d.is_timeout() || d.is_io() {
                    Error::Unreachable {
                        action: action.into(),
                        message: short_chain(&chain),
                    }
                } else {
                    classify_local(action, &chain)
                }
            }
            _ => classify_local(action, &chain),
        }
    }
}

/// Errors raised before a request leaves the machine: credentials, region...
fn classify_local(action: &str, chain: &str) -> Error {
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
        }
    }
}

/// Map an AWS error code to a variant. Shared by all services.
pub fn classify_service(action: &str, code: &str, message: &str) -> Error {
    let action_s = action.to_string();
    match code {
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "UnrecognizedClientException"
        | "AuthorizationError" => Error::AccessDenied {
            action: action_s,
            message: message.into(),
        },
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => Error::ExpiredSession {
            detail: message.into(),
        },
        "InvalidClientTokenId" | "InvalidSignatureException" | "SignatureDoesNotMatch" => {
            Error::NoCredentials {
                detail: format!("{code}: {message}"),
            }
        }
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
        );
        assert!(matches!(e, Error::ExpiredSession { .. }));
        assert_eq!(e.exit_code(), ExitCode::Auth);
    }

    #[test]
    fn missing_credentials_is_config() {
        let e = classify_local("ssm:GetParameter", "no credentials provider was configured");
        assert!(matches!(e, Error::NoCredentials { .. }));
        assert_eq!(e.exit_code(), ExitCode::Config);
        assert!(e.hint().is_some());
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
