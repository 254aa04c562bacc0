fn main() -> std::process::ExitCode {
    aws_core::cli::maybe_generate::<estimate_costs::cli::Cli>();
    let cli = estimate_costs::cli::Cli::parse_args();
    cli.global.init_logging();
    aws_core::cli::finish(estimate_costs::cli::run(cli))
}
