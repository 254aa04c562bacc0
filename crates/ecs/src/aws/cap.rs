//! The spend cap's record (an SSM String parameter written by the cost guard function,
//! terraform/modules/cost-guard) and the calls that undo its stop.

use super::Aws;
use crate::target::Target;
use aws_core::{Error, Result};
use aws_lite::apigateway::{ApiGateway, Throttle};
use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace, SuspendedState};
use aws_sdk_ssm::types::ParameterType;

use aws_core::cap::MAX_RECORD_BYTES;

impl Aws {
    /// The record's text, or `None` when the environment is not capped. A SecureString
    /// or an oversized value under that name is not the guard's record: refused, never
    /// decrypted or printed.
    pub async fn cap_record(&self, name: &str) -> Result<Option<String>> {
        self.count();
        let out = match self.ssm.get_parameter().name(name).send().await {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_parameter_not_found()) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(Error::from_sdk("ssm:GetParameter", e)),
        };
        let Some(p) = out.parameter else {
            return Ok(None);
        };
        if p.r#type != Some(ParameterType::String) {
            return Err(Error::CheckFailed(format!(
                "{name} is not a String parameter: not the spend cap's record; left alone"
            )));
        }
        let value = p.value.unwrap_or_default();
        if value.len() > MAX_RECORD_BYTES {
            return Err(Error::CheckFailed(format!(
                "{name} holds {} bytes: not the spend cap's record; left alone",
                value.len()
            )));
        }
        Ok(Some(value))
    }

    pub async fn delete_cap_record(&self, name: &str) -> Result<()> {
        self.count();
        match self.ssm.delete_parameter().name(name).send().await {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_parameter_not_found()) =>
            {
                Ok(())
            }
            Err(e) => Err(Error::from_sdk("ssm:DeleteParameter", e)),
        }
    }

    /// The scalable target back to `min..max` with scheduled and dynamic scaling on.
    pub async fn resume_target(&self, t: &Target, min: i32, max: i32) -> Result<()> {
        self.count();
        self.aas
            .register_scalable_target()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(format!("service/{}/{}", t.cluster, t.service))
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .min_capacity(min)
            .max_capacity(max)
            .suspended_state(
                SuspendedState::builder()
                    .dynamic_scaling_in_suspended(false)
                    .dynamic_scaling_out_suspended(false)
                    .scheduled_scaling_suspended(false)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| Error::from_sdk("application-autoscaling:RegisterScalableTarget", e))?;
        Ok(())
    }
}

impl Aws {
    /// Sets an HTTP API stage's default route throttle (the cap's 0, or what resume restores).
    pub async fn set_stage_throttle(&self, api_id: &str, stage: &str, t: Throttle) -> Result<()> {
        let api = ApiGateway::new(&self.sdk)?;
        self.count();
        api.set_throttle(api_id, stage, t).await
    }
}
