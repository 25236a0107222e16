#pragma once
// PostgreSQL's md5 password scheme: "md5" + md5hex(md5hex(password + user) + salt).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sw::pg::auth {

// The stored form md5hex(password + user), prefixed "md5" like pg_authid.
std::string md5_stored(std::string_view password, std::string_view user);
// The PasswordMessage a client sends for a 4-byte salt, from the stored form.
std::string md5_response(std::string_view stored, const std::array<std::uint8_t, 4>& salt);

}  // namespace sw::pg::auth
