//! `deploy` through the real binary, real Terraform (offline provider mirror) and
//! moto: the gate, the confirmation, apply, no-op re-run, teardown and failures.
//! Small root modules keep each plan to seconds; the whole stack is in stack.rs.

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use std::path::PathBuf;
use test_support::Moto;

const PROVIDER: &str = r#"terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 5.100, < 7.0" }
  }
}

provider "aws" {
  region                      = "us-east-1"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
}
"#;

/// One Elastic IP: $3.65/month (its public IPv4 address).
const EIP: &str = "resource \"aws_eip\" \"ip\" {\n  domain = \"vpc\"\n}\n";

/// A rule for a security group that does not exist: the API refuses it at apply
/// time, after the Elastic IP was created.
const REJECTED: &str = r#"resource "aws_security_group_rule" "bad" {
  depends_on        = [aws_eip.ip]
  type              = "ingress"
  from_port         = 80
  to_port           = 80
  protocol          = "tcp"
  cidr_blocks       = ["10.0.0.0/8"]
  security_group_id = "sg-0123456789abcdef0"
}
"#;

struct Project {
    _dir: tempfile::TempDir,
    root: PathBuf,
    cli_config: PathBuf,
}

/// A project: fargate.toml (environment dev, budget $5) and a root module `tf/`.
fn project(resources: &str, extra_toml: &str) -> Project {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path().to_path_buf();
    std::fs::create_dir_all(root.join("tf")).expect("mkdir");
    std::fs::write(root.join("tf/main.tf"), format!("{PROVIDER}\n{resources}")).expect("write");
    std::fs::write(
        root.join("fargate.toml"),
        format!(
            "project = \"t\"\ndefault_environment = \"dev\"\n\n[environments.dev]\n\
             region = \"us-east-1\"\nterraform_dir = \"tf\"\nbudget = 5.0\n{extra_toml}"
        ),
    )
    .expect("write");
    let cli_config =
        test_support::terraform::cli_config(&root.join(".tfrc")).unwrap_or_else(|e| panic!("{e}"));
    Project {
        _dir: dir,
        root,
        cli_config,
    }
}

fn deploy(m: &Moto, p: &Project) -> Command {
    let mut c = m.cmd(env!("CARGO_BIN_EXE_deploy"));
    c.env("TF_CLI_CONFIG_FILE", &p.cli_config)
        .current_dir(&p.root)
        .timeout(std::time::Duration::from_secs(600));
    c
}

fn addresses(m: &Moto) -> usize {
    m.python("import boto3; print(len(boto3.client('ec2').describe_addresses()['Addresses']))")
        .trim()
        .parse()
        .expect("a count")
}

/// The default log filter, plus the lines that count sessions and Terraform-output reads.
const COUNTED: &str = "warn,aws_config=error,aws_smithy_runtime=error,\
                       aws_core::session=debug,aws_core::terraform=debug";

fn json_of(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).expect("JSON on stdout")
}

#[test]
fn gate_dry_run_confirmation_apply_rerun_and_destroy() {
    let m = Moto::start();
    let p = project(EIP, "");

    // Over --max-monthly: refused, exit 8, nothing created.
    let out = deploy(&m, &p)
        .args(["--max-monthly", "1", "--yes", "-o", "json"])
        .assert()
        .code(8)
        .stderr(contains(
            "exceeds --max-monthly, $1.00; nothing was applied",
        ))
        .get_output()
        .stdout
        .clone();
    let report = json_of(&out);
    assert_eq!(report["outcome"], "refused");
    assert_eq!(report["cost"]["monthly"], 3.65);
    assert_eq!(addresses(&m), 0);

    deploy(&m, &p)
        .arg("--dry-run")
        .assert()
        .success()
        .stderr(contains("+ aws_eip.ip"))
        .stderr(contains(
            "within the budget of environment dev (fargate.toml): $3.65 of $5.00",
        ))
        .stdout(contains("dry_run"));
    assert_eq!(addresses(&m), 0);

    // No terminal and no --yes: refused, exit 6, nothing created.
    deploy(&m, &p)
        .assert()
        .code(6)
        .stderr(contains("needs confirmation"));
    assert_eq!(addresses(&m), 0);

    let out = deploy(&m, &p)
        .args(["--yes", "-o", "json"])
        .assert()
        .success()
        .stderr(contains("1/1 create aws_eip.ip"))
        .get_output()
        .stdout
        .clone();
    let report = json_of(&out);
    assert_eq!(report["outcome"], "applied");
    assert_eq!(
        report["changes"]["create"],
        serde_json::json!(["aws_eip.ip"])
    );
    assert_eq!(report["cost"]["headroom"], 1.35);
    assert_eq!(report["account"], test_support::ACCOUNT_ID);
    assert_eq!(addresses(&m), 1);

    // The same deploy again changes nothing and applies nothing.
    deploy(&m, &p)
        .arg("--yes")
        .assert()
        .success()
        .stderr(contains("no changes"))
        .stderr(contains("create aws_eip").not())
        .stdout(contains("no_changes"));
    assert_eq!(addresses(&m), 1);

    deploy(&m, &p)
        .arg("--destroy")
        .assert()
        .code(6)
        .stderr(contains("this stops $3.65/month"));
    assert_eq!(addresses(&m), 1);
    deploy(&m, &p)
        .args(["--destroy", "--yes"])
        .assert()
        .success()
        .stderr(contains("destroyed environment dev: $3.65/month stopped"));
    assert_eq!(addresses(&m), 0);
}

#[test]
fn a_failed_apply_names_the_resource_and_cleanup_leaves_nothing_billing() {
    let m = Moto::start();
    let p = project(&format!("{EIP}\n{REJECTED}"), "");
    deploy(&m, &p)
        .arg("--yes")
        .assert()
        .code(1)
        .stderr(contains(
            "terraform apply failed: aws_security_group_rule.bad",
        ))
        .stderr(contains(
            "it created 1 resource(s) before failing: aws_eip.ip",
        ))
        .stderr(contains("deploy --environment dev --destroy"));
    assert_eq!(
        addresses(&m),
        1,
        "without --cleanup-on-failure the EIP stays"
    );
    deploy(&m, &p)
        .args(["--destroy", "--yes"])
        .assert()
        .success();
    assert_eq!(addresses(&m), 0);

    let out = deploy(&m, &p)
        .args(["--yes", "--cleanup-on-failure", "-o", "json"])
        .assert()
        .code(1)
        .stderr(contains("everything it created was destroyed"))
        .get_output()
        .stdout
        .clone();
    let report = json_of(&out);
    assert_eq!(report["outcome"], "apply_failed");
    assert_eq!(report["cleaned_up"], true);
    assert_eq!(
        report["created_before_failure"],
        serde_json::json!(["aws_eip.ip"])
    );
    assert_eq!(addresses(&m), 0, "nothing left billing");
}

#[test]
fn tier_free_refuses_a_nat_gateway_before_anything_is_created() {
    let m = Moto::start();
    let nat = r#"resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "s" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.1.0/24"
}

resource "aws_eip" "nat" {
  domain = "vpc"
}

resource "aws_nat_gateway" "n" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.s.id
}
"#;
    let p = project(nat, "");
    deploy(&m, &p)
        .args(["--tier", "free", "--max-monthly", "1000", "--yes"])
        .assert()
        .code(8)
        .stderr(contains("--tier free refuses").and(contains("NAT_GATEWAY aws_nat_gateway.n")));
    assert_eq!(addresses(&m), 0);
    let vpcs = m.python("import boto3; print(len(boto3.client('ec2').describe_vpcs()['Vpcs']))");
    assert_eq!(vpcs.trim(), "1", "only moto's default VPC");
}

#[test]
fn bad_input_and_missing_configuration_change_nothing() {
    let m = Moto::start();
    let p = project(EIP, "");
    for (args, code, says) in [
        (&["--max-monthly", "NaN"][..], 2, "--max-monthly"),
        (&["--max-monthly=-1"][..], 2, "--max-monthly"),
        (&["--var", "no-equals"][..], 2, "NAME=VALUE"),
        (&["--tag", "bad tag"][..], 2, "--tag"),
        (&["--health-url", "ftp://x"][..], 2, "--health-url"),
        (&["--health-timeout", "0"][..], 2, "--health-timeout"),
        (&["--state-bucket", ""][..], 2, "--state-bucket"),
        (
            &["--rollout-timeout", "18446744073709551615"][..],
            2,
            "--rollout-timeout",
        ),
        (
            &["--health-timeout", "99999999999999999999"][..],
            2,
            "--health-timeout",
        ),
        (&["--environment", "nope"][..], 3, "nope"),
    ] {
        deploy(&m, &p)
            .args(args)
            .assert()
            .code(code)
            .stderr(contains(says));
    }
    // A backend that needs a bucket nobody named.
    std::fs::write(
        p.root.join("tf/backend.tf"),
        "terraform {\n  backend \"s3\" {\n    key = \"dev.tfstate\"\n  }\n}\n",
    )
    .expect("write");
    deploy(&m, &p)
        .arg("--yes")
        .assert()
        .code(3)
        .stderr(contains("state_bucket"));
    // Terraform missing from PATH: exit 3 with where to get it.
    deploy(&m, &p)
        .env("PATH", "/nonexistent")
        .arg("--yes")
        .assert()
        .code(3)
        .stderr(contains("terraform is not on PATH"));
    assert_eq!(addresses(&m), 0);
}

/// Issue 11: a rollout that fails is rolled back, and deploy exits non-zero with the
/// stop reasons. ECS is scripted (moto never completes a rollout); everything else,
/// Terraform included, runs against moto.
#[test]
fn a_failed_rollout_is_rolled_back_and_exits_1_with_stop_reasons() {
    use test_support::ecs_script;
    let m = Moto::start();
    m.seed_image("fft/app", "v2");
    m.python("import boto3; boto3.client('iam').create_role(RoleName='fft-dev-task-execution', AssumeRolePolicyDocument='{}')");
    let (rolled_back, stopped) = ecs_script::circuit_breaker();
    let ecs = ecs_script::ecs(vec![rolled_back], stopped);
    let p = project("", "cluster = \"fft-dev\"\nservices = [\"app-service\"]\n");
    let out = deploy(&m, &p)
        .env("AWS_ENDPOINT_URL_ECS", &ecs.endpoint)
        .env("RUST_LOG", COUNTED)
        .args(["--tag", "v2", "--yes", "--health-url", "off", "-o", "json"])
        .assert()
        .code(1)
        .stderr(contains("no changes"))
        .stderr(contains("rolled back to app:7").and(contains("circuit breaker")))
        .stderr(contains("Essential container in task exited"))
        .get_output()
        .clone();
    // Issue 24: deploy, its rollout and the rollback share one session (one
    // credential chain, one role assumption).
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("built the AWS session").count(),
        1,
        "{stderr}"
    );
    let report = json_of(&out.stdout);
    assert_eq!(report["outcome"], "rollout_failed");
    assert_eq!(report["rollout"]["tag"], "v2");
    assert_eq!(ecs.calls("UpdateService"), 1);
}

#[test]
fn deploy_survives_hostile_environments() {
    let m = Moto::start();
    let p = project(EIP, "");
    test_support::hostile::assert_survives("deploy", || {
        let mut c = deploy(&m, &p);
        c.arg("--dry-run");
        c
    });
    assert_eq!(addresses(&m), 0);
}

/// The probe of `auto` follows the `app_url` output; a service scaled to zero on
/// purpose is not probed (it answers 503 until it scales up), a running one that
/// does not answer fails the deploy (exit 1) with the runbook's hint.
#[test]
fn the_health_probe_follows_app_url_and_skips_a_service_scaled_to_zero() {
    let m = Moto::start();
    m.python(
        "import boto3; e=boto3.client('ecs'); e.create_cluster(clusterName='fft-dev')\n\
e.register_task_definition(family='app', containerDefinitions=[{'name': 'app', 'image': 'nginx', 'memory': 512}])\n\
e.create_service(cluster='fft-dev', serviceName='app-service', taskDefinition='app', desiredCount=0)",
    );
    // Port 9 (discard) is closed on the test machine: nothing answers there. The
    // cluster is named by Terraform, as the stack's roots do.
    let p = project(
        "output \"app_url\" {\n  value = \"http://127.0.0.1:9\"\n}\n\
         output \"cluster_name\" {\n  value = \"fft-dev\"\n}\n",
        "services = [\"app-service\"]\n",
    );
    let out = deploy(&m, &p)
        .arg("--yes")
        .env("RUST_LOG", COUNTED)
        .assert()
        .success()
        .stderr(contains("scaled to zero"))
        .stdout(contains("skipped: the service is scaled to zero"))
        .get_output()
        .clone();
    // Issue 24: the app URL and the cluster come from one `terraform output` (read
    // after the apply), in one session.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("reading terraform outputs").count(),
        1,
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("built the AWS session").count(),
        1,
        "{stderr}"
    );
    m.python("import boto3; boto3.client('ecs').update_service(cluster='fft-dev', service='app-service', desiredCount=1)");
    deploy(&m, &p)
        .args(["--yes", "--health-timeout", "1", "-o", "json"])
        .assert()
        .code(1)
        .stderr(contains(
            "http://127.0.0.1:9/health did not answer 2xx within 1s",
        ))
        .stdout(contains("\"outcome\": \"health_failed\""));
}

/// Issue 11 pre-flight: a task definition whose image is not in ECR is refused before
/// anything is applied (exit 5), with the fix; once the image exists, the plan passes.
#[test]
fn a_missing_image_is_refused_before_anything_is_applied() {
    let m = Moto::start();
    let td = r#"resource "aws_ecs_task_definition" "app" {
  family                   = "app"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "256"
  memory                   = "512"
  container_definitions = jsonencode([{
    name      = "app"
    image     = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fft/app:v7"
    essential = true
  }])
}
"#;
    let p = project(td, "");
    deploy(&m, &p)
        .arg("--yes")
        .assert()
        .code(5)
        .stderr(contains(
            "ECR repository fft/app in account 123456789012 not found",
        ));
    m.python("import boto3; boto3.client('ecr').create_repository(repositoryName='fft/app')");
    deploy(&m, &p)
        .arg("--yes")
        .assert()
        .code(5)
        .stderr(contains(
            "image 123456789012.dkr.ecr.us-east-1.amazonaws.com/fft/app:v7 (run by the new task definition) not found",
        ))
        .stderr(contains("--var image_tag=TAG; nothing was applied"));
    let defs = m.python("import boto3; print(len(boto3.client('ecs').list_task_definitions()['taskDefinitionArns']))");
    assert_eq!(defs.trim(), "0");
    m.seed_image("fft/app", "v7");
    deploy(&m, &p).arg("--dry-run").assert().success();
}

/// Red team round 3, items 3 and 4: SIGTERM to deploy alone (as `timeout`, `kill` and a
/// cancelled CI job send it) while Terraform applies. deploy passes it on once as an
/// interrupt, Terraform finishes what is in flight and writes its state (and its lock
/// is released), the private plan directory (0700 while it exists) is removed, and
/// deploy exits 128 + 15 saying what was done.
#[cfg(unix)]
#[test]
fn sigterm_mid_apply_lets_terraform_save_its_state_and_removes_the_plan() {
    use std::os::unix::fs::PermissionsExt;
    let m = Moto::start();
    let p = project(
        r#"resource "terraform_data" "a" {
  provisioner "local-exec" {
    command = "sleep 1"
  }
}

resource "terraform_data" "b" {
  depends_on = [terraform_data.a]
  provisioner "local-exec" {
    command = "touch started-b && sleep 8"
  }
}
"#,
        "",
    );
    let tmp = p.root.join("tmp");
    std::fs::create_dir_all(&tmp).expect("mkdir");
    let child = m
        .std_cmd(env!("CARGO_BIN_EXE_deploy"))
        .env("TF_CLI_CONFIG_FILE", &p.cli_config)
        .env("TMPDIR", &tmp)
        .current_dir(&p.root)
        .args(["--yes", "--health-url", "off"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("deploy starts");
    let started = std::time::Instant::now();
    while !p.root.join("tf/started-b").exists() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(300),
            "the apply never reached b"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let plan_dirs: Vec<_> = std::fs::read_dir(&tmp)
        .expect("ls")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("deploy-"))
        .collect();
    assert_eq!(plan_dirs.len(), 1, "one plan directory while it runs");
    let mode = plan_dirs[0].metadata().expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "the plan directory is private");

    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = child.wait_with_output().expect("deploy ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(
        stderr.contains("SIGTERM during terraform apply"),
        "{stderr}"
    );
    let state = std::process::Command::new("terraform")
        .args(["-chdir=tf", "state", "list"])
        .env("TF_CLI_CONFIG_FILE", &p.cli_config)
        .current_dir(&p.root)
        .output()
        .expect("terraform state list");
    let listed = String::from_utf8_lossy(&state.stdout);
    assert!(listed.contains("terraform_data.a"), "{listed}\n{stderr}");
    assert!(
        !p.root.join("tf/.terraform.tfstate.lock.info").exists(),
        "the state lock is released"
    );
    let left: Vec<_> = std::fs::read_dir(&tmp).expect("ls").flatten().collect();
    assert!(left.is_empty(), "the plan directory is removed: {left:?}");
}

/// Issue 25 (2): the gate prices the usage the environment keeps beside its Terraform
/// (`tf/usage.toml`, as estimate-costs does), or `--usage-file`.
#[test]
fn the_gate_prices_the_environments_usage_file() {
    let m = Moto::start();
    let logs = "resource \"aws_cloudwatch_log_group\" \"app\" {\n  name              = \"/ecs/t\"\n  retention_in_days = 7\n}\n";
    let p = project(logs, "");
    deploy(&m, &p)
        .args(["--dry-run", "--yes"])
        .assert()
        .success()
        .stderr(contains("within the budget").and(contains("usage assumptions").not()));
    // 100 GB of logs a month: $50 of ingestion, over the $5 budget.
    std::fs::write(p.root.join("tf/usage.toml"), "log_ingest_gb = 100.0\n").expect("usage");
    deploy(&m, &p)
        .args(["--dry-run", "--yes"])
        .assert()
        .code(8)
        .stderr(contains("usage assumptions:").and(contains("exceeds the budget")));
    let light = p.root.join("light.toml");
    std::fs::write(&light, "log_ingest_gb = 0.1\n").expect("usage");
    deploy(&m, &p)
        .args(["--dry-run", "--yes", "--usage-file"])
        .arg(&light)
        .assert()
        .success();
}
