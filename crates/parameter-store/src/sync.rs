//! Pure planning of bulk writes (import, copy): what to create, update or leave
//! alone. Unchanged parameters are never rewritten, so history stays clean and
//! re-running an import is a no-op.

use crate::model::{Param, ParamType, Tier};
use crate::store::{PutRequest, Store};
use serde::Serialize;
use std::collections::BTreeMap;

/// A parameter as the file (or source path) wants it.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub name: String,
    pub value: String,
    /// `None`: keep the existing type, SecureString for new parameters.
    pub kind: Option<ParamType>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Unchanged,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub name: String,
    pub value: String,
    pub kind: ParamType,
    pub action: Action,
}

/// Compare desired state to what exists (read with decryption; never printed).
pub fn plan(desired: Vec<Desired>, existing: &BTreeMap<String, Param>) -> Vec<Step> {
    desired
        .into_iter()
        .map(|d| {
            let current = existing.get(&d.name);
            let kind = d
                .kind
                .or(current.map(|c| c.kind))
                .unwrap_or(ParamType::SecureString);
            let action = match current {
                None => Action::Create,
                Some(c) if c.kind == kind && c.value.as_deref() == Some(d.value.as_str()) => {
                    Action::Unchanged
                }
                Some(_) => Action::Update,
            };
            Step {
                name: d.name,
                value: d.value,
                kind,
                action,
            }
        })
        .collect()
}

/// What a bulk write did, name by name (no values).
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct Report {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    /// Left out of the file (e.g. a secret exported without --reveal).
    pub skipped: Vec<String>,
    pub failed: Vec<Failure>,
    /// Not attempted because an earlier write failed for a reason that would repeat.
    pub not_attempted: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failure {
    pub name: String,
    pub error: String,
}

impl Report {
    pub fn written(&self) -> usize {
        self.created.len() + self.updated.len()
    }

    pub fn ok(&self) -> bool {
        self.failed.is_empty() && self.not_attempted.is_empty()
    }
}

/// Carry out a plan. The SDK retries throttling (adaptive mode); what still fails
/// is recorded and the rest goes on, unless the failure would repeat for every
/// write (access denied, expired credentials), in which case we stop.
pub async fn apply(store: &Store, steps: Vec<Step>, tier: Tier, report: Report) -> Report {
    apply_with_progress(store, steps, tier, report, |_, _, _| {}).await
}

/// [`apply`], calling `progress(done, total, name)` before each write.
pub async fn apply_with_progress(
    store: &Store,
    steps: Vec<Step>,
    tier: Tier,
    mut report: Report,
    progress: impl Fn(usize, usize, &str),
) -> Report {
    let mut stop = false;
    let total = steps
        .iter()
        .filter(|s| s.action != Action::Unchanged)
        .count();
    let mut done = 0;
    for step in steps {
        if step.action != Action::Unchanged && !stop {
            progress(done, total, &step.name);
            done += 1;
        }
        match step.action {
            Action::Unchanged => {
                report.unchanged.push(step.name);
                continue;
            }
            _ if stop => {
                report.not_attempted.push(step.name);
                continue;
            }
            _ => {}
        }
        let req = PutRequest {
            name: step.name.clone(),
            value: step.value,
            kind: step.kind,
            overwrite: step.action == Action::Update,
            description: None,
            key_id: None,
            tier,
            tags: Vec::new(),
        };
        match store.put(&req).await {
            Ok(_) if step.action == Action::Create => report.created.push(step.name),
            Ok(_) => report.updated.push(step.name),
            Err(e) => {
                stop = matches!(
                    e.exit_code(),
                    aws_core::ExitCode::Auth | aws_core::ExitCode::Config
                );
                report.failed.push(Failure {
                    name: step.name,
                    error: e.to_string(),
                });
            }
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn existing(name: &str, kind: ParamType, value: &str) -> (String, Param) {
        (
            name.into(),
            Param {
                name: name.into(),
                kind,
                version: 1,
                last_modified: None,
                value: Some(value.into()),
            },
        )
    }

    fn want(name: &str, value: &str, kind: Option<ParamType>) -> Desired {
        Desired {
            name: name.into(),
            value: value.into(),
            kind,
        }
    }

    #[test]
    fn plans_create_update_unchanged() {
        let ex: BTreeMap<_, _> = [
            existing("/a/same", ParamType::SecureString, "v"),
            existing("/a/changed", ParamType::String, "old"),
            existing("/a/retyped", ParamType::String, "v"),
        ]
        .into_iter()
        .collect();
        let steps = plan(
            vec![
                want("/a/same", "v", None),
                want("/a/changed", "new", None),
                want("/a/retyped", "v", Some(ParamType::SecureString)),
                want("/a/new", "x", None),
            ],
            &ex,
        );
        let got: Vec<(&str, Action, ParamType)> = steps
            .iter()
            .map(|s| (s.name.as_str(), s.action, s.kind))
            .collect();
        assert_eq!(
            got,
            vec![
                ("/a/same", Action::Unchanged, ParamType::SecureString),
                ("/a/changed", Action::Update, ParamType::String),
                ("/a/retyped", Action::Update, ParamType::SecureString),
                ("/a/new", Action::Create, ParamType::SecureString),
            ]
        );
    }
}
