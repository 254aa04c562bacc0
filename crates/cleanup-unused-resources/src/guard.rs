//! The account guard (after aws-nuke): deleting in an account that looks like
//! production, or one whose alias cannot be read, needs the account named with
//! `--allow-account`.

/// `Ok` when deleting in `account` may go ahead; otherwise why not.
pub fn check(
    account: &str,
    alias: &Result<Option<String>, String>,
    protected_environment: Option<&str>,
    allowed: Option<&str>,
) -> Result<(), String> {
    if allowed == Some(account) {
        return Ok(());
    }
    let why = match (alias, protected_environment) {
        (_, Some(env)) => format!("environment {env} is marked protected in fargate.toml"),
        (Err(e), _) => {
            format!("the account alias could not be read ({e}), so this may be production")
        }
        (Ok(Some(a)), _) if a.to_ascii_lowercase().contains("prod") => {
            format!("the account alias {a:?} contains \"prod\"")
        }
        _ => return Ok(()),
    };
    Err(match allowed {
        Some(other) => {
            format!("{why}; --allow-account {other} names another account than {account}")
        }
        None => format!("{why}; pass --allow-account {account} to delete here"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = "123456789012";

    #[test]
    fn production_looking_accounts_need_to_be_named() {
        let prod = Ok(Some("acme-Production".to_string()));
        assert!(
            check(ACCOUNT, &prod, None, None)
                .expect_err("prod")
                .contains("--allow-account 123456789012")
        );
        assert!(check(ACCOUNT, &prod, None, Some(ACCOUNT)).is_ok());
        let other = check(ACCOUNT, &prod, None, Some("210987654321")).expect_err("other");
        assert!(other.contains("another account"), "{other}");
    }

    #[test]
    fn unknown_aliases_and_protected_environments_fail_closed() {
        assert!(check(ACCOUNT, &Err("AccessDenied".into()), None, None).is_err());
        assert!(check(ACCOUNT, &Ok(None), Some("dev"), None).is_err());
        assert!(check(ACCOUNT, &Ok(None), Some("dev"), Some(ACCOUNT)).is_ok());
        assert!(check(ACCOUNT, &Ok(None), None, None).is_ok());
        assert!(check(ACCOUNT, &Ok(Some("sandbox".into())), None, None).is_ok());
    }
}
