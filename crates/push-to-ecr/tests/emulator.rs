//! push-to-ecr against moto's ECR (layer uploads and PutImage). moto reports a wrong
//! image digest (a hash of layer digests), so the tests assert on the digest we compute
//! and on the manifest bytes moto stored.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use test_support::{Moto, image};

const BIN: &str = env!("CARGO_BIN_EXE_push-to-ecr");

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The manifest bytes moto stores under `repo:tag`.
fn stored_manifest(moto: &Moto, repo: &str, tag: &str) -> String {
    moto.python(&format!(
        "import boto3,sys; e=boto3.client('ecr')\n\
r=e.batch_get_image(repositoryName='{repo}', imageIds=[{{'imageTag': '{tag}'}}], acceptedMediaTypes=['application/vnd.docker.distribution.manifest.v2+json','application/vnd.oci.image.manifest.v1+json'])\n\
sys.stdout.write(r['images'][0]['imageManifest'])"
    ))
}

fn create_repo(moto: &Moto, repo: &str) {
    moto.python(&format!(
        "import boto3; boto3.client('ecr').create_repository(repositoryName='{repo}')"
    ));
}

fn project(dir: &Path) {
    std::fs::write(
        dir.join("fargate.toml"),
        "project = \"t\"\n[environments.dev]\nregion = \"us-east-1\"\necr_repository = \"fft/app\"\n",
    )
    .unwrap();
}

/// A stand-in `docker` (no daemon here): `build` succeeds, `save -o FILE` writes `fixture`.
fn fake_docker(dir: &Path, fixture: &Path) -> std::path::PathBuf {
    let bin = dir.join("fakebin");
    test_support::stub_tool(
        &bin,
        "docker",
        &format!(
            "case \"$1\" in\n  build) exit 0 ;;\n  save) /bin/cp {} \"$3\" ;;\n  *) exit 1 ;;\nesac",
            fixture.display()
        ),
    );
    bin
}

#[test]
fn the_documented_line_builds_and_pushes_to_the_environments_repository() {
    let moto = Moto::start();
    project(moto.dir());
    create_repo(&moto, "fft/app");
    std::fs::create_dir(moto.dir().join("docker")).unwrap();
    let fixture = moto.dir().join("fixture.tar");
    image::docker_archive(&fixture, &image::small_layers(20), "app:dev");
    let bin = fake_docker(moto.dir(), &fixture);
    let path = format!("{}:/usr/bin:/bin", bin.display());

    let out = moto
        .cmd(BIN)
        .env("PATH", &path)
        .args(["--tag", "latest", "--environment", "dev", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let r = json(&out.stdout);
    let digest = r["digest"].as_str().unwrap();
    assert_eq!(r["destination"], "ecr");
    assert_eq!(r["repository"], "fft/app");
    assert_eq!(r["blobs_uploaded"], 3);
    let pinned = format!("sha256-{}", &digest[7..19]);
    assert_eq!(r["tags"][&pinned], "pushed");
    assert_eq!(r["tags"]["latest"], "pushed");
    assert!(
        r["image"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/fft/app@{digest}")),
        "{}",
        r["image"]
    );

    // moto stores our manifest byte for byte under both tags.
    let m = stored_manifest(&moto, "fft/app", "latest");
    assert_eq!(image::sha256(m.as_bytes()), digest);
    assert_eq!(stored_manifest(&moto, "fft/app", &pinned), m);

    // Storage: the three blobs, priced; moto has no lifecycle policy here: warned.
    assert!(
        r["storage"]["bytes"].as_u64().unwrap() > 100_000,
        "{}",
        r["storage"]
    );
    assert!(r["storage"]["monthly_usd"].as_f64().unwrap() > 0.0);
    assert_eq!(r["storage"]["lifecycle_policy"], false);
    assert!(
        stderr(&out).contains("no lifecycle policy"),
        "{}",
        stderr(&out)
    );

    // Again: up to date, no blob request at all.
    let out = moto
        .cmd(BIN)
        .env("PATH", &path)
        .args(["--tag", "latest", "--environment", "dev", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let again = json(&out.stdout);
    assert_eq!(again["up_to_date"], true);
    assert_eq!(again["bytes_uploaded"], 0);
    assert_eq!(again["digest"], digest);
}

#[test]
fn a_missing_repository_is_created_only_when_asked_and_never_terraforms() {
    let moto = Moto::start();
    project(moto.dir());
    let archive = moto.dir().join("app.tar");
    image::docker_archive(&archive, &image::small_layers(21), "app:dev");
    let a = archive.to_str().unwrap();

    // The environment's repository is Terraform's: never created here.
    let out = moto
        .cmd(BIN)
        .args(["--archive", a, "--tag", "v1", "-e", "dev", "--create-repo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("deploy --environment global"),
        "{}",
        stderr(&out)
    );

    // Another repository: not found without --create-repo ...
    let out = moto
        .cmd(BIN)
        .args(["--archive", a, "--tag", "v1", "--repository", "scratch/app"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(stderr(&out).contains("--create-repo"));
    // ... a dry run creates nothing ...
    let out = moto
        .cmd(BIN)
        .args([
            "--archive",
            a,
            "--tag",
            "v1",
            "--repository",
            "scratch/app",
            "--create-repo",
            "--dry-run",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json(&out.stdout)["tags"]["v1"], "would-push");
    let repos = moto.python(
        "import boto3; print(len(boto3.client('ecr').describe_repositories()['repositories']))",
    );
    assert_eq!(repos.trim(), "0");
    // ... and with it, created with scanning and a lifecycle policy.
    let out = moto
        .cmd(BIN)
        .args([
            "--archive",
            a,
            "--tag",
            "v1",
            "--repository",
            "scratch/app",
            "--create-repo",
            "-o",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let r = json(&out.stdout);
    assert_eq!(r["storage"]["lifecycle_policy"], true);
    let scan = moto.python(
        "import boto3,json; e=boto3.client('ecr')\n\
r=e.describe_repositories(repositoryNames=['scratch/app'])['repositories'][0]\n\
p=json.loads(e.get_lifecycle_policy(repositoryName='scratch/app')['lifecyclePolicyText'])\n\
print(r['imageScanningConfiguration']['scanOnPush'], p['rules'][1]['selection']['countNumber'])",
    );
    assert_eq!(scan.trim(), "True 10");
}

/// Issue 24: the region in use is the session's. With the region only in the AWS
/// profile (no flag, no AWS_REGION, no fargate.toml), the storage is still priced for
/// it, never silently dropped as "not priced".
#[test]
fn storage_is_priced_for_a_region_that_comes_from_the_profile() {
    let moto = Moto::start();
    create_repo(&moto, "fft/app");
    let archive = moto.dir().join("a.tar");
    image::docker_archive(&archive, &image::small_layers(24), "app:a");
    let config = moto.dir().join("profile-config");
    std::fs::write(&config, "[profile only-region]\nregion = us-east-1\n").unwrap();
    let out = moto
        .cmd(BIN)
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_PROFILE", "only-region")
        .args(["--archive", archive.to_str().unwrap(), "--tag", "v1"])
        .args(["--repository", "fft/app", "-o", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let r = json(&out.stdout);
    assert!(
        r["storage"]["monthly_usd"].as_f64().unwrap() > 0.0,
        "{}",
        r["storage"]
    );
}

#[test]
fn a_pinned_tag_in_ecr_never_moves() {
    let moto = Moto::start();
    create_repo(&moto, "fft/app");
    let a = moto.dir().join("a.tar");
    let b = moto.dir().join("b.tar");
    image::docker_archive(&a, &image::small_layers(22), "app:a");
    image::docker_archive(&b, &image::small_layers(23), "app:b");
    let push = |f: &Path| {
        moto.cmd(BIN)
            .args([
                "--archive",
                f.to_str().unwrap(),
                "--tag",
                "v7",
                "--repository",
                "fft/app",
                "-o",
                "json",
            ])
            .output()
            .unwrap()
    };
    let first = push(&a);
    assert!(first.status.success(), "{}", stderr(&first));
    let d1 = json(&first.stdout)["digest"].as_str().unwrap().to_string();
    let second = push(&b);
    assert_eq!(second.status.code(), Some(8), "{}", stderr(&second));
    assert!(stderr(&second).contains(&d1), "{}", stderr(&second));
    assert_eq!(
        image::sha256(stored_manifest(&moto, "fft/app", "v7").as_bytes()),
        d1
    );
}

#[test]
fn push_to_ecr_survives_hostile_environments() {
    let moto = Moto::start();
    let archive = moto.dir().join("app.tar");
    image::docker_archive(&archive, &image::small_layers(24), "app:dev");
    test_support::hostile::assert_survives("push-to-ecr", || {
        let mut c = moto.cmd(BIN);
        c.args([
            "--archive",
            archive.to_str().unwrap(),
            "--tag",
            "v1",
            "--repository",
            "fft/app",
            "--create-repo",
        ]);
        c
    });
    let repos = moto.python(
        "import boto3; print(len(boto3.client('ecr').describe_repositories()['repositories']))",
    );
    assert_eq!(
        repos.trim(),
        "0",
        "nothing was created under a hostile environment"
    );
}

#[test]
fn two_concurrent_pushes_that_create_the_repository_both_succeed() {
    let moto = Moto::start();
    let archive = moto.dir().join("app.tar");
    image::docker_archive(&archive, &image::small_layers(25), "app:dev");
    let run = || {
        let mut c = moto.cmd(BIN);
        c.args([
            "--archive",
            archive.to_str().unwrap(),
            "--tag",
            "v1",
            "--repository",
            "race/app",
            "--create-repo",
        ]);
        c
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| run().output().unwrap());
        let b = s.spawn(|| run().output().unwrap());
        (a.join().unwrap(), b.join().unwrap())
    });
    assert!(a.status.success(), "{}", stderr(&a));
    assert!(b.status.success(), "{}", stderr(&b));
}

/// Two pushes of different images under the same pinned tag at once, slowed so they
/// overlap (red team round 3, item 2): the tag may name only one of them, and only
/// that run may say so; the other exits 8 naming both digests.
#[test]
fn a_pinned_tag_never_moves_under_concurrent_pushes() {
    let moto = Moto::start();
    moto.python("import boto3; boto3.client('ecr').create_repository(repositoryName='race2/app')");
    let slow = test_support::latency::LatencyProxy::start(
        moto.port,
        std::time::Duration::from_millis(120),
        std::time::Duration::ZERO,
    );
    let archives: Vec<_> = [31u64, 32]
        .iter()
        .map(|seed| {
            let p = moto.dir().join(format!("img{seed}.tar"));
            image::docker_archive(&p, &image::small_layers(*seed), "app:dev");
            p
        })
        .collect();
    let run = |archive: &std::path::Path| {
        let mut c = moto.cmd(BIN);
        c.env("AWS_ENDPOINT_URL", &slow.endpoint).args([
            "--archive",
            archive.to_str().unwrap(),
            "--tag",
            "v1",
            "--repository",
            "race2/app",
            "-o",
            "json",
        ]);
        c.output().unwrap()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| run(&archives[0]));
        let b = s.spawn(|| run(&archives[1]));
        (a.join().unwrap(), b.join().unwrap())
    });
    let codes = (a.status.code(), b.status.code());
    assert!(
        codes == (Some(0), Some(8)) || codes == (Some(8), Some(0)),
        "exactly one run may own v1: {codes:?}\n{}\n{}",
        stderr(&a),
        stderr(&b)
    );
    let winner = if a.status.success() { &a } else { &b };
    let loser = if a.status.success() { &b } else { &a };
    let report: serde_json::Value = serde_json::from_slice(&winner.stdout).unwrap();
    let tagged = moto.python(
        "import boto3; print(boto3.client('ecr').describe_images(repositoryName='race2/app', imageIds=[{'imageTag': 'v1'}])['imageDetails'][0]['imageDigest'])",
    );
    assert_eq!(report["digest"].as_str().unwrap(), tagged.trim());
    assert!(stderr(loser).contains("tag v1"), "{}", stderr(loser));
}
