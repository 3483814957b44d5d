// The table (or JSON) of bench/peers/run, from the results it collected in
// DIR: results.jsonl (one line per peer, Gavel's own from gavel_time),
// gavel.json (the CLI's decision), gavel_time.json (gavel_time's decision,
// checked to be the CLI's) and, for W2, gavel_workloads.json.
//
// Usage: node bench/peers/report.mjs DIR [--pinned CMD] [--json FILE|-]
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {cpus, loadavg} from 'node:os'
import {compareWithGavel} from './lib/workload.mjs'

const argv = process.argv.slice(2)
const dir = argv[0]
const option = (name) => {
  const i = argv.indexOf(name)
  return i < 0 ? null : argv[i + 1]
}
const jsonOut = option('--json')
const pinned = option('--pinned') ?? 'none'

const read = (name) => JSON.parse(readFileSync(`${dir}/${name}`, 'utf8'))
const lines = existsSync(`${dir}/results.jsonl`) ? readFileSync(`${dir}/results.jsonl`, 'utf8').trim().split('\n') : []
const results = lines.filter((l) => l !== '').map((l) => JSON.parse(l))
const cli = read('gavel.json')
const {rules} = read('rules.json')
const gavel = results.find((r) => r.peer === 'gavel')
if (gavel === undefined) throw new Error('no result for Gavel itself')

// gavel_time evaluated the same files with the same engine; check anyway.
const own = read('gavel_time.json')
const diffs = compareWithGavel({verdict: own.verdict, violations: own.violations,
  approvers: [...own.approvers].sort()}, cli)
if (own.errors.length > 0 || diffs.length > 0) throw new Error(`gavel_time disagrees with gavel lint: ${diffs}`)
gavel.rules = rules.length

let workloads = null
if (existsSync(`${dir}/gavel_workloads.json`)) {
  // cpu_time is ns per plan (one iteration evaluates one plan).
  const b = read('gavel_workloads.json').benchmarks.find((x) => x.name === 'W2_median')
  if (b !== undefined && b.time_unit === 'ns') {
    workloads = {ns_per_plan: b.cpu_time, ns_per_step: b.cpu_time / gavel.steps, allocs_per_eval: b.allocs_per_eval}
  }
}

const summary = {
  workload: {rules: rules.length, steps: gavel.steps, verdict: cli.verdict, violations: cli.violations.length,
    name: rules.length === 25 && gavel.steps === 20 ? 'W2' : `${rules.length} rules x ${gavel.steps} steps`},
  machine: {cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, pinned, node: process.version,
    load_average: loadavg().map((x) => Math.round(x * 100) / 100)},
  date: new Date().toISOString(),
  measure: 'median over runs of ~20 ms batches of the process CPU time per plan, after a warm-up; ' +
    'wall_ns_per_plan is the wall-clock median',
  peers: Object.fromEntries(results.map((r) => {
    const {sink, ...rest} = r
    return [r.peer, {...rest, ratio_to_gavel: r.ns_per_plan / gavel.ns_per_plan}]
  })),
  gavel_workloads_w2: workloads,
}

if (jsonOut !== null) {
  const text = JSON.stringify(summary, null, 2) + '\n'
  if (jsonOut === '-') process.stdout.write(text)
  else writeFileSync(jsonOut, text)
}
if (jsonOut !== '-') {
  const fmt = (x, digits = 0) => x.toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits})
  const w = summary.workload
  console.log(`\n${w.name}: ${w.rules} rules x ${w.steps} steps, verdict ${w.verdict}, ${w.violations} violations; ` +
    `pinned: ${pinned}; CPU time per plan, median of ${gavel.runs} runs; load average ${summary.machine.load_average[0]}`)
  const rows = [['peer', 'ns/plan', 'ns/step', 'peer/Gavel', 'wall ns/plan']]
  for (const [name, r] of Object.entries(summary.peers)) {
    rows.push([name, fmt(r.ns_per_plan), fmt(r.ns_per_step, 1), `${fmt(r.ratio_to_gavel, 1)}x`, fmt(r.wall_ns_per_plan)])
  }
  if (workloads !== null) {
    rows.push(['(gavel_workloads W2)', fmt(workloads.ns_per_plan), fmt(workloads.ns_per_step, 1), '', ''])
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)))
  for (const row of rows) console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))
}
