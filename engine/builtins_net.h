// Network and pattern built-ins: `ip.in_cidr(cidr)`, `ip.in_cidr(cidrs)`,
// `cidr(s)`, `c.contains(ip | cidr)`, `isCIDR(s)`, `isIP(s)` and
// `s.glob(pattern)`, plus the pure helpers behind them (IP and CIDR parsing,
// containment, glob validation and matching), exposed so they can be unit
// tested and reused by a compile-time pass that pre-parses constant
// arguments. See builtins_net.cc for the exact semantics.
#ifndef GAVEL_ENGINE_BUILTINS_NET_H_
#define GAVEL_ENGINE_BUILTINS_NET_H_

#include <array>
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/builtins.h"

namespace gavel {

struct MessageType;  // schema.h

// Appends the `in_cidr`, `cidr`, `isCIDR`, `isIP` and `glob` entries to the
// built-in table. `c.contains(...)` on a CIDR shares the name `contains` with
// the string method: builtins.cc adds CidrContainsOverloads() to that entry
// and calls CidrContainsFn for a CIDR receiver.
void AddNetworkBuiltins(std::vector<Builtin>* table);

// ---------------------------------------------------------------------------
// IP addresses and CIDR blocks.

// An IPv4 address (v6 == false) lives in bytes[0..4), the rest zero; an IPv6
// address (v6 == true) uses all 16 bytes, in network order. An IPv4-mapped
// IPv6 address (`::ffff:10.0.0.1`) stays IPv6 as written; IsV4Mapped tells.
struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};

  bool operator==(const IpAddress&) const = default;
};

// IPv4: a strict dotted quad (four decimal octets 0..255, no leading zeros
// such as `010`, no other forms). IPv6: RFC 4291 text form, hex groups of 1..4
// digits in any case, at most one `::` (standing for at least one zero
// group), an optional trailing dotted quad (`::ffff:10.0.0.1`); no zone ids
// (`%eth0`), no brackets, no surrounding spaces. nullopt if invalid.
std::optional<IpAddress> ParseIp(std::string_view text);

// True for an IPv6 address in ::ffff:0:0/96.
bool IsV4Mapped(const IpAddress& ip);

struct Cidr {
  IpAddress net;  // host bits cleared
  int prefix = 0; // 0..32 for IPv4, 0..128 for IPv6
};

// `addr/prefix`, or a bare address meaning /32 or /128. Host bits may be set
// and are masked off (`10.1.2.3/8` is 10.0.0.0/8). The prefix is decimal
// without leading zeros. Errors (InvalidArgument) read like
// "invalid CIDR `10.0.0.0/33`: prefix length must be 0..32".
absl::StatusOr<Cidr> ParseCidr(std::string_view text);

// Whether `ip` is inside `cidr`. An IPv4 CIDR never contains a (non-mapped)
// IPv6 address and an IPv6 CIDR never contains an IPv4 address, except that
// the IPv4-mapped space ::ffff:0:0/96 is identified with IPv4:
//   - a mapped address `::ffff:a.b.c.d` is in an IPv4 CIDR iff a.b.c.d is;
//   - an IPv6 CIDR lying inside ::ffff:0:0/96 (`::ffff:10.0.0.0/104`)
//     contains the IPv4 addresses it maps (10.0.0.0/8 here);
//   - an IPv6 CIDR still contains the mapped addresses in its range, so
//     `::/0` contains `::ffff:10.0.0.1` (but not `10.0.0.1`).
bool CidrContains(const Cidr& cidr, const IpAddress& ip);

// A block as network and mask words in the 128-bit space (IPv4 as
// ::ffff:a.b.c.d), made once for a block tested against many addresses
// (a prepared in_cidr): containment, as CidrContains defines it, is two
// masked compares.
class WideBlock {
 public:
  explicit WideBlock(const Cidr& cidr);
  bool Contains(const IpAddress& ip) const;
  // The same for an address as two big-endian words of the 128-bit space
  // (IPv4 as ::ffff:a.b.c.d), and whether it was written as IPv6.
  bool ContainsWords(const uint64_t addr[2], bool v6) const;

 private:
  uint64_t net_[2] = {0, 0};
  uint64_t mask_[2] = {0, 0};
  bool holds_ipv4_ = true;  // false for an IPv6 block wider than the mapped space
};

// Whether every address of `inner` is in `outer` (same family rules as
// CidrContains: `10.0.0.0/8` contains `::ffff:10.1.0.0/112`, `::/0` contains
// no IPv4 block).
bool CidrContainsCidr(const Cidr& outer, const Cidr& inner);

// Canonical text: a dotted quad for IPv4; RFC 5952 for IPv6 (lower case, no
// leading zeros, the longest run of two or more zero groups as `::`), with
// IPv4-mapped addresses as `::ffff:a.b.c.d`.
std::string FormatIp(const IpAddress& ip);

// ---------------------------------------------------------------------------
// CIDR values.

// The type of `cidr(s)`: the message `net.CIDR`, with fields `ip` (string,
// the network address in canonical text, host bits cleared) and `prefix`
// (int). Equal blocks are equal values.
const MessageType& CidrMessageType();
Value CidrValue(const Cidr& cidr);
bool IsCidrValue(const Value& v);

// The receiver overloads `net.CIDR.contains(string)` (an IP address) and
// `net.CIDR.contains(net.CIDR)` (a subnet), and their implementation.
std::vector<Overload> CidrContainsOverloads();
Value CidrContainsFn(const Value* args, size_t argc);

// ---------------------------------------------------------------------------
// Globs.

// A parsed glob pattern, matched in O(|pattern| * |text|) time and
// O(|pattern|) space, with no backtracking.
class CompiledGlob {
 public:
  // The pattern syntax is documented at the top of builtins_net.cc. Errors
  // (InvalidArgument) read like "invalid glob `a[bc`: unterminated `[`".
  static absl::StatusOr<CompiledGlob> Compile(std::string_view pattern);

  bool Matches(std::string_view text) const;

 private:
  enum class Kind : uint8_t { kByte, kAnyByte, kClass, kStar, kDoubleStar };
  struct Token {
    Kind kind;
    uint8_t byte = 0;         // kByte
    int class_index = -1;     // kClass: index into classes_
  };
  std::vector<Token> tokens_;
  std::vector<std::bitset<256>> classes_;  // the bytes each class matches
};

// OK if `pattern` is a valid glob, else the InvalidArgument error above.
absl::Status ValidateGlob(std::string_view pattern);

// Whether `text` matches `pattern`, anchored at both ends. An invalid
// pattern matches nothing (call ValidateGlob or MatchGlob to tell).
bool GlobMatch(std::string_view pattern, std::string_view text);

// A pattern made ready to match many texts: literal, `prefix*`, `*suffix`,
// `prefix*suffix`, `*` and `**` patterns are classified once and match
// without compiling; the others are compiled once per thread and cached.
// Keeps views into the pattern, which must outlive it.
class GlobMatcher {
 public:
  GlobMatcher() = default;  // the empty pattern: matches ""
  explicit GlobMatcher(std::string_view pattern);
  // MatchGlob(pattern, text).
  absl::StatusOr<bool> Match(std::string_view text) const;
  // Matched without compiling (and so never an error).
  bool simple() const { return kind_ != Kind::kOther; }
  // Match() of a simple() pattern, without a status.
  bool MatchSimple(std::string_view text) const;

 private:
  enum class Kind : uint8_t { kLiteral, kStar, kAnything, kOther };
  Kind kind_ = Kind::kLiteral;
  std::string_view pattern_, prefix_, suffix_;  // prefix_ and suffix_: around kStar's star
};

// a == b for the short texts of plans and policies: most different ones
// differ in size or first byte, which are compared before calling memcmp.
inline bool SameText(std::string_view a, std::string_view b) {
  return a.size() == b.size() && (a.empty() || (a[0] == b[0] && a.compare(b) == 0));
}

// Whether `text` matches `pattern`, or the InvalidArgument error of an
// invalid pattern. The fast path of every glob in the engine: literal,
// `prefix*`, `*suffix`, `*` and `**` patterns match without compiling; the
// others are compiled once per thread and cached.
absl::StatusOr<bool> MatchGlob(std::string_view pattern, std::string_view text);

}  // namespace gavel

#endif  // GAVEL_ENGINE_BUILTINS_NET_H_
