package e2e_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebUIPollsWhenTheStreamFails cuts the page off from every event
// stream, as a proxy that buffers or drops them would, and checks that
// alice still sees her order confirm: the order page falls back to polling,
// says so on its badge, and learns the status from its reads.
func TestWebUIPollsWhenTheStreamFails(t *testing.T) {
	ui := openUI(t)
	ui.do(t, chromedp.Click(chromedp.CSS(`button[data-login="alice"]`)), waitText("#user", "alice (customer)"),
		evaluate(`(() => {
			const real = window.fetch;
			window.fetch = (url, opts) => String(url).includes("/events")
				? Promise.reject(new TypeError("event streams cut off by the test"))
				: real(url, opts);
		})()`))
	id := ui.checkout(t, "SKU-MOUSE", "tok_visa")
	ui.do(t, waitJS(`document.querySelector("#order-status").textContent.startsWith("CONFIRMED")`))
	if got := ui.eval(t, `document.querySelector("#order-mode").dataset.mode`); got != "polling" {
		t.Errorf("order page's badge = %q, want polling", got)
	}
	if got := ui.eval(t, `document.querySelector("#order-status").dataset.via`); got != "fetch" {
		t.Errorf("the order page learned CONFIRMED by %q, want fetch", got)
	}
	ui.do(t, waitJS(waterfallComplete))
	ui.screenshot(t, "order-polling")
	t.Logf("order %s confirmed on a page without streams", id)
	ui.noPageErrors(t)
	checkInvariants(t)
}
