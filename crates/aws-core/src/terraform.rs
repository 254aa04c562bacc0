//! Terraform outputs as a source of names (cluster, services, URLs): the contract
//! of docs/architecture/terraform-outputs.md. Read only from an initialised root
//! (`.terraform/` present), so no command ever runs `terraform init` behind the user's back.

use crate::error::{Error, Result};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The oldest Terraform the stack supports (S3 native state locking).
pub const MIN_VERSION: (u64, u64) = (1, 11);
/// `terraform version` and `terraform output` answer in seconds: a Terraform that does
/// not must not hang a tool.
pub const QUICK_TIMEOUT: Duration = Duration::from_secs(30);
const MAX_OUTPUT: usize = 16 << 20;

/// `terraform version -json` -> "1.11.4"; a clear error when it is missing or old.
pub fn version() -> Result<String> {
    let text = installed_version()?;
    check_version(&text)?;
    Ok(text)
}

/// The version `terraform version -json` reports, whatever it is.
pub fn installed_version() -> Result<String> {
    let out = crate::process::run(
        Command::new("terraform").args(["version", "-json"]),
        "terraform version",
        QUICK_TIMEOUT,
        MAX_OUTPUT,
    )
    .map_err(|e| match e {
        Error::Failed(m) if m.starts_with("running terraform version") => Error::Config(format!(
            "terraform is not on PATH ({m}): install Terraform >= {}.{} \
             (https://developer.hashicorp.com/terraform/install)",
            MIN_VERSION.0, MIN_VERSION.1
        )),
        other => other,
    })?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    v.get("terraform_version")
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .ok_or_else(|| Error::Config("`terraform version -json` printed no version".into()))
}

pub fn check_version(text: &str) -> Result<()> {
    let mut parts = text.split(['.', '-']).map(|p| p.parse::<u64>().ok());
    let (major, minor) = (parts.next().flatten(), parts.next().flatten());
    match (major, minor) {
        (Some(a), Some(b)) if (a, b) >= MIN_VERSION => Ok(()),
        _ => Err(Error::Config(format!(
            "Terraform {text} is too old: the stack needs >= {}.{} (S3 native state locking)",
            MIN_VERSION.0, MIN_VERSION.1
        ))),
    }
}

/// `terraform output -json` of `dir`, as name -> value; None when not available.
/// `env` is what Terraform needs beyond this process's environment (the profile and
/// endpoint given as flags: an S3 backend reads the state with them). Tools read
/// through [`crate::Context::outputs_of`], which runs this once per root.
pub fn outputs(
    dir: &Path,
    env: &[(String, String)],
) -> Option<serde_json::Map<String, serde_json::Value>> {
    if !dir.join(".terraform").is_dir() {
        return None;
    }
    tracing::debug!(dir = %dir.display(), "reading terraform outputs");
    let out = crate::process::run(
        Command::new("terraform")
            .arg(format!("-chdir={}", dir.display()))
            .args(["output", "-json", "-no-color"])
            .envs(env.iter().map(|(k, v)| (k, v)))
            .env("TF_IN_AUTOMATION", "1"),
        "terraform output",
        QUICK_TIMEOUT,
        MAX_OUTPUT,
    )
    .ok()?;
    if !out.status.success() {
        tracing::debug!(stderr = %String::from_utf8_lossy(&out.stderr), "terraform output failed");
        return None;
    }
    parse_outputs(&out.stdout)
}

/// The text of `terraform output -json` as name -> value; None when it is not that.
pub fn parse_outputs(json: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let v: serde_json::Value = serde_json::from_slice(json).ok()?;
    Some(
        v.as_object()?
            .iter()
            .map(|(k, o)| {
                (
                    k.clone(),
                    o.get("value").cloned().unwrap_or(serde_json::Value::Null),
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod version_tests {
    use super::*;

    #[test]
    fn versions() {
        assert!(check_version("1.11.4").is_ok());
        assert!(check_version("1.12.0-beta1").is_ok());
        assert!(check_version("2.0.0").is_ok());
        assert!(check_version("1.10.5").is_err());
        assert!(check_version("banana").is_err());
    }
}
