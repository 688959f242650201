// Starts a real iroh 0.35 node with documents enabled (npm
// @number0/iroh@0.35.0), offline (no discovery) on 127.0.0.1, for Ferry's
// docs interop tests. Prints one JSON line on stdout:
//   {"nodeId": hex, "addresses": ["127.0.0.1:port", ...]}
// then executes JSON commands, one per stdin line, answering one JSON line
// each, until stdin closes:
//   {"cmd": "create", "entries": [{"key": str, "value": str}, ...]}
//     → creates a document and an author, writes the entries, answers
//       {"ok": true, "doc": id, "ticket": write ticket (direct addresses),
//        "entries": [...]}
//   {"cmd": "join", "ticket": t, "expect": n}
//     → joins the ticket (syncs with its nodes) and waits (up to 20 s) until
//       the document holds n entries; answers {"ok": true, "doc", "entries"}
//   {"cmd": "entries", "doc": id} → {"ok": true, "entries": [...]}
// Entries are {"key": hex, "author": hex, "hash": base32, "len": n,
//   "timestamp": n}, sorted by author then key.
// Usage: node iroh_docs.js
'use strict';
const readline = require('readline');
const { Iroh, DocTicket, Query, ShareMode, AddrInfoOptions } = require('@number0/iroh');

const bytes = (s) => Array.from(Buffer.from(s, 'utf8'));
const hex = (a) => Buffer.from(a).toString('hex');

async function entriesOf(doc) {
  const list = await doc.getMany(Query.all(null));
  const out = list.map((e) => ({
    key: hex(e.key),
    author: e.author,
    hash: e.hash,
    len: Number(e.len),
    timestamp: Number(e.timestamp),
  }));
  out.sort((a, b) => (a.author + a.key < b.author + b.key ? -1 : 1));
  return out;
}

async function handle(node, docs, line) {
  try {
    const cmd = JSON.parse(line);
    if (cmd.cmd === 'create') {
      const author = await node.authors.default();
      const doc = await node.docs.create();
      for (const e of cmd.entries || []) await doc.setBytes(author, bytes(e.key), bytes(e.value));
      const ticket = await doc.share(ShareMode.Write, AddrInfoOptions.Addresses);
      docs.set(doc.id(), doc);
      return { ok: true, doc: doc.id(), ticket: ticket.toString(), entries: await entriesOf(doc) };
    }
    if (cmd.cmd === 'join') {
      const doc = await node.docs.join(DocTicket.fromString(cmd.ticket));
      docs.set(doc.id(), doc);
      const end = Date.now() + 20000;
      let entries = await entriesOf(doc);
      while (entries.length < (cmd.expect || 0) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 100));
        entries = await entriesOf(doc);
      }
      return { ok: true, doc: doc.id(), entries };
    }
    if (cmd.cmd === 'entries') {
      const doc = docs.get(cmd.doc) || (await node.docs.open(cmd.doc));
      if (!doc) return { ok: false, error: 'unknown document' };
      return { ok: true, entries: await entriesOf(doc) };
    }
    return { ok: false, error: 'unknown command' };
  } catch (err) {
    return { ok: false, error: String(err && err.message ? err.message : err) };
  }
}

async function main() {
  const node = await Iroh.memory({
    enableDocs: true,
    nodeDiscovery: 'None',
    ipv4Addr: '127.0.0.1:0',
  });
  const addr = await node.net.nodeAddr();
  const nodeId = await node.net.nodeId();
  process.stdout.write(
    JSON.stringify({
      nodeId,
      addresses: (addr.addresses || []).filter((a) => a.startsWith('127.0.0.1:')),
    }) + '\n',
  );
  const docs = new Map();
  const rl = readline.createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    queue = queue.then(() => handle(node, docs, line)).then((reply) => {
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

main().catch((err) => {
  process.stderr.write(`iroh_docs: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
