//! Load a Terraform configuration from HCL: local modules and the registry/git modules
//! `terraform init` downloaded, variables (defaults, terraform.tfvars, *.auto.tfvars,
//! --var-file, --var), locals, count/for_each, dynamic blocks, conditionals and the
//! common functions. What cannot be known before apply (resource IDs, unimplemented
//! functions) is kept as an "unknown" with its expression text and reported as an
//! assumption; modules that were not downloaded are listed as not loaded.

use crate::functions;
use crate::model::{Resource, Stack, Unloaded};
use hcl::eval::{Context, Evaluate};
use hcl::{Block, Body, Expression, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod backend;
mod eval;
mod expand;
mod files;
mod references;
mod vars;

use eval::*;
use expand::*;
use files::*;
use references::*;
use vars::*;

pub use backend::{Backend, backend};
pub use eval::UNKNOWN;
pub(crate) use files::{read_limited, read_source};

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
        let files = tf_files(dir)?;
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
