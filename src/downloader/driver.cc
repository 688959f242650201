// Driver: carries out scheduler actions through Transport and IntentObserver.
#include "downloader/driver.h"

namespace ferry::downloader {
namespace {

template <typename... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <typename... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace

void Driver::pump() {
  while (auto action = scheduler_.poll_action()) {
    std::visit(Overloaded{
                   [&](const Connect& a) { transport_.connect(a.node); },
                   [&](const DropConnection& a) { transport_.close(a.node); },
                   [&](const StartTransfer& a) {
                     transport_.start_transfer(a.transfer, a.node, a.resource);
                   },
                   [&](const CancelTransfer& a) { transport_.cancel_transfer(a.transfer, a.node); },
                   [&](const IntentProgressed& a) {
                     observer_.on_progress(a.intent, a.bytes, a.total, a.node);
                   },
                   [&](const IntentCompleted& a) { observer_.on_completed(a.intent); },
                   [&](const IntentFailed& a) { observer_.on_failed(a.intent, a.code); },
               },
               *action);
  }
}

}  // namespace ferry::downloader
