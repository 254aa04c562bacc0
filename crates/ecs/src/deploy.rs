//! `ecs-deploy`: change only what was asked, verify it can work, register, update,
//! and watch until the outcome is certain.

use crate::aws::{self, Aws, ImageLookup, RoleLookup};
use crate::rollout::{self, Outcome, Watcher};
use crate::target::{self, Target};
use crate::taskdef::{self, Change, Container, Diff};
use aws_core::output::Output;
use aws_core::progress::Spinner;
use aws_core::{Context, Error, Result};
use aws_sdk_ecs::types::{ContainerDefinition, KeyValuePair, Secret, TaskDefinition};
use serde::Serialize;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// What `ecs-deploy` was asked (parsed, not yet checked).
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub cluster: Option<String>,
    pub service: Option<String>,
    pub image: Option<String>,
    pub tag: Option<String>,
    pub container: Option<String>,
    /// `NAME=VALUE` pairs for plain environment variables.
    pub env: Vec<String>,
    /// `NAME=/ssm/path` pairs for secrets.
    pub secrets: Vec<String>,
    pub dry_run: bool,
    pub no_wait: bool,
    pub timeout_secs: u64,
    pub rollback: bool,
    pub keep_failed: bool,
    pub skip_checks: bool,
    /// A URL, or `auto` for the Terraform `app_url` output + /health.
    pub health_url: Option<String>,
}

/// `ecs-deploy`: check the input, deploy (or roll back), follow the rollout, probe
/// the health URL, and turn the outcome into the exit status.
pub async fn run(ctx: &Context, req: Request) -> Result<()> {
    let out = ctx.output();
    let (report, health_url) = execute(ctx, req).await?;
    if out.is_json() {
        out.json(&report)?;
    }
    if let (Some(Outcome::Succeeded), Some(url)) = (&report.outcome, &health_url) {
        check_health(url, HEALTH_TIMEOUT, &out).await?;
    }
    conclude(&report, &out)
}

/// How long `ecs-deploy` waits for the health URL to answer 2xx after a rollout.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(60);

/// Check the input, deploy (or roll back) and follow the rollout; the outcome is in
/// the report (not yet an error), with the health URL to probe when one was asked.
pub async fn execute(ctx: &Context, req: Request) -> Result<(Report, Option<String>)> {
    let cli = req;
    let out = ctx.output();
    let t = target::resolve(ctx, cli.cluster.as_deref(), cli.service.as_deref())?;
    let change = Change {
        image: cli.image.clone(),
        tag: cli.tag.clone(),
        container: cli.container.clone(),
        env: taskdef::parse_pairs(&cli.env, "--env").map_err(Error::invalid)?,
        secrets: taskdef::parse_pairs(&cli.secrets, "--secret").map_err(Error::invalid)?,
    };
    if let Some(bad) = change
        .secrets
        .iter()
        .find(|(_, v)| !(v.starts_with('/') || v.starts_with("arn:")))
    {
        return Err(Error::invalid(format!(
            "--secret {}={}: the value is an SSM parameter name (/app/dev/...) or ARN, never the secret itself",
            bad.0, "..."
        )));
    }
    if cli.timeout_secs == 0 {
        return Err(Error::invalid("--timeout must be at least 1 second"));
    }
    // Everything that can be wrong with the input is found before any change.
    if let Some(image) = &cli.image {
        crate::image_ref::check_reference(image)
            .map_err(|e| Error::invalid(format!("--image: {e}")))?;
    }
    if let Some(tag) = &cli.tag {
        crate::image_ref::check_tag(tag).map_err(|e| Error::invalid(format!("--tag: {e}")))?;
    }
    let health_url = match cli.health_url.as_deref() {
        None => None,
        Some("auto") => Some(
            ctx.app_url()
                .map(|u| format!("{}/health", u.value))
                .ok_or_else(|| Error::invalid("--health-url auto needs an initialised terraform_dir with an app_url output"))?,
        ),
        Some(url) => Some(url.to_string()),
    };
    if let Some(url) = &health_url {
        aws_core::preflight::check_endpoint(url, "--health-url")?;
    }
    for (name, _) in &change.env {
        if taskdef::looks_secret(name) {
            out.warn(format!(
                "--env {name}=...: the value is stored in plain text in the task definition, \
                 visible to anyone who can describe it; for a secret use --secret {name}=/ssm/parameter/path"
            ));
        }
    }
    let opts = Options {
        change,
        dry_run: cli.dry_run,
        wait: !cli.no_wait,
        timeout: Duration::from_secs(cli.timeout_secs),
        deregister_failed: !cli.keep_failed,
        skip_checks: cli.skip_checks,
    };
    let aws = Aws::connect(ctx).await?;
    // A rollout into an environment its spend cap stopped would report a failure (or
    // start tasks the cap stopped): say what holds it instead.
    crate::cap::refuse_if_capped(
        &crate::cap::read(&aws, &t.cluster).await?,
        &t.cluster,
        &format!("ecs-deploy to {}", t.service),
    )?;
    let report = if cli.rollback {
        let (failed, previous) = previous_revision(&aws, &t, &out).await?;
        let r = deploy_revision(&aws, &t, &previous, &opts, &out).await?;
        if matches!(r.outcome, Some(Outcome::Succeeded)) && opts.deregister_failed && !opts.dry_run
        {
            deregister(&aws, &failed, "the failed revision", &out).await;
        }
        r
    } else {
        deploy(&aws, &t, &opts, &out).await?
    };
    tracing::info!(api_calls = aws.api_calls(), "ecs-deploy finished");
    Ok((report, health_url))
}

/// The exit status of a deploy: success only when the new revision is PRIMARY and
/// COMPLETED (or nothing was rolled out), else the reason and the stop reasons.
pub fn conclude(report: &Report, out: &Output) -> Result<()> {
    match &report.outcome {
        None | Some(Outcome::Succeeded) => {
            if report.outcome.is_some() {
                out.success(format!(
                    "{} is PRIMARY and COMPLETED on {}/{} ({}s, {} API calls)",
                    report.task_definition.rsplit('/').next().unwrap_or(""),
                    report.cluster,
                    report.service,
                    report.seconds,
                    report.api_calls
                ));
            }
            Ok(())
        }
        Some(o) => {
            for r in &report.stop_reasons {
                out.note(format!("  {r}"));
            }
            Err(Error::Failed(match o {
                Outcome::RolledBack {
                    reason,
                    now_running,
                } => format!(
                    "deployment failed and was rolled back to {}: {reason}",
                    now_running.rsplit('/').next().unwrap_or(now_running)
                ),
                Outcome::RolloutFailed { reason } => format!("rollout failed: {reason}"),
                Outcome::Replaced { by } => format!(
                    "another deployment ({}) replaced ours before it completed",
                    by.rsplit('/').next().unwrap_or(by)
                ),
                Outcome::TimedOut { after_secs, state } => {
                    format!("timed out after {after_secs}s; state: {state}")
                }
                Outcome::InProgress | Outcome::Succeeded => "unexpected state".into(),
            }))
        }
    }
}

/// Probe `url` every 5 s until it answers 2xx or `timeout` passes.
pub async fn check_health(url: &str, timeout: Duration, out: &Output) -> Result<()> {
    let mut last = String::new();
    let prober = crate::health::Prober::new().map_err(Error::Failed)?;
    let mut poller = crate::poll::Poller::new(crate::poll::EVERY_5S, timeout);
    loop {
        let now = match prober.probe(url, Duration::from_secs(5)).await {
            Ok(code) if (200..300).contains(&code) => {
                out.success(format!("{url} answered {code}"));
                return Ok(());
            }
            Ok(code) => format!("HTTP {code}"),
            Err(e) => e,
        };
        // Say what the wait is on (a name that does not resolve yet, a 503) each time
        // it changes, instead of a silent wait of minutes.
        if now != last {
            out.note(format!(
                "{url}: {now}; probing every 5 s for up to {}s",
                timeout.as_secs()
            ));
        }
        last = now;
        if poller.timed_out() {
            break;
        }
        poller.wait().await;
    }
    Err(Error::Failed(format!(
        "{url} did not answer 2xx within {}s (last: {last}); see docs/runbooks/health-check-failures.md",
        timeout.as_secs()
    )))
}

#[derive(Debug, Clone)]
pub struct Options {
    pub change: Change,
    pub dry_run: bool,
    pub wait: bool,
    pub timeout: Duration,
    /// Deregister the failed revision after a rollback.
    pub deregister_failed: bool,
    /// Skip the pre-deployment checks (image, parameters, role).
    pub skip_checks: bool,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub cluster: String,
    pub service: String,
    pub previous_task_definition: String,
    pub task_definition: String,
    pub diff: Vec<String>,
    pub outcome: Option<Outcome>,
    pub stop_reasons: Vec<String>,
    pub api_calls: u32,
    pub seconds: u64,
}

impl Report {
    fn new(t: &Target, previous: &str, target: &str, diff: Vec<String>) -> Report {
        Report {
            cluster: t.cluster.clone(),
            service: t.service.clone(),
            previous_task_definition: previous.to_string(),
            task_definition: target.to_string(),
            diff,
            outcome: None,
            stop_reasons: Vec::new(),
            api_calls: 0,
            seconds: 0,
        }
    }
}

fn container_of(c: &ContainerDefinition) -> Container {
    Container {
        name: c.name.clone().unwrap_or_default(),
        image: c.image.clone().unwrap_or_default(),
        env: c
            .environment()
            .iter()
            .map(|kv| {
                (
                    kv.name.clone().unwrap_or_default(),
                    kv.value.clone().unwrap_or_default(),
                )
            })
            .collect(),
        secrets: c
            .secrets()
            .iter()
            .map(|s| (s.name.clone(), s.value_from.clone()))
            .collect(),
    }
}

fn with_changes(def: &ContainerDefinition, c: &Container) -> ContainerDefinition {
    let mut out = def.clone();
    out.image = Some(c.image.clone());
    out.environment = Some(
        c.env
            .iter()
            .map(|(k, v)| KeyValuePair::builder().name(k).value(v).build())
            .collect(),
    );
    let secrets: Vec<Secret> = c
        .secrets
        .iter()
        .filter_map(|(k, v)| Secret::builder().name(k).value_from(v).build().ok())
        .collect();
    out.secrets = if secrets.is_empty() {
        None
    } else {
        Some(secrets)
    };
    out
}

pub async fn deploy(aws: &Aws, t: &Target, opts: &Options, out: &Output) -> Result<Report> {
    let started = Instant::now();
    let service = aws.describe_service(t).await?;
    let current_arn = service.task_definition.clone().unwrap_or_default();
    let current = aws.describe_task_definition(&current_arn).await?;

    let containers: Vec<Container> = current
        .container_definitions()
        .iter()
        .map(container_of)
        .collect();
    let chosen =
        taskdef::pick(&containers, opts.change.container.as_deref()).map_err(Error::invalid)?;
    let (mut new_container, diff) = taskdef::apply(chosen, &opts.change);
    print_diff(out, &current_arn, &diff);

    if opts.skip_checks {
        out.note("--skip-checks: the image is deployed by tag, not pinned to its digest");
    } else if let Some(digest) = verify(aws, &current, &new_container, out).await? {
        // Deploy exactly the image checked: a tag pushed again later cannot change
        // what new tasks (scaling, replacements) run.
        if diff.lines.iter().any(|l| l.starts_with("image:")) {
            let pinned = taskdef::pin_digest(&new_container.image, &digest);
            out.note(format!("pinned {} to {pinned}", new_container.image));
            new_container.image = pinned;
        }
    }
    let mut report = Report::new(t, &current_arn, &current_arn, diff.lines.clone());
    if opts.dry_run {
        out.note("dry run: checks passed; nothing was registered or deployed");
        report.api_calls = aws.api_calls();
        return Ok(report);
    }

    let target_arn = if diff.lines.is_empty() {
        out.note("nothing changes in the task definition: forcing a new deployment of the current revision");
        current_arn.clone()
    } else {
        register(aws, &current, &chosen.name, &new_container).await?
    };
    report.task_definition = target_arn.clone();
    let before = aws::snapshot_of(&service);
    let force = diff.lines.is_empty();
    let outcome = match roll_out(
        aws,
        t,
        &current_arn,
        &target_arn,
        force,
        &before,
        opts,
        out,
        &mut report,
    )
    .await
    {
        Ok(o) => o,
        Err(e) => {
            // Nothing runs the revision we registered: do not leave it behind.
            if target_arn != current_arn {
                deregister(aws, &target_arn, "the unused revision", out).await;
            }
            return Err(e);
        }
    };
    report.seconds = started.elapsed().as_secs();
    let Some(outcome) = outcome else {
        return Ok(report);
    };
    if let Outcome::RolledBack { .. } = outcome
        && opts.deregister_failed
        && target_arn != current_arn
    {
        deregister(aws, &target_arn, "the failed revision", out).await;
    }
    Ok(report)
}

/// Deregister a revision nothing should run, and say what happened (a failure here
/// is a warning: the deploy's own outcome stands).
pub async fn deregister(aws: &Aws, arn: &str, what: &str, out: &Output) {
    match aws.deregister_task_definition(arn).await {
        Ok(()) => out.note(format!("deregistered {what} {}", short(arn))),
        Err(e) => out.warn(format!(
            "could not deregister {what} {}: {e}; deregister it by hand",
            short(arn),
        )),
    }
}

fn short(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn print_diff(out: &Output, current: &str, diff: &Diff) {
    if diff.lines.is_empty() {
        return;
    }
    let mut s = format!("{} container {}:", short(current), diff.container);
    for l in &diff.lines {
        s.push_str(&format!("\n  ~ {l}"));
    }
    out.note(s);
}

/// Everything that would make the new revision fail to start, checked before any change.
/// Returns the image's digest when it is a tag in an ECR repository of this region.
async fn verify(
    aws: &Aws,
    td: &TaskDefinition,
    c: &Container,
    out: &Output,
) -> Result<Option<String>> {
    let mut digest = None;
    let ecr = taskdef::parse_ecr(&c.image);
    if let Some((_, region, _, _)) = &ecr
        && aws.ecr_region().as_deref() != Some(region.as_str())
    {
        out.note(format!(
            "image {} is in ECR in {region}, not in this region: not checked",
            c.image
        ));
    } else if let Some((account, _, repo, reference)) = ecr {
        match aws.lookup_image(&account, &repo, &reference).await? {
            ImageLookup::Found { digest: found } => {
                if !reference.starts_with("sha256:") {
                    digest = found;
                }
            }
            ImageLookup::ImageMissing => {
                return Err(Error::NotFound {
                    what: format!("image {} in ECR", c.image),
                    hint: Some(
                        "push it first (`push-to-ecr --repository REPO --tag TAG`: no `docker login` needed); nothing was changed"
                            .into(),
                    ),
                });
            }
            ImageLookup::RepositoryMissing => {
                return Err(Error::NotFound {
                    what: format!("ECR repository {repo} in account {account}"),
                    hint: Some("apply terraform/global first; nothing was changed".into()),
                });
            }
        }
    } else {
        out.note(format!("image {} is not in ECR: not checked", c.image));
    }
    let params: Vec<String> = c
        .secrets
        .iter()
        .filter(|(_, v)| !v.contains(":secretsmanager:"))
        .map(|(_, v)| match v.split_once(":parameter") {
            Some((_, name)) => name.to_string(),
            None => v.clone(),
        })
        .collect();
    let missing = aws.missing_parameters(&params).await?;
    if !missing.is_empty() {
        return Err(Error::NotFound {
            what: format!(
                "SSM parameter(s) referenced as secrets ({})",
                missing.join(", ")
            ),
            hint: Some(
                "create them with `parameter-store create --name NAME --type SecureString`; \
                 nothing was changed"
                    .into(),
            ),
        });
    }
    if let Some(role) = td.execution_role_arn() {
        let name = role.rsplit('/').next().unwrap_or(role);
        match aws.role(name).await {
            RoleLookup::Exists => {}
            RoleLookup::Missing => {
                return Err(Error::NotFound {
                    what: format!("execution role {role}"),
                    hint: Some("apply terraform/global; nothing was changed".into()),
                });
            }
            // Not being allowed to read IAM is no reason to refuse a deploy.
            RoleLookup::Unknown(why) => {
                tracing::info!("could not check the execution role: {why}")
            }
        }
    }
    Ok(digest)
}

async fn register(
    aws: &Aws,
    td: &TaskDefinition,
    container: &str,
    c: &Container,
) -> Result<String> {
    let defs: Vec<ContainerDefinition> = td
        .container_definitions()
        .iter()
        .map(|d| {
            if d.name.as_deref() == Some(container) {
                with_changes(d, c)
            } else {
                d.clone()
            }
        })
        .collect();
    aws.register_task_definition(td, defs).await
}

#[allow(clippy::too_many_arguments)]
async fn watch(
    aws: &Aws,
    t: &Target,
    target_arn: &str,
    before: &rollout::Snapshot,
    first: &rollout::Snapshot,
    timeout: Duration,
    out: &Output,
    report: &mut Report,
) -> Result<Outcome> {
    let started = Instant::now();
    let mut watcher = Watcher::new(target_arn, before, timeout);
    let mut seen_tasks: BTreeSet<String> = BTreeSet::new();
    // Tasks stopped before this deployment are history, not news.
    let _ = aws.new_stopped_tasks(t, &mut seen_tasks).await?;
    let spinner = Spinner::new(
        format!("waiting for {} to roll out", short(target_arn)),
        out.quiet || out.is_json(),
    );
    let (mut outcome, _) = watcher.observe(first, started.elapsed());
    let mut poller = crate::poll::Poller::new(crate::poll::ROLLOUT, timeout);
    let mut last_line = String::new();
    while !outcome.is_final() {
        poller.wait().await;
        let service = aws.describe_service(t).await?;
        let mut snap = aws::snapshot_of(&service);
        snap.stopped_tasks = aws.new_stopped_tasks(t, &mut seen_tasks).await?;
        let (o, progress) = watcher.observe(&snap, started.elapsed());
        if !progress.new_events.is_empty()
            || !progress.new_stopped.is_empty()
            || progress.line != last_line
        {
            poller.reset();
        }
        last_line.clone_from(&progress.line);
        for e in &progress.new_events {
            spinner.println(format!("  event: {}", e.message));
        }
        for s in &progress.new_stopped {
            spinner.println(format!("  {}", s.summary()));
        }
        spinner.set_message(format!(
            "{} ({}s)",
            progress.line,
            started.elapsed().as_secs()
        ));
        outcome = o;
    }
    spinner.finish();
    report.stop_reasons = watcher.stop_reasons.clone();
    if !matches!(outcome, Outcome::Succeeded) {
        for e in &watcher.recent_events {
            out.note(format!("  last event: {e}"));
        }
    }
    Ok(outcome)
}

/// `--rollback`: the revision before the current one in the same family.
pub async fn previous_revision(aws: &Aws, t: &Target, out: &Output) -> Result<(String, String)> {
    let service = aws.describe_service(t).await?;
    let current = service.task_definition.clone().unwrap_or_default();
    let family_rev = short(&current);
    let (family, rev) = family_rev
        .rsplit_once(':')
        .ok_or_else(|| Error::Failed(format!("cannot read the revision of {current}")))?;
    let rev: i64 = rev
        .parse()
        .map_err(|_| Error::Failed(format!("cannot read the revision of {current}")))?;
    let list = aws.task_definitions_newest_first(family).await?;
    let previous = list
        .into_iter()
        .find(|a| {
            short(a)
                .rsplit_once(':')
                .and_then(|(f, r)| (f == family).then(|| r.parse::<i64>().ok()).flatten())
                .is_some_and(|r| r < rev)
        })
        .ok_or_else(|| Error::NotFound {
            what: format!("an active revision of {family} older than {rev}"),
            hint: Some("nothing to roll back to".into()),
        })?;
    out.note(format!(
        "rolling back {} -> {}",
        family_rev,
        short(&previous)
    ));
    Ok((current, previous))
}

/// Deploy a given revision (rollback) and watch it.
pub async fn deploy_revision(
    aws: &Aws,
    t: &Target,
    arn: &str,
    opts: &Options,
    out: &Output,
) -> Result<Report> {
    let started = Instant::now();
    let service = aws.describe_service(t).await?;
    let before = aws::snapshot_of(&service);
    let previous = service.task_definition.clone().unwrap_or_default();
    let change = format!("task definition: {} -> {}", short(&previous), short(arn));
    let mut report = Report::new(t, &previous, arn, vec![change]);
    if opts.dry_run {
        out.note("dry run: nothing was deployed");
        return Ok(report);
    }
    roll_out(
        aws,
        t,
        &previous,
        arn,
        false,
        &before,
        opts,
        out,
        &mut report,
    )
    .await?;
    report.api_calls = aws.api_calls();
    report.seconds = started.elapsed().as_secs();
    Ok(report)
}

/// Point the service at `target_arn` and, unless --no-wait, watch the rollout.
/// Returns the outcome (None with --no-wait); fills the report's calls and outcome.
///
/// ECS has no conditional UpdateService, so this is compare-and-swap by re-reading:
/// if the service no longer runs `based_on` (someone deployed since we read it),
/// nothing is changed and the run fails, instead of silently undoing their deploy.
#[allow(clippy::too_many_arguments)]
async fn roll_out(
    aws: &Aws,
    t: &Target,
    based_on: &str,
    target_arn: &str,
    force_new_deployment: bool,
    before: &rollout::Snapshot,
    opts: &Options,
    out: &Output,
    report: &mut Report,
) -> Result<Option<Outcome>> {
    let now = aws.describe_service(t).await?;
    let running = now.task_definition.as_deref().unwrap_or_default();
    if running != based_on {
        return Err(Error::Failed(format!(
            "{}/{} changed while this deploy was prepared: it now runs {}, this deploy was based \
             on {}; nothing was deployed. Run the command again to deploy on top of the new revision",
            t.cluster,
            t.service,
            short(running),
            short(based_on)
        )));
    }
    let updated = aws
        .update_service(t, target_arn, force_new_deployment)
        .await?;
    out.note(format!(
        "deploying {} to {}/{}",
        short(target_arn),
        t.cluster,
        t.service
    ));
    if !opts.wait {
        out.note("--no-wait: not waiting for the rollout");
        report.api_calls = aws.api_calls();
        return Ok(None);
    }
    let first = updated.as_ref().map(aws::snapshot_of).unwrap_or_default();
    let outcome = watch(
        aws,
        t,
        target_arn,
        before,
        &first,
        opts.timeout,
        out,
        report,
    )
    .await?;
    report.outcome = Some(outcome.clone());
    report.api_calls = aws.api_calls();
    Ok(Some(outcome))
}
