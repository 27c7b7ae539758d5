package deploycheck

import (
	"fmt"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Render builds the kustomization in dir the way `kubectl kustomize dir`
// does, with kustomize's default options: no plugins, no helm, no network,
// so that a render needs nothing but the files.
func Render(fsys filesys.FileSystem, dir string) (resmap.ResMap, error) {
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", dir, err)
	}
	return m, nil
}
