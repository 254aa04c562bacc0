use clap::Parser;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    aws_core::cli::maybe_generate::<cleanup::cli::Cli>();
    let cli = cleanup::cli::Cli::parse();
    cli.global.init_logging();
    aws_core::cli::finish(cleanup::cli::main(cli).await)
}
