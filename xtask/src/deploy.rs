//! `cargo xtask deploy [--emulator] [-- ARGS]`: build the tools (dev profile) and run `deploy`
//! for the default environment of fargate.toml, or run the whole documented path
//! (`global`, then `dev`) against a local emulator with real Terraform.

use std::path::Path;
use std::process::Command;

pub fn run(emulator: bool, args: &[String]) -> anyhow::Result<()> {
    // The dev profile: the tools wait on Terraform and AWS, and the first build of the
    // workspace's binaries takes 175 s here instead of 547 s in release
    // (docs/architecture/build.md). The same command as `cargo xtask install --debug`.
    crate::install::build_debug()?;
    let bin = std::env::current_dir()?.join("target/debug/deploy");
    if !emulator {
        println!("$ deploy {}", args.join(" "));
        let status = Command::new(&bin).args(args).status()?;
        exit_like(status);
    }
    crate::python::ensure_tools()?;
    let work = std::env::current_dir()?.join("target/emulator-deploy");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    let config =
        test_support::terraform::cli_config(&work.join(".tfrc")).map_err(|e| anyhow::anyhow!(e))?;
    let project = test_support::terraform::emulator_project(&work)?;
    let moto = test_support::Moto::start();
    println!(
        "# moto's AWS emulator on {}; nothing is billed. Terraform runs on a copy of terraform/\n\
         # with the emulator's overrides (docs/architecture/emulator.md) in {}",
        moto.endpoint,
        work.display()
    );
    // The emulator has no data plane: there is no app behind app_url to probe.
    let mut global = vec!["--environment", "global", "--yes", "--health-url", "off"];
    for v in test_support::terraform::GLOBAL_VARS {
        global.extend(["--var", v]);
    }
    step(&bin, &moto, &config, &project, &global, &[])?;
    // deploy checks that the image the task definition runs is in ECR: push one, built
    // by the test support (no Docker daemon here), as a user would with push-to-ecr.
    let archive = work.join("app-image.tar");
    test_support::image::docker_archive(&archive, &test_support::image::small_layers(1), "app:dev");
    let push = std::env::current_dir()?.join("target/debug/push-to-ecr");
    let push_args = [
        "--archive",
        archive.to_str().unwrap_or_default(),
        "--tag",
        "latest",
        "--environment",
        "dev",
    ];
    println!("\n$ push-to-ecr {}", push_args.join(" "));
    let status = Command::new(&push)
        .args(push_args)
        .envs(moto.env())
        .current_dir(&project)
        .status()?;
    if !status.success() {
        exit_like(status);
    }
    let mut dev: Vec<&str> = vec!["--environment", "dev", "--health-url", "off"];
    if !args.iter().any(|a| a == "--yes" || a == "-y") {
        dev.push("--yes");
    }
    step(&bin, &moto, &config, &project, &dev, args)?;
    spend_cap(&bin, &moto, &config, &project)?;
    println!(
        "\n# Not done on the emulator: the health probe of app_url (--health-url off; moto\n\
         # runs no containers). On AWS, deploy probes <app_url>/health after the apply."
    );
    Ok(())
}

/// The spend cap, end to end: tripped (AWS Budgets would invoke the guard; moto runs
/// no functions, so its handler runs here as Lambda would run it), seen, refused,
/// resumed.
fn spend_cap(
    deploy: &Path,
    moto: &test_support::Moto,
    config: &Path,
    project: &Path,
) -> anyhow::Result<()> {
    println!(
        "\n# The month's spend passes spend_cap: AWS Budgets invokes fft-dev-cost-guard\n\
         # (run here as Lambda runs it: moto runs no functions)."
    );
    print!("{}", moto.trip_spend_cap(project, "fft-dev-cost-guard"));
    let scale = deploy.with_file_name("ecs-scale");
    let run = |bin: &Path, name: &str, args: &[&str]| -> anyhow::Result<Option<i32>> {
        println!("\n$ {name} {}", args.join(" "));
        let status = Command::new(bin)
            .args(args)
            .envs(moto.env())
            .env("TF_CLI_CONFIG_FILE", config)
            .current_dir(project)
            .status()?;
        Ok(status.code())
    };
    let expect = |got: Option<i32>, want: i32, what: &str| {
        anyhow::ensure!(got == Some(want), "{what}: exit {got:?}, expected {want}");
        Ok(())
    };
    expect(
        run(&scale, "ecs-scale", &["status", "--environment", "dev"])?,
        0,
        "ecs-scale status",
    )?;
    expect(
        run(
            deploy,
            "deploy",
            &["--environment", "dev", "--yes", "--health-url", "off"],
        )?,
        8,
        "deploy over a stopped environment",
    )?;
    expect(
        run(
            &scale,
            "ecs-scale",
            &["resume", "--environment", "dev", "--yes"],
        )?,
        0,
        "ecs-scale resume",
    )
}

fn step(
    bin: &Path,
    moto: &test_support::Moto,
    config: &Path,
    project: &Path,
    args: &[&str],
    extra: &[String],
) -> anyhow::Result<()> {
    let shown: Vec<&str> = args
        .iter()
        .copied()
        .chain(extra.iter().map(String::as_str))
        .collect();
    println!("\n$ deploy {}", shown.join(" "));
    let status = Command::new(bin)
        .args(args)
        .args(extra)
        .envs(moto.env())
        .env("TF_CLI_CONFIG_FILE", config)
        .current_dir(project)
        .status()?;
    if !status.success() {
        exit_like(status);
    }
    Ok(())
}

/// Exit with deploy's own code (8: refused by the gate, 9: incomplete, ...).
fn exit_like(status: std::process::ExitStatus) -> ! {
    std::process::exit(status.code().unwrap_or(1))
}
