//! What the tool finds, decides and writes to a plan file.

use serde::{Deserialize, Serialize};

/// The kinds of resource the tool judges, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    ElasticIp,
    NetworkInterface,
    EbsVolume,
    EbsSnapshot,
    TaskDefinition,
    EcrImage,
    LogGroup,
    StoppedTask,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::ElasticIp,
        Kind::NetworkInterface,
        Kind::EbsVolume,
        Kind::EbsSnapshot,
        Kind::TaskDefinition,
        Kind::EcrImage,
        Kind::LogGroup,
        Kind::StoppedTask,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::ElasticIp => "Elastic IPs",
            Kind::NetworkInterface => "Network interfaces",
            Kind::EbsVolume => "EBS volumes",
            Kind::EbsSnapshot => "EBS snapshots",
            Kind::TaskDefinition => "Task definition revisions",
            Kind::EcrImage => "ECR images",
            Kind::LogGroup => "Log groups",
            Kind::StoppedTask => "Stopped tasks",
        }
    }
}

/// What `--apply` does to a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Release an Elastic IP.
    Release,
    Delete,
    /// Deregister a task definition revision (it becomes INACTIVE).
    Deregister,
    /// Set a log group's retention (`retention_days`); nothing is deleted.
    SetRetention,
    /// Shown for information only (stopped tasks vanish by themselves).
    Report,
}

impl Action {
    pub fn verb(self) -> &'static str {
        match self {
            Action::Release => "release",
            Action::Delete => "delete",
            Action::Deregister => "deregister",
            Action::SetRetention => "set retention",
            Action::Report => "none",
        }
    }

    pub fn changes_something(self) -> bool {
        self != Action::Report
    }
}

/// One resource found unused (or needing a fix), with why and what it costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: Kind,
    /// The id the API takes (allocation id, volume id, task definition ARN,
    /// `repository@sha256:…`, log group name, task ARN).
    pub id: String,
    pub action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    pub reason: String,
    /// USD per month this costs now (what removing it saves); `None` when it could
    /// not be priced (`unpriced` says why): never shown as $0.
    pub monthly_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unpriced: Option<String>,
}

/// A resource type (or item) the tool did not judge, and why: fail closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Skipped {
    pub kind: Kind,
    pub what: String,
    pub reason: String,
}

/// A monthly figure: priced, or why not.
#[derive(Debug, Clone, PartialEq)]
pub enum Monthly {
    Usd(f64),
    Unpriced(String),
}

impl Finding {
    pub fn new(
        kind: Kind,
        id: impl Into<String>,
        action: Action,
        reason: String,
        cost: Monthly,
    ) -> Self {
        let (monthly_usd, unpriced) = match cost {
            Monthly::Usd(v) => (Some(v), None),
            Monthly::Unpriced(why) => (None, Some(why)),
        };
        Finding {
            kind,
            id: id.into(),
            action,
            retention_days: None,
            reason,
            monthly_usd,
            unpriced,
        }
    }
}
