//! The HCL loader must never panic, whatever the file says (a brief property-based fuzz).

use cost_engine::hcl_loader::{LoadOptions, load_dir};
use proptest::prelude::*;

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("resource \"aws_eip\" \"a\" {\n  count = ".to_string()),
        Just("variable \"v\" {\n  default = ".to_string()),
        Just("locals {\n  x = ".to_string()),
        Just("module \"m\" {\n  source = \"./".to_string()),
        Just("for_each = ".to_string()),
        Just("}\n".to_string()),
        Just("var.v".to_string()),
        Just("local.x".to_string()),
        Just("[for i in range(3) : i]".to_string()),
        Just("length(".to_string()),
        Just("\"${".to_string()),
        Just("aws_eip.a[*].id".to_string()),
        "[ -~\n]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn loader_never_panics(parts in proptest::collection::vec(fragment(), 0..12)) {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("main.tf"), parts.concat()).expect("write");
        let _ = load_dir(dir.path(), &LoadOptions::default());
    }
}
