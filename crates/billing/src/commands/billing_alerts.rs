//! setup-billing-alerts: a monthly cost budget with the project's two alerts, created
//! or brought up to date idempotently; a budget Terraform manages is verified, never
//! changed (ADR 0003).

use crate::alerts::{self, Budget, Change, Subscriber, Wanted};
use crate::aws::Aws;
use aws_core::{Context, Error, Result};
use cost_engine::estimate::usd;
use serde::Serialize;

/// The budget this tool creates when Terraform's is not there.
pub const DEFAULT_NAME: &str = "fargate-free-tier-monthly";
pub const ZERO_SPEND_NAME: &str = "fargate-free-tier-zero-spend";

#[derive(Debug, Clone)]
pub struct Request {
    pub limit_usd: f64,
    pub name: Option<String>,
    pub subscribers: Vec<Subscriber>,
    pub zero_spend: bool,
    pub dry_run: bool,
}

#[derive(Debug, Serialize)]
struct Report<'a> {
    account: &'a str,
    /// `created`, `updated`, `unchanged`, `terraform-managed`, or `would-change` (dry run).
    outcome: &'static str,
    budget: String,
    changes: Vec<Change>,
    differences: Vec<String>,
    estimated_monthly_usd: Option<f64>,
}

pub async fn run(ctx: &Context, req: Request) -> Result<()> {
    let out = ctx.output();
    let estimate = estimated_monthly(ctx);
    let session = ctx.session().await?;
    let account = session.account().await?.account.clone();
    let aws = Aws::new(session);
    let existing = aws.budgets(&account, true).await?;

    if let Some((est, complete)) = estimate
        && req.limit_usd < est
    {
        out.warn(format!(
            "the budget ({}) is below the environment's estimated monthly cost ({}{}): it will alert every month",
            usd(req.limit_usd),
            if complete { "" } else { "at least " },
            usd(est)
        ));
    }

    // Terraform's budget (terraform/modules/monitoring: "<name_prefix>-monthly").
    let terraform_name = ctx
        .environment_config()
        .and_then(|e| e.name_prefix.as_ref())
        .map(|p| format!("{p}-monthly"));
    let terraform = terraform_name
        .as_ref()
        .and_then(|n| existing.iter().find(|b| &b.name == n));
    // `--name` picks another budget, unless it names Terraform's: that one is never changed.
    if (req.name.is_none() || req.name == terraform_name)
        && let Some(b) = terraform
    {
        let mut differences = alerts::differences(req.limit_usd, b);
        differences.extend(alerts::missing_subscribers(&req.subscribers, b));
        let report = Report {
            account: &account,
            outcome: "terraform-managed",
            budget: b.name.clone(),
            changes: Vec::new(),
            differences: differences.clone(),
            estimated_monthly_usd: estimate.map(|e| e.0),
        };
        emit(ctx, &report)?;
        if differences.is_empty() {
            out.success(format!(
                "{} (managed by Terraform) already has this limit and both alerts",
                b.name
            ));
            zero_spend(ctx, &aws, &account, &existing, &req).await?;
            return Ok(());
        }
        return Err(Error::CheckFailed(format!(
            "{} is managed by Terraform and {}; change budget_limit_usd or alarm_email (the alert thresholds, subscribers) in the environment's Terraform and deploy: this tool does not fight Terraform (ADR 0003)",
            b.name,
            differences.join(", ")
        )));
    }

    // One budget per environment: when its Terraform will create `<name_prefix>-monthly`
    // on deploy, a second budget under another name would alert twice and drift apart.
    if req.name.is_none()
        && ctx.terraform_dir().is_some()
        && let Some(name) = &terraform_name
        && !existing.iter().any(|b| b.name == DEFAULT_NAME)
    {
        return Err(Error::Aborted(format!(
            "environment {}'s Terraform creates its budget {name} when it is deployed (budget_limit_usd, alarm_email): \
             deploy it instead of a second budget, or pass --name NAME for a separate one; nothing was created",
            ctx.environment_name().unwrap_or("?")
        )));
    }
    let wanted = Wanted {
        name: req.name.clone().unwrap_or_else(|| DEFAULT_NAME.to_string()),
        limit_usd: req.limit_usd,
        alerts: alerts::standard_alerts(),
        subscribers: req.subscribers.clone(),
    };
    let current = existing.iter().find(|b| b.name == wanted.name);
    let outcome = apply(ctx, &aws, &account, &wanted, current, req.dry_run).await?;
    emit(
        ctx,
        &Report {
            account: &account,
            outcome: outcome.0,
            budget: wanted.name.clone(),
            changes: outcome.1,
            differences: Vec::new(),
            estimated_monthly_usd: estimate.map(|e| e.0),
        },
    )?;
    zero_spend(ctx, &aws, &account, &existing, &req).await
}

async fn zero_spend(
    ctx: &Context,
    aws: &Aws,
    account: &str,
    existing: &[Budget],
    req: &Request,
) -> Result<()> {
    if !req.zero_spend {
        return Ok(());
    }
    let wanted = alerts::zero_spend(ZERO_SPEND_NAME, &req.subscribers);
    let current = existing.iter().find(|b| b.name == wanted.name);
    apply(ctx, aws, account, &wanted, current, req.dry_run)
        .await
        .map(drop)
}

/// Carry out (or, in a dry run, list) the changes for one budget.
async fn apply(
    ctx: &Context,
    aws: &Aws,
    account: &str,
    wanted: &Wanted,
    current: Option<&Budget>,
    dry_run: bool,
) -> Result<(&'static str, Vec<Change>)> {
    let out = ctx.output();
    if let Some(why) = current.and_then(alerts::foreign_kind) {
        return Err(Error::CheckFailed(format!(
            "{why}; it is left as it is: pick another --name for the monthly alerts"
        )));
    }
    let changes = alerts::changes(wanted, current);
    if changes.is_empty() {
        out.success(format!(
            "{}: unchanged ({} limit, alerts at 80 % actual and 100 % forecast)",
            wanted.name,
            usd(wanted.limit_usd)
        ));
        return Ok(("unchanged", changes));
    }
    if wanted.subscribers.is_empty()
        && changes
            .iter()
            .any(|c| !matches!(c, Change::SetLimit { .. }))
    {
        return Err(Error::invalid(
            "an alert needs somewhere to go: pass --email ADDRESS and/or --sns-topic ARN",
        ));
    }
    for c in &changes {
        let line = describe(c);
        if dry_run {
            out.note(format!("would {line}"));
            continue;
        }
        match c {
            Change::CreateBudget { .. } => match aws.create_budget(account, wanted).await {
                // Another run created it meanwhile: read it, and converge with it.
                Err(Error::Aws { code, .. }) if code == "DuplicateRecordException" => {
                    out.note(format!(
                        "budget {} was created by another run meanwhile; bringing it up to date",
                        wanted.name
                    ));
                    let now = aws.budgets(account, true).await?;
                    let Some(theirs) = now.iter().find(|b| b.name == wanted.name) else {
                        return Err(Error::Failed(format!(
                            "budgets: {} already exists, yet DescribeBudgets does not list it",
                            wanted.name
                        )));
                    };
                    return Box::pin(apply(ctx, aws, account, wanted, Some(theirs), dry_run)).await;
                }
                other => other?,
            },
            Change::SetLimit { .. } => aws.set_limit(account, wanted).await?,
            Change::AddAlert { name, alert } => {
                aws.add_alert(account, name, alert, &wanted.subscribers)
                    .await?
            }
            Change::AddSubscriber {
                name,
                alert,
                subscriber,
            } => aws.add_subscriber(account, name, alert, subscriber).await?,
        }
        out.success(line);
    }
    let outcome = match (dry_run, current) {
        (true, _) => "would-change",
        (false, None) => "created",
        (false, Some(_)) => "updated",
    };
    Ok((outcome, changes))
}

fn describe(c: &Change) -> String {
    match c {
        Change::CreateBudget { name, limit_usd } => {
            format!(
                "create budget {name}: {} a month, alerts at 80 % actual and 100 % forecast",
                usd(*limit_usd)
            )
        }
        Change::SetLimit {
            name,
            from_usd,
            to_usd,
        } => format!(
            "set the limit of {name}: {} -> {}",
            from_usd.map_or("none".into(), usd),
            usd(*to_usd)
        ),
        Change::AddAlert { name, alert } => format!(
            "add to {name} an alert at {} % of {} spend",
            alert.threshold_percent,
            format!("{:?}", alert.kind).to_lowercase()
        ),
        Change::AddSubscriber {
            name,
            alert,
            subscriber,
        } => format!(
            "send {name}'s {} % {} alert to {}",
            alert.threshold_percent,
            format!("{:?}", alert.kind).to_lowercase(),
            match subscriber {
                Subscriber::Email(a) | Subscriber::Sns(a) => a,
            }
        ),
    }
}

fn emit(ctx: &Context, report: &Report) -> Result<()> {
    let out = ctx.output();
    if out.is_json() {
        out.json(report)
    } else {
        Ok(())
    }
}

/// The environment's estimated monthly cost (net of the free tier) from the cost
/// engine, and whether the estimate is complete; `None` without a Terraform root.
fn estimated_monthly(ctx: &Context) -> Option<(f64, bool)> {
    let dir = ctx.terraform_dir()?;
    let catalog = cost_engine::catalog::Catalog::builtin();
    let usage = cost_engine::usage::Usage::new(None).ok()?;
    let region = ctx.environment_config().and_then(|e| e.region.clone());
    let est = cost_engine::engine::estimate(&cost_engine::engine::Request {
        source: cost_engine::engine::Source::Dir(dir, Default::default()),
        catalog: &catalog,
        usage: &usage,
        region: region.clone(),
        fallback_region: region.unwrap_or_else(|| "us-east-1".into()),
        plan: cost_engine::free_tier::Plan::Credits { credits: None },
        as_of: cost_engine::date::today(),
    })
    .ok()?;
    Some((est.total_net, est.complete))
}
