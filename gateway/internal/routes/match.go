package routes

import "strings"

// Matcher finds the proxied route of a request without allocating: the
// gateway's hot path runs it before echo sees the request.
type Matcher struct {
	byMethod map[string][]compiled
}

type compiled struct {
	segs  []string // "" marks a parameter
	route *Route
}

// NewMatcher compiles the routes of table for which keep is true.
func NewMatcher(table []Route, keep func(Route) bool) *Matcher {
	m := &Matcher{byMethod: map[string][]compiled{}}
	for i := range table {
		r := &table[i]
		if !keep(*r) {
			continue
		}
		segs := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
		for j, s := range segs {
			if strings.HasPrefix(s, ":") {
				segs[j] = ""
			}
		}
		m.byMethod[r.Method] = append(m.byMethod[r.Method], compiled{segs, r})
	}
	return m
}

// Match returns the route for method and path, or nil.
func (m *Matcher) Match(method, path string) *Route {
	for _, c := range m.byMethod[method] {
		if c.matches(path) {
			return c.route
		}
	}
	return nil
}

func (c compiled) matches(path string) bool {
	rest, ok := strings.CutPrefix(path, "/")
	if !ok {
		return false
	}
	for i, want := range c.segs {
		seg, tail, more := strings.Cut(rest, "/")
		if (want == "" && seg == "") || (want != "" && seg != want) {
			return false
		}
		if more != (i < len(c.segs)-1) {
			return false
		}
		rest = tail
	}
	return true
}
