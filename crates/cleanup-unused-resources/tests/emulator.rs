//! cleanup-unused-resources against moto: a seeded account with in-scope and
//! out-of-scope resources of every kind. Out-of-scope items must survive `--apply
//! --yes`; a dry run changes nothing; a plan deletes exactly its items after a
//! re-check; a revision a service runs (and its rollback target) is never touched.

#![allow(clippy::unwrap_used)]

use serde_json::Value;
use std::collections::BTreeSet;
use test_support::Moto;

const BIN: &str = env!("CARGO_BIN_EXE_cleanup-unused-resources");
const ACCOUNT: &str = "123456789012";

/// Seeds the account; prints the ids the tests assert on, as JSON.
const SEED: &str = r#"
import boto3, json, time
ec2 = boto3.client('ec2'); ecs = boto3.client('ecs'); ecr = boto3.client('ecr'); logs = boto3.client('logs')
def tags(kind, env='dev'):
    return [{'ResourceType': kind, 'Tags': [{'Key': 'project', 'Value': 'fft'}, {'Key': 'environment', 'Value': env}]}]
ids = {}
vpc = ec2.create_vpc(CidrBlock='10.0.0.0/16', TagSpecifications=tags('vpc'))['Vpc']['VpcId']
other_vpc = ec2.create_vpc(CidrBlock='10.1.0.0/16')['Vpc']['VpcId']
sub = ec2.create_subnet(VpcId=vpc, CidrBlock='10.0.1.0/24')['Subnet']['SubnetId']
other_sub = ec2.create_subnet(VpcId=other_vpc, CidrBlock='10.1.1.0/24')['Subnet']['SubnetId']
ids['eni_free'] = ec2.create_network_interface(SubnetId=sub)['NetworkInterface']['NetworkInterfaceId']
ids['eni_attached_ip'] = ec2.create_network_interface(SubnetId=sub)['NetworkInterface']['NetworkInterfaceId']
ids['eni_other_vpc'] = ec2.create_network_interface(SubnetId=other_sub)['NetworkInterface']['NetworkInterfaceId']
ids['eip_idle'] = ec2.allocate_address(Domain='vpc', TagSpecifications=tags('elastic-ip'))['AllocationId']
ids['eip_used'] = ec2.allocate_address(Domain='vpc', TagSpecifications=tags('elastic-ip'))['AllocationId']
ec2.associate_address(AllocationId=ids['eip_used'], NetworkInterfaceId=ids['eni_attached_ip'])
ids['eip_prod'] = ec2.allocate_address(Domain='vpc', TagSpecifications=tags('elastic-ip', 'prod'))['AllocationId']
ids['eip_untagged'] = ec2.allocate_address(Domain='vpc')['AllocationId']
ids['vol_free'] = ec2.create_volume(AvailabilityZone='us-east-1a', Size=10, VolumeType='gp3', TagSpecifications=tags('volume'))['VolumeId']
ids['vol_prod'] = ec2.create_volume(AvailabilityZone='us-east-1a', Size=10, VolumeType='gp3', TagSpecifications=tags('volume', 'prod'))['VolumeId']
ids['snap'] = ec2.create_snapshot(VolumeId=ids['vol_prod'], TagSpecifications=tags('snapshot'))['SnapshotId']
ids['snap_prod'] = ec2.create_snapshot(VolumeId=ids['vol_prod'], TagSpecifications=tags('snapshot', 'prod'))['SnapshotId']

ecs.create_cluster(clusterName='fft-dev')
repo = ecr.create_repository(repositoryName='fft/app')['repository']['repositoryUri']
def manifest(n):
    return json.dumps({'schemaVersion': 2, 'mediaType': 'application/vnd.docker.distribution.manifest.v2+json',
        'config': {'mediaType': 'application/vnd.docker.container.image.v1+json', 'size': 7023, 'digest': 'sha256:' + ('%x' % n) * 64},
        'layers': [{'mediaType': 'application/vnd.docker.image.rootfs.diff.tar.gzip', 'size': 1000 * n, 'digest': 'sha256:' + ('%x' % n) * 64}]})
digests = {}
for n in range(1, 9):
    if n == 6:
        time.sleep(1.1)  # ECR push times are whole seconds: v6..v8 are the newest three
    digests[n] = ecr.put_image(repositoryName='fft/app', imageManifest=manifest(n), imageTag='v%d' % n)['image']['imageId']['imageDigest']
ids['untagged_digest'] = ecr.put_image(repositoryName='fft/app', imageManifest=manifest(9))['image']['imageId']['imageDigest']
ids['digests'] = digests
arns = []
for n in range(1, 9):
    arns.append(ecs.register_task_definition(family='fft-dev-app-service', containerDefinitions=[
        {'name': 'app', 'image': repo + ':v%d' % n, 'memory': 512}])['taskDefinition']['taskDefinitionArn'])
for n in range(1, 9):
    ecs.register_task_definition(family='other-app', containerDefinitions=[{'name': 'app', 'image': 'x:%d' % n, 'memory': 512}])
ids['revisions'] = arns
# The service runs revision 4 (a rollback): 4 and its rollback target 3 must stay.
ecs.create_service(cluster='fft-dev', serviceName='app-service', taskDefinition=arns[3], desiredCount=0)
logs.create_log_group(logGroupName='/ecs/fft-dev/app-service')
logs.create_log_group(logGroupName='/ecs/fft-dev/old-service')
logs.put_retention_policy(logGroupName='/ecs/fft-dev/old-service', retentionInDays=7)
logs.create_log_group(logGroupName='/ecs/fft-prod/app-service')
print(json.dumps(ids))
"#;

const STATE: &str = r#"
import boto3, json
ec2 = boto3.client('ec2'); ecs = boto3.client('ecs'); ecr = boto3.client('ecr'); logs = boto3.client('logs')
s = {}
s['eips'] = sorted(a['AllocationId'] for a in ec2.describe_addresses()['Addresses'])
s['enis'] = sorted(n['NetworkInterfaceId'] for n in ec2.describe_network_interfaces()['NetworkInterfaces'])
s['volumes'] = sorted(v['VolumeId'] for v in ec2.describe_volumes()['Volumes'])
s['snapshots'] = sorted(x['SnapshotId'] for x in ec2.describe_snapshots(OwnerIds=['self'])['Snapshots'])
s['active'] = sorted(ecs.list_task_definitions(status='ACTIVE')['taskDefinitionArns'])
s['images'] = sorted(i['imageDigest'] for i in ecr.describe_images(repositoryName='fft/app')['imageDetails'])
s['logs'] = sorted((g['logGroupName'], g.get('retentionInDays')) for g in logs.describe_log_groups()['logGroups'])
print(json.dumps(s))
"#;

fn project(moto: &Moto, extra: &str) {
    moto.write_file(
        "fargate.toml",
        &format!(
            "project = \"fft\"\ndefault_environment = \"dev\"\n[environments.dev]\nregion = \"us-east-1\"\n\
             name_prefix = \"fft-dev\"\ncluster = \"fft-dev\"\necr_repository = \"fft/app\"\n\
             ecr_keep_images = 3\n{extra}"
        ),
    );
}

fn seed(moto: &Moto) -> Value {
    project(moto, "");
    serde_json::from_str(&moto.python(SEED)).unwrap()
}

fn state(moto: &Moto) -> Value {
    serde_json::from_str(&moto.python(STATE)).unwrap()
}

fn run(moto: &Moto, args: &[&str]) -> (i32, Value, String) {
    let out = moto
        .cmd(BIN)
        .args(["--snapshot-age", "0", "--keep-revisions", "2", "-o", "json"])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json, stderr)
}

fn ids(report: &Value, key: &str) -> BTreeSet<String> {
    report[key]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["action"] != "report")
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn s(v: &Value) -> String {
    v.as_str().unwrap().to_string()
}

/// What the seeded account should yield, in scope.
fn expected(seeded: &Value) -> BTreeSet<String> {
    let rev = |i: usize| s(&seeded["revisions"][i]);
    let digest = |n: &str| format!("fft/app@{}", s(&seeded["digests"][n]));
    [
        s(&seeded["eip_idle"]),
        s(&seeded["eni_free"]),
        s(&seeded["vol_free"]),
        s(&seeded["snap"]),
        // 8 and 7 are the newest two; 4 runs and 3 is its rollback target.
        rev(5),
        rev(4),
        rev(1),
        rev(0),
        // Untagged; and tagged beyond the newest 3 (v8, v7, v6) that no kept revision
        // uses: v5 (revision 6 is deregistered) and v2, v1; v4 and v3 are in use.
        format!("fft/app@{}", s(&seeded["untagged_digest"])),
        digest("5"),
        digest("2"),
        digest("1"),
        "/ecs/fft-dev/old-service".into(),
        "/ecs/fft-dev/app-service".into(),
    ]
    .into_iter()
    .collect()
}

#[test]
fn the_dry_run_finds_exactly_the_unused_items_in_scope_and_changes_nothing() {
    let moto = Moto::start();
    let seeded = seed(&moto);
    let before = state(&moto);

    let (code, report, stderr) = run(&moto, &["--dry-run"]);
    assert_eq!(code, 8, "found something: exit 8\n{stderr}");
    assert_eq!(ids(&report, "findings"), expected(&seeded), "{report:#}");
    assert_eq!(report["mode"], "dry-run");
    assert_eq!(report["account"], ACCOUNT);
    assert!(
        stderr.contains("account 123456789012 (no alias), region us-east-1, environment dev"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    // 0.005 $/h x 730 h for the idle address; 10 GiB gp3 x 0.08; the rest is tiny.
    let monthly = report["monthly_usd"].as_f64().unwrap();
    assert!(monthly > 3.65 + 0.8 && monthly < 5.0, "{monthly}");
    let retention = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "/ecs/fft-dev/app-service")
        .unwrap();
    assert_eq!(retention["action"], "set-retention");
    assert_eq!(
        retention["monthly_usd"],
        Value::Null,
        "not priced, never $0"
    );
    assert_eq!(state(&moto), before, "a dry run changes nothing");
}

#[test]
fn apply_yes_removes_the_unused_items_and_nothing_out_of_scope() {
    let moto = Moto::start();
    let seeded = seed(&moto);
    let (code, report, stderr) = run(&moto, &["--apply", "--yes"]);
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    let outcomes: BTreeSet<String> = report["applied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| s(&a["outcome"]))
        .collect();
    assert_eq!(outcomes, ["done".to_string()].into(), "{report:#}");

    let after = state(&moto);
    let has = |key: &str, id: &Value| after[key].as_array().unwrap().contains(id);
    assert!(
        !has("eips", &seeded["eip_idle"]),
        "the idle address is released"
    );
    for kept in ["eip_used", "eip_prod", "eip_untagged"] {
        assert!(
            has("eips", &seeded[kept]),
            "{kept} is out of scope or in use"
        );
    }
    assert!(!has("enis", &seeded["eni_free"]));
    assert!(
        has("enis", &seeded["eni_other_vpc"]),
        "another VPC's interface"
    );
    assert!(!has("volumes", &seeded["vol_free"]));
    assert!(has("volumes", &seeded["vol_prod"]));
    assert!(!has("snapshots", &seeded["snap"]));
    assert!(has("snapshots", &seeded["snap_prod"]));
    let rev = |i: usize| &seeded["revisions"][i];
    for i in [2, 3, 6, 7] {
        assert!(has("active", rev(i)), "revision {} must stay ACTIVE", i + 1);
    }
    for i in [0, 1, 4, 5] {
        assert!(!has("active", rev(i)), "revision {} is deregistered", i + 1);
    }
    let other_family = after["active"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a.as_str().unwrap().contains("other-app"))
        .count();
    assert_eq!(other_family, 8, "another family is out of scope");
    assert_eq!(after["images"].as_array().unwrap().len(), 5, "{after:#}");
    let logs: Vec<(String, Value)> = after["logs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (s(&g[0]), g[1].clone()))
        .collect();
    assert_eq!(
        logs,
        [
            ("/ecs/fft-dev/app-service".to_string(), Value::from(30)),
            ("/ecs/fft-prod/app-service".to_string(), Value::Null),
        ]
    );

    // Nothing is left to clean up: exit 0.
    let (code, report, stderr) = run(&moto, &["--dry-run"]);
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    assert!(ids(&report, "findings").is_empty(), "{report:#}");
}

#[test]
fn a_plan_is_applied_exactly_after_a_re_check_and_never_wider() {
    let moto = Moto::start();
    let seeded = seed(&moto);
    let plan = moto.dir().join("plan.json");
    let (code, _, stderr) = run(&moto, &["--plan-out", plan.to_str().unwrap()]);
    assert_eq!(code, 8, "{stderr}");

    // After the dry run: a new idle address appears (not in the plan: must stay), and
    // the planned volume is re-tagged to another environment (out of scope: must stay).
    let new_eip = moto.python(
        "import boto3; print(boto3.client('ec2').allocate_address(Domain='vpc', TagSpecifications=[{'ResourceType': 'elastic-ip', 'Tags': [{'Key': 'project', 'Value': 'fft'}, {'Key': 'environment', 'Value': 'dev'}]}])['AllocationId'])",
    );
    moto.python(&format!(
        "import boto3; boto3.client('ec2').create_tags(Resources=['{}'], Tags=[{{'Key': 'environment', 'Value': 'prod'}}])",
        s(&seeded["vol_free"])
    ));

    let (code, report, stderr) = run(
        &moto,
        &["--apply", "--yes", "--plan-in", plan.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    let applied = report["applied"].as_array().unwrap();
    assert_eq!(applied.len(), expected(&seeded).len());
    let kept: Vec<&str> = applied
        .iter()
        .filter(|a| a["outcome"] == "kept")
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(kept, [seeded["vol_free"].as_str().unwrap()]);

    let after = state(&moto);
    let eips = after["eips"].as_array().unwrap();
    assert!(
        eips.contains(&Value::from(new_eip.trim())),
        "not in the plan: untouched"
    );
    assert!(!eips.contains(&seeded["eip_idle"]));
    assert!(
        after["volumes"]
            .as_array()
            .unwrap()
            .contains(&seeded["vol_free"])
    );
}

#[test]
fn the_account_guard_and_the_confirmation_refuse_before_anything_changes() {
    let moto = Moto::start();
    seed(&moto);
    moto.python("import boto3; boto3.client('iam').create_account_alias(AccountAlias='acme-prod')");
    let before = state(&moto);

    let (code, _, stderr) = run(&moto, &["--apply", "--yes"]);
    assert_eq!(code, 6, "{stderr}");
    assert!(
        stderr.contains("\"acme-prod\" contains \"prod\""),
        "{stderr}"
    );
    assert!(stderr.contains("--allow-account 123456789012"), "{stderr}");
    let (code, _, stderr) = run(
        &moto,
        &["--apply", "--yes", "--allow-account", "210987654321"],
    );
    assert_eq!(code, 6, "{stderr}");
    // No terminal and no --yes: refused too.
    let (code, _, stderr) = run(&moto, &["--apply", "--allow-account", ACCOUNT]);
    assert_eq!(code, 6, "{stderr}");
    assert!(stderr.contains("no terminal"), "{stderr}");
    assert_eq!(state(&moto), before);

    let (code, _, stderr) = run(&moto, &["--apply", "--yes", "--allow-account", ACCOUNT]);
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn a_protected_environment_needs_the_account_named() {
    let moto = Moto::start();
    seed(&moto);
    project(&moto, "protected = true\n");
    let (code, _, stderr) = run(&moto, &["--apply", "--yes"]);
    assert_eq!(code, 6, "{stderr}");
    assert!(stderr.contains("protected"), "{stderr}");
}

#[test]
fn bad_plans_and_outputs_are_refused_before_any_request() {
    let moto = Moto::start();
    seed(&moto);
    let plan = moto.dir().join("plan.json");
    let (code, _, stderr) = run(&moto, &["--plan-out", plan.to_str().unwrap()]);
    assert_eq!(code, 8, "{stderr}");
    let text = std::fs::read_to_string(&plan).unwrap();

    let other = moto.write_file("other.json", &text.replace(ACCOUNT, "210987654321"));
    let (code, _, stderr) = run(
        &moto,
        &["--apply", "--yes", "--plan-in", other.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("made for account 210987654321"), "{stderr}");

    // An edited plan with a wider scope is refused, before anything is deleted.
    let wider = moto.write_file(
        "wider.json",
        &text.replace("\"environment\": \"dev\"", "\"environment\": \"prod\""),
    );
    let (code, _, stderr) = run(
        &moto,
        &["--apply", "--yes", "--plan-in", wider.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is not this environment's"), "{stderr}");
    let mut other_vpc: serde_json::Value = serde_json::from_str(&text).unwrap();
    other_vpc["scope"]["vpc_id"] = Value::from("vpc-0123456789abcdef0");
    let other_vpc = moto.write_file("vpc.json", &other_vpc.to_string());
    let (code, _, stderr) = run(
        &moto,
        &["--apply", "--yes", "--plan-in", other_vpc.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("the plan's VPC vpc-0123456789abcdef0"),
        "{stderr}"
    );

    let dir = moto.dir().to_str().unwrap().to_string();
    for args in [
        vec!["--apply", "--yes", "--plan-in", "/dev/zero"],
        vec!["--apply", "--yes", "--plan-in", dir.as_str()],
        vec!["--plan-out", dir.as_str()],
        vec!["--plan-out", "/dev/null"],
        vec!["--plan-out", "/nonexistent/dir/plan.json"],
        vec!["--plan-in", "x.json"],
        vec!["--retention-days", "31"],
        vec!["--keep-revisions", "0"],
        vec!["--keep-images", "-1"],
        vec!["--allow-account", "12345"],
        vec!["--vpc-id", "vpc-zz"],
        vec!["--tag", "=x"],
        vec!["--dry-run", "--apply"],
    ] {
        let (code, _, stderr) = run(&moto, &args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let truncated = moto.write_file("cut.json", &text[..text.len() / 2]);
    let (code, _, stderr) = run(
        &moto,
        &["--apply", "--yes", "--plan-in", truncated.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn the_documented_line_prints_a_table_grouped_by_type() {
    let moto = Moto::start();
    seed(&moto);
    let out = moto
        .cmd(BIN)
        .args(["--dry-run", "--snapshot-age", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(8));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for label in [
        "Elastic IPs",
        "Network interfaces",
        "EBS volumes",
        "EBS snapshots",
        "Task definition revisions",
        "ECR images",
        "Log groups",
        "$3.65",
        "not priced",
        "set retention 30d",
    ] {
        assert!(stdout.contains(label), "{label}:\n{stdout}");
    }
}

#[test]
fn cleanup_survives_hostile_environments() {
    let moto = Moto::start();
    seed(&moto);
    let before = state(&moto);
    test_support::hostile::assert_survives("cleanup-unused-resources", || {
        let mut c = moto.cmd(BIN);
        c.args(["--apply", "--yes"]);
        c
    });
    assert_eq!(
        state(&moto),
        before,
        "nothing changed under a hostile environment"
    );
}

/// An environment whose name prefix extends dev's (`fft-dev-eu`), in its own cluster,
/// running an old revision (a circuit breaker rolled back): dev's cleanup must not
/// touch any of its revisions (red team round 3, item 1).
#[test]
fn another_environment_whose_prefix_extends_this_one_is_left_alone() {
    let moto = Moto::start();
    project(
        &moto,
        "[environments.dev-eu]\nregion = \"us-east-1\"\nname_prefix = \"fft-dev-eu\"\ncluster = \"fft-dev-eu\"\n",
    );
    let eu: Vec<String> = serde_json::from_str(&moto.python(
        r#"
import boto3, json
ecs = boto3.client('ecs')
boto3.client('ecr').create_repository(repositoryName='fft/app')
def td(f): return ecs.register_task_definition(family=f, containerDefinitions=[{'name': 'app', 'image': 'nginx:latest', 'memory': 512}])['taskDefinition']['taskDefinitionArn']
ecs.create_cluster(clusterName='fft-dev')
dev = [td('fft-dev-app-service') for _ in range(2)]
ecs.create_service(cluster='fft-dev', serviceName='app-service', taskDefinition=dev[-1], desiredCount=0)
ecs.create_cluster(clusterName='fft-dev-eu')
eu = [td('fft-dev-eu-app-service') for _ in range(8)]
ecs.create_service(cluster='fft-dev-eu', serviceName='app-service', taskDefinition=eu[1], desiredCount=0)
print(json.dumps(eu))
"#,
    ))
    .unwrap();
    let (code, report, stderr) = run(&moto, &["--apply", "--yes"]);
    assert!(code == 0 || code == 8, "{stderr}\n{report:#}");
    let touched = ids(&report, "findings");
    assert!(
        eu.iter().all(|arn| !touched.contains(arn)),
        "dev's cleanup reached into dev-eu: {touched:?}"
    );
    let active = state(&moto)["active"].clone();
    for arn in &eu {
        assert!(
            active
                .as_array()
                .unwrap()
                .contains(&Value::from(arn.as_str())),
            "{arn} was deregistered"
        );
    }
}

/// The repository is shared: the image behind another environment's rollback target
/// stays, though this environment's rules would delete it (item 6).
#[test]
fn the_image_of_another_environments_rollback_target_is_kept() {
    let moto = Moto::start();
    let seeded = seed(&moto);
    moto.python(
        r#"
import boto3
ecs = boto3.client('ecs'); ecr = boto3.client('ecr')
repo = ecr.describe_repositories(repositoryNames=['fft/app'])['repositories'][0]['repositoryUri']
ecs.create_cluster(clusterName='fft-staging')
a = [ecs.register_task_definition(family='fft-staging-app-service', containerDefinitions=[{'name': 'app', 'image': repo + ':v%d' % n, 'memory': 512}])['taskDefinition']['taskDefinitionArn'] for n in (1, 2)]
ecs.create_service(cluster='fft-staging', serviceName='app-service', taskDefinition=a[1], desiredCount=0)
"#,
    );
    let (code, report, stderr) = run(&moto, &["--apply", "--yes"]);
    assert_eq!(code, 0, "{stderr}\n{report:#}");
    let images = state(&moto)["images"].clone();
    for n in ["1", "2"] {
        assert!(
            images.as_array().unwrap().contains(&seeded["digests"][n]),
            "v{n} (staging runs it or rolls back to it) was deleted"
        );
    }
    // Dev's own unused image beyond the keep window still goes.
    assert!(!images.as_array().unwrap().contains(&seeded["digests"]["5"]));
}

/// A plan whose rules were edited (or differ from this run's flags) is refused
/// before anything changes (item 5).
#[test]
fn a_plan_with_edited_rules_is_refused() {
    let moto = Moto::start();
    seed(&moto);
    let plan = moto.dir().join("plan.json");
    let (code, _, stderr) = run(&moto, &["--plan-out", plan.to_str().unwrap()]);
    assert_eq!(code, 8, "{stderr}");
    let before = state(&moto);
    let mut p: Value = serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    p["scope"]["rules"]["keep_revisions"] = Value::from(0);
    p["scope"]["rules"]["retention_days"] = Value::from(1);
    let edited = moto.dir().join("edited.json");
    std::fs::write(&edited, serde_json::to_string(&p).unwrap()).unwrap();
    let (code, _, stderr) = run(
        &moto,
        &["--apply", "--yes", "--plan-in", edited.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("the plan's rules"), "{stderr}");
    assert_eq!(state(&moto), before, "nothing changed");
    // The untouched plan with other flags than the dry run's is refused too.
    let out = moto
        .cmd(BIN)
        .args([
            "--snapshot-age",
            "0",
            "--keep-revisions",
            "3",
            "--apply",
            "--yes",
        ])
        .args(["--plan-in", plan.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(state(&moto), before, "nothing changed");
}

/// Issue 25: an environment the spend cap stopped is said to be stopped, and what
/// `ecs-scale resume` needs (the service's revision, its rollback target, their
/// images) is kept exactly as for a running one. A record that is not the guard's
/// String is shown as unreadable, never trusted.
#[test]
fn a_capped_environment_is_said_so_and_what_resume_needs_is_kept() {
    let moto = Moto::start();
    let seeded = seed(&moto);
    let (code, report, stderr) = run(&moto, &["--dry-run"]);
    assert_eq!(code, 8, "{stderr}");
    assert_eq!(report["spend_cap"]["capped"], false, "{report:#}");
    assert!(!stderr.contains("spend cap"), "{stderr}");

    let record = r#"{"version": 1, "capped_at": "2026-12-01T08:00:00Z", "cap_usd": "20", "reason": "ACTUAL", "cluster": "fft-dev", "services": {"app-service": {"desired": 1, "min": 1, "max": 2}}, "http_api": null}"#;
    moto.python(&format!(
        "import boto3\nboto3.client('ssm').put_parameter(Name='/fft-dev/cost-guard/state', Type='String', Value={record:?})\nprint('ok')"
    ));
    let (code, report, stderr) = run(&moto, &["--dry-run"]);
    assert_eq!(code, 8, "{stderr}");
    assert!(
        stderr.contains(
            "environment dev is stopped by its spend cap since 2026-12-01T08:00:00Z (cap $20)"
        ) && stderr.contains("kept for `ecs-scale resume`"),
        "{stderr}"
    );
    assert_eq!(report["spend_cap"]["capped"], true, "{report:#}");
    assert_eq!(report["spend_cap"]["services"]["app-service"]["desired"], 1);
    assert_eq!(
        ids(&report, "findings"),
        expected(&seeded),
        "the stopped service's revision 4, its rollback target 3 and images v4, v3 are kept"
    );

    moto.python(
        "import boto3\nssm = boto3.client('ssm')\nssm.delete_parameter(Name='/fft-dev/cost-guard/state')\nssm.put_parameter(Name='/fft-dev/cost-guard/state', Type='SecureString', Value='x')\nprint('ok')",
    );
    let (code, report, stderr) = run(&moto, &["--dry-run"]);
    assert_eq!(code, 8, "{stderr}");
    assert!(report["spend_cap"]["capped"].is_null(), "{report:#}");
    assert!(
        stderr.contains("possibly stopped by its spend cap") && stderr.contains("SecureString"),
        "{stderr}"
    );
}
