package gateway

import (
	"sync"

	"github.com/eventshop/eventshop/gateway/internal/evhttp"
	"github.com/eventshop/eventshop/gateway/internal/proxy"
	"github.com/eventshop/eventshop/gateway/internal/routes"
)

// loopExchange is a proxied request served on its connection's event
// loop. It is pooled, with its callbacks bound once, so that a request
// costs the loop no allocation of its own.
type loopExchange struct {
	g           *Gateway
	x           exchange
	ev          *evhttp.Exchange
	breakerDone func(error)
	call        *proxy.Call // the upstream call in flight
	sending     bool        // inside Send, which may answer before it returns
	over        bool        // answered
	gone        func()      // lx.cancel
	answer      func(error) // lx.answered
}

// loopExchanges holds idle loopExchanges.
var loopExchanges sync.Pool

func getLoopExchange() *loopExchange {
	if lx, ok := loopExchanges.Get().(*loopExchange); ok {
		return lx
	}
	lx := &loopExchange{}
	lx.gone, lx.answer = lx.cancel, lx.answered
	return lx
}

// serveOnLoop runs a proxied request on its connection's event loop: the
// chain, then the exchange with the upstream over a connection of the same
// loop, whose answer completes the client's response there. Nothing waits:
// the loop serves other connections while the upstream works.
func (g *Gateway) serveOnLoop(ev *evhttp.Exchange, rt *routes.Route, path string) {
	lx := getLoopExchange()
	lx.g, lx.ev = g, ev
	lx.x = newExchange(&ev.Ctx, rt, path, ev.Start)
	x := &lx.x
	body, refused := g.admit(x)
	if refused != 0 {
		lx.end(refused)
		return
	}
	if g.cacheable(x) {
		if status, ok := g.serveHit(x); ok {
			lx.end(status)
			return
		}
		go lx.fill(body)
		return
	}
	done, err := g.breakers.Allow(rt.Upstream)
	if err != nil {
		lx.end(g.upstreamError(x, err))
		return
	}
	lx.breakerDone = done
	out := g.outgoing(x, body)
	ev.OnGone(lx.gone)
	lx.sending = true
	call := g.proxy.Send(ev.Loop(), &ev.Ctx.Request, &ev.Ctx.Response, g.upstreams[rt.Upstream], x.start.Add(rt.Timeout), &out, lx.answer)
	lx.sending = false
	if lx.over { // answered within Send (a refused dial)
		lx.release()
		return
	}
	lx.call = call
}

// fill answers a cache miss off the loop: the fill waits for the upstream
// and is shared with every other request for the same key.
func (lx *loopExchange) fill(body []byte) {
	ev := lx.ev
	defer ev.FinishAsync()
	defer lx.release()
	defer lx.g.recoverPanic(&ev.Ctx)
	lx.g.observe(&lx.x, lx.g.serveCached(&lx.x, body))
}

// answered completes the response with the upstream's answer or error.
func (lx *loopExchange) answered(err error) {
	defer lx.g.recoverOnLoop(lx.ev)
	lx.call = nil
	lx.end(lx.g.forwarded(&lx.x, lx.breakerDone, err))
}

// end records the exchange and sends the response.
func (lx *loopExchange) end(status int) {
	lx.g.observe(&lx.x, status)
	lx.over = true
	lx.ev.Finish()
	if !lx.sending {
		lx.release()
	}
}

// cancel aborts the upstream call when the client has gone.
func (lx *loopExchange) cancel() {
	if lx.call != nil {
		lx.call.Cancel()
	}
}

func (lx *loopExchange) release() {
	lx.x = exchange{}
	lx.g, lx.ev, lx.call, lx.breakerDone = nil, nil, nil, nil
	lx.over = false
	loopExchanges.Put(lx)
}
