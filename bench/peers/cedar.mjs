// The W2 workload on AWS Cedar (@cedar-policy/cedar-wasm): one authorization
// request per step, each Gavel rule a `forbid` policy (plus one `permit` of
// everything, so a step no rule forbids is allowed), the policy set parsed
// once (preparsePolicySet) and every request made with statefulIsAuthorized.
// A step's violations are the forbid policies in the response's `reason`;
// the rule's effect (deny or require_approval) and approvers are annotations.
//
// A request: principal Agent::"<agent id>", action Action::"<step.action>",
// resource Step::"<step.id>", the one entity being the step with its own
// fields as attributes (verb, kind, namespace, name, egress, host, and ip as
// a Cedar ipaddr), and a context of what Cedar cannot compute from the step,
// precomputed per plan by this harness (only the attributes the policy set
// uses):
//   namespace_granted  some grant's namespace glob matches the step's
//                      namespace (Cedar cannot quantify over a list, and its
//                      `like` takes literal patterns only, not the grant's)
//   covered            some grant covers the step (g.covers: globs from the
//                      grant, time bounds, and a quantifier over grants)
//   before             the set of {action, namespace} of the earlier steps
//                      (Cedar has no view of the other steps of the plan)
//   upstream           the set of {kind, namespace} of the steps upstream,
//                      transitively over depends_on and inputs
//   local_<zone>       {weekday: 1 (Mon)-7, minute: 0-1439} of context.now in
//                      the zone (Cedar has no time zones or weekdays); the
//                      window's days and hours stay in the policy
// Kept in Cedar itself: the comparisons, the verb list, CIDRs (ipaddr's
// isInRange) and the host glob (`like`; its `*` also matches `/`, which
// host names do not contain, and a glob with `?` or `[...]` is refused).
// The precomputation is timed as part of each plan's cost, with building
// the requests; decoding the plan's JSON is not (nor is it for Gavel).
//
// Usage: node bench/peers/cedar.mjs DIR [--runs N] [--warmup-ms N]
import {getCedarVersion, preparsePolicySet, statefulIsAuthorized} from '@cedar-policy/cedar-wasm/nodejs'
import {buildGraph, covers, glob, loadWorkload, localTime, measure, parseArgs, parseWindow, upstream,
  verifyAndTime} from './lib/workload.mjs'

const str = (s) => JSON.stringify(s)

// A Gavel glob as a Cedar `like` pattern, where Cedar can say it.
function likePattern(g) {
  if (/[?[\\]/.test(g)) throw new Error(`glob \`${g}\`: Cedar's like has no ? or [...]`)
  return str(g.replace(/\*\*/g, '*'))
}

const zoneAttr = (tz) => `local_${tz.replace(/[^A-Za-z0-9]/g, '_')}`

// A window as a Cedar condition on context.local_<zone>.
function windowCondition(window, tz) {
  const v = `context.${zoneAttr(tz)}`
  const days = (set, shift) => str([...set].map((d) => ((d + shift + 6) % 7) + 1).sort())  // 1 = Monday
  const parts = parseWindow(window).map((r) => {
    if (r.from < r.to) {
      return `(${days(r.days, 0)}.contains(${v}.weekday) && ${v}.minute >= ${r.from} && ${v}.minute < ${r.to})`
    }
    return `((${days(r.days, 0)}.contains(${v}.weekday) && ${v}.minute >= ${r.from}) || ` +
      `(${days(r.days, 1)}.contains(${v}.weekday) && ${v}.minute < ${r.to}))`
  })
  return parts.join(' || ')
}

function policyOf(rule) {
  const head = `@effect(${str(rule.effect)})\n`
  switch (rule.kind) {
    case 'egress':
      return head + `forbid (principal, action == Action::${str(rule.action)}, resource)\n` +
        'when { resource.egress }\n' +
        `unless { (resource has ip && (${rule.cidrs.map((c) => `resource.ip.isInRange(ip(${str(c)}))`).join(' || ')}))` +
        ` || resource.host like ${likePattern(rule.hostGlob)} };`
    case 'scope':
      return head + 'forbid (principal, action, resource)\n' +
        `when { resource.namespace != "" && resource.namespace != ${str(rule.exceptNamespace)} }\n` +
        'unless { context.namespace_granted };'
    case 'window':
      return head + 'forbid (principal, action, resource)\n' +
        `when { ${str(rule.verbs)}.contains(resource.verb) && resource.namespace == ${str(rule.namespace)} }\n` +
        `unless { ${windowCondition(rule.window, rule.tz)} };`
    case 'covered':
      return head + 'forbid (principal, action, resource)\n' +
        `when { resource.kind != ${str(rule.exceptKind)} }\nunless { context.covered };`
    case 'backup':
      return head + 'forbid (principal, action, resource)\n' +
        `when { resource.verb == ${str(rule.verb)} && resource.kind == ${str(rule.resourceKind)} }\n` +
        `unless { context.before.contains({action: ${str(rule.backupAction)}, namespace: resource.namespace}) };`
    case 'exfil':
      return head + 'forbid (principal, action, resource)\nwhen { resource.egress }\n' +
        `unless { !context.upstream.contains({kind: ${str(rule.secretKind)}, namespace: ${str(rule.namespace)}}) };`
  }
  throw new Error(`${rule.name}: no Cedar translation for kind ${rule.kind}`)
}

const args = parseArgs(process.argv.slice(2))
const workload = loadWorkload(args.dir)

const PERMIT = 'permit_all'
const policies = {[PERMIT]: 'permit (principal, action, resource);'}
for (const rule of workload.rules) policies[rule.name] = policyOf(rule)
const parsed = preparsePolicySet('w', {staticPolicies: policies})
if (parsed.type !== 'success') throw new Error(`cedar: ${JSON.stringify(parsed.errors)}`)

const kinds = new Set(workload.rules.map((r) => r.kind))
const zones = [...new Set(workload.rules.filter((r) => r.kind === 'window').map((r) => r.tz))]

// The requests for a plan: everything Cedar needs that it cannot compute.
function requests(plan) {
  const grants = plan.agent.grants
  const graph = kinds.has('exfil') ? buildGraph(plan) : null
  const local = {}
  for (const tz of zones) {
    const t = localTime(plan.context.now, tz)
    local[zoneAttr(tz)] = {weekday: ((t.weekday + 6) % 7) + 1, minute: t.minute}
  }
  const before = new Map()
  const principal = {type: 'Agent', id: plan.agent.id}
  return plan.steps.map((step) => {
    const r = step.resource, n = step.network
    const attrs = {verb: step.verb, kind: r.kind, namespace: r.namespace, name: r.name, egress: n.egress, host: n.host}
    if (n.ip !== '') attrs.ip = {__extn: {fn: 'ip', arg: n.ip}}
    const context = {...local}
    if (kinds.has('scope')) context.namespace_granted = grants.some((g) => g.namespaces.some((p) => glob(p, r.namespace)))
    if (kinds.has('covered')) context.covered = grants.some((g) => covers(g, step, plan.context))
    if (kinds.has('backup')) {
      context.before = [...before.values()]
      const key = `${step.action}\u0000${r.namespace}`
      if (!before.has(key)) before.set(key, {action: step.action, namespace: r.namespace})
    }
    if (graph !== null) {
      const seen = new Map()
      for (const s of upstream(plan, graph, step.index)) {
        seen.set(`${s.resource.kind}\u0000${s.resource.namespace}`, {kind: s.resource.kind, namespace: s.resource.namespace})
      }
      context.upstream = [...seen.values()]
    }
    const uid = {type: 'Step', id: step.id}
    return {
      principal,
      action: {type: 'Action', id: step.action},
      resource: uid,
      context,
      preparsedPolicySetId: 'w',
      entities: [{uid, attrs, parents: []}],
    }
  })
}

function evaluate(plan) {
  const findings = []
  for (const request of requests(plan)) {
    const answer = statefulIsAuthorized(request)
    if (answer.type !== 'success') throw new Error(`cedar: ${JSON.stringify(answer.errors)}`)
    const d = answer.response.diagnostics
    if (d.errors.length > 0) throw new Error(`cedar: ${JSON.stringify(d.errors)}`)
    for (const id of d.reason) if (id !== PERMIT) findings.push({rule: id, step: request.resource.id})
  }
  return findings
}

if (args.printPolicies) for (const [id, text] of Object.entries(policies)) console.error(`// ${id}\n${text}\n`)

// For the reader of the figures: how much of a plan's time is the
// precomputation, and what one request costs cedar-wasm at the least (one
// permit policy, no context, no entities: the cost of crossing into wasm and
// back).
function breakdown() {
  const short = {runs: Math.max(5, args.runs >> 2), warmupMs: Math.min(args.warmupMs, 500)}
  const precompute = measure(() => requests(workload.plan).length, short)
  preparsePolicySet('floor', {staticPolicies: {[PERMIT]: policies[PERMIT]}})
  const empty = {principal: {type: 'Agent', id: 'a'}, action: {type: 'Action', id: 'a'}, resource: {type: 'Step', id: 's'},
    context: {}, preparsedPolicySetId: 'floor', entities: []}
  const floor = measure(() => statefulIsAuthorized(empty).type.length, short)
  return {precompute_ns_per_plan: precompute.cpu.median, empty_request_ns: floor.cpu.median}
}

verifyAndTime('cedar-wasm', workload, evaluate, args, () => ({
  version: getCedarVersion(),
  precomputed: 'per step: namespace_granted, covered, before, upstream; per plan: local time of context.now',
  ...breakdown(),
}))
