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

    if kinds.contains(&Kind::TaskDefinition) || kinds.contains(&Kind::EcrImage) {
        let mut families = Vec::new();
        for name in c.aws.families(&scope.family_prefix()).await? {
            let revisions = c.aws.revisions(&name).await?;
            families.push(Family { name, revisions });
        }
        match &services {
            Some(list) => {
                let in_use: BTreeSet<String> = list
                    .iter()
                    .flat_map(|s| s.task_definitions.iter().cloned())
                    .collect();
                let old = rules::task_definitions(scope, &families, &in_use);
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
                    let references = image_references(c.aws, &kept_revisions).await?;
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

/// Every image a service in any cluster of the region runs (the repository is shared
/// by environments), and every image of a revision this tool keeps.
async fn image_references(aws: &Aws, kept_revisions: &[String]) -> Result<BTreeSet<String>> {
    let mut task_definitions: BTreeSet<String> = kept_revisions.iter().cloned().collect();
    for cluster in aws.clusters().await? {
        for service in aws.services(&cluster).await?.unwrap_or_default() {
            task_definitions.extend(service.task_definitions);
        }
    }
    let mut images = BTreeSet::new();
    for td in &task_definitions {
        images.extend(aws.images_of(td).await?);
    }
    Ok(images)
}
