// Reads a generated policy (bench/workloads.cc) back into rule specs the
// peers translate into their own languages. Every rule must have exactly one
// of the six generated shapes; anything else is refused, so a change to the
// generator cannot silently make a peer check something else than Gavel.
//
// Run as a script, writes DIR/rules.json for the Go peer:
//   node bench/peers/lib/rules.mjs DIR
import {readFileSync, writeFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

const S = '"([^"]*)"'   // a string literal without escapes
const LIST = '\\[((?:"[^"]*"(?:, )?)+)\\]'
const MESSAGE = ' message "(?:[^"\\\\]|\\\\.)*"$'

// Each shape: the rule body with whitespace collapsed to one space; the
// capture groups become the spec's fields. `when` and `unless` are kept as
// written, for the CEL peer, which runs them verbatim.
const SHAPES = [
  {
    kind: 'egress',
    re: `^deny for step in plan\\.steps when (step\\.action == ${S} && step\\.network\\.egress) ` +
      `unless (step\\.network\\.ip\\.in_cidr\\(${LIST}\\) \\|\\| step\\.network\\.host\\.glob\\(${S}\\))${MESSAGE}`,
    fields: (m) => ({when: m[1], action: m[2], unless: m[3], cidrs: strings(m[4]), hostGlob: m[5]}),
  },
  {
    kind: 'scope',
    re: `^deny for step in plan\\.steps when (step\\.resource\\.namespace != "" && step\\.resource\\.namespace != ${S}) ` +
      `unless (agent\\.grants\\.exists\\(g, g\\.namespaces\\.exists\\(p, step\\.resource\\.namespace\\.glob\\(p\\)\\)\\))` +
      MESSAGE,
    fields: (m) => ({when: m[1], exceptNamespace: m[2], unless: m[3]}),
  },
  {
    kind: 'window',
    re: `^require_approval\\(${S}\\) for step in plan\\.steps ` +
      `when (step\\.verb in ${LIST} && step\\.resource\\.namespace == ${S}) ` +
      `unless (context\\.now\\.within\\(${S}, ${S}\\))${MESSAGE}`,
    fields: (m) => ({approvers: [m[1]], when: m[2], verbs: strings(m[3]), namespace: m[4], unless: m[5],
      window: m[6], tz: m[7]}),
    effect: 'require_approval',
  },
  {
    kind: 'covered',
    re: `^deny for step in plan\\.steps when (step\\.resource\\.kind != ${S}) ` +
      `unless (agent\\.grants\\.exists\\(g, g\\.covers\\(step\\)\\))${MESSAGE}`,
    fields: (m) => ({when: m[1], exceptKind: m[2], unless: m[3]}),
  },
  {
    kind: 'backup',
    re: `^deny for step in plan\\.steps when (step\\.verb == ${S} && step\\.resource\\.kind == ${S}) ` +
      `unless (step\\.before\\(\\)\\.exists\\(s, s\\.action == ${S} && ` +
      `s\\.resource\\.namespace == step\\.resource\\.namespace\\))${MESSAGE}`,
    fields: (m) => ({when: m[1], verb: m[2], resourceKind: m[3], unless: m[4], backupAction: m[5]}),
  },
  {
    kind: 'exfil',
    re: `^deny for step in plan\\.steps when (step\\.network\\.egress) ` +
      `unless (!step\\.upstream\\(\\)\\.exists\\(s, s\\.resource\\.kind == ${S} && s\\.resource\\.namespace == ${S}\\))` +
      MESSAGE,
    fields: (m) => ({when: m[1], unless: m[2], secretKind: m[3], namespace: m[4]}),
  },
].map((shape) => ({...shape, re: new RegExp(shape.re)}))

function strings(list) {
  return [...list.matchAll(/"([^"]*)"/g)].map((m) => m[1])
}

// {pkg, rules: [{name: 'w.egress_0', kind, effect, approvers, when, unless, ...}]}
export function parseRules(text) {
  const pkg = /^package (\w+)/m.exec(text)
  if (pkg === null) throw new Error('policy: no package line')
  const rules = []
  const re = /^rule (\w+) \{\n([\s\S]*?)\n\}$/gm
  let m
  while ((m = re.exec(text)) !== null) {
    const body = m[2].trim().replace(/\s+/g, ' ')
    const shape = SHAPES.find((s) => s.re.test(body))
    if (shape === undefined) throw new Error(`rule \`${m[1]}\` has none of the generated shapes the peers translate`)
    rules.push({name: `${pkg[1]}.${m[1]}`, kind: shape.kind, effect: shape.effect ?? 'deny', approvers: [],
      ...shape.fields(shape.re.exec(body))})
  }
  const declared = (text.match(/^rule /gm) ?? []).length
  if (declared !== rules.length) throw new Error(`policy: read ${rules.length} of ${declared} rules`)
  return {pkg: pkg[1], rules}
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2]
  const parsed = parseRules(readFileSync(`${dir}/policy.gavel`, 'utf8'))
  writeFileSync(`${dir}/rules.json`, JSON.stringify(parsed, null, 1) + '\n')
}
