//! The ECR listing the tools share: the images of a repository (push-to-ecr prices
//! their storage, cleanup-unused-resources judges which are unused).

use crate::error::{Error, Result};
use crate::paging;
use crate::session::{RequestCounter, Session};

/// One image of a repository, as DescribeImages reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageDetail {
    pub digest: String,
    pub tags: Vec<String>,
    /// Seconds since the epoch (0 when not reported).
    pub pushed_at: i64,
    pub size_bytes: Option<u64>,
}

/// The ECR client of the process's session.
#[derive(Clone)]
pub struct Ecr {
    client: aws_sdk_ecr::Client,
    counter: RequestCounter,
}

impl Ecr {
    pub fn new(session: &Session) -> Ecr {
        Ecr::with_client(aws_sdk_ecr::Client::new(session.sdk()), session.counter())
    }

    /// Around a client built elsewhere (a tool's adapter, a mocked client in tests).
    pub fn with_client(client: aws_sdk_ecr::Client, counter: RequestCounter) -> Ecr {
        Ecr { client, counter }
    }

    /// The SDK client, for the calls only one tool makes (in that tool's adapter).
    pub fn client(&self) -> &aws_sdk_ecr::Client {
        &self.client
    }

    /// The counter this client's requests go to.
    pub fn counter(&self) -> &RequestCounter {
        &self.counter
    }

    /// Every image of `repository` (1,000 a page); `None` when it does not exist.
    pub async fn images(&self, repository: &str) -> Result<Option<Vec<ImageDetail>>> {
        let listed = paging::all("ecr:DescribeImages", |token| async move {
            self.counter.count();
            match self
                .client
                .describe_images()
                .repository_name(repository)
                .set_next_token(token)
                .max_results(1000)
                .send()
                .await
            {
                Ok(p) => {
                    let images = p
                        .image_details
                        .unwrap_or_default()
                        .into_iter()
                        .map(|d| ImageDetail {
                            digest: d.image_digest.unwrap_or_default(),
                            tags: d.image_tags.unwrap_or_default(),
                            pushed_at: d.image_pushed_at.map_or(0, |t| t.secs()),
                            size_bytes: d.image_size_in_bytes.and_then(|b| u64::try_from(b).ok()),
                        })
                        .collect();
                    Ok((images, p.next_token))
                }
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_repository_not_found_exception()) =>
                {
                    Err(Error::NotFound {
                        what: format!("ECR repository {repository}"),
                        hint: None,
                    })
                }
                Err(e) => Err(Error::from_sdk("ecr:DescribeImages", e)),
            }
        })
        .await;
        crate::error::found(listed)
    }
}
