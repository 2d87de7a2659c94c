import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The gateway the dev server and `vite preview` forward /v1 to.
const target = process.env.SDP_GATEWAY || 'http://127.0.0.1:8080';
const proxy = { '/v1': { target, changeOrigin: false } };

// Development stand-in (SDP_DEV_MOCK=1 only) for the three console endpoints while a gateway
// without them is running: it mints tokens with deploy/local/token.sh and reads the region file.
function devConsoleMock() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const send = (res, status, body) => {
    res.statusCode = status;
    res.setHeader('Content-Type', status >= 400 ? 'application/problem+json' : 'application/json');
    res.end(JSON.stringify(body));
  };
  const middleware = (req, res, next) => {
    const url = req.url.split('?')[0];
    if (url === '/v1/console/config') return send(res, 200, { dev_sign_in: true, sign_in_url: null });
    if (url === '/v1/catalogs/regions') {
      const r = JSON.parse(readFileSync(root + 'schemas/regions/shandong.json', 'utf8'));
      return send(res, 200, { province: r.province, cities: r.cities });
    }
    if (url === '/v1/dev/sign-in' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        let b;
        try { b = JSON.parse(body); } catch { return send(res, 400, { status: 400, title: 'bad json', errors: [{ pointer: '', message: 'bad json' }] }); }
        const args = ['--role', String(b.role || '')];
        if (b.org) args.push('--org', b.org);
        if (b.tier) args.push('--tier', b.tier);
        if (b.region) args.push('--region', b.region);
        execFile(root + 'deploy/local/token.sh', args, (err, stdout, stderr) => {
          if (err) return send(res, 400, { status: 400, title: 'The request is not valid', errors: [{ pointer: b.role === 'applicant' ? '/org' : '/region', message: stderr.trim() }] });
          send(res, 200, { token: stdout.trim(), expires_at: Math.floor(Date.now() / 1000) + 3600 });
        });
      });
      return;
    }
    next();
  };
  return {
    name: 'sdp-dev-console-mock',
    configureServer(server) { server.middlewares.use(middleware); },
    configurePreviewServer(server) { server.middlewares.use(middleware); },
  };
}

export default defineConfig({
  plugins: [react(), ...(process.env.SDP_DEV_MOCK === '1' ? [devConsoleMock()] : [])],
  server: { host: '127.0.0.1', port: 5173, proxy },
  preview: { host: '127.0.0.1', port: 5173, proxy },
  build: { outDir: 'dist', chunkSizeWarningLimit: 2500 },
});
