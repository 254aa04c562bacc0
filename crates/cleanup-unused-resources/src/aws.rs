//! The adapter: the only code of this crate that calls AWS through the SDK (`cargo
//! xtask tidy` checks it). EC2 goes through the `aws-lite` crate. Every function
//! returns the plain records of [`crate::rules`].

use crate::rules::{Image, LogGroup, StoppedTask};
use aws_core::services::{ecr, ecs::Ecs, logs};
use aws_core::session::{RequestCounter, Session};
use aws_core::{Error, Result, paging};
use aws_sdk_ecs::types::DesiredStatus;
use std::collections::BTreeSet;

pub struct Aws {
    /// The shared ECS listings (clusters, services, families, revisions).
    shared: Ecs,
    shared_ecr: ecr::Ecr,
    shared_logs: logs::Logs,
    ecs: aws_sdk_ecs::Client,
    ecr: aws_sdk_ecr::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    iam: aws_sdk_iam::Client,
    counter: RequestCounter,
}

/// A service and the task definitions its deployments run.
#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub task_definitions: BTreeSet<String>,
}

impl Aws {
    /// The spend cap's record of `cluster` (type and value, never decrypted).
    pub async fn cap_record(
        session: &Session,
        cluster: &str,
    ) -> aws_core::Result<Option<(String, String)>> {
        session.counter().count();
        aws_lite::json::plain_parameter(session.sdk(), &aws_core::cap::record_name(cluster)).await
    }

    pub fn new(session: &Session) -> Aws {
        let shared = Ecs::new(session);
        let shared_ecr = ecr::Ecr::new(session);
        let shared_logs = logs::Logs::new(session);
        Aws {
            ecs: shared.client().clone(),
            ecr: shared_ecr.client().clone(),
            logs: shared_logs.client().clone(),
            shared,
            shared_ecr,
            shared_logs,
            iam: aws_sdk_iam::Client::new(session.sdk()),
            counter: session.counter(),
        }
    }

    fn count(&self) {
        self.counter.count();
    }

    /// The account alias, if one is set.
    pub async fn account_alias(&self) -> Result<Option<String>> {
        self.count();
        let out = self
            .iam
            .list_account_aliases()
            .send()
            .await
            .map_err(|e| Error::from_sdk("iam:ListAccountAliases", e))?;
        Ok(out.account_aliases.into_iter().next())
    }

    pub async fn clusters(&self) -> Result<Vec<String>> {
        self.shared.cluster_arns().await
    }

    /// The services of `cluster` with the task definitions of all their deployments;
    /// `None` when the cluster does not exist.
    pub async fn services(&self, cluster: &str) -> Result<Option<Vec<Service>>> {
        let Some(arns) = self.shared.service_arns(cluster).await? else {
            return Ok(None);
        };
        let mut out = Vec::new();
        for chunk in arns.chunks(10) {
            self.count();
            let described = self
                .ecs
                .describe_services()
                .cluster(cluster)
                .set_services(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| Error::from_sdk("ecs:DescribeServices", e))?;
            if let Some(failure) = described.failures.unwrap_or_default().first() {
                return Err(Error::Failed(format!(
                    "ecs:DescribeServices could not describe {}: {}; nothing is judged on a partial answer",
                    failure.arn.as_deref().unwrap_or("a service"),
                    failure.reason.as_deref().unwrap_or("no reason given")
                )));
            }
            for s in described.services.unwrap_or_default() {
                let mut task_definitions: BTreeSet<String> =
                    s.task_definition.clone().into_iter().collect();
                for d in s.deployments.unwrap_or_default() {
                    task_definitions.extend(d.task_definition);
                }
                out.push(Service {
                    name: s.service_name.unwrap_or_default(),
                    task_definitions,
                });
            }
        }
        Ok(Some(out))
    }

    /// ACTIVE task definition families whose name starts with `prefix`.
    pub async fn families(&self, prefix: &str) -> Result<Vec<String>> {
        self.shared.families(prefix).await
    }

    /// ACTIVE revisions of exactly `family`, newest first.
    pub async fn revisions(&self, family: &str) -> Result<Vec<String>> {
        self.shared.revisions(family).await
    }

    /// The container images a task definition names.
    pub async fn images_of(&self, task_definition: &str) -> Result<Vec<String>> {
        self.count();
        let out = self
            .ecs
            .describe_task_definition()
            .task_definition(task_definition)
            .send()
            .await
            .map_err(|e| Error::from_sdk("ecs:DescribeTaskDefinition", e))?;
        Ok(out
            .task_definition
            .and_then(|t| t.container_definitions)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| c.image)
            .collect())
    }

    pub async fn deregister(&self, task_definition: &str) -> Result<()> {
        self.count();
        self.ecs
            .deregister_task_definition()
            .task_definition(task_definition)
            .send()
            .await
            .map_err(|e| Error::from_sdk("ecs:DeregisterTaskDefinition", e))?;
        Ok(())
    }

    /// Tasks of `cluster` that stopped (ECS keeps them about an hour), with why.
    pub async fn stopped_tasks(&self, cluster: &str) -> Result<Vec<StoppedTask>> {
        let listed = paging::all("ecs:ListTasks", |token| async move {
            self.count();
            match self
                .ecs
                .list_tasks()
                .cluster(cluster)
                .desired_status(DesiredStatus::Stopped)
                .set_next_token(token)
                .send()
                .await
            {
                Ok(p) => Ok((p.task_arns.unwrap_or_default(), p.next_token)),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_cluster_not_found_exception()) =>
                {
                    Err(missing(cluster))
                }
                Err(e) => Err(Error::from_sdk("ecs:ListTasks", e)),
            }
        })
        .await;
        let Some(arns) = aws_core::error::found(listed)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for chunk in arns.chunks(100) {
            self.count();
            let described = self
                .ecs
                .describe_tasks()
                .cluster(cluster)
                .set_tasks(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| Error::from_sdk("ecs:DescribeTasks", e))?;
            for t in described.tasks.unwrap_or_default() {
                let code = t.stop_code.map(|c| c.as_str().to_string());
                let reason = match (code, t.stopped_reason) {
                    (Some(c), Some(r)) => format!("{c}: {r}"),
                    (Some(c), None) => c,
                    (None, Some(r)) => r,
                    (None, None) => "no reason given".into(),
                };
                out.push(StoppedTask {
                    arn: t.task_arn.unwrap_or_default(),
                    reason,
                });
            }
        }
        Ok(out)
    }

    /// The images of an ECR repository; `None` when it does not exist.
    pub async fn images(&self, repository: &str) -> Result<Option<Vec<Image>>> {
        Ok(self.shared_ecr.images(repository).await?.map(|list| {
            list.into_iter()
                .map(|d| Image {
                    digest: d.digest,
                    tags: d.tags,
                    pushed_at: d.pushed_at,
                    size_bytes: d.size_bytes,
                })
                .collect()
        }))
    }

    pub async fn delete_image(&self, repository: &str, digest: &str) -> Result<()> {
        self.count();
        let out = self
            .ecr
            .batch_delete_image()
            .repository_name(repository)
            .image_ids(
                aws_sdk_ecr::types::ImageIdentifier::builder()
                    .image_digest(digest)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| Error::from_sdk("ecr:BatchDeleteImage", e))?;
        match out.failures.unwrap_or_default().first() {
            None => Ok(()),
            Some(f) => Err(Error::Aws {
                action: "ecr:BatchDeleteImage".into(),
                code: f
                    .failure_code
                    .as_ref()
                    .map_or("Failure".into(), |c| c.as_str().to_string()),
                message: f.failure_reason.clone().unwrap_or_default(),
            }),
        }
    }

    /// Log groups whose name starts with `prefix`.
    pub async fn log_groups(&self, prefix: &str) -> Result<Vec<LogGroup>> {
        Ok(self
            .shared_logs
            .log_groups(Some(prefix))
            .await?
            .into_iter()
            .map(|g| LogGroup {
                name: g.name,
                stored_bytes: g.stored_bytes,
                retention_days: g.retention_days,
            })
            .collect())
    }

    pub async fn delete_log_group(&self, name: &str) -> Result<()> {
        self.count();
        self.logs
            .delete_log_group()
            .log_group_name(name)
            .send()
            .await
            .map_err(|e| Error::from_sdk("logs:DeleteLogGroup", e))?;
        Ok(())
    }

    pub async fn set_retention(&self, name: &str, days: u32) -> Result<()> {
        self.count();
        self.logs
            .put_retention_policy()
            .log_group_name(name)
            .retention_in_days(i32::try_from(days).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| Error::from_sdk("logs:PutRetentionPolicy", e))?;
        Ok(())
    }
}

/// The sentinel a listing returns when its parent (cluster, repository) is missing.
fn missing(what: &str) -> Error {
    Error::NotFound {
        what: what.to_string(),
        hint: None,
    }
}
