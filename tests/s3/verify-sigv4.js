// The S3-compatible server of the test tier: s3rver (which checks no signatures) behind a proxy
// that checks each request's AWS Signature V4 with aws4, and that a PUT's body is the SHA-256 it
// was signed with; a request that fails either is refused 403 / 400 as S3 would.
//   node tests/s3/verify-sigv4.js PORT DATA_DIR ACCESS_KEY SECRET_KEY BUCKET
// Prints "ready" once both listen. Stopped by SIGTERM.
'use strict';
const http = require('http');
const crypto = require('crypto');
const aws4 = require('aws4');
const S3rver = require('s3rver');

const [port, dir, accessKey, secretKey, bucket] = process.argv.slice(2);

function refuse(res, status, code, message) {
  res.writeHead(status, { 'Content-Type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

// The signature the request should carry, recomputed from what it says it signed.
function expected(req, credential, signedHeaders) {
  const [key, date, region, service] = credential.split('/');
  const headers = {};
  const include = {};
  for (const name of signedHeaders.split(';')) {
    const value = req.headers[name];
    headers[name] = Array.isArray(value) ? value.join(',') : value === undefined ? '' : value;
    include[name] = true;
  }
  const signer = new aws4.RequestSigner(
    { method: req.method, path: req.url, host: req.headers.host, service, region, headers,
      doNotModifyHeaders: true, extraHeadersToInclude: include },
    { accessKeyId: key, secretAccessKey: secretKey });
  signer.prepareRequest();
  return { key, date, signature: signer.signature() };
}

async function main() {
  // s3rver knows only its own dummy key; it is told ours (it checks no V4 signature itself).
  require('s3rver/lib/models/account').DUMMY_ACCOUNT.createKeyPair(accessKey, secretKey);
  const upstream = new S3rver({ port: 0, address: '127.0.0.1', directory: dir, silent: true,
                                configureBuckets: [{ name: bucket }] });
  const where = await upstream.run();
  const upstreamPort = where.port;
  const server = http.createServer((req, res) => {
    const auth = req.headers.authorization || '';
    const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) return refuse(res, 403, 'AccessDenied', 'a Signature V4 Authorization header is required');
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let want;
      try {
        want = expected(req, m[1], m[2]);
      } catch (e) {
        return refuse(res, 403, 'AccessDenied', 'unreadable signature: ' + e.message);
      }
      if (want.key !== accessKey) return refuse(res, 403, 'InvalidAccessKeyId', 'unknown access key');
      if (!m[2].split(';').includes('host')) return refuse(res, 403, 'AccessDenied', 'host must be signed');
      if (want.signature !== m[3]) return refuse(res, 403, 'SignatureDoesNotMatch', 'the signature does not match');
      const declared = req.headers['x-amz-content-sha256'];
      if (declared && declared !== 'UNSIGNED-PAYLOAD' &&
          crypto.createHash('sha256').update(body).digest('hex') !== declared)
        return refuse(res, 400, 'XAmzContentSHA256Mismatch', 'the body is not the one signed');
      const headers = { ...req.headers, 'content-length': String(body.length) };
      delete headers['transfer-encoding'];
      const forward = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers },
        (up) => {
          res.writeHead(up.statusCode, up.headers);
          up.pipe(res);
        });
      forward.on('error', (e) => refuse(res, 502, 'InternalError', e.message));
      forward.end(body);
    });
  });
  server.listen(Number(port), '127.0.0.1', () => console.log('ready'));
  process.on('SIGTERM', () => {
    server.close();
    upstream.close().finally(() => process.exit(0));
  });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
