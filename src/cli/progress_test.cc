// The progress line: byte units, percent, rate and ETA from given numbers.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "cli/progress.h"

namespace ferry::cli {
namespace {

TEST(Progress, FormatsBytes) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(1023), "1023 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(3.0 * 1024 * 1024), "3.0 MiB");
  EXPECT_EQ(format_bytes(2.5 * 1024 * 1024 * 1024), "2.5 GiB");
}

TEST(Progress, BarRateAndEta) {
  // 1 MiB of 4 MiB in 2 s: 25%, 512 KiB/s, 3 MiB left = 6 s.
  auto line = render_progress(1 << 20, 4 << 20, 2.0, 20);
  EXPECT_EQ(line, "[#####---------------]  25%  1.0 MiB / 4.0 MiB  512.0 KiB/s  ETA 0:06");
  // Unknown total: bytes and rate only.
  EXPECT_EQ(render_progress(2048, 0, 1.0), "2.0 KiB  2.0 KiB/s");
  // More than expected (wire overhead) is clamped at 100% with no time left.
  EXPECT_EQ(render_progress(5000, 4096, 1.0, 4),
            "[####] 100%  4.0 KiB / 4.0 KiB  4.9 KiB/s  ETA 0:00");
}

RC_GTEST_PROP(Progress, BarWidthIsConstant, (uint32_t done, uint32_t total)) {
  RC_PRE(total > 0u);
  auto line = render_progress(done, total, 1.5, 10);
  RC_ASSERT(line.substr(0, 12).front() == '[');
  RC_ASSERT(line[11] == ']');
  auto filled = std::count(line.begin(), line.begin() + 12, '#');
  RC_ASSERT(filled <= 10);
  RC_ASSERT((done >= total) == (filled == 10));
}

}  // namespace
}  // namespace ferry::cli
