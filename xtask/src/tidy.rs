//! `cargo xtask tidy`: the invariants of ARCHITECTURE.md, checked mechanically.
//! Each check names the invariant it enforces; a failure lists every violation.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Crates that must stay pure: no SDK, no HTTP stack, no CLI framework, no aws-core.
const PURE: [&str; 2] = ["pricing", "cost-engine"];
/// Crates whose dependency graph must not contain an SDK or an HTTP/TLS stack.
const NO_SDK: [&str; 3] = ["pricing", "cost-engine", "estimate-costs"];
/// The only crate that may depend on aws-config directly.
const SDK_CONFIG_OWNER: &str = "aws-core";
/// Crates that may depend on `aws-sdk-*` service crates directly: the tools.
const SDK_USERS: [&str; 6] = [
    "parameter-store",
    "ecs",
    "deploy",
    "push-to-ecr",
    "cleanup-unused-resources",
    "billing",
];

/// The tool crates (one or more binaries each), from the one tool list
/// (`completions::TOOLS`). No tool depends on another, except deploy on the ecs library
/// for the rollout (the one documented edge).
fn tool_crates() -> Vec<&'static str> {
    let mut crates: Vec<&str> = crate::completions::TOOLS.iter().map(|(_, p)| *p).collect();
    crates.sort_unstable();
    crates.dedup();
    crates
}
const ALLOWED_TOOL_EDGES: [(&str, &str); 1] = [("deploy", "ecs")];
/// Binaries that are another tool under an older name (alias -> tool).
pub const ALIASES: [(&str, &str); 1] = [("check-free-tier-usage", "check-free-tier")];

/// The only files that may call the SDK (`.send()`): the adapters.
/// Files, or folders ending in `/`, whose code may call the SDK.
const ADAPTERS: [&str; 7] = [
    "crates/aws-core/src/sts.rs",
    "crates/aws-core/src/services/",
    "crates/parameter-store/src/store.rs",
    "crates/ecs/src/aws/",
    "crates/push-to-ecr/src/ecr.rs",
    "crates/cleanup-unused-resources/src/aws.rs",
    "crates/billing/src/aws.rs",
];
/// The aws-lite adapter: the only code that signs requests itself (instead of the SDK).
const REQUEST_SIGNER: &str = "crates/aws-lite/";

pub fn run() -> anyhow::Result<()> {
    let root = crate::workspace_root();
    let mut problems = Vec::new();
    problems.extend(pure_crates()?);
    problems.extend(direct_sdk_edges()?);
    problems.extend(no_tool_to_tool_edges()?);
    problems.extend(one_tool_list(&root)?);
    problems.extend(one_paging_policy(&root)?);
    problems.extend(one_session(&root)?);
    problems.extend(one_https_connector(&root)?);
    problems.extend(sdk_calls_only_in_adapters(&root)?);
    problems.extend(signing_only_in_aws_lite(&root)?);
    problems.extend(markdown_paths_exist(&root)?);
    problems.extend(no_dollar_literals(&root)?);
    problems.extend(crate::tfdocs::drift(&root)?);
    if problems.is_empty() {
        eprintln!("tidy: all architecture invariants hold");
        Ok(())
    } else {
        for p in &problems {
            eprintln!("tidy: {p}");
        }
        anyhow::bail!("{} architecture invariant violation(s)", problems.len())
    }
}

/// Normal (non-dev, non-build) dependencies of `package`, resolved as when building it alone.
fn normal_deps(package: &str) -> anyhow::Result<Vec<String>> {
    let out = Command::new("cargo")
        .args([
            "tree", "-p", package, "-e", "normal", "--prefix", "none", "-q",
        ])
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    Ok(names)
}

fn is_sdk_or_http(name: &str) -> bool {
    name == "aws-config"
        || name.starts_with("aws-sdk-")
        || name.starts_with("hyper")
        || name.starts_with("rustls")
        || name.starts_with("aws-lc")
}

/// Architecture Invariant: pricing and cost-engine depend on no SDK, HTTP stack, CLI
/// framework or aws-core; estimate-costs compiles no SDK or HTTP stack.
fn pure_crates() -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for package in NO_SDK {
        let deps = normal_deps(package)?;
        for d in deps.iter().filter(|d| d.as_str() != package) {
            let impure = is_sdk_or_http(d)
                || (PURE.contains(&package)
                    && (d == "clap" || d == "aws-core" || d.starts_with("aws-smithy")));
            if impure {
                problems.push(format!(
                    "{package} depends on {d} (pure crate / no-SDK invariant)"
                ));
            }
        }
    }
    Ok(problems)
}

/// `cargo metadata` of the workspace's own packages.
fn workspace_metadata() -> anyhow::Result<serde_json::Value> {
    let out = Command::new("cargo")
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()?;
    anyhow::ensure!(out.status.success(), "cargo metadata failed");
    Ok(serde_json::from_slice(&out.stdout)?)
}

/// Architecture Invariant: no tool crate depends on another tool crate (a shared need
/// goes into aws-core or a pure crate), except the documented deploy -> ecs edge.
fn no_tool_to_tool_edges() -> anyhow::Result<Vec<String>> {
    let meta = workspace_metadata()?;
    let tools = tool_crates();
    let mut problems = Vec::new();
    for pkg in meta["packages"].as_array().into_iter().flatten() {
        let name = pkg["name"].as_str().unwrap_or_default();
        if !tools.contains(&name) {
            continue;
        }
        for dep in pkg["dependencies"].as_array().into_iter().flatten() {
            let d = dep["name"].as_str().unwrap_or_default();
            if dep["kind"].as_str().is_none()
                && tools.contains(&d)
                && !ALLOWED_TOOL_EDGES.contains(&(name, d))
            {
                problems.push(format!(
                    "{name} depends on the tool crate {d}; move what they share into aws-core"
                ));
            }
        }
    }
    Ok(problems)
}

/// Architecture Invariant: the tool list (`completions::TOOLS`) is the one source:
/// every binary of a tool crate is in it (or a documented alias of a tool in it), each
/// in the crate it names, and the README names every tool.
fn one_tool_list(root: &Path) -> anyhow::Result<Vec<String>> {
    use crate::completions::TOOLS;
    let meta = workspace_metadata()?;
    let tools = tool_crates();
    let mut problems = Vec::new();
    let mut built = Vec::new();
    for pkg in meta["packages"].as_array().into_iter().flatten() {
        let package = pkg["name"].as_str().unwrap_or_default();
        if !tools.contains(&package) {
            continue;
        }
        for target in pkg["targets"].as_array().into_iter().flatten() {
            let is_bin = target["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"));
            let name = target["name"].as_str().unwrap_or_default();
            if !is_bin {
                continue;
            }
            built.push(name.to_string());
            let listed = TOOLS.iter().any(|(t, p)| *t == name && *p == package);
            let alias = ALIASES
                .iter()
                .any(|(a, t)| *a == name && TOOLS.iter().any(|(n, _)| n == t));
            if !listed && !alias {
                problems.push(format!(
                    "binary {name} of {package} is not in completions::TOOLS (or tidy's ALIASES)"
                ));
            }
        }
    }
    for (tool, package) in TOOLS {
        if !built.iter().any(|b| b == tool) {
            problems.push(format!(
                "completions::TOOLS lists {tool} ({package}), which no crate builds"
            ));
        }
    }
    let readme = std::fs::read_to_string(root.join("README.md"))?;
    for name in TOOLS
        .iter()
        .map(|(t, _)| *t)
        .chain(ALIASES.iter().map(|(a, _)| *a))
    {
        if !readme.contains(&format!("`{name}")) {
            problems.push(format!("README.md never names the tool `{name}`"));
        }
    }
    Ok(problems)
}

/// Architecture Invariant: every listing goes through `aws_core::paging` (a repeated
/// or cycling token ends it); the SDK's paginators stop silently or loop forever.
fn one_paging_policy(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for (rel, code) in product_code(root)? {
        if code.contains(".into_paginator()") {
            problems.push(format!(
                "{rel} uses an SDK paginator; list through aws_core::paging::all"
            ));
        }
    }
    Ok(problems)
}

/// Architecture Invariant: one AWS session per process. Only `Context::session` builds
/// it; a tool that loads its own SdkConfig (or a client from `aws_config::load_*`)
/// re-runs the credential chain and may assume a role twice.
fn one_session(root: &Path) -> anyhow::Result<Vec<String>> {
    const BUILDERS: [&str; 4] = [
        "Session::load(",
        "sdk::load(",
        "aws_config::defaults(",
        "aws_config::load_",
    ];
    const OWNERS: [&str; 3] = [
        "crates/aws-core/src/context.rs",
        "crates/aws-core/src/session.rs",
        "crates/aws-core/src/sdk.rs",
    ];
    let mut problems = Vec::new();
    for (rel, code) in product_code(root)? {
        if OWNERS.contains(&rel.as_str()) {
            continue;
        }
        for b in BUILDERS.iter().filter(|b| code.contains(*b)) {
            problems.push(format!(
                "{rel} calls {b}...: take the process's one session from ctx.session()"
            ));
        }
    }
    Ok(problems)
}

/// Architecture Invariant: one HTTPS connector per process (`aws_core::http`), for
/// what the SDK does not send: trust roots loaded once, one TLS configuration.
fn one_https_connector(root: &Path) -> anyhow::Result<Vec<String>> {
    const OWNER: &str = "crates/aws-core/src/http.rs";
    Ok(product_code(root)?
        .into_iter()
        .filter(|(rel, code)| rel != OWNER && code.contains("HttpsConnectorBuilder"))
        .map(|(rel, _)| {
            format!("{rel} builds its own HTTPS connector; use aws_core::http::connector()")
        })
        .collect())
}

/// Architecture Invariant: only aws-core depends on aws-config; only the tools depend
/// on `aws-sdk-*` service crates.
fn direct_sdk_edges() -> anyhow::Result<Vec<String>> {
    let meta = workspace_metadata()?;
    let mut problems = Vec::new();
    for pkg in meta["packages"].as_array().into_iter().flatten() {
        let name = pkg["name"].as_str().unwrap_or_default();
        for dep in pkg["dependencies"].as_array().into_iter().flatten() {
            if dep["kind"].as_str().is_some() {
                continue; // dev and build dependencies may use anything
            }
            let d = dep["name"].as_str().unwrap_or_default();
            if d == "aws-config" && name != SDK_CONFIG_OWNER {
                problems.push(format!(
                    "{name} depends on aws-config directly; only {SDK_CONFIG_OWNER} may"
                ));
            }
            // aws-core is the shared AWS layer: the STS adapter and, each behind a
            // feature, the service wrappers more than one tool uses (src/services/).
            let shared_layer = name == SDK_CONFIG_OWNER;
            if d.starts_with("aws-sdk-") && !SDK_USERS.contains(&name) && !shared_layer {
                problems.push(format!(
                    "{name} depends on {d}; only the tools ({}) call AWS services",
                    SDK_USERS.join(", ")
                ));
            }
        }
    }
    Ok(problems)
}

/// Architecture Invariant: `.send()` (an SDK call) appears only in adapter modules.
fn sdk_calls_only_in_adapters(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for (rel, code) in product_code(root)? {
        if code.contains(".send()") && !is_adapter(&rel) {
            problems.push(format!(
                "{rel} calls the AWS SDK (.send()); SDK calls belong in an adapter ({})",
                ADAPTERS.join(", ")
            ));
        }
    }
    Ok(problems)
}

/// Architecture Invariant: only the aws-lite adapter (`crates/aws-lite`) signs requests
/// itself; everything else reaches AWS through the SDK.
fn signing_only_in_aws_lite(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for (rel, code) in product_code(root)? {
        if code.contains("aws_sigv4::") && !rel.starts_with(REQUEST_SIGNER) {
            problems.push(format!(
                "{rel} signs AWS requests (aws_sigv4); only the aws-lite adapter ({REQUEST_SIGNER}) may"
            ));
        }
    }
    Ok(problems)
}

fn is_adapter(rel: &str) -> bool {
    ADAPTERS
        .iter()
        .any(|a| rel == *a || (a.ends_with('/') && rel.starts_with(a)))
}

/// The product's Rust sources (no integration tests, no test support), each without
/// its trailing `#[cfg(test)]` module, as (path relative to the root, code).
fn product_code(root: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for file in rust_files(&root.join("crates"))? {
        let rel = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        // Integration tests, test support, and unit tests kept in a `tests.rs` module file.
        if rel.contains("/tests/")
            || rel.ends_with("/tests.rs")
            || rel.starts_with("crates/test-support")
        {
            continue;
        }
        let text = std::fs::read_to_string(&file)?;
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        out.push((rel, code.to_string()));
    }
    Ok(out)
}

/// Architecture Invariant: dollar figures in messages come from the price catalog
/// (`crates/pricing/data/pricing.toml`) for the region in use, never from literals.
fn no_dollar_literals(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for (rel, code) in product_code(root)? {
        for (i, line) in code.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            let bytes = line.as_bytes();
            let literal = bytes
                .windows(2)
                .any(|w| w[0] == b'$' && w[1].is_ascii_digit());
            if literal {
                problems.push(format!(
                    "{rel}:{}: a dollar figure in code; take it from the price catalog",
                    i + 1
                ));
            }
        }
    }
    Ok(problems)
}

/// Docs tell the truth: every repository path named in Markdown exists.
fn markdown_paths_exist(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for file in files(root, &|p| p.extension().is_some_and(|e| e == "md"))? {
        let rel = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let text = std::fs::read_to_string(&file)?;
        for (lineno, line) in text.lines().enumerate() {
            for path in repo_paths(line) {
                let exists = root.join(&path).exists()
                    || file.parent().is_some_and(|d| d.join(&path).exists());
                if !exists {
                    problems.push(format!(
                        "{rel}:{}: names {path}, which does not exist",
                        lineno + 1
                    ));
                }
            }
        }
    }
    Ok(problems)
}

/// Tokens that look like paths into this repository.
fn repo_paths(line: &str) -> Vec<String> {
    const ROOTS: [&str; 6] = [
        "crates/",
        "docs/",
        "terraform/",
        "xtask/",
        "docker/",
        ".ci/",
    ];
    let mut out = Vec::new();
    for root in ROOTS {
        let mut rest = line;
        while let Some(i) = rest.find(root) {
            let before = rest[..i].chars().last();
            let token: String = rest[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-'))
                .collect();
            rest = &rest[i + root.len()..];
            // Part of a longer word or URL (`github.com/.../crates/`), or a pattern.
            if before
                .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '_'))
            {
                continue;
            }
            let token = token.trim_end_matches(['.', ',']).to_string();
            if token.len() > root.len() && !token.contains("..") {
                out.push(token);
            }
        }
    }
    out
}

fn rust_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    files(dir, &|p| p.extension().is_some_and(|e| e == "rs"))
}

fn files(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.starts_with('.') && name != ".ci" || name == "target" || name == "node_modules"
            {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else if keep(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The invariants hold in `cargo test` too, not only in `cargo xtask ci`.
    #[test]
    fn the_architecture_invariants_hold() {
        if let Err(e) = run() {
            panic!("{e}");
        }
    }

    #[test]
    fn finds_repo_paths_but_not_urls_or_words() {
        assert_eq!(
            repo_paths("see `crates/aws-core/src/exit.rs`, and docs/runbooks/."),
            vec![
                "crates/aws-core/src/exit.rs".to_string(),
                "docs/runbooks/".to_string()
            ]
        );
        assert!(repo_paths("https://github.com/org/repo/tree/main/crates/x").is_empty());
        assert!(repo_paths("subcrates/x").is_empty());
    }
}
