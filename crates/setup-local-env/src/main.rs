use clap::Parser;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    aws_core::cli::maybe_generate::<setup_local_env::cli::Cli>();
    let cli = setup_local_env::cli::Cli::parse();
    cli.global.init_logging();
    aws_core::cli::finish(setup_local_env::cli::main(cli).await)
}
