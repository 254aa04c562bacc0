use clap::Parser;

fn main() -> std::process::ExitCode {
    aws_core::cli::maybe_generate::<estimate_costs::cli::Cli>();
    aws_core::cli::finish(estimate_costs::cli::run(estimate_costs::cli::Cli::parse()))
}
