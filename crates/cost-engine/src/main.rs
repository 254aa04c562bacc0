use clap::Parser;

fn main() -> std::process::ExitCode {
    aws_core::cli::finish(cost_engine::cli::run(cost_engine::cli::Cli::parse()))
}
