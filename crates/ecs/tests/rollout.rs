//! ecs-deploy's rollout outcomes, through the real binary against a scripted ECS
//! endpoint (moto never completes, rolls back or stalls a rollout).

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use serde_json::json;
use test_support::ecs_script::*;
use test_support::scripted::{Reply, Scripted};

fn deploy(server: &Scripted) -> Command {
    let mut c = bare(server);
    c.args(["--tag", "v2"]);
    c
}

#[test]
fn success_only_when_primary_and_completed() {
    let server = ecs(vec![in_progress(), completed()], vec![]);
    deploy(&server)
        .assert()
        .success()
        .stderr(contains("image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/fft/app:v1 -> 123456789012.dkr.ecr.us-east-1.amazonaws.com/fft/app:v2"))
        .stderr(contains("app:8 is PRIMARY and COMPLETED"));
    // API budget of a normal deploy: <= 7 (the spend cap's record included) + 2 per poll
    // + 1 per batch of new stopped tasks.
    let polls = server.calls("DescribeServices") - 1;
    assert_eq!(server.calls("GetParameter"), 1);
    assert!(
        server.total_calls() <= 7 + 2 * polls + 1,
        "{} calls for {polls} polls",
        server.total_calls()
    );
    assert_eq!(server.calls("RegisterTaskDefinition"), 1);
    assert_eq!(server.calls("UpdateService"), 1);
}

#[test]
fn circuit_breaker_rollback_exits_1_with_stop_reasons() {
    let (rolled_back, stopped) = circuit_breaker();
    let server = ecs(vec![rolled_back], stopped);
    deploy(&server)
        .assert()
        .code(1)
        .stderr(contains("rolled back to app:7").and(contains("circuit breaker")))
        .stderr(contains(
            "Essential container in task exited; container app exited 1",
        ))
        .stderr(contains("deregistered the failed revision app:8"));
    assert_eq!(server.calls("DeregisterTaskDefinition"), 1);
}

#[test]
fn image_pull_failure_then_timeout_says_why() {
    let stopped = vec![json!({
        "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/fft-dev/t9", "taskDefinitionArn": NEW,
        "stoppedReason": "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref fft/app:v2: not found",
        "stopCode": "TaskFailedToStart", "containers": [{"name": "app", "reason": "CannotPullContainerError"}]
    })];
    let server = ecs(vec![in_progress()], stopped);
    deploy(&server)
        .args(["--timeout", "3"])
        .assert()
        .code(1)
        .stderr(contains("timed out after 3s").and(contains("PRIMARY app:8 0/1 running")))
        .stderr(contains("CannotPullContainerError"))
        .stderr(contains("last event: has started 1 tasks"));
}

#[test]
fn failed_rollout_health_checks() {
    let failed = service(
        NEW,
        vec![deployment(
            "d-new",
            "PRIMARY",
            NEW,
            1,
            0,
            "FAILED",
            "tasks failed ELB health checks in target-group app",
        )],
        vec![],
    );
    let server = ecs(vec![failed], vec![]);
    deploy(&server)
        .assert()
        .code(1)
        .stderr(contains("rollout failed: tasks failed ELB health checks"));
}

#[test]
fn someone_elses_deployment_is_reported() {
    let theirs = "arn:aws:ecs:us-east-1:123456789012:task-definition/app:9";
    let replaced = service(
        theirs,
        vec![
            deployment("d-x", "PRIMARY", theirs, 1, 0, "IN_PROGRESS", ""),
            deployment("d-new", "ACTIVE", NEW, 1, 0, "IN_PROGRESS", ""),
        ],
        vec![],
    );
    let server = ecs(vec![replaced], vec![]);
    deploy(&server)
        .assert()
        .code(1)
        .stderr(contains("another deployment (app:9) replaced ours"));
}

#[test]
fn no_wait_returns_after_update_and_dry_run_changes_nothing() {
    let server = ecs(vec![], vec![]);
    deploy(&server)
        .arg("--no-wait")
        .assert()
        .success()
        .stderr(contains("--no-wait"));
    assert_eq!(server.calls("ListTasks"), 0);
    let server = ecs(vec![], vec![]);
    deploy(&server)
        .arg("--dry-run")
        .assert()
        .success()
        .stderr(contains("dry run"));
    assert_eq!(server.calls("RegisterTaskDefinition"), 0);
    assert_eq!(server.calls("UpdateService"), 0);
}

#[test]
fn missing_permission_names_the_action() {
    let server = Scripted::start(vec![
        no_cap_record(),
        (
            "DescribeServices",
            vec![Reply::error(
                "AccessDeniedException",
                "User is not authorized to perform: ecs:DescribeServices",
            )],
        ),
    ]);
    deploy(&server)
        .assert()
        .code(4)
        .stderr(contains("access denied to ecs:DescribeServices"));
}

#[test]
fn health_url_is_probed_after_success() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for mut c in listener.incoming().flatten() {
            // Read the whole request head before answering.
            let mut head = Vec::new();
            let mut b = [0u8; 512];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match c.read(&mut b) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&b[..n]),
                }
            }
            let _ =
                c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"status\":\"ok\"}");
        }
    });
    let done = service(
        NEW,
        vec![deployment(
            "d-new",
            "PRIMARY",
            NEW,
            1,
            1,
            "COMPLETED",
            "completed",
        )],
        vec![],
    );
    let server = ecs(vec![done], vec![]);
    deploy(&server)
        .args(["--health-url", &format!("http://127.0.0.1:{port}/health")])
        .assert()
        .success()
        .stderr(contains("/health answered 200"));
}

/// A command with the scripted endpoint and the target service (checks skipped).
fn bare(server: &Scripted) -> Command {
    let mut c = test_support::cmd_against(env!("CARGO_BIN_EXE_ecs-deploy"), &server.endpoint);
    c.args([
        "--service",
        "app-service",
        "--cluster",
        "fft-dev",
        "--skip-checks",
    ]);
    c
}

/// Issue 8 L20, L21: malformed images, tags and health URLs are refused before any
/// call, so nothing is registered or deployed.
#[test]
fn bad_images_tags_and_health_urls_change_nothing() {
    let server = ecs(vec![], vec![]);
    for args in [
        vec!["--image", "bad image with spaces"],
        vec!["--image", ""],
        vec!["--image", "Registry/App:v1"],
        vec!["--tag", ""],
        vec!["--tag", "bad:tag/../x"],
        vec!["--tag", "v2", "--health-url", "not-a-url"],
        vec!["--tag", "v2", "--health-url", "http://exa mple.com/health"],
    ] {
        bare(&server)
            .args(&args)
            .assert()
            .code(2)
            .stderr(contains("error:"));
    }
    assert_eq!(server.total_calls(), 0, "no call may be made");
}

/// Issue 8 L22: a secret-looking --env name is warned about, and its value is never printed.
#[test]
fn secret_looking_env_is_warned_about() {
    let server = ecs(vec![], vec![]);
    bare(&server)
        .args(["--env", "DB_PASSWORD=hunter2", "--dry-run"])
        .assert()
        .success()
        .stderr(
            contains("--secret DB_PASSWORD=/ssm/parameter/path").and(contains("hunter2").not()),
        );
}

/// Issue 8 L23: when the service changed between our read and our update (another
/// deploy), nothing is deployed and the revision we registered is cleaned up.
#[test]
fn a_deploy_based_on_a_stale_read_changes_nothing() {
    let other = "arn:aws:ecs:us-east-1:123456789012:task-definition/app:9";
    let server = ecs(vec![], vec![]);
    let moved = service(
        other,
        vec![deployment(
            "d-other",
            "PRIMARY",
            other,
            1,
            0,
            "IN_PROGRESS",
            "",
        )],
        vec![],
    );
    server.set(
        "DescribeServices",
        vec![describe(steady_old()), describe(moved)],
    );
    deploy(&server)
        .arg("--no-wait")
        .assert()
        .code(1)
        .stderr(contains(
            "changed while this deploy was prepared: it now runs app:9",
        ))
        .stderr(contains("deregistered the unused revision app:8"));
    assert_eq!(server.calls("UpdateService"), 0);
}

/// `ecs-deploy --rollback` through the real binary: the previous revision is deployed,
/// watched to COMPLETED, and the failed one deregistered.
#[test]
fn rollback_deploys_the_previous_revision_and_deregisters_the_failed_one() {
    let steady_new = service(
        NEW,
        vec![deployment(
            "d-new",
            "PRIMARY",
            NEW,
            1,
            1,
            "COMPLETED",
            "done",
        )],
        vec![],
    );
    let back = service(
        OLD,
        vec![deployment(
            "d-back",
            "PRIMARY",
            OLD,
            1,
            1,
            "COMPLETED",
            "done",
        )],
        vec![("e9", "has reached a steady state.")],
    );
    let server = ecs(vec![], vec![]);
    server.set(
        "DescribeServices",
        vec![
            describe(steady_new.clone()),
            describe(steady_new.clone()),
            describe(steady_new),
            describe(back),
        ],
    );
    let rolling = service(
        OLD,
        vec![
            deployment("d-back", "PRIMARY", OLD, 1, 0, "IN_PROGRESS", ""),
            deployment("d-new", "ACTIVE", NEW, 1, 1, "COMPLETED", "done"),
        ],
        vec![],
    );
    server.set(
        "UpdateService",
        vec![Reply::json(json!({"service": rolling}))],
    );
    server.set(
        "ListTaskDefinitions",
        vec![Reply::json(json!({"taskDefinitionArns": [NEW, OLD]}))],
    );
    bare(&server)
        .arg("--rollback")
        .assert()
        .success()
        .stderr(contains("rolling back app:8 -> app:7"))
        .stderr(contains("app:7 is PRIMARY and COMPLETED"))
        .stderr(contains("deregistered the failed revision app:8"));
    assert_eq!(server.calls("UpdateService"), 1);
    assert_eq!(server.calls("DeregisterTaskDefinition"), 1);
}

/// Red team round 3, item 11: ECS event messages and stopped-task reasons reached a
/// terminal raw through the spinner. Run on a pseudo-terminal (util-linux `script`),
/// where nothing strips escapes on the tool's behalf.
#[cfg(unix)]
#[test]
fn server_text_never_drives_the_terminal() {
    if !std::path::Path::new("/usr/bin/script").exists() {
        eprintln!("skipped: no /usr/bin/script");
        return;
    }
    let evil = "\u{1b}]0;PWNED-TITLE\u{7}\u{1b}[41mINJECTED\u{1b}[0m";
    let stopped = vec![json!({
        "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/fft-dev/t9", "taskDefinitionArn": NEW,
        "stoppedReason": format!("CannotPullContainerError: {evil}"),
        "stopCode": "TaskFailedToStart", "containers": [{"name": "app", "reason": evil}]
    })];
    let mut svc = in_progress();
    svc["events"] = json!([{"id": "e9", "createdAt": 1.8e9, "message": format!("(service app-service) {evil} has started 1 tasks")}]);
    let server = ecs(vec![svc], stopped);
    let home = tempfile::tempdir().expect("tmp");
    let log = home.path().join("tty.log");
    let line = format!(
        "{} --service app-service --cluster fft-dev --skip-checks --tag v2 --timeout 3",
        env!("CARGO_BIN_EXE_ecs-deploy")
    );
    let out = std::process::Command::new("script")
        .args(["-qfec", &line, &log.display().to_string()])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("TERM", "xterm")
        .env("AWS_CONFIG_FILE", home.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("none"))
        .env("AWS_ENDPOINT_URL", &server.endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script runs");
    let tty = std::fs::read(&log).expect("the terminal log");
    let text = String::from_utf8_lossy(&tty);
    assert!(
        text.contains("INJECTED"),
        "the run showed the text: {text}\n{out:?}"
    );
    assert!(
        !text.contains("\u{1b}]0;PWNED"),
        "an OSC sequence from the server reached the terminal: {text:?}"
    );
    assert!(!text.contains("\u{1b}[41m"), "{text:?}");
}
