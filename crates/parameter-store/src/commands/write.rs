//! `create` / `update`.

use super::App;
use crate::cli::CreateArgs;
use crate::model::{self, ParamType, Tier};
use crate::store::PutRequest;
use crate::value::{self, ValueSource};
use aws_core::{Error, Result};

pub async fn create(app: &App, args: CreateArgs, is_update: bool) -> Result<()> {
    let overwrite = args.overwrite || is_update;
    let source = value_source(&args)?;
    app.check_name(&args.name)?;
    let tags = parse_tags(&args.tags)?;
    if args.kind == Some(ParamType::SecureString) {
        refuse_argv_secret(&source, &args.name, is_update)?;
    }
    // An overwrite keeps the existing type (like `import`): read it first, no value.
    let store = if overwrite {
        Some(app.store().await?)
    } else {
        None
    };
    let existing = match &store {
        Some(store) => store.get(&args.name, false).await?.map(|p| p.kind),
        None => None,
    };
    if is_update && existing.is_none() {
        return Err(Error::NotFound {
            what: format!("parameter \"{}\"", args.name),
            hint: Some(
                "`update` replaces an existing parameter; use `create` to make a new one".into(),
            ),
        });
    }
    let kind = resolve_type(args.kind, existing, &source, args.change_type, &args.name)?;
    if kind.is_secure() {
        refuse_argv_secret(&source, &args.name, is_update)?;
    }
    if let (Some(old), true) = (existing, args.change_type) {
        if old != kind {
            app.out.warn(format!(
                "{} changes from {old} to {kind}: its value will be stored and shown unencrypted",
                args.name
            ));
        }
    }
    if args.key_id.is_some() && !kind.is_secure() {
        return Err(Error::invalid(
            "--key-id only applies to --type SecureString",
        ));
    }
    let value = source.read(&args.name)?;
    if kind.is_secure() {
        aws_core::secrets::register(&value);
    }
    if let ValueSource::File(path) = &source {
        value::check_file_syntax(path, &value)?;
    }
    value::check_value(&args.name, &value, kind, args.tier, app.region_hint())?;
    let req = PutRequest {
        name: args.name.clone(),
        value,
        kind,
        overwrite,
        description: args.description.clone(),
        key_id: args.key_id.clone(),
        tier: args.tier,
        tags,
    };
    warn_costs(app, &req);
    if args.dry_run {
        app.out.note(format!(
            "dry run: would {} {} ({}, {} bytes, {} tier); nothing was written",
            if existing.is_some() {
                "overwrite"
            } else {
                "create"
            },
            req.name,
            req.kind,
            req.value.len(),
            tier_name(req.tier)
        ));
        return Ok(());
    }
    let store = match store {
        Some(s) => s,
        None => app.store().await?,
    };
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

fn value_source(args: &CreateArgs) -> Result<ValueSource<'_>> {
    match (&args.value, &args.from_file) {
        (Some(v), None) => Ok(ValueSource::Argv(v)),
        (None, Some(f)) => Ok(ValueSource::File(f)),
        (None, None) => Ok(ValueSource::PromptOrStdin),
        (Some(_), Some(_)) => Err(Error::invalid(
            "give either --value or --from-file, not both",
        )),
    }
}

/// The type to write: `--type` if given, else the existing parameter's type (an
/// overwrite never downgrades a SecureString), else the source's default. Leaving
/// SecureString takes `--change-type`.
pub fn resolve_type(
    asked: Option<ParamType>,
    existing: Option<ParamType>,
    source: &ValueSource<'_>,
    change_type: bool,
    name: &str,
) -> Result<ParamType> {
    let kind = asked.or(existing).unwrap_or_else(|| source.default_type());
    if let Some(old) = existing
        && old.is_secure()
        && !kind.is_secure()
        && !change_type
    {
        return Err(Error::invalid(format!(
            "{name} is a {old}; writing it as {kind} would store and show the secret unencrypted. \
             Leave out --type to keep {old}, or add --change-type if that is really what you want"
        )));
    }
    Ok(kind)
}

/// `is_update`: the command to suggest is the one that was run (`create` for a new name).
fn refuse_argv_secret(source: &ValueSource<'_>, name: &str, is_update: bool) -> Result<()> {
    if matches!(source, ValueSource::Argv(_)) {
        let (verb, kind) = if is_update {
            ("update", "")
        } else {
            ("create", " --type SecureString")
        };
        return Err(Error::invalid(format!(
            "--value is not accepted for {name}, a SecureString: a secret on the command line ends \
             up in shell history and in `ps`. Pipe it in (printf %s \"$SECRET\" | parameter-store \
             {verb} --name {name}{kind}), type it at the prompt, or use --from-file; \
             nothing was written"
        )));
    }
    Ok(())
}

fn warn_costs(app: &App, req: &PutRequest) {
    if req.tier == Tier::Advanced {
        app.out.warn(format!(
            "advanced parameters cost {} per parameter-month (standard ones are free)",
            model::price_text(model::ADVANCED_PARAMETER_PRICE, app.region_hint())
        ));
    }
    if let Some(k) = &req.key_id
        && k != model::DEFAULT_KEY
        && k != "aws/ssm"
    {
        app.out.warn(format!(
            "a customer-managed KMS key costs {}/month plus {} per 10,000 requests; \
             the default {} key has no monthly fee",
            model::price_text(model::CUSTOMER_KMS_KEY_PRICE, app.region_hint()),
            model::price_text(model::KMS_REQUESTS_PRICE, app.region_hint()),
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
    fn overwrites_keep_secure_strings_secure() {
        use std::path::Path;
        let file = ValueSource::File(Path::new("v.txt"));
        let sec = Some(ParamType::SecureString);
        // No --type: the existing type wins over the source's default (String for files).
        assert_eq!(
            resolve_type(None, sec, &file, false, "/a").expect("ok"),
            ParamType::SecureString
        );
        assert_eq!(
            resolve_type(None, None, &file, false, "/a").expect("ok"),
            ParamType::String
        );
        // Downgrading needs --change-type.
        let e =
            resolve_type(Some(ParamType::String), sec, &file, false, "/a").expect_err("downgrade");
        assert!(e.to_string().contains("--change-type"), "{e}");
        assert_eq!(
            resolve_type(Some(ParamType::String), sec, &file, true, "/a").expect("ok"),
            ParamType::String
        );
        // Unknown types are treated as secrets too.
        assert!(
            resolve_type(None, Some(ParamType::Unknown), &file, false, "/a")
                .expect("ok")
                .is_secure()
        );
        assert!(refuse_argv_secret(&ValueSource::Argv("x"), "/a", false).is_err());
        // The hint names the command that was run: `update` fails for a new name.
        let create = refuse_argv_secret(&ValueSource::Argv("x"), "/a", false)
            .expect_err("refused")
            .to_string();
        assert!(
            create.contains("parameter-store create --name /a --type SecureString"),
            "{create}"
        );
        let update = refuse_argv_secret(&ValueSource::Argv("x"), "/a", true)
            .expect_err("refused")
            .to_string();
        assert!(
            update.contains("parameter-store update --name /a)"),
            "{update}"
        );
    }

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
