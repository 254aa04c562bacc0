//! The adapters: the only code of this crate that calls AWS (`cargo xtask tidy`
//! checks it). One [`Aws`] per process holds the clients and counts every request in
//! one place, so the call budget shown by `-v` and the JSON reports is never lost on
//! a path that forgot to count.

mod autoscaling;
mod cap;
mod checks;
mod ecs;
mod logs;

pub use autoscaling::{ScalableTarget, ScheduledAction};
pub use checks::{ImageLookup, RoleLookup};
pub use ecs::snapshot_of;
pub use logs::LogPage;

use aws_core::services::ecs::Ecs;
use aws_core::session::{RequestCounter, Session};

/// The SDK clients of the ECS tools, built from the process's one session.
pub struct Aws {
    /// The shared ECS listings (revisions of a family).
    shared: Ecs,
    ecs: aws_sdk_ecs::Client,
    ecr: aws_sdk_ecr::Client,
    ssm: aws_sdk_ssm::Client,
    iam: aws_sdk_iam::Client,
    aas: aws_sdk_applicationautoscaling::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    region: Option<String>,
    counter: RequestCounter,
    /// For the aws-lite clients (API Gateway v2), built when first needed.
    sdk: aws_types::SdkConfig,
}

impl Aws {
    /// Clients for every service the tools use (building one makes no request).
    pub fn new(session: &Session) -> Aws {
        let sdk = session.sdk();
        let shared = Ecs::new(session);
        Aws {
            ecs: shared.client().clone(),
            shared,
            ecr: aws_sdk_ecr::Client::new(sdk),
            ssm: aws_sdk_ssm::Client::new(sdk),
            iam: aws_sdk_iam::Client::new(sdk),
            aas: aws_sdk_applicationautoscaling::Client::new(sdk),
            logs: aws_sdk_cloudwatchlogs::Client::new(sdk),
            region: Some(session.region().to_string()),
            counter: session.counter(),
            sdk: sdk.clone(),
        }
    }

    /// Clients on the process's one session (built on first use, preflight checks
    /// included).
    pub async fn connect(ctx: &aws_core::Context) -> aws_core::Result<Aws> {
        Ok(Aws::new(ctx.session().await?))
    }

    /// The region requests go to.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// Requests sent so far by this process (the session's one counter).
    pub fn api_calls(&self) -> u32 {
        self.counter.get()
    }

    fn count(&self) {
        self.counter.count();
    }
}
