package stack

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/eventshop/eventshop/testkit"
)

// infraReadyTimeout bounds how long nats-server and FerretDB may take to
// accept connections after they start.
const infraReadyTimeout = 60 * time.Second

// startInfra starts nats-server, PostgreSQL and FerretDB, each as a
// supervised process of its own that is started again on the same data when
// it dies, as the services are; under Options.Traces, Jaeger first.
func (s *Stack) startInfra(ctx context.Context) error {
	if s.opts.Traces {
		if err := s.startJaeger(ctx); err != nil {
			return err
		}
	}
	if err := s.startNATS(ctx); err != nil {
		return err
	}
	if err := s.startPostgres(ctx); err != nil {
		return err
	}
	return s.startFerret(ctx)
}

// ferretDir holds FerretDB's SQLite files.
func (s *Stack) ferretDir() string { return filepath.Join(s.opts.DataDir, "ferretdb") }

// fixed returns port when the stack uses fixed ports and 0 (a free port) otherwise.
func (s *Stack) fixed(port int) int {
	if s.opts.FixedPorts {
		return port
	}
	return 0
}

// port returns fixed(want), or a free port when that is 0.
func (s *Stack) port(want int) (int, error) {
	if p := s.fixed(want); p != 0 {
		return p, nil
	}
	return testkit.FreePort()
}

// startNATS runs nats-server with JetStream on file storage in DataDir/nats;
// a restart finds its streams and consumers there. With Options.NATSNodes
// above one it runs a JetStream cluster instead (startNATSCluster).
func (s *Stack) startNATS(ctx context.Context) error {
	if s.opts.NATSNodes > 1 {
		return s.startNATSCluster(ctx)
	}
	port, err := s.port(4222)
	if err != nil {
		return err
	}
	s.NATS = s.infraProcess("nats-server", 37,
		"-a", "127.0.0.1", "-p", strconv.Itoa(port), "-js", "-n", "eventshop",
		"-sd", filepath.Join(s.opts.DataDir, "nats"))
	if err := s.NATS.Start(); err != nil {
		return err
	}
	s.NATSURL = fmt.Sprintf("nats://127.0.0.1:%d", port)
	s.NATSNodes, s.NATSURLs = []*Process{s.NATS}, []string{s.NATSURL}
	if err := waitJetStream(ctx, s.NATSURL); err != nil {
		return fmt.Errorf("nats-server: %w", err)
	}
	return nil
}

// startFerret runs FerretDB (SQLite backend) with its files in ferretDir.
func (s *Stack) startFerret(ctx context.Context) error {
	port, err := s.port(27017)
	if err != nil {
		return err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s.Ferret = s.infraProcess("ferretdb", 90, "-listen", addr, "-dir", s.ferretDir())
	if err := s.Ferret.Start(); err != nil {
		return err
	}
	s.MongoURL = "mongodb://" + addr + "/"
	if err := waitListening(ctx, addr); err != nil {
		return fmt.Errorf("ferretdb: %w", err)
	}
	return nil
}

func (s *Stack) infraProcess(name string, colour int, args ...string) *Process {
	return &Process{
		Name: name,
		Path: filepath.Join(s.opts.BinDir, name),
		Args: args,
		Env:  procEnv(),
		Out:  NewPrefixWriter(s.opts.Log, &s.logMu, name, colour),
	}
}

// waitJetStream polls until the server at url answers a JetStream request.
func waitJetStream(ctx context.Context, url string) error {
	return poll(ctx, infraReadyTimeout, func() error {
		nc, err := nats.Connect(url, nats.Timeout(time.Second))
		if err != nil {
			return err
		}
		defer nc.Close()
		js, err := nc.JetStream()
		if err != nil {
			return err
		}
		_, err = js.AccountInfo(nats.MaxWait(time.Second))
		return err
	})
}

// waitListening polls until addr accepts a TCP connection.
func waitListening(ctx context.Context, addr string) error {
	return poll(ctx, infraReadyTimeout, func() error {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	})
}

func (s *Stack) stopInfra() {
	ctx := context.Background()
	if s.Ferret != nil {
		s.Ferret.Stop(ctx, 15*time.Second)
	}
	if s.Postgres != nil {
		s.Postgres.Stop()
	}
	for _, n := range s.NATSNodes {
		n.Stop(ctx, 15*time.Second)
	}
	if s.Jaeger != nil {
		s.Jaeger.Stop(ctx, 15*time.Second)
	}
}
