//! CloudWatch log groups and DynamoDB tables.

use super::*;

/// Retention in days; 0 or absent means never expire.
pub fn retention_days(r: &Resource) -> Option<f64> {
    r.num("retention_in_days").filter(|d| *d > 0.0)
}

pub(super) fn log_group(r: &Resource, inp: &Inputs, p: &mut Priced) -> Result<(), PriceError> {
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
    // Storage is billed on the compressed archive, not the bytes ingested.
    let ratio = inp.usage.get(&r.address, "log_archive_ratio");
    p.assumptions.push(format!(
        "{}: stored logs are {:.0} % of the ingested bytes once compressed (usage: log_archive_ratio)",
        r.address,
        ratio * 100.0
    ));
    let stored = ingest * ratio * days / 30.0;
    let mut l = line(
        r,
        inp,
        "log storage",
        stored,
        "GB-months",
        "cloudwatch.logs.storage.gb_month",
    )?;
    l.explain = format!(
        "{ingest} GB x {ratio} archived x {days} days / 30 = {} GB x ${} = ${:.2}",
        fmt_qty(stored),
        l.unit_price,
        l.monthly
    );
    p.lines.push(l);
    Ok(())
}

/// The floor Application Auto Scaling keeps a table's `dimension` at
/// (`dynamodb:table:ReadCapacityUnits` or `...WriteCapacityUnits`), when a target
/// names the table.
fn autoscaling_floor(stack: &Stack, table: &Resource, dimension: &str) -> Option<f64> {
    let name = table.str("name").unwrap_or(&table.name);
    stack
        .of_type("aws_appautoscaling_target")
        .filter(|t| t.str("service_namespace") == Some("dynamodb"))
        .filter(|t| t.str("scalable_dimension") == Some(dimension))
        .find(|t| {
            t.str("resource_id") == Some(&format!("table/{name}"))
                || t.reference("resource_id").as_deref() == Some(table.address.as_str())
        })
        .and_then(|t| t.num("min_capacity"))
}

pub(super) fn dynamodb(
    stack: &Stack,
    r: &Resource,
    inp: &Inputs,
    p: &mut Priced,
) -> Result<(), PriceError> {
    let h = inp.catalog.hours_per_month;
    if r.str("billing_mode") == Some("PAY_PER_REQUEST") {
        p.not_priced.push(not_priced(r, "on-demand capacity is billed per request; request volume is not modelled (and the always-free 25 RCU/WCU apply only to provisioned mode)"));
        return Ok(());
    }
    let mut capacity = |key: &str, dimension: &str| -> Result<f64, PriceError> {
        let set = number(r, key, true)?.unwrap_or(0.0);
        Ok(match autoscaling_floor(stack, r, dimension) {
            Some(min) if min > set => {
                p.assumptions.push(format!(
                    "{}: autoscaling min_capacity {min} is above {key} = {set}: priced at {min}",
                    r.address
                ));
                min
            }
            _ => set,
        })
    };
    let rcu = capacity("read_capacity", "dynamodb:table:ReadCapacityUnits")?;
    let wcu = capacity("write_capacity", "dynamodb:table:WriteCapacityUnits")?;
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
