//! Load balancers, NAT gateways, VPC endpoints, public IPv4 and internet egress.

use super::*;

/// Subnets (AZs) of a resource; assumed `min` when not known statically.
pub(super) fn az_count(r: &Resource, key: &str, min: usize, notes: &mut Vec<String>) -> usize {
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
pub(super) fn capacity_priced(
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

pub(super) fn load_balancer(r: &Resource, inp: &Inputs, p: &mut Priced) -> Result<(), PriceError> {
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
        // A subnet mapping with an Elastic IP uses that address: it is priced on its
        // aws_eip, not a second time here.
        let own_eips = r
            .blocks("subnet_mapping")
            .iter()
            // A known ID, or null: set to what Terraform knows only after apply.
            .filter(|m| {
                m.get("allocation_id")
                    .is_some_and(|a| a.is_null() || a.as_str().is_some_and(|s| !s.is_empty()))
            })
            .count();
        let azs = azs.saturating_sub(own_eips);
        if own_eips > 0 {
            p.assumptions.push(format!(
                "{}: {own_eips} subnet mapping(s) use an Elastic IP, priced on the aws_eip",
                r.address
            ));
        }
        if azs == 0 {
            return Ok(());
        }
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

pub(super) fn nat_gateway(
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

pub(super) fn vpc_endpoint(r: &Resource, inp: &Inputs, p: &mut Priced) -> Result<(), PriceError> {
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

/// Internet egress of the stack (one line, when something serves the internet): a
/// public load balancer, an API Gateway API (HTTP, WebSocket or REST: "you pay for the
/// API calls you receive and the amount of data transferred out",
/// https://aws.amazon.com/api-gateway/pricing/), a Lambda function URL, or a NAT gateway.
/// The always-free 100 GB a month is applied in the free-tier step.
pub(super) fn data_transfer(stack: &Stack, inp: &Inputs, p: &mut Priced) -> Result<(), PriceError> {
    let public = stack
        .of_type("aws_lb")
        .chain(stack.of_type("aws_alb"))
        .any(|r| r.bool("internal") != Some(true))
        || stack.of_type("aws_nat_gateway").next().is_some()
        || stack.of_type("aws_apigatewayv2_api").next().is_some()
        || stack.of_type("aws_api_gateway_rest_api").any(|r| {
            r.block("endpoint_configuration")
                .and_then(|b| b.get("types"))
                .and_then(|t| t.as_array())
                .is_none_or(|t| !t.iter().any(|v| v.as_str() == Some("PRIVATE")))
        })
        || stack.of_type("aws_lambda_function_url").next().is_some();
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
