// Matcher: index kind names, construction, open/save, info and accessors.
#include "index/matcher_impl.hpp"

namespace pdqguard {

const char* index_kind_name(IndexKind k) noexcept {
  switch (k) {
    case IndexKind::automatic: return "auto";
    case IndexKind::flat: return "flat";
    case IndexKind::bktree: return "bktree";
    case IndexKind::mih: return "mih";
  }
  return "unknown";
}

IndexKind parse_index_kind(std::string_view name) {
  if (name == "auto" || name == "automatic") return IndexKind::automatic;
  if (name == "flat") return IndexKind::flat;
  if (name == "bktree") return IndexKind::bktree;
  if (name == "mih") return IndexKind::mih;
  throw Error(ErrorCode::invalid_argument,
              "unknown index kind '" + std::string(name) + "' (expected auto, flat, bktree or mih)");
}

namespace detail {

void check_radius(int r) {
  if (r < kMinRadius || r > kMaxRadius)
    throw Error(ErrorCode::invalid_argument, "radius must be 0..256, got " + std::to_string(r));
}

std::shared_ptr<const Matcher> make_matcher(std::shared_ptr<const Base> base, IndexKind kind) {
  auto impl = std::make_unique<MatcherAccess::Impl>();
  impl->kind = kind;
  for (std::size_t i = 0; i < base->list_names.n; ++i)
    impl->lists.emplace_back(base->str(base->list_names[i]));
  impl->live_entries = base->entries.n;
  impl->base = std::move(base);
  return MatcherAccess::make(std::move(impl));
}

}  // namespace detail

Matcher::Matcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Matcher::~Matcher() = default;

std::shared_ptr<const Matcher> Matcher::open(const std::string& path, const OpenOptions& options) {
  auto base = detail::open_base(path, options);
  const IndexKind k = base->kind;
  return detail::make_matcher(std::move(base), k);
}

void Matcher::save(const std::string& path) const {
  if (impl_->ov_hashes.empty() && impl_->extras.empty() && impl_->tomb.empty()) {
    detail::save_base(*impl_->base, path);
    return;
  }
  auto merged = rebuild();
  detail::save_base(*merged->impl_->base, path);
}

IndexKind Matcher::kind() const noexcept { return impl_->kind; }
IndexKind Matcher::kind_for_radius(int radius) const noexcept { return impl_->base->kind_for(radius, 1); }

std::string Matcher::describe() const {
  std::string s = impl_->base->describe();
  if (!impl_->ov_hashes.empty() || !impl_->extras.empty() || !impl_->tomb.empty())
    s += "; overlay of " + std::to_string(impl_->ov_hashes.size()) + " slots, " +
         std::to_string(impl_->tomb.size()) + " removed entries";
  return s;
}

IndexInfo Matcher::info() const {
  IndexInfo in;
  in.format_version = kIndexFormatVersion;
  in.kind = impl_->kind;
  in.description = describe();
  in.slots = slot_count();
  in.entries = entry_count();
  in.lists.resize(impl_->lists.size());
  for (std::size_t i = 0; i < impl_->lists.size(); ++i) in.lists[i].name = impl_->lists[i];
  const detail::Base& b = *impl_->base;
  for (std::uint32_t i = 0; i < b.entries.n; ++i)
    if (impl_->tomb.empty() || !impl_->tombed(i)) ++in.lists[b.entries[i].list].entries;
  for (const auto& x : impl_->extras)
    for (const auto& e : x.second) ++in.lists[e.list].entries;
  for (const auto& v : impl_->ov_entries)
    for (const auto& e : v) ++in.lists[e.list].entries;
  in.file_size = b.file_size;
  in.checksum = b.checksum;
  in.memory_bytes = b.memory_bytes() + impl_->ov_hashes.size() * sizeof(Hash256);
  return in;
}

std::size_t Matcher::slot_count() const noexcept { return impl_->nbase() + impl_->ov_hashes.size(); }
std::size_t Matcher::entry_count() const noexcept { return impl_->live_entries; }
Hash256 Matcher::slot_hash(std::uint32_t slot) const noexcept { return impl_->hash_of(slot); }
std::vector<Match> Matcher::slot_entries(std::uint32_t slot) const {
  std::vector<Match> out;
  if (slot < slot_count()) impl_->entries_of(slot, 0, Dihedral::original, out);
  return out;
}
std::vector<std::string> Matcher::list_names() const { return impl_->lists; }
std::size_t Matcher::overlay_slots() const noexcept { return impl_->ov_hashes.size(); }
std::size_t Matcher::removed_entries() const noexcept { return impl_->tomb.size(); }

}  // namespace pdqguard
