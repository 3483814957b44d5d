// What the JavaScript peers (cedar.mjs, cel.mjs) share: reading a dumped
// workload (DIR/policy.gavel, DIR/plan.json) and Gavel's decision on it
// (DIR/gavel.json), the semantics of Gavel's built-ins that the peers lack
// (glob, in_cidr, within, covers, before, upstream), the check that a peer
// reached Gavel's decisions, and the timing loop.
import {readFileSync} from 'node:fs'
import {parseRules} from './rules.mjs'

export {parseRules}

// --- The plan, decoded into plain JavaScript values -------------------------
// Done once, outside the timed loop, as Gavel's W2 times Evaluate() on a plan
// already decoded: unset fields get Gavel's defaults ("", false, [], ...),
// timestamps become Dates and durations milliseconds.

const UNIT_MS = {h: 3600e3, m: 60e3, s: 1e3, ms: 1, us: 1e-3, 'µs': 1e-3, ns: 1e-6}

export function parseDurationMs(text) {
  if (text === undefined) return 0
  const re = /(\d+(?:\.\d*)?|\.\d+)(h|ms|us|µs|ns|m|s)/gy
  let total = 0, m, pos = 0
  while ((m = re.exec(text)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]]
    pos = re.lastIndex
  }
  if (pos !== text.length || text.length === 0) throw new Error(`duration \`${text}\` does not parse`)
  return total
}

function timestamp(text) {
  if (text === undefined) return null
  const d = new Date(text)
  if (Number.isNaN(d.getTime())) throw new Error(`timestamp \`${text}\` does not parse`)
  return d
}

export function decodePlan(json) {
  const p = JSON.parse(json)
  const steps = (p.steps ?? []).map((s, index) => ({
    id: s.id ?? `#${index}`,
    index,
    action: s.action ?? '',
    verb: s.verb ?? '',
    resource: {kind: '', group: '', namespace: '', name: '', cluster: '', ...s.resource},
    network: {host: '', ip: '', port: 0, protocol: '', egress: false, ...s.network},
    depends_on: s.depends_on ?? [],
    inputs: s.inputs ?? [],
    starts_at: timestamp(s.starts_at),
    duration_ms: parseDurationMs(s.duration),
  }))
  const agent = p.agent ?? {}
  const grants = (agent.grants ?? []).map((g) => ({
    id: g.id ?? '',
    actions: g.actions ?? [],
    verbs: g.verbs ?? [],
    resources: g.resources ?? [],
    namespaces: g.namespaces ?? [],
    clusters: g.clusters ?? [],
    not_before: timestamp(g.not_before),
    expires_at: timestamp(g.expires_at),
  }))
  const c = p.context ?? {}
  return {
    id: p.id ?? '',
    agent: {id: agent.id ?? '', grants},
    context: {
      environment: c.environment ?? '',
      airgapped: c.airgapped ?? false,
      cluster: c.cluster ?? '',
      region: c.region ?? '',
      now: timestamp(c.now),
    },
    steps,
  }
}

// --- Gavel's built-ins, with Gavel's semantics (docs/language.md) ------------

// Glob over the whole string: `*` any run without `/`, `**` any run, `?` one
// character but `/`, `[a-z]`/`[!a-z]` one character of a class (never `/`),
// `\x` the character x.
export function glob(pattern, s) {
  return globAt(pattern, 0, s, 0)
}

function globAt(p, pi, s, si) {
  while (pi < p.length) {
    const c = p[pi]
    if (c === '*') {
      const any = p[pi + 1] === '*'
      const next = pi + (any ? 2 : 1)
      for (let k = si; ; k++) {
        if (globAt(p, next, s, k)) return true
        if (k >= s.length || (!any && s[k] === '/')) return false
      }
    }
    if (si >= s.length) return false
    if (c === '?') {
      if (s[si] === '/') return false
    } else if (c === '[') {
      const end = p.indexOf(']', pi + 2)
      if (end < 0) throw new Error(`glob \`${p}\`: unterminated [`)
      let k = pi + 1
      const negate = p[k] === '!'
      if (negate) k++
      let hit = false
      for (; k < end; k++) {
        if (p[k + 1] === '-' && k + 2 < end) {
          if (s[si] >= p[k] && s[si] <= p[k + 2]) hit = true
          k += 2
        } else if (p[k] === s[si]) {
          hit = true
        }
      }
      if (hit === negate || s[si] === '/') return false
      pi = end
    } else if (c === '\\') {
      pi++
      if (pi >= p.length) throw new Error(`glob \`${p}\`: trailing \\`)
      if (p[pi] !== s[si]) return false
    } else if (c !== s[si]) {
      return false
    }
    pi++
    si++
  }
  return si === s.length
}

// IPv4 CIDRs, parsed once per distinct text (Gavel precompiles literals too).
const cidrCache = new Map()

function ipv4(text) {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (m === null) throw new Error(`address \`${text}\` does not parse (the peers know IPv4 only)`)
  let v = 0
  for (let i = 1; i <= 4; i++) {
    const b = Number(m[i])
    if (b > 255) throw new Error(`address \`${text}\` does not parse`)
    v = v * 256 + b
  }
  return v
}

function cidr(text) {
  let c = cidrCache.get(text)
  if (c === undefined) {
    const [addr, bits] = text.split('/')
    const n = Number(bits)
    if (!(n >= 0 && n <= 32)) throw new Error(`cidr \`${text}\` does not parse`)
    const size = 2 ** (32 - n)
    c = {base: Math.floor(ipv4(addr) / size) * size, size}
    cidrCache.set(text, c)
  }
  return c
}

export function inCidr(ip, cidrs) {
  const a = ipv4(ip)
  for (const text of cidrs) {
    const c = cidr(text)
    if (a >= c.base && a < c.base + c.size) return true
  }
  return false
}

// Time windows: `Days HH:MM-HH:MM[, ...]` (the forms the workload uses; a
// date range is refused). Parsed once per distinct text.
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const windowCache = new Map()

function dayIndex(name) {
  const i = DAYS.indexOf(name.toLowerCase())
  if (i < 0) throw new Error(`day \`${name}\` does not parse`)
  return i
}

function minutes(hhmm) {
  const m = /^(\d\d):(\d\d)$/.exec(hhmm)
  if (m === null || Number(m[1]) > 24 || Number(m[2]) > 59) throw new Error(`time \`${hhmm}\` does not parse`)
  return Number(m[1]) * 60 + Number(m[2])
}

// A window as ranges {days: Set of 0 (Sunday)..6, from, to} in minutes.
export function parseWindow(text) {
  let ranges = windowCache.get(text)
  if (ranges !== undefined) return ranges
  ranges = text.split(',').map((part) => part.trim()).reduce((out, part, i, parts) => {
    // `Sat,Sun 10:00-12:00` splits into `Sat` and `Sun 10:00-12:00`: a part
    // without a time range is a day list continued by the next part.
    out.pending = (out.pending ?? []).concat(part)
    if (!/\d\d:\d\d-\d\d:\d\d$/.test(part)) {
      if (i === parts.length - 1) throw new Error(`window \`${text}\`: \`${part}\` has no time range`)
      return out
    }
    const joined = out.pending.join(',')
    out.pending = []
    const m = /^(?:([A-Za-z,-]+)\s+)?(\d\d:\d\d)-(\d\d:\d\d)$/.exec(joined)
    if (m === null) throw new Error(`window \`${text}\`: \`${joined}\` is not a days-and-times range`)
    const days = new Set()
    for (const d of (m[1] ?? 'Sun-Sat').split(',')) {
      const [a, b] = d.split('-')
      const from = dayIndex(a), to = b === undefined ? from : dayIndex(b)
      for (let k = from; ; k = (k + 1) % 7) {
        days.add(k)
        if (k === to) break
      }
    }
    out.push({days, from: minutes(m[2]), to: minutes(m[3])})
    return out
  }, [])
  delete ranges.pending
  windowCache.set(text, ranges)
  return ranges
}

// The local weekday (0 = Sunday) and minute of the day of `date` in `tz`.
// Intl.DateTimeFormat is slow (microseconds a call), so the zone's UTC offset
// is asked of it once per zone and quarter of an hour (zone offsets and their
// changes fall on quarter hours), as a time zone library caches transitions.
const formatters = new Map()
const offsets = new Map()
const WEEKDAY = {Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6}
const QUARTER_MS = 15 * 60e3

function offsetMinutes(ms, tz) {
  const key = `${tz} ${Math.floor(ms / QUARTER_MS)}`
  let offset = offsets.get(key)
  if (offset !== undefined) return offset
  let f = formatters.get(tz)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit',
      hourCycle: 'h23'})
    formatters.set(tz, f)
  }
  let weekday = 0, minute = 0
  for (const part of f.formatToParts(new Date(ms))) {
    if (part.type === 'weekday') weekday = WEEKDAY[part.value]
    else if (part.type === 'hour') minute += Number(part.value) * 60
    else if (part.type === 'minute') minute += Number(part.value)
  }
  const utc = new Date(ms)
  let diff = (weekday - utc.getUTCDay()) * 1440 + minute - (utc.getUTCHours() * 60 + utc.getUTCMinutes())
  if (diff > 7 * 720) diff -= 7 * 1440  // across the week's end
  if (diff < -7 * 720) diff += 7 * 1440
  offset = diff
  if (offsets.size > 10000) offsets.clear()
  offsets.set(key, offset)
  return offset
}

export function localTime(date, tz) {
  const ms = date.getTime()
  const local = Math.floor(ms / 60e3) + offsetMinutes(ms, tz)  // minutes since the epoch, local
  const days = Math.floor(local / 1440)
  return {weekday: (((days + 4) % 7) + 7) % 7, minute: local - days * 1440}  // 1970-01-01 was a Thursday
}

// Whether local time {weekday, minute} is in the window: a range whose end is
// before its start crosses midnight and belongs to the day it starts on.
export function inWindow(local, ranges) {
  for (const r of ranges) {
    if (r.from < r.to) {
      if (r.days.has(local.weekday) && local.minute >= r.from && local.minute < r.to) return true
    } else {
      if (r.days.has(local.weekday) && local.minute >= r.from) return true
      if (r.days.has((local.weekday + 6) % 7) && local.minute < r.to) return true
    }
  }
  return false
}

export function within(date, window, tz) {
  return inWindow(localTime(date, tz), parseWindow(window))
}

// g.covers(step): engine/builtins_plan.cc, line for line.
function listMatches(patterns, value, isGlob, emptyException) {
  if (value === '' && emptyException) return patterns.length === 0 || patterns.includes('*')
  for (const p of patterns) {
    if (p === '*') return true
    if (isGlob ? glob(p, value) : p === value) return true
  }
  return false
}

export function covers(g, step, context) {
  const cluster = step.resource.cluster !== '' ? step.resource.cluster : context.cluster
  const ok = listMatches(g.actions, step.action, true, false) &&
    listMatches(g.verbs, step.verb, false, true) &&
    listMatches(g.resources, step.resource.kind, false, true) &&
    listMatches(g.namespaces, step.resource.namespace, true, true) &&
    listMatches(g.clusters, cluster, false, true)
  if (!ok) return false
  if (g.not_before === null && g.expires_at === null) return true
  const start = step.starts_at ?? context.now
  if (start === null) throw new Error(`covers(): step \`${step.id}\` has no starts_at and the plan has no context.now`)
  const end = start.getTime() + step.duration_ms
  if (g.not_before !== null && start.getTime() < g.not_before.getTime()) return false
  if (g.expires_at !== null && end > g.expires_at.getTime()) return false
  return true
}

// The plan's dependency graph (depends_on and inputs), built once per
// evaluation as Gavel's EvalScope does.
export function buildGraph(plan) {
  const ids = new Map()
  plan.steps.forEach((s, i) => ids.set(s.id, i))
  const up = plan.steps.map((s) => {
    const edges = []
    for (const id of s.depends_on) edges.push(ids.get(id))
    for (const id of s.inputs) edges.push(ids.get(id))
    return edges
  })
  return {ids, up}
}

// step.upstream(): the steps reachable over `up`, in plan order, without it.
export function upstream(plan, graph, index) {
  const seen = new Uint8Array(plan.steps.length)
  const stack = [index]
  seen[index] = 1
  while (stack.length > 0) {
    for (const to of graph.up[stack.pop()]) {
      if (!seen[to]) {
        seen[to] = 1
        stack.push(to)
      }
    }
  }
  seen[index] = 0
  const out = []
  for (let i = 0; i < seen.length; i++) if (seen[i]) out.push(plan.steps[i])
  return out
}

// --- Checking a peer against Gavel -------------------------------------------

// A peer's findings: [{rule: 'w.egress_0', step: 's6'}]; the effect and
// approvers come from the rule.
export function decisionOf(findings, rulesByName) {
  const out = {verdict: 'allow', violations: [], approvers: new Set()}
  for (const f of findings) {
    const rule = rulesByName.get(f.rule)
    out.violations.push({rule: f.rule, step: f.step, effect: rule.effect})
    if (rule.effect === 'deny') out.verdict = 'deny'
    else if (out.verdict === 'allow') out.verdict = 'needs_approval'
    for (const a of rule.approvers) out.approvers.add(a)
  }
  out.approvers = [...out.approvers].sort()
  return out
}

// Differences between the peer's decision and Gavel's (empty when equal).
export function compareWithGavel(peer, gavel) {
  const diffs = []
  if (gavel.errors.length > 0) diffs.push(`Gavel reported runtime errors, which the peers do not model: ${JSON.stringify(gavel.errors)}`)
  if (peer.verdict !== gavel.verdict) diffs.push(`verdict: peer ${peer.verdict}, Gavel ${gavel.verdict}`)
  const key = (v) => `${v.rule} on ${v.step || '(plan)'} (${v.effect})`
  const mine = new Set(peer.violations.map(key)), theirs = new Set(gavel.violations.map(key))
  for (const k of theirs) if (!mine.has(k)) diffs.push(`missing: ${k}`)
  for (const k of mine) if (!theirs.has(k)) diffs.push(`extra: ${k}`)
  if (peer.approvers.join(',') !== [...gavel.approvers].sort().join(',')) {
    diffs.push(`approvers: peer ${peer.approvers}, Gavel ${gavel.approvers}`)
  }
  return diffs
}

// --- Timing ------------------------------------------------------------------

// Median ns per call of fn over `runs` batches of about `batchMs` each, after
// `warmupMs` of warm-up (so the JIT has optimized the hot paths). Warm-up and
// batch sizes count the process's CPU time, and each batch is timed twice:
// by CPU time (`cpu`, what the table reports, as Google Benchmark's counters
// do, so that other load on the machine does not count) and by the wall
// clock (`wall`). The CPU time includes the runtime's own threads (garbage
// collection, JIT compilation), which are part of the peer's cost.
export function measure(fn, {runs = 31, warmupMs = 2000, batchMs = 20} = {}) {
  let sink = 0
  const now = () => process.hrtime.bigint()
  const cpuNs = () => {
    const u = process.cpuUsage()
    return (u.user + u.system) * 1000
  }
  const start = cpuNs()
  while (cpuNs() - start < warmupMs * 1e6) sink += fn()
  let batch = 1
  for (;;) {
    const c = cpuNs()
    for (let i = 0; i < batch; i++) sink += fn()
    const ns = cpuNs() - c
    if (ns >= batchMs * 1e6 / 4) {
      batch = Math.max(1, Math.round(batch * batchMs * 1e6 / ns))
      break
    }
    batch *= 2
  }
  const cpu = [], wall = []
  for (let r = 0; r < runs; r++) {
    const c = cpuNs(), t = now()
    for (let i = 0; i < batch; i++) sink += fn()
    wall.push(Number(now() - t) / batch)
    cpu.push((cpuNs() - c) / batch)
  }
  return {cpu: summary(cpu), wall: summary(wall), batch, runs, sink}
}

export function summary(samples) {
  samples.sort((a, b) => a - b)
  return {median: samples[samples.length >> 1], min: samples[0], max: samples[samples.length - 1]}
}

// --- Command line --------------------------------------------------------------

export function loadWorkload(dir) {
  const policyText = readFileSync(`${dir}/policy.gavel`, 'utf8')
  const {pkg, rules} = parseRules(policyText)
  return {
    pkg,
    rules,
    rulesByName: new Map(rules.map((r) => [r.name, r])),
    plan: decodePlan(readFileSync(`${dir}/plan.json`, 'utf8')),
    gavel: JSON.parse(readFileSync(`${dir}/gavel.json`, 'utf8')),
  }
}

// Usage: node PEER.mjs DIR [--runs N] [--warmup-ms N]
export function parseArgs(argv) {
  const args = {dir: null, runs: 31, warmupMs: 2000, printPolicies: false}
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') args.runs = Number(argv[++i])
    else if (argv[i] === '--warmup-ms') args.warmupMs = Number(argv[++i])
    else if (argv[i] === '--print-policies') args.printPolicies = true
    else if (args.dir === null) args.dir = argv[i]
    else throw new Error(`unknown argument ${argv[i]}`)
  }
  if (args.dir === null) throw new Error('usage: node PEER.mjs DIR [--runs N] [--warmup-ms N]')
  return args
}

// Verifies, then times, then prints one JSON line for bench/peers/run.
// `evaluate(plan)` returns the findings; `extra` adds fields to the report
// (a function is called after the timing, for measurements of its own).
export function verifyAndTime(name, workload, evaluate, args, extra = {}) {
  const peer = decisionOf(evaluate(workload.plan), workload.rulesByName)
  const diffs = compareWithGavel(peer, workload.gavel)
  if (diffs.length > 0) {
    console.error(`${name}: decisions differ from Gavel's; not timing it:\n  ${diffs.join('\n  ')}`)
    process.exit(1)
  }
  const t = measure(() => evaluate(workload.plan).length, args)
  const steps = workload.plan.steps.length
  const report = {
    peer: name,
    verified: true,
    verdict: peer.verdict,
    violations: peer.violations.length,
    rules: workload.rules.length,
    steps,
    ns_per_plan: t.cpu.median,
    ns_per_step: t.cpu.median / steps,
    min_ns_per_plan: t.cpu.min,
    max_ns_per_plan: t.cpu.max,
    wall_ns_per_plan: t.wall.median,
    runs: t.runs,
    plans_per_run: t.batch,
    ...(typeof extra === 'function' ? extra() : extra),
  }
  console.log(JSON.stringify(report))
  return report
}
