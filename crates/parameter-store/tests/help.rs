//! Snapshot tests of the help text: it is user documentation, review changes to it.

use test_support::help_text;

const BIN: &str = env!("CARGO_BIN_EXE_parameter-store");

#[test]
fn top_level_help() {
    insta::assert_snapshot!(help_text(BIN, &["--help"]));
}

#[test]
fn create_help() {
    insta::assert_snapshot!(help_text(BIN, &["create", "--help"]));
}

#[test]
fn import_help() {
    insta::assert_snapshot!(help_text(BIN, &["import", "--help"]));
}

#[test]
fn completions_and_man_page_are_generated_from_the_parser() {
    test_support::assert_generates(BIN);
}

#[test]
fn markdown_output_is_for_reports_only() {
    assert_cmd::Command::new(BIN)
        .args(["-o", "markdown", "list", "/app/dev"])
        .env("AWS_REGION", "us-east-1")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("-o markdown is for reports"));
}
