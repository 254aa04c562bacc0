//! Cost rules and conventions of terraform/, checked statically on every CI run.

use stack_checks::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tree() -> Vec<TfFile> {
    load_tree(&repo().join("terraform")).expect("terraform/ parses as HCL")
}

fn rel(p: &Path) -> String {
    p.strip_prefix(repo()).unwrap_or(p).display().to_string()
}

fn resources<'a>(files: &'a [TfFile], kind: &'a str) -> Vec<(&'a TfFile, &'a hcl::Block)> {
    files
        .iter()
        .flat_map(|f| blocks(f, "resource").map(move |b| (f, b)))
        .filter(|(_, b)| labels(b).first() == Some(&kind))
        .collect()
}

/// Module calls whose source ends with `modules/<name>`.
fn module_calls<'a>(files: &'a [TfFile], name: &str) -> Vec<(&'a TfFile, &'a hcl::Block)> {
    let suffix = format!("modules/{name}");
    files
        .iter()
        .flat_map(|f| blocks(f, "module").map(move |b| (f, b)))
        .filter(|(_, b)| {
            matches!(attr(b, "source"), Some(hcl::Expression::String(s)) if s.ends_with(&suffix))
        })
        .collect()
}

fn module_dir(name: &str) -> PathBuf {
    repo().join("terraform/modules").join(name)
}

#[test]
fn no_nat_gateway_anywhere() {
    let files = tree();
    for kind in ["aws_nat_gateway", "aws_eip"] {
        let found = resources(&files, kind);
        assert!(
            found.is_empty(),
            "{kind} costs money every hour ($32.85/month for a NAT gateway, $3.65 per IPv4): {:?}",
            found.iter().map(|(f, _)| rel(&f.path)).collect::<Vec<_>>()
        );
    }
}

#[test]
fn no_interface_vpc_endpoints() {
    let files = tree();
    for (f, b) in resources(&files, "aws_vpc_endpoint") {
        let kind =
            attr(b, "vpc_endpoint_type").and_then(|e| resolve_string(e, &Default::default()));
        assert_eq!(
            kind.as_deref(),
            Some("Gateway"),
            "{}: interface endpoints cost $7.30/month per AZ; only free gateway endpoints are allowed",
            rel(&f.path)
        );
    }
}

#[test]
fn container_insights_off_by_default_and_nowhere_enabled() {
    let files = tree();
    let defaults = variable_defaults(&files, &module_dir("ecs-cluster"));
    assert_eq!(
        defaults.get("container_insights"),
        Some(&hcl::Expression::Bool(false)),
        "ecs-cluster must default container_insights to false (billed as custom metrics)"
    );
    for (f, call) in module_calls(&files, "ecs-cluster") {
        if let Some(e) = attr(call, "container_insights") {
            assert_eq!(
                e,
                &hcl::Expression::Bool(false),
                "{} enables Container Insights",
                rel(&f.path)
            );
        }
    }
}

#[test]
fn log_retention_is_at_most_seven_days_and_never_infinite() {
    let files = tree();
    for (f, b) in resources(&files, "aws_cloudwatch_log_group") {
        assert!(
            attr(b, "retention_in_days").is_some(),
            "{}: a log group without retention_in_days never expires",
            rel(&f.path)
        );
    }
    let defaults = variable_defaults(&files, &module_dir("ecs-service"));
    let default = defaults
        .get("log_retention_days")
        .and_then(|e| resolve_number(e, &defaults))
        .expect("ecs-service declares log_retention_days with a default");
    assert!(default <= 7.0, "default log retention is {default} days");
    for (f, call) in module_calls(&files, "ecs-service") {
        let dir = f.path.parent().expect("dir");
        let env_defaults = variable_defaults(&files, dir);
        let days = attr(call, "log_retention_days")
            .map(|e| resolve_number(e, &env_defaults).expect("literal or var with default"))
            .unwrap_or(default);
        assert!(
            days > 0.0 && days <= 7.0,
            "{}: log retention {days} days",
            rel(&f.path)
        );
    }
}

#[test]
fn rds_rejects_engine_versions_in_extended_support() {
    let files = tree();
    let vars = files
        .iter()
        .find(|f| f.path.ends_with("modules/rds/variables.tf"))
        .expect("modules/rds/variables.tf");
    let engine = blocks(vars, "variable")
        .find(|b| labels(b) == ["engine_version"])
        .expect("engine_version variable");
    let validation = nested(engine, "validation")
        .next()
        .expect("a validation block");
    let condition =
        hcl::format::to_string(attr(validation, "condition").expect("condition")).expect("format");
    let pattern = regex::Regex::new(r#"regex\("((?:[^"\\]|\\.)*)""#)
        .expect("re")
        .captures(&condition)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().replace("\\\\", "\\"))
        .expect("the condition uses regex(\"...\")");
    let re = regex::Regex::new(&pattern).expect("the validation regex compiles");
    for bad in ["13", "13.20", "14", "14.15", "12.22", "11"] {
        assert!(
            !re.is_match(bad),
            "engine_version {bad} (Extended Support) must be rejected"
        );
    }
    for good in ["16", "17", "17.6", "16.10"] {
        assert!(re.is_match(good), "engine_version {good} must be accepted");
    }
    // And every actual use of the module picks a supported version.
    for (f, call) in module_calls(&files, "rds") {
        if let Some(v) = attr(call, "engine_version") {
            let dir = f.path.parent().expect("dir");
            let v = resolve_string(v, &variable_defaults(&files, dir)).expect("literal version");
            assert!(re.is_match(&v), "{} uses PostgreSQL {v}", rel(&f.path));
        }
    }
}

#[test]
fn task_sizes_are_valid_fargate_combinations() {
    let files = tree();
    let module_defaults = variable_defaults(&files, &module_dir("ecs-service"));
    let calls = module_calls(&files, "ecs-service");
    assert!(
        !calls.is_empty(),
        "an environment uses the ecs-service module"
    );
    for (f, call) in calls {
        let env_defaults = variable_defaults(&files, f.path.parent().expect("dir"));
        let get = |key: &str| {
            attr(call, key)
                .map(|e| resolve_number(e, &env_defaults).expect("resolvable"))
                .or_else(|| {
                    module_defaults
                        .get(key)
                        .and_then(|e| resolve_number(e, &module_defaults))
                })
                .expect("cpu/memory resolvable")
        };
        let (cpu, memory) = (get("cpu") as u32, get("memory") as u32);
        assert!(
            fargate_memory_options(cpu).contains(&memory),
            "{}: {cpu} CPU / {memory} MiB is not a Fargate size",
            rel(&f.path)
        );
        assert!(
            cpu <= 512,
            "{}: dev tasks larger than 0.5 vCPU are oversized",
            rel(&f.path)
        );
    }
}

#[test]
fn alarms_stay_within_the_ten_free() {
    let files = tree();
    let monitoring = files
        .iter()
        .find(|f| f.path.ends_with("modules/monitoring/main.tf"))
        .expect("monitoring module");
    // Count alarm definitions: entries with a `metric = ` line inside the locals maps.
    let defined = monitoring.text.matches("\n      metric      =").count();
    assert!(
        defined > 0 && defined <= 10,
        "{defined} alarms defined; at most 10 are free"
    );
}

#[test]
fn every_module_follows_the_layout() {
    let modules = repo().join("terraform/modules");
    let mut seen = 0;
    for entry in std::fs::read_dir(&modules).expect("modules dir") {
        let dir = entry.expect("entry").path();
        for file in [
            "main.tf",
            "variables.tf",
            "outputs.tf",
            "versions.tf",
            "README.md",
        ] {
            assert!(dir.join(file).is_file(), "{} lacks {file}", rel(&dir));
        }
        seen += 1;
    }
    assert!(
        seen >= 7,
        "expected the vpc, alb, ecs-cluster, ecs-service, rds, dynamodb, monitoring modules"
    );
}

#[test]
fn every_variable_and_output_is_typed_and_described() {
    for f in &tree() {
        for v in blocks(f, "variable") {
            let name = labels(v).join(".");
            assert!(
                attr(v, "description").is_some(),
                "{}: variable {name} has no description",
                rel(&f.path)
            );
            assert!(
                attr(v, "type").is_some(),
                "{}: variable {name} has no type",
                rel(&f.path)
            );
        }
        for o in blocks(f, "output") {
            let name = labels(o).join(".");
            assert!(
                attr(o, "description").is_some(),
                "{}: output {name} has no description",
                rel(&f.path)
            );
        }
    }
}

#[test]
fn roots_tag_everything_through_default_tags() {
    let files = tree();
    let providers: Vec<_> = files
        .iter()
        .flat_map(|f| blocks(f, "provider").map(move |b| (f, b)))
        .collect();
    assert!(
        providers.len() >= 2,
        "global/ and environments/dev configure the provider"
    );
    for (f, p) in providers {
        let tags = nested(p, "default_tags")
            .next()
            .expect("default_tags block");
        let text = hcl::format::to_string(attr(tags, "tags").expect("tags")).expect("fmt");
        for key in [
            "project",
            "environment",
            "owner",
            "cost-center",
            "managed-by",
        ] {
            assert!(
                text.contains(key),
                "{}: default_tags lacks {key}",
                rel(&f.path)
            );
        }
    }
}

#[test]
fn state_backend_uses_native_s3_locking() {
    for f in &tree() {
        if f.text.contains("dynamodb_table") && f.text.contains("backend") {
            panic!(
                "{}: use use_lockfile = true, dynamodb_table locking is deprecated",
                rel(&f.path)
            );
        }
        for t in blocks(f, "terraform") {
            for backend in nested(t, "backend") {
                assert_eq!(
                    attr(backend, "use_lockfile"),
                    Some(&hcl::Expression::Bool(true)),
                    "{}: S3 backend without use_lockfile",
                    rel(&f.path)
                );
            }
        }
    }
}

#[test]
fn no_secrets_manager_by_default() {
    let files = tree();
    assert!(
        resources(&files, "aws_secretsmanager_secret").is_empty(),
        "Secrets Manager costs $0.40 per secret-month; use SSM Parameter Store SecureString"
    );
    for (f, b) in resources(&files, "aws_db_instance") {
        assert!(
            attr(b, "manage_master_user_password").is_none(),
            "{}: manage_master_user_password creates a Secrets Manager secret ($0.40/month)",
            rel(&f.path)
        );
    }
}

#[test]
fn every_checkov_skip_states_a_reason_and_is_documented() {
    let doc = std::fs::read_to_string(repo().join("docs/security/checkov-skips.md"))
        .expect("docs/security/checkov-skips.md lists the skips");
    let re = regex::Regex::new(r"checkov:skip=([A-Z0-9_]+):?\s*(.*)").expect("re");
    let mut documented = BTreeSet::new();
    for f in &tree() {
        for caps in re.captures_iter(&f.text) {
            let (id, reason) = (&caps[1], caps[2].trim());
            assert!(
                reason.len() >= 20,
                "{}: skip of {id} needs a reason (the cost or risk trade-off)",
                rel(&f.path)
            );
            let module = rel(f.path.parent().expect("dir"));
            let key = format!("| {id} | {module} |");
            assert!(
                doc.contains(&key),
                "docs/security/checkov-skips.md lacks the row starting `{key}`"
            );
            documented.insert(key);
        }
    }
    assert!(!documented.is_empty());
}

#[test]
fn parameter_path_prefix_is_the_tools_default_everywhere() {
    // The IAM policies of terraform/global grant PREFIX/ENV/*; the tools read
    // /app/ENV when fargate.toml says nothing: one value, held equal here.
    let files = tree();
    let mut seen = Vec::new();
    for f in &files {
        for b in blocks(f, "variable").filter(|b| labels(b) == ["parameter_path_prefix"]) {
            let default = match attr(b, "default") {
                Some(hcl::Expression::String(s)) => s.clone(),
                other => panic!("{}: parameter_path_prefix default {other:?}", rel(&f.path)),
            };
            assert_eq!(
                default,
                aws_core::config::DEFAULT_PARAMETER_PREFIX,
                "{}",
                rel(&f.path)
            );
            seen.push(rel(&f.path));
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        [
            "terraform/environments/dev/variables.tf",
            "terraform/global/variables.tf"
        ]
    );
    for f in &files {
        let text = std::fs::read_to_string(&f.path).expect("read");
        assert!(
            !text.contains("parameter/app/") && !text.contains("\"/app/${"),
            "{}: a hard-coded /app/ path; use parameter_path_prefix",
            rel(&f.path)
        );
    }
}

/// Issue 12: with the HTTP API ingress (the dev default) there is no ALB billing 24x7,
/// and the Cloud Map service that API Gateway routes to is the one ECS keeps healthy.
#[test]
fn dev_uses_the_http_api_without_an_alb_and_cloud_map_knows_task_health() {
    let files = tree();
    let dev_vars = files
        .iter()
        .find(|f| f.path.ends_with("environments/dev/variables.tf"))
        .expect("dev variables");
    let ingress = blocks(dev_vars, "variable")
        .find(|b| labels(b).first() == Some(&"ingress"))
        .expect("variable ingress");
    assert!(
        matches!(attr(ingress, "default"), Some(hcl::Expression::String(s)) if s == "http-api"),
        "the dev default ingress is the HTTP API"
    );
    let albs = module_calls(&files, "alb");
    assert!(!albs.is_empty());
    for (f, b) in albs {
        assert!(
            attr(b, "count").is_some(),
            "{}: the ALB must be optional (count on var.ingress)",
            rel(&f.path)
        );
    }
    let ingress_module = files
        .iter()
        .find(|f| f.path.ends_with("modules/http-api-ingress/main.tf"))
        .expect("http-api-ingress module");
    let (_, service) = resources(
        std::slice::from_ref(ingress_module),
        "aws_service_discovery_service",
    )
    .into_iter()
    .next()
    .expect("a Cloud Map service");
    assert!(
        service
            .body()
            .blocks()
            .any(|b| b.identifier() == "health_check_custom_config"),
        "without health_check_custom_config, unhealthy tasks keep receiving traffic"
    );
    assert!(
        ingress_module.text.contains("type = \"SRV\""),
        "the HTTP API integration needs SRV records"
    );
    let (_, stage) = resources(
        std::slice::from_ref(ingress_module),
        "aws_apigatewayv2_stage",
    )
    .into_iter()
    .next()
    .expect("a stage");
    assert!(
        matches!(attr(stage, "name"), Some(hcl::Expression::String(s)) if s == "$default"),
        "a named stage is prepended to every path the app receives"
    );
}

#[test]
fn the_cost_guard_ships_exactly_its_reviewed_source_and_dev_has_a_cap() {
    // Terraform deploys guard.zip as it is: it must be what guard.py makes.
    let out = std::process::Command::new("python3")
        .arg(module_dir("cost-guard").join("build_zip.py"))
        .arg("--check")
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The dev environment has a spend cap unless its owner turns it off.
    let files = tree();
    let cap = files
        .iter()
        .filter(|f| rel(&f.path).starts_with("terraform/environments/dev"))
        .flat_map(|f| blocks(f, "variable"))
        .find(|b| labels(b) == ["spend_cap_usd"])
        .expect("dev declares spend_cap_usd");
    assert!(
        matches!(attr(cap, "default"), Some(hcl::Expression::Number(n)) if n.as_f64().is_some_and(|v| v > 0.0)),
        "spend_cap_usd defaults to an amount"
    );
    assert_eq!(module_calls(&files, "cost-guard").len(), 1);
}
