/*
** lint.c: `gavel lint` in C, over the C API (include/gavel/gavel.h).
**
**   lint POLICY_PATH PLAN_FILE...
**
** Compiles the policies at POLICY_PATH (a .gavel file or a directory), then
** prints one line per plan: its verdict and each violation. Exit code as the
** CLI's: 0 all allowed, 1 some denied, 2 some need approval, 3 invalid input.
*/
#include <stdio.h>

#include <gavel/gavel.h>

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s POLICY_PATH PLAN_FILE...\n", argv[0]);
    return 3;
  }
  printf("gavel %s\n", gavel_version());

  const char *paths[1] = {argv[1]};
  gavel_policy *policy;
  gavel_error *err;
  if (gavel_policy_compile_paths(paths, 1, &policy, &err) != GAVEL_OK) {
    fprintf(stderr, "%s", gavel_error_message(err));
    gavel_error_free(err);
    return 3;
  }

  int denied = 0, approval = 0, invalid = 0;
  for (int i = 2; i < argc; i++) {
    gavel_decision *d;
    if (gavel_evaluate_file(policy, argv[i], &d, &err) != GAVEL_OK) {
      fprintf(stderr, "%s", gavel_error_message(err));
      gavel_error_free(err);
      invalid = 1;
    }
    if (d == NULL) continue;
    int verdict = gavel_decision_verdict(d);
    denied |= verdict == GAVEL_DENY;
    approval |= verdict == GAVEL_NEEDS_APPROVAL;
    printf("%s: %s\n", argv[i], gavel_verdict_name(verdict));
    for (size_t j = 0; j < gavel_decision_count(d, GAVEL_VIOLATIONS); j++) {
      const gavel_finding *v = gavel_decision_finding(d, GAVEL_VIOLATIONS, j);
      const char *step = gavel_finding_step(v);
      printf("  %s %s (%s) %s: %s\n", gavel_finding_effect_name(v), gavel_finding_rule(v),
             gavel_finding_severity(v), step ? step : "plan", gavel_finding_message(v));
    }
    gavel_decision_free(d);
  }
  gavel_policy_free(policy);
  if (invalid) return 3;
  if (denied) return 1;
  return approval ? 2 : 0;
}
