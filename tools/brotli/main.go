// Command brotli compresses a file at Brotli's best quality (11, the largest window), for the
// panel's pre-compressed app.wasm.br: `go run ./tools/brotli web/app.wasm` writes web/app.wasm.br.
// It does nothing when the .br already decodes to the file, as the compression takes a while.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/andybalholm/brotli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: brotli FILE (writes FILE.br)")
		os.Exit(2)
	}
	if err := compress(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "brotli:", err)
		os.Exit(1)
	}
}

func compress(src string) error {
	dst := src + ".br"
	raw, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if upToDate(dst, raw) {
		return nil
	}
	var buf bytes.Buffer
	w := brotli.NewWriterOptions(&buf, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: 24})
	if _, err := w.Write(raw); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	// Write then rename, so a server never reads a half-written file.
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// upToDate says whether the Brotli file dst decodes to raw.
func upToDate(dst string, raw []byte) bool {
	f, err := os.Open(dst)
	if err != nil {
		return false
	}
	defer f.Close()
	dec, err := io.ReadAll(brotli.NewReader(f))
	return err == nil && bytes.Equal(dec, raw)
}
