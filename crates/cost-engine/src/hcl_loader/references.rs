//! Terraform's static rules the loader enforces: declared `var.`/`local.` references,
//! no cycles among locals.

use super::*;

/// Terraform's rule: every `var.X` and `local.X` of a module is declared in it. An
/// undeclared one is an error (exit 2), never an unknown value assumed away.
pub(super) fn check_references(all: &[(Block, PathBuf)]) -> Result<(), LoadError> {
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
pub(super) fn visit_expressions(body: &Body, f: &mut impl FnMut(&Expression)) {
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

/// A cycle in a dependency graph, as `a -> b -> a`.
pub(super) fn find_cycle(graph: &BTreeMap<&str, Vec<String>>) -> Option<Vec<String>> {
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
