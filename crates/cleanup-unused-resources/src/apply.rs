//! Carrying out a list: each item is done only if a fresh look still finds it unused
//! with the same action. An item the fresh look does not find is left alone.

use crate::discover::Clients;
use crate::model::{Action, Finding, Kind};
use aws_core::{Error, Result};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "outcome", content = "message")]
pub enum Outcome {
    /// Released, deleted, deregistered or retention set.
    Done,
    /// It was already gone.
    Gone,
    /// The fresh look no longer finds it unused (in use now, changed, or out of scope).
    Kept(String),
    Failed(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    #[serde(flatten)]
    pub item: Finding,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Do each of `items` that `current` (a fresh search) still finds with the same
/// action; report every item.
pub async fn apply(c: &Clients<'_>, items: &[Finding], current: &[Finding]) -> Vec<Applied> {
    let mut out = Vec::new();
    for item in items.iter().filter(|i| i.action.changes_something()) {
        let still = current.iter().find(|f| {
            f.kind == item.kind
                && f.id == item.id
                && f.action == item.action
                && f.retention_days == item.retention_days
        });
        let outcome = match still {
            None => Outcome::Kept("a fresh look no longer finds it unused; left alone".into()),
            Some(f) => match act(c, f).await {
                Ok(()) => Outcome::Done,
                Err(e) if is_gone(&e) => Outcome::Gone,
                Err(e) => Outcome::Failed(e.to_string()),
            },
        };
        out.push(Applied {
            item: item.clone(),
            outcome,
        });
    }
    out
}

async fn act(c: &Clients<'_>, f: &Finding) -> Result<()> {
    match (f.kind, f.action) {
        (Kind::ElasticIp, Action::Release) => c.ec2.release_address(&f.id).await,
        (Kind::NetworkInterface, Action::Delete) => c.ec2.delete_network_interface(&f.id).await,
        (Kind::EbsVolume, Action::Delete) => c.ec2.delete_volume(&f.id).await,
        (Kind::EbsSnapshot, Action::Delete) => c.ec2.delete_snapshot(&f.id).await,
        (Kind::TaskDefinition, Action::Deregister) => c.aws.deregister(&f.id).await,
        (Kind::EcrImage, Action::Delete) => match f.id.split_once('@') {
            Some((repo, digest)) => c.aws.delete_image(repo, digest).await,
            None => Err(Error::invalid(format!("{}: not REPOSITORY@DIGEST", f.id))),
        },
        (Kind::LogGroup, Action::Delete) => c.aws.delete_log_group(&f.id).await,
        (Kind::LogGroup, Action::SetRetention) => match f.retention_days {
            Some(days) => c.aws.set_retention(&f.id, days).await,
            None => Err(Error::invalid(format!("{}: no retention given", f.id))),
        },
        (kind, action) => Err(Error::invalid(format!(
            "{}: {} is not something this tool does to {}",
            f.id,
            action.verb(),
            kind.label()
        ))),
    }
}

/// A delete of something that no longer exists: what the user wanted.
fn is_gone(e: &Error) -> bool {
    match e {
        Error::NotFound { .. } => true,
        Error::Aws { code, .. } => {
            code.ends_with(".NotFound")
                || code == "ResourceNotFoundException"
                || code == "ImageNotFound"
        }
        _ => false,
    }
}
