/**
 * A checkpoint on a web server (a CDN, a model hub, S3): read with Range requests, only the bytes needed, and
 * restored into a tfjs model. Without a URL, the example serves the bundled checkpoint on 127.0.0.1 itself.
 * Run: npx tsx examples/http.ts [BASE_URL]   (BASE_URL: where the folder `mlp` of examples/data is served)
 * The regions are the API reference's examples (`npm run docs`).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { Checkpoint, HttpFileSystem, listVariables } from 'tfjs-checkpoint';

/** A static file server for `dir` on 127.0.0.1 answering single-range GETs, as nginx or a CDN does. */
async function serve(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const file = path.join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname));
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    const { size, mtimeMs } = fs.statSync(file);
    const headers = { etag: `"${size}-${Math.trunc(mtimeMs)}"`, 'accept-ranges': 'bytes' };
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...headers, 'content-length': size }).end();
    } else if (range) {
      const start = Number(range[1]);
      const end = Math.min(Number(range[2]), size - 1);
      res.writeHead(206, {
        ...headers,
        'content-range': `bytes ${start}-${end}/${size}`,
        'content-length': end - start + 1,
      });
      fs.createReadStream(file, { start, end }).pipe(res);
    } else {
      res.writeHead(200, { ...headers, 'content-length': size });
      fs.createReadStream(file).pipe(res);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function main(
  baseUrl?: string,
): Promise<{ variables: Array<[string, number[]]>; predictions: number[][]; requests: number }> {
  const local = baseUrl === undefined ? await serve(path.join(__dirname, 'data')) : null;
  try {
    const base = baseUrl ?? local?.url ?? '';

    // #region HttpFileSystem
    // Paths are relative to the base URL; 'mlp' is a folder with a `checkpoint` state file, as on disk.
    const http = new HttpFileSystem(base, { retries: 3, headers: { 'x-example': 'sent to this origin only' } });
    const variables = await listVariables('mlp', { fs: http }); // reads the index only
    console.log(`${variables.length} variables, e.g.`, variables[0]);

    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 8, activation: 'relu', inputShape: [4] }),
        tf.layers.dense({ units: 3, activation: 'softmax' }),
      ],
    });
    const status = await new Checkpoint({ model }).restore('mlp', { fs: http }); // one range request per run of needed bytes
    status.expectPartial(); // the optimizer state stays on the server
    console.log(`${http.stats.requests} requests, ${http.stats.bytesReceived} bytes`);
    // #endregion HttpFileSystem

    const expected = JSON.parse(fs.readFileSync(path.join(__dirname, 'data', 'mlp', 'expected.json'), 'utf8')) as {
      input: number[][];
    };
    const predictions = (await (model.predict(tf.tensor(expected.input)) as tf.Tensor).array()) as number[][];
    return { variables, predictions, requests: http.stats.requests };
  } finally {
    await local?.close();
  }
}

if (require.main === module) {
  main(process.argv[2]).catch((e: unknown) => {
    process.exitCode = 1;
    console.error(e);
  });
}
