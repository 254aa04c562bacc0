//! What must hold before Terraform runs: valid variables, and the state backend's
//! bucket when the root leaves it to `init` (fargate.toml, else terraform/global's
//! outputs).

use aws_core::{Error, Result};
use std::path::Path;

/// `NAME=VALUE` pairs for `-var`; the name is a Terraform identifier.
pub fn check_vars(vars: &[String]) -> Result<()> {
    for v in vars {
        let Some((name, _)) = v.split_once('=') else {
            return Err(Error::invalid(format!(
                "--var {v:?}: expected NAME=VALUE, e.g. --var image_tag=v42"
            )));
        };
        let ok = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !ok {
            return Err(Error::invalid(format!(
                "--var {name:?}: not a Terraform variable name"
            )));
        }
    }
    Ok(())
}

/// The `-backend-config` pairs `terraform init` needs for the root in `dir`.
/// `global_dir` is where terraform/global lives; `outputs` reads its outputs (the
/// `state_bucket` output), only when needed.
pub fn backend_config(
    dir: &Path,
    state_bucket: Option<&str>,
    global_dir: &Path,
    outputs: impl FnOnce(&Path) -> Option<serde_json::Map<String, serde_json::Value>>,
) -> Result<Vec<(String, String)>> {
    let backend = cost_engine::hcl_loader::backend(dir).map_err(Error::input)?;
    let Some(b) = backend else {
        return Ok(Vec::new());
    };
    if b.kind != "s3" || b.attributes.contains_key("bucket") {
        return Ok(Vec::new());
    }
    let bucket = match state_bucket {
        Some(b) if b.trim().is_empty() => {
            return Err(Error::Config(
                "state_bucket in fargate.toml is empty: give the bucket's name".into(),
            ));
        }
        Some(b) => b.to_string(),
        None => outputs(global_dir)
            .and_then(|o| o.get("state_bucket")?.as_str().map(str::to_string))
            .ok_or_else(|| {
                Error::Config(format!(
                    "{} keeps its state in S3 but names no bucket, fargate.toml sets no \
                     `state_bucket` for the environment, and {} has no `state_bucket` output \
                     (not applied or not initialised): apply terraform/global first \
                     (`deploy --environment global`, or `terraform -chdir={} apply`), or pass \
                     --state-bucket, or set state_bucket in fargate.toml",
                    dir.display(),
                    global_dir.display(),
                    global_dir.display()
                ))
            })?,
    };
    Ok(vec![("bucket".into(), bucket)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables() {
        assert!(check_vars(&["image_tag=v1".into(), "a_b-c=".into()]).is_ok());
        assert!(check_vars(&["novalue".into()]).is_err());
        assert!(check_vars(&["=x".into()]).is_err());
        assert!(check_vars(&["1x=y".into()]).is_err());
        assert!(check_vars(&["a b=y".into()]).is_err());
    }

    #[test]
    fn the_bucket_comes_from_the_file_when_the_backend_leaves_it_out() {
        let dir = tempfile::tempdir().expect("tmp");
        let nowhere = dir.path().join("no-global");
        assert!(
            backend_config(dir.path(), None, &nowhere, |_| None)
                .expect("none")
                .is_empty()
        );
        std::fs::write(
            dir.path().join("backend.tf"),
            "terraform {\n  backend \"s3\" {\n    key = \"k\"\n  }\n}\n",
        )
        .expect("write");
        let e = backend_config(dir.path(), None, &nowhere, |_| None).expect_err("no bucket");
        assert!(e.to_string().contains("state_bucket"), "{e}");
        assert_eq!(
            backend_config(dir.path(), Some("b1"), &nowhere, |_| None).expect("bucket"),
            [("bucket".to_string(), "b1".to_string())]
        );
    }
}
