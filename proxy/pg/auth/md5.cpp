#include "proxy/pg/auth/md5.hpp"

#include "proxy/pg/auth/crypto.hpp"

namespace sw::pg::auth {

std::string md5_stored(std::string_view password, std::string_view user) {
  std::string input(password);
  input.append(user);
  return "md5" + md5_hex(input);
}

std::string md5_response(std::string_view stored, const std::array<std::uint8_t, 4>& salt) {
  std::string input(stored.substr(3));
  input.append(reinterpret_cast<const char*>(salt.data()), salt.size());
  return "md5" + md5_hex(input);
}

}  // namespace sw::pg::auth
