//! The plan file: the exact list a dry run showed (`--plan-out`), which `--apply
//! --plan-in` deletes after re-checking each item, and never more.

use crate::model::Finding;
use crate::scope::Scope;
use aws_core::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

pub const VERSION: u32 = 1;
/// Far above any real plan (thousands of items); more is not a plan.
const MAX_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub version: u32,
    pub created: String,
    pub account: String,
    pub region: String,
    pub scope: Scope,
    pub items: Vec<Finding>,
}

/// Write atomically (a temporary file in the same directory, then a rename), so a
/// reader never sees half a plan. An existing path that is not a regular file is
/// refused: `--plan-out /dev/stdout` or a directory is a usage error.
pub fn write(path: &Path, plan: &Plan) -> Result<()> {
    let text = serde_json::to_string_pretty(plan)
        .map_err(|e| Error::Failed(format!("cannot encode the plan: {e}")))?;
    aws_core::fs::write_atomic(
        path,
        format!("{text}\n").as_bytes(),
        "--plan-out",
        aws_core::fs::Perm::Private,
        aws_core::fs::Special::Refuse,
    )
}

/// Read and check a plan: bounded, well-formed, this version, no item twice.
pub fn read(path: &Path) -> Result<Plan> {
    let text = aws_core::input::read_text_file(path, MAX_BYTES, "plan file")?;
    let plan: Plan = serde_json::from_str(&text).map_err(|e| {
        Error::invalid(format!(
            "plan file {}: not a plan of this tool: {e}",
            path.display()
        ))
    })?;
    if plan.version != VERSION {
        return Err(Error::invalid(format!(
            "plan file {}: version {} (this tool reads version {VERSION})",
            path.display(),
            plan.version
        )));
    }
    let mut seen = BTreeSet::new();
    for item in &plan.items {
        if !seen.insert((item.kind, item.id.as_str())) {
            return Err(Error::invalid(format!(
                "plan file {}: {} is listed twice",
                path.display(),
                item.id
            )));
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Action, Kind, Monthly};
    use crate::scope::Rules;

    fn plan() -> Plan {
        Plan {
            version: VERSION,
            created: "2026-11-28T00:00:00Z".into(),
            account: "123456789012".into(),
            region: "us-east-1".into(),
            scope: Scope {
                environment: "dev".into(),
                tags: [("project".to_string(), "fft".to_string())].into(),
                name_prefix: "fft-dev".into(),
                cluster: None,
                vpc_id: None,
                ecr_repository: None,
                services: Vec::new(),
                other_prefixes: Vec::new(),
                rules: Rules {
                    keep_revisions: 5,
                    keep_images: 10,
                    snapshot_min_age_days: 30,
                    retention_days: 30,
                },
            },
            items: vec![Finding::new(
                Kind::ElasticIp,
                "eipalloc-1",
                Action::Release,
                "idle".into(),
                Monthly::Usd(3.65),
            )],
        }
    }

    #[test]
    fn a_plan_round_trips() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("plan.json");
        write(&path, &plan()).expect("write");
        assert_eq!(read(&path).expect("read"), plan());
    }

    #[test]
    fn bad_plans_are_usage_errors() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("plan.json");
        let mut twice = plan();
        twice.items.push(twice.items[0].clone());
        write(&path, &twice).expect("write");
        let e = read(&path).expect_err("duplicate");
        assert!(e.to_string().contains("listed twice"), "{e}");

        let mut newer = plan();
        newer.version = 2;
        write(&path, &newer).expect("write");
        assert!(
            read(&path)
                .expect_err("version")
                .to_string()
                .contains("version 2")
        );

        std::fs::write(&path, "{\"version\":1}").expect("write");
        assert_eq!(
            read(&path).expect_err("partial").exit_code(),
            aws_core::exit::ExitCode::Usage
        );
        assert_eq!(
            read(dir.path()).expect_err("dir").exit_code(),
            aws_core::exit::ExitCode::Usage
        );
        assert_eq!(
            write(dir.path(), &plan()).expect_err("dir").exit_code(),
            aws_core::exit::ExitCode::Usage
        );
    }
}
