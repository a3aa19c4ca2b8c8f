//! A closed-loop HTTP/1.1 load generator: `concurrency` keep-alive connections, each sending its
//! next request as soon as the previous answer has been read in full, for a fixed time. Plain
//! tokio sockets and a minimal response reader (status line, `Content-Length`), so the generator
//! itself costs as little of the machine as possible: it shares the cores with what it measures.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// One request to send: its whole bytes (request line, headers, body).
pub type Request = Vec<u8>;

/// `POST path` with a form `body` and extra headers, as bytes on the wire.
pub fn post_form(host: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Request {
    let mut r = format!(
        "POST {path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        r.push_str(k);
        r.push_str(": ");
        r.push_str(v);
        r.push_str("\r\n");
    }
    r.push_str("\r\n");
    r.push_str(body);
    r.into_bytes()
}

/// `GET path` with extra headers.
pub fn get(host: &str, path: &str, headers: &[(&str, &str)]) -> Request {
    let mut r = format!("GET {path} HTTP/1.1\r\nhost: {host}\r\n");
    for (k, v) in headers {
        r.push_str(k);
        r.push_str(": ");
        r.push_str(v);
        r.push_str("\r\n");
    }
    r.push_str("\r\n");
    r.into_bytes()
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Latencies of the answers with the expected status, sorted.
    pub latencies: Vec<Duration>,
    /// Requests answered with another status, or not answered.
    pub failed: u64,
    /// A status seen on a failed request, for the message.
    pub first_failure: Option<String>,
    pub elapsed: Duration,
}

impl Report {
    pub fn ok(&self) -> usize {
        self.latencies.len()
    }

    pub fn per_second(&self) -> f64 {
        self.ok() as f64 / self.elapsed.as_secs_f64()
    }

    /// The `p` quantile (0–1) of the latencies; zero without any.
    pub fn quantile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let i = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[i]
    }

    /// Both reports as one (the same case measured in several rounds).
    pub fn merge(mut self, other: Report) -> Report {
        self.latencies.extend(other.latencies);
        self.latencies.sort_unstable();
        self.failed += other.failed;
        self.first_failure = self.first_failure.or(other.first_failure);
        self.elapsed += other.elapsed;
        self
    }

    /// `requests/s, p50, p90, p99, max` in one line.
    pub fn summary(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        format!(
            "{:>8.0} req/s  p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms  ({} ok, {} failed{})",
            self.per_second(),
            ms(self.quantile(0.50)),
            ms(self.quantile(0.90)),
            ms(self.quantile(0.99)),
            ms(self.latencies.last().copied().unwrap_or_default()),
            self.ok(),
            self.failed,
            self.first_failure
                .as_deref()
                .map(|f| format!("; first: {f}"))
                .unwrap_or_default(),
        )
    }
}

/// Runs `concurrency` connections to `addr` for `duration`; request `n` (counted across the
/// connections from 0) is `make(n)`, and counts as answered when its status is `expect`.
pub async fn run<F>(
    addr: SocketAddr,
    concurrency: usize,
    duration: Duration,
    expect: u16,
    make: F,
) -> Report
where
    F: Fn(u64) -> Request + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + duration;
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (make, counter) = (make.clone(), counter.clone());
            tokio::spawn(async move { connection(addr, deadline, expect, &*make, &counter).await })
        })
        .collect();
    let mut report = Report::default();
    for w in workers {
        report = report.merge(w.await.expect("load worker"));
    }
    report.elapsed = started.elapsed();
    report
}

async fn connection<F>(
    addr: SocketAddr,
    deadline: Instant,
    expect: u16,
    make: &F,
    counter: &AtomicU64,
) -> Report
where
    F: Fn(u64) -> Request,
{
    let mut report = Report::default();
    let mut stream: Option<TcpStream> = None;
    let mut buf = Vec::with_capacity(16 * 1024);
    while Instant::now() < deadline {
        let request = make(counter.fetch_add(1, Ordering::Relaxed));
        let t = Instant::now();
        if stream.is_none() {
            match TcpStream::connect(addr).await {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    stream = Some(s);
                }
                Err(e) => {
                    fail(&mut report, format!("connect: {e}"));
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            }
        }
        let s = stream.as_mut().expect("connected");
        match exchange(s, &request, &mut buf).await {
            Ok((status, keep_alive)) => {
                if status == expect {
                    report.latencies.push(t.elapsed());
                } else {
                    fail(
                        &mut report,
                        format!("{status} {}", String::from_utf8_lossy(&buf)),
                    );
                }
                if !keep_alive {
                    stream = None;
                }
            }
            Err(e) => {
                fail(&mut report, e.to_string());
                stream = None;
            }
        }
    }
    report
}

fn fail(report: &mut Report, why: String) {
    report.failed += 1;
    if report.first_failure.is_none() {
        report.first_failure = Some(why.chars().take(300).collect());
    }
}

/// Writes `request`, reads one whole answer into `buf` (its body); the status and whether the
/// connection stays open.
async fn exchange(
    s: &mut TcpStream,
    request: &[u8],
    buf: &mut Vec<u8>,
) -> std::io::Result<(u16, bool)> {
    s.write_all(request).await?;
    buf.clear();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end])
        .map_err(|_| std::io::Error::other("response head is not UTF-8"))?;
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let mut length = 0usize;
    let mut keep_alive = true;
    for line in head.split("\r\n").skip(1) {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        if k.eq_ignore_ascii_case("content-length") {
            length = v
                .trim()
                .parse()
                .map_err(|_| std::io::Error::other("bad content-length"))?;
        } else if k.eq_ignore_ascii_case("connection") && v.trim().eq_ignore_ascii_case("close") {
            keep_alive = false;
        } else if k.eq_ignore_ascii_case("transfer-encoding") {
            return Err(std::io::Error::other("chunked answers are not read"));
        }
    }
    while buf.len() < head_end + length {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    buf.drain(..head_end);
    Ok((status, keep_alive))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_are_read_whole_and_counted_by_status() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Answers 200 with a body sent in two writes, or 403 to a request for /no.
        tokio::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                s.set_nodelay(true).unwrap();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    loop {
                        let n = match s.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => n,
                        };
                        let refused = buf[..n].starts_with(b"GET /no");
                        let (status, body) = if refused {
                            ("403 Forbidden", "no")
                        } else {
                            ("200 OK", "hello world")
                        };
                        let head = format!(
                            "HTTP/1.1 {status}\r\ncontent-length: {}\r\n\r\n",
                            body.len()
                        );
                        s.write_all(head.as_bytes()).await.unwrap();
                        s.write_all(&body.as_bytes()[..1]).await.unwrap();
                        s.flush().await.unwrap();
                        s.write_all(&body.as_bytes()[1..]).await.unwrap();
                    }
                });
            }
        });
        let r = run(addr, 2, Duration::from_millis(200), 200, |n| {
            get("x", if n % 2 == 0 { "/" } else { "/no" }, &[])
        })
        .await;
        assert!(r.ok() > 10, "{}", r.summary());
        assert!(r.failed > 10, "{}", r.summary());
        assert!(r.first_failure.as_deref().unwrap().starts_with("403 no"));
        assert!(r.quantile(0.5) <= r.quantile(0.99));
    }
}
