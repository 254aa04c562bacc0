//! The command: who and where (printed first), the scope, the search, then either
//! nothing (dry run) or exactly the list shown, after the guard and a confirmation.

use crate::apply::{self, Outcome};
use crate::aws::Aws;
use crate::discover::{self, Clients};
use crate::guard;
use crate::model::{Finding, Kind};
use crate::plan::{self, Plan};
use crate::render::{self, Report};
use crate::scope::{self, Rules, Scope};
use aws_core::{Context, Error, Result};
use aws_lite::ec2::{Ec2, Filter};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

pub const DEFAULT_KEEP_REVISIONS: u32 = 5;
/// The module's lifecycle default (`ecr_keep_images`).
pub const DEFAULT_KEEP_IMAGES: u32 = 10;

/// What to do, as the command line said it.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub apply: bool,
    pub yes: bool,
    pub plan_out: Option<PathBuf>,
    pub plan_in: Option<PathBuf>,
    pub allow_account: Option<String>,
    pub tags: Vec<(String, String)>,
    pub vpc_id: Option<String>,
    pub keep_revisions: Option<u32>,
    pub keep_images: Option<u32>,
    pub snapshot_age_days: u32,
    pub retention_days: u32,
}

pub async fn run(ctx: &Context, req: Request) -> Result<()> {
    let out = ctx.output();
    // Input first: a bad plan file or output path is exit 2 before any request.
    let plan_in = req.plan_in.as_deref().map(plan::read).transpose()?;
    if let Some(path) = &req.plan_out {
        aws_core::fs::check_output(path, "--plan-out")?;
    }
    // The environment's own scope. A plan is re-checked in the scope it was made in,
    // and only if that is still this environment's: an edited, wider plan is refused.
    let config_scope = scope_from_config(ctx, &req)?;
    if let Some(p) = &plan_in {
        same_scope(&p.scope, &config_scope)?;
    }

    let session = ctx.session().await?;
    let aws = Aws::new(session);
    let ec2 = Ec2::new(session.sdk())?;
    let here = Where::of(session, &aws).await?;
    let environment = plan_in.as_ref().map_or(&config_scope, |p| &p.scope);
    out.note(format!(
        "account {} ({}), region {}, environment {}",
        here.account,
        here.alias_text(),
        here.region,
        environment.environment
    ));
    let scope = scope_here(ctx, &ec2, plan_in.as_ref(), config_scope, &here).await?;
    out.note(scope_text(&scope));
    let cap = spend_cap(session, &scope).await;
    if let Some(cap) = cap.as_ref().filter(|c| !c.is_clear()) {
        // A stopped environment is not an unused one: what it runs again on resume
        // (each service's revision and its image) is kept by the rules, and said so.
        out.warn(format!(
            "environment {} is {}: its services' task definitions and images are kept for `ecs-scale resume`; nothing here is unused because of the stop",
            scope.environment,
            cap.describe()
        ));
    }

    let kinds: BTreeSet<Kind> = match &plan_in {
        Some(p) => p.items.iter().map(|i| i.kind).collect(),
        None => Kind::ALL.into_iter().collect(),
    };
    let clients = Clients {
        aws: &aws,
        ec2: &ec2,
        region: &here.region,
    };
    let now = jiff::Timestamp::now();
    let found = discover::discover(&clients, &scope, &kinds, now).await?;
    for line in render::skipped_lines(&found.skipped) {
        out.note(line);
    }
    let shown = to_act_on(plan_in.as_ref(), &found.findings);
    if let Some(path) = &req.plan_out {
        write_plan(path, &shown, &here, &scope, now, &out)?;
    }
    if !out.is_json() && !shown.is_empty() {
        aws_core::output::write_stdout(&render::findings_table(&shown))?;
    }
    let (monthly_usd, unpriced) = render::totals(&shown);
    let report = Report {
        account: &here.account,
        alias: here.alias.as_ref().ok().and_then(|a| a.as_deref()),
        region: &here.region,
        scope: &scope,
        mode: "dry-run",
        findings: &shown,
        skipped: &found.skipped,
        monthly_usd,
        unpriced,
        applied: None,
        plan_file: req.plan_out.as_ref().map(|p| p.display().to_string()),
        spend_cap: cap.as_ref().map(aws_core::cap::Cap::to_json),
        requests: 0,
    };
    let requests = || session.requests() as usize + ec2.requests();
    if !req.apply {
        return dry_run(&out, report, requests());
    }
    let actionable = shown
        .iter()
        .filter(|f| f.action.changes_something())
        .count();
    if actionable == 0 {
        if out.is_json() {
            out.json(&Report {
                mode: "apply",
                applied: Some(&[]),
                requests: requests(),
                ..report
            })?;
        }
        out.success("nothing to clean up");
        return Ok(());
    }
    confirm(ctx, &req, &here, &shown, actionable)?;
    let applied = apply::apply(&clients, &shown, &found.findings).await;
    if out.is_json() {
        out.json(&Report {
            mode: "apply",
            applied: Some(&applied),
            requests: requests(),
            ..report
        })?;
    } else {
        aws_core::output::write_stdout(&render::applied_table(&applied))?;
    }
    conclude(&out, &applied)
}

/// The environment's spend cap (`None`: no cluster in scope, or the record could not be
/// read: the listing does not depend on it, so that is a warning, not a failure).
async fn spend_cap(session: &aws_core::Session, scope: &Scope) -> Option<aws_core::cap::Cap> {
    let cluster = scope.cluster.as_deref()?;
    match Aws::cap_record(session, cluster).await {
        Ok(None) => Some(aws_core::cap::Cap::Clear),
        Ok(Some((kind, text)))
            if kind == "String" && text.len() <= aws_core::cap::MAX_RECORD_BYTES =>
        {
            Some(aws_core::cap::parse(&text, cluster))
        }
        Ok(Some((kind, _))) => Some(aws_core::cap::Cap::Unreadable(format!(
            "a {} parameter, not the guard's String record",
            aws_core::output::escape_control(&kind)
        ))),
        Err(e) => {
            tracing::warn!("the spend cap's record was not read: {e}");
            None
        }
    }
}

/// Who and where: the account (and its alias, when readable) and the region.
struct Where {
    account: String,
    alias: std::result::Result<Option<String>, String>,
    region: String,
}

impl Where {
    async fn of(session: &aws_core::Session, aws: &Aws) -> Result<Where> {
        Ok(Where {
            account: session.account().await?.account.clone(),
            alias: aws.account_alias().await.map_err(|e| e.to_string()),
            region: session.region().to_string(),
        })
    }

    fn alias_text(&self) -> String {
        match &self.alias {
            Ok(Some(a)) => a.clone(),
            Ok(None) => "no alias".into(),
            Err(_) => "alias unreadable".into(),
        }
    }
}

/// The scope to search: the plan's (made for this account, region and VPC), or the
/// environment's with its VPC resolved.
async fn scope_here(
    ctx: &Context,
    ec2: &Ec2,
    plan_in: Option<&Plan>,
    config_scope: Scope,
    here: &Where,
) -> Result<Scope> {
    let Some(p) = plan_in else {
        return resolve_vpc(ctx, ec2, config_scope).await;
    };
    if p.account != here.account || p.region != here.region {
        return Err(Error::invalid(format!(
            "the plan was made for account {} in {}, and these credentials are account {} in {}; nothing was changed",
            p.account, p.region, here.account, here.region
        )));
    }
    let resolved = resolve_vpc(ctx, ec2, config_scope).await?;
    if p.scope.vpc_id.is_some() && p.scope.vpc_id != resolved.vpc_id {
        return Err(Error::invalid(format!(
            "the plan's VPC {} is not this environment's ({}); nothing was changed",
            p.scope.vpc_id.as_deref().unwrap_or("-"),
            resolved.vpc_id.as_deref().unwrap_or("none found")
        )));
    }
    Ok(p.scope.clone())
}

/// The list to act on: the plan's items, or what was just found. A plan's item is
/// shown as the fresh look judges it (its reason, its cost), never as the file says.
fn to_act_on(plan_in: Option<&Plan>, found: &[Finding]) -> Vec<Finding> {
    let Some(p) = plan_in else {
        return found.to_vec();
    };
    p.items
        .iter()
        .map(|item| {
            found
                .iter()
                .find(|f| f.kind == item.kind && f.id == item.id && f.action == item.action)
                .cloned()
                .unwrap_or_else(|| Finding {
                    reason: "not found again as planned: will be kept".into(),
                    ..item.clone()
                })
        })
        .collect()
}

fn write_plan(
    path: &std::path::Path,
    shown: &[Finding],
    here: &Where,
    scope: &Scope,
    now: jiff::Timestamp,
    out: &aws_core::output::Output,
) -> Result<()> {
    let plan = Plan {
        version: plan::VERSION,
        created: now.to_string(),
        account: here.account.clone(),
        region: here.region.clone(),
        scope: scope.clone(),
        items: shown
            .iter()
            .filter(|f| f.action.changes_something())
            .cloned()
            .collect(),
    };
    plan::write(path, &plan)?;
    out.note(format!(
        "plan written to {} ({} items)",
        path.display(),
        plan.items.len()
    ));
    Ok(())
}

/// Without --apply: the report, and exit 8 when something would be cleaned up.
fn dry_run(out: &aws_core::output::Output, report: Report<'_>, requests: usize) -> Result<()> {
    if out.is_json() {
        out.json(&Report { requests, ..report })?;
    }
    let shown = report.findings;
    if !shown.iter().any(|f| f.action.changes_something()) {
        out.success("nothing to clean up");
        return Ok(());
    }
    Err(Error::CheckFailed(format!(
        "{} (dry run: nothing was changed). To act on exactly this list: --plan-out FILE, \
         then --apply --plan-in FILE",
        render::summary(shown)
    )))
}

/// The account guard (prod-looking aliases, protected environments), then a
/// confirmation of exactly this list.
fn confirm(
    ctx: &Context,
    req: &Request,
    here: &Where,
    shown: &[Finding],
    actionable: usize,
) -> Result<()> {
    let protected = ctx
        .environment
        .as_ref()
        .filter(|(_, e)| e.protected)
        .map(|(n, _)| n.as_str());
    guard::check(
        &here.account,
        &here.alias,
        protected,
        req.allow_account.as_deref(),
    )
    .map_err(|why| {
        Error::Aborted(format!(
            "refusing to delete in account {}: {why}",
            here.account
        ))
    })?;
    aws_core::prompt::confirm(
        &format!(
            "Clean up these {actionable} resources in account {} ({})?",
            here.account,
            render::summary(shown)
        ),
        req.yes,
    )
}

/// The tally of what was done; any failure is exit 1.
fn conclude(out: &aws_core::output::Output, applied: &[apply::Applied]) -> Result<()> {
    let count = |p: fn(&Outcome) -> bool| applied.iter().filter(|a| p(&a.outcome)).count();
    let done = count(|o| *o == Outcome::Done);
    let gone = count(|o| *o == Outcome::Gone);
    let kept = count(|o| matches!(o, Outcome::Kept(_)));
    let failed = count(|o| matches!(o, Outcome::Failed(_)));
    let line = format!(
        "{done} done, {gone} already gone, {kept} kept (changed since the plan), {failed} failed"
    );
    if failed > 0 {
        return Err(Error::Failed(line));
    }
    out.success(line);
    Ok(())
}

/// A plan's scope must be the environment's, and its rules this run's: a plan file
/// is data anyone with write access could edit, so it never widens what is done.
fn same_scope(plan: &Scope, here: &Scope) -> Result<()> {
    let differs = |what: &str, a: String, b: String| {
        Error::invalid(format!(
            "the plan's {what} ({a}) is not this environment's ({b}); nothing was changed"
        ))
    };
    if plan.environment != here.environment {
        return Err(differs(
            "environment",
            plan.environment.clone(),
            here.environment.clone(),
        ));
    }
    if plan.tags != here.tags {
        return Err(differs("scope tags", plan.tags_text(), here.tags_text()));
    }
    if plan.name_prefix != here.name_prefix {
        return Err(differs(
            "name prefix",
            plan.name_prefix.clone(),
            here.name_prefix.clone(),
        ));
    }
    let show = |o: &Option<String>| o.clone().unwrap_or_else(|| "none".into());
    if plan.cluster != here.cluster {
        return Err(differs("cluster", show(&plan.cluster), show(&here.cluster)));
    }
    if plan.ecr_repository != here.ecr_repository {
        return Err(differs(
            "repository",
            show(&plan.ecr_repository),
            show(&here.ecr_repository),
        ));
    }
    if plan.services != here.services || plan.other_prefixes != here.other_prefixes {
        return Err(differs(
            "services",
            plan.services.join(", "),
            here.services.join(", "),
        ));
    }
    if plan.rules != here.rules {
        return Err(Error::invalid(format!(
            "the plan's rules ({}) are not this run's ({}): pass the same --keep-revisions, \
             --keep-images, --snapshot-age and --retention-days as the dry run that wrote it; \
             nothing was changed",
            rules_text(&plan.rules),
            rules_text(&here.rules)
        )));
    }
    Ok(())
}

fn rules_text(r: &Rules) -> String {
    format!(
        "keep {} revisions, keep {} images, snapshots older than {} days, retention {} days",
        r.keep_revisions, r.keep_images, r.snapshot_min_age_days, r.retention_days
    )
}

/// The scope from fargate.toml and the flags; the VPC is resolved later (it needs EC2).
fn scope_from_config(ctx: &Context, req: &Request) -> Result<Scope> {
    let Some((environment, env)) = ctx.environment.as_ref() else {
        return Err(Error::Config(
            "cleanup-unused-resources works in one environment: pass --environment NAME (fargate.toml)".into(),
        ));
    };
    let name_prefix = env.name_prefix.clone().ok_or_else(|| {
        Error::Config(format!(
            "environment {environment} has no name_prefix in fargate.toml: the scope of its names is unknown"
        ))
    })?;
    let tags: BTreeMap<String, String> = if req.tags.is_empty() {
        let project = scope::project_from_prefix(&name_prefix, environment).ok_or_else(|| {
            Error::Config(format!(
                "cannot tell the project tag from name_prefix {name_prefix:?} (expected PROJECT-{environment}); \
                 pass --tag project=NAME --tag environment={environment}"
            ))
        })?;
        [
            ("project".to_string(), project),
            ("environment".to_string(), environment.clone()),
        ]
        .into()
    } else {
        req.tags.iter().cloned().collect()
    };
    // Environments whose prefix extends this one's (`fft-dev-eu` of `fft-dev`).
    let other_prefixes = ctx
        .project
        .iter()
        .flat_map(|p| p.environments.iter())
        .filter(|(name, _)| *name != environment)
        .filter_map(|(_, e)| e.name_prefix.clone())
        .filter(|o| o.starts_with(&format!("{name_prefix}-")))
        .collect();
    Ok(Scope {
        environment: environment.clone(),
        tags,
        name_prefix,
        cluster: env.cluster.clone(),
        vpc_id: req.vpc_id.clone(),
        ecr_repository: env.ecr_repository.clone(),
        services: env.services.clone(),
        other_prefixes,
        rules: Rules {
            keep_revisions: req.keep_revisions.unwrap_or(DEFAULT_KEEP_REVISIONS),
            keep_images: req
                .keep_images
                .or(env.ecr_keep_images)
                .unwrap_or(DEFAULT_KEEP_IMAGES),
            snapshot_min_age_days: req.snapshot_age_days,
            retention_days: req.retention_days,
        },
    })
}

/// `--vpc-id`, else the `vpc_id` output of the environment's Terraform root, else the
/// one VPC carrying the scope tags. Several: none is picked.
async fn resolve_vpc(ctx: &Context, ec2: &Ec2, mut scope: Scope) -> Result<Scope> {
    if scope.vpc_id.is_some() {
        return Ok(scope);
    }
    if let Some(id) = ctx.vpc_id(None) {
        scope.vpc_id = Some(id.value);
        return Ok(scope);
    }
    if scope.tags.is_empty() {
        return Ok(scope);
    }
    let filters: Vec<Filter> = scope
        .tags
        .iter()
        .map(|(k, v)| Filter::new(format!("tag:{k}"), &[v.as_str()]))
        .collect();
    let vpcs = ec2.describe_vpcs(&filters).await?;
    match vpcs.as_slice() {
        [one] => scope.vpc_id = Some(one.id.clone()),
        [] => {}
        many => ctx.output().warn(format!(
            "{} VPCs carry the scope tags ({}); network interfaces are not judged (pass --vpc-id)",
            many.len(),
            many.iter()
                .map(|v| v.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    Ok(scope)
}

fn scope_text(scope: &Scope) -> String {
    format!(
        "scope: tags {}; VPC {}; names {}*, {}*; cluster {}; repository {}",
        scope.tags_text(),
        scope.vpc_id.as_deref().unwrap_or("(none)"),
        scope.family_prefix(),
        scope.log_group_prefix(),
        scope.cluster.as_deref().unwrap_or("(none)"),
        scope.ecr_repository.as_deref().unwrap_or("(none)"),
    )
}
