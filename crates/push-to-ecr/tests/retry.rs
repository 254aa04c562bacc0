//! What moto cannot do, driven through the ECR adapter with aws-smithy-mocks:
//! throttled part uploads (retried by the SDK), a part whose first attempt did arrive,
//! a layer that another push completed first, and a server that stores other bytes.

#![allow(clippy::unwrap_used)]

use aws_sdk_ecr::config::retry::RetryConfig;
use aws_sdk_ecr::operation::complete_layer_upload::CompleteLayerUploadOutput;
use aws_sdk_ecr::operation::initiate_layer_upload::InitiateLayerUploadOutput;
use aws_sdk_ecr::operation::upload_layer_part::UploadLayerPartOutput;
use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, mock};
use push_to_ecr::digest::Digest;
use push_to_ecr::ecr::Ecr;
use push_to_ecr::prepare::{Blob, Data};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const THROTTLED: &str = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;

fn blob(size: usize) -> Blob {
    let bytes = vec![7u8; size];
    Blob {
        digest: Digest::of(&bytes),
        size: size as u64,
        media_type: "application/vnd.docker.image.rootfs.diff.tar.gzip".into(),
        data: Data::Memory(Arc::new(bytes)),
    }
}

fn retries(attempts: u32) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(1))
}

/// What `mock_client!` builds, with the test defaults aws-sdk-ecr 1.82 has (the
/// macro wants a newer SDK than the workspace's MSRV allows).
fn client(rules: &[&Rule], attempts: u32) -> aws_sdk_ecr::Client {
    let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
    for r in rules {
        interceptor = interceptor.with_rule(r);
    }
    aws_sdk_ecr::Client::from_conf(
        aws_sdk_ecr::Config::builder()
            .with_test_defaults()
            .region(aws_sdk_ecr::config::Region::new("us-east-1"))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(interceptor)
            .retry_config(retries(attempts))
            .build(),
    )
}

fn initiate() -> Rule {
    mock!(aws_sdk_ecr::Client::initiate_layer_upload).then_output(|| {
        InitiateLayerUploadOutput::builder()
            .upload_id("u1")
            .part_size(5 << 20)
            .build()
    })
}

#[tokio::test]
async fn throttled_parts_are_retried_and_parts_follow_ecrs_size() {
    let b = blob((5 << 20) + 10); // two parts: 5 MiB and 10 bytes
    let d = b.digest.to_string();
    let init = initiate();
    let part = mock!(aws_sdk_ecr::Client::upload_layer_part)
        .sequence()
        .http_status(400, Some(THROTTLED.into()))
        .times(2)
        .output(|| UploadLayerPartOutput::builder().build())
        .times(2)
        .build();
    let done = mock!(aws_sdk_ecr::Client::complete_layer_upload).then_output(move || {
        CompleteLayerUploadOutput::builder()
            .layer_digest(d.clone())
            .build()
    });
    let client = client(&[&init, &part, &done], 3);
    let ecr = Ecr::from_client(client, "fft/app");
    let sent = AtomicU64::new(0);
    ecr.upload(&b, &|n| {
        sent.fetch_add(n, Ordering::Relaxed);
    })
    .await
    .unwrap();
    assert_eq!(
        part.num_calls(),
        4,
        "two throttled attempts, then two parts"
    );
    assert_eq!(sent.load(Ordering::Relaxed), b.size);
    assert_eq!(done.num_calls(), 1);
}

#[tokio::test]
async fn throttling_past_the_retries_is_exit_7() {
    let b = blob(100);
    let init = initiate();
    let part = mock!(aws_sdk_ecr::Client::upload_layer_part)
        .sequence()
        .http_status(400, Some(THROTTLED.into()))
        .repeatedly()
        .build();
    let client = client(&[&init, &part], 2);
    let err = Ecr::from_client(client, "fft/app")
        .upload(&b, &|_| {})
        .await
        .unwrap_err();
    assert_eq!(err.exit_code() as i32, 7, "{err}");
}

#[tokio::test]
async fn a_part_that_arrived_and_a_layer_that_exists_are_success() {
    let b = blob(100);
    let init = initiate();
    let part = mock!(aws_sdk_ecr::Client::upload_layer_part).then_http_response(|| {
        aws_smithy_runtime_api::http::Response::new(
            400.try_into().unwrap(),
            aws_smithy_types::body::SdkBody::from(
                r#"{"__type":"InvalidLayerPartException","message":"part already received","lastValidByteReceived":99}"#,
            ),
        )
    });
    let done = mock!(aws_sdk_ecr::Client::complete_layer_upload).then_http_response(|| {
        aws_smithy_runtime_api::http::Response::new(
            400.try_into().unwrap(),
            aws_smithy_types::body::SdkBody::from(
                r#"{"__type":"LayerAlreadyExistsException","message":"exists"}"#,
            ),
        )
    });
    let client = client(&[&init, &part, &done], 1);
    Ecr::from_client(client, "fft/app")
        .upload(&b, &|_| {})
        .await
        .unwrap();
}

#[tokio::test]
async fn a_server_that_stores_other_bytes_is_an_error() {
    let b = blob(100);
    let init = initiate();
    let part = mock!(aws_sdk_ecr::Client::upload_layer_part)
        .then_output(|| UploadLayerPartOutput::builder().build());
    let done = mock!(aws_sdk_ecr::Client::complete_layer_upload).then_output(|| {
        CompleteLayerUploadOutput::builder()
            .layer_digest(Digest::of(b"other").to_string())
            .build()
    });
    let client = client(&[&init, &part, &done], 1);
    let err = Ecr::from_client(client, "fft/app")
        .upload(&b, &|_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("corrupted in transit"), "{err}");
}
