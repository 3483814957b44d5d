// Names of AST enums.
#include "engine/ast.h"

namespace gavel {

const char* EffectName(Effect e) {
  switch (e) {
    case Effect::kDeny: return "deny";
    case Effect::kWarn: return "warn";
    case Effect::kRequireApproval: return "require_approval";
    case Effect::kPermit: return "permit";
  }
  return "?";
}

}  // namespace gavel
