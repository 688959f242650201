// The docs store uses the shared SQLite wrapper (env/sqlite.h) as `sql::`.
#pragma once

#include "env/sqlite.h"

namespace ferry::docs {
namespace sql = ::ferry::env::sql;
}  // namespace ferry::docs
