//! `create` / `update`.

use super::App;
use crate::cli::CreateArgs;
use crate::model::{self, Tier};
use crate::store::PutRequest;
use crate::value::{self, ValueSource};
use aws_core::{Error, Result};

pub async fn create(app: &App, args: CreateArgs, force_overwrite: bool) -> Result<()> {
    let req = build_request(app, &args, force_overwrite)?;
    warn_costs(app, &req);
    if args.dry_run {
        app.out.note(format!(
            "dry run: would {} {} ({}, {} bytes, {} tier); nothing was written",
            if req.overwrite { "write" } else { "create" },
            req.name,
            req.kind,
            req.value.len(),
            tier_name(req.tier)
        ));
        return Ok(());
    }
    let store = app.store().await?;
    let version = store.put(&req).await?;
    if app.out.is_json() {
        app.out.json(&serde_json::json!({
            "name": req.name,
            "type": req.kind,
            "version": version,
            "tier": req.tier,
        }))?;
    } else {
        app.out.success(format!(
            "{} {} (version {version}, {})",
            verb(version),
            req.name,
            req.kind
        ));
    }
    Ok(())
}

fn verb(version: i64) -> &'static str {
    if version <= 1 { "created" } else { "updated" }
}

fn tier_name(t: Tier) -> &'static str {
    match t {
        Tier::Standard => "standard",
        Tier::Advanced => "advanced",
    }
}

/// Validate everything and read the value; no AWS call.
fn build_request(app: &App, args: &CreateArgs, force_overwrite: bool) -> Result<PutRequest> {
    app.check_name(&args.name)?;
    let source = match (&args.value, &args.from_file) {
        (Some(v), None) => ValueSource::Argv(v),
        (None, Some(f)) => ValueSource::File(f),
        (None, None) => ValueSource::PromptOrStdin,
        (Some(_), Some(_)) => {
            return Err(Error::invalid(
                "give either --value or --from-file, not both",
            ));
        }
    };
    let kind = args.kind.unwrap_or_else(|| source.default_type());
    if kind.is_secure() && matches!(source, ValueSource::Argv(_)) {
        return Err(Error::invalid(
            "--value is not accepted for SecureString: a secret on the command line ends up in \
             shell history and in `ps`. Pipe it in (printf %s \"$SECRET\" | parameter-store create \
             ...), type it at the prompt, or use --from-file",
        ));
    }
    if args.key_id.is_some() && !kind.is_secure() {
        return Err(Error::invalid(
            "--key-id only applies to --type SecureString",
        ));
    }
    let tags = parse_tags(&args.tags)?;
    let value = source.read(&args.name)?;
    if let ValueSource::File(path) = &source {
        value::check_file_syntax(path, &value)?;
    }
    value::check_value(&args.name, &value, kind, args.tier)?;
    Ok(PutRequest {
        name: args.name.clone(),
        value,
        kind,
        overwrite: args.overwrite || force_overwrite,
        description: args.description.clone(),
        key_id: args.key_id.clone(),
        tier: args.tier,
        tags,
    })
}

fn warn_costs(app: &App, req: &PutRequest) {
    if req.tier == Tier::Advanced {
        app.out.warn(format!(
            "advanced parameters cost ${:.2} per parameter-month (standard ones are free)",
            model::ADVANCED_PARAMETER_MONTHLY_USD
        ));
    }
    if let Some(k) = &req.key_id
        && k != model::DEFAULT_KEY
        && k != "aws/ssm"
    {
        app.out.warn(format!(
            "a customer-managed KMS key costs ${:.2}/month plus $0.03 per 10,000 requests; \
             the default {} key has no monthly fee",
            model::CUSTOMER_KMS_KEY_MONTHLY_USD,
            model::DEFAULT_KEY
        ));
    }
    if req.overwrite && !req.tags.is_empty() {
        app.out
            .note("note: tags are applied with a separate AddTagsToResource call when overwriting");
    }
}

pub fn parse_tags(raw: &[String]) -> Result<Vec<(String, String)>> {
    raw.iter()
        .filter(|t| !t.is_empty())
        .map(|t| match t.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                Ok((k.trim().to_string(), v.trim().to_string()))
            }
            _ => Err(Error::invalid(format!(
                "tag \"{t}\" is not KEY=VALUE (e.g. --tags team=web,env=dev)"
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_parse_and_reject() {
        let t = parse_tags(&["a=1".into(), "b = x=y".into()]).expect("ok");
        assert_eq!(
            t,
            vec![("a".into(), "1".into()), ("b".into(), "x=y".into())]
        );
        assert!(parse_tags(&["novalue".into()]).is_err());
        assert!(parse_tags(&["=v".into()]).is_err());
    }
}
