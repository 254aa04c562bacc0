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
    /// `--cap USD|off`: the root's `spend_cap_usd` for this run.
    pub cap: Option<String>,
    /// `--usage-file`: usage assumptions of the gate (default: `<dir>/usage.toml`).
    pub usage_file: Option<PathBuf>,
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
    if let Some(c) = &req.cap {
        crate::preflight::parse_cap(c)?;
        if req.vars.iter().any(|v| v.starts_with("spend_cap_usd=")) {
            return Err(Error::invalid(
                "--cap and --var spend_cap_usd=... both set the spend cap: give one",
            ));
        }
    }
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
        spend_cap: None,
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

/// What the phases of one deploy share.
struct Run<'a> {
    ctx: &'a Context,
    req: &'a Request,
    out: &'a Output,
    tf: Terraform,
    /// `-backend-config` pairs for `terraform init`.
    backend: Vec<(String, String)>,
    ecs: ecs::aws::Aws,
    account: String,
}

/// The saved plan, in a private directory removed on every exit (a signal included).
struct Planned {
    _work: (aws_core::signals::PathGuard, tempfile::TempDir),
    path: PathBuf,
    result: PlanResult,
    plan: plan_loader::Plan,
}

async fn deploy(
    ctx: &Context,
    req: &Request,
    env: &aws_core::config::EnvironmentConfig,
    dir: &Path,
    base: &Path,
    out: &Output,
    report: &mut Report,
) -> Result<()> {
    let clock = Clock::start();
    let run = preflight(ctx, req, env, dir, base, out, report).await?;
    let capped = run.spend_cap().await?;
    clock.stop("preflight", &mut report.phases);

    let clock = Clock::start();
    let planned = run.plan()?;
    report.changes = planned.plan.changes.clone();
    if !req.destroy {
        report.spend_cap = crate::report::SpendCap::of(&planned.plan.variables);
    }
    let (after, current, budget) = run.price(&planned, env, report)?;
    clock.stop("plan", &mut report.phases);

    if req.destroy {
        destroy(&run, &planned, current, report).await?;
        // Nothing is left to resume: a record left behind would refuse the next deploy.
        if let Some(cluster) = capped {
            run.ecs
                .delete_cap_record(&ecs::cap::record_name(&cluster))
                .await?;
            out.note(format!(
                "removed the spend cap's record of {cluster}: nothing is left to resume"
            ));
        }
        return Ok(());
    }
    if planned.result == PlanResult::NoChanges {
        out.note("no changes: the environment matches its configuration; nothing to apply");
        report.outcome = Outcome::NoChanges;
    } else {
        run.gate(&planned, &after, budget.as_ref(), report).await?;
        if req.dry_run {
            out.note("dry run: stopped after the cost gate; nothing was applied");
            report.outcome = Outcome::DryRun;
            return Ok(());
        }
        run.apply(&planned, report).await?;
    }
    if let Some(tag) = &req.tag {
        run.roll_out(tag, report).await?;
    }
    run.health(report).await
}

/// Terraform's version, the session and who it is, the state backend: everything
/// checked before Terraform runs.
async fn preflight<'a>(
    ctx: &'a Context,
    req: &'a Request,
    env: &aws_core::config::EnvironmentConfig,
    dir: &Path,
    base: &Path,
    out: &'a Output,
    report: &mut Report,
) -> Result<Run<'a>> {
    let tf_version = crate::terraform::version()?;
    // The process's one session: the rollout and its rollback reuse it.
    let session = ctx.session().await?;
    let who = session.account().await?.clone();
    out.note(format!(
        "account {} ({}), region {}, Terraform {tf_version}, {}",
        who.account,
        who.arn,
        session.region(),
        dir.display()
    ));
    report.account = Some(who.account.clone());
    report.region = Some(session.region().to_string());
    let backend = crate::preflight::backend_config(
        dir,
        req.state_bucket.as_deref().or(env.state_bucket.as_deref()),
        &base.join("terraform/global"),
        |global| ctx.outputs_of(global),
    )?;
    let mut vars = req.vars.clone();
    vars.extend(crate::preflight::cap_var(
        req.cap.as_deref(),
        env.spend_cap,
        &req.vars,
        dir,
    )?);
    let tf = Terraform {
        dir: dir.to_path_buf(),
        vars,
        env: ctx.terraform_env(),
    };
    Ok(Run {
        ctx,
        req,
        out,
        tf,
        backend,
        ecs: ecs::aws::Aws::new(session),
        account: who.account,
    })
}

impl Run<'_> {
    /// An environment its spend cap has stopped is not applied over: the apply would
    /// undo the stop (the schedule, the throttle) while the month's spend is past the
    /// cap. `--destroy` goes on (it ends the spending); the cluster it stopped, if any,
    /// is returned so the record can go with the environment.
    async fn spend_cap(&self) -> Result<Option<String>> {
        let Some(cluster) = self.ctx.cluster(None).map(|c| c.value) else {
            return Ok(None); // not deployed yet: nothing to have stopped
        };
        let cap = ecs::cap::read(&self.ecs, &cluster).await?;
        if self.req.destroy {
            return Ok((!cap.is_clear()).then_some(cluster));
        }
        let env = self.ctx.environment_name().unwrap_or("the environment");
        ecs::cap::refuse_if_capped(&cap, &cluster, &format!("deploy of {env}"))?;
        Ok(None)
    }

    /// `terraform init` and `plan` into a private directory, then the plan as JSON.
    fn plan(&self) -> Result<Planned> {
        let spinner = Spinner::new("terraform init", self.ctx.args.quiet);
        let planned = (|| {
            self.tf.init(&self.backend)?;
            spinner.set_message(if self.req.destroy {
                "terraform plan -destroy"
            } else {
                "terraform plan"
            });
            // The saved plan holds `--var` values and the prior state: 0700, and
            // removed on every exit path (a signal included).
            let work = aws_core::fs::private_tempdir("deploy-")?;
            let cleanup = aws_core::signals::remove_on_signal(work.path());
            let path = work.path().join("deploy.tfplan");
            let result = self.tf.plan(&path, self.req.destroy)?;
            spinner.set_message("pricing the plan");
            let json = self.tf.show_json(&path)?;
            let plan = plan_loader::parse_plan(&json, "terraform show -json")
                .map_err(|e| Error::Failed(format!("reading the saved plan: {e}")))?;
            Ok::<_, Error>(Planned {
                _work: (cleanup, work),
                path,
                result,
                plan,
            })
        })();
        spinner.finish();
        planned
    }

    /// Price what the plan leaves and what runs now; the budget it is held to.
    fn price(
        &self,
        planned: &Planned,
        env: &aws_core::config::EnvironmentConfig,
        report: &mut Report,
    ) -> Result<(Estimate, f64, Option<Budget>)> {
        let fallback = report.region.clone().unwrap_or_else(|| "us-east-1".into());
        let catalog = Catalog::builtin();
        let path = self
            .req
            .usage_file
            .clone()
            .or_else(|| cost_engine::usage::environment_file(&self.tf.dir));
        let text = path
            .as_ref()
            .map(|p| aws_core::input::read_text_file(p, 16 * 1024 * 1024, "usage file"))
            .transpose()?;
        if let Some(p) = &path {
            self.out.note(format!("usage assumptions: {}", p.display()));
        }
        let origin = path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let usage =
            Usage::new(text.as_deref().map(|t| (t, origin.as_str()))).map_err(Error::input)?;
        let price = |stack| price(stack, &catalog, &usage, &planned.path, &fallback);
        let after = price(&planned.plan.after)?;
        // What runs now only informs the delta: a state that cannot be priced is said
        // so, never a reason to stop (the gate prices the plan itself).
        let before = match &planned.plan.before {
            Some(s) => match price(s) {
                Ok(e) => Some(e),
                Err(e) => {
                    self.out
                        .warn(format!("what runs now could not be priced: {e}"));
                    None
                }
            },
            None => None,
        };
        let current = before.as_ref().map_or(0.0, |e| e.total_net);
        let current_complete = match (&planned.plan.before, &before) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(_), Some(b)) => b.complete,
        };
        let budget = Budget::select(
            self.req.max_monthly,
            Some((report.environment.as_str(), env.budget)),
        );
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
        Ok((after, current, budget))
    }

    /// Show the plan and its cost, hold it to the budget (and `--tier free`), and
    /// check that the images new tasks run exist.
    async fn gate(
        &self,
        planned: &Planned,
        after: &Estimate,
        budget: Option<&Budget>,
        report: &mut Report,
    ) -> Result<()> {
        let (out, changes) = (self.out, &planned.plan.changes);
        out.note(format!(
            "plan: {}{}",
            report::changes_line(changes),
            if changes.is_empty() {
                " (only outputs change)"
            } else {
                ""
            }
        ));
        for l in report::changes_detail(changes, 20) {
            out.note(format!("  {l}"));
        }
        if let Some(c) = &report.cost {
            out.note(format!("cost: {}", report::cost_line(c)));
        }
        // The cap counts the account's gross spend: an environment estimated above it
        // will be stopped before the month ends.
        if let Some(cap) = report.spend_cap.as_ref().and_then(|c| c.usd)
            && after.total_gross > cap
        {
            let day = (cap / after.total_gross * 30.0).floor().max(1.0);
            out.warn(format!(
                "the estimate ({}/month before credits) is above the spend cap ({}): the cap \
                 will stop the environment around day {day} of a month; raise it with --cap or \
                 spend_cap in fargate.toml if that is not what you want",
                cost_engine::estimate::usd(after.total_gross),
                cost_engine::estimate::usd(cap)
            ));
        }
        let tier = if self.req.free_tier {
            Tier::Free
        } else {
            Tier::Any
        };
        if budget.is_none() {
            out.warn(
                "no budget: set `budget` for the environment in fargate.toml or pass --max-monthly",
            );
        }
        match gate::check(after, budget, tier) {
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
        // The images new tasks will run must exist, or the service never starts.
        check_images(
            &self.ecs,
            &crate::images::planned(&planned.plan.after, changes),
            out,
        )
        .await
    }

    /// Confirm, then apply the saved plan; a failure says what it left behind.
    async fn apply(&self, planned: &Planned, report: &mut Report) -> Result<()> {
        let changes = &planned.plan.changes;
        if let Err(e) = aws_core::prompt::confirm(
            &format!(
                "apply the plan ({}) to environment {} in account {}?",
                report::changes_line(changes),
                report.environment,
                self.account
            ),
            self.req.yes,
        ) {
            report.outcome = Outcome::Aborted;
            return Err(e);
        }
        let clock = Clock::start();
        let applied = apply(
            &self.tf,
            &planned.path,
            changes.operations(),
            self.ctx.args.quiet,
        )
        .await?;
        clock.stop("apply", &mut report.phases);
        if let Some(signal) = applied.interrupted {
            report.outcome = Outcome::ApplyFailed;
            report.created_before_failure = applied.progress.created.clone();
            return Err(interrupted(signal, &applied, "apply"));
        }
        if !applied.success {
            let existed = planned
                .plan
                .before
                .as_ref()
                .is_some_and(|s| !s.resources.is_empty());
            return Err(self.apply_failed(&applied, existed, report));
        }
        // What the apply wrote is what the rollout and the probe must read.
        self.ctx.forget_outputs();
        self.out
            .success(format!("applied: {}", report::changes_line(changes)));
        report.outcome = Outcome::Applied;
        Ok(())
    }

    /// The error of a failed apply, after `--cleanup-on-failure` destroyed a new
    /// environment it left half-built.
    fn apply_failed(
        &self,
        applied: &crate::terraform::ApplyResult,
        existed: bool,
        report: &mut Report,
    ) -> Error {
        report.outcome = Outcome::ApplyFailed;
        report.created_before_failure = applied.progress.created.clone();
        let reason = failure_reason(applied);
        let left = if applied.progress.created.is_empty() {
            "it created nothing".to_string()
        } else {
            format!(
                "it created {} resource(s) before failing: {}",
                applied.progress.created.len(),
                applied.progress.created.join(", ")
            )
        };
        if self.req.cleanup_on_failure && !existed {
            self.out.note(format!(
                "apply failed; {left}; --cleanup-on-failure: destroying the new environment"
            ));
            let clock = Clock::start();
            let spinner = Spinner::new("terraform destroy", self.ctx.args.quiet);
            let d = self.tf.destroy();
            spinner.finish();
            clock.stop("cleanup", &mut report.phases);
            if let Err(e) = d {
                return e;
            }
            report.cleaned_up = true;
            return Error::Failed(format!(
                "terraform apply failed: {reason}; everything it created was destroyed \
                 (see docs/runbooks/failed-deploys.md)"
            ));
        }
        let next = if self.req.cleanup_on_failure {
            "the environment existed before this run, so --cleanup-on-failure destroyed nothing; \
             fix the cause and run deploy again"
                .to_string()
        } else {
            format!(
                "fix the cause and run deploy again, or remove it with `deploy --environment {} --destroy`",
                report.environment
            )
        };
        Error::Failed(format!(
            "terraform apply failed: {reason}; {left}; {next} (see docs/runbooks/failed-deploys.md)"
        ))
    }

    /// Roll the service to `tag` (rolled back when it fails).
    async fn roll_out(&self, tag: &str, report: &mut Report) -> Result<()> {
        let clock = Clock::start();
        let r = rollout(self.ctx, self.req, tag, self.out).await;
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
        Ok(())
    }

    /// Probe the app URL (`app_url` + /health, or the one given), unless the service
    /// is scaled to zero on purpose.
    async fn health(&self, report: &mut Report) -> Result<()> {
        report.app_url = self.ctx.app_url().map(|u| u.value);
        let url = match self.req.health_url.as_str() {
            "off" => {
                report.health = Some("off".into());
                None
            }
            "auto" => match &report.app_url {
                Some(_) if scaled_to_zero(self.ctx, &self.ecs).await => {
                    self.out.note("the service is scaled to zero (desired count 0): app_url answers 503 until it scales up; not probed");
                    report.health = Some("skipped: the service is scaled to zero".into());
                    None
                }
                Some(u) => Some(format!("{}/health", u.trim_end_matches('/'))),
                None => {
                    report.health =
                        Some("skipped: the Terraform root has no app_url output".into());
                    None
                }
            },
            u => Some(u.to_string()),
        };
        let Some(url) = url else {
            return Ok(());
        };
        let clock = Clock::start();
        let timeout = Duration::from_secs(self.req.health_timeout_secs);
        let r = ecs::deploy::check_health(&url, timeout, self.out).await;
        clock.stop("health", &mut report.phases);
        match r {
            Ok(()) => {
                report.health = Some(format!("passed: {url}"));
                Ok(())
            }
            Err(e) => {
                report.health = Some(format!("failed: {url}"));
                report.outcome = Outcome::HealthFailed;
                Err(Error::Failed(format!(
                    "{e}; a service scaled to zero by its schedule answers 503 until it scales up \
                     (pass --health-url off outside working hours)"
                )))
            }
        }
    }
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
            Some(o) => o.to_string(),
            None => "started; not waited for".into(),
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

/// `--destroy`: say what it stops, confirm, destroy with the saved plan.
async fn destroy(
    run: &Run<'_>,
    planned: &Planned,
    current: f64,
    report: &mut Report,
) -> Result<()> {
    let (req, out, quiet) = (run.req, run.out, run.ctx.args.quiet);
    if let Some(c) = report.cost.as_mut() {
        // After a teardown nothing is left: what it stops is what runs now.
        c.monthly = 0.0;
        c.complete = true;
        c.delta = -current;
        c.headroom = c.budget;
    }
    if planned.result == PlanResult::NoChanges || report.changes.is_empty() {
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
    let applied = apply(&run.tf, &planned.path, report.changes.operations(), quiet).await?;
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
