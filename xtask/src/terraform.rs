//! `terraform validate` of every root with the real provider, offline (the mirror and
//! the CLI configuration come from `test_support::terraform`, shared with the tests).

use anyhow::Context;
use std::path::PathBuf;
use test_support::terraform::{ROOTS, cli_config, copy_tree, source_dir};

/// `terraform init -backend=false` + `validate` of every root, in a copy of terraform/
/// (nothing is written into the working tree).
pub fn validate_roots() -> anyhow::Result<()> {
    let work = PathBuf::from("target/terraform-validate");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    copy_tree(&source_dir(), &work.join("terraform"))?;
    let config = cli_config(&work).map_err(anyhow::Error::msg)?;
    for root in ROOTS {
        let dir = work.join("terraform").join(root);
        for args in [
            &["init", "-backend=false", "-input=false", "-no-color"][..],
            &["validate", "-no-color"][..],
        ] {
            eprintln!("\n$ terraform -chdir={} {}", dir.display(), args.join(" "));
            let out = std::process::Command::new("terraform")
                .arg(format!("-chdir={}", dir.display()))
                .args(args)
                .env("TF_CLI_CONFIG_FILE", &config)
                .env("TF_IN_AUTOMATION", "1")
                .output()
                .context("running terraform")?;
            anyhow::ensure!(
                out.status.success(),
                "terraform {} failed in terraform/{root}:\n{}{}",
                args[0],
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            if args[0] == "validate" {
                eprint!("{}", String::from_utf8_lossy(&out.stdout));
            }
        }
    }
    Ok(())
}
