package httpserver

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Breaker is a circuit breaker a service keeps for one of its outgoing calls.
type Breaker interface {
	BreakerName() string
	StateName() string
}

// BreakerStatus is one breaker as GET /internal/breakers lists it.
type BreakerStatus struct {
	Name  string `json:"name"`
	State string `json:"state"`
}

// AddBreakers serves GET /internal/breakers with the name and state of each
// of bs. The gateway reads it for its admin breaker list; the route is
// internal because only the gateway reaches the services. Their states are
// also served on /metrics as eventshop_breaker_state{breaker}.
func (s *Server) AddBreakers(bs ...Breaker) {
	s.metrics.Registerer().MustRegister(newBreakerCollector(bs))
	s.Echo.GET("/internal/breakers", func(c echo.Context) error {
		items := make([]BreakerStatus, len(bs))
		for i, b := range bs {
			items[i] = BreakerStatus{Name: b.BreakerName(), State: b.StateName()}
		}
		return c.JSON(http.StatusOK, map[string]any{"items": items})
	})
}
