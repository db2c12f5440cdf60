/**
 * HttpFileSystem against a real HTTP server: Debian's nginx, started on 127.0.0.1 with a temporary configuration.
 * Real TF checkpoints by prefix and by directory (TF's list_variables and tensor bytes), the bytes of a partial
 * read counted in nginx's access log, and a checkpoint replaced on the server mid-read (nginx's ETag/If-Match).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { CheckpointReader, HttpFileSystem, listVariables } from '../src';
import { NGINX_BIN, Nginx } from './helpers/nginx';
import { CORPUS_DIR, corpusAvailable, FIXTURES_DIR, type Oracle } from './helpers/shared';
import { tensorSha256 } from './helpers/values';

const SKIP =
  NGINX_BIN === null
    ? 'nginx is not installed (apt-get install -y nginx-light)'
    : !corpusAvailable()
      ? 'the ../shared corpus is absent'
      : null;
if (SKIP) console.warn(`http_nginx.test.ts skipped: ${SKIP}`);
const maybe = SKIP ? describe.skip : describe;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ckpt-nginx-data-'));
const nginx = new Nginx({ '/corpus': CORPUS_DIR, '/fixtures': FIXTURES_DIR, '/scratch': scratch });

beforeAll(async () => {
  if (!SKIP) await nginx.start();
});
afterAll(async () => {
  await nginx.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const oracleOf = (name: string): Oracle =>
  JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, name, '_TF_ORACLE.json'), 'utf8')) as Oracle;

maybe('HttpFileSystem over nginx', () => {
  it.each(['keras-bilstm-news-sharded', 'keras-cnn-rescaling-asl-letters', 'keras-mlp-tiny-mnist-sharded'])(
    '%s: TF’s list_variables and tensor bytes, by directory',
    async (name) => {
      const fsys = new HttpFileSystem(nginx.base);
      const oracle = oracleOf(name);
      expect(await listVariables(`corpus/${name}`, { fs: fsys })).toEqual(oracle.list_variables);
      const reader = await CheckpointReader.open(`corpus/${name}`, { fs: fsys });
      const keys = reader.keys();
      const got = new Array<[string, string]>(keys.length);
      await reader.getTensors(keys, (i, v) => (got[i] = [keys[i]!, tensorSha256(v)]));
      await reader.close();
      expect(got).toEqual(oracle.tensors!.map((t) => [t.key, t.sha256]));
    },
  );

  it('a partial read makes nginx send only the needed data bytes, one request per contiguous run', async () => {
    const fsys = new HttpFileSystem(nginx.base, { mergeGapBytes: 0 });
    const reader = await CheckpointReader.open('corpus/keras-bilstm-news-sharded', { fs: fsys });
    const keys = reader.keys().filter((k) => /^layer_with_weights-0\//.test(k) && !k.includes('OPTIMIZER_SLOT'));
    expect(keys.length).toBeGreaterThan(0);
    const needed = keys.reduce((n, k) => n + reader.entry(k).size, 0);
    nginx.clearLog();
    await reader.getTensors(keys, () => undefined);
    await reader.close();
    const data = nginx.requests().filter((r) => /\.data-/.test(r.path) && r.method === 'GET');
    expect(data.reduce((n, r) => n + r.bodyBytes, 0)).toBe(needed);
    expect(data.length).toBeLessThanOrEqual(keys.length);
  });

  it('a checkpoint replaced on the server mid-read fails clearly, even without checksums', async () => {
    const dir = path.join(scratch, 'seed');
    fs.cpSync(path.join(FIXTURES_DIR, 'sharded'), dir, { recursive: true });
    const fsys = new HttpFileSystem(nginx.base);
    const reader = await CheckpointReader.open('scratch/seed/ckpt', { fs: fsys, verifyChecksums: false });
    const key = 'small/.ATTRIBUTES/VARIABLE_VALUE';
    const first = await reader.getTensor(key);
    // A new checkpoint written over the old one (as a later save to the same prefix does): same sizes, other
    // bytes, later mtimes, so nginx's ETags change. The shards not opened yet are then first seen in their new
    // version; their index, re-validated when they open, tells.
    const later = new Date(Date.now() + 5000);
    for (const f of fs.readdirSync(dir).filter((n) => n.startsWith('ckpt.'))) {
      const p = path.join(dir, f);
      const bytes = fs.readFileSync(p);
      if (f.includes('.data-')) bytes.reverse();
      fs.writeFileSync(p, bytes);
      fs.utimesSync(p, later, later);
    }
    await expect(reader.getTensor('big/.ATTRIBUTES/VARIABLE_VALUE')).rejects.toThrow(
      /replaced on the server after its index was read/,
    );
    expect(await reader.getTensor(key).catch((e: unknown) => (e instanceof Error ? e.message : String(e)))).toMatch(
      /changed on the server/,
    );
    expect(first.shape).toEqual([]);
    await reader.close();
  });
});
