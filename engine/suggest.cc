// See suggest.h.
#include "engine/suggest.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace gavel {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best;
  if (name.size() <= 2) return "";  // every short name is close to every other
  size_t best_d = name.size() <= 5 ? 1 : 2;
  for (const std::string& c : candidates) {
    if (c == name || c.empty() || c[0] == '_' || c[0] == '@' || c[0] == '!' || c[0] == '-') continue;
    size_t d = EditDistance(name, c);
    if (d <= best_d && (best.empty() || d < EditDistance(name, best))) best = c;
  }
  return best;
}

std::string DidYouMeanHint(std::string_view name, const std::vector<std::string>& candidates) {
  std::string hint = DidYouMean(name, candidates);
  return hint.empty() ? "" : absl::StrCat(" (did you mean `", hint, "`?)");
}

}  // namespace gavel
