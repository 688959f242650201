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
//   {"cmd": "add_file", "path": p}  → imports the file, answers
//     {"ok": true, "hash": base32}.
//   {"cmd": "add_collection", "files": [{"name": s, "size": n}, ...]}  →
//     adds file k (byte i is (i * 7 + k) % 251) and a collection of them in
//     that order, answers {"ok": true, "hash": base32 (the collection's
//     HashSeq), "files": [{"name", "size", "hash"}, ...]}.
// Usage: node iroh_node.js [size ...]
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const { Iroh, BlobTicket, Collection, SetTagOption } = require('@number0/iroh');

// SHA-256 of a file, streamed (values may be large).
function sha256File(file) {
  return new Promise((resolve, reject) => {
    const h = crypto.createHash('sha256');
    fs.createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', reject);
  });
}

function pattern(size, offset = 0) {
  const out = new Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 7 + offset) % 251;
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
    if (cmd.cmd === 'add_file') {
      let hash = null;
      await node.blobs.addFromPath(cmd.path, false, SetTagOption.auto(), { wrap: false },
        (err, progress) => {
          if (!err && progress && progress.allDone) hash = progress.allDone.hash;
        });
      return hash ? { ok: true, hash } : { ok: false, error: 'no hash reported' };
    }
    if (cmd.cmd === 'add_collection') {
      const collection = new Collection();
      const files = [];
      for (let k = 0; k < cmd.files.length; k++) {
        const f = cmd.files[k];
        const added = await node.blobs.addBytes(pattern(f.size, k));
        collection.push(f.name, added.hash);
        files.push({ name: f.name, size: f.size, hash: added.hash });
      }
      const col = await node.blobs.createCollection(collection, SetTagOption.auto(), []);
      return { ok: true, hash: col.hash, files };
    }
    if (cmd.cmd !== 'download') return { ok: false, error: 'unknown command' };
    const ticket = BlobTicket.fromString(cmd.ticket);
    await node.blobs.download(ticket.hash, ticket.asDownloadOptions(), () => {});
    const tmp = path.join(os.tmpdir(), `iroh-interop-${process.pid}-${Date.now()}`);
    await node.blobs.writeToPath(ticket.hash, tmp);
    const size = fs.statSync(tmp).size;
    const sha256 = await sha256File(tmp);
    fs.unlinkSync(tmp);
    const reply = { ok: true, hash: ticket.hash, size, sha256, children: 0, childrenComplete: true };
    if (ticket.recursive()) {
      const bytes = Buffer.from(await node.blobs.readToBytes(ticket.hash));
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
