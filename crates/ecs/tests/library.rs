//! The commands are library calls: a `Request` and a `Context`, no clap and no argv.
//!
//! The SDK reads credentials from the process environment, which a test may not set
//! (no `unsafe`), so the outer test starts moto and runs this test binary again with
//! the emulator's environment for the inner one.

use aws_core::Context;
use aws_core::cli::GlobalArgs;
use test_support::Moto;

#[test]
fn scale_and_deploy_run_without_clap() {
    let m = Moto::start_with_env(&[("MOTO_ECS_SERVICE_RUNNING", "1")]);
    m.python(include_str!("setup_moto.py"));
    let config = m.write_file(
        "fargate.toml",
        "[environments.dev]\nregion = \"us-east-1\"\ncluster = \"fft-dev\"\nservices = [\"app-service\"]\n",
    );
    let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--ignored", "--exact", "inner_library_calls", "--nocapture"])
        .envs(m.env())
        .env("ECS_LIBRARY_TEST_CONFIG", &config)
        .output()
        .expect("run the inner test");
    let log =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && log.contains("1 passed"), "{log}");

    let state = m.python(
        "import boto3; e=boto3.client('ecs'); s=e.describe_services(cluster='fft-dev', services=['app-service'])['services'][0]\n\
td=e.describe_task_definition(taskDefinition=s['taskDefinition'])['taskDefinition']\n\
print(s['desiredCount'], td['containerDefinitions'][0]['image'])",
    );
    assert_eq!(state.trim(), "3 nginx:1.29");
}

/// Run by [`scale_and_deploy_run_without_clap`] with the emulator's environment.
#[tokio::test(flavor = "current_thread")]
#[ignore = "run by scale_and_deploy_run_without_clap"]
async fn inner_library_calls() {
    let config = std::env::var_os("ECS_LIBRARY_TEST_CONFIG")
        .expect("run by scale_and_deploy_run_without_clap");
    let ctx = Context::resolve(&GlobalArgs {
        environment: Some("dev".into()),
        config: Some(config.into()),
        quiet: true,
        ..GlobalArgs::default()
    })
    .expect("context");

    ecs::scale::run(
        &ctx,
        ecs::scale::Request {
            desired_count: Some(3),
            no_wait: true,
            time_zone: "UTC".into(),
            ..Default::default()
        },
    )
    .await
    .expect("scale");
    ecs::deploy::run(
        &ctx,
        ecs::deploy::Request {
            tag: Some("1.29".into()),
            no_wait: true,
            timeout_secs: 60,
            ..Default::default()
        },
    )
    .await
    .expect("deploy");

    // Invalid input is refused before any request, as from the command line.
    let err = ecs::deploy::run(
        &ctx,
        ecs::deploy::Request {
            tag: Some("bad tag".into()),
            timeout_secs: 60,
            ..Default::default()
        },
    )
    .await
    .expect_err("a tag with a space");
    assert_eq!(err.exit_code(), aws_core::exit::ExitCode::Usage);
}
