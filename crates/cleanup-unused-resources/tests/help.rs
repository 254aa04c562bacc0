//! Help text is user documentation: snapshot it.

use test_support::help_text;

#[test]
fn cleanup_unused_resources_help() {
    insta::assert_snapshot!(help_text(
        env!("CARGO_BIN_EXE_cleanup-unused-resources"),
        &["--help"]
    ));
}

#[test]
fn completions_and_man_pages_are_generated_from_the_parser() {
    test_support::assert_generates(env!("CARGO_BIN_EXE_cleanup-unused-resources"));
}
