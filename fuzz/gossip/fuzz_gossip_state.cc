// libFuzzer: the gossip core fed by peers. The input is a sequence of
// records `peer byte ‖ u16 BE length ‖ frame body`; each body that decodes
// goes to State::on_message from peer (byte % 8), interleaved with the
// timers the core asked for and, on peer byte 0xff, a lost connection.
// Invariants: no crash; check_invariants() holds after every input.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "gossip/state.h"
#include "proto/gossip/frame.h"

using namespace ferry;
using namespace ferry::gossip;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  PeerId me{};
  me.fill(0xee);
  TopicId topic{};  // an all-zero topic: easy for the fuzzer to hit
  State s(me, Bytes{1, 2, 3}, Config{}, size);
  Instant now = Instant::from_nanos(0);
  std::vector<Timer> timers;
  auto drain = [&] {
    while (auto a = s.poll_action()) {
      if (auto* t = std::get_if<ScheduleTimer>(&*a)) timers.push_back(t->timer);
    }
    if (!s.check_invariants()) std::abort();
  };
  PeerId boot{};
  boot.fill(1);
  s.join(topic, {boot}, now);
  drain();

  ByteView in(data, size);
  size_t pos = 0;
  while (pos + 3 <= in.size()) {
    uint8_t who = in[pos];
    size_t len = (size_t{in[pos + 1]} << 8) | in[pos + 2];
    pos += 3;
    len = std::min(len, in.size() - pos);
    ByteView body = in.subspan(pos, len);
    pos += len;
    now += std::chrono::milliseconds(who);
    PeerId from{};
    from.fill(static_cast<uint8_t>(who % 8));
    if (who == 0xff) {
      s.on_connection_closed(from, now);
    } else if (auto m = proto::gossip::decode_message(body)) {
      s.on_message(from, *m, now);
    }
    drain();
    if (!timers.empty() && (who & 0x10)) {
      Timer t = timers[who % timers.size()];
      timers.erase(timers.begin() + static_cast<ptrdiff_t>(who % timers.size()));
      s.on_timer(t, now);
      drain();
    }
    if (timers.size() > 4096) timers.clear();
  }
  return 0;
}
