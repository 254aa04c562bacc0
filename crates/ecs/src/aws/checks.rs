//! The pre-deployment lookups: an image in ECR, SSM parameters, the execution role.

use super::Aws;
use aws_core::{Error, Result};
use aws_sdk_ecr::types::ImageIdentifier;

/// What ECR knows of an image reference.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageLookup {
    /// The image exists; its digest when ECR reported one.
    Found {
        digest: Option<String>,
    },
    ImageMissing,
    RepositoryMissing,
}

#[derive(Debug)]
pub enum RoleLookup {
    Exists,
    Missing,
    /// Not allowed to read IAM (or another error): no reason to refuse a deploy.
    Unknown(Error),
}

impl Aws {
    /// The region of the ECR client (images elsewhere are not looked up).
    pub fn ecr_region(&self) -> Option<String> {
        self.ecr.config().region().map(|r| r.to_string())
    }

    /// Look up `repository:reference` (a tag or `sha256:` digest) in the registry of
    /// `account`, so a cross-account image is looked up where it lives.
    pub async fn lookup_image(
        &self,
        account: &str,
        repository: &str,
        reference: &str,
    ) -> Result<ImageLookup> {
        let id = if reference.starts_with("sha256:") {
            ImageIdentifier::builder().image_digest(reference).build()
        } else {
            ImageIdentifier::builder().image_tag(reference).build()
        };
        self.count();
        match self
            .ecr
            .describe_images()
            .registry_id(account)
            .repository_name(repository)
            .image_ids(id)
            .send()
            .await
        {
            Ok(found) => Ok(ImageLookup::Found {
                digest: found
                    .image_details()
                    .first()
                    .and_then(|d| d.image_digest())
                    .map(str::to_string),
            }),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_image_not_found_exception()) =>
            {
                Ok(ImageLookup::ImageMissing)
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_repository_not_found_exception()) =>
            {
                Ok(ImageLookup::RepositoryMissing)
            }
            Err(e) => Err(Error::from_sdk("ecr:DescribeImages", e)),
        }
    }

    /// The names among `names` that do not exist (values are not decrypted).
    pub async fn missing_parameters(&self, names: &[String]) -> Result<Vec<String>> {
        let mut missing = Vec::new();
        for chunk in names.chunks(10) {
            self.count();
            let res = self
                .ssm
                .get_parameters()
                .set_names(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| Error::from_sdk("ssm:GetParameters", e))?;
            missing.extend(res.invalid_parameters.unwrap_or_default());
        }
        Ok(missing)
    }

    pub async fn role(&self, name: &str) -> RoleLookup {
        self.count();
        match self.iam.get_role().role_name(name).send().await {
            Ok(_) => RoleLookup::Exists,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_no_such_entity_exception()) =>
            {
                RoleLookup::Missing
            }
            Err(e) => RoleLookup::Unknown(Error::from_sdk("iam:GetRole", e)),
        }
    }
}
