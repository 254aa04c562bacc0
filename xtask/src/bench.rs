//! `cargo xtask bench parameter-store`: our binary against the AWS CLI (and boto3)
//! doing the same work on the same moto server. Wall-clock medians; the emulator's
//! own latency is in both sides, so ratios understate the client difference.

use crate::{python, run_cmd};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(clap::Subcommand)]
pub enum Target {
    /// get (one parameter), import and list of --count parameters.
    ParameterStore {
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// Repetitions of each single-call measurement.
        #[arg(long, default_value_t = 15)]
        runs: usize,
        /// Also time the AWS CLI importing by one `put-parameter` process per value (slow).
        #[arg(long)]
        cli_import: bool,
    },
}

pub fn run(target: Target) -> anyhow::Result<()> {
    match target {
        Target::ParameterStore {
            count,
            runs,
            cli_import,
        } => parameter_store(count, runs, cli_import),
    }
}

struct Env {
    moto: test_support::Moto,
    ours: std::path::PathBuf,
}

impl Env {
    fn cmd(&self, program: &std::path::Path, args: &[&str]) -> Command {
        let mut c = Command::new(program);
        c.args(args)
            .envs(self.moto.env())
            .current_dir(self.moto.dir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        c
    }

    fn time(&self, program: &std::path::Path, args: &[&str]) -> anyhow::Result<Duration> {
        let start = Instant::now();
        let out = self.cmd(program, args).output()?;
        let took = start.elapsed();
        anyhow::ensure!(
            out.status.success(),
            "{} {} failed: {}",
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(took)
    }

    fn median(
        &self,
        runs: usize,
        program: &std::path::Path,
        args: &[&str],
    ) -> anyhow::Result<Duration> {
        let mut v = (0..runs)
            .map(|_| self.time(program, args))
            .collect::<anyhow::Result<Vec<_>>>()?;
        v.sort();
        Ok(v[v.len() / 2])
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn parameter_store(count: usize, runs: usize, cli_import: bool) -> anyhow::Result<()> {
    python::ensure_tools(&["moto", "flask", "boto3"])?;
    if !crate::has_program("aws", "--version") {
        run_cmd(
            &test_support::python(),
            &[
                "-m",
                "pip",
                "install",
                "--quiet",
                "-r",
                "requirements-bench.txt",
            ],
        )?;
    }
    run_cmd(
        "cargo",
        &["build", "--release", "--quiet", "-p", "parameter-store"],
    )?;
    let env = Env {
        moto: test_support::Moto::start(),
        ours: std::env::current_dir()?.join("target/release/parameter-store"),
    };
    let aws = std::path::PathBuf::from("aws");
    let py = std::path::PathBuf::from(test_support::python());
    let mut rows: Vec<(String, f64, f64, String)> = Vec::new();

    // get: one parameter, one process each.
    env.moto.python("import boto3; boto3.client('ssm').put_parameter(Name='/bench/one', Type='SecureString', Value='v')");
    let ours = env.median(runs, &env.ours, &["get", "/bench/one", "--reveal", "--raw"])?;
    let theirs = env.median(
        runs,
        &aws,
        &[
            "ssm",
            "get-parameter",
            "--name",
            "/bench/one",
            "--with-decryption",
            "--query",
            "Parameter.Value",
            "--output",
            "text",
        ],
    )?;
    rows.push((
        "get 1 parameter (median of runs)".into(),
        ms(ours),
        ms(theirs),
        "aws ssm get-parameter".into(),
    ));

    // import: `count` values from one file.
    let body: String = {
        let items: Vec<String> = (0..count)
            .map(|i| format!("  \"key{i:05}\": \"value-{i}\""))
            .collect();
        format!("{{\n{}\n}}\n", items.join(",\n"))
    };
    env.moto.write_file("bench.json", &body);
    let ours_import = env.time(
        &env.ours,
        &["import", "/bench/ours", "bench.json", "--type", "String"],
    )?;
    let script = "import boto3, json\nc = boto3.client('ssm')\nfor k, v in json.load(open('bench.json')).items():\n    c.put_parameter(Name='/bench/boto/' + k, Value=v, Type='String')\n";
    let boto_import = env.time(&py, &["-c", script])?;
    rows.push((
        format!("import {count} parameters"),
        ms(ours_import),
        ms(boto_import),
        "boto3, one process, put_parameter loop".into(),
    ));
    if cli_import {
        let start = Instant::now();
        for i in 0..count {
            let name = format!("/bench/cli/key{i:05}");
            let value = format!("value-{i}");
            let out = env
                .cmd(
                    &aws,
                    &[
                        "ssm",
                        "put-parameter",
                        "--name",
                        &name,
                        "--value",
                        &value,
                        "--type",
                        "String",
                    ],
                )
                .output()?;
            anyhow::ensure!(out.status.success(), "aws ssm put-parameter failed");
        }
        rows.push((
            format!("import {count} parameters"),
            ms(ours_import),
            ms(start.elapsed()),
            "aws ssm put-parameter, one process per value".into(),
        ));
    }
    let ours_reimport = env.time(
        &env.ours,
        &["import", "/bench/ours", "bench.json", "--type", "String"],
    )?;
    rows.push((
        format!("re-import {count} unchanged (writes nothing)"),
        ms(ours_reimport),
        ms(boto_import),
        "boto3 rewriting all (no diffing)".into(),
    ));

    // list: all of them, paginated.
    let list_runs = runs.clamp(1, 5);
    let ours_list = env.median(list_runs, &env.ours, &["list", "/bench/ours", "-o", "json"])?;
    let cli_list = env.median(
        list_runs,
        &aws,
        &[
            "ssm",
            "get-parameters-by-path",
            "--path",
            "/bench/ours",
            "--recursive",
        ],
    )?;
    rows.push((
        format!("list {count} parameters (median)"),
        ms(ours_list),
        ms(cli_list),
        "aws ssm get-parameters-by-path --recursive".into(),
    ));

    println!(
        "\nparameter-store vs reference, same moto server ({} runs for single calls)\n",
        runs
    );
    println!(
        "{:<46} {:>12} {:>12} {:>8}  reference",
        "work", "ours ms", "ref ms", "speed-up"
    );
    let mut json = Vec::new();
    for (what, o, t, reference) in &rows {
        println!(
            "{what:<46} {o:>12.1} {t:>12.1} {:>7.1}x  {reference}",
            t / o
        );
        json.push(format!(
            "{{\"work\": \"{what}\", \"ours_ms\": {o:.1}, \"reference_ms\": {t:.1}, \"reference\": \"{reference}\"}}"
        ));
    }
    std::fs::create_dir_all("target/bench")?;
    std::fs::write(
        "target/bench/parameter-store.json",
        format!("[\n{}\n]\n", json.join(",\n")),
    )?;
    println!("\nwritten to target/bench/parameter-store.json");
    Ok(())
}
