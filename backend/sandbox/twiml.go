package sandbox

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// node is one TwiML element with its attributes, text and children.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Nodes   []node     `xml:",any"`
}

func (n node) attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func (n node) str(name, def string) string {
	if v, ok := n.attr(name); ok {
		return v
	}
	return def
}

func (n node) num(name string, def int) int {
	if v, ok := n.attr(name); ok {
		if i, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
			return i
		}
	}
	return def
}

func (n node) flag(name string, def bool) bool {
	if v, ok := n.attr(name); ok {
		return strings.EqualFold(v, "true")
	}
	return def
}

func (n node) attrMap() map[string]string {
	if len(n.Attrs) == 0 {
		return nil
	}
	m := make(map[string]string, len(n.Attrs))
	for _, a := range n.Attrs {
		m[a.Name.Local] = a.Value
	}
	return m
}

// doc is a parsed TwiML document and the URL it came from (relative URLs resolve against it).
type doc struct {
	url   string
	verbs []node
}

func parseTwiML(body []byte, from string) (*doc, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return &doc{url: from}, nil
	}
	var root node
	if err := xml.Unmarshal(body, &root); err != nil {
		return nil, fmt.Errorf("parse twiml: %w", err)
	}
	if root.XMLName.Local != "Response" {
		return nil, fmt.Errorf("parse twiml: root element %q, want Response", root.XMLName.Local)
	}
	return &doc{url: from, verbs: root.Nodes}, nil
}

// resolve makes a verb's URL absolute against the document's URL; empty stays empty.
func (d *doc) resolve(ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return ""
	}
	base, err := url.Parse(d.url)
	if err != nil || d.url == "" {
		return ref
	}
	u, err := base.Parse(ref)
	if err != nil {
		return ref
	}
	return u.String()
}

// enqueueTwiML builds the document an admin "call sent straight to Flex" runs.
func enqueueTwiML(workflowSid, waitURL, attributes string) string {
	var b bytes.Buffer
	b.WriteString(`<Response><Enqueue workflowSid="`)
	_ = xml.EscapeText(&b, []byte(workflowSid))
	b.WriteString(`"`)
	if waitURL != "" {
		b.WriteString(` waitUrl="`)
		_ = xml.EscapeText(&b, []byte(waitURL))
		b.WriteString(`"`)
	}
	b.WriteString(`><Task>`)
	_ = xml.EscapeText(&b, []byte(attributes))
	b.WriteString(`</Task></Enqueue></Response>`)
	return b.String()
}
