#pragma once
// What the proxy proves to a backend when it logs in as a role: the password
// itself, or a password-equivalent taken from the client's own login when
// the proxy never learns the password (auth_query users, SCRAM verifiers in
// the config): SCRAM keys recovered from the client's proof, or the md5 hash
// pg_authid stores ("md5" + 32 hex digits), which md5 logins accept as is.
#include <string>
#include <string_view>

#include "proxy/core/secret.hpp"
#include "proxy/pg/auth/scram.hpp"

namespace sw::pg::auth {

struct BackendCredential {
  enum class Kind { password, scram_keys, md5_hash };
  Kind kind = Kind::password;
  Secret secret;    // password | md5 hash
  ScramKeys scram;  // scram_keys

  static BackendCredential password(Secret s) { return {Kind::password, std::move(s), {}}; }
  static BackendCredential md5(Secret hash) { return {Kind::md5_hash, std::move(hash), {}}; }
  static BackendCredential keys(const ScramKeys& k) { return {Kind::scram_keys, {}, k}; }
};

// pg_authid's md5 form: "md5" followed by 32 lowercase hex digits.
inline bool is_md5_hash(std::string_view s) {
  if (s.size() != 35 || s.substr(0, 3) != "md5") return false;
  for (char c : s.substr(3))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

inline bool is_scram_verifier(std::string_view s) {
  return s.rfind("SCRAM-SHA-256$", 0) == 0;
}

}  // namespace sw::pg::auth
