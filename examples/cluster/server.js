'use strict';
// The demo on several processes: `REDIS_URL=redis://127.0.0.1:6379 npm run example:cluster` forks `WORKERS`
// (default 2) node:cluster workers, each running the demo (../demo/server.js) on the port they share (`PORT`,
// default 3000), with the room in the one Redis. Open http://localhost:3000/ in two tabs: the page shows the pid
// serving each, and tabs served by different workers chat and share the feed. A worker that dies is forked again;
// SIGINT or SIGTERM stops the workers (each closes its sockets with 1001), then the primary. Prints
// `listening on <port>` once every worker accepts connections.
const cluster = require('node:cluster');

if (cluster.isWorker) {
  require('../demo/server.js');
} else {
  const { REDIS_URL } = process.env;
  const count = Number(process.env.WORKERS ?? 2);
  if (!REDIS_URL) {
    console.error('examples/cluster needs a Redis for its workers to share, for instance:');
    console.error('  redis-server --port 6379 &        # or: docker run -p 6379:6379 redis');
    console.error('  REDIS_URL=redis://127.0.0.1:6379 npm run example:cluster');
    process.exit(1);
  }
  if (!Number.isSafeInteger(count) || count < 1) {
    console.error(`WORKERS is a number of workers (1 or more), not ${process.env.WORKERS}`);
    process.exit(1);
  }

  const workers = new Set(); // alive
  const served = new Set(); // have listened
  let stopping = false;
  let exitCode = 0;

  const stop = (code) => {
    exitCode ||= code;
    if (stopping) return;
    stopping = true;
    if (workers.size === 0) process.exit(exitCode);
    console.log(`stopping ${workers.size} workers`);
    // A signal rather than worker.kill(), which disconnects first: each worker shuts down as the demo does.
    for (const worker of workers) worker.process.kill('SIGTERM');
    setTimeout(() => {
      for (const worker of workers) worker.process.kill('SIGKILL');
      process.exit(exitCode);
    }, 5000).unref();
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));

  const fork = () => workers.add(cluster.fork());
  cluster.on('listening', (worker, address) => {
    const first = served.size < count;
    served.add(worker);
    if (first && served.size === count) {
      console.log(`listening on ${address.port} (cluster primary ${process.pid}, ${count} workers)`);
    }
  });
  cluster.on('exit', (worker, code, signal) => {
    workers.delete(worker);
    if (stopping) {
      if (workers.size === 0) process.exit(exitCode);
      return;
    }
    const how = `worker ${worker.process.pid} ${signal ? `was killed by ${signal}` : `exited with ${code}`}`;
    if (served.has(worker)) {
      console.error(`${how}: forking another`);
      fork();
    } else {
      // It would only die again (the port is taken, the app does not load): everything stops.
      console.error(`${how} before it listened: stopping`);
      stop(1);
    }
  });

  console.log(`cluster primary ${process.pid}: forking ${count} workers, Redis at ${new URL(REDIS_URL).host}`);
  for (let i = 0; i < count; i++) fork();
}
