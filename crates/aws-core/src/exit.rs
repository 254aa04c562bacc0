//! Exit codes shared by every tool (documented in docs/architecture/exit-codes.md).

/// Process exit codes. Scripts may rely on these numbers; never renumber them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ExitCode {
    /// Everything asked for was done.
    Success = 0,
    /// The operation failed (AWS error, partial failure, health check failed...).
    Failure = 1,
    /// Bad command line or bad input file: nothing was changed.
    Usage = 2,
    /// Configuration problem: no region, no credentials, broken fargate.toml.
    Config = 3,
    /// Authentication or authorization: expired session, access denied.
    Auth = 4,
    /// A named resource does not exist.
    NotFound = 5,
    /// The user declined a confirmation, or it could not be asked (no --yes, no terminal).
    Aborted = 6,
    /// AWS throttled or was unreachable after retries: safe to run again later.
    Unavailable = 7,
    /// A check found what it looks for: differences (diff --exit-code), budget exceeded.
    CheckFailed = 8,
    /// A check could not be made on complete input (an estimate with resources it
    /// could not price): never passed, never failed on a guess.
    Incomplete = 9,
}

impl ExitCode {
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// Every code with a one-line meaning, for `--help` footers and docs.
    pub const ALL: [(ExitCode, &'static str); 10] = [
        (ExitCode::Success, "success"),
        (ExitCode::Failure, "operation failed"),
        (
            ExitCode::Usage,
            "bad arguments or input; nothing was changed",
        ),
        (
            ExitCode::Config,
            "configuration: region, credentials or fargate.toml",
        ),
        (ExitCode::Auth, "expired session or access denied"),
        (ExitCode::NotFound, "resource not found"),
        (
            ExitCode::Aborted,
            "confirmation declined or impossible (use --yes)",
        ),
        (
            ExitCode::Unavailable,
            "throttled or unreachable after retries; retry later",
        ),
        (
            ExitCode::CheckFailed,
            "a check failed (differences found, over budget)",
        ),
        (
            ExitCode::Incomplete,
            "a check could not be made: its input is incomplete (e.g. not everything priced)",
        ),
    ];
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(code: ExitCode) -> Self {
        std::process::ExitCode::from(code.code())
    }
}

/// The `--help` footer every tool appends (`after_long_help`).
pub fn help_footer() -> String {
    let mut s = String::from("Exit codes:\n");
    for (code, meaning) in ExitCode::ALL {
        s.push_str(&format!("  {}  {}\n", code.code(), meaning));
    }
    // `--generate` is answered before the parser runs (aws_core::cli::maybe_generate),
    // so clap cannot list it: said here, where every tool's long help ends.
    s.push_str(
        "\nShell completions and a man page: --generate bash|zsh|fish|man (on stdout, alone)\n",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_unique() {
        let codes: Vec<u8> = ExitCode::ALL.iter().map(|(c, _)| c.code()).collect();
        assert_eq!(codes, (0..=9).collect::<Vec<u8>>());
    }
}
