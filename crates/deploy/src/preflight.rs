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

/// `--cap USD|off`: `Some(usd)`, or `None` for off.
pub fn parse_cap(text: &str) -> Result<Option<f64>> {
    if text.eq_ignore_ascii_case("off") {
        return Ok(None);
    }
    let max = aws_core::config::MAX_SPEND_CAP_USD;
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v < max => Ok(Some(v)),
        _ => Err(Error::invalid(format!(
            "--cap {:?}: a positive amount of USD below {max}, or `off`",
            aws_core::output::escape_control(text)
        ))),
    }
}

/// The `spend_cap_usd=` variable for this run: `--cap`, else `spend_cap` of
/// fargate.toml, else none (the root's default holds). A root without that variable
/// cannot take a cap: refused rather than silently ignored.
pub fn cap_var(
    flag: Option<&str>,
    configured: Option<f64>,
    vars: &[String],
    dir: &Path,
) -> Result<Option<String>> {
    let value = match (flag, configured) {
        (Some(f), _) => parse_cap(f)?,
        (None, Some(c)) if !vars.iter().any(|v| v.starts_with("spend_cap_usd=")) => Some(c),
        (None, _) => return Ok(None),
    };
    if !declares_variable(dir, "spend_cap_usd") {
        return Err(Error::invalid(format!(
            "{} declares no spend_cap_usd variable, so it cannot take a spend cap (--cap or \
             spend_cap in fargate.toml): add terraform/modules/cost-guard to it as the dev \
             environment does",
            dir.display()
        )));
    }
    Ok(Some(match value {
        Some(v) => format!("spend_cap_usd={v}"),
        None => "spend_cap_usd=null".to_string(),
    }))
}

/// Whether a `.tf` file of the root declares `variable "NAME"`.
fn declares_variable(dir: &Path, name: &str) -> bool {
    let needle = format!("variable \"{name}\"");
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tf") && p.is_file())
        .any(|p| {
            std::fs::read_to_string(&p)
                .is_ok_and(|t| t.lines().any(|l| l.trim_start().starts_with(&needle)))
        })
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
    fn caps_are_amounts_or_off_and_need_the_variable() {
        assert_eq!(parse_cap("15").expect("ok"), Some(15.0));
        assert_eq!(parse_cap("OFF").expect("ok"), None);
        // A CRLF script's "15\r" is 15: the value passed on is the number, never the text.
        assert_eq!(parse_cap("15\r").expect("ok"), Some(15.0));
        for bad in ["0", "-5", "NaN", "inf", "1e7", "", "ten", "15 USD"] {
            assert!(parse_cap(bad).is_err(), "{bad:?}");
        }
        let root = tempfile::tempdir().expect("tmp");
        std::fs::write(
            root.path().join("variables.tf"),
            "variable \"spend_cap_usd\" {\n}\n",
        )
        .expect("write");
        assert_eq!(
            cap_var(Some("15"), Some(20.0), &[], root.path()).expect("ok"),
            Some("spend_cap_usd=15".into())
        );
        assert_eq!(
            cap_var(None, Some(20.0), &[], root.path()).expect("ok"),
            Some("spend_cap_usd=20".into())
        );
        assert_eq!(
            cap_var(Some("off"), None, &[], root.path()).expect("ok"),
            Some("spend_cap_usd=null".into())
        );
        // An explicit --var wins over fargate.toml; nothing given, nothing set.
        let var = vec!["spend_cap_usd=5".to_string()];
        assert_eq!(
            cap_var(None, Some(20.0), &var, root.path()).expect("ok"),
            None
        );
        assert_eq!(cap_var(None, None, &[], root.path()).expect("ok"), None);
        // A root without the variable (terraform/global) refuses a cap.
        let bare = tempfile::tempdir().expect("tmp");
        assert!(cap_var(Some("15"), None, &[], bare.path()).is_err());
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
