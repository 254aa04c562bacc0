//! Help text is user documentation: snapshot it.

use test_support::help_text;

#[test]
fn ecs_deploy_help() {
    insta::assert_snapshot!(help_text(env!("CARGO_BIN_EXE_ecs-deploy"), &["--help"]));
}

#[test]
fn ecs_logs_help() {
    insta::assert_snapshot!(help_text(env!("CARGO_BIN_EXE_ecs-logs"), &["--help"]));
}

#[test]
fn ecs_scale_help() {
    insta::assert_snapshot!(help_text(env!("CARGO_BIN_EXE_ecs-scale"), &["--help"]));
}

#[test]
fn completions_and_man_pages_are_generated_from_the_parsers() {
    for bin in [
        env!("CARGO_BIN_EXE_ecs-deploy"),
        env!("CARGO_BIN_EXE_ecs-logs"),
        env!("CARGO_BIN_EXE_ecs-scale"),
    ] {
        test_support::assert_generates(bin);
    }
}

#[test]
fn verbosity_and_rust_log_control_the_logs_on_stderr() {
    // Port 1 refuses the connection: the command fails fast either way.
    let run = |args: &[&str], rust_log: Option<&str>| {
        let mut c =
            test_support::cmd_against(env!("CARGO_BIN_EXE_ecs-scale"), "http://127.0.0.1:1");
        c.args(["status", "--cluster", "c", "--service", "s"])
            .args(args);
        if let Some(v) = rust_log {
            c.env("RUST_LOG", v);
        }
        String::from_utf8(c.output().expect("run").stderr).expect("utf-8")
    };
    assert!(!run(&[], None).contains("DEBUG"), "quiet by default");
    assert!(
        run(&["-vv"], None).contains("DEBUG"),
        "-vv shows the SDK's debug logs"
    );
    let targeted = run(&[], Some("aws_smithy_runtime=trace"));
    assert!(
        targeted.contains("TRACE") && !targeted.contains("DEBUG aws_runtime"),
        "{targeted}"
    );
}
