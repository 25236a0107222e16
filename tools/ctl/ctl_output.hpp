#pragma once
// What sqlwarden-ctl prints for each answer: seed 003's human layout, or
// the JSON as the API sent it (--json). Each returns the exit code.
#include <ostream>
#include <string>

#include "tools/ctl/admin_client.hpp"

namespace sw::ctl {

class Output {
 public:
  Output(std::ostream& os, bool json) : os_(os), json_(json) {}
  int created(const ApiReply& r);
  int verified(const ApiReply& r);
  int listed(const ApiReply& r);
  int tenant(const ApiReply& r);
  int system(const ApiReply& r);
  int changed(const ApiReply& r, const char* verb);
  int ports(const ApiReply& r);

 private:
  // Prints the failure (or the JSON) and says whether to go on.
  bool handled(const ApiReply& r, int& code);
  void clone_lines(const nlohmann::json& c);
  std::ostream& os_;
  bool json_;
};

}  // namespace sw::ctl
