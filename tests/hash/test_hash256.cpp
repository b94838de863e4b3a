// Hash256: hex round trip in the reference's word order, parsing errors, distance.
#include <doctest/doctest.h>

#include <pdqguard/error.hpp>
#include <pdqguard/hash.hpp>

#include <random>
#include <unordered_set>

using pdqguard::Hash256;

TEST_CASE("hex round trip keeps the reference's word order") {
  // w[15] is written first: bit 255 is the top bit of the first hex digit.
  Hash256 h;
  h.set_bit(255);
  h.set_bit(0);
  CHECK(h.to_hex() == "8000000000000000000000000000000000000000000000000000000000000001");
  // Bit 16 is bit 0 of the reference's w[1]: the 4th-from-last hex group.
  Hash256 g;
  g.set_bit(16);
  CHECK(g.to_hex() == "0000000000000000000000000000000000000000000000000000000000010000");
  std::mt19937_64 rng(7);
  for (int i = 0; i < 1000; ++i) {
    Hash256 r;
    for (auto& w : r.words) w = rng();
    CHECK(Hash256::from_hex(r.to_hex()) == r);
  }
}

TEST_CASE("parsing accepts either case and rejects everything else with a reason") {
  const std::string lower = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";
  std::string upper = lower;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(Hash256::from_hex(upper) == Hash256::from_hex(lower));
  CHECK(Hash256::from_hex(lower).to_hex() == lower);

  std::string why;
  Hash256 out;
  CHECK_FALSE(Hash256::try_from_hex(lower.substr(0, 63), out, &why));
  CHECK(why.find("63") != std::string::npos);
  CHECK_FALSE(Hash256::try_from_hex(lower + "0", out, &why));
  std::string bad = lower;
  bad[10] = 'g';
  CHECK_FALSE(Hash256::try_from_hex(bad, out, &why));
  CHECK(why.find("11") != std::string::npos);
  CHECK_FALSE(Hash256::try_from_hex(std::string(32, 'a'), out, &why));  // an MD5, not PDQ
  try {
    (void)Hash256::from_hex("xyz");
    FAIL("from_hex accepted garbage");
  } catch (const pdqguard::Error& e) {
    CHECK(e.code() == pdqguard::ErrorCode::bad_hash);
  }
}

TEST_CASE("distance, ordering and std::hash") {
  Hash256 a, b;
  CHECK(pdqguard::distance(a, b) == 0);
  for (int k = 0; k < 256; k += 3) b.set_bit(k);
  CHECK(pdqguard::distance(a, b) == 86);
  CHECK(b.popcount() == 86);
  CHECK(a < b);
  Hash256 hi, lo;
  hi.set_bit(200);  // more significant than any bit below
  for (int k = 0; k < 200; ++k) lo.set_bit(k);
  CHECK(lo < hi);
  CHECK(hi.to_hex() > lo.to_hex());  // ordering agrees with the hex spelling
  std::unordered_set<Hash256> s{a, b, a};
  CHECK(s.size() == 2);
}
