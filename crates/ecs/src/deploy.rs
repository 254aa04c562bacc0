//! `ecs-deploy`: change only what was asked, verify it can work, register, update,
//! and watch until the outcome is certain.

use crate::observe::{self, Calls};
use crate::rollout::{self, Outcome, Watcher};
use crate::target::Target;
use crate::taskdef::{self, Change, Container, Diff};
use aws_core::output::Output;
use aws_core::progress::Spinner;
use aws_core::{Error, Result};
use aws_sdk_ecs::types::{ContainerDefinition, KeyValuePair, Secret, TaskDefinition};
use serde::Serialize;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

pub struct Clients {
    pub ecs: aws_sdk_ecs::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub iam: aws_sdk_iam::Client,
}

impl Clients {
    pub fn new(sdk: &aws_core::SdkConfig) -> Clients {
        Clients {
            ecs: aws_sdk_ecs::Client::new(sdk),
            ecr: aws_sdk_ecr::Client::new(sdk),
            ssm: aws_sdk_ssm::Client::new(sdk),
            iam: aws_sdk_iam::Client::new(sdk),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub change: Change,
    pub dry_run: bool,
    pub wait: bool,
    pub timeout: Duration,
    /// Deregister the failed revision after a rollback.
    pub deregister_failed: bool,
    /// Skip the pre-deployment checks (image, parameters, role).
    pub skip_checks: bool,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub cluster: String,
    pub service: String,
    pub previous_task_definition: String,
    pub task_definition: String,
    pub diff: Vec<String>,
    pub outcome: Option<Outcome>,
    pub stop_reasons: Vec<String>,
    pub api_calls: u32,
    pub seconds: u64,
}

impl Report {
    fn new(t: &Target, previous: &str, target: &str, diff: Vec<String>) -> Report {
        Report {
            cluster: t.cluster.clone(),
            service: t.service.clone(),
            previous_task_definition: previous.to_string(),
            task_definition: target.to_string(),
            diff,
            outcome: None,
            stop_reasons: Vec::new(),
            api_calls: 0,
            seconds: 0,
        }
    }
}

fn container_of(c: &ContainerDefinition) -> Container {
    Container {
        name: c.name.clone().unwrap_or_default(),
        image: c.image.clone().unwrap_or_default(),
        env: c
            .environment()
            .iter()
            .map(|kv| {
                (
                    kv.name.clone().unwrap_or_default(),
                    kv.value.clone().unwrap_or_default(),
                )
            })
            .collect(),
        secrets: c
            .secrets()
            .iter()
            .map(|s| (s.name.clone(), s.value_from.clone()))
            .collect(),
    }
}

fn with_changes(def: &ContainerDefinition, c: &Container) -> ContainerDefinition {
    let mut out = def.clone();
    out.image = Some(c.image.clone());
    out.environment = Some(
        c.env
            .iter()
            .map(|(k, v)| KeyValuePair::builder().name(k).value(v).build())
            .collect(),
    );
    let secrets: Vec<Secret> = c
        .secrets
        .iter()
        .filter_map(|(k, v)| Secret::builder().name(k).value_from(v).build().ok())
        .collect();
    out.secrets = if secrets.is_empty() {
        None
    } else {
        Some(secrets)
    };
    out
}

pub async fn deploy(clients: &Clients, t: &Target, opts: &Options, out: &Output) -> Result<Report> {
    let started = Instant::now();
    let calls = Calls::default();
    let service = observe::describe_service(&clients.ecs, t, &calls).await?;
    let current_arn = service.task_definition.clone().unwrap_or_default();
    let current = observe::describe_task_definition(&clients.ecs, &current_arn, &calls).await?;

    let containers: Vec<Container> = current
        .container_definitions()
        .iter()
        .map(container_of)
        .collect();
    let chosen =
        taskdef::pick(&containers, opts.change.container.as_deref()).map_err(Error::invalid)?;
    let (mut new_container, diff) = taskdef::apply(chosen, &opts.change);
    print_diff(out, &current_arn, &diff);

    if opts.skip_checks {
        out.note("--skip-checks: the image is deployed by tag, not pinned to its digest");
    } else if let Some(digest) = verify(clients, &current, &new_container, out, &calls).await? {
        // Deploy exactly the image checked: a tag pushed again later cannot change
        // what new tasks (scaling, replacements) run.
        if diff.lines.iter().any(|l| l.starts_with("image:")) {
            let pinned = taskdef::pin_digest(&new_container.image, &digest);
            out.note(format!("pinned {} to {pinned}", new_container.image));
            new_container.image = pinned;
        }
    }
    let mut report = Report::new(t, &current_arn, &current_arn, diff.lines.clone());
    if opts.dry_run {
        out.note("dry run: checks passed; nothing was registered or deployed");
        report.api_calls = calls.get();
        return Ok(report);
    }

    let target_arn = if diff.lines.is_empty() {
        out.note("nothing changes in the task definition: forcing a new deployment of the current revision");
        current_arn.clone()
    } else {
        calls.add();
        register(clients, &current, &chosen.name, &new_container).await?
    };
    report.task_definition = target_arn.clone();
    let before = observe::snapshot_of(&service);
    let force = diff.lines.is_empty();
    let outcome = match roll_out(
        clients,
        t,
        &current_arn,
        &target_arn,
        force,
        &before,
        opts,
        out,
        &calls,
        &mut report,
    )
    .await
    {
        Ok(o) => o,
        Err(e) => {
            // Nothing runs the revision we registered: do not leave it behind.
            if target_arn != current_arn {
                deregister(clients, &target_arn, "the unused revision", out).await;
            }
            return Err(e);
        }
    };
    report.seconds = started.elapsed().as_secs();
    let Some(outcome) = outcome else {
        return Ok(report);
    };
    if let Outcome::RolledBack { .. } = outcome
        && opts.deregister_failed
        && target_arn != current_arn
    {
        deregister(clients, &target_arn, "the failed revision", out).await;
    }
    Ok(report)
}

/// Deregister a revision nothing should run, and say what happened (a failure here
/// is a warning: the deploy's own outcome stands).
pub async fn deregister(clients: &Clients, arn: &str, what: &str, out: &Output) {
    match clients
        .ecs
        .deregister_task_definition()
        .task_definition(arn)
        .send()
        .await
    {
        Ok(_) => out.note(format!("deregistered {what} {}", short(arn))),
        Err(e) => out.warn(format!(
            "could not deregister {what} {}: {}; deregister it by hand",
            short(arn),
            Error::from_sdk("ecs:DeregisterTaskDefinition", e)
        )),
    }
}

fn short(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn print_diff(out: &Output, current: &str, diff: &Diff) {
    if diff.lines.is_empty() {
        return;
    }
    let mut s = format!("{} container {}:", short(current), diff.container);
    for l in &diff.lines {
        s.push_str(&format!("\n  ~ {l}"));
    }
    out.note(s);
}

/// Everything that would make the new revision fail to start, checked before any change.
/// Returns the image's digest when it is a tag in an ECR repository of this region.
async fn verify(
    clients: &Clients,
    td: &TaskDefinition,
    c: &Container,
    out: &Output,
    calls: &Calls,
) -> Result<Option<String>> {
    let mut digest = None;
    let client_region = clients.ecr.config().region().map(|r| r.to_string());
    let ecr = taskdef::parse_ecr(&c.image);
    if let Some((_, region, _, _)) = &ecr
        && client_region.as_deref() != Some(region.as_str())
    {
        out.note(format!(
            "image {} is in ECR in {region}, not in this region: not checked",
            c.image
        ));
    } else if let Some((account, _, repo, reference)) = ecr {
        let id = if reference.starts_with("sha256:") {
            aws_sdk_ecr::types::ImageIdentifier::builder()
                .image_digest(&reference)
                .build()
        } else {
            aws_sdk_ecr::types::ImageIdentifier::builder()
                .image_tag(&reference)
                .build()
        };
        calls.add();
        // The account in the URI: a cross-account image is looked up where it lives.
        match clients
            .ecr
            .describe_images()
            .registry_id(&account)
            .repository_name(&repo)
            .image_ids(id)
            .send()
            .await
        {
            Ok(found) => {
                if !reference.starts_with("sha256:") {
                    digest = found
                        .image_details()
                        .first()
                        .and_then(|d| d.image_digest())
                        .map(str::to_string);
                }
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_image_not_found_exception()) =>
            {
                return Err(Error::NotFound {
                    what: format!("image {} in ECR", c.image),
                    hint: Some(
                        "push it first (docker push after `aws ecr get-login-password | docker login`); nothing was changed"
                            .into(),
                    ),
                });
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_repository_not_found_exception()) =>
            {
                return Err(Error::NotFound {
                    what: format!("ECR repository {repo} in account {account}"),
                    hint: Some("apply terraform/global first; nothing was changed".into()),
                });
            }
            Err(e) => return Err(Error::from_sdk("ecr:DescribeImages", e)),
        }
    } else {
        out.note(format!("image {} is not in ECR: not checked", c.image));
    }
    let params: Vec<String> = c
        .secrets
        .iter()
        .filter(|(_, v)| !v.contains(":secretsmanager:"))
        .map(|(_, v)| match v.split_once(":parameter") {
            Some((_, name)) => name.to_string(),
            None => v.clone(),
        })
        .collect();
    for chunk in params.chunks(10) {
        calls.add();
        let res = clients
            .ssm
            .get_parameters()
            .set_names(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| Error::from_sdk("ssm:GetParameters", e))?;
        let missing = res.invalid_parameters.unwrap_or_default();
        if !missing.is_empty() {
            return Err(Error::NotFound {
                what: format!(
                    "SSM parameter(s) referenced as secrets ({})",
                    missing.join(", ")
                ),
                hint: Some(
                    "create them with `parameter-store create --name NAME --type SecureString`; \
                     nothing was changed"
                        .into(),
                ),
            });
        }
    }
    if let Some(role) = td.execution_role_arn() {
        let name = role.rsplit('/').next().unwrap_or(role);
        calls.add();
        match clients.iam.get_role().role_name(name).send().await {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_no_such_entity_exception()) =>
            {
                return Err(Error::NotFound {
                    what: format!("execution role {role}"),
                    hint: Some("apply terraform/global; nothing was changed".into()),
                });
            }
            // Not being allowed to read IAM is no reason to refuse a deploy.
            Err(e) => tracing::info!(
                "could not check the execution role: {}",
                Error::from_sdk("iam:GetRole", e)
            ),
        }
    }
    Ok(digest)
}

async fn register(
    clients: &Clients,
    td: &TaskDefinition,
    container: &str,
    c: &Container,
) -> Result<String> {
    let defs: Vec<ContainerDefinition> = td
        .container_definitions()
        .iter()
        .map(|d| {
            if d.name.as_deref() == Some(container) {
                with_changes(d, c)
            } else {
                d.clone()
            }
        })
        .collect();
    let res = clients
        .ecs
        .register_task_definition()
        .family(td.family.clone().unwrap_or_default())
        .set_task_role_arn(td.task_role_arn.clone())
        .set_execution_role_arn(td.execution_role_arn.clone())
        .set_network_mode(td.network_mode.clone())
        .set_container_definitions(Some(defs))
        .set_volumes(td.volumes.clone())
        .set_placement_constraints(td.placement_constraints.clone())
        .set_requires_compatibilities(td.requires_compatibilities.clone())
        .set_cpu(td.cpu.clone())
        .set_memory(td.memory.clone())
        .set_pid_mode(td.pid_mode.clone())
        .set_ipc_mode(td.ipc_mode.clone())
        .set_proxy_configuration(td.proxy_configuration.clone())
        .set_ephemeral_storage(td.ephemeral_storage.clone())
        .set_runtime_platform(td.runtime_platform.clone())
        .send()
        .await
        .map_err(|e| Error::from_sdk("ecs:RegisterTaskDefinition", e))?;
    res.task_definition
        .and_then(|t| t.task_definition_arn)
        .ok_or_else(|| Error::Failed("RegisterTaskDefinition returned no ARN".into()))
}

#[allow(clippy::too_many_arguments)]
async fn watch(
    clients: &Clients,
    t: &Target,
    target_arn: &str,
    before: &rollout::Snapshot,
    first: &rollout::Snapshot,
    timeout: Duration,
    out: &Output,
    calls: &Calls,
    report: &mut Report,
) -> Result<Outcome> {
    let started = Instant::now();
    let mut watcher = Watcher::new(target_arn, before, timeout);
    let mut seen_tasks: BTreeSet<String> = BTreeSet::new();
    // Tasks stopped before this deployment are history, not news.
    let _ = observe::new_stopped_tasks(&clients.ecs, t, &mut seen_tasks, calls).await?;
    let spinner = Spinner::new(
        format!("waiting for {} to roll out", short(target_arn)),
        out.quiet || out.is_json(),
    );
    let (mut outcome, _) = watcher.observe(first, started.elapsed());
    let mut poller = crate::poll::Poller::new(crate::poll::ROLLOUT, timeout);
    while !outcome.is_final() {
        poller.wait().await;
        let service = observe::describe_service(&clients.ecs, t, calls).await?;
        let mut snap = observe::snapshot_of(&service);
        snap.stopped_tasks =
            observe::new_stopped_tasks(&clients.ecs, t, &mut seen_tasks, calls).await?;
        let (o, progress) = watcher.observe(&snap, started.elapsed());
        for e in &progress.new_events {
            spinner.println(format!("  event: {}", e.message));
        }
        for s in &progress.new_stopped {
            spinner.println(format!("  {}", s.summary()));
        }
        spinner.set_message(format!(
            "{} ({}s)",
            progress.line,
            started.elapsed().as_secs()
        ));
        outcome = o;
    }
    spinner.finish();
    report.stop_reasons = watcher.stop_reasons.clone();
    if !matches!(outcome, Outcome::Succeeded) {
        for e in &watcher.recent_events {
            out.note(format!("  last event: {e}"));
        }
    }
    Ok(outcome)
}

/// `--rollback`: the revision before the current one in the same family.
pub async fn previous_revision(
    clients: &Clients,
    t: &Target,
    out: &Output,
) -> Result<(String, String)> {
    let calls = Calls::default();
    let service = observe::describe_service(&clients.ecs, t, &calls).await?;
    let current = service.task_definition.clone().unwrap_or_default();
    let family_rev = short(&current);
    let (family, rev) = family_rev
        .rsplit_once(':')
        .ok_or_else(|| Error::Failed(format!("cannot read the revision of {current}")))?;
    let rev: i64 = rev
        .parse()
        .map_err(|_| Error::Failed(format!("cannot read the revision of {current}")))?;
    let list = clients
        .ecs
        .list_task_definitions()
        .family_prefix(family)
        .sort(aws_sdk_ecs::types::SortOrder::Desc)
        .send()
        .await
        .map_err(|e| Error::from_sdk("ecs:ListTaskDefinitions", e))?
        .task_definition_arns
        .unwrap_or_default();
    let previous = list
        .into_iter()
        .find(|a| {
            short(a)
                .rsplit_once(':')
                .and_then(|(f, r)| (f == family).then(|| r.parse::<i64>().ok()).flatten())
                .is_some_and(|r| r < rev)
        })
        .ok_or_else(|| Error::NotFound {
            what: format!("an active revision of {family} older than {rev}"),
            hint: Some("nothing to roll back to".into()),
        })?;
    out.note(format!(
        "rolling back {} -> {}",
        family_rev,
        short(&previous)
    ));
    Ok((current, previous))
}

/// Deploy a given revision (rollback) and watch it.
pub async fn deploy_revision(
    clients: &Clients,
    t: &Target,
    arn: &str,
    opts: &Options,
    out: &Output,
) -> Result<Report> {
    let started = Instant::now();
    let calls = Calls::default();
    let service = observe::describe_service(&clients.ecs, t, &calls).await?;
    let before = observe::snapshot_of(&service);
    let previous = service.task_definition.clone().unwrap_or_default();
    let change = format!("task definition: {} -> {}", short(&previous), short(arn));
    let mut report = Report::new(t, &previous, arn, vec![change]);
    if opts.dry_run {
        out.note("dry run: nothing was deployed");
        return Ok(report);
    }
    roll_out(
        clients,
        t,
        &previous,
        arn,
        false,
        &before,
        opts,
        out,
        &calls,
        &mut report,
    )
    .await?;
    report.api_calls = calls.get();
    report.seconds = started.elapsed().as_secs();
    Ok(report)
}

/// Point the service at `target_arn` and, unless --no-wait, watch the rollout.
/// Returns the outcome (None with --no-wait); fills the report's calls and outcome.
///
/// ECS has no conditional UpdateService, so this is compare-and-swap by re-reading:
/// if the service no longer runs `based_on` (someone deployed since we read it),
/// nothing is changed and the run fails, instead of silently undoing their deploy.
#[allow(clippy::too_many_arguments)]
async fn roll_out(
    clients: &Clients,
    t: &Target,
    based_on: &str,
    target_arn: &str,
    force_new_deployment: bool,
    before: &rollout::Snapshot,
    opts: &Options,
    out: &Output,
    calls: &Calls,
    report: &mut Report,
) -> Result<Option<Outcome>> {
    let now = observe::describe_service(&clients.ecs, t, calls).await?;
    let running = now.task_definition.as_deref().unwrap_or_default();
    if running != based_on {
        return Err(Error::Failed(format!(
            "{}/{} changed while this deploy was prepared: it now runs {}, this deploy was based \
             on {}; nothing was deployed. Run the command again to deploy on top of the new revision",
            t.cluster,
            t.service,
            short(running),
            short(based_on)
        )));
    }
    calls.add();
    let updated = clients
        .ecs
        .update_service()
        .cluster(&t.cluster)
        .service(&t.service)
        .task_definition(target_arn)
        .force_new_deployment(force_new_deployment)
        .send()
        .await
        .map_err(|e| Error::from_sdk("ecs:UpdateService", e))?;
    out.note(format!(
        "deploying {} to {}/{}",
        short(target_arn),
        t.cluster,
        t.service
    ));
    if !opts.wait {
        out.note("--no-wait: not waiting for the rollout");
        report.api_calls = calls.get();
        return Ok(None);
    }
    let first = updated
        .service
        .as_ref()
        .map(observe::snapshot_of)
        .unwrap_or_default();
    let outcome = watch(
        clients,
        t,
        target_arn,
        before,
        &first,
        opts.timeout,
        out,
        calls,
        report,
    )
    .await?;
    report.outcome = Some(outcome.clone());
    report.api_calls = calls.get();
    Ok(Some(outcome))
}
