package testkit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// initdb's bootstrap costs seconds of CPU, which a busy machine running many
// test processes at once feels. Throwaway clusters therefore copy a cluster
// that initdb made once and that is cached per PostgreSQL installation in
// the user's cache directory.

// templateDir returns where the cached cluster for the binaries in binDir
// lives; it is empty when there is no cache directory.
func templateDir(binDir string) string {
	cache, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	h := sha256.New()
	h.Write([]byte(strings.Join(initdbArgs(false), " ")))
	for _, name := range []string{"initdb", "postgres"} {
		if info, err := os.Stat(filepath.Join(binDir, name)); err == nil {
			fmt.Fprintf(h, "%s %d %d;", filepath.Join(binDir, name), info.Size(), info.ModTime().UnixNano())
		}
	}
	return filepath.Join(cache, "eventshop-testkit", "pgdata-"+hex.EncodeToString(h.Sum(nil))[:16])
}

// copyTemplate fills pgdata from the cached cluster; it reports false when
// there is none.
func copyTemplate(tpl, pgdata string, cred *syscall.Credential) (bool, error) {
	if tpl == "" {
		return false, nil
	}
	if _, err := os.Stat(filepath.Join(tpl, "PG_VERSION")); err != nil {
		return false, nil
	}
	if err := os.CopyFS(pgdata, os.DirFS(tpl)); err != nil {
		return false, fmt.Errorf("copy cluster template: %w", err)
	}
	// PostgreSQL refuses a data directory others may read.
	if err := os.Chmod(pgdata, 0o700); err != nil {
		return false, fmt.Errorf("chmod data directory: %w", err)
	}
	return true, chownTree(pgdata, cred)
}

// saveTemplate caches a cluster initdb has just made, before it first runs.
// Building into a private directory and renaming makes concurrent savers
// safe: the first rename wins. Failures only cost the next process time.
func saveTemplate(pgdata, tpl string) {
	if tpl == "" {
		return
	}
	if err := os.MkdirAll(filepath.Dir(tpl), 0o700); err != nil {
		return
	}
	tmp, err := os.MkdirTemp(filepath.Dir(tpl), "building-")
	if err != nil {
		return
	}
	defer os.RemoveAll(tmp) // gone after a successful rename anyway
	if os.CopyFS(filepath.Join(tmp, "pgdata"), os.DirFS(pgdata)) != nil {
		return
	}
	_ = os.Rename(filepath.Join(tmp, "pgdata"), tpl)
}

func chownTree(dir string, cred *syscall.Credential) error {
	if cred == nil {
		return nil
	}
	return filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return chown(path, cred)
	})
}
