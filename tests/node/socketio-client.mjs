// A stock socket.io-client driven by the end-to-end tests: connects to argv[2] with the token
// argv[3] ("-" for none) over the transports argv[4] ("default" = polling then WebSocket
// upgrade, or "websocket"), and writes one JSON line per thing that happens to stdout. It exits
// when stdin closes (the test dropped it) or the connection is refused.
import { io } from "socket.io-client";

const [url, token, transports = "default"] = process.argv.slice(2);
// `at`: wall-clock milliseconds (sub-millisecond precision) when it happened, for latency.
const out = (o) => process.stdout.write(JSON.stringify({ ...o, at: performance.timeOrigin + performance.now() }) + "\n");

const socket = io(url, {
  auth: token && token !== "-" ? { token } : {},
  transports: transports === "websocket" ? ["websocket"] : ["polling", "websocket"],
  reconnection: false,
  timeout: 10000,
});

socket.io.on("open", () => {
  socket.io.engine.on("upgrade", (t) => out({ type: "upgrade", transport: t.name }));
});
socket.on("connect", () => out({ type: "connect", transport: socket.io.engine.transport.name }));
socket.on("connect_error", (err) => {
  out({ type: "connect_error", message: err.message });
  process.exit(0);
});
socket.on("disconnect", (reason) => out({ type: "disconnect", reason }));
socket.onAny((event, data) => out({ type: "event", event, data }));

process.stdin.on("end", () => {
  socket.close();
  process.exit(0);
});
process.stdin.resume();
