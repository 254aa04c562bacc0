use clap::Parser;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    aws_core::cli::maybe_generate::<billing::cli::MonitorCli>();
    let cli = billing::cli::MonitorCli::parse();
    cli.global.init_logging();
    aws_core::cli::finish(billing::cli::monitor_main(cli).await)
}
