//! ECS services on Fargate: task size, capacity providers (Spot), schedules and
//! autoscaling floors, Container Insights and Cloud Map.

use super::*;

/// Whether `aws_ecs_account_setting_default` turns Container Insights on account-wide
/// (it then applies to every cluster that does not set it).
pub(super) fn account_container_insights(stack: &Stack) -> bool {
    stack.of_type("aws_ecs_account_setting_default").any(|s| {
        s.str("name") == Some("containerInsights")
            && matches!(s.str("value"), Some("enabled" | "enhanced"))
    })
}

pub(super) fn explicit_insights(cluster: &Resource) -> bool {
    cluster
        .blocks("setting")
        .iter()
        .any(|s| s.get("name").and_then(|v| v.as_str()) == Some("containerInsights"))
}

/// A Cloud Map service: its registered instances (the tasks of the ECS services that
/// register in it, on average over the month) and the DiscoverInstances calls.
pub(super) fn cloud_map_service(
    stack: &Stack,
    r: &Resource,
    inp: &Inputs,
    p: &mut Priced,
) -> Result<(), PriceError> {
    let mut notes = Vec::new();
    let mut registering: Vec<&Resource> = stack
        .of_type("aws_ecs_service")
        .filter(|svc| {
            svc.reference("service_registries.registry_arn")
                .is_some_and(|a| r.address.starts_with(&a))
        })
        .collect();
    // A registry ARN passed through module outputs cannot be followed back; when this
    // is the only Cloud Map service, the services with a service_registries block are
    // the ones registering in it.
    if registering.is_empty() && stack.of_type("aws_service_discovery_service").count() == 1 {
        registering = stack
            .of_type("aws_ecs_service")
            .filter(|svc| {
                !svc.blocks("service_registries").is_empty()
                    || svc
                        .unknown
                        .keys()
                        .any(|k| k.starts_with("service_registries"))
            })
            .collect();
        for svc in &registering {
            notes.push(format!(
                "{}: instances of {} (the only Cloud Map service; it has service_registries)",
                r.address, svc.address
            ));
        }
    }
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

pub(super) fn container_insights(cluster: &Resource) -> bool {
    cluster.blocks("setting").iter().any(|s| {
        s.get("name").and_then(|v| v.as_str()) == Some("containerInsights")
            && matches!(
                s.get("value").and_then(|v| v.as_str()),
                Some("enabled") | Some("enhanced")
            )
    })
}

/// The task definition a service runs: by reference (`.arn`, `.family`, ...), by
/// its family name (`family` or `family:revision`), else the only one in its module.
pub fn task_definition<'a>(stack: &'a Stack, svc: &Resource) -> Option<&'a Resource> {
    if let Some(addr) = svc.reference("task_definition")
        && let Some(td) = stack.find(&addr)
    {
        return Some(td);
    }
    if let Some(value) = svc.str("task_definition") {
        // `family`, `family:3`, or an ARN ending in `task-definition/family:3`.
        let family = value.rsplit('/').next().unwrap_or(value);
        let family = family.split(':').next().unwrap_or(family);
        let mut named = stack
            .of_type("aws_ecs_task_definition")
            .filter(|t| t.str("family") == Some(family));
        if let (Some(td), None) = (named.next(), named.next()) {
            return Some(td);
        }
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
pub(super) fn capacity_strategy(stack: &Stack, svc: &Resource) -> Vec<(String, f64, f64)> {
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

pub(super) fn ecs_service(
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
    if strategy.is_empty() && svc.get("launch_type").is_none() {
        if !svc.is_unknown("launch_type") {
            // With neither, ECS uses the cluster's default strategy; a cluster without
            // one launches on EC2 (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html).
            p.not_priced.push(not_priced(
                svc,
                "no launch_type and no capacity provider strategy (on the service or its \
                 cluster): ECS launches it on EC2 capacity, whose cost is in the instances; \
                 set launch_type = \"FARGATE\" to run (and price) it on Fargate",
            ));
            return Ok(());
        }
        p.assumptions.push(format!(
            "{}: launch_type is not known statically and no capacity provider strategy is \
             set; priced as FARGATE",
            svc.address
        ));
    }
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
