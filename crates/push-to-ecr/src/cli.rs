//! `push-to-ecr` arguments; the command itself is [`crate::push::run`].

use crate::prepare::Options;
use crate::push::{self, Destination, Request, Source};
use crate::registry;
use aws_core::cli::GlobalArgs;
use aws_core::{Context, Error, Result};
use clap::Parser;
use std::path::PathBuf;

const EXAMPLES: &str = "\
Examples:
  # build docker/ and push it
  push-to-ecr --tag latest --environment dev
  # an archive (docker save, or an OCI layout)
  push-to-ecr --archive app.tar --tag v42 --environment dev
  # from the local Docker/Podman daemon
  push-to-ecr --image myapp:dev --tag v42 --latest
  # to another OCI registry
  push-to-ecr --archive app.tar --registry 127.0.0.1:5000/fft/app --tag dev
  # what would be uploaded
  push-to-ecr --archive app.tar --tag v42 --dry-run
  # push, then deploy exactly that digest
  ecs-deploy --environment dev --image \\
    \"$(push-to-ecr --archive app.tar --tag v42 -o json | jq -r .image)\"";

#[derive(Debug, Parser)]
#[command(
    name = "push-to-ecr",
    version,
    about = "Push a container image to ECR (or any OCI registry): daemonless, idempotent, by digest.",
    long_about = "Push a container image to ECR (or any OCI registry): daemonless, idempotent, by digest.\n\n\
The image comes from an archive (`docker save` output, either layout, or an OCI image\n\
layout directory or tar), from a local Docker/Podman daemon (--image), or from a build\n\
of docker/ (--build, the default when no source is given). Every digest is computed\n\
here and checked; uncompressed layers are gzipped. Blobs go up through the ECR API\n\
(no `docker login`); blobs the repository has are skipped, so a re-push of the same\n\
image sends no layer and says it is up to date.\n\n\
Tags: the image is pushed under a pinned tag that never moves to another image (--tag,\n\
or git-<commit> of a clean --build, or sha256-<digest prefix>); `--tag latest` (or\n\
--latest) also moves `latest`, where the repository allows it. The output names the\n\
image by digest: deploy that. After the push, the repository's stored size and its\n\
monthly storage cost are shown.",
    after_help = EXAMPLES,
    after_long_help = format!("{EXAMPLES}\n\n\
Environment: REGISTRY_USERNAME and REGISTRY_PASSWORD authenticate to a --registry (basic\n\
or token service); ECR uses the AWS credentials of --profile / the environment.\n\n{}", aws_core::exit::help_footer()),
)]
pub struct Cli {
    /// A `docker save` archive, or an OCI image layout (directory or tar); gzipped is fine.
    #[arg(long, value_name = "FILE", group = "source")]
    pub archive: Option<PathBuf>,
    /// An image in the local Docker or Podman daemon (read with `save`).
    #[arg(long, value_name = "NAME", group = "source")]
    pub image: Option<String>,
    /// Build this context with docker, podman or buildah (default when no source is given: docker/).
    #[arg(long, value_name = "DIR", group = "source", num_args = 0..=1, default_missing_value = "docker")]
    pub build: Option<PathBuf>,
    /// Pinned tag (`latest` means: pin a derived tag and move `latest` too).
    #[arg(long)]
    pub tag: Option<String>,
    /// Also move `latest` to this image.
    #[arg(long)]
    pub latest: bool,
    /// ECR repository (default: `ecr_repository` of the environment in fargate.toml, else
    /// the `ecr_repository_url` output of its Terraform root).
    #[arg(long, value_name = "NAME", conflicts_with = "registry")]
    pub repository: Option<String>,
    /// Push to an OCI registry instead of ECR: HOST[:PORT]/REPOSITORY (http for
    /// localhost, else https unless the value starts with http://).
    #[arg(long, value_name = "HOST/REPO")]
    pub registry: Option<String>,
    /// With --registry: repositories of the same registry to mount shared blobs from (repeatable).
    #[arg(long, value_name = "REPO", requires = "registry")]
    pub mount_from: Vec<String>,
    /// Create the ECR repository when it does not exist (scan on push, lifecycle
    /// policy); never for the repository Terraform manages.
    #[arg(long, conflicts_with = "registry")]
    pub create_repo: bool,
    /// Read, check and compare only: report what would be uploaded; push nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// gzip level (1 fastest - 9 smallest) for layers that arrive uncompressed.
    #[arg(long, value_name = "1-9", default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=9))]
    pub gzip_level: u32,
    /// Compress every uncompressed layer again instead of trusting the digests recorded
    /// for it in ~/.cache/fargate-free-tier (used to skip compressing layers the
    /// registry already has).
    #[arg(long)]
    pub no_cache: bool,

    #[command(flatten)]
    pub global: GlobalArgs,
}

impl Cli {
    pub fn request(self) -> Result<Request> {
        let source = match (self.archive, self.image, self.build) {
            (Some(a), _, _) => Source::Archive(a),
            (_, Some(i), _) => {
                if i.is_empty()
                    || i.starts_with('-')
                    || i.chars().any(|c| c.is_whitespace() || c.is_control())
                {
                    return Err(Error::Invalid(format!(
                        "--image {i:?} is not an image name"
                    )));
                }
                Source::Daemon(i)
            }
            (_, _, Some(b)) => Source::Build(b),
            (None, None, None) => Source::Build(PathBuf::from("docker")),
        };
        let destination = match self.registry {
            Some(r) => {
                let target = registry::Target::parse(&r).map_err(Error::Invalid)?;
                for m in &self.mount_from {
                    registry::Target::parse(&format!("{}/{m}", target.host))
                        .map_err(Error::Invalid)?;
                }
                Destination::Registry {
                    target,
                    mount_from: self.mount_from,
                }
            }
            None => Destination::Ecr(self.repository),
        };
        Ok(Request {
            source,
            destination,
            tag: self.tag,
            latest: self.latest,
            create_repo: self.create_repo,
            dry_run: self.dry_run,
            options: Options {
                gzip_level: self.gzip_level,
                ..Options::default()
            },
            no_cache: self.no_cache,
        })
    }
}

pub async fn main(cli: Cli) -> Result<()> {
    let ctx = Context::resolve(&cli.global)?;
    let request = cli.request()?;
    push::run(&ctx, request).await
}
