//! Application Auto Scaling: the service's scalable target and scheduled actions.

use super::Aws;
use crate::target::Target;
use aws_core::{Error, Result};
use aws_sdk_applicationautoscaling::types::{
    ScalableDimension, ScalableTargetAction, ServiceNamespace,
};
use serde::Serialize;

fn resource_id(t: &Target) -> String {
    format!("service/{}/{}", t.cluster, t.service)
}

#[derive(Debug, Clone, Serialize)]
pub struct ScalableTarget {
    pub min: i32,
    pub max: i32,
    /// Scheduled scaling suspended (the spend cap suspends it so the working-hours
    /// schedule cannot start the service again).
    pub schedule_suspended: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScheduledAction {
    pub name: String,
    pub schedule: String,
    pub timezone: Option<String>,
    pub min: Option<i32>,
    pub max: Option<i32>,
}

impl Aws {
    pub async fn scalable_target(&self, t: &Target) -> Result<Option<ScalableTarget>> {
        self.count();
        let out = self
            .aas
            .describe_scalable_targets()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_ids(resource_id(t))
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .send()
            .await
            .map_err(|e| Error::from_sdk("application-autoscaling:DescribeScalableTargets", e))?;
        Ok(out
            .scalable_targets
            .unwrap_or_default()
            .into_iter()
            .next()
            .map(|s| ScalableTarget {
                min: s.min_capacity,
                max: s.max_capacity,
                schedule_suspended: s
                    .suspended_state
                    .and_then(|x| x.scheduled_scaling_suspended)
                    .unwrap_or(false),
            }))
    }

    pub async fn register_target(&self, t: &Target, min: i32, max: i32) -> Result<()> {
        self.count();
        self.aas
            .register_scalable_target()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(resource_id(t))
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .min_capacity(min)
            .max_capacity(max)
            .send()
            .await
            .map_err(|e| Error::from_sdk("application-autoscaling:RegisterScalableTarget", e))?;
        Ok(())
    }

    pub async fn scheduled_actions(&self, t: &Target) -> Result<Vec<ScheduledAction>> {
        self.count();
        let out = self
            .aas
            .describe_scheduled_actions()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(resource_id(t))
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .send()
            .await
            .map_err(|e| Error::from_sdk("application-autoscaling:DescribeScheduledActions", e))?;
        Ok(out
            .scheduled_actions
            .unwrap_or_default()
            .into_iter()
            .map(|a| ScheduledAction {
                name: a.scheduled_action_name,
                schedule: a.schedule,
                timezone: a.timezone,
                min: a
                    .scalable_target_action
                    .as_ref()
                    .and_then(|s| s.min_capacity),
                max: a
                    .scalable_target_action
                    .as_ref()
                    .and_then(|s| s.max_capacity),
            })
            .collect())
    }

    pub async fn put_action(
        &self,
        t: &Target,
        name: &str,
        cron: &str,
        tz: &str,
        min: i32,
        max: i32,
    ) -> Result<()> {
        self.count();
        self.aas
            .put_scheduled_action()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(resource_id(t))
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .scheduled_action_name(name)
            .schedule(cron)
            .timezone(tz)
            .scalable_target_action(
                ScalableTargetAction::builder()
                    .min_capacity(min)
                    .max_capacity(max)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| Error::from_sdk("application-autoscaling:PutScheduledAction", e))?;
        Ok(())
    }

    pub async fn deregister_target(&self, t: &Target) -> Result<()> {
        self.count();
        self.aas
            .deregister_scalable_target()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(resource_id(t))
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .send()
            .await
            .map_err(|e| Error::from_sdk("application-autoscaling:DeregisterScalableTarget", e))?;
        Ok(())
    }

    pub async fn delete_action(&self, t: &Target, name: &str) -> Result<()> {
        self.count();
        self.aas
            .delete_scheduled_action()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(resource_id(t))
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .scheduled_action_name(name)
            .send()
            .await
            .map_err(|e| Error::from_sdk("application-autoscaling:DeleteScheduledAction", e))?;
        Ok(())
    }
}
