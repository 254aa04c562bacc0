//! Load the JSON of a saved plan (`terraform show -json plan.out`): authoritative
//! values, computed by Terraform itself, in the same resource model as the HCL loader.

use crate::model::{Resource, Stack};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{path}:{line}:{column}: not valid JSON: {message}\n  create it with: terraform show -json plan.out > plan.json"
    )]
    Json {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "{path}: not a Terraform plan: {what}\n  create it with: terraform show -json plan.out > plan.json"
    )]
    Shape { path: String, what: String },
}

/// Largest plan JSON read (a plan of thousands of resources is tens of MB).
pub const MAX_PLAN_BYTES: u64 = 512 * 1024 * 1024;

pub fn load_file(path: &Path) -> Result<Stack, PlanError> {
    load_plan_file(path).map(|p| p.after)
}

/// [`parse_plan`] of a file, read with the [`MAX_PLAN_BYTES`] cap.
pub fn load_plan_file(path: &Path) -> Result<Plan, PlanError> {
    let name = path.display().to_string();
    let text = crate::hcl_loader::read_limited(path, MAX_PLAN_BYTES).map_err(|e| match e {
        crate::hcl_loader::LoadError::Io { source, .. } => PlanError::Io {
            path: name.clone(),
            source,
        },
        other => PlanError::Shape {
            path: name.clone(),
            what: other.to_string(),
        },
    })?;
    parse_plan(&text, &name)
}

pub fn parse(text: &str, origin: &str) -> Result<Stack, PlanError> {
    parse_plan(text, origin).map(|p| p.after)
}

/// A saved plan read whole: the stack it leads to, the stack it starts from (its
/// `prior_state`; `None` for an empty state) and what it changes.
#[derive(Debug, Clone)]
pub struct Plan {
    pub after: Stack,
    pub before: Option<Stack>,
    pub changes: Changes,
    /// The root's input variables as planned (`variables.NAME.value`); a variable the
    /// root declares is here, `null` when it is null.
    pub variables: BTreeMap<String, Value>,
}

/// Managed resources the plan touches, by action (`resource_changes`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Changes {
    pub create: Vec<String>,
    pub update: Vec<String>,
    pub replace: Vec<String>,
    pub delete: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// Resource operations an apply performs (a replacement is two).
    pub fn operations(&self) -> usize {
        self.create.len() + self.update.len() + 2 * self.replace.len() + self.delete.len()
    }

    pub fn total(&self) -> usize {
        self.create.len() + self.update.len() + self.replace.len() + self.delete.len()
    }
}

pub fn parse_plan(text: &str, origin: &str) -> Result<Plan, PlanError> {
    let doc: Value = serde_json::from_str(text).map_err(|e| PlanError::Json {
        path: origin.into(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    let shape = |what: &str| PlanError::Shape {
        path: origin.into(),
        what: what.into(),
    };
    if doc.get("format_version").and_then(Value::as_str).is_none() {
        return Err(shape(
            "no format_version (is this `terraform show -json` output?)",
        ));
    }
    let root = doc
        .pointer("/planned_values/root_module")
        .and_then(Value::as_object)
        .ok_or_else(|| shape("no planned_values.root_module"))?;

    let mut refs = BTreeMap::new();
    if let Some(cfg) = doc
        .pointer("/configuration/root_module")
        .and_then(Value::as_object)
    {
        collect_refs(cfg, "", &mut refs);
    }
    let pending = after_unknown(&doc);
    let stack = |module: &Map<String, Value>, refs, pending| -> Result<Stack, PlanError> {
        let mut resources = Vec::new();
        walk(module, refs, pending, &mut resources).map_err(|w| shape(&w))?;
        Ok(Stack {
            unloaded: Vec::new(),
            resources,
            assumptions: Vec::new(),
            region: region(&doc),
        })
    };
    let after = stack(root, &refs, &pending)?;
    // The prior state holds known values only: nothing in it is a reference.
    let before = match doc
        .pointer("/prior_state/values/root_module")
        .and_then(Value::as_object)
    {
        Some(m) => Some(stack(m, &BTreeMap::new(), &BTreeMap::new())?),
        None => None,
    };
    let variables = doc
        .get("variables")
        .and_then(Value::as_object)
        .map(|vars| {
            vars.iter()
                .map(|(k, v)| (k.clone(), v.get("value").cloned().unwrap_or(Value::Null)))
                .collect()
        })
        .unwrap_or_default();
    Ok(Plan {
        variables,
        after,
        before,
        changes: changes(&doc).map_err(|w| shape(&w))?,
    })
}

fn changes(doc: &Value) -> Result<Changes, String> {
    let mut c = Changes::default();
    let list = match doc.get("resource_changes") {
        None | Some(Value::Null) => return Ok(c),
        Some(Value::Array(a)) => a,
        Some(_) => return Err("resource_changes is not a list".into()),
    };
    for r in list {
        if r.get("mode").and_then(Value::as_str) != Some("managed") {
            continue;
        }
        let address = r
            .get("address")
            .and_then(Value::as_str)
            .ok_or("a resource change without an address")?
            .to_string();
        let actions: Vec<&str> = r
            .pointer("/change/actions")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("{address}: no change.actions"))?
            .iter()
            .filter_map(Value::as_str)
            .collect();
        match actions.as_slice() {
            // `forget` (a `removed` block) drops a resource from the state, not from AWS.
            ["no-op"] | ["read"] | ["forget"] => {}
            ["create"] => c.create.push(address),
            ["update"] => c.update.push(address),
            ["delete"] => c.delete.push(address),
            ["delete", "create"] | ["create", "delete"] => c.replace.push(address),
            other => return Err(format!("{address}: unknown actions {other:?}")),
        }
    }
    Ok(c)
}

/// Address -> the `after_unknown` of its `resource_changes` entry, reduced to the
/// top-level attributes that hold something Terraform knows only after apply (e.g. a
/// block whose arguments come from another resource).
fn after_unknown(doc: &Value) -> BTreeMap<String, Map<String, Value>> {
    let contains_true = |v: &Value| serde_json::to_string(v).is_ok_and(|t| t.contains("true"));
    doc.get("resource_changes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let address = r.get("address")?.as_str()?.to_string();
            let keys = r
                .pointer("/change/after_unknown")?
                .as_object()?
                .iter()
                .filter(|(_, v)| contains_true(v))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Some((address, keys))
        })
        .collect()
}

/// Mark the arguments of nested blocks Terraform knows only after apply with null
/// (set, value unknown), as the HCL loader does: `subnet_mapping[i].allocation_id`.
fn mark_nested_unknown(values: &mut Map<String, Value>, pending: &Map<String, Value>) {
    for (key, marks) in pending {
        let (Some(Value::Array(blocks)), Value::Array(marks)) = (values.get_mut(key), marks) else {
            continue;
        };
        for (block, mark) in blocks.iter_mut().zip(marks) {
            let (Value::Object(block), Value::Object(mark)) = (block, mark) else {
                continue;
            };
            for (arg, unknown) in mark {
                if *unknown == Value::Bool(true) {
                    block.entry(arg.clone()).or_insert(Value::Null);
                }
            }
        }
    }
}

fn walk(
    module: &Map<String, Value>,
    refs: &BTreeMap<String, BTreeMap<String, String>>,
    pending: &BTreeMap<String, Map<String, Value>>,
    out: &mut Vec<Resource>,
) -> Result<(), String> {
    let list = |key: &str| match module.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => Ok(a.clone()),
        Some(_) => Err(format!("{key} is not a list")),
    };
    for r in &list("resources")? {
        if r.get("mode").and_then(Value::as_str) != Some("managed") {
            continue;
        }
        let field = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
        let address = field("address").ok_or("a resource without an address")?;
        let rtype = field("type").ok_or_else(|| format!("{address}: no type"))?;
        let name = field("name").unwrap_or_default();
        let mut values = match r.get("values") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(o)) => o.clone(),
            Some(_) => return Err(format!("{address}: values is not an object")),
        };
        let module_path = module_of(&address);
        // Config address: module path without instance keys + type.name.
        let config_addr = format!("{}{rtype}.{name}", strip_keys(&module_path));
        let mut unknown: BTreeMap<String, String> = refs
            .get(&config_addr)
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| values.get(*k).is_none_or(|v| v.is_null()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        if let Some(p) = pending.get(&address) {
            mark_nested_unknown(&mut values, p);
        }
        for k in pending.get(&address).into_iter().flat_map(|p| p.keys()) {
            if values
                .get(k)
                .is_none_or(|v| v.is_null() || v.as_array().is_some_and(|a| a.is_empty()))
            {
                unknown
                    .entry(k.clone())
                    .or_insert_with(|| crate::hcl_loader::UNKNOWN.to_string());
            }
        }
        out.push(Resource {
            address,
            module: module_path.trim_end_matches('.').to_string(),
            rtype,
            name,
            values,
            unknown,
            count: 1,
        });
    }
    for child in &list("child_modules")? {
        let c = child
            .as_object()
            .ok_or("a child module that is not an object")?;
        walk(c, refs, pending, out)?;
    }
    Ok(())
}

/// `module.app.aws_ecs_service.app` -> `module.app.`; root -> "".
fn module_of(address: &str) -> String {
    let mut prefix = String::new();
    let mut rest = address;
    while let Some(after) = rest.strip_prefix("module.") {
        // module name may carry an index: module.x[0] or module.x["k"]
        let end = after.find('.').unwrap_or(after.len());
        prefix.push_str(&format!("module.{}.", &after[..end]));
        rest = &after[(end + 1).min(after.len())..];
    }
    prefix
}

fn strip_keys(module_path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in module_path.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Resource address -> attribute -> first reference, from the configuration section.
fn collect_refs(
    module: &Map<String, Value>,
    prefix: &str,
    out: &mut BTreeMap<String, BTreeMap<String, String>>,
) {
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(addr) = r.get("address").and_then(Value::as_str) else {
            continue;
        };
        let mut attrs = BTreeMap::new();
        if let Some(exprs) = r.get("expressions").and_then(Value::as_object) {
            for (k, e) in exprs {
                if let Some(first) = e.pointer("/references/0").and_then(Value::as_str) {
                    attrs.insert(k.clone(), first.to_string());
                }
            }
        }
        out.insert(format!("{prefix}{addr}"), attrs);
    }
    if let Some(calls) = module.get("module_calls").and_then(Value::as_object) {
        for (name, call) in calls {
            if let Some(m) = call.get("module").and_then(Value::as_object) {
                collect_refs(m, &format!("{prefix}module.{name}."), out);
            }
        }
    }
}

fn region(doc: &Value) -> Option<String> {
    let expr = doc.pointer("/configuration/provider_config/aws/expressions/region")?;
    if let Some(c) = expr.get("constant_value").and_then(Value::as_str) {
        return Some(c.to_string());
    }
    let var = expr
        .pointer("/references/0")?
        .as_str()?
        .strip_prefix("var.")?;
    doc.pointer(&format!("/variables/{var}/value"))?
        .as_str()
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths() {
        assert_eq!(module_of("aws_lb.this"), "");
        assert_eq!(module_of("module.app.aws_ecs_service.app"), "module.app.");
        assert_eq!(
            module_of("module.db[0].module.x[\"k\"].aws_db_instance.this"),
            "module.db[0].module.x[\"k\"]."
        );
        assert_eq!(
            strip_keys("module.db[0].module.x[\"k\"]."),
            "module.db.module.x."
        );
    }

    #[test]
    fn malformed_json_names_line_and_column() {
        let e =
            parse("{\n  \"format_version\": \"1.2\",\n  oops\n}", "plan.json").expect_err("bad");
        let msg = e.to_string();
        assert!(msg.starts_with("plan.json:3:"), "{msg}");
    }

    #[test]
    fn changes_and_prior_state() {
        let text = r#"{"format_version": "1.2",
          "planned_values": {"root_module": {"resources": [
            {"address": "aws_sqs_queue.q", "mode": "managed", "type": "aws_sqs_queue", "name": "q", "values": {}}]}},
          "prior_state": {"values": {"root_module": {"resources": [
            {"address": "aws_sns_topic.t", "mode": "managed", "type": "aws_sns_topic", "name": "t", "values": {}}]}}},
          "resource_changes": [
            {"address": "aws_sqs_queue.q", "mode": "managed", "change": {"actions": ["create"]}},
            {"address": "aws_sns_topic.t", "mode": "managed", "change": {"actions": ["delete"]}},
            {"address": "aws_iam_role.r", "mode": "managed", "change": {"actions": ["delete", "create"]}},
            {"address": "data.aws_region.x", "mode": "data", "change": {"actions": ["read"]}},
            {"address": "aws_s3_bucket.b", "mode": "managed", "change": {"actions": ["no-op"]}}]}"#;
        let p = parse_plan(text, "p.json").expect("plan");
        assert_eq!(p.changes.create, ["aws_sqs_queue.q"]);
        assert_eq!(p.changes.delete, ["aws_sns_topic.t"]);
        assert_eq!(p.changes.replace, ["aws_iam_role.r"]);
        assert_eq!((p.changes.total(), p.changes.operations()), (3, 4));
        assert_eq!(
            p.before.expect("prior").resources[0].address,
            "aws_sns_topic.t"
        );
        let odd = text.replace(r#"["create"]"#, r#"["frobnicate"]"#);
        assert!(parse_plan(&odd, "p.json").is_err());
    }

    #[test]
    fn json_that_is_not_a_plan() {
        let e = parse("{\"a\": 1}", "x.json").expect_err("not a plan");
        assert!(e.to_string().contains("format_version"));
    }

    #[test]
    fn nested_arguments_known_only_after_apply_are_marked_null() {
        let mut values =
            serde_json::json!({"subnet_mapping": [{"subnet_id": "a"}, {"subnet_id": "b"}]})
                .as_object()
                .cloned()
                .expect("object");
        let pending = serde_json::json!({"subnet_mapping": [{"allocation_id": true}, {}]})
            .as_object()
            .cloned()
            .expect("object");
        mark_nested_unknown(&mut values, &pending);
        assert_eq!(
            values["subnet_mapping"],
            serde_json::json!([{"subnet_id": "a", "allocation_id": null}, {"subnet_id": "b"}])
        );
    }
}
