//! `cargo xtask demo`: the tools against a local emulator, nothing to configure.

use crate::python;
use std::process::{Command, Stdio};

pub fn run() -> anyhow::Result<()> {
    crate::run_cmd(
        "cargo",
        &[
            "build",
            "--quiet",
            "-p",
            "parameter-store",
            "-p",
            "estimate-costs",
        ],
    )?;
    println!("# What the bundled dev environment costs per month, before anything is deployed");
    println!("$ estimate-costs --environment dev");
    let status = Command::new(std::env::current_dir()?.join("target/debug/estimate-costs"))
        .args(["--environment", "dev"])
        .status()?;
    anyhow::ensure!(status.success(), "estimate-costs failed");

    println!(
        "\n# parameter-store against a local AWS emulator (moto): no AWS account, nothing billed"
    );
    python::ensure_tools()?;
    let moto = test_support::Moto::start();
    let bin = std::env::current_dir()?.join("target/debug/parameter-store");
    let env = moto.env();
    let step = |title: &str, args: &[&str], stdin: Option<&str>| -> anyhow::Result<()> {
        println!("\n# {title}\n$ parameter-store {}", args.join(" "));
        let mut cmd = Command::new(&bin);
        cmd.args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(moto.dir());
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        });
        let mut child = cmd.spawn()?;
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            use std::io::Write;
            pipe.write_all(text.as_bytes())?;
        }
        let status = child.wait()?;
        anyhow::ensure!(status.success(), "demo step failed: {title}");
        Ok(())
    };
    moto.write_file("config.json", "{\"log_level\": \"info\", \"port\": 8080}\n");
    moto.write_file(
        "prod.env",
        "db-password=prod-secret\nconfig='{\"log_level\": \"warn\", \"port\": 8080}'\n",
    );
    println!("emulator: {}", moto.endpoint);
    step(
        "a secret, piped in (never on the command line)",
        &[
            "create",
            "--name",
            "/app/dev/db-password",
            "--type",
            "SecureString",
        ],
        Some("dev-secret"),
    )?;
    step(
        "a config file, validated as JSON first",
        &[
            "create",
            "--name",
            "/app/dev/config",
            "--from-file",
            "config.json",
        ],
        None,
    )?;
    step("list: secrets masked", &["list", "/app/dev"], None)?;
    step(
        "import a dotenv file for prod",
        &["import", "/app/prod", "prod.env"],
        None,
    )?;
    step(
        "import again: nothing rewritten",
        &["import", "/app/prod", "prod.env"],
        None,
    )?;
    step(
        "which keys differ between environments (no values shown)",
        &["diff", "/app/dev", "/app/prod"],
        None,
    )?;
    step(
        "exec: parameters as environment variables",
        &[
            "exec",
            "/app/dev",
            "--",
            "sh",
            "-c",
            "echo \"the app sees DB_PASSWORD with ${#DB_PASSWORD} characters\"",
        ],
        None,
    )?;
    Ok(())
}
