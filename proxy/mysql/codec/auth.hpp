#pragma once
// Password scrambles of the authentication plugins the proxy speaks, on both
// sides: verifying a client's answer to the proxy's scramble, and answering
// a backend's scramble. Pure computations (OpenSSL digests), no I/O.
#include <optional>
#include <string>
#include <string_view>

namespace sw::mysql {

inline constexpr std::string_view native_password_plugin = "mysql_native_password";
inline constexpr std::string_view caching_sha2_plugin = "caching_sha2_password";
inline constexpr std::string_view clear_password_plugin = "mysql_clear_password";

// caching_sha2_password's one-byte AuthMoreData codes.
inline constexpr char sha2_request_public_key = 0x02;
inline constexpr char sha2_fast_auth_success = 0x03;
inline constexpr char sha2_perform_full_auth = 0x04;

// 20 random bytes, none of them NUL (some clients treat the scramble as a C string).
std::string make_scramble();

// SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))); empty for an empty password.
std::string native_password_response(std::string_view password, std::string_view scramble);
// SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + scramble); empty for an empty password.
std::string caching_sha2_response(std::string_view password, std::string_view scramble);

// mysql_native_password without the password. The server stores
// "*" + hex(SHA1(SHA1(pw))) (mysql.user's authentication_string); a client's
// answer over that hash yields SHA1(pw), the "stage 1" hash, which is all
// a later login needs: so a hash copied from the server lets the proxy check
// the client and then log in to the backend as that user.
// The 20 raw bytes of "*HEX40" (case-insensitive); nullopt otherwise.
std::optional<std::string> parse_native_password_hash(std::string_view stored);
// The client's SHA1(pw) when `response` answers `scramble` for the stored
// SHA1(SHA1(pw)) `stage2`; nullopt when it does not.
std::optional<std::string> recover_native_stage1(std::string_view stage2, std::string_view scramble,
                                                 std::string_view response);
// The answer to a server's `scramble` from SHA1(pw) alone.
std::string native_password_response_from_stage1(std::string_view stage1,
                                                 std::string_view scramble);

// Constant-time comparison of an answer with the expected one.
bool auth_response_matches(std::string_view expected, std::string_view got);

}  // namespace sw::mysql
