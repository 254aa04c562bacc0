//! `cargo xtask corpus`: estimate-costs against real-world configurations, each
//! compared with a hand calculation (crates/cost-engine/corpus/corpus.toml). The
//! configurations are fetched at pinned commits, never copied into this repository.

use anyhow::{Context, bail};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

const MANIFEST: &str = "crates/cost-engine/corpus/corpus.toml";
/// Largest relative error accepted against a hand calculation.
const TOLERANCE: f64 = 0.05;

#[derive(Deserialize)]
struct Manifest {
    as_of: String,
    config: Vec<Config>,
}

#[derive(Deserialize)]
struct Config {
    name: String,
    repo: String,
    commit: String,
    dir: String,
    region: String,
    /// Expected: everything priced (the total is checked) or not (a floor is).
    complete: Option<bool>,
    gross: Option<f64>,
    /// Expected refusal with this exit code.
    exit: Option<i32>,
    #[serde(default)]
    modules: Vec<Module>,
}

#[derive(Deserialize)]
struct Module {
    key: String,
    repo: String,
    tag: String,
}

pub fn run(mirror: Option<&Path>) -> anyhow::Result<()> {
    let manifest: Manifest = toml::from_str(&std::fs::read_to_string(MANIFEST)?)
        .with_context(|| format!("reading {MANIFEST}"))?;
    crate::install::build_release()?;
    let bin = std::env::current_dir()?.join("target/release/estimate-costs");
    let work = PathBuf::from("target/corpus");
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for c in &manifest.config {
        let checkout = work.join("work").join(&c.name);
        fetch(mirror, &work, &c.repo, &c.commit, &checkout)?;
        let root = checkout.join(&c.dir);
        if !c.modules.is_empty() {
            let modules_dir = root.join(".terraform/modules");
            let mut entries = vec![r#"{"Key":"","Source":"","Dir":"."}"#.to_string()];
            for m in &c.modules {
                fetch(mirror, &work, &m.repo, &m.tag, &modules_dir.join(&m.key))?;
                entries.push(format!(
                    r#"{{"Key":"{}","Source":"{}","Version":"{}","Dir":".terraform/modules/{}"}}"#,
                    m.key, m.repo, m.tag, m.key
                ));
            }
            std::fs::write(
                modules_dir.join("modules.json"),
                format!(r#"{{"Modules":[{}]}}"#, entries.join(",")),
            )?;
        }
        let out = Command::new(&bin)
            .arg(&root)
            .args([
                "-o",
                "json",
                "--free-tier",
                "none",
                "--as-of",
                &manifest.as_of,
            ])
            .env("NO_COLOR", "1")
            .output()?;
        let code = out.status.code().unwrap_or(-1);
        if let Some(expected) = c.exit {
            let ok = code == expected;
            rows.push((
                c.name.clone(),
                c.region.clone(),
                "-".into(),
                format!("exit {code}"),
                if ok {
                    "refused, as expected"
                } else {
                    "WRONG EXIT"
                }
                .to_string(),
            ));
            if !ok {
                failures.push(format!("{}: exit {code}, expected {expected}", c.name));
            }
            continue;
        }
        let e: serde_json::Value = serde_json::from_slice(&out.stdout)
            .with_context(|| format!("{}: {}", c.name, String::from_utf8_lossy(&out.stderr)))?;
        let gross = e["total_gross"].as_f64().unwrap_or(0.0);
        let complete = e["complete"].as_bool().unwrap_or(false);
        let hand = c.gross.unwrap_or(0.0);
        let error = if hand > 0.0 {
            (gross - hand) / hand
        } else {
            0.0
        };
        let mut problems = Vec::new();
        if Some(complete) != c.complete {
            problems.push(format!("complete = {complete}, expected {:?}", c.complete));
        }
        if error.abs() > TOLERANCE {
            problems.push(format!(
                "${gross:.2} vs ${hand:.2} by hand ({:+.1} %)",
                error * 100.0
            ));
        }
        if gross == 0.0 && hand > 0.0 {
            problems.push("$0.00 for chargeable resources".into());
        }
        if !complete {
            // An incomplete estimate never passes a gate.
            let gated = Command::new(&bin)
                .arg(&root)
                .args(["--max-monthly", "1000000", "--as-of", &manifest.as_of])
                .output()?;
            if gated.status.code() != Some(9) {
                problems.push(format!("gate exited {:?}, expected 9", gated.status.code()));
            }
        }
        rows.push((
            c.name.clone(),
            c.region.clone(),
            format!("${hand:.2}"),
            format!("{}${gross:.2}", if complete { "" } else { "at least " }),
            if problems.is_empty() {
                format!("{:+.2} %", error * 100.0)
            } else {
                problems.join("; ")
            },
        ));
        if !problems.is_empty() {
            failures.push(format!("{}: {}", c.name, problems.join("; ")));
        }
    }
    println!(
        "\nestimate-costs on real-world configurations (total before free tier, {})\n",
        manifest.as_of
    );
    println!(
        "{:<36} {:<14} {:>10} {:>20}  result",
        "configuration", "region", "by hand", "estimate"
    );
    for (name, region, hand, est, result) in &rows {
        println!("{name:<36} {region:<14} {hand:>10} {est:>20}  {result}");
    }
    if !failures.is_empty() {
        bail!(
            "{} configuration(s) off:\n  {}",
            failures.len(),
            failures.join("\n  ")
        );
    }
    Ok(())
}

/// Check out `repo` at `rev` into `dest`, from a local mirror or github.com.
fn fetch(
    mirror: Option<&Path>,
    work: &Path,
    repo: &str,
    rev: &str,
    dest: &Path,
) -> anyhow::Result<()> {
    let slug = repo.replace('/', "+");
    let source = match mirror {
        Some(m) => m.join(&slug).join("repo"),
        None => {
            let cache = work.join("git").join(&slug);
            if !cache.exists() {
                let url = format!("https://github.com/{repo}.git");
                crate::run_cmd(
                    "git",
                    &["clone", "--quiet", "--bare", &url, &cache.to_string_lossy()],
                )?;
            }
            cache
        }
    };
    if dest.exists() {
        std::fs::remove_dir_all(dest)?;
    }
    if let Some(parent) = dest.parent() {
        std::fs::create_dir_all(parent)?;
    }
    crate::run_cmd(
        "git",
        &[
            "clone",
            "--quiet",
            "--no-checkout",
            &source.to_string_lossy(),
            &dest.to_string_lossy(),
        ],
    )?;
    crate::run_cmd(
        "git",
        &["-C", &dest.to_string_lossy(), "checkout", "--quiet", rev],
    )?;
    Ok(())
}
