//! Terraform outputs as a source of names (cluster, services, URLs): the contract
//! of docs/architecture/terraform-outputs.md. Read only from an initialised root
//! (`.terraform/` present), so no command ever runs `terraform init` behind the user's back.

use std::path::Path;
use std::process::Command;

/// `terraform output -json` of `dir`, as name -> value; None when not available.
pub fn outputs(dir: &Path) -> Option<serde_json::Map<String, serde_json::Value>> {
    if !dir.join(".terraform").is_dir() {
        return None;
    }
    let out = Command::new("terraform")
        .arg(format!("-chdir={}", dir.display()))
        .args(["output", "-json", "-no-color"])
        .env("TF_IN_AUTOMATION", "1")
        .output()
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
