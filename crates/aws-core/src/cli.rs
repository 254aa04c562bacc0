//! Flags every tool accepts, logging set-up, and the error/exit-code epilogue.

use crate::error::Error;
use crate::exit::ExitCode;
use crate::output::OutputFormat;
use std::path::PathBuf;

/// Options shared by every tool; flatten into each tool's clap parser.
// Each argument names its heading: a struct-level `next_help_heading` would also file
// every option a tool declares after the flatten under "Global options".
#[derive(Debug, Clone, Default, clap::Args)]
pub struct GlobalArgs {
    /// Environment from fargate.toml (region, profile, names, parameter path).
    #[arg(
        help_heading = "Global options",
        long,
        short = 'e',
        global = true,
        env = "FARGATE_ENVIRONMENT"
    )]
    pub environment: Option<String>,

    /// Named AWS profile (SSO or role profiles work).
    #[arg(
        help_heading = "Global options",
        long,
        global = true,
        env = "AWS_PROFILE"
    )]
    pub profile: Option<String>,

    /// AWS region, e.g. us-east-1.
    #[arg(
        help_heading = "Global options",
        long,
        global = true,
        env = "AWS_REGION"
    )]
    pub region: Option<String>,

    /// Send every AWS call to this endpoint (e.g. the local emulator). AWS_ENDPOINT_URL
    /// and AWS_ENDPOINT_URL_<SERVICE> are honoured too.
    #[arg(
        help_heading = "Global options",
        long,
        global = true,
        value_name = "URL"
    )]
    pub endpoint_url: Option<String>,

    /// Project file (default: fargate.toml in this or a parent directory).
    #[arg(
        help_heading = "Global options",
        long,
        global = true,
        env = "FARGATE_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,

    /// Output format: a table for people, JSON for scripts (markdown: estimate-costs'
    /// pull-request report).
    #[arg(help_heading = "Global options", long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,

    /// Only print results and errors.
    #[arg(
        help_heading = "Global options",
        long,
        short = 'q',
        global = true,
        conflicts_with = "verbose"
    )]
    pub quiet: bool,

    /// More detail on stderr (-v: debug, -vv: trace including AWS SDK).
    #[arg(help_heading = "Global options", long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Disable colours (NO_COLOR is honoured too).
    #[arg(help_heading = "Global options", long, global = true)]
    pub no_color: bool,
}

impl GlobalArgs {
    /// Install the tracing subscriber on stderr. Call once, first thing in main.
    pub fn init_logging(&self) {
        if self.no_color {
            anstream::ColorChoice::Never.write_global();
        }
        let level = match (self.quiet, self.verbose) {
            (true, _) => "error",
            // The SDK's own warnings (credential provider chain) repeat what our error says.
            (false, 0) => "warn,aws_config=error,aws_smithy_runtime=error",
            (false, 1) => "info,aws_core=debug",
            (false, _) => "debug,aws_config=debug,aws_smithy_runtime=debug",
        };
        // RUST_LOG (`target=level,...` directives) wins when set and valid, so users
        // can target one module.
        use tracing_subscriber::filter::Targets;
        use tracing_subscriber::layer::SubscriberExt;
        let filter: Targets = std::env::var("RUST_LOG")
            .ok()
            .and_then(|v| v.parse().ok())
            .or_else(|| level.parse().ok())
            .unwrap_or_default();
        let ansi = crate::output::stderr_color();
        // The builder's own filter stops at INFO: open it, `filter` decides.
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(std::io::stderr)
            .with_ansi(ansi)
            .without_time()
            .with_target(self.verbose > 1)
            .finish()
            .with(filter)
            .with(never_logged());
        let _ = tracing::subscriber::set_global_default(subscriber);
    }
}

/// What no RUST_LOG may open: the signer's trace output prints its canonical request,
/// which carries `x-amz-security-token` (the session token) in clear.
fn never_logged() -> tracing_subscriber::filter::Targets {
    use tracing_subscriber::filter::LevelFilter;
    tracing_subscriber::filter::Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_target("aws_sigv4", LevelFilter::DEBUG)
}

/// Print an error (with its hint) on stderr and return the documented exit code.
/// Registered secrets are masked and control characters escaped; a cause whose
/// text the message already contains is not repeated.
pub fn report_error(err: &Error) -> ExitCode {
    use anstyle::{AnsiColor, Style};
    let red = Style::new().fg_color(Some(AnsiColor::Red.into())).bold();
    let dim = Style::new().fg_color(Some(AnsiColor::Yellow.into()));
    let text = err.to_string();
    anstream::eprintln!("{red}error:{red:#} {}", crate::output::message(&text));
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        let cause = s.to_string();
        if !text.contains(&cause) {
            anstream::eprintln!("  caused by: {}", crate::output::message(&cause));
        }
        source = s.source();
    }
    if let Some(hint) = err.hint() {
        anstream::eprintln!("  {dim}hint:{dim:#} {}", crate::output::message(&hint));
    }
    err.exit_code()
}

/// Turn a tool's result into the process exit code.
pub fn finish(result: crate::Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => ExitCode::Success.into(),
        // Interrupted: 128 + the signal, as a shell reports a process the signal ended.
        Err(e @ Error::Interrupted { signal, .. }) => {
            report_error(&e);
            std::process::ExitCode::from(u8::try_from(128 + signal).unwrap_or(1))
        }
        Err(e) => report_error(&e).into(),
    }
}

/// What `TOOL --generate KIND` writes to stdout: shell completions or a man page,
/// generated from the tool's own clap definition (so they cannot drift from it).
pub const GENERATE_KINDS: [&str; 4] = ["bash", "zsh", "fish", "man"];

/// Call first thing in `main`: when the arguments are exactly `--generate KIND`, print
/// that file for the tool and exit. `cargo xtask completions` uses it to write every
/// tool's completions and man page.
pub fn maybe_generate<C: clap::CommandFactory>() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [flag, kind] = args.as_slice() else {
        return;
    };
    if flag != "--generate" {
        return;
    }
    let code = match generate(C::command(), kind) {
        Ok(bytes) => match crate::output::write_stdout(&String::from_utf8_lossy(&bytes)) {
            Ok(()) => ExitCode::Success,
            Err(e) => report_error(&e),
        },
        Err(e) => report_error(&e),
    };
    std::process::exit(i32::from(code.code()));
}

/// Completions for `bash`, `zsh` or `fish`, or the roff man page for `man`.
pub fn generate(mut cmd: clap::Command, kind: &str) -> crate::Result<Vec<u8>> {
    let name = cmd.get_name().to_string();
    let mut out = Vec::new();
    match kind {
        "bash" => clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, &name, &mut out),
        "zsh" => clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, &name, &mut out),
        "fish" => clap_complete::generate(clap_complete::Shell::Fish, &mut cmd, &name, &mut out),
        "man" => clap_mangen::Man::new(cmd)
            .render(&mut out)
            .map_err(|e| Error::io("rendering the man page", e))?,
        other => {
            return Err(Error::invalid(format!(
                "--generate {other}: choose one of {}",
                GENERATE_KINDS.join(", ")
            )));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod logging_tests {
    /// Red team round 3, item 19: `RUST_LOG=trace` printed the session token.
    #[test]
    fn the_signer_never_logs_below_debug() {
        let t = super::never_logged();
        use tracing::Level;
        assert!(!t.would_enable("aws_sigv4::http_request::sign", &Level::TRACE));
        assert!(t.would_enable("aws_sigv4::http_request::sign", &Level::DEBUG));
        assert!(t.would_enable("aws_smithy_runtime", &Level::TRACE));
    }
}
