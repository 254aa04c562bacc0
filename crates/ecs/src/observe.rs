//! The ECS adapter: service and task-definition reads, the desired-count write, and
//! the snapshots the rollout watcher polls. Per poll: DescribeServices, ListTasks
//! (stopped), and DescribeTasks only for stopped tasks not seen before. Every call
//! is counted in [`Calls`].

use crate::rollout::{Deployment, Event, Snapshot, StoppedTask};
use crate::target::{self, Target};
use aws_core::{Error, Result};
use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{DesiredStatus, Service};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU32, Ordering};

/// API calls made, for the call budget (`-v` and JSON output show it).
#[derive(Debug, Default)]
pub struct Calls(AtomicU32);

impl Calls {
    pub fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    pub fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

pub async fn describe_service(ecs: &Client, t: &Target, calls: &Calls) -> Result<Service> {
    calls.add();
    let out = match ecs
        .describe_services()
        .cluster(&t.cluster)
        .services(&t.service)
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) => {
            if e.as_service_error()
                .is_some_and(|s| s.is_cluster_not_found_exception())
            {
                return Err(target::cluster_not_found(ecs, &t.cluster).await);
            }
            return Err(Error::from_sdk("ecs:DescribeServices", e));
        }
    };
    match out
        .services
        .unwrap_or_default()
        .into_iter()
        .find(|s| s.status.as_deref() != Some("INACTIVE"))
    {
        Some(s) => Ok(s),
        None => Err(target::service_not_found(ecs, t).await),
    }
}

/// A task definition by ARN (or family:revision).
pub async fn describe_task_definition(
    ecs: &Client,
    arn: &str,
    calls: &Calls,
) -> Result<aws_sdk_ecs::types::TaskDefinition> {
    calls.add();
    ecs.describe_task_definition()
        .task_definition(arn)
        .send()
        .await
        .map_err(|e| Error::from_sdk("ecs:DescribeTaskDefinition", e))?
        .task_definition
        .ok_or_else(|| Error::Failed(format!("task definition {arn} has no body")))
}

/// Set a service's desired count (nothing else changes).
pub async fn set_desired_count(ecs: &Client, t: &Target, n: i32, calls: &Calls) -> Result<()> {
    calls.add();
    ecs.update_service()
        .cluster(&t.cluster)
        .service(&t.service)
        .desired_count(n)
        .send()
        .await
        .map_err(|e| Error::from_sdk("ecs:UpdateService", e))?;
    Ok(())
}

pub fn snapshot_of(service: &Service) -> Snapshot {
    Snapshot {
        deployments: service
            .deployments()
            .iter()
            .map(|d| Deployment {
                id: d.id.clone().unwrap_or_default(),
                status: d.status.clone().unwrap_or_default(),
                task_definition: d.task_definition.clone().unwrap_or_default(),
                desired: d.desired_count,
                pending: d.pending_count,
                running: d.running_count,
                failed_tasks: d.failed_tasks,
                rollout_state: d.rollout_state.as_ref().map(|s| s.as_str().to_string()),
                rollout_reason: d.rollout_state_reason.clone(),
            })
            .collect(),
        events: service
            .events()
            .iter()
            .take(20)
            .map(|e| Event {
                id: e.id.clone().unwrap_or_default(),
                at: e
                    .created_at
                    .and_then(|t| t.fmt(aws_smithy_types::date_time::Format::DateTime).ok())
                    .unwrap_or_default(),
                message: e.message.clone().unwrap_or_default(),
            })
            .collect(),
        stopped_tasks: Vec::new(),
    }
}

/// Stopped tasks of the service not in `seen`, described.
pub async fn new_stopped_tasks(
    ecs: &Client,
    t: &Target,
    seen: &mut BTreeSet<String>,
    calls: &Calls,
) -> Result<Vec<StoppedTask>> {
    calls.add();
    let arns: Vec<String> = ecs
        .list_tasks()
        .cluster(&t.cluster)
        .service_name(&t.service)
        .desired_status(DesiredStatus::Stopped)
        .send()
        .await
        .map_err(|e| Error::from_sdk("ecs:ListTasks", e))?
        .task_arns
        .unwrap_or_default()
        .into_iter()
        .filter(|a| !seen.contains(a))
        .take(100)
        .collect();
    if arns.is_empty() {
        return Ok(Vec::new());
    }
    calls.add();
    let tasks = ecs
        .describe_tasks()
        .cluster(&t.cluster)
        .set_tasks(Some(arns.clone()))
        .send()
        .await
        .map_err(|e| Error::from_sdk("ecs:DescribeTasks", e))?
        .tasks
        .unwrap_or_default();
    seen.extend(arns);
    Ok(tasks
        .into_iter()
        .map(|task| StoppedTask {
            arn: task.task_arn.clone().unwrap_or_default(),
            task_definition: task.task_definition_arn.clone().unwrap_or_default(),
            stopped_reason: task
                .stopped_reason
                .clone()
                .unwrap_or_else(|| "unknown".into()),
            stop_code: task.stop_code.as_ref().map(|c| c.as_str().to_string()),
            containers: task
                .containers()
                .iter()
                .map(|c| {
                    (
                        c.name.clone().unwrap_or_default(),
                        c.exit_code,
                        c.reason.clone(),
                    )
                })
                .collect(),
        })
        .collect())
}
