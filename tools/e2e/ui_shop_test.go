package e2e_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestWebUIShopConfirmsLiveAndDrawsTheWaterfall drives the shop in a
// headless Chromium against the running platform, as a person would: alice
// puts a mouse in her cart and checks out with an approving card, and the
// order's page turns CONFIRMED in place, told by the order's event stream
// when the platform serves one, else by polling, as its badge says; she
// opens the order's saga waterfall from her orders, with a lane for every
// service; a declined card's order is cancelled, she cancels an order that
// waits for payment from its page, and her notification arrives; bob, signed in on the same page, does not see her orders; on a
// phone-sized screen the shop fits and every control is a finger's size.
// The page must raise no JavaScript error, console error or
// Content-Security-Policy violation on the way.
func TestWebUIShopConfirmsLiveAndDrawsTheWaterfall(t *testing.T) {
	ui := openUI(t)
	ui.do(t, chromedp.Click(chromedp.CSS(`button[data-login="alice"]`)), waitText("#user", "alice (customer)"),
		waitJS(`!document.querySelector("#cart").hidden && getComputedStyle(document.querySelector("#cart")).display !== "none"`))
	ui.screenshot(t, "shop")

	confirmed := ui.checkout(t, "SKU-MOUSE", "tok_visa")
	ui.do(t, waitJS(`document.querySelector("#order-status").textContent.startsWith("CONFIRMED")`))
	if got := ui.eval(t, `String(window.sameDocument)`); got != "true" {
		t.Errorf("the page was reloaded while the order confirmed (marker %s): want the status to change in place", got)
	}
	wantMode, wantVia := "polling", "fetch"
	if streamsServed(t) {
		wantMode, wantVia = "live", "stream"
	}
	if got := ui.eval(t, `document.querySelector("#order-mode").dataset.mode`); got != wantMode {
		t.Errorf("order page's update mode = %q, want %q", got, wantMode)
	}
	if got := ui.eval(t, `document.querySelector("#order-status").dataset.via`); got != wantVia {
		t.Errorf("the order page learned CONFIRMED by %q, want %q", got, wantVia)
	}
	t.Logf("order %s confirmed on its page (%s mode), which showed %s", confirmed, wantMode,
		ui.eval(t, `document.querySelector("#order-status").dataset.seen`))
	ui.do(t, waitJS(waterfallComplete))
	ui.screenshot(t, "order-confirmed")

	declined := ui.checkout(t, "SKU-MOUSE", "tok_decline")
	ui.do(t, waitJS(`document.querySelector("#order-status").textContent.startsWith("CANCELLED")`))

	// With payment stopped the order waits PENDING, and alice cancels it
	// from its page.
	withPaymentStopped(t, func() {
		pending := ui.checkout(t, "SKU-MONITOR", "tok_visa")
		ui.do(t, waitJS(`document.querySelector("#order-status").textContent === "PENDING" && !document.querySelector("#order-cancel").hidden`))
		ui.screenshot(t, "order-pending")
		ui.do(t, chromedp.Click(chromedp.CSS(`#order-cancel`)), waitText("#status", "order "+pending+" cancelled"),
			waitJS(`document.querySelector("#order-status").textContent.startsWith("CANCELLED") && document.querySelector("#order-cancel").hidden`))
	})

	ui.do(t, chromedp.Click(chromedp.CSS(`nav a[data-page="orders"]`)),
		waitJS(fmt.Sprintf(`document.querySelector('#orders tr[data-id=%q] .status')?.textContent === "CONFIRMED"`, confirmed)),
		waitJS(fmt.Sprintf(`document.querySelector('#orders tr[data-id=%q] .status')?.textContent === "CANCELLED"`, declined)))
	ui.refreshUntil(t, "#refresh-orders", fmt.Sprintf(`!!document.querySelector('#notifications li[data-order=%q]')`, confirmed))
	ui.screenshot(t, "my-orders")

	ui.do(t, evaluate(fmt.Sprintf(`document.querySelector('#orders tr[data-id=%q] a.button').click()`, confirmed)),
		waitText("#order-id", confirmed), waitJS(waterfallComplete))
	if shop.stack.JaegerURL != "" {
		// The services export in batches: the spans join the events
		// seconds after the saga ends.
		ui.do(t, waitJS(waterfallHasSpans))
	}
	ui.screenshot(t, "waterfall")

	// Bob's list replaces alice's in the same page: once it is loaded for
	// him, it shows neither of her orders.
	ui.do(t, chromedp.Click(chromedp.CSS(`button[data-login="bob"]`)), waitText("#user", "bob (customer)"),
		evaluate(`location.hash = "#/orders"`), waitJS(`document.querySelector("#orders").dataset.user === "bob"`))
	for _, id := range []string{confirmed, declined} {
		if got := ui.eval(t, fmt.Sprintf(`String(document.querySelectorAll('#orders tr[data-id=%q]').length)`, id)); got != "0" {
			t.Errorf("bob's orders list alice's order %s", id)
		}
	}

	ui.onPhone(t)
	ui.noPageErrors(t)
	checkInvariants(t)
}

// waterfallComplete is true once the order page's waterfall holds the
// confirmed saga's events, each in its service's lane.
const waterfallComplete = `(() => {
	const lane = (type) => document.querySelector('#waterfall g.entry[data-type="' + type + '"]')?.dataset.lane;
	return lane("order.placed.v2") === "order" && lane("inventory.reserved.v1") === "inventory" &&
		lane("payment.authorised.v1") === "payment" && lane("order.confirmed.v1") === "order" &&
		lane("notification.sent.v1") === "notification";
})()`

// waterfallHasSpans is true once the order page's waterfall holds spans of
// the order's trace in the lane of the gateway and of every service of the
// saga, a server span among the gateway's (E2E_TRACES=1 only).
const waterfallHasSpans = `(() => {
	const spans = (lane) => document.querySelectorAll('#waterfall g.entry.span[data-lane="' + lane + '"]').length;
	return ["gateway", "order", "inventory", "payment", "notification"].every((l) => spans(l) > 0) &&
		!!document.querySelector('#waterfall g.entry.span[data-lane="gateway"][data-kind="server"]');
})()`

// checkout empties the cart, adds one of sku, pays with method and waits
// for the new order's page; it returns the order's id. The page is marked
// first, so that the caller can tell it was not reloaded since.
func (b *browser) checkout(t *testing.T, sku, method string) string {
	t.Helper()
	b.do(t, evaluate(`location.hash = "#/shop"`), waitJS(`document.body.dataset.page === "shop"`),
		chromedp.Click(chromedp.CSS(`#clear-cart`)),
		waitJS(fmt.Sprintf(`!document.querySelector('#products li[data-sku=%q] button').disabled`, sku)),
		evaluate(`window.sameDocument = true`),
		// The catalogue is drawn again when it loads, so the button is
		// found and pressed in one step of the page, as a click would be.
		evaluate(fmt.Sprintf(`document.querySelector('#products li[data-sku=%q] button').click()`, sku)),
		waitJS(fmt.Sprintf(`document.querySelector('#cart-lines tr[data-sku=%q] output')?.textContent === "1"`, sku)),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name="card"][value=%q]`, method))),
		chromedp.Click(chromedp.CSS(`#checkout`)),
		waitJS(`document.body.dataset.page === "order" && document.querySelector("#order-id").textContent !== ""`))
	return b.eval(t, `document.querySelector("#order-id").textContent`)
}

// refreshUntil presses the button sel until expr is true: what it lists
// arrives asynchronously.
func (b *browser) refreshUntil(t *testing.T, sel, expr string) {
	t.Helper()
	click := fmt.Sprintf(`(document.querySelector(%q).click(), %s)`, sel, expr)
	b.do(t, chromedp.Poll[chromedp.Void](click, chromedp.WithPollingTimeout(uiTimeout), chromedp.WithPollingInterval(500*time.Millisecond)))
}

// onPhone shows the shop on a phone-sized screen and checks that nothing
// is wider than it and that every visible button, link in the navigation
// and form control is at least 44 px high, a finger's size.
func (b *browser) onPhone(t *testing.T) {
	t.Helper()
	b.do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch),
		evaluate(`location.hash = "#/shop"`), waitJS(`document.body.dataset.page === "shop"`))
	if w := b.eval(t, `String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("the shop is %s px wide on a 390 px screen", w)
	}
	small := b.eval(t, `[...document.querySelectorAll("button, nav a, select, input:not([type=radio]), fieldset label")]
		.filter(e => e.getClientRects().length > 0 && e.getBoundingClientRect().height < 44)
		.map(e => e.id || e.textContent.trim()).join(", ")`)
	if small != "" {
		t.Errorf("controls smaller than 44 px on a phone: %s", small)
	}
	b.screenshot(t, "shop-phone")
}

// streamsServed reports whether the gateway's contract lists the order
// event stream, which the page uses when it is there.
func streamsServed(t *testing.T) bool {
	t.Helper()
	resp, err := http.Get(shop.stack.URL("gateway") + "/api/v1/openapi.json")
	if err != nil {
		t.Fatalf("openapi: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("openapi: %v", err)
	}
	return strings.Contains(string(body), `"/api/v1/orders/{id}/events"`)
}
