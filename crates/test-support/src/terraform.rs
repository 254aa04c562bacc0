//! Real Terraform for tests and xtask, offline: the hashicorp/aws provider comes from a
//! filesystem mirror (the machine image carries one at /opt/tf-plugins;
//! `TF_PROVIDER_MIRROR` names another), never from the network. Against the emulator,
//! a copy of terraform/ gets the override files of docs/architecture/emulator.md.

use std::path::{Path, PathBuf};

/// Every root module: what a user runs `terraform apply` in.
pub const ROOTS: [&str; 2] = ["global", "environments/dev"];

const DEFAULT_MIRROR: &str = "/opt/tf-plugins";

/// The provider mirror: a directory holding
/// `registry.terraform.io/hashicorp/aws/<version>/<os_arch>/terraform-provider-aws_*`.
pub fn mirror() -> Result<PathBuf, String> {
    let dir = std::env::var_os("TF_PROVIDER_MIRROR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_MIRROR));
    if dir.join("registry.terraform.io/hashicorp/aws").is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "no hashicorp/aws provider mirror at {}: create one with `terraform providers mirror DIR` \
             in terraform/global on a machine with network access (any version >= 5.100, < 7.0), \
             then set TF_PROVIDER_MIRROR=DIR; the GitHub workflow downloads the provider instead",
            dir.display()
        ))
    }
}

/// Write a CLI configuration into `dir` that installs hashicorp providers only from the
/// mirror; returns its absolute path (for `TF_CLI_CONFIG_FILE`).
pub fn cli_config(dir: &Path) -> Result<PathBuf, String> {
    let mirror = mirror()?;
    let io = |e: std::io::Error| format!("{}: {e}", dir.display());
    std::fs::create_dir_all(dir).map_err(io)?;
    let path = dir.join("terraformrc");
    std::fs::write(
        &path,
        format!(
            "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n}}\n",
            mirror.display()
        ),
    )
    .map_err(io)?;
    std::fs::canonicalize(&path).map_err(io)
}

/// The repository's terraform/ directory.
pub fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../terraform")
}

/// Copy a tree of regular files, without a developer's `.terraform` state.
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == ".terraform" || name.to_string_lossy().ends_with(".tfstate") {
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

/// Provider settings an emulator on plain HTTP needs (path-style S3, no EC2 metadata).
const PROVIDER_OVERRIDE: &str = "provider \"aws\" {\n  skip_credentials_validation = true\n  skip_metadata_api_check     = true\n  s3_use_path_style           = true\n}\n";

/// The state bucket's policy refuses plain HTTP, as it should: emulator runs keep
/// the environment's state in a local file.
const LOCAL_BACKEND_OVERRIDE: &str = "terraform {\n  backend \"local\" {}\n}\n";

/// A copy of terraform/ at `dest` with the emulator override files (never in the
/// repository: a real account gets the configuration as it is).
pub fn emulator_copy(dest: &Path) -> std::io::Result<PathBuf> {
    let root = dest.join("terraform");
    copy_tree(&source_dir(), &root)?;
    for r in ROOTS {
        std::fs::write(root.join(r).join("emulator_override.tf"), PROVIDER_OVERRIDE)?;
    }
    std::fs::write(
        root.join("environments/dev/emulator_backend_override.tf"),
        LOCAL_BACKEND_OVERRIDE,
    )?;
    Ok(root)
}

/// Variables terraform/global needs that have no default, for emulator runs.
pub const GLOBAL_VARS: [&str; 2] = ["owner=emulator", "github_repository=example/repo"];

/// The sample image `cargo xtask emulator` writes for the walkthrough: a `docker save`
/// archive of two small layers (push-to-ecr reads it without a daemon).
pub const SAMPLE_IMAGE: &str = "sample-image.tar";

/// What `cargo xtask emulator` prepares in `dest` and docs/getting-started.md runs in:
/// the emulator project (terraform/ with its overrides and fargate.toml), a Terraform
/// CLI configuration for the provider mirror (`dest/.tfrc/terraformrc`, absolute) and
/// the sample image. One function, so the page's test runs where a reader would.
pub fn walkthrough(dest: &Path) -> Result<(PathBuf, PathBuf), String> {
    let project = emulator_project(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    let config = cli_config(&dest.join(".tfrc"))?;
    crate::image::docker_archive(
        &project.join(SAMPLE_IMAGE),
        &crate::image::small_layers(7),
        "sample:1",
    );
    Ok((project, config))
}

/// A project at `dest` for `deploy` against the emulator: the emulator copy of
/// terraform/ beside a copy of the repository's fargate.toml (whose paths are
/// relative to it). Returns the directory holding fargate.toml.
pub fn emulator_project(dest: &Path) -> std::io::Result<PathBuf> {
    emulator_copy(dest)?;
    std::fs::copy(
        source_dir().join("../fargate.toml"),
        dest.join("fargate.toml"),
    )?;
    Ok(dest.to_path_buf())
}
