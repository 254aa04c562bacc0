//! Evaluating expressions as Terraform does: `try`/`can`, the data sources known without
//! AWS, unknown values kept with their text, locals in any order.

use super::*;

/// Evaluate an expression as Terraform would, `try(...)` and `can(...)` included: hcl
/// evaluates arguments before calling a function, so these two are settled first
/// (the first argument of `try` that evaluates to a known value; `can` of one that
/// evaluates is true, otherwise left unknown: an unknown is not a failure).
pub(super) fn evaluate(expr: &Expression, ctx: &Context) -> hcl::eval::EvalResult<Value> {
    if mentions_try(expr) {
        settle(expr, ctx).evaluate(ctx)
    } else {
        expr.evaluate(ctx)
    }
}

pub(super) fn mentions_try(expr: &Expression) -> bool {
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

pub(super) fn settle(expr: &Expression, ctx: &Context) -> Expression {
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

pub(super) fn dotted(prefix: &str) -> String {
    if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}.")
    }
}

pub(super) fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

pub(super) fn path_object(dir: &Path) -> Value {
    let d = Value::from(dir.display().to_string());
    obj([("module", d.clone()), ("root", d.clone()), ("cwd", d)])
}

/// Data sources whose values are known without AWS: region and partition.
pub(super) fn data_object(data: &[Block], region: Option<&str>) -> Value {
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
pub(super) fn zone_letters(region: &str) -> Option<&'static str> {
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
pub(super) fn placeholder_object(values: &serde_json::Map<String, serde_json::Value>) -> Value {
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

pub(super) fn eval_locals(
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

/// Evaluate attributes and nested blocks into JSON; unknown attributes keep their text.
pub(super) fn eval_body(
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
                // Inside a nested block, the attribute is set (to what Terraform knows
                // only after apply): null marks it there (`allocation_id = aws_eip.x.id`).
                if !path.is_empty() {
                    out.insert(a.key().to_string(), serde_json::Value::Null);
                }
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

pub(super) fn attr<'a>(block: &'a Block, key: &str) -> Option<&'a Expression> {
    block
        .body()
        .attributes()
        .find(|a| a.key() == key)
        .map(|a| a.expr())
}

pub(super) fn text(e: &Expression) -> String {
    hcl::format::to_string(e)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "?".into())
}
