//! push-to-ecr against a real registry (Debian's docker-registry, distribution 2.8) on
//! 127.0.0.1, with skopeo as the independent peer that reads back what we pushed.

#![allow(clippy::unwrap_used)]

use assert_cmd::Command;
use std::io::Read;
use std::path::Path;
use test_support::image;
use test_support::registry::{self, Registry};

const BIN: &str = env!("CARGO_BIN_EXE_push-to-ecr");

fn cmd(dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env("TMPDIR", dir)
        .current_dir(dir)
        .timeout(std::time::Duration::from_secs(120));
    c
}

/// push-to-ecr --archive ARCHIVE --registry TARGET, in `dir`.
fn to_registry(dir: &Path, archive: &Path, target: &str) -> Command {
    let mut c = cmd(dir);
    c.args(["--archive", archive.to_str().unwrap(), "--registry", target]);
    c
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

fn push(dir: &Path, reg: &Registry, archive: &Path, tag: &str) -> serde_json::Value {
    let out = to_registry(dir, archive, &format!("{}/fft/app", reg.host))
        .args(["--tag", tag, "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    json(&out.stdout)
}

fn skopeo(args: &[&str]) -> std::process::Output {
    std::process::Command::new("skopeo")
        .args(args)
        .output()
        .expect("skopeo is installed by cargo xtask ci")
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .unwrap();
    out
}

#[test]
fn a_docker_save_archive_round_trips_byte_identical_and_skopeo_agrees() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = Registry::start(false);
    let layers = image::small_layers(1);
    let archive = tmp.path().join("app.tar");
    image::docker_archive(&archive, &layers, "app:dev");

    let r = push(tmp.path(), &reg, &archive, "v1");
    assert_eq!(r["tags"]["v1"], "pushed");
    assert_eq!(r["blobs_uploaded"], 3);
    assert_eq!(r["layers_compressed"], 2);
    assert_eq!(r["format"], "docker-archive");
    let digest = r["digest"].as_str().unwrap().to_string();
    assert_eq!(r["image"], format!("{}/fft/app@{digest}", reg.host));

    // skopeo reads the manifest back under the digest we computed.
    let out = skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{}/fft/app:v1", reg.host),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(image::sha256(&out.stdout), digest);
    let m: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        m["mediaType"],
        "application/vnd.docker.distribution.manifest.v2+json"
    );

    // The stored blobs are ours: the config byte for byte, each layer gunzips to its tar.
    assert_eq!(
        reg.blob(m["config"]["digest"].as_str().unwrap()).unwrap(),
        image::config(&layers)
    );
    for (d, original) in m["layers"].as_array().unwrap().iter().zip(&layers) {
        let stored = reg.blob(d["digest"].as_str().unwrap()).unwrap();
        assert_eq!(image::sha256(&stored), d["digest"].as_str().unwrap());
        assert_eq!(&gunzip(&stored), original);
    }

    // skopeo pulls it into an OCI layout and checks every digest on the way.
    let dest = tmp.path().join("pulled");
    let out = skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &format!("docker://{}/fft/app:v1", reg.host),
        &format!("oci:{}:v1", dest.display()),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_second_push_is_up_to_date_in_a_few_requests_and_sends_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = Registry::start(false);
    let archive = tmp.path().join("app.tar");
    image::docker_archive(&archive, &image::small_layers(2), "app:dev");
    let first = push(tmp.path(), &reg, &archive, "latest");
    let pinned = first["tags"]
        .as_object()
        .unwrap()
        .keys()
        .find(|k| *k != "latest")
        .unwrap()
        .clone();
    assert!(pinned.starts_with("sha256-"), "{pinned}");
    let blobs = reg.blob_count();

    let again = push(tmp.path(), &reg, &archive, "latest");
    assert_eq!(again["up_to_date"], true);
    assert_eq!(again["digest"], first["digest"], "gzip is deterministic");
    assert_eq!(again["bytes_uploaded"], 0);
    assert!(
        again["requests"].as_u64().unwrap() <= 3,
        "{}",
        again["requests"]
    );
    assert_eq!(reg.blob_count(), blobs);

    let out = to_registry(tmp.path(), &archive, &format!("{}/fft/app", reg.host))
        .args(["--tag", "latest"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already up to date"));
}

#[test]
fn a_pinned_tag_never_moves_to_another_image() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = Registry::start(false);
    let a = tmp.path().join("a.tar");
    let b = tmp.path().join("b.tar");
    image::docker_archive(&a, &image::small_layers(3), "app:a");
    image::docker_archive(&b, &image::small_layers(4), "app:b");
    let first = push(tmp.path(), &reg, &a, "v1");
    let out = to_registry(tmp.path(), &b, &format!("{}/fft/app", reg.host))
        .args(["--tag", "v1"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(8),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(first["digest"].as_str().unwrap()), "{err}");
    assert!(err.contains("this image is sha256:"), "{err}");
    // v1 still names the first image.
    let raw = skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{}/fft/app:v1", reg.host),
    ]);
    assert_eq!(
        image::sha256(&raw.stdout),
        first["digest"].as_str().unwrap()
    );
}

#[test]
fn basic_auth_needs_the_credentials_and_never_prints_them() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = Registry::start(true);
    let archive = tmp.path().join("app.tar");
    image::docker_archive(&archive, &image::small_layers(5), "app:dev");
    let base = || {
        let mut c = cmd(tmp.path());
        c.args(["--archive", archive.to_str().unwrap(), "--registry"])
            .arg(format!("{}/fft/app", reg.host))
            .args(["--tag", "v1", "-v"]);
        c
    };
    let out = base().output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("REGISTRY_USERNAME"));

    let out = base()
        .env("REGISTRY_USERNAME", registry::USER)
        .env("REGISTRY_PASSWORD", "wrong-password")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("wrong-password"));

    let out = base()
        .env("REGISTRY_USERNAME", registry::USER)
        .env("REGISTRY_PASSWORD", registry::PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains(registry::PASSWORD));
    assert_eq!(reg.blob_count(), 4, "config, two layers and the manifest");
}

#[test]
fn an_oci_layout_is_pushed_byte_exact_and_docker_25_archives_work() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = Registry::start(false);
    let layout = tmp.path().join("layout");
    let layers = image::small_layers(6);
    let manifest_digest = image::oci_layout(&layout, &layers);
    let r = push(tmp.path(), &reg, &layout, "oci");
    assert_eq!(
        r["digest"],
        manifest_digest.as_str(),
        "the layout's own manifest, unchanged"
    );
    assert_eq!(r["layers_compressed"], 0);

    // Docker 25+: OCI layout with uncompressed layers inside a docker save tar.
    let archive = tmp.path().join("d25.tar");
    image::docker_archive_oci(&archive, &layers, "app:dev");
    let r = push(tmp.path(), &reg, &archive, "d25");
    assert_eq!(r["format"], "docker-archive");
    assert_eq!(r["layers_compressed"], 2);
    let out = skopeo(&[
        "inspect",
        "--tls-verify=false",
        &format!("docker://{}/fft/app:d25", reg.host),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A gzipped archive is unpacked first.
    let gz = tmp.path().join("d25.tar.gz");
    std::fs::write(&gz, image::gzip(&std::fs::read(&archive).unwrap())).unwrap();
    let r2 = push(tmp.path(), &reg, &gz, "d25");
    assert_eq!(r2["up_to_date"], true);
    assert_eq!(r2["digest"], r["digest"]);
}

#[test]
fn corrupt_and_truncated_archives_push_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = Registry::start(false);
    let layers = image::small_layers(7);
    let good = tmp.path().join("good.tar");
    image::docker_archive(&good, &layers, "app:dev");
    let bytes = std::fs::read(&good).unwrap();

    let truncated = tmp.path().join("truncated.tar");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    // Same size, one byte of a layer changed: its diff_id no longer matches.
    let tampered = tmp.path().join("tampered.tar");
    let mut t = bytes.clone();
    let at = t.windows(8).position(|w| w == b"ID=test\n").unwrap();
    t[at] = b'X';
    std::fs::write(&tampered, &t).unwrap();
    let empty = tmp.path().join("empty.tar");
    std::fs::write(&empty, b"").unwrap();

    for (file, expect) in [
        (truncated.to_str().unwrap(), "truncated"),
        (tampered.to_str().unwrap(), "corrupt"),
        (empty.to_str().unwrap(), "not an image archive"),
        ("/dev/zero", "not a regular file"),
        ("/nonexistent.tar", "No such file"),
    ] {
        let out = cmd(tmp.path())
            .args(["--archive", file, "--registry"])
            .arg(format!("{}/fft/app", reg.host))
            .args(["--tag", "v1"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(expect), "{file}: {err}");
    }
    assert_eq!(reg.blob_count(), 0, "nothing was pushed");
}

#[test]
fn dry_run_reports_and_pushes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = Registry::start(false);
    let archive = tmp.path().join("app.tar");
    image::docker_archive(&archive, &image::small_layers(8), "app:dev");
    let out = to_registry(tmp.path(), &archive, &format!("{}/fft/app", reg.host))
        .args(["--tag", "v1", "--dry-run", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out.stdout);
    assert_eq!(r["blobs_to_upload"], 3);
    assert_eq!(r["tags"]["v1"], "would-push");
    assert_eq!(reg.blob_count(), 0);
}

#[test]
fn shared_blobs_are_mounted_from_another_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = Registry::start(false);
    let archive = tmp.path().join("app.tar");
    image::docker_archive(&archive, &image::small_layers(9), "app:dev");
    push(tmp.path(), &reg, &archive, "v1");
    let out = to_registry(tmp.path(), &archive, &format!("{}/fft/other", reg.host))
        .args(["--mount-from", "fft/app", "--tag", "v1", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json(&out.stdout);
    assert_eq!(r["blobs_mounted"], 3);
    assert_eq!(r["bytes_uploaded"], 0);
}

#[test]
fn a_local_daemon_image_is_read_with_save() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = Registry::start(false);
    let fixture = tmp.path().join("fixture.tar");
    image::docker_archive(&fixture, &image::small_layers(10), "myapp:dev");
    // A stand-in `docker` whose `save -o FILE IMAGE` writes the fixture.
    let bin = tmp.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    test_support::stub_tool(
        &bin,
        "docker",
        &format!(
            "[ \"$1\" = save ] && [ \"$2\" = -o ] && [ \"$4\" = myapp:dev ] && /bin/cp {} \"$3\"",
            fixture.display()
        ),
    );
    let out = cmd(tmp.path())
        .env("PATH", &bin)
        .args(["--image", "myapp:dev", "--registry"])
        .arg(format!("{}/fft/app", reg.host))
        .args(["--tag", "v1", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out.stdout)["tags"]["v1"], "pushed");

    // No daemon tool at all: a clear configuration error.
    let out = cmd(tmp.path())
        .env("PATH", tmp.path().join("empty"))
        .args(["--image", "myapp:dev", "--registry"])
        .arg(format!("{}/fft/app", reg.host))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--archive"));
}

#[test]
fn the_registry_harness_counts_requests() {
    let reg = Registry::start(false);
    let before = reg.requests();
    let out = skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{}/none/here:v1", reg.host),
    ]);
    assert!(!out.status.success());
    assert!(
        reg.requests() > before,
        "the registry log records each response"
    );
}

#[test]
fn the_gzip_cache_skips_work_but_never_pushes_a_wrong_blob() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("app.tar");
    let layers = image::small_layers(11);
    image::docker_archive(&archive, &layers, "app:dev");
    let first_reg = Registry::start(false);
    let first = push(tmp.path(), &first_reg, &archive, "v1");
    let cache = tmp
        .path()
        .join(".cache/fargate-free-tier/push-to-ecr/gzip.json");
    let recorded: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&cache).unwrap()).unwrap();
    assert_eq!(
        recorded.as_object().unwrap().len(),
        2,
        "one entry per layer: {recorded}"
    );

    // A fresh registry: the cached digests name the blobs, which are compressed then
    // (checked against the cache) and uploaded; skopeo pulls the result.
    let reg = Registry::start(false);
    let r = push(tmp.path(), &reg, &archive, "v1");
    assert_eq!(r["digest"], first["digest"]);
    assert_eq!(r["blobs_uploaded"], 3);
    let dest = tmp.path().join("pulled");
    let out = skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &format!("docker://{}/fft/app:v1", reg.host),
        &format!("oci:{}:v1", dest.display()),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A cache entry that lies (edited, planted, corrupt) does not verify against its
    // seal: it is dropped when the cache is read and never names a blob (red team
    // round 3, item 8); the layers are compressed again and the push is right.
    let mut lie = recorded.clone();
    for v in lie.as_object_mut().unwrap().values_mut() {
        v["digest"] = image::sha256(b"not this layer").into();
    }
    std::fs::write(&cache, lie.to_string()).unwrap();
    let fresh = Registry::start(false);
    let out = to_registry(tmp.path(), &archive, &format!("{}/fft/app", fresh.host))
        .args(["--tag", "v1", "-o", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("do not verify: dropped"), "{stderr}");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["digest"], first["digest"]);
    assert_eq!(r["layers_compressed"], 2, "{r:#}");
}

#[test]
fn a_registry_that_is_not_there_is_exit_7_after_retries() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("app.tar");
    image::docker_archive(&archive, &image::small_layers(12), "app:dev");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = cmd(tmp.path())
        .args(["--archive", archive.to_str().unwrap(), "--registry"])
        .arg(format!("127.0.0.1:{port}/fft/app"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("could not reach 127.0.0.1:{port}")),
        "{err}"
    );
    assert!(!err.contains("AWS"), "a registry is not AWS: {err}");
}

/// A registry on 127.0.0.1 that answers `/v2/` and then every manifest GET with a
/// 5 MiB body (`big`), a body cut short (`short`) or headers and then silence
/// (`stall`), and 404 to anything else.
fn misbehaving_registry(mode: &'static str) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let path = line.split(' ').nth(1).unwrap_or("").to_string();
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                            break;
                        }
                    }
                    let answer = if path == "/v2/" {
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
                            .as_bytes()
                            .to_vec()
                    } else if path.contains("/manifests/") && mode == "big" {
                        let mut a = b"HTTP/1.1 200 OK\r\nContent-Length: 5242880\r\n\r\n".to_vec();
                        a.extend(std::iter::repeat_n(b' ', 5 << 20));
                        a
                    } else if path.contains("/manifests/") && mode == "stall" {
                        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n");
                        std::thread::sleep(std::time::Duration::from_secs(150));
                        return;
                    } else if path.contains("/manifests/") {
                        let _ = stream.write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"schemaVersion\"",
                        );
                        return;
                    } else {
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec()
                    };
                    if stream.write_all(&answer).is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("127.0.0.1:{port}/y/app")
}

/// Red team round 3, item 20: an oversized or broken manifest body was read as empty,
/// and the tool claimed the tag named the empty digest (exit 8).
#[test]
fn an_oversized_or_broken_registry_answer_is_an_error_not_an_empty_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("app.tar");
    image::docker_archive(&archive, &image::small_layers(13), "app:dev");
    for (mode, code, says) in [("big", 1, "larger than"), ("short", 7, "broke off")] {
        let out = to_registry(tmp.path(), &archive, &misbehaving_registry(mode))
            .args(["--tag", "v9"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{mode}: {err}");
        assert!(err.contains(says), "{mode}: {err}");
        assert!(!err.contains("e3b0c442"), "never the empty digest: {err}");
    }
}

/// Red team round 3, item 13: a registry that sends the headers and then stalls the
/// body hung push-to-ecr forever. The body is bounded by the request timeout (60 s):
/// exit 7, "retry later".
#[test]
fn a_registry_that_stalls_mid_answer_is_exit_7_not_a_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("app.tar");
    image::docker_archive(&archive, &image::small_layers(14), "app:dev");
    let started = std::time::Instant::now();
    let out = to_registry(tmp.path(), &archive, &misbehaving_registry("stall"))
        .args(["--tag", "v9"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(7), "{err}");
    assert!(err.contains("stalled"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(100));
}
