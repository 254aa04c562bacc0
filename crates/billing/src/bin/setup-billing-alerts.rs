use clap::Parser;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    aws_core::cli::maybe_generate::<billing::cli::AlertsCli>();
    let cli = billing::cli::AlertsCli::parse();
    cli.global.init_logging();
    aws_core::cli::finish(billing::cli::alerts_main(cli).await)
}
