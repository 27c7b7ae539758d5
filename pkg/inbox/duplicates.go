package inbox

import "github.com/prometheus/client_golang/prometheus"

// Option configures Handler.
type Option func(*handlerOptions)

type handlerOptions struct {
	duplicates func(n int)
}

// CountDuplicates makes Handler call add, after each batch it commits, with
// how many of the batch's events the consumer had already applied: the
// redeliveries the inbox dropped without effect.
func CountDuplicates(add func(n int)) Option {
	return func(o *handlerOptions) { o.duplicates = add }
}

func newHandlerOptions(opts []Option) handlerOptions {
	var o handlerOptions
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

func (o handlerOptions) reportDuplicates(n int) {
	if o.duplicates != nil && n > 0 {
		o.duplicates(n)
	}
}

// Duplicates is eventshop_inbox_duplicates_total{consumer}, built on the
// registry the service serves; a nil *Duplicates counts nothing.
type Duplicates struct {
	total *prometheus.CounterVec
}

// NewDuplicates builds the counter and registers it on reg.
func NewDuplicates(reg prometheus.Registerer) *Duplicates {
	d := &Duplicates{total: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "eventshop", Subsystem: "inbox", Name: "duplicates_total",
		Help: "Events a consumer's inbox had already applied, dropped without effect, by consumer.",
	}, []string{"consumer"})}
	reg.MustRegister(d.total)
	return d
}

// For is the Handler option that counts consumer's duplicates in d; the
// consumer's series starts at zero.
func (d *Duplicates) For(consumer string) Option {
	if d == nil {
		return func(*handlerOptions) {}
	}
	c := d.total.WithLabelValues(consumer)
	return CountDuplicates(func(n int) { c.Add(float64(n)) })
}
