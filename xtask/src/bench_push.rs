//! `cargo xtask bench push-to-ecr`: push-to-ecr against `skopeo copy` pushing the same
//! `docker save` archive to the same local registry (Debian's docker-registry), cold
//! (empty registry, empty caches: each tool gets a new HOME) and warm (everything
//! present, each tool's cache from the cold run). Requests are
//! counted by the registry itself, so both sides are measured the same way.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use test_support::{image, registry::Registry};

struct Sample {
    took: Duration,
    requests: usize,
    /// Bytes the registry stores after the run (blobs and manifests).
    stored: u64,
}

fn dir_size(p: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(p) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_size(&e.path()),
            Ok(_) => e.metadata().map(|m| m.len()).unwrap_or(0),
            Err(_) => 0,
        })
        .sum()
}

fn run_one(cmd: &mut Command, reg: &Registry) -> anyhow::Result<Sample> {
    let before = reg.requests();
    let start = Instant::now();
    let out = cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output()?;
    let took = start.elapsed();
    anyhow::ensure!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The registry writes its log line after the response: let it land.
    std::thread::sleep(Duration::from_millis(200));
    Ok(Sample {
        took,
        requests: reg.requests() - before,
        stored: dir_size(&reg.data().join("data")),
    })
}

fn ours(bin: &Path, archive: &Path, reg: &Registry, level: &str, home: &Path) -> Command {
    let mut c = Command::new(bin);
    c.env("HOME", home).env_remove("XDG_CACHE_HOME");
    c.args(["--archive", &archive.display().to_string(), "--registry"])
        .arg(format!("{}/bench/app", reg.host))
        .args(["--tag", "v1", "--gzip-level", level, "-q"]);
    c
}

fn skopeo(archive: &Path, reg: &Registry, home: &Path) -> Command {
    let mut c = Command::new("skopeo");
    c.args(["copy", "--quiet", "--dest-tls-verify=false"])
        .arg(format!("docker-archive:{}", archive.display()))
        .arg(format!("docker://{}/bench/app:v1", reg.host))
        .env("HOME", home);
    c
}

fn median(mut v: Vec<Sample>) -> Sample {
    v.sort_by_key(|s| s.took);
    v.swap_remove(v.len() / 2)
}

pub fn run(size_mb: usize, runs: usize) -> anyhow::Result<()> {
    anyhow::ensure!(
        runs >= 1 && size_mb >= 1,
        "--runs and --size-mb must be at least 1"
    );
    crate::install::build_release()?;
    let bin = crate::workspace_root().join("target/release/push-to-ecr");
    let work = tempfile::tempdir()?;
    let layer_size = size_mb * 1_000_000 / 5;
    let layers: Vec<Vec<u8>> = (0..5)
        .map(|i| image::layer(&[(&format!("data/{i}"), &image::filler(i as u64, layer_size))]))
        .collect();
    let archive = work.path().join("image.tar");
    image::docker_archive(&archive, &layers, "bench:v1");
    println!(
        "image: 5 uncompressed layers, {:.1} MB archive; {runs} runs each, medians",
        std::fs::metadata(&archive)?.len() as f64 / 1e6
    );

    let mut rows = Vec::new();
    for (label, level) in [
        ("push-to-ecr (gzip 6)", Some("6")),
        ("push-to-ecr --gzip-level 1", Some("1")),
        ("skopeo copy", None),
    ] {
        let mut cold = Vec::new();
        let mut warm = Vec::new();
        for _ in 0..runs {
            let reg = Registry::start(false);
            let home = tempfile::tempdir()?;
            let cmd = || match level {
                Some(l) => ours(&bin, &archive, &reg, l, home.path()),
                None => skopeo(&archive, &reg, home.path()),
            };
            cold.push(run_one(&mut cmd(), &reg)?);
            warm.push(run_one(&mut cmd(), &reg)?);
        }
        rows.push((label, median(cold), median(warm)));
    }
    let skopeo_cold = rows[2].1.took.as_secs_f64();
    let skopeo_warm = rows[2].2.took.as_secs_f64();
    println!(
        "\n{:<28} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10}",
        "", "cold ms", "requests", "vs skopeo", "warm ms", "requests", "vs skopeo", "stored MB"
    );
    let mut json = Vec::new();
    for (label, c, w) in &rows {
        println!(
            "{label:<28} {:>9.0} {:>9} {:>8.2}x {:>9.0} {:>9} {:>8.2}x {:>10.1}",
            c.took.as_secs_f64() * 1000.0,
            c.requests,
            skopeo_cold / c.took.as_secs_f64(),
            w.took.as_secs_f64() * 1000.0,
            w.requests,
            skopeo_warm / w.took.as_secs_f64(),
            c.stored as f64 / 1e6,
        );
        json.push(serde_json::json!({
            "tool": label,
            "cold_ms": c.took.as_secs_f64() * 1000.0, "cold_requests": c.requests,
            "warm_ms": w.took.as_secs_f64() * 1000.0, "warm_requests": w.requests,
            "stored_bytes": c.stored,
        }));
    }
    println!("\n(ratios: skopeo's time / this row's time; above 1 is faster than skopeo)");
    std::fs::create_dir_all("target/bench")?;
    std::fs::write(
        "target/bench/push-to-ecr.json",
        serde_json::to_string_pretty(&json)?,
    )?;
    println!("written to target/bench/push-to-ecr.json");
    Ok(())
}
