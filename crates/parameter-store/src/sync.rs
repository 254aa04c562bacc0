//! Pure planning of bulk writes (import, copy): what to create, update or leave
//! alone. Unchanged parameters are never rewritten, so history stays clean and
//! re-running an import is a no-op.

use crate::model::{Param, ParamType, Tier};
use crate::store::{Put, PutRequest, Store};
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
    /// Sent, but no answer came back (timeout, connection lost): the write may or may
    /// not have landed. Running the same command again settles it.
    pub unknown: Vec<Failure>,
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
        self.failed.is_empty() && self.unknown.is_empty() && self.not_attempted.is_empty()
    }

    /// Parameters that may not hold the wanted value now.
    pub fn not_done(&self) -> usize {
        self.failed.len() + self.unknown.len() + self.not_attempted.len()
    }
}

/// Consecutive failures of the endpoint itself (no answer, throttled after all
/// retries) after which a bulk write stops: each can take the SDK's whole retry
/// budget, so going on would take hours against a dead endpoint.
pub const MAX_CONSECUTIVE_UNAVAILABLE: usize = 3;

/// Carry out a plan. The SDK retries throttling (adaptive mode); what still fails
/// is recorded and the rest goes on, unless the failure would repeat for every
/// write (access denied, expired credentials: stop at once) or the endpoint stopped
/// answering ([`MAX_CONSECUTIVE_UNAVAILABLE`] in a row). A write that was sent but
/// got no answer is "unknown", never "failed": it may have landed.
pub async fn apply(store: &Store, steps: Vec<Step>, tier: Tier, report: Report) -> Report {
    apply_with_progress(store, steps, tier, report, |_, _, _| {}).await
}

/// Writes in flight at once. The SDK's adaptive retry mode (set up by aws-core) is the
/// rate control: on a ThrottlingException it slows every later request of the process
/// down, so a burst settles at what the account's Parameter Store throughput allows.
pub const WRITE_CONCURRENCY: usize = 4;

/// [`apply`], calling `progress(done, total, name)` before each write.
///
/// Writes go out [`WRITE_CONCURRENCY`] at a time; their results are handled in plan
/// order, so the report lists them as a sequential run would. A failure that stops the
/// run (access denied, endpoint gone) is seen when its window ends: at most
/// `WRITE_CONCURRENCY - 1` writes were already in flight beside it.
pub async fn apply_with_progress(
    store: &Store,
    steps: Vec<Step>,
    tier: Tier,
    mut report: Report,
    progress: impl Fn(usize, usize, &str),
) -> Report {
    let mut stop = false;
    let mut unavailable_in_a_row = 0;
    let total = steps
        .iter()
        .filter(|s| s.action != Action::Unchanged)
        .count();
    let mut done = 0;
    let mut writes = Vec::new();
    for step in steps {
        if step.action == Action::Unchanged {
            report.unchanged.push(step.name);
        } else {
            writes.push(step);
        }
    }
    let mut queue = writes.into_iter().peekable();
    while queue.peek().is_some() {
        if stop {
            report.not_attempted.extend(queue.by_ref().map(|s| s.name));
            break;
        }
        let window: Vec<Step> = queue.by_ref().take(WRITE_CONCURRENCY).collect();
        let mut set = tokio::task::JoinSet::new();
        for (i, step) in window.iter().enumerate() {
            progress(done, total, &step.name);
            done += 1;
            let req = PutRequest {
                name: step.name.clone(),
                value: step.value.clone(),
                kind: step.kind,
                overwrite: step.action == Action::Update,
                description: None,
                key_id: None,
                tier,
                tags: Vec::new(),
            };
            let store = store.clone();
            set.spawn(async move {
                let r = store.try_put(&req).await;
                (i, req, r)
            });
        }
        let mut results: Vec<Option<(PutRequest, aws_core::Result<Put>)>> =
            window.iter().map(|_| None).collect();
        while let Some(joined) = set.join_next().await {
            if let Ok((i, req, r)) = joined {
                results[i] = Some((req, r));
            }
        }
        for (step, result) in window.into_iter().zip(results) {
            let Some((req, result)) = result else {
                report.unknown.push(Failure {
                    name: step.name,
                    error: "the write's task ended without an answer".into(),
                });
                continue;
            };
            let created = step.action == Action::Create;
            match result {
                Ok(Put::Written(_)) => {
                    unavailable_in_a_row = 0;
                    if created {
                        report.created.push(step.name);
                    } else {
                        report.updated.push(step.name);
                    }
                }
                Ok(Put::AlreadyExists) => {
                    // Created meanwhile (a concurrent run of the same import, or our own
                    // earlier attempt that timed out): fine if it holds what we want.
                    unavailable_in_a_row = 0;
                    match store.get(&req.name, true).await {
                        Ok(Some(p))
                            if p.kind == req.kind && p.value.as_deref() == Some(&req.value) =>
                        {
                            report.unchanged.push(step.name);
                        }
                        Ok(_) => report.failed.push(Failure {
                            name: step.name,
                            error: "created by someone else meanwhile with another value or type; \
                                    run the same command again to update it"
                                .into(),
                        }),
                        Err(e) => report.unknown.push(Failure {
                            name: step.name,
                            error: e.to_string(),
                        }),
                    }
                }
                Err(e) => {
                    let code = e.exit_code();
                    stop |= matches!(code, aws_core::ExitCode::Auth | aws_core::ExitCode::Config);
                    if code == aws_core::ExitCode::Unavailable || e.outcome_unknown() {
                        unavailable_in_a_row += 1;
                        stop |= unavailable_in_a_row >= MAX_CONSECUTIVE_UNAVAILABLE;
                    } else {
                        unavailable_in_a_row = 0;
                    }
                    let failure = Failure {
                        name: step.name,
                        error: e.to_string(),
                    };
                    if e.outcome_unknown() {
                        report.unknown.push(failure);
                    } else {
                        report.failed.push(failure);
                    }
                }
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
