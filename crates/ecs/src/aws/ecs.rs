//! ECS: service and task-definition reads and writes, the snapshots the rollout
//! watcher polls, and not-found errors that list what does exist. Per poll:
//! DescribeServices, ListTasks (stopped), and DescribeTasks only for stopped tasks not
//! seen before.

use super::Aws;
use crate::rollout::{Deployment, Event, Snapshot, StoppedTask};
use crate::target::Target;
use aws_core::{Error, Result};
use aws_sdk_ecs::types::{ContainerDefinition, DesiredStatus, Service, TaskDefinition};
use std::collections::BTreeSet;

impl Aws {
    pub async fn describe_service(&self, t: &Target) -> Result<Service> {
        self.count();
        let out = match self
            .ecs
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
                    return Err(self.cluster_not_found(&t.cluster).await);
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
            None => Err(self.service_not_found(t).await),
        }
    }

    /// A task definition by ARN (or family:revision).
    pub async fn describe_task_definition(&self, arn: &str) -> Result<TaskDefinition> {
        self.count();
        self.ecs
            .describe_task_definition()
            .task_definition(arn)
            .send()
            .await
            .map_err(|e| Error::from_sdk("ecs:DescribeTaskDefinition", e))?
            .task_definition
            .ok_or_else(|| Error::Failed(format!("task definition {arn} has no body")))
    }

    /// Set a service's desired count (nothing else changes).
    pub async fn set_desired_count(&self, t: &Target, n: i32) -> Result<()> {
        self.count();
        self.ecs
            .update_service()
            .cluster(&t.cluster)
            .service(&t.service)
            .desired_count(n)
            .send()
            .await
            .map_err(|e| Error::from_sdk("ecs:UpdateService", e))?;
        Ok(())
    }

    /// Point a service at a revision; returns the service as ECS answered.
    pub async fn update_service(
        &self,
        t: &Target,
        task_definition: &str,
        force_new_deployment: bool,
    ) -> Result<Option<Service>> {
        self.count();
        Ok(self
            .ecs
            .update_service()
            .cluster(&t.cluster)
            .service(&t.service)
            .task_definition(task_definition)
            .force_new_deployment(force_new_deployment)
            .send()
            .await
            .map_err(|e| Error::from_sdk("ecs:UpdateService", e))?
            .service)
    }

    /// Register a new revision of `td`'s family with other container definitions;
    /// everything else is copied. Returns the new revision's ARN.
    pub async fn register_task_definition(
        &self,
        td: &TaskDefinition,
        containers: Vec<ContainerDefinition>,
    ) -> Result<String> {
        self.count();
        let res = self
            .ecs
            .register_task_definition()
            .family(td.family.clone().unwrap_or_default())
            .set_task_role_arn(td.task_role_arn.clone())
            .set_execution_role_arn(td.execution_role_arn.clone())
            .set_network_mode(td.network_mode.clone())
            .set_container_definitions(Some(containers))
            .set_volumes(td.volumes.clone())
            .set_placement_constraints(td.placement_constraints.clone())
            .set_requires_compatibilities(td.requires_compatibilities.clone())
            .set_cpu(td.cpu.clone())
            .set_memory(td.memory.clone())
            .set_pid_mode(td.pid_mode.clone())
            .set_ipc_mode(td.ipc_mode.clone())
            .set_proxy_configuration(td.proxy_configuration.clone())
            .set_ephemeral_storage(td.ephemeral_storage.clone())
            .set_runtime_platform(td.runtime_platform.clone())
            .send()
            .await
            .map_err(|e| Error::from_sdk("ecs:RegisterTaskDefinition", e))?;
        res.task_definition
            .and_then(|t| t.task_definition_arn)
            .ok_or_else(|| Error::Failed("RegisterTaskDefinition returned no ARN".into()))
    }

    pub async fn deregister_task_definition(&self, arn: &str) -> Result<()> {
        self.count();
        self.ecs
            .deregister_task_definition()
            .task_definition(arn)
            .send()
            .await
            .map_err(|e| Error::from_sdk("ecs:DeregisterTaskDefinition", e))?;
        Ok(())
    }

    /// Active revisions of exactly `family`, newest first (every page).
    pub async fn task_definitions_newest_first(&self, family: &str) -> Result<Vec<String>> {
        self.shared.revisions(family).await
    }

    /// A NotFound error that lists the clusters that do exist.
    pub async fn cluster_not_found(&self, cluster: &str) -> Error {
        self.count();
        let names = match self.ecs.list_clusters().send().await {
            Ok(out) => short_names(out.cluster_arns.unwrap_or_default()),
            Err(_) => Vec::new(),
        };
        Error::NotFound {
            what: format!("cluster \"{cluster}\""),
            hint: Some(if names.is_empty() {
                "no clusters exist in this account and region (check --region / --profile)".into()
            } else {
                format!("clusters here: {}", names.join(", "))
            }),
        }
    }

    /// A NotFound error that lists the services of the cluster.
    pub async fn service_not_found(&self, t: &Target) -> Error {
        self.count();
        let names = match self.ecs.list_services().cluster(&t.cluster).send().await {
            Ok(out) => short_names(out.service_arns.unwrap_or_default()),
            Err(_) => Vec::new(),
        };
        Error::NotFound {
            what: format!("service \"{}\" in cluster \"{}\"", t.service, t.cluster),
            hint: Some(if names.is_empty() {
                format!("cluster {} has no services", t.cluster)
            } else {
                format!("services in {}: {}", t.cluster, names.join(", "))
            }),
        }
    }

    /// Stopped tasks of the service not in `seen`, described.
    pub async fn new_stopped_tasks(
        &self,
        t: &Target,
        seen: &mut BTreeSet<String>,
    ) -> Result<Vec<StoppedTask>> {
        self.count();
        let arns: Vec<String> = self
            .ecs
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
        self.count();
        let tasks = self
            .ecs
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
}

fn short_names(arns: Vec<String>) -> Vec<String> {
    arns.iter()
        .map(|a| aws_core::services::ecs::short_name(a).to_string())
        .collect()
}

/// What the rollout watcher needs of a service (pure conversion of the SDK type).
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
