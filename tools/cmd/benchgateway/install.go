package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
)

// ensureInstalled installs the Debian package pkg when bin is not on PATH or
// in /usr/sbin, refreshing the package lists once if the first try fails.
func ensureInstalled(ctx context.Context, bin, pkg string) error {
	if _, err := lookBin(bin); err == nil {
		return nil
	}
	fmt.Fprintf(os.Stderr, "installing %s\n", pkg)
	install := func() error {
		cmd := exec.CommandContext(ctx, "apt-get", "-o", "DPkg::Lock::Timeout=300", "install", "-y", pkg)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		return cmd.Run()
	}
	if install() != nil {
		update := exec.CommandContext(ctx, "apt-get", "-o", "DPkg::Lock::Timeout=300", "update")
		update.Stdout, update.Stderr = os.Stderr, os.Stderr
		if err := update.Run(); err != nil {
			return fmt.Errorf("apt-get update: %w", err)
		}
		if err := install(); err != nil {
			return fmt.Errorf("install %s: %w", pkg, err)
		}
	}
	_, err := lookBin(bin)
	return err
}

// lookBin finds bin on PATH or in /usr/sbin (nginx lives there and sbin is
// not always on a non-root PATH).
func lookBin(bin string) (string, error) {
	if p, err := exec.LookPath(bin); err == nil {
		return p, nil
	}
	p := "/usr/sbin/" + bin
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s not found", bin)
	}
	return p, nil
}
