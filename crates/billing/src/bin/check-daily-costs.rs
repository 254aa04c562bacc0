use clap::Parser;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    aws_core::cli::maybe_generate::<billing::cli::DailyCli>();
    let cli = billing::cli::DailyCli::parse();
    cli.global.init_logging();
    aws_core::cli::finish(billing::cli::daily_main(cli).await)
}
