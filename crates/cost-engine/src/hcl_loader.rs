//! Load a Terraform configuration from HCL: local modules, variables (defaults,
//! terraform.tfvars, *.auto.tfvars, --var-file, --var), locals, count/for_each,
//! dynamic blocks, conditionals and the common functions. What cannot be known
//! before apply (resource IDs, registry modules, unknown functions) is kept as an
//! "unknown" with its expression text and reported as an assumption.

use crate::functions;
use crate::model::{Resource, Stack};
use hcl::eval::{Context, Evaluate};
use hcl::{Block, Body, Expression, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--var NAME=VALUE`, in order.
    pub vars: Vec<String>,
    /// `--var-file FILE`, in order (after terraform.tfvars and *.auto.tfvars).
    pub var_files: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}: syntax error: {message}\n  fix the HCL at that position (`terraform fmt` reports the same)"
    )]
    Syntax { path: PathBuf, message: String },
    #[error("{origin}: variable \"{name}\" is not declared in {dir}; declared: {declared}")]
    UnknownVariable {
        origin: String,
        name: String,
        dir: String,
        declared: String,
    },
    #[error("--var {0:?}: expected NAME=VALUE, e.g. --var region=eu-west-1")]
    BadVar(String),
    #[error(
        "{origin}: module \"{name}\" has source \"{module_source}\", but {path} does not exist or has no .tf files"
    )]
    MissingModule {
        origin: String,
        name: String,
        module_source: String,
        path: PathBuf,
    },
    #[error(
        "{0} has no .tf files: give the directory of a Terraform root module (e.g. terraform/environments/dev)"
    )]
    Empty(PathBuf),
    #[error("{0}: modules nest more than 16 levels deep (a module calling itself?)")]
    TooDeep(String),
}

/// Parsed contents of one module directory.
struct Parsed {
    dir: PathBuf,
    variables: Vec<Variable>,
    locals: Vec<(String, Expression)>,
    resources: Vec<(Block, PathBuf)>,
    data: Vec<Block>,
    modules: Vec<(Block, PathBuf)>,
    outputs: Vec<(String, Expression)>,
    provider_region: Option<Expression>,
}

struct Variable {
    name: String,
    default: Option<Expression>,
    is_string: bool,
}

pub fn load_dir(dir: &Path, opts: &LoadOptions) -> Result<Stack, LoadError> {
    let mut loader = Loader::default();
    let root = loader.parse_dir(dir)?;
    if root.resources.is_empty() && root.modules.is_empty() && root.variables.is_empty() {
        return Err(LoadError::Empty(dir.to_path_buf()));
    }
    let inputs = root_variables(&root, opts)?;
    let out = loader.eval_module(&root, "", inputs, None, 0)?;
    let mut assumptions = out.assumptions;
    dedup(&mut assumptions);
    Ok(Stack {
        resources: out.resources,
        assumptions,
        region: out.region,
    })
}

fn dedup(v: &mut Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    v.retain(|s| seen.insert(s.clone()));
}

#[derive(Default)]
struct Loader {
    cache: BTreeMap<PathBuf, std::rc::Rc<Parsed>>,
}

struct ModuleOut {
    outputs: hcl::Map<String, Value>,
    resources: Vec<Resource>,
    assumptions: Vec<String>,
    region: Option<String>,
}

/// Variable values: `Some(v)` known, `None` unknown (no value, or computed from
/// something only known after apply).
type Inputs = BTreeMap<String, Option<Value>>;

impl Loader {
    fn parse_dir(&mut self, dir: &Path) -> Result<std::rc::Rc<Parsed>, LoadError> {
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if let Some(p) = self.cache.get(&key) {
            return Ok(p.clone());
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|source| LoadError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "tf") && p.is_file())
            .collect();
        files.sort();
        let mut parsed = Parsed {
            dir: dir.to_path_buf(),
            variables: Vec::new(),
            locals: Vec::new(),
            resources: Vec::new(),
            data: Vec::new(),
            modules: Vec::new(),
            outputs: Vec::new(),
            provider_region: None,
        };
        for path in files {
            let body = parse_file(&path)?;
            for block in body.into_blocks() {
                let labels: Vec<String> = block
                    .labels()
                    .iter()
                    .map(|l| l.as_str().to_string())
                    .collect();
                match (block.identifier(), labels.as_slice()) {
                    ("variable", [name]) => {
                        let default = attr(&block, "default").cloned();
                        let is_string = attr(&block, "type")
                            .and_then(|t| hcl::format::to_string(t).ok())
                            .is_some_and(|t| t.trim() == "string");
                        parsed.variables.push(Variable {
                            name: name.clone(),
                            default,
                            is_string,
                        });
                    }
                    ("locals", []) => {
                        for a in block.body().attributes() {
                            parsed.locals.push((a.key().to_string(), a.expr().clone()));
                        }
                    }
                    ("resource", [_, _]) => parsed.resources.push((block, path.clone())),
                    ("data", [_, _]) => parsed.data.push(block),
                    ("module", [_]) => parsed.modules.push((block, path.clone())),
                    ("output", [name]) => {
                        if let Some(v) = attr(&block, "value") {
                            parsed.outputs.push((name.clone(), v.clone()));
                        }
                    }
                    ("provider", [p]) if p == "aws" && parsed.provider_region.is_none() => {
                        parsed.provider_region = attr(&block, "region").cloned();
                    }
                    _ => {}
                }
            }
        }
        let rc = std::rc::Rc::new(parsed);
        self.cache.insert(key, rc.clone());
        Ok(rc)
    }

    fn eval_module(
        &mut self,
        m: &Parsed,
        prefix: &str,
        inputs: Inputs,
        inherited_region: Option<String>,
        depth: usize,
    ) -> Result<ModuleOut, LoadError> {
        if depth > 16 {
            return Err(LoadError::TooDeep(prefix.to_string()));
        }
        let mut assumptions = Vec::new();
        let mut var_obj = hcl::Map::new();
        for v in &m.variables {
            match inputs.get(&v.name) {
                Some(Some(val)) => {
                    var_obj.insert(v.name.clone(), val.clone());
                }
                Some(None) => {}
                None => match &v.default {
                    Some(d) => match d.evaluate(&functions::context()) {
                        Ok(val) => {
                            var_obj.insert(v.name.clone(), val);
                        }
                        Err(_) => assumptions.push(format!(
                            "{}var.{}: default not evaluable statically",
                            dotted(prefix),
                            v.name
                        )),
                    },
                    None => assumptions.push(format!(
                        "{}var.{} has no value (set it in terraform.tfvars or with --var)",
                        dotted(prefix),
                        v.name
                    )),
                },
            }
        }

        let mut base = functions::context();
        base.declare_var("var", Value::Object(var_obj));
        base.declare_var("path", path_object(&m.dir));
        base.declare_var("terraform", obj([("workspace", Value::from("default"))]));

        let region = m
            .provider_region
            .as_ref()
            .and_then(|e| e.evaluate(&base).ok())
            .and_then(|v| v.as_str().map(str::to_string))
            .or(inherited_region);
        base.declare_var("data", data_object(&m.data, region.as_deref()));

        // Module outputs and resource attributes feed each other (module.vpc.vpc_id ->
        // module.alb, length(aws_subnet.public)): iterate until nothing changes.
        let mut module_obj = hcl::Map::new();
        let mut res_obj: hcl::Map<String, Value> = hcl::Map::new();
        let mut children: Vec<ModuleOut> = Vec::new();
        let mut resources = Vec::new();
        let mut outputs = hcl::Map::new();
        let mut notes = Vec::new();
        for _pass in 0..5 {
            notes.clear();
            let mut ctx = base.clone();
            ctx.declare_var("module", Value::Object(module_obj.clone()));
            for (t, v) in &res_obj {
                ctx.declare_var(t.clone(), v.clone());
            }
            let locals = eval_locals(&m.locals, &ctx);
            ctx.declare_var("local", Value::Object(locals));

            let mut next_modules = hcl::Map::new();
            children.clear();
            for (block, file) in &m.modules {
                let name = block.labels()[0].as_str().to_string();
                let (instances, note) = expand(block, &ctx);
                if let Some(n) = note {
                    notes.push(format!("{}module.{name}: {n}", dotted(prefix)));
                }
                let source = match attr(block, "source").map(|e| e.evaluate(&ctx)) {
                    Some(Ok(Value::String(s))) => s,
                    _ => {
                        notes.push(format!(
                            "{}module.{name}: source not a literal; not priced",
                            dotted(prefix)
                        ));
                        continue;
                    }
                };
                if !(source.starts_with("./") || source.starts_with("../")) {
                    notes.push(format!(
                        "{}module.{name}: source \"{source}\" is not a local path; its resources are not priced (use --plan for an exact list)",
                        dotted(prefix)
                    ));
                    continue;
                }
                let child_dir = m.dir.join(source.strip_prefix("./").unwrap_or(&source));
                let child = match self.parse_dir(&child_dir) {
                    Ok(c)
                        if !(c.resources.is_empty()
                            && c.modules.is_empty()
                            && c.variables.is_empty()) =>
                    {
                        c
                    }
                    _ => {
                        return Err(LoadError::MissingModule {
                            origin: file.display().to_string(),
                            name,
                            module_source: source,
                            path: child_dir,
                        });
                    }
                };
                let mut outs = Vec::new();
                for inst in &instances {
                    let ictx = inst.context(&ctx);
                    let mut child_inputs = Inputs::new();
                    for a in block.body().attributes() {
                        if matches!(
                            a.key(),
                            "source"
                                | "version"
                                | "count"
                                | "for_each"
                                | "providers"
                                | "depends_on"
                        ) {
                            continue;
                        }
                        child_inputs.insert(a.key().to_string(), a.expr().evaluate(&ictx).ok());
                    }
                    let child_prefix = format!("{}module.{name}{}", dotted(prefix), inst.suffix);
                    let out = self.eval_module(
                        &child,
                        &child_prefix,
                        child_inputs,
                        region.clone(),
                        depth + 1,
                    )?;
                    outs.push((inst.key.clone(), Value::Object(out.outputs.clone())));
                    children.push(out);
                }
                next_modules.insert(name, instances_value(block, outs));
            }

            resources.clear();
            let mut next_res: hcl::Map<String, Value> = hcl::Map::new();
            for (block, _file) in &m.resources {
                let labels = block.labels();
                let (rtype, rname) = (
                    labels[0].as_str().to_string(),
                    labels[1].as_str().to_string(),
                );
                let (instances, note) = expand(block, &ctx);
                let local_addr = format!("{rtype}.{rname}");
                if let Some(n) = note {
                    notes.push(format!("{}{local_addr}: {n}", dotted(prefix)));
                }
                let mut objs = Vec::new();
                for inst in &instances {
                    let ictx = inst.context(&ctx);
                    let mut unknown = BTreeMap::new();
                    let values = eval_body(block.body(), &ictx, "", &mut unknown);
                    objs.push((inst.key.clone(), placeholder_object(&values)));
                    resources.push(Resource {
                        address: format!("{}{local_addr}{}", dotted(prefix), inst.suffix),
                        module: prefix.to_string(),
                        rtype: rtype.clone(),
                        name: rname.clone(),
                        values,
                        unknown,
                    });
                }
                let by_name = next_res
                    .entry(rtype)
                    .or_insert_with(|| Value::Object(hcl::Map::new()));
                if let Value::Object(map) = by_name {
                    map.insert(rname, instances_value(block, objs));
                }
            }

            outputs = hcl::Map::new();
            for (name, expr) in &m.outputs {
                if let Ok(v) = expr.evaluate(&ctx) {
                    outputs.insert(name.clone(), v);
                }
            }
            let stable = next_modules == module_obj && next_res == res_obj;
            module_obj = next_modules;
            res_obj = next_res;
            if stable {
                break;
            }
        }
        assumptions.append(&mut notes);
        for child in children {
            resources.extend(child.resources);
            assumptions.extend(child.assumptions);
        }
        Ok(ModuleOut {
            outputs,
            resources,
            assumptions,
            region,
        })
    }
}

fn dotted(prefix: &str) -> String {
    if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}.")
    }
}

fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn path_object(dir: &Path) -> Value {
    let d = Value::from(dir.display().to_string());
    obj([("module", d.clone()), ("root", d.clone()), ("cwd", d)])
}

/// Data sources whose values are known without AWS: region and partition.
fn data_object(data: &[Block], region: Option<&str>) -> Value {
    let mut by_type: hcl::Map<String, Value> = hcl::Map::new();
    for b in data {
        let (t, n) = (b.labels()[0].as_str(), b.labels()[1].as_str());
        let v = match (t, region) {
            ("aws_region", Some(r)) => obj([
                ("region", Value::from(r)),
                ("name", Value::from(r)),
                ("id", Value::from(r)),
            ]),
            ("aws_partition", _) => obj([
                ("partition", Value::from("aws")),
                ("dns_suffix", Value::from("amazonaws.com")),
            ]),
            _ => continue,
        };
        if let Value::Object(m) = by_type
            .entry(t.to_string())
            .or_insert_with(|| Value::Object(hcl::Map::new()))
        {
            m.insert(n.to_string(), v);
        }
    }
    Value::Object(by_type)
}

/// What an attribute known only after apply evaluates to inside expressions, so
/// that `length(aws_subnet.public)` or a map with one unknown value still resolve.
pub const UNKNOWN: &str = "(known after apply)";

/// A resource instance as other expressions see it: its known values, plus the
/// computed attributes every resource has, as UNKNOWN.
fn placeholder_object(values: &serde_json::Map<String, serde_json::Value>) -> Value {
    let mut obj: hcl::Map<String, Value> = values
        .iter()
        .map(|(k, v)| (k.clone(), hcl::to_value(v).unwrap_or(Value::Null)))
        .collect();
    for computed in [
        "id",
        "arn",
        "arn_suffix",
        "name",
        "dns_name",
        "repository_url",
        "endpoint",
        "address",
        "identifier",
        "cidr_block",
        "resource_id",
        "service_namespace",
        "scalable_dimension",
        "family",
    ] {
        obj.entry(computed.to_string())
            .or_insert_with(|| Value::from(UNKNOWN));
    }
    Value::Object(obj)
}

fn eval_locals(locals: &[(String, Expression)], ctx: &Context) -> hcl::Map<String, Value> {
    // Locals may reference each other in any order: evaluate until no progress.
    let mut known = hcl::Map::new();
    let mut pending: Vec<&(String, Expression)> = locals.iter().collect();
    loop {
        let mut c = ctx.clone();
        c.declare_var("local", Value::Object(known.clone()));
        let before = pending.len();
        pending.retain(|(name, expr)| match expr.evaluate(&c) {
            Ok(v) => {
                known.insert(name.clone(), v);
                false
            }
            Err(_) => true,
        });
        if pending.is_empty() || pending.len() == before {
            return known;
        }
    }
}

/// One instance of a resource or module after count/for_each.
struct Instance {
    suffix: String,
    key: Option<Value>,
    vars: Vec<(&'static str, Value)>,
}

impl Instance {
    fn context<'a>(&self, base: &Context<'a>) -> Context<'a> {
        let mut c = base.clone();
        for (k, v) in &self.vars {
            c.declare_var(*k, v.clone());
        }
        c
    }
}

/// Expand count / for_each. An unknown count or for_each is assumed to be 1, and said.
fn expand(block: &Block, ctx: &Context) -> (Vec<Instance>, Option<String>) {
    let single = || Instance {
        suffix: String::new(),
        key: None,
        vars: Vec::new(),
    };
    if let Some(expr) = attr(block, "count") {
        return match expr.evaluate(ctx).ok().and_then(|v| v.as_f64()) {
            Some(n) => (
                (0..n.max(0.0) as usize)
                    .map(|i| Instance {
                        suffix: format!("[{i}]"),
                        key: Some(Value::from(i as i64)),
                        vars: vec![("count", obj([("index", Value::from(i as i64))]))],
                    })
                    .collect(),
                None,
            ),
            None => (
                vec![Instance {
                    suffix: "[0]".into(),
                    key: Some(Value::from(0)),
                    vars: vec![("count", obj([("index", Value::from(0))]))],
                }],
                Some(format!(
                    "count = {} is not known statically; assumed 1",
                    text(expr)
                )),
            ),
        };
    }
    if let Some(expr) = attr(block, "for_each") {
        let items: Option<Vec<(String, Value)>> = match expr.evaluate(ctx) {
            Ok(Value::Object(o)) => Some(o.into_iter().collect()),
            Ok(Value::Array(a)) => a
                .into_iter()
                .map(|v| v.as_str().map(|s| (s.to_string(), v.clone())))
                .collect(),
            _ => None,
        };
        return match items {
            Some(items) => (
                items
                    .into_iter()
                    .map(|(k, v)| Instance {
                        suffix: format!("[\"{k}\"]"),
                        key: Some(Value::from(k.clone())),
                        vars: vec![("each", obj([("key", Value::from(k)), ("value", v)]))],
                    })
                    .collect(),
                None,
            ),
            None => (
                vec![Instance {
                    suffix: "[\"?\"]".into(),
                    key: Some(Value::from("?")),
                    vars: Vec::new(),
                }],
                Some(format!(
                    "for_each = {} is not known statically; assumed 1 instance",
                    text(expr)
                )),
            ),
        };
    }
    (vec![single()], None)
}

fn instances_value(block: &Block, outs: Vec<(Option<Value>, Value)>) -> Value {
    if attr(block, "for_each").is_some() {
        Value::Object(
            outs.into_iter()
                .filter_map(|(k, v)| Some((k?.as_str()?.to_string(), v)))
                .collect(),
        )
    } else if attr(block, "count").is_some() {
        Value::Array(outs.into_iter().map(|(_, v)| v).collect())
    } else {
        outs.into_iter()
            .next()
            .map(|(_, v)| v)
            .unwrap_or(Value::Null)
    }
}

/// Evaluate attributes and nested blocks into JSON; unknown attributes keep their text.
fn eval_body(
    body: &Body,
    ctx: &Context,
    path: &str,
    unknown: &mut BTreeMap<String, String>,
) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    for a in body.attributes() {
        if matches!(a.key(), "count" | "for_each" | "depends_on" | "provider") {
            continue;
        }
        match a.expr().evaluate(ctx) {
            Ok(Value::String(s)) if s.contains(UNKNOWN) => {
                unknown.insert(format!("{path}{}", a.key()), text(a.expr()));
            }
            Ok(v) => {
                out.insert(
                    a.key().to_string(),
                    serde_json::to_value(&v).unwrap_or_default(),
                );
            }
            Err(_) => {
                unknown.insert(format!("{path}{}", a.key()), text(a.expr()));
            }
        }
    }
    for b in body.blocks() {
        match b.identifier() {
            "lifecycle" | "provisioner" | "connection" | "timeouts" => {}
            "dynamic" => {
                let Some(label) = b.labels().first().map(|l| l.as_str().to_string()) else {
                    continue;
                };
                let iterator = attr(b, "iterator")
                    .map(text)
                    .unwrap_or_else(|| label.clone());
                let Some(content) = b.body().blocks().find(|c| c.identifier() == "content") else {
                    continue;
                };
                let items: Option<Vec<(Value, Value)>> =
                    attr(b, "for_each").and_then(|e| match e.evaluate(ctx) {
                        Ok(Value::Array(a)) => Some(
                            a.into_iter()
                                .enumerate()
                                .map(|(i, v)| (Value::from(i as i64), v))
                                .collect(),
                        ),
                        Ok(Value::Object(o)) => {
                            Some(o.into_iter().map(|(k, v)| (Value::from(k), v)).collect())
                        }
                        _ => None,
                    });
                let Some(items) = items else {
                    unknown.insert(
                        format!("{path}{label}"),
                        "dynamic block with unknown for_each".into(),
                    );
                    continue;
                };
                let entry = out
                    .entry(label.clone())
                    .or_insert_with(|| serde_json::Value::Array(Vec::new()));
                for (k, v) in items {
                    let mut c = ctx.clone();
                    c.declare_var(iterator.clone(), obj([("key", k), ("value", v)]));
                    let nested = eval_body(content.body(), &c, &format!("{path}{label}."), unknown);
                    if let serde_json::Value::Array(arr) = entry {
                        arr.push(serde_json::Value::Object(nested));
                    }
                }
            }
            ident => {
                let nested = eval_body(b.body(), ctx, &format!("{path}{ident}."), unknown);
                let entry = out
                    .entry(ident.to_string())
                    .or_insert_with(|| serde_json::Value::Array(Vec::new()));
                if let serde_json::Value::Array(arr) = entry {
                    arr.push(serde_json::Value::Object(nested));
                }
            }
        }
    }
    out
}

fn attr<'a>(block: &'a Block, key: &str) -> Option<&'a Expression> {
    block
        .body()
        .attributes()
        .find(|a| a.key() == key)
        .map(|a| a.expr())
}

fn text(e: &Expression) -> String {
    hcl::format::to_string(e)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "?".into())
}

fn parse_file(path: &Path) -> Result<Body, LoadError> {
    let src = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    hcl::parse(&src).map_err(|e| LoadError::Syntax {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Root variable values: defaults < terraform.tfvars < *.auto.tfvars < --var-file < --var.
fn root_variables(root: &Parsed, opts: &LoadOptions) -> Result<Inputs, LoadError> {
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
        let src = std::fs::read_to_string(&file).map_err(|source| LoadError::Io {
            path: file.clone(),
            source,
        })?;
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
            inputs.insert(a.key().to_string(), a.expr().evaluate(&ctx).ok());
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
        // Like Terraform: string variables take the text as is; others parse as HCL.
        let v = if var.is_string {
            Value::from(value)
        } else {
            hcl::parse(&format!("v = {value}\n"))
                .ok()
                .and_then(|b| {
                    b.attributes()
                        .next()
                        .and_then(|a| a.expr().evaluate(&ctx).ok())
                })
                .unwrap_or_else(|| Value::from(value))
        };
        inputs.insert(name.to_string(), Some(v));
    }
    Ok(inputs)
}
