// Command k8s prints the Kubernetes objects of each kustomization directory
// it is given, as `kubectl kustomize` would, without kubectl or network:
//
//	go run ./tools/cmd/k8s deploy/k8s/overlays/prod | kubectl apply -f -
package main

import (
	"errors"
	"fmt"
	"os"

	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/eventshop/eventshop/tools/deploycheck"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "k8s:", err)
		os.Exit(1)
	}
}

func run(dirs []string) error {
	if len(dirs) == 0 {
		return errors.New("usage: k8s DIR [DIR ...] (kustomization directories)")
	}
	for i, dir := range dirs {
		m, err := deploycheck.Render(filesys.MakeFsOnDisk(), dir)
		if err != nil {
			return err
		}
		out, err := m.AsYaml()
		if err != nil {
			return fmt.Errorf("print %s: %w", dir, err)
		}
		if i > 0 {
			fmt.Println("---")
		}
		fmt.Printf("# %s\n%s", dir, out)
	}
	return nil
}
