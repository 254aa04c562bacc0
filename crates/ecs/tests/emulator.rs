//! ecs-deploy, ecs-scale and ecs-logs against moto for everything moto supports:
//! registering revisions, updating services, scalable targets, scheduled actions,
//! log events. (Rollout outcomes: tests/rollout.rs.)

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use test_support::Moto;

const SETUP: &str = include_str!("setup_moto.py");

fn moto() -> Moto {
    let m = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    m.python(SETUP);
    m
}

fn tool(m: &Moto, bin: &str) -> Command {
    let mut c = m.cmd(bin);
    c.args(["--cluster", "fft-dev", "--service", "app-service"]);
    c
}

#[test]
fn documented_ecs_deploy_registers_a_revision_and_updates_the_service() {
    let m = moto();
    // `ecs-deploy --service app-service --environment dev` (+ a tag), with fargate.toml
    m.write_file(
        "fargate.toml",
        "[environments.dev]\nregion = \"us-east-1\"\ncluster = \"fft-dev\"\n",
    );
    m.cmd(env!("CARGO_BIN_EXE_ecs-deploy"))
        .args([
            "--service",
            "app-service",
            "--environment",
            "dev",
            "--tag",
            "1.29",
            "--no-wait",
        ])
        .assert()
        .success()
        .stderr(
            contains("image: nginx:1.27 -> nginx:1.29")
                .and(contains("image nginx:1.29 is not in ECR: not checked")),
        );
    let out = m.python(
        "import boto3; e=boto3.client('ecs'); s=e.describe_services(cluster='fft-dev', services=['app-service'])['services'][0]\n\
td=e.describe_task_definition(taskDefinition=s['taskDefinition'])['taskDefinition']\n\
print(td['revision'], td['containerDefinitions'][0]['image'], td['containerDefinitions'][0]['logConfiguration']['options']['awslogs-group'])",
    );
    assert_eq!(
        out.trim(),
        "2 nginx:1.29 /ecs/fft-dev/app-service",
        "other settings are kept"
    );
}

#[test]
fn deploy_dry_run_shows_the_diff_and_changes_nothing() {
    let m = moto();
    tool(&m, env!("CARGO_BIN_EXE_ecs-deploy"))
        .args(["--tag", "2", "--env", "LOG_LEVEL=debug", "--dry-run"])
        .assert()
        .success()
        .stderr(
            contains("~ image: nginx:1.27 -> nginx:2")
                .and(contains("~ env LOG_LEVEL: added"))
                .and(contains("dry run")),
        );
    let rev = m.python("import boto3; print(len(boto3.client('ecs').list_task_definitions()['taskDefinitionArns']))");
    assert_eq!(rev.trim(), "1");
}

#[test]
fn missing_secret_parameter_is_caught_before_any_change() {
    let m = moto();
    tool(&m, env!("CARGO_BIN_EXE_ecs-deploy"))
        .args(["--secret", "DB_PASSWORD=/app/dev/db-password", "--no-wait"])
        .assert()
        .code(5)
        .stderr(
            contains("/app/dev/db-password")
                .and(contains("not found"))
                .and(contains("nothing was changed")),
        );
    m.python("import boto3; boto3.client('ssm').put_parameter(Name='/app/dev/db-password', Type='SecureString', Value='x')");
    tool(&m, env!("CARGO_BIN_EXE_ecs-deploy"))
        .args(["--secret", "DB_PASSWORD=/app/dev/db-password", "--no-wait"])
        .assert()
        .success()
        .stderr(contains(
            "secret DB_PASSWORD: from /app/dev/db-password (added)",
        ));
}

#[test]
fn secret_values_are_refused_on_the_command_line() {
    let m = moto();
    tool(&m, env!("CARGO_BIN_EXE_ecs-deploy"))
        .args(["--secret", "DB_PASSWORD=hunter2"])
        .assert()
        .code(2)
        .stderr(contains("never the secret itself").and(contains("hunter2").not()));
}

#[test]
fn unknown_service_and_cluster_list_what_exists() {
    let m = moto();
    m.cmd(env!("CARGO_BIN_EXE_ecs-deploy"))
        .args(["--cluster", "fft-dev", "--service", "nope", "--no-wait"])
        .assert()
        .code(5)
        .stderr(contains("service \"nope\"").and(contains("services in fft-dev: app-service")));
    m.cmd(env!("CARGO_BIN_EXE_ecs-scale"))
        .args([
            "--cluster",
            "nope",
            "--service",
            "app-service",
            "--desired-count",
            "0",
            "--no-wait",
        ])
        .assert()
        .code(5)
        .stderr(contains("cluster \"nope\"").and(contains("clusters here: fft-dev")));
}

#[test]
fn documented_scale_to_zero_keeps_autoscaling_consistent() {
    let m = moto();
    m.python(
        "import boto3; boto3.client('application-autoscaling').register_scalable_target(ServiceNamespace='ecs', ResourceId='service/fft-dev/app-service', ScalableDimension='ecs:service:DesiredCount', MinCapacity=1, MaxCapacity=2)",
    );
    // `ecs-scale --service app-service --desired-count 0`
    tool(&m, env!("CARGO_BIN_EXE_ecs-scale"))
        .args(["--desired-count", "0", "--no-wait"])
        .assert()
        .success()
        .stderr(
            contains("autoscaling bounds 1..2 -> 0..2")
                .and(contains("desired count 1 -> 0"))
                .and(contains("ALB and its public IPv4")),
        );
    let out = m.python(
        "import boto3; t=boto3.client('application-autoscaling').describe_scalable_targets(ServiceNamespace='ecs')['ScalableTargets'][0]\n\
s=boto3.client('ecs').describe_services(cluster='fft-dev', services=['app-service'])['services'][0]\n\
print(t['MinCapacity'], t['MaxCapacity'], s['desiredCount'])",
    );
    assert_eq!(out.trim(), "0 2 0");
}

#[test]
fn schedule_set_status_and_clear() {
    let m = moto();
    tool(&m, env!("CARGO_BIN_EXE_ecs-scale"))
        .args([
            "--schedule",
            "Mon-Fri 08:00-18:00",
            "--time-zone",
            "Europe/Berlin",
        ])
        .assert()
        .success()
        .stderr(contains(
            "cron(0 8 ? * MON-FRI *) (Europe/Berlin) -> 1 task(s)",
        ));
    let out = m.python(
        "import boto3; a=boto3.client('application-autoscaling').describe_scheduled_actions(ServiceNamespace='ecs')['ScheduledActions']\n\
print(sorted((x['ScheduledActionName'], x['Schedule'], x.get('Timezone'), x['ScalableTargetAction']['MaxCapacity']) for x in a))",
    );
    assert!(
        out.contains("('app-service-scale-down', 'cron(0 18 ? * MON-FRI *)', 'Europe/Berlin', 0)"),
        "{out}"
    );
    m.cmd(env!("CARGO_BIN_EXE_ecs-scale"))
        .args(["status", "--cluster", "fft-dev", "--service", "app-service"])
        .assert()
        .success()
        .stdout(
            contains("task-hours/month   217.3")
                .and(contains("$3.77 (compute $2.68 + public IPv4 $1.09")),
        );
    tool(&m, env!("CARGO_BIN_EXE_ecs-scale"))
        .arg("--clear-schedule")
        .assert()
        .success()
        .stderr(contains("deleted app-service-scale-up").and(contains("24x7")));
    m.cmd(env!("CARGO_BIN_EXE_ecs-scale"))
        .args([
            "status",
            "--cluster",
            "fft-dev",
            "--service",
            "app-service",
            "-o",
            "json",
        ])
        .assert()
        .success()
        .stdout(contains("\"task_hours_per_month\": 730.0"));
}

#[test]
fn bad_schedules_and_counts_are_refused_before_any_call() {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ecs-scale"));
    c.env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
        .env("AWS_REGION", "us-east-1")
        .env("NO_COLOR", "1");
    c.args([
        "--cluster",
        "c",
        "--service",
        "s",
        "--schedule",
        "Mon-Fri 19:00-08:00",
    ])
    .assert()
    .code(2)
    .stderr(contains("must be after the start"));
    let mut c = Command::new(env!("CARGO_BIN_EXE_ecs-scale"));
    c.env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
        .env("AWS_REGION", "us-east-1");
    c.args(["--cluster", "c", "--service", "s", "--desired-count", "-1"])
        .assert()
        .code(2);
}

#[test]
fn documented_ecs_logs_shows_and_filters_the_service_logs() {
    let m = moto();
    m.python(concat!(
        "import boto3, time\n",
        "l = boto3.client('logs'); g = '/ecs/fft-dev/app-service'\n",
        "l.create_log_group(logGroupName=g)\n",
        "now = int(time.time() * 1000)\n",
        "for task in ['aaaa1111', 'bbbb2222']:\n",
        "    s = 'app/app/' + task\n",
        "    l.create_log_stream(logGroupName=g, logStreamName=s)\n",
        "    l.put_log_events(logGroupName=g, logStreamName=s, logEvents=[{'timestamp': now - 1000, 'message': 'GET /health 200 ' + task}, {'timestamp': now - 500, 'message': 'ERROR boom ' + task}])\n",
    ));
    // `ecs-logs --service app-service --environment dev` (without --follow, which runs until Ctrl-C)
    m.write_file(
        "fargate.toml",
        "[environments.dev]\nregion = \"us-east-1\"\ncluster = \"fft-dev\"\n",
    );
    m.cmd(env!("CARGO_BIN_EXE_ecs-logs"))
        .args(["--service", "app-service", "--environment", "dev"])
        .assert()
        .success()
        .stdout(contains("GET /health 200 aaaa1111").and(contains("ERROR boom bbbb2222")));
    let out = tool(&m, env!("CARGO_BIN_EXE_ecs-logs"))
        .args(["--task", "aaaa1111", "-o", "json"])
        .output()
        .expect("run");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().all(|l| l["stream"] == "app/app/aaaa1111"));
    tool(&m, env!("CARGO_BIN_EXE_ecs-logs"))
        .args(["--since", "soon"])
        .assert()
        .code(2)
        .stderr(contains("--since soon"));
}

#[test]
fn ecs_logs_follow_prints_new_events_once() {
    use std::io::Read;
    let m = moto();
    m.python(
        "import boto3, time; l=boto3.client('logs'); g='/ecs/fft-dev/app-service'\n\
l.create_log_group(logGroupName=g); l.create_log_stream(logGroupName=g, logStreamName='app/app/t1')\n\
l.put_log_events(logGroupName=g, logStreamName='app/app/t1', logEvents=[{'timestamp': int(time.time()*1000), 'message': 'first'}])",
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ecs-logs"))
        .args([
            "--cluster",
            "fft-dev",
            "--service",
            "app-service",
            "--follow",
        ])
        .envs(m.env())
        .current_dir(m.dir())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(2500));
    m.python(
        "import boto3, time; boto3.client('logs').put_log_events(logGroupName='/ecs/fft-dev/app-service', logStreamName='app/app/t1', logEvents=[{'timestamp': int(time.time()*1000), 'message': 'second'}])",
    );
    std::thread::sleep(std::time::Duration::from_millis(4500));
    let _ = child.kill();
    let _ = child.wait();
    let mut text = String::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut text)
        .expect("read");
    assert_eq!(text.matches("first").count(), 1, "{text}");
    assert_eq!(text.matches("second").count(), 1, "{text}");
}

#[test]
fn cluster_comes_from_terraform_outputs_when_fargate_toml_has_none() {
    let m = moto();
    let tf = m.dir().join("tf");
    std::fs::create_dir_all(tf.join(".terraform")).expect("mkdir");
    std::fs::write(
        tf.join("main.tf"),
        "output \"cluster_name\" {\n  value = \"x\"\n}\n",
    )
    .expect("write");
    std::fs::write(
        tf.join("terraform.tfstate"),
        r#"{"version": 4, "terraform_version": "1.11.0", "serial": 1, "lineage": "t", "outputs": {"cluster_name": {"value": "fft-dev", "type": "string"}}, "resources": [], "check_results": null}"#,
    )
    .expect("write");
    m.write_file(
        "fargate.toml",
        "[environments.dev]\nregion = \"us-east-1\"\nterraform_dir = \"tf\"\n",
    );
    m.cmd(env!("CARGO_BIN_EXE_ecs-scale"))
        .args(["status", "--service", "app-service", "--environment", "dev"])
        .assert()
        .success()
        .stdout(contains("fft-dev/app-service"));
}

/// Issue 8 M7: --schedule and --clear-schedule touch only the actions they own by
/// exact name; a month-end burst or any other max-0 action is left alone.
#[test]
fn schedules_never_touch_actions_they_do_not_own() {
    let m = moto();
    m.python(
        "import boto3; a=boto3.client('application-autoscaling')\n\
a.register_scalable_target(ServiceNamespace='ecs', ResourceId='service/fft-dev/app-service', ScalableDimension='ecs:service:DesiredCount', MinCapacity=0, MaxCapacity=4)\n\
[a.put_scheduled_action(ServiceNamespace='ecs', ResourceId='service/fft-dev/app-service', ScalableDimension='ecs:service:DesiredCount', ScheduledActionName=name, Schedule='cron(0 0 L * ? *)', ScalableTargetAction={'MinCapacity': 0, 'MaxCapacity': mx}) for name, mx in [('month-end-backup-burst', 4), ('nightly-pause', 0)]]",
    );
    let actions = || {
        m.python(
            "import boto3; a=boto3.client('application-autoscaling').describe_scheduled_actions(ServiceNamespace='ecs')['ScheduledActions']\n\
print(sorted((x['ScheduledActionName'], x['Schedule']) for x in a))",
        )
    };
    tool(&m, env!("CARGO_BIN_EXE_ecs-scale"))
        .args(["--schedule", "Mon-Fri 08:00-18:00"])
        .assert()
        .success();
    let after_set = actions();
    assert!(
        after_set.contains("('month-end-backup-burst', 'cron(0 0 L * ? *)')"),
        "{after_set}"
    );
    assert!(
        after_set.contains("('nightly-pause', 'cron(0 0 L * ? *)')"),
        "{after_set}"
    );
    assert!(
        after_set.contains("('app-service-scale-up', 'cron(0 8 ? * MON-FRI *)')"),
        "{after_set}"
    );
    tool(&m, env!("CARGO_BIN_EXE_ecs-scale"))
        .arg("--clear-schedule")
        .assert()
        .success()
        .stderr(
            contains("left alone: month-end-backup-burst")
                .and(contains("deleted app-service-scale-down")),
        );
    let after_clear = actions();
    assert!(
        after_clear.contains("month-end-backup-burst") && after_clear.contains("nightly-pause"),
        "{after_clear}"
    );
    assert!(!after_clear.contains("app-service-scale"), "{after_clear}");
}

/// Issue 8 M8: malformed schedules and unknown time zones are refused before any call.
#[test]
fn malformed_schedules_and_zones_are_refused_before_any_call() {
    for (schedule, zone) in [
        ("Monkey-Frisbee 08:00-19:00", "UTC"),
        ("Mon-Fri-Sun 08:00-19:00", "UTC"),
        ("Mon-Fri +8:00-19:00", "UTC"),
        ("Fri-Mon 08:00-19:00", "UTC"),
        ("Mon-Fri 08:00-19:00", "Mars/Olympus"),
        ("Mon-Fri 08:00-19:00", "+8:00"),
    ] {
        let mut c = Command::new(env!("CARGO_BIN_EXE_ecs-scale"));
        c.env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
            .env("AWS_REGION", "us-east-1")
            .env("NO_COLOR", "1")
            .args([
                "--cluster",
                "c",
                "--service",
                "s",
                "--schedule",
                schedule,
                "--time-zone",
                zone,
            ])
            .assert()
            .code(2)
            .stderr(contains("error:").and(contains("could not reach").not()));
    }
}

/// Issue 8 M8: when AWS refuses a scheduled action, the scalable target registered
/// for it is undone: a failure changes nothing.
#[test]
fn a_refused_schedule_is_undone() {
    use test_support::scripted::{Reply, Scripted};
    let svc = serde_json::json!({"services": [{"serviceName": "s", "status": "ACTIVE", "desiredCount": 1,
        "runningCount": 1, "pendingCount": 0, "taskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/app:1",
        "deployments": [], "events": []}], "failures": []});
    let server = Scripted::start(vec![
        ("DescribeServices", vec![Reply::json(svc)]),
        (
            "DescribeScalableTargets",
            vec![Reply::json(serde_json::json!({"ScalableTargets": []}))],
        ),
        (
            "DescribeScheduledActions",
            vec![Reply::json(serde_json::json!({"ScheduledActions": []}))],
        ),
        (
            "RegisterScalableTarget",
            vec![Reply::json(serde_json::json!({}))],
        ),
        (
            "PutScheduledAction",
            vec![
                Reply::json(serde_json::json!({})),
                Reply::error("ValidationException", "bad schedule"),
            ],
        ),
        (
            "DeleteScheduledAction",
            vec![Reply::json(serde_json::json!({}))],
        ),
        (
            "DeregisterScalableTarget",
            vec![Reply::json(serde_json::json!({}))],
        ),
    ]);
    let mut c = Command::new(env!("CARGO_BIN_EXE_ecs-scale"));
    c.env("AWS_ENDPOINT_URL", &server.endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "x")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("NO_COLOR", "1")
        .env_remove("AWS_PROFILE")
        .current_dir(std::env::temp_dir())
        .args([
            "--cluster",
            "c",
            "--service",
            "s",
            "--schedule",
            "Mon-Fri 08:00-18:00",
        ])
        .assert()
        .code(1)
        .stderr(contains("was undone, nothing changed"));
    assert_eq!(
        server.calls("DeleteScheduledAction"),
        1,
        "the up action written first is deleted"
    );
    assert_eq!(
        server.calls("DeregisterScalableTarget"),
        1,
        "the target registered for it is removed"
    );
}

/// Issue 8 M11: a region the price catalog does not cover still shows counts and
/// schedule; the cost is "unknown", not an error and not $0.
#[test]
fn status_in_an_unpriced_region_shows_counts_and_unknown_cost() {
    let m = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    let setup = SETUP.replace("us-east-1", "sa-east-1");
    let out = std::process::Command::new(test_support::python())
        .args(["-c", &setup])
        .envs(m.env())
        .env("AWS_REGION", "sa-east-1")
        .env("AWS_DEFAULT_REGION", "sa-east-1")
        .output()
        .expect("setup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    m.cmd(env!("CARGO_BIN_EXE_ecs-scale"))
        .env("AWS_REGION", "sa-east-1")
        .args(["status", "--cluster", "fft-dev", "--service", "app-service"])
        .assert()
        .success()
        .stdout(
            contains("unknown: the price catalog has no Fargate prices for sa-east-1")
                .and(contains("running")),
        );
}

/// Issue 8 M9, M10, L9, L12: every ECS binary survives the hostile environments.
#[test]
fn ecs_binaries_survive_hostile_environments() {
    let m = Moto::start();
    for (bin, args) in [
        (
            env!("CARGO_BIN_EXE_ecs-deploy"),
            vec!["--tag", "v2", "--dry-run"],
        ),
        (env!("CARGO_BIN_EXE_ecs-logs"), vec![]),
        (
            env!("CARGO_BIN_EXE_ecs-scale"),
            vec!["--desired-count", "0", "--dry-run"],
        ),
    ] {
        test_support::hostile::assert_survives(bin, || {
            let mut c = tool(&m, bin);
            c.args(&args);
            c
        });
    }
    test_support::hostile::assert_survives("ecs-scale status", || {
        let mut c = m.cmd(env!("CARGO_BIN_EXE_ecs-scale"));
        c.args(["status", "--cluster", "fft-dev", "--service", "app-service"]);
        c
    });
}

/// Issue 9: an ECR tag is deployed pinned to the digest that was checked, so a tag
/// pushed again later cannot change what new tasks run; an image of another account is
/// looked up in that account (and reported missing there, exit 5).
#[test]
fn ecr_images_are_deployed_by_digest_and_looked_up_in_their_account() {
    let m = moto();
    let digest = m.seed_image("fft/app", "v42");
    let digest = digest.as_str();
    let repo = "123456789012.dkr.ecr.us-east-1.amazonaws.com/fft/app";
    tool(&m, env!("CARGO_BIN_EXE_ecs-deploy"))
        .args(["--image", &format!("{repo}:v42"), "--no-wait"])
        .assert()
        .success()
        .stderr(contains(format!("pinned {repo}:v42 to {repo}@{digest}")));
    let image = m.python(
        "import boto3; e=boto3.client('ecs'); s=e.describe_services(cluster='fft-dev', services=['app-service'])['services'][0]\n\
print(e.describe_task_definition(taskDefinition=s['taskDefinition'])['taskDefinition']['containerDefinitions'][0]['image'])",
    );
    assert_eq!(image.trim(), format!("{repo}@{digest}"));
    tool(&m, env!("CARGO_BIN_EXE_ecs-deploy"))
        .args([
            "--image",
            "999999999999.dkr.ecr.us-east-1.amazonaws.com/fft/app:v42",
            "--no-wait",
        ])
        .assert()
        .code(5)
        .stderr(contains("in account 999999999999"));
}

/// Issue 9: `services` in fargate.toml is the default --service (when it lists one).
#[test]
fn service_comes_from_fargate_toml_when_it_lists_one() {
    let m = moto();
    m.write_file(
        "fargate.toml",
        "[environments.dev]\nregion = \"us-east-1\"\ncluster = \"fft-dev\"\nservices = [\"app-service\"]\n",
    );
    m.cmd(env!("CARGO_BIN_EXE_ecs-scale"))
        .args(["status", "--environment", "dev"])
        .assert()
        .success()
        .stdout(contains("fft-dev/app-service"));
    m.write_file(
        "fargate.toml",
        "[environments.dev]\nregion = \"us-east-1\"\ncluster = \"fft-dev\"\nservices = [\"a\", \"b\"]\n",
    );
    m.cmd(env!("CARGO_BIN_EXE_ecs-scale"))
        .args(["status", "--environment", "dev"])
        .assert()
        .code(2)
        .stderr(contains("several services in fargate.toml (a, b)"));
}

/// Issue 9: one confirmation rule: scaling a `protected = true` environment to zero
/// asks first, and without a terminal needs --yes (exit 6, nothing changed).
#[test]
fn protected_environments_need_confirmation_to_scale_to_zero() {
    let m = moto();
    m.write_file(
        "fargate.toml",
        "[environments.prod]\nregion = \"us-east-1\"\ncluster = \"fft-dev\"\nservices = [\"app-service\"]\nprotected = true\n",
    );
    m.cmd(env!("CARGO_BIN_EXE_ecs-scale"))
        .args(["--environment", "prod", "--desired-count", "0", "--no-wait"])
        .assert()
        .code(6)
        .stderr(contains(
            "scale app-service to zero tasks on the protected environment prod",
        ));
    m.cmd(env!("CARGO_BIN_EXE_ecs-scale"))
        .args([
            "--environment",
            "prod",
            "--desired-count",
            "0",
            "--no-wait",
            "--yes",
        ])
        .assert()
        .success()
        .stderr(contains("desired count 1 -> 0"));
}

/// The cost guard function of terraform/modules/cost-guard, run as Lambda runs it
/// (its handler, with the environment Terraform gives it) against the emulator.
fn trip_the_spend_cap(m: &Moto, api_id: &str, services: &str) {
    let module = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../terraform/modules/cost-guard")
        .canonicalize()
        .expect("module dir");
    m.python(&format!(
        "import os, sys\n\
os.environ.update(GUARD_REGION='us-east-1', CLUSTER='fft-dev', SERVICES='{services}', \
HTTP_API_ID='{api_id}', HTTP_API_STAGE='$default', STATE_PARAMETER='/fft-dev/cost-guard/state', CAP_USD='20.00')\n\
sys.path.insert(0, {:?})\n\
import guard\n\
guard.handler({{'Records': [{{'Sns': {{'Message': 'AWS Budget Notification: fft-dev-cost-guard'}}}}]}})",
        module.display().to_string()
    ));
}

/// The working-hours schedule the stack sets, and an HTTP API stage with its throttle
/// (20 burst, 10/s); returns the API id.
fn scheduled_service_and_api(m: &Moto) -> String {
    tool(m, env!("CARGO_BIN_EXE_ecs-scale"))
        .args(["--schedule", "Mon-Fri 08:00-19:00", "--desired-count", "1"])
        .assert()
        .success();
    m.python(
        "import boto3; g=boto3.client('apigatewayv2'); a=g.create_api(Name='fft-dev', ProtocolType='HTTP')['ApiId']\n\
g.create_stage(ApiId=a, StageName='$default', DefaultRouteSettings={'ThrottlingBurstLimit': 20, 'ThrottlingRateLimit': 10.0})\n\
print(a)",
    )
    .trim()
    .to_string()
}

#[test]
fn the_spend_cap_stops_the_service_holds_it_and_resume_restores_it() {
    let m = moto();
    let scale = env!("CARGO_BIN_EXE_ecs-scale");
    let api = scheduled_service_and_api(&m);
    let api = api.as_str();
    // A service deleted since Terraform configured the guard does not stop the others.
    trip_the_spend_cap(&m, api, "gone-service,app-service");
    // A second notification (Budgets re-sends, SNS retries) keeps the first record.
    trip_the_spend_cap(&m, api, "app-service");

    let state = "import boto3; s=boto3.client('ecs').describe_services(cluster='fft-dev', services=['app-service'])['services'][0]\n\
t=boto3.client('application-autoscaling').describe_scalable_targets(ServiceNamespace='ecs')['ScalableTargets'][0]\n\
r=boto3.client('apigatewayv2').get_stage(ApiId='API', StageName='$default')['DefaultRouteSettings']\n\
print(s['desiredCount'], t['MinCapacity'], t['MaxCapacity'], t.get('SuspendedState', {}).get('ScheduledScalingSuspended', False), r['ThrottlingBurstLimit'], r['ThrottlingRateLimit'])"
        .replace("API", api);
    // Stopped: no task, the schedule suspended (the morning scale-up cannot bring it
    // back: Application Auto Scaling skips scheduled actions while suspended), the API
    // throttled to 0.
    assert_eq!(m.python(&state).trim(), "0 0 0 True 0 0.0");
    m.cmd(scale)
        .args(["status", "--cluster", "fft-dev", "--service", "app-service"])
        .assert()
        .success()
        .stdout(
            contains("min 0 max 0, schedule suspended")
                .and(contains("stopped by its spend cap since"))
                .and(contains("(cap $20.00)"))
                .and(contains("none while the spend cap holds; $")),
        );
    let json = m
        .cmd(scale)
        .args([
            "status",
            "--cluster",
            "fft-dev",
            "--service",
            "app-service",
            "-o",
            "json",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&json).expect("json");
    assert_eq!(report["spend_cap"]["capped"], true, "{report}");

    // What would start tasks again is refused while the cap holds (exit 8).
    tool(&m, env!("CARGO_BIN_EXE_ecs-deploy"))
        .args(["--tag", "1.29", "--no-wait"])
        .assert()
        .code(8)
        .stderr(contains("stopped by its spend cap").and(contains("nothing was changed")));

    // Resume: a dry run, no terminal without --yes, then the restore.
    m.cmd(scale)
        .args(["resume", "--cluster", "fft-dev", "--dry-run"])
        .assert()
        .success()
        .stderr(
            contains(
                "app-service: desired count 0 -> 1, autoscaling 0..1 with its schedule back on",
            )
            .and(contains("throttle 0 -> 10 requests/s, burst 20")),
        );
    assert_eq!(m.python(&state).trim(), "0 0 0 True 0 0.0");
    m.cmd(scale)
        .args(["resume", "--cluster", "fft-dev"])
        .assert()
        .code(6);
    m.cmd(scale)
        .args(["resume", "--cluster", "fft-dev", "--yes"])
        .assert()
        .success()
        .stderr(
            contains("desired count 1, schedule on")
                .and(contains("fft-dev/gone-service no longer exists"))
                .and(contains("once a month")),
        );
    assert_eq!(m.python(&state).trim(), "1 0 1 False 20 10.0");
    m.cmd(scale)
        .args(["resume", "--cluster", "fft-dev", "--yes"])
        .assert()
        .success()
        .stderr(contains("nothing to resume"));
}

/// SIGTERM to `ecs-scale resume` alone, mid-restore (behind a 300 ms link): the record
/// is deleted last, so it survives, the environment still reads as capped, and a second
/// resume finishes from the same record.
#[cfg(unix)]
#[test]
fn sigterm_mid_resume_keeps_the_record_and_a_second_resume_finishes() {
    let m = moto();
    let scale = env!("CARGO_BIN_EXE_ecs-scale");
    let api = scheduled_service_and_api(&m);
    trip_the_spend_cap(&m, &api, "app-service");
    let slow = test_support::latency::LatencyProxy::start(
        m.port,
        std::time::Duration::from_millis(300),
        std::time::Duration::ZERO,
    );
    let child = m
        .std_cmd(scale)
        .env("AWS_ENDPOINT_URL", &slow.endpoint)
        .args(["resume", "--cluster", "fft-dev", "--yes"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("resume starts");
    let started = std::time::Instant::now();
    while slow.requests() < 3 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "resume never got going"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let out = child.wait_with_output().expect("wait");
    assert!(!out.status.success(), "interrupted, not done");
    assert_ne!(out.status.code(), Some(101), "never a panic");
    let record = "import boto3\n\
try:\n    boto3.client('ssm').get_parameter(Name='/fft-dev/cost-guard/state'); print('kept')\n\
except Exception:\n    print('gone')";
    assert_eq!(
        m.python(record).trim(),
        "kept",
        "the record is deleted last"
    );
    m.cmd(scale)
        .args(["status", "--cluster", "fft-dev", "--service", "app-service"])
        .assert()
        .success()
        .stdout(contains("stopped by its spend cap since"));
    m.cmd(scale)
        .args(["resume", "--cluster", "fft-dev", "--yes"])
        .assert()
        .success();
    let state = "import boto3; s=boto3.client('ecs').describe_services(cluster='fft-dev', services=['app-service'])['services'][0]\n\
t=boto3.client('application-autoscaling').describe_scalable_targets(ServiceNamespace='ecs')['ScalableTargets'][0]\n\
print(s['desiredCount'], t['MinCapacity'], t['MaxCapacity'], t.get('SuspendedState', {}).get('ScheduledScalingSuspended', False))";
    assert_eq!(m.python(state).trim(), "1 0 1 False");
    assert_eq!(m.python(record).trim(), "gone");
}

#[test]
fn a_cap_record_that_is_not_the_guards_is_shown_refused_and_never_restored_from() {
    let m = moto();
    for (kind, value) in [
        ("SecureString", "{\"version\": 1}"),
        ("String", "{\"version\": 7}"),
    ] {
        m.python(&format!(
            "import boto3; boto3.client('ssm').put_parameter(Name='/fft-dev/cost-guard/state', Type='{kind}', Value='{value}', Overwrite=True)"
        ));
        m.cmd(env!("CARGO_BIN_EXE_ecs-scale"))
            .args(["resume", "--cluster", "fft-dev", "--yes"])
            .assert()
            .code(8)
            .stderr(contains("nothing was changed").or(contains("left alone")));
        tool(&m, env!("CARGO_BIN_EXE_ecs-deploy"))
            .args(["--tag", "1.29", "--no-wait"])
            .assert()
            .code(8);
    }
    let kept = m.python(
        "import boto3; print(boto3.client('ssm').get_parameter(Name='/fft-dev/cost-guard/state')['Parameter']['Value'])",
    );
    assert_eq!(kept.trim(), "{\"version\": 7}", "never deleted");
}
