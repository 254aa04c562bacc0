use clap::Parser;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    aws_core::cli::maybe_generate::<billing::cli::FreeTierCli>();
    let cli = billing::cli::FreeTierCli::parse();
    cli.global.init_logging();
    aws_core::cli::finish(billing::cli::free_tier_main(cli).await)
}
