//! `cargo xtask bench parameter-store`: our binary against the AWS CLI (and boto3)
//! doing the same work on the same moto server. Wall-clock medians; the emulator's
//! own latency is in both sides, so ratios understate the client difference.

use crate::python;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(clap::Subcommand)]
pub enum Target {
    /// The whole estimate of the dev environment and of a generated 500-resource tree,
    /// against python-hcl2 merely parsing the same files.
    EstimateCosts {
        #[arg(long, default_value_t = 15)]
        runs: usize,
    },
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
        /// Round-trip time the proxy in front of moto adds (e.g. 40ms; 0 = loopback).
        #[arg(long, default_value = "0", value_parser = test_support::latency::parse_duration)]
        rtt: Duration,
    },
    /// How soon ecs-deploy knows a rollout's outcome after it happens (scripted ECS),
    /// against the AWS SDK waiter's 15 s polls.
    EcsDeploy {
        /// Rollouts timed (up to 7, completing 3 to 57.5 s after the update).
        #[arg(long, default_value_t = 7)]
        runs: usize,
    },
    /// Push a multi-layer `docker save` archive to a local registry (docker-registry),
    /// cold (empty registry) and warm (all present), against `skopeo copy`.
    PushToEcr {
        /// Image size in MB, split over 5 layers.
        #[arg(long, default_value_t = 50)]
        size_mb: usize,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

pub fn run(target: Target) -> anyhow::Result<()> {
    match target {
        Target::ParameterStore {
            count,
            runs,
            cli_import,
            rtt,
        } => parameter_store(count, runs, cli_import, rtt),
        Target::EstimateCosts { runs } => estimate_costs(runs),
        Target::PushToEcr { size_mb, runs } => crate::bench_push::run(size_mb, runs),
        Target::EcsDeploy { runs } => crate::bench_rollout::run(runs),
    }
}

struct Env {
    moto: test_support::Moto,
    ours: std::path::PathBuf,
    /// Every client of the comparison goes through it: the same latency for all, and
    /// the requests each one sends are counted.
    proxy: test_support::latency::LatencyProxy,
}

impl Env {
    fn cmd(&self, program: &std::path::Path, args: &[&str]) -> Command {
        let mut c = Command::new(program);
        c.args(args)
            .envs(self.moto.env())
            .env("AWS_ENDPOINT_URL", &self.proxy.endpoint)
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

    /// Median time of `runs` runs, and the requests one run sends.
    fn median(
        &self,
        runs: usize,
        program: &std::path::Path,
        args: &[&str],
    ) -> anyhow::Result<(Duration, usize)> {
        let before = self.proxy.requests();
        let mut v = (0..runs)
            .map(|_| self.time(program, args))
            .collect::<anyhow::Result<Vec<_>>>()?;
        v.sort();
        Ok((
            v[v.len() / 2],
            (self.proxy.requests() - before) / runs.max(1),
        ))
    }

    /// One run: its time and the requests it sent.
    fn counted(
        &self,
        program: &std::path::Path,
        args: &[&str],
    ) -> anyhow::Result<(Duration, usize)> {
        self.median(1, program, args)
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

struct Row {
    work: String,
    ours: (Duration, usize),
    reference: (Duration, usize),
    name: String,
}

fn parameter_store(
    count: usize,
    runs: usize,
    cli_import: bool,
    rtt: Duration,
) -> anyhow::Result<()> {
    python::ensure_tools()?;
    let venv = python::venv("target/bench-venv", "requirements-bench.txt")?;
    crate::install::build_release()?;
    let moto = test_support::Moto::start();
    let proxy = test_support::latency::LatencyProxy::start(moto.port, rtt, rtt / 10);
    let env = Env {
        moto,
        ours: std::env::current_dir()?.join("target/release/parameter-store"),
        proxy,
    };
    let aws = std::env::current_dir()?.join(venv.join("bin/aws"));
    let py = std::path::PathBuf::from(test_support::python());
    let mut rows: Vec<Row> = Vec::new();

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
    rows.push(Row {
        work: "get 1 parameter (median of runs)".into(),
        ours,
        reference: theirs,
        name: "aws ssm get-parameter".into(),
    });

    // import: `count` values from one file.
    let body: String = {
        let items: Vec<String> = (0..count)
            .map(|i| format!("  \"key{i:05}\": \"value-{i}\""))
            .collect();
        format!("{{\n{}\n}}\n", items.join(",\n"))
    };
    env.moto.write_file("bench.json", &body);
    let ours_import = env.counted(
        &env.ours,
        &["import", "/bench/ours", "bench.json", "--type", "String"],
    )?;
    let script = "import boto3, json\nc = boto3.client('ssm')\nfor k, v in json.load(open('bench.json')).items():\n    c.put_parameter(Name='/bench/boto/' + k, Value=v, Type='String')\n";
    let boto_import = env.counted(&py, &["-c", script])?;
    rows.push(Row {
        work: format!("import {count} parameters"),
        ours: ours_import,
        reference: boto_import,
        name: "boto3, one process, put_parameter loop".into(),
    });
    if cli_import {
        let before = env.proxy.requests();
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
        rows.push(Row {
            work: format!("import {count} parameters"),
            ours: ours_import,
            reference: (start.elapsed(), env.proxy.requests() - before),
            name: "aws ssm put-parameter, one process per value".into(),
        });
    }
    let ours_reimport = env.counted(
        &env.ours,
        &["import", "/bench/ours", "bench.json", "--type", "String"],
    )?;
    rows.push(Row {
        work: format!("re-import {count} unchanged (writes nothing)"),
        ours: ours_reimport,
        reference: boto_import,
        name: "boto3 rewriting all (no diffing)".into(),
    });

    // list: all of them.
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
    rows.push(Row {
        work: format!("list {count} parameters (median)"),
        ours: ours_list,
        reference: cli_list,
        name: "aws ssm get-parameters-by-path --recursive".into(),
    });
    let boto_list = env.median(
        list_runs,
        &py,
        &["-c", "import boto3\np = boto3.client('ssm').get_paginator('get_parameters_by_path')\nfor page in p.paginate(Path='/bench/ours', Recursive=True, WithDecryption=True):\n    pass\n"],
    )?;
    rows.push(Row {
        work: format!("list {count} parameters (median)"),
        ours: ours_list,
        reference: boto_list,
        name: "boto3 get_parameters_by_path paginator".into(),
    });

    println!(
        "\nparameter-store vs reference, same moto server behind a proxy adding {} ms round trips ({} runs for single calls)\n",
        rtt.as_millis(),
        runs
    );
    println!(
        "{:<44} {:>10} {:>6} {:>10} {:>6} {:>8}  reference",
        "work", "ours ms", "calls", "ref ms", "calls", "speed-up"
    );
    let mut json = Vec::new();
    for r in &rows {
        let (o, oc) = (ms(r.ours.0), r.ours.1);
        let (t, tc) = (ms(r.reference.0), r.reference.1);
        println!(
            "{:<44} {o:>10.1} {oc:>6} {t:>10.1} {tc:>6} {:>7.1}x  {}",
            r.work,
            t / o,
            r.name
        );
        json.push(serde_json::json!({
            "work": r.work, "rtt_ms": rtt.as_millis() as u64,
            "ours_ms": o, "ours_calls": oc,
            "reference_ms": t, "reference_calls": tc, "reference": r.name,
        }));
    }
    std::fs::create_dir_all("target/bench")?;
    let file = format!("target/bench/parameter-store-rtt{}.json", rtt.as_millis());
    std::fs::write(&file, serde_json::to_string_pretty(&json)?)?;
    println!("\nwritten to {file}");
    Ok(())
}

fn median_of(
    runs: usize,
    mut f: impl FnMut() -> anyhow::Result<Duration>,
) -> anyhow::Result<Duration> {
    let mut v = (0..runs).map(|_| f()).collect::<anyhow::Result<Vec<_>>>()?;
    v.sort();
    Ok(v[v.len() / 2])
}

fn timed(cmd: &mut Command) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let out = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output()?;
    let took = start.elapsed();
    anyhow::ensure!(
        out.status.success(),
        "{:?} failed: {}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(took)
}

/// A tree of 20 local modules x 25 resources, with variables, locals, count and for_each.
fn generate_tree(root: &std::path::Path) -> anyhow::Result<()> {
    let _ = std::fs::remove_dir_all(root);
    std::fs::create_dir_all(root)?;
    let mut main = String::from(
        "provider \"aws\" {\n  region = var.region\n}\n\nvariable \"region\" {\n  type    = string\n  default = \"us-east-1\"\n}\n",
    );
    for m in 0..20 {
        main.push_str(&format!("\nmodule \"m{m:02}\" {{\n  source = \"./modules/m{m:02}\"\n  name   = \"svc-{m}\"\n  cpu    = {}\n}}\n", if m % 2 == 0 { 256 } else { 512 }));
        let dir = root.join(format!("modules/m{m:02}"));
        std::fs::create_dir_all(&dir)?;
        let mut body = String::from(
            "variable \"name\" {\n  type = string\n}\n\nvariable \"cpu\" {\n  type    = number\n  default = 256\n}\n\nlocals {\n  memory = var.cpu * 2\n  zones  = [\"a\", \"b\"]\n}\n",
        );
        body.push_str("\nresource \"aws_ecs_task_definition\" \"t\" {\n  family = var.name\n  cpu    = var.cpu\n  memory = local.memory\n  container_definitions = jsonencode([{ name = var.name, image = \"nginx\" }])\n}\n");
        body.push_str("\nresource \"aws_ecs_service\" \"s\" {\n  name            = var.name\n  task_definition = aws_ecs_task_definition.t.arn\n  desired_count   = 1\n  network_configuration {\n    subnets          = [for z in local.zones : \"subnet-${z}\"]\n    assign_public_ip = true\n  }\n}\n");
        body.push_str("\nresource \"aws_cloudwatch_log_group\" \"l\" {\n  count             = 3\n  name              = \"/ecs/${var.name}/${count.index}\"\n  retention_in_days = 7\n}\n");
        body.push_str("\nresource \"aws_security_group\" \"g\" {\n  for_each    = toset([\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", \"i\", \"j\"])\n  name        = \"${var.name}-${each.key}\"\n  description = format(\"%s group %s\", var.name, upper(each.key))\n}\n");
        body.push_str("\nresource \"aws_cloudwatch_metric_alarm\" \"a\" {\n  count       = 9\n  alarm_name  = \"${var.name}-${count.index}\"\n  namespace   = \"AWS/ECS\"\n  metric_name = \"CPUUtilization\"\n  threshold   = 80 + count.index\n}\n");
        std::fs::write(dir.join("main.tf"), body)?;
    }
    std::fs::write(root.join("main.tf"), main)?;
    Ok(())
}

fn estimate_costs(runs: usize) -> anyhow::Result<()> {
    let venv = python::venv("target/bench-venv", "requirements-bench.txt")?;
    crate::install::build_release()?;
    let ours = std::env::current_dir()?.join("target/release/estimate-costs");
    let py = std::env::current_dir()?.join(venv.join("bin/python"));
    let tree = std::path::PathBuf::from("target/bench/tree500");
    generate_tree(&tree)?;
    let parse = "import glob, sys, hcl2\nfor f in glob.glob(sys.argv[1] + '/**/*.tf', recursive=True):\n    with open(f) as fh:\n        hcl2.load(fh)\n";
    let mut rows = Vec::new();
    for (label, dir) in [
        (
            "dev environment (terraform/environments/dev + modules)",
            "terraform/environments/dev",
        ),
        (
            "generated: 20 modules, 500 resources",
            "target/bench/tree500",
        ),
    ] {
        let files = if dir.starts_with("terraform/") {
            "terraform/environments/dev terraform/modules"
        } else {
            dir
        };
        let o = median_of(runs, || {
            timed(
                Command::new(&ours)
                    .args([dir, "-o", "json", "--as-of", "2026-11-27"])
                    .env("NO_COLOR", "1"),
            )
        })?;
        let t = median_of(runs, || {
            let start = Instant::now();
            for d in files.split(' ') {
                let out = Command::new(&py).args(["-c", parse, d]).output()?;
                anyhow::ensure!(
                    out.status.success(),
                    "python-hcl2 failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            Ok(start.elapsed())
        })?;
        rows.push((label, ms(o), ms(t)));
    }
    let resources = {
        let out = Command::new(&ours)
            .args(["target/bench/tree500", "-o", "json"])
            .output()?;
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
        v["free_resources"].as_u64().unwrap_or(0)
            + v["lines"].as_array().map(|l| l.len() as u64).unwrap_or(0)
    };
    println!(
        "\nestimate-costs (whole estimate) vs python-hcl2 (parsing only), median of {runs} runs\n"
    );
    println!(
        "{:<56} {:>10} {:>16} {:>8}",
        "input", "ours ms", "python-hcl2 ms", "ratio"
    );
    for (label, o, t) in &rows {
        println!("{label:<56} {o:>10.1} {t:>16.1} {:>7.1}x", t / o);
    }
    println!("\n(generated tree: {resources} priced lines + free resources)");
    scaling(&ours, runs)
}

/// Time against instance count: identical instances are priced arithmetically (flat);
/// instances that differ by `count.index` are evaluated one by one (linear).
fn scaling(ours: &std::path::Path, runs: usize) -> anyhow::Result<()> {
    println!("\nestimate-costs scaling with count, median of {runs} runs\n");
    println!("{:<44} {:>10} {:>14}", "input", "ms", "us/instance");
    for (n, distinct) in [
        (20_000u64, false),
        (1_000, true),
        (5_000, true),
        (10_000, true),
    ] {
        let dir = std::path::PathBuf::from(format!(
            "target/bench/count-{n}-{}",
            if distinct { "distinct" } else { "identical" }
        ));
        std::fs::create_dir_all(&dir)?;
        let tags = if distinct {
            "\n  tags  = { n = count.index }"
        } else {
            ""
        };
        std::fs::write(
            dir.join("main.tf"),
            format!(
                "provider \"aws\" {{\n  region = \"us-east-1\"\n}}\nresource \"aws_eip\" \"x\" {{\n  count = {n}{tags}\n}}\n"
            ),
        )?;
        let t = median_of(runs, || {
            timed(
                Command::new(ours)
                    .arg(&dir)
                    .args(["-o", "json", "--as-of", "2026-11-27"])
                    .env("NO_COLOR", "1"),
            )
        })?;
        let label = format!(
            "count = {n} ({})",
            if distinct {
                "distinct: count.index"
            } else {
                "identical"
            }
        );
        println!(
            "{label:<44} {:>10.1} {:>14.2}",
            ms(t),
            ms(t) * 1000.0 / n as f64
        );
    }
    Ok(())
}
