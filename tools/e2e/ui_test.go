package e2e_test

import (
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
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

// browser is a tab of headless Chromium on the web UI, with the errors the
// page raised.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
	shots  string // the folder screenshots go to
	shot   int    // screenshots taken, numbering the files in page order
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
	b.do(t, waitJS(`document.querySelectorAll("#products li.card").length > 0`))
	b.shots = t.ArtifactDir()
	t.Logf("screenshots of each page go to %s (kept with go test -artifacts -outputdir DIR)", b.shots)
	return b
}

// screenshot saves the whole page as a PNG named after what it shows, in
// the test's artifact folder.
func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, uiTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	b.shot++
	path := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.shot, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatalf("save screenshot: %v", err)
	}
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
// the page's status line and saving a screenshot of the page as it was.
func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*uiTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		if b.shots != "" {
			b.screenshot(t, "failed")
		}
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
