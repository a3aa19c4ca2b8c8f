//! Private NATS and PostgreSQL servers for tests that restart them: each on a free loopback port
//! with its store in a temporary directory, so restarting one never touches the machine's shared
//! servers or another test's.

use crate::process::free_port;
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

/// How long a private server may take to accept connections after a (re)start.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Waits until something listens on `127.0.0.1:port`.
async fn wait_listening(what: &str, port: u16) {
    let deadline = tokio::time::Instant::now() + START_TIMEOUT;
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what} did not listen on port {port} within {START_TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A `nats-server` with JetStream of this test only.
pub struct PrivateNats {
    port: u16,
    store: tempfile::TempDir,
    child: std::sync::Mutex<Option<Child>>,
}

impl PrivateNats {
    pub async fn start() -> Self {
        let nats = PrivateNats {
            port: free_port(),
            store: tempfile::tempdir().expect("NATS store dir"),
            child: Default::default(),
        };
        nats.spawn().await;
        nats
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    async fn spawn(&self) {
        let child = Command::new("nats-server")
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(self.store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nats-server (is it installed?)");
        *self.child.lock().unwrap() = Some(child);
        wait_listening("nats-server", self.port).await;
    }

    /// Stops the server (SIGTERM: it flushes its store, as on a service restart) and waits for it
    /// to exit.
    pub async fn stop(&self) {
        let child = self.child.lock().unwrap().take();
        if let Some(mut child) = child {
            crate::process::signal(&child, "TERM");
            crate::process::wait_exit(&mut child, START_TIMEOUT).await;
        }
    }

    /// Starts it again (after [`PrivateNats::stop`]) on the same port and store.
    pub async fn start_again(&self) {
        self.spawn().await;
    }
}

impl Drop for PrivateNats {
    fn drop(&mut self) {
        let child = self.child.get_mut().map(Option::take).unwrap_or_default();
        if let Some(mut child) = child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The PostgreSQL binaries (`initdb`, `pg_ctl`), when installed.
fn postgres_bin_dir() -> Option<PathBuf> {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<PathBuf> = std::fs::read_dir(root)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists() && bin.join("pg_ctl").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A PostgreSQL cluster of this test only: `initdb` in a temporary directory, `pg_ctl` to start
/// and stop it, trust authentication on loopback. PostgreSQL refuses to run as root, so as root
/// it runs as the `postgres` user (`runuser`).
pub struct PrivatePostgres {
    bin: PathBuf,
    port: u16,
    dir: tempfile::TempDir,
    as_postgres: bool,
}

impl PrivatePostgres {
    /// Starts a new cluster, or says why it cannot (no PostgreSQL binaries, initdb failed).
    pub async fn start() -> Result<Self, String> {
        let bin = postgres_bin_dir().ok_or("no initdb/pg_ctl under /usr/lib/postgresql")?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let as_postgres = running_as_root();
        if as_postgres {
            let status = Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(dir.path())
                .status()
                .map_err(|e| format!("chown: {e}"))?;
            if !status.success() {
                return Err("cannot hand the data directory to the postgres user".into());
            }
        }
        let pg = PrivatePostgres {
            bin,
            port: free_port(),
            dir,
            as_postgres,
        };
        let data = pg.data_dir();
        let out = pg
            .command("initdb")
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "-D"])
            .arg(&data)
            .output()
            .map_err(|e| format!("initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        pg.pg_ctl_start()?;
        wait_listening("postgres", pg.port).await;
        Ok(pg)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        cmd.stdin(Stdio::null()).current_dir(self.dir.path());
        cmd
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=on",
            self.port,
            self.dir.path().display()
        );
        let out = self
            .command("pg_ctl")
            .args(["-w", "-D"])
            .arg(self.data_dir())
            .args(["-o", &options, "-l"])
            .arg(self.dir.path().join("postgres.log"))
            .arg("start")
            .output()
            .map_err(|e| format!("pg_ctl start: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "pg_ctl start failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }

    fn pg_ctl_stop(&self, mode: &str) {
        let _ = self
            .command("pg_ctl")
            .args(["-w", "-m", mode, "-D"])
            .arg(self.data_dir())
            .arg("stop")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }

    /// Stops the server (fast shutdown: open connections are cut, as on a database restart).
    pub fn stop(&self) {
        self.pg_ctl_stop("fast");
    }

    /// Starts it again on the same port and data.
    pub async fn start_again(&self) {
        self.pg_ctl_start().expect("restart postgres");
        wait_listening("postgres", self.port).await;
    }
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.pg_ctl_stop("immediate");
    }
}
