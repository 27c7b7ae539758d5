// Package startupcheck holds tests that run the real binaries of the
// gateway and the services to check what pkg/startup promises every one of
// them: that each refuses the published development JWT secret unless told
// it runs on a developer's machine.
package startupcheck
