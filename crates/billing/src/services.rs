//! Short service names of `check-daily-costs --services` and the Cost Explorer
//! SERVICE values each one stands for: the one table (README and `--help` show it).

/// A short name and the Cost Explorer `SERVICE` dimension values it covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Service {
    pub short: &'static str,
    pub cost_explorer: &'static [&'static str],
    pub note: &'static str,
}

pub const SERVICES: &[Service] = &[
    Service {
        short: "ec2",
        cost_explorer: &["Amazon Elastic Compute Cloud - Compute", "EC2 - Other"],
        note: "instances; EBS, NAT gateways and data transfer (EC2 - Other)",
    },
    Service {
        short: "ecs",
        cost_explorer: &["Amazon Elastic Container Service"],
        note: "Fargate tasks",
    },
    Service {
        short: "ecr",
        cost_explorer: &["Amazon EC2 Container Registry (ECR)"],
        note: "image storage",
    },
    Service {
        short: "rds",
        cost_explorer: &["Amazon Relational Database Service"],
        note: "instances, storage, Extended Support",
    },
    Service {
        short: "cloudwatch",
        cost_explorer: &["AmazonCloudWatch"],
        note: "metrics, alarms, logs",
    },
    Service {
        short: "elb",
        cost_explorer: &["Amazon Elastic Load Balancing"],
        note: "load balancer hours and LCUs",
    },
    Service {
        short: "vpc",
        cost_explorer: &["Amazon Virtual Private Cloud"],
        note: "public IPv4 addresses, VPC endpoints",
    },
    Service {
        short: "apigateway",
        cost_explorer: &["Amazon API Gateway"],
        note: "HTTP API requests",
    },
    Service {
        short: "s3",
        cost_explorer: &["Amazon Simple Storage Service"],
        note: "Terraform state, buckets",
    },
    Service {
        short: "dynamodb",
        cost_explorer: &["Amazon DynamoDB"],
        note: "tables",
    },
    Service {
        short: "lambda",
        cost_explorer: &["AWS Lambda"],
        note: "functions",
    },
    Service {
        short: "kms",
        cost_explorer: &["AWS Key Management Service"],
        note: "customer-managed keys, requests",
    },
    Service {
        short: "secretsmanager",
        cost_explorer: &["AWS Secrets Manager"],
        note: "secrets",
    },
    Service {
        short: "ssm",
        cost_explorer: &["AWS Systems Manager"],
        note: "advanced parameters, higher throughput",
    },
    Service {
        short: "route53",
        cost_explorer: &["Amazon Route 53"],
        note: "hosted zones, queries",
    },
    Service {
        short: "sns",
        cost_explorer: &["Amazon Simple Notification Service"],
        note: "alert topics",
    },
    Service {
        short: "cloudmap",
        cost_explorer: &["AWS Cloud Map"],
        note: "service discovery",
    },
    Service {
        short: "costexplorer",
        cost_explorer: &["AWS Cost Explorer"],
        note: "API requests, each one billed",
    },
    Service {
        short: "tax",
        cost_explorer: &["Tax"],
        note: "sales tax / VAT",
    },
];

/// Resolve `ec2,rds,ecs`: every name must be known (the error lists the valid ones);
/// a name given twice counts once.
pub fn resolve(list: &str) -> Result<Vec<&'static Service>, String> {
    let mut out: Vec<&'static Service> = Vec::new();
    let mut unknown = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match SERVICES.iter().find(|s| s.short.eq_ignore_ascii_case(name)) {
            Some(s) if out.iter().any(|o| o.short == s.short) => {}
            Some(s) => out.push(s),
            None => unknown.push(name.to_string()),
        }
    }
    if !unknown.is_empty() {
        return Err(format!(
            "unknown service {}; valid: {}",
            unknown.join(", "),
            SERVICES
                .iter()
                .map(|s| s.short)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if out.is_empty() {
        return Err("no service named; e.g. --services ec2,rds,ecs,cloudwatch".into());
    }
    Ok(out)
}

/// The short name of a Cost Explorer SERVICE value, or the value itself.
pub fn short_of(cost_explorer: &str) -> &str {
    SERVICES
        .iter()
        .find(|s| s.cost_explorer.contains(&cost_explorer))
        .map_or(cost_explorer, |s| s.short)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_list_resolves_and_unknown_names_list_the_valid_ones() {
        let got = resolve("ec2,rds,ecs,cloudwatch").expect("valid");
        let shorts: Vec<&str> = got.iter().map(|s| s.short).collect();
        assert_eq!(shorts, ["ec2", "rds", "ecs", "cloudwatch"]);
        assert_eq!(got[0].cost_explorer.len(), 2, "EC2 - Other is EC2's too");
        assert_eq!(resolve("EC2, ec2 ,").expect("dedup").len(), 1);
        let e = resolve("ec2,fargate,xyz").expect_err("unknown");
        assert!(
            e.starts_with("unknown service fargate, xyz; valid: ec2, ecs"),
            "{e}"
        );
        assert!(resolve(",").is_err());
        assert_eq!(short_of("EC2 - Other"), "ec2");
        assert_eq!(short_of("Amazon Foo"), "Amazon Foo");
    }
}
