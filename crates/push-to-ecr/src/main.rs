use clap::Parser;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    aws_core::cli::maybe_generate::<push_to_ecr::cli::Cli>();
    let cli = push_to_ecr::cli::Cli::parse();
    cli.global.init_logging();
    aws_core::cli::finish(push_to_ecr::cli::main(cli).await)
}
