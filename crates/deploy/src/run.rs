//! The whole deploy, callable without clap: pre-flight, plan, cost gate, confirm,
//! apply with progress, rollout, health probe, summary; or the teardown.

use crate::report::{self, Clock, Cost, Outcome, Report, Rollout};
use crate::terraform::{PlanResult, Terraform};
use aws_core::output::Output;
use aws_core::progress::Spinner;
use aws_core::{Context, Error, Result};
use cost_engine::catalog::Catalog;
use cost_engine::engine::{self, EngineError, Source};
use cost_engine::estimate::{Estimate, usd};
use cost_engine::gate::{self, Budget, Refusal, Tier};
use cost_engine::plan_loader;
use cost_engine::usage::Usage;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What `deploy` was asked (parsed, not yet checked).
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub max_monthly: Option<f64>,
    pub free_tier: bool,
    pub tag: Option<String>,
    pub vars: Vec<String>,
    /// Overrides `state_bucket` of fargate.toml.
    pub state_bucket: Option<String>,
    /// A URL, `auto` (the `app_url` output + /health) or `off`.
    pub health_url: String,
    pub health_timeout_secs: u64,
    pub rollout_timeout_secs: u64,
    pub dry_run: bool,
    pub yes: bool,
    pub cleanup_on_failure: bool,
    pub destroy: bool,
}

/// The longest wait deploy accepts (a day): a bigger number is a typo.
pub const MAX_WAIT_SECS: u64 = 86_400;

/// Everything that can be wrong with the request, found before any call.
fn check(req: &Request) -> Result<()> {
    if let Some(m) = req.max_monthly
        && !(m.is_finite() && m >= 0.0)
    {
        return Err(Error::invalid(
            "--max-monthly must be a non-negative number of USD",
        ));
    }
    crate::preflight::check_vars(&req.vars)?;
    if req
        .state_bucket
        .as_deref()
        .is_some_and(|b| b.trim().is_empty())
    {
        return Err(Error::invalid(
            "--state-bucket (or FARGATE_STATE_BUCKET) is empty: give the bucket's name",
        ));
    }
    if let Some(tag) = &req.tag {
        ecs::image_ref::check_tag(tag).map_err(|e| Error::invalid(format!("--tag: {e}")))?;
    }
    if !matches!(req.health_url.as_str(), "auto" | "off") {
        aws_core::preflight::check_endpoint(&req.health_url, "--health-url")?;
    }
    for (flag, secs) in [
        ("--health-timeout", req.health_timeout_secs),
        ("--rollout-timeout", req.rollout_timeout_secs),
    ] {
        if !(1..=MAX_WAIT_SECS).contains(&secs) {
            return Err(Error::invalid(format!(
                "{flag} must be between 1 and {MAX_WAIT_SECS} seconds"
            )));
        }
    }
    Ok(())
}

pub async fn run(ctx: &Context, req: Request) -> Result<()> {
    check(&req)?;
    // Signals reach Terraform once, as an interrupt, and never leave the plan behind.
    aws_core::signals::install();
    let out = ctx.output();
    let (env_name, env) = ctx.environment.clone().ok_or_else(|| {
        Error::Config(
            "deploy needs an environment of fargate.toml (--environment NAME, or default_environment)".into(),
        )
    })?;
    let dir = ctx.terraform_dir().ok_or_else(|| {
        Error::Config(format!(
            "environment {env_name} in fargate.toml has no terraform_dir"
        ))
    })?;
    if !dir.is_dir() {
        return Err(Error::Config(format!(
            "terraform_dir of environment {env_name} is {}, which is not a directory",
            dir.display()
        )));
    }
    let base = ctx
        .project
        .as_ref()
        .and_then(|p| p.base_dir())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut report = Report {
        environment: env_name.clone(),
        terraform_dir: dir.display().to_string(),
        account: None,
        region: ctx.settings.region.clone(),
        outcome: Outcome::Failed,
        changes: Default::default(),
        cost: None,
        app_url: None,
        rollout: None,
        health: None,
        created_before_failure: Vec::new(),
        cleaned_up: false,
        phases: Vec::new(),
        error: None,
    };
    let result = deploy(ctx, &req, &env, &dir, &base, &out, &mut report).await;
    if let Err(e) = &result {
        report.error = Some(e.to_string());
    }
    if out.is_json() {
        out.json(&report)?;
    } else if !matches!(report.outcome, Outcome::Aborted) && !report.phases.is_empty() {
        aws_core::output::write_stdout(&report::summary(&report))?;
    }
    result
}

#[allow(clippy::too_many_arguments)]
async fn deploy(
    ctx: &Context,
    req: &Request,
    env: &aws_core::config::EnvironmentConfig,
    dir: &Path,
    base: &Path,
    out: &Output,
    report: &mut Report,
) -> Result<()> {
    let quiet = ctx.args.quiet;
    // 1. Pre-flight.
    let clock = Clock::start();
    let tf_version = crate::terraform::version()?;
    // The process's one session: the rollout and its rollback below reuse it.
    let session = ctx.session().await?;
    let ecs_clients = ecs::aws::Aws::new(session);
    let who = session.account().await?.clone();
    let region = Some(session.region().to_string());
    out.note(format!(
        "account {} ({}), region {}, Terraform {tf_version}, {}",
        who.account,
        who.arn,
        region.as_deref().unwrap_or("?"),
        dir.display()
    ));
    report.account = Some(who.account.clone());
    report.region = region.clone();
    let backend = crate::preflight::backend_config(
        dir,
        req.state_bucket.as_deref().or(env.state_bucket.as_deref()),
        &base.join("terraform/global"),
        |global| ctx.outputs_of(global),
    )?;
    let tf = Terraform {
        dir: dir.to_path_buf(),
        vars: req.vars.clone(),
        env: ctx.terraform_env(),
    };
    clock.stop("preflight", &mut report.phases);

    // 2. Plan and price it.
    let clock = Clock::start();
    let spinner = Spinner::new("terraform init", quiet);
    let planned = (|| {
        tf.init(&backend)?;
        spinner.set_message(if req.destroy {
            "terraform plan -destroy"
        } else {
            "terraform plan"
        });
        // The saved plan holds `--var` values and the prior state: 0700, and removed
        // on every exit path (a signal included).
        let work = aws_core::fs::private_tempdir("deploy-")?;
        let cleanup = aws_core::signals::remove_on_signal(work.path());
        let plan_path = work.path().join("deploy.tfplan");
        let result = tf.plan(&plan_path, req.destroy)?;
        spinner.set_message("pricing the plan");
        let json = tf.show_json(&plan_path)?;
        let plan = plan_loader::parse_plan(&json, "terraform show -json")
            .map_err(|e| Error::Failed(format!("reading the saved plan: {e}")))?;
        Ok::<_, Error>(((cleanup, work), plan_path, result, plan))
    })();
    spinner.finish();
    let (_work, plan_path, result, plan) = planned?;
    report.changes = plan.changes.clone();
    let fallback = region.clone().unwrap_or_else(|| "us-east-1".into());
    let catalog = Catalog::builtin();
    let usage = Usage::new(None).map_err(Error::input)?;
    let price = |stack| price(stack, &catalog, &usage, &plan_path, &fallback);
    let after = price(&plan.after)?;
    // What runs now only informs the delta: a state that cannot be priced is said
    // so, never a reason to stop (the gate prices the plan itself).
    let before = match &plan.before {
        Some(s) => match price(s) {
            Ok(e) => Some(e),
            Err(e) => {
                out.warn(format!("what runs now could not be priced: {e}"));
                None
            }
        },
        None => None,
    };
    let current = before.as_ref().map_or(0.0, |e| e.total_net);
    let current_complete = match (&plan.before, &before) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(_), Some(b)) => b.complete,
    };
    let budget = match (req.max_monthly, env.budget) {
        (Some(max), _) => Some(Budget {
            max,
            source: "--max-monthly".into(),
        }),
        (None, Some(max)) => Some(Budget {
            max,
            source: format!(
                "the budget of environment {} (fargate.toml)",
                report.environment
            ),
        }),
        (None, None) => None,
    };
    report.cost = Some(Cost {
        monthly: after.total_net,
        current,
        delta: after.total_net - current,
        complete: after.complete,
        current_complete,
        budget: budget.as_ref().map(|b| b.max),
        headroom: budget.as_ref().map(|b| b.max - after.total_net),
        traps: after
            .traps
            .iter()
            .map(|t| format!("{} {}", t.id, t.address))
            .collect(),
    });
    clock.stop("plan", &mut report.phases);

    if req.destroy {
        return destroy(req, &tf, &plan_path, result, current, quiet, out, report).await;
    }
    if result == PlanResult::NoChanges {
        out.note("no changes: the environment matches its configuration; nothing to apply");
        report.outcome = Outcome::NoChanges;
    } else {
        out.note(format!(
            "plan: {}{}",
            report::changes_line(&plan.changes),
            if plan.changes.is_empty() {
                " (only outputs change)"
            } else {
                ""
            }
        ));
        for l in report::changes_detail(&plan.changes, 20) {
            out.note(format!("  {l}"));
        }
        if let Some(c) = &report.cost {
            out.note(format!("cost: {}", report::cost_line(c)));
        }
        // 3. The gate.
        let tier = if req.free_tier { Tier::Free } else { Tier::Any };
        if budget.is_none() {
            out.warn(
                "no budget: set `budget` for the environment in fargate.toml or pass --max-monthly",
            );
        }
        match gate::check(&after, budget.as_ref(), tier) {
            Ok(Some(note)) => out.note(note),
            Ok(None) => {}
            Err(Refusal::Refused(m)) => {
                report.outcome = Outcome::Refused;
                return Err(Error::CheckFailed(format!("{m}; nothing was applied")));
            }
            Err(Refusal::Incomplete(m)) => {
                report.outcome = Outcome::Incomplete;
                return Err(Error::Incomplete(format!("{m}; nothing was applied")));
            }
        }
        // 3b. The images new tasks will run must exist, or the service never starts.
        check_images(
            &ecs_clients,
            &crate::images::planned(&plan.after, &plan.changes),
            out,
        )
        .await?;
        if req.dry_run {
            out.note("dry run: stopped after the cost gate; nothing was applied");
            report.outcome = Outcome::DryRun;
            return Ok(());
        }
        // 4. Confirm, then apply the saved plan.
        if let Err(e) = aws_core::prompt::confirm(
            &format!(
                "apply the plan ({}) to environment {} in account {}?",
                report::changes_line(&plan.changes),
                report.environment,
                who.account
            ),
            req.yes,
        ) {
            report.outcome = Outcome::Aborted;
            return Err(e);
        }
        let clock = Clock::start();
        let applied = apply(&tf, &plan_path, plan.changes.operations(), quiet).await?;
        clock.stop("apply", &mut report.phases);
        if let Some(signal) = applied.interrupted {
            report.outcome = Outcome::ApplyFailed;
            report.created_before_failure = applied.progress.created.clone();
            return Err(interrupted(signal, &applied, "apply"));
        }
        if !applied.success {
            report.outcome = Outcome::ApplyFailed;
            report.created_before_failure = applied.progress.created.clone();
            let existed = plan
                .before
                .as_ref()
                .is_some_and(|s| !s.resources.is_empty());
            let reason = failure_reason(&applied);
            let left = if applied.progress.created.is_empty() {
                "it created nothing".to_string()
            } else {
                format!(
                    "it created {} resource(s) before failing: {}",
                    applied.progress.created.len(),
                    applied.progress.created.join(", ")
                )
            };
            if req.cleanup_on_failure && !existed {
                out.note(format!(
                    "apply failed; {left}; --cleanup-on-failure: destroying the new environment"
                ));
                let clock = Clock::start();
                let spinner = Spinner::new("terraform destroy", quiet);
                let d = tf.destroy();
                spinner.finish();
                clock.stop("cleanup", &mut report.phases);
                d?;
                report.cleaned_up = true;
                return Err(Error::Failed(format!(
                    "terraform apply failed: {reason}; everything it created was destroyed \
                     (see docs/runbooks/failed-deploys.md)"
                )));
            }
            let next = if req.cleanup_on_failure {
                "the environment existed before this run, so --cleanup-on-failure destroyed nothing; \
                 fix the cause and run deploy again"
                    .to_string()
            } else {
                format!(
                    "fix the cause and run deploy again, or remove it with `deploy --environment {} --destroy`",
                    report.environment
                )
            };
            return Err(Error::Failed(format!(
                "terraform apply failed: {reason}; {left}; {next} (see docs/runbooks/failed-deploys.md)"
            )));
        }
        // What the apply wrote is what the rollout and the probe must read.
        ctx.forget_outputs();
        out.success(format!("applied: {}", report::changes_line(&plan.changes)));
        report.outcome = Outcome::Applied;
    }

    // 5. Image rollout.
    if let Some(tag) = &req.tag {
        let clock = Clock::start();
        let r = rollout(ctx, req, tag, out).await;
        clock.stop("rollout", &mut report.phases);
        match r {
            Ok(ro) => report.rollout = Some(ro),
            Err((ro, e)) => {
                report.rollout = ro;
                report.outcome = Outcome::RolloutFailed;
                return Err(e);
            }
        }
        if report.outcome == Outcome::NoChanges {
            report.outcome = Outcome::Applied;
        }
    }

    // 6. Health probe of the app URL.
    report.app_url = ctx.app_url().map(|u| u.value);
    let url = match req.health_url.as_str() {
        "off" => {
            report.health = Some("off".into());
            None
        }
        "auto" => match &report.app_url {
            Some(_) if scaled_to_zero(ctx, &ecs_clients).await => {
                out.note("the service is scaled to zero (desired count 0): app_url answers 503 until it scales up; not probed");
                report.health = Some("skipped: the service is scaled to zero".into());
                None
            }
            Some(u) => Some(format!("{}/health", u.trim_end_matches('/'))),
            None => {
                report.health = Some("skipped: the Terraform root has no app_url output".into());
                None
            }
        },
        u => Some(u.to_string()),
    };
    if let Some(url) = url {
        let clock = Clock::start();
        let r = ecs::deploy::check_health(&url, Duration::from_secs(req.health_timeout_secs), out)
            .await;
        clock.stop("health", &mut report.phases);
        match r {
            Ok(()) => report.health = Some(format!("passed: {url}")),
            Err(e) => {
                report.health = Some(format!("failed: {url}"));
                report.outcome = Outcome::HealthFailed;
                return Err(Error::Failed(format!(
                    "{e}; a service scaled to zero by its schedule answers 503 until it scales up \
                     (pass --health-url off outside working hours)"
                )));
            }
        }
    }
    Ok(())
}

/// Every ECR image of `images` must exist in its repository; other registries are
/// not checked (said so).
async fn check_images(aws: &ecs::aws::Aws, images: &[String], out: &Output) -> Result<()> {
    for image in images {
        let Some((account, _, repo, reference)) = ecs::taskdef::parse_ecr(image) else {
            out.note(format!("image {image} is not in ECR: not checked"));
            continue;
        };
        match aws.lookup_image(&account, &repo, &reference).await? {
            ecs::aws::ImageLookup::Found { .. } => {}
            ecs::aws::ImageLookup::ImageMissing => {
                return Err(Error::NotFound {
                    what: format!("image {image} (run by the new task definition)"),
                    hint: Some(
                        "push it first (`push-to-ecr --environment ENV --tag TAG`), or \
                         deploy a tag that exists with --var image_tag=TAG; nothing was applied"
                            .into(),
                    ),
                });
            }
            ecs::aws::ImageLookup::RepositoryMissing => {
                return Err(Error::NotFound {
                    what: format!("ECR repository {repo} in account {account}"),
                    hint: Some(
                        "deploy the global environment first (deploy --environment global); \
                         nothing was applied"
                            .into(),
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Whether the environment's service runs no task on purpose (its schedule or
/// `ecs-scale` set the desired count to 0). Unknown (no service configured, no
/// access) counts as running: the probe then says what it finds.
async fn scaled_to_zero(ctx: &Context, aws: &ecs::aws::Aws) -> bool {
    let Ok(target) = ecs::target::resolve(ctx, None, None) else {
        return false;
    };
    aws.describe_service(&target)
        .await
        .is_ok_and(|s| s.desired_count == 0)
}

/// Price a stack with the builtin catalog (deploy has no usage file: defaults).
fn price(
    stack: &cost_engine::model::Stack,
    catalog: &Catalog,
    usage: &Usage,
    plan_path: &Path,
    fallback: &str,
) -> Result<Estimate> {
    engine::estimate_stack(
        stack,
        &engine::Request {
            source: Source::Plan(PathBuf::from(plan_path)),
            catalog,
            usage,
            region: None,
            fallback_region: fallback.to_string(),
            plan: cost_engine::free_tier::Plan::Credits { credits: None },
            as_of: cost_engine::date::today(),
        },
    )
    .map_err(|e| match e {
        // A region the catalog does not price cannot pass a gate.
        EngineError::Catalog(c) => {
            Error::Incomplete(format!("{c}; the cost gate cannot check this plan"))
        }
        other => Error::Failed(format!("pricing the plan: {other}")),
    })
}

async fn apply(
    tf: &Terraform,
    plan: &Path,
    total: usize,
    quiet: bool,
) -> Result<crate::terraform::ApplyResult> {
    use crate::apply_stream::Event;
    let spinner = Spinner::new(format!("applying 0/{total}"), quiet);
    let r = tf
        .apply(plan, total, |e, p| {
            spinner.set_message(format!("applying {}", p.line()));
            if quiet {
                return;
            }
            match e {
                Event::Complete { action, .. } | Event::Errored { action, .. }
                    if action == "read" => {}
                Event::Complete {
                    address,
                    action,
                    seconds,
                } => spinner.println(format!(
                    "  {}/{} {action} {address} ({seconds:.0}s)",
                    p.done, p.total
                )),
                Event::Errored { address, action } => spinner.println(format!(
                    "  {}/{} {action} {address} FAILED",
                    p.done, p.total
                )),
                _ => {}
            }
        })
        .await;
    spinner.finish();
    r
}

/// What an apply stopped by a signal did: Terraform was interrupted once, finished
/// what was in flight and wrote its state, so a re-run carries on from there.
fn interrupted(signal: i32, a: &crate::terraform::ApplyResult, what: &str) -> Error {
    let done = if a.progress.created.is_empty() {
        "it created nothing".to_string()
    } else {
        format!(
            "it created {} resource(s), recorded in the state: {}",
            a.progress.created.len(),
            a.progress.created.join(", ")
        )
    };
    let how = if a.success {
        "Terraform finished before it stopped"
    } else {
        "Terraform stopped cleanly and saved its state"
    };
    Error::Interrupted {
        signal,
        message: format!(
            "{} during terraform {what}: {how}; {done}; run deploy again to carry on \
             (see docs/runbooks/failed-deploys.md)",
            aws_core::signals::name(signal)
        ),
    }
}

fn failure_reason(a: &crate::terraform::ApplyResult) -> String {
    if !a.progress.errors.is_empty() {
        return a.progress.errors.join("; ");
    }
    let stderr = a.stderr.trim();
    if stderr.is_empty() {
        "Terraform exited with an error and no diagnostic".into()
    } else {
        stderr.to_string()
    }
}

/// Roll the service to `tag` with the ecs library; a rollout that fails without
/// the circuit breaker's own rollback is rolled back here.
async fn rollout(
    ctx: &Context,
    req: &Request,
    tag: &str,
    out: &Output,
) -> std::result::Result<Rollout, (Option<Rollout>, Error)> {
    use ecs::rollout::Outcome as O;
    let ecs_req = ecs::deploy::Request {
        tag: Some(tag.to_string()),
        timeout_secs: req.rollout_timeout_secs,
        ..Default::default()
    };
    let (r, _) = ecs::deploy::execute(ctx, ecs_req)
        .await
        .map_err(|e| (None, e))?;
    let ro = Rollout {
        tag: tag.to_string(),
        task_definition: r
            .task_definition
            .rsplit('/')
            .next()
            .unwrap_or("")
            .to_string(),
        result: match &r.outcome {
            Some(O::Succeeded) | None => "completed".into(),
            Some(o) => format!("{o:?}"),
        },
    };
    let needs_rollback = matches!(
        r.outcome,
        Some(O::RolloutFailed { .. } | O::TimedOut { .. })
    );
    let failed = ecs::deploy::conclude(&r, out);
    if needs_rollback {
        out.warn(format!(
            "rolling {}/{} back to {}",
            r.cluster,
            r.service,
            r.previous_task_definition.rsplit('/').next().unwrap_or("")
        ));
        let back = ecs::deploy::Request {
            rollback: true,
            timeout_secs: req.rollout_timeout_secs,
            ..Default::default()
        };
        if let Err(e) = ecs::deploy::execute(ctx, back).await {
            out.warn(format!(
                "the rollback failed too: {e}; see docs/runbooks/failed-deploys.md"
            ));
        }
    }
    match failed {
        Ok(()) => Ok(ro),
        Err(e) => Err((Some(ro), e)),
    }
}

#[allow(clippy::too_many_arguments)]
async fn destroy(
    req: &Request,
    tf: &Terraform,
    plan_path: &Path,
    result: PlanResult,
    current: f64,
    quiet: bool,
    out: &Output,
    report: &mut Report,
) -> Result<()> {
    if let Some(c) = report.cost.as_mut() {
        // After a teardown nothing is left: what it stops is what runs now.
        c.monthly = 0.0;
        c.complete = true;
        c.delta = -current;
        c.headroom = c.budget;
    }
    if result == PlanResult::NoChanges || report.changes.is_empty() {
        out.note("nothing to destroy: the environment has no resources");
        report.outcome = Outcome::NoChanges;
        return Ok(());
    }
    let stops = format!(
        "{}{}/month",
        if report.cost.as_ref().is_some_and(|c| !c.current_complete) {
            "at least "
        } else {
            ""
        },
        usd(current)
    );
    out.note(format!(
        "destroy: {} resource(s) of environment {}; this stops {stops}",
        report.changes.delete.len(),
        report.environment
    ));
    if req.dry_run {
        out.note("dry run: nothing was destroyed");
        report.outcome = Outcome::DryRun;
        return Ok(());
    }
    if let Err(e) = aws_core::prompt::confirm(
        &format!(
            "destroy every resource of environment {} in account {}?",
            report.environment,
            report.account.as_deref().unwrap_or("?")
        ),
        req.yes,
    ) {
        report.outcome = Outcome::Aborted;
        return Err(e);
    }
    let clock = Clock::start();
    let applied = apply(tf, plan_path, report.changes.operations(), quiet).await?;
    clock.stop("destroy", &mut report.phases);
    if let Some(signal) = applied.interrupted {
        report.outcome = Outcome::ApplyFailed;
        return Err(interrupted(signal, &applied, "destroy"));
    }
    if !applied.success {
        report.outcome = Outcome::ApplyFailed;
        return Err(Error::Failed(format!(
            "terraform destroy failed: {}; run deploy --environment {} --destroy again \
             (see docs/runbooks/failed-deploys.md)",
            failure_reason(&applied),
            report.environment
        )));
    }
    out.success(format!(
        "destroyed environment {}: {stops} stopped",
        report.environment
    ));
    report.outcome = Outcome::Destroyed;
    Ok(())
}
