//! The real `agentlocator` binary as a child process: started with `up` on a test environment,
//! stopped with a signal (SIGTERM as an orchestrator does, SIGKILL as a crash does).

use crate::TestEnv;
use std::{
    process::{Child, Command, ExitStatus, Stdio},
    time::Duration,
};

/// A free loopback port for a child process (bound and released; the OS does not hand it out
/// again right away).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .expect("local address")
        .port()
}

/// `bin up` (the path of the built binary, `env!("CARGO_BIN_EXE_agentlocator")`) on `env`, with
/// its HTTP listener on a free port. Returns the child and its HTTP base URL.
pub fn spawn_up(bin: &str, env: &TestEnv) -> (Child, String) {
    let mut cmd = Command::new(bin);
    cmd.arg("up")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(env.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in &env.vars {
        cmd.env(k, v);
    }
    // The other listeners are on port 0 in a test environment: the stack picks and wires them.
    let http = format!("127.0.0.1:{}", free_port());
    cmd.env("HTTP_ADDR", &http);
    cmd.env("RUST_LOG", "warn");
    (
        cmd.spawn().expect("start agentlocator"),
        format!("http://{http}"),
    )
}

/// Sends `signal` (`TERM`, `KILL`) to `child`.
pub fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success(), "kill -{signal} {}", child.id());
}

/// Waits for `child` to exit; kills it and fails after `timeout`.
pub async fn wait_exit(child: &mut Child, timeout: Duration) -> ExitStatus {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("child status") {
            return status;
        }
        if tokio::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("agentlocator did not exit within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Polls `{http}/readyz` until the stack answers `ready`; fails after `timeout` or when `child`
/// exits first.
pub async fn wait_ready(child: &mut Child, http: &str, timeout: Duration) {
    let client = reqwest::Client::new();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().expect("child status") {
            panic!("agentlocator exited before it was ready: {status}");
        }
        let Err(last) = crate::readyz(&client, http).await else {
            return;
        };
        if tokio::time::Instant::now() > deadline {
            panic!("agentlocator not ready within {timeout:?}: {last}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `agentlocator up` running as a child process; killed when dropped (a failing test leaves no
/// process behind).
pub struct Up {
    child: Child,
    /// Its HTTP base URL.
    pub http: String,
}

impl Up {
    /// Starts `bin up` on `env` (see [`spawn_up`]).
    pub fn start(bin: &str, env: &TestEnv) -> Self {
        let (child, http) = spawn_up(bin, env);
        Up { child, http }
    }

    /// Waits until every service is ready.
    pub async fn wait_ready(&mut self, timeout: Duration) {
        wait_ready(&mut self.child, &self.http, timeout).await
    }

    /// SIGKILL, as a crash or the OOM killer would, and reaps the process.
    pub fn kill(&mut self) {
        signal(&self.child, "KILL");
        let _ = self.child.wait();
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
