package e2e_test

import (
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// uiTimeout bounds one wait for the page; a saga ends well within it.
const uiTimeout = 30 * time.Second

// TestWebUIPlacesWatchesAndAdministers drives the gateway's web UI in a
// headless Chromium against the running platform, as a person would: alice
// signs in, orders a mouse and watches the saga confirm it, has a declined
// order cancelled and sees her notification; bob, signed in on the same
// page, does not see alice's orders; the admin restocks a product and sees
// the breakers of the gateway and of the services closed. The page must
// raise no JavaScript error, console error or Content-Security-Policy
// violation on the way.
func TestWebUIPlacesWatchesAndAdministers(t *testing.T) {
	ui := openUI(t)

	ui.do(t, chromedp.Click(chromedp.CSS(`button[data-login="alice"]`)), waitText("#user", "alice (customer)"))
	confirmed := ui.placeOrder(t, "SKU-MOUSE", "tok_visa", "CONFIRMED")
	ui.do(t, waitJS(`[...document.querySelectorAll("#timeline li")].some(li => li.textContent.includes("order.placed"))`),
		waitJS(fmt.Sprintf(`[...document.querySelectorAll("#orders tbody tr")].some(tr => tr.cells[0].textContent === %q && tr.cells[1].textContent === "CONFIRMED")`, confirmed)))
	declined := ui.placeOrder(t, "SKU-MOUSE", "tok_decline", "CANCELLED")
	ui.refreshUntil(t, "notifications", fmt.Sprintf(`document.querySelector("#notifications").textContent.includes(%q)`, confirmed))

	// Bob's list replaces alice's in the same page: once neither of her
	// orders is listed, it was loaded for him, and shows none of hers.
	ui.do(t, chromedp.Click(chromedp.CSS(`button[data-login="bob"]`)), waitText("#user", "bob (customer)"),
		waitJS(fmt.Sprintf(`!["%s", "%s"].some(id => document.querySelector("#orders tbody").textContent.includes(id))`, confirmed, declined)))

	ui.do(t, chromedp.Click(chromedp.CSS(`button[data-login="admin"]`)), waitText("#user", "admin (admin)"))
	before := ui.available(t, "SKU-WEBCAM")
	ui.do(t, evaluate(`[...document.querySelectorAll("#inventory tbody tr")].find(tr => tr.cells[0].textContent === "SKU-WEBCAM").querySelector("button").click()`))
	shop.baseline["SKU-WEBCAM"] += 10 // the stock the invariants expect from now on
	ui.do(t, waitJS(fmt.Sprintf(`%s === %q`, availableJS("SKU-WEBCAM"), strconv.Itoa(before+10))),
		waitJS(`(() => {
			const state = Object.fromEntries([...document.querySelectorAll("#breakers tbody tr")].map(tr => [tr.cells[0].textContent, tr.cells[1].textContent]));
			return ["order", "inventory", "payment", "notification", "order-inventory", "payment-provider"].every(n => state[n] === "closed");
		})()`))

	ui.noPageErrors(t)
	checkInvariants(t)
}

// browser is a tab of headless Chromium on the web UI, with the errors the
// page raised.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

// openUI starts Chromium, opens the gateway's UI and collects the page's
// JavaScript exceptions, console errors and browser log errors (CSP
// violations and failed requests among them) from the start.
func openUI(t *testing.T) *browser {
	t.Helper()
	path := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox,
		chromedp.Flag("disable-dev-shm-usage", true))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	b := &browser{}
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(b.collect))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b.ctx = ctx
	// The first call starts the browser, which lives as long as its
	// context: it gets the test's, not one with a timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate(shop.stack.URL("gateway")+"/")); err != nil {
		t.Fatalf("open the web UI: %v", err)
	}
	b.do(t, waitJS(`document.querySelectorAll("#products tbody tr").length > 0`))
	return b
}

// chromium finds the browser. Without one the test is skipped, except in
// CI, whose set-up installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := osexec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no Chromium found: .ci/run installs it")
	}
	t.Skip("no Chromium found; install Debian's chromium to run the web UI test")
	return ""
}

// collect keeps the page's errors; it runs in chromedp's reading loop, so
// it only appends.
func (b *browser) collect(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg = fmt.Sprintf("exception %s at %s:%d", d.Text, d.URL, d.LineNumber)
		if d.Exception != nil {
			msg += ": " + d.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value)+a.Description)
			}
			msg = "console.error " + strings.Join(parts, " ")
		}
	case *cdplog.EventEntryAdded:
		// Browsers ask for /favicon.ico on their own; the UI has none.
		if e := ev.Entry; e.Level == cdplog.EntryLevelError && !strings.HasSuffix(e.URL, "/favicon.ico") {
			msg = fmt.Sprintf("%s error %s %s", e.Source, e.Text, e.URL)
		}
	}
	if msg != "" {
		b.mu.Lock()
		b.errors = append(b.errors, msg)
		b.mu.Unlock()
	}
}

func (b *browser) noPageErrors(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.errors {
		t.Errorf("the page reported %s", e)
	}
}

// do runs steps on the page and fails the test at the first error, quoting
// the page's status line.
func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*uiTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("web UI: %v (status line: %q)", err, b.eval(t, `document.querySelector("#status").textContent`))
	}
}

// eval returns the string value of a JavaScript expression on the page.
func (b *browser) eval(t *testing.T, expr string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, uiTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

// waitJS waits until the JavaScript expression is true.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(uiTimeout), chromedp.WithPollingInterval(50*time.Millisecond))
}

// evaluate runs JavaScript on the page for its effect.
func evaluate(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](expr)
}

// waitText waits until the element sel shows exactly text.
func waitText(sel, text string) chromedp.Action[chromedp.Void] {
	return waitJS(fmt.Sprintf(`document.querySelector(%q).textContent === %q`, sel, text))
}

// placeOrder orders one of sku with the payment method through the form,
// waits until the order's detail shows a status starting with want, and
// returns the order's id.
func (b *browser) placeOrder(t *testing.T, sku, method, want string) string {
	t.Helper()
	// The products table is loaded again after every sign-in and every
	// finished order, so the quantity is set and the button pressed in one
	// step of the page, with no reload in between, as a person's typing
	// and click would be.
	order := fmt.Sprintf(`(() => {
		document.querySelector("#detail-id").textContent = "";
		document.querySelector('#products input[data-sku=%q]').value = "1";
		document.querySelector("#payment").value = %q;
		document.querySelector("#place").click();
	})()`, sku, method)
	b.do(t, evaluate(order),
		waitJS(`document.querySelector("#detail-id").textContent !== ""`),
		waitJS(fmt.Sprintf(`document.querySelector("#detail-status").textContent.startsWith(%q)`, want)),
	)
	return b.eval(t, `document.querySelector("#detail-id").textContent`)
}

// refreshUntil presses a section's refresh button until expr is true: what
// it lists arrives asynchronously.
func (b *browser) refreshUntil(t *testing.T, section, expr string) {
	t.Helper()
	click := fmt.Sprintf(`(document.querySelector('[data-refresh=%q]').click(), %s)`, section, expr)
	b.do(t, chromedp.Poll[chromedp.Void](click, chromedp.WithPollingTimeout(uiTimeout), chromedp.WithPollingInterval(500*time.Millisecond)))
}

// availableJS is the available stock of sku in the admin's inventory
// table, as text, or "" while the table lacks it.
func availableJS(sku string) string {
	return fmt.Sprintf(`(() => { const tr = [...document.querySelectorAll("#inventory tbody tr")].find(tr => tr.cells[0].textContent === %q); return tr ? tr.cells[1].textContent : ""; })()`, sku)
}

// available reads sku's available stock from the admin's inventory table.
func (b *browser) available(t *testing.T, sku string) int {
	t.Helper()
	b.do(t, waitJS(availableJS(sku)+` !== ""`))
	text := b.eval(t, availableJS(sku))
	n, err := strconv.Atoi(text)
	if err != nil {
		t.Fatalf("available stock of %s in the inventory table: %q", sku, text)
	}
	return n
}
