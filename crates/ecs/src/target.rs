//! Which cluster and service a command acts on, and the errors that list what exists.

use aws_core::{Context, Error, Result};

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
    let cluster = ctx
        .cluster(cluster)
        .map(|c| c.value)
        .ok_or_else(|| {
            Error::invalid(
                "no cluster: pass --cluster NAME, or --environment NAME with `cluster` set in fargate.toml \
                 (or an initialised terraform_dir with a cluster_name output)",
            )
        })?;
    Ok(Target { cluster, service })
}
