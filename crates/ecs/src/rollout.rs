//! The rollout watcher: a pure state machine over DescribeServices/DescribeTasks
//! snapshots. It decides success only when the new revision is the PRIMARY
//! deployment and its rollout is COMPLETED; a circuit-breaker rollback, a failed
//! rollout, someone else's deployment or the timeout are failures, with the reason.

use serde::Serialize;
use std::collections::BTreeSet;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deployment {
    pub id: String,
    /// PRIMARY, ACTIVE or INACTIVE.
    pub status: String,
    pub task_definition: String,
    pub desired: i32,
    pub pending: i32,
    pub running: i32,
    pub failed_tasks: i32,
    /// IN_PROGRESS, COMPLETED or FAILED (None on services without rollout state).
    pub rollout_state: Option<String>,
    pub rollout_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub id: String,
    pub at: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoppedTask {
    pub arn: String,
    pub task_definition: String,
    pub stopped_reason: String,
    pub stop_code: Option<String>,
    /// (container, exit code, reason)
    pub containers: Vec<(String, Option<i32>, Option<String>)>,
}

impl StoppedTask {
    pub fn summary(&self) -> String {
        let short = self.arn.rsplit('/').next().unwrap_or(&self.arn);
        let mut s = format!("task {short} stopped: {}", self.stopped_reason);
        for (name, code, reason) in &self.containers {
            match (code, reason) {
                (Some(c), _) => s.push_str(&format!("; container {name} exited {c}")),
                (None, Some(r)) => s.push_str(&format!("; container {name}: {r}")),
                _ => {}
            }
        }
        s
    }
}

/// One observation of the service.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    pub deployments: Vec<Deployment>,
    /// Newest first, as ECS returns them.
    pub events: Vec<Event>,
    pub stopped_tasks: Vec<StoppedTask>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    InProgress,
    Succeeded,
    /// The circuit breaker rolled back to an earlier revision.
    RolledBack {
        reason: String,
        now_running: String,
    },
    /// The rollout failed and stayed failed.
    RolloutFailed {
        reason: String,
    },
    /// Another deployment (not ours, not a rollback) took over.
    Replaced {
        by: String,
    },
    TimedOut {
        after_secs: u64,
        state: String,
    },
}

impl std::fmt::Display for Outcome {
    /// The outcome as a person reads it (summaries and JSON reports).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::InProgress => write!(f, "in progress"),
            Outcome::Succeeded => write!(f, "completed"),
            Outcome::RolledBack {
                reason,
                now_running,
            } => write!(f, "rolled back to {now_running}: {reason}"),
            Outcome::RolloutFailed { reason } => write!(f, "failed: {reason}"),
            Outcome::Replaced { by } => write!(f, "replaced by another deployment ({by})"),
            Outcome::TimedOut { after_secs, state } => {
                write!(f, "not finished after {after_secs}s ({state})")
            }
        }
    }
}

impl Outcome {
    pub fn is_final(&self) -> bool {
        !matches!(self, Outcome::InProgress)
    }
}

/// What changed since the last observation, for live progress.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    pub line: String,
    pub new_events: Vec<Event>,
    pub new_stopped: Vec<StoppedTask>,
}

#[derive(Debug)]
pub struct Watcher {
    target: String,
    deployment_id: Option<String>,
    timeout: Duration,
    seen_events: BTreeSet<String>,
    seen_tasks: BTreeSet<String>,
    /// Stop reasons of our tasks, kept for the failure message.
    pub stop_reasons: Vec<String>,
    pub recent_events: Vec<String>,
}

impl Watcher {
    /// `target`: the task definition ARN just deployed; `before`: events already
    /// present when the deployment started (not shown again).
    pub fn new(target: impl Into<String>, before: &Snapshot, timeout: Duration) -> Watcher {
        Watcher {
            target: target.into(),
            deployment_id: None,
            timeout,
            seen_events: before.events.iter().map(|e| e.id.clone()).collect(),
            seen_tasks: before.stopped_tasks.iter().map(|t| t.arn.clone()).collect(),
            stop_reasons: Vec::new(),
            recent_events: Vec::new(),
        }
    }

    pub fn observe(&mut self, snap: &Snapshot, elapsed: Duration) -> (Outcome, Progress) {
        let mut progress = Progress::default();
        for e in snap.events.iter().rev() {
            if self.seen_events.insert(e.id.clone()) {
                self.recent_events.push(e.message.clone());
                progress.new_events.push(e.clone());
            }
        }
        if self.recent_events.len() > 5 {
            let drop = self.recent_events.len() - 5;
            self.recent_events.drain(..drop);
        }
        for t in &snap.stopped_tasks {
            if t.task_definition == self.target && self.seen_tasks.insert(t.arn.clone()) {
                self.stop_reasons.push(t.summary());
                progress.new_stopped.push(t.clone());
            }
        }
        let ours = match &self.deployment_id {
            Some(id) => snap.deployments.iter().find(|d| &d.id == id),
            None => snap
                .deployments
                .iter()
                .find(|d| d.task_definition == self.target),
        };
        if let (None, Some(d)) = (&self.deployment_id, ours) {
            self.deployment_id = Some(d.id.clone());
        }
        let primary = snap.deployments.iter().find(|d| d.status == "PRIMARY");
        progress.line = describe(snap);

        let outcome = match (ours, primary) {
            (Some(o), Some(p)) if o.id == p.id => match o.rollout_state.as_deref() {
                Some("COMPLETED") if o.running == o.desired && snap.deployments.len() == 1 => {
                    Outcome::Succeeded
                }
                Some("FAILED") => Outcome::RolloutFailed {
                    reason: o
                        .rollout_reason
                        .clone()
                        .unwrap_or_else(|| "rollout failed".into()),
                },
                // Services without rollout state (old API, other controllers): steady
                // state means one deployment, ours, fully running.
                None if o.running == o.desired && o.pending == 0 && snap.deployments.len() == 1 => {
                    Outcome::Succeeded
                }
                _ => Outcome::InProgress,
            },
            (Some(o), Some(p)) => {
                if o.rollout_state.as_deref() == Some("FAILED")
                    || (o.status == "INACTIVE" && !self.stop_reasons.is_empty())
                {
                    Outcome::RolledBack {
                        reason: o
                            .rollout_reason
                            .clone()
                            .unwrap_or_else(|| "deployment circuit breaker rolled back".into()),
                        now_running: p.task_definition.clone(),
                    }
                } else {
                    Outcome::Replaced {
                        by: p.task_definition.clone(),
                    }
                }
            }
            (None, Some(p)) if self.deployment_id.is_some() => {
                // Ours disappeared from the list: replaced (or rolled back and pruned).
                if p.task_definition == self.target {
                    Outcome::InProgress
                } else if !self.stop_reasons.is_empty() {
                    Outcome::RolledBack {
                        reason: "our deployment is gone and its tasks failed".into(),
                        now_running: p.task_definition.clone(),
                    }
                } else {
                    Outcome::Replaced {
                        by: p.task_definition.clone(),
                    }
                }
            }
            _ => Outcome::InProgress,
        };
        let outcome = if !outcome.is_final() && elapsed >= self.timeout {
            Outcome::TimedOut {
                after_secs: elapsed.as_secs(),
                state: progress.line.clone(),
            }
        } else {
            outcome
        };
        (outcome, progress)
    }
}

/// One line of state: `PRIMARY app:7 1/1 running (IN_PROGRESS), ACTIVE app:6 1/1 running`.
pub fn describe(snap: &Snapshot) -> String {
    snap.deployments
        .iter()
        .map(|d| {
            let td = d
                .task_definition
                .rsplit('/')
                .next()
                .unwrap_or(&d.task_definition);
            let mut s = format!("{} {td} {}/{} running", d.status, d.running, d.desired);
            if d.pending > 0 {
                s.push_str(&format!(", {} pending", d.pending));
            }
            if d.failed_tasks > 0 {
                s.push_str(&format!(", {} failed", d.failed_tasks));
            }
            if let Some(r) = &d.rollout_state {
                s.push_str(&format!(" ({r})"));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEW: &str = "arn:aws:ecs:us-east-1:1:task-definition/app:8";
    const OLD: &str = "arn:aws:ecs:us-east-1:1:task-definition/app:7";

    fn dep(
        id: &str,
        status: &str,
        td: &str,
        desired: i32,
        running: i32,
        rollout: Option<&str>,
    ) -> Deployment {
        Deployment {
            id: id.into(),
            status: status.into(),
            task_definition: td.into(),
            desired,
            pending: (desired - running).max(0),
            running,
            failed_tasks: 0,
            rollout_state: rollout.map(str::to_string),
            rollout_reason: None,
        }
    }

    fn snap(deps: Vec<Deployment>) -> Snapshot {
        Snapshot {
            deployments: deps,
            ..Snapshot::default()
        }
    }

    fn stopped(arn: &str, td: &str, reason: &str, exit: Option<i32>) -> StoppedTask {
        StoppedTask {
            arn: arn.into(),
            task_definition: td.into(),
            stopped_reason: reason.into(),
            stop_code: Some("TaskFailedToStart".into()),
            containers: vec![("app".into(), exit, None)],
        }
    }

    fn watcher() -> Watcher {
        Watcher::new(NEW, &Snapshot::default(), Duration::from_secs(600))
    }

    fn run(w: &mut Watcher, snaps: &[Snapshot]) -> Outcome {
        let mut last = Outcome::InProgress;
        for (i, s) in snaps.iter().enumerate() {
            last = w.observe(s, Duration::from_secs(10 * i as u64)).0;
            if last.is_final() {
                break;
            }
        }
        last
    }

    #[test]
    fn success_needs_primary_completed_and_old_drained() {
        let mut w = watcher();
        let out = run(
            &mut w,
            &[
                snap(vec![
                    dep("n", "PRIMARY", NEW, 1, 0, Some("IN_PROGRESS")),
                    dep("o", "ACTIVE", OLD, 1, 1, Some("COMPLETED")),
                ]),
                snap(vec![
                    dep("n", "PRIMARY", NEW, 1, 1, Some("IN_PROGRESS")),
                    dep("o", "ACTIVE", OLD, 1, 1, Some("COMPLETED")),
                ]),
                // running == desired but the old deployment is still draining: not yet
                snap(vec![
                    dep("n", "PRIMARY", NEW, 1, 1, Some("COMPLETED")),
                    dep("o", "ACTIVE", OLD, 0, 1, Some("COMPLETED")),
                ]),
            ],
        );
        assert_eq!(out, Outcome::InProgress);
        let out = run(
            &mut w,
            &[snap(vec![dep(
                "n",
                "PRIMARY",
                NEW,
                1,
                1,
                Some("COMPLETED"),
            )])],
        );
        assert_eq!(out, Outcome::Succeeded);
    }

    #[test]
    fn circuit_breaker_rollback_is_a_failure_with_the_reason() {
        let mut w = watcher();
        let mut failed = dep("n", "ACTIVE", NEW, 0, 0, Some("FAILED"));
        failed.rollout_reason =
            Some("ECS deployment circuit breaker: tasks failed to start.".into());
        let mut s = snap(vec![
            dep("r", "PRIMARY", OLD, 1, 1, Some("IN_PROGRESS")),
            failed,
        ]);
        s.stopped_tasks = vec![stopped(
            "t/1",
            NEW,
            "Essential container in task exited",
            Some(1),
        )];
        let out = run(
            &mut w,
            &[
                snap(vec![dep("n", "PRIMARY", NEW, 1, 0, Some("IN_PROGRESS"))]),
                s,
            ],
        );
        match out {
            Outcome::RolledBack {
                reason,
                now_running,
            } => {
                assert!(reason.contains("circuit breaker"));
                assert_eq!(now_running, OLD);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            w.stop_reasons[0].contains("exited 1"),
            "{:?}",
            w.stop_reasons
        );
    }

    #[test]
    fn image_pull_failures_are_reported_as_they_happen() {
        let mut w = watcher();
        let mut s = snap(vec![dep("n", "PRIMARY", NEW, 1, 0, Some("IN_PROGRESS"))]);
        s.stopped_tasks = vec![StoppedTask {
            arn: "arn/t/9".into(),
            task_definition: NEW.into(),
            stopped_reason: "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found".into(),
            stop_code: Some("TaskFailedToStart".into()),
            containers: vec![("app".into(), None, Some("CannotPullContainerError".into()))],
        }];
        let (out, p) = w.observe(&s, Duration::from_secs(5));
        assert_eq!(out, Outcome::InProgress);
        assert_eq!(p.new_stopped.len(), 1);
        // Seen once: not reported again.
        let (_, p2) = w.observe(&s, Duration::from_secs(10));
        assert!(p2.new_stopped.is_empty());
        assert!(w.stop_reasons[0].contains("CannotPullContainerError"));
    }

    #[test]
    fn failed_rollout_that_stays_primary() {
        let mut w = watcher();
        let mut d = dep("n", "PRIMARY", NEW, 1, 0, Some("FAILED"));
        d.rollout_reason = Some("tasks failed ELB health checks".into());
        assert_eq!(
            run(&mut w, &[snap(vec![d])]),
            Outcome::RolloutFailed {
                reason: "tasks failed ELB health checks".into()
            }
        );
    }

    #[test]
    fn stuck_deployment_times_out_with_its_state() {
        let mut w = Watcher::new(NEW, &Snapshot::default(), Duration::from_secs(60));
        let s = snap(vec![dep("n", "PRIMARY", NEW, 2, 1, Some("IN_PROGRESS"))]);
        assert_eq!(
            w.observe(&s, Duration::from_secs(30)).0,
            Outcome::InProgress
        );
        match w.observe(&s, Duration::from_secs(61)).0 {
            Outcome::TimedOut { after_secs, state } => {
                assert_eq!(after_secs, 61);
                assert!(state.contains("1/2 running"), "{state}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn someone_elses_deployment_is_not_our_success() {
        let mut w = watcher();
        let theirs = "arn:aws:ecs:us-east-1:1:task-definition/app:9";
        let out = run(
            &mut w,
            &[
                snap(vec![dep("n", "PRIMARY", NEW, 1, 0, Some("IN_PROGRESS"))]),
                snap(vec![
                    dep("x", "PRIMARY", theirs, 1, 1, Some("COMPLETED")),
                    dep("n", "ACTIVE", NEW, 0, 0, Some("IN_PROGRESS")),
                ]),
            ],
        );
        assert_eq!(out, Outcome::Replaced { by: theirs.into() });
    }

    #[test]
    fn scale_to_zero_deploy_succeeds_with_nothing_running() {
        let mut w = watcher();
        assert_eq!(
            run(
                &mut w,
                &[snap(vec![dep(
                    "n",
                    "PRIMARY",
                    NEW,
                    0,
                    0,
                    Some("COMPLETED")
                )])]
            ),
            Outcome::Succeeded
        );
    }

    #[test]
    fn only_new_events_are_shown() {
        let before = Snapshot {
            events: vec![Event {
                id: "e1".into(),
                at: "t".into(),
                message: "old".into(),
            }],
            ..Snapshot::default()
        };
        let mut w = Watcher::new(NEW, &before, Duration::from_secs(60));
        let mut s = snap(vec![dep("n", "PRIMARY", NEW, 1, 0, Some("IN_PROGRESS"))]);
        s.events = vec![
            Event {
                id: "e2".into(),
                at: "t".into(),
                message: "has started 1 tasks".into(),
            },
            Event {
                id: "e1".into(),
                at: "t".into(),
                message: "old".into(),
            },
        ];
        let (_, p) = w.observe(&s, Duration::from_secs(1));
        assert_eq!(p.new_events.len(), 1);
        assert_eq!(p.new_events[0].message, "has started 1 tasks");
    }
}
