#include "proxy/tenants/tenant_id.hpp"

namespace sw::tenants {

const char* engine_name(Engine e) noexcept {
  return e == Engine::mysql ? "mysql" : "postgresql";
}

Result<Engine> parse_engine(std::string_view name) {
  if (name == "mysql" || name == "mariadb") return Engine::mysql;
  if (name == "postgresql" || name == "postgres") return Engine::postgresql;
  return make_error(Errc::invalid_argument,
                    "db_type: expected \"mysql\" or \"postgresql\", got \"" +
                        std::string(name.substr(0, 40)) + "\"");
}

Status validate_tenant_id(std::string_view id) {
  if (id.empty()) return make_error(Errc::invalid_argument, "tenant_id: must not be empty");
  if (id.size() > kMaxTenantIdLength)
    return make_error(Errc::invalid_argument,
                      "tenant_id: at most " + std::to_string(kMaxTenantIdLength) + " characters");
  auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_alnum(id.front()))
    return make_error(Errc::invalid_argument,
                      "tenant_id: must start with a lower-case letter or a digit");
  for (char c : id)
    if (!lower_alnum(c) && c != '_')
      return make_error(Errc::invalid_argument,
                        "tenant_id: only lower-case letters, digits and '_' are allowed");
  return {};
}

std::string tenant_database(std::string_view id) {
  return "tenant_" + std::string(id) + "_db";
}

std::string tenant_user(std::string_view id) {
  return "tenant_" + std::string(id);
}

}  // namespace sw::tenants
