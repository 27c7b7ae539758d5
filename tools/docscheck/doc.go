// Package docscheck holds a test that keeps the documentation's links true:
// every relative link in the repository's Markdown files names a file or
// folder that exists, so that a document naming the files to read (the
// saga's walk-through, adding a service) breaks the build when code moves.
package docscheck
