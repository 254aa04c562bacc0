//! RDS instances, storage and Extended Support by engine, version and year.

use super::*;

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
pub(super) fn too_old_to_create(engine: &str, version: &str) -> bool {
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

pub(super) fn db_instance(r: &Resource, inp: &Inputs, p: &mut Priced) -> Result<(), PriceError> {
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
