use clap::Parser;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    aws_core::cli::maybe_generate::<ecs::cli::ScaleCli>();
    let cli = ecs::cli::ScaleCli::parse();
    cli.global.init_logging();
    aws_core::cli::finish(ecs::cli::scale_main(cli).await)
}
