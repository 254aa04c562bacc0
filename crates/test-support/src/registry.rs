//! A real OCI registry for tests: Debian's `docker-registry` (distribution 2.8) on
//! 127.0.0.1, its storage in a temporary directory, optionally behind basic auth.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The user and password of a registry started with auth.
pub const USER: &str = "tester";
pub const PASSWORD: &str = "test-password-1"; // pragma: allowlist secret
/// bcrypt of PASSWORD (`htpasswd -nbB tester test-password-1`).
const HTPASSWD: &str = "tester:$2y$05$ceFUDdvomqRXh5MEUaYZ0uR8Xy59jLqnSanpkcrxCVRz7owcnE2L."; // pragma: allowlist secret

#[derive(Debug)]
pub struct Registry {
    child: Child,
    pub port: u16,
    /// `127.0.0.1:PORT`
    pub host: String,
    dir: tempfile::TempDir,
}

/// The registry binary: `DOCKER_REGISTRY` or Debian's /usr/bin/docker-registry.
pub fn binary() -> PathBuf {
    std::env::var_os("DOCKER_REGISTRY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/docker-registry"))
}

impl Registry {
    pub fn start(auth: bool) -> Registry {
        let bin = binary();
        assert!(
            bin.exists(),
            "{} is missing: `apt-get install docker-registry` (cargo xtask ci installs it)",
            bin.display()
        );
        let mut last = String::new();
        for _ in 0..3 {
            let dir = tempfile::tempdir().unwrap();
            let port = super::free_port();
            let mut cfg = format!(
                "version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
                dir.path().join("data").display()
            );
            if auth {
                let pw = dir.path().join("htpasswd");
                std::fs::write(&pw, format!("{HTPASSWD}\n")).unwrap();
                cfg.push_str(&format!(
                    "auth:\n  htpasswd:\n    realm: test\n    path: {}\n",
                    pw.display()
                ));
            }
            let cfg_path = dir.path().join("config.yml");
            std::fs::write(&cfg_path, cfg).unwrap();
            let log = dir.path().join("registry.log");
            let mut child = Command::new(&bin)
                .arg("serve")
                .arg(&cfg_path)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(s)) = child.try_wait() {
                    last = format!(
                        "exited ({s}): {}",
                        std::fs::read_to_string(&log).unwrap_or_default()
                    );
                    break;
                }
                let (status, _) = super::http(port, "GET", "/v2/", "");
                if status == 200 || status == 401 {
                    return Registry {
                        child,
                        port,
                        host: format!("127.0.0.1:{port}"),
                        dir,
                    };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("docker-registry did not start: {last}");
    }

    /// Where the registry keeps its data (blobs under docker/registry/v2/blobs).
    pub fn data(&self) -> &Path {
        self.dir.path()
    }

    /// Requests the registry has answered so far (its log has a line per response).
    pub fn requests(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("registry.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("response completed"))
            .count()
    }

    /// Number of blobs stored.
    pub fn blob_count(&self) -> usize {
        let root = self.dir.path().join("data/docker/registry/v2/blobs/sha256");
        let Ok(prefixes) = std::fs::read_dir(root) else {
            return 0;
        };
        prefixes
            .flatten()
            .map(|p| std::fs::read_dir(p.path()).map(|d| d.count()).unwrap_or(0))
            .sum()
    }

    /// The stored bytes of a blob.
    pub fn blob(&self, digest: &str) -> Option<Vec<u8>> {
        let hex = &digest[7..];
        std::fs::read(self.dir.path().join(format!(
            "data/docker/registry/v2/blobs/sha256/{}/{hex}/data",
            &hex[..2]
        )))
        .ok()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
