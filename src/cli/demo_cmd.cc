// `ferry demo`: the main job, a narrated end-to-end run.
//
// Part 1 (demo_docs.cc): three nodes sync a document and fetch the blobs
// its entries name, each by its download policy, live and after a policy
// change.
// Part 2 (demo_nodes.cc): two real nodes on 127.0.0.1 talking QUIC and
// /iroh-bytes/4: A provides a blob, B fetches it verified with a progress
// bar, the transfer is interrupted and resumes from what B verified, and a
// collection is fetched.
// Part 3, under the hood, in one process: serve a range of the blob as the
// exact bytes an iroh 0.35 provider sends, decode and verify that stream into
// another store (a partial blob), resume by requesting only what it lacks,
// show that a corrupted stream is rejected without touching the store, then
// export and compare with the original.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "bao/decoder.h"
#include "bao/range_spec.h"
#include "blobs/file_store.h"
#include "cli/commands.h"
#include "cli/demo_docs.h"
#include "cli/demo_nodes.h"
#include "cli/demo_transfer.h"
#include "cli/file_hash.h"
#include "core/encoding.h"
#include "core/prng.h"

namespace ferry::cli {
namespace {

namespace fs = std::filesystem;

// Deterministic demo content: 8 MiB + 123 bytes of pseudo-random data.
Status write_demo_file(const fs::path& path, uint64_t size) {
  std::ofstream out(path, std::ios::binary);
  Prng prng(2026);
  Bytes block(64 * 1024);
  for (uint64_t written = 0; written < size;) {
    for (size_t i = 0; i < block.size(); i += 8) put_u64_le(&block[i], prng.next());
    size_t n = static_cast<size_t>(std::min<uint64_t>(block.size(), size - written));
    out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
    written += n;
  }
  out.close();
  if (!out) return make_error(ErrorCode::kIo, "cannot write " + path.string());
  return ok();
}

Result<std::unique_ptr<blobs::Store>> open_store(const fs::path& dir) {
  blobs::FileStoreOptions options;
  options.dir = dir.string();
  return blobs::open_file_store(options);
}

Result<bool> files_equal(const fs::path& a, const fs::path& b) {
  FERRY_ASSIGN(auto ha, hash_file(a.string()));
  FERRY_ASSIGN(auto hb, hash_file(b.string()));
  return ha.hash == hb.hash && ha.size == hb.size;
}

Status run_demo(const fs::path& work, std::ostream& log, bool bars) {
  const uint64_t size = 8 * 1024 * 1024 + 123;
  fs::path source = work / "source.bin";
  FERRY_TRY(write_demo_file(source, size));
  log << "Part 1: three nodes sync a document and fetch its blobs by policy\n";
  FERRY_TRY(run_doc_demo(work, log));

  log << "\nPart 2: a blob by ticket between two nodes over QUIC (demo content: " << size
      << " pseudo-random bytes)\n";
  FERRY_TRY(run_two_node_demo(work, source, log, bars));

  log << "\nPart 3: under the hood, the verified stream between two stores in one process\n";
  log << "1. wrote " << size << " bytes of demo content to " << source.string() << "\n";

  FERRY_ASSIGN(auto store_a, open_store(work / "store-a"));
  FERRY_ASSIGN(auto imported, store_a->import_file(source.string()));
  bao::BaoTree tree(imported.size);
  log << "2. store A imported it: hash " << imported.hash.to_string() << "\n"
      << "   " << tree.chunks() << " chunks, " << tree.groups() << " chunk groups, "
      << tree.outboard_size() << "-byte outboard\n";

  FERRY_ASSIGN(auto store_b, open_store(work / "store-b"));
  auto first = bao::ChunkRanges::range(1000, 1100);
  bao::GetRequest request{imported.hash, bao::RangeSpecSeq::single(first)};
  log << "3. B asks A for chunks " << first.to_string() << " with the iroh request\n"
      << "   " << hex_encode(request.encode()) << "\n";
  FERRY_ASSIGN(auto stream, serve_request(*store_a, request));
  log << "   A answers with a " << stream.size() << "-byte bao stream (8-byte size, proof "
      << "pairs, " << 1024 * (1100 - 1000) << " bytes of data)\n";
  FERRY_ASSIGN(auto status, receive_stream(*store_b, request, stream));
  log << "   B verified it and now holds a " << blobs::blob_state_name(status.state)
      << " blob with chunks " << status.verified.to_string() << "\n";

  Bytes corrupt = stream;
  corrupt[corrupt.size() / 2] ^= 0x01;
  auto rejected = receive_stream(*store_b, request, corrupt);
  log << "4. a stream with one flipped bit is rejected: "
      << (rejected ? std::string("ACCEPTED (bug!)") : rejected.error().to_string()) << "\n";
  if (rejected) return make_error(ErrorCode::kInternal, "corrupt stream was accepted");

  auto missing = bao::ChunkRanges::all() - status.verified;
  bao::GetRequest rest{imported.hash, bao::RangeSpecSeq::single(missing)};
  FERRY_ASSIGN(auto rest_stream, serve_request(*store_a, rest));
  log << "5. B resumes, asking only for what it lacks: chunks " << missing.to_string() << " ("
      << rest_stream.size() << " bytes)\n";
  FERRY_ASSIGN(status, receive_stream(*store_b, rest, rest_stream));
  log << "   B's blob is now " << blobs::blob_state_name(status.state) << "\n";

  fs::path exported = work / "exported.bin";
  FERRY_TRY(store_b->export_file(imported.hash, exported.string()));
  FERRY_ASSIGN(bool same, files_equal(source, exported));
  log << "6. exported from B to " << exported.string() << ": "
      << (same ? "identical to the source" : "DIFFERENT (bug!)") << "\n";
  if (!same) return make_error(ErrorCode::kInternal, "exported file differs");
  return ok();
}

}  // namespace

void add_demo_command(CLI::App& app, GlobalOptions& opts, int* exit_code) {
  auto* demo = app.add_subcommand("demo", "run the end-to-end demo");
  static bool keep = false;
  demo->add_flag("--keep", keep, "keep the demo's working directory");
  demo->callback([&opts, exit_code] {
    std::string tmpl = (fs::temp_directory_path() / "ferry-demo-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      *exit_code = report_error(opts, Error(ErrorCode::kIo, "cannot create a temporary directory"));
      return;
    }
    fs::path work(tmpl);
    std::cout << "Ferry demo: documents synced and their blobs fetched between nodes on "
                 "loopback (working in "
              << work.string() << ")\n";
    auto result = run_demo(work, std::cout, ::isatty(STDOUT_FILENO) != 0);
    if (!keep) fs::remove_all(work);
    if (!result) {
      *exit_code = report_error(opts, result.error());
      return;
    }
    std::cout << "demo finished: every step verified\n";
    *exit_code = 0;
  });
}

}  // namespace ferry::cli
