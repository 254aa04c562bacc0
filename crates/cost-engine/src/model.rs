//! The resource model both loaders produce: what would exist, with the attribute
//! values known before anything is deployed.

use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Resource {
    /// Full address, e.g. `module.app.aws_ecs_service.app` or `aws_subnet.public[0]`.
    pub address: String,
    /// Module path (`module.app`), empty for the root module.
    pub module: String,
    #[serde(rename = "type")]
    pub rtype: String,
    pub name: String,
    /// Known attribute values; nested blocks are arrays of objects (as in plan JSON).
    pub values: Map<String, Value>,
    /// Attributes not known statically, with the expression that computes them
    /// (e.g. `task_definition` -> `aws_ecs_task_definition.app.arn`).
    pub unknown: BTreeMap<String, String>,
    /// Identical instances this entry stands for (`count = 20000` whose attributes do
    /// not depend on `count.index` is one entry priced 20000 times, never 20000
    /// entries). 1 for an ordinary instance.
    pub count: u64,
}

impl Resource {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key).filter(|v| !v.is_null())
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str)
    }

    /// A finite number, or a string holding one ("NaN" and "inf" are not numbers).
    pub fn num(&self, key: &str) -> Option<f64> {
        as_f64(self.get(key)?)
    }

    /// Whether `key` is set to something known only after apply (or not at all
    /// statically), as opposed to not set.
    pub fn is_unknown(&self, key: &str) -> bool {
        self.unknown.contains_key(key)
    }

    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// First nested block `key` (blocks are arrays of objects).
    pub fn block(&self, key: &str) -> Option<&Map<String, Value>> {
        match self.get(key)? {
            Value::Array(a) => a.first().and_then(Value::as_object),
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// All nested blocks `key`.
    pub fn blocks(&self, key: &str) -> Vec<&Map<String, Value>> {
        match self.get(key) {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_object).collect(),
            Some(Value::Object(o)) => vec![o],
            _ => Vec::new(),
        }
    }

    /// Address of another resource in the same module: `aws_x.y` -> `module.m.aws_x.y`.
    pub fn sibling(&self, local_address: &str) -> String {
        if self.module.is_empty() {
            local_address.to_string()
        } else {
            format!("{}.{}", self.module, local_address)
        }
    }

    /// The resource an unknown attribute points at (`aws_ecs_task_definition.app.arn`,
    /// or inside a template: `"${aws_ecs_task_definition.app.family}:${...revision}"`
    /// -> `aws_ecs_task_definition.app`), as a full address.
    pub fn reference(&self, key: &str) -> Option<String> {
        let expr = self.unknown.get(key)?;
        let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        let mut rest = expr.as_str();
        while let Some(i) = rest.find("aws_") {
            let preceded = rest[..i].chars().next_back();
            let candidate = &rest[i..];
            rest = &rest[i + 4..];
            if preceded.is_some_and(|c| ident(c) || c == '.') {
                continue; // `data.aws_x.y` or part of a longer word
            }
            let t_end = candidate
                .find(|c: char| !ident(c))
                .unwrap_or(candidate.len());
            let (t, after) = candidate.split_at(t_end);
            let Some(after) = after.strip_prefix('.') else {
                continue;
            };
            let n_end = after.find(|c: char| !ident(c)).unwrap_or(after.len());
            if n_end > 0 {
                return Some(self.sibling(&format!("{t}.{}", &after[..n_end])));
            }
        }
        None
    }
}

/// A module whose resources could not be read: not priced, so the estimate is
/// incomplete (never $0).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unloaded {
    /// `module.vpc` (or `module.a.module.b`, or a resource's address).
    pub address: String,
    /// `module`, or the resource type.
    pub kind: String,
    /// Why, naming the module's source when there is one.
    pub reason: String,
}

/// Everything the loader found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stack {
    pub resources: Vec<Resource>,
    /// Modules (or huge expansions) whose resources are not in `resources`.
    pub unloaded: Vec<Unloaded>,
    /// Values that could not be known statically, said out loud.
    pub assumptions: Vec<String>,
    /// Region from the provider block or the plan, if known.
    pub region: Option<String>,
}

impl Stack {
    pub fn of_type<'a>(&'a self, t: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
        self.resources.iter().filter(move |r| r.rtype == t)
    }

    pub fn find(&self, address: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.address == address)
    }
}

/// Read a finite number out of a JSON value (numbers or numeric strings).
pub fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .filter(|n| n.is_finite())
}
