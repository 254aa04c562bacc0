//! `check-free-tier-usage`: the seed's script name, kept working as written
//! (`check-free-tier-usage --service all --detailed`): the same tool as
//! `check-free-tier`, under its old name.

use clap::{CommandFactory, FromArgMatches};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let matches = billing::cli::FreeTierCli::command()
        .name("check-free-tier-usage")
        .bin_name("check-free-tier-usage")
        .get_matches();
    let cli = match billing::cli::FreeTierCli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    cli.global.init_logging();
    aws_core::cli::finish(billing::cli::free_tier_main(cli).await)
}
