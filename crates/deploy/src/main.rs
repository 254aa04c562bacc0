use clap::Parser;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    aws_core::cli::maybe_generate::<deploy::cli::Cli>();
    let cli = deploy::cli::Cli::parse();
    cli.global.init_logging();
    aws_core::cli::finish(deploy::cli::main(cli).await)
}
