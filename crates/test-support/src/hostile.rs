//! Hostile environments every binary must survive: each one a clear error with a
//! documented exit code, never a panic (exit 101), never a hang.

/// A label, the environment to add, and the exit code expected.
pub type Case = (&'static str, Vec<(&'static str, &'static str)>, i32);

/// Environments that once panicked the SDK, hung a tool or misled a user.
pub fn environments() -> Vec<Case> {
    vec![
        ("empty endpoint", vec![("AWS_ENDPOINT_URL", "")], 2),
        (
            "endpoint without scheme",
            vec![("AWS_ENDPOINT_URL", "localhost:4566")],
            2,
        ),
        (
            "unclosed IPv6 bracket",
            vec![("AWS_ENDPOINT_URL", "http://[::1")],
            2,
        ),
        (
            "space in host",
            vec![("AWS_ENDPOINT_URL", "http://exa mple.com")],
            2,
        ),
        (
            "per-service endpoint",
            vec![
                ("AWS_ENDPOINT_URL_SSM", "localhost:1"),
                ("AWS_ENDPOINT_URL_ECS", "localhost:1"),
                ("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "localhost:1"),
            ],
            2,
        ),
        (
            "CR in access key",
            vec![("AWS_ACCESS_KEY_ID", "AKIATEST\r")],
            3,
        ),
        (
            "LF in secret key",
            vec![("AWS_SECRET_ACCESS_KEY", "secret\n")],
            3,
        ),
        ("unknown profile", vec![("AWS_PROFILE", "nosuch")], 3),
        ("region with spaces", vec![("AWS_REGION", "us east 1")], 2),
        ("empty region", vec![("AWS_REGION", "")], 2),
        (
            "max attempts not a number",
            vec![("AWS_MAX_ATTEMPTS", "abc")],
            3,
        ),
        ("max attempts zero", vec![("AWS_MAX_ATTEMPTS", "0")], 3),
        ("unknown retry mode", vec![("AWS_RETRY_MODE", "bogus")], 3),
        (
            "config file is /dev/zero",
            vec![("AWS_CONFIG_FILE", "/dev/zero")],
            3,
        ),
        (
            "credentials file is a directory",
            vec![("AWS_SHARED_CREDENTIALS_FILE", "/")],
            3,
        ),
        (
            "project file is /dev/zero",
            vec![("FARGATE_CONFIG", "/dev/zero")],
            3,
        ),
        (
            "project file is a directory",
            vec![("FARGATE_CONFIG", "/")],
            3,
        ),
    ]
}

/// Run `make()` under every hostile environment and check the exit code and that
/// stderr says `error:`. `make` builds the command (binary, arguments, base env).
pub fn assert_survives(bin_label: &str, make: impl Fn() -> assert_cmd::Command) {
    let mut failures = Vec::new();
    for (label, env, expected) in environments() {
        let mut cmd = make();
        for (k, v) in &env {
            cmd.env(k, v);
        }
        cmd.timeout(std::time::Duration::from_secs(60));
        let out = cmd.output().expect("run");
        let code = out.status.code().unwrap_or(-1);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if code != expected || !stderr.contains("error:") || stderr.contains("panicked") {
            failures.push(format!(
                "{bin_label} under {label}: exit {code} (expected {expected})\n{stderr}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n---\n"));
}
