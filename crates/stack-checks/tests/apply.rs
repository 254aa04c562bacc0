//! The stack as a user applies it: real Terraform, the real hashicorp/aws provider
//! (offline mirror), against the emulator: `global/` then `environments/dev`, plan,
//! apply, destroy. What the emulator lacks is completed or overridden in one place
//! (docs/architecture/emulator.md), never in the configuration a real account gets.

use std::path::Path;
use std::process::Command;
use test_support::Moto;
use test_support::terraform;

fn tf(m: &Moto, config: &Path, dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new("terraform")
        .arg(format!("-chdir={}", dir.display()))
        // Options before positional arguments (`apply [options] PLAN`).
        .arg(args[0])
        .args(if args[0] == "output" {
            &["-no-color"][..]
        } else {
            &["-input=false", "-no-color"][..]
        })
        .args(&args[1..])
        .envs(m.env())
        .env("TF_CLI_CONFIG_FILE", config)
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .expect("terraform on PATH");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

fn ok(m: &Moto, config: &Path, dir: &Path, args: &[&str]) -> String {
    let (code, text) = tf(m, config, dir, args);
    assert_eq!(
        code,
        0,
        "terraform {} in {}:\n{text}",
        args.join(" "),
        dir.display()
    );
    text
}

#[test]
fn global_and_dev_plan_apply_and_destroy_against_the_emulator() {
    let m = Moto::start();
    let work = tempfile::tempdir().expect("tmp");
    let config = terraform::cli_config(work.path()).unwrap_or_else(|e| panic!("{e}"));
    let root = terraform::emulator_copy(work.path()).expect("copy terraform/");
    let (global, dev) = (root.join("global"), root.join("environments/dev"));
    let global_vars = ["-var", "owner=ci", "-var", "github_repository=example/repo"];

    ok(&m, &config, &global, &["init"]);
    let apply: Vec<&str> = ["apply", "-auto-approve"]
        .iter()
        .chain(&global_vars)
        .copied()
        .collect();
    let out = ok(&m, &config, &global, &apply);
    assert!(out.contains("Apply complete!"), "{out}");
    let bucket = m.python("import boto3; print(sorted(b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']))");
    assert!(bucket.contains("fft-terraform-state-"), "{bucket}");

    ok(&m, &config, &dev, &["init"]);
    let (code, plan) = tf(
        &m,
        &config,
        &dev,
        &["plan", "-detailed-exitcode", "-out", "dev.tfplan"],
    );
    assert_eq!(code, 2, "a plan with changes:\n{plan}");
    let out = ok(&m, &config, &dev, &["apply", "dev.tfplan"]);
    assert!(out.contains("Apply complete!"), "{out}");
    let services = m.python(
        "import boto3; print(boto3.client('ecs').describe_services(cluster='fft-dev', services=['app-service'])['services'][0]['status'])",
    );
    assert_eq!(services.trim(), "ACTIVE");
    let outputs = ok(&m, &config, &dev, &["output", "-json"]);
    assert!(
        outputs.contains("\"parameter_path\"") && outputs.contains("/app/dev"),
        "{outputs}"
    );

    ok(&m, &config, &dev, &["destroy", "-auto-approve"]);
    let destroy: Vec<&str> = ["destroy", "-auto-approve"]
        .iter()
        .chain(&global_vars)
        .copied()
        .collect();
    ok(&m, &config, &global, &destroy);
    // (moto keeps a deleted cluster listed as INACTIVE, as ECS describes it.)
    let left = m.python(
        "import boto3; e=boto3.client('ecs'); a=e.list_clusters()['clusterArns']\n\
active=[c for c in (e.describe_clusters(clusters=a)['clusters'] if a else []) if c['status']=='ACTIVE']\n\
print(len(active), len(boto3.client('s3').list_buckets()['Buckets']))",
    );
    assert_eq!(left.trim(), "0 0", "nothing left after destroy");
}
