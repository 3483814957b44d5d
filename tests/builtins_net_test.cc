// Tests for engine/builtins_net: IP and CIDR parsing, formatting and
// containment, globs, and the `in_cidr`, `cidr` (with `contains`), `isCIDR`,
// `isIP` and `glob` built-ins called through their table entries.
#include "engine/builtins_net.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <random>
#include <string_view>
#include <string>
#include <vector>

#include "engine/bundle.h"
#include "engine/expression.h"
#include "engine/plan.h"
#include "engine/policy.h"
#include "engine/schema.h"
#include "engine/source.h"

namespace gavel {
namespace {

IpAddress V4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress ip;
  ip.v6 = false;
  ip.bytes = {a, b, c, d};
  return ip;
}

IpAddress V6(std::initializer_list<uint16_t> groups) {
  IpAddress ip;
  ip.v6 = true;
  int k = 0;
  for (uint16_t g : groups) {
    ip.bytes[k++] = static_cast<uint8_t>(g >> 8);
    ip.bytes[k++] = static_cast<uint8_t>(g & 0xff);
  }
  return ip;
}

// ---------------------------------------------------------------------------
// ParseIp

TEST_CASE("ParseIp accepts valid IPv4 and IPv6 addresses", "[net][ip]") {
  struct Case {
    const char* text;
    IpAddress want;
  };
  const Case cases[] = {
      {"0.0.0.0", V4(0, 0, 0, 0)},
      {"10.0.0.1", V4(10, 0, 0, 1)},
      {"255.255.255.255", V4(255, 255, 255, 255)},
      {"192.168.100.200", V4(192, 168, 100, 200)},
      {"1.2.3.4", V4(1, 2, 3, 4)},
      {"::", V6({0, 0, 0, 0, 0, 0, 0, 0})},
      {"::1", V6({0, 0, 0, 0, 0, 0, 0, 1})},
      {"1::", V6({1, 0, 0, 0, 0, 0, 0, 0})},
      {"2001:db8::1", V6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1})},
      {"2001:DB8::1", V6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1})},
      {"2001:0dB8:0000:0000:0000:0000:0000:0001", V6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 1})},
      {"1:2:3:4:5:6:7:8", V6({1, 2, 3, 4, 5, 6, 7, 8})},
      {"1:2:3:4:5:6:7::", V6({1, 2, 3, 4, 5, 6, 7, 0})},
      {"::2:3:4:5:6:7:8", V6({0, 2, 3, 4, 5, 6, 7, 8})},
      {"1::8", V6({1, 0, 0, 0, 0, 0, 0, 8})},
      {"1:2::7:8", V6({1, 2, 0, 0, 0, 0, 7, 8})},
      {"fe80::abcd:ef01", V6({0xfe80, 0, 0, 0, 0, 0, 0xabcd, 0xef01})},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
       V6({0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff})},
      {"::ffff:10.0.0.1", V6({0, 0, 0, 0, 0, 0xffff, 0x0a00, 0x0001})},
      {"::FFFF:192.168.1.2", V6({0, 0, 0, 0, 0, 0xffff, 0xc0a8, 0x0102})},
      {"::1.2.3.4", V6({0, 0, 0, 0, 0, 0, 0x0102, 0x0304})},
      {"64:ff9b::192.0.2.33", V6({0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x0221})},
      {"0:0:0:0:0:ffff:1.2.3.4", V6({0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304})},
      {"1:2:3:4:5::1.2.3.4", V6({1, 2, 3, 4, 5, 0, 0x0102, 0x0304})},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    std::optional<IpAddress> got = ParseIp(c.text);
    REQUIRE(got.has_value());
    CHECK(got->v6 == c.want.v6);
    CHECK(got->bytes == c.want.bytes);
  }
}

TEST_CASE("ParseIp rejects invalid addresses", "[net][ip]") {
  const char* cases[] = {
      "",
      " ",
      "1.2.3",
      "1.2.3.4.5",
      "1.2.3.",
      ".1.2.3",
      "1..2.3",
      "256.0.0.1",
      "1.2.3.999",
      "1000.1.1.1",
      "010.0.0.1",  // leading zero
      "1.02.3.4",
      "00.1.1.1",
      "1.2.3.4 ",
      " 1.2.3.4",
      "+1.2.3.4",
      "1.2.3.-4",
      "0x1.2.3.4",
      "1.2.3.a",
      "localhost",
      "10",
      ":",
      ":::",
      "1:2:3:4:5:6:7",       // too few groups
      "1:2:3:4:5:6:7:8:9",   // too many
      "1:2:3:4:5:6:7:8::",   // `::` standing for nothing
      "::1:2:3:4:5:6:7:8",
      "1:2:3:4::5:6:7:8",
      "1::2::3",             // two `::`
      ":1::2",               // leading single colon
      "1::2:",               // trailing single colon
      "1:2:3:4:5:6:7:8:",
      "12345::",             // group too long
      "g::1",
      "::ffff:10.0.0.256",
      "::ffff:010.0.0.1",
      "::ffff:10.0.0",
      "::1.2.3.4:5",         // dotted quad not last
      "1:2:3:4:5:6:7:1.2.3.4",  // dotted quad past 16 bytes
      "1:2:3:4:5:6:1.2.3.4:8",
      "1:2:3:4:5:1.2.3.4",      // too short without `::`
      "fe80::1%eth0",        // zone id
      "[::1]",
      "::1 ",
      "1.2.3.4/8",
  };
  for (const char* text : cases) {
    CAPTURE(text);
    CHECK_FALSE(ParseIp(text).has_value());
  }
}

TEST_CASE("IsV4Mapped", "[net][ip]") {
  CHECK(IsV4Mapped(*ParseIp("::ffff:1.2.3.4")));
  CHECK(IsV4Mapped(*ParseIp("::ffff:0102:0304")));
  CHECK_FALSE(IsV4Mapped(*ParseIp("1.2.3.4")));
  CHECK_FALSE(IsV4Mapped(*ParseIp("::1.2.3.4")));
  CHECK_FALSE(IsV4Mapped(*ParseIp("1::ffff:1.2.3.4")));
}

// ---------------------------------------------------------------------------
// ParseCidr

TEST_CASE("ParseCidr parses and masks", "[net][cidr]") {
  struct Case {
    const char* text;
    IpAddress net;
    int prefix;
  };
  const Case cases[] = {
      {"10.0.0.0/8", V4(10, 0, 0, 0), 8},
      {"10.1.2.3/8", V4(10, 0, 0, 0), 8},  // host bits masked
      {"10.1.2.3", V4(10, 1, 2, 3), 32},   // bare address
      {"10.1.2.3/32", V4(10, 1, 2, 3), 32},
      {"0.0.0.0/0", V4(0, 0, 0, 0), 0},
      {"255.255.255.255/0", V4(0, 0, 0, 0), 0},
      {"192.168.255.255/17", V4(192, 168, 128, 0), 17},
      {"172.31.255.255/12", V4(172, 16, 0, 0), 12},
      {"1.2.3.255/31", V4(1, 2, 3, 254), 31},
      {"::/0", V6({0, 0, 0, 0, 0, 0, 0, 0}), 0},
      {"ffff::1/0", V6({0, 0, 0, 0, 0, 0, 0, 0}), 0},
      {"2001:db8::/32", V6({0x2001, 0xdb8, 0, 0, 0, 0, 0, 0}), 32},
      {"2001:db8:ffff::1/33", V6({0x2001, 0xdb8, 0x8000, 0, 0, 0, 0, 0}), 33},
      {"fd00::/8", V6({0xfd00, 0, 0, 0, 0, 0, 0, 0}), 8},
      {"fdff::/7", V6({0xfc00, 0, 0, 0, 0, 0, 0, 0}), 7},
      {"::1", V6({0, 0, 0, 0, 0, 0, 0, 1}), 128},
      {"::1/128", V6({0, 0, 0, 0, 0, 0, 0, 1}), 128},
      {"::ffff:10.9.8.7/104", V6({0, 0, 0, 0, 0, 0xffff, 0x0a00, 0}), 104},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    absl::StatusOr<Cidr> got = ParseCidr(c.text);
    REQUIRE(got.ok());
    CHECK(got->net.v6 == c.net.v6);
    CHECK(got->net.bytes == c.net.bytes);
    CHECK(got->prefix == c.prefix);
  }
}

TEST_CASE("ParseCidr errors", "[net][cidr]") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"10.0.0.0/33", "invalid CIDR `10.0.0.0/33`: prefix length must be 0..32"},
      {"10.0.0.0/-1", "invalid CIDR `10.0.0.0/-1`: prefix length must be 0..32"},
      {"10.0.0.0/08", "invalid CIDR `10.0.0.0/08`: prefix length must be 0..32"},
      {"10.0.0.0/8a", "invalid CIDR `10.0.0.0/8a`: prefix length must be 0..32"},
      {"10.0.0.0/ 8", "invalid CIDR `10.0.0.0/ 8`: prefix length must be 0..32"},
      {"10.0.0.0/1000", "invalid CIDR `10.0.0.0/1000`: prefix length must be 0..32"},
      {"10.0.0.0/99999999999999999999",
       "invalid CIDR `10.0.0.0/99999999999999999999`: prefix length must be 0..32"},
      {"10.0.0.0/8/8", "invalid CIDR `10.0.0.0/8/8`: prefix length must be 0..32"},
      {"10.0.0.0/",
       "invalid CIDR `10.0.0.0/`: missing prefix length (prefix length must be 0..32)"},
      {"::/129", "invalid CIDR `::/129`: prefix length must be 0..128"},
      {"::ffff:1.2.3.4/129", "invalid CIDR `::ffff:1.2.3.4/129`: prefix length must be 0..128"},
      {"10.0.0/8", "invalid CIDR `10.0.0/8`: `10.0.0` is not a valid IP address"},
      {"010.0.0.0/8", "invalid CIDR `010.0.0.0/8`: `010.0.0.0` is not a valid IP address"},
      {"/8", "invalid CIDR `/8`: `` is not a valid IP address"},
      {"", "invalid CIDR ``: `` is not a valid IP address"},
      {"fe80::1%eth0/64",
       "invalid CIDR `fe80::1%eth0/64`: `fe80::1%eth0` is not a valid IP address"},
      {"10.0.0.0 /8", "invalid CIDR `10.0.0.0 /8`: `10.0.0.0 ` is not a valid IP address"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    absl::StatusOr<Cidr> got = ParseCidr(c.text);
    REQUIRE_FALSE(got.ok());
    CHECK(got.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(got.status().message() == c.message);
  }
}

// ---------------------------------------------------------------------------
// CidrContains

TEST_CASE("CidrContains", "[net][cidr]") {
  struct Case {
    const char* cidr;
    const char* ip;
    bool want;
  };
  const Case cases[] = {
      // IPv4 basics and edges.
      {"10.0.0.0/8", "10.0.0.0", true},
      {"10.0.0.0/8", "10.255.255.255", true},
      {"10.0.0.0/8", "11.0.0.0", false},
      {"10.0.0.0/8", "9.255.255.255", false},
      {"10.1.2.3/8", "10.200.0.1", true},  // masked network
      {"192.168.1.0/25", "192.168.1.127", true},
      {"192.168.1.0/25", "192.168.1.128", false},
      {"172.16.0.0/12", "172.31.255.255", true},
      {"172.16.0.0/12", "172.32.0.0", false},
      {"0.0.0.0/0", "0.0.0.0", true},
      {"0.0.0.0/0", "255.255.255.255", true},
      {"0.0.0.0/0", "::1", false},  // IPv4 /0 holds no IPv6
      {"0.0.0.0/0", "2001:db8::1", false},
      {"10.1.2.3/32", "10.1.2.3", true},
      {"10.1.2.3/32", "10.1.2.4", false},
      {"10.1.2.3", "10.1.2.3", true},
      {"1.2.3.4/31", "1.2.3.5", true},
      {"1.2.3.4/31", "1.2.3.6", false},
      // IPv6 basics and edges.
      {"2001:db8::/32", "2001:db8::1", true},
      {"2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true},
      {"2001:db8::/32", "2001:db9::", false},
      {"2001:db8:8000::/33", "2001:db8:7fff::", false},
      {"2001:db8:8000::/33", "2001:db8:8000::", true},
      {"fd00::/8", "fd12:3456::1", true},
      {"fd00::/8", "fe00::1", false},
      {"::/0", "::", true},
      {"::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
      {"::/0", "10.0.0.1", false},  // IPv6 /0 holds no IPv4
      {"::1/128", "::1", true},
      {"::1/128", "::2", false},
      {"::1", "::1", true},
      {"::/127", "::1", true},
      {"::/128", "::1", false},
      {"2001:db8::/32", "32.1.13.184", false},  // same leading bytes, other family
      // IPv4-mapped IPv6 addresses count as IPv4 against IPv4 blocks...
      {"10.0.0.0/8", "::ffff:10.0.0.1", true},
      {"10.0.0.0/8", "::FFFF:10.255.0.1", true},
      {"10.0.0.0/8", "::ffff:11.0.0.1", false},
      {"0.0.0.0/0", "::ffff:1.2.3.4", true},
      {"1.2.3.4/32", "::ffff:1.2.3.4", true},
      {"1.2.3.4/32", "::ffff:0102:0304", true},
      {"10.0.0.0/8", "::10.0.0.1", false},       // IPv4-compatible is not mapped
      {"10.0.0.0/8", "1::ffff:10.0.0.1", false},
      {"10.0.0.0/8", "64:ff9b::10.0.0.1", false},
      // ...and as IPv6 against IPv6 blocks.
      {"::ffff:0:0/96", "::ffff:10.0.0.1", true},
      {"::/0", "::ffff:10.0.0.1", true},
      {"::ffff:10.0.0.0/104", "::ffff:10.1.1.1", true},
      {"::ffff:10.0.0.0/104", "::ffff:11.1.1.1", false},
      // A block inside the mapped space also holds the IPv4 addresses it maps.
      {"::ffff:10.0.0.0/104", "10.1.1.1", true},
      {"::ffff:10.0.0.0/104", "11.1.1.1", false},
      {"::ffff:0:0/96", "1.2.3.4", true},
      {"::ffff:1.2.3.4", "1.2.3.4", true},
      {"::ffff:0:0/95", "1.2.3.4", false},  // wider than the mapped space
      {"::/0", "1.2.3.4", false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.cidr, c.ip);
    absl::StatusOr<Cidr> cidr = ParseCidr(c.cidr);
    REQUIRE(cidr.ok());
    std::optional<IpAddress> ip = ParseIp(c.ip);
    REQUIRE(ip.has_value());
    CHECK(CidrContains(*cidr, *ip) == c.want);
  }
}

TEST_CASE("CidrContains at every IPv4 and IPv6 prefix length", "[net][cidr]") {
  // 10.255.255.255 is in 10.0.0.0/p for p <= 8 only; 11.0.0.0 never for p >= 8.
  IpAddress inside = *ParseIp("10.255.255.255");
  for (int p = 0; p <= 32; ++p) {
    CAPTURE(p);
    Cidr cidr = *ParseCidr("10.0.0.0/" + std::to_string(p));
    CHECK(CidrContains(cidr, inside) == (p <= 8));
    CHECK(CidrContains(cidr, *ParseIp("10.0.0.0")));
  }
  IpAddress all_ones = *ParseIp("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  for (int p = 0; p <= 128; ++p) {
    CAPTURE(p);
    Cidr cidr = *ParseCidr("::/" + std::to_string(p));
    CHECK(CidrContains(cidr, all_ones) == (p == 0));
    Cidr top = *ParseCidr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/" + std::to_string(p));
    CHECK(CidrContains(top, all_ones));
  }
}

// ---------------------------------------------------------------------------
// Globs

TEST_CASE("GlobMatch", "[net][glob]") {
  struct Case {
    const char* pattern;
    const char* text;
    bool want;
  };
  const Case cases[] = {
      // Literals, anchoring, case.
      {"", "", true},
      {"", "a", false},
      {"a", "", false},
      {"abc", "abc", true},
      {"abc", "abcd", false},
      {"abc", "xabc", false},
      {"abc", "ABC", false},
      // `*`
      {"*", "", true},
      {"*", "anything.at.all", true},
      {"*", "a/b", false},
      {"*.svc.cluster.local", "db.svc.cluster.local", true},
      {"*.svc.cluster.local", "a.b.svc.cluster.local", true},
      {"*.svc.cluster.local", ".svc.cluster.local", true},
      {"*.svc.cluster.local", "svc.cluster.local", false},
      {"*.svc.cluster.local", "db.svc.cluster.localx", false},
      {"a*", "a", true},
      {"a*b", "ab", true},
      {"a*b", "axxxb", true},
      {"a*b", "axxxbx", false},
      {"a*b*c", "abbbc", true},
      {"a*b*c", "acb", false},
      {"*a", "bbba", true},
      {"*a*", "bab", true},
      {"*a*", "bbb", false},
      {"tools/*", "tools/read", true},
      {"tools/*", "tools/fs/read", false},
      {"tools/*/read", "tools/fs/read", true},
      {"tools/*/read", "tools//read", true},
      {"tools/*/read", "tools/a/b/read", false},
      {"*/*", "a/b", true},
      {"*/*", "a/b/c", false},
      {"*/*", "/", true},
      // `**`
      {"**", "", true},
      {"**", "a/b/c", true},
      {"tools/**", "tools/fs/read", true},
      {"tools/**", "tools/", true},
      {"tools/**", "tools", false},
      {"**/read", "a/b/read", true},
      {"**/read", "read", false},
      {"a/**/b", "a/x/y/b", true},
      {"a/**/b", "a//b", true},
      {"a/**/b", "a/b", false},
      {"a**b", "a/x/b", true},
      {"***", "a/b", true},  // three stars are `**`
      {"**.example.com", "x/y.example.com", true},
      {"*/**", "a", false},
      {"*/**", "a/", true},
      // `?`
      {"?", "a", true},
      {"?", "", false},
      {"?", "ab", false},
      {"?", "/", false},
      {"a?c", "abc", true},
      {"a?c", "a/c", false},
      {"??", "ab", true},
      {"?", "\xc3\xa9", false},  // bytes, not code points
      {"??", "\xc3\xa9", true},
      // Classes.
      {"[abc]", "a", true},
      {"[abc]", "c", true},
      {"[abc]", "d", false},
      {"[abc]", "", false},
      {"[abc]", "ab", false},
      {"[a-z]", "m", true},
      {"[a-z]", "M", false},
      {"[a-z0-9]", "7", true},
      {"[a-z0-9]", "-", false},
      {"[!a-z]", "A", true},
      {"[!a-z]", "q", false},
      {"[^a-z]", "A", true},
      {"[^a-z]", "q", false},
      {"[!a-z]", "/", false},  // sets never match `/`
      {"[/]", "/", false},
      {"[!a]", "", false},
      {"[]]", "]", true},    // `]` first is literal
      {"[]a]", "a", true},
      {"[!]]", "]", false},
      {"[!]]", "a", true},
      {"[-a]", "-", true},   // `-` first or last is literal
      {"[a-]", "-", true},
      {"[a-]", "b", false},
      {"[\\]]", "]", true},  // escapes inside a set
      {"[\\-a]", "-", true},
      {"[a\\-z]", "b", false},
      {"[a\\-z]", "-", true},
      {"[\\!a]", "!", true},
      {"[a!]", "!", true},
      {"[*?]", "*", true},
      {"[*?]", "x", false},
      {"[a-a]", "a", true},
      {"v[0-9].[0-9]", "v1.2", true},
      {"v[0-9].[0-9]", "v1.x", false},
      {"[[]", "[", true},
      // Escapes.
      {"\\*", "*", true},
      {"\\*", "a", false},
      {"\\?", "?", true},
      {"\\?", "a", false},
      {"\\[a]", "[a]", true},
      {"\\\\", "\\", true},
      {"a\\bc", "abc", true},  // `\b` is just `b`
      {"\\**", "*abc", true},
      {"\\**", "abc", false},
      {"]", "]", true},       // `]` outside a set is literal
      {"a]b", "a]b", true},
      // Other bytes.
      {".", ".", true},
      {".", "a", false},
      {"a+b", "a+b", true},
      {"{a,b}", "{a,b}", true},  // no brace expansion
      {"{a,b}", "a", false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.pattern, c.text);
    REQUIRE(ValidateGlob(c.pattern).ok());
    CHECK(GlobMatch(c.pattern, c.text) == c.want);
  }
}

TEST_CASE("Glob matches text with NUL and high bytes", "[net][glob]") {
  using namespace std::string_literals;
  CHECK(GlobMatch("a?b"s, "a\0b"s));
  CHECK(GlobMatch("a*"s, "a\0\0\xff"s));
  CHECK(GlobMatch("a\0b"s, "a\0b"s));
  CHECK_FALSE(GlobMatch("a\0b"s, "a\0c"s));
  CHECK(GlobMatch("[\x80-\xff]", "\xc3"));
  CHECK_FALSE(GlobMatch("[\x80-\xff]", "a"));
}

TEST_CASE("ValidateGlob errors", "[net][glob]") {
  struct Case {
    const char* pattern;
    const char* message;
  };
  const Case cases[] = {
      {"[", "invalid glob `[`: unterminated `[` at offset 0"},
      {"abc[de", "invalid glob `abc[de`: unterminated `[` at offset 3"},
      {"[]", "invalid glob `[]`: unterminated `[` at offset 0"},
      {"[!]", "invalid glob `[!]`: unterminated `[` at offset 0"},
      {"[a-", "invalid glob `[a-`: unterminated `[` at offset 0"},
      {"a[\\]", "invalid glob `a[\\]`: unterminated `[` at offset 1"},
      {"\\", "invalid glob `\\`: trailing `\\`"},
      {"abc\\", "invalid glob `abc\\`: trailing `\\`"},
      {"[a\\", "invalid glob `[a\\`: trailing `\\`"},
      {"[a-\\", "invalid glob `[a-\\`: trailing `\\`"},
      {"[z-a]", "invalid glob `[z-a]`: range `z-a` is reversed"},
      {"x[9-0]y", "invalid glob `x[9-0]y`: range `9-0` is reversed"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.pattern);
    absl::Status status = ValidateGlob(c.pattern);
    REQUIRE_FALSE(status.ok());
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(status.message() == c.message);
    CHECK_FALSE(GlobMatch(c.pattern, c.pattern));  // an invalid pattern matches nothing
    CHECK_FALSE(GlobMatch(c.pattern, ""));
  }
}

TEST_CASE("Glob has no exponential backtracking", "[net][glob]") {
  const std::string text(10000, 'a');
  const std::string slashes = std::string(5000, 'a') + "/" + std::string(4999, 'a');
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(GlobMatch("*a*a*a*a*a*a*a*b", text));
  CHECK(GlobMatch("*a*a*a*a*a*a*a*a", text));
  CHECK_FALSE(GlobMatch("**a**a**a**a**a**a**a**b", text));
  CHECK_FALSE(GlobMatch("*a*a*a*a*a*a*a*a", slashes));  // `*` cannot cross the `/`
  CHECK(GlobMatch("*a*a*a/**a*a*a*a", slashes));
  CHECK_FALSE(GlobMatch("*?*?*?*?*?*?*?*?*?*?b", text));
  std::string many_stars;
  for (int k = 0; k < 200; ++k) many_stars += "*a";
  many_stars += "b";
  CHECK_FALSE(GlobMatch(many_stars, text));
  auto elapsed = std::chrono::steady_clock::now() - start;
  // Milliseconds in practice; seconds would mean backtracking (even under sanitizers).
  CHECK(elapsed < std::chrono::seconds(5));
}

// A deliberately naive, exponential reference matcher for a subset of the
// syntax (literals, `*`, `**`, `?`, `\c`, `[ab]`, `[!ab]`), written
// independently of the NFA.
bool ReferenceMatch(std::string_view p, std::string_view t) {
  if (p.empty()) return t.empty();
  if (p[0] == '*') {
    bool dbl = p.size() > 1 && p[1] == '*';
    std::string_view rest = p;
    while (!rest.empty() && rest[0] == '*') rest.remove_prefix(1);
    for (size_t k = 0; k <= t.size(); ++k) {
      if (ReferenceMatch(rest, t.substr(k))) return true;
      if (k < t.size() && t[k] == '/' && !dbl) return false;
    }
    return false;
  }
  if (t.empty()) return false;
  if (p[0] == '?') return t[0] != '/' && ReferenceMatch(p.substr(1), t.substr(1));
  if (p[0] == '\\') return p[1] == t[0] && ReferenceMatch(p.substr(2), t.substr(1));
  if (p[0] == '[') {
    size_t close = p.find(']', 2);
    bool negate = p[1] == '!';
    std::string_view set = p.substr(negate ? 2 : 1, close - (negate ? 2 : 1));
    bool in = set.find(t[0]) != std::string_view::npos;
    return t[0] != '/' && in != negate && ReferenceMatch(p.substr(close + 1), t.substr(1));
  }
  return p[0] == t[0] && ReferenceMatch(p.substr(1), t.substr(1));
}

TEST_CASE("GlobMatch agrees with a naive reference on random inputs", "[net][glob]") {
  std::mt19937 rng(20240611);
  const char* pieces[] = {"a", "b", "/", "*", "**", "?", "\\*", "[ab]", "[!a]", "[/]", "a", "/"};
  const char text_alphabet[] = "ab/*";
  int matches = 0;
  for (int it = 0; it < 20000; ++it) {
    std::string pattern;
    int np = static_cast<int>(rng() % 7);
    for (int k = 0; k < np; ++k) pattern += pieces[rng() % std::size(pieces)];
    std::string text;
    int nt = static_cast<int>(rng() % 9);
    for (int k = 0; k < nt; ++k) text += text_alphabet[rng() % 4];
    CAPTURE(pattern, text);
    REQUIRE(ValidateGlob(pattern).ok());
    bool want = ReferenceMatch(pattern, text);
    matches += want;
    REQUIRE(GlobMatch(pattern, text) == want);
  }
  CHECK(matches > 1000);  // the sample is not trivially all-false
}

TEST_CASE("glob with a constant pattern (prepared once) agrees with the reference and the built-in",
          "[net][glob][builtin]") {
  std::vector<Builtin> table;
  AddNetworkBuiltins(&table);
  const Builtin* glob = nullptr;
  for (const Builtin& b : table) {
    if (b.name == "glob") glob = &b;
  }
  REQUIRE(glob != nullptr);
  REQUIRE(glob->prepare != nullptr);
  std::mt19937 rng(20261127);
  // Literals, `lit*`, `*lit`, `lit*lit` and `**` take the simple path, the rest the compiled one.
  const char* pieces[] = {"a", "b", "/", "*", "**", "?", "\\*", "[ab]", "a", "b", "ab"};
  const char text_alphabet[] = "ab/*";
  for (int it = 0; it < 5000; ++it) {
    std::string pattern;
    int np = static_cast<int>(rng() % 5);
    for (int k = 0; k < np; ++k) pattern += pieces[rng() % std::size(pieces)];
    const Value constant = Value::String(pattern);
    std::unique_ptr<PreparedCall> prepared = glob->prepare(&constant, 1);
    REQUIRE(prepared != nullptr);
    for (int t = 0; t < 4; ++t) {
      std::string text;
      int nt = static_cast<int>(rng() % 7);
      for (int k = 0; k < nt; ++k) text += text_alphabet[rng() % 4];
      CAPTURE(pattern, text);
      const Value args[2] = {Value::String(text), constant};
      const Value got = prepared->Call(args, 2);
      REQUIRE(got.is_bool());
      REQUIRE(got.bool_value() == ReferenceMatch(pattern, text));
      REQUIRE(got.bool_value() == glob->fn(args, 2).bool_value());
    }
  }
  // An invalid constant pattern is not prepared: the call reports its error.
  const Value bad = Value::String("team-[ab");
  CHECK(glob->prepare(&bad, 1) == nullptr);
  // A receiver that is not a string gets the built-in's error.
  const Value pattern = Value::String("*.svc");
  std::unique_ptr<PreparedCall> prepared = glob->prepare(&pattern, 1);
  const Value args[2] = {Value::Int(1), pattern};
  const Value error = prepared->Call(args, 2);
  REQUIRE(error.is_error());
  CHECK(error.error_message() == glob->fn(args, 2).error_message());
}

TEST_CASE("Long patterns (64 tokens and more) match as short ones do", "[net][glob]") {
  // Up to 63 tokens the matcher keeps its states in bit masks; past that, in
  // vectors. Both must agree with the reference around the boundary.
  for (int n : {62, 63, 64, 65, 100}) {
    std::string pattern(static_cast<size_t>(n - 1), 'a');
    pattern += '*';
    const std::string text(static_cast<size_t>(n + 3), 'a');
    CAPTURE(n);
    absl::StatusOr<CompiledGlob> glob = CompiledGlob::Compile(pattern);
    REQUIRE(glob.ok());
    CHECK(glob->Matches(text) == ReferenceMatch(pattern, text));
    CHECK(glob->Matches(text));
    CHECK_FALSE(glob->Matches(text.substr(0, static_cast<size_t>(n - 2))));
    CHECK_FALSE(glob->Matches(text + "/"));
    const std::string qs = std::string(static_cast<size_t>(n), '?');
    CHECK(CompiledGlob::Compile(qs)->Matches(std::string(static_cast<size_t>(n), 'x')));
    CHECK_FALSE(CompiledGlob::Compile(qs)->Matches(std::string(static_cast<size_t>(n + 1), 'x')));
  }
}

TEST_CASE("MatchGlob: fast paths and cached patterns agree; invalid patterns are errors", "[net][glob]") {
  CHECK(*MatchGlob("kubectl.get", "kubectl.get"));
  CHECK_FALSE(*MatchGlob("kubectl.get", "kubectl.gets"));
  CHECK(*MatchGlob("kubectl.*", "kubectl.get"));
  CHECK_FALSE(*MatchGlob("kubectl.*", "kubectl/get"));
  CHECK(*MatchGlob("*.svc", "a.b.svc"));
  CHECK_FALSE(*MatchGlob("*.svc", "a/b.svc"));
  CHECK_FALSE(*MatchGlob("ab*ba", "aba"));  // prefix and suffix must not overlap
  CHECK(*MatchGlob("*", ""));
  CHECK_FALSE(*MatchGlob("*", "a/b"));
  CHECK(*MatchGlob("**", "a/b"));
  for (int i = 0; i < 3; ++i) {  // the second and third calls hit the cache
    CHECK(*MatchGlob("team-[ab]-*", "team-a-dev"));
    CHECK_FALSE(MatchGlob("team-[ab", "team-a").ok());
  }
  CHECK(MatchGlob("team-[ab", "x").status().message() == "invalid glob `team-[ab`: unterminated `[` at offset 5");
}

TEST_CASE("CompiledGlob can be reused", "[net][glob]") {
  absl::StatusOr<CompiledGlob> glob = CompiledGlob::Compile("*.example.[cn][oe]*");
  REQUIRE(glob.ok());
  CHECK(glob->Matches("www.example.com"));
  CHECK(glob->Matches("api.example.net"));
  CHECK(glob->Matches("a.b.example.com.au"));
  CHECK_FALSE(glob->Matches("www.example.org"));
  CHECK_FALSE(glob->Matches("x/www.example.com"));
  CHECK_FALSE(CompiledGlob::Compile("[").ok());
}

// ---------------------------------------------------------------------------
// The built-ins, through their table entries.

const Builtin& Find(const std::vector<Builtin>& table, const std::string& name) {
  for (const Builtin& b : table) {
    if (b.name == name) return b;
  }
  FAIL("no built-in " << name);
  return table.front();
}

Value Call(const Builtin& b, std::vector<Value> args) { return b.fn(args.data(), args.size()); }

Value Strings(std::initializer_list<const char*> items) {
  std::vector<Value> elems;
  for (const char* s : items) elems.push_back(Value::String(s));
  return Value::List(std::move(elems));
}

TEST_CASE("AddNetworkBuiltins appends in_cidr, cidr, isCIDR, isIP and glob", "[net][builtin]") {
  std::vector<Builtin> table;
  AddNetworkBuiltins(&table);
  REQUIRE(table.size() == 5);
  for (const char* name : {"cidr", "isCIDR", "isIP"}) {
    const Builtin& b = Find(table, name);
    CHECK(b.fn != nullptr);
    CHECK_FALSE(b.doc.empty());
    REQUIRE(b.overloads.size() == 1);
    CHECK_FALSE(b.overloads[0].receiver);
    CHECK(b.overloads[0].params == std::vector<Type>{Type::String()});
  }
  CHECK(Find(table, "cidr").overloads[0].result == Type::Message(&CidrMessageType()));
  CHECK(Find(table, "isIP").overloads[0].result == Type::Bool());
  const Builtin& in_cidr = Find(table, "in_cidr");
  const Builtin& glob = Find(table, "glob");
  REQUIRE(in_cidr.fn != nullptr);
  REQUIRE(glob.fn != nullptr);
  CHECK_FALSE(in_cidr.doc.empty());
  CHECK_FALSE(glob.doc.empty());

  REQUIRE(in_cidr.overloads.size() == 2);
  for (const Overload& o : in_cidr.overloads) {
    CHECK(o.receiver);
    REQUIRE(o.params.size() == 2);
    CHECK(o.params[0] == Type::String());
    CHECK(o.result == Type::Bool());
  }
  CHECK(in_cidr.overloads[0].params[1] == Type::String());
  CHECK(in_cidr.overloads[1].params[1] == Type::List(Type::String()));
  CHECK(in_cidr.overloads[0].id != in_cidr.overloads[1].id);

  REQUIRE(glob.overloads.size() == 1);
  CHECK(glob.overloads[0].receiver);
  CHECK(glob.overloads[0].params == std::vector<Type>{Type::String(), Type::String()});
  CHECK(glob.overloads[0].result == Type::Bool());

  // Appends, does not replace.
  AddNetworkBuiltins(&table);
  CHECK(table.size() == 10);
}

TEST_CASE("in_cidr built-in", "[net][builtin]") {
  std::vector<Builtin> table;
  AddNetworkBuiltins(&table);
  const Builtin& in_cidr = Find(table, "in_cidr");

  struct Case {
    const char* ip;
    Value cidrs;
    bool want;
  };
  const Case cases[] = {
      {"10.1.2.3", Value::String("10.0.0.0/8"), true},
      {"11.1.2.3", Value::String("10.0.0.0/8"), false},
      {"10.1.2.3", Value::String("10.1.2.3"), true},
      {"2001:db8::5", Value::String("2001:db8::/32"), true},
      {"::ffff:10.0.0.1", Value::String("10.0.0.0/8"), true},
      {"10.0.0.1", Value::String("::/0"), false},
      {"10.1.2.3", Strings({}), false},
      {"10.1.2.3", Strings({"192.168.0.0/16", "10.0.0.0/8"}), true},
      {"10.1.2.3", Strings({"192.168.0.0/16", "172.16.0.0/12"}), false},
      {"fd00::1", Strings({"10.0.0.0/8", "fd00::/8"}), true},
      {"fd00::1", Strings({"10.0.0.0/8", "0.0.0.0/0"}), false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.ip, c.cidrs.DebugString());
    Value got = Call(in_cidr, {Value::String(c.ip), c.cidrs});
    REQUIRE(got.is_bool());
    CHECK(got.bool_value() == c.want);
  }
}

TEST_CASE("in_cidr built-in errors", "[net][builtin]") {
  std::vector<Builtin> table;
  AddNetworkBuiltins(&table);
  const Builtin& in_cidr = Find(table, "in_cidr");

  struct Case {
    Value ip;
    Value cidrs;
    const char* message;
  };
  const Case cases[] = {
      {Value::String(""), Value::String("10.0.0.0/8"), "invalid IP address ``"},
      {Value::String("10.0.0.256"), Value::String("10.0.0.0/8"),
       "invalid IP address `10.0.0.256`"},
      {Value::String("010.0.0.1"), Value::String("10.0.0.0/8"), "invalid IP address `010.0.0.1`"},
      {Value::String("10.0.0.0/8"), Value::String("10.0.0.0/8"),
       "invalid IP address `10.0.0.0/8`"},
      {Value::String("fe80::1%eth0"), Value::String("fe80::/10"),
       "invalid IP address `fe80::1%eth0`"},
      // The receiver is checked before the CIDRs.
      {Value::String("nope"), Value::String("bad"), "invalid IP address `nope`"},
      {Value::String("nope"), Strings({}), "invalid IP address `nope`"},
      {Value::String("10.0.0.1"), Value::String("10.0.0.0/33"),
       "invalid CIDR `10.0.0.0/33`: prefix length must be 0..32"},
      {Value::String("10.0.0.1"), Value::String(""),
       "invalid CIDR ``: `` is not a valid IP address"},
      {Value::String("::1"), Value::String("::/200"),
       "invalid CIDR `::/200`: prefix length must be 0..128"},
      // An invalid block is an error even after a match.
      {Value::String("10.0.0.1"), Strings({"10.0.0.0/8", "10.0.0.0/40"}),
       "invalid CIDR `10.0.0.0/40`: prefix length must be 0..32"},
      {Value::String("10.0.0.1"), Strings({"x", "10.0.0.0/8"}),
       "invalid CIDR `x`: `x` is not a valid IP address"},
      {Value::String("10.0.0.1"), Value::List({Value::String("10.0.0.0/8"), Value::Int(1)}),
       "in_cidr: the list holds a int, not a CIDR string"},
      // Wrong kinds (possible through dyn).
      {Value::Int(1), Value::String("10.0.0.0/8"), "no such overload: in_cidr(int, string)"},
      {Value::String("10.0.0.1"), Value::Bool(true), "no such overload: in_cidr(string, bool)"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.ip.DebugString(), c.cidrs.DebugString());
    Value got = Call(in_cidr, {c.ip, c.cidrs});
    REQUIRE(got.is_error());
    CHECK(got.error_message() == c.message);
  }
}

TEST_CASE("glob built-in", "[net][builtin]") {
  std::vector<Builtin> table;
  AddNetworkBuiltins(&table);
  const Builtin& glob = Find(table, "glob");

  struct Case {
    const char* text;
    const char* pattern;
    bool want;
  };
  const Case cases[] = {
      {"db.svc.cluster.local", "*.svc.cluster.local", true},
      {"a.b.svc.cluster.local", "*.svc.cluster.local", true},
      {"fs/read", "fs/*", true},
      {"fs/dir/read", "fs/*", false},
      {"fs/dir/read", "fs/**", true},
      {"", "", true},
      {"", "*", true},
      {"x", "", false},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text, c.pattern);
    Value got = Call(glob, {Value::String(c.text), Value::String(c.pattern)});
    REQUIRE(got.is_bool());
    CHECK(got.bool_value() == c.want);
  }

  struct ErrorCase {
    Value text;
    Value pattern;
    const char* message;
  };
  const ErrorCase errors[] = {
      {Value::String("a"), Value::String("[a"), "invalid glob `[a`: unterminated `[` at offset 0"},
      {Value::String("a"), Value::String("a\\"), "invalid glob `a\\`: trailing `\\`"},
      {Value::String("a"), Value::String("[b-a]"), "invalid glob `[b-a]`: range `b-a` is reversed"},
      // An invalid pattern is an error even on text it could never match.
      {Value::String(""), Value::String("x["), "invalid glob `x[`: unterminated `[` at offset 1"},
      {Value::Int(1), Value::String("*"), "no such overload: glob(int, string)"},
      {Value::String("a"), Strings({"*"}), "no such overload: glob(string, list)"},
  };
  for (const ErrorCase& c : errors) {
    CAPTURE(c.text.DebugString(), c.pattern.DebugString());
    Value got = Call(glob, {c.text, c.pattern});
    REQUIRE(got.is_error());
    CHECK(got.error_message() == c.message);
  }
}

// ---------------------------------------------------------------------------
// FormatIp, CidrContainsCidr and the cidr built-ins.

TEST_CASE("FormatIp prints canonical text (RFC 5952)", "[net][ip]") {
  struct Case {
    const char* in;
    const char* want;
  };
  const Case cases[] = {
      {"0.0.0.0", "0.0.0.0"},
      {"10.20.30.40", "10.20.30.40"},
      {"255.255.255.255", "255.255.255.255"},
      {"::", "::"},
      {"::1", "::1"},
      {"1::", "1::"},
      {"2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
      // The longest run of zero groups is compressed; the first on a tie.
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
      {"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},
      // A single zero group is not compressed.
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
      {"1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"},
      {"0:1:2:3:4:5:6:7", "0:1:2:3:4:5:6:7"},
      {"1:2:3:4:5:6:0:0", "1:2:3:4:5:6::"},
      {"fe80::abcd:ef01", "fe80::abcd:ef01"},
      // IPv4-mapped addresses keep their dotted quad.
      {"::ffff:10.0.0.1", "::ffff:10.0.0.1"},
      {"::FFFF:a00:1", "::ffff:10.0.0.1"},
      // Other embedded forms are plain IPv6.
      {"::10.0.0.1", "::a00:1"},
      {"64:ff9b::10.0.0.1", "64:ff9b::a00:1"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.in);
    std::optional<IpAddress> ip = ParseIp(c.in);
    REQUIRE(ip.has_value());
    CHECK(FormatIp(*ip) == c.want);
  }
}

TEST_CASE("FormatIp round-trips through ParseIp", "[net][ip]") {
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    IpAddress ip;
    ip.v6 = (i % 2) == 1;
    const int n = ip.v6 ? 16 : 4;
    for (int k = 0; k < n; ++k) {
      // Many zero bytes, so zero runs of every length occur.
      ip.bytes[k] = (rng() % 3 == 0) ? static_cast<uint8_t>(rng()) : 0;
    }
    const std::string text = FormatIp(ip);
    CAPTURE(text);
    std::optional<IpAddress> back = ParseIp(text);
    REQUIRE(back.has_value());
    CHECK(*back == ip);
    CHECK(FormatIp(*back) == text);
  }
}

TEST_CASE("CidrContainsCidr: subnet containment", "[net][cidr]") {
  struct Case {
    const char* outer;
    const char* inner;
    bool want;
  };
  const Case cases[] = {
      {"10.0.0.0/8", "10.1.0.0/16", true},
      {"10.0.0.0/8", "10.0.0.0/8", true},       // a block contains itself
      {"10.0.0.0/8", "10.255.255.255/32", true},
      {"10.0.0.0/8", "10.0.0.0/7", false},      // wider
      {"10.0.0.0/8", "11.0.0.0/16", false},
      {"10.1.0.0/16", "10.0.0.0/8", false},
      {"0.0.0.0/0", "0.0.0.0/0", true},         // /0 edges
      {"0.0.0.0/0", "255.255.255.255/32", true},
      {"1.2.3.4/32", "1.2.3.4/32", true},       // /32 edges
      {"1.2.3.4/32", "1.2.3.5/32", false},
      {"1.2.3.4/32", "1.2.3.4/31", false},
      {"::/0", "2001:db8::/32", true},
      {"::/0", "::/0", true},
      {"2001:db8::/32", "2001:db8:ffff::/48", true},
      {"2001:db8::/32", "2001:db9::/48", false},
      {"2001:db8::1/128", "2001:db8::1/128", true},  // /128 edges
      {"2001:db8::1/128", "2001:db8::2/128", false},
      // IPv4 and its mapped space are one; other IPv6 blocks hold no IPv4.
      {"10.0.0.0/8", "::ffff:10.1.0.0/112", true},
      {"::ffff:10.0.0.0/104", "10.1.0.0/16", true},
      {"::ffff:0:0/96", "0.0.0.0/0", true},
      {"::ffff:10.0.0.0/104", "11.0.0.0/16", false},
      {"::/0", "10.0.0.0/8", false},
      {"::/0", "0.0.0.0/0", false},
      {"0.0.0.0/0", "::/0", false},
      {"0.0.0.0/0", "2001:db8::/32", false},
      {"0.0.0.0/0", "::ffff:0:0/96", true},
  };
  for (const Case& c : cases) {
    CAPTURE(c.outer, c.inner);
    absl::StatusOr<Cidr> outer = ParseCidr(c.outer);
    absl::StatusOr<Cidr> inner = ParseCidr(c.inner);
    REQUIRE(outer.ok());
    REQUIRE(inner.ok());
    CHECK(CidrContainsCidr(*outer, *inner) == c.want);
  }
}

TEST_CASE("cidr built-in makes net.CIDR values", "[net][builtin]") {
  std::vector<Builtin> table;
  AddNetworkBuiltins(&table);
  const Builtin& cidr = Find(table, "cidr");

  struct Case {
    const char* text;
    const char* ip;
    int64_t prefix;
  };
  const Case cases[] = {
      {"10.1.2.3/8", "10.0.0.0", 8},  // host bits cleared
      {"10.1.2.3", "10.1.2.3", 32},   // a bare address
      {"0.0.0.0/0", "0.0.0.0", 0},
      {"2001:DB8:0:0::1/32", "2001:db8::", 32},
      {"::1", "::1", 128},
      {"::/0", "::", 0},
      {"::ffff:10.9.8.7/104", "::ffff:10.0.0.0", 104},
  };
  for (const Case& c : cases) {
    CAPTURE(c.text);
    Value got = Call(cidr, {Value::String(c.text)});
    REQUIRE(IsCidrValue(got));
    const MessageData& m = got.message();
    CHECK(m.type->full_name == "net.CIDR");
    CHECK(m.fields[0].str() == c.ip);
    CHECK(m.fields[1].int_value() == c.prefix);
    CHECK(m.has(0));
    CHECK(m.has(1));
  }
  // Equal blocks, however written, are equal values.
  CHECK(Call(cidr, {Value::String("10.1.2.3/8")}).DebugString() ==
        Call(cidr, {Value::String("10.0.0.0/8")}).DebugString());
  CHECK_FALSE(IsCidrValue(Value::String("10.0.0.0/8")));

  struct ErrorCase {
    Value arg;
    const char* message;
  };
  const ErrorCase errors[] = {
      {Value::String("10.0.0.0/33"), "invalid CIDR `10.0.0.0/33`: prefix length must be 0..32"},
      {Value::String("::/129"), "invalid CIDR `::/129`: prefix length must be 0..128"},
      {Value::String(""), "invalid CIDR ``: `` is not a valid IP address"},
      {Value::String("10.0.0/8"), "invalid CIDR `10.0.0/8`: `10.0.0` is not a valid IP address"},
      {Value::Int(8), "no such overload: cidr(int)"},
  };
  for (const ErrorCase& c : errors) {
    CAPTURE(c.arg.DebugString());
    Value got = Call(cidr, {c.arg});
    REQUIRE(got.is_error());
    CHECK(got.error_message() == c.message);
  }
}

TEST_CASE("isCIDR and isIP test without failing", "[net][builtin]") {
  std::vector<Builtin> table;
  AddNetworkBuiltins(&table);
  const Builtin& is_cidr = Find(table, "isCIDR");
  const Builtin& is_ip = Find(table, "isIP");
  for (const char* good : {"10.0.0.0/8", "10.0.0.1", "::/0", "::ffff:1.2.3.4/120", "0.0.0.0/0", "::1/128"}) {
    CAPTURE(good);
    CHECK(Call(is_cidr, {Value::String(good)}).is_true());
  }
  for (const char* bad : {"10.0.0.0/33", "", "10.0.0.0/", "x", "::/129", "10.0.0.0/08", "fe80::1%eth0/64"}) {
    CAPTURE(bad);
    CHECK(Call(is_cidr, {Value::String(bad)}).is_false());
  }
  for (const char* good : {"10.0.0.1", "::", "::ffff:10.0.0.1", "2001:db8::1", "255.255.255.255"}) {
    CAPTURE(good);
    CHECK(Call(is_ip, {Value::String(good)}).is_true());
  }
  for (const char* bad : {"10.0.0.0/8", "", "256.0.0.1", "010.0.0.1", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0"}) {
    CAPTURE(bad);
    CHECK(Call(is_ip, {Value::String(bad)}).is_false());
  }
  CHECK(Call(is_ip, {Value::Int(1)}).is_error());
  CHECK(Call(is_cidr, {Value::Null()}).is_error());
}

TEST_CASE("c.contains(ip) and c.contains(cidr)", "[net][builtin]") {
  std::vector<Builtin> table;
  AddNetworkBuiltins(&table);
  const Builtin& cidr = Find(table, "cidr");
  auto block = [&](const char* text) {
    Value v = Call(cidr, {Value::String(text)});
    REQUIRE(IsCidrValue(v));
    return v;
  };
  auto contains = [](std::vector<Value> args) { return CidrContainsFn(args.data(), args.size()); };

  struct Case {
    const char* cidr;
    const char* ip;
    bool want;
  };
  const Case ips[] = {
      {"10.0.0.0/8", "10.1.2.3", true},
      {"10.0.0.0/8", "11.1.2.3", false},
      {"10.0.0.0/8", "::ffff:10.1.2.3", true},   // v4-mapped
      {"10.0.0.0/8", "::ffff:11.1.2.3", false},
      {"0.0.0.0/0", "203.0.113.9", true},
      {"0.0.0.0/0", "2001:db8::1", false},
      {"192.0.2.7/32", "192.0.2.7", true},
      {"192.0.2.7/32", "192.0.2.8", false},
      {"::/0", "2001:db8::1", true},
      {"::/0", "10.0.0.1", false},
      {"fd00::/8", "fdab::1", true},
      {"fd00::/8", "fe80::1", false},
      {"2001:db8::1/128", "2001:DB8::1", true},
      {"2001:db8::1/128", "2001:db8::2", false},
      {"::ffff:10.0.0.0/104", "10.200.0.1", true},
  };
  for (const Case& c : ips) {
    CAPTURE(c.cidr, c.ip);
    Value got = contains({block(c.cidr), Value::String(c.ip)});
    REQUIRE(got.is_bool());
    CHECK(got.bool_value() == c.want);
  }
  CHECK(contains({block("10.0.0.0/8"), block("10.1.0.0/16")}).is_true());
  CHECK(contains({block("10.1.0.0/16"), block("10.0.0.0/8")}).is_false());
  CHECK(contains({block("::/0"), block("10.0.0.0/8")}).is_false());

  struct ErrorCase {
    std::vector<Value> args;
    const char* message;
  };
  const Value default_cidr = Value::Message(&CidrMessageType(), {Value::String(""), Value::Int(0)}, 0);
  const ErrorCase errors[] = {
      {{block("10.0.0.0/8"), Value::String("10.0.0.0/8")},
       "invalid IP address `10.0.0.0/8` (for a block, write cidr(...))"},
      {{block("10.0.0.0/8"), Value::String("")}, "invalid IP address ``"},
      {{block("10.0.0.0/8"), Value::String("10.0.0.256")}, "invalid IP address `10.0.0.256`"},
      {{block("10.0.0.0/8"), Value::Int(1)}, "no such overload: contains(message, int)"},
      {{Value::String("10.0.0.0/8"), Value::String("10.0.0.1")}, "no such overload: contains(string, string)"},
      {{block("10.0.0.0/8")}, "no such overload: contains(message)"},
      {{default_cidr, Value::String("10.0.0.1")}, "contains(): malformed net.CIDR value"},
  };
  for (const ErrorCase& c : errors) {
    Value got = contains(c.args);
    REQUIRE(got.is_error());
    CHECK(got.error_message() == c.message);
  }
}

TEST_CASE("contains dispatches on its receiver: strings and CIDRs", "[net][builtin]") {
  const BuiltinTable& table = BuiltinTable::Get();
  const Builtin& contains = table.at(table.Find("contains"));
  REQUIRE(contains.overloads.size() == 3);
  CHECK(contains.overloads[1].params[0] == Type::Message(&CidrMessageType()));
  CHECK(Call(contains, {Value::String("10.0.0.0/8"), Value::String("0/8")}).is_true());  // substring
  const Value block = table.at(table.Find("cidr")).fn(std::vector<Value>{Value::String("10.0.0.0/8")}.data(), 1);
  CHECK(Call(contains, {block, Value::String("10.9.9.9")}).is_true());
  CHECK(Call(contains, {block, Value::String("0/8")}).is_error());
}

TEST_CASE("cidr values in expressions", "[net][builtin]") {
  auto eval = [](const char* expr) {
    absl::StatusOr<Value> v = EvaluateExpression(expr);
    INFO(expr << ": " << v.status());
    REQUIRE(v.ok());
    return *v;
  };
  CHECK(eval("cidr('10.0.0.0/8').contains('10.1.2.3')").is_true());
  CHECK(eval("cidr('10.0.0.0/8').contains(cidr('10.1.0.0/16'))").is_true());
  CHECK(eval("cidr('10.1.2.3/8') == cidr('10.0.0.0/8')").is_true());
  CHECK(eval("cidr('10.0.0.0/8') != cidr('10.0.0.0/9')").is_true());
  CHECK(eval("cidr('2001:DB8::/32').ip == '2001:db8::' && cidr('2001:db8::/32').prefix == 32").is_true());
  const Value type = eval("type(cidr('::/0'))");
  REQUIRE(type.is_type());
  CHECK(type.str() == "net.CIDR");
  CHECK(eval("isCIDR('10.0.0.0/8') && !isCIDR('10.0.0.0/33') && isIP('::1') && !isIP('::1/128')").is_true());
  CHECK(eval("dyn(cidr('10.0.0.0/8')).contains('10.0.0.1')").is_true());
  CHECK(eval("'abc'.contains('b')").is_true());
  // Literals are checked when compiled; values when evaluated.
  for (const char* bad : {"cidr('10.0.0.0/33')", "cidr('::/0').contains('1.2.3')", "cidr(1)",
                          "cidr('10.0.0.0/8').contains(1)"}) {
    CAPTURE(bad);
    CHECK_FALSE(EvaluateExpression(bad).ok());
  }
  Value err = eval("cidr(dyn('10.0.0.0/33')).contains('10.0.0.1')");
  REQUIRE(err.is_error());
  CHECK(err.error_message() == "invalid CIDR `10.0.0.0/33`: prefix length must be 0..32");
}

TEST_CASE("a policy with cidr literals compiles to a bundle", "[net][builtin]") {
  // cidr("...") is checked when compiled but not folded into a constant: a
  // net.CIDR value is a message, which a bundle does not hold.
  auto source = std::make_shared<SourceFile>("net.gavel", R"(package net
rule external {
  deny
  for step in plan.steps
  when step.network.ip != "" && !cidr("10.0.0.0/8").contains(step.network.ip)
  message "{step.id}"
}
)");
  Diagnostics diags;
  auto policy = CompilePolicy({source}, diags);
  INFO(diags.Format());
  REQUIRE(policy != nullptr);
  absl::StatusOr<std::string> bytes = WriteBundle(*policy);
  INFO(bytes.status());
  REQUIRE(bytes.ok());
  auto loaded = ReadBundle(*bytes, "net.bundle");
  REQUIRE(loaded.ok());
  absl::StatusOr<Plan> plan = DecodePlanYaml("steps: [{id: in, network: {ip: 10.1.1.1}}, {id: out, network: {ip: 8.8.8.8}}]");
  REQUIRE(plan.ok());
  const std::string want = Evaluate(*policy, *plan).ToJson("p");
  CHECK(Evaluate(**loaded, *plan).ToJson("p") == want);
  CHECK(want.find("\"step\": \"out\"") != std::string::npos);
  CHECK(want.find("\"step\": \"in\"") == std::string::npos);
}

}  // namespace
}  // namespace gavel
