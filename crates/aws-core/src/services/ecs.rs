//! The ECS listings the tools share: clusters, services, task definition families and
//! revisions. Before this module, billing, cleanup-unused-resources and the ecs tools
//! each listed clusters their own way; the rollback listed one page of a family
//! *prefix* (so `app` also matched `app-worker`).

use crate::error::{Error, Result};
use crate::paging;
use crate::session::{RequestCounter, Session};
use aws_sdk_ecs::types::{SortOrder, TaskDefinitionFamilyStatus, TaskDefinitionStatus};

/// The ECS client of the process's session.
#[derive(Clone)]
pub struct Ecs {
    client: aws_sdk_ecs::Client,
    counter: RequestCounter,
}

impl Ecs {
    pub fn new(session: &Session) -> Ecs {
        Ecs::with_client(aws_sdk_ecs::Client::new(session.sdk()), session.counter())
    }

    /// Around a client built elsewhere (a tool's adapter, a mocked client in tests).
    pub fn with_client(client: aws_sdk_ecs::Client, counter: RequestCounter) -> Ecs {
        Ecs { client, counter }
    }

    /// The SDK client, for the calls only one tool makes (in that tool's adapter).
    pub fn client(&self) -> &aws_sdk_ecs::Client {
        &self.client
    }

    /// Every cluster ARN of the region.
    pub async fn cluster_arns(&self) -> Result<Vec<String>> {
        paging::all("ecs:ListClusters", |token| async move {
            self.counter.count();
            let page = self
                .client
                .list_clusters()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| Error::from_sdk("ecs:ListClusters", e))?;
            Ok((page.cluster_arns.unwrap_or_default(), page.next_token))
        })
        .await
    }

    /// Every service ARN of `cluster`; `None` when the cluster does not exist.
    pub async fn service_arns(&self, cluster: &str) -> Result<Option<Vec<String>>> {
        let listed = paging::all("ecs:ListServices", |token| async move {
            self.counter.count();
            match self
                .client
                .list_services()
                .cluster(cluster)
                .set_next_token(token)
                .send()
                .await
            {
                Ok(p) => Ok((p.service_arns.unwrap_or_default(), p.next_token)),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_cluster_not_found_exception()) =>
                {
                    Err(Error::NotFound {
                        what: format!("cluster {cluster}"),
                        hint: None,
                    })
                }
                Err(e) => Err(Error::from_sdk("ecs:ListServices", e)),
            }
        })
        .await;
        crate::error::found(listed)
    }

    /// ACTIVE task definition families whose name starts with `prefix`.
    pub async fn families(&self, prefix: &str) -> Result<Vec<String>> {
        paging::all("ecs:ListTaskDefinitionFamilies", |token| async move {
            self.counter.count();
            let page = self
                .client
                .list_task_definition_families()
                .family_prefix(prefix)
                .status(TaskDefinitionFamilyStatus::Active)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| Error::from_sdk("ecs:ListTaskDefinitionFamilies", e))?;
            Ok((page.families.unwrap_or_default(), page.next_token))
        })
        .await
    }

    /// ACTIVE revisions of exactly `family`, newest first. ListTaskDefinitions matches
    /// a prefix, so revisions of `family-other` are dropped here.
    pub async fn revisions(&self, family: &str) -> Result<Vec<String>> {
        let listed = paging::all("ecs:ListTaskDefinitions", |token| async move {
            self.counter.count();
            let page = self
                .client
                .list_task_definitions()
                .family_prefix(family)
                .status(TaskDefinitionStatus::Active)
                .sort(SortOrder::Desc)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| Error::from_sdk("ecs:ListTaskDefinitions", e))?;
            Ok((
                page.task_definition_arns.unwrap_or_default(),
                page.next_token,
            ))
        })
        .await?;
        Ok(newest_first_of(family, listed))
    }
}

/// The revisions of exactly `family` among `arns`, newest first by revision number
/// (whatever order the server listed them in).
pub fn newest_first_of(family: &str, arns: Vec<String>) -> Vec<String> {
    let own = format!("task-definition/{family}:");
    let mut numbered: Vec<(u64, String)> = arns
        .into_iter()
        .filter_map(|arn| {
            let (_, revision) = arn.split_once(&own)?;
            Some((revision.parse().ok()?, arn))
        })
        .collect();
    numbered.sort_by_key(|n| std::cmp::Reverse(n.0));
    numbered.into_iter().map(|(_, arn)| arn).collect()
}

/// The name after the last `/` of an ARN (`.../cluster/fft-dev` -> `fft-dev`).
pub fn short_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_that_prefixes_another_keeps_only_its_own_revisions_newest_first() {
        let arn = |f: &str, r: u32| format!("arn:aws:ecs:us-east-1:1:task-definition/{f}:{r}");
        let listed = vec![
            arn("app", 2),
            arn("app-worker", 9),
            arn("app", 10),
            arn("app", 1),
        ];
        assert_eq!(
            newest_first_of("app", listed),
            [arn("app", 10), arn("app", 2), arn("app", 1)]
        );
        assert_eq!(short_name("arn:aws:ecs:r:1:cluster/fft-dev"), "fft-dev");
    }
}
