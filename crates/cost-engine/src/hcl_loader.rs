//! Load a Terraform configuration from HCL: local modules, variables (defaults,
//! terraform.tfvars, *.auto.tfvars, --var-file, --var), locals, count/for_each,
//! dynamic blocks, conditionals and the common functions. What cannot be known
//! before apply (resource IDs, registry modules, unknown functions) is kept as an
//! "unknown" with its expression text and reported as an assumption.

use crate::functions;
use crate::model::{Resource, Stack, Unloaded};
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
    #[error(
        "{path}: blocks and expressions nest deeper than the 64 levels this tool's HCL parser reads (Terraform may accept it); estimate a plan instead: terraform show -json plan.out > plan.json, then --plan plan.json"
    )]
    TooNested { path: PathBuf },
    #[error("{path}: larger than {limit} bytes; not a Terraform file this tool reads")]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{origin}: {address}: count = {value}: {problem}")]
    BadCount {
        origin: String,
        address: String,
        value: String,
        problem: &'static str,
    },
    #[error("{origin}: {address}: reference to undeclared {kind} \"{name}\"; declared: {declared}")]
    Undeclared {
        origin: String,
        address: String,
        kind: &'static str,
        name: String,
        declared: String,
    },
    #[error("{dir}: locals refer to each other in a cycle: {names}")]
    LocalCycle { dir: String, names: String },
    #[error("--var {raw:?}: variable \"{name}\" is of type {expected}")]
    BadVarValue {
        raw: String,
        name: String,
        expected: String,
    },
    #[error("{path}: not the modules.json that `terraform init` writes: {message}")]
    BadManifest { path: PathBuf, message: String },
}

/// Largest .tf / .tfvars / modules.json file read (a generated file is rarely 1 MiB).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Instances of one `count` evaluated one by one when attributes depend on
/// `count.index`; identical instances are priced arithmetically at any count.
pub const MAX_DISTINCT_INSTANCES: u64 = 10_000;

/// Below this, instances are listed one by one (`aws_subnet.public[0]`, `[1]`) even
/// when identical, as Terraform shows them.
const LIST_INSTANCES_UP_TO: u64 = 64;

/// Parsed contents of one module directory.
struct Parsed {
    dir: PathBuf,
    /// Number of .tf files read.
    tf_files: usize,
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
    /// The declared type, e.g. `string`, `number`, `list(string)` (None: any).
    type_text: Option<String>,
}

pub fn load_dir(dir: &Path, opts: &LoadOptions) -> Result<Stack, LoadError> {
    let mut loader = Loader {
        manifest: Manifest::read(dir)?,
        ..Loader::default()
    };
    let root = loader.parse_dir(dir)?;
    if root.tf_files == 0 {
        return Err(LoadError::Empty(dir.to_path_buf()));
    }
    let inputs = root_variables(&root, opts)?;
    let out = loader.eval_module(&root, "", inputs, None, 0, 1)?;
    let mut assumptions = out.assumptions;
    dedup(&mut assumptions);
    Ok(Stack {
        resources: out.resources,
        unloaded: out.unloaded,
        assumptions,
        region: out.region,
    })
}

/// `.terraform/modules/modules.json`, written by `terraform init` / `terraform get`:
/// where the code of each registry, git, S3 or HTTP module was put.
#[derive(Default)]
struct Manifest {
    /// Module key (`vpc`, `ecs.service`) -> directory.
    dirs: BTreeMap<String, PathBuf>,
}

impl Manifest {
    fn read(root: &Path) -> Result<Manifest, LoadError> {
        #[derive(serde::Deserialize)]
        struct File {
            #[serde(rename = "Modules")]
            modules: Vec<Entry>,
        }
        #[derive(serde::Deserialize)]
        struct Entry {
            #[serde(rename = "Key")]
            key: String,
            #[serde(rename = "Dir")]
            dir: String,
        }
        let path = root.join(".terraform/modules/modules.json");
        if !path.exists() {
            return Ok(Manifest::default());
        }
        let text = read_source(&path)?;
        let file: File = serde_json::from_str(&text).map_err(|e| LoadError::BadManifest {
            path: path.clone(),
            message: e.to_string(),
        })?;
        Ok(Manifest {
            dirs: file
                .modules
                .into_iter()
                .filter(|e| !e.key.is_empty())
                .map(|e| (e.key, root.join(e.dir)))
                .collect(),
        })
    }
}

/// The manifest key of a module call: `module.a["x"].module.b` + `c` -> `a.b.c`.
fn manifest_key(prefix: &str, name: &str) -> String {
    let mut parts: Vec<&str> = prefix
        .split("module.")
        .map(|p| p.trim_end_matches('.'))
        .filter(|p| !p.is_empty())
        .map(|p| p.split('[').next().unwrap_or(p))
        .collect();
    parts.push(name);
    parts.join(".")
}

/// Whether a module source is a path on this machine (Terraform's rule: `./` or `../`).
fn is_local_source(source: &str) -> bool {
    source.starts_with("./") || source.starts_with("../")
}

/// Read a source file: a regular file of at most [`MAX_FILE_BYTES`].
pub(crate) fn read_source(path: &Path) -> Result<String, LoadError> {
    read_limited(path, MAX_FILE_BYTES)
}

/// Read a regular file of at most `limit` bytes (a device, FIFO or directory is
/// refused before reading, a larger file after at most `limit + 1` bytes).
pub(crate) fn read_limited(path: &Path, limit: u64) -> Result<String, LoadError> {
    use std::io::Read;
    let io = |source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    if meta.len() > limit {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .map_err(io)?
        .take(limit + 1)
        .read_to_string(&mut text)
        .map_err(io)?;
    if text.len() as u64 > limit {
        return Err(LoadError::TooLarge {
            path: path.to_path_buf(),
            limit,
        });
    }
    Ok(text)
}

fn dedup(v: &mut Vec<String>) {
    let mut seen = std::collections::BTreeSet::new();
    v.retain(|s| seen.insert(s.clone()));
}

#[derive(Default)]
struct Loader {
    cache: BTreeMap<PathBuf, std::rc::Rc<Parsed>>,
    manifest: Manifest,
}

struct ModuleOut {
    outputs: hcl::Map<String, Value>,
    resources: Vec<Resource>,
    unloaded: Vec<Unloaded>,
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
            tf_files: files.len(),
            variables: Vec::new(),
            locals: Vec::new(),
            resources: Vec::new(),
            data: Vec::new(),
            modules: Vec::new(),
            outputs: Vec::new(),
            provider_region: None,
        };
        let mut all: Vec<(Block, PathBuf)> = Vec::new();
        for path in files {
            let body = parse_file(&path)?;
            all.extend(body.into_blocks().map(|b| (b, path.clone())));
        }
        check_references(&all)?;
        {
            for (block, path) in all {
                let labels: Vec<String> = block
                    .labels()
                    .iter()
                    .map(|l| l.as_str().to_string())
                    .collect();
                match (block.identifier(), labels.as_slice()) {
                    ("variable", [name]) => {
                        let default = attr(&block, "default").cloned();
                        let type_text = attr(&block, "type").map(text);
                        parsed.variables.push(Variable {
                            name: name.clone(),
                            default,
                            type_text,
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

    #[allow(clippy::too_many_arguments)]
    fn eval_module(
        &mut self,
        m: &Parsed,
        prefix: &str,
        inputs: Inputs,
        inherited_region: Option<String>,
        depth: usize,
        times: u64,
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
                    Some(d) => match evaluate(d, &functions::context()) {
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

        // The provider region may come from a variable or a local (evaluated below).
        let mut region = inherited_region.clone();
        base.declare_var("data", data_object(&m.data, region.as_deref()));

        // Module outputs and resource attributes feed each other (module.vpc.vpc_id ->
        // module.alb, length(aws_subnet.public)): iterate until nothing changes.
        let mut module_obj = hcl::Map::new();
        let mut res_obj: hcl::Map<String, Value> = hcl::Map::new();
        let mut children: Vec<ModuleOut> = Vec::new();
        let mut resources = Vec::new();
        let mut unloaded = Vec::new();
        let mut outputs = hcl::Map::new();
        let mut notes = Vec::new();
        for _pass in 0..5 {
            notes.clear();
            unloaded.clear();
            let mut conditions: BTreeMap<String, bool> = BTreeMap::new();
            let mut ctx = base.clone();
            ctx.declare_var("module", Value::Object(module_obj.clone()));
            for (t, v) in &res_obj {
                ctx.declare_var(t.clone(), v.clone());
            }
            let locals = eval_locals(&m.locals, &ctx, &m.dir)?;
            ctx.declare_var("local", Value::Object(locals));
            if let Some(r) = m
                .provider_region
                .as_ref()
                .and_then(|e| evaluate(e, &ctx).ok())
                .and_then(|v| v.as_str().map(str::to_string))
                .filter(|r| !r.contains(UNKNOWN))
            {
                if region.as_deref() != Some(r.as_str()) {
                    region = Some(r);
                    ctx.declare_var("data", data_object(&m.data, region.as_deref()));
                    base.declare_var("data", data_object(&m.data, region.as_deref()));
                }
            }

            let mut next_modules = hcl::Map::new();
            children.clear();
            for (block, file) in &m.modules {
                let name = block.labels()[0].as_str().to_string();
                let call = format!("{}module.{name}", dotted(prefix));
                let source = match attr(block, "source").map(|e| evaluate(e, &ctx)) {
                    Some(Ok(Value::String(s))) => s,
                    _ => {
                        unloaded.push(Unloaded {
                            address: call,
                            kind: "module".into(),
                            reason: format!(
                                "source = {} is not a literal string",
                                attr(block, "source").map(text).unwrap_or_default()
                            ),
                        });
                        continue;
                    }
                };
                let child_dir = if is_local_source(&source) {
                    m.dir.join(source.strip_prefix("./").unwrap_or(&source))
                } else {
                    match self.manifest.dirs.get(&manifest_key(prefix, &name)) {
                        Some(dir) => dir.clone(),
                        None => {
                            unloaded.push(Unloaded {
                                address: call,
                                kind: "module".into(),
                                reason: format!(
                                    "source \"{source}\" is not downloaded: run `terraform init` (or `terraform get`) in the root module, then estimate again"
                                ),
                            });
                            continue;
                        }
                    }
                };
                let child = match self.parse_dir(&child_dir) {
                    Ok(c) if c.tf_files > 0 => c,
                    Ok(_) | Err(LoadError::Io { .. }) => {
                        return Err(LoadError::MissingModule {
                            origin: file.display().to_string(),
                            name,
                            module_source: source,
                            path: child_dir,
                        });
                    }
                    Err(e) => return Err(e),
                };
                let exp = expand(block, &ctx, &call, file, &mut conditions)?;
                if let Some(n) = exp.note {
                    notes.push(format!("{call}: {n}"));
                }
                if let Some(why) = exp.not_evaluated {
                    unloaded.push(Unloaded {
                        address: call,
                        kind: "module".into(),
                        reason: why,
                    });
                    continue;
                }
                let mut outs = Vec::new();
                let mut ictx = ctx.clone();
                for inst in &exp.instances {
                    inst.enter(&mut ictx);
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
                        child_inputs.insert(a.key().to_string(), evaluate(a.expr(), &ictx).ok());
                    }
                    let child_prefix = format!("{call}{}", inst.suffix);
                    let out = self.eval_module(
                        &child,
                        &child_prefix,
                        child_inputs,
                        region.clone(),
                        depth + 1,
                        times.saturating_mul(exp.each),
                    )?;
                    outs.push((inst.key.clone(), Value::Object(out.outputs.clone())));
                    children.push(out);
                }
                next_modules.insert(name, instances_value(block, outs, exp.each));
            }

            resources.clear();
            let mut next_res: hcl::Map<String, Value> = hcl::Map::new();
            for (block, file) in &m.resources {
                let labels = block.labels();
                let (rtype, rname) = (
                    labels[0].as_str().to_string(),
                    labels[1].as_str().to_string(),
                );
                let local_addr = format!("{rtype}.{rname}");
                let address = format!("{}{local_addr}", dotted(prefix));
                let exp = expand(block, &ctx, &address, file, &mut conditions)?;
                if let Some(n) = exp.note {
                    notes.push(format!("{address}: {n}"));
                }
                if let Some(why) = exp.not_evaluated {
                    unloaded.push(Unloaded {
                        address: address.clone(),
                        kind: rtype.clone(),
                        reason: why,
                    });
                }
                let mut objs = Vec::new();
                let mut ictx = ctx.clone();
                for inst in &exp.instances {
                    inst.enter(&mut ictx);
                    let mut unknown = BTreeMap::new();
                    let values = eval_body(block.body(), &ictx, "", &mut unknown);
                    objs.push((inst.key.clone(), placeholder_object(&values)));
                    resources.push(Resource {
                        address: format!("{address}{}", inst.suffix),
                        module: prefix.to_string(),
                        rtype: rtype.clone(),
                        name: rname.clone(),
                        values,
                        unknown,
                        count: times.saturating_mul(exp.each),
                    });
                }
                let by_name = next_res
                    .entry(rtype)
                    .or_insert_with(|| Value::Object(hcl::Map::new()));
                if let Value::Object(map) = by_name {
                    map.insert(rname, instances_value(block, objs, exp.each));
                }
            }

            outputs = hcl::Map::new();
            for (name, expr) in &m.outputs {
                if let Ok(v) = evaluate(expr, &ctx) {
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
        // Name each function the loader lacks, once per module.
        let mut missing: Vec<&str> = resources
            .iter()
            .flat_map(|r| r.unknown.values())
            .flat_map(|t| functions::called(t))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .filter(|f| !functions::implemented(f))
            .collect();
        missing.dedup();
        for f in missing {
            assumptions.push(format!(
                "{}function {f}() is not implemented by the estimator: attributes computed with it are not known statically",
                dotted(prefix)
            ));
        }
        for child in children {
            resources.extend(child.resources);
            unloaded.extend(child.unloaded);
            assumptions.extend(child.assumptions);
        }
        Ok(ModuleOut {
            outputs,
            resources,
            unloaded,
            assumptions,
            region,
        })
    }
}

/// Terraform's rule: every `var.X` and `local.X` of a module is declared in it. An
/// undeclared one is an error (exit 2), never an unknown value assumed away.
fn check_references(all: &[(Block, PathBuf)]) -> Result<(), LoadError> {
    let mut vars = std::collections::BTreeSet::new();
    let mut locals = std::collections::BTreeSet::new();
    for (b, _) in all {
        match b.identifier() {
            "variable" => {
                if let Some(l) = b.labels().first() {
                    vars.insert(l.as_str().to_string());
                }
            }
            "locals" => locals.extend(b.body().attributes().map(|a| a.key().to_string())),
            _ => {}
        }
    }
    let list = |set: &std::collections::BTreeSet<String>| {
        if set.is_empty() {
            "none".to_string()
        } else {
            set.iter().cloned().collect::<Vec<_>>().join(", ")
        }
    };
    for (b, path) in all {
        if b.identifier() == "variable" {
            continue;
        }
        let address = std::iter::once(b.identifier())
            .chain(b.labels().iter().map(|l| l.as_str()))
            .collect::<Vec<_>>()
            .join(".");
        let mut bad = None;
        visit_expressions(b.body(), &mut |e| {
            if bad.is_some() {
                return;
            }
            for (kind, name) in references(&text(e)) {
                let (known, declared) = match kind {
                    "var" => (vars.contains(&name), &vars),
                    _ => (locals.contains(&name), &locals),
                };
                if !known {
                    bad = Some((kind, name, list(declared)));
                    return;
                }
            }
        });
        if let Some((kind, name, declared)) = bad {
            return Err(LoadError::Undeclared {
                origin: path.display().to_string(),
                address,
                kind: if kind == "var" {
                    "input variable"
                } else {
                    "local value"
                },
                name: format!("{kind}.{name}"),
                declared,
            });
        }
    }
    Ok(())
}

/// Every attribute expression of a body, nested blocks included.
fn visit_expressions(body: &Body, f: &mut impl FnMut(&Expression)) {
    for a in body.attributes() {
        f(a.expr());
    }
    for b in body.blocks() {
        visit_expressions(b.body(), f);
    }
}

/// The `var.NAME` and `local.NAME` references in an expression's canonical text:
/// in code and in `${...}` / `%{...}` of strings, never in literal text.
pub(crate) fn references(text: &str) -> Vec<(&'static str, String)> {
    enum Mode {
        Code { braces: usize },
        Str,
    }
    let b = text.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
    let mut stack = vec![Mode::Code { braces: 0 }];
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let depth = stack.len();
        match stack.last_mut() {
            Some(Mode::Str) => {
                if c == b'\\' {
                    i += 2;
                    continue;
                }
                if c == b'"' {
                    stack.pop();
                } else if (c == b'$' || c == b'%') && b.get(i + 1) == Some(&b'{') {
                    stack.push(Mode::Code { braces: 0 });
                    i += 1;
                }
                i += 1;
            }
            Some(Mode::Code { braces }) => {
                match c {
                    b'"' => stack.push(Mode::Str),
                    b'{' => *braces += 1,
                    b'}' if *braces == 0 && depth > 1 => {
                        stack.pop();
                    }
                    b'}' => *braces = braces.saturating_sub(1),
                    _ if ident(c) && (i == 0 || !(ident(b[i - 1]) || b[i - 1] == b'.')) => {
                        let start = i;
                        while i < b.len() && ident(b[i]) {
                            i += 1;
                        }
                        let word = &text[start..i];
                        if (word == "var" || word == "local") && b.get(i) == Some(&b'.') {
                            let n0 = i + 1;
                            let mut n1 = n0;
                            while n1 < b.len() && ident(b[n1]) {
                                n1 += 1;
                            }
                            if n1 > n0 {
                                let kind = if word == "var" { "var" } else { "local" };
                                out.push((kind, text[n0..n1].to_string()));
                            }
                            i = n1;
                        }
                        continue;
                    }
                    _ => {}
                }
                i += 1;
            }
            None => break,
        }
    }
    out
}

/// Evaluate an expression as Terraform would, `try(...)` and `can(...)` included: hcl
/// evaluates arguments before calling a function, so these two are settled first
/// (the first argument of `try` that evaluates to a known value; `can` of one that
/// evaluates is true, otherwise left unknown: an unknown is not a failure).
fn evaluate(expr: &Expression, ctx: &Context) -> hcl::eval::EvalResult<Value> {
    if mentions_try(expr) {
        settle(expr, ctx).evaluate(ctx)
    } else {
        expr.evaluate(ctx)
    }
}

fn mentions_try(expr: &Expression) -> bool {
    use Expression as E;
    match expr {
        E::FuncCall(f) => {
            matches!(f.name.name.as_str(), "try" | "can") || f.args.iter().any(mentions_try)
        }
        E::Array(a) => a.iter().any(mentions_try),
        E::Object(o) => o.values().any(mentions_try),
        E::Parenthesis(e) => mentions_try(e),
        E::Conditional(c) => {
            mentions_try(&c.cond_expr) || mentions_try(&c.true_expr) || mentions_try(&c.false_expr)
        }
        E::Operation(op) => match op.as_ref() {
            hcl::expr::Operation::Unary(u) => mentions_try(&u.expr),
            hcl::expr::Operation::Binary(b) => {
                mentions_try(&b.lhs_expr) || mentions_try(&b.rhs_expr)
            }
        },
        E::Traversal(t) => mentions_try(&t.expr),
        E::ForExpr(f) => mentions_try(&f.collection_expr),
        _ => false,
    }
}

fn settle(expr: &Expression, ctx: &Context) -> Expression {
    use Expression as E;
    let known = |v: &Value| !serde_json::to_string(v).is_ok_and(|t| t.contains(UNKNOWN));
    match expr {
        E::FuncCall(f) if matches!(f.name.name.as_str(), "try" | "can") => {
            let args: Vec<Expression> = f.args.iter().map(|a| settle(a, ctx)).collect();
            if f.name.name.as_str() == "try" {
                args.iter()
                    .find_map(|a| a.evaluate(ctx).ok().filter(known))
                    .map(E::from)
                    .unwrap_or_else(|| expr.clone())
            } else {
                match args.first().map(|a| a.evaluate(ctx)) {
                    Some(Ok(v)) if known(&v) => E::Bool(true),
                    _ => expr.clone(),
                }
            }
        }
        E::FuncCall(f) => {
            let mut f = f.as_ref().clone();
            f.args = f.args.iter().map(|a| settle(a, ctx)).collect();
            E::FuncCall(Box::new(f))
        }
        E::Array(a) => E::Array(a.iter().map(|e| settle(e, ctx)).collect()),
        E::Object(o) => E::Object(o.iter().map(|(k, v)| (k.clone(), settle(v, ctx))).collect()),
        E::Parenthesis(e) => E::Parenthesis(Box::new(settle(e, ctx))),
        E::Conditional(c) => {
            let mut c = c.as_ref().clone();
            c.cond_expr = settle(&c.cond_expr, ctx);
            c.true_expr = settle(&c.true_expr, ctx);
            c.false_expr = settle(&c.false_expr, ctx);
            E::Conditional(Box::new(c))
        }
        E::Operation(op) => {
            let mut op = op.as_ref().clone();
            match &mut op {
                hcl::expr::Operation::Unary(u) => u.expr = settle(&u.expr, ctx),
                hcl::expr::Operation::Binary(b) => {
                    b.lhs_expr = settle(&b.lhs_expr, ctx);
                    b.rhs_expr = settle(&b.rhs_expr, ctx);
                }
            }
            E::Operation(Box::new(op))
        }
        E::Traversal(t) => {
            let mut t = t.as_ref().clone();
            t.expr = settle(&t.expr, ctx);
            E::Traversal(Box::new(t))
        }
        E::ForExpr(f) => {
            let mut f = f.as_ref().clone();
            f.collection_expr = settle(&f.collection_expr, ctx);
            E::ForExpr(Box::new(f))
        }
        other => other.clone(),
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
            ("aws_availability_zones", Some(r)) => match zone_letters(r) {
                // How many AZs a region has decides how many subnets, NAT gateways and
                // load-balancer addresses `slice(...names, 0, n)` creates.
                Some(letters) => {
                    let names: Vec<Value> = letters
                        .chars()
                        .map(|c| Value::from(format!("{r}{c}")))
                        .collect();
                    obj([
                        ("names", Value::Array(names.clone())),
                        ("id", Value::from(r)),
                    ])
                }
                None => continue,
            },
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

/// The Availability Zones of the regions the price catalog covers, for
/// `data.aws_availability_zones` (AWS Regions and Zones documentation: us-east-1 has
/// six, us-west-2 four, eu-west-1 and eu-central-1 three). Elsewhere the names stay
/// unknown.
fn zone_letters(region: &str) -> Option<&'static str> {
    Some(match region {
        "us-east-1" => "abcdef",
        "us-west-2" => "abcd",
        "eu-west-1" | "eu-central-1" => "abc",
        _ => return None,
    })
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

fn eval_locals(
    locals: &[(String, Expression)],
    ctx: &Context,
    dir: &Path,
) -> Result<hcl::Map<String, Value>, LoadError> {
    // Locals may reference each other in any order: evaluate until no progress.
    let mut known = hcl::Map::new();
    let mut pending: Vec<&(String, Expression)> = locals.iter().collect();
    loop {
        let mut c = ctx.clone();
        c.declare_var("local", Value::Object(known.clone()));
        let before = pending.len();
        pending.retain(|(name, expr)| match evaluate(expr, &c) {
            Ok(v) => {
                known.insert(name.clone(), v);
                false
            }
            Err(_) => true,
        });
        if pending.is_empty() || pending.len() == before {
            break;
        }
    }
    // What is left is unknown (it needs a value known only after apply), unless the
    // locals wait on each other: Terraform refuses a cycle, so does this.
    let waiting: BTreeMap<&str, Vec<String>> = pending
        .iter()
        .map(|(name, expr)| {
            let deps = references(&text(expr))
                .into_iter()
                .filter(|(k, n)| *k == "local" && !known.contains_key(n))
                .map(|(_, n)| n)
                .collect();
            (name.as_str(), deps)
        })
        .collect();
    if let Some(cycle) = find_cycle(&waiting) {
        return Err(LoadError::LocalCycle {
            dir: dir.display().to_string(),
            names: cycle.join(" -> "),
        });
    }
    Ok(known)
}

/// A cycle in a dependency graph, as `a -> b -> a`.
fn find_cycle(graph: &BTreeMap<&str, Vec<String>>) -> Option<Vec<String>> {
    fn walk<'a>(
        node: &'a str,
        graph: &'a BTreeMap<&str, Vec<String>>,
        path: &mut Vec<&'a str>,
        done: &mut std::collections::BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|n| *n == node) {
            let mut cycle: Vec<String> = path[i..].iter().map(|n| format!("local.{n}")).collect();
            cycle.push(format!("local.{node}"));
            return Some(cycle);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some((k, _)) = graph.get_key_value(next.as_str())
                && let Some(c) = walk(k, graph, path, done)
            {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = std::collections::BTreeSet::new();
    graph
        .keys()
        .find_map(|n| walk(n, graph, &mut Vec::new(), &mut done))
}

/// One instance of a resource or module after count/for_each.
struct Instance {
    suffix: String,
    key: Option<Value>,
    vars: Vec<(&'static str, Value)>,
}

impl Instance {
    /// Make `count` / `each` of this instance visible in `ctx` (one context is reused
    /// for all instances of a block, so expansion stays linear in the count).
    fn enter(&self, ctx: &mut Context) {
        for (k, v) in &self.vars {
            ctx.declare_var(*k, v.clone());
        }
    }
}

/// The instances of a block after count/for_each.
struct Expansion {
    instances: Vec<Instance>,
    /// Identical copies each instance stands for (a large count whose attributes do
    /// not depend on `count.index` is one instance priced `each` times).
    each: u64,
    note: Option<String>,
    /// Why the instances were not evaluated (too many distinct ones).
    not_evaluated: Option<String>,
}

/// A `count` value as Terraform accepts it: a whole number >= 0, or a string of one.
/// `Ok(None)`: known only after apply.
fn count_of(v: &Value) -> Result<Option<u64>, &'static str> {
    let n = match v {
        Value::Number(n) => n.as_f64().ok_or("is not a number")?,
        Value::String(s) if s.contains(UNKNOWN) => return Ok(None),
        Value::String(s) => s.trim().parse::<f64>().map_err(|_| "is not a number")?,
        Value::Null => return Err("must not be null"),
        _ => return Err("must be a whole number"),
    };
    if !n.is_finite() {
        Err("is not a number")
    } else if n < 0.0 {
        Err("must not be negative")
    } else if n.fract() != 0.0 {
        Err("must be a whole number")
    } else if n > 1e9 {
        Err("is more instances than any AWS account can run")
    } else {
        Ok(Some(n as u64))
    }
}

fn count_instance(i: u64) -> Instance {
    Instance {
        suffix: format!("[{i}]"),
        key: Some(Value::from(i)),
        vars: vec![("count", obj([("index", Value::from(i))]))],
    }
}

/// Expand count / for_each. An unknown count or for_each is assumed to be 1, and
/// said; an invalid one is an error, as in Terraform.
fn expand(
    block: &Block,
    ctx: &Context,
    address: &str,
    file: &Path,
    conditions: &mut BTreeMap<String, bool>,
) -> Result<Expansion, LoadError> {
    let plain = |instances, note| Expansion {
        instances,
        each: 1,
        note,
        not_evaluated: None,
    };
    if let Some(expr) = attr(block, "count") {
        let mut value = evaluate(expr, ctx);
        let mut note = None;
        if value.is_err()
            && let Some((condition, chosen, assumed)) = assume_condition(expr, ctx, conditions)
        {
            // `c ? 1 : 0` and `!c ? 1 : 0` with `c` unknown: one assumption per
            // condition, so mutually exclusive resources are never both priced.
            note = Some(format!(
                "count = {}: {condition} is not known statically; assumed {assumed} (the same for every count of this module that tests it)",
                text(expr)
            ));
            value = evaluate(&chosen, ctx);
        }
        let n = match &value {
            Ok(v) => count_of(v).map_err(|problem| LoadError::BadCount {
                origin: file.display().to_string(),
                address: address.to_string(),
                value: text(expr),
                problem,
            })?,
            Err(_) => None,
        };
        let Some(n) = n else {
            return Ok(plain(
                vec![count_instance(0)],
                Some(format!(
                    "count = {} is not known statically; assumed 1",
                    text(expr)
                )),
            ));
        };
        if n <= LIST_INSTANCES_UP_TO {
            return Ok(plain((0..n).map(count_instance).collect(), note));
        }
        let depends_on_index = hcl::format::to_string(block.body())
            .map(|t| t.contains("count.index"))
            .unwrap_or(true);
        if !depends_on_index {
            return Ok(Expansion {
                instances: vec![Instance {
                    suffix: "[*]".into(),
                    key: None,
                    vars: vec![("count", obj([("index", Value::from(0))]))],
                }],
                each: n,
                note: None,
                not_evaluated: None,
            });
        }
        if n <= MAX_DISTINCT_INSTANCES {
            return Ok(plain((0..n).map(count_instance).collect(), None));
        }
        return Ok(Expansion {
            instances: Vec::new(),
            each: 1,
            note: None,
            not_evaluated: Some(format!(
                "count = {n} instances whose attributes depend on count.index: more than \
                 the {MAX_DISTINCT_INSTANCES} evaluated one by one"
            )),
        });
    }
    if let Some(expr) = attr(block, "for_each") {
        let items: Option<Vec<(String, Value)>> = match evaluate(expr, ctx) {
            Ok(Value::Object(o)) => Some(o.into_iter().collect()),
            Ok(Value::Array(a)) => a
                .into_iter()
                .map(|v| v.as_str().map(|s| (s.to_string(), v.clone())))
                .collect(),
            _ => None,
        };
        return Ok(match items {
            Some(items) => plain(
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
            None => plain(
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
        });
    }
    Ok(plain(
        vec![Instance {
            suffix: String::new(),
            key: None,
            vars: Vec::new(),
        }],
        None,
    ))
}

/// For a count `COND ? a : b` (or `!COND ? a : b`) whose condition is unknown: the
/// branch taken under one assumption per condition text (true the first time it is
/// seen). Returns the condition, the chosen branch and the assumed value.
fn assume_condition(
    expr: &Expression,
    ctx: &Context,
    conditions: &mut BTreeMap<String, bool>,
) -> Option<(String, Expression, bool)> {
    let Expression::Conditional(c) = expr else {
        return None;
    };
    if c.cond_expr.evaluate(ctx).is_ok() {
        return None; // known: the failure is elsewhere
    }
    let (base, negated) = match &c.cond_expr {
        Expression::Operation(op) => match op.as_ref() {
            hcl::expr::Operation::Unary(u) if u.operator == hcl::expr::UnaryOperator::Not => {
                (text(&u.expr), true)
            }
            _ => (text(&c.cond_expr), false),
        },
        other => (text(other), false),
    };
    let assumed = *conditions.entry(base.clone()).or_insert(true);
    let branch = if assumed != negated {
        c.true_expr.clone()
    } else {
        c.false_expr.clone()
    };
    Some((base, branch, assumed))
}

/// How other expressions see a block's instances: an object for for_each, a list for
/// count (identical copies repeated; a list too long to build is unknown), else the one.
fn instances_value(block: &Block, outs: Vec<(Option<Value>, Value)>, each: u64) -> Value {
    if attr(block, "for_each").is_some() {
        Value::Object(
            outs.into_iter()
                .filter_map(|(k, v)| Some((k?.as_str()?.to_string(), v)))
                .collect(),
        )
    } else if attr(block, "count").is_some() {
        if each > 1 {
            return match outs.into_iter().next() {
                Some((_, v)) if each <= MAX_DISTINCT_INSTANCES => {
                    Value::Array(vec![v; each as usize])
                }
                _ => Value::from(UNKNOWN),
            };
        }
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
        match evaluate(a.expr(), ctx) {
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
                    attr(b, "for_each").and_then(|e| match evaluate(e, ctx) {
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
    let src = read_source(path)?;
    hcl::parse(&src).map_err(|e| {
        let message = e.to_string();
        if message.contains("nesting depth") {
            LoadError::TooNested {
                path: path.to_path_buf(),
            }
        } else {
            LoadError::Syntax {
                path: path.to_path_buf(),
                message,
            }
        }
    })
}

/// A whole number as an integer value (so `count = var.n` stays exact), else a float.
fn num_value(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        Value::from(n as i64)
    } else {
        Value::from(n)
    }
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
