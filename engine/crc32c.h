// CRC-32C (Castagnoli), the checksum of compiled bundles (bundle.h). Written
// here because Debian's Abseil may lack absl/crc. It detects every error
// burst of up to 32 bits, so any single corrupted byte.
#ifndef GAVEL_ENGINE_CRC32C_H_
#define GAVEL_ENGINE_CRC32C_H_

#include <cstdint>
#include <string_view>

namespace gavel {

// The CRC-32C of `data`; `crc` continues an earlier one (0 to start).
// Crc32c("123456789") == 0xE3069283.
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

}  // namespace gavel

#endif  // GAVEL_ENGINE_CRC32C_H_
