// Starts a real iroh 0.35 node (npm @number0/iroh@0.35.0) for Ferry's
// interop tests: offline (no discovery), bound to 127.0.0.1, serving
// /iroh-bytes/4. Adds one blob per size given on the command line (byte i of
// a blob is (i * 7) % 251, as in the spec's 100,000-byte vector), prints
// one JSON line on stdout:
//   {"nodeId": hex, "addresses": ["127.0.0.1:port", ...], "relayUrl": str|null,
//    "blobs": [{"size": n, "hash": base32}, ...]}
// and serves until stdin closes (the test process exits or closes the pipe).
// Usage: node iroh_node.js [size ...]
'use strict';
const { Iroh } = require('@number0/iroh');

function pattern(size) {
  const out = new Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 7) % 251;
  return out;
}

async function main() {
  const sizes = process.argv.slice(2).map((s) => Number.parseInt(s, 10));
  const node = await Iroh.memory({ nodeDiscovery: 'None', ipv4Addr: '127.0.0.1:0' });
  const blobs = [];
  for (const size of sizes) {
    const added = await node.blobs.addBytes(pattern(size));
    blobs.push({ size, hash: added.hash });
  }
  const addr = await node.net.nodeAddr();
  const nodeId = await node.net.nodeId();
  process.stdout.write(
    JSON.stringify({
      nodeId,
      addresses: (addr.addresses || []).filter((a) => a.startsWith('127.0.0.1:')),
      relayUrl: addr.relayUrl || null,
      blobs,
    }) + '\n',
  );
  const stop = async () => {
    try {
      await node.node.shutdown();
    } finally {
      process.exit(0);
    }
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}

main().catch((err) => {
  process.stderr.write(`iroh_node: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
