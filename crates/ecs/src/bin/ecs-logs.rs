use clap::Parser;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    aws_core::cli::maybe_generate::<ecs::cli::LogsCli>();
    let cli = ecs::cli::LogsCli::parse();
    cli.global.init_logging();
    aws_core::cli::finish(ecs::cli::logs_main(cli).await)
}
