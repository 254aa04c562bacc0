use clap::Parser;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    aws_core::cli::maybe_generate::<ecs::cli::DeployCli>();
    let cli = ecs::cli::DeployCli::parse();
    cli.global.init_logging();
    aws_core::cli::finish(ecs::cli::deploy_main(cli).await)
}
