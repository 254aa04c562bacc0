//! `count` and `for_each`: instances, identical copies priced arithmetically, the
//! assumptions made when they are not known statically.

use super::*;

/// One instance of a resource or module after count/for_each.
pub(super) struct Instance {
    pub(super) suffix: String,
    pub(super) key: Option<Value>,
    pub(super) vars: Vec<(&'static str, Value)>,
}

impl Instance {
    /// Make `count` / `each` of this instance visible in `ctx` (one context is reused
    /// for all instances of a block, so expansion stays linear in the count).
    pub(super) fn enter(&self, ctx: &mut Context) {
        for (k, v) in &self.vars {
            ctx.declare_var(*k, v.clone());
        }
    }
}

/// The instances of a block after count/for_each.
pub(super) struct Expansion {
    pub(super) instances: Vec<Instance>,
    /// Identical copies each instance stands for (a large count whose attributes do
    /// not depend on `count.index` is one instance priced `each` times).
    pub(super) each: u64,
    pub(super) note: Option<String>,
    /// Why the instances were not evaluated (too many distinct ones).
    pub(super) not_evaluated: Option<String>,
}

/// A `count` value as Terraform accepts it: a whole number >= 0, or a string of one.
/// `Ok(None)`: known only after apply.
pub(super) fn count_of(v: &Value) -> Result<Option<u64>, &'static str> {
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

pub(super) fn count_instance(i: u64) -> Instance {
    Instance {
        suffix: format!("[{i}]"),
        key: Some(Value::from(i)),
        vars: vec![("count", obj([("index", Value::from(i))]))],
    }
}

/// Expand count / for_each. An unknown count or for_each is assumed to be 1, and
/// said; an invalid one is an error, as in Terraform.
pub(super) fn expand(
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
pub(super) fn assume_condition(
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
pub(super) fn instances_value(
    block: &Block,
    outs: Vec<(Option<Value>, Value)>,
    each: u64,
) -> Value {
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
