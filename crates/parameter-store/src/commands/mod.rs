//! One module per subcommand family; `run` dispatches.

mod compare;
mod delete;
mod exec;
mod read;
mod transfer;
mod write;

use crate::cli::{Cli, Command};
use crate::name;
use crate::store::Store;
use aws_core::output::Output;
use aws_core::{Context, Error, Result};

/// What every command gets: resolved settings, output, and a way to reach SSM.
pub struct App {
    pub ctx: Context,
    pub out: Output,
    region: String,
}

impl App {
    /// The session's region (a profile's included): names are checked against its
    /// ARN length and prices read for it, before any request.
    pub fn region_hint(&self) -> &str {
        &self.region
    }

    /// Build the SSM client. Called after inputs are validated.
    pub async fn store(&self) -> Result<Store> {
        let session = self.ctx.session().await?;
        Ok(Store::new(
            aws_sdk_ssm::Client::new(session.sdk()),
            session.region().to_string(),
        ))
    }

    /// Write a plan with a progress line on a terminal (names only, never values).
    pub async fn apply(
        &self,
        store: &Store,
        steps: Vec<crate::sync::Step>,
        tier: crate::model::Tier,
        report: crate::sync::Report,
    ) -> crate::sync::Report {
        let spinner =
            aws_core::progress::Spinner::new("writing", self.out.quiet || self.out.is_json());
        let report =
            crate::sync::apply_with_progress(store, steps, tier, report, |done, total, name| {
                spinner.set_message(format!("writing {}/{total}: {name}", done + 1));
            })
            .await;
        spinner.finish();
        report
    }

    pub fn check_name(&self, n: &str) -> Result<()> {
        name::validate_name(n, self.region_hint()).map_err(Error::input)
    }

    pub fn check_path(&self, p: &str) -> Result<String> {
        name::normalize_path(p).map_err(Error::input)
    }

    /// The path to use when none is given: the environment's parameter path
    /// (`Context::parameter_path`).
    pub fn default_path(&self) -> Result<String> {
        match self.ctx.parameter_path() {
            Some(path) => self.check_path(&path),
            None => Err(Error::invalid(
                "no path given: pass one (e.g. /app/dev) or --environment NAME",
            )),
        }
    }
}

/// Run a parsed command line. Returns the exit status to use on success
/// (`exec` passes on its child's status).
pub async fn run(cli: Cli) -> Result<u8> {
    let ctx = Context::resolve(&cli.global)?;
    let out = ctx.output();
    // The session is built first (no request): the region it settles on is the one
    // names and prices are checked against.
    let region = ctx.session().await?.region().to_string();
    let app = App { ctx, out, region };
    match cli.command {
        Command::Create(a) => write::create(&app, a, false).await?,
        Command::Update(a) => write::create(&app, a, true).await?,
        Command::Get(a) => read::get(&app, a).await?,
        Command::List(a) => read::list(&app, a).await?,
        Command::History(a) => read::history(&app, a).await?,
        Command::Delete(a) => delete::delete(&app, a).await?,
        Command::Diff(a) => compare::diff(&app, a).await?,
        Command::Copy(a) => compare::copy(&app, a).await?,
        Command::Import(a) => transfer::import(&app, a).await?,
        Command::Export(a) => transfer::export(&app, a).await?,
        Command::Exec(a) => return exec::exec(&app, a).await,
    }
    Ok(0)
}
