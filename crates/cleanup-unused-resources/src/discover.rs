//! The search: read each kind of resource in scope and judge it with [`crate::rules`].
//! A kind the scope cannot judge is skipped with the reason, never guessed.

use crate::aws::Aws;
use crate::model::{Finding, Kind, Skipped};
use crate::rules::{self, Family, Prices};
use crate::scope::Scope;
use aws_core::Result;
use aws_lite::ec2::{Ec2, Filter};
use std::collections::BTreeSet;

#[derive(Debug, Default)]
pub struct Found {
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
}

impl Found {
    fn skip(&mut self, kind: Kind, what: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(Skipped {
            kind,
            what: what.into(),
            reason: reason.into(),
        });
    }
}

pub struct Clients<'a> {
    pub aws: &'a Aws,
    pub ec2: &'a Ec2,
    pub region: &'a str,
}

/// Judge the `kinds` asked for, in scope.
pub async fn discover(
    c: &Clients<'_>,
    scope: &Scope,
    kinds: &BTreeSet<Kind>,
    now: jiff::Timestamp,
) -> Result<Found> {
    let prices = Prices::new(c.region);
    let mut found = Found::default();
    let tag_filters: Vec<Filter> = scope
        .tags
        .iter()
        .map(|(k, v)| Filter::new(format!("tag:{k}"), &[v.as_str()]))
        .collect();
    let tagged = !scope.tags.is_empty();
    let untagged_reason = "no scope tags: nothing can be told to belong to this project";

    if kinds.contains(&Kind::ElasticIp) {
        if tagged {
            let addresses = c.ec2.describe_addresses(&tag_filters).await?;
            found
                .findings
                .extend(rules::elastic_ips(scope, &addresses, &prices));
        } else {
            found.skip(Kind::ElasticIp, "all", untagged_reason);
        }
    }
    if kinds.contains(&Kind::NetworkInterface) {
        match &scope.vpc_id {
            Some(vpc) => {
                let filters = [
                    Filter::new("vpc-id", &[vpc.as_str()]),
                    Filter::new("status", &["available"]),
                ];
                let interfaces = c.ec2.describe_network_interfaces(&filters).await?;
                let (f, s) = rules::network_interfaces(scope, &interfaces, &prices);
                found.findings.extend(f);
                found.skipped.extend(s);
            }
            None => found.skip(
                Kind::NetworkInterface,
                "all",
                "no VPC in scope (network interfaces carry no tags; pass --vpc-id)",
            ),
        }
    }
    if kinds.contains(&Kind::EbsVolume) {
        if tagged {
            let mut filters = tag_filters.clone();
            filters.push(Filter::new("status", &["available"]));
            let volumes = c.ec2.describe_volumes(&filters).await?;
            found
                .findings
                .extend(rules::volumes(scope, &volumes, &prices));
        } else {
            found.skip(Kind::EbsVolume, "all", untagged_reason);
        }
    }
    if kinds.contains(&Kind::EbsSnapshot) {
        if tagged {
            let snapshots = c.ec2.describe_own_snapshots(&tag_filters).await?;
            let (f, s) = rules::snapshots(scope, &snapshots, now, &prices);
            found.findings.extend(f);
            found.skipped.extend(s);
        } else {
            found.skip(Kind::EbsSnapshot, "all", untagged_reason);
        }
    }

    let needs_ecs = [
        Kind::TaskDefinition,
        Kind::EcrImage,
        Kind::LogGroup,
        Kind::StoppedTask,
    ]
    .iter()
    .any(|k| kinds.contains(k));
    if !needs_ecs {
        return Ok(found);
    }
    // The services of the environment's cluster: `None` when unknown.
    let services = match &scope.cluster {
        Some(cluster) => c.aws.services(cluster).await?,
        None => None,
    };
    let cluster_text = scope
        .cluster
        .clone()
        .unwrap_or_else(|| "(none configured)".into());
    let mut kept_revisions: Vec<String> = Vec::new();

    // What runs anywhere in the region, and where each would roll back to: another
    // environment's service may run a revision or an image this scope could reach.
    let mut region_in_use = None;
    if kinds.contains(&Kind::TaskDefinition) || kinds.contains(&Kind::EcrImage) {
        let mut families = Vec::new();
        for name in c.aws.families(&scope.family_prefix()).await? {
            if !scope.owns_family(&name) {
                continue;
            }
            let revisions = c.aws.revisions(&name).await?;
            families.push(Family { name, revisions });
        }
        let in_region = in_use_in_region(c.aws).await?;
        match &services {
            Some(_) => {
                // The rules add each running revision's rollback target themselves.
                let old = rules::task_definitions(scope, &families, &in_region.running);
                let old_ids: BTreeSet<&str> = old.iter().map(|f| f.id.as_str()).collect();
                kept_revisions = families
                    .iter()
                    .flat_map(|f| f.revisions.iter())
                    .filter(|r| !old_ids.contains(r.as_str()))
                    .cloned()
                    .collect();
                if kinds.contains(&Kind::TaskDefinition) {
                    found.findings.extend(old);
                }
            }
            None => {
                kept_revisions = families.iter().flat_map(|f| f.revisions.clone()).collect();
                if kinds.contains(&Kind::TaskDefinition) {
                    found.skip(
                        Kind::TaskDefinition,
                        "all",
                        format!("cluster {cluster_text} not found: which revisions run is unknown"),
                    );
                }
            }
        }
        region_in_use = Some(in_region);
    }

    if kinds.contains(&Kind::EcrImage) {
        match &scope.ecr_repository {
            None => found.skip(
                Kind::EcrImage,
                "all",
                "no ECR repository configured (ecr_repository)",
            ),
            Some(repo) => match c.aws.images(repo).await? {
                None => found.skip(Kind::EcrImage, repo.clone(), "repository not found"),
                Some(images) => {
                    let protected = region_in_use
                        .as_ref()
                        .map(|r: &InRegion| r.protected.clone())
                        .unwrap_or_default();
                    let references = image_references(c.aws, &kept_revisions, &protected).await?;
                    found.findings.extend(rules::ecr_images(
                        scope,
                        repo,
                        &images,
                        &references,
                        &prices,
                    ));
                }
            },
        }
    }

    if kinds.contains(&Kind::LogGroup) {
        let groups = c.aws.log_groups(&scope.log_group_prefix()).await?;
        let names: Option<BTreeSet<String>> = services
            .as_ref()
            .map(|list| list.iter().map(|s| s.name.clone()).collect());
        if names.is_none() {
            found.skip(
                Kind::LogGroup,
                scope.log_group_prefix(),
                format!("cluster {cluster_text} not found: no log group is judged orphaned (retention is still checked)"),
            );
        }
        found
            .findings
            .extend(rules::log_groups(scope, &groups, names.as_ref(), &prices));
    }

    if kinds.contains(&Kind::StoppedTask)
        && let Some(cluster) = &scope.cluster
    {
        let tasks = c.aws.stopped_tasks(cluster).await?;
        found.findings.extend(rules::stopped_tasks(&tasks));
    }
    Ok(found)
}

/// Every task definition a service in any cluster of the region runs (all its
/// deployments), and each one's rollback target: the next older ACTIVE revision of
/// its family. The repository and the family names may be shared by environments.
async fn in_use_in_region(aws: &Aws) -> Result<InRegion> {
    let mut running = BTreeSet::new();
    for cluster in aws.clusters().await? {
        for service in aws.services(&cluster).await?.unwrap_or_default() {
            running.extend(service.task_definitions);
        }
    }
    let mut protected = running.clone();
    let families: BTreeSet<&str> = running.iter().filter_map(|arn| family_of(arn)).collect();
    for family in families {
        let revisions = aws.revisions(family).await?;
        for (i, arn) in revisions.iter().enumerate() {
            if running.contains(arn)
                && let Some(previous) = revisions.get(i + 1)
            {
                protected.insert(previous.clone());
            }
        }
    }
    Ok(InRegion { running, protected })
}

/// What services of the region run, and that plus their rollback targets.
#[derive(Debug, Clone, Default)]
struct InRegion {
    running: BTreeSet<String>,
    protected: BTreeSet<String>,
}

/// `fft-dev-app` of `arn:aws:ecs:REGION:ACCOUNT:task-definition/fft-dev-app:7`.
fn family_of(arn: &str) -> Option<&str> {
    arn.rsplit_once("task-definition/")?
        .1
        .rsplit_once(':')
        .map(|(f, _)| f)
}

/// Every image of a task definition that runs or is a rollback target anywhere in the
/// region, and of every revision this tool keeps.
async fn image_references(
    aws: &Aws,
    kept_revisions: &[String],
    in_region: &BTreeSet<String>,
) -> Result<BTreeSet<String>> {
    let mut task_definitions: BTreeSet<String> = kept_revisions.iter().cloned().collect();
    task_definitions.extend(in_region.iter().cloned());
    let mut images = BTreeSet::new();
    for td in &task_definitions {
        images.extend(aws.images_of(td).await?);
    }
    Ok(images)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_family_of_a_task_definition_arn() {
        assert_eq!(
            super::family_of("arn:aws:ecs:us-east-1:1:task-definition/fft-dev-eu-app:7"),
            Some("fft-dev-eu-app")
        );
        assert_eq!(super::family_of("nonsense"), None);
    }
}
