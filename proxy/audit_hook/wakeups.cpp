#include "proxy/audit_hook/wakeups.hpp"

#include <algorithm>

namespace sw::audit_hook {

net::awaitable<void> Wakeups::wait(std::chrono::milliseconds max) {
  net::asio::steady_timer timer(co_await net::asio::this_coro::executor);
  timer.expires_after(max);
  waiting_.push_back(&timer);
  net::error_code ec;
  co_await timer.async_wait(net::nothrow(ec));
  std::erase(waiting_, &timer);
}

void Wakeups::wake_all() noexcept {
  for (auto* t : waiting_) t->cancel();
  waiting_.clear();
}

}  // namespace sw::audit_hook
