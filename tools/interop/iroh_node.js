// Starts a real iroh 0.35 node (npm @number0/iroh@0.35.0) for Ferry's
// interop tests: offline (no discovery), bound to 127.0.0.1, serving
// /iroh-bytes/4. Adds one blob per size given on the command line (byte i of
// a blob is (i * 7) % 251, as in the spec's 100,000-byte vector), prints
// one JSON line on stdout:
//   {"nodeId": hex, "addresses": ["127.0.0.1:port", ...], "relayUrl": str|null,
//    "blobs": [{"size": n, "hash": base32}, ...]}
// and serves until stdin closes (the test process exits or closes the pipe).
// While serving it executes JSON commands, one per stdin line, answering one
// JSON line each:
//   {"cmd": "download", "ticket": "blob..."}  → downloads the blob (and, for a
//     HashSeq ticket, its children) from the ticket's node, then answers
//     {"ok": true, "hash": h, "size": n, "sha256": hex, "children": k,
//      "childrenComplete": bool} or {"ok": false, "error": text}.
// Usage: node iroh_node.js [size ...]
'use strict';
const crypto = require('crypto');
const readline = require('readline');
const { Iroh, BlobTicket } = require('@number0/iroh');

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
  const rl = readline.createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    queue = queue.then(() => handle(node, line)).then((reply) => {
      process.stdout.write(JSON.stringify(reply) + '\n');
    });
  });
  rl.on('close', () => queue.then(stop));
}

async function handle(node, line) {
  try {
    const cmd = JSON.parse(line);
    if (cmd.cmd !== 'download') return { ok: false, error: 'unknown command' };
    const ticket = BlobTicket.fromString(cmd.ticket);
    await node.blobs.download(ticket.hash, ticket.asDownloadOptions(), () => {});
    const bytes = Buffer.from(await node.blobs.readToBytes(ticket.hash));
    const reply = {
      ok: true,
      hash: ticket.hash,
      size: bytes.length,
      sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
      children: 0,
      childrenComplete: true,
    };
    if (ticket.recursive()) {
      for (let i = 0; i + 32 <= bytes.length; i += 32) {
        reply.children++;
        const child = bytes.subarray(i, i + 32).toString('hex');
        if (!(await node.blobs.has(child))) reply.childrenComplete = false;
      }
    }
    return reply;
  } catch (err) {
    return { ok: false, error: String(err && err.message ? err.message : err) };
  }
}

main().catch((err) => {
  process.stderr.write(`iroh_node: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
