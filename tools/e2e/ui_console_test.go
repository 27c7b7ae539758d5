package e2e_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestWebUIConsoleReplaysADeadLetter drives the operator console in a
// headless Chromium against the running platform: an order.placed event
// that fails its schema is dead-lettered by inventory; the admin finds it
// in the console, shows its reason, headers and payload, and replays it;
// the replayed event, still invalid, is dead-lettered again under a new id,
// which the admin discards. On the way the admin restocks a product from
// the console, sees every breaker closed and every service's outbox backlog
// and consumer lag, and the live event stream shows the replay when the
// platform serves the stream.
func TestWebUIConsoleReplaysADeadLetter(t *testing.T) {
	ui := openUI(t)
	ui.do(t, chromedp.Click(chromedp.CSS(`button[data-login="admin"]`)), waitText("#user", "admin (admin)"),
		chromedp.Click(chromedp.CSS(`nav a[data-page="console"]`)), waitJS(`document.body.dataset.page === "console"`))

	before := ui.available(t, "SKU-WEBCAM")
	// The table is drawn again whenever it loads, so the quantity is typed
	// and the button pressed in one step of the page.
	ui.do(t, evaluate(`(() => {
		document.querySelector("#restock-SKU-WEBCAM").value = "7";
		document.querySelector('#inventory tr[data-sku="SKU-WEBCAM"] button').click();
	})()`))
	shop.baseline["SKU-WEBCAM"] += 7 // the stock the invariants expect from now on
	ui.do(t, waitJS(fmt.Sprintf(`%s === %q`, availableJS("SKU-WEBCAM"), strconv.Itoa(before+7))),
		waitJS(`(() => {
			const state = Object.fromEntries([...document.querySelectorAll("#breakers li")].map(li => [li.dataset.name, li.querySelector("strong").textContent]));
			return ["order", "inventory", "payment", "notification", "order-inventory", "payment-provider"].every(n => state[n] === "closed");
		})()`),
		// The pipeline panel shows every service's outbox backlog and
		// inventory's consumer lag, read from the services' metrics.
		waitJS(`["order", "inventory", "payment"].every(s => document.querySelector('#pipeline tr[data-service="' + s + '"][data-measure="eventshop_outbox_backlog"]'))
			&& !!document.querySelector('#pipeline tr[data-service="inventory"][data-measure="eventshop_bus_consumer_pending"]')`))

	subject := publishPoison(t)
	first := ui.deadLetter(t, subject, "")
	ui.do(t, evaluate(fmt.Sprintf(`document.querySelector('#dlq tr[data-id=%q] button').click()`, first)),
		waitText("#dlq-detail-id", first),
		waitJS(`document.querySelector("#dlq-detail-reason").textContent !== ""`),
		waitJS(`document.querySelector("#dlq-detail-payload").textContent.includes("poison")`),
		waitJS(`document.querySelector("#dlq-detail-headers").textContent.includes("ce-type")`))
	ui.screenshot(t, "console-dead-letter")

	ui.do(t, evaluate(fmt.Sprintf(`document.querySelector('#dlq tr[data-id=%q] button[aria-label^="Replay"]').click()`, first)),
		waitText("#status", "dead letter "+first+" replayed"),
		waitJS(fmt.Sprintf(`!document.querySelector('#dlq tr[data-id=%q]')`, first)))
	again := ui.deadLetter(t, subject, first)
	if streamsServed(t) {
		ui.do(t, waitJS(`[...document.querySelectorAll("#events tbody tr")].some(tr => tr.dataset.type === "order.placed.v2")`))
	} else if mode := ui.eval(t, `document.querySelector("#events-mode").dataset.mode`); mode != "off" {
		t.Errorf("event stream badge = %q on a platform without the stream, want off", mode)
	}
	ui.screenshot(t, "console")

	ui.do(t, evaluate(fmt.Sprintf(`document.querySelector('#dlq tr[data-id=%q] button[aria-label^="Discard"]').click()`, again)),
		waitText("#status", "dead letter "+again+" discarded"),
		waitJS(fmt.Sprintf(`!document.querySelector('#dlq tr[data-subject=%q]')`, subject)))
	ui.noPageErrors(t)
	checkInvariants(t)
}

// deadLetter presses the dead letters' refresh button until a dead letter
// of subject other than not is listed, and returns its id.
func (b *browser) deadLetter(t *testing.T, subject, not string) string {
	t.Helper()
	find := fmt.Sprintf(`[...document.querySelectorAll('#dlq tr[data-subject=%q]')].some(tr => tr.dataset.id !== %q)`, subject, not)
	b.refreshUntil(t, `[data-refresh="dlq"]`, find)
	return b.eval(t, fmt.Sprintf(`[...document.querySelectorAll('#dlq tr[data-subject=%q]')].find(tr => tr.dataset.id !== %q).dataset.id`, subject, not))
}

// publishPoison publishes an order.placed event whose body fails its
// schema, for an order that does not exist, and returns its subject.
func publishPoison(t *testing.T) string {
	t.Helper()
	_, js := connectJetStream(t)
	id, order := uuid.NewString(), uuid.NewString()
	msg := &nats.Msg{Subject: "order.placed.v2." + order, Header: nats.Header{}, Data: []byte(`{"poison":true}`)}
	for k, v := range map[string]string{
		"ce-specversion": "1.0", "ce-id": id, "ce-source": "e2e", "ce-type": "order.placed.v2",
		"ce-time": time.Now().UTC().Format(time.RFC3339Nano), "ce-subject": order,
		"content-type": "application/json", jetstream.MsgIDHeader: id,
	} {
		msg.Header.Set(k, v)
	}
	if _, err := js.PublishMsg(testContext(t), msg); err != nil {
		t.Fatalf("publish an invalid event: %v", err)
	}
	return msg.Subject
}

// availableJS is the available stock of sku in the console's stock table,
// as text, or "" while the table lacks it.
func availableJS(sku string) string {
	return fmt.Sprintf(`(document.querySelector('#inventory tr[data-sku=%q] .available')?.textContent ?? "")`, sku)
}

// available reads sku's available stock from the console's stock table.
func (b *browser) available(t *testing.T, sku string) int {
	t.Helper()
	b.do(t, waitJS(availableJS(sku)+` !== ""`))
	text := b.eval(t, availableJS(sku))
	n, err := strconv.Atoi(text)
	if err != nil {
		t.Fatalf("available stock of %s in the stock table: %q", sku, text)
	}
	return n
}
