package flexcallback

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The JSON fixtures in testdata/protocol are the protocol's messages as they travel; the shim's
// test/protocol.test.js checks the same files against its JSDoc typedefs (src/protocol.js), so a
// field renamed, added or retyped on one side alone fails one of the two.

// TestProtocolFixtures decodes every fixture into Message (no unknown field allowed), re-encodes
// it and requires the same JSON back, where Go may only leave out a zero value of an omitempty
// field. It fails when a message type constant (Msg*) has no fixture.
func TestProtocolFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/protocol/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	kinds := messageTypes(t)
	seen := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m Message
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if !kinds[m.Type] {
			t.Errorf("%s: type %q is not a Msg* constant of protocol.go", f, m.Type)
		}
		seen[m.Type] = true
		got, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var want, back any
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		if err := sameWire(reflect.TypeOf(m), want, back); err != nil {
			t.Errorf("%s: re-encoded differs: %v\nfixture    %s\nre-encoded %s", f, err, bytes.Join(bytes.Fields(data), nil), got)
		}
		if m.Source == SourceShim {
			if _, err := ParseShimMessage(data); err != nil {
				t.Errorf("%s: ParseShimMessage: %v", f, err)
			}
		}
	}
	for k := range kinds {
		if !seen[k] {
			t.Errorf("message type %q has no fixture in testdata/protocol", k)
		}
	}
}

// messageTypes reads the values of protocol.go's Msg* constants, so a new kind cannot go
// without a fixture.
func messageTypes(t *testing.T) map[string]bool {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "protocol.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if !strings.HasPrefix(name.Name, "Msg") || i >= len(vs.Values) {
				continue
			}
			if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				v, _ := strconv.Unquote(lit.Value)
				kinds[v] = true
			}
		}
		return true
	})
	if len(kinds) == 0 {
		t.Fatal("no Msg* constants found in protocol.go")
	}
	return kinds
}

// sameWire compares a fixture with Go's re-encoding of it, typ guiding which fields are
// omitempty: such a field may be missing from Go's output when the fixture has its zero value.
func sameWire(typ reflect.Type, want, got any) error {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	w, wok := want.(map[string]any)
	g, gok := got.(map[string]any)
	if typ.Kind() != reflect.Struct || !wok || !gok {
		if !reflect.DeepEqual(want, got) {
			return fmt.Errorf("%v != %v", want, got)
		}
		return nil
	}
	fields := jsonFields(typ)
	for k, wv := range w {
		f, ok := fields[k]
		if !ok {
			return fmt.Errorf("field %q unknown to %s", k, typ.Name())
		}
		gv, ok := g[k]
		if !ok {
			if f.omitempty && isZeroJSON(wv) {
				continue
			}
			return fmt.Errorf("field %q missing from Go's encoding", k)
		}
		if err := sameWire(f.typ, wv, gv); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			return fmt.Errorf("Go encodes field %q that the fixture lacks", k)
		}
	}
	return nil
}

type jsonField struct {
	typ       reflect.Type
	omitempty bool
}

func jsonFields(typ reflect.Type) map[string]jsonField {
	out := map[string]jsonField{}
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		out[name] = jsonField{typ: f.Type, omitempty: strings.Contains(opts, "omitempty")}
	}
	return out
}

func isZeroJSON(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case bool:
		return !v
	case string:
		return v == ""
	case float64:
		return v == 0
	}
	return false
}
