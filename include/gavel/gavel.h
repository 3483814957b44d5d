/*
** gavel.h: the C API of Gavel, a policy engine for the plans of autonomous
** agents. Anything not declared in this header is not part of the API.
**
** TUTORIAL
**
** Compile a policy set once, then evaluate any number of plans against it,
** from any number of threads:
**
**     #include <gavel/gavel.h>
**
**     const char *paths[] = {"policies/"};
**     gavel_policy *policy;
**     gavel_error *err;
**     if (gavel_policy_compile_paths(paths, 1, &policy, &err) != GAVEL_OK) {
**       fprintf(stderr, "%s", gavel_error_message(err));  // file:line:col, carets
**       gavel_error_free(err);
**       return 1;
**     }
**
**     gavel_decision *d;
**     int rc = gavel_evaluate_json(policy, json, json_len, &d, &err);
**     if (rc != GAVEL_OK) {                // the plan did not decode: `d` is a
**       puts(gavel_error_message(err));    // deny decision holding the error
**       gavel_error_free(err);
**     }
**     printf("%s\n", gavel_verdict_name(gavel_decision_verdict(d)));
**     for (size_t i = 0; i < gavel_decision_count(d, GAVEL_VIOLATIONS); i++) {
**       const gavel_finding *v = gavel_decision_finding(d, GAVEL_VIOLATIONS, i);
**       printf("%s: %s\n", gavel_finding_rule(v), gavel_finding_message(v));
**     }
**     gavel_decision_free(d);
**     gavel_policy_free(policy);
**
** To replace a policy while other threads keep evaluating, hold it in a
** gavel_reloadable (see "Hot reload" below).
**
** CONVENTIONS
**
** - Every public name starts with gavel_ (functions and types) or GAVEL_
**   (macros and constants).
** - Functions that can fail return a result code: GAVEL_OK or one of
**   GAVEL_ERROR_*. Their out-pointers are always written, on failure too:
**   a handle out-pointer gets NULL (or, for evaluation, a deny decision), and
**   the optional `gavel_error **err` out-pointer gets an error object with
**   the code and the messages (or NULL on success). Pass NULL for `err` when
**   the code is enough.
** - Handles returned through out-pointers are owned by the caller and freed
**   with the matching gavel_*_free(); every gavel_*_free(NULL) is a no-op.
**   Pointers returned by accessors (const char *, const gavel_finding *, ...)
**   are borrowed: valid until the handle they came from is freed.
** - No C++ exception ever leaves a gavel_ function: unexpected failures are
**   reported as GAVEL_ERROR_INTERNAL (or GAVEL_ERROR_NOMEM).
** - Accessors given a NULL handle or an index out of range return 0, -1,
**   NULL or "" as documented, never crash.
** - Strings are UTF-8. Lengths are in bytes; GAVEL_NUL_TERMINATED as a
**   length means "up to the first NUL byte".
** - A published function never changes; a new behaviour gets a new name.
*/
#ifndef GAVEL_GAVEL_H_
#define GAVEL_GAVEL_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
** GAVEL_API marks the exported functions. libgavel.so is built with hidden
** visibility: only what carries GAVEL_API is exported.
*/
#ifndef GAVEL_API
#if defined(_WIN32)
#define GAVEL_API
#elif defined(__GNUC__) || defined(__clang__)
#define GAVEL_API __attribute__((visibility("default")))
#else
#define GAVEL_API
#endif
#endif

/*
** VERSION
**
** GAVEL_VERSION is the version of this header, "MAJOR.MINOR.PATCH";
** GAVEL_VERSION_NUMBER is MAJOR*1000000 + MINOR*1000 + PATCH. The functions
** return the version of the library actually linked, which may differ from
** the header's when a program is linked against a newer shared library.
*/
#define GAVEL_VERSION "0.1.0"
#define GAVEL_VERSION_NUMBER 1000

/* The library's version string, e.g. "0.1.0". Static storage; thread-safe. */
GAVEL_API const char *gavel_version(void);
/* The library's GAVEL_VERSION_NUMBER. Thread-safe. */
GAVEL_API int gavel_version_number(void);

/*
** RESULT CODES
*/
#define GAVEL_OK 0                /* success */
#define GAVEL_ERROR_COMPILE 1     /* a policy does not compile (diagnostics in the error) */
#define GAVEL_ERROR_PLAN 2        /* a plan does not decode (the message names the field path) */
#define GAVEL_ERROR_IO 3          /* a file or directory cannot be read */
#define GAVEL_ERROR_ARGUMENT 4    /* a NULL or otherwise invalid argument */
#define GAVEL_ERROR_NOMEM 5       /* out of memory */
#define GAVEL_ERROR_INTERNAL 6    /* a bug in Gavel: please report it */
#define GAVEL_ERROR_BUNDLE 7      /* a bundle is not one this library loads (corrupt, truncated, another format) */

/* The name of a result code: "ok", "compile_error", "plan_error",
** "io_error", "argument_error", "out_of_memory", "internal_error",
** "bundle_error"; "unknown" for other values. Static storage; thread-safe. */
GAVEL_API const char *gavel_result_name(int code);

/* The length that means "the string is NUL-terminated". */
#define GAVEL_NUL_TERMINATED ((size_t)-1)

/*
** ERRORS
**
** A gavel_error describes a failure: its result code, one message for
** people, and a list of diagnostics, each with a location. A compilation
** that fails has one diagnostic per problem found (all of them, not just the
** first); other failures have one diagnostic without a source location.
** An error object is immutable: any number of threads may read it.
*/
typedef struct gavel_error gavel_error;
typedef struct gavel_diagnostic gavel_diagnostic;

/* The result code (GAVEL_ERROR_*) of `err`; GAVEL_OK for NULL. */
GAVEL_API int gavel_error_code(const gavel_error *err);

/* Every diagnostic formatted as a person reads it, in source order:
**   "file:line:col: error[code]: message\n", then the source line and a
** line with a caret under the problem for diagnostics with a location.
** "" for NULL. */
GAVEL_API const char *gavel_error_message(const gavel_error *err);

/* How many diagnostics `err` holds (at least 1); 0 for NULL. */
GAVEL_API size_t gavel_error_count(const gavel_error *err);

/* The i-th diagnostic, in source order; NULL when out of range. */
GAVEL_API const gavel_diagnostic *gavel_error_diagnostic(const gavel_error *err, size_t i);

/* Frees `err`. NULL is a no-op. */
GAVEL_API void gavel_error_free(gavel_error *err);

/* The file of a diagnostic (the source name given at compile time, or a
** path), or "" when it has none. */
GAVEL_API const char *gavel_diagnostic_file(const gavel_diagnostic *diag);
/* 1-based line and column (in bytes) of a diagnostic; 0 when it has no location. */
GAVEL_API int gavel_diagnostic_line(const gavel_diagnostic *diag);
GAVEL_API int gavel_diagnostic_column(const gavel_diagnostic *diag);
/* A stable code: "syntax_error", "type_error", "unknown_name",
** "unknown_field", "unknown_function", "duplicate_declaration",
** "invalid_literal", "invalid_regex", "plan_error", "io_error",
** "config_error", "bundle_error", "argument_error", "internal_error". */
GAVEL_API const char *gavel_diagnostic_code(const gavel_diagnostic *diag);
/* The message alone: lower case, no final period, user input in backticks. */
GAVEL_API const char *gavel_diagnostic_message(const gavel_diagnostic *diag);

/*
** POLICIES
**
** A gavel_policy is a compiled policy set: immutable, thread-safe, shared by
** any number of threads evaluating at once. Freeing a policy while another
** thread evaluates it through the same handle is an error; hold a
** gavel_reloadable, or free only after the evaluations return.
*/
typedef struct gavel_policy gavel_policy;

/* Compiles `count` policy sources as one policy set. `names[i]` is the name
** used in locations (e.g. "policies/airgap.gavel"; may be NULL for
** "<source i>"), `texts[i]` is the source text, NUL-terminated.
** On success returns GAVEL_OK, sets *out to a new policy and *err (if `err`
** is not NULL) to NULL. On failure sets *out to NULL and *err to an error:
** GAVEL_ERROR_COMPILE with every diagnostic, or GAVEL_ERROR_ARGUMENT when
** `out` is NULL, `texts` or one of its entries is NULL. Thread-safe. */
GAVEL_API int gavel_policy_compile(const char *const *names, const char *const *texts, size_t count,
                                   gavel_policy **out, gavel_error **err);

/* Like gavel_policy_compile, reading the sources from `count` paths: each a
** .gavel file or a directory searched recursively for .gavel files (in
** sorted order). A missing or unreadable path is GAVEL_ERROR_IO. */
GAVEL_API int gavel_policy_compile_paths(const char *const *paths, size_t count, gavel_policy **out,
                                         gavel_error **err);

/* Compiles the policy set of a project config (gavel.yaml, docs/config.md):
** the config's `policies` (relative paths resolve against the config's
** directory) followed by `extra_count` `extra_paths`, with the params and the
** enforcement (deny or dryrun, per package) of environment `env`. `env` may
** be NULL or "" for none: params keep their defaults, every package denies.
** On success as gavel_policy_compile; the caller frees *out with
** gavel_policy_free. On failure sets *out to NULL and *err to an error:
** GAVEL_ERROR_COMPILE with every diagnostic, each with file, line, column
** and code: those of the config (invalid YAML, an unknown key or a value of
** the wrong shape: "config_error", "unknown_field"; an unknown environment:
** "unknown_name", its message listing the known ones) located in the config
** file, and an unknown param, a param value of the wrong type or an
** enforcement for an unknown package located at its line of the config;
** GAVEL_ERROR_IO when the config or a policy path cannot be read;
** GAVEL_ERROR_ARGUMENT when `config_path` or `out` is NULL, `extra_paths`
** is NULL while `extra_count` > 0, or no policy path is left. Thread-safe. */
GAVEL_API int gavel_policy_compile_config(const char *config_path, const char *env,
                                          const char *const *extra_paths, size_t extra_count,
                                          gavel_policy **out, gavel_error **err);

/*
** BUNDLES
**
** A bundle is a compiled policy set as bytes (`gavel compile -o FILE`, or
** gavel_policy_write_bundle): its bytecode, constants, rules, params as
** resolved at compile time, and its sources, so that messages and
** locations read as before. Loading one skips parsing, checking and
** compiling. A bundle is checked before use: a wrong magic, another format
** version or engine, truncation, corruption (a CRC-32C over its body) and
** bytecode that fails verification are all GAVEL_ERROR_BUNDLE, the message
** saying which ("policy.bundle: corrupt bundle (checksum mismatch ...)";
** "bundle format 2 ...; recompile it with `gavel compile`"). Format and
** checks: docs/bundles.md.
*/

/* Writes `policy` as a bundle into a new buffer: sets *out_bytes to it
** (free it with gavel_free) and *out_len to its length. On failure sets
** *out_bytes to NULL and *out_len to 0: GAVEL_ERROR_ARGUMENT when an
** argument is NULL. Thread-safe. */
GAVEL_API int gavel_policy_write_bundle(const gavel_policy *policy, void **out_bytes, size_t *out_len,
                                        gavel_error **err);

/* Loads the `len` bytes of a bundle into a new policy, which decides every
** plan exactly as the policy that was written. On failure sets *out to NULL
** and *err to GAVEL_ERROR_BUNDLE (messages start with "<bundle>") or
** GAVEL_ERROR_ARGUMENT (`bytes` or `out` NULL, `len` GAVEL_NUL_TERMINATED:
** a bundle is binary). The bytes are not kept.
** Thread-safe. */
GAVEL_API int gavel_policy_load_bundle(const void *bytes, size_t len, gavel_policy **out, gavel_error **err);

/* gavel_policy_load_bundle on the contents of the file at `path`; messages
** start with the path. A file that cannot be read is GAVEL_ERROR_IO. */
GAVEL_API int gavel_policy_load_bundle_file(const char *path, gavel_policy **out, gavel_error **err);

/* gavel_policy_load_bundle, checking the bundle's signature (`gavel compile
** --sign`, docs/bundles.md): `trusted_keys` are `key_count` Ed25519 public
** keys as PEM texts (NUL-terminated, `-----BEGIN PUBLIC KEY-----`, as
** `gavel keygen` writes NAME.pub). A signed bundle loads only when signed by
** one of them and its signature verifies; with `require_signature` non-zero
** an unsigned bundle is refused too (and at least one key is needed). Those
** refusals are GAVEL_ERROR_BUNDLE naming the reason ("unsigned bundle",
** "bundle signed by key ... which is not a trusted key", "bad signature");
** a key that is not one is GAVEL_ERROR_ARGUMENT. Thread-safe. */
GAVEL_API int gavel_policy_load_bundle_verified(const void *bytes, size_t len, const char *const *trusted_keys,
                                                size_t key_count, int require_signature, gavel_policy **out,
                                                gavel_error **err);

/* How many rules the policy set has; 0 for NULL. */
GAVEL_API size_t gavel_policy_rule_count(const gavel_policy *policy);

/* Frees the handle. The compiled policy itself lives on while a
** gavel_reloadable or another handle still holds it. NULL is a no-op. */
GAVEL_API void gavel_policy_free(gavel_policy *policy);

/*
** EVALUATION
**
** Decodes a plan (JSON, YAML or binary protobuf of gavel.v1.Plan, see
** docs/plans.md) and evaluates it. Thread-safe: any number of threads may
** evaluate one policy at once.
**
** On success returns GAVEL_OK and sets *out to a new decision (whatever its
** verdict) and *err to NULL. When the plan does not decode, returns
** GAVEL_ERROR_PLAN, sets *err to an error whose message names the field
** path ("steps[0].verb: expected a string, got a number"), and still sets
** *out to a decision: verdict GAVEL_DENY with one error finding holding the
** same message (fail closed). On other failures *out is set to NULL.
*/
typedef struct gavel_decision gavel_decision;

#define GAVEL_PLAN_JSON 0
#define GAVEL_PLAN_YAML 1
#define GAVEL_PLAN_PROTO 2

/* Evaluates `len` bytes of `data` in `format` (GAVEL_PLAN_*). For JSON and
** YAML, `len` may be GAVEL_NUL_TERMINATED; protobuf needs a length. An
** unknown format or a NULL `policy`, `data` or `out` is GAVEL_ERROR_ARGUMENT. */
GAVEL_API int gavel_evaluate(const gavel_policy *policy, int format, const void *data, size_t len,
                             gavel_decision **out, gavel_error **err);

/* gavel_evaluate with GAVEL_PLAN_JSON, GAVEL_PLAN_YAML, GAVEL_PLAN_PROTO. */
GAVEL_API int gavel_evaluate_json(const gavel_policy *policy, const char *json, size_t len,
                                  gavel_decision **out, gavel_error **err);
GAVEL_API int gavel_evaluate_yaml(const gavel_policy *policy, const char *yaml, size_t len,
                                  gavel_decision **out, gavel_error **err);
GAVEL_API int gavel_evaluate_proto(const gavel_policy *policy, const void *bytes, size_t len,
                                   gavel_decision **out, gavel_error **err);

/* Reads a plan file, choosing the decoder by extension (.json, .yaml/.yml,
** .pb/.binpb), and evaluates it. A file that cannot be read is
** GAVEL_ERROR_IO; *out is then a deny decision too. Messages start with the
** path. */
GAVEL_API int gavel_evaluate_file(const gavel_policy *policy, const char *path, gavel_decision **out,
                                  gavel_error **err);

/*
** DECISIONS
**
** A decision is immutable once returned: any number of threads may read it.
*/
#define GAVEL_ALLOW 0
#define GAVEL_DENY 1
#define GAVEL_NEEDS_APPROVAL 2

/* The verdict: GAVEL_ALLOW, GAVEL_DENY or GAVEL_NEEDS_APPROVAL. A NULL
** decision is GAVEL_DENY (fail closed). */
GAVEL_API int gavel_decision_verdict(const gavel_decision *d);

/* "allow", "deny", "needs_approval"; "unknown" for other values. Static storage. */
GAVEL_API const char *gavel_verdict_name(int verdict);

/* The lists of findings of a decision. */
#define GAVEL_VIOLATIONS 0 /* fired deny and require_approval rules, in rule order then step order */
#define GAVEL_WARNINGS 1   /* fired warn rules, and every finding of a package in dryrun */
#define GAVEL_ERRORS 2     /* rules that failed at run time, or a plan that did not decode */

/* How many findings `list` (GAVEL_VIOLATIONS/WARNINGS/ERRORS) holds; 0 for
** NULL or an unknown list. */
GAVEL_API size_t gavel_decision_count(const gavel_decision *d, int list);

/* The i-th finding of `list`; NULL when out of range. Borrowed from `d`. */
typedef struct gavel_finding gavel_finding;
GAVEL_API const gavel_finding *gavel_decision_finding(const gavel_decision *d, int list, size_t i);

/* The approvers of the decision: the sorted union of the approvers of every
** fired require_approval rule. */
GAVEL_API size_t gavel_decision_approver_count(const gavel_decision *d);
GAVEL_API const char *gavel_decision_approver(const gavel_decision *d, size_t i); /* NULL when out of range */

/* The whole decision as one JSON object, without a newline, exactly as
** `gavel lint --format json` prints it (docs/cli.md):
**   {"plan": <plan_name>, "verdict": ..., "violations": [...], "warnings": [...],
**    "errors": [...], "approvers": [...]}
** `plan_name` may be NULL for "". Returns a new string the caller frees with
** gavel_free(), or NULL for a NULL decision or when out of memory. */
GAVEL_API char *gavel_decision_to_json(const gavel_decision *d, const char *plan_name);

/* Frees a decision. NULL is a no-op. */
GAVEL_API void gavel_decision_free(gavel_decision *d);

/* Frees a string returned by Gavel (gavel_decision_to_json). NULL is a no-op. */
GAVEL_API void gavel_free(void *p);

/*
** FINDINGS: one violation, warning or error of a decision. Borrowed from the
** decision; every string is valid until the decision is freed.
*/
#define GAVEL_EFFECT_DENY 0
#define GAVEL_EFFECT_WARN 1
#define GAVEL_EFFECT_REQUIRE_APPROVAL 2
#define GAVEL_EFFECT_ERROR 3 /* a finding of the GAVEL_ERRORS list */

/* The rule, "package.name"; "" for a plan that did not decode. */
GAVEL_API const char *gavel_finding_rule(const gavel_finding *f);
/* GAVEL_EFFECT_*; -1 for NULL. */
GAVEL_API int gavel_finding_effect(const gavel_finding *f);
/* "deny", "warn", "require_approval", "error"; "" for NULL. */
GAVEL_API const char *gavel_finding_effect_name(const gavel_finding *f);
/* info, low, medium, high, critical; "" for errors. */
GAVEL_API const char *gavel_finding_severity(const gavel_finding *f);
/* The step's id, or NULL for a plan-level rule (step index -1). */
GAVEL_API const char *gavel_finding_step(const gavel_finding *f);
/* The step's 0-based position in the plan, or -1 for a plan-level rule. */
GAVEL_API int64_t gavel_finding_step_index(const gavel_finding *f);
/* The message, rendered. */
GAVEL_API const char *gavel_finding_message(const gavel_finding *f);
/* "file:line:col" of the rule; "" when there is none. */
GAVEL_API const char *gavel_finding_location(const gavel_finding *f);
/* The approvers of a require_approval violation (0 for other findings). */
GAVEL_API size_t gavel_finding_approver_count(const gavel_finding *f);
GAVEL_API const char *gavel_finding_approver(const gavel_finding *f, size_t i); /* NULL when out of range */
/* 1 for a finding of a package in dryrun (docs/config.md): a warning that
** keeps the effect it would have had (GAVEL_EFFECT_DENY, also for a runtime
** error, or GAVEL_EFFECT_REQUIRE_APPROVAL) and did not count in the
** verdict; 0 otherwise and for NULL. */
GAVEL_API int gavel_finding_dryrun(const gavel_finding *f);

/*
** HOT RELOAD
**
** A gavel_reloadable holds the current policy of a long-running process.
** Any number of threads evaluate through it while one replaces the policy:
** each evaluation sees one whole policy, the old or the new, never a mix,
** and an old policy is freed when its last evaluation returns. Every
** gavel_reloadable_* function is thread-safe, except that the handle must
** not be freed while other threads still use it.
*/
typedef struct gavel_reloadable gavel_reloadable;

/* Creates a reloadable holding `initial` (which may be NULL: evaluations
** then fail with GAVEL_ERROR_ARGUMENT until a policy is set). The handle
** shares the compiled policy: the caller keeps `initial` and may free it at
** any time. Sets *out to the new handle, or NULL on failure. */
GAVEL_API int gavel_reloadable_new(const gavel_policy *initial, gavel_reloadable **out);

/* Makes `policy` the current policy, atomically. The caller keeps `policy`.
** Increments the generation. NULL `r` or `policy` is GAVEL_ERROR_ARGUMENT. */
GAVEL_API int gavel_reloadable_set(gavel_reloadable *r, const gavel_policy *policy);

/* Compiles the policy at `paths` (as gavel_policy_compile_paths) and, when
** it compiles, makes it current. When it does not, the current policy stays
** and *err (if not NULL) says why. */
GAVEL_API int gavel_reloadable_reload_paths(gavel_reloadable *r, const char *const *paths, size_t count,
                                            gavel_error **err);

/* A new handle to the current policy (a snapshot that stays valid across
** later reloads); the caller frees it. NULL when there is none. */
GAVEL_API gavel_policy *gavel_reloadable_current(const gavel_reloadable *r);

/* How many times the policy was replaced (0 after gavel_reloadable_new). */
GAVEL_API uint64_t gavel_reloadable_generation(const gavel_reloadable *r);

/* gavel_evaluate against the current policy. */
GAVEL_API int gavel_reloadable_evaluate(const gavel_reloadable *r, int format, const void *data, size_t len,
                                        gavel_decision **out, gavel_error **err);

/* Frees the handle (the policies it held live on in other handles). NULL is a no-op. */
GAVEL_API void gavel_reloadable_free(gavel_reloadable *r);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* GAVEL_GAVEL_H_ */
