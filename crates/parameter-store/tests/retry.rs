//! Throttling and partial failure of bulk writes, at the SDK level (aws-smithy-mocks):
//! moto never throttles, so the retry path is driven by scripted responses.

use aws_sdk_ssm::config::retry::RetryConfig;
use aws_sdk_ssm::operation::put_parameter::PutParameterOutput;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use parameter_store::model::{ParamType, Tier};
use parameter_store::store::Store;
use parameter_store::sync::{Action, Report, Step, apply};
use std::time::Duration;

const THROTTLED: &str = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;

fn step(name: &str) -> Step {
    Step {
        name: name.into(),
        value: "v".into(),
        kind: ParamType::SecureString,
        action: Action::Create,
    }
}

fn fast_retries(attempts: u32) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(1))
}

#[tokio::test]
async fn throttled_writes_are_retried_until_they_succeed() {
    let put = mock!(aws_sdk_ssm::Client::put_parameter)
        .sequence()
        .http_status(400, Some(THROTTLED.into()))
        .times(2)
        .output(|| PutParameterOutput::builder().version(1).build())
        .build();
    let client = mock_client!(aws_sdk_ssm, RuleMode::Sequential, &[&put], |b| b
        .retry_config(fast_retries(3)));
    let store = Store::new(client, "us-east-1");
    let report = apply(
        &store,
        vec![step("/app/dev/a")],
        Tier::Standard,
        Report::default(),
    )
    .await;
    assert_eq!(report.created, vec!["/app/dev/a".to_string()]);
    assert!(report.ok());
    assert_eq!(put.num_calls(), 3, "two throttled attempts, then success");
}

#[tokio::test]
async fn writes_throttled_past_retries_are_reported_and_the_rest_continue() {
    let throttled = mock!(aws_sdk_ssm::Client::put_parameter)
        .match_requests(|r| r.name() == Some("/app/dev/a"))
        .sequence()
        .http_status(400, Some(THROTTLED.into()))
        .repeatedly()
        .build();
    let ok = mock!(aws_sdk_ssm::Client::put_parameter)
        .match_requests(|r| r.name() == Some("/app/dev/b"))
        .then_output(|| PutParameterOutput::builder().version(1).build());
    let client = mock_client!(aws_sdk_ssm, RuleMode::MatchAny, &[&throttled, &ok], |b| b
        .retry_config(fast_retries(2)));
    let store = Store::new(client, "us-east-1");
    let report = apply(
        &store,
        vec![step("/app/dev/a"), step("/app/dev/b")],
        Tier::Standard,
        Report::default(),
    )
    .await;
    assert_eq!(report.created, vec!["/app/dev/b".to_string()]);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].name, "/app/dev/a");
    assert!(
        report.failed[0].error.contains("throttled"),
        "{:?}",
        report.failed
    );
    assert!(!report.ok());
    assert_eq!(throttled.num_calls(), 2);
}

#[tokio::test]
async fn access_denied_stops_the_run_and_lists_what_was_not_attempted() {
    let denied = mock!(aws_sdk_ssm::Client::put_parameter)
        .sequence()
        .http_status(
            400,
            Some(r#"{"__type":"AccessDeniedException","message":"not authorized"}"#.into()),
        )
        .repeatedly()
        .build();
    let client = mock_client!(aws_sdk_ssm, RuleMode::Sequential, &[&denied], |b| b
        .retry_config(fast_retries(2)));
    let store = Store::new(client, "us-east-1");
    let names = ["a", "b", "c", "d", "e", "f"].map(|n| format!("/app/dev/{n}"));
    let report = apply(
        &store,
        names.iter().map(|n| step(n)).collect(),
        Tier::Standard,
        Report::default(),
    )
    .await;
    // The first window of writes was in flight together; nothing after it is sent.
    let window = parameter_store::sync::WRITE_CONCURRENCY;
    assert_eq!(report.failed.len(), window);
    assert!(report.failed[0].error.contains("ssm:PutParameter"));
    assert_eq!(report.not_attempted, names[window..].to_vec());
    assert_eq!(denied.num_calls(), window, "access denied is not retried");
}
