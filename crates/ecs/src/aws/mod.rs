//! The adapters: the only code of this crate that calls AWS (`cargo xtask tidy`
//! checks it). One [`Aws`] per process holds the clients and counts every request in
//! one place, so the call budget shown by `-v` and the JSON reports is never lost on
//! a path that forgot to count.

mod autoscaling;
mod checks;
mod ecs;
mod logs;

pub use autoscaling::{ScalableTarget, ScheduledAction};
pub use checks::{ImageLookup, RoleLookup};
pub use ecs::snapshot_of;
pub use logs::LogPage;

use std::sync::atomic::{AtomicU32, Ordering};

/// The SDK clients of the ECS tools, built from the process's one `SdkConfig`.
pub struct Aws {
    ecs: aws_sdk_ecs::Client,
    ecr: aws_sdk_ecr::Client,
    ssm: aws_sdk_ssm::Client,
    iam: aws_sdk_iam::Client,
    aas: aws_sdk_applicationautoscaling::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    region: Option<String>,
    calls: AtomicU32,
}

impl Aws {
    /// Clients for every service the tools use (building one makes no request).
    pub fn new(sdk: &aws_core::SdkConfig) -> Aws {
        Aws {
            ecs: aws_sdk_ecs::Client::new(sdk),
            ecr: aws_sdk_ecr::Client::new(sdk),
            ssm: aws_sdk_ssm::Client::new(sdk),
            iam: aws_sdk_iam::Client::new(sdk),
            aas: aws_sdk_applicationautoscaling::Client::new(sdk),
            logs: aws_sdk_cloudwatchlogs::Client::new(sdk),
            region: sdk.region().map(|r| r.to_string()),
            calls: AtomicU32::new(0),
        }
    }

    /// Resolve the settings of `ctx` (preflight checks included) and build the clients.
    pub async fn connect(ctx: &aws_core::Context) -> aws_core::Result<Aws> {
        Ok(Aws::new(&ctx.sdk_config().await?))
    }

    /// The region requests go to.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// Requests sent so far by this process.
    pub fn api_calls(&self) -> u32 {
        self.calls.load(Ordering::Relaxed)
    }

    fn count(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }
}
