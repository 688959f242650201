// Loads the spec's vector files for bao's tests (declared in test_util.h).
#include <fstream>
#include <sstream>

#include "bao/test_util.h"

namespace ferry::bao::testing {

nlohmann::json load_json(const std::string& name) {
  std::ifstream in(std::string(FERRY_BAO_TESTDATA) + "/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

}  // namespace ferry::bao::testing
