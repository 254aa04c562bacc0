//! Root variable values: defaults < terraform.tfvars < *.auto.tfvars < --var-file < --var.

use super::*;

/// A whole number as an integer value (so `count = var.n` stays exact), else a float.
pub(super) fn num_value(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        Value::from(n as i64)
    } else {
        Value::from(n)
    }
}

/// Root variable values: defaults < terraform.tfvars < *.auto.tfvars < --var-file < --var.
pub(super) fn root_variables(root: &Parsed, opts: &LoadOptions) -> Result<Inputs, LoadError> {
    let declared: BTreeMap<&str, &Variable> = root
        .variables
        .iter()
        .map(|v| (v.name.as_str(), v))
        .collect();
    let declared_list = || declared.keys().copied().collect::<Vec<_>>().join(", ");
    let mut inputs = Inputs::new();
    let mut files = Vec::new();
    let tfvars = root.dir.join("terraform.tfvars");
    if tfvars.is_file() {
        files.push(tfvars);
    }
    let mut auto: Vec<PathBuf> = std::fs::read_dir(&root.dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.ends_with(".auto.tfvars"))
                })
                .collect()
        })
        .unwrap_or_default();
    auto.sort();
    files.extend(auto);
    files.extend(opts.var_files.iter().cloned());
    let ctx = functions::context();
    for file in files {
        let src = read_source(&file)?;
        let body = hcl::parse(&src).map_err(|e| LoadError::Syntax {
            path: file.clone(),
            message: e.to_string(),
        })?;
        for a in body.attributes() {
            if !declared.contains_key(a.key()) {
                let line = src
                    .lines()
                    .position(|l| l.trim_start().starts_with(a.key()))
                    .map(|i| i + 1)
                    .unwrap_or(1);
                return Err(LoadError::UnknownVariable {
                    origin: format!("{}:{line}", file.display()),
                    name: a.key().to_string(),
                    dir: root.dir.display().to_string(),
                    declared: declared_list(),
                });
            }
            inputs.insert(a.key().to_string(), evaluate(a.expr(), &ctx).ok());
        }
    }
    for raw in &opts.vars {
        let (name, value) = raw
            .split_once('=')
            .ok_or_else(|| LoadError::BadVar(raw.clone()))?;
        let name = name.trim();
        let Some(var) = declared.get(name) else {
            return Err(LoadError::UnknownVariable {
                origin: format!("--var {raw}"),
                name: name.to_string(),
                dir: root.dir.display().to_string(),
                declared: declared_list(),
            });
        };
        // Like Terraform: untyped and string variables take the text as is; numbers
        // and bools must be one; other types parse as HCL. Never a silent fallback.
        let bad = |expected: &str| LoadError::BadVarValue {
            raw: raw.clone(),
            name: name.to_string(),
            expected: expected.to_string(),
        };
        let v = match var.type_text.as_deref().map(str::trim) {
            None | Some("any" | "string") => Value::from(value),
            Some("number") => value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite())
                .map(num_value)
                .ok_or_else(|| bad("number"))?,
            Some("bool") => match value.trim() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(bad("bool (true or false)")),
            },
            Some(other) => hcl::parse(&format!("v = {value}\n"))
                .ok()
                .and_then(|b| {
                    b.attributes()
                        .next()
                        .and_then(|a| evaluate(a.expr(), &ctx).ok())
                })
                .ok_or_else(|| bad(other))?,
        };
        inputs.insert(name.to_string(), Some(v));
    }
    Ok(inputs)
}
