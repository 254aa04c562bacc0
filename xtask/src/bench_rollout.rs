//! `cargo xtask bench ecs-deploy`: how soon after a rollout's outcome happens does
//! `ecs-deploy` know it, and with how many calls. A scripted ECS endpoint keeps the new
//! deployment IN_PROGRESS and flips it to COMPLETED at a chosen instant after the
//! UpdateService; the time from that instant to the tool's exit is the detection delay.
//! The AWS SDK waiter (`services_stable`: a DescribeServices every 15 s) is computed for
//! the same instants, not run: it has no notion of the deployment's own state.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use test_support::ecs_script::{completed, describe, ecs, in_progress};

/// Seconds after the UpdateService at which the rollout completes, spread over the
/// backoff's phases (a rollout usually takes 1-5 minutes; these keep the bench short).
const OUTCOME_AT: [f64; 7] = [3.0, 7.5, 12.0, 18.5, 26.0, 41.0, 57.5];
const WAITER_DELAY_S: f64 = 15.0;

struct Run {
    at: f64,
    detection: Duration,
    describes: usize,
    calls: usize,
}

pub fn run(runs: usize) -> anyhow::Result<()> {
    crate::install::build_release()?;
    let bin = crate::workspace_root().join("target/release/ecs-deploy");
    let home = tempfile::tempdir()?;
    let mut results = Vec::new();
    for &at in OUTCOME_AT.iter().take(runs.clamp(1, OUTCOME_AT.len())) {
        let server = ecs(vec![in_progress()], vec![]);
        let mut child = Command::new(&bin)
            .args([
                "--service",
                "app-service",
                "--cluster",
                "fft-dev",
                "--skip-checks",
                "--tag",
                "v2",
                "-q",
            ])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("AWS_CONFIG_FILE", home.path().join("none"))
            .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("none"))
            .env("AWS_ENDPOINT_URL", &server.endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while server.calls("UpdateService") == 0 {
            anyhow::ensure!(
                Instant::now() < deadline,
                "ecs-deploy never called UpdateService"
            );
            if let Some(status) = child.try_wait()? {
                anyhow::bail!("ecs-deploy exited early ({status})");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_secs_f64(at));
        server.set("DescribeServices", vec![describe(completed())]);
        let flipped = Instant::now();
        let status = child.wait()?;
        let detection = flipped.elapsed();
        anyhow::ensure!(status.success(), "ecs-deploy failed ({status})");
        results.push(Run {
            at,
            detection,
            describes: server.calls("DescribeServices"),
            calls: server.total_calls(),
        });
        println!(
            "outcome at {at:>5.1}s: ecs-deploy knew {:>6.0} ms later ({} DescribeServices, {} calls in all)",
            detection.as_secs_f64() * 1000.0,
            server.calls("DescribeServices"),
            server.total_calls()
        );
    }
    let waiter = |at: f64| (at / WAITER_DELAY_S).ceil().max(1.0) * WAITER_DELAY_S - at;
    println!(
        "\n{:>10} {:>14} {:>10} {:>10} {:>18} {:>14}",
        "outcome s", "ecs-deploy ms", "describes", "calls", "SDK waiter ms", "waiter polls"
    );
    let mut json = Vec::new();
    for r in &results {
        let w = waiter(r.at);
        let polls = (r.at / WAITER_DELAY_S).ceil().max(1.0) as usize;
        println!(
            "{:>10.1} {:>14.0} {:>10} {:>10} {:>18.0} {:>14}",
            r.at,
            r.detection.as_secs_f64() * 1000.0,
            r.describes,
            r.calls,
            w * 1000.0,
            polls
        );
        json.push(serde_json::json!({
            "outcome_at_s": r.at, "detection_ms": r.detection.as_secs_f64() * 1000.0,
            "describe_services": r.describes, "calls": r.calls,
            "sdk_waiter_detection_ms": w * 1000.0, "sdk_waiter_polls": polls,
        }));
    }
    let mut ours: Vec<f64> = results.iter().map(|r| r.detection.as_secs_f64()).collect();
    ours.sort_by(f64::total_cmp);
    let mut theirs: Vec<f64> = results.iter().map(|r| waiter(r.at)).collect();
    theirs.sort_by(f64::total_cmp);
    println!(
        "\nmedian detection: ecs-deploy {:.2} s, SDK waiter {:.2} s (computed); budget: at most one DescribeServices per 2 s while in flight",
        ours[ours.len() / 2],
        theirs[theirs.len() / 2]
    );
    std::fs::create_dir_all("target/bench")?;
    std::fs::write(
        "target/bench/ecs-deploy.json",
        serde_json::to_string_pretty(&json)?,
    )?;
    println!("written to target/bench/ecs-deploy.json");
    Ok(())
}
