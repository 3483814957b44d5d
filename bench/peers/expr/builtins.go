// The plan as Go values, and Gavel's built-ins with Gavel's semantics
// (docs/language.md; the same as bench/peers/lib/workload.mjs), as methods of
// the environment expr runs the rules in.
package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
)

type Resource struct{ Kind, Group, Namespace, Name, Cluster string }

type Network struct {
	Host, IP string
	Port     int
	Protocol string
	Egress   bool
}

type Step struct {
	ID, Action, Verb  string
	Index             int
	Resource          *Resource // pointers: expr copies a struct field it reads into an interface
	Network           *Network
	DependsOn, Inputs []string
	StartsAt          *time.Time
	Duration          time.Duration
}

type Grant struct {
	ID                                              string
	Actions, Verbs, Resources, Namespaces, Clusters []string
	NotBefore, ExpiresAt                            *time.Time
}

type Agent struct {
	ID     string
	Grants []*Grant
}

type Context struct {
	Environment, Cluster, Region string
	Airgapped                    bool
	Now                          time.Time
	HasNow                       bool
}

type Plan struct {
	ID      string
	Agent   Agent
	Context Context
	Steps   []*Step
}

// --- Decoding (outside the timed loop, as Gavel's W2 times a decoded plan) --

type jsonPlan struct {
	ID    string `json:"id"`
	Agent struct {
		ID     string `json:"id"`
		Grants []struct {
			ID         string   `json:"id"`
			Actions    []string `json:"actions"`
			Verbs      []string `json:"verbs"`
			Resources  []string `json:"resources"`
			Namespaces []string `json:"namespaces"`
			Clusters   []string `json:"clusters"`
			NotBefore  string   `json:"not_before"`
			ExpiresAt  string   `json:"expires_at"`
		} `json:"grants"`
	} `json:"agent"`
	Context struct {
		Environment string `json:"environment"`
		Airgapped   bool   `json:"airgapped"`
		Cluster     string `json:"cluster"`
		Region      string `json:"region"`
		Now         string `json:"now"`
	} `json:"context"`
	Steps []struct {
		ID       string `json:"id"`
		Action   string `json:"action"`
		Verb     string `json:"verb"`
		Resource struct {
			Kind, Group, Namespace, Name, Cluster string
		} `json:"resource"`
		Network struct {
			Host     string `json:"host"`
			IP       string `json:"ip"`
			Port     int    `json:"port"`
			Protocol string `json:"protocol"`
			Egress   bool   `json:"egress"`
		} `json:"network"`
		DependsOn []string `json:"depends_on"`
		Inputs    []string `json:"inputs"`
		StartsAt  string   `json:"starts_at"`
		Duration  string   `json:"duration"`
	} `json:"steps"`
}

func optionalTime(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return &t, err
}

func decodePlan(data []byte) (*Plan, error) {
	var j jsonPlan
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, err
	}
	p := &Plan{ID: j.ID}
	p.Agent.ID = j.Agent.ID
	for _, g := range j.Agent.Grants {
		nb, err := optionalTime(g.NotBefore)
		if err != nil {
			return nil, err
		}
		ex, err := optionalTime(g.ExpiresAt)
		if err != nil {
			return nil, err
		}
		p.Agent.Grants = append(p.Agent.Grants, &Grant{g.ID, g.Actions, g.Verbs, g.Resources, g.Namespaces, g.Clusters, nb, ex})
	}
	c := j.Context
	p.Context = Context{Environment: c.Environment, Cluster: c.Cluster, Region: c.Region, Airgapped: c.Airgapped}
	if c.Now != "" {
		now, err := time.Parse(time.RFC3339Nano, c.Now)
		if err != nil {
			return nil, err
		}
		p.Context.Now, p.Context.HasNow = now, true
	}
	for i, s := range j.Steps {
		resource, network := Resource(s.Resource), Network(s.Network)
		st := &Step{ID: s.ID, Action: s.Action, Verb: s.Verb, Index: i, Resource: &resource, Network: &network,
			DependsOn: s.DependsOn, Inputs: s.Inputs}
		if st.ID == "" {
			st.ID = "#" + strconv.Itoa(i)
		}
		var err error
		if st.StartsAt, err = optionalTime(s.StartsAt); err != nil {
			return nil, err
		}
		if s.Duration != "" {
			if st.Duration, err = time.ParseDuration(s.Duration); err != nil {
				return nil, err
			}
		}
		p.Steps = append(p.Steps, st)
	}
	return p, nil
}

// --- The environment -----------------------------------------------------------

// What a rule sees. Step changes per step; graph is built at most once per
// plan evaluation (unexported fields are invisible to expressions).
type Env struct {
	Step    *Step
	Plan    *Plan
	Agent   *Agent
	Context *Context
	graph   [][]int
}

// Glob: `*` any run without `/`, `**` any run, `?` one character but `/`,
// `[a-z]`/`[!a-z]` one character of a class (never `/`), `\x` the character x.
func (e *Env) Glob(s, pattern string) bool { return glob(pattern, s) }

func glob(p, s string) bool { return globAt(p, 0, s, 0) }

func globAt(p string, pi int, s string, si int) bool {
	for pi < len(p) {
		c := p[pi]
		if c == '*' {
			any := pi+1 < len(p) && p[pi+1] == '*'
			next := pi + 1
			if any {
				next++
			}
			for k := si; ; k++ {
				if globAt(p, next, s, k) {
					return true
				}
				if k >= len(s) || (!any && s[k] == '/') {
					return false
				}
			}
		}
		if si >= len(s) {
			return false
		}
		switch c {
		case '?':
			if s[si] == '/' {
				return false
			}
		case '[':
			end := strings.IndexByte(p[pi+2:], ']')
			if end < 0 {
				panic(fmt.Sprintf("glob `%s`: unterminated [", p))
			}
			end += pi + 2
			k := pi + 1
			negate := p[k] == '!'
			if negate {
				k++
			}
			hit := false
			for ; k < end; k++ {
				if k+2 < end && p[k+1] == '-' {
					if s[si] >= p[k] && s[si] <= p[k+2] {
						hit = true
					}
					k += 2
				} else if p[k] == s[si] {
					hit = true
				}
			}
			if hit == negate || s[si] == '/' {
				return false
			}
			pi = end
		case '\\':
			pi++
			if pi >= len(p) {
				panic(fmt.Sprintf("glob `%s`: trailing \\", p))
			}
			if p[pi] != s[si] {
				return false
			}
		default:
			if c != s[si] {
				return false
			}
		}
		pi++
		si++
	}
	return si == len(s)
}

// CIDRs parsed once per distinct text (Gavel precompiles literals too).
var prefixes = map[string]netip.Prefix{}

// InCidr: the address is in one of the CIDRs. The checker of expr 1.8.9 types
// a list literal as []interface{}, but its optimizer folds a constant one
// into []string, so both are taken.
func (e *Env) InCidr(ip string, list interface{}) bool {
	var cidrs []string
	switch l := list.(type) {
	case []string:
		cidrs = l
	case []interface{}:
		for _, c := range l {
			cidrs = append(cidrs, c.(string))
		}
	default:
		panic(fmt.Sprintf("in_cidr: %T is not a list of strings", list))
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		panic(fmt.Sprintf("address `%s` does not parse", ip))
	}
	for _, text := range cidrs {
		p, ok := prefixes[text]
		if !ok {
			if p, err = netip.ParsePrefix(text); err != nil {
				panic(fmt.Sprintf("cidr `%s` does not parse", text))
			}
			prefixes[text] = p
		}
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Windows: `Days HH:MM-HH:MM[, ...]`, parsed once per distinct text; zones
// loaded once per name.
type timeRange struct {
	days     [7]bool // 0 = Sunday
	from, to int     // minutes
}

var (
	windows   = map[string][]timeRange{}
	locations = map[string]*time.Location{}
	rangeRe   = regexp.MustCompile(`^(?:([A-Za-z,-]+)\s+)?(\d\d):(\d\d)-(\d\d):(\d\d)$`)
	dayNames  = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
)

func dayIndex(name string) int {
	for i, d := range dayNames {
		if strings.EqualFold(d, name) {
			return i
		}
	}
	panic(fmt.Sprintf("day `%s` does not parse", name))
}

func parseWindow(text string) []timeRange {
	if w, ok := windows[text]; ok {
		return w
	}
	var out []timeRange
	var pending []string
	parts := strings.Split(text, ",")
	for i, part := range parts {
		pending = append(pending, strings.TrimSpace(part))
		m := rangeRe.FindStringSubmatch(strings.Join(pending, ","))
		if m == nil {
			if i == len(parts)-1 {
				panic(fmt.Sprintf("window `%s` does not parse", text))
			}
			continue
		}
		pending = nil
		var r timeRange
		days := m[1]
		if days == "" {
			days = "Sun-Sat"
		}
		for _, d := range strings.Split(days, ",") {
			ab := strings.SplitN(d, "-", 2)
			from := dayIndex(ab[0])
			to := from
			if len(ab) == 2 {
				to = dayIndex(ab[1])
			}
			for k := from; ; k = (k + 1) % 7 {
				r.days[k] = true
				if k == to {
					break
				}
			}
		}
		num := func(s string) int { n, _ := strconv.Atoi(s); return n }
		r.from, r.to = num(m[2])*60+num(m[3]), num(m[4])*60+num(m[5])
		out = append(out, r)
	}
	windows[text] = out
	return out
}

// Within: the local wall-clock time of t in tz is in the window; a range
// whose end is before its start crosses midnight and belongs to its first day.
func (e *Env) Within(t time.Time, window, tz string) bool {
	loc, ok := locations[tz]
	if !ok {
		var err error
		if loc, err = time.LoadLocation(tz); err != nil {
			panic(fmt.Sprintf("zone `%s`: %v", tz, err))
		}
		locations[tz] = loc
	}
	l := t.In(loc)
	day, minute := int(l.Weekday()), l.Hour()*60+l.Minute()
	for _, r := range parseWindow(window) {
		if r.from < r.to {
			if r.days[day] && minute >= r.from && minute < r.to {
				return true
			}
		} else {
			if r.days[day] && minute >= r.from {
				return true
			}
			if r.days[(day+6)%7] && minute < r.to {
				return true
			}
		}
	}
	return false
}

// Covers: g.covers(step), engine/builtins_plan.cc line for line.
func listMatches(patterns []string, value string, isGlob, emptyException bool) bool {
	if value == "" && emptyException {
		if len(patterns) == 0 {
			return true
		}
		for _, p := range patterns {
			if p == "*" {
				return true
			}
		}
		return false
	}
	for _, p := range patterns {
		if p == "*" || (isGlob && glob(p, value)) || (!isGlob && p == value) {
			return true
		}
	}
	return false
}

func (e *Env) Covers(g *Grant, s *Step) bool {
	cluster := s.Resource.Cluster
	if cluster == "" {
		cluster = e.Context.Cluster
	}
	if !(listMatches(g.Actions, s.Action, true, false) && listMatches(g.Verbs, s.Verb, false, true) &&
		listMatches(g.Resources, s.Resource.Kind, false, true) &&
		listMatches(g.Namespaces, s.Resource.Namespace, true, true) && listMatches(g.Clusters, cluster, false, true)) {
		return false
	}
	if g.NotBefore == nil && g.ExpiresAt == nil {
		return true
	}
	var start time.Time
	switch {
	case s.StartsAt != nil:
		start = *s.StartsAt
	case e.Context.HasNow:
		start = e.Context.Now
	default:
		panic(fmt.Sprintf("covers(): step `%s` has no starts_at and the plan has no context.now", s.ID))
	}
	if g.NotBefore != nil && start.Before(*g.NotBefore) {
		return false
	}
	if g.ExpiresAt != nil && start.Add(s.Duration).After(*g.ExpiresAt) {
		return false
	}
	return true
}

// Before: the steps earlier in the plan.
func (e *Env) Before(s *Step) []*Step { return e.Plan.Steps[:s.Index] }

// Upstream: the steps s depends on or takes inputs from, transitively, in
// plan order, without s.
func (e *Env) Upstream(s *Step) []*Step {
	steps := e.Plan.Steps
	if e.graph == nil {
		ids := make(map[string]int, len(steps))
		for i, st := range steps {
			ids[st.ID] = i
		}
		e.graph = make([][]int, len(steps))
		for i, st := range steps {
			for _, id := range st.DependsOn {
				e.graph[i] = append(e.graph[i], ids[id])
			}
			for _, id := range st.Inputs {
				e.graph[i] = append(e.graph[i], ids[id])
			}
		}
	}
	seen := make([]bool, len(steps))
	stack := []int{s.Index}
	seen[s.Index] = true
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, to := range e.graph[n] {
			if !seen[to] {
				seen[to] = true
				stack = append(stack, to)
			}
		}
	}
	seen[s.Index] = false
	var out []*Step
	for i, ok := range seen {
		if ok {
			out = append(out, steps[i])
		}
	}
	return out
}
