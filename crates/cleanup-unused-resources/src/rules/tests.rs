use super::*;
use crate::scope::Scope;
use std::collections::BTreeMap;

fn scope() -> Scope {
    crate::scope::test_scope()
}

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ours() -> BTreeMap<String, String> {
    tags(&[("project", "fft"), ("environment", "dev")])
}

fn theirs() -> BTreeMap<String, String> {
    tags(&[("project", "fft"), ("environment", "prod")])
}

fn prices() -> Prices {
    Prices::new("us-east-1")
}

fn address(id: &str, tags: BTreeMap<String, String>, eni: Option<&str>) -> Address {
    Address {
        allocation_id: id.into(),
        public_ip: "192.0.2.1".into(),
        association_id: eni.map(|_| "eipassoc-1".into()),
        network_interface_id: eni.map(str::to_string),
        instance_id: None,
        tags,
    }
}

#[test]
fn only_idle_addresses_in_scope_are_found_and_priced_by_the_hour() {
    let found = elastic_ips(
        &scope(),
        &[
            address("eip-idle", ours(), None),
            address("eip-used", ours(), Some("eni-1")),
            address("eip-prod", theirs(), None),
            address("eip-untagged", BTreeMap::new(), None),
        ],
        &prices(),
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, "eip-idle");
    assert_eq!(found[0].action, Action::Release);
    // 0.005 $/h x 730 h
    assert!((found[0].monthly_usd.expect("priced") - 3.65).abs() < 1e-9);
}

#[test]
fn prices_the_region_lacks_are_unpriced_never_zero() {
    let found = elastic_ips(
        &scope(),
        &[address("eip-idle", ours(), None)],
        &Prices::new("ap-south-2"),
    );
    assert_eq!(found[0].monthly_usd, None);
    assert!(
        found[0]
            .unpriced
            .as_deref()
            .unwrap_or_default()
            .contains("ap-south-2")
    );
}

fn eni(id: &str, vpc: &str, status: &str, managed: bool) -> NetworkInterface {
    NetworkInterface {
        id: id.into(),
        vpc_id: vpc.into(),
        subnet_id: "subnet-1".into(),
        status: status.into(),
        requester_managed: managed,
        interface_type: "interface".into(),
        description: String::new(),
        public_ip: None,
        tags: BTreeMap::new(),
    }
}

#[test]
fn interfaces_are_judged_by_vpc_and_never_when_managed_or_attached() {
    let mut with_ip = eni("eni-ip", "vpc-1", "available", false);
    with_ip.public_ip = Some("192.0.2.9".into());
    let mut nat = eni("eni-nat", "vpc-1", "available", false);
    nat.interface_type = "nat_gateway".into();
    let all = [
        eni("eni-free", "vpc-1", "available", false),
        eni("eni-busy", "vpc-1", "in-use", false),
        eni("eni-fargate", "vpc-1", "available", true),
        eni("eni-other-vpc", "vpc-2", "available", false),
        with_ip,
        nat,
    ];
    let (found, skipped) = network_interfaces(&scope(), &all, &prices());
    let ids: Vec<&str> = found.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["eni-free"]);
    assert_eq!(found[0].monthly_usd, Some(0.0));
    assert_eq!(skipped.len(), 1);
    assert!(
        skipped[0].reason.contains("$3.65/month"),
        "{:?}",
        skipped[0]
    );
    let no_vpc = Scope {
        vpc_id: None,
        ..scope()
    };
    assert_eq!(network_interfaces(&no_vpc, &all, &prices()).0, []);
}

fn volume(id: &str, kind: &str, state: &str, tags: BTreeMap<String, String>) -> Volume {
    Volume {
        id: id.into(),
        size_gib: 10,
        volume_type: kind.into(),
        state: state.into(),
        attachments: usize::from(state == "in-use"),
        create_time: String::new(),
        tags,
    }
}

#[test]
fn volumes_are_priced_by_type_or_left_unpriced() {
    let found = volumes(
        &scope(),
        &[
            volume("vol-gp3", "gp3", "available", ours()),
            volume("vol-io2", "io2", "available", ours()),
            volume("vol-used", "gp3", "in-use", ours()),
            volume("vol-prod", "gp3", "available", theirs()),
        ],
        &prices(),
    );
    let ids: Vec<&str> = found.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["vol-gp3", "vol-io2"]);
    assert!((found[0].monthly_usd.expect("priced") - 0.8).abs() < 1e-9);
    assert_eq!(found[1].monthly_usd, None);
}

#[test]
fn snapshots_need_age_and_no_ami() {
    let snap = |id: &str, start: &str, desc: &str| Snapshot {
        id: id.into(),
        volume_id: "vol-1".into(),
        state: "completed".into(),
        start_time: start.into(),
        volume_size_gib: 8,
        description: desc.into(),
        tags: ours(),
    };
    let now: jiff::Timestamp = "2026-11-28T00:00:00Z".parse().expect("time");
    let (found, skipped) = snapshots(
        &scope(),
        &[
            snap("snap-old", "2026-09-01T00:00:00.000Z", "backup"),
            snap("snap-new", "2026-11-20T00:00:00.000Z", "backup"),
            snap(
                "snap-ami",
                "2026-01-01T00:00:00.000Z",
                "Created by CreateImage(i-1) for ami-1",
            ),
            snap("snap-bad", "yesterday", ""),
        ],
        now,
        &prices(),
    );
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, "snap-old");
    assert!((found[0].monthly_usd.expect("priced") - 0.4).abs() < 1e-9);
    let skipped: Vec<&str> = skipped.iter().map(|s| s.what.as_str()).collect();
    assert_eq!(skipped, ["snap-ami", "snap-bad"]);
}

fn arn(rev: u32) -> String {
    format!("arn:aws:ecs:us-east-1:123456789012:task-definition/fft-dev-app-service:{rev}")
}

#[test]
fn revisions_in_use_and_their_rollback_targets_are_never_found() {
    let family = Family {
        name: "fft-dev-app-service".into(),
        revisions: (1..=8).rev().map(arn).collect(),
    };
    let other = Family {
        name: "someone-else".into(),
        revisions: (1..=5).rev().map(|r| format!("x:{r}")).collect(),
    };
    // The service runs revision 4 (a rollback happened); 8 and 7 are the newest two.
    let in_use: BTreeSet<String> = [arn(4)].into();
    let found = task_definitions(&scope(), &[family, other], &in_use);
    let ids: Vec<String> = found.iter().map(|f| f.id.clone()).collect();
    assert_eq!(ids, [arn(6), arn(5), arn(2), arn(1)]);
    assert!(found.iter().all(|f| f.action == Action::Deregister));
}

fn image(digest: &str, tags: &[&str], pushed: i64) -> Image {
    Image {
        digest: digest.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        pushed_at: pushed,
        size_bytes: Some(1024 * 1024 * 1024),
    }
}

#[test]
fn images_in_use_latest_and_the_newest_are_kept() {
    let images = [
        image("sha256:untagged", &[], 1),
        image("sha256:used-by-digest", &[], 2),
        image("sha256:v3", &["v3"], 30),
        image("sha256:v2", &["v2", "latest"], 20),
        image("sha256:v1", &["v1"], 10),
        image("sha256:v0", &["v0"], 5),
    ];
    let refs: BTreeSet<String> = [
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/fft/app@sha256:used-by-digest".to_string(),
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/fft/app:v0".to_string(),
    ]
    .into();
    let found = ecr_images(&scope(), "fft/app", &images, &refs, &prices());
    let ids: Vec<&str> = found.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["fft/app@sha256:untagged", "fft/app@sha256:v1"]);
    assert!((found[0].monthly_usd.expect("priced") - 0.10).abs() < 1e-9);

    // Pushed in the same second as the newest kept one: a tie is kept, not guessed.
    let tied = [image("sha256:a", &["a"], 7), image("sha256:b", &["b"], 7)];
    assert!(ecr_images(&scope(), "fft/app", &tied, &BTreeSet::new(), &prices()).is_empty());
}

#[test]
fn references_match_repository_tag_or_digest() {
    let img = image("sha256:abc", &["v1", "latest"], 0);
    assert!(refers_to("host/fft/app:v1", "fft/app", &img));
    assert!(
        refers_to("host:5000/fft/app", "fft/app", &img),
        "no tag means latest"
    );
    assert!(refers_to("fft/app@sha256:abc", "fft/app", &img));
    assert!(refers_to("host/fft/app:v9@sha256:abc", "fft/app", &img));
    assert!(!refers_to("host/other/app:v1", "fft/app", &img));
    assert!(!refers_to("host/xfft/app:v1", "fft/app", &img));
    assert!(!refers_to("host/fft/app:v2", "fft/app", &img));
    assert!(!refers_to("host/fft/app@sha256:def", "fft/app", &img));
}

#[test]
fn log_groups_of_gone_services_are_deleted_and_forever_ones_get_retention() {
    let group = |name: &str, retention: Option<u32>| LogGroup {
        name: name.into(),
        stored_bytes: Some(2 * 1024 * 1024 * 1024),
        retention_days: retention,
    };
    let groups = [
        group("/ecs/fft-dev/app-service", Some(7)),
        group("/ecs/fft-dev/old-service", Some(7)),
        group("/ecs/fft-dev/forever", None),
        group("/ecs/fft-prod/old", None),
    ];
    let services: BTreeSet<String> = ["app-service".to_string(), "forever".to_string()].into();
    let found = log_groups(&scope(), &groups, Some(&services), &prices());
    let got: Vec<(&str, Action)> = found.iter().map(|f| (f.id.as_str(), f.action)).collect();
    assert_eq!(
        got,
        [
            ("/ecs/fft-dev/old-service", Action::Delete),
            ("/ecs/fft-dev/forever", Action::SetRetention)
        ]
    );
    assert!((found[0].monthly_usd.expect("priced") - 0.06).abs() < 1e-9);
    assert_eq!(found[1].retention_days, Some(30));
    assert_eq!(
        found[1].monthly_usd, None,
        "a saving that depends on the future is not $0"
    );

    // Services unknown (no cluster): nothing is judged gone.
    let found = log_groups(&scope(), &groups, None, &prices());
    assert!(found.iter().all(|f| f.action == Action::SetRetention));
}
