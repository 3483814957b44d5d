// `ip.in_cidr(cidr)`, `ip.in_cidr(cidrs)`, `cidr(s)` and its `contains`,
// `isCIDR(s)`, `isIP(s)`, and `s.glob(pattern)`.
//
// in_cidr
// -------
//   ip.in_cidr("10.0.0.0/8")                    string, string -> bool
//   ip.in_cidr(["10.0.0.0/8", "fd00::/8"])      string, list(string) -> bool
// True if the receiver IP address lies inside the CIDR block, or inside any
// block of the list (an empty list gives false). Address and CIDR syntax and
// the IPv4/IPv6 containment rules are in builtins_net.h (ParseIp, ParseCidr,
// CidrContains). An invalid receiver (including "") is the error
// "invalid IP address `x`"; an invalid CIDR, anywhere in the list (whether or
// not an earlier block matched, so a typo never hides behind a match), is
// the error "invalid CIDR `x`: ...". The receiver is checked first.
//
// cidr
// ----
//   cidr("10.0.0.0/8")                          string -> net.CIDR
//   cidr("10.0.0.0/8").contains("10.1.2.3")     net.CIDR, string -> bool
//   cidr("10.0.0.0/8").contains(cidr("10.1.0.0/16"))   net.CIDR, net.CIDR -> bool
//   isCIDR(s), isIP(s)                          string -> bool
// cidr(s) parses a block as in_cidr does (a bare address is a /32 or /128;
// host bits are cleared) into a `net.CIDR` message with fields `ip` (the
// network address, canonical text) and `prefix`, so a block is parsed once
// (a literal one at compile time) and equal blocks compare equal. contains
// takes an IP address (a string: "10.0.0.0/8" is not an address) or another
// block, contained when all its addresses are. Text that does not parse is
// the error of in_cidr; isCIDR and isIP test without failing.
//
// glob
// ----
//   s.glob("*.svc.cluster.local")               string, string -> bool
// True if the whole of s matches the pattern (anchored at both ends).
// Matching is on bytes and case-sensitive. In a pattern:
//   *        any run of bytes, possibly empty, without `/`
//            (`*.svc.cluster.local` matches `a.b.svc.cluster.local` too)
//   **       any run of bytes, possibly empty, `/` included; three or more
//            stars in a row are the same as `**`. `a/**/b` needs two
//            slashes: it matches `a/x/b` and `a//b` but not `a/b`.
//   ?        exactly one byte other than `/`
//   [abc]    one byte of the set; ranges `[a-z]`, negation `[!a-z]` (or
//            `[^a-z]`). `]` first in the set (after any `!`) is literal, as
//            is `-` first or last; `\` escapes inside a set too. A set never
//            matches `/`, even `[/]` or `[!a]`: write `/` literally.
//   \c       the byte c itself (`\*`, `\?`, `\[`, `\\`)
//   other    the byte itself (`]` outside a set included)
// The empty pattern matches only the empty string. An invalid pattern --
// an unterminated `[`, a trailing `\`, a reversed range `[z-a]` -- is the
// error "invalid glob `...`: ...". Matching simulates the pattern as an NFA
// over the text (O(|pattern| * |text|), no backtracking), so patterns like
// `*a*a*a*a*b` cannot blow up.
#include "engine/builtins_net.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/schema.h"

namespace gavel {
namespace {

// Debian's Abseil has its own absl::string_view, not std::string_view.
absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

}  // namespace

// ---------------------------------------------------------------------------
// IP addresses.

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A strict dotted quad into out[0..4).
bool ParseIpv4(std::string_view s, uint8_t* out) {
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (s.empty() || s[0] != '.') return false;
      s.remove_prefix(1);
    }
    size_t n = 0;
    while (n < s.size() && IsDigit(s[n])) ++n;
    if (n == 0 || n > 3) return false;
    if (n > 1 && s[0] == '0') return false;  // `010` might mean octal elsewhere
    int value = 0;
    for (size_t i = 0; i < n; ++i) value = value * 10 + (s[i] - '0');
    if (value > 255) return false;
    out[part] = static_cast<uint8_t>(value);
    s.remove_prefix(n);
  }
  return s.empty();
}

bool ParseIpv6(std::string_view s, std::array<uint8_t, 16>& out) {
  out.fill(0);
  int i = 0;          // bytes filled
  int ellipsis = -1;  // where `::` stands, in bytes
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    ellipsis = 0;
    s.remove_prefix(2);
    if (s.empty()) return true;  // "::"
  }
  while (i < 16) {
    size_t n = 0;
    while (n < s.size() && HexValue(s[n]) >= 0) ++n;
    if (n < s.size() && s[n] == '.') {
      // A trailing dotted quad: the last 4 bytes, or just before `::`'s zeros.
      if (ellipsis < 0 && i != 12) return false;
      if (i + 4 > 16) return false;
      if (!ParseIpv4(s, &out[i])) return false;
      i += 4;
      s = {};
      break;
    }
    if (n == 0 || n > 4) return false;
    int group = 0;
    for (size_t k = 0; k < n; ++k) group = group * 16 + HexValue(s[k]);
    out[i] = static_cast<uint8_t>(group >> 8);
    out[i + 1] = static_cast<uint8_t>(group & 0xff);
    i += 2;
    s.remove_prefix(n);
    if (s.empty()) break;
    if (s[0] != ':') return false;
    s.remove_prefix(1);
    if (s.empty()) return false;  // a single trailing `:`
    if (s[0] == ':') {
      if (ellipsis >= 0) return false;  // a second `::`
      ellipsis = i;
      s.remove_prefix(1);
      if (s.empty()) break;
    }
  }
  if (!s.empty()) return false;  // more than 8 groups
  if (i < 16) {
    if (ellipsis < 0) return false;  // too few groups
    int gap = 16 - i;
    for (int k = i - 1; k >= ellipsis; --k) {
      out[k + gap] = out[k];
      out[k] = 0;
    }
  } else if (ellipsis >= 0) {
    return false;  // `::` must stand for at least one group
  }
  return true;
}

}  // namespace

std::optional<IpAddress> ParseIp(std::string_view text) {
  IpAddress ip;
  // IPv4 first, the usual case: a dotted quad has no `:`, so text with
  // one fails it at once and goes on to IPv6.
  if (ParseIpv4(text, ip.bytes.data())) return ip;
  if (text.find(':') == std::string_view::npos) return std::nullopt;
  ip.v6 = true;
  if (!ParseIpv6(text, ip.bytes)) return std::nullopt;
  return ip;
}

bool IsV4Mapped(const IpAddress& ip) {
  if (!ip.v6) return false;
  for (int k = 0; k < 10; ++k) {
    if (ip.bytes[k] != 0) return false;
  }
  return ip.bytes[10] == 0xff && ip.bytes[11] == 0xff;
}

namespace {

// An address in the 128-bit space (IPv4 as ::ffff:a.b.c.d) as two
// big-endian words.
void ToWords(const IpAddress& ip, uint64_t words[2]) {
  if (!ip.v6) {  // ::ffff:a.b.c.d
    const auto& b = ip.bytes;
    words[0] = 0;
    words[1] = uint64_t{0xffff} << 32 | uint64_t{b[0]} << 24 | uint64_t{b[1]} << 16 | uint64_t{b[2]} << 8 | b[3];
    return;
  }
  const std::array<uint8_t, 16>& bytes = ip.bytes;
  for (int w = 0; w < 2; ++w) {
    uint64_t v = 0;
    for (int k = 0; k < 8; ++k) v = v << 8 | bytes[8 * w + k];
    words[w] = v;
  }
}

// Clears every bit past the first `bits`.
void MaskHostBits(uint8_t* bytes, int size, int bits) {
  for (int k = 0; k < size; ++k) {
    int keep = bits - 8 * k;
    if (keep >= 8) continue;
    bytes[k] = keep <= 0 ? 0 : static_cast<uint8_t>(bytes[k] & (0xff << (8 - keep)));
  }
}

absl::Status CidrError(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid CIDR `", Sv(text), "`: ", Sv(why)));
}

}  // namespace

absl::StatusOr<Cidr> ParseCidr(std::string_view text) {
  size_t slash = text.find('/');
  std::string_view addr = text.substr(0, slash);
  std::optional<IpAddress> ip = ParseIp(addr);
  if (!ip) return CidrError(text, absl::StrCat("`", Sv(addr), "` is not a valid IP address"));
  int max = ip->v6 ? 128 : 32;
  Cidr cidr;
  cidr.net = *ip;
  cidr.prefix = max;
  if (slash != std::string_view::npos) {
    std::string_view bits = text.substr(slash + 1);
    std::string range = absl::StrCat("prefix length must be 0..", max);
    if (bits.empty()) return CidrError(text, absl::StrCat("missing prefix length (", range, ")"));
    if (bits.size() > 3 || (bits.size() > 1 && bits[0] == '0')) return CidrError(text, range);
    int value = 0;
    for (char c : bits) {
      if (!IsDigit(c)) return CidrError(text, range);
      value = value * 10 + (c - '0');
    }
    if (value > max) return CidrError(text, range);
    cidr.prefix = value;
  }
  MaskHostBits(cidr.net.bytes.data(), ip->v6 ? 16 : 4, cidr.prefix);
  return cidr;
}

WideBlock::WideBlock(const Cidr& cidr) {
  // Work in the 128-bit space where IPv4 is ::ffff:0:0/96; then the only
  // cross-family case left to forbid is an IPv4 address against an IPv6
  // block that is wider than the mapped space (`::/0` holds no IPv4).
  const int prefix = cidr.net.v6 ? cidr.prefix : 96 + cidr.prefix;
  holds_ipv4_ = !cidr.net.v6 || prefix >= 96;
  for (int w = 0; w < 2; ++w) {
    const int bits = std::clamp(prefix - 64 * w, 0, 64);
    mask_[w] = bits == 0 ? 0 : ~uint64_t{0} << (64 - bits);
  }
  ToWords(cidr.net, net_);
  net_[0] &= mask_[0];
  net_[1] &= mask_[1];
}

bool WideBlock::Contains(const IpAddress& ip) const {
  uint64_t addr[2];
  ToWords(ip, addr);
  return ContainsWords(addr, ip.v6);
}

bool WideBlock::ContainsWords(const uint64_t addr[2], bool v6) const {
  if (!v6 && !holds_ipv4_) return false;
  return (addr[0] & mask_[0]) == net_[0] && (addr[1] & mask_[1]) == net_[1];
}

bool CidrContains(const Cidr& cidr, const IpAddress& ip) { return WideBlock(cidr).Contains(ip); }

bool CidrContainsCidr(const Cidr& outer, const Cidr& inner) {
  // Prefix lengths in the 128-bit space, where IPv4 is ::ffff:0:0/96.
  int outer_bits = outer.net.v6 ? outer.prefix : 96 + outer.prefix;
  int inner_bits = inner.net.v6 ? inner.prefix : 96 + inner.prefix;
  return inner_bits >= outer_bits && CidrContains(outer, inner.net);
}

std::string FormatIp(const IpAddress& ip) {
  const auto& b = ip.bytes;
  if (!ip.v6) return absl::StrCat(b[0], ".", b[1], ".", b[2], ".", b[3]);
  if (IsV4Mapped(ip)) return absl::StrCat("::ffff:", b[12], ".", b[13], ".", b[14], ".", b[15]);
  int groups[8];
  for (int g = 0; g < 8; ++g) groups[g] = b[2 * g] << 8 | b[2 * g + 1];
  // The first longest run of two or more zero groups becomes `::`.
  int best = -1, best_len = 1;
  for (int g = 0; g < 8;) {
    int len = 0;
    while (g + len < 8 && groups[g + len] == 0) ++len;
    if (len > best_len) {
      best = g;
      best_len = len;
    }
    g += len > 0 ? len : 1;
  }
  std::string out;
  for (int g = 0; g < 8; ++g) {
    if (g == best) {
      out += "::";
      g += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    absl::StrAppend(&out, absl::Hex(groups[g]));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Globs.

namespace {

absl::Status GlobError(std::string_view pattern, std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid glob `", Sv(pattern), "`: ", Sv(why)));
}

std::string ByteName(uint8_t c) {
  if (c >= 0x20 && c < 0x7f) return std::string(1, static_cast<char>(c));
  return absl::StrCat("\\x", absl::Hex(c, absl::kZeroPad2));
}

}  // namespace

absl::StatusOr<CompiledGlob> CompiledGlob::Compile(std::string_view pattern) {
  CompiledGlob glob;
  size_t i = 0;
  const size_t n = pattern.size();
  while (i < n) {
    char c = pattern[i];
    Token token{Kind::kByte};
    if (c == '*') {
      size_t run = 0;
      while (i < n && pattern[i] == '*') {
        ++i;
        ++run;
      }
      token.kind = run == 1 ? Kind::kStar : Kind::kDoubleStar;
      glob.tokens_.push_back(token);
      continue;
    }
    if (c == '?') {
      token.kind = Kind::kAnyByte;
      ++i;
    } else if (c == '\\') {
      if (i + 1 == n) return GlobError(pattern, "trailing `\\`");
      token.byte = static_cast<uint8_t>(pattern[i + 1]);
      i += 2;
    } else if (c == '[') {
      size_t start = i;
      ++i;
      bool negate = false;
      if (i < n && (pattern[i] == '!' || pattern[i] == '^')) {
        negate = true;
        ++i;
      }
      std::bitset<256> set;
      bool first = true;
      bool closed = false;
      while (i < n) {
        if (pattern[i] == ']' && !first) {
          closed = true;
          ++i;
          break;
        }
        first = false;
        // One element: a byte (maybe escaped), maybe the start of a range.
        uint8_t lo;
        if (pattern[i] == '\\') {
          if (i + 1 == n) return GlobError(pattern, "trailing `\\`");
          lo = static_cast<uint8_t>(pattern[i + 1]);
          i += 2;
        } else {
          lo = static_cast<uint8_t>(pattern[i]);
          ++i;
        }
        uint8_t hi = lo;
        // `-` makes a range unless it is last in the set (`[a-]`).
        if (i + 1 < n && pattern[i] == '-' && pattern[i + 1] != ']') {
          ++i;
          if (pattern[i] == '\\') {
            if (i + 1 == n) return GlobError(pattern, "trailing `\\`");
            hi = static_cast<uint8_t>(pattern[i + 1]);
            i += 2;
          } else {
            hi = static_cast<uint8_t>(pattern[i]);
            ++i;
          }
          if (hi < lo) {
            return GlobError(pattern, absl::StrCat("range `", ByteName(lo), "-", ByteName(hi),
                                                   "` is reversed"));
          }
        }
        for (int b = lo; b <= hi; ++b) set.set(b);
      }
      if (!closed) {
        return GlobError(pattern, absl::StrCat("unterminated `[` at offset ", start));
      }
      if (negate) set.flip();
      set.reset('/');
      token.kind = Kind::kClass;
      token.class_index = static_cast<int>(glob.classes_.size());
      glob.classes_.push_back(set);
    } else {
      token.byte = static_cast<uint8_t>(c);
      ++i;
    }
    glob.tokens_.push_back(token);
  }
  return glob;
}

bool CompiledGlob::Matches(std::string_view text) const {
  // at[k]: the first k tokens match the text consumed so far. Stars are
  // epsilon-closed as we sweep k upward. Up to 63 tokens the two state
  // vectors are bit masks (no allocation); longer patterns use vectors.
  const size_t m = tokens_.size();
  if (m < 64) {
    uint64_t at = 1;
    for (size_t k = 0; k < m; ++k) {
      const Kind kind = tokens_[k].kind;
      if ((at >> k & 1) && (kind == Kind::kStar || kind == Kind::kDoubleStar)) at |= uint64_t{1} << (k + 1);
    }
    for (char ch : text) {
      const uint8_t c = static_cast<uint8_t>(ch);
      uint64_t next = 0;
      for (size_t k = 0; k < m; ++k) {
        const Token& t = tokens_[k];
        const bool here = at >> k & 1;
        bool v = false;
        switch (t.kind) {
          case Kind::kByte: v = here && c == t.byte; break;
          case Kind::kAnyByte: v = here && c != '/'; break;
          case Kind::kClass: v = here && classes_[t.class_index].test(c); break;
          case Kind::kStar: v = (next >> k & 1) || ((at >> (k + 1) & 1) && c != '/'); break;
          case Kind::kDoubleStar: v = (next >> k & 1) || (at >> (k + 1) & 1); break;
        }
        if (v) next |= uint64_t{1} << (k + 1);
      }
      if (next == 0) return false;
      at = next;
    }
    return (at >> m & 1) != 0;
  }
  std::vector<uint8_t> at(m + 1, 0), next(m + 1, 0);
  at[0] = 1;
  for (size_t k = 0; k < m; ++k) {
    Kind kind = tokens_[k].kind;
    at[k + 1] = at[k] && (kind == Kind::kStar || kind == Kind::kDoubleStar);
  }
  for (char ch : text) {
    const uint8_t c = static_cast<uint8_t>(ch);
    bool any = false;
    next[0] = 0;
    for (size_t k = 0; k < m; ++k) {
      const Token& t = tokens_[k];
      bool v = false;
      switch (t.kind) {
        case Kind::kByte: v = at[k] && c == t.byte; break;
        case Kind::kAnyByte: v = at[k] && c != '/'; break;
        case Kind::kClass: v = at[k] && classes_[t.class_index].test(c); break;
        case Kind::kStar: v = next[k] || (at[k + 1] && c != '/'); break;
        case Kind::kDoubleStar: v = next[k] || at[k + 1]; break;
      }
      next[k + 1] = v;
      any = any || v;
    }
    if (!any) return false;
    at.swap(next);
  }
  return at[m] != 0;
}

absl::Status ValidateGlob(std::string_view pattern) {
  return CompiledGlob::Compile(pattern).status();
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  absl::StatusOr<bool> matched = MatchGlob(pattern, text);
  return matched.ok() && *matched;
}

namespace {

bool IsGlobSpecial(char c) { return c == '*' || c == '?' || c == '[' || c == '\\'; }

// Compiled globs by pattern, per thread (no locks on the evaluation path).
// Bounded: cleared when full, so hostile plans cannot grow it without limit.
class GlobCache {
 public:
  const absl::StatusOr<CompiledGlob>& Get(std::string_view pattern) {
    // Debian's Abseil hashes absl::string_view, not std::string_view.
    auto it = cache_.find(absl::string_view(pattern.data(), pattern.size()));
    if (it != cache_.end()) return it->second;
    if (cache_.size() >= kMaxEntries) cache_.clear();
    return cache_.emplace(std::string(pattern), CompiledGlob::Compile(pattern)).first->second;
  }

 private:
  static constexpr size_t kMaxEntries = 1024;
  absl::flat_hash_map<std::string, absl::StatusOr<CompiledGlob>> cache_;
};

// The compiled form of a pattern that is not simple, cached per thread.
absl::StatusOr<bool> MatchCompiled(std::string_view pattern, std::string_view text) {
  thread_local GlobCache cache;
  const absl::StatusOr<CompiledGlob>& glob = cache.Get(pattern);
  if (!glob.ok()) return glob.status();
  return glob->Matches(text);
}

}  // namespace

GlobMatcher::GlobMatcher(std::string_view pattern) : pattern_(pattern) {
  size_t special = 0, first = std::string_view::npos;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (IsGlobSpecial(pattern[i])) {
      if (++special > 1) break;
      first = i;
    }
  }
  if (special == 0) {
    kind_ = Kind::kLiteral;
  } else if (special == 2 && pattern == "**") {
    kind_ = Kind::kAnything;
  } else if (special == 1 && pattern[first] == '*') {
    kind_ = Kind::kStar;
    prefix_ = pattern.substr(0, first);
    suffix_ = pattern.substr(first + 1);
  } else {
    kind_ = Kind::kOther;
  }
}

absl::StatusOr<bool> GlobMatcher::Match(std::string_view text) const {
  if (kind_ == Kind::kOther) return MatchCompiled(pattern_, text);
  return MatchSimple(text);
}

bool GlobMatcher::MatchSimple(std::string_view text) const {
  switch (kind_) {
    case Kind::kLiteral: return SameText(pattern_, text);
    case Kind::kAnything: return true;
    case Kind::kOther: return false;  // not simple: Match() compiles it
    case Kind::kStar: break;
  }
  if (text.size() < prefix_.size() + suffix_.size() || !SameText(text.substr(0, prefix_.size()), prefix_) ||
      !SameText(text.substr(text.size() - suffix_.size()), suffix_)) {
    return false;
  }
  // The star's part must not cross a `/`.
  return text.substr(prefix_.size(), text.size() - prefix_.size() - suffix_.size()).find('/') ==
         std::string_view::npos;
}

absl::StatusOr<bool> MatchGlob(std::string_view pattern, std::string_view text) {
  return GlobMatcher(pattern).Match(text);
}

// ---------------------------------------------------------------------------
// The built-ins.

namespace {

// "no such overload: in_cidr(int, string)", as operators.h's NoSuchOverload
// prints it (not called, so this file does not depend on operators.cc).
Value NoOverload(std::string_view function, const Value* args, size_t argc) {
  std::string message = absl::StrCat("no such overload: ", Sv(function), "(");
  for (size_t k = 0; k < argc; ++k) {
    absl::StrAppend(&message, k > 0 ? ", " : "", KindName(args[k].kind()));
  }
  absl::StrAppend(&message, ")");
  return Value::Error(std::move(message));
}

Value InCidr(const Value* args, size_t argc) {
  if (argc != 2 || !args[0].is_string() || !(args[1].is_string() || args[1].is_list())) {
    return NoOverload("in_cidr", args, argc);
  }
  const std::string& text = args[0].str();
  std::optional<IpAddress> ip = ParseIp(text);
  if (!ip) return Value::Error(absl::StrCat("invalid IP address `", text, "`"));
  if (args[1].is_string()) {
    absl::StatusOr<Cidr> cidr = ParseCidr(args[1].str());
    if (!cidr.ok()) return Value::Error(std::string(cidr.status().message()));
    return Value::Bool(CidrContains(*cidr, *ip));
  }
  bool found = false;
  for (const Value& elem : args[1].list().elems) {
    if (!elem.is_string()) {
      return Value::Error(absl::StrCat("in_cidr: the list holds a ", KindName(elem.kind()),
                                       ", not a CIDR string"));
    }
    absl::StatusOr<Cidr> cidr = ParseCidr(elem.str());
    if (!cidr.ok()) return Value::Error(std::string(cidr.status().message()));
    found = found || CidrContains(*cidr, *ip);
  }
  return Value::Bool(found);
}

// Addresses parsed from text, per thread, by where the text is: the
// egress rules of a policy each ask about the same step's address, so
// most calls find it parsed. An entry serves only the same text (compared:
// a string freed since may have left another at that address).
class IpMemo {
 public:
  struct Parsed {
    bool ok = false;
    bool v6 = false;
    uint64_t words[2] = {0, 0};  // ToWords
  };
  const Parsed& Parse(std::string_view text) {
    if (text.size() > kMaxText) return Fill(&spare_, text);
    const auto at = reinterpret_cast<uintptr_t>(text.data());
    Entry& e = entries_[((at >> 4) ^ (at >> 10)) % kEntries];
    if (e.data == text.data() && e.size == text.size() && std::memcmp(e.text, text.data(), text.size()) == 0) {
      return e.parsed;
    }
    e.data = text.data();
    e.size = text.size();
    std::memcpy(e.text, text.data(), text.size());
    return Fill(&e.parsed, text);
  }

 private:
  static constexpr size_t kMaxText = 48;  // the longest address text is 45 (`ffff:...:255.255.255.255`)
  static constexpr size_t kEntries = 64;
  struct Entry {
    const char* data = nullptr;
    size_t size = 0;
    char text[kMaxText];
    Parsed parsed;
  };
  static const Parsed& Fill(Parsed* out, std::string_view text) {
    std::optional<IpAddress> ip = ParseIp(text);
    out->ok = ip.has_value();
    if (ip) {
      out->v6 = ip->v6;
      ToWords(*ip, out->words);
    }
    return *out;
  }
  Entry entries_[kEntries];
  Parsed spare_;
};

// ip.in_cidr(constant blocks): the blocks parsed once.
class PreparedInCidr final : public PreparedCall {
 public:
  static std::unique_ptr<PreparedCall> Make(const Value* constants, size_t n) {
    if (n != 1) return nullptr;
    auto prepared = std::make_unique<PreparedInCidr>();
    const Value& blocks = constants[0];
    auto add = [&](const Value& v) {
      if (!v.is_string()) return false;
      absl::StatusOr<Cidr> cidr = ParseCidr(v.str());
      if (!cidr.ok()) return false;
      prepared->blocks_.emplace_back(*cidr);
      return true;
    };
    if (blocks.is_string()) {
      if (!add(blocks)) return nullptr;
    } else if (blocks.is_list()) {
      for (const Value& v : blocks.list().elems) {
        if (!add(v)) return nullptr;
      }
    } else {
      return nullptr;
    }
    return prepared;
  }
  Value Call(const Value* args, size_t argc) const override {
    const int result = argc == 2 && args[0].is_string() ? TestString(args[0].str()) : -1;
    return result < 0 ? InCidr(args, argc) : Value::Bool(result == 1);  // InCidr: its error
  }
  bool TestsStrings() const override { return true; }
  int TestString(std::string_view text) const override {
    thread_local IpMemo memo;
    const IpMemo::Parsed& ip = memo.Parse(text);
    if (!ip.ok) return -1;  // Call reports the error
    for (const WideBlock& block : blocks_) {
      if (block.ContainsWords(ip.words, ip.v6)) return 1;
    }
    return 0;
  }

 private:
  std::vector<WideBlock> blocks_;
};

// The IP address string `v` holds, or nullopt with an error value in *error.
std::optional<IpAddress> IpArgument(const Value& v, Value* error) {
  std::optional<IpAddress> ip = ParseIp(v.str());
  if (!ip) {
    const bool block = v.str().find('/') != std::string::npos;
    *error = Value::Error(absl::StrCat("invalid IP address `", v.str(), "`",
                                       block ? " (for a block, write cidr(...))" : ""));
  }
  return ip;
}

// The block a net.CIDR value holds (made by CidrValue, so it parses).
std::optional<Cidr> CidrOf(const Value& v) {
  if (!IsCidrValue(v)) return std::nullopt;
  const MessageData& m = v.message();
  if (m.fields.size() != 2 || !m.fields[0].is_string() || !m.fields[1].is_int()) return std::nullopt;
  std::optional<IpAddress> ip = ParseIp(m.fields[0].str());
  const int64_t prefix = m.fields[1].int_value();
  if (!ip || prefix < 0 || prefix > (ip->v6 ? 128 : 32)) return std::nullopt;
  return Cidr{*ip, static_cast<int>(prefix)};
}

Value MakeCidr(const Value* args, size_t argc) {
  if (argc != 1 || !args[0].is_string()) return NoOverload("cidr", args, argc);
  absl::StatusOr<Cidr> cidr = ParseCidr(args[0].str());
  if (!cidr.ok()) return Value::Error(std::string(cidr.status().message()));
  return CidrValue(*cidr);
}

Value IsCidrText(const Value* args, size_t argc) {
  if (argc != 1 || !args[0].is_string()) return NoOverload("isCIDR", args, argc);
  return Value::Bool(ParseCidr(args[0].str()).ok());
}

Value IsIpText(const Value* args, size_t argc) {
  if (argc != 1 || !args[0].is_string()) return NoOverload("isIP", args, argc);
  return Value::Bool(ParseIp(args[0].str()).has_value());
}

Value Glob(const Value* args, size_t argc) {
  if (argc != 2 || !args[0].is_string() || !args[1].is_string()) {
    return NoOverload("glob", args, argc);
  }
  absl::StatusOr<bool> matched = MatchGlob(args[1].str(), args[0].str());
  if (!matched.ok()) return Value::Error(std::string(matched.status().message()));
  return Value::Bool(*matched);
}

// s.glob(constant pattern): the pattern classified, or compiled, once.
class PreparedGlob final : public PreparedCall {
 public:
  static std::unique_ptr<PreparedCall> Make(const Value* constants, size_t n) {
    if (n != 1 || !constants[0].is_string()) return nullptr;
    auto prepared = std::make_unique<PreparedGlob>();
    prepared->pattern_ = constants[0].str();
    prepared->matcher_ = GlobMatcher(prepared->pattern_);  // views into pattern_, which never moves again
    if (prepared->matcher_.simple()) return prepared;
    absl::StatusOr<CompiledGlob> compiled = CompiledGlob::Compile(prepared->pattern_);
    if (!compiled.ok()) return nullptr;  // the call reports the error
    prepared->compiled_ = *std::move(compiled);
    return prepared;
  }
  Value Call(const Value* args, size_t argc) const override {
    if (argc != 2 || !args[0].is_string() || !args[1].is_string()) return Glob(args, argc);  // its error
    return Value::Bool(TestString(args[0].str()) == 1);
  }
  bool TestsStrings() const override { return true; }
  int TestString(std::string_view text) const override {
    return compiled_ ? compiled_->Matches(text) : *matcher_.Match(text);
  }

 private:
  std::string pattern_;
  GlobMatcher matcher_;
  std::optional<CompiledGlob> compiled_;  // for a pattern that is not simple
};

}  // namespace

const MessageType& CidrMessageType() {
  static const MessageType* type = [] {
    auto* t = new MessageType;
    t->name = "CIDR";
    t->full_name = "net.CIDR";
    t->fields = {FieldDesc{"ip", 0, Type::String(), "the network address, host bits cleared"},
                 FieldDesc{"prefix", 1, Type::Int(), "the prefix length"}};
    return t;
  }();
  return *type;
}

Value CidrValue(const Cidr& cidr) {
  return Value::Message(&CidrMessageType(), {Value::String(FormatIp(cidr.net)), Value::Int(cidr.prefix)}, 0b11);
}

bool IsCidrValue(const Value& v) { return v.is_message() && v.message().type == &CidrMessageType(); }

std::vector<Overload> CidrContainsOverloads() {
  const Type cidr = Type::Message(&CidrMessageType());
  return {Overload{"cidr_contains_ip", true, {cidr, Type::String()}, Type::Bool()},
          Overload{"cidr_contains_cidr", true, {cidr, cidr}, Type::Bool()}};
}

Value CidrContainsFn(const Value* args, size_t argc) {
  if (argc != 2 || !IsCidrValue(args[0]) || !(args[1].is_string() || IsCidrValue(args[1]))) {
    return NoOverload("contains", args, argc);
  }
  // Only cidr() makes these values; a malformed one (a default message) is
  // an error all the same.
  const Value malformed = Value::Error("contains(): malformed net.CIDR value");
  std::optional<Cidr> outer = CidrOf(args[0]);
  if (!outer) return malformed;
  if (args[1].is_string()) {
    Value error;
    std::optional<IpAddress> ip = IpArgument(args[1], &error);
    if (!ip) return error;
    return Value::Bool(CidrContains(*outer, *ip));
  }
  std::optional<Cidr> inner = CidrOf(args[1]);
  if (!inner) return malformed;
  return Value::Bool(CidrContainsCidr(*outer, *inner));
}

void AddNetworkBuiltins(std::vector<Builtin>* table) {
  const Type cidr = Type::Message(&CidrMessageType());
  table->push_back(Builtin{
      "cidr",
      {Overload{"string_to_cidr", false, {Type::String()}, cidr}},
      &MakeCidr,
      "cidr(s): the IPv4 or IPv6 block s as a net.CIDR (fields ip and prefix), for c.contains(ip) and "
      "c.contains(cidr2), e.g. cidr(\"10.0.0.0/8\").contains(\"10.1.2.3\")",
  });
  table->push_back(Builtin{
      "isCIDR",
      {Overload{"is_cidr_string", false, {Type::String()}, Type::Bool()}},
      &IsCidrText,
      "isCIDR(s): whether s is an IPv4 or IPv6 block that cidr(s) accepts",
  });
  table->push_back(Builtin{
      "isIP",
      {Overload{"is_ip_string", false, {Type::String()}, Type::Bool()}},
      &IsIpText,
      "isIP(s): whether s is an IPv4 or IPv6 address",
  });
  table->push_back(Builtin{
      "in_cidr",
      {
          Overload{"string_in_cidr_string", true, {Type::String(), Type::String()}, Type::Bool()},
          Overload{"string_in_cidr_list",
                   true,
                   {Type::String(), Type::List(Type::String())},
                   Type::Bool()},
      },
      &InCidr,
      "ip.in_cidr(cidr) / ip.in_cidr(cidrs): whether the IPv4 or IPv6 address ip is in the "
      "CIDR block (or in any block of the list), e.g. \"10.1.2.3\".in_cidr(\"10.0.0.0/8\")",
      &PreparedInCidr::Make,
  });
  table->push_back(Builtin{
      "glob",
      {
          Overload{"string_glob_string", true, {Type::String(), Type::String()}, Type::Bool()},
      },
      &Glob,
      "s.glob(pattern): whether all of s matches the glob: `*` (no `/`), `**` (any), `?`, "
      "`[a-z]`, `[!a-z]`, `\\` escapes; case-sensitive",
      &PreparedGlob::Make,
  });
}

}  // namespace gavel
