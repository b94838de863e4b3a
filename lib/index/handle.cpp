// MatcherHandle: the current Matcher of a running service, swapped atomically.
#include "index/matcher_impl.hpp"

namespace pdqguard {

MatcherHandle::MatcherHandle(std::shared_ptr<const Matcher> m) : current_(std::move(m)) {}

std::shared_ptr<const Matcher> MatcherHandle::get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

std::shared_ptr<const Matcher> MatcherHandle::exchange(std::shared_ptr<const Matcher> m) {
  std::lock_guard<std::mutex> lock(mu_);
  current_.swap(m);
  return m;  // the previous one; released by the caller, outside the lock
}

void MatcherHandle::update(const MatcherUpdate& update) {
  std::lock_guard<std::mutex> serial(update_mu_);
  auto cur = get();
  if (!cur) throw Error(ErrorCode::invalid_argument, "MatcherHandle::update: no Matcher stored");
  store(cur->with_updates(update));
}

}  // namespace pdqguard
