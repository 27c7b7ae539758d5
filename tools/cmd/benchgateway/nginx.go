package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// nginxConf proxies everything to the upstream over a keep-alive pool, with
// logging off so it does the same work the gateway does.
const nginxConf = `worker_processes 2;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    upstream backend {
        server %[2]s;
        keepalive 128;
    }
    server {
        listen %[3]s;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
        location = /nginx-ready { return 200 "ok"; }
    }
}
`

type nginxProc struct {
	*process
	url     string
	workers []int // the worker processes' pids, which do the proxying
}

// startNginx runs nginx in the foreground with a generated configuration in
// dir, not the system service.
//
// In the foreground nginx stays in this command's session, as the gateway,
// the upstream and wrk do. Linux schedules each session as a group of its
// own (sched_autogroup), and a proxy in another group than its load and its
// upstream is scheduled differently: on two saturated vCPUs a daemonised
// nginx served up to a quarter fewer requests per second, and the gateway
// moved out with setsid a quarter to a half fewer (docs/benchmarks.md).
// Every target therefore shares one group.
func startNginx(ctx context.Context, dir, upstreamAddr string) (*nginxProc, error) {
	bin, err := lookBin("nginx")
	if err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	ndir := filepath.Join(dir, "nginx")
	if err := os.MkdirAll(ndir, 0o755); err != nil {
		return nil, fmt.Errorf("nginx dir: %w", err)
	}
	conf := filepath.Join(ndir, "nginx.conf")
	if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConf, ndir, upstreamAddr, addr), 0o644); err != nil {
		return nil, fmt.Errorf("write nginx config: %w", err)
	}
	cmd := exec.CommandContext(ctx, bin, "-p", ndir, "-c", conf, "-e", filepath.Join(ndir, "error.log"), "-g", "daemon off;")
	p, err := startProcess(cmd)
	if err != nil {
		return nil, err
	}
	n := &nginxProc{process: p, url: "http://" + addr}
	if err := waitOK(ctx, p, n.url+"/nginx-ready"); err != nil {
		p.stop()
		return nil, err
	}
	if n.workers, err = children(p.cmd.Process.Pid); err != nil || len(n.workers) == 0 {
		p.stop()
		return nil, fmt.Errorf("nginx workers of pid %d: %v", p.cmd.Process.Pid, err)
	}
	return n, nil
}
