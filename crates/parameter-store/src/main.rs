use clap::Parser;
use parameter_store::cli::Cli;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    aws_core::cli::maybe_generate::<Cli>();
    let cli = Cli::parse();
    cli.global.init_logging();
    match parameter_store::run(cli).await {
        Ok(code) => std::process::ExitCode::from(code),
        Err(e) => aws_core::cli::report_error(&e).into(),
    }
}
