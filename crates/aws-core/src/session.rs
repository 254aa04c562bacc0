//! The one AWS session of a process: the `SdkConfig` (built once, after the
//! preflight checks), the region in use, the account (asked for once, when first
//! needed) and the request counter the SDK adapters report to.
//!
//! [`crate::Context::session`] builds it on first use and hands the same one to every
//! caller, so a tool that calls a library that calls AWS (deploy → the ecs rollout →
//! its rollback) never loads credentials twice or assumes a role twice.

use crate::error::{Error, Result};
use crate::settings::AwsSettings;
use crate::sts::Identity;
use aws_config::SdkConfig;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

pub struct Session {
    sdk: SdkConfig,
    region: String,
    account: tokio::sync::OnceCell<Identity>,
    requests: RequestCounter,
}

/// The process's one count of requests sent through the SDK: adapters hold a clone and
/// count each request they send (aws-lite clients still keep their own count).
#[derive(Debug, Clone, Default)]
pub struct RequestCounter(Arc<AtomicU32>);

impl RequestCounter {
    /// Count one request.
    pub fn count(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests counted so far.
    pub fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("region", &self.region)
            .field("requests", &self.requests())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Check the settings, load the SDK configuration (profile, SSO, role) and fix
    /// the region. Call through [`crate::Context::session`], not directly.
    pub async fn load(settings: &AwsSettings) -> Result<Session> {
        let sdk = crate::sdk::load(settings).await?;
        let region = sdk.region().map(|r| r.to_string()).ok_or(Error::NoRegion)?;
        // Tests count this line: one per process.
        tracing::debug!(region = %region, "built the AWS session");
        Ok(Session {
            sdk,
            region,
            account: tokio::sync::OnceCell::new(),
            requests: RequestCounter::default(),
        })
    }

    pub fn sdk(&self) -> &SdkConfig {
        &self.sdk
    }

    /// The region every request goes to: from --region, AWS_REGION,
    /// AWS_DEFAULT_REGION, fargate.toml or the profile, in that order. The only
    /// definition of "the region in use" (pricing included).
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Who the credentials are (`sts:GetCallerIdentity`), asked once per process.
    pub async fn account(&self) -> Result<&Identity> {
        self.account
            .get_or_try_init(|| async {
                self.count();
                crate::sts::caller_identity(&self.sdk).await
            })
            .await
    }

    /// Count one request sent to AWS.
    pub fn count(&self) {
        self.requests.count();
    }

    /// The counter adapters hold (a clone counts into the same total).
    pub fn counter(&self) -> RequestCounter {
        self.requests.clone()
    }

    /// Requests counted so far by this process.
    pub fn requests(&self) -> u32 {
        self.requests.get()
    }
}
