#!/usr/bin/env bash
# Signed bundles and the audit trail end to end: `gavel keygen`, `gavel
# compile --sign`, `gavel lint --bundle --trusted-key [--require-signature]`
# (tampered, unsigned and foreign-key bundles exit 3 naming the reason), and
# `gavel lint --decision-log` (one JSON line per decision, appended; the plan
# digest is sha256sum's; the policy digest is stable and follows the sources).
# Usage: cli_signing_test.sh GAVEL_BINARY SOURCE_DIR
set -uo pipefail
source "$(dirname "$0")/cli_lib.sh" "$@"

plan=examples/plans/prod-rollout.json
deny=examples/plans/secret-exfiltration.json

# 1. keygen: NAME (0600) and NAME.pub, PEM; never overwrites.
"$gavel" keygen -o "$tmp/ci" >"$tmp/out"
expect "keygen exits 0" 0 $?
contains "keygen names the key id" "key id " "$tmp/out"
expect "private key mode" 600 "$(stat -c %a "$tmp/ci")"
expect "private key is PKCS#8 PEM" "-----BEGIN PRIVATE KEY-----" "$(head -1 "$tmp/ci")"
expect "public key is PEM" "-----BEGIN PUBLIC KEY-----" "$(head -1 "$tmp/ci.pub")"
cp "$tmp/ci" "$tmp/ci.before"
"$gavel" keygen -o "$tmp/ci" 2>"$tmp/err"
expect "keygen over an existing key exits 3" 3 $?
contains "keygen refuses to overwrite" "already exists" "$tmp/err"
expect "the key is unchanged" "" "$(cmp "$tmp/ci" "$tmp/ci.before")"
"$gavel" keygen -o "$tmp/other" >/dev/null
# A key made by openssl works too, when openssl is there.
if command -v openssl >/dev/null; then
  openssl genpkey -algorithm ed25519 -out "$tmp/ossl" 2>/dev/null
  openssl pkey -in "$tmp/ossl" -pubout -out "$tmp/ossl.pub" 2>/dev/null
  "$gavel" compile policies/ --sign "$tmp/ossl" -o "$tmp/ossl.bundle" >/dev/null
  "$gavel" lint --bundle "$tmp/ossl.bundle" --trusted-key "$tmp/ossl.pub" $plan >/dev/null
  expect "an openssl key signs and verifies" 2 $?
fi

# 2. compile --sign, lint --trusted-key.
"$gavel" compile policies/ --sign "$tmp/ci" -o "$tmp/signed.bundle" >"$tmp/out"
expect "compile --sign exits 0" 0 $?
contains "compile says it signed" "signed by key" "$tmp/out"
"$gavel" compile policies/ -o "$tmp/unsigned.bundle" >/dev/null
"$gavel" lint --policy policies/ $plan $deny >"$tmp/want"
want_rc=$?
"$gavel" lint --bundle "$tmp/signed.bundle" --trusted-key "$tmp/ci.pub" $plan $deny >"$tmp/got"
expect "a trusted signature: the same verdict" $want_rc $?
expect "a trusted signature: the same output" "$(grep -v '^[0-9]* plans' "$tmp/want")" "$(grep -v '^[0-9]* plans' "$tmp/got")"
"$gavel" lint --bundle "$tmp/signed.bundle" --trusted-key "$tmp/other.pub" --trusted-key "$tmp/ci.pub" $plan >/dev/null
expect "one of several trusted keys" 2 $?
"$gavel" lint --bundle "$tmp/signed.bundle" $plan >/dev/null
expect "no trusted key: loads as before signatures" 2 $?
"$gavel" compile policies/ --sign "$tmp/ci.pub" -o "$tmp/x.bundle" 2>"$tmp/err"
expect "--sign with a public key exits 3" 3 $?
contains "--sign with a public key says why" "not an Ed25519 private key" "$tmp/err"

# 3. Refused, exit 3, naming the reason.
refused() {  # refused NAME MESSAGE lint-args...
  local name=$1 message=$2
  shift 2
  "$gavel" lint "$@" $plan >"$tmp/out" 2>"$tmp/err"
  expect "$name: exit 3" 3 $?
  contains "$name: message" "$message" "$tmp/err"
  expect "$name: no decision printed" "" "$(cat "$tmp/out")"
}
size=$(stat -c %s "$tmp/signed.bundle")
# The header, the body, the trailer: section id, size, algorithm, key id, signature.
for at in 0 12 20 30 $((size / 2)) $((size - 79)) $((size - 78)) $((size - 76)) $((size - 73)) $((size - 70)) $((size - 40)) $((size - 1)); do
  cp "$tmp/signed.bundle" "$tmp/tampered.bundle"
  byte=$(od -An -tu1 -j "$at" -N1 "$tmp/tampered.bundle" | tr -d ' ')
  printf "$(printf '\\%03o' $(((byte + 1) % 256)))" | dd of="$tmp/tampered.bundle" bs=1 seek="$at" conv=notrunc 2>/dev/null
  "$gavel" lint --bundle "$tmp/tampered.bundle" --trusted-key "$tmp/ci.pub" $plan >/dev/null 2>&1
  expect "byte $at changed: exit 3" 3 $?
done
# The body is covered by its checksum too (a forger recomputes it: signature_test.cc).
cp "$tmp/signed.bundle" "$tmp/tampered.bundle"
printf 'X' | dd of="$tmp/tampered.bundle" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
refused "tampered body" "corrupt bundle (checksum mismatch" --bundle "$tmp/tampered.bundle" --trusted-key "$tmp/ci.pub"
cp "$tmp/signed.bundle" "$tmp/tampered.bundle"
printf 'X' | dd of="$tmp/tampered.bundle" bs=1 seek=$((size - 10)) conv=notrunc 2>/dev/null
refused "tampered signature" "bad signature (key " --bundle "$tmp/tampered.bundle" --trusted-key "$tmp/ci.pub"
refused "another key" "which is not a trusted key" --bundle "$tmp/signed.bundle" --trusted-key "$tmp/other.pub"
refused "unsigned, a key trusted" "unsigned bundle; a signature by a trusted key is required" \
  --bundle "$tmp/unsigned.bundle" --trusted-key "$tmp/ci.pub"
refused "--require-signature without a key" "no trusted key was given" --bundle "$tmp/signed.bundle" --require-signature
refused "a trusted key that is not a key" "not an Ed25519 public key" --bundle "$tmp/signed.bundle" --trusted-key "$tmp/ci"
"$gavel" lint --policy policies/ --trusted-key "$tmp/ci.pub" $plan >/dev/null 2>"$tmp/err"
expect "--trusted-key needs --bundle" 3 $?

# 4. The decision log.
log=$tmp/decisions.jsonl
"$gavel" lint --policy policies/ --decision-log "$log" $plan $deny >/dev/null
expect "lint with a log: the verdict" 1 $?
"$gavel" lint --policy policies/ --decision-log "$log" -j 2 $plan $deny >/dev/null
expect "two runs append: 4 lines" 4 "$(wc -l <"$log")"
/usr/bin/python3 - "$log" "$plan" "$deny" >"$tmp/check" 2>&1 <<'PY'
import hashlib, json, re, sys
log, plan, deny = sys.argv[1:]
lines = [json.loads(l) for l in open(log)]
sha = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
for l in lines:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", l["time"]), l["time"]
    for k in ("plan", "plan_sha256", "policy_sha256", "verdict", "violations", "errors", "gavel_version"):
        assert k in l, k
print("plans", " ".join(l["plan"] for l in lines))
print("verdicts", " ".join(l["verdict"] for l in lines))
print("plan digests match", all(l["plan_sha256"] == sha(l["plan"]) for l in lines))
print("policy digests", len({l["policy_sha256"] for l in lines}))
print("deny violations", len(lines[1]["violations"]) > 0)
PY
expect "every line is JSON with the keys" 0 $?
expect "log: plans in order" "plans $plan $deny $plan $deny" "$(sed -n 1p "$tmp/check")"
expect "log: verdicts" "verdicts needs_approval deny needs_approval deny" "$(sed -n 2p "$tmp/check")"
expect "log: plan_sha256 is sha256sum's" "plan digests match True" "$(sed -n 3p "$tmp/check")"
expect "log: one policy digest across runs" "policy digests 1" "$(sed -n 4p "$tmp/check")"
expect "log: violations listed" "deny violations True" "$(sed -n 5p "$tmp/check")"
policy_sha() { /usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])["policy_sha256"])' "$1"; }
first=$(policy_sha "$log")
expect "log: plan digest = sha256sum" "$(sha256sum $plan | cut -d' ' -f1)" \
  "$(/usr/bin/python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["plan_sha256"])' "$log")"

# The policy digest follows the policy files.
cp -r policies "$tmp/policies"
"$gavel" lint --policy "$tmp/policies" --decision-log "$tmp/a.jsonl" $plan >/dev/null
"$gavel" lint --policy "$tmp/policies" --decision-log "$tmp/b.jsonl" $plan >/dev/null
expect "same files, same policy digest" "$(policy_sha "$tmp/a.jsonl")" "$(policy_sha "$tmp/b.jsonl")"
echo "// a comment" >>"$tmp/policies/airgap.gavel"
"$gavel" lint --policy "$tmp/policies" --decision-log "$tmp/c.jsonl" $plan >/dev/null
if [ "$(policy_sha "$tmp/a.jsonl")" != "$(policy_sha "$tmp/c.jsonl")" ]; then changed=yes; else changed=no; fi
expect "a changed policy file changes the digest" yes $changed
# From a bundle: the bundle file's sha256sum.
"$gavel" lint --bundle "$tmp/signed.bundle" --trusted-key "$tmp/ci.pub" --decision-log "$tmp/d.jsonl" $plan >/dev/null
expect "bundle: policy digest = sha256sum of the bundle" "$(sha256sum "$tmp/signed.bundle" | cut -d' ' -f1)" \
  "$(policy_sha "$tmp/d.jsonl")"
expect "the sources' digest is not the bundle's" yes "$([ "$first" != "$(policy_sha "$tmp/d.jsonl")" ] && echo yes)"
"$gavel" lint --policy policies/ --decision-log /nonexistent-dir/log $plan >/dev/null 2>"$tmp/err"
expect "an unwritable log exits 3" 3 $?
contains "an unwritable log says so" "cannot open the decision log" "$tmp/err"

finish
