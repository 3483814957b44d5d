// The W2 workload on CEL (@marcbachmann/cel-js): one compiled expression per
// rule, `(WHEN) && !(UNLESS)` with the rule's own `when` and `unless` text,
// verbatim, run on every step with `step`, `plan`, `agent` and `context` as
// variables. Gavel's built-ins that CEL lacks are registered as custom
// functions with Gavel's semantics (lib/workload.mjs): string.glob,
// string.in_cidr, timestamp.within, grant.covers(step), step.before() and
// step.upstream(). The last three read the plan being evaluated (as Gavel's
// do), which the harness sets before each plan; the dependency graph for
// upstream() is built once per plan evaluation, inside the timed call.
//
// Usage: node bench/peers/cel.mjs DIR [--runs N] [--warmup-ms N]
import {Environment} from '@marcbachmann/cel-js'
import {buildGraph, covers, glob, inCidr, loadWorkload, parseArgs, upstream, verifyAndTime, within} from './lib/workload.mjs'

// The plan under evaluation, for the plan-aware functions.
let current = null
let currentGraph = null

const env = new Environment()
  .registerVariable('step', 'map')
  .registerVariable('plan', 'map')
  .registerVariable('agent', 'map')
  .registerVariable('context', 'map')
  .registerFunction('string.glob(string): bool', (s, pattern) => glob(pattern, s))
  .registerFunction('string.in_cidr(string): bool', (ip, cidr) => inCidr(ip, [cidr]))
  .registerFunction('string.in_cidr(list<string>): bool', (ip, cidrs) => inCidr(ip, cidrs))
  .registerFunction('google.protobuf.Timestamp.within(string, string): bool', (t, w, tz) => within(t, w, tz))
  .registerFunction('map.covers(map): bool', (g, step) => covers(g, step, current.context))
  .registerFunction('map.before(): list<map>', (step) => current.steps.slice(0, step.index))
  .registerFunction('map.upstream(): list<map>', (step) => {
    if (currentGraph === null) currentGraph = buildGraph(current)
    return upstream(current, currentGraph, step.index)
  })

const args = parseArgs(process.argv.slice(2))
const workload = loadWorkload(args.dir)

const compiled = workload.rules.map((rule) => {
  const text = `(${rule.when}) && !(${rule.unless})`
  const check = env.check(text)
  if (!check.valid) throw new Error(`${rule.name}: ${check.error.message}`)
  return {name: rule.name, fires: env.parse(text)}
})

function evaluate(plan) {
  current = plan
  currentGraph = null
  const vars = {step: null, plan, agent: plan.agent, context: plan.context}
  const findings = []
  for (const rule of compiled) {
    for (const step of plan.steps) {
      vars.step = step
      if (rule.fires(vars)) findings.push({rule: rule.name, step: step.id})
    }
  }
  return findings
}

verifyAndTime('cel-js', workload, evaluate, args, {
  precomputed: 'nothing: the plan-aware built-ins are custom functions run during evaluation',
})
