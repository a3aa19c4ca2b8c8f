//! A stock Socket.IO client for the tests: Node's `socket.io-client` (tests/node, installed by
//! `make test` with `npm ci`), run as a child process that reports every connect, refusal and
//! event as one JSON line.

use serde_json::Value;
use std::{path::PathBuf, process::Stdio, time::Duration};
use tokio::{
    io::{AsyncBufReadExt, BufReader, Lines},
    process::{Child, ChildStdout, Command},
};

/// Which transports the client may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transports {
    /// socket.io-client's default: HTTP long-polling first, then an upgrade to WebSocket.
    PollingThenWebSocket,
    /// WebSocket only.
    WebSocket,
}

/// One running client.
pub struct SocketIoClient {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

fn node_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node")
}

impl SocketIoClient {
    /// Starts a client for `base_url` (e.g. the gateway's `http://127.0.0.1:port`) with `token`.
    pub fn start(base_url: &str, token: Option<&str>, transports: Transports) -> Self {
        let dir = node_dir();
        assert!(
            dir.join("node_modules/socket.io-client").exists(),
            "socket.io-client is not installed: run `npm ci` in {} (make test does)",
            dir.display()
        );
        let mut child = Command::new("node")
            .arg(dir.join("socketio-client.mjs"))
            .arg(base_url)
            .arg(token.unwrap_or("-"))
            .arg(match transports {
                Transports::PollingThenWebSocket => "default",
                Transports::WebSocket => "websocket",
            })
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs (Node.js 20 is needed for the Socket.IO tests)");
        let stdout = child.stdout.take().expect("stdout");
        SocketIoClient {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }

    /// The next thing the client reported, or `None` when nothing came within `wait` (or the
    /// client exited).
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        match tokio::time::timeout(wait, self.lines.next_line()).await {
            Ok(Ok(Some(line))) => {
                Some(serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line}: {e}")))
            }
            _ => None,
        }
    }

    /// Waits for the next report of `type` (`connect`, `connect_error`, `event`, …), skipping
    /// others; panics when none comes within `wait`.
    pub async fn expect(&mut self, kind: &str, wait: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(v) if v["type"] == kind => return v,
                Some(_) => continue,
                None => panic!("no {kind} from the Socket.IO client within {wait:?}"),
            }
        }
    }

    /// Waits until one report of each of `kinds` has come (in any order); returns them.
    pub async fn expect_all(&mut self, kinds: &[&str], wait: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut found: Vec<Value> = Vec::new();
        while found.len() < kinds.len() {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await {
                Some(v) => {
                    let kind = v["type"].as_str().unwrap_or_default().to_string();
                    if kinds.contains(&kind.as_str()) && !found.iter().any(|f| f["type"] == kind) {
                        found.push(v);
                    }
                }
                None => panic!("not all of {kinds:?} within {wait:?}; got {found:?}"),
            }
        }
        found
    }

    /// Every event (`{event, data}`) received within `wait`.
    pub async fn events_within(&mut self, wait: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut events = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return events;
            }
            match self.next(left).await {
                Some(v) if v["type"] == "event" => events.push(v),
                Some(_) => {}
                None => return events,
            }
        }
    }

    /// Closes the client.
    pub async fn close(mut self) {
        drop(self.child.stdin.take());
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
    }
}
