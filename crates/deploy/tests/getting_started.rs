//! docs/getting-started.md, step 3, run line by line exactly as the page shows it,
//! against the emulator, in the directory `cargo xtask emulator` prepares
//! (`test_support::terraform::walkthrough`, the same function), with the workspace's
//! tools on PATH. A line that fails fails the page.

use std::path::Path;
use test_support::Moto;
use test_support::terraform;

const START: &str = "<!-- getting-started: tested -->";
const END: &str = "<!-- getting-started: end -->";

/// The command lines of the tested block.
fn tested_lines(page: &str) -> Vec<String> {
    let start = page.find(START).expect("the page marks its tested block");
    let end = page[start..].find(END).expect("the tested block ends") + start;
    let block = &page[start + START.len()..end];
    let body = block
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .map(|(b, _)| b)
        .expect("one sh code block");
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_getting_started_walkthrough_runs_as_written_on_the_emulator() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let page = std::fs::read_to_string(root.join("docs/getting-started.md")).expect("page");
    let lines = tested_lines(&page);
    assert!(lines.len() >= 10, "{lines:?}");
    let tools = Path::new(env!("CARGO_BIN_EXE_deploy"))
        .parent()
        .expect("target dir")
        .to_path_buf();
    for line in &lines {
        let program = line.split_whitespace().next().unwrap_or_default();
        if program != "terraform" {
            assert!(
                tools.join(program).is_file(),
                "{program} is not built in {}: run the tests of the whole workspace (cargo nextest run --workspace)",
                tools.display()
            );
        }
    }

    let m = Moto::start();
    let work = tempfile::tempdir().expect("tmp");
    let (project, config) = terraform::walkthrough(work.path()).unwrap_or_else(|e| panic!("{e}"));
    let path = format!(
        "{}:{}",
        tools.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut outputs = Vec::new();
    for line in &lines {
        let out = assert_cmd::Command::new("bash")
            .args(["-c", line])
            .envs(m.env())
            .env("TF_CLI_CONFIG_FILE", &config)
            .env("PATH", &path)
            .env_remove("COLUMNS")
            .current_dir(&project)
            .timeout(std::time::Duration::from_secs(900))
            .output()
            .expect("bash");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "docs/getting-started.md: `{line}` exited {:?}\n{stdout}\n{stderr}",
            out.status.code()
        );
        outputs.push((line.clone(), stdout, stderr));
    }
    let output_of = |prefix: &str| {
        outputs
            .iter()
            .find(|(l, _, _)| l.starts_with(prefix))
            .map(|(_, o, e)| format!("{o}{e}"))
            .unwrap_or_else(|| panic!("no line starts with {prefix}"))
    };
    assert!(
        output_of("estimate-costs").contains("$4.50"),
        "the page says $4.50/month"
    );
    assert!(output_of("terraform -chdir").starts_with("https://"));
    assert!(output_of("parameter-store list").contains("GREETING"));
    assert!(output_of("ecs-scale --environment dev --desired-count 0").contains("1 -> 0"));
    let left = m.python(
        "import boto3; e=boto3.client('ecs'); a=e.list_clusters()['clusterArns']\n\
print(len([c for c in (e.describe_clusters(clusters=a)['clusters'] if a else []) if c['status']=='ACTIVE']), len(boto3.client('s3').list_buckets()['Buckets']))",
    );
    assert_eq!(left.trim(), "0 0", "the walkthrough leaves nothing behind");
}
