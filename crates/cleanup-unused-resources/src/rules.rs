//! The rules of "unused": pure functions from what the adapters read to findings.
//! Each rule states its reason in the finding; anything it cannot judge is skipped.

use crate::model::{Action, Finding, Kind, Monthly, Skipped};
use crate::scope::Scope;
use aws_lite::ec2::{Address, NetworkInterface, Snapshot, Volume};
use std::collections::BTreeSet;

const PUBLIC_IPV4: &str = "vpc.public_ipv4.hour";
const SNAPSHOT: &str = "ebs.snapshot.gb_month";
const ECR_STORAGE: &str = "ecr.storage.gb_month";
const LOG_STORAGE: &str = "cloudwatch.logs.storage.gb_month";
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Prices of the region in use, from the one catalog.
pub struct Prices {
    catalog: pricing::catalog::Catalog,
    region: String,
}

impl Prices {
    pub fn new(region: &str) -> Prices {
        Prices {
            catalog: pricing::catalog::Catalog::builtin(),
            region: region.to_string(),
        }
    }

    /// `quantity` units of a per-month price.
    fn monthly(&self, id: &str, quantity: f64) -> Monthly {
        match self.catalog.price(id, &self.region) {
            Ok(p) => Monthly::Usd(p * quantity),
            Err(_) => {
                Monthly::Unpriced(format!("no {id} price for {} in the catalog", self.region))
            }
        }
    }

    /// `quantity` units of a per-hour price, for a month.
    fn hourly(&self, id: &str, quantity: f64) -> Monthly {
        self.monthly(id, quantity * self.catalog.hours_per_month)
    }
}

pub fn elastic_ips(scope: &Scope, addresses: &[Address], prices: &Prices) -> Vec<Finding> {
    addresses
        .iter()
        .filter(|a| scope.owns(&a.tags))
        .filter(|a| {
            a.association_id.is_none()
                && a.network_interface_id.is_none()
                && a.instance_id.is_none()
        })
        .map(|a| {
            Finding::new(
                Kind::ElasticIp,
                &a.allocation_id,
                Action::Release,
                format!(
                    "{} is associated with nothing; an idle public IPv4 is billed by the hour",
                    a.public_ip
                ),
                prices.hourly(PUBLIC_IPV4, 1.0),
            )
        })
        .collect()
}

/// Available (attached to nothing) interfaces in the project's VPC that a person or
/// a tool created: interfaces an AWS service manages are that service's business. One
/// that holds an Elastic IP was set up on purpose: it is skipped, with what it costs.
pub fn network_interfaces(
    scope: &Scope,
    interfaces: &[NetworkInterface],
    prices: &Prices,
) -> (Vec<Finding>, Vec<Skipped>) {
    let (mut found, mut skipped) = (Vec::new(), Vec::new());
    let Some(vpc) = &scope.vpc_id else {
        return (found, skipped);
    };
    let candidates = interfaces
        .iter()
        .filter(|n| &n.vpc_id == vpc && n.status == "available" && !n.requester_managed)
        .filter(|n| n.interface_type.is_empty() || n.interface_type == "interface");
    for n in candidates {
        if let Some(ip) = &n.public_ip {
            let cost = match prices.hourly(PUBLIC_IPV4, 1.0) {
                Monthly::Usd(v) => format!("{}/month", cost_engine::estimate::usd(v)),
                Monthly::Unpriced(_) => "a public IPv4 charge".into(),
            };
            skipped.push(Skipped {
                kind: Kind::NetworkInterface,
                what: n.id.clone(),
                reason: format!(
                    "available, but holds the address {ip} ({cost}): disassociate or release it on purpose first"
                ),
            });
            continue;
        }
        found.push(Finding::new(
            Kind::NetworkInterface,
            &n.id,
            Action::Delete,
            format!(
                "available (attached to nothing) in {vpc}; no charge, but it holds a subnet address"
            ),
            Monthly::Usd(0.0),
        ));
    }
    (found, skipped)
}

pub fn volumes(scope: &Scope, volumes: &[Volume], prices: &Prices) -> Vec<Finding> {
    volumes
        .iter()
        .filter(|v| scope.owns(&v.tags) && v.state == "available" && v.attachments == 0)
        .map(|v| {
            let cost = match v.volume_type.as_str() {
                "gp3" | "gp2" => prices.monthly(
                    &format!("ebs.{}.gb_month", v.volume_type),
                    v.size_gib as f64,
                ),
                other => {
                    Monthly::Unpriced(format!("volume type {other:?} is not in the price catalog"))
                }
            };
            Finding::new(
                Kind::EbsVolume,
                &v.id,
                Action::Delete,
                format!("{} GiB {} attached to nothing", v.size_gib, v.volume_type),
                cost,
            )
        })
        .collect()
}

/// Completed manual snapshots in scope older than the age rule. A snapshot behind an
/// AMI cannot be deleted before the AMI: it is skipped.
pub fn snapshots(
    scope: &Scope,
    snapshots: &[Snapshot],
    now: jiff::Timestamp,
    prices: &Prices,
) -> (Vec<Finding>, Vec<Skipped>) {
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    let min_age = i64::from(scope.rules.snapshot_min_age_days);
    for s in snapshots
        .iter()
        .filter(|s| scope.owns(&s.tags) && s.state == "completed")
    {
        let Ok(started) = s.start_time.parse::<jiff::Timestamp>() else {
            skipped.push(Skipped {
                kind: Kind::EbsSnapshot,
                what: s.id.clone(),
                reason: format!("start time {:?} is not a time; age unknown", s.start_time),
            });
            continue;
        };
        let age_days = (now.as_second() - started.as_second()) / 86_400;
        if age_days < min_age {
            continue;
        }
        if s.description.starts_with("Created by CreateImage") {
            skipped.push(Skipped {
                kind: Kind::EbsSnapshot,
                what: s.id.clone(),
                reason: "belongs to an AMI: deregister the AMI first".into(),
            });
            continue;
        }
        found.push(Finding::new(
            Kind::EbsSnapshot,
            &s.id,
            Action::Delete,
            format!(
                "manual snapshot {age_days} days old (rule: {min_age}); cost is at most its {} GiB volume (snapshots store changed blocks)",
                s.volume_size_gib
            ),
            prices.monthly(SNAPSHOT, s.volume_size_gib as f64),
        ));
    }
    (found, skipped)
}

/// The ACTIVE revisions of one task definition family, newest first.
#[derive(Debug, Clone)]
pub struct Family {
    pub name: String,
    pub revisions: Vec<String>,
}

/// Revisions beyond the newest `keep_revisions`, never one a service runs (any of its
/// deployments) nor the revision just before it (its rollback target).
pub fn task_definitions(
    scope: &Scope,
    families: &[Family],
    in_use: &BTreeSet<String>,
) -> Vec<Finding> {
    let keep = scope.rules.keep_revisions as usize;
    let mut out = Vec::new();
    for family in families.iter().filter(|f| scope.owns_family(&f.name)) {
        let protected: BTreeSet<&String> = family
            .revisions
            .iter()
            .enumerate()
            .filter(|(_, arn)| in_use.contains(*arn))
            .flat_map(|(i, arn)| std::iter::once(arn).chain(family.revisions.get(i + 1)))
            .collect();
        for arn in family.revisions.iter().skip(keep) {
            if protected.contains(arn) {
                continue;
            }
            out.push(Finding::new(
                Kind::TaskDefinition,
                arn,
                Action::Deregister,
                format!(
                    "older than the newest {keep} of {}; no service runs it or would roll back to it",
                    family.name
                ),
                Monthly::Usd(0.0),
            ));
        }
    }
    out
}

/// An image in the project's repository.
#[derive(Debug, Clone)]
pub struct Image {
    pub digest: String,
    pub tags: Vec<String>,
    /// Seconds since the epoch.
    pub pushed_at: i64,
    pub size_bytes: Option<u64>,
}

/// Untagged images, and tagged ones beyond the newest `keep_images` (never `latest`),
/// that no task definition still in use or kept refers to (by tag or digest).
pub fn ecr_images(
    scope: &Scope,
    repository: &str,
    images: &[Image],
    references: &BTreeSet<String>,
    prices: &Prices,
) -> Vec<Finding> {
    let keep = scope.rules.keep_images as usize;
    let mut tagged: Vec<&Image> = images.iter().filter(|i| !i.tags.is_empty()).collect();
    tagged.sort_by_key(|i| std::cmp::Reverse(i.pushed_at));
    // Older than the keep-th newest; an image pushed in the same second as it is kept
    // too (push times are whole seconds: a tie is not an order).
    let cutoff = tagged.get(keep.saturating_sub(1)).map(|i| i.pushed_at);
    let old_tagged: BTreeSet<&str> = tagged
        .iter()
        .filter(|i| keep > 0 && tagged.len() > keep && cutoff.is_some_and(|c| i.pushed_at < c))
        .filter(|i| !i.tags.iter().any(|t| t == "latest"))
        .map(|i| i.digest.as_str())
        .collect();
    let mut out = Vec::new();
    for image in images {
        let why = if image.tags.is_empty() {
            "untagged".to_string()
        } else if old_tagged.contains(image.digest.as_str()) {
            format!(
                "tagged {} and older than the newest {keep} tagged images",
                image.tags.join(", ")
            )
        } else {
            continue;
        };
        if references.iter().any(|r| refers_to(r, repository, image)) {
            continue;
        }
        let cost = match image.size_bytes {
            Some(bytes) => prices.monthly(ECR_STORAGE, bytes as f64 / GIB),
            None => Monthly::Unpriced("ECR did not report the image's size".into()),
        };
        out.push(Finding::new(
            Kind::EcrImage,
            format!("{repository}@{}", image.digest),
            Action::Delete,
            format!("{why}; no task definition in use or kept refers to it (layers shared with other images are not freed, so the saving is at most this)"),
            cost,
        ));
    }
    out
}

/// Whether an image reference (`host/repo:tag`, `host/repo@sha256:…`) names `image`
/// of `repository`.
pub fn refers_to(reference: &str, repository: &str, image: &Image) -> bool {
    let (name, digest) = match reference.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (reference, None),
    };
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    let same_repo = name == repository || name.ends_with(&format!("/{repository}"));
    same_repo
        && (digest == Some(image.digest.as_str())
            || digest.is_none()
                && image
                    .tags
                    .iter()
                    .any(|t| Some(t.as_str()) == tag.or(Some("latest"))))
}

/// A log group of the project.
#[derive(Debug, Clone)]
pub struct LogGroup {
    pub name: String,
    pub stored_bytes: Option<u64>,
    pub retention_days: Option<u32>,
}

/// Log groups under `/ecs/{name_prefix}/` whose service is gone (delete), and log
/// groups that keep logs forever (set retention; nothing is deleted). `services` is
/// `None` when the cluster's services could not be listed: then nothing is judged gone.
pub fn log_groups(
    scope: &Scope,
    groups: &[LogGroup],
    services: Option<&BTreeSet<String>>,
    prices: &Prices,
) -> Vec<Finding> {
    let prefix = scope.log_group_prefix();
    let mut out = Vec::new();
    for g in groups.iter().filter(|g| g.name.starts_with(&prefix)) {
        let stored = g.stored_bytes.map(|b| b as f64 / GIB);
        let service = &g.name[prefix.len()..];
        let gone = services
            .is_some_and(|s| !service.is_empty() && !service.contains('/') && !s.contains(service));
        if gone {
            let cost = match stored {
                Some(gb) => prices.monthly(LOG_STORAGE, gb),
                None => Monthly::Unpriced("CloudWatch did not report the stored bytes".into()),
            };
            let cluster = scope.cluster.as_deref().unwrap_or("?");
            out.push(Finding::new(
                Kind::LogGroup,
                &g.name,
                Action::Delete,
                format!("service {service} no longer exists in cluster {cluster}"),
                cost,
            ));
        } else if g.retention_days.is_none() {
            let days = scope.rules.retention_days;
            let now = match stored {
                Some(gb) => format!("{:.3} GB stored now", gb),
                None => "stored bytes unknown".into(),
            };
            let mut f = Finding::new(
                Kind::LogGroup,
                &g.name,
                Action::SetRetention,
                format!(
                    "keeps logs forever, so storage only grows ({now}); set {days}-day retention"
                ),
                Monthly::Unpriced("the saving depends on future log volume".into()),
            );
            f.retention_days = Some(days);
            out.push(f);
        }
    }
    out
}

/// A task that stopped, with why (ECS forgets it about an hour later).
#[derive(Debug, Clone)]
pub struct StoppedTask {
    pub arn: String,
    pub reason: String,
}

pub fn stopped_tasks(tasks: &[StoppedTask]) -> Vec<Finding> {
    tasks
        .iter()
        .map(|t| {
            Finding::new(
                Kind::StoppedTask,
                &t.arn,
                Action::Report,
                format!(
                    "stopped: {}; not billed, and ECS removes it by itself",
                    t.reason
                ),
                Monthly::Usd(0.0),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;
