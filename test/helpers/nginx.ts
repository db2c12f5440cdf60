/**
 * Debian's nginx on 127.0.0.1, started by a test with a temporary configuration (pid, logs and temp paths in a
 * temporary directory, `daemon off`, stopped by its PID). It serves directories read-only, in place, with Range and
 * strong ETags (and If-Match), and logs each request with the body bytes it sent.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const NGINX_BIN = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => fs.existsSync(p)) ?? null;

export interface NginxRequest {
  method: string;
  path: string;
  status: number;
  bodyBytes: number;
  range: string;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function waitForPort(port: number, child: ChildProcess, errorLog: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null)
      throw new Error(`nginx exited (${child.exitCode}): ${fs.readFileSync(errorLog, 'utf8')}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not listen on 127.0.0.1:${port}`);
}

export class Nginx {
  base = '';
  private child: ChildProcess | null = null;
  private readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-nginx-'));
  private readonly accessLog = path.join(this.dir, 'access.log');

  /** `mounts` maps URL path prefixes (`/corpus`) to directories; `root` serves everything else. */
  constructor(
    private readonly mounts: Record<string, string>,
    private readonly root?: string,
  ) {}

  async start(): Promise<void> {
    const port = await freePort();
    const errorLog = path.join(this.dir, 'error.log');
    const temp = (name: string): string => path.join(this.dir, name);
    const locations = Object.entries(this.mounts)
      .map(([prefix, dir]) => `    location ${prefix}/ { alias ${path.resolve(dir)}/; }`)
      .join('\n');
    const conf = `
daemon off;
master_process off;
worker_processes 1;
pid ${temp('nginx.pid')};
error_log ${errorLog} warn;
events { worker_connections 512; }
http {
  log_format counted '$request_method $uri $status $body_bytes_sent "$http_range"';
  access_log ${this.accessLog} counted;
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  types { text/html html; application/javascript js mjs; application/json json; image/png png; }
  default_type application/octet-stream;
  sendfile on;
  etag on;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:${port};
${locations}
${this.root ? `    location / { root ${path.resolve(this.root)}; }` : ''}
  }
}
`;
    fs.writeFileSync(temp('nginx.conf'), conf);
    this.child = spawn(NGINX_BIN!, ['-c', temp('nginx.conf'), '-p', this.dir, '-e', errorLog], { stdio: 'ignore' });
    await waitForPort(port, this.child, errorLog);
    this.base = `http://127.0.0.1:${port}`;
  }

  /** Requests logged so far (nginx writes each line as the request ends). */
  requests(): NginxRequest[] {
    if (!fs.existsSync(this.accessLog)) return [];
    return fs
      .readFileSync(this.accessLog, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const m = /^(\S+) (\S+) (\d+) (\d+) "(.*)"$/.exec(l)!;
        return { method: m[1]!, path: m[2]!, status: Number(m[3]), bodyBytes: Number(m[4]), range: m[5]! };
      });
  }

  clearLog(): void {
    if (fs.existsSync(this.accessLog)) fs.truncateSync(this.accessLog, 0);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child !== null && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      // Set by the exit that may have come while waiting, which narrowing does not see.
      if ((child.exitCode as number | null) === null && child.signalCode === null) child.kill('SIGKILL');
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
