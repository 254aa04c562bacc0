//! Fixes first (when asked), then every check, so the checklist shows the machine as
//! it is now; then the table or JSON, and the exit code.

use crate::checks::{self, Check, Status, Workflow};
use crate::fix::{self, Fixed};
use aws_core::{Context, Error, Result};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Request {
    pub workflow: Workflow,
    pub fix: bool,
    /// `--region` / `--profile` as given on the command line: what --fix may persist.
    pub region: Option<String>,
    pub profile: Option<String>,
}

#[derive(Debug, serde::Serialize)]
struct Report<'a> {
    workflow: Workflow,
    ready: bool,
    checks: &'a [Check],
    fixed: &'a [Fixed],
}

/// The checkout this runs in: where fargate.toml is, else the current directory when it
/// holds the repository's files.
fn project_root(ctx: &Context) -> Option<PathBuf> {
    if let Some(base) = ctx.project.as_ref().and_then(|p| p.base_dir()) {
        return Some(base.to_path_buf());
    }
    let cwd = std::env::current_dir().ok()?;
    cwd.join("Cargo.toml").is_file().then_some(cwd)
}

pub async fn run(ctx: &Context, req: Request) -> Result<()> {
    let out = ctx.output();
    let root = project_root(ctx);
    let mut fixed = Vec::new();
    if req.fix {
        let path = ctx
            .project
            .as_ref()
            .and_then(|p| p.source.clone())
            .unwrap_or_else(|| PathBuf::from(aws_core::config::FILE_NAME));
        let env = ctx
            .environment_name()
            .map(str::to_string)
            .or_else(|| {
                ctx.project
                    .as_ref()
                    .and_then(|p| p.default_environment.clone())
            })
            .unwrap_or_else(|| "dev".into());
        let (region, profile) = (req.region.as_deref(), req.profile.as_deref());
        // A profile AWS's files do not define would make every tool fail: refused
        // before anything is written.
        if let Some(p) = profile {
            let inputs = aws_core::preflight::Inputs::from_process(Some(p), None, None);
            aws_core::preflight::check_profile_defined(&inputs, p).map_err(|e| {
                Error::Config(format!(
                    "--profile: {e}; create it first (`aws configure sso --profile {p}` or `aws configure --profile {p}`), then run --fix again; nothing was written"
                ))
            })?;
        }
        if region.is_some() || profile.is_some() {
            fixed.push(fix::fargate_toml(&path, &env, region, profile)?);
        }
        if let Some(m) = checks::mirror().filter(|m| !m.used)
            && let Some(config) = checks::cli_config_path()
        {
            fixed.push(fix::terraformrc(&config, &m.dir));
        }
        if let Some(r) = &root {
            if r.join(".pre-commit-config.yaml").is_file() {
                fixed.push(fix::hooks(r));
            }
            if req.workflow == Workflow::Emulator {
                fixed.push(fix::venv(r));
            }
        }
    }

    let mut list = vec![checks::terraform(), checks::provider(req.workflow)];
    match req.workflow {
        Workflow::Aws => {
            list.push(checks::aws_cli());
            list.push(checks::region(ctx.settings.region.as_deref(), req.workflow));
            list.push(credentials(ctx).await);
        }
        Workflow::Emulator => {
            list.push(checks::skipped(
                "aws cli",
                "the emulator path does not use it",
            ));
            list.push(checks::skipped(
                "credentials",
                "the emulator takes fake credentials",
            ));
        }
    }
    list.push(checks::container_tool());
    list.push(checks::moto(root.as_deref(), req.workflow));
    list.push(checks::git_hooks(root.as_deref()));

    let blocking: Vec<&str> = list.iter().filter(|c| c.blocks()).map(|c| c.name).collect();
    let ready = blocking.is_empty();
    if out.is_json() {
        out.json(&Report {
            workflow: req.workflow,
            ready,
            checks: &list,
            fixed: &fixed,
        })?;
    } else {
        for f in &fixed {
            out.note(format!("fix: {}: {} ({})", f.what, f.outcome, f.detail));
        }
        out.table(&table(&list))?;
    }
    if ready {
        out.success(match req.workflow {
            Workflow::Aws => "ready to deploy to AWS (deploy --environment ENV)",
            Workflow::Emulator => "ready for cargo xtask deploy --emulator",
        });
        Ok(())
    } else {
        Err(Error::CheckFailed(format!(
            "not ready: {} missing (the fix of each is in the table)",
            blocking.join(", ")
        )))
    }
}

async fn credentials(ctx: &Context) -> Check {
    let result = match ctx.session().await {
        Ok(session) => session
            .account()
            .await
            .map(|id| (id.account.clone(), id.arn.clone())),
        Err(e) => Err(e),
    };
    checks::credentials(result, ctx.settings.profile.as_deref())
}

fn table(list: &[Check]) -> comfy_table::Table {
    let mut t = aws_core::output::new_table(["", "check", "found", "notes"]);
    for c in list {
        let mark = match c.status {
            Status::Ok => "✓",
            Status::Missing => "✗",
            Status::Warn => "!",
            Status::Skipped => "-",
        };
        let mut notes = c.detail.clone();
        if let Some(f) = &c.fix
            && c.status != Status::Ok
        {
            notes.push_str(&format!("\n  fix: {f}"));
        }
        let name = if c.required {
            c.name.to_string()
        } else {
            format!("{} (optional)", c.name)
        };
        t.add_row([
            mark.to_string(),
            name,
            c.found.clone().unwrap_or_else(|| "-".into()),
            notes,
        ]);
    }
    t
}
