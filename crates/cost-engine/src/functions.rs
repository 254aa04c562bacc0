//! The Terraform functions the loader evaluates (the common ones; anything else makes
//! the expression "unknown", which is reported as an assumption, never guessed).

use hcl::Value;
use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};

type R = Result<Value, String>;

fn num(v: f64) -> Value {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        Value::from(v as i64)
    } else {
        Value::from(v)
    }
}

fn as_f64(v: &Value) -> Result<f64, String> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| "not a number".into()),
        Value::String(s) => s.parse().map_err(|_| format!("`{s}` is not a number")),
        _ => Err(format!("`{v}` is not a number")),
    }
}

fn as_list(v: &Value) -> Result<Vec<Value>, String> {
    match v {
        Value::Array(a) => Ok(a.clone()),
        Value::Object(o) => Ok(o.values().cloned().collect()),
        Value::Null => Ok(Vec::new()),
        other => Err(format!("`{other}` is not a list")),
    }
}

fn to_text(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("`{other}` is not a string")),
    }
}

fn min(a: FuncArgs) -> R {
    a.iter()
        .map(as_f64)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .reduce(f64::min)
        .map(num)
        .ok_or_else(|| "min() needs arguments".into())
}
fn max(a: FuncArgs) -> R {
    a.iter()
        .map(as_f64)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .reduce(f64::max)
        .map(num)
        .ok_or_else(|| "max() needs arguments".into())
}
fn length(a: FuncArgs) -> R {
    Ok(num(match &a[0] {
        Value::Array(v) => v.len() as f64,
        Value::Object(o) => o.len() as f64,
        Value::String(s) => s.chars().count() as f64,
        other => return Err(format!("length of `{other}`")),
    }))
}
fn lookup(a: FuncArgs) -> R {
    let key = to_text(&a[1])?;
    match (&a[0], a.get(2)) {
        (Value::Object(o), default) => o
            .get(&key)
            .cloned()
            .or_else(|| default.cloned())
            .ok_or_else(|| format!("key `{key}` not found")),
        (other, _) => Err(format!("lookup in `{other}`")),
    }
}
fn contains(a: FuncArgs) -> R {
    Ok(Value::Bool(as_list(&a[0])?.contains(&a[1])))
}
fn concat(a: FuncArgs) -> R {
    let mut out = Vec::new();
    for v in a.iter() {
        out.extend(as_list(v)?);
    }
    Ok(Value::Array(out))
}
fn merge(a: FuncArgs) -> R {
    let mut out = hcl::Map::new();
    for v in a.iter() {
        match v {
            Value::Object(o) => out.extend(o.clone()),
            Value::Null => {}
            other => return Err(format!("merge of `{other}`")),
        }
    }
    Ok(Value::Object(out))
}
fn tostring(a: FuncArgs) -> R {
    to_text(&a[0]).map(Value::String)
}
fn tonumber(a: FuncArgs) -> R {
    as_f64(&a[0]).map(num)
}
fn identity(a: FuncArgs) -> R {
    Ok(a[0].clone())
}
fn toset(a: FuncArgs) -> R {
    let mut out: Vec<Value> = Vec::new();
    for v in as_list(&a[0])? {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(Value::Array(out))
}
fn format(a: FuncArgs) -> R {
    let fmt = to_text(&a[0])?;
    let mut args = a.iter().skip(1);
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&n) = chars.peek() {
            chars.next();
            if n.is_ascii_alphabetic() || n == '%' {
                spec.push(n);
                break;
            }
            spec.push(n);
        }
        let verb = spec.chars().last().unwrap_or('v');
        if verb == '%' {
            out.push('%');
            continue;
        }
        let v = args.next().ok_or("format: not enough arguments")?;
        let precision = spec
            .split_once('.')
            .and_then(|(_, p)| p.trim_end_matches(verb).parse::<usize>().ok());
        match (verb, precision) {
            ('f', Some(p)) => out.push_str(&format!("{:.*}", p, as_f64(v)?)),
            ('d', _) => out.push_str(&format!("{}", as_f64(v)? as i64)),
            _ => out.push_str(&to_text(v)?),
        }
    }
    Ok(Value::String(out))
}
fn join(a: FuncArgs) -> R {
    let sep = to_text(&a[0])?;
    let mut parts = Vec::new();
    for l in a.iter().skip(1) {
        for v in as_list(l)? {
            parts.push(to_text(&v)?);
        }
    }
    Ok(Value::String(parts.join(&sep)))
}
fn split(a: FuncArgs) -> R {
    let sep = to_text(&a[0])?;
    Ok(Value::Array(
        to_text(&a[1])?
            .split(sep.as_str())
            .map(|s| Value::String(s.into()))
            .collect(),
    ))
}
fn replace(a: FuncArgs) -> R {
    Ok(Value::String(
        to_text(&a[0])?.replace(&to_text(&a[1])?, &to_text(&a[2])?),
    ))
}
fn lower(a: FuncArgs) -> R {
    Ok(Value::String(to_text(&a[0])?.to_lowercase()))
}
fn upper(a: FuncArgs) -> R {
    Ok(Value::String(to_text(&a[0])?.to_uppercase()))
}
fn coalesce(a: FuncArgs) -> R {
    a.iter()
        .find(|v| !v.is_null() && v.as_str() != Some(""))
        .cloned()
        .ok_or_else(|| "coalesce: no non-null argument".into())
}
fn slice(a: FuncArgs) -> R {
    let l = as_list(&a[0])?;
    let (s, e) = (as_f64(&a[1])? as usize, as_f64(&a[2])? as usize);
    if s > e || e > l.len() {
        return Err(format!(
            "slice({s}, {e}) out of range for {} elements",
            l.len()
        ));
    }
    Ok(Value::Array(l[s..e].to_vec()))
}
fn range(a: FuncArgs) -> R {
    let nums = a.iter().map(as_f64).collect::<Result<Vec<_>, _>>()?;
    let (start, end, step) = match nums.as_slice() {
        [e] => (0.0, *e, 1.0),
        [s, e] => (*s, *e, if s <= e { 1.0 } else { -1.0 }),
        [s, e, st] => (*s, *e, *st),
        _ => return Err("range takes 1-3 arguments".into()),
    };
    if step == 0.0 {
        return Err("range step must not be 0".into());
    }
    let mut out = Vec::new();
    let mut x = start;
    while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
        out.push(num(x));
        x += step;
        if out.len() > 1024 {
            return Err("range too long".into());
        }
    }
    Ok(Value::Array(out))
}
fn element(a: FuncArgs) -> R {
    let l = as_list(&a[0])?;
    if l.is_empty() {
        return Err("element of an empty list".into());
    }
    Ok(l[(as_f64(&a[1])? as usize) % l.len()].clone())
}
fn keys(a: FuncArgs) -> R {
    match &a[0] {
        Value::Object(o) => Ok(Value::Array(
            o.keys().map(|k| Value::String(k.clone())).collect(),
        )),
        other => Err(format!("keys of `{other}`")),
    }
}
fn values(a: FuncArgs) -> R {
    match &a[0] {
        Value::Object(o) => Ok(Value::Array(o.values().cloned().collect())),
        other => Err(format!("values of `{other}`")),
    }
}
fn startswith(a: FuncArgs) -> R {
    Ok(Value::Bool(to_text(&a[0])?.starts_with(&to_text(&a[1])?)))
}
fn endswith(a: FuncArgs) -> R {
    Ok(Value::Bool(to_text(&a[0])?.ends_with(&to_text(&a[1])?)))
}
fn alltrue(a: FuncArgs) -> R {
    Ok(Value::Bool(
        as_list(&a[0])?.iter().all(|v| v.as_bool() == Some(true)),
    ))
}
fn anytrue(a: FuncArgs) -> R {
    Ok(Value::Bool(
        as_list(&a[0])?.iter().any(|v| v.as_bool() == Some(true)),
    ))
}
fn abs(a: FuncArgs) -> R {
    Ok(num(as_f64(&a[0])?.abs()))
}
fn ceil(a: FuncArgs) -> R {
    Ok(num(as_f64(&a[0])?.ceil()))
}
fn floor(a: FuncArgs) -> R {
    Ok(num(as_f64(&a[0])?.floor()))
}
fn sum(a: FuncArgs) -> R {
    Ok(num(as_list(&a[0])?
        .iter()
        .map(as_f64)
        .sum::<Result<f64, _>>()?))
}
fn flatten(a: FuncArgs) -> R {
    fn go(v: &Value, out: &mut Vec<Value>) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| go(i, out)),
            other => out.push(other.clone()),
        }
    }
    let mut out = Vec::new();
    go(&a[0], &mut out);
    Ok(Value::Array(out))
}
fn distinct(a: FuncArgs) -> R {
    toset(a)
}
fn jsonencode(a: FuncArgs) -> R {
    serde_json::to_string(&a[0])
        .map(Value::String)
        .map_err(|e| e.to_string())
}
fn zipmap(a: FuncArgs) -> R {
    let (k, v) = (as_list(&a[0])?, as_list(&a[1])?);
    let mut out = hcl::Map::new();
    for (k, v) in k.iter().zip(v) {
        out.insert(to_text(k)?, v);
    }
    Ok(Value::Object(out))
}
fn trimspace(a: FuncArgs) -> R {
    Ok(Value::String(to_text(&a[0])?.trim().to_string()))
}
fn substr(a: FuncArgs) -> R {
    let s: Vec<char> = to_text(&a[0])?.chars().collect();
    let off = as_f64(&a[1])? as usize;
    let len = as_f64(&a[2])?;
    let end = if len < 0.0 {
        s.len()
    } else {
        (off + len as usize).min(s.len())
    };
    Ok(Value::String(
        s.get(off.min(s.len())..end)
            .map(|c| c.iter().collect())
            .unwrap_or_default(),
    ))
}

fn compact(a: FuncArgs) -> R {
    Ok(Value::Array(
        as_list(&a[0])?
            .into_iter()
            .filter(|v| !matches!(v, Value::Null) && v.as_str() != Some(""))
            .collect(),
    ))
}
fn one(a: FuncArgs) -> R {
    let l = as_list(&a[0])?;
    match l.len() {
        0 => Ok(Value::Null),
        1 => Ok(l[0].clone()),
        n => Err(format!("one() of {n} elements")),
    }
}
fn coalescelist(a: FuncArgs) -> R {
    for v in a.iter() {
        if let Value::Array(l) = v
            && !l.is_empty()
        {
            return Ok(v.clone());
        }
    }
    Ok(Value::Array(Vec::new()))
}
fn jsondecode(a: FuncArgs) -> R {
    let text = to_text(&a[0])?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    hcl::to_value(json).map_err(|e| e.to_string())
}
fn basename(a: FuncArgs) -> R {
    let t = to_text(&a[0])?;
    Ok(Value::from(
        t.trim_end_matches('/').rsplit('/').next().unwrap_or(""),
    ))
}
fn dirname(a: FuncArgs) -> R {
    let t = to_text(&a[0])?;
    Ok(Value::from(
        match t.trim_end_matches('/').rsplit_once('/') {
            Some(("", _)) => "/".to_string(),
            Some((d, _)) => d.to_string(),
            None => ".".to_string(),
        },
    ))
}
fn reverse(a: FuncArgs) -> R {
    let mut l = as_list(&a[0])?;
    l.reverse();
    Ok(Value::Array(l))
}
fn sort(a: FuncArgs) -> R {
    let mut l = as_list(&a[0])?
        .iter()
        .map(to_text)
        .collect::<Result<Vec<_>, _>>()?;
    l.sort();
    Ok(Value::Array(l.into_iter().map(Value::from).collect()))
}
fn index(a: FuncArgs) -> R {
    as_list(&a[0])?
        .iter()
        .position(|v| *v == a[1])
        .map(|i| Value::from(i as i64))
        .ok_or_else(|| "index(): not in the list".into())
}
fn trimprefix(a: FuncArgs) -> R {
    let (t, p) = (to_text(&a[0])?, to_text(&a[1])?);
    Ok(Value::from(t.strip_prefix(&p).unwrap_or(&t)))
}
fn trimsuffix(a: FuncArgs) -> R {
    let (t, p) = (to_text(&a[0])?, to_text(&a[1])?);
    Ok(Value::from(t.strip_suffix(&p).unwrap_or(&t)))
}
fn trim(a: FuncArgs) -> R {
    let (t, cut) = (to_text(&a[0])?, to_text(&a[1])?);
    Ok(Value::from(t.trim_matches(|c| cut.contains(c))))
}
fn title(a: FuncArgs) -> R {
    let t = to_text(&a[0])?;
    let mut out = String::with_capacity(t.len());
    let mut start = true;
    for c in t.chars() {
        if start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    Ok(Value::from(out))
}
fn setunion(a: FuncArgs) -> R {
    let mut out: Vec<Value> = Vec::new();
    for v in a.iter() {
        for x in as_list(v)? {
            if !out.contains(&x) {
                out.push(x);
            }
        }
    }
    Ok(Value::Array(out))
}
fn chunklist(a: FuncArgs) -> R {
    let l = as_list(&a[0])?;
    let n = as_f64(&a[1])?;
    if !(n >= 1.0 && n.fract() == 0.0) {
        return Ok(Value::Array(vec![Value::Array(l)]));
    }
    Ok(Value::Array(
        l.chunks(n as usize)
            .map(|c| Value::Array(c.to_vec()))
            .collect(),
    ))
}
/// IPv4 only: `cidrsubnet("10.0.0.0/16", 8, 2)` = "10.0.2.0/24".
fn cidr_parts(prefix: &str) -> Result<(u32, u32), String> {
    let (ip, bits) = prefix
        .split_once('/')
        .ok_or_else(|| format!("`{prefix}` is not a CIDR block"))?;
    let ip: std::net::Ipv4Addr = ip.parse().map_err(|_| format!("`{prefix}`: IPv4 only"))?;
    let bits: u32 = bits
        .parse()
        .map_err(|_| format!("`{prefix}` is not a CIDR block"))?;
    if bits > 32 {
        return Err(format!("`{prefix}` is not a CIDR block"));
    }
    Ok((u32::from(ip), bits))
}
fn subnet(base: u32, bits: u32, newbits: u32, num: u64) -> Result<String, String> {
    let total = bits + newbits;
    if total > 32 || (newbits < 32 && num >= (1u64 << newbits)) {
        return Err("cidrsubnet: not enough address space".into());
    }
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    let shift = 32 - total;
    let net = (base & mask) | ((num as u32) << shift);
    Ok(format!("{}/{total}", std::net::Ipv4Addr::from(net)))
}
fn cidrsubnet(a: FuncArgs) -> R {
    let (base, bits) = cidr_parts(&to_text(&a[0])?)?;
    let newbits = as_f64(&a[1])?;
    let n = as_f64(&a[2])?;
    if newbits < 0.0 || n < 0.0 || newbits.fract() != 0.0 || n.fract() != 0.0 {
        return Err("cidrsubnet: whole numbers only".into());
    }
    subnet(base, bits, newbits as u32, n as u64).map(Value::from)
}
fn cidrsubnets(a: FuncArgs) -> R {
    let (base, bits) = cidr_parts(&to_text(&a[0])?)?;
    let mut out = Vec::new();
    let mut cursor: u64 = u64::from(
        base & if bits == 0 {
            0
        } else {
            u32::MAX << (32 - bits)
        },
    );
    for v in a.iter().skip(1) {
        let newbits = as_f64(v)?;
        if !(0.0..=32.0).contains(&newbits) || newbits.fract() != 0.0 {
            return Err("cidrsubnets: whole numbers only".into());
        }
        let total = bits + newbits as u32;
        if total > 32 {
            return Err("cidrsubnets: not enough address space".into());
        }
        let size = 1u64 << (32 - total);
        cursor = cursor.div_ceil(size) * size;
        if cursor + size > u64::from(base) + (1u64 << (32 - bits)) {
            return Err("cidrsubnets: not enough address space".into());
        }
        out.push(Value::from(format!(
            "{}/{total}",
            std::net::Ipv4Addr::from(cursor as u32)
        )));
        cursor += size;
    }
    Ok(Value::Array(out))
}
/// `templatefile(path, vars)`: the file (at most 1 MiB, a regular file) rendered as an
/// HCL template with `vars` and every function of this context.
fn templatefile(a: FuncArgs) -> R {
    use hcl::eval::Evaluate;
    let path = to_text(&a[0])?;
    let Value::Object(vars) = &a[1] else {
        return Err("templatefile: the variables must be an object".into());
    };
    let text = crate::hcl_loader::read_limited(std::path::Path::new(&path), 1024 * 1024)
        .map_err(|e| e.to_string())?;
    let template: hcl::Template = text.parse().map_err(|e| format!("{path}: {e}"))?;
    let mut ctx = context();
    for (k, v) in vars {
        ctx.declare_var(k.as_str(), v.clone());
    }
    template
        .evaluate(&ctx)
        .map(Value::String)
        .map_err(|e| format!("{path}: {e}"))
}

/// `try` and `can` arguments are settled by the loader before evaluation (an argument
/// that fails is skipped); what reaches these is already evaluated.
fn try_fn(a: FuncArgs) -> R {
    a.iter()
        .next()
        .cloned()
        .ok_or_else(|| "try() needs arguments".into())
}
fn can_fn(_: FuncArgs) -> R {
    Ok(Value::Bool(true))
}

/// Whether the loader implements a Terraform function (an unimplemented one makes the
/// expressions that call it unknown, and the estimate says which function).
pub fn implemented(name: &str) -> bool {
    use hcl::eval::Evaluate;
    let call = hcl::Expression::from(hcl::expr::FuncCall::new(name));
    match call.evaluate(&context()) {
        Err(e) => !matches!(e.kind(), hcl::eval::ErrorKind::UndefinedFunc(_)),
        Ok(_) => true,
    }
}

/// Names called as functions in an expression's text (`name(`).
pub fn called(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if (b[i].is_ascii_lowercase()) && (i == 0 || !(ident(b[i - 1]) || b[i - 1] == b'.')) {
            let start = i;
            while i < b.len() && ident(b[i]) {
                i += 1;
            }
            if b.get(i) == Some(&b'(') {
                out.push(&text[start..i]);
            }
            continue;
        }
        i += 1;
    }
    out
}

/// A context with every supported function declared.
pub fn context<'a>() -> Context<'a> {
    let mut ctx = Context::new();
    let any = || ParamType::Any;
    let variadic = |f| FuncDef::builder().variadic_param(ParamType::Any).build(f);
    let fixed = |f, n: usize| FuncDef::new(f, (0..n).map(|_| any()));
    ctx.declare_func("min", variadic(min));
    ctx.declare_func("max", variadic(max));
    ctx.declare_func("concat", variadic(concat));
    ctx.declare_func("merge", variadic(merge));
    ctx.declare_func("coalesce", variadic(coalesce));
    ctx.declare_func("range", variadic(range));
    ctx.declare_func("coalescelist", variadic(coalescelist));
    ctx.declare_func("setunion", variadic(setunion));
    ctx.declare_func("cidrsubnets", variadic(cidrsubnets));
    ctx.declare_func("try", variadic(try_fn));
    ctx.declare_func("can", variadic(can_fn));
    ctx.declare_func(
        "format",
        FuncDef::builder()
            .param(any())
            .variadic_param(any())
            .build(format),
    );
    ctx.declare_func(
        "join",
        FuncDef::builder()
            .param(any())
            .variadic_param(any())
            .build(join),
    );
    ctx.declare_func(
        "lookup",
        FuncDef::builder()
            .params([any(), any()])
            .variadic_param(any())
            .build(lookup),
    );
    for (name, f, n) in [
        ("length", length as fn(FuncArgs) -> R, 1),
        ("contains", contains, 2),
        ("tostring", tostring, 1),
        ("tonumber", tonumber, 1),
        ("tobool", identity, 1),
        ("tolist", identity, 1),
        ("tomap", identity, 1),
        ("toset", toset, 1),
        ("split", split, 2),
        ("replace", replace, 3),
        ("lower", lower, 1),
        ("upper", upper, 1),
        ("slice", slice, 3),
        ("element", element, 2),
        ("keys", keys, 1),
        ("values", values, 1),
        ("startswith", startswith, 2),
        ("endswith", endswith, 2),
        ("alltrue", alltrue, 1),
        ("anytrue", anytrue, 1),
        ("abs", abs, 1),
        ("ceil", ceil, 1),
        ("floor", floor, 1),
        ("sum", sum, 1),
        ("flatten", flatten, 1),
        ("distinct", distinct, 1),
        ("jsonencode", jsonencode, 1),
        ("zipmap", zipmap, 2),
        ("trimspace", trimspace, 1),
        ("substr", substr, 3),
        ("sensitive", identity, 1),
        ("compact", compact, 1),
        ("one", one, 1),
        ("jsondecode", jsondecode, 1),
        ("basename", basename, 1),
        ("dirname", dirname, 1),
        ("reverse", reverse, 1),
        ("sort", sort, 1),
        ("index", index, 2),
        ("trimprefix", trimprefix, 2),
        ("trimsuffix", trimsuffix, 2),
        ("trim", trim, 2),
        ("title", title, 1),
        ("chunklist", chunklist, 2),
        ("cidrsubnet", cidrsubnet, 3),
        ("templatefile", templatefile, 2),
        ("nonsensitive", identity, 1),
    ] {
        ctx.declare_func(name, fixed(f, n));
    }
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::eval::Evaluate;

    fn eval(src: &str) -> Value {
        let body: hcl::Body = hcl::parse(&format!("x = {src}\n")).expect("parse");
        let attr = body.attributes().next().expect("attr");
        attr.expr().evaluate(&context()).expect(src)
    }

    #[test]
    fn common_functions() {
        assert_eq!(eval("min(3, 1, 2)"), Value::from(1));
        assert_eq!(eval("max(3, 1, 2)"), Value::from(3));
        assert_eq!(eval("length([1, 2, 3])"), Value::from(3));
        assert_eq!(eval("lookup({a = 1}, \"b\", 7)"), Value::from(7));
        assert_eq!(eval("contains([\"a\"], \"a\")"), Value::Bool(true));
        assert_eq!(
            eval("format(\"%s-%d-%.2f\", \"x\", 5, 1.5)"),
            Value::from("x-5-1.50")
        );
        assert_eq!(eval("join(\",\", [\"a\", \"b\"])"), Value::from("a,b"));
        assert_eq!(eval("coalesce(null, \"\", \"z\")"), Value::from("z"));
        assert_eq!(
            eval("slice([1, 2, 3], 0, min(1, 3))"),
            Value::Array(vec![Value::from(1)])
        );
        assert_eq!(eval("length(range(1, 5))"), Value::from(4));
        assert_eq!(
            eval("[for g in range(2, 9) : g * 1024][0]"),
            Value::from(2048)
        );
        assert_eq!(eval("merge({a = 1}, {b = 2})[\"b\"]"), Value::from(2));
        assert_eq!(eval("true ? \"yes\" : \"no\""), Value::from("yes"));
        assert_eq!(eval("split(\".\", \"17.2\")[0]"), Value::from("17"));
    }

    #[test]
    fn unimplemented_functions_are_named() {
        assert!(implemented("lookup") && implemented("try") && implemented("cidrsubnet"));
        assert!(implemented("templatefile") && !implemented("no_such_function"));
        assert!(!implemented("timestamp"), "impure: left unknown");
        assert_eq!(
            called("templatefile(\"x\", { a = lookup(m, k) })"),
            ["templatefile", "lookup"]
        );
    }

    #[test]
    fn more_of_terraforms_functions() {
        assert_eq!(
            eval("compact([\"a\", \"\", null, \"b\"])"),
            eval("[\"a\", \"b\"]")
        );
        assert_eq!(eval("one([7])"), Value::from(7));
        assert_eq!(eval("one([])"), Value::Null);
        assert_eq!(eval("coalescelist([], [1])"), eval("[1]"));
        assert_eq!(
            eval("jsondecode(\"{\\\"a\\\": [1, 2]}\").a[1]"),
            Value::from(2)
        );
        assert_eq!(eval("basename(\"/a/b/c.tf\")"), Value::from("c.tf"));
        assert_eq!(eval("dirname(\"/a/b/c.tf\")"), Value::from("/a/b"));
        assert_eq!(
            eval("cidrsubnet(\"10.0.0.0/16\", 8, 2)"),
            Value::from("10.0.2.0/24")
        );
        assert_eq!(
            eval("cidrsubnets(\"10.1.0.0/16\", 4, 4, 8, 4)"),
            eval("[\"10.1.0.0/20\", \"10.1.16.0/20\", \"10.1.32.0/24\", \"10.1.48.0/20\"]")
        );
        assert_eq!(eval("index([\"a\", \"b\"], \"b\")"), Value::from(1));
        assert_eq!(eval("title(\"hello world\")"), Value::from("Hello World"));
        assert_eq!(eval("trimprefix(\"v1.2\", \"v\")"), Value::from("1.2"));
        assert_eq!(eval("length(chunklist([1, 2, 3], 2))"), Value::from(2));
        assert_eq!(eval("sort([\"b\", \"a\"])"), eval("[\"a\", \"b\"]"));
        let dir = tempfile::tempdir().expect("tmp");
        let tpl = dir.path().join("c.json.tpl");
        std::fs::write(&tpl, "[{\"cpu\": ${cpu}, \"name\": \"${upper(name)}\"}]").expect("write");
        let expr = format!(
            "jsondecode(templatefile(\"{}\", {{ cpu = 256, name = \"app\" }}))[0].name",
            tpl.display()
        );
        assert_eq!(eval(&expr), Value::from("APP"));
        let err = hcl::parse("x = templatefile(\"/dev/zero\", {})\n").expect("parse");
        assert!(
            err.attributes()
                .next()
                .expect("attr")
                .expr()
                .evaluate(&context())
                .is_err(),
            "devices are refused"
        );
    }
}
