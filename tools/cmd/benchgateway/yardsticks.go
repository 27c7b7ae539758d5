package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// caddyfile is Caddy's plain reverse_proxy to the upstream: no admin
// endpoint, no automatic HTTPS, no access log (Caddy logs none unless
// asked), its default keep-alive pool.
const caddyfile = `{
	admin off
	auto_https off
}
http://%[2]s {
	reverse_proxy %[1]s
}
`

// haproxyConf proxies to the upstream with two threads, as nginx has two
// workers, reusing upstream connections, and logging nothing.
const haproxyConf = `global
    maxconn 8192
    nbthread 2
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    option http-keep-alive
frontend fe
    bind %[2]s
    default_backend be
backend be
    http-reuse always
    server up %[1]s
`

// yardstick is a proxy of another project in front of the trivial upstream.
type yardstick struct {
	*process
	url string
}

// startCaddy runs Caddy in the foreground with a generated Caddyfile in
// dir: the best-known Go proxy, the gateway's yardstick.
func startCaddy(ctx context.Context, dir, upstreamAddr string) (*yardstick, error) {
	return startYardstick(ctx, dir, "caddy", caddyfile, upstreamAddr, func(bin, conf string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, bin, "run", "--adapter", "caddyfile", "--config", conf)
		cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+filepath.Dir(conf), "XDG_CONFIG_HOME="+filepath.Dir(conf))
		return cmd
	})
}

// startHAProxy runs HAProxy in the foreground (-db) with a generated
// configuration in dir: printed beside nginx as the limit.
func startHAProxy(ctx context.Context, dir, upstreamAddr string) (*yardstick, error) {
	return startYardstick(ctx, dir, "haproxy", haproxyConf, upstreamAddr, func(bin, conf string) *exec.Cmd {
		return exec.CommandContext(ctx, bin, "-db", "-f", conf)
	})
}

// startYardstick writes conf (formatted with the upstream's and its own
// address) to dir/name/ and starts name with it, in this command's
// session like every target (see startNginx).
func startYardstick(ctx context.Context, dir, name, conf, upstreamAddr string, command func(bin, conf string) *exec.Cmd) (*yardstick, error) {
	bin, err := lookBin(name)
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	ydir := filepath.Join(dir, name)
	if err := os.MkdirAll(ydir, 0o755); err != nil {
		return nil, fmt.Errorf("%s dir: %w", name, err)
	}
	path := filepath.Join(ydir, name+".conf")
	if err := os.WriteFile(path, fmt.Appendf(nil, conf, upstreamAddr, addr), 0o644); err != nil {
		return nil, fmt.Errorf("write %s config: %w", name, err)
	}
	p, err := startProcess(command(bin, path))
	if err != nil {
		return nil, err
	}
	y := &yardstick{process: p, url: "http://" + addr}
	if err := waitOK(ctx, p, y.url+"/api/v1/orders"); err != nil {
		p.stop()
		return nil, err
	}
	return y, nil
}
