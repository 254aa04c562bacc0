//! Build the one `SdkConfig` a process uses: profile, region, endpoint, retries, timeouts.

use crate::error::{Error, Result};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use std::time::Duration;

pub use crate::settings::AwsSettings;

/// Attempts per call when the user did not set AWS_MAX_ATTEMPTS.
const DEFAULT_MAX_ATTEMPTS: u32 = 5;

pub async fn load(settings: &AwsSettings) -> Result<SdkConfig> {
    // Every setting the SDK would read is checked first: some malformed ones panic
    // inside the SDK, others end up in request-construction errors.
    crate::preflight::check(&crate::preflight::Inputs::from_process(
        settings.profile.as_deref(),
        settings.region.as_deref(),
        settings.endpoint_url.as_deref(),
    ))?;
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
        TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_attempt_timeout(Duration::from_secs(30))
            .operation_timeout(Duration::from_secs(120))
            .build(),
    );
    // Respect AWS_MAX_ATTEMPTS / AWS_RETRY_MODE when the user set them; otherwise
    // adaptive mode, which also rate-limits the client when AWS throttles.
    if std::env::var_os("AWS_MAX_ATTEMPTS").is_none()
        && std::env::var_os("AWS_RETRY_MODE").is_none()
    {
        loader =
            loader.retry_config(RetryConfig::adaptive().with_max_attempts(DEFAULT_MAX_ATTEMPTS));
    }
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    match config.region() {
        None => Err(Error::NoRegion),
        // A region from a profile or AWS_DEFAULT_REGION is checked here.
        Some(r) => {
            crate::preflight::check_region(r.as_ref(), "the configured AWS region").map(|()| config)
        }
    }
}
