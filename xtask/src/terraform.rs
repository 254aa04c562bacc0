//! Real Terraform, offline: the hashicorp/aws provider comes from a filesystem mirror
//! (the machine image carries one; `TF_PROVIDER_MIRROR` names another), never from
//! the network.

use anyhow::Context;
use std::path::{Path, PathBuf};

/// Every root module: what a user runs `terraform apply` in.
pub const ROOTS: [&str; 2] = ["global", "environments/dev"];

/// Where the provider mirror is looked for when `TF_PROVIDER_MIRROR` is not set.
const DEFAULT_MIRROR: &str = "/opt/tf-plugins";

/// The provider mirror: a directory holding
/// `registry.terraform.io/hashicorp/aws/<version>/<os_arch>/terraform-provider-aws_*`.
pub fn mirror() -> anyhow::Result<PathBuf> {
    let dir = std::env::var_os("TF_PROVIDER_MIRROR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_MIRROR));
    let provider = dir.join("registry.terraform.io/hashicorp/aws");
    anyhow::ensure!(
        provider.is_dir(),
        "no hashicorp/aws provider mirror at {}: create one with \
         `terraform providers mirror DIR` in terraform/global on a machine with network access \
         (any version >= 5.100, < 7.0), then set TF_PROVIDER_MIRROR=DIR; the GitHub workflow \
         downloads the provider instead",
        dir.display()
    );
    Ok(dir)
}

/// A CLI configuration that installs hashicorp providers only from the mirror.
pub fn cli_config(work: &Path) -> anyhow::Result<PathBuf> {
    let mirror = mirror()?;
    std::fs::create_dir_all(work)?;
    let path = work.join("terraformrc");
    std::fs::write(
        &path,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n}}\n",
            mirror.display()
        ),
    )?;
    Ok(std::fs::canonicalize(path)?)
}

/// `terraform init -backend=false` + `validate` of every root, in a copy of terraform/
/// (nothing is written into the working tree).
pub fn validate_roots() -> anyhow::Result<()> {
    let work = PathBuf::from("target/terraform-validate");
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    copy_tree(Path::new("terraform"), &work.join("terraform"))?;
    let config = cli_config(&work)?;
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

/// Copy a directory tree of regular files (no .terraform state of a developer's).
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == ".terraform" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        let kind = entry.file_type()?;
        if kind.is_dir() {
            copy_tree(&src, &dst)?;
        } else if kind.is_file() {
            std::fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}
