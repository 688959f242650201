// One real iroh 0.35 node (npm @number0/iroh@0.35.0) for
// tools/bench-transport.sh: offline (no discovery), bound to 127.0.0.1,
// serving /iroh-bytes/4, with a persistent store in DIR (--store fs, iroh's
// file store) or in memory (--store mem). Prints one JSON line on start:
//   {"nodeId": hex, "addresses": ["127.0.0.1:port", ...]}
// then executes JSON commands, one per stdin line, answering one JSON line
// each ({"ok": false, "error": text} on failure), until stdin closes:
//   {"cmd": "add_file", "path": p}      → {ok, hash, ticket (raw blob), ms}
//   {"cmd": "add_small", "count": n, "size": s, "hashes_out": p}
//       → adds n random blobs of s bytes and a collection of them; writes
//         their hashes (base32, one a line) to p → {ok, ticket (collection,
//         HashSeq), ms}
//   {"cmd": "download", "ticket": t}    → fetches the ticket's blob (and
//         children for a HashSeq ticket) → {ok, ms}
//   {"cmd": "fetch_many", "ticket": t, "hashes_file": p, "concurrency": k}
//       → downloads every hash of p from the ticket's node, k download
//         calls in flight at a time → {ok, count, ms}
//   {"cmd": "export", "hash": h, "path": p} → writes the blob to p → {ok, ms}
// Timings ("ms") are measured inside this process around the iroh call.
// Usage: node iroh_bench_node.js --store fs|mem [--dir DIR]
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const readline = require('readline');
const {
  Iroh,
  BlobTicket,
  BlobDownloadOptions,
  Collection,
  SetTagOption,
  BlobFormat,
  AddrInfoOptions,
} = require('@number0/iroh');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function since(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function main() {
  const storeKind = arg('--store', 'fs');
  const opts = { nodeDiscovery: 'None', ipv4Addr: '127.0.0.1:0' };
  let node;
  if (storeKind === 'mem') {
    node = await Iroh.memory(opts);
  } else {
    const dir = arg('--dir', null);
    if (!dir) throw new Error('--store fs needs --dir DIR');
    node = await Iroh.persistent(dir, opts);
  }
  const addr = await node.net.nodeAddr();
  process.stdout.write(
    JSON.stringify({
      nodeId: await node.net.nodeId(),
      addresses: (addr.addresses || []).filter((a) => a.startsWith('127.0.0.1:')),
    }) + '\n',
  );
  const rl = readline.createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    queue = queue.then(() => handle(node, line)).then((reply) => {
      process.stdout.write(JSON.stringify(reply) + '\n');
    });
  });
  rl.on('close', () =>
    queue.then(async () => {
      try {
        await node.node.shutdown();
      } finally {
        process.exit(0);
      }
    }),
  );
}

async function download(node, hash, format, nodeAddr) {
  const opts = new BlobDownloadOptions(format, [nodeAddr], SetTagOption.auto());
  await node.blobs.download(hash, opts, () => {});
}

async function handle(node, line) {
  try {
    const cmd = JSON.parse(line);
    const start = process.hrtime.bigint();
    if (cmd.cmd === 'add_file') {
      let hash = null;
      await node.blobs.addFromPath(cmd.path, false, SetTagOption.auto(), { wrap: false },
        (err, progress) => {
          if (!err && progress && progress.allDone) hash = progress.allDone.hash;
        });
      const ms = since(start);
      if (!hash) return { ok: false, error: 'no hash reported' };
      const ticket = await node.blobs.share(hash, BlobFormat.Raw, AddrInfoOptions.Addresses);
      return { ok: true, hash, ticket: ticket.toString(), ms };
    }
    if (cmd.cmd === 'add_small') {
      const collection = new Collection();
      const lines = [];
      for (let i = 0; i < cmd.count; i++) {
        const added = await node.blobs.addBytes(Array.from(crypto.randomBytes(cmd.size)));
        collection.push(`blob-${i}`, added.hash);
        lines.push(added.hash);
      }
      const col = await node.blobs.createCollection(collection, SetTagOption.auto(), []);
      fs.writeFileSync(cmd.hashes_out, lines.join('\n') + '\n');
      const ticket = await node.blobs.share(col.hash, BlobFormat.HashSeq,
        AddrInfoOptions.Addresses);
      return { ok: true, ticket: ticket.toString(), ms: since(start) };
    }
    if (cmd.cmd === 'download') {
      const ticket = BlobTicket.fromString(cmd.ticket);
      await download(node, ticket.hash, ticket.format, ticket.nodeAddr);
      return { ok: true, ms: since(start) };
    }
    if (cmd.cmd === 'fetch_many') {
      const nodeAddr = BlobTicket.fromString(cmd.ticket).nodeAddr;
      const hashes = fs.readFileSync(cmd.hashes_file, 'utf8').split('\n').filter((h) => h);
      let next = 0;
      const worker = async () => {
        while (next < hashes.length) {
          const h = hashes[next++];
          await download(node, h, BlobFormat.Raw, nodeAddr);
        }
      };
      const t0 = process.hrtime.bigint();
      await Promise.all(Array.from({ length: cmd.concurrency }, worker));
      return { ok: true, count: hashes.length, ms: since(t0) };
    }
    if (cmd.cmd === 'export') {
      await node.blobs.writeToPath(cmd.hash, cmd.path);
      return { ok: true, ms: since(start) };
    }
    return { ok: false, error: 'unknown command' };
  } catch (err) {
    return { ok: false, error: String(err && err.message ? err.message : err) };
  }
}

main().catch((err) => {
  process.stderr.write(`iroh_bench_node: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
