//! `estimate-costs`: arguments and the glue from them to the engine.

use crate::render;
use aws_core::Context;
use aws_core::cli::GlobalArgs;
use aws_core::output::OutputFormat;
use aws_core::{Error, Result};
use clap::{Parser, ValueEnum};
use cost_engine::catalog::Catalog;
use cost_engine::date;
use cost_engine::engine::{self, EngineError, Request, Source};
use cost_engine::estimate;
use cost_engine::free_tier::Plan;
use cost_engine::gate;
use cost_engine::hcl_loader::LoadOptions;
use cost_engine::usage::Usage;
use std::path::PathBuf;

const ABOUT: &str =
    "Monthly cost of a Terraform environment, line by line, before anything is deployed.";

const LONG_ABOUT: &str = "\
Monthly cost of a Terraform environment, line by line, before anything is deployed.

Reads the HCL (local modules, variables, tfvars, locals, count/for_each) or a saved
plan's JSON, prices every resource from a pricing catalog with sources (data file,
4 regions), follows the service's scale-to-zero schedule, applies the Free Tier the
account really has, and flags cost traps. No AWS account or credentials needed.

Region: the provider's region in the configuration (else the environment's in
fargate.toml, else AWS_REGION, else us-east-1); --region on the command line prices in
that region instead. --profile and --endpoint-url are accepted like in every tool and
unused: an estimate makes no AWS call.

Free Tier facts (2026-11): Fargate, the ALB and public IPv4 have no free tier; accounts
created on/after 2025-07-15 get credits instead of 12-month offers; legacy 12-month
offers ended for every account by mid-July 2026.";

const EXAMPLES: &str = "\
Examples:
  # terraform_dir of dev in fargate.toml
  estimate-costs --environment dev
  # every line's arithmetic
  estimate-costs terraform/environments/dev --explain
  # a plan: terraform show -json plan.out > plan.json
  estimate-costs --plan plan.json -o markdown
  # what a change costs
  estimate-costs terraform/environments/dev \\
    --compare-to ../main/terraform/environments/dev
  # exit 8 when over budget (CI, deploy)
  estimate-costs --environment dev --max-monthly 10
  # an account on the legacy free tier
  estimate-costs --environment dev --free-tier legacy \\
    --account-created 2025-03-01
  # how many months 200 USD of credits last
  estimate-costs --environment dev --credits 200";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FreeTierPlan {
    /// Account created on/after 2025-07-15: credits, always-free offers only.
    Credits,
    /// Account created before 2025-07-15: 12-month offers until 12 months after creation.
    Legacy,
    /// Always-free offers only.
    None,
}

#[derive(Debug, Parser)]
#[command(
    name = "estimate-costs",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}\n\n{}", aws_core::exit::help_footer()),
)]
pub struct Cli {
    /// Terraform root module directory, or a plan JSON file.
    #[arg(value_name = "DIR|PLAN.json", conflicts_with = "plan")]
    pub path: Option<PathBuf>,

    #[command(flatten)]
    pub global: GlobalArgs,

    /// Whether --region came from the command line (it overrides the configuration's
    /// region); AWS_REGION only stands in where the configuration names none, as in
    /// Terraform.
    #[arg(skip)]
    pub region_from_flag: bool,

    /// JSON of a saved plan (`terraform show -json plan.out`): authoritative values.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,

    /// Set a root variable, like terraform's -var (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// Read variables from a .tfvars file (after terraform.tfvars and *.auto.tfvars).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,

    /// Usage assumptions (traffic, log GB, stored GB); the keys and their defaults: crates/cost-engine/data/usage.toml.
    /// With --environment, the default is `usage.toml` in its terraform_dir when there is one.
    #[arg(long, value_name = "FILE")]
    pub usage_file: Option<PathBuf>,

    /// The account's Free Tier situation.
    #[arg(long, value_enum, default_value_t = FreeTierPlan::Credits)]
    pub free_tier: FreeTierPlan,

    /// Account creation date (YYYY-MM-DD), needed for --free-tier legacy.
    #[arg(long, value_name = "DATE")]
    pub account_created: Option<String>,

    /// Remaining credits in USD: prints how many months they cover.
    #[arg(long, value_name = "USD")]
    pub credits: Option<f64>,

    /// Evaluate free-tier windows and support calendars at this date (default today).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,

    /// Show the monthly difference against another directory or plan (what a PR changes).
    #[arg(long, value_name = "DIR|PLAN.json")]
    pub compare_to: Option<PathBuf>,

    /// Exit with code 8 when the monthly cost after free tier exceeds this (USD).
    /// Default: the `budget` in fargate.toml of the environment estimated.
    #[arg(long, value_name = "USD")]
    pub max_monthly: Option<f64>,

    /// Show, for each line, the catalog entry, its source and the arithmetic.
    #[arg(long)]
    pub explain: bool,

    /// Pricing catalog to use instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
}

impl Cli {
    /// Parse the process arguments, noting where --region came from.
    pub fn parse_args() -> Cli {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Cli::command().get_matches();
        let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        cli.region_from_flag =
            matches.value_source("region") == Some(clap::parser::ValueSource::CommandLine);
        cli
    }
}

/// Exit codes of estimate errors: what the user gave is wrong (2), a region the
/// catalog does not price (3, configuration), a file that exists but could not be
/// read (1).
fn engine_error(e: EngineError) -> Error {
    use cost_engine::catalog::CatalogError;
    use cost_engine::hcl_loader::LoadError;
    use cost_engine::plan_loader::PlanError;
    use std::io::ErrorKind;
    // A missing file or one that is not text is the user's input; anything else
    // (permissions, I/O errors) is a failure to read it.
    let unreadable = |io: &std::io::Error| {
        !matches!(
            io.kind(),
            ErrorKind::NotFound | ErrorKind::InvalidData | ErrorKind::InvalidInput
        )
    };
    match e {
        EngineError::Load(LoadError::Io { path, source }) if unreadable(&source) => {
            Error::io(path.display().to_string(), source)
        }
        EngineError::Plan(PlanError::Io { path, source }) if unreadable(&source) => {
            Error::io(path, source)
        }
        EngineError::Catalog(
            e @ (CatalogError::NoRegion { .. } | CatalogError::RegionNotPriced { .. }),
        ) => Error::Config(e.to_string()),
        other => Error::input(other),
    }
}

/// A usage file or catalog: at most 16 MiB, a regular file or a pipe.
fn read(path: &std::path::Path, what: &str) -> Result<String> {
    aws_core::input::read_text_file(path, 16 * 1024 * 1024, what)
}

pub fn run(cli: Cli) -> Result<()> {
    let ctx = Context::resolve_report(&cli.global)?;
    let cwd = std::env::current_dir().map_err(|e| Error::io("current directory", e))?;
    if ctx.project.is_none()
        && let Some(name) = &cli.global.environment
    {
        return Err(Error::Config(format!(
            "--environment {name} needs a fargate.toml (none found from {} upwards); give the Terraform directory instead",
            cwd.display()
        )));
    }
    let project = ctx.project.clone();
    let env = ctx.environment.clone();
    let opts = LoadOptions {
        vars: cli.vars.clone(),
        var_files: cli.var_files.clone(),
    };
    let source = match (&cli.plan, &cli.path, &env) {
        (Some(p), _, _) => Source::Plan(p.clone()),
        (None, Some(p), _) => Source::guess(p.clone(), opts.clone()),
        (None, None, Some((name, e))) => {
            let dir = e.terraform_dir.clone().ok_or_else(|| {
                Error::Config(format!(
                    "environment {name} in fargate.toml has no terraform_dir"
                ))
            })?;
            let base = project
                .as_ref()
                .and_then(|p| p.base_dir())
                .map(PathBuf::from)
                .unwrap_or_default();
            let full = base.join(dir);
            // Show it relative to where the user is, as they would type it.
            // Inside the directory itself that is `.`, never the empty path.
            let shown = match full.strip_prefix(&cwd) {
                Ok(p) if p.as_os_str().is_empty() => PathBuf::from("."),
                Ok(p) => p.to_path_buf(),
                Err(_) => full,
            };
            Source::Dir(shown, opts.clone())
        }
        (None, None, None) => {
            return Err(Error::invalid(
                "nothing to estimate: give a Terraform directory, --plan FILE, or --environment NAME",
            ));
        }
    };
    let catalog = match &cli.catalog {
        Some(p) => {
            Catalog::parse(&read(p, "catalog")?, &p.display().to_string()).map_err(Error::input)?
        }
        None => Catalog::builtin(),
    };
    // --usage-file, else the usage file an environment keeps beside its Terraform.
    let usage_path = cli.usage_file.clone().or_else(|| match &source {
        Source::Dir(dir, _) if env.is_some() => cost_engine::usage::environment_file(dir),
        _ => None,
    });
    if cli.usage_file.is_none()
        && let Some(p) = &usage_path
    {
        ctx.output().note(format!(
            "usage assumptions: {} (the environment's usage file)",
            p.display()
        ));
    }
    let usage_text = usage_path
        .as_ref()
        .map(|p| read(p, "usage file"))
        .transpose()?;
    let usage_origin = usage_path
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let usage = Usage::new(usage_text.as_deref().map(|t| (t, usage_origin.as_str())))
        .map_err(Error::input)?;
    let as_of = match &cli.as_of {
        Some(d) => date::parse(d).map_err(|e| Error::invalid(format!("--as-of: {e}")))?,
        None => date::today(),
    };
    let plan = match cli.free_tier {
        FreeTierPlan::Credits => {
            if let Some(c) = cli.credits
                && !(c.is_finite() && c >= 0.0)
            {
                return Err(Error::invalid(
                    "--credits must be a non-negative number of USD",
                ));
            }
            Plan::Credits {
                credits: cli.credits,
            }
        }
        FreeTierPlan::Legacy => {
            let d = cli.account_created.as_deref().ok_or_else(|| {
                Error::invalid("--free-tier legacy needs --account-created YYYY-MM-DD (12-month offers run from that date)")
            })?;
            Plan::Legacy {
                created: date::parse(d)
                    .map_err(|e| Error::invalid(format!("--account-created: {e}")))?,
            }
        }
        FreeTierPlan::None => Plan::None,
    };
    if let Some(m) = cli.max_monthly
        && !(m.is_finite() && m >= 0.0)
    {
        return Err(Error::invalid(
            "--max-monthly must be a non-negative number of USD",
        ));
    }
    let request = |source: Source| Request {
        source,
        catalog: &catalog,
        usage: &usage,
        region: cli
            .region_from_flag
            .then(|| cli.global.region.clone())
            .flatten(),
        fallback_region: env
            .as_ref()
            .and_then(|(_, e)| e.region.clone())
            .or_else(|| cli.global.region.clone())
            .unwrap_or_else(|| "us-east-1".into()),
        plan: plan.clone(),
        as_of,
    };
    let estimate = engine::estimate(&request(source)).map_err(engine_error)?;

    let text = if let Some(base) = &cli.compare_to {
        let before =
            engine::estimate(&request(Source::guess(base.clone(), opts))).map_err(engine_error)?;
        let cmp = estimate::compare(&before, &estimate);
        match cli.global.output {
            OutputFormat::Json => json(
                &serde_json::json!({ "comparison": cmp, "before": before, "after": estimate }),
            )?,
            OutputFormat::Markdown => render::comparison_markdown(&cmp),
            OutputFormat::Table => render::comparison_table(&cmp, &before.source, &estimate.source),
        }
    } else {
        match cli.global.output {
            OutputFormat::Json => json(&estimate)?,
            OutputFormat::Markdown => render::markdown(&estimate),
            OutputFormat::Table => render::table(&estimate, cli.explain, &catalog),
        }
    };
    aws_core::output::write_stdout(&text)?;

    // The gate: --max-monthly, else the environment's budget.
    // The budget belongs to the environment's own stack, not to another directory.
    let own_stack = cli.plan.is_none() && cli.path.is_none();
    let budget = gate::Budget::select(
        cli.max_monthly,
        env.as_ref()
            .filter(|_| own_stack)
            .map(|(name, e)| (name.as_str(), e.budget)),
    );
    match gate::check(&estimate, budget.as_ref(), gate::Tier::Any) {
        Ok(Some(note)) => ctx.output().note(note),
        Ok(None) => {}
        Err(gate::Refusal::Refused(m)) => return Err(Error::CheckFailed(m)),
        Err(gate::Refusal::Incomplete(m)) => return Err(Error::Incomplete(m)),
    }
    Ok(())
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    aws_core::output::to_json(v).map(|s| s + "\n")
}
