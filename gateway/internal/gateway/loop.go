package gateway

import (
	"github.com/eventshop/eventshop/gateway/internal/evhttp"
	"github.com/eventshop/eventshop/gateway/internal/proxy"
	"github.com/eventshop/eventshop/gateway/internal/routes"
)

// serveOnLoop runs a proxied request on its connection's event loop: the
// chain, then the exchange with the upstream over a connection of the same
// loop, whose answer completes the client's response there. Nothing waits:
// the loop serves other connections while the upstream works.
func (g *Gateway) serveOnLoop(ev *evhttp.Exchange, rt *routes.Route, path string) {
	x := newExchange(&ev.Ctx, rt, path, ev.Start)
	body, refused := g.admit(&x)
	if refused != 0 {
		g.observe(&x, refused)
		ev.Finish()
		return
	}
	done, err := g.breakers.Allow(rt.Upstream)
	if err != nil {
		g.observe(&x, g.upstreamError(&x, err))
		ev.Finish()
		return
	}
	out := g.outgoing(&x, body)
	var call *proxy.Call
	ev.OnGone(func() {
		if call != nil {
			call.Cancel()
		}
	})
	// The answer may come before Send returns (a refused dial): ev is
	// finished then, and only the local call is set after it.
	call = g.proxy.Send(ev.Loop(), &ev.Ctx.Request, &ev.Ctx.Response, g.upstreams[rt.Upstream], x.start.Add(rt.Timeout), &out, func(err error) {
		defer g.recoverOnLoop(ev)
		g.observe(&x, g.forwarded(&x, done, err))
		ev.Finish()
	})
}
