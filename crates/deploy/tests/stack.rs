//! The documented path on the stack as shipped: `deploy --environment global`, then
//! `deploy --environment dev`, real Terraform and the real hashicorp/aws provider
//! (offline mirror) against the emulator, then both torn down. What the emulator
//! lacks is completed or overridden in one place (docs/architecture/emulator.md),
//! never in the configuration a real account gets.

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use std::path::Path;
use test_support::Moto;
use test_support::terraform;

fn deploy(m: &Moto, project: &Path, config: &Path, env: &str) -> Command {
    let mut c = m.cmd(env!("CARGO_BIN_EXE_deploy"));
    c.env("TF_CLI_CONFIG_FILE", config)
        .current_dir(project)
        .args(["--environment", env])
        .timeout(std::time::Duration::from_secs(900));
    if env == "global" {
        for v in terraform::GLOBAL_VARS {
            c.args(["--var", v]);
        }
    }
    c
}

fn clusters(m: &Moto) -> String {
    // (moto keeps a deleted cluster listed as INACTIVE, as ECS describes it.)
    m.python(
        "import boto3; e=boto3.client('ecs'); a=e.list_clusters()['clusterArns']\n\
print(len([c for c in (e.describe_clusters(clusters=a)['clusters'] if a else []) if c['status']=='ACTIVE']))",
    )
    .trim()
    .to_string()
}

/// Deploy dev with `extra` arguments; it must apply, cost within `monthly` and
/// serve an app_url that starts with `scheme`.
fn dev_applied(
    m: &Moto,
    project: &Path,
    config: &Path,
    extra: &[&str],
    monthly: std::ops::Range<f64>,
    scheme: &str,
) {
    let out = deploy(m, project, config, "dev")
        .args(extra)
        .args(["--yes", "--health-url", "off", "-o", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(report["outcome"], "applied", "{report}");
    let cost = report["cost"]["monthly"].as_f64().expect("monthly");
    assert!(monthly.contains(&cost), "{report}");
    let url = report["app_url"].as_str().unwrap_or_default();
    assert!(url.starts_with(scheme), "{report}");
}

/// The spend cap as Terraform wired it: the budget notifies the guard's topic, the
/// topic invokes the function; the function (run with the environment Terraform gave
/// it, as Lambda would) stops the service; `deploy` refuses while it holds;
/// `ecs-scale resume` restores it and `deploy` applies again.
fn spend_cap_stops_and_resume_restores(m: &Moto, project: &Path, config: &Path) {
    let wiring = m.python(
        "import boto3\n\
b=boto3.client('budgets'); n=b.describe_notifications_for_budget(AccountId='123456789012', BudgetName='fft-dev-cost-guard')['Notifications'][0]\n\
subs=b.describe_subscribers_for_notification(AccountId='123456789012', BudgetName='fft-dev-cost-guard', Notification=n)['Subscribers']\n\
sns=boto3.client('sns'); topic=[s['Address'] for s in subs if s['Address'].endswith(':fft-dev-cost-guard')][0]\n\
lam=[x['Endpoint'] for x in sns.list_subscriptions_by_topic(TopicArn=topic)['Subscriptions'] if x['Protocol']=='lambda']\n\
print(n['NotificationType'], int(float(n['Threshold'])), len(subs), lam[0].endswith(':function:fft-dev-cost-guard'))",
    );
    assert_eq!(wiring.trim(), "ACTUAL 100 2 True", "{wiring}");
    m.trip_spend_cap(project, "fft-dev-cost-guard");
    let stopped = m.python(
        "import boto3; s=boto3.client('ecs').describe_services(cluster='fft-dev', services=['app-service'])['services'][0]\n\
t=boto3.client('application-autoscaling').describe_scalable_targets(ServiceNamespace='ecs')['ScalableTargets'][0]\n\
print(s['desiredCount'], t['MaxCapacity'], t['SuspendedState']['ScheduledScalingSuspended'])",
    );
    assert_eq!(stopped.trim(), "0 0 True");
    deploy(m, project, config, "dev")
        .args(["--yes", "--health-url", "off"])
        .assert()
        .code(8)
        .stderr(contains(
            "deploy of dev refused: cluster fft-dev is stopped by its spend cap",
        ));
    // Another package's binary: built by the workspace test run (`cargo nextest run
    // --workspace`, as `cargo xtask ci` runs it).
    let ecs_scale = assert_cmd::cargo::cargo_bin("ecs-scale");
    assert!(
        ecs_scale.is_file(),
        "{} is not built: run the tests with --workspace",
        ecs_scale.display()
    );
    let mut resume = m.cmd(ecs_scale);
    resume
        .env("TF_CLI_CONFIG_FILE", config)
        .current_dir(project)
        .args(["resume", "--environment", "dev", "--yes"])
        .assert()
        .success()
        .stderr(contains(
            "fft-dev/app-service: desired count 1, schedule on",
        ));
    // `deploy --environment dev --cap 15` (documented): the guard's budget follows.
    deploy(m, project, config, "dev")
        .args([
            "--cap",
            "15",
            "--yes",
            "--health-url",
            "off",
            "--tier",
            "free",
        ])
        .assert()
        .success()
        .stdout(
            contains("spend cap").and(contains("$15.00/month: past it the environment is stopped")),
        );
    let limit = m.python(
        "import boto3; print(boto3.client('budgets').describe_budget(AccountId='123456789012', BudgetName='fft-dev-cost-guard')['Budget']['BudgetLimit']['Amount'])",
    );
    assert_eq!(limit.trim().parse::<f64>().ok(), Some(15.0), "{limit}");
    // A root without a cost guard cannot take a cap: refused before Terraform runs.
    deploy(m, project, config, "global")
        .args(["--cap", "15", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("declares no spend_cap_usd variable"));
}

#[test]
fn global_then_dev_deploy_and_destroy_against_the_emulator() {
    let m = Moto::start();
    let work = tempfile::tempdir().expect("tmp");
    let config =
        terraform::cli_config(&work.path().join(".tfrc")).unwrap_or_else(|e| panic!("{e}"));
    let project = terraform::emulator_project(work.path()).expect("project");

    deploy(&m, &project, &config, "global")
        .args(["--yes", "--health-url", "off"])
        .assert()
        .success()
        .stdout(contains("applied"));
    let buckets = m.python("import boto3; print(sorted(b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']))");
    assert!(buckets.contains("fft-terraform-state-"), "{buckets}");
    // deploy refuses a task definition whose image is not in ECR: store one (no layers).
    m.seed_image("fft/app", "latest");

    // The ALB variant is over dev's $10 budget: exit 8, nothing of the environment created.
    deploy(&m, &project, &config, "dev")
        .args(["--var", "ingress=alb", "--yes"])
        .assert()
        .code(8)
        .stderr(contains(
            "exceeds the budget of environment dev (fargate.toml), $10.00; nothing was applied",
        ));
    assert_eq!(clusters(&m), "0");

    // The default: the HTTP API ingress, within the free-tier gate.
    dev_applied(
        &m,
        &project,
        &config,
        &["--tier", "free"],
        4.0..5.0,
        "https://",
    );
    let status = m.python(
        "import boto3; print(boto3.client('ecs').describe_services(cluster='fft-dev', services=['app-service'])['services'][0]['status'])",
    );
    assert_eq!(status.trim(), "ACTIVE");
    let path = std::process::Command::new("terraform")
        .arg(format!(
            "-chdir={}",
            project.join("terraform/environments/dev").display()
        ))
        .args(["output", "-raw", "parameter_path"])
        .envs(m.env())
        .env("TF_CLI_CONFIG_FILE", &config)
        .output()
        .expect("terraform");
    assert_eq!(String::from_utf8_lossy(&path.stdout), "/app/dev");
    spend_cap_stops_and_resume_restores(&m, &project, &config);
    deploy(&m, &project, &config, "dev")
        .args(["--destroy", "--yes"])
        .assert()
        .success()
        .stderr(contains("destroyed environment dev"));

    // The ALB variant, with a budget that admits it (and a warning: above the $20 cap).
    let alb = ["--var", "ingress=alb", "--max-monthly", "30"];
    deploy(&m, &project, &config, "dev")
        .args(alb)
        .arg("--dry-run")
        .assert()
        .success()
        .stderr(
            contains("above the spend cap ($20.00)")
                .and(contains("will stop the environment around day")),
        );
    dev_applied(&m, &project, &config, &alb, 28.0..28.2, "http://");
    deploy(&m, &project, &config, "dev")
        .args(["--var", "ingress=alb", "--destroy", "--yes"])
        .assert()
        .success();
    deploy(&m, &project, &config, "global")
        .args(["--destroy", "--yes"])
        .assert()
        .success();
    let left = m.python("import boto3; print(len(boto3.client('s3').list_buckets()['Buckets']))");
    assert_eq!(
        (clusters(&m).as_str(), left.trim()),
        ("0", "0"),
        "nothing left after destroy"
    );
}
