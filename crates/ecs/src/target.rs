//! Which cluster and service a command acts on, and the errors that list what exists.

use aws_core::{Context, Error, Result};
use aws_sdk_ecs::Client;

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub cluster: String,
    pub service: String,
}

/// Cluster: --cluster, else the environment's `cluster` in fargate.toml, else the
/// `cluster_name` output of its (initialised) Terraform root. Service: --service, else
/// the environment's `services` in fargate.toml when it lists exactly one.
pub fn resolve(ctx: &Context, cluster: Option<&str>, service: Option<&str>) -> Result<Target> {
    let configured = ctx
        .environment_config()
        .map(|e| e.services.clone())
        .unwrap_or_default();
    let service = match (service, configured.as_slice()) {
        (Some(s), _) => s.to_string(),
        (None, [only]) => only.clone(),
        (None, []) => {
            return Err(Error::invalid(
                "no service: pass --service NAME (or list it in `services` of the environment in fargate.toml)",
            ));
        }
        (None, many) => {
            return Err(Error::invalid(format!(
                "several services in fargate.toml ({}): choose one with --service",
                many.join(", ")
            )));
        }
    };
    if service.trim().is_empty() {
        return Err(Error::invalid("--service must not be empty"));
    }
    let cluster = cluster
        .map(str::to_string)
        .or_else(|| ctx.environment_config().and_then(|e| e.cluster.clone()))
        .or_else(|| {
            ctx.terraform_outputs()?
                .get("cluster_name")?
                .as_str()
                .map(str::to_string)
        })
        .ok_or_else(|| {
            Error::invalid(
                "no cluster: pass --cluster NAME, or --environment NAME with `cluster` set in fargate.toml \
                 (or an initialised terraform_dir with a cluster_name output)",
            )
        })?;
    Ok(Target { cluster, service })
}

/// A NotFound error that lists the clusters that do exist.
pub async fn cluster_not_found(ecs: &Client, cluster: &str) -> Error {
    let names = match ecs.list_clusters().send().await {
        Ok(out) => out
            .cluster_arns
            .unwrap_or_default()
            .iter()
            .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
            .collect::<Vec<_>>(),
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
pub async fn service_not_found(ecs: &Client, t: &Target) -> Error {
    let names = match ecs.list_services().cluster(&t.cluster).send().await {
        Ok(out) => out
            .service_arns
            .unwrap_or_default()
            .iter()
            .map(|a| a.rsplit('/').next().unwrap_or(a).to_string())
            .collect::<Vec<_>>(),
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
