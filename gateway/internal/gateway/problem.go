package gateway

import (
	"encoding/json"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/eventshop/eventshop/pkg/problem"
)

// writeProblem sends p as a problem response, byte for byte what
// httpserver.Write sends on echo's routes.
func writeProblem(resp *fasthttp.Response, p *problem.Problem) {
	body, err := json.Marshal(p)
	if err != nil {
		body = []byte(`{"type":"about:blank","title":"Internal Server Error","status":500}`)
	}
	resp.Header.SetContentType(problem.ContentType)
	if p.RetryAfter > 0 {
		resp.Header.Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	resp.SetStatusCode(p.Status)
	resp.SetBody(append(body, '\n'))
}
