'use strict';
// web: answers "<h1>I'm HOSTNAME</h1>" so you can see which replica served each request.
// No dependencies. Shuts down gracefully on SIGTERM (stop accepting, finish in-flight requests, exit),
// so a rolling update loses no request.
const http = require('node:http');
const os = require('node:os');

const PORT = Number(process.env.PORT || 8080);
const GRACE_MS = Number(process.env.SHUTDOWN_GRACE_MS || 8000); // below Docker's default stop_grace_period (10s)
const hostname = os.hostname();
let shuttingDown = false;

const server = http.createServer((req, res) => {
  if (shuttingDown) {
    // Tell keep-alive clients (HAProxy) not to reuse this connection: this task is going away.
    res.setHeader('Connection', 'close');
  }
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(`<h1>I'm ${hostname}</h1>\n`);
});

server.listen(PORT, () => {
  console.log(`${hostname} listening on port ${server.address().port}`);
});

function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log(`${signal} received: no new connections, finishing in-flight requests`);
  // close() stops accepting; its callback runs once every open connection has ended.
  server.close((err) => {
    if (err) console.error(err);
    process.exit(err ? 1 : 0);
  });
  // Idle keep-alive connections carry no request: close them now instead of waiting for their timeout.
  server.closeIdleConnections();
  setTimeout(() => {
    console.error(`still busy after ${GRACE_MS} ms: exiting anyway`);
    process.exit(1);
  }, GRACE_MS).unref();
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
