// The W2 workload on Go's expr (github.com/antonmedv/expr, Debian's 1.8.9):
// one compiled program per rule, run on every step with the step, plan,
// agent and context as the environment. Gavel's built-ins that expr lacks
// are methods of the environment with Gavel's semantics (builtins.go): Glob,
// InCidr, Within, Covers, Before and Upstream; expr's own any() stands for
// CEL's exists(). The dependency graph for Upstream is built once per plan
// evaluation, inside the timed call. Nothing else is precomputed.
//
// Usage: expr_peer DIR [--runs N] [--warmup-ms N]
// (DIR holds policy.gavel's rules as rules.json, plan.json and gavel.json.)
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/antonmedv/expr"
	"github.com/antonmedv/expr/vm"
)

// A rule spec, as bench/peers/lib/rules.mjs reads it from policy.gavel.
type RuleSpec struct {
	Name            string   `json:"name"`
	Kind            string   `json:"kind"`
	Effect          string   `json:"effect"`
	Approvers       []string `json:"approvers"`
	Action          string   `json:"action"`
	Cidrs           []string `json:"cidrs"`
	HostGlob        string   `json:"hostGlob"`
	ExceptNamespace string   `json:"exceptNamespace"`
	Verbs           []string `json:"verbs"`
	Namespace       string   `json:"namespace"`
	Window          string   `json:"window"`
	Tz              string   `json:"tz"`
	ExceptKind      string   `json:"exceptKind"`
	Verb            string   `json:"verb"`
	ResourceKind    string   `json:"resourceKind"`
	BackupAction    string   `json:"backupAction"`
	SecretKind      string   `json:"secretKind"`
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// The rule as one expr expression: WHEN && !(UNLESS).
func exprOf(r RuleSpec) (string, error) {
	q := strconv.Quote
	switch r.Kind {
	case "egress":
		return fmt.Sprintf(`Step.Action == %s && Step.Network.Egress && !(InCidr(Step.Network.IP, %s) || Glob(Step.Network.Host, %s))`,
			q(r.Action), quoteList(r.Cidrs), q(r.HostGlob)), nil
	case "scope":
		return fmt.Sprintf(`Step.Resource.Namespace != "" && Step.Resource.Namespace != %s && !any(Agent.Grants, {any(#.Namespaces, {Glob(Step.Resource.Namespace, #)})})`,
			q(r.ExceptNamespace)), nil
	case "window":
		return fmt.Sprintf(`Step.Verb in %s && Step.Resource.Namespace == %s && !Within(Context.Now, %s, %s)`,
			quoteList(r.Verbs), q(r.Namespace), q(r.Window), q(r.Tz)), nil
	case "covered":
		return fmt.Sprintf(`Step.Resource.Kind != %s && !any(Agent.Grants, {Covers(#, Step)})`, q(r.ExceptKind)), nil
	case "backup":
		return fmt.Sprintf(`Step.Verb == %s && Step.Resource.Kind == %s && !any(Before(Step), {#.Action == %s && #.Resource.Namespace == Step.Resource.Namespace})`,
			q(r.Verb), q(r.ResourceKind), q(r.BackupAction)), nil
	case "exfil":
		return fmt.Sprintf(`Step.Network.Egress && any(Upstream(Step), {#.Resource.Kind == %s && #.Resource.Namespace == %s})`,
			q(r.SecretKind), q(r.Namespace)), nil
	}
	return "", fmt.Errorf("%s: no expr translation for kind %s", r.Name, r.Kind)
}

type compiledRule struct {
	spec    RuleSpec
	program *vm.Program
}

type finding struct{ rule, step string }

// One VM, reused for every run (vm.Run would make a new one each time).
var machine vm.VM

func evaluate(rules []compiledRule, plan *Plan) []finding {
	env := &Env{Plan: plan, Agent: &plan.Agent, Context: &plan.Context}
	var out []finding
	for _, r := range rules {
		for _, s := range plan.Steps {
			env.Step = s
			v, err := machine.Run(r.program, env)
			if err != nil {
				fail("%s on %s: %v", r.spec.Name, s.ID, err)
			}
			if v.(bool) {
				out = append(out, finding{r.spec.Name, s.ID})
			}
		}
	}
	return out
}

// --- Checking against Gavel ---------------------------------------------------

type gavelDecision struct {
	Verdict    string `json:"verdict"`
	Violations []struct {
		Rule   string `json:"rule"`
		Step   string `json:"step"`
		Effect string `json:"effect"`
	} `json:"violations"`
	Errors    []json.RawMessage `json:"errors"`
	Approvers []string          `json:"approvers"`
}

func compare(findings []finding, specs map[string]RuleSpec, g gavelDecision) (verdict string, diffs []string) {
	if len(g.Errors) > 0 {
		diffs = append(diffs, "Gavel reported runtime errors, which the peers do not model")
	}
	verdict = "allow"
	mine := map[string]bool{}
	approvers := map[string]bool{}
	for _, f := range findings {
		spec := specs[f.rule]
		mine[fmt.Sprintf("%s on %s (%s)", f.rule, f.step, spec.Effect)] = true
		if spec.Effect == "deny" {
			verdict = "deny"
		} else if verdict == "allow" {
			verdict = "needs_approval"
		}
		for _, a := range spec.Approvers {
			approvers[a] = true
		}
	}
	theirs := map[string]bool{}
	for _, v := range g.Violations {
		theirs[fmt.Sprintf("%s on %s (%s)", v.Rule, v.Step, v.Effect)] = true
	}
	if verdict != g.Verdict {
		diffs = append(diffs, fmt.Sprintf("verdict: peer %s, Gavel %s", verdict, g.Verdict))
	}
	for k := range theirs {
		if !mine[k] {
			diffs = append(diffs, "missing: "+k)
		}
	}
	for k := range mine {
		if !theirs[k] {
			diffs = append(diffs, "extra: "+k)
		}
	}
	var a []string
	for k := range approvers {
		a = append(a, k)
	}
	sort.Strings(a)
	b := append([]string(nil), g.Approvers...)
	sort.Strings(b)
	if strings.Join(a, ",") != strings.Join(b, ",") {
		diffs = append(diffs, fmt.Sprintf("approvers: peer %v, Gavel %v", a, b))
	}
	sort.Strings(diffs)
	return verdict, diffs
}

// --- Timing (the same method as bench/peers/lib/workload.mjs) ------------------

func cpuNs() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fail("getrusage: %v", err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

type stats struct{ median, min, max float64 }

func summarize(s []float64) stats {
	sort.Float64s(s)
	return stats{s[len(s)/2], s[0], s[len(s)-1]}
}

// Warm-up and batch sizes count CPU time, as in lib/workload.mjs.
func measure(fn func() int, runs int, warmup time.Duration) (cpu, wall stats, batch int) {
	sink := 0
	for start := cpuNs(); cpuNs()-start < warmup.Nanoseconds(); {
		sink += fn()
	}
	const batchNs = 20e6
	batch = 1
	for {
		c := cpuNs()
		for i := 0; i < batch; i++ {
			sink += fn()
		}
		ns := float64(cpuNs() - c)
		if ns >= batchNs/4 {
			batch = int(float64(batch)*batchNs/ns + 0.5)
			if batch < 1 {
				batch = 1
			}
			break
		}
		batch *= 2
	}
	var c, w []float64
	for r := 0; r < runs; r++ {
		c0, t0 := cpuNs(), time.Now()
		for i := 0; i < batch; i++ {
			sink += fn()
		}
		w = append(w, float64(time.Since(t0).Nanoseconds())/float64(batch))
		c = append(c, float64(cpuNs()-c0)/float64(batch))
	}
	if sink < 0 {
		fmt.Fprintln(os.Stderr, sink)
	}
	return summarize(c), summarize(w), batch
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "expr: "+format+"\n", args...)
	os.Exit(1)
}

func readJSON(path string, v interface{}) {
	data, err := os.ReadFile(path)
	if err != nil {
		fail("%v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		fail("%s: %v", path, err)
	}
}

func main() {
	dir, runs, warmupMs := "", 31, 2000
	for i := 1; i < len(os.Args); i++ {
		switch os.Args[i] {
		case "--runs", "--warmup-ms":
			if i+1 >= len(os.Args) {
				fail("%s needs a value", os.Args[i])
			}
			n, err := strconv.Atoi(os.Args[i+1])
			if err != nil {
				fail("%s: %v", os.Args[i], err)
			}
			if os.Args[i] == "--runs" {
				runs = n
			} else {
				warmupMs = n
			}
			i++
		default:
			if dir != "" {
				fail("unknown argument %s", os.Args[i])
			}
			dir = os.Args[i]
		}
	}
	if dir == "" {
		fail("usage: expr_peer DIR [--runs N] [--warmup-ms N]")
	}

	var policy struct {
		Rules []RuleSpec `json:"rules"`
	}
	readJSON(dir+"/rules.json", &policy)
	planText, err := os.ReadFile(dir + "/plan.json")
	if err != nil {
		fail("%v", err)
	}
	plan, err := decodePlan(planText)
	if err != nil {
		fail("plan.json: %v", err)
	}
	var gavel gavelDecision
	readJSON(dir+"/gavel.json", &gavel)

	specs := map[string]RuleSpec{}
	var rules []compiledRule
	for _, spec := range policy.Rules {
		text, err := exprOf(spec)
		if err != nil {
			fail("%v", err)
		}
		program, err := expr.Compile(text, expr.Env(&Env{}), expr.AsBool())
		if err != nil {
			fail("%s: %v\n%s", spec.Name, err, text)
		}
		specs[spec.Name] = spec
		rules = append(rules, compiledRule{spec, program})
	}

	findings := evaluate(rules, plan)
	verdict, diffs := compare(findings, specs, gavel)
	if len(diffs) > 0 {
		fail("decisions differ from Gavel's; not timing it:\n  %s", strings.Join(diffs, "\n  "))
	}
	cpu, wall, batch := measure(func() int { return len(evaluate(rules, plan)) }, runs,
		time.Duration(warmupMs)*time.Millisecond)
	steps := float64(len(plan.Steps))
	report := map[string]interface{}{
		"peer": "expr", "verified": true, "verdict": verdict, "violations": len(findings),
		"rules": len(rules), "steps": len(plan.Steps),
		"ns_per_plan": cpu.median, "ns_per_step": cpu.median / steps,
		"min_ns_per_plan": cpu.min, "max_ns_per_plan": cpu.max, "wall_ns_per_plan": wall.median,
		"runs": runs, "plans_per_run": batch, "version": "1.8.9 (Debian)",
		"precomputed": "nothing: the plan-aware built-ins are environment methods run during evaluation",
	}
	out, _ := json.Marshal(report)
	fmt.Println(string(out))
}
