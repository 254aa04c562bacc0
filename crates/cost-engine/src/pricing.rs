//! From resources to monthly cost lines. One function per priced resource type;
//! every line names its catalog entry and shows its arithmetic.

use crate::catalog::{Catalog, CatalogError};
use crate::date::{self, Date};
use crate::model::{Resource, Stack, as_f64};
use crate::schedule::{self, Action};
use crate::usage::Usage;
use serde::Serialize;

/// One priced dimension of one resource, per month, before free tier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub address: String,
    pub module: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub component: String,
    pub quantity: f64,
    pub unit: String,
    pub price_id: String,
    pub unit_price: f64,
    pub monthly: f64,
    /// The arithmetic, e.g. `217.26 task-h x 0.25 vCPU x $0.04048`.
    pub explain: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotPriced {
    pub address: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Priced {
    pub lines: Vec<Line>,
    pub not_priced: Vec<NotPriced>,
    /// Resources that cost nothing by themselves (VPC, subnets, IAM, ...).
    pub free_resources: usize,
    pub assumptions: Vec<String>,
}

/// Why a stack cannot be priced at all.
#[derive(Debug, thiserror::Error)]
pub enum PriceError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A value AWS would refuse (as `terraform plan` or the API would).
    #[error("{address}: {attribute} = {value}: {problem}")]
    Invalid {
        address: String,
        attribute: String,
        value: String,
        problem: String,
    },
}

/// A numeric attribute: `None` when not set (or not known statically); an error
/// when set to something AWS refuses (not a number, negative, a fraction where a
/// whole number is needed).
fn number(r: &Resource, key: &str, whole: bool) -> Result<Option<f64>, PriceError> {
    let Some(v) = r.get(key) else {
        return Ok(None);
    };
    let invalid = |problem: &str| PriceError::Invalid {
        address: r.address.clone(),
        attribute: key.to_string(),
        value: v.to_string(),
        problem: problem.to_string(),
    };
    let n = as_f64(v).ok_or_else(|| invalid("not a number"))?;
    if n < 0.0 {
        return Err(invalid("must not be negative"));
    }
    if whole && n.fract() != 0.0 {
        return Err(invalid("must be a whole number"));
    }
    Ok(Some(n))
}

/// Fargate task CPU in CPU units: `1024`, `"1024"` or `"1 vCPU"` (the API takes all).
fn cpu_units(r: &Resource) -> Result<Option<f64>, PriceError> {
    with_unit(r, "cpu", "vcpu")
}

/// Fargate task memory in MiB: `2048`, `"2048"` or `"2 GB"`.
fn memory_mib(r: &Resource) -> Result<Option<f64>, PriceError> {
    with_unit(r, "memory", "gb")
}

fn with_unit(r: &Resource, key: &str, unit: &str) -> Result<Option<f64>, PriceError> {
    if let Some(text) = r.str(key) {
        let lower = text.trim().to_ascii_lowercase();
        if let Some(n) = lower.strip_suffix(unit) {
            let n = n
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n > 0.0);
            return n
                .map(|n| Some(n * 1024.0))
                .ok_or_else(|| PriceError::Invalid {
                    address: r.address.clone(),
                    attribute: key.to_string(),
                    value: format!("\"{text}\""),
                    problem: "not a size".into(),
                });
        }
    }
    match number(r, key, false)? {
        Some(0.0) => Err(PriceError::Invalid {
            address: r.address.clone(),
            attribute: key.to_string(),
            value: "0".into(),
            problem: "must be more than 0".into(),
        }),
        other => Ok(other),
    }
}

/// Inputs that are not in the Terraform.
pub struct Inputs<'a> {
    pub catalog: &'a Catalog,
    pub usage: &'a Usage,
    pub region: &'a str,
    /// Date the support calendars are evaluated at.
    pub as_of: Date,
}

/// Resource types that have no charge of their own.
const NO_CHARGE: &[&str] = &[
    "aws_vpc",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_egress_only_internet_gateway",
    "aws_route_table",
    "aws_route",
    "aws_route_table_association",
    "aws_main_route_table_association",
    "aws_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_default_security_group",
    "aws_default_network_acl",
    "aws_default_route_table",
    "aws_network_acl",
    "aws_lb_target_group",
    "aws_lb_listener",
    "aws_lb_listener_rule",
    "aws_lb_target_group_attachment",
    "aws_alb_target_group",
    "aws_alb_listener",
    "aws_alb_listener_rule",
    "aws_alb_target_group_attachment",
    "aws_apigatewayv2_vpc_link",
    "aws_apigatewayv2_integration",
    "aws_apigatewayv2_route",
    "aws_apigatewayv2_stage",
    "aws_service_discovery_http_namespace",
    "aws_launch_template",
    "aws_key_pair",
    "aws_lambda_permission",
    "aws_lambda_alias",
    "aws_lambda_event_source_mapping",
    "aws_cloudwatch_log_subscription_filter",
    "aws_cloudwatch_log_resource_policy",
    "aws_secretsmanager_secret_version",
    "aws_network_interface",
    "aws_service_discovery_instance",
    "aws_ecs_capacity_provider",
    "aws_lb_listener_certificate",
    "aws_network_acl_rule",
    "aws_vpc_endpoint_route_table_association",
    "aws_default_vpc_dhcp_options",
    "aws_vpc_dhcp_options",
    "aws_vpc_dhcp_options_association",
    "aws_api_gateway_resource",
    "aws_api_gateway_method",
    "aws_api_gateway_method_response",
    "aws_api_gateway_method_settings",
    "aws_api_gateway_integration",
    "aws_api_gateway_integration_response",
    "aws_api_gateway_deployment",
    "aws_api_gateway_base_path_mapping",
    "aws_api_gateway_usage_plan",
    "aws_api_gateway_usage_plan_key",
    "aws_api_gateway_api_key",
    "aws_api_gateway_domain_name",
    "aws_api_gateway_vpc_link",
    "aws_api_gateway_model",
    "aws_api_gateway_request_validator",
    "aws_api_gateway_authorizer",
    "aws_api_gateway_gateway_response",
    "aws_api_gateway_account",
    "aws_api_gateway_rest_api_policy",
    "aws_ecs_cluster_capacity_providers",
    "aws_ecs_task_definition",
    "aws_appautoscaling_target",
    "aws_appautoscaling_scheduled_action",
    "aws_appautoscaling_policy",
    "aws_sns_topic",
    "aws_sns_topic_policy",
    "aws_sns_topic_subscription",
    "aws_budgets_budget",
    "aws_ecr_lifecycle_policy",
    "aws_ecr_repository_policy",
    "aws_db_subnet_group",
    "aws_db_parameter_group",
    "aws_db_option_group",
    "aws_kms_alias",
    "aws_acm_certificate",
    "aws_acm_certificate_validation",
    "aws_route53_record",
    "aws_cloudwatch_log_stream",
    "aws_cloudwatch_event_rule",
    "aws_cloudwatch_event_target",
    "aws_iam_openid_connect_provider",
    "aws_ecs_account_setting_default",
    "aws_flow_log",
];

/// Providers whose resources exist only in Terraform's state or on this machine.
const NOT_BILLED_PROVIDERS: &[&str] = &[
    "local_",
    "null_",
    "random_",
    "tls_",
    "time_",
    "terraform_data",
    "archive_",
    "template_",
];

/// A Lambda function: requests and GB-seconds from usage (the always-free 1 M requests
/// and 400,000 GB-seconds apply in the free tier step).
fn lambda_function(r: &Resource, inp: &Inputs, p: &mut Priced) -> Result<(), PriceError> {
    let requests = inp.usage.get(&r.address, "lambda_requests_million");
    let ms = inp.usage.get(&r.address, "lambda_duration_ms");
    let memory_gb = number(r, "memory_size", true)?.unwrap_or(128.0) / 1024.0;
    let arm = r
        .get("architectures")
        .and_then(|v| v.as_array())
        .is_some_and(|a| a.iter().any(|x| x.as_str() == Some("arm64")));
    p.assumptions.push(format!(
        "{}: {requests} million invocations/month of {ms} ms (usage: lambda_requests_million, lambda_duration_ms)",
        r.address
    ));
    p.lines.push(line(
        r,
        inp,
        "requests",
        requests,
        "million requests",
        "lambda.request.million",
    )?);
    let gb_s = requests * 1e6 * ms / 1000.0 * memory_gb;
    p.lines.push(line(
        r,
        inp,
        "compute",
        gb_s,
        "GB-seconds",
        if arm {
            "lambda.arm.gb_second"
        } else {
            "lambda.x86.gb_second"
        },
    )?);
    Ok(())
}

pub fn price(stack: &Stack, inp: &Inputs) -> Result<Priced, PriceError> {
    let mut p = Priced::default();
    for r in &stack.resources {
        let (lines_before, free_before) = (p.lines.len(), p.free_resources);
        let assumptions_before = p.assumptions.len();
        match price_one(stack, r, inp, &mut p) {
            Ok(()) => {}
            // A price the catalog lacks for this region: this resource is not priced
            // (the estimate is incomplete), never priced as another region.
            Err(PriceError::Catalog(CatalogError::NoRegion { id, region, known })) => {
                p.lines.truncate(lines_before);
                p.assumptions.truncate(assumptions_before);
                p.not_priced.push(not_priced(
                    r,
                    format!(
                        "the price catalog has no {id} price for {region} (priced in: {known})"
                    ),
                ));
                continue;
            }
            Err(e) => return Err(e),
        }
        if r.count > 1 {
            // Identical instances: priced once, multiplied, never materialised.
            let n = r.count as f64;
            for l in &mut p.lines[lines_before..] {
                l.quantity *= n;
                l.monthly *= n;
                l.explain = format!(
                    "({}) x {} instances = ${:.2}",
                    l.explain, r.count, l.monthly
                );
            }
            if p.free_resources > free_before {
                p.free_resources += (r.count as usize).saturating_sub(1);
            }
        }
    }
    data_transfer(stack, inp, &mut p)?;
    Ok(p)
}

fn price_one(stack: &Stack, r: &Resource, inp: &Inputs, p: &mut Priced) -> Result<(), PriceError> {
    {
        let t = r.rtype.as_str();
        match t {
            "aws_ecs_service" => ecs_service(stack, r, inp, p)?,
            "aws_lb" | "aws_alb" => load_balancer(r, inp, p)?,
            "aws_nat_gateway" => nat_gateway(stack, r, inp, p)?,
            "aws_eip" => {
                let h = inp.catalog.hours_per_month;
                p.lines.push(line(
                    r,
                    inp,
                    "public IPv4 (Elastic IP)",
                    h,
                    "IP-hours",
                    "vpc.public_ipv4.hour",
                )?);
            }
            "aws_vpc_endpoint" => vpc_endpoint(r, inp, p)?,
            "aws_db_instance" => db_instance(r, inp, p)?,
            "aws_cloudwatch_log_group" => log_group(r, inp, p)?,
            "aws_cloudwatch_metric_alarm" => {
                let metrics = r.blocks("metric_query").len().max(1) as f64;
                p.lines.push(line(
                    r,
                    inp,
                    "alarm",
                    metrics,
                    "alarm-months",
                    "cloudwatch.alarm.month",
                )?);
            }
            "aws_cloudwatch_dashboard" => {
                p.lines.push(line(
                    r,
                    inp,
                    "dashboard",
                    1.0,
                    "dashboard-months",
                    "cloudwatch.dashboard.month",
                )?);
            }
            "aws_service_discovery_private_dns_namespace"
            | "aws_service_discovery_public_dns_namespace" => {
                p.lines.push(line(
                    r,
                    inp,
                    "Route 53 hosted zone of the namespace",
                    1.0,
                    "zone-months",
                    "route53.hosted_zone.month",
                )?);
            }
            "aws_service_discovery_service" => cloud_map_service(stack, r, inp, p)?,
            "aws_api_gateway_rest_api" => {
                let m = inp.usage.get(&r.address, "rest_api_requests_million");
                p.assumptions.push(format!(
                    "{}: {m} million requests/month (usage: rest_api_requests_million)",
                    r.address
                ));
                p.lines.push(line(
                    r,
                    inp,
                    "REST API requests",
                    m,
                    "million requests",
                    "apigateway.rest.million_requests",
                )?);
            }
            "aws_api_gateway_stage" => {
                if r.bool("cache_cluster_enabled") == Some(true) {
                    p.not_priced.push(not_priced(
                        r,
                        "an API cache is billed per hour by size, which is not in the pricing rules",
                    ));
                } else {
                    p.free_resources += 1;
                }
            }
            "aws_apigatewayv2_api" => match r.str("protocol_type") {
                Some("HTTP") => {
                    let m = inp.usage.get(&r.address, "http_api_requests_million");
                    p.assumptions.push(format!(
                        "{}: {m} million requests/month (usage: http_api_requests_million)",
                        r.address
                    ));
                    p.lines.push(line(
                        r,
                        inp,
                        "HTTP API requests",
                        m,
                        "million requests",
                        "apigateway.http.million_requests",
                    )?);
                }
                _ => p.not_priced.push(not_priced(
                    r,
                    "WebSocket APIs (or a protocol not known statically) are not in the pricing rules",
                )),
            },
            "aws_ecs_cluster" => {
                if container_insights(r) || (account_container_insights(stack) && !explicit_insights(r)) {
                    let n = inp.usage.get(&r.address, "container_insights_metrics");
                    p.assumptions.push(format!("{}: Container Insights publishes about {n} custom metrics (usage: container_insights_metrics)", r.address));
                    p.lines.push(line(
                        r,
                        inp,
                        "Container Insights metrics",
                        n,
                        "metric-months",
                        "cloudwatch.metric.month",
                    )?);
                } else {
                    p.free_resources += 1;
                }
            }
            "aws_ecr_repository" => {
                let gb = inp.usage.get(&r.address, "ecr_storage_gb");
                p.lines.push(line(
                    r,
                    inp,
                    "image storage",
                    gb,
                    "GB-months",
                    "ecr.storage.gb_month",
                )?);
            }
            "aws_s3_bucket" => {
                let gb = inp.usage.get(&r.address, "s3_storage_gb");
                p.lines.push(line(
                    r,
                    inp,
                    "Standard storage",
                    gb,
                    "GB-months",
                    "s3.standard.gb_month",
                )?);
            }
            "aws_dynamodb_table" => dynamodb(r, inp, p)?,
            "aws_ssm_parameter" => {
                if r.str("tier")
                    .is_some_and(|t| t.eq_ignore_ascii_case("Advanced"))
                {
                    p.lines.push(line(
                        r,
                        inp,
                        "advanced parameter",
                        1.0,
                        "parameter-months",
                        "ssm.advanced_parameter.month",
                    )?);
                } else {
                    p.free_resources += 1;
                }
            }
            "aws_secretsmanager_secret" => {
                p.lines.push(line(
                    r,
                    inp,
                    "secret",
                    1.0,
                    "secret-months",
                    "secretsmanager.secret.month",
                )?);
            }
            "aws_kms_key" => {
                p.lines.push(line(
                    r,
                    inp,
                    "customer-managed key",
                    1.0,
                    "key-months",
                    "kms.customer_key.month",
                )?);
            }
            "aws_route53_zone" => {
                p.lines.push(line(
                    r,
                    inp,
                    "hosted zone",
                    1.0,
                    "zone-months",
                    "route53.hosted_zone.month",
                )?);
            }
            "aws_lambda_function" => lambda_function(r, inp, p)?,
            _ if NO_CHARGE.contains(&t)
                || t.starts_with("aws_iam_")
                || t.starts_with("aws_s3_bucket_")
                || NOT_BILLED_PROVIDERS.iter().any(|prefix| t.starts_with(prefix)) =>
            {
                p.free_resources += 1;
            }
            _ if !t.starts_with("aws_") => p.not_priced.push(not_priced(
                r,
                "not an AWS resource: its provider's bill is not estimated",
            )),
            _ => p.not_priced.push(not_priced(
                r,
                "resource type not in the pricing rules; its cost is NOT included",
            )),
        }
    }
    Ok(())
}

fn not_priced(r: &Resource, reason: impl Into<String>) -> NotPriced {
    NotPriced {
        address: r.address.clone(),
        rtype: r.rtype.clone(),
        reason: reason.into(),
    }
}

fn line(
    r: &Resource,
    inp: &Inputs,
    component: &str,
    quantity: f64,
    unit: &str,
    price_id: &str,
) -> Result<Line, CatalogError> {
    let unit_price = inp.catalog.price(price_id, inp.region)?;
    let monthly = quantity * unit_price;
    Ok(Line {
        address: r.address.clone(),
        module: r.module.clone(),
        rtype: r.rtype.clone(),
        component: component.into(),
        quantity,
        unit: unit.into(),
        price_id: price_id.into(),
        unit_price,
        monthly,
        explain: format!(
            "{} {unit} x ${unit_price} = ${monthly:.2}",
            fmt_qty(quantity)
        ),
    })
}

pub fn fmt_qty(q: f64) -> String {
    if q.fract() == 0.0 {
        format!("{q:.0}")
    } else if q >= 100.0 {
        format!("{q:.2}")
    } else {
        format!("{q:.3}").trim_end_matches('0').to_string()
    }
}

/// Whether `aws_ecs_account_setting_default` turns Container Insights on account-wide
/// (it then applies to every cluster that does not set it).
fn account_container_insights(stack: &Stack) -> bool {
    stack.of_type("aws_ecs_account_setting_default").any(|s| {
        s.str("name") == Some("containerInsights")
            && matches!(s.str("value"), Some("enabled" | "enhanced"))
    })
}

fn explicit_insights(cluster: &Resource) -> bool {
    cluster
        .blocks("setting")
        .iter()
        .any(|s| s.get("name").and_then(|v| v.as_str()) == Some("containerInsights"))
}

/// A Cloud Map service: its registered instances (the tasks of the ECS services that
/// register in it, on average over the month) and the DiscoverInstances calls.
fn cloud_map_service(
    stack: &Stack,
    r: &Resource,
    inp: &Inputs,
    p: &mut Priced,
) -> Result<(), PriceError> {
    let registering: Vec<&Resource> = stack
        .of_type("aws_ecs_service")
        .filter(|svc| {
            svc.reference("service_registries.registry_arn")
                .is_some_and(|a| r.address.starts_with(&a))
        })
        .collect();
    let mut notes = Vec::new();
    let instances = if registering.is_empty() {
        notes.push(format!(
            "{}: no ECS service in the configuration registers in it; assumed 1 instance",
            r.address
        ));
        1.0
    } else {
        registering
            .iter()
            .map(|svc| service_task_hours(stack, svc, inp, &mut Vec::new()))
            .sum::<f64>()
            / inp.catalog.hours_per_month
    };
    p.assumptions.extend(notes);
    p.lines.push(line(
        r,
        inp,
        "registered instances (average)",
        instances,
        "instance-months",
        "cloudmap.instance.month",
    )?);
    let calls = inp
        .usage
        .get(&r.address, "cloudmap_discovery_calls_million");
    p.assumptions.push(format!(
        "{}: {calls} million DiscoverInstances calls/month (usage: cloudmap_discovery_calls_million)",
        r.address
    ));
    p.lines.push(line(
        r,
        inp,
        "discovery calls",
        calls,
        "million calls",
        "cloudmap.discovery.million_calls",
    )?);
    Ok(())
}

fn container_insights(cluster: &Resource) -> bool {
    cluster.blocks("setting").iter().any(|s| {
        s.get("name").and_then(|v| v.as_str()) == Some("containerInsights")
            && matches!(
                s.get("value").and_then(|v| v.as_str()),
                Some("enabled") | Some("enhanced")
            )
    })
}

/// The task definition a service runs: by reference, else the only one in its module.
pub fn task_definition<'a>(stack: &'a Stack, svc: &Resource) -> Option<&'a Resource> {
    if let Some(addr) = svc.reference("task_definition")
        && let Some(td) = stack.find(&addr)
    {
        return Some(td);
    }
    let mut same_module = stack
        .of_type("aws_ecs_task_definition")
        .filter(|t| t.module == svc.module);
    match (same_module.next(), same_module.next()) {
        (Some(td), None) => Some(td),
        _ => None,
    }
}

/// Scheduled actions that target a service: by resource_id, else the module's.
pub fn scheduled_actions<'a>(stack: &'a Stack, svc: &Resource) -> Vec<&'a Resource> {
    let name = svc.str("name").unwrap_or(&svc.name);
    let by_id: Vec<&Resource> = stack
        .of_type("aws_appautoscaling_scheduled_action")
        .filter(|a| {
            a.str("resource_id")
                .is_some_and(|id| id.starts_with("service/") && id.ends_with(&format!("/{name}")))
        })
        .collect();
    if !by_id.is_empty() {
        return by_id;
    }
    stack
        .of_type("aws_appautoscaling_scheduled_action")
        .filter(|a| a.module == svc.module && a.str("resource_id").is_none())
        .collect()
}

/// The Application Auto Scaling target of a service: by resource_id, else the only
/// ECS target of its module whose resource_id is not known statically.
pub fn service_target<'a>(stack: &'a Stack, svc: &Resource) -> Option<&'a Resource> {
    let name = svc.str("name").unwrap_or(&svc.name);
    let ecs = |t: &&Resource| t.str("service_namespace").is_none_or(|n| n == "ecs");
    stack
        .of_type("aws_appautoscaling_target")
        .filter(ecs)
        .find(|t| {
            t.str("resource_id")
                .is_some_and(|id| id.starts_with("service/") && id.ends_with(&format!("/{name}")))
        })
        .or_else(|| {
            let mut same = stack
                .of_type("aws_appautoscaling_target")
                .filter(ecs)
                .filter(|t| t.module == svc.module && t.str("resource_id").is_none());
            match (same.next(), same.next()) {
                (Some(t), None) => Some(t),
                _ => None,
            }
        })
}

/// Scheduled actions of an autoscaling target: same resource_id, a reference to the
/// target, or (resource_id not known statically) the target's module.
pub fn target_actions<'a>(stack: &'a Stack, target: &Resource) -> Vec<&'a Resource> {
    stack
        .of_type("aws_appautoscaling_scheduled_action")
        .filter(
            |a| match (a.str("resource_id"), target.str("resource_id")) {
                (Some(x), Some(y)) => x == y,
                _ => {
                    a.reference("resource_id").as_deref() == Some(target.address.as_str())
                        || (a.module == target.module && a.str("resource_id").is_none())
                }
            },
        )
        .collect()
}

/// Share of a service's tasks on Fargate Spot: `base` tasks go to the provider that
/// has one, the rest split by `weight` (AWS's capacity provider strategy rule).
/// `Err`: a provider that is not Fargate (EC2 capacity), named.
pub fn spot_share(strategy: &[(String, f64, f64)], tasks: f64) -> Result<f64, String> {
    if let Some((other, _, _)) = strategy
        .iter()
        .find(|(p, _, _)| p != "FARGATE" && p != "FARGATE_SPOT")
    {
        return Err(other.clone());
    }
    if tasks <= 0.0 || strategy.is_empty() {
        return Ok(0.0);
    }
    let mut spot = 0.0;
    let mut left = tasks;
    for (provider, base, _) in strategy {
        let placed = base.min(left).max(0.0);
        if provider == "FARGATE_SPOT" {
            spot += placed;
        }
        left -= placed;
    }
    let total_weight: f64 = strategy.iter().map(|(_, _, w)| w.max(0.0)).sum();
    if left > 0.0 && total_weight > 0.0 {
        let spot_weight: f64 = strategy
            .iter()
            .filter(|(p, _, _)| p == "FARGATE_SPOT")
            .map(|(_, _, w)| w.max(0.0))
            .sum();
        spot += left * spot_weight / total_weight;
    }
    Ok(spot / tasks)
}

/// The capacity provider strategy a service runs with: its own, else (no launch
/// type) its cluster's default from `aws_ecs_cluster_capacity_providers`.
fn capacity_strategy(stack: &Stack, svc: &Resource) -> Vec<(String, f64, f64)> {
    let read = |blocks: Vec<&serde_json::Map<String, serde_json::Value>>| {
        blocks
            .iter()
            .map(|b| {
                (
                    b.get("capacity_provider")
                        .and_then(|v| v.as_str())
                        .unwrap_or("?")
                        .to_string(),
                    b.get("base").and_then(as_f64).unwrap_or(0.0),
                    b.get("weight").and_then(as_f64).unwrap_or(0.0),
                )
            })
            .collect::<Vec<_>>()
    };
    let own = read(svc.blocks("capacity_provider_strategy"));
    if !own.is_empty() || svc.get("launch_type").is_some() || svc.is_unknown("launch_type") {
        return own;
    }
    let mut defaults = stack
        .of_type("aws_ecs_cluster_capacity_providers")
        .filter(|c| c.module == svc.module);
    match (defaults.next(), defaults.next()) {
        (Some(c), None) => read(c.blocks("default_capacity_provider_strategy")),
        _ => Vec::new(),
    }
}

/// Task-hours per month of a service, honouring its scale-to-zero schedule.
pub fn service_task_hours(
    stack: &Stack,
    svc: &Resource,
    inp: &Inputs,
    notes: &mut Vec<String>,
) -> f64 {
    let target_min = service_target(stack, svc).and_then(|t| t.num("min_capacity"));
    let desired = match (svc.num("desired_count"), target_min) {
        (Some(d), Some(min)) if min > d => {
            notes.push(format!(
                "{}: autoscaling min_capacity {min} is above desired_count {d}: priced at {min}",
                svc.address
            ));
            min
        }
        (Some(d), _) => d,
        (None, Some(min)) => {
            notes.push(format!(
                "{}: desired_count not set; autoscaling keeps min_capacity = {min}",
                svc.address
            ));
            min
        }
        (None, None) if svc.is_unknown("desired_count") => {
            let d = inp.usage.get(&svc.address, "default_desired_count");
            notes.push(format!(
                "{}: desired_count not known statically; assumed {d}",
                svc.address
            ));
            d
        }
        (None, None) => {
            notes.push(format!(
                "{}: desired_count not set: ECS runs 0 tasks (its default)",
                svc.address
            ));
            0.0
        }
    };
    let scheduled = scheduled_actions(stack, svc);
    let actions: Vec<Action> = scheduled
        .iter()
        .filter_map(|a| {
            let target = a.block("scalable_target_action");
            let cap = |k: &str| {
                target
                    .and_then(|t| t.get(k))
                    .and_then(as_f64)
                    .map(|v| v as u32)
            };
            Some(Action {
                cron: a.str("schedule")?.to_string(),
                min_capacity: cap("min_capacity"),
                max_capacity: cap("max_capacity"),
            })
        })
        .collect();
    if actions.is_empty() {
        return desired * inp.catalog.hours_per_month;
    }
    match schedule::usage(desired as u32, &actions) {
        Ok(u) => {
            let tz = scheduled
                .first()
                .and_then(|a| a.str("timezone"))
                .unwrap_or("UTC")
                .to_string();
            notes.push(format!(
                "{}: schedule {} ({tz}) gives {:.2} task-hours/month instead of {:.0}",
                svc.address,
                actions
                    .iter()
                    .map(|a| a.cron.as_str())
                    .collect::<Vec<_>>()
                    .join(" / "),
                u.task_hours_per_month,
                desired * inp.catalog.hours_per_month
            ));
            u.task_hours_per_month
        }
        Err(e) => {
            notes.push(format!(
                "{}: {e}; priced as running {desired} task(s) 24x7",
                svc.address
            ));
            desired * inp.catalog.hours_per_month
        }
    }
}

fn ecs_service(
    stack: &Stack,
    svc: &Resource,
    inp: &Inputs,
    p: &mut Priced,
) -> Result<(), PriceError> {
    if svc.str("launch_type") == Some("EC2") {
        p.not_priced.push(not_priced(
            svc,
            "EC2 launch type: the cost is in the container instances",
        ));
        return Ok(());
    }
    let Some(td) = task_definition(stack, svc) else {
        p.not_priced.push(not_priced(
            svc,
            "task definition not found in the configuration",
        ));
        return Ok(());
    };
    number(svc, "desired_count", true)?;
    // Fargate needs task-level cpu and memory. Unknown ones are assumed at the
    // smallest size and said; absent ones mean the task cannot run on Fargate.
    let (cpu, memory) = (cpu_units(td)?, memory_mib(td)?);
    let mut size = |value: Option<f64>, key: &str, smallest: f64, what: &str| {
        value.or_else(|| {
            td.is_unknown(key).then(|| {
                p.assumptions.push(format!(
                    "{}: {key} = {} is not known statically; assumed {smallest} ({what}), the smallest Fargate size",
                    td.address,
                    td.unknown.get(key).map_or("?", String::as_str)
                ));
                smallest
            })
        })
    };
    let (Some(cpu), Some(memory)) = (
        size(cpu, "cpu", 256.0, "0.25 vCPU"),
        size(memory, "memory", 512.0, "0.5 GB"),
    ) else {
        p.not_priced.push(not_priced(
            svc,
            format!(
                "its task definition {} sets no task-level cpu and memory, which Fargate requires",
                td.address
            ),
        ));
        return Ok(());
    };
    let vcpu = cpu / 1024.0;
    let gb = memory / 1024.0;
    let arm = td
        .block("runtime_platform")
        .and_then(|b| b.get("cpu_architecture"))
        .and_then(|v| v.as_str())
        == Some("ARM64");
    let strategy = capacity_strategy(stack, svc);
    let hours = service_task_hours(stack, svc, inp, &mut p.assumptions);
    let tasks = hours / inp.catalog.hours_per_month;
    let spot_share = match spot_share(&strategy, tasks.max(1.0)) {
        Ok(share) => share,
        Err(provider) => {
            p.not_priced.push(not_priced(
                svc,
                format!(
                    "capacity provider {provider} is EC2 capacity: the cost is in its instances"
                ),
            ));
            return Ok(());
        }
    };
    let ephemeral_gb = td
        .block("ephemeral_storage")
        .and_then(|b| b.get("size_in_gib"))
        .and_then(as_f64)
        .unwrap_or(::pricing::fargate::FREE_EPHEMERAL_GB);
    let public_ip = svc
        .block("network_configuration")
        .and_then(|n| n.get("assign_public_ip"))
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    // On-demand and Spot task-hours, each priced by the one Fargate cost function.
    for (spot, share) in [(false, 1.0 - spot_share), (true, spot_share)] {
        if share <= 0.0 {
            continue;
        }
        let task = ::pricing::fargate::Task {
            vcpu,
            memory_gb: gb,
            arm,
            spot,
            ephemeral_gb,
            public_ip,
        };
        let part_hours = hours * share;
        let cost = ::pricing::fargate::monthly(inp.catalog, inp.region, &task, part_hours)?;
        if spot {
            let f = cost.components.first().map_or(1.0, |c| c.factor);
            p.assumptions.push(format!(
                "{}: {:.0} % of task-hours on Fargate Spot (capacity provider strategy), priced at {:.0} % of on-demand (the real price floats)",
                svc.address,
                share * 100.0,
                f * 100.0
            ));
        }
        for c in cost.components {
            let per_task = if c.price_id.ends_with("vcpu_hour") {
                format!(" x {}", fmt_qty(vcpu))
            } else if c.price_id.ends_with(".gb_hour") && !c.price_id.contains("ephemeral") {
                format!(" x {}", fmt_qty(gb))
            } else if c.price_id == "vpc.public_ipv4.hour" {
                " x 1 IP".to_string()
            } else {
                format!(
                    " x {} GB",
                    fmt_qty(ephemeral_gb - ::pricing::fargate::FREE_EPHEMERAL_GB)
                )
            };
            let factor = if c.factor == 1.0 {
                String::new()
            } else {
                format!(" x {}", c.factor)
            };
            p.lines.push(Line {
                address: svc.address.clone(),
                module: svc.module.clone(),
                rtype: svc.rtype.clone(),
                explain: format!(
                    "{} task-h{per_task} x ${}{factor} = ${:.2}",
                    fmt_qty(part_hours),
                    c.unit_price,
                    c.monthly
                ),
                component: c.label,
                quantity: c.quantity,
                unit: c.unit.into(),
                price_id: c.price_id,
                unit_price: c.unit_price,
                monthly: c.monthly,
            });
        }
    }
    Ok(())
}

/// Subnets (AZs) of a resource; assumed `min` when not known statically.
fn az_count(r: &Resource, key: &str, min: usize, notes: &mut Vec<String>) -> usize {
    let n = match r.get(key) {
        Some(serde_json::Value::Array(a)) => a.len(),
        _ => r.blocks("subnet_mapping").len(),
    };
    if n == 0 {
        notes.push(format!(
            "{}: number of subnets not known statically; assumed {min}",
            r.address
        ));
        min
    } else {
        n
    }
}

/// A load balancer's hours and its capacity units (average units from usage, said).
fn capacity_priced(
    r: &Resource,
    inp: &Inputs,
    p: &mut Priced,
    (hours_label, hour_id): (&str, &str),
    (units_label, unit, usage_key, unit_id): (&str, &str, &str, &str),
) -> Result<(), PriceError> {
    let h = inp.catalog.hours_per_month;
    p.lines
        .push(line(r, inp, hours_label, h, "hours", hour_id)?);
    let n = inp.usage.get(&r.address, usage_key);
    p.assumptions.push(format!(
        "{}: {n} {unit} on average (usage: {usage_key})",
        r.address
    ));
    let mut l = line(
        r,
        inp,
        units_label,
        n * h,
        &format!("{unit}-hours"),
        unit_id,
    )?;
    l.explain = format!("{n} {unit} x {h} h x ${} = ${:.2}", l.unit_price, l.monthly);
    p.lines.push(l);
    Ok(())
}

fn load_balancer(r: &Resource, inp: &Inputs, p: &mut Priced) -> Result<(), PriceError> {
    let h = inp.catalog.hours_per_month;
    let kind = match r.str("load_balancer_type") {
        Some(k) => k,
        None if r.is_unknown("load_balancer_type") => {
            p.assumptions.push(format!(
                "{}: load_balancer_type not known statically; priced as application",
                r.address
            ));
            "application"
        }
        None => "application",
    };
    match kind {
        "application" => capacity_priced(
            r,
            inp,
            p,
            ("ALB hours", "elb.alb.hour"),
            ("ALB capacity units", "LCU", "alb_lcu", "elb.alb.lcu_hour"),
        )?,
        "network" => capacity_priced(
            r,
            inp,
            p,
            ("NLB hours", "elb.nlb.hour"),
            ("NLB capacity units", "NLCU", "nlb_lcu", "elb.nlb.nlcu_hour"),
        )?,
        other => {
            p.not_priced.push(not_priced(
                r,
                format!("{other} load balancers are not in the pricing rules"),
            ));
            return Ok(());
        }
    }
    if r.bool("internal") != Some(true) {
        // An ALB always spans at least two AZs (AWS requires two subnets).
        let azs = az_count(r, "subnets", 2, &mut p.assumptions);
        let azs = if kind == "application" {
            azs.max(2)
        } else {
            azs
        };
        let mut l = line(
            r,
            inp,
            "public IPv4, one per AZ",
            azs as f64 * h,
            "IP-hours",
            "vpc.public_ipv4.hour",
        )?;
        l.explain = format!("{azs} IPs x {h} h x ${} = ${:.2}", l.unit_price, l.monthly);
        p.lines.push(l);
    }
    Ok(())
}

/// Whether a NAT gateway's Elastic IP is an `aws_eip` of the configuration (priced
/// there): its allocation_id refers to one, or is computed in a module that declares
/// EIPs (`element(local.nat_gateway_ips, ...)` of the community VPC module).
pub fn nat_eip_in_config(stack: &Stack, nat: &Resource) -> bool {
    if nat.get("allocation_id").is_none() && !nat.is_unknown("allocation_id") {
        return false;
    }
    match nat.reference("allocation_id") {
        Some(a) if a.contains("aws_eip.") => {
            stack.resources.iter().any(|e| e.address.starts_with(&a))
        }
        _ => stack.of_type("aws_eip").any(|e| e.module == nat.module),
    }
}

fn nat_gateway(
    stack: &Stack,
    r: &Resource,
    inp: &Inputs,
    p: &mut Priced,
) -> Result<(), PriceError> {
    let h = inp.catalog.hours_per_month;
    p.lines.push(line(
        r,
        inp,
        "NAT gateway hours",
        h,
        "hours",
        "vpc.nat_gateway.hour",
    )?);
    let gb = inp.usage.get(&r.address, "nat_processed_gb");
    p.assumptions.push(format!(
        "{}: {gb} GB/month processed (usage: nat_processed_gb)",
        r.address
    ));
    p.lines.push(line(
        r,
        inp,
        "NAT data processed",
        gb,
        "GB",
        "vpc.nat_gateway.gb",
    )?);
    // Its public IPv4 is the Elastic IP of allocation_id: when that EIP is in the
    // configuration it is priced there, not twice.
    if r.str("connectivity_type") != Some("private") && !nat_eip_in_config(stack, r) {
        p.lines.push(line(
            r,
            inp,
            "NAT public IPv4",
            h,
            "IP-hours",
            "vpc.public_ipv4.hour",
        )?);
    }
    Ok(())
}

fn vpc_endpoint(r: &Resource, inp: &Inputs, p: &mut Priced) -> Result<(), PriceError> {
    // Not set: AWS's default, Gateway (free). Set to something not known statically:
    // the paying kind, said.
    let kind = match r.str("vpc_endpoint_type") {
        Some(k) => k,
        None if r.is_unknown("vpc_endpoint_type") => {
            p.assumptions.push(format!(
                "{}: vpc_endpoint_type not known statically; priced as Interface (Gateway endpoints are free)",
                r.address
            ));
            "Interface"
        }
        None => "Gateway",
    };
    match kind {
        "Gateway" => p.free_resources += 1,
        "Interface" => {
            let h = inp.catalog.hours_per_month;
            let azs = az_count(r, "subnet_ids", 1, &mut p.assumptions);
            let mut l = line(
                r,
                inp,
                "interface endpoint AZ-hours",
                azs as f64 * h,
                "AZ-hours",
                "vpc.interface_endpoint.az_hour",
            )?;
            l.explain = format!("{azs} AZ x {h} h x ${} = ${:.2}", l.unit_price, l.monthly);
            p.lines.push(l);
            let gb = inp.usage.get(&r.address, "endpoint_processed_gb");
            p.lines.push(line(
                r,
                inp,
                "endpoint data processed",
                gb,
                "GB",
                "vpc.interface_endpoint.gb",
            )?);
        }
        other => p.not_priced.push(not_priced(
            r,
            format!("{other} endpoints are not in the pricing rules"),
        )),
    }
    Ok(())
}

/// vCPUs of an RDS instance class (the unit of Extended Support), for every class
/// family of the common sizes: `db.t3.micro` 2, `db.t2.micro` 1, `db.m6g.xlarge` 4.
pub fn vcpus(class: &str) -> Option<f64> {
    let mut parts = class.strip_prefix("db.")?.split('.');
    let (family, size) = (parts.next()?, parts.next()?);
    if family.starts_with("t2") && matches!(size, "micro" | "small") {
        return Some(1.0);
    }
    Some(match size {
        "micro" | "small" | "medium" | "large" => 2.0,
        "xlarge" => 4.0,
        other => {
            let n: f64 = other.strip_suffix("xlarge")?.parse().ok()?;
            4.0 * n
        }
    })
}

/// The end of RDS standard support of an engine major version (the RDS release
/// calendars); Extended Support bills from the next day, at the year-3 rate from two
/// years later.
pub fn standard_support_end(engine: &str, version: &str) -> Option<(String, Date)> {
    let mut it = version.split('.');
    let major = it.next()?;
    let minor = it.next().unwrap_or("");
    let (label, end) = match engine {
        "postgres" => {
            let m: u32 = major.parse().ok()?;
            (format!("PostgreSQL {m}"), postgres_standard_support_end(m)?)
        }
        "mysql" => match (major, minor) {
            ("5", "7") => ("MySQL 5.7".into(), date::ymd(2024, 2, 29)),
            ("8", "0") => ("MySQL 8.0".into(), date::ymd(2026, 7, 31)),
            ("8", "4") => ("MySQL 8.4".into(), date::ymd(2029, 7, 31)),
            _ => return None,
        },
        _ => return None,
    };
    Some((label, end))
}

/// Versions RDS no longer creates (past the end of Extended Support, or never offered it).
fn too_old_to_create(engine: &str, version: &str) -> bool {
    let mut it = version.split('.');
    let (major, minor) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
    match engine {
        "postgres" => major.parse::<u32>().is_ok_and(|m| m <= 10),
        "mysql" => major.parse::<u32>().is_ok_and(|m| m < 5) || (major == "5" && minor != "7"),
        _ => false,
    }
}

/// End of RDS standard support for PostgreSQL majors (RDS release calendar).
pub fn postgres_standard_support_end(major: u32) -> Option<Date> {
    Some(match major {
        11 => date::ymd(2024, 2, 29),
        12 => date::ymd(2025, 2, 28),
        13 => date::ymd(2026, 2, 28),
        14 => date::ymd(2027, 2, 28),
        15 => date::ymd(2028, 2, 29),
        16 => date::ymd(2029, 2, 28),
        17 => date::ymd(2030, 2, 28),
        _ => return None,
    })
}

pub fn postgres_major(version: &str) -> Option<u32> {
    version.split('.').next()?.parse().ok()
}

fn db_instance(r: &Resource, inp: &Inputs, p: &mut Priced) -> Result<(), PriceError> {
    let (Some(engine), Some(class)) = (r.str("engine"), r.str("instance_class")) else {
        p.not_priced.push(not_priced(
            r,
            "engine or instance_class not known statically",
        ));
        return Ok(());
    };
    let h = inp.catalog.hours_per_month;
    let multi_az = r.bool("multi_az") == Some(true);
    let copies = if multi_az { 2.0 } else { 1.0 };
    let version = r.str("engine_version");
    if let Some(v) = version
        && too_old_to_create(engine, v)
    {
        p.not_priced.push(not_priced(
            r,
            format!("{engine} {v} is past the end of RDS support: RDS no longer creates it"),
        ));
        return Ok(());
    }
    // The instance and its storage: the engines and classes the catalog prices.
    let id = format!("rds.{engine}.{class}.hour");
    if inp.catalog.entry(&id).is_ok() {
        let mut l = line(
            r,
            inp,
            &format!(
                "{class} instance{}",
                if multi_az { " (Multi-AZ x2)" } else { "" }
            ),
            copies * h,
            "hours",
            &id,
        )?;
        l.explain = format!("{copies} x {h} h x ${} = ${:.2}", l.unit_price, l.monthly);
        p.lines.push(l);
        let gb = match number(r, "allocated_storage", true)? {
            Some(gb) => gb,
            None => {
                p.assumptions.push(format!(
                    "{}: allocated_storage not known statically; assumed 20 GB",
                    r.address
                ));
                20.0
            }
        };
        p.lines.push(line(
            r,
            inp,
            "gp3 storage",
            gb * copies,
            "GB-months",
            "rds.storage.gp3.gb_month",
        )?);
    } else {
        p.not_priced.push(not_priced(
            r,
            format!("{engine} on {class} is not in the catalog (priced: PostgreSQL on t3/t4g micro and small)"),
        ));
    }
    // Extended Support, for any class: per vCPU-hour, at the year-3 rate from two
    // years after standard support ended.
    match version.and_then(|v| standard_support_end(engine, v)) {
        Some((label, end)) if inp.as_of > end => {
            let Some(v) = vcpus(class) else {
                p.not_priced.push(not_priced(
                    r,
                    format!("{label} is in RDS Extended Support, billed per vCPU, and the vCPUs of {class} are not known"),
                ));
                return Ok(());
            };
            let year3 = inp.as_of > date::add_months(end, 24);
            let (price_id, years) = if year3 {
                ("rds.extended_support.y3.vcpu_hour", "year 3")
            } else {
                ("rds.extended_support.vcpu_hour", "years 1-2")
            };
            let mut l = line(
                r,
                inp,
                &format!("RDS Extended Support ({label}, {years}; standard support ended {end})"),
                v * h * copies,
                "vCPU-hours",
                price_id,
            )?;
            l.explain = format!(
                "{v} vCPU x {h} h x {copies} x ${} = ${:.2}",
                l.unit_price, l.monthly
            );
            p.lines.push(l);
        }
        Some(_) => {}
        None if version.is_none() => p.assumptions.push(format!(
            "{}: engine_version not known statically; assumed a version in standard support (no Extended Support charge)",
            r.address
        )),
        None => {}
    }
    Ok(())
}

/// Retention in days; 0 or absent means never expire.
pub fn retention_days(r: &Resource) -> Option<f64> {
    r.num("retention_in_days").filter(|d| *d > 0.0)
}

fn log_group(r: &Resource, inp: &Inputs, p: &mut Priced) -> Result<(), PriceError> {
    let ingest = inp.usage.get(&r.address, "log_ingest_gb");
    p.assumptions.push(format!(
        "{}: {ingest} GB/month ingested (usage: log_ingest_gb)",
        r.address
    ));
    p.lines.push(line(
        r,
        inp,
        "log ingestion",
        ingest,
        "GB",
        "cloudwatch.logs.ingest.gb",
    )?);
    // Stored volume at steady state: retention's worth of ingestion; never-expire
    // groups are shown after one year of growth.
    let days = retention_days(r).unwrap_or(365.0).min(365.0);
    let stored = ingest * days / 30.0;
    let mut l = line(
        r,
        inp,
        "log storage",
        stored,
        "GB-months",
        "cloudwatch.logs.storage.gb_month",
    )?;
    l.explain = format!(
        "{ingest} GB x {days} days / 30 = {} GB x ${} = ${:.2}",
        fmt_qty(stored),
        l.unit_price,
        l.monthly
    );
    p.lines.push(l);
    Ok(())
}

fn dynamodb(r: &Resource, inp: &Inputs, p: &mut Priced) -> Result<(), PriceError> {
    let h = inp.catalog.hours_per_month;
    if r.str("billing_mode") == Some("PAY_PER_REQUEST") {
        p.not_priced.push(not_priced(r, "on-demand capacity is billed per request; request volume is not modelled (and the always-free 25 RCU/WCU apply only to provisioned mode)"));
        return Ok(());
    }
    let rcu = number(r, "read_capacity", true)?.unwrap_or(0.0);
    let wcu = number(r, "write_capacity", true)?.unwrap_or(0.0);
    p.lines.push(line(
        r,
        inp,
        "provisioned reads",
        rcu * h,
        "RCU-hours",
        "dynamodb.provisioned.rcu_hour",
    )?);
    p.lines.push(line(
        r,
        inp,
        "provisioned writes",
        wcu * h,
        "WCU-hours",
        "dynamodb.provisioned.wcu_hour",
    )?);
    let gb = inp.usage.get(&r.address, "dynamodb_storage_gb");
    p.lines.push(line(
        r,
        inp,
        "table storage",
        gb,
        "GB-months",
        "dynamodb.storage.gb_month",
    )?);
    if r.block("point_in_time_recovery")
        .and_then(|b| b.get("enabled"))
        .and_then(|v| v.as_bool())
        == Some(true)
    {
        p.lines.push(line(
            r,
            inp,
            "point-in-time recovery",
            gb,
            "GB-months",
            "dynamodb.pitr.gb_month",
        )?);
    }
    Ok(())
}

/// Internet egress of the stack (one line, when something serves the internet).
fn data_transfer(stack: &Stack, inp: &Inputs, p: &mut Priced) -> Result<(), PriceError> {
    let public = stack
        .of_type("aws_lb")
        .chain(stack.of_type("aws_alb"))
        .any(|r| r.bool("internal") != Some(true))
        || stack.of_type("aws_nat_gateway").next().is_some();
    if !public {
        return Ok(());
    }
    let gb = inp.usage.get("(data transfer)", "data_transfer_out_gb");
    p.assumptions.push(format!(
        "(data transfer): {gb} GB/month out to the internet (usage: data_transfer_out_gb)"
    ));
    let unit_price = inp.catalog.price("data_transfer.out.gb", inp.region)?;
    p.lines.push(Line {
        address: "(data transfer)".into(),
        module: String::new(),
        rtype: "data_transfer".into(),
        component: "data transfer out".into(),
        quantity: gb,
        unit: "GB".into(),
        price_id: "data_transfer.out.gb".into(),
        unit_price,
        monthly: gb * unit_price,
        explain: format!(
            "{} GB x ${unit_price} = ${:.2}",
            fmt_qty(gb),
            gb * unit_price
        ),
    });
    Ok(())
}
