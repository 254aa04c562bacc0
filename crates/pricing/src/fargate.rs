//! What a Fargate task costs for a number of task-hours: the one computation behind
//! `estimate-costs` (before deploying) and `ecs-scale status` (what runs now), so the
//! two can never disagree.

use crate::catalog::{Catalog, CatalogError};

/// Ephemeral storage every task gets without charge (GB).
pub const FREE_EPHEMERAL_GB: f64 = 20.0;

/// Valid memory sizes (MiB) for a Fargate CPU size (CPU units), from the Fargate task
/// size table (docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html).
/// Empty for a CPU size Fargate does not offer. Terraform keeps its own copy as a
/// validation of the module's variables (`terraform/modules/ecs-service`).
pub fn memory_options(cpu: u32) -> Vec<u32> {
    let gb =
        |from: u32, to: u32, step: usize| (from..=to).step_by(step).map(|g| g * 1024).collect();
    match cpu {
        256 => vec![512, 1024, 2048],
        512 => gb(1, 4, 1),
        1024 => gb(2, 8, 1),
        2048 => gb(4, 16, 1),
        4096 => gb(8, 30, 1),
        8192 => gb(16, 60, 4),
        16384 => gb(32, 120, 8),
        _ => Vec::new(),
    }
}

/// A task as far as its price goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Task {
    pub vcpu: f64,
    pub memory_gb: f64,
    pub arm: bool,
    /// FARGATE_SPOT capacity: priced at the catalog's Spot factor of on-demand.
    pub spot: bool,
    /// Total ephemeral storage (GB); what exceeds [`FREE_EPHEMERAL_GB`] is billed.
    pub ephemeral_gb: f64,
    /// `assign_public_ip`: one public IPv4 per running task.
    pub public_ip: bool,
}

/// One priced dimension of a task.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Component {
    /// What it is, e.g. `Fargate x86 vCPU (Spot)`.
    pub label: String,
    pub price_id: String,
    /// Quantity in `unit` per month (e.g. vCPU-hours).
    pub quantity: f64,
    pub unit: &'static str,
    pub unit_price: f64,
    /// Multiplier applied to `quantity x unit_price` (the Spot factor, else 1).
    pub factor: f64,
    pub monthly: f64,
}

/// A task's monthly cost, component by component.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TaskCost {
    pub task_hours: f64,
    pub components: Vec<Component>,
    /// Compute: vCPU, memory and extra ephemeral storage.
    pub compute: f64,
    pub public_ip: f64,
    pub total: f64,
}

/// The monthly cost of `task` running `task_hours` hours a month in `region`.
pub fn monthly(
    catalog: &Catalog,
    region: &str,
    task: &Task,
    task_hours: f64,
) -> Result<TaskCost, CatalogError> {
    let arch = if task.arm { "arm" } else { "x86" };
    let (factor, suffix) = if task.spot {
        (catalog.price("fargate.spot.factor", region)?, " (Spot)")
    } else {
        (1.0, "")
    };
    let mut components = Vec::new();
    let mut add = |label: String, id: String, quantity: f64, unit: &'static str, factor: f64| {
        let unit_price = catalog.price(&id, region)?;
        components.push(Component {
            label,
            price_id: id,
            quantity,
            unit,
            unit_price,
            factor,
            monthly: quantity * unit_price * factor,
        });
        Ok::<(), CatalogError>(())
    };
    add(
        format!("Fargate {arch} vCPU{suffix}"),
        format!("fargate.{arch}.vcpu_hour"),
        task_hours * task.vcpu,
        "vCPU-hours",
        factor,
    )?;
    add(
        format!("Fargate {arch} memory{suffix}"),
        format!("fargate.{arch}.gb_hour"),
        task_hours * task.memory_gb,
        "GB-hours",
        factor,
    )?;
    if task.ephemeral_gb > FREE_EPHEMERAL_GB {
        add(
            "ephemeral storage beyond 20 GB".into(),
            "fargate.ephemeral.gb_hour".into(),
            task_hours * (task.ephemeral_gb - FREE_EPHEMERAL_GB),
            "GB-hours",
            1.0,
        )?;
    }
    if task.public_ip {
        add(
            "task public IPv4".into(),
            "vpc.public_ipv4.hour".into(),
            task_hours,
            "IP-hours",
            1.0,
        )?;
    }
    let public_ip: f64 = components
        .iter()
        .filter(|c| c.price_id == "vpc.public_ipv4.hour")
        .map(|c| c.monthly)
        .sum();
    let total: f64 = components.iter().map(|c| c.monthly).sum();
    Ok(TaskCost {
        task_hours,
        components,
        compute: total - public_ip,
        public_ip,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task() -> Task {
        Task {
            vcpu: 0.25,
            memory_gb: 0.5,
            arm: false,
            spot: false,
            ephemeral_gb: 20.0,
            public_ip: true,
        }
    }

    #[test]
    fn size_table_matches_aws_docs() {
        assert_eq!(memory_options(256), vec![512, 1024, 2048]);
        assert_eq!(memory_options(512), vec![1024, 2048, 3072, 4096]);
        assert!(memory_options(4096).contains(&30720));
        assert!(!memory_options(8192).contains(&18432));
        assert!(memory_options(300).is_empty());
    }

    #[test]
    fn the_dev_task_on_its_schedule() {
        let c = monthly(&Catalog::builtin(), "us-east-1", &task(), 217.26).expect("priced");
        assert!((c.compute - 2.68).abs() < 0.01, "{c:?}");
        assert!((c.public_ip - 1.09).abs() < 0.01, "{c:?}");
        assert_eq!(c.components.len(), 3);
    }

    #[test]
    fn spot_arm_and_storage_change_the_price() {
        let cat = Catalog::builtin();
        let base = monthly(&cat, "us-east-1", &task(), 730.0).expect("x86");
        let arm = monthly(
            &cat,
            "us-east-1",
            &Task {
                arm: true,
                ..task()
            },
            730.0,
        )
        .expect("arm");
        let spot = monthly(
            &cat,
            "us-east-1",
            &Task {
                spot: true,
                ..task()
            },
            730.0,
        )
        .expect("spot");
        let disk = monthly(
            &cat,
            "us-east-1",
            &Task {
                ephemeral_gb: 50.0,
                ..task()
            },
            730.0,
        )
        .expect("disk");
        assert!(arm.compute < base.compute);
        assert!(spot.compute < base.compute && spot.public_ip == base.public_ip);
        assert!(disk.compute > base.compute && disk.components.len() == 4);
    }

    #[test]
    fn an_unpriced_region_is_an_error_not_zero() {
        assert!(monthly(&Catalog::builtin(), "sa-east-1", &task(), 730.0).is_err());
    }
}
