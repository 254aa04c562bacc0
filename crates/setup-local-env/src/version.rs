//! Version numbers as tools print them ("aws-cli/2.15.30 Python/3.11", "5.2.5",
//! "Docker version 28.2.2, build e6534b4"), compared numerically.

/// The first `N.N[.N]` in `text`.
pub fn find(text: &str) -> Option<Vec<u64>> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|w| w.contains('.'))
        .find_map(|w| {
            let parts: Option<Vec<u64>> = w
                .trim_matches('.')
                .split('.')
                .map(|p| p.parse().ok())
                .collect();
            parts.filter(|p| p.len() >= 2)
        })
}

/// `found >= wanted`, component by component (missing components are 0).
pub fn at_least(found: &[u64], wanted: &[u64]) -> bool {
    for i in 0..found.len().max(wanted.len()) {
        let (a, b) = (
            found.get(i).copied().unwrap_or(0),
            wanted.get(i).copied().unwrap_or(0),
        );
        if a != b {
            return a > b;
        }
    }
    true
}

pub fn show(v: &[u64]) -> String {
    v.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_compares_versions() {
        assert_eq!(
            find("aws-cli/2.15.30 Python/3.11.6 Linux"),
            Some(vec![2, 15, 30])
        );
        assert_eq!(find("aws-cli/1.33.0 Python/3.11"), Some(vec![1, 33, 0]));
        assert_eq!(
            find("Docker version 28.2.2, build e6534b4"),
            Some(vec![28, 2, 2])
        );
        assert_eq!(find("5.2.5\n"), Some(vec![5, 2, 5]));
        assert_eq!(find("no version here"), None);
        assert!(at_least(&[5, 2, 5], &[5, 2, 5]));
        assert!(at_least(&[5, 10], &[5, 2, 5]));
        assert!(!at_least(&[5, 2, 4], &[5, 2, 5]));
        assert!(at_least(&[6], &[5, 2, 5]));
        assert_eq!(show(&[1, 11, 4]), "1.11.4");
    }
}
